package api_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"needmatch/domain"
	"needmatch/store/storetest"
)

// largeTender puts a £6,000,000 contract (the enhanced tier) at tender with
// its steps done and the supplier's submitted bid of three pledges; it
// returns the contract, the bid and the pledges.
func (e *env) largeTender(ref string) (contract, bid string, pledges []string) {
	e.t.Helper()
	must(e.svc.SeedExampleMeasures(context.Background(), e.auth.ID))
	contract = e.id(e.call("POST", "/api/v1/contracts", "officer", map[string]any{"reference": ref, "title": "Town centre regeneration", "valuePence": 6_000_000_00}, 201))
	e.readyForTender(contract)
	e.call("POST", "/api/v1/contracts/"+contract+"/stage", "officer", map[string]any{"stage": "tender"}, 200)
	bid = e.id(e.call("POST", "/api/v1/contracts/"+contract+"/bids", "supplier", nil, 201))
	e.call("POST", "/api/v1/contracts/"+contract+"/bids", "supplier2", nil, 201)
	for range 3 {
		r := e.publishedRequest("group", "officer")
		pledges = append(pledges, e.id(e.call("POST", "/api/v1/requests/"+r+"/pledges", "supplier",
			map[string]any{"offer": "Team volunteering days", "quantity": 10, "measureCode": "EX-VOL-HOUR", "bidId": bid}, 201)))
	}
	e.call("POST", "/api/v1/bids/"+bid+"/submit", "supplier", nil, 200)
	return
}

func (e *env) kpisOf(contract string) (ids []string, version int64) {
	e.t.Helper()
	c := e.call("GET", "/api/v1/contracts/"+contract, "officer", nil, 200)
	for _, k := range c["kpis"].([]any) {
		ids = append(ids, k.(map[string]any)["id"].(string))
	}
	return ids, num(c, "version")
}

// auditActions lists the actions of an object's audit events.
func (e *env) auditActions(object string) string {
	e.t.Helper()
	var out []string
	for _, it := range items(e.call("GET", "/api/v1/audit?object="+object, "officer", nil, 200)) {
		out = append(out, it.(map[string]any)["action"].(string))
	}
	return strings.Join(out, " ")
}

// The enhanced tier (from £5,000,000) needs three KPIs before award: an
// award with two is refused naming the rule; with three it passes; KPIs
// no longer change after award.
func TestKPIsBeforeAward(t *testing.T) {
	e := newEnv(t)
	c, bid, _ := e.largeTender("SMBC/2026/K1")
	ct := e.call("GET", "/api/v1/contracts/"+c, "officer", nil, 200)
	tier := ct["tier"].(map[string]any)
	if tier["name"] != "enhanced" || num(tier, "kpisRequired") != 3 || num(tier, "fromPence") != 5_000_000_00 || len(ct["kpis"].([]any)) != 3 {
		t.Fatalf("contract = %v", ct)
	}
	ids, v := e.kpisOf(c)
	k := ct["kpis"].([]any)[0].(map[string]any)
	if k["name"] != "KPI 1: local people employed" || k["unit"] != "people" || k["howMeasured"] == "" || k["addedByName"] == "" {
		t.Fatalf("kpi = %v", k)
	}
	// Down to two (kept by id), at the contract's version.
	two := kpiBodies(storetest.SampleKPIs(2))
	two[0]["id"], two[1]["id"] = ids[0], ids[1]
	wantField(t, e.call("PUT", "/api/v1/contracts/"+c+"/kpis", "officer", map[string]any{"kpis": two, "version": v - 1}, 409), "version")
	e.call("PUT", "/api/v1/contracts/"+c+"/kpis", "supplier", map[string]any{"kpis": two, "version": v}, 403)
	bad := kpiBodies(storetest.SampleKPIs(1))
	bad[0]["name"] = ""
	wantField(t, e.call("PUT", "/api/v1/contracts/"+c+"/kpis", "officer", map[string]any{"kpis": bad, "version": v}, 400), "kpis[0].name")
	unknown := kpiBodies(storetest.SampleKPIs(1))
	unknown[0]["id"] = domain.NewID()
	wantField(t, e.call("PUT", "/api/v1/contracts/"+c+"/kpis", "officer", map[string]any{"kpis": unknown, "version": v}, 400), "kpis[0].id")
	ct = e.call("PUT", "/api/v1/contracts/"+c+"/kpis", "officer", map[string]any{"kpis": two, "version": v}, 200)
	if ks := ct["kpis"].([]any); len(ks) != 2 || ks[0].(map[string]any)["id"] != ids[0] {
		t.Fatalf("kpis = %v", ks)
	}
	due := time.Now().AddDate(0, 6, 0).Format(time.DateOnly)
	refused := e.call("POST", "/api/v1/contracts/"+c+"/award", "officer", map[string]any{"bidId": bid, "dueDate": due}, 409)
	wantField(t, refused, "kpis")
	if refused["detail"] != "This contract's tier (enhanced, from £5,000,000) needs at least 3 KPIs before award; it has 2." {
		t.Fatalf("refusal = %v", refused)
	}
	if got := e.call("GET", "/api/v1/contracts/"+c, "officer", nil, 200); got["stage"] != "tender" {
		t.Fatalf("a refused award changed the contract: %v", got)
	}
	// A third KPI (at evaluation: still before award), and the award passes.
	e.call("POST", "/api/v1/contracts/"+c+"/stage", "officer", map[string]any{"stage": "evaluation"}, 200)
	_, v = e.kpisOf(c)
	three := append(two, kpiBodies([]domain.KPIInput{{Name: "Spend with local small firms", Target: "25", Unit: "%", HowMeasured: "Invoices by postcode"}})...)
	e.call("PUT", "/api/v1/contracts/"+c+"/kpis", "officer", map[string]any{"kpis": three, "version": v}, 200)
	e.call("POST", "/api/v1/contracts/"+c+"/award", "officer", map[string]any{"bidId": bid, "dueDate": due}, 200)
	_, v = e.kpisOf(c)
	wantField(t, e.call("PUT", "/api/v1/contracts/"+c+"/kpis", "officer", map[string]any{"kpis": two, "version": v}, 409), "kpis")
	if a := e.auditActions(c); !strings.Contains(a, "contract.kpis") || !strings.Contains(a, "contract.award") {
		t.Fatalf("audit = %s", a)
	}
}

