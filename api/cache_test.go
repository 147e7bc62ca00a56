package api_test

import (
	"testing"

	"needmatch/domain"
)

// TestPublicRequestPagesStayCurrent: the anonymous page of a request is
// kept until a write changes that request or its pledges, and no longer:
// an approval shows at once, a write elsewhere leaves the page alone.
func TestPublicRequestPagesStayCurrent(t *testing.T) {
	e := newEnv(t)
	g := e.app.Store.(domain.RequestGenerationer)
	other := e.publishedRequest("group2", "officer")
	page := func(id string) map[string]any { return e.call("GET", "/api/v1/requests/"+id, "", nil, 200) }
	if got := page(e.request)["approvedPence"]; got != 0.0 {
		t.Fatalf("approvedPence before any pledge = %v", got)
	}
	page(other)
	otherGen := g.RequestGeneration(other)
	before := g.Generation()
	p := e.pledge("supplier", e.request)
	if rg := g.RequestGeneration(e.request); rg <= before || rg > g.Generation() {
		t.Fatalf("RequestGeneration after a pledge = %d, want in (%d, %d]", rg, before, g.Generation())
	}
	if got := page(e.request)["pledgedPence"]; got != 300000.0 {
		t.Fatalf("pledgedPence right after the pledge = %v, want 300000", got)
	}
	e.call("POST", "/api/v1/pledges/"+p+"/approve", "officer", nil, 200)
	r := page(e.request)
	if r["approvedPence"] != 300000.0 || r["status"] != string(domain.ReqPartlyMatched) {
		t.Fatalf("right after the approval: approvedPence %v, status %v; want 300000, %s", r["approvedPence"], r["status"], domain.ReqPartlyMatched)
	}
	if g.RequestGeneration(other) != otherGen {
		t.Fatalf("writes to another request changed this one's generation: %d -> %d", otherGen, g.RequestGeneration(other))
	}
	e.call("POST", "/api/v1/requests/"+other+"/withdraw", "group2", nil, 200)
	e.call("GET", "/api/v1/requests/"+other, "", nil, 404) // its kept page is not served
}
