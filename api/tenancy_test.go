package api_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"needmatch/api"
	"needmatch/domain"
)

// partnership makes the platform of the tenancy tests: Stockport (own) and
// Trafford (e.other) in region "star", and Rochdale outside it, alone in
// region "north"; a region officer of star and a platform admin sign in
// as "region_officer" and "platform_admin". Rochdale has its own officer,
// group and supplier ("outOfficer", "outGroup", "outSupplier") and one of
// every object the access matrix names; partnership returns their ids by
// kind. Its areas are made-up test areas, not real figures.
func (e *env) partnership() map[string]string {
	t := e.t
	t.Helper()
	ctx := context.Background()
	svc := e.svc
	out := must(svc.CreateAuthority(ctx, nil, domain.AuthorityInput{Slug: "rochdale", Name: "Rochdale (test)", Code: "E08000005"}))
	must(svc.ImportAreas(ctx, &domain.Actor{UserID: "cli", Role: domain.RoleAdmin, AuthorityID: out.ID},
		must(domain.ParseAreasCSV(strings.NewReader("code,name,lat,lon,need\nT0000001,Test ward one,53.6,-2.15,0.7\nT0000002,Test ward two,53.62,-2.16,0.3\n")))))
	must(svc.CreateRegion(ctx, nil, domain.RegionInput{Slug: "star", Name: "STAR Procurement", Authorities: []string{e.auth.Slug, e.other.Slug}}))
	must(svc.CreateRegion(ctx, nil, domain.RegionInput{Slug: "north", Name: "Northern test region", Authorities: []string{"rochdale"}}))
	staff := func(name, role, email, authority, region string) {
		u := must(svc.CreateStaffUser(ctx, domain.StaffUserInput{Email: email, Password: "correct-horse-battery", Name: name, Role: role, AuthoritySlug: authority, RegionSlug: region}))
		e.signIn(name, u)
	}
	staff("region_officer", domain.RoleRegionOfficer, "region@star.example", "", "star")
	staff("platform_admin", domain.RolePlatformAdmin, "platform@needmatch.example", "", "")
	staff("outOfficer", domain.RoleOfficer, "officer@rochdale.example", "rochdale", "")
	officer := e.actor("outOfficer")
	e.signIn("outSupplier", e.mustUser(officer, out, domain.RoleSupplier, "supplier@rochdale.example", true))
	e.signIn("outGroup", e.mustUser(officer, out, domain.RoleGroup, "group@rochdale.example", true))
	must(svc.SeedExampleMeasures(ctx, out.ID))
	req := e.publishedRequestIn("outGroup", "outOfficer", "T0000001")
	offered := e.pledge("outSupplier", req)
	contract := e.tender("outOfficer", domain.ContractInput{Reference: "RMBC-1", Title: "Contract RMBC-1", Directorate: "Place", ValuePence: 10_000_000})
	approved := must(svc.CreatePledge(ctx, e.actor("outSupplier"), req, domain.PledgeInput{Offer: "Volunteers", Quantity: 10, MeasureCode: "EX-VOL-HOUR"}))
	must(svc.MovePledge(ctx, officer, approved.ID, domain.PledgeDecision{Move: domain.PledgeApprove}))
	evidence := must(svc.UploadEvidence(ctx, e.actor("outSupplier"), "timesheet.txt", []byte("timesheet of rochdale"))).ID
	return map[string]string{
		"organisations": e.orgs["outSupplier"],
		"requests":      req,
		"pledges":       offered,
		"authorities":   "rochdale",
		"allocations":   e.id(e.call("POST", "/api/v1/allocations", "outOfficer", nil, 201)),
		"users":         e.userIDs["outSupplier"],
		"messages":      e.id(e.call("POST", "/api/v1/pledges/"+offered+"/messages", "outGroup", map[string]any{"body": "When can you deliver?"}, 201)),
		"contracts":     contract,
		"bids":          must(svc.CreateBid(ctx, e.actor("outSupplier"), contract)).ID,
		"evidence":      evidence,
		"deliveries": must(svc.ReportDelivery(ctx, e.actor("outSupplier"), approved.ID, domain.DeliveryInput{Quantity: 4, Date: time.Now(),
			EvidenceIDs: []string{evidence}})).ID,
		"suppliers":    e.orgs["outSupplier"],
		"directorates": must(svc.CreateDirectorate(ctx, officer, "Place")).ID,
		"questions":    must(svc.AskQuestion(ctx, e.actor("outSupplier"), contract, "When does the tender close?")).ID,
		"regions":      "north",
	}
}

