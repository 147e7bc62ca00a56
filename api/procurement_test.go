package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"needmatch/domain"
	"needmatch/store/storetest"
)

// tender creates a contract as the officer and brings it to tender with
// every engagement step of its tier done; it returns its id.
func (e *env) tender(officer string, in domain.ContractInput) string {
	e.t.Helper()
	return storetest.MustTenderContract(e.t, e.svc, e.actor(officer), in).ID
}

// readyForTender marks every step of the contract's tier done over the API.
func (e *env) readyForTender(id string) {
	e.t.Helper()
	c := must(e.svc.GetContract(context.Background(), e.actor("officer"), id))
	for _, st := range c.Tier.Steps {
		e.call("POST", "/api/v1/contracts/"+id+"/steps/"+st.Key, "officer", map[string]any{"done": true}, 200)
	}
	if n := c.Tier.KPIsRequired; n > 0 {
		c = must(e.svc.GetContract(context.Background(), e.actor("officer"), id))
		e.call("PUT", "/api/v1/contracts/"+id+"/kpis", "officer", map[string]any{"kpis": kpiBodies(storetest.SampleKPIs(n)), "version": c.Version}, 200)
	}
}

// kpiBodies is KPIs as the API takes them.
func kpiBodies(in []domain.KPIInput) []map[string]any {
	out := []map[string]any{}
	for _, k := range in {
		out = append(out, map[string]any{"id": k.ID, "name": k.Name, "target": k.Target, "unit": k.Unit, "howMeasured": k.HowMeasured})
	}
	return out
}

// procurementFixtures gives the access matrix procurement's objects and
// bodies: directorates and questions of two councils (w's contracts).
func procurementFixtures(e *env, objects map[string]map[string]string) map[string]any {
	ctx := context.Background()
	dir := func(who, name string) string {
		return must(e.svc.CreateDirectorate(ctx, e.actor(who), name)).ID
	}
	ask := func(who, contract string) string {
		return must(e.svc.AskQuestion(ctx, e.actor(who), contract, "When does the tender close?")).ID
	}
	contracts := objects["contracts"]
	objects["directorates"] = map[string]string{"own": dir("officer", "Place"), "otherOrg": dir("officer", "People"), "otherCouncil": dir("otherOfficer", "Place")}
	objects["questions"] = map[string]string{"own": ask("supplier", contracts["own"]), "otherOrg": ask("supplier2", contracts["own"]),
		"otherCouncil": ask("otherSupplier", contracts["otherCouncil"])}
	tiers := []map[string]any{}
	for _, t := range domain.DefaultTiers.Tiers {
		tiers = append(tiers, map[string]any{"name": t.Name, "label": t.Label, "fromPence": t.FromPence, "steps": t.Steps})
	}
	return map[string]any{
		"POST /directorates":             map[string]any{"name": "Children's services"},
		"PATCH /directorates/:id":        map[string]any{"active": false},
		"PATCH /contracts/:id":           map[string]any{"brief": "Local jobs first.", "version": 1},
		"POST /contracts/:id/steps/:key": map[string]any{"done": true},
		"PUT /engagement/tiers":          map[string]any{"tiers": tiers},
		"POST /contracts/:id/questions":  map[string]any{"text": "Can a consortium bid?"},
		"POST /questions/:id/answer":     map[string]any{"text": "Yes, led by one supplier."},
	}
}

func strs(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}