// A council's tiers carry kpisRequired: set, it applies to the contracts of
// the tier; absent, it is the default of the tier's name.
func TestTierKPIsRequired(t *testing.T) {
	e := newEnv(t)
	tiers := func(enhanced any) []map[string]any {
		out := []map[string]any{}
		for _, t := range domain.DefaultTiers.Tiers {
			m := map[string]any{"name": t.Name, "label": t.Label, "fromPence": t.FromPence, "steps": t.Steps}
			if t.Name == domain.TierEnhanced && enhanced != nil {
				m["kpisRequired"] = enhanced
			}
			if t.Name == domain.TierStandard {
				m["kpisRequired"] = 1
			}
			out = append(out, m)
		}
		return out
	}
	wantField(t, e.call("PUT", "/api/v1/engagement/tiers", "admin", map[string]any{"tiers": tiers(-1)}, 400), "tiers[3].kpisRequired")
	wantField(t, e.call("PUT", "/api/v1/engagement/tiers", "admin", map[string]any{"tiers": tiers(21)}, 400), "tiers[3].kpisRequired")
	got := e.call("PUT", "/api/v1/engagement/tiers", "admin", map[string]any{"tiers": tiers(nil)}, 200)
	if ts := got["tiers"].([]any); num(ts[3].(map[string]any), "kpisRequired") != 3 || num(ts[2].(map[string]any), "kpisRequired") != 1 || num(ts[0].(map[string]any), "kpisRequired") != 0 {
		t.Fatalf("tiers = %v", ts)
	}
	e.call("PUT", "/api/v1/engagement/tiers", "admin", map[string]any{"tiers": tiers(4)}, 200)
	for _, tc := range []struct {
		value int64
		want  int64
	}{{6_000_000_00, 4}, {100_000_00, 1}, {30_000_00, 0}} {
		ct := e.call("POST", "/api/v1/contracts", "officer", map[string]any{"reference": fmt.Sprint("T-", tc.value), "title": "Tiered", "valuePence": tc.value}, 201)
		if got := num(ct["tier"].(map[string]any), "kpisRequired"); got != tc.want {
			t.Errorf("£%d: kpisRequired %d, want %d", tc.value/100, got, tc.want)
		}
	}
}

