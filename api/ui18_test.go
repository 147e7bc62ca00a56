package api_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"
)

// problemField is the field of the first error of a problem body.
func problemField(m map[string]any) string {
	errs, _ := m["errors"].([]any)
	if len(errs) == 0 {
		f, _ := m["field"].(string)
		return f
	}
	f, _ := errs[0].(map[string]any)["field"].(string)
	return f
}

func (e *env) safeguardingRequest() string {
	body := validRequest()
	body["title"], body["safeguarding"] = "Holiday club helpers", true
	id := e.id(e.call("POST", "/api/v1/requests", "group", body, 201))
	e.call("POST", "/api/v1/requests/"+id+"/submit", "group", nil, 200)
	e.call("POST", "/api/v1/requests/"+id+"/publish", "officer", nil, 200)
	return id
}

func TestSafeguardingConfirmation(t *testing.T) {
	e := newEnv(t)
	req := e.safeguardingRequest()
	offer := map[string]any{"offer": "Two helpers for the holiday club", "quantity": 2, "unit": "helpers", "valuePence": 100000}
	p := e.call("POST", "/api/v1/requests/"+req+"/pledges", "supplier", offer, 201)
	if p["safeguardingCheck"] != nil || len(p["warnings"].([]any)) != 1 || !strings.Contains(p["warnings"].([]any)[0].(string), "DBS") {
		t.Fatalf("unconfirmed pledge = %v", p)
	}
	pid := e.id(p)
	// The approve button: 409 without the confirmation, naming the field.
	if got := e.call("POST", "/api/v1/pledges/"+pid+"/approve", "officer", nil, 409); problemField(got) != "safeguardingConfirmed" {
		t.Fatalf("approval without confirmation = %v", got)
	}
	e.call("POST", "/api/v1/pledges/"+pid+"/confirm-safeguarding", "supplier2", nil, 404)
	e.call("POST", "/api/v1/pledges/"+pid+"/confirm-safeguarding", "officer", nil, 403)
	before := time.Now().Add(-time.Second)
	c := e.call("POST", "/api/v1/pledges/"+pid+"/confirm-safeguarding", "supplier", nil, 200)
	chk := c["safeguardingCheck"].(map[string]any)
	at, _ := time.Parse(time.RFC3339Nano, chk["at"].(string))
	if chk["by"] != e.userIDs["supplier"] || chk["byName"] != "N supplier@x.org" || at.Before(before) {
		t.Fatalf("confirmation = %v", chk)
	}
	e.call("POST", "/api/v1/pledges/"+pid+"/confirm-safeguarding", "supplier", nil, 409)
	if got := e.call("GET", "/api/v1/pledges/"+pid, "officer", nil, 200); got["safeguardingCheck"] == nil {
		t.Fatalf("the officer does not see the confirmation: %v", got)
	}
	e.call("POST", "/api/v1/pledges/"+pid+"/approve", "officer", nil, 200)
	evs := e.call("GET", "/api/v1/audit?object="+pid, "officer", nil, 200)["items"].([]any)
	if len(evs) != 3 || evs[1].(map[string]any)["action"] != "pledge.confirm_safeguarding" {
		t.Fatalf("audit of the pledge = %v", evs)
	}
	// Confirmed with the pledge itself.
	offer["safeguardingConfirmed"] = true
	p2 := e.call("POST", "/api/v1/requests/"+req+"/pledges", "supplier2", offer, 201)
	if p2["safeguardingCheck"] == nil || p2["warnings"] != nil {
		t.Fatalf("pledge confirmed at once = %v", p2)
	}
	// Nothing to confirm on an ordinary request.
	plain := e.pledge("supplier", e.request)
	e.call("POST", "/api/v1/pledges/"+plain+"/confirm-safeguarding", "supplier", nil, 409)

	// The allocation's door: an unconfirmed pledge is skipped with the reason.
	req2 := e.safeguardingRequest()
	delete(offer, "safeguardingConfirmed")
	p3 := e.id(e.call("POST", "/api/v1/requests/"+req2+"/pledges", "supplier", offer, 201))
	al := e.id(e.call("POST", "/api/v1/allocations", "officer", nil, 201))
	res := e.call("POST", "/api/v1/allocations/"+al+"/accept", "officer", map[string]any{"pledgeIds": []string{p3}}, 200)
	sk := res["skipped"].([]any)
	if len(res["approved"].([]any)) != 0 || len(sk) != 1 || !strings.Contains(sk[0].(map[string]any)["reason"].(string), "DBS") {
		t.Fatalf("accept of an unconfirmed pledge = %v", res)
	}
	if got := e.call("GET", "/api/v1/pledges/"+p3, "officer", nil, 200); got["status"] != "offered" {
		t.Fatalf("unconfirmed pledge after accept = %v", got["status"])
	}
}

