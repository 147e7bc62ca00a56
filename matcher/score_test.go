package matcher

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

var now = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func TestWeightsValidate(t *testing.T) {
	if err := DefaultWeights().Validate(); err != nil {
		t.Fatalf("default weights: %v", err)
	}
	for _, tc := range []struct {
		name string
		w    Weights
	}{
		{"negative", Weights{Version: 1, Need: -1, Fit: 1}},
		{"all zero", Weights{Version: 1}},
		{"NaN", Weights{Version: 1, Need: math.NaN()}},
		{"infinite", Weights{Version: 1, Need: math.Inf(1)}},
		{"no version", Weights{Need: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.w.Validate(); !errors.Is(err, ErrInvalid) {
				t.Errorf("err = %v, want ErrInvalid", err)
			}
		})
	}
}

func TestScorePledgeBreakdown(t *testing.T) {
	ns := MustNeeds(t, MustStockport(t))
	r := Request{ID: "r1", Kind: KindGoods, Category: "Food", AreaCode: "E05015018",
		ValuePence: 10_000_00, RemainingPence: 5_000_00, Deadline: ScoringDay(now).Add(30 * 24 * time.Hour)}
	// base in Stockport town centre, about 1.4 km from the ward centroid
	s := Supplier{ID: "s1", Name: "Acme", Kinds: []string{"goods"}, Categories: []string{"food"},
		Lat: 53.4083, Lon: -2.1494, Record: Record{Pledged: 6, Verified: 6}}
	p := Pledge{ID: "p1", RequestID: "r1", SupplierID: "s1", ValuePence: 2_000_00}
	w := DefaultWeights()
	sc, err := ScorePledge(p, r, s, ns, w, now)
	if err != nil {
		t.Fatal(err)
	}
	dist := haversineKm(s.Lat, s.Lon, 53.41741, -2.14638)
	want := map[string]float64{
		ComponentNeed:     0.9167,
		ComponentFit:      1,
		ComponentCoverage: 0.4,
		ComponentUrgency:  0.5,
		ComponentDistance: 1 / (1 + dist/10),
		ComponentRecord:   (6 + 2) / (6 + 4.0),
	}
	var sum, total float64
	for i, c := range sc.Components {
		if c.Name != componentNames[i] {
			t.Errorf("component %d is %s", i, c.Name)
		}
		if math.Abs(c.Value-want[c.Name]) > 1e-9 {
			t.Errorf("%s = %v, want %v", c.Name, c.Value, want[c.Name])
		}
		if c.Explanation == "" {
			t.Errorf("%s has no explanation", c.Name)
		}
		sum += c.Contribution
		total += c.Weight * want[c.Name]
	}
	if math.Abs(sc.Total-total) > 1e-9 || math.Abs(sum-sc.Total) > 1e-9 || sc.WeightsVersion != 1 {
		t.Errorf("total %v, contributions %v, want %v (version %d)", sc.Total, sum, total, sc.WeightsVersion)
	}
	for name, frag := range map[string]string{
		ComponentNeed:     "7 of 8 neighbourhoods in Brinnington & Stockport Central",
		ComponentFit:      "offers goods in Food",
		ComponentCoverage: "Covers £2,000 of the £5,000 still needed (40%)",
		ComponentUrgency:  "the deadline is in 30 days",
		ComponentDistance: "km from Brinnington & Stockport Central: close by",
		ComponentRecord:   "Delivered and verified 6 of 6 pledges due: a good record",
	} {
		for _, c := range sc.Components {
			if c.Name == name && !strings.Contains(c.Explanation, frag) {
				t.Errorf("%s: %q lacks %q", name, c.Explanation, frag)
			}
		}
	}
}