// awardedLarge is an awarded £6m contract with its three KPIs; due is when
// its commitments fall due.
func (e *env) awardedLarge(ref string) (contract string, kpis, pledges []string, due time.Time) {
	e.t.Helper()
	c, bid, ps := e.largeTender(ref)
	due = time.Now().UTC().AddDate(0, 2, 0).Truncate(24 * time.Hour)
	e.call("POST", "/api/v1/contracts/"+c+"/award", "officer", map[string]any{"bidId": bid, "dueDate": due.Format(time.DateOnly)}, 200)
	kpis, _ = e.kpisOf(c)
	return c, kpis, ps, due
}

// at runs the service as if it were t (restored after).
func (e *env) at(t time.Time) {
	e.svc.Now = func() time.Time { return t }
	e.t.Cleanup(func() { e.svc.Now = domain.SystemClock })
}

// Ratings per KPI per financial year, after award; a second rating is a
// dated correction beside the first; audited.
func TestKPIRatings(t *testing.T) {
	e := newEnv(t)
	c0, _, _ := e.largeTender("SMBC/2026/R0")
	ids0, _ := e.kpisOf(c0)
	fy := domain.FinancialYearOf(time.Now())
	e.call("POST", "/api/v1/contracts/"+c0+"/ratings", "officer", map[string]any{"kpiId": ids0[0], "fy": fy, "rating": "good", "note": "On target."}, 409)
	c, kpis, _, _ := e.awardedLarge("SMBC/2026/R1")
	rate := func(who string, body map[string]any, want int) map[string]any {
		return e.call("POST", "/api/v1/contracts/"+c+"/ratings", who, body, want)
	}
	for _, tc := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"kpiId": kpis[0], "fy": fy, "rating": "poor", "note": "Below."}, "rating"},
		{map[string]any{"kpiId": kpis[0], "fy": fy + 1, "rating": "good", "note": "Ahead."}, "fy"},
		{map[string]any{"kpiId": ids0[0], "fy": fy, "rating": "good", "note": "Other contract's KPI."}, "kpiId"},
		{map[string]any{"kpiId": kpis[0], "fy": fy, "rating": "good", "note": ""}, "note"},
	} {
		wantField(t, rate("officer", tc.body, 400), tc.field)
	}
	rate("supplier", map[string]any{"kpiId": kpis[0], "fy": fy, "rating": "good", "note": "Self-assessed."}, 403)
	first := rate("officer", map[string]any{"kpiId": kpis[0], "fy": fy, "rating": "inadequate", "note": "Four of thirty local hires."}, 201)
	if first["rating"] != "inadequate" || num(first, "fy") != int64(fy) || first["corrects"] != nil || first["ratedByName"] == "" {
		t.Fatalf("rating = %v", first)
	}
	second := rate("officer", map[string]any{"kpiId": kpis[0], "fy": fy, "rating": "requires_improvement", "note": "The payroll return was late: twelve."}, 201)
	if second["corrects"] != first["id"] {
		t.Fatalf("correction = %v", second)
	}
	rate("officer", map[string]any{"kpiId": kpis[1], "fy": fy - 1, "rating": "approaching_target", "note": "Last year."}, 201)
	rs := e.call("GET", "/api/v1/contracts/"+c, "supplier", nil, 200)["kpiRatings"].([]any)
	if len(rs) != 3 || rs[0].(map[string]any)["note"] != "Four of thirty local hires." || rs[1].(map[string]any)["rating"] != "requires_improvement" {
		t.Fatalf("ratings = %v", rs)
	}
	if a := e.auditActions(c); !strings.Contains(a, "contract.rate_kpi") || !strings.Contains(a, "contract.correct_rating") {
		t.Fatalf("audit = %s", a)
	}
}

