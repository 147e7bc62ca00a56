package matcher

import (
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
)

type goldenScenario struct {
	Name    string `json:"name"`
	Problem struct {
		Requests []struct {
			ID   string `json:"id"`
			Need int64  `json:"need"`
		} `json:"requests"`
		Suppliers []struct {
			ID    string `json:"id"`
			Limit int64  `json:"limit"`
		} `json:"suppliers"`
		Pledges []struct {
			ID       string  `json:"id"`
			Request  string  `json:"request"`
			Supplier string  `json:"supplier"`
			Value    int64   `json:"value"`
			Score    float64 `json:"score"`
			Partial  bool    `json:"partial"`
		} `json:"pledges"`
	} `json:"problem"`
	Objective int64 `json:"objective"`
	Bound     int64 `json:"bound"`
	Optimal   bool  `json:"optimal"`
	// BoundNoExact and KindNoExact, when set, are the bound and its kind
	// without the exhaustive search (Options.ExactWhole < 0); otherwise they
	// are those of the default run.
	BoundNoExact int64             `json:"boundNoExact"`
	KindNoExact  BoundKind         `json:"kindNoExact"`
	Approved     map[string]int64  `json:"approved"`
	Reasons      map[string]Reason `json:"reasons"`
}

func (g *goldenScenario) problem() Problem {
	var pr Problem
	for _, r := range g.Problem.Requests {
		pr.Requests = append(pr.Requests, AllocRequest{ID: r.ID, NeedPence: r.Need})
	}
	for _, s := range g.Problem.Suppliers {
		pr.Suppliers = append(pr.Suppliers, AllocSupplier{ID: s.ID, LimitPence: s.Limit})
	}
	for _, p := range g.Problem.Pledges {
		pr.Pledges = append(pr.Pledges, AllocPledge{ID: p.ID, RequestID: p.Request, SupplierID: p.Supplier,
			ValuePence: p.Value, Score: p.Score, AllowPartial: p.Partial})
	}
	return pr
}

func MustGolden(tb testing.TB) []goldenScenario {
	tb.Helper()
	b, err := os.ReadFile("testdata/allocation_golden.json")
	if err != nil {
		tb.Fatal(err)
	}
	var gs []goldenScenario
	if err := json.Unmarshal(b, &gs); err != nil {
		tb.Fatal(err)
	}
	return gs
}

func MustAllocate(tb testing.TB, pr Problem, opt Options) *Allocation {
	tb.Helper()
	a, err := Allocate(pr, opt)
	if err != nil {
		tb.Fatal(err)
	}
	return a
}

func TestAllocateGolden(t *testing.T) {
	for _, g := range MustGolden(t) {
		t.Run(g.Name, func(t *testing.T) {
			pr := g.problem()
			for _, opt := range []Options{{}, {ExactWhole: -1}} {
				a := MustAllocate(t, pr, opt)
				checkFeasible(t, pr, a)
				wantBound, wantKind, wantOptimal := g.Bound, BoundOptimum, g.Optimal
				if opt.ExactWhole < 0 && g.KindNoExact != "" {
					wantBound, wantKind, wantOptimal = g.BoundNoExact, g.KindNoExact, false
				}
				if a.Objective != g.Objective || a.Bound != wantBound || a.Optimal != wantOptimal || a.BoundKind != wantKind {
					t.Errorf("%+v: objective %d bound %d (%s) optimal %v; want %d %d (%s) %v", opt, a.Objective, a.Bound, a.BoundKind, a.Optimal,
						g.Objective, wantBound, wantKind, wantOptimal)
				}
				wantGap := 0.0
				if wantBound > 0 {
					wantGap = float64(wantBound-g.Objective) / float64(wantBound)
				}
				if math.Abs(a.Gap-wantGap) > 1e-12 {
					t.Errorf("gap %v, want %v", a.Gap, wantGap)
				}
				for _, d := range a.Decisions {
					if want, ok := g.Approved[d.PledgeID]; ok && d.ApprovedPence != want {
						t.Errorf("%s approved %d, want %d", d.PledgeID, d.ApprovedPence, want)
					}
					if d.Reason != g.Reasons[d.PledgeID] {
						t.Errorf("%s reason %q, want %q (%s)", d.PledgeID, d.Reason, g.Reasons[d.PledgeID], d.Explanation)
					}
					if (d.Reason == ReasonNone) != (d.Explanation == "") {
						t.Errorf("%s: reason %q with explanation %q", d.PledgeID, d.Reason, d.Explanation)
					}
				}
			}
		})
	}
}