// signIn gives the user a token under name.
func (e *env) signIn(name string, u *domain.User) {
	e.t.Helper()
	tok, err := e.srv.IssueAccessToken(u.ID, time.Now())
	if err != nil {
		e.t.Fatal(err)
	}
	e.tokens[name], e.orgs[name], e.userIDs[name] = tok, u.OrganisationID, u.ID
}

// TestRegionLedger: the region officer's ledger shows Stockport and
// Trafford with the very totals their officers see, and their sum to the
// penny; Rochdale, outside the region, shows nowhere, and its drill-down is
// refused; the region officer writes nothing.
func TestRegionLedger(t *testing.T) {
	e := newEnv(t)
	valueFixtures(e) // approved pledges and reported deliveries in Stockport and Trafford
	e.partnership()  // and in Rochdale
	rl := e.call("GET", "/api/v1/regions/star/ledger", "region_officer", nil, 200)
	councils := rl["councils"].([]any)
	if len(councils) != 2 {
		t.Fatalf("councils = %v", councils)
	}
	var sum [4]int64
	for i, who := range []string{"officer", "otherOfficer"} {
		own := e.call("GET", "/api/v1/ledger", who, nil, 200)["totals"].(map[string]any)
		var c map[string]any
		for _, x := range councils {
			if x.(map[string]any)["slug"] == []string{"stockport", "trafford"}[i] {
				c = x.(map[string]any)
			}
		}
		tot := c["totals"].(map[string]any)
		for j, k := range []string{"approvedPence", "deliveredPence", "verifiedPence", "gapPence"} {
			if num(tot, k) != num(own, k) {
				t.Errorf("%s %s in the region = %d, its own ledger says %d", c["slug"], k, num(tot, k), num(own, k))
			}
			sum[j] += num(own, k)
		}
		if num(own, "approvedPence") == 0 {
			t.Fatalf("%s has nothing secured: the test proves nothing", who)
		}
	}
	st := rl["sum"].(map[string]any)["totals"].(map[string]any)
	for j, k := range []string{"approvedPence", "deliveredPence", "verifiedPence", "gapPence"} {
		if num(st, k) != sum[j] {
			t.Errorf("region sum %s = %d, want %d", k, num(st, k), sum[j])
		}
	}
	raw := string(must(json.Marshal(rl)))
	for _, leak := range []string{"rochdale", "Rochdale", "RMBC"} {
		if strings.Contains(raw, leak) {
			t.Errorf("the region ledger names %q of the council outside it", leak)
		}
	}
	// Drill-down: Trafford's whole ledger, as its officer sees it.
	dd := e.call("GET", "/api/v1/regions/star/ledger?council=trafford", "region_officer", nil, 200)["council"].(map[string]any)
	if dd["authority"] != "trafford" || len(dd["byContract"].([]any)) == 0 {
		t.Fatalf("drill-down = %v", dd)
	}
	e.call("GET", "/api/v1/regions/star/ledger?council=rochdale", "region_officer", nil, 400)
	e.call("GET", "/api/v1/regions/north/ledger", "region_officer", nil, 404)
	e.call("GET", "/api/v1/ledger", "region_officer", nil, 403)
	e.call("POST", "/api/v1/areas/import", "region_officer", map[string]any{"csv": "code,name,lat,lon,need\nX,Y,53,-2,0.5\n"}, 403)
	// The platform admin reads every region; open data is anyone's.
	if n := len(e.call("GET", "/api/v1/regions/north/ledger", "platform_admin", nil, 200)["councils"].([]any)); n != 1 {
		t.Fatalf("north has %d councils", n)
	}
	od := e.call("GET", "/api/v1/regions/star/opendata", "", nil, 200)
	if len(od["councils"].([]any)) != 2 || num(od, "approvedPence") != sum[0] || strings.Contains(string(must(json.Marshal(od))), "rochdale") {
		t.Fatalf("region open data = %v", od)
	}
	me := e.call("GET", "/api/v1/me", "region_officer", nil, 200)
	if me["region"] != "star" || me["authority"] != nil {
		t.Fatalf("me = %v", me)
	}
}

