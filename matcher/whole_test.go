package matcher

import (
	"slices"
	"testing"
)

// TestDropFindsEjectionChain starts the search at an allocation no block
// move improves (pledge a alone) and checks that a drop move finds the
// chain to the optimum: a out, so b fits its supplier and c its request.
// The instance is cut from a 5,000 x 20,000 benchmark where the search
// missed exactly this exchange before drop moves.
func TestDropFindsEjectionChain(t *testing.T) {
	pr := Problem{
		Requests:  []AllocRequest{{ID: "rA", NeedPence: 71_200}, {ID: "rB", NeedPence: 50_000}},
		Suppliers: []AllocSupplier{{ID: "sX", LimitPence: 63_200}, {ID: "sY", LimitPence: 1_000_000}},
		Pledges: []AllocPledge{
			{ID: "a", RequestID: "rA", SupplierID: "sX", ValuePence: 40_000, Score: 0.760802},
			{ID: "b", RequestID: "rB", SupplierID: "sX", ValuePence: 40_400, Score: 0.678156},
			{ID: "c", RequestID: "rA", SupplierID: "sY", ValuePence: 62_500, Score: 0.409350},
		},
	}
	pb, err := newProb(pr)
	if err != nil {
		t.Fatal(err)
	}
	pb.index()
	active := []int32{0, 1, 2}
	s := pb.newSearch([]int64{40_000, 0, 0}, active, nil)
	const start, best = 40_000 * 760_802, 40_400*678_156 + 62_500*409_350
	if s.obj != start || !slices.Equal(s.x, []int64{40_000, 0, 0}) {
		t.Fatalf("start: objective %d, amounts %v; want %d with a alone", s.obj, s.x, int64(start))
	}
	if s.localSearch(2, 2) {
		t.Fatalf("the block search moved (to %v): the start is not the local optimum this test needs", s.x)
	}
	if !s.drop() {
		t.Fatal("drop found nothing")
	}
	if !slices.Equal(s.x, []int64{0, 40_400, 62_500}) || s.obj != best || s.objective() != best {
		t.Errorf("after drop: amounts %v, objective %d (recomputed %d); want [0 40400 62500], %d", s.x, s.obj, s.objective(), int64(best))
	}
	if s.drop() {
		t.Errorf("a second drop pass moved from the optimum to %v", s.x)
	}
	if want := bruteWhole(pr); want != best {
		t.Errorf("brute force %d, want %d", want, int64(best))
	}
}
