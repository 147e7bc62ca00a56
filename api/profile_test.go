package api_test

import (
	"slices"
	"strings"
	"testing"

	"needmatch/domain"
)

// TestProfileDetails: the due-diligence details are format-checked with a
// field per fault, kept cleaned, shown to officers and the organisation,
// and never in open data or on a public page.
func TestProfileDetails(t *testing.T) {
	e := newEnv(t)
	org := "/api/v1/organisations/" + e.orgs["supplier"]
	bad := e.call("PATCH", org, "supplier", map[string]any{"charityNumber": "12345", "companyNumber": "ABC12345",
		"address": map[string]any{"line1": "1 Road", "town": "Stockport", "postcode": "SK99 99X"}, "phone": "12345",
		"website": "javascript:alert(1)", "socialValueLead": map[string]any{"name": "A", "email": "not-an-email"}}, 400)
	want := []string{"charityNumber", "companyNumber", "address.postcode", "phone", "website", "socialValueLead.name", "socialValueLead.email"}
	if got := problemFields(bad); !slices.Equal(got, want) {
		t.Fatalf("fields = %v, want %v", got, want)
	}
	if p := e.call("PATCH", org, "supplier", map[string]any{"mainContact": map[string]any{"name": "Sam Jones"}}, 400); p["field"] != "mainContact" {
		t.Fatalf("a supplier's main contact = %v", p)
	}
	o := e.call("PATCH", org, "supplier", map[string]any{"legalName": "Mersey Build Limited", "companyNumber": "sc 123456",
		"address": map[string]any{"line1": "1 Wellington Road South", "town": "Stockport", "postcode": "sk13xe"}, "phone": "+44 161 474 4000",
		"website": "https://mersey.example.org", "socialValueLead": map[string]any{"name": "Asha Patel", "role": "Social value lead",
			"email": "Asha@Mersey.example.org", "phone": "07700 900123"}}, 200)
	addr := o["address"].(map[string]any)
	lead := o["socialValueLead"].(map[string]any)
	if o["companyNumber"] != "SC123456" || addr["postcode"] != "SK1 3XE" || lead["email"] != "asha@mersey.example.org" || o["shareContact"] != nil {
		t.Fatalf("profile = %v", o)
	}
	g := e.call("PATCH", "/api/v1/organisations/"+e.orgs["group"], "group", map[string]any{"charityNumber": "1123456",
		"mainContact": map[string]any{"name": "Sam Jones", "email": "sam@larder.example.org"}, "phone": "0161 123 4567"}, 200)
	if g["charityNumber"] != "1123456" || g["mainContact"].(map[string]any)["name"] != "Sam Jones" {
		t.Fatalf("group profile = %v", g)
	}
	if p := e.call("PATCH", "/api/v1/organisations/"+e.orgs["group"], "group", map[string]any{"socialValueLead": map[string]any{"name": "Sam Jones"}}, 400); p["field"] != "socialValueLead" {
		t.Fatalf("a group's social value lead = %v", p)
	}
	// Officers see them; another organisation does not.
	seen := e.call("GET", org, "officer", nil, 200)
	if seen["legalName"] != "Mersey Build Limited" || seen["socialValueLead"].(map[string]any)["phone"] != "07700 900123" {
		t.Fatalf("officer sees %v", seen)
	}
	e.call("GET", org, "group", nil, 404)
	// Never public: open data, public request pages and lists.
	for _, path := range []string{"/api/v1/opendata?authority=stockport", "/api/v1/requests/" + e.request, "/api/v1/requests?authority=stockport"} {
		st, _, raw := e.raw("GET", path, "", nil, "")
		if st != 200 {
			t.Fatalf("%s: %d", path, st)
		}
		for _, secret := range []string{"Asha", "SK1 3XE", "474 4000", "1123456", "Mersey Build Limited", "sam@larder", "0161 123 4567", "SC123456"} {
			if strings.Contains(string(raw), secret) {
				t.Fatalf("%s shows %q: %s", path, secret, raw)
			}
		}
	}

	// At registration: checked the same way, kept, shown to the approving officer.
	reg := map[string]any{"email": "new@x.org", "password": "long-enough-pass", "name": "New", "role": "group", "organisation": map[string]any{
		"name": "Reddish Larder", "authority": "stockport", "area": "E05015018", "legalName": "Reddish Larder CIO", "charityNumber": "1200000",
		"address": map[string]any{"line1": "2 Gorton Road", "town": "Stockport", "postcode": "SK5 6AA"}, "mainContact": map[string]any{"name": "Pat Lee"}}}
	bad = e.call("POST", "/api/v1/auth/register", "", map[string]any{"email": "bad@x.org", "password": "long-enough-pass", "name": "Bad", "role": "group",
		"organisation": map[string]any{"name": "Bad Larder", "authority": "stockport", "charityNumber": "12", "address": map[string]any{"line1": "x", "town": "y", "postcode": "nope"}}}, 400)
	if got := problemFields(bad); !slices.Equal(got, []string{"charityNumber", "address.postcode"}) {
		t.Fatalf("register fields = %v", got)
	}
	if p := e.call("POST", "/api/v1/auth/register", "", map[string]any{"email": "w@x.org", "password": "long-enough-pass", "name": "W", "role": "group",
		"organisation": map[string]any{"name": "Ward Larder", "authority": "stockport", "area": "E00000000"}}, 400); p["field"] != "area" {
		t.Fatalf("register with a ward of nowhere = %v", p)
	}
	e.call("POST", "/api/v1/auth/register", "", reg, 202)
	list := e.call("GET", "/api/v1/organisations?status=pending&kind=group", "officer", nil, 200)
	var found map[string]any
	for _, it := range list["items"].([]any) {
		if m := it.(map[string]any); m["name"] == "Reddish Larder" {
			found = m
		}
	}
	if found == nil || found["charityNumber"] != "1200000" || found["area"] != "E05015018" || found["address"].(map[string]any)["postcode"] != "SK5 6AA" {
		t.Fatalf("pending list shows %v", found)
	}
}

