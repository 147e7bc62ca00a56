package matcher

import (
	"runtime"
	"strings"
	"testing"
)

// TestAllocateMemory bounds what one Allocate allocates at 20,000 pledges
// (bench-matcher's middle size, where a garbage collector cycle a run is
// most of the difference with LEMON and every megabyte allocated adds to
// it): the decisions take 2.1 MB and their explanations 1.7 MB, and the
// rest is the problem by index and the flow solve, whose memory the
// explanations then use. It also checks that the explanations, which
// share that memory, read right and stay so after other runs.
func TestAllocateMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 20,000-pledge problem")
	}
	pr := benchProblem(5000, 1000, 20000, 1, 0)
	if _, err := Allocate(pr, Options{}); err != nil {
		t.Fatal(err)
	}
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	a, err := Allocate(pr, Options{})
	runtime.ReadMemStats(&m1)
	if err != nil {
		t.Fatal(err)
	}
	// 5.35 MB when written (8.58 MB before the explanations were sized
	// to their text and written to the flow solve's memory, and the
	// pledge IDs read from the problem instead of copied)
	if got := m1.TotalAlloc - m0.TotalAlloc; got > 6_000_000 {
		t.Errorf("Allocate of 20,000 pledges allocated %d bytes, want at most 6,000,000", got)
	}
	texts := make([]string, len(a.Decisions))
	short := 0
	for i, d := range a.Decisions {
		texts[i] = strings.Clone(d.Explanation)
		if d.ApprovedPence == d.ValuePence {
			if d.Explanation != "" {
				t.Fatalf("decision %s approved in full has explanation %q", d.PledgeID, d.Explanation)
			}
			continue
		}
		short++
		if !strings.HasPrefix(d.Explanation, "Cut to ") && !strings.HasPrefix(d.Explanation, "Not approved: ") ||
			!strings.HasSuffix(d.Explanation, ".") || !strings.Contains(d.Explanation, d.RequestID) && !strings.Contains(d.Explanation, d.SupplierID) {
			t.Fatalf("decision %s (%s): explanation %q", d.PledgeID, d.Reason, d.Explanation)
		}
	}
	if short < len(a.Decisions)/2 {
		t.Fatalf("%d decisions short of their value, want most of %d", short, len(a.Decisions))
	}
	for range 2 {
		if _, err := Allocate(pr, Options{}); err != nil {
			t.Fatal(err)
		}
		runtime.GC()
	}
	for i, d := range a.Decisions {
		if d.Explanation != texts[i] {
			t.Fatalf("decision %s: explanation now %q, was %q", d.PledgeID, d.Explanation, texts[i])
		}
	}
}