// A remedy plan needs an overdue commitment or a KPI rated below
// approaching target; its outcome is recorded once, with who and when,
// and it shows on the contract and the supplier's record.
func TestRemedyPlans(t *testing.T) {
	e := newEnv(t)
	c, kpis, ps, due := e.awardedLarge("SMBC/2026/M1")
	fy := domain.FinancialYearOf(time.Now())
	officerID := e.userIDs["officer"]
	byWhen := time.Now().AddDate(0, 4, 0).Format(time.DateOnly)
	open := func(body map[string]any, want int) map[string]any {
		body["action"], body["dueDate"], body["checkerId"] = "Hire ten local people and report monthly.", byWhen, officerID
		return e.call("POST", "/api/v1/contracts/"+c+"/remedies", "officer", body, want)
	}
	notRated := open(map[string]any{"kpiId": kpis[1], "fy": fy}, 409)
	wantField(t, notRated, "kpiId")
	if !strings.Contains(notRated["detail"].(string), "is not rated for") {
		t.Fatalf("refusal = %v", notRated)
	}
	e.call("POST", "/api/v1/contracts/"+c+"/ratings", "officer", map[string]any{"kpiId": kpis[0], "fy": fy, "rating": "approaching_target", "note": "Nearly."}, 201)
	wantField(t, open(map[string]any{"kpiId": kpis[0], "fy": fy}, 409), "kpiId")
	notDue := open(map[string]any{"pledgeId": ps[0]}, 409)
	wantField(t, notDue, "pledgeId")
	if !strings.Contains(notDue["detail"].(string), "is not overdue") {
		t.Fatalf("refusal = %v", notDue)
	}
	wantField(t, open(map[string]any{}, 400), "pledgeId")
	wantField(t, open(map[string]any{"pledgeId": e.pledge("supplier2", e.request)}, 400), "pledgeId")
	e.call("POST", "/api/v1/contracts/"+c+"/ratings", "officer", map[string]any{"kpiId": kpis[0], "fy": fy, "rating": "inadequate", "note": "Corrected: four of thirty."}, 201)
	bad := map[string]any{"kpiId": kpis[0], "fy": fy}
	bad["action"], bad["dueDate"], bad["checkerId"] = "Hire ten.", byWhen, e.userIDs["supplier"]
	wantField(t, e.call("POST", "/api/v1/contracts/"+c+"/remedies", "officer", bad, 400), "checkerId")
	bad["checkerId"], bad["dueDate"] = officerID, "2020-01-01"
	wantField(t, e.call("POST", "/api/v1/contracts/"+c+"/remedies", "officer", bad, 400), "dueDate")
	byKPI := open(map[string]any{"kpiId": kpis[0], "fy": fy}, 201)
	cause := byKPI["cause"].(map[string]any)
	if byKPI["status"] != "open" || cause["kind"] != "kpi_rating" || cause["rating"] != "inadequate" || byKPI["checkerName"] == "" || byKPI["organisationId"] != e.orgs["supplier"] {
		t.Fatalf("remedy = %v", byKPI)
	}
	// Past the commitments' due date, an undelivered commitment allows one.
	e.at(due.AddDate(0, 0, 3))
	byWhen = due.AddDate(0, 2, 0).Format(time.DateOnly)
	byPledge := open(map[string]any{"pledgeId": ps[0]}, 201)
	if c := byPledge["cause"].(map[string]any); c["kind"] != "overdue_commitment" || c["pledgeId"] != ps[0] {
		t.Fatalf("remedy = %v", byPledge)
	}
	// Outcomes.
	id := e.id(byKPI)
	wantField(t, e.call("POST", "/api/v1/remedies/"+id+"/status", "officer", map[string]any{"status": "open"}, 400), "status")
	e.call("POST", "/api/v1/remedies/"+id+"/status", "supplier", map[string]any{"status": "met"}, 403)
	met := e.call("POST", "/api/v1/remedies/"+id+"/status", "officer", map[string]any{"status": "met", "note": "Twelve hired by March."}, 200)
	h := met["history"].([]any)
	if met["status"] != "met" || len(h) != 2 || h[1].(map[string]any)["note"] != "Twelve hired by March." || h[1].(map[string]any)["byName"] == "" || h[1].(map[string]any)["at"] == "" {
		t.Fatalf("met = %v", met)
	}
	wantField(t, e.call("POST", "/api/v1/remedies/"+id+"/status", "officer", map[string]any{"status": "withdrawn"}, 409), "status")
	if a := e.auditActions(id); a != "remedy.open remedy.met" && a != "remedy.met remedy.open" {
		t.Fatalf("audit = %s", a)
	}
	// On the contract (officer, its supplier; not a losing bidder) and on
	// the supplier's record.
	if rs := items(e.call("GET", "/api/v1/contracts/"+c+"/remedies", "supplier", nil, 200)); len(rs) != 2 {
		t.Fatalf("remedies = %v", rs)
	}
	e.call("GET", "/api/v1/contracts/"+c+"/remedies", "supplier2", nil, 403)
	e.call("GET", "/api/v1/contracts/"+c+"/remedies", "group", nil, 403)
	rec := e.call("GET", "/api/v1/suppliers/"+e.orgs["supplier"]+"/record", "officer", nil, 200)
	if rs, _ := rec["remedies"].([]any); len(rs) != 2 {
		t.Fatalf("record = %v", rec)
	}
}