// TestSuspendOrganisation: an officer suspends with a reason; the
// organisation cannot post, submit, pledge, bid or have a pledge approved,
// its approved commitments stay; reinstating lets it work again; audited.
func TestSuspendOrganisation(t *testing.T) {
	e := newEnv(t)
	offered := e.pledge("supplier", e.publishedRequest("group2", "officer"))
	kept := e.approvedPledge()
	contract := e.tender("officer", domain.ContractInput{Reference: "SMBC-S", Title: "Tender", ValuePence: 10_000_000})
	sup := "/api/v1/organisations/" + e.orgs["supplier"]
	if p := e.call("POST", sup+"/suspend", "officer", map[string]any{"reason": ""}, 400); p["field"] != "reason" {
		t.Fatalf("no reason = %v", p)
	}
	e.call("POST", "/api/v1/organisations/"+e.orgs["pending"]+"/suspend", "officer", map[string]any{"reason": "Under investigation"}, 409)
	e.call("POST", sup+"/reinstate", "officer", map[string]any{"reason": "Not suspended"}, 409)
	e.call("POST", sup+"/suspend", "otherOfficer", map[string]any{"reason": "Another council"}, 404)
	o := e.call("POST", sup+"/suspend", "officer", map[string]any{"reason": "Under investigation"}, 200)
	if o["status"] != "suspended" || o["reason"] != "Under investigation" {
		t.Fatalf("suspended = %v", o)
	}
	e.call("POST", sup+"/suspend", "officer", map[string]any{"reason": "Again"}, 409)
	p := e.call("POST", "/api/v1/requests/"+e.request+"/pledges", "supplier", map[string]any{"offer": "Two days", "quantity": 2, "unit": "days", "valuePence": 1000}, 403)
	if !strings.Contains(p["detail"].(string), "suspended") {
		t.Fatalf("pledge when suspended = %v", p)
	}
	e.call("POST", "/api/v1/contracts/"+contract+"/bids", "supplier", nil, 403)
	e.call("POST", "/api/v1/pledges/"+offered+"/approve", "officer", map[string]any{}, 409)
	if k := e.call("GET", "/api/v1/pledges/"+kept, "supplier", nil, 200); k["status"] != "approved" {
		t.Fatalf("an approved commitment moved on suspension: %v", k)
	}
	// Messages on existing pledges go on.
	e.call("POST", "/api/v1/pledges/"+kept+"/messages", "supplier", map[string]any{"body": "We still deliver"}, 201)
	list := e.call("GET", "/api/v1/organisations?status=suspended", "officer", nil, 200)
	if items := list["items"].([]any); len(items) != 1 || items[0].(map[string]any)["id"] != e.orgs["supplier"] {
		t.Fatalf("suspended list = %v", list)
	}
	e.call("GET", "/api/v1/organisations?status=banned", "officer", nil, 400)

	// A suspended group cannot post nor submit.
	grp := "/api/v1/organisations/" + e.orgs["group"]
	e.call("POST", grp+"/suspend", "officer", map[string]any{"reason": "Complaint received"}, 200)
	e.call("POST", "/api/v1/requests", "group", validRequest(), 403)
	e.call("POST", "/api/v1/requests/"+e.draft+"/submit", "group", nil, 403)
	e.call("POST", grp+"/reinstate", "officer", map[string]any{"reason": "Complaint answered"}, 200)
	e.call("POST", "/api/v1/requests/"+e.draft+"/submit", "group", nil, 200)

	o = e.call("POST", sup+"/reinstate", "officer", map[string]any{"reason": "Investigation closed"}, 200)
	if o["status"] != "approved" {
		t.Fatalf("reinstated = %v", o)
	}
	e.call("POST", "/api/v1/pledges/"+offered+"/approve", "officer", map[string]any{}, 200)
	audit := e.call("GET", "/api/v1/audit?object="+e.orgs["supplier"], "officer", nil, 200)
	var actions []string
	for _, ev := range audit["items"].([]any) {
		actions = append(actions, ev.(map[string]any)["action"].(string))
	}
	if !slices.Contains(actions, "organisation.suspend") || !slices.Contains(actions, "organisation.reinstate") {
		t.Fatalf("audit = %v", actions)
	}
}
