package api_test

import (
	"encoding/json"
	"strings"
	"testing"

	"needmatch/domain"
)

// regionWork gives Stockport and Trafford value secured on contracts of
// known value (imported) and payments: Stockport's latest year is 2025/26,
// Trafford's 2024/25. Rochdale, outside the region, has its own.
func regionWork(e *env) {
	valueFixtures(e)
	e.partnership()
	for _, w := range []struct{ who, contracts, payments string }{
		{"officer", "R-1,Libraries,Place,Acme Ltd,01234567,£60000,Reading hours,10,£1000,£250.50,2027-01-31,2026-01-15\n",
			"R-1,Acme Ltd,SK4,£300,2025-05-01\nR-1,Acme Ltd,M1,£100,2025-06-01\nR-1,Acme Ltd,M1,£50,2024-06-01\n"},
		{"otherOfficer", "T-1,Parks,Place,Park Ltd,07654321,£30000,Tree planting,5,£3000,£1000,2027-01-31,2026-01-15\nT-2,Roads,Place,Park Ltd,07654321,£20000,Apprentices,1,£777.77,,2027-01-31,\n",
			"T-1,Park Ltd,E05000820,£90,2024-07-01\nT-1,Park Ltd,M1,£10,2024-08-01\n"},
		{"outOfficer", "X-1,Gamma roads,Place,Rochdale Ltd,07000001,£90000,Secret work,3,£9000,,2027-01-31,\n", "X-1,Rochdale Ltd,M1,£999,2025-05-01\n"},
	} {
		e.send("POST", "/api/v1/directorates", w.who, map[string]any{"name": "Place"}) // Rochdale has it already
		e.call("POST", "/api/v1/imports/contracts", w.who, map[string]any{"csv": importHeader + w.contracts}, 200)
		e.call("POST", "/api/v1/imports/payments", w.who, map[string]any{"csv": "contract reference,supplier,supplier postcode district or ward code,amount,payment date\n" + w.payments}, 200)
	}
}

// onContracts is the secured value a council's share of contract value
// stands on: the ledger's contract rows of known value with value secured
// or delivered.
func onContracts(l map[string]any) (secured, value int64) {
	for _, x := range l["byContract"].([]any) {
		r := x.(map[string]any)
		if r["key"] != "" && num(r, "contractValuePence") > 0 && (num(r, "approvedPence") > 0 || num(r, "deliveredPence") > 0) {
			secured += num(r, "approvedPence")
			value += num(r, "contractValuePence")
		}
	}
	return secured, value
}

// asPercent writes a share as its JSON reads back ("null" for none).
func asPercent(p *domain.Percent) string {
	if p == nil {
		return "null"
	}
	var v float64
	must(0, json.Unmarshal(must(json.Marshal(*p)), &v))
	return string(must(json.Marshal(v)))
}

func percentOf(m map[string]any, k string) string {
	v, ok := m[k].(float64)
	if !ok {
		return "null"
	}
	return string(must(json.Marshal(v)))
}