// Quarterly returns of a live contract: set by the officer, sent by the
// supplier per commitment through the delivery door, due on both first
// screens and overdue after the grace.
func TestQuarterlyReturns(t *testing.T) {
	e := newEnv(t)
	c, _, ps, _ := e.awardedLarge("SMBC/2026/Q1")
	wantField(t, e.call("POST", "/api/v1/contracts/"+c+"/reporting", "officer", map[string]any{"quarterly": true}, 409), "quarterly")
	e.call("POST", "/api/v1/contracts/"+c+"/stage", "officer", map[string]any{"stage": "live"}, 200)
	e.call("POST", "/api/v1/contracts/"+c+"/reporting", "supplier", map[string]any{"quarterly": true}, 403)
	now := time.Now().UTC()
	q := domain.QuarterOf(now)
	ct := e.call("POST", "/api/v1/contracts/"+c+"/reporting", "officer", map[string]any{"quarterly": true}, 200)
	if r := ct["reporting"].(map[string]any); r["every"] != "quarter" || num(r, "fromFy") != int64(q.FY) || num(r, "fromQuarter") != int64(q.Quarter) {
		t.Fatalf("reporting = %v", ct["reporting"])
	}
	wantField(t, e.call("POST", "/api/v1/contracts/"+c+"/reporting", "officer", map[string]any{"quarterly": true}, 409), "quarterly")
	view := e.call("GET", "/api/v1/contracts/"+c+"/returns", "supplier", nil, 200)
	if rs, ok := view["returns"].([]any); !ok || len(rs) != 0 || len(view["commitments"].([]any)) != 3 || len(view["due"].([]any)) != 0 {
		t.Fatalf("returns view = %v", view)
	}
	e.call("GET", "/api/v1/contracts/"+c+"/returns", "supplier2", nil, 403)
	// Delivery through the delivery door, then the return gathers it.
	d := e.id(e.call("POST", "/api/v1/pledges/"+ps[0]+"/deliveries", "supplier", map[string]any{"quantity": 4, "date": now.Format(time.DateOnly)}, 201))
	line := func(p string, ds []string, note string) map[string]any {
		return map[string]any{"pledgeId": p, "deliveryIds": ds, "note": note}
	}
	send := func(who string, lines []map[string]any, want int) map[string]any {
		return e.call("POST", "/api/v1/contracts/"+c+"/returns", who, map[string]any{"fy": q.FY, "quarter": q.Quarter, "lines": lines}, want)
	}
	full := []map[string]any{line(ps[0], []string{d}, "Four hours at the food bank."), line(ps[1], nil, "Starts next quarter."), line(ps[2], nil, "Waiting for the group's dates.")}
	wantField(t, send("supplier", full[:2], 400), "lines")
	wantField(t, send("supplier", []map[string]any{full[0], line(ps[1], nil, ""), full[2]}, 400), "lines[1].note")
	wantField(t, send("supplier", []map[string]any{line(ps[0], []string{domain.NewID()}, ""), full[1], full[2]}, 400), "lines[0].deliveryIds")
	wantField(t, send("supplier", []map[string]any{full[0], full[0], full[2]}, 400), "lines[1].pledgeId")
	wantField(t, e.call("POST", "/api/v1/contracts/"+c+"/returns", "supplier", map[string]any{"fy": q.FY + 1, "quarter": q.Quarter, "lines": full}, 400), "quarter")
	send("supplier2", full, 403)
	r := send("supplier", full, 201)
	l0 := r["lines"].([]any)[0].(map[string]any)
	if num(r, "fy") != int64(q.FY) || num(l0, "deliveredPence") != 4*17_00 || l0["requestTitle"] == "" || r["submittedByName"] == "" {
		t.Fatalf("return = %v", r)
	}
	wantField(t, send("supplier", full, 409), "quarter")
	// The next quarter: nothing sent once it ends; a delivery already
	// returned cannot be returned again.
	next := q.Next()
	e.at(next.End().Add(time.Hour))
	due := items(e.call("GET", "/api/v1/returns/due", "supplier", nil, 200))
	if len(due) != 1 || num(due[0].(map[string]any), "quarter") != int64(next.Quarter) || due[0].(map[string]any)["overdue"] != false ||
		due[0].(map[string]any)["dueDate"] != next.DueDate().Format(time.DateOnly) {
		t.Fatalf("due = %v", due)
	}
	if n := len(items(e.call("GET", "/api/v1/returns/due", "supplier2", nil, 200))); n != 0 {
		t.Fatalf("another supplier sees %d returns due", n)
	}
	if n := len(items(e.call("GET", "/api/v1/returns/due?mine=true", "officer", nil, 200))); n != 0 {
		t.Fatalf("an officer who manages no contract has %d due", n)
	}
	wantField(t, e.call("GET", "/api/v1/returns/due?mine=maybe", "officer", nil, 400), "mine")
	e.at(next.DueDate().Add(36 * time.Hour))
	late := items(e.call("GET", "/api/v1/returns/due", "officer", nil, 200))
	if len(late) != 1 || late[0].(map[string]any)["overdue"] != true || num(late[0].(map[string]any), "daysOverdue") != 1 {
		t.Fatalf("late = %v", late)
	}
	again := e.call("POST", "/api/v1/contracts/"+c+"/returns", "supplier", map[string]any{"fy": next.FY, "quarter": next.Quarter, "lines": full}, 400)
	if !strings.Contains(again["detail"].(string), "earlier return") {
		t.Fatalf("again = %v", again)
	}
	if a := e.auditActions(c); !strings.Contains(a, "contract.reporting") || !strings.Contains(a, "contract.return") {
		t.Fatalf("audit = %s", a)
	}
}