// TestRegionOpenDataCached: a region's open data goes through the page
// cache as /opendata does: a second anonymous read is the same page, with
// no ledger sums run again; an approval in a member council (Trafford, not
// the first) changes its figures and its ETag within api.PublicMaxAge.
func TestRegionOpenDataCached(t *testing.T) {
	e := newEnv(t)
	e.partnership()
	path := "/api/v1/regions/star/opendata"
	sums := func() int { return storeCalls(t, e.app.Metrics, "LedgerSums") }
	approved := func(body []byte) int64 {
		var od map[string]any
		if err := json.Unmarshal(body, &od); err != nil {
			t.Fatalf("%v: %s", err, body)
		}
		return num(od, "approvedPence")
	}
	status, h, first := e.raw("GET", path, "", nil, "")
	if status != 200 || h.Get("ETag") == "" || h.Get("Cache-Control") != "public, max-age=1" {
		t.Fatalf("first region open data: %d %v %s", status, h, first)
	}
	before, was := sums(), approved(first)
	if status, h2, again := e.raw("GET", path, "", nil, ""); status != 200 || h2.Get("ETag") != h.Get("ETag") || string(again) != string(first) || sums() != before {
		t.Fatalf("second region open data: %d, ETag %q then %q, LedgerSums %d -> %d", status, h.Get("ETag"), h2.Get("ETag"), before, sums())
	}
	p := e.pledge("otherSupplier", e.otherReq)
	e.call("POST", "/api/v1/pledges/"+p+"/approve", "otherOfficer", nil, 200)
	time.Sleep(api.PublicMaxAge + 10*time.Millisecond)
	status, h3, after := e.raw("GET", path, "", nil, "")
	if status != 200 || h3.Get("ETag") == h.Get("ETag") || approved(after) != was+300000 || sums() != before+2 {
		t.Fatalf("region open data after an approval in Trafford: %d, ETag %q, approved %d -> %d, LedgerSums %d -> %d (one per member council)",
			status, h3.Get("ETag"), was, approved(after), before, sums())
	}
	if status, h4, again := e.raw("GET", path, "", nil, ""); status != 200 || h4.Get("ETag") != h3.Get("ETag") || sums() != before+2 {
		t.Fatalf("fourth region open data: %d, ETag %q then %q, LedgerSums %d -> %d", status, h3.Get("ETag"), h4.Get("ETag"), before+2, sums())
	} else if string(again) != string(after) {
		t.Fatalf("fourth region open data is another page: %s", again)
	}
}