func TestScoreComponents(t *testing.T) {
	ns := MustNeeds(t, []Area{{Code: "A", Name: "Alpha", Deciles: [10]int{0: 1}}, {Code: "N", Name: "Nowhere", Deciles: [10]int{9: 1}, Lat: 53.4, Lon: -2.1}})
	base := Request{ID: "r", Kind: KindGoods, AreaCode: "A", ValuePence: 1000, RemainingPence: 1000}
	value := func(t *testing.T, r Request, s Supplier, p Pledge, name string) float64 {
		t.Helper()
		sc, err := ScorePledge(p, r, s, ns, DefaultWeights(), now)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range sc.Components {
			if c.Name == name {
				return c.Value
			}
		}
		t.Fatalf("no component %s", name)
		return 0
	}
	withDeadline := func(d time.Duration) Request { r := base; r.Deadline = ScoringDay(now).Add(d); return r }
	withRemaining := func(v int64) Request { r := base; r.RemainingPence = v; return r }
	withCategory := func(c string) Request { r := base; r.Category = c; return r }
	inArea := func(code string) Request { r := base; r.AreaCode = code; return r }
	for _, tc := range []struct {
		name      string
		r         Request
		s         Supplier
		p         Pledge
		component string
		want      float64
	}{
		{"newcomer record is neutral", base, Supplier{}, Pledge{}, ComponentRecord, 0.5},
		{"lapses count against", base, Supplier{Record: Record{Pledged: 2, Lapsed: 2}}, Pledge{}, ComponentRecord, 2.0 / 8},
		{"no location is neutral", base, Supplier{}, Pledge{}, ComponentDistance, 0.5},
		{"on the spot", inArea("N"), Supplier{Lat: 53.4, Lon: -2.1}, Pledge{}, ComponentDistance, 1},
		{"no deadline is neutral", base, Supplier{}, Pledge{}, ComponentUrgency, 0.5},
		{"deadline passed", withDeadline(-time.Hour), Supplier{}, Pledge{}, ComponentUrgency, 0},
		{"deadline today", withDeadline(0), Supplier{}, Pledge{}, ComponentUrgency, 1},
		{"exact cover", base, Supplier{}, Pledge{ValuePence: 1000}, ComponentCoverage, 1},
		{"over-pledge scores less", base, Supplier{}, Pledge{ValuePence: 4000}, ComponentCoverage, 0.25},
		{"partial over-pledge covers the need", base, Supplier{}, Pledge{ValuePence: 9000, AllowPartial: true}, ComponentCoverage, 1},
		{"partial under-pledge covers its share", base, Supplier{}, Pledge{ValuePence: 250, AllowPartial: true}, ComponentCoverage, 0.25},
		{"whole over-pledge scores the share that meets the need", base, Supplier{}, Pledge{ValuePence: 9000}, ComponentCoverage, 1000.0 / 9000},
		{"nothing left to cover", withRemaining(0), Supplier{}, Pledge{ValuePence: 10}, ComponentCoverage, 0},
		{"fit unknown", base, Supplier{}, Pledge{}, ComponentFit, 0.5},
		{"kind matches", base, Supplier{Kinds: []string{"Goods"}}, Pledge{}, ComponentFit, 0.8},
		{"kind, other category", withCategory("food"), Supplier{Kinds: []string{"goods"}, Categories: []string{"sport"}}, Pledge{}, ComponentFit, 0.6},
		{"category only", withCategory("food"), Supplier{Kinds: []string{"works"}, Categories: []string{"food"}}, Pledge{}, ComponentFit, 0.3},
		{"pledge kind overrides", base, Supplier{Kinds: []string{"works"}}, Pledge{Kind: "goods"}, ComponentFit, 0.8},
		{"no fit", base, Supplier{Kinds: []string{"advice"}}, Pledge{}, ComponentFit, 0},
		{"unknown area is neutral", inArea("Z"), Supplier{}, Pledge{}, ComponentNeed, 0.5},
		{"need of area", base, Supplier{}, Pledge{}, ComponentNeed, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := value(t, tc.r, tc.s, tc.p, tc.component); math.Abs(got-tc.want) > 1e-9 {
				t.Errorf("%s = %v, want %v", tc.component, got, tc.want)
			}
		})
	}
}

