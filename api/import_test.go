package api_test

import (
	"fmt"
	"strings"
	"testing"
)

const importHeader = "Contract reference,Title,Directorate,Supplier name,Supplier company number,Contract value,Measure or description,Quantity,Secured £,Delivered £,Commitment due date,Delivery date\n"

// TestImportsOverHTTP: an officer's imports answer errors by line as
// problem+json naming csv and write nothing; then the contracts, their
// payments and the local spend figures; a supplier's base on its profile.
func TestImportsOverHTTP(t *testing.T) {
	e := newEnv(t)
	audit := func() int { return len(e.call("GET", "/api/v1/audit?limit=200", "officer", nil, 200)["items"].([]any)) }
	before := audit()
	good := "R-1,Libraries,Place,Acme Ltd,01234567,£60000,Reading hours,10,£1000,£250.50,2027-01-31,2026-01-15\n"
	for _, c := range []struct{ csv, want string }{
		{strings.Replace(importHeader, "Quantity,", "", 1) + good, `line 1: the header has no \"quantity\" column`},
		{importHeader + good, `line 2: directorate \"Place\" is not one of the council's directorates`},
		{importHeader + strings.Replace(good, "£1000", "\"£1,2x\"", 1), `line 2: secured £ \"£1,2x\" is not an amount`},
	} {
		p := e.call("POST", "/api/v1/imports/contracts", "officer", map[string]any{"csv": c.csv}, 400)
		if p["field"] != "csv" && !strings.Contains(fmt.Sprint(p["errors"]), "csv") {
			t.Fatalf("problem = %v", p)
		}
		if got := fmt.Sprint(p["detail"], p["errors"]); !strings.Contains(got, strings.ReplaceAll(c.want, `\"`, `"`)) {
			t.Fatalf("problem = %s, want %s", got, c.want)
		}
	}
	if n := audit(); n != before {
		t.Fatalf("refused imports wrote %d events", n-before)
	}
	e.call("POST", "/api/v1/imports/contracts", "supplier", map[string]any{"csv": importHeader + good}, 403)
	e.call("POST", "/api/v1/directorates", "officer", map[string]any{"name": "Place"}, 201)
	res := e.call("POST", "/api/v1/imports/contracts", "officer", map[string]any{"csv": importHeader + good}, 200)
	if res["contracts"].(float64) != 1 || res["deliveredPence"].(float64) != 25050 || res["suppliersCreated"].([]any)[0] != "Acme Ltd" {
		t.Fatalf("import = %v", res)
	}
	if again := e.call("POST", "/api/v1/imports/contracts", "officer", map[string]any{"csv": importHeader + good}, 200); again["unchanged"] != true {
		t.Fatalf("again = %v", again)
	}
	l := e.call("GET", "/api/v1/ledger", "officer", nil, 200)
	if tot := l["totals"].(map[string]any); tot["importedPence"].(float64) != 25050 || tot["deliveredPence"].(float64) != 25050 {
		t.Fatalf("ledger totals = %v", tot)
	}
	ds := e.call("GET", "/api/v1/deliveries?status=reported", "officer", nil, 200)["items"].([]any)
	if len(ds) != 1 || ds[0].(map[string]any)["source"] != "import" {
		t.Fatalf("deliveries = %v", ds)
	}
	// The officer verifies it through the usual door (with a reason: no
	// group confirmed it); the supplier's record marks it imported.
	d := ds[0].(map[string]any)
	e.call("POST", "/api/v1/deliveries/"+d["id"].(string)+"/verify", "officer", map[string]any{}, 400)
	e.call("POST", "/api/v1/deliveries/"+d["id"].(string)+"/verify", "officer", map[string]any{"reason": "Checked against the contract file"}, 200)
	if tot := e.call("GET", "/api/v1/ledger", "officer", nil, 200)["totals"].(map[string]any); tot["importedPence"].(float64) != 0 || tot["verifiedPence"].(float64) != 25050 {
		t.Fatalf("ledger totals after verify = %v", tot)
	}
	st, _, page := e.raw("GET", "/api/v1/suppliers/"+d["organisationId"].(string)+"/record?format=html", "officer", nil, "")
	if st != 200 || !strings.Contains(string(page), "Reading hours (imported)") {
		t.Fatalf("record page %d: %s", st, page)
	}
	if sum := e.call("GET", "/api/v1/ledger/summary", "officer", nil, 200); sum["localSpend"] != nil {
		t.Fatalf("summary local spend before any payment = %v", sum["localSpend"])
	}
	pays := "contract reference,supplier,supplier postcode district or ward code,amount,payment date\nR-1,Acme Ltd,SK4,£300,2025-05-01\nR-1,Acme Ltd,M1,£100,2025-06-01\nR-1,Acme Ltd,M1,£50,2024-06-01\n"
	e.call("POST", "/api/v1/imports/payments", "officer", map[string]any{"csv": strings.Replace(pays, "SK4", "E05999999", 1)}, 400)
	if p := e.call("POST", "/api/v1/imports/payments", "officer", map[string]any{"csv": pays}, 200); p["payments"].(float64) != 3 {
		t.Fatalf("payments = %v", p)
	}
	// The summary gives the latest financial year's share, as the panel
	// reports it: 2025/26's £300 of £400, not all years' £300 of £450.
	sum := e.call("GET", "/api/v1/ledger/summary", "officer", nil, 200)["localSpend"].(map[string]any)
	if sum["fy"] != "2025" || sum["label"] != "2025/26" || sum["localPence"].(float64) != 30000 || sum["totalPence"].(float64) != 40000 || sum["localPercent"].(float64) != 75 {
		t.Fatalf("summary local spend = %v", sum)
	}
	ls := e.call("GET", "/api/v1/ledger/local-spend?fy=2025", "officer", nil, 200)
	if ls["totalPence"].(float64) != 40000 || ls["localPence"].(float64) != 30000 || ls["localPercent"].(float64) != 75 {
		t.Fatalf("local spend = %v", ls)
	}
	e.call("GET", "/api/v1/ledger/local-spend?quarter=1", "officer", nil, 400)
	e.call("GET", "/api/v1/ledger/local-spend?fy=x", "officer", nil, 400)
	e.call("GET", "/api/v1/ledger/local-spend", "supplier", nil, 403)
	// A supplier's base on its profile.
	org := "/api/v1/organisations/" + e.orgs["supplier"]
	if p := e.call("PATCH", org, "supplier", map[string]any{"basePostcodeDistrict": "SK 44X"}, 400); p["field"] != "basePostcodeDistrict" {
		t.Fatalf("bad district = %v", p)
	}
	if p := e.call("PATCH", org, "supplier", map[string]any{"baseWard": "E05999999"}, 400); p["field"] != "baseWard" {
		t.Fatalf("bad ward = %v", p)
	}
	if o := e.call("PATCH", org, "supplier", map[string]any{"baseWard": "E05015018", "basePostcodeDistrict": "sk4"}, 200); o["baseWard"] != "E05015018" || o["basePostcodeDistrict"] != "SK4" {
		t.Fatalf("base = %v", o)
	}
}
