package api_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"needmatch/domain"
)

func (e *env) pledgeOf(supplier, request string, pence int64) string {
	e.t.Helper()
	return e.id(e.call("POST", "/api/v1/requests/"+request+"/pledges", supplier,
		map[string]any{"offer": "Refurbished laptops", "quantity": 1, "unit": "lot", "valuePence": pence}, 201))
}

func wantField(t *testing.T, m map[string]any, field string) {
	t.Helper()
	if m["field"] != field {
		t.Fatalf("problem = %v, want field %q", m, field)
	}
}

// An approval never takes a request beyond its value unless the officer
// overrides with a reason (defect: an allocation covered £3,500 and one
// more click approved £3,000 more).
func TestApprovalKeepsWithinTheNeed(t *testing.T) {
	e := newEnv(t)
	req := e.publishedRequest("group", "officer") // needs £3,500
	p1 := e.pledgeOf("supplier", req, 350000)
	p2 := e.pledgeOf("supplier2", req, 300000)
	al := e.call("POST", "/api/v1/allocations", "officer", nil, 201)
	acc := e.call("POST", "/api/v1/allocations/"+e.id(al)+"/accept", "officer", map[string]any{"pledgeIds": []string{p1}}, 200)
	if len(acc["approved"].([]any)) != 1 {
		t.Fatalf("accept = %v", acc)
	}
	wantField(t, e.call("POST", "/api/v1/pledges/"+p2+"/approve", "officer", nil, 409), "amountPence")
	wantField(t, e.call("POST", "/api/v1/pledges/"+p2+"/approve", "officer", map[string]any{"override": true}, 400), "reason")
	if got := e.call("GET", "/api/v1/requests/"+req, "officer", nil, 200); num(got, "approvedPence") != 350000 {
		t.Fatalf("refused approvals changed the request: %v", got)
	}
	got := e.call("POST", "/api/v1/pledges/"+p2+"/approve", "officer", map[string]any{"override": true, "reason": "The group asked for a second batch for its new site"}, 200)
	if ov, _ := got["override"].(map[string]any); ov == nil || !strings.Contains(ov["reason"].(string), "second batch") {
		t.Fatalf("override not recorded on the pledge: %v", got)
	}
	if got := e.call("GET", "/api/v1/pledges/"+p2, "officer", nil, 200); got["override"] == nil {
		t.Fatalf("override not kept: %v", got)
	}
	if got := e.call("GET", "/api/v1/requests/"+req, "officer", nil, 200); num(got, "approvedPence") != 650000 {
		t.Fatalf("request after override = %v", got)
	}
	evs := items(e.call("GET", "/api/v1/audit?object="+p2, "officer", nil, 200))
	if last := evs[len(evs)-1].(map[string]any); last["action"] != "pledge.approve" || !strings.Contains(string(mustJSON(last["after"])), "second batch") {
		t.Fatalf("override not audited: %v", last)
	}
}

// Accepting a proposal after a manual approval skips what no longer fits.
func TestAcceptAfterManualApprovalKeepsWithinTheNeed(t *testing.T) {
	e := newEnv(t)
	req := e.publishedRequest("group", "officer") // £3,500
	p1 := e.pledgeOf("supplier", req, 300000)
	p2 := e.pledgeOf("supplier2", req, 300000)
	al := e.call("POST", "/api/v1/allocations", "officer", nil, 201)
	var chosen, other string
	for _, it := range al["items"].([]any) {
		m := it.(map[string]any)
		if m["requestId"] == req && num(m, "approvedPence") > 0 {
			chosen = m["pledgeId"].(string)
		}
	}
	if chosen == p1 {
		other = p2
	} else {
		other = p1
	}
	e.call("POST", "/api/v1/pledges/"+other+"/approve", "officer", nil, 200)
	acc := e.call("POST", "/api/v1/allocations/"+e.id(al)+"/accept", "officer", nil, 200)
	skipped := false
	for _, s := range acc["skipped"].([]any) {
		m := s.(map[string]any)
		if m["pledgeId"] == chosen && strings.Contains(m["reason"].(string), "approved total") {
			skipped = true
		}
	}
	if !skipped {
		t.Fatalf("accept = %v: want %s skipped for the need", acc, chosen)
	}
	if got := e.call("GET", "/api/v1/requests/"+req, "officer", nil, 200); num(got, "approvedPence") != 300000 {
		t.Fatalf("request = %v", got)
	}
}

