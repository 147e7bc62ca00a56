package api_test

import (
	"fmt"
	"strings"
	"testing"
)

func TestMatchRankings(t *testing.T) {
	e := newEnv(t)
	// A second published request in a less deprived ward.
	body := validRequest()
	body["area"] = "E05015015" // Bramhall South & Woodford, least need
	body["title"] = "Bramhall request"
	r2 := e.id(e.call("POST", "/api/v1/requests", "group", body, 201))
	e.call("POST", "/api/v1/requests/"+r2+"/submit", "group", nil, 200)
	e.call("POST", "/api/v1/requests/"+r2+"/publish", "officer", nil, 200)

	got := e.call("GET", "/api/v1/matches/requests", "supplier", nil, 200)
	items := got["items"].([]any)
	if len(items) != 2 {
		t.Fatalf("ranked = %d, want 2", len(items))
	}
	first := items[0].(map[string]any)
	if first["request"].(map[string]any)["id"] != e.request {
		t.Fatalf("the Brinnington request (most need) should rank first: %v", first["request"])
	}
	s0, s1 := first["score"].(float64), items[1].(map[string]any)["score"].(float64)
	if !(s0 > s1) || s0 <= 0 || s0 > 1 {
		t.Fatalf("scores %v then %v", s0, s1)
	}
	bd := first["breakdown"].([]any)
	if len(bd) != 6 {
		t.Fatalf("breakdown has %d components, want 6", len(bd))
	}
	sum := 0.0
	for _, c := range bd {
		cm := c.(map[string]any)
		if cm["explanation"] == "" || cm["name"] == "" {
			t.Fatalf("component without words: %v", cm)
		}
		sum += cm["contribution"].(float64)
	}
	if d := sum - s0; d > 1e-6 || d < -1e-6 {
		t.Fatalf("contributions add to %v, score %v", sum, s0)
	}
	// Filters and paging.
	if n := len(e.call("GET", "/api/v1/matches/requests?area=E05015015", "supplier", nil, 200)["items"].([]any)); n != 1 {
		t.Fatalf("area filter: %d", n)
	}
	if n := len(e.call("GET", "/api/v1/matches/requests?text=BRAMHALL", "supplier", nil, 200)["items"].([]any)); n != 1 {
		t.Fatalf("text filter: %d", n)
	}
	p1 := e.call("GET", "/api/v1/matches/requests?limit=1", "supplier", nil, 200)
	if p1["next"] != "1" {
		t.Fatalf("next = %v", p1["next"])
	}
	p2 := e.call("GET", "/api/v1/matches/requests?limit=1&cursor=1", "supplier", nil, 200)
	if p2["items"].([]any)[0].(map[string]any)["request"].(map[string]any)["id"] != r2 || p2["next"] != "" {
		t.Fatalf("second page = %v", p2)
	}
	e.call("GET", "/api/v1/matches/requests?kind=cash", "supplier", nil, 400)
	e.call("GET", "/api/v1/matches/requests?cursor=x", "supplier", nil, 400)
	e.call("GET", "/api/v1/matches/requests", "pending", nil, 403)
	e.call("GET", "/api/v1/matches/requests", "officer", nil, 403)

	// Ranked pledges: officer only; a supplier never sees others' scores.
	e.pledge("supplier", e.request)
	e.pledge("supplier2", e.request)
	rp := e.call("GET", "/api/v1/requests/"+e.request+"/ranked-pledges", "officer", nil, 200)["items"].([]any)
	if len(rp) != 2 || rp[0].(map[string]any)["breakdown"] == nil {
		t.Fatalf("ranked pledges = %v", rp)
	}
	e.call("GET", "/api/v1/requests/"+e.request+"/ranked-pledges", "supplier", nil, 403)
	e.call("GET", "/api/v1/requests/"+e.otherReq+"/ranked-pledges", "officer", nil, 404)
}