func TestOverPledgeWarning(t *testing.T) {
	e := newEnv(t)
	big := e.call("POST", "/api/v1/requests/"+e.request+"/pledges", "supplier",
		map[string]any{"offer": "Forty laptops", "quantity": 40, "unit": "laptops", "valuePence": 1200000}, 201)
	w, _ := big["warnings"].([]any)
	if len(w) != 1 || w[0] != "Your pledge of £12,000 is more than this request still needs (£3,500 of £3,500). The council may approve only part of it, or none." {
		t.Fatalf("warnings = %v", big["warnings"])
	}
	small := e.call("POST", "/api/v1/requests/"+e.request+"/pledges", "supplier2",
		map[string]any{"offer": "Five laptops", "quantity": 5, "unit": "laptops", "valuePence": 150000}, 201)
	if small["warnings"] != nil {
		t.Fatalf("a pledge within the need was warned: %v", small["warnings"])
	}
	e.call("POST", "/api/v1/pledges/"+e.id(small)+"/approve", "officer", nil, 200)
	// After £1,500 approved, £2,000 is left: £2,500 is over it.
	next := e.call("POST", "/api/v1/requests/"+e.request+"/pledges", "supplier2",
		map[string]any{"offer": "Eight laptops", "quantity": 8, "unit": "laptops", "valuePence": 250000}, 201)
	if w, _ := next["warnings"].([]any); len(w) != 1 || !strings.Contains(w[0].(string), "(£2,000 of £3,500)") {
		t.Fatalf("warnings after a part is approved = %v", next["warnings"])
	}
}

func TestDeclineLeftOut(t *testing.T) {
	e := newEnv(t)
	// The request needs £3,500: A covers it; B (whole only) is left out.
	pA := e.id(e.call("POST", "/api/v1/requests/"+e.request+"/pledges", "supplier",
		map[string]any{"offer": "All the laptops", "quantity": 10, "unit": "laptops", "valuePence": 350000}, 201))
	pB := e.id(e.call("POST", "/api/v1/requests/"+e.request+"/pledges", "supplier2",
		map[string]any{"offer": "Some laptops", "quantity": 6, "unit": "laptops", "valuePence": 200000}, 201))
	al := e.id(e.call("POST", "/api/v1/allocations", "officer", nil, 201))
	e.call("POST", "/api/v1/allocations/"+al+"/decline-left-out", "officer", nil, 409)
	e.call("POST", "/api/v1/allocations/"+al+"/accept", "officer", nil, 200)
	e.call("POST", "/api/v1/allocations/"+al+"/decline-left-out", "group", nil, 403)
	e.call("POST", "/api/v1/allocations/"+al+"/decline-left-out", "otherOfficer", nil, 404)
	res := e.call("POST", "/api/v1/allocations/"+al+"/decline-left-out", "officer", nil, 200)
	if d := res["declined"].([]any); len(d) != 1 || d[0] != pB || len(res["skipped"].([]any)) != 0 {
		t.Fatalf("decline left out = %v", res)
	}
	b := e.call("GET", "/api/v1/pledges/"+pB, "supplier2", nil, 200)
	if b["status"] != "declined" || !strings.HasPrefix(b["reason"].(string), "Not in the allocation the council accepted. ") || len(b["reason"].(string)) < 60 {
		t.Fatalf("left-out pledge = %v %v", b["status"], b["reason"])
	}
	if a := e.call("GET", "/api/v1/pledges/"+pA, "officer", nil, 200); a["status"] != "approved" {
		t.Fatalf("the allocated pledge = %v", a["status"])
	}
	evs := e.call("GET", "/api/v1/audit?object="+pB, "officer", nil, 200)["items"].([]any)
	if last := evs[len(evs)-1].(map[string]any); last["action"] != "pledge.decline" || last["actor"] != e.userIDs["officer"] {
		t.Fatalf("audit of the declined pledge = %v", last)
	}
	again := e.call("POST", "/api/v1/allocations/"+al+"/decline-left-out", "officer", nil, 200)
	if len(again["declined"].([]any)) != 0 || len(again["skipped"].([]any)) != 1 {
		t.Fatalf("second decline = %v", again)
	}
}