// TestPlatformAdmin: only a platform admin creates councils and regions
// over the API, with field errors for what is wrong; a council admin may not.
func TestPlatformAdmin(t *testing.T) {
	e := newEnv(t)
	e.partnership()
	e.call("POST", "/api/v1/authorities", "admin", map[string]any{"slug": "tameside", "name": "Tameside"}, 403)
	a := e.call("POST", "/api/v1/authorities", "platform_admin", map[string]any{"slug": "tameside", "name": "Tameside (test)", "code": "E08000008"}, 201)
	if a["slug"] != "tameside" || num(a, "areas") != 0 {
		t.Fatalf("created = %v", a)
	}
	for _, tc := range []struct {
		body   map[string]any
		field  string
		status int
	}{
		{map[string]any{"slug": "tameside", "name": "Again"}, "slug", 409}, // taken: a conflict, not a bad value
		{map[string]any{"slug": "Not A Slug", "name": "X council"}, "slug", 400},
		{map[string]any{"slug": "wigan", "name": "Wigan", "code": "wigan"}, "code", 400},
	} {
		p := e.call("POST", "/api/v1/authorities", "platform_admin", tc.body, tc.status)
		if p["field"] != tc.field {
			t.Errorf("%v: field %v, want %s", tc.body, p["field"], tc.field)
		}
	}
	// The new council has the defaults: thresholds, and the example catalogue.
	pub := e.call("GET", "/api/v1/authorities/tameside", "", nil, 200)
	if num(pub["thresholds"].(map[string]any), "socialValuePence") != 25_000_00 {
		t.Fatalf("thresholds = %v", pub["thresholds"])
	}
	r := e.call("POST", "/api/v1/regions", "platform_admin", map[string]any{"slug": "gm", "name": "Greater Manchester (test)", "authorities": []string{"tameside", "rochdale"}}, 201)
	if got := strs(r["authorities"]); len(got) != 2 || got[0] != "tameside" || got[1] != "rochdale" {
		t.Fatalf("region = %v", r)
	}
	p := e.call("POST", "/api/v1/regions", "platform_admin", map[string]any{"slug": "x", "name": "Nowhere", "authorities": []string{"atlantis"}}, 400)
	if p["field"] != "slug" {
		t.Fatalf("problem = %v", p)
	}
	p = e.call("POST", "/api/v1/regions", "platform_admin", map[string]any{"slug": "xy", "name": "Nowhere", "authorities": []string{"atlantis"}}, 400)
	if p["field"] != "authorities" {
		t.Fatalf("problem = %v", p)
	}
	if p := e.call("POST", "/api/v1/regions", "platform_admin", map[string]any{"slug": "gm", "name": "Again", "authorities": []string{"tameside"}}, 409); p["field"] != "slug" {
		t.Fatalf("taken region slug: %v", p)
	}
	if n := len(e.call("GET", "/api/v1/regions", "platform_admin", nil, 200)["items"].([]any)); n != 3 {
		t.Fatalf("%d regions", n)
	}
	if items := e.call("GET", "/api/v1/regions", "region_officer", nil, 200)["items"].([]any); len(items) != 1 || items[0].(map[string]any)["slug"] != "star" {
		t.Fatalf("the region officer's regions = %v", items)
	}
}