// TestCoveragePartialOverPledge is the scenario of issue #17: a £9,000
// pledge that may be approved in part, against £1,000 of remaining need,
// meets the whole need once £1,000 of it is approved, so it scores 1 on
// coverage (it used to score 1000/9000 = 0.11), ranks above a £500 pledge
// that is otherwise the same, and the allocation approves £1,000 of it.
func TestCoveragePartialOverPledge(t *testing.T) {
	ns := MustNeeds(t, MustStockport(t))
	r := Request{ID: "r1", Kind: KindGoods, AreaCode: "E05015018", ValuePence: 1_000_00, RemainingPence: 1_000_00}
	sups := []Supplier{{ID: "big", Kinds: []string{"goods"}}, {ID: "small", Kinds: []string{"goods"}}}
	pledges := []Pledge{
		{ID: "p-big", RequestID: "r1", SupplierID: "big", ValuePence: 9_000_00, AllowPartial: true},
		{ID: "p-small", RequestID: "r1", SupplierID: "small", ValuePence: 500_00, AllowPartial: true},
	}
	ranked, err := RankPledges(r, pledges, sups, ns, DefaultWeights(), now, PledgeRankOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ranked) != 2 || ranked[0].PledgeID != "p-big" {
		var got []string
		for _, rp := range ranked {
			got = append(got, fmt.Sprintf("%s %.4f", rp.PledgeID, rp.Score.Total))
		}
		t.Fatalf("ranking %v, want p-big first", got)
	}
	cov := ranked[0].Score.Components[2]
	if cov.Name != ComponentCoverage || cov.Value != 1 {
		t.Fatalf("coverage of p-big = %+v, want 1", cov)
	}
	if want := "Covers all of the £1,000 still needed: the supplier offers £9,000 and allows part of it to be approved"; !strings.Contains(cov.Explanation, want) {
		t.Errorf("explanation %q lacks %q", cov.Explanation, want)
	}
	if got := ranked[1].Score.Components[2].Value; got != 0.5 {
		t.Errorf("coverage of p-small = %v, want 0.5", got)
	}
	sc, err := ScorePledge(pledges[0], r, sups[0], ns, DefaultWeights(), now)
	if err != nil || sc.Total != ranked[0].Score.Total {
		t.Fatalf("ScorePledge %v (%v), RankPledges %v", sc.Total, err, ranked[0].Score.Total)
	}
	pr := Problem{Requests: []AllocRequest{{ID: "r1", NeedPence: r.RemainingPence}},
		Suppliers: []AllocSupplier{{ID: "big", LimitPence: 1 << 40}, {ID: "small", LimitPence: 1 << 40}}}
	for _, rp := range ranked {
		pr.Pledges = append(pr.Pledges, AllocPledge{ID: rp.PledgeID, RequestID: "r1", SupplierID: pledges[rp.Index].SupplierID,
			ValuePence: pledges[rp.Index].ValuePence, Score: rp.Score.Total, AllowPartial: true})
	}
	a := MustAllocate(t, pr, Options{})
	if d := a.Decisions[0]; d.PledgeID != "p-big" || d.ApprovedPence != 1_000_00 || !a.Optimal {
		t.Errorf("allocation %+v (optimal %v), want £1,000.00 of p-big", d, a.Optimal)
	}
}

func TestPounds(t *testing.T) {
	for in, want := range map[int64]string{0: "£0", 5: "£0.05", 123456: "£1,234.56", 100000000: "£1,000,000", 350000: "£3,500", -250: "-£2.50"} {
		if got := Pounds(in); got != want {
			t.Errorf("Pounds(%d) = %q, want %q", in, got, want)
		}
	}
}

// A supplier based at a ward's centre was told its base is "0.0 km" away.
func TestDistanceInWords(t *testing.T) {
	for km, want := range map[float64]string{0: "less than 0.1 km", 0.049: "less than 0.1 km", 0.05: "0.1 km", 1.44: "1.4 km", 23: "23.0 km"} {
		if got := kmWords(km); got != want {
			t.Errorf("kmWords(%v) = %q, want %q", km, got, want)
		}
	}
}