func TestPartApprovalUnits(t *testing.T) {
	e := newEnv(t)
	coats := func(who string) string {
		return e.id(e.call("POST", "/api/v1/requests/"+e.request+"/pledges", who,
			map[string]any{"offer": "Winter coats", "quantity": 500, "unit": "coats", "valuePence": 1200000, "allowPartial": true}, 201))
	}
	// The allocation rounds the part down to whole coats and says so.
	pid := coats("supplier")
	al := e.call("POST", "/api/v1/allocations", "officer", nil, 201)
	it := al["items"].([]any)[0].(map[string]any)
	if it["approvedPence"].(float64) != 348000 || it["approvedQuantity"].(float64) != 145 || al["approvedPence"].(float64) != 348000 ||
		!strings.Contains(it["explanation"].(string), "Rounded down from £3,500 to £3,480, the value of 145 whole coats of the 500 pledged") {
		t.Fatalf("rounded item = %v (total %v)", it, al["approvedPence"])
	}
	// An officer's part approval: £1,200 of £12,000 covers 50 coats.
	e.call("POST", "/api/v1/pledges/"+pid+"/decline", "officer", map[string]any{"reason": "Try the allocation again"}, 200)
	p2 := coats("supplier2")
	got := e.call("POST", "/api/v1/pledges/"+p2+"/approve", "officer", map[string]any{"amountPence": 120000}, 200)
	if got["approvedQuantity"].(float64) != 50 || got["deliverableQuantity"].(float64) != 50 || got["quantity"].(float64) != 500 {
		t.Fatalf("part approval = %v", got)
	}
	today := time.Now().Format(time.DateOnly)
	over := e.call("POST", "/api/v1/pledges/"+p2+"/deliveries", "supplier2", map[string]any{"quantity": 51, "date": today}, 422)
	if problemField(over) != "quantity" || !strings.Contains(over["detail"].(string)+over["title"].(string), "at most 50 more") {
		t.Fatalf("over-delivery = %v", over)
	}
	e.call("POST", "/api/v1/pledges/"+p2+"/deliveries", "supplier2", map[string]any{"quantity": 50, "date": today}, 201)
	if got := e.call("GET", "/api/v1/pledges/"+p2, "supplier2", nil, 200); got["status"] != "delivered" {
		t.Fatalf("after delivering the 50 approved = %v", got["status"])
	}
}

