package api_test

import (
	"context"
	"strings"
	"testing"
	"time"
)

// A pledge inside a bid cannot be approved alone, so a proposal leaves it
// out (and says why) instead of letting it take the request's need.
func TestProposalLeavesOutBidPledges(t *testing.T) {
	e := newEnv(t)
	_, bid, reqs, ps := e.awardWorld(3)
	_ = bid
	p2 := e.pledgeOf("supplier2", reqs[0], 100000)
	for range 2 { // and on every later proposal too
		al := e.call("POST", "/api/v1/allocations", "officer", nil, 201)
		byID := map[string]map[string]any{}
		for _, it := range al["items"].([]any) {
			m := it.(map[string]any)
			byID[m["pledgeId"].(string)] = m
		}
		inBid := byID[ps[0]]
		if inBid == nil || inBid["reason"] != "in_bid" || num(inBid, "approvedPence") != 0 || !strings.Contains(inBid["explanation"].(string), "bid") {
			t.Fatalf("bid pledge in the proposal = %v", inBid)
		}
		if num(byID[p2], "approvedPence") != 100000 {
			t.Fatalf("standalone pledge = %v", byID[p2])
		}
		if al["gapText"] == "" || al["boundKind"] == "" {
			t.Fatalf("proposal without its gap in words: %v", al)
		}
	}
}

// Approving a supplier's pledge must not lower its record: the commitment
// is not due yet, so it is neither delivered nor late.
func TestRecordCountsOnlyDueCommitments(t *testing.T) {
	e := newEnv(t)
	req := e.publishedRequest("group", "officer")
	a := e.pledgeOf("supplier", req, 100000)
	b := e.pledgeOf("supplier", req, 100000)
	record := func() float64 {
		for _, it := range e.call("GET", "/api/v1/requests/"+req+"/ranked-pledges", "officer", nil, 200)["items"].([]any) {
			m := it.(map[string]any)
			if m["pledge"].(map[string]any)["id"] != b {
				continue
			}
			for _, c := range m["breakdown"].([]any) {
				if c := c.(map[string]any); c["name"] == "record" {
					return c["value"].(float64)
				}
			}
		}
		t.Fatal("no record component")
		return 0
	}
	before := record()
	e.call("POST", "/api/v1/pledges/"+a+"/approve", "officer", nil, 200)
	if after := record(); after != before {
		t.Fatalf("record component %.3f before approving another pledge, %.3f after: a commitment not yet due counted against the supplier", before, after)
	}
}

// The matcher's own words about bad input stay in the log.
func TestMatcherErrorsAreNotShown(t *testing.T) {
	e := newEnv(t)
	e.auth.Areas[0].Deciles = [10]int{-3}
	if err := e.svc.Store.PutAuthority(context.Background(), e.auth); err != nil {
		t.Fatal(err)
	}
	time.Sleep(10 * time.Millisecond)
	p := e.call("GET", "/api/v1/matches/requests", "supplier", nil, 500)
	if d := p["detail"].(string); strings.Contains(d, "matcher") || !strings.Contains(d, "logged as request") {
		t.Fatalf("detail = %q", d)
	}
}