// TestTierBoundaries: the default tiers start exactly at £25,000, £50,000
// and £5,000,000, and a contract shows its tier, steps and value band.
func TestTierBoundaries(t *testing.T) {
	e := newEnv(t)
	for i, tc := range []struct {
		pence int64
		tier  string
		band  string
		steps []string
	}{
		{2_499_999, "none", "under £25k", nil},
		{2_500_000, "light", "£25k to £50k", []string{"sv_asked"}},
		{4_999_999, "light", "£25k to £50k", []string{"sv_asked"}},
		{5_000_000, "standard", "£50k to £5m", []string{"sv_asked", "pre_market_engagement", "clarification_qa"}},
		{499_999_999, "standard", "£50k to £5m", []string{"sv_asked", "pre_market_engagement", "clarification_qa"}},
		{500_000_000, "enhanced", "£5m and over", []string{"sv_asked", "pre_market_engagement", "clarification_qa", "kpis_agreed", "yearly_assessment_planned"}},
	} {
		ct := e.call("POST", "/api/v1/contracts", "officer", map[string]any{"reference": fmt.Sprintf("T-%d", i), "title": "Boundary", "valuePence": tc.pence}, 201)
		tier := ct["tier"].(map[string]any)
		var keys []string
		for _, st := range tier["steps"].([]any) {
			s := st.(map[string]any)
			if s["done"] != false || s["required"] != true {
				t.Errorf("%d: step %v", tc.pence, s)
			}
			keys = append(keys, s["key"].(string))
		}
		if tier["name"] != tc.tier || ct["valueBand"] != tc.band || !slices.Equal(keys, tc.steps) || ct["stage"] != "pipeline" {
			t.Errorf("%d pence: tier %v band %v steps %v stage %v", tc.pence, tier["name"], ct["valueBand"], keys, ct["stage"])
		}
	}
	tiers := e.call("GET", "/api/v1/engagement/tiers", "supplier", nil, 200)
	if num(tiers, "version") != 0 || len(tiers["tiers"].([]any)) != 4 || num(tiers["tiers"].([]any)[3].(map[string]any), "fromPence") != 500_000_000 {
		t.Fatalf("tiers = %v", tiers)
	}
}

// TestStepsGateTender: a move to tender is refused, naming the first step
// undone, until every step of the tier is done; steps say who and when.
func TestStepsGateTender(t *testing.T) {
	e := newEnv(t)
	cid := e.id(e.call("POST", "/api/v1/contracts", "officer", map[string]any{"reference": "S-1", "title": "Parks", "valuePence": 6_000_000}, 201))
	stage := func(to string, want int) map[string]any {
		return e.call("POST", "/api/v1/contracts/"+cid+"/stage", "officer", map[string]any{"stage": to}, want)
	}
	p := stage("tender", 409)
	if p["field"] != "steps" || p["detail"] != "Social value asked for in the tender is not done: the standard tier needs it before tender." {
		t.Fatalf("refusal = %v", p)
	}
	stage("pre_market", 200)
	step := func(key string, done bool, want int) map[string]any {
		return e.call("POST", "/api/v1/contracts/"+cid+"/steps/"+key, "officer", map[string]any{"done": done}, want)
	}
	ct := step("sv_asked", true, 200)
	s0 := ct["tier"].(map[string]any)["steps"].([]any)[0].(map[string]any)
	if s0["done"] != true || s0["doneBy"] != e.userIDs["officer"] || s0["doneByName"] != "Staff" || s0["doneAt"] == nil {
		t.Fatalf("step = %v", s0)
	}
	step("sv_asked", true, 409)
	step("no_such_step", true, 404)
	e.call("POST", "/api/v1/contracts/"+cid+"/steps/sv_asked", "supplier", map[string]any{"done": true}, 403)
	p = stage("tender", 409)
	if p["field"] != "steps" || p["detail"] != "Pre-market engagement is not done: the standard tier needs it before tender." {
		t.Fatalf("refusal = %v", p)
	}
	step("pre_market_engagement", true, 200)
	step("clarification_qa", true, 200)
	step("clarification_qa", false, 200)
	if p := stage("tender", 409); p["detail"] != "Clarification questions and answers published is not done: the standard tier needs it before tender." {
		t.Fatalf("refusal = %v", p)
	}
	step("clarification_qa", true, 200)
	stage("evaluation", 409) // not from pre_market
	if ct := stage("tender", 200); ct["stage"] != "tender" {
		t.Fatalf("contract = %v", ct)
	}
	step("clarification_qa", false, 409) // steps change only before tender
	stage("evaluation", 200)
	stage("pipeline", 400)
	audit := e.call("GET", "/api/v1/audit?object="+cid, "officer", nil, 200)
	var actions []string
	for _, ev := range items(audit) {
		actions = append(actions, ev.(map[string]any)["action"].(string))
	}
	want := []string{"contract.create", "contract.stage", "contract.step.done", "contract.step.done", "contract.step.done", "contract.step.undone",
		"contract.step.done", "contract.stage", "contract.stage"}
	if !slices.Equal(actions, want) {
		t.Fatalf("audit = %v", actions)
	}
	// A new contract cannot skip the steps by starting at tender.
	if p := e.call("POST", "/api/v1/contracts", "officer", map[string]any{"reference": "S-2", "title": "Parks", "valuePence": 6_000_000, "stage": "tender"}, 409); p["field"] != "steps" {
		t.Fatalf("create at tender = %v", p)
	}
	e.call("POST", "/api/v1/contracts", "officer", map[string]any{"reference": "S-3", "title": "Small", "valuePence": 2_000_000, "stage": "tender"}, 201)
}