// TestRegionSummary: the region's summary shows each council's own
// summary figures and their sums to the penny, its share of contract value
// from the summed pence and its local spend share from the summed payments;
// Rochdale, outside the region, shows nowhere; only the region's officer
// and a platform admin read it.
func TestRegionSummary(t *testing.T) {
	e := newEnv(t)
	regionWork(e)
	rs := e.call("GET", "/api/v1/regions/star/summary", "region_officer", nil, 200)
	councils, total := rs["councils"].([]any), rs["total"].(map[string]any)
	if len(councils) != 2 {
		t.Fatalf("councils = %v", councils)
	}
	var secured, delivered, verified, onSecured, onValue, local, spent, overdue int64
	for i, who := range []string{"officer", "otherOfficer"} {
		own := e.call("GET", "/api/v1/ledger/summary", who, nil, 200)
		c := councils[i].(map[string]any)
		if c["slug"] != []string{"stockport", "trafford"}[i] {
			t.Fatalf("council %d = %v", i, c["slug"])
		}
		for _, k := range []string{"securedPence", "deliveredPence", "verifiedPence", "contractValuePence"} {
			if num(c, k) != num(own, k) {
				t.Errorf("%s %s = %d, its own summary says %d", c["slug"], k, num(c, k), num(own, k))
			}
		}
		if percentOf(c, "securedPercent") != percentOf(own, "securedPercent") || percentOf(c, "securedPercent") == "null" {
			t.Errorf("%s secured share %s, its own %s", c["slug"], percentOf(c, "securedPercent"), percentOf(own, "securedPercent"))
		}
		ol, cl := own["localSpend"].(map[string]any), c["localSpend"].(map[string]any)
		if ol["fy"] != cl["fy"] || num(ol, "localPence") != num(cl, "localPence") || num(ol, "totalPence") != num(cl, "totalPence") || num(cl, "localPence") == 0 {
			t.Errorf("%s local spend = %v, its own %v", c["slug"], cl, ol)
		}
		if ov, oo := c["overdue"].(map[string]any), own["overdue"].(map[string]any); num(ov, "count") != num(oo, "count") {
			t.Errorf("%s overdue = %v, its own %v", c["slug"], ov, oo)
		}
		secured += num(own, "securedPence")
		delivered += num(own, "deliveredPence")
		verified += num(own, "verifiedPence")
		local += num(ol, "localPence")
		spent += num(ol, "totalPence")
		overdue += num(own["overdue"].(map[string]any), "valuePence")
		s, v := onContracts(e.call("GET", "/api/v1/ledger", who, nil, 200))
		onSecured += s
		onValue += v
	}
	if num(total, "securedPence") != secured || num(total, "deliveredPence") != delivered || num(total, "verifiedPence") != verified ||
		num(total, "contractValuePence") != onValue || num(total["overdue"].(map[string]any), "valuePence") != overdue {
		t.Errorf("region total = %v, want secured %d delivered %d verified %d of %d contracts", total, secured, delivered, verified, onValue)
	}
	// £4,777.77 secured on £110,000 of contracts: 4.34%; Stockport's
	// 1.67% and Trafford's 7.56% would average 4.61%.
	if want := asPercent(domain.ShareOf(onSecured, onValue)); percentOf(total, "securedPercent") != want || want != "4.34" {
		t.Errorf("region secured share = %s, want %s (%d of %d)", percentOf(total, "securedPercent"), want, onSecured, onValue)
	}
	// Local spend: £300 of £400 (2025/26) and £90 of £100 (2024/25):
	// £390 of £500, 78%, each council's latest year.
	if l := total["localSpend"].(map[string]any); num(l, "localPence") != local || num(l, "totalPence") != spent || l["localPercent"] != 78.0 || l["fy"] != "" {
		t.Errorf("region local spend = %v", l)
	}
	var years int64
	for _, y := range rs["byYear"].([]any) {
		years += num(y.(map[string]any), "approvedPence")
	}
	if years != secured {
		t.Errorf("the years add up to %d, the region secured %d", years, secured)
	}
	top := rs["topContracts"].([]any)
	if len(top) != 3 || top[0].(map[string]any)["council"] != "trafford" || top[0].(map[string]any)["label"] != "T-1 Parks" ||
		top[1].(map[string]any)["council"] != "stockport" || top[2].(map[string]any)["label"] != "T-2 Roads" {
		t.Errorf("top contracts = %v", top)
	}
	raw := string(must(json.Marshal(rs)))
	for _, leak := range []string{"rochdale", "Rochdale", "X-1", "Secret"} {
		if strings.Contains(raw, leak) {
			t.Errorf("the region summary names %q of the council outside it", leak)
		}
	}
	// The printable page, with the council summary's CSP.
	status, h, b := e.raw("GET", "/api/v1/regions/star/summary?format=html", "region_officer", nil, "")
	if status != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/html") || !strings.Contains(string(b), "<b>4.34%</b>of contract value") ||
		!strings.Contains(string(b), "<b>78.00%</b>of spend with local suppliers in the latest year of each council (£390.00 of £500.00)") || strings.Contains(string(b), "Rochdale") {
		t.Fatalf("region summary page: %d %s", status, b)
	}
	_, ch, _ := e.raw("GET", "/api/v1/ledger/summary?format=html", "officer", nil, "")
	if csp := h.Get("Content-Security-Policy"); csp != ch.Get("Content-Security-Policy") || !strings.Contains(csp, "style-src 'sha256-") {
		t.Fatalf("region summary CSP %q, the council summary's %q", csp, ch.Get("Content-Security-Policy"))
	}
	if p := e.call("GET", "/api/v1/regions/star/summary?format=pdf", "region_officer", nil, 400); p["field"] != "format" {
		t.Fatalf("format = %v", p)
	}
	// Who reads it.
	if n := len(e.call("GET", "/api/v1/regions/star/summary", "platform_admin", nil, 200)["councils"].([]any)); n != 2 {
		t.Fatalf("platform admin sees %d councils", n)
	}
	e.call("GET", "/api/v1/regions/star/summary", "officer", nil, 403)
	e.call("GET", "/api/v1/regions/star/summary", "outOfficer", nil, 403)
	e.call("GET", "/api/v1/regions/star/summary", "", nil, 401)
	e.call("GET", "/api/v1/regions/north/summary", "region_officer", nil, 404)
	e.call("GET", "/api/v1/regions/atlantis/summary", "region_officer", nil, 404)
	e.call("GET", "/api/v1/regions/atlantis/summary", "platform_admin", nil, 404)
}

