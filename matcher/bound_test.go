package matcher

import "testing"

func TestGapText(t *testing.T) {
	for _, tc := range []struct {
		name string
		a    Allocation
		want string
	}{
		{"proven", Allocation{Objective: 75e10, Bound: 75e10, BoundKind: BoundOptimum, Optimal: true},
			"This proposal is proven best: no other allocation gives more value."},
		{"knapsack", Allocation{Objective: 2_383_935_392_941_500, Bound: 2_398_967_951_689_600, BoundKind: BoundKnapsack,
			Gap: 0.006266},
			"This proposal is within 0.63% of the best possible: no allocation can give more than £23,989,680 of value " +
				"(score times pounds approved), and this one gives £23,839,354. That limit comes from the best all-or-nothing " +
				"choice for each request on its own, with the suppliers' commitment limits priced in."},
		{"flow, timed out", Allocation{Objective: 50e10, Bound: 60e10, BoundKind: BoundFlow, Gap: 1.0 / 6, TimedOut: true},
			"This proposal is within 16.7% of the best possible: no allocation can give more than £6,000 of value " +
				"(score times pounds approved), and this one gives £5,000. That limit counts every pledge as if it could be " +
				"approved in part. The search stopped at its time limit."},
		{"tiny gap", Allocation{Objective: 999_999, Bound: 1_000_000, BoundKind: BoundKnapsack, Gap: 1e-6},
			"This proposal is within 0.01% of the best possible: no allocation can give more than £0 of value " +
				"(score times pounds approved), and this one gives £0. That limit comes from the best all-or-nothing " +
				"choice for each request on its own, with the suppliers' commitment limits priced in."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.a.GapText(); got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

// TestAllocateGapFromAllocate checks the words on a real allocation: the
// golden scenario whose optimum only the exhaustive search proves.
func TestAllocateGapFromAllocate(t *testing.T) {
	for _, g := range MustGolden(t) {
		if g.Name != "supplier limit splits two whole pledges" {
			continue
		}
		a := MustAllocate(t, g.problem(), Options{ExactWhole: -1})
		want := "This proposal is within 37.3% of the best possible: no allocation can give more than £9 of value " +
			"(score times pounds approved), and this one gives £5. That limit counts every pledge as if it could be approved in part."
		if got := a.GapText(); got != want {
			t.Errorf("got  %q\nwant %q", got, want)
		}
		if got := MustAllocate(t, g.problem(), Options{}).GapText(); got != "This proposal is proven best: no other allocation gives more value." {
			t.Errorf("with the exhaustive search: %q", got)
		}
		return
	}
	t.Fatal("golden scenario not found")
}