// TestContractFields: directorates, the contract manager, dates,
// priorities, the brief, edits at a version and who sees which contract.
func TestContractFields(t *testing.T) {
	e := newEnv(t)
	place := e.call("POST", "/api/v1/directorates", "officer", map[string]any{"name": "Place"}, 201)
	if place["name"] != "Place" || place["active"] != true {
		t.Fatalf("directorate = %v", place)
	}
	wantField(t, e.call("POST", "/api/v1/directorates", "officer", map[string]any{"name": " place "}, 409), "name")
	e.call("POST", "/api/v1/directorates", "supplier", map[string]any{"name": "Nope"}, 403)
	people := e.id(e.call("POST", "/api/v1/directorates", "officer", map[string]any{"name": "People"}, 201))
	e.call("PATCH", "/api/v1/directorates/"+people, "officer", map[string]any{"active": false}, 200)
	if got := items(e.call("GET", "/api/v1/directorates", "group", nil, 200)); len(got) != 2 || got[1].(map[string]any)["active"] != false {
		t.Fatalf("directorates = %v", got)
	}
	other := e.id(e.call("POST", "/api/v1/directorates", "otherOfficer", map[string]any{"name": "Place"}, 201)) // another council may
	body := map[string]any{"reference": "F-1", "title": "Grounds maintenance", "directorateId": e.id(place), "valuePence": 6_000_000,
		"dates":             map[string]any{"preMarket": "2027-01-10", "tenderOpens": "2027-02-01", "tenderCloses": "2027-03-01", "award": "2027-04-01", "start": "2027-05-01", "end": "2029-04-30"},
		"priorities":        map[string]any{"kinds": []string{"jobs"}, "themes": []string{}, "wards": []string{"E05015015"}},
		"contractManagerId": e.userIDs["officer"], "brief": "Local jobs first.\nAnd apprenticeships."}
	ct := e.call("POST", "/api/v1/contracts", "officer", body, 201)
	cid := e.id(ct)
	if ct["directorate"] != "Place" || ct["directorateId"] != e.id(place) || ct["contractManagerName"] != "Staff" || ct["brief"] != "Local jobs first.\nAnd apprenticeships." ||
		ct["dates"].(map[string]any)["end"] != "2029-04-30" || !slices.Equal(strs(ct["priorities"].(map[string]any)["wards"]), []string{"E05015015"}) {
		t.Fatalf("contract = %v", ct)
	}
	for _, tc := range []struct {
		name, field string
		v           any
	}{
		{"directorateId", "directorateId", people}, // inactive
		{"directorateId", "directorateId", other},  // another council's
		{"contractManagerId", "contractManagerId", e.userIDs["supplier"]},
		{"contractManagerId", "contractManagerId", e.userIDs["otherOfficer"]},
		{"priorities", "priorities.kinds", map[string]any{"kinds": []string{"bribes"}}},
		{"priorities", "priorities.wards", map[string]any{"wards": []string{"E05000820"}}},
		{"dates", "dates.tenderOpens", map[string]any{"preMarket": "2027-03-01", "tenderOpens": "2027-02-01"}},
		{"dates", "dates.award", map[string]any{"award": "31/03/2027"}},
		{"brief", "brief", strings.Repeat("x", 2001)},
	} {
		b := maps.Clone(body)
		b["reference"], b[tc.name] = "F-"+tc.field, tc.v
		wantField(t, e.call("POST", "/api/v1/contracts", "officer", b, 400), tc.field)
	}
	// Renaming the directorate shows on the contract.
	e.call("PATCH", "/api/v1/directorates/"+e.id(place), "officer", map[string]any{"name": "Place and Environment"}, 200)
	if got := e.call("GET", "/api/v1/contracts/"+cid, "officer", nil, 200); got["directorate"] != "Place and Environment" {
		t.Fatalf("contract = %v", got)
	}
	// Edits at a version.
	wantField(t, e.call("PATCH", "/api/v1/contracts/"+cid, "officer", map[string]any{"title": "New title", "version": 9}, 409), "version")
	got := e.call("PATCH", "/api/v1/contracts/"+cid, "officer", map[string]any{"title": "New title", "valuePence": 2_000_000, "version": 1}, 200)
	if got["title"] != "New title" || num(got, "version") != 2 || got["tier"].(map[string]any)["name"] != "none" || got["brief"] != "Local jobs first.\nAnd apprenticeships." {
		t.Fatalf("patched = %v", got)
	}
	// Suppliers see contracts at pre_market and tender (and those they bid on), not the pipeline.
	e.call("GET", "/api/v1/contracts/"+cid, "supplier", nil, 404)
	if n := len(items(e.call("GET", "/api/v1/contracts", "supplier", nil, 200))); n != 0 {
		t.Fatalf("supplier sees %d contracts", n)
	}
	e.call("POST", "/api/v1/contracts/"+cid+"/stage", "officer", map[string]any{"stage": "pre_market"}, 200)
	sees := e.call("GET", "/api/v1/contracts/"+cid, "supplier", nil, 200)
	if _, ok := sees["questionsWaiting"]; ok {
		t.Fatalf("a supplier sees questionsWaiting: %v", sees)
	}
	if n := len(items(e.call("GET", "/api/v1/contracts?directorate="+e.id(place), "officer", nil, 200))); n != 1 {
		t.Fatalf("by directorate: %d", n)
	}
	if n := len(items(e.call("GET", "/api/v1/contracts?directorate="+people, "officer", nil, 200))); n != 0 {
		t.Fatalf("by directorate: %d", n)
	}
}