func TestAllocateExplanations(t *testing.T) {
	for _, g := range MustGolden(t) {
		if g.Name != "supplier at its limit" && g.Name != "whole pledge bigger than the need" {
			continue
		}
		a := MustAllocate(t, g.problem(), Options{})
		for _, d := range a.Decisions {
			switch d.PledgeID + "/" + g.Name {
			case "P2/supplier at its limit":
				if want := "Cut to £5 of £10: supplier S1 is at its commitment limit; its other pledges add more value."; d.Explanation != want {
					t.Errorf("got %q\nwant %q", d.Explanation, want)
				}
			case "P1/whole pledge bigger than the need":
				if !strings.Contains(d.Explanation, "asked for all or nothing, and the whole £30 did not fit") {
					t.Errorf("got %q", d.Explanation)
				}
			}
		}
	}
}

// TestAllocateDeterministic checks that the order of the input slices does
// not change the answer.
func TestAllocateDeterministic(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for i := range 200 {
		pr := randomProblem(rng, 2+rng.IntN(6), 2+rng.IntN(5), 5+rng.IntN(30), rng.Float64())
		a := MustAllocate(t, pr, Options{ExactWhole: -1})
		shuffled := Problem{Requests: slices.Clone(pr.Requests), Suppliers: slices.Clone(pr.Suppliers), Pledges: slices.Clone(pr.Pledges)}
		rng.Shuffle(len(shuffled.Requests), func(i, j int) {
			shuffled.Requests[i], shuffled.Requests[j] = shuffled.Requests[j], shuffled.Requests[i]
		})
		rng.Shuffle(len(shuffled.Suppliers), func(i, j int) {
			shuffled.Suppliers[i], shuffled.Suppliers[j] = shuffled.Suppliers[j], shuffled.Suppliers[i]
		})
		rng.Shuffle(len(shuffled.Pledges), func(i, j int) {
			shuffled.Pledges[i], shuffled.Pledges[j] = shuffled.Pledges[j], shuffled.Pledges[i]
		})
		b := MustAllocate(t, shuffled, Options{ExactWhole: -1})
		got := map[string]Decision{}
		for _, d := range b.Decisions {
			got[d.PledgeID] = d
		}
		for _, d := range a.Decisions {
			if got[d.PledgeID] != d {
				t.Fatalf("instance %d: %+v became %+v after shuffling", i, d, got[d.PledgeID])
			}
		}
		if a.Objective != b.Objective || a.Bound != b.Bound {
			t.Fatalf("instance %d: objective changed after shuffling", i)
		}
	}
}

