package api_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"needmatch/domain"
)

func problemFields(p map[string]any) []string {
	var out []string
	errs, _ := p["errors"].([]any)
	for _, e := range errs {
		out = append(out, e.(map[string]any)["field"].(string))
	}
	return out
}

func (e *env) unread(who string) float64 {
	e.t.Helper()
	return e.call("GET", "/api/v1/messages/unread", who, nil, 200)["count"].(float64)
}

// TestMessageThread: a group and a supplier exchange messages on a pledge,
// an officer joins; each sees the other's message and its unread count,
// and nobody's email address unless the profile shares it.
func TestMessageThread(t *testing.T) {
	e := newEnv(t)
	p := e.pledge("supplier", e.request)
	thread := "/api/v1/pledges/" + p + "/messages"
	if n := e.unread("supplier"); n != 0 {
		t.Fatalf("supplier unread before any message = %v", n)
	}
	m := e.call("POST", thread, "group", map[string]any{"body": "  When could you bring the laptops?\nWe open at 4pm.  "}, 201)
	if m["body"] != "When could you bring the laptops?\nWe open at 4pm." || m["authorRole"] != "group" || m["mine"] != true || m["authorName"] != "N group@x.org" || m["authorOrganisation"] != "Org of group@x.org" {
		t.Fatalf("posted = %v", m)
	}
	if g, s, o := e.unread("group"), e.unread("supplier"), e.unread("officer"); g != 0 || s != 1 || o != 1 {
		t.Fatalf("unread group %v supplier %v officer %v, want 0 1 1", g, s, o)
	}
	if n := e.unread("supplier2"); n != 0 {
		t.Fatalf("another supplier's unread = %v", n)
	}
	st, _, raw := e.raw("GET", thread, "supplier", nil, "")
	if st != 200 || strings.Contains(string(raw), "email") {
		t.Fatalf("thread %d %s", st, raw)
	}
	th := e.call("GET", thread, "supplier", nil, 200)
	msgs := th["messages"].([]any)
	if len(msgs) != 1 || msgs[0].(map[string]any)["mine"] != false || th["group"].(map[string]any)["contact"] != nil {
		t.Fatalf("supplier's thread = %v", th)
	}
	if n := e.unread("supplier"); n != 0 {
		t.Fatalf("supplier unread after reading = %v", n)
	}
	e.call("POST", thread, "supplier", map[string]any{"body": "Thursday at 4pm suits us."}, 201)
	e.call("POST", thread, "officer", map[string]any{"body": "Noted: officers can help if needed."}, 201)
	if g := e.unread("group"); g != 2 {
		t.Fatalf("group unread = %v, want 2", g)
	}
	th = e.call("GET", thread, "group", nil, 200)
	msgs = th["messages"].([]any)
	var bodies []string
	for _, x := range msgs {
		bodies = append(bodies, x.(map[string]any)["authorOrganisation"].(string))
	}
	if len(msgs) != 3 || bodies[2] != e.auth.Name || msgs[0].(map[string]any)["mine"] != true {
		t.Fatalf("group's thread (oldest first) = %v", msgs)
	}

	// The supplier shares its social value lead: the group sees it.
	e.call("PATCH", "/api/v1/organisations/"+e.orgs["supplier"], "supplier", map[string]any{"shareContact": true,
		"socialValueLead": map[string]any{"name": "Asha Patel", "role": "Social value lead", "email": "asha@mersey.example.org"}}, 200)
	th = e.call("GET", thread, "group", nil, 200)
	c, _ := th["supplier"].(map[string]any)["contact"].(map[string]any)
	if c["email"] != "asha@mersey.example.org" || th["group"].(map[string]any)["contact"] != nil {
		t.Fatalf("shared contact = %v", th)
	}

	// Only the two organisations and the council's officers: others 404.
	for _, who := range []string{"group2", "supplier2", "otherOfficer", "otherGroup"} {
		e.call("GET", thread, who, nil, 404)
		e.call("POST", thread, who, map[string]any{"body": "Hello"}, 404)
		e.call("POST", "/api/v1/messages/"+e.id(m)+"/report", who, map[string]any{"reason": "Rude words"}, 404)
	}
	e.call("GET", thread, "", nil, 401)
	e.call("GET", "/api/v1/pledges/"+domain.NewID()+"/messages", "group", nil, 404)
	e.call("GET", "/api/v1/pledges/not-an-id/messages", "group", nil, 404)
}