func TestAllocationProposeAndAccept(t *testing.T) {
	e := newEnv(t)
	// The request needs £3,500 (350000p). Three pledges offer 3000+2000+1000 pounds.
	mk := func(who string, value int, partial bool) string {
		return e.id(e.call("POST", "/api/v1/requests/"+e.request+"/pledges", who,
			map[string]any{"offer": "Laptops", "quantity": value / 100, "unit": "£", "valuePence": value, "allowPartial": partial}, 201))
	}
	pA := mk("supplier", 300000, true)
	pB := mk("supplier2", 200000, true)
	pC := mk("supplier2", 100000, false)
	al := e.call("POST", "/api/v1/allocations", "officer", nil, 201)
	items := al["items"].([]any)
	if len(items) != 3 || al["status"] != "proposed" {
		t.Fatalf("allocation = %v", al)
	}
	total := 0.0
	byID := map[string]map[string]any{}
	for _, it := range items {
		m := it.(map[string]any)
		byID[m["pledgeId"].(string)] = m
		total += m["approvedPence"].(float64)
		if m["approvedPence"].(float64) > m["valuePence"].(float64) {
			t.Fatalf("approved beyond the pledge: %v", m)
		}
	}
	if total != 350000 || al["approvedPence"].(float64) != 350000 {
		t.Fatalf("approved in all = %v, want the whole need 350000", total)
	}
	if c := byID[pC]["approvedPence"].(float64); c != 0 && c != 100000 {
		t.Fatalf("a whole-only pledge was cut: %v", c)
	}
	for _, id := range []string{pA, pB, pC} {
		m := byID[id]
		if m["approvedPence"].(float64) < m["valuePence"].(float64) && m["reason"] == "" {
			t.Fatalf("pledge cut or left out without a reason: %v", m)
		}
		if ex, _ := m["explanation"].(string); strings.Contains(ex, e.request) || strings.Contains(ex, e.orgs["supplier"]) {
			t.Fatalf("explanation speaks of ids, not names: %q", ex)
		}
	}
	// A stale proposal: the supplier withdraws pledge A after it was made.
	e.call("POST", "/api/v1/pledges/"+pA+"/withdraw", "supplier", nil, 200)
	alID := al["id"].(string)
	res := e.call("POST", "/api/v1/allocations/"+alID+"/accept", "officer", map[string]any{}, 200)
	skipped := res["skipped"].([]any)
	approved := res["approved"].([]any)
	if byID[pA]["approvedPence"].(float64) > 0 && (len(skipped) != 1 || skipped[0].(map[string]any)["pledgeId"] != pA) {
		t.Fatalf("the changed pledge was not skipped: %v", res)
	}
	for _, id := range approved {
		p := e.call("GET", "/api/v1/pledges/"+id.(string), "officer", nil, 200)
		if p["status"] != "approved" || p["approvedPence"].(float64) != byID[id.(string)]["approvedPence"].(float64) {
			t.Fatalf("accepted pledge %v", p)
		}
		evs := e.call("GET", "/api/v1/audit?object="+id.(string), "officer", nil, 200)["items"].([]any)
		if last := evs[len(evs)-1].(map[string]any); last["action"] != "pledge.approve" {
			t.Fatalf("no approval event: %v", last)
		}
	}
	e.call("POST", "/api/v1/allocations/"+alID+"/accept", "officer", nil, 409)
	e.call("GET", "/api/v1/allocations/"+alID, "otherOfficer", nil, 404)
	e.call("POST", "/api/v1/allocations", "supplier", nil, 403)
	e.call("POST", "/api/v1/allocations", "officer", map[string]any{"timeLimitMs": -5}, 400)
	e.call("POST", "/api/v1/allocations/"+alID+"/accept", "officer", map[string]any{"pledgeIds": []string{"nope"}}, 409)
}

func TestAllocationAcceptSubset(t *testing.T) {
	e := newEnv(t)
	p1 := e.pledge("supplier", e.request)
	p2 := e.pledge("supplier2", e.request)
	_ = p2
	al := e.call("POST", "/api/v1/allocations", "officer", nil, 201)
	e.call("POST", "/api/v1/allocations/"+al["id"].(string)+"/accept", "officer", map[string]any{"pledgeIds": []string{domain0()}}, 400)
	res := e.call("POST", "/api/v1/allocations/"+al["id"].(string)+"/accept", "officer", map[string]any{"pledgeIds": []string{p1}}, 200)
	if fmt.Sprint(res["approved"]) != fmt.Sprint([]any{p1}) {
		t.Fatalf("accept subset = %v", res)
	}
	if p := e.call("GET", "/api/v1/pledges/"+p2, "officer", nil, 200); p["status"] != "offered" {
		t.Fatalf("pledge outside the subset changed: %v", p["status"])
	}
}

func domain0() string { return strings.Repeat("0", 24) }

