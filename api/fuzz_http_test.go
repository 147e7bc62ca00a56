package api_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// FuzzWriteRoutes posts arbitrary bodies to every write route as a user
// allowed to call it: never a 500, always problem+json on error, and a
// refused body writes nothing (the audit trail does not grow).
func FuzzWriteRoutes(f *testing.F) {
	for _, s := range []string{`{}`, `{"title":"Fuzzed title","kind":"goods","area":"E05015018","quantity":1,"unit":"x","valuePence":1,"deadline":"2031-01-01"}`,
		`{"offer":"fuzz offer","quantity":1,"unit":"x","valuePence":1}`, `{"reason":"fuzzed reason"}`, `{"amountPence":-1}`, `{"version":"1"}`, `{"deadline":"2031-02-30"}`} {
		f.Add([]byte(s), uint8(0))
	}
	e := newEnv(f)
	pl := e.pledge("supplier", e.request)
	approved := e.approvedPledge()
	contract, bid := e.submittedBid()
	targets := []struct{ method, path, who string }{
		{"POST", "/api/v1/requests", "group"},
		{"PATCH", "/api/v1/requests/" + e.draft, "group"},
		{"POST", "/api/v1/requests/" + e.request + "/pledges", "supplier"},
		{"POST", "/api/v1/requests/" + e.draft + "/reject", "officer"},
		{"POST", "/api/v1/pledges/" + pl + "/decline", "officer"},
		{"POST", "/api/v1/pledges/" + pl + "/approve", "officer"},
		{"POST", "/api/v1/auth/register", ""},
		{"POST", "/api/v1/auth/login", ""},
		{"POST", "/api/v1/pledges/" + approved + "/deliveries", "supplier"},
		{"POST", "/api/v1/contracts/" + contract + "/award", "officer"},
		{"POST", "/api/v1/contracts", "officer"},
	}
	// Extreme values of every field type, on every target: times at the
	// edges of what the stores' encodings take, huge and negative numbers,
	// long strings.
	for i := range targets {
		for _, s := range extremeBodies(bid) {
			f.Add([]byte(s), uint8(i))
		}
	}
	f.Fuzz(func(t *testing.T, body []byte, which uint8) {
		e.t = t
		tg := targets[int(which)%len(targets)]
		before := e.auditCount()
		status, h, rb := e.raw(tg.method, tg.path, tg.who, body, "application/json")
		if status >= 500 {
			t.Fatalf("%s %s with %q: %d %s", tg.method, tg.path, body, status, rb)
		}
		if status >= 400 {
			if h.Get("Content-Type") != "application/problem+json" {
				t.Fatalf("error without problem+json: %d", status)
			}
			if after := e.auditCount(); after != before {
				t.Fatalf("refused body (%d) wrote %d audit events", status, after-before)
			}
		}
	})
}

// extremeBodies are bodies with values at the edges, for every write route.
func extremeBodies(bid string) []string {
	times := []string{"9999-12-31T23:59:59-12:00", "0000-01-01T00:00:00+00:01", "9999-12-31T23:59:59.999999999Z", "0000-01-01", "9999-12-31",
		"0001-01-01T00:00:00Z", "1900-01-01", "2026-02-29", "2027-03-31T17:00:00+23:59"}
	numbers := []string{"9223372036854775807", "-9223372036854775808", "-1", "0", "1e18", "10000000000000"}
	long := strings.Repeat("x", 300_000)
	today, soon := time.Now().Format(time.DateOnly), time.Now().AddDate(0, 6, 0).Format(time.DateOnly)
	var out []string
	for _, t := range times {
		out = append(out,
			`{"title":"Edge of time","kind":"goods","area":"E05015018","quantity":1,"unit":"x","valuePence":1,"deadline":"`+t+`"}`,
			`{"deadline":"`+t+`"}`, `{"quantity":1,"date":"`+t+`"}`, `{"bidId":"`+bid+`","dueDate":"`+t+`"}`)
	}
	for _, n := range numbers {
		out = append(out,
			`{"title":"Edge of number","kind":"goods","area":"E05015018","quantity":`+n+`,"unit":"x","valuePence":`+n+`,"deadline":"`+soon+`"}`,
			`{"offer":"Edge of number","quantity":`+n+`,"unit":"x","valuePence":`+n+`}`, `{"quantity":`+n+`,"date":"`+today+`"}`,
			`{"reference":"EDGE-`+n+`","title":"Edge of number","valuePence":`+n+`}`, `{"version":`+n+`}`)
	}
	return append(out, `{"title":"`+long+`"}`, `{"notes":"`+long+`","quantity":1,"date":"`+today+`"}`, `{"reference":"`+long+`","title":"t","valuePence":1}`,
		`{"reason":"`+long+`"}`, `{"email":"`+long+`@x.org","password":"`+long+`"}`)
}

func (e *env) auditCount() int {
	_, _, b := e.raw("GET", "/api/v1/audit?limit=500&cursor=0", "officer", nil, "")
	var page struct {
		Items []json.RawMessage
		Next  string
	}
	_ = json.Unmarshal(b, &page)
	n := len(page.Items)
	for page.Next != "" {
		_, _, b = e.raw("GET", "/api/v1/audit?limit=500&cursor="+page.Next, "officer", nil, "")
		page.Next = ""
		_ = json.Unmarshal(b, &page)
		n += len(page.Items)
	}
	return n
}