// TestMessageLimits: plain text of 1 to 2000 characters; 10 a person in 10
// minutes; exact codes and fields.
func TestMessageLimits(t *testing.T) {
	e := newEnv(t)
	thread := "/api/v1/pledges/" + e.pledge("supplier", e.request) + "/messages"
	for _, c := range []struct {
		name string
		body any
		want int
	}{
		{"empty", map[string]any{"body": "   "}, 400},
		{"too long", map[string]any{"body": strings.Repeat("a", domain.MaxMessageRunes+1)}, 400},
		{"control character", map[string]any{"body": "bell\x07"}, 400},
		{"not a string", map[string]any{"body": 12}, 400},
		{"unknown field", map[string]any{"body": "hi", "html": "<b>"}, 400},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := e.call("POST", thread, "group", c.body, c.want)
			if !strings.HasPrefix(fmt.Sprint(p["field"]), "body") && c.name != "unknown field" {
				t.Fatalf("field = %v", p["field"])
			}
		})
	}
	long := e.call("POST", thread, "group", map[string]any{"body": strings.Repeat("é", domain.MaxMessageRunes)}, 201)
	if len([]rune(long["body"].(string))) != domain.MaxMessageRunes {
		t.Fatal("a 2000-character message was cut")
	}
	for i := 1; i < domain.MessageBurst; i++ {
		e.call("POST", thread, "group", map[string]any{"body": fmt.Sprintf("Message %d", i)}, 201)
	}
	p := e.call("POST", thread, "group", map[string]any{"body": "One too many"}, 429)
	if p["code"] != domain.ERATELIMIT {
		t.Fatalf("rate limit problem = %v", p)
	}
	// The limit is the person's: the supplier still writes.
	e.call("POST", thread, "supplier", map[string]any{"body": "Got them all"}, 201)
	th := e.call("GET", thread, "supplier", map[string]any(nil), 200)
	if n := len(th["messages"].([]any)); n != domain.MessageBurst+1 {
		t.Fatalf("thread holds %d messages, want %d", n, domain.MessageBurst+1)
	}
}

// TestMessageReport: a person reports the other side's message; officers
// see it among reported messages until one closes the report; audited.
func TestMessageReport(t *testing.T) {
	e := newEnv(t)
	thread := "/api/v1/pledges/" + e.pledge("supplier", e.request) + "/messages"
	id := e.id(e.call("POST", thread, "group", map[string]any{"body": "Something rude"}, 201))
	report := "/api/v1/messages/" + id + "/report"
	p := e.call("POST", report, "group", map[string]any{"reason": "Mine"}, 409)
	if !strings.Contains(p["detail"].(string), "own message") {
		t.Fatalf("own report = %v", p)
	}
	if p := e.call("POST", report, "supplier", map[string]any{"reason": ""}, 400); p["field"] != "reason" {
		t.Fatalf("no reason = %v", p)
	}
	r := e.call("POST", report, "supplier", map[string]any{"reason": "Offensive words"}, 200)
	if rep := r["report"].(map[string]any); rep["reason"] != "Offensive words" || rep["by"] != nil {
		t.Fatalf("report = %v", r)
	}
	e.call("POST", report, "officer", map[string]any{"reason": "Offensive words"}, 409)
	list := e.call("GET", "/api/v1/messages/reported", "officer", nil, 200)
	items := list["items"].([]any)
	if len(items) != 1 || items[0].(map[string]any)["id"] != id {
		t.Fatalf("reported = %v", list)
	}
	e.call("GET", "/api/v1/messages/reported", "supplier", nil, 403)
	e.call("GET", "/api/v1/messages/reported", "otherOfficer", nil, 200)
	if n := len(e.call("GET", "/api/v1/messages/reported", "otherOfficer", nil, 200)["items"].([]any)); n != 0 {
		t.Fatalf("another council's officer sees %d reported messages", n)
	}
	e.call("POST", "/api/v1/messages/"+id+"/resolve", "supplier", nil, 403)
	e.call("POST", "/api/v1/messages/"+id+"/resolve", "officer", nil, 200)
	e.call("POST", "/api/v1/messages/"+id+"/resolve", "officer", nil, 409)
	if n := len(e.call("GET", "/api/v1/messages/reported", "officer", nil, 200)["items"].([]any)); n != 0 {
		t.Fatalf("a resolved report still listed (%d)", n)
	}
	audit := e.call("GET", "/api/v1/audit?object="+id, "officer", nil, 200)
	var actions []string
	for _, ev := range audit["items"].([]any) {
		actions = append(actions, ev.(map[string]any)["action"].(string))
	}
	if !slices.Equal(actions, []string{"message.create", "message.report", "message.resolve"}) {
		t.Fatalf("audit = %v", actions)
	}
}
