package api_test

import (
	"encoding/json"
	"testing"
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
	targets := []struct{ method, path, who string }{
		{"POST", "/api/v1/requests", "group"},
		{"PATCH", "/api/v1/requests/" + e.draft, "group"},
		{"POST", "/api/v1/requests/" + e.request + "/pledges", "supplier"},
		{"POST", "/api/v1/requests/" + e.draft + "/reject", "officer"},
		{"POST", "/api/v1/pledges/" + pl + "/decline", "officer"},
		{"POST", "/api/v1/pledges/" + pl + "/approve", "officer"},
		{"POST", "/api/v1/auth/register", ""},
		{"POST", "/api/v1/auth/login", ""},
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