// TestQuestions: the asker is shown to officers only, answers are
// published to every supplier at once, and a correction is added beside.
func TestQuestions(t *testing.T) {
	e := newEnv(t)
	cid := e.id(e.call("POST", "/api/v1/contracts", "officer", map[string]any{"reference": "Q-1", "title": "Parks", "valuePence": 6_000_000}, 201))
	ask := func(who string, want int) map[string]any {
		return e.call("POST", "/api/v1/contracts/"+cid+"/questions", who, map[string]any{"text": "Can a consortium bid, " + who + "?"}, want)
	}
	ask("supplier", 404) // the pipeline is not open to suppliers yet
	e.call("POST", "/api/v1/contracts/"+cid+"/stage", "officer", map[string]any{"stage": "pre_market"}, 200)
	q1 := ask("supplier", 201)
	if q1["status"] != "waiting" || q1["mine"] != true || q1["askedBy"] != nil || len(q1["answers"].([]any)) != 0 {
		t.Fatalf("question = %v", q1)
	}
	q2 := ask("supplier2", 201)
	ask("group", 403)
	ask("officer", 403)
	wantField(t, e.call("POST", "/api/v1/contracts/"+cid+"/questions", "supplier", map[string]any{"text": "?"}, 400), "text")
	list := func(who string) []any {
		return items(e.call("GET", "/api/v1/contracts/"+cid+"/questions", who, nil, 200))
	}
	if got := list("supplier2"); len(got) != 1 || got[0].(map[string]any)["id"] != e.id(q2) {
		t.Fatalf("supplier2 sees %v", got)
	}
	off := list("officer")
	if len(off) != 2 || off[0].(map[string]any)["askedBy"].(map[string]any)["organisationId"] != e.orgs["supplier"] {
		t.Fatalf("officer sees %v", off)
	}
	if got := e.call("GET", "/api/v1/contracts/"+cid, "officer", nil, 200); num(got, "questionsWaiting") != 2 {
		t.Fatalf("waiting = %v", got["questionsWaiting"])
	}
	if got := items(e.call("GET", "/api/v1/questions?status=waiting", "officer", nil, 200)); len(got) != 2 {
		t.Fatalf("waiting = %v", got)
	}
	e.call("GET", "/api/v1/questions?status=x", "officer", nil, 400)
	e.call("POST", "/api/v1/questions/"+e.id(q1)+"/answer", "supplier", map[string]any{"text": "Yes."}, 403)
	e.call("POST", "/api/v1/questions/"+e.id(q1)+"/answer", "otherOfficer", map[string]any{"text": "Yes."}, 404)
	a1 := e.call("POST", "/api/v1/questions/"+e.id(q1)+"/answer", "officer", map[string]any{"text": "Yes, led by one supplier."}, 200)
	if a1["status"] != "published" || a1["publishedAt"] == nil || len(a1["answers"].([]any)) != 1 {
		t.Fatalf("answered = %v", a1)
	}
	// Every supplier sees the published question, without who asked.
	seen := list("supplier2")
	if len(seen) != 2 {
		t.Fatalf("supplier2 sees %v", seen)
	}
	pub := seen[0].(map[string]any)
	raw, _ := json.Marshal(seen)
	if pub["id"] != e.id(q1) || pub["mine"] != nil || pub["askedBy"] != nil || strings.Contains(string(raw), e.orgs["supplier"]) || strings.Contains(string(raw), "Org of supplier@") {
		t.Fatalf("supplier2 sees the asker: %s", raw)
	}
	if mine := list("supplier")[0].(map[string]any); mine["mine"] != true || mine["askedBy"] != nil {
		t.Fatalf("asker sees %v", mine)
	}
	// A correction is a new dated answer beside the first.
	a2 := e.call("POST", "/api/v1/questions/"+e.id(q1)+"/answer", "officer", map[string]any{"text": "Correction: each member must register."}, 200)
	answers := a2["answers"].([]any)
	if len(answers) != 2 || answers[0].(map[string]any)["text"] != "Yes, led by one supplier." || answers[1].(map[string]any)["text"] != "Correction: each member must register." ||
		answers[1].(map[string]any)["answeredByName"] != "Staff" || a2["publishedAt"] != a1["publishedAt"] {
		t.Fatalf("corrected = %v", a2)
	}
	audit := items(e.call("GET", "/api/v1/audit?object="+e.id(q1), "officer", nil, 200))
	var actions []string
	for _, ev := range audit {
		actions = append(actions, ev.(map[string]any)["action"].(string))
	}
	if !slices.Equal(actions, []string{"question.ask", "question.answer", "question.correct"}) {
		t.Fatalf("audit = %v", actions)
	}
	e.call("GET", "/api/v1/audit?object="+e.id(q1), "supplier", nil, 403) // suppliers never read the audit trail
	e.call("GET", "/api/v1/contracts/"+cid+"/questions", "otherSupplier", nil, 404)
}