func TestAllocateInvalid(t *testing.T) {
	req := []AllocRequest{{ID: "R", NeedPence: 10}}
	sup := []AllocSupplier{{ID: "S", LimitPence: 10}}
	pl := func(mod func(*AllocPledge)) []AllocPledge {
		p := AllocPledge{ID: "P", RequestID: "R", SupplierID: "S", ValuePence: 5, Score: 0.5}
		mod(&p)
		return []AllocPledge{p}
	}
	for _, tc := range []struct {
		name string
		pr   Problem
	}{
		{"duplicate request", Problem{Requests: []AllocRequest{{ID: "R"}, {ID: "R"}}}},
		{"duplicate supplier", Problem{Suppliers: []AllocSupplier{{ID: "S"}, {ID: "S"}}}},
		{"duplicate pledge", Problem{Requests: req, Suppliers: sup, Pledges: append(pl(func(*AllocPledge) {}), pl(func(*AllocPledge) {})...)}},
		{"request without ID", Problem{Requests: []AllocRequest{{}}}},
		{"negative need", Problem{Requests: []AllocRequest{{ID: "R", NeedPence: -1}}}},
		{"negative limit", Problem{Suppliers: []AllocSupplier{{ID: "S", LimitPence: -1}}}},
		{"unknown request", Problem{Requests: req, Suppliers: sup, Pledges: pl(func(p *AllocPledge) { p.RequestID = "X" })}},
		{"unknown supplier", Problem{Requests: req, Suppliers: sup, Pledges: pl(func(p *AllocPledge) { p.SupplierID = "X" })}},
		{"negative value", Problem{Requests: req, Suppliers: sup, Pledges: pl(func(p *AllocPledge) { p.ValuePence = -5 })}},
		{"score above 1", Problem{Requests: req, Suppliers: sup, Pledges: pl(func(p *AllocPledge) { p.Score = 1.5 })}},
		{"score NaN", Problem{Requests: req, Suppliers: sup, Pledges: pl(func(p *AllocPledge) { p.Score = math.NaN() })}},
		{"too large to count", Problem{Requests: []AllocRequest{{ID: "R", NeedPence: 1 << 61}, {ID: "R2", NeedPence: 1 << 61}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Allocate(tc.pr, Options{}); !errors.Is(err, ErrInvalid) {
				t.Errorf("err = %v, want ErrInvalid", err)
			}
		})
	}
}

func TestAllocateWholeMedium(t *testing.T) {
	pr := benchProblem(200, 50, 1000, 3, 0.8)
	a := MustAllocate(t, pr, Options{})
	checkFeasible(t, pr, a)
	if a.Objective > a.Bound || a.Objective <= 0 || a.TimedOut {
		t.Fatalf("objective %d bound %d timed out %v", a.Objective, a.Bound, a.TimedOut)
	}
	b := MustAllocate(t, pr, Options{})
	if !slices.Equal(a.Decisions, b.Decisions) {
		t.Fatal("two runs on the same input differ")
	}
	t.Logf("200 requests, 1000 pledges (80%% whole): gap %.4f to the %s bound", a.Gap, a.BoundKind)
	if a.BoundKind != BoundKnapsack || a.Gap > 0.02 {
		t.Errorf("bound %s, gap %.4f: want the knapsack bound within 2%%", a.BoundKind, a.Gap)
	}

	cut := MustAllocate(t, pr, Options{TimeLimit: 1})
	checkFeasible(t, pr, cut)
	if !cut.TimedOut || cut.Objective > a.Bound {
		t.Fatalf("with a 1ns limit: timed out %v, objective %d", cut.TimedOut, cut.Objective)
	}
}

// TestAllocateHalves covers the two halves Allocate checks and writes at
// once from parallelMin pledges: the first error in ID order is the one
// reported, and every decision carries its own explanation.
func TestAllocateHalves(t *testing.T) {
	pr := benchProblem(2000, 300, parallelMin+1000, 3, 0)
	a, err := Allocate(pr, Options{})
	if err != nil {
		t.Fatal(err)
	}
	pb, _ := newProb(pr)
	x := make([]int64, len(pb.pReq))
	reqRes, supRes := slices.Clone(pb.need), slices.Clone(pb.limit)
	for p := range pb.pReq {
		x[p] = a.Decisions[pb.pOrig[p]].ApprovedPence
		reqRes[pb.pReq[p]] -= x[p]
		supRes[pb.pSup[p]] -= x[p]
	}
	explained := 0
	for p := range pb.pReq {
		d := a.Decisions[pb.pOrig[p]]
		if d.PledgeID != pr.Pledges[pb.pOrig[p]].ID {
			t.Fatalf("decision %d is for %s, want %s", pb.pOrig[p], d.PledgeID, pr.Pledges[pb.pOrig[p]].ID)
		}
		var want string
		var why Reason
		if x[p] < pb.pVal[p] {
			var b []byte
			why, b = pb.reason(nil, p, x[p], reqRes[pb.pReq[p]], supRes[pb.pSup[p]])
			want = string(b)
			explained++
		}
		if d.Explanation != want || d.Reason != why {
			t.Fatalf("pledge %s: %q %q, want %q %q", d.PledgeID, d.Reason, d.Explanation, why, want)
		}
	}
	if explained < 1000 {
		t.Fatalf("only %d pledges explained: the test needs many", explained)
	}

	late := len(pr.Pledges) - 5 // in the second half (IDs are in order)
	pr.Pledges[late].RequestID = "nowhere"
	if _, err := Allocate(pr, Options{}); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), pr.Pledges[late].ID) {
		t.Fatalf("error in the second half: %v", err)
	}
	pr.Pledges[7].SupplierID = "nobody"
	if _, err := Allocate(pr, Options{}); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), pr.Pledges[7].ID) {
		t.Fatalf("errors in both halves: %v, want the first in ID order", err)
	}
}