func TestWeightsAndAreas(t *testing.T) {
	e := newEnv(t)
	w := e.call("GET", "/api/v1/matcher/weights", "officer", nil, 200)
	if w["current"].(map[string]any)["Version"] == nil && w["current"].(map[string]any)["version"] == nil {
		t.Fatalf("weights = %v", w)
	}
	e.call("PUT", "/api/v1/matcher/weights", "officer", map[string]any{"need": 1}, 403)
	bad := e.call("PUT", "/api/v1/matcher/weights", "admin", map[string]any{"need": 2, "fit": 0.2}, 400)
	if bad["field"] != "need" {
		t.Fatalf("bad weight: %v", bad)
	}
	set := e.call("PUT", "/api/v1/matcher/weights", "admin", map[string]any{"need": 0.5, "fit": 0.1, "coverage": 0.1, "urgency": 0.1, "distance": 0.1, "record": 0.1}, 200)
	hist := set["history"].([]any)
	if len(hist) != 1 || hist[0].(map[string]any)["version"].(float64) != 2 {
		t.Fatalf("history = %v", hist)
	}
	rank := e.call("GET", "/api/v1/matches/requests", "supplier", nil, 200)["items"].([]any)
	if rank[0].(map[string]any)["weightsVersion"].(float64) != 2 {
		t.Fatalf("scores use weights version %v, want 2", rank[0].(map[string]any)["weightsVersion"])
	}
	// Area import: line-numbered errors and nothing half-imported.
	csv := "code,name,lat,lon,need\nE1,North,53.4,-2.1,0.7\nE2,,53.4,-2.1,1.5\nE1,Again,53.4,x,0.2\n"
	res := e.call("POST", "/api/v1/areas/import", "officer", map[string]any{"csv": csv}, 400)
	errs := fmt.Sprint(res["errors"])
	for _, want := range []string{"line 3", "line 4", "also on line 2"} {
		if !strings.Contains(errs, want) {
			t.Fatalf("errors lack %q: %s", want, errs)
		}
	}
	if n := len(e.call("GET", "/api/v1/authorities/stockport", "", nil, 200)["areas"].([]any)); n != 21 {
		t.Fatalf("areas after a refused import = %d, want 21", n)
	}
	ok := "code,name,lat,lon,d1,d2,d3,d4,d5,d6,d7,d8,d9,d10\nW1,Ward One,53.41,-2.14,6,1,1,0,0,0,0,0,0,0\nW2,Ward Two,53.35,-2.17,0,0,0,0,0,0,0,0,1,7\n"
	e.call("POST", "/api/v1/areas/import", "supplier", map[string]any{"csv": ok}, 403)
	got := e.call("POST", "/api/v1/areas/import", "officer", map[string]any{"csv": ok}, 200)["areas"].([]any)
	if len(got) != 2 || got[0].(map[string]any)["needIndex"].(float64) <= got[1].(map[string]any)["needIndex"].(float64) {
		t.Fatalf("imported = %v", got)
	}
	if n := len(e.call("GET", "/api/v1/audit?object="+e.auth.ID, "officer", nil, 200)["items"].([]any)); n != 2 {
		t.Fatalf("audit events on the council = %d, want 2 (weights, areas)", n)
	}
}

func TestOrganisationProfile(t *testing.T) {
	e := newEnv(t)
	org := e.orgs["supplier"]
	got := e.call("PATCH", "/api/v1/organisations/"+org, "supplier", map[string]any{"area": "E05015018", "offers": []string{"goods", "works"}, "commitmentLimitPence": 500000}, 200)
	if got["area"] != "E05015018" || got["commitmentLimitPence"].(float64) != 500000 {
		t.Fatalf("profile = %v", got)
	}
	e.call("PATCH", "/api/v1/organisations/"+org, "supplier2", map[string]any{"name": "Taken over"}, 404)
	e.call("PATCH", "/api/v1/organisations/"+org, "officer", map[string]any{"name": "Taken over"}, 403)
	for field, v := range map[string]any{"area": "E000", "offers": []string{"cash"}, "commitmentLimitPence": -1, "name": ""} {
		res := e.call("PATCH", "/api/v1/organisations/"+org, "supplier", map[string]any{field: v}, 400)
		if res["field"] != field {
			t.Fatalf("%s: field %v", field, res["field"])
		}
	}
	e.call("PATCH", "/api/v1/organisations/"+org, "supplier", map[string]any{"status": "approved"}, 400)
	e.call("PATCH", "/api/v1/organisations/"+e.orgs["group"], "group", map[string]any{"commitmentLimitPence": 5}, 400)
}