// TestPipelinePublic: the anonymous pipeline lists contracts from pipeline
// to tender with no person's name or id.
func TestPipelinePublic(t *testing.T) {
	e := newEnv(t)
	mk := func(ref string, value int64) string {
		return e.id(e.call("POST", "/api/v1/contracts", "officer", map[string]any{"reference": ref, "title": "Contract " + ref, "valuePence": value,
			"contractManagerId": e.userIDs["officer"], "brief": "Brief " + ref, "priorities": map[string]any{"kinds": []string{"jobs"}}}, 201))
	}
	mk("P-1", 6_000_000)
	closed := mk("P-2", 2_000_000)
	e.call("POST", "/api/v1/contracts/"+closed+"/stage", "officer", map[string]any{"stage": "closed"}, 200)
	mk("P-3", 600_000_000)
	got := e.call("GET", "/api/v1/pipeline?authority=stockport", "", nil, 200)
	its := items(got)
	if len(its) != 2 {
		t.Fatalf("pipeline = %v", got)
	}
	first := its[0].(map[string]any)
	var keys []string
	for k := range first {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if !slices.Equal(keys, []string{"brief", "dates", "directorate", "id", "priorities", "reference", "stage", "tier", "title", "valueBand"}) ||
		first["reference"] != "P-3" || first["valueBand"] != "£5m and over" || first["tier"].(map[string]any)["name"] != "enhanced" {
		t.Fatalf("pipeline item = %v", first)
	}
	raw, _ := json.Marshal(got)
	if strings.Contains(string(raw), e.userIDs["officer"]) || strings.Contains(string(raw), "Staff") || strings.Contains(string(raw), "officer@x.org") {
		t.Fatalf("personal data in the pipeline: %s", raw)
	}
	wantField(t, e.call("GET", "/api/v1/pipeline?authority=nowhere", "", nil, 400), "authority")
	// Naming no council is the platform's default one (here the first, Stockport).
	if def := items(e.call("GET", "/api/v1/pipeline", "", nil, 200)); len(def) != len(items(got)) || def[0].(map[string]any)["reference"] != "P-3" {
		t.Fatalf("pipeline of the default council = %v", def)
	}
}

// TestBidsCompared: the officer's figures per bid, ranking for a contract
// with its priorities first, and what the award did.
func TestBidsCompared(t *testing.T) {
	e := newEnv(t)
	cid, bid, reqs, _ := e.awardWorld(3)
	far := e.publishedRequestIn("group2", "officer", "E05015015")
	bid2 := e.id(e.call("POST", "/api/v1/contracts/"+cid+"/bids", "supplier2", nil, 201))
	e.call("POST", "/api/v1/requests/"+far+"/pledges", "supplier2", map[string]any{"offer": "Volunteers", "quantity": 5, "measureCode": "EX-VOL-HOUR", "bidId": bid2}, 201)
	// Ranking for the contract: requests in its priority ward come first.
	ct := e.call("GET", "/api/v1/contracts/"+cid, "officer", nil, 200)
	e.call("PATCH", "/api/v1/contracts/"+cid, "officer", map[string]any{"priorities": map[string]any{"wards": []string{"E05015015"}}, "version": num(ct, "version")}, 200)
	ranked := items(e.call("GET", "/api/v1/matches/requests?contract="+cid, "supplier", nil, 200))
	if len(ranked) < 5 {
		t.Fatalf("ranked = %d", len(ranked))
	}
	for i, it := range ranked {
		m := it.(map[string]any)
		want := m["request"].(map[string]any)["area"] == "E05015015"
		if m["matchesPriorities"] != want || want != (i == 0) {
			t.Fatalf("item %d: matches %v, area %v", i, m["matchesPriorities"], m["request"].(map[string]any)["area"])
		}
	}
	if m := items(e.call("GET", "/api/v1/matches/requests", "supplier", nil, 200))[0].(map[string]any); m["matchesPriorities"] != nil {
		t.Fatalf("without a contract: %v", m)
	}
	wantField(t, e.call("GET", "/api/v1/matches/requests?contract=x", "supplier", nil, 400), "contract")
	// The officer's comparison.
	byID := map[string]map[string]any{}
	for _, b := range items(e.call("GET", "/api/v1/contracts/"+cid+"/bids", "officer", nil, 200)) {
		byID[b.(map[string]any)["id"].(string)] = b.(map[string]any)
	}
	b1, b2 := byID[bid], byID[bid2]
	var scores []float64
	for _, r := range reqs {
		for _, rp := range items(e.call("GET", "/api/v1/requests/"+r+"/ranked-pledges", "officer", nil, 200)) {
			if rp.(map[string]any)["pledge"].(map[string]any)["bidId"] == bid {
				scores = append(scores, rp.(map[string]any)["score"].(float64))
			}
		}
	}
	if len(scores) != 3 {
		t.Fatalf("scores = %v", scores)
	}
	mean := (scores[0] + scores[1] + scores[2]) / 3
	wards := func(b map[string]any) string { return fmt.Sprint(b["wards"]) }
	if num(b1, "socialValuePence") != 51_000 || b1["percentOfContractValue"] != 0.51 || num(b1, "requestCount") != 3 ||
		math.Abs(b1["score"].(float64)-mean) > 0.0001 || b1["score"].(float64) <= 0 || wards(b1) != "[map[code:E05015018 name:Brinnington & Stockport Central]]" {
		t.Fatalf("bid 1 = %v (mean %v)", b1, mean)
	}
	if num(b2, "socialValuePence") != 8_500 || b2["percentOfContractValue"] != 0.09 || num(b2, "requestCount") != 1 ||
		wards(b2) != "[map[code:E05015015 name:Bramhall South & Woodford]]" {
		t.Fatalf("bid 2 = %v", b2)
	}
	if own := items(e.call("GET", "/api/v1/contracts/"+cid+"/bids", "supplier", nil, 200)); len(own) != 1 || own[0].(map[string]any)["socialValuePence"] != nil {
		t.Fatalf("supplier sees %v", own)
	}
	// The award's answer.
	e.call("POST", "/api/v1/contracts/"+cid+"/stage", "officer", map[string]any{"stage": "evaluation"}, 200)
	due := time.Now().AddDate(0, 6, 0).Format(time.DateOnly)
	award := e.call("POST", "/api/v1/contracts/"+cid+"/award", "officer", map[string]any{"bidId": bid, "dueDate": due}, 200)
	cs, ds := award["commitments"].([]any), award["declinedBids"].([]any)
	if len(cs) != 3 || len(ds) != 1 {
		t.Fatalf("award = %v", award)
	}
	c0, d0 := cs[0].(map[string]any), ds[0].(map[string]any)
	if c0["requestTitle"] != "Laptops for the homework club" || num(c0, "valuePence") != 17_000 || c0["dueDate"] != due || c0["pledgeId"] == "" ||
		d0["bidId"] != bid2 || d0["organisationName"] != "Org of supplier2@x.org" || d0["reason"] != "The contract was awarded to another bidder." {
		t.Fatalf("award = %v", award)
	}
	// The winner still sees the awarded contract; the loser too (it bid).
	e.call("GET", "/api/v1/contracts/"+cid, "supplier", nil, 200)
	e.call("GET", "/api/v1/contracts/"+cid, "supplier2", nil, 200)
	e.call("GET", "/api/v1/contracts/"+cid, "group", nil, 404)
}

// TestSocialValueLead: a supplier names its lead; officers and the
// organisation itself see it, no one else; groups have none.
func TestSocialValueLead(t *testing.T) {
	e := newEnv(t)
	org := e.orgs["supplier"]
	lead := map[string]any{"name": "Sam Lead", "role": "Social value manager", "email": "sam@mersey.example", "phone": "+44 161 000 0000"}
	got := e.call("PATCH", "/api/v1/organisations/"+org, "supplier", map[string]any{"socialValueLead": lead}, 200)
	if fmt.Sprint(got["socialValueLead"]) != fmt.Sprint(lead) {
		t.Fatalf("lead = %v", got["socialValueLead"])
	}
	if got := e.call("GET", "/api/v1/organisations/"+org, "officer", nil, 200); fmt.Sprint(got["socialValueLead"]) != fmt.Sprint(lead) {
		t.Fatalf("officer sees %v", got["socialValueLead"])
	}
	e.call("GET", "/api/v1/organisations/"+org, "supplier2", nil, 404)
	for _, tc := range []struct {
		lead  map[string]any
		field string
	}{
		{map[string]any{"name": "Sam", "email": "not-an-email"}, "socialValueLead.email"},
		{map[string]any{"name": "", "email": "sam@mersey.example"}, "socialValueLead.name"},
		{map[string]any{"name": "Sam", "email": "sam@mersey.example", "phone": "call me"}, "socialValueLead.phone"},
	} {
		wantField(t, e.call("PATCH", "/api/v1/organisations/"+org, "supplier", map[string]any{"socialValueLead": tc.lead}, 400), tc.field)
	}
	wantField(t, e.call("PATCH", "/api/v1/organisations/"+e.orgs["group"], "group", map[string]any{"socialValueLead": lead}, 400), "socialValueLead")
	got = e.call("PATCH", "/api/v1/organisations/"+org, "supplier", map[string]any{"socialValueLead": map[string]any{}}, 200)
	if _, ok := got["socialValueLead"]; ok {
		t.Fatalf("lead not removed: %v", got)
	}
}

// TestTiersVersioned: an admin sets new tiers as a new version; contracts
// take their tier from the newest, and the old version stays.
func TestTiersVersioned(t *testing.T) {
	e := newEnv(t)
	tiers := func(light int64) []map[string]any {
		var out []map[string]any
		for _, t := range domain.DefaultTiers.Tiers {
			from := t.FromPence
			if t.Name == "light" {
				from = light
			}
			out = append(out, map[string]any{"name": t.Name, "label": t.Label, "fromPence": from, "steps": t.Steps})
		}
		return out
	}
	e.call("PUT", "/api/v1/engagement/tiers", "officer", map[string]any{"tiers": tiers(3_000_000)}, 403)
	wantField(t, e.call("PUT", "/api/v1/engagement/tiers", "admin", map[string]any{"tiers": tiers(6_000_000)}, 400), "tiers[2].fromPence")
	wantField(t, e.call("PUT", "/api/v1/engagement/tiers", "admin", map[string]any{"tiers": tiers(3_000_000)[:3]}, 400), "tiers")
	got := e.call("PUT", "/api/v1/engagement/tiers", "admin", map[string]any{"tiers": tiers(3_000_000)}, 200)
	if num(got, "version") != 1 || len(got["versions"].([]any)) != 1 || num(got["tiers"].([]any)[1].(map[string]any), "fromPence") != 3_000_000 {
		t.Fatalf("tiers = %v", got)
	}
	ct := e.call("POST", "/api/v1/contracts", "officer", map[string]any{"reference": "V-1", "title": "Small works", "valuePence": 2_500_000}, 201)
	if ct["tier"].(map[string]any)["name"] != "none" {
		t.Fatalf("tier = %v", ct["tier"])
	}
	audit := items(e.call("GET", "/api/v1/audit?object="+e.auth.ID, "officer", nil, 200))
	if last := audit[len(audit)-1].(map[string]any); last["action"] != "authority.tiers" {
		t.Fatalf("audit = %v", last)
	}
	if got := e.call("GET", "/api/v1/engagement/tiers", "group", nil, 200); num(got, "version") != 1 {
		t.Fatalf("tiers = %v", got)
	}
}

// TestOfficersList: officers choose a contract manager from the council's
// enabled officers and admins, by name; nobody else reads the list, and no
// other council's staff or disabled staff are on it.
func TestOfficersList(t *testing.T) {
	e := newEnv(t)
	ids := func(who string) map[string]string {
		got := map[string]string{}
		for _, it := range e.call("GET", "/api/v1/officers", who, nil, 200)["items"].([]any) {
			m := it.(map[string]any)
			if _, ok := m["email"]; ok {
				t.Fatalf("the list shows an email: %v", m)
			}
			got[m["id"].(string)] = m["role"].(string)
		}
		return got
	}
	got := ids("officer")
	if len(got) != 2 || got[e.userIDs["officer"]] != "officer" || got[e.userIDs["admin"]] != "admin" {
		t.Fatalf("officers = %v, want the officer and the admin of Stockport", got)
	}
	e.call("GET", "/api/v1/officers", "supplier", nil, 403)
	e.call("GET", "/api/v1/officers", "group", nil, 403)
	e.call("GET", "/api/v1/officers", "", nil, 401)
	if other := ids("otherOfficer"); len(other) != 1 || other[e.userIDs["otherOfficer"]] != "officer" {
		t.Fatalf("Trafford's list = %v", other)
	}
	e.call("POST", "/api/v1/users/"+e.userIDs["officer"]+"/disable", "admin", nil, 200)
	if got := ids("admin"); len(got) != 1 || got[e.userIDs["admin"]] != "admin" {
		t.Fatalf("after disabling the officer = %v", got)
	}
}