// A supplier's open commitments never pass its limit, override or not.
func TestApprovalKeepsWithinTheSupplierLimit(t *testing.T) {
	e := newEnv(t)
	e.call("PATCH", "/api/v1/organisations/"+e.orgs["supplier"], "supplier", map[string]any{"commitmentLimitPence": 400000}, 200)
	a := e.pledgeOf("supplier", e.publishedRequest("group", "officer"), 300000)
	b := e.pledgeOf("supplier", e.publishedRequest("group", "officer"), 200000)
	e.call("POST", "/api/v1/pledges/"+a+"/approve", "officer", nil, 200)
	p := e.call("POST", "/api/v1/pledges/"+b+"/approve", "officer", nil, 409)
	if wantField(t, p, "amountPence"); !strings.Contains(p["detail"].(string), "limit") {
		t.Fatalf("problem = %v", p)
	}
	e.call("POST", "/api/v1/pledges/"+b+"/approve", "officer", map[string]any{"override": true, "reason": "Urgent and agreed by phone"}, 409)
	e.call("POST", "/api/v1/pledges/"+b+"/withdraw", "supplier", nil, 200)
}

// Sixteen officers approving pledges of one request at once never take it
// beyond its value.
func TestConcurrentApprovalsNeverExceedTheNeed(t *testing.T) {
	e := newEnv(t)
	req := e.publishedRequest("group", "officer") // £3,500
	const n = 16
	ps := make([]string, n)
	for i := range ps {
		ps[i] = e.pledgeOf([]string{"supplier", "supplier2"}[i%2], req, 30000)
	}
	var wg sync.WaitGroup
	statuses := make([]int, n)
	for i := range ps {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			statuses[i], _, _ = e.raw("POST", "/api/v1/pledges/"+ps[i]+"/approve", []string{"officer", "admin"}[i%2], nil, "")
		}(i)
	}
	wg.Wait()
	ok := 0
	for _, s := range statuses {
		switch s {
		case 200:
			ok++
		case 409:
		default:
			t.Fatalf("statuses %v", statuses)
		}
	}
	got := e.call("GET", "/api/v1/requests/"+req, "officer", nil, 200)
	if ok != 11 || num(got, "approvedPence") != 330000 {
		t.Fatalf("%d approvals passed, approved %d of 350000: want 11 (330000)", ok, num(got, "approvedPence"))
	}
}

// awardWorld is a contract at tender with the supplier's compliant bid on
// n requests, submitted.
func (e *env) awardWorld(n int) (contract, bid string, reqs, pledges []string) {
	e.t.Helper()
	must(e.svc.SeedExampleMeasures(context.Background(), e.auth.ID))
	contract = e.tender("officer", domain.ContractInput{Reference: "SMBC/2026/9", Title: "Parks", Directorate: "Place", ValuePence: 10_000_000})
	bid = e.id(e.call("POST", "/api/v1/contracts/"+contract+"/bids", "supplier", nil, 201))
	for range n {
		r := e.publishedRequest("group", "officer")
		reqs = append(reqs, r)
		pledges = append(pledges, e.id(e.call("POST", "/api/v1/requests/"+r+"/pledges", "supplier",
			map[string]any{"offer": "Team volunteering days", "quantity": 10, "measureCode": "EX-VOL-HOUR", "bidId": bid}, 201)))
	}
	e.call("POST", "/api/v1/bids/"+bid+"/submit", "supplier", nil, 200)
	return
}