// TestRegionLedgerShares: the region ledger's councils carry their own
// ledger's shares of contract value and their local spend share, the sum
// its shares from summed pence; fy and quarter narrow every council as
// they narrow the council's own ledger, and bad values answer on their
// field.
func TestRegionLedgerShares(t *testing.T) {
	e := newEnv(t)
	regionWork(e)
	for _, q := range []string{"", "?fy=2025", "?fy=2025&quarter=4", "?fy=2024"} {
		rl := e.call("GET", "/api/v1/regions/star/ledger"+q, "region_officer", nil, 200)
		var onSecured, onValue, verified, local, spent int64
		for i, who := range []string{"officer", "otherOfficer"} {
			own := e.call("GET", "/api/v1/ledger"+q, who, nil, 200)
			ot := own["totals"].(map[string]any)
			c := rl["councils"].([]any)[i].(map[string]any)
			ct := c["totals"].(map[string]any)
			for _, k := range []string{"approvedPence", "deliveredPence", "verifiedPence", "contractValuePence"} {
				if num(ct, k) != num(ot, k) {
					t.Errorf("%s %s %s = %d, its ledger %d", q, c["slug"], k, num(ct, k), num(ot, k))
				}
			}
			for _, k := range []string{"securedPercent", "deliveredPercent", "verifiedPercent"} {
				if percentOf(ct, k) != percentOf(ot, k) {
					t.Errorf("%s %s %s = %s, its ledger %s", q, c["slug"], k, percentOf(ct, k), percentOf(ot, k))
				}
			}
			s, v := onContracts(own)
			onSecured, onValue, verified = onSecured+s, onValue+v, verified+num(ot, "verifiedPence")
			if l, ok := c["localSpend"].(map[string]any); ok {
				local, spent = local+num(l, "localPence"), spent+num(l, "totalPence")
			}
		}
		st := rl["sum"].(map[string]any)["totals"].(map[string]any)
		want := asPercent(domain.ShareOf(onSecured, onValue))
		if num(st, "contractValuePence") != onValue || percentOf(st, "securedPercent") != want || num(st, "verifiedPence") != verified {
			t.Errorf("%s region sum = %v, want secured share %s of %d", q, st, want, onValue)
		}
		sl, _ := rl["sum"].(map[string]any)["localSpend"].(map[string]any)
		if num(sl, "localPence") != local || num(sl, "totalPence") != spent {
			t.Errorf("%s region local spend = %v, want %d of %d", q, sl, local, spent)
		}
		switch q {
		case "":
			if spent != 500_00 || want != "4.34" {
				t.Errorf("without a period: spend %d, share %s", spent, want)
			}
		case "?fy=2025":
			// Stockport's £400 of 2025/26; Trafford paid nothing that year.
			if spent != 400_00 || sl["label"] != "2025/26" || rl["councils"].([]any)[1].(map[string]any)["localSpend"] != nil {
				t.Errorf("2025/26: %v", rl)
			}
		case "?fy=2025&quarter=4":
			// The imported deliveries of January 2026, on their contracts.
			if st["filter"].(map[string]any)["quarter"] != "4" || num(st, "deliveredPence") == 0 || num(st, "approvedPence") == num(e.call("GET", "/api/v1/regions/star/ledger", "region_officer", nil, 200)["sum"].(map[string]any)["totals"].(map[string]any), "approvedPence") {
				t.Errorf("quarter 4: %v", st)
			}
		case "?fy=2024":
			if spent != 150_00 || sl["fy"] != "2024" {
				t.Errorf("2024/25: %v", sl)
			}
		}
	}
	for _, c := range []struct{ q, field string }{{"fy=20x5", "fy"}, {"fy=1999", "fy"}, {"quarter=2", "quarter"}, {"fy=2025&quarter=5", "quarter"}} {
		if p := e.call("GET", "/api/v1/regions/star/ledger?"+c.q, "region_officer", nil, 400); p["field"] != c.field {
			t.Errorf("%s: %v, want a problem on %s", c.q, p, c.field)
		}
	}
}