func TestRequestExpiry(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	// A fully matched request does not expire; its approved pledge goes on.
	matched := e.publishedRequest("group2", "officer")
	full := e.id(e.call("POST", "/api/v1/requests/"+matched+"/pledges", "supplier",
		map[string]any{"offer": "Ten laptops", "quantity": 10, "unit": "laptops", "valuePence": 350000}, 201))
	e.call("POST", "/api/v1/pledges/"+full+"/approve", "officer", nil, 200)
	part := e.id(e.call("POST", "/api/v1/requests/"+e.request+"/pledges", "supplier2",
		map[string]any{"offer": "Two laptops", "quantity": 2, "unit": "laptops", "valuePence": 70000}, 201))
	e.call("POST", "/api/v1/pledges/"+part+"/approve", "officer", nil, 200)

	if n, err := e.svc.ExpireRequests(ctx, time.Now()); err != nil || n != 0 {
		t.Fatalf("expired before any deadline = %d, %v", n, err)
	}
	later := time.Now().AddDate(0, 3, 0)
	n, err := e.svc.ExpireRequests(ctx, later)
	if err != nil || n != 2 { // e.request (partly matched) and the other council's
		t.Fatalf("expired = %d, %v; want 2", n, err)
	}
	if got := e.call("GET", "/api/v1/requests/"+matched, "group2", nil, 200); got["status"] != "matched" {
		t.Fatalf("a matched request = %v", got["status"])
	}
	r := e.call("GET", "/api/v1/requests/"+e.request, "group", nil, 200)
	if r["status"] != "expired" || r["deadlineExtended"] != false {
		t.Fatalf("expired request = %v", r)
	}
	if got := e.call("GET", "/api/v1/pledges/"+part, "supplier2", nil, 200); got["status"] != "approved" {
		t.Fatalf("the approved pledge of an expired request = %v", got["status"])
	}
	e.call("GET", "/api/v1/requests/"+e.request, "", nil, 404)
	e.call("POST", "/api/v1/requests/"+e.request+"/pledges", "supplier", map[string]any{"offer": "More", "quantity": 1, "unit": "laptops", "valuePence": 100}, 404)
	evs := e.call("GET", "/api/v1/audit?object="+e.request, "officer", nil, 200)["items"].([]any)
	if last := evs[len(evs)-1].(map[string]any); last["action"] != "request.expire" || last["actor"] != "system" {
		t.Fatalf("expiry audit = %v", last)
	}

	// Extend once, with a date in the window; then close.
	e.svc.Now = func() time.Time { return later }
	e.call("POST", "/api/v1/requests/"+e.request+"/extend", "supplier", map[string]any{"deadline": "2030-01-01"}, 403)
	e.call("POST", "/api/v1/requests/"+e.request+"/extend", "group2", map[string]any{"deadline": "2030-01-01"}, 404)
	if got := e.call("POST", "/api/v1/requests/"+e.request+"/extend", "group", map[string]any{"deadline": later.AddDate(0, 0, -1).Format(time.DateOnly)}, 400); problemField(got) != "deadline" {
		t.Fatalf("a past deadline = %v", got)
	}
	newDeadline := later.AddDate(0, 1, 0).Format(time.DateOnly)
	ext := e.call("POST", "/api/v1/requests/"+e.request+"/extend", "group", map[string]any{"deadline": newDeadline}, 200)
	if ext["status"] != "partly_matched" || ext["deadlineExtended"] != true || !strings.HasPrefix(ext["deadline"].(string), newDeadline) {
		t.Fatalf("extended = %v", ext)
	}
	e.call("POST", "/api/v1/requests/"+e.request+"/close", "group", nil, 409) // not expired now
	if n, _ := e.svc.ExpireRequests(ctx, later.AddDate(0, 2, 0)); n != 1 {
		t.Fatalf("second expiry = %d, want 1", n)
	}
	if got := e.call("POST", "/api/v1/requests/"+e.request+"/extend", "group", map[string]any{"deadline": later.AddDate(0, 3, 0).Format(time.DateOnly)}, 409); problemField(got) != "deadline" {
		t.Fatalf("a second extension = %v", got)
	}
	if got := e.call("POST", "/api/v1/requests/"+e.request+"/close", "group", nil, 200); got["status"] != "closed" {
		t.Fatalf("closed = %v", got["status"])
	}
	e.call("POST", "/api/v1/requests/"+e.request+"/close", "group", nil, 409)
}

func TestAdminListsUsers(t *testing.T) {
	e := newEnv(t)
	e.call("GET", "/api/v1/users", "officer", nil, 403)
	e.call("GET", "/api/v1/users", "", nil, 401)
	e.call("GET", "/api/v1/users?limit=0", "admin", nil, 400)
	all := e.call("GET", "/api/v1/users", "admin", nil, 200)["items"].([]any)
	emails := map[string]bool{}
	for _, u := range all {
		m := u.(map[string]any)
		emails[m["email"].(string)] = true
		if _, leak := m["passwordHash"]; leak {
			t.Fatal("the password hash is listed")
		}
	}
	if len(all) != 7 || !emails["officer@x.org"] || !emails["supplier2@x.org"] || emails["supplier@trafford.org"] {
		t.Fatalf("users = %v", emails)
	}
	page := e.call("GET", "/api/v1/users?limit=2", "admin", nil, 200)
	if len(page["items"].([]any)) != 2 || page["next"] == "" || page["next"] == nil {
		t.Fatalf("a page of users = %v", page)
	}
}

