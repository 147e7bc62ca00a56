package matcher

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestRankRequests(t *testing.T) {
	ns := MustNeeds(t, MustStockport(t))
	s := Supplier{ID: "s1", Kinds: []string{"goods"}, Lat: 53.41, Lon: -2.15, OfferPence: 1000_00}
	reqs := []Request{
		{ID: "c", Kind: KindGoods, AreaCode: "E05015015", RemainingPence: 1000_00}, // least deprived
		{ID: "b", Kind: KindGoods, AreaCode: "E05015018", RemainingPence: 1000_00}, // most deprived
		{ID: "a", Kind: KindGoods, AreaCode: "E05015018", RemainingPence: 1000_00}, // tie with b
		{ID: "d", Kind: KindWorks, AreaCode: "E05015018", RemainingPence: 1000_00}, // poor fit
	}
	got, err := RankRequests(s, reqs, ns, DefaultWeights(), now, RankOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var ids string
	for _, it := range got {
		ids += it.RequestID
		if len(it.Score.Components) != numComponents || it.Score.Components[0].Explanation == "" {
			t.Errorf("%s: breakdown missing", it.RequestID)
		}
		if reqs[it.Index].ID != it.RequestID {
			t.Errorf("index %d is not %s", it.Index, it.RequestID)
		}
	}
	if ids != "abdc" {
		t.Errorf("order %q, want abdc (ties by ID)", ids)
	}
	for i := 1; i < len(got); i++ {
		if got[i].Score.Total > got[i-1].Score.Total {
			t.Errorf("not sorted by score: %v", got)
		}
	}
	limited, err := RankRequests(s, reqs, ns, DefaultWeights(), now, RankOptions{
		Filter: func(r Request) bool { return r.Kind == KindGoods }, Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(limited) != 2 || limited[0].RequestID != "a" || limited[1].RequestID != "b" {
		t.Errorf("filtered and limited: %+v", limited)
	}
	if _, err := RankRequests(s, reqs, ns, Weights{}, now, RankOptions{}); !errors.Is(err, ErrInvalid) {
		t.Errorf("bad weights: %v", err)
	}
}

func TestRankPledges(t *testing.T) {
	ns := MustNeeds(t, MustStockport(t))
	r := Request{ID: "r1", Kind: KindGoods, AreaCode: "E05015018", RemainingPence: 1000_00}
	sups := []Supplier{
		{ID: "good", Kinds: []string{"goods"}, Record: Record{Pledged: 10, Verified: 10}},
		{ID: "poor", Kinds: []string{"advice"}, Record: Record{Pledged: 10, Lapsed: 5}},
	}
	pls := []Pledge{
		{ID: "p2", RequestID: "r1", SupplierID: "poor", ValuePence: 1000_00},
		{ID: "p1", RequestID: "r1", SupplierID: "good", ValuePence: 1000_00},
		{ID: "p3", RequestID: "r1", SupplierID: "good", ValuePence: 5000_00}, // over-pledge
	}
	got, err := RankPledges(r, pls, sups, ns, DefaultWeights(), now, PledgeRankOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0].PledgeID != "p1" || got[1].PledgeID != "p3" || got[2].PledgeID != "p2" {
		t.Errorf("order %+v", got)
	}
	for _, tc := range []struct {
		name string
		p    Pledge
	}{
		{"other request", Pledge{ID: "x", RequestID: "r2", SupplierID: "good"}},
		{"unknown supplier", Pledge{ID: "x", RequestID: "r1", SupplierID: "nobody"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := RankPledges(r, []Pledge{tc.p}, sups, ns, DefaultWeights(), now, PledgeRankOptions{}); !errors.Is(err, ErrInvalid) {
				t.Errorf("err = %v, want ErrInvalid", err)
			}
		})
	}
}

// rankBenchInput is 20,000 published requests spread over Stockport's wards.
func rankBenchInput(tb testing.TB) (Supplier, []Request, *Needs) {
	areas := MustStockport(tb)
	ns := MustNeeds(tb, areas)
	kinds := []string{KindVolunteering, KindGoods, KindFunding, KindAdvice, KindJobs, KindWorks}
	cats := []string{"food", "sport", "housing", "youth", ""}
	reqs := make([]Request, 20_000)
	for i := range reqs {
		reqs[i] = Request{ID: fmt.Sprintf("req%06d", (i*7919)%20_000), Kind: kinds[i%6], Category: cats[i%5],
			AreaCode: areas[i%len(areas)].Code, ValuePence: int64(1+i%97) * 100_00, RemainingPence: int64(1+i%89) * 100_00,
			Deadline: now.Add(time.Duration(i%120) * 24 * time.Hour)}
	}
	s := Supplier{ID: "s", Kinds: []string{"goods", "works"}, Categories: []string{"housing"}, Lat: 53.41, Lon: -2.16,
		Record: Record{Pledged: 12, Verified: 10, Lapsed: 1}, OfferPence: 2500_00}
	return s, reqs, ns
}

func BenchmarkRankRequests(b *testing.B) {
	s, reqs, ns := rankBenchInput(b)
	for _, limit := range []int{50, 0} {
		b.Run(fmt.Sprintf("20000/limit=%d", limit), func(b *testing.B) {
			for b.Loop() {
				if _, err := RankRequests(s, reqs, ns, DefaultWeights(), now, RankOptions{Limit: limit}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