// kpiFixtures gives the access matrix the remedy plans of two councils
// (written to the store: the matrix's contracts are at tender) and the
// bodies of the routes of #12.
func kpiFixtures(e *env, objects map[string]map[string]string) map[string]any {
	ctx := context.Background()
	contracts := objects["contracts"]
	plan := func(who, contract string, supplier ...string) string {
		a := e.actor(who)
		org := e.orgs["supplier"]
		if len(supplier) > 0 {
			org = e.orgs[supplier[0]]
		}
		now := time.Now().UTC()
		r := &domain.Remedy{ID: domain.NewID(), AuthorityID: a.AuthorityID, ContractID: contract, OrganisationID: org, Status: domain.RemedyOpen,
			Cause: domain.RemedyCause{Kind: domain.CauseKPIRating, KPIID: "k", FY: 2026, Rating: domain.RatingInadequate}, Action: "Hire ten local people.",
			DueDate: now.AddDate(0, 3, 0), CheckerID: a.UserID, CheckerName: "Officer", History: []domain.RemedyChange{{Status: domain.RemedyOpen, By: a.UserID, At: now}},
			Version: 1, CreatedAt: now, UpdatedAt: now}
		if err := e.svc.Store.CreateRemedy(ctx, r, domain.NewAuditEvent(a.AuthorityID, a.UserID, "remedy.open", "remedy", r.ID, nil, r, now)); err != nil {
			e.t.Fatal(err)
		}
		return r.ID
	}
	objects["remedies"] = map[string]string{"own": plan("officer", contracts["own"]), "otherOrg": plan("officer", contracts["otherOrg"]),
		"otherCouncil": plan("otherOfficer", contracts["otherCouncil"])}
	if out := contracts["outside"]; out != "" {
		objects["remedies"]["outside"] = plan("outOfficer", out, "outSupplier")
	}
	return map[string]any{
		"PUT /contracts/:id/kpis":       map[string]any{"kpis": kpiBodies(storetest.SampleKPIs(3)), "version": 1},
		"POST /contracts/:id/ratings":   map[string]any{"kpiId": domain.NewID(), "fy": 2026, "rating": "good", "note": "On target."},
		"POST /contracts/:id/reporting": map[string]any{"quarterly": true},
		"POST /contracts/:id/returns":   map[string]any{"fy": 2026, "quarter": 3, "lines": []any{}},
		"POST /contracts/:id/remedies":  map[string]any{"kpiId": domain.NewID(), "fy": 2026, "action": "Hire ten.", "dueDate": time.Now().AddDate(0, 3, 0).Format(time.DateOnly)},
		"POST /remedies/:id/status":     map[string]any{"status": "met", "note": "Done."},
	}
}
