package matcher

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
)

// TestSessionWarmEqualsCold changes random instances one pledge at a time
// (a new score, a new value, another request, a new pledge, a pledge gone)
// and checks after every change that the warm proposal is feasible, has the
// objective of a cold Allocate of the problem as it now is, and that its
// decisions are those the cold path writes for the same amounts.
func TestSessionWarmEqualsCold(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 16))
	for inst := range 360 {
		nr, ns := 1+rng.IntN(8), 1+rng.IntN(6)
		pr := randomProblem(rng, nr, ns, rng.IntN(30), 0)
		s, a, err := NewSession(pr)
		if err != nil {
			t.Fatal(err)
		}
		// every sixth instance builds the network again at every
		// proposal (too many cost-0 arcs), every sixth after it
		// stops the warm solve at once (too many pivots)
		switch inst % 6 {
		case 4:
			s.maxArtificials = -1
		case 5:
			s.pivotsPerArc = 0
		}
		next := len(pr.Pledges)
		for step := range 12 {
			kind := rng.IntN(5)
			if len(pr.Pledges) == 0 {
				kind = 3
			}
			var what string
			switch kind {
			case 0, 1, 2: // change a pledge
				k := rng.IntN(len(pr.Pledges))
				p := &pr.Pledges[k]
				switch kind {
				case 0:
					p.Score = float64(rng.IntN(1_000_001)) / WeightScale
				case 1:
					p.ValuePence = int64(rng.IntN(700))
				case 2:
					p.RequestID = pr.Requests[rng.IntN(nr)].ID
					p.SupplierID = pr.Suppliers[rng.IntN(ns)].ID
				}
				what = fmt.Sprintf("change %d of %s", kind, p.ID)
				err = s.SetPledge(*p)
			case 3: // a new pledge
				p := AllocPledge{ID: fmt.Sprintf("q%03d", next), RequestID: pr.Requests[rng.IntN(nr)].ID,
					SupplierID: pr.Suppliers[rng.IntN(ns)].ID, ValuePence: 1 + int64(rng.IntN(600)),
					Score: float64(rng.IntN(11)) / 10, AllowPartial: true}
				next++
				pr.Pledges = append(pr.Pledges, p)
				what = "add " + p.ID
				err = s.SetPledge(p)
			case 4: // a pledge withdrawn
				k := rng.IntN(len(pr.Pledges))
				what = "remove " + pr.Pledges[k].ID
				err = s.RemovePledge(pr.Pledges[k].ID)
				pr.Pledges = append(pr.Pledges[:k:k], pr.Pledges[k+1:]...)
			}
			if err != nil {
				t.Fatalf("instance %d step %d (%s): %v", inst, step, what, err)
			}
			a = s.Allocate()
			cold, err := Allocate(pr, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if a.Objective != cold.Objective || a.Objective != sspOptimum(pr) {
				t.Fatalf("instance %d step %d (%s): warm objective %d, cold %d, ssp %d", inst, step, what, a.Objective, cold.Objective, sspOptimum(pr))
			}
			checkFeasible(t, pr, a)
			// the decisions written for the warm amounts from nothing
			pb, _ := newProb(pr)
			x := make([]int64, len(pb.pReq))
			byID := map[string]int64{}
			for _, d := range a.Decisions {
				byID[d.PledgeID] = d.ApprovedPence
			}
			for p, o := range pb.pOrig {
				x[p] = byID[pr.Pledges[o].ID]
			}
			want := pb.result(pr, outcome{x: x, obj: a.Objective, bound: a.Objective, kind: BoundOptimum, optimal: true})
			if !reflect.DeepEqual(a, want) {
				t.Fatalf("instance %d step %d (%s): warm allocation\n%+v\nwant\n%+v", inst, step, what, a, want)
			}
		}
	}
}

func TestSessionRefuses(t *testing.T) {
	pr := Problem{Requests: []AllocRequest{{ID: "r", NeedPence: 100}}, Suppliers: []AllocSupplier{{ID: "s", LimitPence: 100}},
		Pledges: []AllocPledge{{ID: "p", RequestID: "r", SupplierID: "s", ValuePence: 50, Score: 0.5, AllowPartial: true}}}
	s, a, err := NewSession(pr)
	if err != nil || a.Objective != 50*500_000 {
		t.Fatalf("NewSession: %v, %+v", err, a)
	}
	for name, p := range map[string]AllocPledge{
		"whole":            {ID: "q", RequestID: "r", SupplierID: "s", ValuePence: 5, Score: 0.5},
		"unknown request":  {ID: "q", RequestID: "x", SupplierID: "s", ValuePence: 5, Score: 0.5, AllowPartial: true},
		"unknown supplier": {ID: "q", RequestID: "r", SupplierID: "x", ValuePence: 5, Score: 0.5, AllowPartial: true},
		"negative value":   {ID: "q", RequestID: "r", SupplierID: "s", ValuePence: -5, Score: 0.5, AllowPartial: true},
		"score above 1":    {ID: "q", RequestID: "r", SupplierID: "s", ValuePence: 5, Score: 1.5, AllowPartial: true},
		"no ID":            {RequestID: "r", SupplierID: "s", ValuePence: 5, Score: 0.5, AllowPartial: true},
	} {
		if err := s.SetPledge(p); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: err = %v, want ErrInvalid", name, err)
		}
	}
	if err := s.RemovePledge("q"); !errors.Is(err, ErrInvalid) {
		t.Errorf("remove unknown: err = %v, want ErrInvalid", err)
	}
	pr.Pledges[0].AllowPartial = false
	if _, _, err := NewSession(pr); !errors.Is(err, ErrInvalid) {
		t.Errorf("NewSession with a whole pledge: err = %v, want ErrInvalid", err)
	}
	if got := s.Allocate(); got.Objective != 50*500_000 || len(got.Decisions) != 1 {
		t.Errorf("after refused changes: %+v", got)
	}
}