// TestPledgeScorerMatchesScorePledge checks that the scorer for allocations
// gives ScorePledge's totals exactly, for suppliers met again and again, in
// every kind of fit, area, distance and record.
func TestPledgeScorerMatchesScorePledge(t *testing.T) {
	ns := MustNeeds(t, MustStockport(t))
	areas := []string{"E05015018", "E05015015", "", "E99999999"}
	kinds := []string{KindGoods, "volunteering", ""}
	cats := []string{"food", "Food", ""}
	rng := rand.New(rand.NewPCG(4, 5))
	var sups []Supplier
	for i := range 12 {
		s := Supplier{ID: fmt.Sprintf("s%d", i), Record: Record{Pledged: rng.IntN(9), Verified: rng.IntN(5), Lapsed: rng.IntN(3)}}
		if k := kinds[rng.IntN(len(kinds))]; k != "" {
			s.Kinds = []string{strings.ToUpper(k)}
		}
		if c := cats[rng.IntN(len(cats))]; c != "" {
			s.Categories = []string{c}
		}
		if i%3 != 0 {
			s.Lat, s.Lon = 53.3+rng.Float64()/5, -2.3+rng.Float64()/5
		}
		sups = append(sups, s)
	}
	w := Weights{Version: 3, Need: 3, Fit: 1, Coverage: 2, Urgency: 1, Distance: 0.5, Record: 1}
	ps, err := NewPledgeScorer(ns, w, now)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2000 {
		r := Request{ID: "r", Kind: kinds[rng.IntN(len(kinds))], Category: cats[rng.IntN(len(cats))], AreaCode: areas[rng.IntN(len(areas))],
			ValuePence: 100_000, RemainingPence: rng.Int64N(100_001)}
		if rng.IntN(4) > 0 {
			r.Deadline = now.Add(time.Duration(rng.IntN(2000)-200) * time.Hour)
		}
		p := Pledge{ID: fmt.Sprintf("p%d", i), RequestID: "r", ValuePence: rng.Int64N(150_000), AllowPartial: rng.IntN(2) == 0}
		if rng.IntN(5) == 0 {
			p.Kind, p.Category = kinds[rng.IntN(len(kinds))], cats[rng.IntN(len(cats))]
		}
		s := sups[rng.IntN(len(sups))]
		p.SupplierID = s.ID
		want, err := ScorePledge(p, r, s, ns, w, now)
		if err != nil {
			t.Fatal(err)
		}
		if got := ps.Total(p, r, s); got != want.Total {
			t.Fatalf("pledge %d: total %v, ScorePledge %v", i, got, want.Total)
		}
	}
	if _, err := NewPledgeScorer(ns, Weights{Version: 1}, now); !errors.Is(err, ErrInvalid) {
		t.Fatalf("all-zero weights: error %v, want ErrInvalid", err)
	}
}

// Scores are made on the day, not the moment: at any time of one day a
// pledge scores the same (so a proposal made again that day can reuse the
// scores of unchanged pledges), and a day later, the deadline a day
// nearer, it scores more.
func TestScoresAreOfTheDay(t *testing.T) {
	ns := MustNeeds(t, MustStockport(t))
	day := time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)
	r := Request{ID: "r1", Kind: KindGoods, AreaCode: "E05015018", ValuePence: 10_000_00, RemainingPence: 5_000_00, Deadline: day.Add(10 * 24 * time.Hour)}
	p := Pledge{ID: "p1", RequestID: "r1", SupplierID: "s1", ValuePence: 2_000_00}
	score := func(at time.Time) float64 {
		sc, err := ScorePledge(p, r, Supplier{ID: "s1"}, ns, DefaultWeights(), at)
		if err != nil {
			t.Fatal(err)
		}
		return sc.Total
	}
	morning, night := score(day.Add(time.Minute)), score(day.Add(23*time.Hour+59*time.Minute))
	if morning != night {
		t.Fatalf("one day scores %v at 00:01 and %v at 23:59, want the same", morning, night)
	}
	if next := score(day.Add(24 * time.Hour)); next <= morning {
		t.Fatalf("the next day scores %v, want more than %v: the deadline is a day nearer", next, morning)
	}
	if got := ScoringDay(time.Date(2026, 12, 2, 23, 30, 0, 0, time.FixedZone("BST", 3600))); !got.Equal(day) {
		t.Fatalf("ScoringDay of 23:30 at UTC+1 = %v, want %v", got, day)
	}
}