func TestAuditInWords(t *testing.T) {
	e := newEnv(t)
	pid := e.pledge("supplier", e.request)
	e.call("POST", "/api/v1/pledges/"+pid+"/approve", "officer", nil, 200)
	evs := e.call("GET", "/api/v1/audit?object="+pid, "officer", nil, 200)["items"].([]any)
	if len(evs) != 2 {
		t.Fatalf("events = %v", evs)
	}
	ap := evs[1].(map[string]any)
	org := e.call("GET", "/api/v1/organisations/"+e.orgs["supplier"], "officer", nil, 200)["name"].(string)
	if ap["actorName"] != "Staff" || ap["summary"] != "Staff approved the pledge of "+org+" to “Laptops for the homework club”" || ap["hash"] == "" {
		t.Fatalf("approval in words = %v / %v", ap["actorName"], ap["summary"])
	}
	changes := map[string][2]string{}
	for _, c := range ap["changes"].([]any) {
		m := c.(map[string]any)
		changes[m["label"].(string)] = [2]string{m["before"].(string), m["after"].(string)}
	}
	if changes["Approved"] != [2]string{"£0", "£3,000"} || changes["Status"] != [2]string{"offered", "approved"} {
		t.Fatalf("changes = %v", changes)
	}
	if _, leak := changes["Version"]; leak {
		t.Fatal("the version is listed as a change")
	}
	if c := evs[0].(map[string]any)["changes"].([]any); len(c) != 0 {
		t.Fatalf("a creation lists changes: %v", c)
	}
	// Search by the thing, not the id.
	found := e.call("GET", "/api/v1/audit/search?q=homework", "officer", nil, 200)["items"].([]any)
	if len(found) == 0 || found[0].(map[string]any)["type"] != "request" || found[0].(map[string]any)["name"] != "Laptops for the homework club" {
		t.Fatalf("search by title = %v", found)
	}
	byOrg := e.call("GET", "/api/v1/audit/search?q="+url.QueryEscape(strings.ToLower(org[:10])), "officer", nil, 200)["items"].([]any)
	ok := false
	for _, f := range byOrg {
		if m := f.(map[string]any); m["type"] == "organisation" && m["id"] == e.orgs["supplier"] {
			ok = true
		}
	}
	if !ok {
		t.Fatalf("search by organisation name %q = %v", org, byOrg)
	}
	e.call("GET", "/api/v1/audit/search?q=x", "officer", nil, 400)
	e.call("GET", "/api/v1/audit/search?q=homework", "supplier", nil, 403)
	if got := e.call("GET", "/api/v1/audit/search?q=homework", "otherOfficer", nil, 200)["items"].([]any); len(got) != 1 || got[0].(map[string]any)["id"] != e.otherReq {
		t.Fatalf("another council's officer finds %v, want only its own request", got)
	}
}

// The award is a door that approves: a bid's pledge on a safeguarding
// request without the supplier's confirmation is not committed, and says why.
func TestAwardNeedsTheSafeguardingConfirmation(t *testing.T) {
	e := newEnv(t)
	c, bid, _, ps := e.awardWorld(3)
	sg := e.safeguardingRequest()
	unconfirmed := e.id(e.call("POST", "/api/v1/requests/"+sg+"/pledges", "supplier",
		map[string]any{"offer": "Holiday club helpers", "quantity": 10, "measureCode": "EX-VOL-HOUR", "bidId": bid}, 201))
	due := time.Now().AddDate(0, 6, 0).Format(time.DateOnly)
	award := e.call("POST", "/api/v1/contracts/"+c+"/award", "officer", map[string]any{"bidId": bid, "dueDate": due}, 200)
	committed, not := award["committed"].([]any), award["notCommitted"].([]any)
	if len(committed) != len(ps) || len(not) != 1 || not[0].(map[string]any)["pledgeId"] != unconfirmed ||
		!strings.Contains(not[0].(map[string]any)["reason"].(string), "Not committed: The request “Holiday club helpers” involves children or vulnerable adults") {
		t.Fatalf("award = %v", award)
	}
}