// TestSupplierAcrossCouncils: a Stockport supplier asks to work in
// Trafford; Trafford's officer approves it there; it switches council with
// one sign-in, pledges in Trafford, and its record shows both councils.
// Trafford's suspension binds Trafford alone; a group cannot join.
func TestSupplierAcrossCouncils(t *testing.T) {
	e := newEnv(t)
	e.call("POST", "/api/v1/auth/switch", "supplier", map[string]any{"authority": "trafford"}, 403) // not approved there
	m := e.call("POST", "/api/v1/me/councils", "supplier", map[string]any{"authority": "trafford"}, 201)
	if m["status"] != "pending" || m["authority"] != "trafford" {
		t.Fatalf("membership = %v", m)
	}
	if p := e.call("POST", "/api/v1/me/councils", "supplier", map[string]any{"authority": "trafford"}, 409); p["field"] != "authority" {
		t.Fatalf("asked twice: %v", p)
	}
	e.call("POST", "/api/v1/me/councils", "group", map[string]any{"authority": "trafford"}, 403)
	if p := e.call("POST", "/api/v1/me/councils", "supplier", map[string]any{"authority": "atlantis"}, 400); p["field"] != "authority" {
		t.Fatalf("unknown council: %v", p)
	}
	traffordOrg := m["organisationId"].(string)
	e.call("POST", "/api/v1/auth/switch", "supplier", map[string]any{"authority": "trafford"}, 403) // pending
	// Stockport's officer does not see Trafford's record; Trafford's approves it.
	e.call("POST", "/api/v1/organisations/"+traffordOrg+"/approve", "officer", nil, 404)
	e.call("POST", "/api/v1/organisations/"+traffordOrg+"/approve", "otherOfficer", nil, 200)
	sw := e.call("POST", "/api/v1/auth/switch", "supplier", map[string]any{"authority": "trafford"}, 200)
	e.tokens["supplierInTrafford"] = sw["accessToken"].(string)
	me := e.call("GET", "/api/v1/me", "supplierInTrafford", nil, 200)
	if me["authority"].(map[string]any)["slug"] != "trafford" || me["organisation"].(map[string]any)["id"] != traffordOrg {
		t.Fatalf("me in Trafford = %v", me)
	}
	councils := items(e.call("GET", "/api/v1/me/councils", "supplierInTrafford", nil, 200))
	if len(councils) != 2 || councils[0].(map[string]any)["authority"] != "stockport" || councils[0].(map[string]any)["home"] != true ||
		councils[1].(map[string]any)["current"] != true || councils[1].(map[string]any)["status"] != "approved" {
		t.Fatalf("councils = %v", councils)
	}
	// The pledge belongs to Trafford: Stockport's officer cannot see it.
	tp := e.pledge("supplierInTrafford", e.otherReq)
	e.call("GET", "/api/v1/pledges/"+tp, "officer", nil, 404)
	e.call("GET", "/api/v1/pledges/"+tp, "supplier", nil, 404) // the home session works in Stockport
	e.call("POST", "/api/v1/pledges/"+tp+"/approve", "otherOfficer", map[string]any{}, 200)
	// Trafford's mail about it goes to the supplier's people, from Trafford's outbox.
	notes, _, err := e.app.Store.FindNotifications(context.Background(), domain.NotificationFilter{AuthorityID: e.other.ID})
	if err != nil {
		t.Fatal(err)
	}
	mailed := false
	for _, n := range notes {
		mailed = mailed || n.To == "supplier@x.org"
	}
	if !mailed {
		t.Errorf("no mail to the supplier about its pledge in Trafford: %d notes", len(notes))
	}
	sp := e.pledge("supplier", e.request)
	e.call("POST", "/api/v1/pledges/"+sp+"/approve", "officer", map[string]any{}, 200)
	// Its record shows both councils, each with its own figures.
	rec := e.call("GET", "/api/v1/suppliers/"+e.orgs["supplier"]+"/record", "supplier", nil, 200)
	cr := rec["councils"].([]any)
	if len(cr) != 2 || cr[0].(map[string]any)["authority"] != "stockport" || cr[1].(map[string]any)["authority"] != "trafford" ||
		num(cr[1].(map[string]any), "approvedPence") != 300000 || num(cr[0].(map[string]any), "approvedPence") != 300000 {
		t.Fatalf("record councils = %v", cr)
	}
	// Trafford suspends it: Trafford alone.
	e.call("POST", "/api/v1/organisations/"+traffordOrg+"/suspend", "otherOfficer", map[string]any{"reason": "Under investigation"}, 200)
	e.call("POST", "/api/v1/requests/"+e.otherReq+"/pledges", "supplierInTrafford", map[string]any{"offer": "More", "quantity": 1, "unit": "day", "valuePence": 1000}, 403)
	e.call("POST", "/api/v1/auth/switch", "supplier", map[string]any{"authority": "trafford"}, 403)
	e.pledge("supplier", e.publishedRequest("group", "officer"))         // Stockport still takes its pledges
	e.call("GET", "/api/v1/pledges/"+tp, "supplierInTrafford", nil, 200) // it still reads its work there
	// A token naming a council the organisation has no record in is refused.
	other := e.call("POST", "/api/v1/auth/switch", "supplier", map[string]any{"authority": "stockport"}, 200)
	if me := e.call("GET", "/api/v1/me", other["accessToken"].(string), nil, 200); me["authority"].(map[string]any)["slug"] != "stockport" {
		t.Fatalf("switch home = %v", me)
	}
	e.call("POST", "/api/v1/auth/switch", "supplier2", map[string]any{"authority": "trafford"}, 403)
	forged := must(e.srv.IssueAccessTokenIn(e.userIDs["supplier2"], e.other.ID, time.Now()))
	e.call("GET", "/api/v1/me", forged, nil, 401)
	forged = must(e.srv.IssueAccessTokenIn(e.userIDs["group"], e.other.ID, time.Now()))
	e.call("GET", "/api/v1/me", forged, nil, 401)
}