// The award applies the rules of a direct approval and says which pledges
// it could not commit (defect: it committed a pledge on a withdrawn request).
func TestAwardAppliesTheApprovalRules(t *testing.T) {
	e := newEnv(t)
	c, bid, reqs, ps := e.awardWorld(4)
	e.call("POST", "/api/v1/requests/"+reqs[3]+"/withdraw", "group", nil, 200)
	// Another supplier's approval fills the second request's need but £100.
	e.call("POST", "/api/v1/pledges/"+e.pledgeOf("supplier2", reqs[1], 340000)+"/approve", "officer", nil, 200)
	due := time.Now().AddDate(0, 6, 0).Format(time.DateOnly)
	award := e.call("POST", "/api/v1/contracts/"+c+"/award", "officer", map[string]any{"bidId": bid, "dueDate": due}, 200)
	committed, not := award["committed"].([]any), award["notCommitted"].([]any)
	if len(committed) != 2 || committed[0] != ps[0] || committed[1] != ps[2] || len(not) != 2 {
		t.Fatalf("award = %v", award)
	}
	reasons := map[string]string{}
	for _, n := range not {
		m := n.(map[string]any)
		reasons[m["pledgeId"].(string)] = m["reason"].(string)
	}
	if !strings.Contains(reasons[ps[3]], "withdrawn") || !strings.Contains(reasons[ps[1]], "needs only £100") {
		t.Fatalf("reasons = %v", reasons)
	}
	for _, p := range []string{ps[1], ps[3]} {
		if got := e.call("GET", "/api/v1/pledges/"+p, "supplier", nil, 200); got["status"] != "declined" || num(got, "approvedPence") != 0 {
			t.Fatalf("uncommitted pledge = %v", got)
		}
	}
	if got := e.call("GET", "/api/v1/requests/"+reqs[1], "officer", nil, 200); num(got, "approvedPence") != 340000 {
		t.Fatalf("request 2 = %v", got)
	}
}

// A winning bidder cannot walk away from an award's commitment: it asks to
// be released with a reason, an officer decides, and the record keeps it.
func TestAwardCommitmentsNeedARelease(t *testing.T) {
	e := newEnv(t)
	c, bid, _, ps := e.awardWorld(3)
	due := time.Now().AddDate(0, 6, 0).Format(time.DateOnly)
	e.call("POST", "/api/v1/contracts/"+c+"/award", "officer", map[string]any{"bidId": bid, "dueDate": due}, 200)
	e.call("POST", "/api/v1/pledges/"+ps[0]+"/withdraw", "supplier", nil, 409)
	wantField(t, e.call("POST", "/api/v1/pledges/"+ps[0]+"/ask-release", "supplier", map[string]any{"reason": ""}, 400), "reason")
	e.call("POST", "/api/v1/pledges/"+ps[0]+"/ask-release", "supplier2", map[string]any{"reason": "Not ours"}, 404)
	e.call("POST", "/api/v1/pledges/"+ps[0]+"/release", "officer", nil, 409) // nothing asked yet
	asked := e.call("POST", "/api/v1/pledges/"+ps[0]+"/ask-release", "supplier", map[string]any{"reason": "Our depot in the ward closed"}, 200)
	if asked["status"] != "approved" || asked["release"].(map[string]any)["reason"] != "Our depot in the ward closed" {
		t.Fatalf("asked = %v", asked)
	}
	e.call("POST", "/api/v1/pledges/"+ps[0]+"/ask-release", "supplier", map[string]any{"reason": "Again"}, 409)
	e.call("POST", "/api/v1/pledges/"+ps[0]+"/release", "supplier", nil, 403)
	if got := e.call("POST", "/api/v1/pledges/"+ps[0]+"/refuse-release", "officer", map[string]any{"reason": "Another depot is 2 miles away"}, 200); got["status"] != "approved" || got["release"].(map[string]any)["decision"] != "refused" {
		t.Fatalf("refused = %v", got)
	}
	e.call("POST", "/api/v1/pledges/"+ps[1]+"/ask-release", "supplier", map[string]any{"reason": "The venue is gone"}, 200)
	wantField(t, e.call("POST", "/api/v1/pledges/"+ps[1]+"/release", "officer", map[string]any{"note": strings.Repeat("long ", 500)}, 400), "note")
	if got := e.call("POST", "/api/v1/pledges/"+ps[1]+"/release", "officer", map[string]any{"note": "Agreed at the contract meeting"}, 200); got["status"] != "withdrawn" || got["release"].(map[string]any)["decision"] != "released" {
		t.Fatalf("released = %v", got)
	}
	rec := e.call("GET", "/api/v1/suppliers/"+e.orgs["supplier"]+"/record", "officer", nil, 200)
	if num(rec, "pledged") != 3 || num(rec, "released") != 1 {
		t.Fatalf("record = %v: want 3 commitments, 1 released", rec)
	}
	var actions []string
	for _, ev := range items(e.call("GET", "/api/v1/audit?object="+ps[1], "officer", nil, 200)) {
		actions = append(actions, ev.(map[string]any)["action"].(string))
	}
	if got := strings.Join(actions, ","); !strings.HasSuffix(got, "pledge.commit,pledge.ask_release,pledge.release") {
		t.Fatalf("audit = %s", got)
	}
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}
