package domain

import "testing"

// TestNamesIn checks that an explanation reads the request's title and the
// supplier's name where the matcher wrote their ids, in one pass (a title
// that looks like an id is not replaced again).
func TestNamesIn(t *testing.T) {
	it := &AllocationItem{RequestID: "r1", RequestTitle: "Food for supplier s1", OrganisationID: "s1", OrganisationName: "Acme"}
	for _, c := range []struct{ in, want string }{
		{"", ""},
		{"Nothing to replace.", "Nothing to replace."},
		{"The need of request r1 is covered by other pledges.", "The need of “Food for supplier s1” is covered by other pledges."},
		{"supplier s1 is at its limit; request r1 gets the rest of supplier s1.", "Acme is at its limit; “Food for supplier s1” gets the rest of Acme."},
	} {
		if got := namesIn(c.in, it); got != c.want {
			t.Errorf("namesIn(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
