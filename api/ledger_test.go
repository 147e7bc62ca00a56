package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net"
	"net/textproto"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"needmatch/api"
	"needmatch/app"
	"needmatch/domain"
	"needmatch/store/sqlite"
)

func (e *env) actor(name string) *domain.Actor {
	e.t.Helper()
	a, _, err := e.svc.ActorFor(context.Background(), e.userIDs[name])
	if err != nil {
		e.t.Fatal(err)
	}
	return a
}

// must returns v, or panics (failing the test) on an error of the setup.
func must[T any](v T, err error) T {
	if err != nil {
		panic(fmt.Sprintf("test setup: %v", err))
	}
	return v
}

// multipartBody builds a one-file upload; a header of its own lets a test
// send any file name and any declared content type.
func multipartBody(field, name, ctype string, content []byte) ([]byte, string) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename=%q`, field, name))
	h.Set("Content-Type", ctype)
	part, _ := w.CreatePart(h)
	part.Write(content)
	w.Close()
	return buf.Bytes(), w.FormDataContentType()
}

func (e *env) upload(who, name string, content []byte, want int) map[string]any {
	e.t.Helper()
	body, ctype := multipartBody("file", name, "application/octet-stream", content)
	status, h, rb := e.raw("POST", "/api/v1/evidence", who, body, ctype)
	if status != want {
		e.t.Fatalf("upload %q as %s: %d, want %d: %s", name, who, status, want, rb)
	}
	if status >= 400 && h.Get("Content-Type") != "application/problem+json" {
		e.t.Fatalf("upload error without problem+json: %s", rb)
	}
	out := map[string]any{}
	_ = json.Unmarshal(rb, &out)
	return out
}

// valueWorld is the ledger's fixture in both councils.
type valueWorld struct {
	contract, contract2, otherContract string
	bid, bid2, otherBid                string
	pledge, pledge2, otherPledge       string
	evidence, evidence2, otherEvidence string
	delivery, delivery2, otherDelivery string
	spareEvidence                      string
}

func (e *env) valueWorld() *valueWorld {
	t := e.t
	t.Helper()
	ctx := context.Background()
	for _, id := range []string{e.auth.ID, e.other.ID} {
		must(e.svc.SeedExampleMeasures(ctx, id))
	}
	w := &valueWorld{}
	mk := func(who, ref string) string {
		return e.tender(who, domain.ContractInput{Reference: ref, Title: "Contract " + ref, Directorate: "Place", ValuePence: 10_000_000})
	}
	w.contract, w.contract2, w.otherContract = mk("officer", "SMBC-1"), mk("officer", "SMBC-2"), mk("otherOfficer", "TMBC-1")
	w.bid = must(e.svc.CreateBid(ctx, e.actor("supplier"), w.contract)).ID
	w.bid2 = must(e.svc.CreateBid(ctx, e.actor("supplier2"), w.contract)).ID
	w.otherBid = must(e.svc.CreateBid(ctx, e.actor("otherSupplier"), w.otherContract)).ID
	approved := func(sup, off, req string) string {
		p := must(e.svc.CreatePledge(ctx, e.actor(sup), req, domain.PledgeInput{Offer: "Volunteers from our team", Quantity: 10, MeasureCode: "EX-VOL-HOUR"}))
		must(e.svc.MovePledge(ctx, e.actor(off), p.ID, domain.PledgeDecision{Move: domain.PledgeApprove}))
		return p.ID
	}
	w.pledge, w.pledge2, w.otherPledge = approved("supplier", "officer", e.request), approved("supplier2", "officer", e.request), approved("otherSupplier", "otherOfficer", e.otherReq)
	up := func(who, text string) string {
		return must(e.svc.UploadEvidence(ctx, e.actor(who), "timesheet.txt", []byte(text))).ID
	}
	w.evidence, w.evidence2, w.otherEvidence = up("supplier", "timesheet of supplier"), up("supplier2", "timesheet of supplier2"), up("otherSupplier", "timesheet of trafford")
	w.spareEvidence = up("supplier", "a spare timesheet")
	deliver := func(who, pledge, evidence string) string {
		return must(e.svc.ReportDelivery(ctx, e.actor(who), pledge, domain.DeliveryInput{Quantity: 4, Date: time.Now(), EvidenceIDs: []string{evidence}})).ID
	}
	w.delivery, w.delivery2, w.otherDelivery = deliver("supplier", w.pledge, w.evidence), deliver("supplier2", w.pledge2, w.evidence2), deliver("otherSupplier", w.otherPledge, w.otherEvidence)
	return w
}

// valueFixtures gives the access matrix the ledger's objects and bodies.
func valueFixtures(e *env) (map[string]map[string]string, map[string]any) {
	w := e.valueWorld()
	objects := map[string]map[string]string{
		"contracts":  {"own": w.contract, "otherOrg": w.contract2, "otherCouncil": w.otherContract},
		"bids":       {"own": w.bid, "otherOrg": w.bid2, "otherCouncil": w.otherBid},
		"evidence":   {"own": w.evidence, "otherOrg": w.evidence2, "otherCouncil": w.otherEvidence},
		"deliveries": {"own": w.delivery, "otherOrg": w.delivery2, "otherCouncil": w.otherDelivery},
		"suppliers":  {"own": e.orgs["supplier"], "otherOrg": e.orgs["supplier2"], "otherCouncil": e.orgs["otherSupplier"]},
	}
	bodies := map[string]any{
		"POST /measures/import":        map[string]any{"csv": "code,name,unit,proxy_gbp,theme\nVOL,Volunteering hour,hour,17.08,social\n"},
		"POST /contracts":              map[string]any{"reference": "SMBC-9", "title": "Grounds maintenance", "valuePence": 5_000_000},
		"POST /contracts/:id/stage":    map[string]any{"stage": "closed"},
		"POST /contracts/:id/award":    map[string]any{"bidId": w.bid, "dueDate": time.Now().AddDate(1, 0, 0).Format(time.DateOnly)},
		"POST /pledges/:id/deliveries": map[string]any{"quantity": 1, "date": time.Now().Format(time.DateOnly)},
		"POST /deliveries/:id/dispute": map[string]any{"reason": "We did not receive this"},
		"POST /deliveries/:id/verify":  map[string]any{"reason": "Checked on a site visit"},
		"POST /deliveries/:id/reject":  map[string]any{"reason": "No evidence of the hours"},
	}
	return objects, bodies
}

func items(m map[string]any) []any {
	it, _ := m["items"].([]any)
	return it
}

func num(m map[string]any, k string) int64 {
	f, _ := m[k].(float64)
	return int64(f)
}

// TestValueJourney walks a contract from tender to verified delivery over
// the API and checks the ledger, the exports and the audit trail.
func TestValueJourney(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	must(e.svc.SeedExampleMeasures(ctx, e.auth.ID))
	cat := e.call("GET", "/api/v1/measures", "supplier", nil, 200)
	if cat["example"] != true || !strings.Contains(cat["label"].(string), "EXAMPLE") || len(cat["measures"].([]any)) != 6 {
		t.Fatalf("example catalogue = %v", cat)
	}
	reqs := []string{e.request, e.publishedRequest("group", "officer"), e.publishedRequest("group2", "officer")}
	ct := e.call("POST", "/api/v1/contracts", "officer", map[string]any{"reference": "SMBC/2026/001", "title": "Highways maintenance", "directorate": "Place", "valuePence": 6_000_000_00}, 201)
	cid := e.id(ct)
	rules := ct["rules"].(map[string]any)
	if ct["stage"] != "pipeline" || rules["socialValue"] != true || rules["kpis"] != true || num(rules, "minRequests") != 3 {
		t.Fatalf("contract = %v", ct)
	}
	e.call("POST", "/api/v1/contracts/"+cid+"/stage", "officer", map[string]any{"stage": "pre_market"}, 200)
	e.call("POST", "/api/v1/contracts/"+cid+"/bids", "supplier", nil, 409) // not at tender yet
	e.readyForTender(cid)
	e.call("POST", "/api/v1/contracts/"+cid+"/stage", "officer", map[string]any{"stage": "tender"}, 200)
	bid := e.id(e.call("POST", "/api/v1/contracts/"+cid+"/bids", "supplier", nil, 201))
	e.call("POST", "/api/v1/contracts/"+cid+"/bids", "supplier", nil, 409)
	bid2 := e.id(e.call("POST", "/api/v1/contracts/"+cid+"/bids", "supplier2", nil, 201))
	pledgeIn := func(who, req, bid string, qty int) map[string]any {
		return e.call("POST", "/api/v1/requests/"+req+"/pledges", who, map[string]any{"offer": "Team volunteering days", "quantity": qty, "measureCode": "EX-VOL-HOUR", "bidId": bid}, 201)
	}
	p1 := pledgeIn("supplier", reqs[0], bid, 10)
	if num(p1, "valuePence") != 10*17_00 || p1["unit"] != "hour" || num(p1, "catalogueVersion") != 1 || p1["contractId"] != cid || p1["area"] != "E05015018" {
		t.Fatalf("pledge valued by measure = %v", p1)
	}
	e.call("POST", "/api/v1/pledges/"+e.id(p1)+"/approve", "officer", nil, 409) // part of a bid: not before award
	e.call("POST", "/api/v1/bids/"+bid+"/submit", "supplier", nil, 422)         // one request only
	pledgeIn("supplier", reqs[1], bid, 5)
	pledgeIn("supplier", reqs[1], bid, 5) // the same request twice counts once
	e.call("POST", "/api/v1/bids/"+bid+"/submit", "supplier", nil, 422)
	pledgeIn("supplier", reqs[2], bid, 20)
	// No pledge is exclusive: the other bidder pledges to the same requests.
	for _, r := range reqs {
		pledgeIn("supplier2", r, bid2, 1)
	}
	got := e.call("GET", "/api/v1/bids/"+bid, "supplier", nil, 200)
	if comp := got["compliance"].(map[string]any); comp["compliant"] != true || num(comp, "distinctRequests") != 3 || len(got["pledges"].([]any)) != 4 {
		t.Fatalf("bid = %v", got)
	}
	e.call("GET", "/api/v1/bids/"+bid, "supplier2", nil, 404)
	e.call("POST", "/api/v1/bids/"+bid+"/submit", "supplier", nil, 200)
	e.call("POST", "/api/v1/bids/"+bid2+"/submit", "supplier2", nil, 200)
	e.call("POST", "/api/v1/contracts/"+cid+"/award", "officer", map[string]any{"bidId": bid, "dueDate": "2020-01-01"}, 400)
	due := time.Now().AddDate(0, 6, 0).Format(time.DateOnly)
	award := e.call("POST", "/api/v1/contracts/"+cid+"/award", "officer", map[string]any{"bidId": bid, "dueDate": due}, 200)
	if len(award["committed"].([]any)) != 4 || len(award["declined"].([]any)) != 3 || award["contract"].(map[string]any)["stage"] != "awarded" {
		t.Fatalf("award = %v", award)
	}
	e.call("POST", "/api/v1/contracts/"+cid+"/award", "officer", map[string]any{"bidId": bid, "dueDate": due}, 409)
	if got := e.call("GET", "/api/v1/pledges/"+e.id(p1), "supplier", nil, 200); got["status"] != "approved" || num(got, "approvedPence") != 17_000 || !strings.HasPrefix(got["dueDate"].(string), due) {
		t.Fatalf("committed pledge = %v", got)
	}
	// Delivery: 6 hours with evidence, then 4 more; the group confirms the
	// first and disputes the second; the officer verifies both (the second
	// with a reason) and the pledge is verified.
	ev := e.upload("supplier", "timesheet.txt", []byte("10 hours at the larder, signed"), 201)
	if ev["contentType"] != "text/plain; charset=utf-8" || ev["fileName"] != "timesheet.txt" || len(ev["sha256"].(string)) != 64 {
		t.Fatalf("evidence = %v", ev)
	}
	pid := e.id(p1)
	today := time.Now().Format(time.DateOnly)
	d1 := e.call("POST", "/api/v1/pledges/"+pid+"/deliveries", "supplier", map[string]any{"quantity": 6, "date": today, "notes": "First sessions", "evidenceIds": []string{e.id(ev)}}, 201)
	if num(d1, "valuePence") != 6*17_00 || d1["status"] != "reported" {
		t.Fatalf("delivery = %v", d1)
	}
	e.call("POST", "/api/v1/pledges/"+pid+"/deliveries", "supplier", map[string]any{"quantity": 5, "date": today}, 422) // 6 + 5 > 10
	copyEv := e.upload("supplier", "timesheet-copy.txt", []byte("10 hours at the larder, signed"), 201)
	e.call("POST", "/api/v1/pledges/"+pid+"/deliveries", "supplier", map[string]any{"quantity": 4, "date": today, "evidenceIds": []string{e.id(copyEv)}}, 409) // same file
	e.call("POST", "/api/v1/pledges/"+pid+"/deliveries", "supplier", map[string]any{"quantity": 4, "date": today, "evidenceIds": []string{e.id(ev)}}, 409)     // already attached
	d2 := e.call("POST", "/api/v1/pledges/"+pid+"/deliveries", "supplier", map[string]any{"quantity": 4, "date": today}, 201)
	if got := e.call("GET", "/api/v1/pledges/"+pid, "officer", nil, 200); got["status"] != "delivered" {
		t.Fatalf("pledge after full report = %v", got["status"])
	}
	e.call("POST", "/api/v1/deliveries/"+e.id(d1)+"/confirm", "group2", nil, 404) // not its request
	e.call("POST", "/api/v1/deliveries/"+e.id(d1)+"/confirm", "supplier", nil, 403)
	e.call("POST", "/api/v1/deliveries/"+e.id(d1)+"/confirm", "group", nil, 200)
	e.call("POST", "/api/v1/deliveries/"+e.id(d2)+"/dispute", "group", map[string]any{"reason": "Only three hours happened"}, 200)
	e.call("POST", "/api/v1/deliveries/"+e.id(d2)+"/verify", "officer", nil, 400) // disputed: needs a reason
	e.call("POST", "/api/v1/deliveries/"+e.id(d1)+"/verify", "officer", nil, 200)
	e.call("POST", "/api/v1/deliveries/"+e.id(d2)+"/verify", "officer", map[string]any{"reason": "Sign-in sheets show four hours"}, 200)
	if got := e.call("GET", "/api/v1/pledges/"+pid, "officer", nil, 200); got["status"] != "verified" {
		t.Fatalf("pledge after verification = %v", got["status"])
	}
	// The group sees the evidence of its request's delivery; another group does not.
	e.call("GET", "/api/v1/evidence/"+e.id(ev), "group", nil, 200)
	e.call("GET", "/api/v1/evidence/"+e.id(ev), "group2", nil, 404)
	e.call("GET", "/api/v1/evidence/"+e.id(ev), "supplier2", nil, 404)
	status, h, file := e.raw("GET", "/api/v1/evidence/"+e.id(ev)+"/file", "officer", nil, "")
	if status != 200 || string(file) != "10 hours at the larder, signed" || !strings.Contains(h.Get("Content-Disposition"), "timesheet.txt") {
		t.Fatalf("evidence file: %d %q %v", status, file, h)
	}

	// Ledger: secured 170 + 85 + 85 + 340 = £680; delivered and verified £170.
	l := e.call("GET", "/api/v1/ledger", "officer", nil, 200)
	tot := l["totals"].(map[string]any)
	if num(tot, "approvedPence") != 68_000 || num(tot, "verifiedPence") != 17_000 || num(tot, "confirmedPence") != 6*17_00 || num(tot, "gapPence") != 51_000 {
		t.Fatalf("ledger totals = %v", tot)
	}
	// supplier2's declined pledges count in no figure but pledged.
	if num(tot, "pledgedPence") != 68_000 {
		t.Fatalf("pledged = %d", num(tot, "pledgedPence"))
	}
	rows := l["byContract"].([]any)
	if len(rows) != 1 || rows[0].(map[string]any)["key"] != cid || rows[0].(map[string]any)["label"] != "SMBC/2026/001 Highways maintenance" {
		t.Fatalf("byContract = %v", rows)
	}
	link := rows[0].(map[string]any)["deliveries"].(string)
	if ds := items(e.call("GET", link, "officer", nil, 200)); len(ds) != 2 {
		t.Fatalf("%s lists %d deliveries", link, len(ds))
	}
	plink := rows[0].(map[string]any)["pledges"].(string)
	if ps := items(e.call("GET", plink+"&status=approved", "officer", nil, 200)); len(ps) != 3 {
		t.Fatalf("%s lists %d approved pledges", plink, len(ps))
	}
	// A supplier sees only its own ledger; the other supplier's is empty of approvals.
	if tot := e.call("GET", "/api/v1/ledger", "supplier2", nil, 200)["totals"].(map[string]any); num(tot, "approvedPence") != 0 {
		t.Fatalf("supplier2's ledger = %v", tot)
	}
	e.call("GET", "/api/v1/ledger?month=2026-13", "officer", nil, 400)
	// The share of contract value (#12): £680 of £6,000,000 is 0.0113%, 0.01%.
	if num(tot, "contractValuePence") != 6_000_000_00 || tot["securedPercent"] != 0.01 || tot["verifiedPercent"] != 0.0 {
		t.Fatalf("ledger shares = %v", tot)
	}
	if r := rows[0].(map[string]any); num(r, "contractValuePence") != 6_000_000_00 || r["securedPercent"] != 0.01 {
		t.Fatalf("contract row shares = %v", r)
	}
	if ds := l["byDirectorate"].([]any); len(ds) != 1 || ds[0].(map[string]any)["label"] != "Place" || ds[0].(map[string]any)["securedPercent"] != 0.01 {
		t.Fatalf("byDirectorate = %v", ds)
	}
	fy := domain.FYOfMonth(time.Now().UTC().Format("2006-01"))
	if ys := l["byYear"].([]any); len(ys) == 0 || ys[len(ys)-1].(map[string]any)["key"] != fy {
		t.Fatalf("byYear = %v, want the year %s last", ys, fy)
	}
	if got := e.call("GET", "/api/v1/ledger?fy="+fy, "officer", nil, 200)["totals"].(map[string]any); num(got, "approvedPence") != 68_000 {
		t.Fatalf("ledger of fy %s = %v", fy, got)
	}
	for _, bad := range []struct{ q, field string }{{"fy=26", "fy"}, {"quarter=2", "quarter"}, {"fy=2026&quarter=5", "quarter"}} {
		for _, path := range []string{"/api/v1/ledger?", "/api/v1/ledger/pledges?", "/api/v1/deliveries?", "/api/v1/opendata?authority=stockport&"} {
			if p := e.call("GET", path+bad.q, "officer", nil, 400); p["field"] != bad.field {
				t.Fatalf("%s%s: problem %v, want field %s", path, bad.q, p, bad.field)
			}
		}
	}
	status, _, xl := e.raw("GET", "/api/v1/ledger?format=excel", "officer", nil, "")
	if status != 200 || !strings.HasPrefix(string(xl), "\uFEFFBreakdown,Name,Contract value (£),Secured (£)") ||
		!strings.Contains(string(xl), "\nContract,SMBC/2026/001 Highways maintenance,6000000.00,680.00,") || !strings.Contains(string(xl), "\nDirectorate,Place,6000000.00,680.00,") || strings.Contains(string(xl), cid) {
		t.Fatalf("excel csv: %d %s", status, xl)
	}
	e.call("GET", "/api/v1/ledger?format=pdf", "officer", nil, 400)
	// The council's summary: JSON for the screen, a printable page with its own CSP.
	sum := e.call("GET", "/api/v1/ledger/summary", "officer", nil, 200)
	if num(sum, "securedPence") != 68_000 || sum["securedPercent"] != 0.01 || sum["localSpend"] != nil || len(sum["topContracts"].([]any)) != 1 || sum["since"] != fy {
		t.Fatalf("summary = %v", sum)
	}
	e.call("GET", "/api/v1/ledger/summary", "supplier", nil, 403)
	if status, h, b := e.raw("GET", "/api/v1/ledger/summary?format=html", "officer", nil, ""); status != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/html") ||
		!strings.Contains(string(b), "<b>0.01%</b>of contract value") || !strings.Contains(string(b), "<b>Not recorded</b>") || !strings.Contains(string(b), "£680.00") {
		t.Fatalf("summary page: %d %s", status, b)
	} else if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "style-src 'sha256-") || strings.Contains(csp, "unsafe-inline") {
		t.Fatalf("summary page CSP %q must allow its own style by hash only", csp)
	}
	status, h, csvb := e.raw("GET", "/api/v1/ledger?format=csv", "officer", nil, "")
	if status != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/csv") || !strings.Contains(string(csvb), "total,,Total,68000,68000,17000,10200,17000,51000") {
		t.Fatalf("ledger csv: %d %s", status, csvb)
	}
	for _, path := range []string{"/api/v1/contracts?format=csv", "/api/v1/deliveries?format=csv", "/api/v1/ledger/pledges?format=csv", "/api/v1/overdue?format=csv", "/api/v1/measures?format=csv", "/api/v1/contracts/" + cid + "/bids?format=csv"} {
		if status, h, _ := e.raw("GET", path, "officer", nil, ""); status != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/csv") {
			t.Fatalf("%s: %d %s", path, status, h.Get("Content-Type"))
		}
	}
	// The supplier's record, as JSON, CSV and a printable page.
	rec := e.call("GET", "/api/v1/suppliers/"+e.orgs["supplier"]+"/record", "supplier", nil, 200)
	if num(rec, "verifiedPence") != 17_000 || num(rec, "verified") != 1 || num(rec, "pledged") != 4 || len(rec["deliveries"].([]any)) != 2 {
		t.Fatalf("record = %v", rec)
	}
	e.call("GET", "/api/v1/suppliers/"+e.orgs["supplier"]+"/record", "supplier2", nil, 404)
	if status, h, b := e.raw("GET", "/api/v1/suppliers/"+e.orgs["supplier"]+"/record?format=html", "officer", nil, ""); status != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/html") || !strings.Contains(string(b), "£170.00") {
		t.Fatalf("record page: %d %s", status, b)
	} else if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "style-src 'sha256-") || strings.Contains(csp, "unsafe-inline") {
		t.Fatalf("record page CSP %q must allow its own style by hash only", csp)
	}
	if status, _, b := e.raw("GET", "/api/v1/suppliers/"+e.orgs["supplier"]+"/record?format=csv", "supplier", nil, ""); status != 200 || !strings.Contains(string(b), "total verified") {
		t.Fatalf("record csv: %d %s", status, b)
	}
	// Open data: anonymous, no people.
	od := e.call("GET", "/api/v1/opendata?authority=stockport", "", nil, 200)
	if num(od, "verifiedPence") != 17_000 || len(od["requests"].([]any)) < 3 {
		t.Fatalf("open data = %v", od)
	}
	raw, _ := json.Marshal(od)
	for _, personal := range []string{"@x.org", "organisationId", "email", e.userIDs["supplier"]} {
		if strings.Contains(string(raw), personal) {
			t.Fatalf("open data holds %q", personal)
		}
	}
	// Every change above is in the audit trail, and the chain verifies.
	acts := map[string]bool{}
	evs := must(e.svc.Store.FindAudit(ctx, domain.AuditFilter{AuthorityID: e.auth.ID}))
	for _, ev := range evs {
		acts[ev.Action] = true
	}
	for _, a := range []string{"measures.import", "contract.create", "contract.stage", "bid.create", "bid.submit", "contract.award", "bid.awarded", "bid.unsuccessful", "pledge.commit", "pledge.decline",
		"evidence.upload", "delivery.report", "delivery.confirm", "delivery.dispute", "delivery.verify", "pledge.verified", "pledge.delivered", "pledge.in_delivery"} {
		if !acts[a] {
			t.Errorf("no audit event %s", a)
		}
	}
	if b := domain.VerifyChain(e.auth.ID, evs); b != nil {
		t.Fatalf("chain: %+v", b)
	}
}

// TestMeasuresImport covers the admin's CSV import: line-numbered errors,
// nothing half-imported, a new version, old pledges keep theirs.
func TestMeasuresImport(t *testing.T) {
	e := newEnv(t)
	must(e.svc.SeedExampleMeasures(context.Background(), e.auth.ID))
	p := e.call("POST", "/api/v1/requests/"+e.request+"/pledges", "supplier", map[string]any{"offer": "Two days of advice", "quantity": 2, "measureCode": "EX-ADVICE-HOUR"}, 201)
	bad := "code,name,unit,proxy_gbp,theme\nVOL,Volunteering hour,hour,17.08,social\nVOL,Again,hour,1,social\nADV,Advice,hour,12.345,growth\nJOB,,job,30000,jobs\n"
	got := e.call("POST", "/api/v1/measures/import", "admin", map[string]any{"csv": bad}, 400)
	errs := got["errors"].([]any)
	want := []string{"line 3: code VOL is also on line 2", "line 4: proxy_gbp must be", "line 5: Enter the name"}
	if len(errs) != len(want) {
		t.Fatalf("errors = %v", errs)
	}
	for i, w := range want {
		if d := errs[i].(map[string]any)["detail"].(string); !strings.HasPrefix(d, w) {
			t.Errorf("error %d = %q, want %q...", i, d, w)
		}
	}
	if v := e.call("GET", "/api/v1/measures", "officer", nil, 200); num(v, "version") != 1 {
		t.Fatalf("a refused import changed the catalogue: %v", v)
	}
	e.call("POST", "/api/v1/measures/import", "officer", map[string]any{"csv": "x"}, 403)
	e.call("POST", "/api/v1/measures/import", "admin", map[string]any{"csv": "code,name\n"}, 400)
	ok := "code,name,unit,proxy_gbp,theme,source\nEX-ADVICE-HOUR,Expert advice hour,hour,\"£1,000.50\",Growth,Council 2027 rates\n"
	c := e.call("POST", "/api/v1/measures/import", "admin", map[string]any{"csv": ok, "label": "Stockport 2027"}, 201)
	if num(c, "version") != 2 || c["example"] == true || num(c["measures"].([]any)[0].(map[string]any), "proxyPence") != 100_050 {
		t.Fatalf("imported = %v", c)
	}
	// The old pledge keeps the value and version it was made with; new ones use v2.
	if got := e.call("GET", "/api/v1/pledges/"+e.id(p), "supplier", nil, 200); num(got, "valuePence") != 2*95_00 || num(got, "catalogueVersion") != 1 {
		t.Fatalf("old pledge = %v", got)
	}
	p2 := e.call("POST", "/api/v1/requests/"+e.request+"/pledges", "supplier", map[string]any{"offer": "Two days of advice", "quantity": 2, "measureCode": "EX-ADVICE-HOUR"}, 201)
	if num(p2, "valuePence") != 200_100 || num(p2, "catalogueVersion") != 2 || p2["theme"] != "growth" {
		t.Fatalf("new pledge = %v", p2)
	}
	e.call("GET", "/api/v1/measures?version=1", "supplier", nil, 200)
	e.call("GET", "/api/v1/measures?version=9", "supplier", nil, 404)
	if vs := items(e.call("GET", "/api/v1/measures/versions", "officer", nil, 200)); len(vs) != 2 {
		t.Fatalf("versions = %v", vs)
	}
	e.call("POST", "/api/v1/requests/"+e.request+"/pledges", "supplier", map[string]any{"offer": "Something", "quantity": 2, "measureCode": "EX-VOL-HOUR"}, 400) // not in v2
	e.call("POST", "/api/v1/requests/"+e.request+"/pledges", "supplier", map[string]any{"offer": "Something", "quantity": 2, "measureCode": "EX-ADVICE-HOUR", "valuePence": 5}, 400)
}

// TestEvidenceUploadRefusals: oversize, lying extensions, path tricks and
// someone else's evidence are refused with problem+json and nothing is
// written: no file, no record, no audit event.
func TestEvidenceUploadRefusals(t *testing.T) {
	e := newEnv(t)
	db := e.app.Store.(*sqlite.DB)
	pdf := []byte("%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n")
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
	exe := []byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff")
	cases := []struct {
		name, who, file string
		content         []byte
		want            int
		detail          string
	}{
		{"anonymous", "", "a.pdf", pdf, 401, "Sign in"},
		{"group", "group", "a.pdf", pdf, 403, "role"},
		{"pending supplier", "pending", "a.pdf", pdf, 403, "approve"},
		{"program named pdf", "supplier", "report.pdf", exe, 415, "not a PDF, PNG, JPEG or plain text"},
		{"png named pdf", "supplier", "report.pdf", png, 415, "ends in .pdf but the file is a PNG image"},
		{"text named jpg", "supplier", "photo.jpg", []byte("just text"), 415, "ends in .jpg"},
		{"parent path", "supplier", "../../etc/passwd.txt", []byte("x"), 400, "not allowed"},
		{"absolute path", "supplier", "/etc/cron.d/job.txt", []byte("x"), 400, "not allowed"},
		{"windows path", "supplier", `..\..\boot.ini`, []byte("x"), 400, "not allowed"},
		{"hidden file", "supplier", ".htaccess", []byte("x"), 400, "not allowed"},
		{"empty file", "supplier", "empty.txt", nil, 400, "empty"},
		{"nul in text", "supplier", "a.txt", []byte("a\x00b"), 415, "not a PDF"},
		{"file over 10 MiB", "supplier", "big.txt", bytes.Repeat([]byte("a"), domain.MaxEvidenceBytes+1), 413, "10 MiB"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e.t = t
			got := e.upload(c.who, c.file, c.content, c.want)
			if d, _ := got["detail"].(string); !strings.Contains(d, c.detail) {
				t.Fatalf("detail = %q, want it to say %q", d, c.detail)
			}
		})
	}
	e.t = t
	// Not multipart at all, and the wrong field.
	e.call("POST", "/api/v1/evidence", "supplier", map[string]any{"file": "x"}, 415)
	body, ctype := multipartBody("document", "a.pdf", "application/pdf", pdf)
	if status, _, b := e.raw("POST", "/api/v1/evidence", "supplier", body, ctype); status != 400 {
		t.Fatalf("wrong field: %d %s", status, b)
	}
	// A body over the route's limit is refused from its header alone.
	base := e.listen()
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /api/v1/evidence HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=x\r\nAuthorization: Bearer %s\r\nContent-Length: %d\r\n\r\n", e.tokens["supplier"], 64<<20)
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	buf := make([]byte, 4096)
	n, _ := conn.Read(buf)
	if !strings.Contains(string(buf[:n]), " 413 ") || !strings.Contains(string(buf[:n]), "application/problem+json") {
		t.Fatalf("64 MiB upload: %s", buf[:n])
	}
	// Nothing was written.
	files, _ := filepath.Glob(filepath.Join(db.EvidenceDir(), "*", "*"))
	if len(files) != 0 {
		t.Fatalf("refused uploads left files: %v", files)
	}
	evs := must(e.svc.Store.FindAudit(context.Background(), domain.AuditFilter{AuthorityID: e.auth.ID}))
	for _, ev := range evs {
		if ev.Action == "evidence.upload" {
			t.Fatalf("a refused upload was audited: %+v", ev)
		}
	}
	// A good upload: the name is cleaned, the type comes from the content.
	ok := e.upload("supplier", "site visit (1).pdf", pdf, 201)
	if ok["fileName"] != "site_visit_(1).pdf" || ok["contentType"] != "application/pdf" {
		t.Fatalf("upload = %v", ok)
	}
	noext := e.upload("supplier", "photo", png, 201)
	if noext["fileName"] != "photo.png" {
		t.Fatalf("upload without extension = %v", noext)
	}
	if files, _ := filepath.Glob(filepath.Join(db.EvidenceDir(), "*", "*")); len(files) != 2 {
		t.Fatalf("files = %v", files)
	}
	// Someone else's evidence: not visible, not usable.
	id := e.id(ok)
	for _, who := range []string{"supplier2", "group", "otherOfficer", "otherSupplier"} {
		e.call("GET", "/api/v1/evidence/"+id, who, nil, 404)
		e.call("GET", "/api/v1/evidence/"+id+"/file", who, nil, 404)
	}
	e.call("GET", "/api/v1/evidence/"+id, "officer", nil, 200)
	if status, h, b := e.raw("GET", "/api/v1/evidence/"+id+"/file", "supplier", nil, ""); status != 200 || h.Get("Content-Type") != "application/pdf" || !bytes.Equal(b, pdf) {
		t.Fatalf("own file: %d %s", status, h.Get("Content-Type"))
	}
	must(e.svc.SeedExampleMeasures(context.Background(), e.auth.ID))
	pl := e.call("POST", "/api/v1/requests/"+e.request+"/pledges", "supplier2", map[string]any{"offer": "Volunteers", "quantity": 5, "measureCode": "EX-VOL-HOUR"}, 201)
	e.call("POST", "/api/v1/pledges/"+e.id(pl)+"/approve", "officer", nil, 200)
	got := e.call("POST", "/api/v1/pledges/"+e.id(pl)+"/deliveries", "supplier2", map[string]any{"quantity": 1, "date": time.Now().Format(time.DateOnly), "evidenceIds": []string{id}}, 400)
	if got["field"] != "evidenceIds" {
		t.Fatalf("someone else's evidence: %v", got)
	}
	if ds := items(e.call("GET", "/api/v1/deliveries", "officer", nil, 200)); len(ds) != 0 {
		t.Fatalf("a refused report wrote a delivery: %v", ds)
	}
}

// TestValueRoutesBadInput: every refusal is a problem with the right
// status and field, never a 500.
func TestValueRoutesBadInput(t *testing.T) {
	e := newEnv(t)
	w := e.valueWorld()
	missing := domain.NewID()
	today := time.Now().Format(time.DateOnly)
	runCases(t, e, []statusCase{
		{"contract without title", "POST", "/api/v1/contracts", "officer", map[string]any{"reference": "R1", "valuePence": 100}, 400, "title"},
		{"contract bad stage", "POST", "/api/v1/contracts", "officer", map[string]any{"reference": "R1", "title": "Parks", "valuePence": 100, "stage": "live"}, 400, "stage"},
		{"contract duplicate reference", "POST", "/api/v1/contracts", "officer", map[string]any{"reference": "SMBC-1", "title": "Parks", "valuePence": 100}, 409, "reference"},
		{"contract unknown field", "POST", "/api/v1/contracts", "officer", map[string]any{"reference": "R2", "title": "Parks", "valuePence": 100, "owner": "x"}, 400, "owner"},
		{"contract by supplier", "POST", "/api/v1/contracts", "supplier", map[string]any{"reference": "R3", "title": "Parks", "valuePence": 100}, 403, ""},
		{"contract list bad stage", "GET", "/api/v1/contracts?stage=x", "officer", nil, 400, "stage"},
		{"contract missing", "GET", "/api/v1/contracts/" + missing, "officer", nil, 404, ""},
		{"contract of other council", "GET", "/api/v1/contracts/" + w.otherContract, "supplier", nil, 404, ""},
		{"stage to awarded", "POST", "/api/v1/contracts/" + w.contract + "/stage", "officer", map[string]any{"stage": "awarded"}, 400, "stage"},
		{"stage backwards", "POST", "/api/v1/contracts/" + w.contract + "/stage", "officer", map[string]any{"stage": "tender"}, 409, ""},
		{"award unknown bid", "POST", "/api/v1/contracts/" + w.contract + "/award", "officer", map[string]any{"bidId": missing, "dueDate": "2031-01-01"}, 400, "bidId"},
		{"award bad date", "POST", "/api/v1/contracts/" + w.contract + "/award", "officer", map[string]any{"bidId": w.bid, "dueDate": "soon"}, 400, "dueDate"},
		{"award a draft bid", "POST", "/api/v1/contracts/" + w.contract + "/award", "officer", map[string]any{"bidId": w.bid, "dueDate": "2031-01-01"}, 409, ""},
		{"award another council's bid", "POST", "/api/v1/contracts/" + w.contract + "/award", "officer", map[string]any{"bidId": w.otherBid, "dueDate": "2031-01-01"}, 400, "bidId"},
		{"bid of another supplier", "POST", "/api/v1/bids/" + w.bid2 + "/submit", "supplier", nil, 404, ""},
		{"submit without pledges", "POST", "/api/v1/bids/" + w.bid + "/submit", "supplier", nil, 422, "pledges"},
		{"pledge into another's bid", "POST", "/api/v1/requests/" + e.request + "/pledges", "supplier", map[string]any{"offer": "Help", "quantity": 1, "measureCode": "EX-VOL-HOUR", "bidId": w.bid2}, 400, "bidId"},
		{"pledge unknown measure", "POST", "/api/v1/requests/" + e.request + "/pledges", "supplier", map[string]any{"offer": "Help", "quantity": 1, "measureCode": "NOPE"}, 400, "measureCode"},
		{"delivery over the pledge", "POST", "/api/v1/pledges/" + w.pledge + "/deliveries", "supplier", map[string]any{"quantity": 7, "date": today}, 422, "quantity"},
		{"delivery zero", "POST", "/api/v1/pledges/" + w.pledge + "/deliveries", "supplier", map[string]any{"quantity": 0, "date": today}, 400, "quantity"},
		{"delivery in the future", "POST", "/api/v1/pledges/" + w.pledge + "/deliveries", "supplier", map[string]any{"quantity": 1, "date": "2099-01-01"}, 400, "date"},
		{"delivery without date", "POST", "/api/v1/pledges/" + w.pledge + "/deliveries", "supplier", map[string]any{"quantity": 1}, 400, "date"},
		{"delivery bad evidence id", "POST", "/api/v1/pledges/" + w.pledge + "/deliveries", "supplier", map[string]any{"quantity": 1, "date": today, "evidenceIds": []string{"../x"}}, 400, "evidenceIds"},
		{"delivery with used evidence", "POST", "/api/v1/pledges/" + w.pledge + "/deliveries", "supplier", map[string]any{"quantity": 1, "date": today, "evidenceIds": []string{w.evidence}}, 409, "evidenceIds"},
		{"delivery on another's pledge", "POST", "/api/v1/pledges/" + w.pledge2 + "/deliveries", "supplier", map[string]any{"quantity": 1, "date": today}, 404, ""},
		{"delivery on an offered pledge", "POST", "/api/v1/pledges/" + e.pledge("supplier", e.request) + "/deliveries", "supplier", map[string]any{"quantity": 1, "date": today}, 409, ""},
		{"confirm by the supplier", "POST", "/api/v1/deliveries/" + w.delivery + "/confirm", "supplier", nil, 403, ""},
		{"confirm by another group", "POST", "/api/v1/deliveries/" + w.delivery + "/confirm", "group2", nil, 404, ""},
		{"dispute without reason", "POST", "/api/v1/deliveries/" + w.delivery + "/dispute", "group", map[string]any{"reason": ""}, 400, "reason"},
		{"verify unconfirmed without reason", "POST", "/api/v1/deliveries/" + w.delivery + "/verify", "officer", nil, 400, "reason"},
		{"verify by other council", "POST", "/api/v1/deliveries/" + w.delivery + "/verify", "otherOfficer", map[string]any{"reason": "Seen it"}, 404, ""},
		{"reject without reason", "POST", "/api/v1/deliveries/" + w.delivery + "/reject", "officer", map[string]any{}, 400, "reason"},
		{"deliveries bad status", "GET", "/api/v1/deliveries?status=lost", "officer", nil, 400, "status"},
		{"deliveries bad contract", "GET", "/api/v1/deliveries?contract=x", "officer", nil, 400, "contract"},
		{"ledger bad month", "GET", "/api/v1/ledger?month=2026-1", "officer", nil, 400, "month"},
		{"ledger anonymous", "GET", "/api/v1/ledger", "", nil, 401, ""},
		{"overdue by supplier", "GET", "/api/v1/overdue", "supplier", nil, 403, ""},
		{"record of a group", "GET", "/api/v1/suppliers/" + e.orgs["group"] + "/record", "officer", nil, 404, ""},
		{"record bad format", "GET", "/api/v1/suppliers/" + e.orgs["supplier"] + "/record?format=pdf", "supplier", nil, 400, "format"},
		{"opendata unknown council", "GET", "/api/v1/opendata?authority=nowhere", "", nil, 400, "authority"},
		{"measures bad version", "GET", "/api/v1/measures?version=x", "officer", nil, 400, "version"},
	})
	// The group confirms, then the officer verifies without a reason.
	e.t = t
	e.call("POST", "/api/v1/deliveries/"+w.delivery+"/confirm", "group", nil, 200)
	e.call("POST", "/api/v1/deliveries/"+w.delivery+"/confirm", "group", nil, 409)
	e.call("POST", "/api/v1/deliveries/"+w.delivery+"/verify", "officer", nil, 200)
	e.call("POST", "/api/v1/deliveries/"+w.delivery+"/reject", "officer", map[string]any{"reason": "Too late"}, 409)
	// Rejecting frees the file's hash for a new report.
	e.call("POST", "/api/v1/deliveries/"+w.delivery2+"/reject", "officer", map[string]any{"reason": "The timesheet is unsigned"}, 200)
	again := e.upload("supplier2", "timesheet.txt", []byte("timesheet of supplier2"), 201)
	e.call("POST", "/api/v1/pledges/"+w.pledge2+"/deliveries", "supplier2", map[string]any{"quantity": 10, "date": today, "evidenceIds": []string{e.id(again)}}, 201)
}

// TestOverdueAndLapse: a commitment past due is on the overdue list with
// its age; the daily job lapses it after the grace and audits it.
func TestOverdueAndLapse(t *testing.T) {
	e := newEnv(t)
	w := e.valueWorld()
	ctx := context.Background()
	if got := items(e.call("GET", "/api/v1/overdue", "officer", nil, 200)); len(got) != 0 {
		t.Fatalf("overdue before the deadline: %v", got)
	}
	p := must(e.svc.Store.PledgeByID(ctx, w.pledge))
	later := p.DueDate.Add(10 * 24 * time.Hour)
	e.svc.Now = func() time.Time { return later }
	got := items(e.call("GET", "/api/v1/overdue", "officer", nil, 200))
	if len(got) != 2 || num(got[0].(map[string]any), "daysOverdue") != 10 || got[0].(map[string]any)["lapsesOn"] == nil {
		t.Fatalf("overdue = %v", got)
	}
	if n := must(e.svc.MarkLapsed(ctx, later)); n != 0 {
		t.Fatalf("lapsed %d within the grace", n)
	}
	after := p.DueDate.Add(domain.DefaultLapseAfter + 24*time.Hour)
	if n := must(e.svc.MarkLapsed(ctx, after)); n != 3 { // both councils' pledges
		t.Fatalf("lapsed %d, want 3", n)
	}
	if n := must(e.svc.MarkLapsed(ctx, after)); n != 0 {
		t.Fatalf("second run lapsed %d", n)
	}
	if got := e.call("GET", "/api/v1/pledges/"+w.pledge, "supplier", nil, 200); got["status"] != "lapsed" {
		t.Fatalf("pledge = %v", got["status"])
	}
	evs := must(e.svc.Store.FindAudit(ctx, domain.AuditFilter{AuthorityID: e.auth.ID, Object: w.pledge}))
	if last := evs[len(evs)-1]; last.Action != "pledge.lapse" || last.Actor != "system" {
		t.Fatalf("last event = %+v", last)
	}
	rec := must(e.svc.DeliveryRecordOf(ctx, e.auth.ID, e.orgs["supplier"]))
	if rec.Lapsed != 1 || rec.Pledged != 1 || rec.DeliveredPence != 4*17_00 {
		t.Fatalf("record = %+v", rec)
	}
	e.call("POST", "/api/v1/pledges/"+w.pledge+"/deliveries", "supplier", map[string]any{"quantity": 1, "date": later.Format(time.DateOnly)}, 409)
	// The scheduler runs once at start and stops with its context.
	cctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { e.svc.Jobs()[0].Run(cctx, time.Now, quiet); close(done) }()
	cancel()
	<-done
}

// TestOpenDataCached: anonymous open data is a public page like the
// request list: served again from the page cache without adding up the
// ledger, changed by the next write (the store's write generation), and
// limited as an anonymous read.
func TestOpenDataCached(t *testing.T) {
	limits := api.Limits{ReadsPerIP: api.Rate{PerMinute: 1e-6, Burst: 4}}
	e := newEnvWith(t, func(c *app.Config) { c.NoRateLimits, c.Limits = false, &limits })
	path := "/api/v1/opendata?authority=stockport"
	sums := func() int { return storeCalls(t, e.app.Metrics, "LedgerSums") }
	status, h, first := e.raw("GET", path, "", nil, "")
	if status != 200 || h.Get("ETag") == "" || h.Get("Cache-Control") != "public, max-age=1" {
		t.Fatalf("first open data: %d %v %s", status, h, first)
	}
	before := sums()
	if status, h2, again := e.raw("GET", path, "", nil, ""); status != 200 || h2.Get("ETag") != h.Get("ETag") || string(again) != string(first) || sums() != before {
		t.Fatalf("second open data: %d, ETag %q then %q, LedgerSums %d -> %d", status, h.Get("ETag"), h2.Get("ETag"), before, sums())
	}
	e.approvedPledge()
	// A list page made before the latest write is served for at most
	// PublicMaxAge (the README's promise), then built again.
	time.Sleep(api.PublicMaxAge + 10*time.Millisecond)
	status, h3, after := e.raw("GET", path, "", nil, "")
	if status != 200 || h3.Get("ETag") == h.Get("ETag") || sums() != before+1 || !strings.Contains(string(after), `"approvedPence":300000`) {
		t.Fatalf("open data after an approval: %d, ETag %q, LedgerSums %d -> %d: %s", status, h3.Get("ETag"), before, sums(), after)
	}
	if status, _, _ := e.raw("GET", path, "", nil, ""); status != 200 {
		t.Fatalf("fourth anonymous read: %d", status)
	}
	if status, _, _ := e.raw("GET", path, "", nil, ""); status != 429 {
		t.Fatalf("fifth anonymous read within the burst of 4: %d, want 429", status)
	}
}
