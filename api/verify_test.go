package api_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"needmatch/domain"
)

// unverify marks a fixture's user unverified through the store, as an
// account that has not opened its link yet (the fixture's users verified
// at registration, through the route).
func (e *env) unverify(name string) {
	e.t.Helper()
	ctx := context.Background()
	u := must(e.svc.Store.UserByID(ctx, e.userIDs[name]))
	prev := u.Version
	u.EmailUnverified, u.Version = true, u.Version+1
	if err := e.svc.Store.UpdateUser(ctx, u, prev, domain.NewAuditEvent(u.AuthorityID, "test", "user.test-unverify", "user", u.ID, nil, u, time.Now())); err != nil {
		e.t.Fatal(err)
	}
}

// Every door to a new commitment refuses an unverified person with 403 on
// field emailVerified; a verified one passes.
func TestEmailVerificationDoors(t *testing.T) {
	e := newEnv(t)
	must(e.svc.SeedExampleMeasures(context.Background(), e.auth.ID))
	cid := e.tender("officer", domain.ContractInput{Reference: "SMBC/2026/9", Title: "Parks", Directorate: "Place", ValuePence: 10_000_000})
	bid := e.id(e.call("POST", "/api/v1/contracts/"+cid+"/bids", "supplier", nil, 201))
	pledge := map[string]any{"offer": "Team volunteering days", "quantity": 10, "measureCode": "EX-VOL-HOUR"}
	for range 3 {
		r := e.publishedRequest("group", "officer")
		e.call("POST", "/api/v1/requests/"+r+"/pledges", "supplier", map[string]any{"offer": "Team volunteering days", "quantity": 10, "measureCode": "EX-VOL-HOUR", "bidId": bid}, 201)
	}
	rejected := e.id(e.call("POST", "/api/v1/requests", "group", validRequest(), 201))
	e.call("POST", "/api/v1/requests/"+rejected+"/submit", "group", nil, 200)
	e.call("POST", "/api/v1/requests/"+rejected+"/reject", "officer", map[string]any{"reason": "Say which school"}, 200)
	for _, who := range []string{"group", "supplier", "supplier2"} {
		e.unverify(who)
		if me := e.call("GET", "/api/v1/me", who, nil, 200); me["user"].(map[string]any)["emailVerified"] != false {
			t.Fatalf("me of %s = %v", who, me)
		}
	}
	doors := []struct {
		name, path, who string
		body            any
	}{
		{"post a request", "/api/v1/requests", "group", validRequest()},
		{"submit a draft", "/api/v1/requests/" + e.draft + "/submit", "group", nil},
		{"resubmit a rejected request", "/api/v1/requests/" + rejected + "/resubmit", "group", nil},
		{"pledge", "/api/v1/requests/" + e.request + "/pledges", "supplier", pledge},
		{"open a bid", "/api/v1/contracts/" + cid + "/bids", "supplier2", nil},
		{"submit a bid", "/api/v1/bids/" + bid + "/submit", "supplier", nil},
		{"ask a tender question", "/api/v1/contracts/" + cid + "/questions", "supplier", map[string]any{"text": "Can a consortium bid?"}},
	}
	for _, d := range doors {
		p := e.call("POST", d.path, d.who, d.body, 403)
		if p["field"] != "emailVerified" || !strings.Contains(p["detail"].(string), "Verify your email address first") {
			t.Fatalf("%s: problem = %v", d.name, p)
		}
	}
	// Reading and talking stay open.
	e.call("GET", "/api/v1/requests/"+e.draft, "group", nil, 200)

	// Resend: signed in only; a new link that verifies.
	e.call("POST", "/api/v1/auth/verify-email/resend", "", nil, 401)
	for _, who := range []string{"group", "supplier", "supplier2"} {
		e.call("POST", "/api/v1/auth/verify-email/resend", who, nil, 202)
		e.call("POST", "/api/v1/auth/verify-email", "", map[string]any{"token": e.verifyToken(e.auth.ID, e.userIDs[who])}, 200)
	}
	wantField(t, e.call("POST", "/api/v1/auth/verify-email/resend", "group", nil, 409), "emailVerified")
	for _, d := range doors {
		want := 201
		if strings.HasSuffix(d.path, "submit") {
			want = 200
		}
		e.call("POST", d.path, d.who, d.body, want)
	}
}

// The verification link: once, within 48 hours, never a reset link's
// token (nor the other way round); resend at most three links an hour.
func TestVerifyEmailToken(t *testing.T) {
	e := newEnv(t)
	e.call("POST", "/api/v1/auth/register", "", map[string]any{"email": "fresh@x.org", "password": "a-long-enough-pass", "name": "Fresh",
		"role": "supplier", "organisation": map[string]any{"name": "Fresh Supplies Ltd", "authority": "stockport"}}, 202)
	u := must(e.svc.Store.UserByEmail(context.Background(), "fresh@x.org"))
	if !u.EmailUnverified {
		t.Fatal("a registered account starts verified")
	}
	first := e.verifyToken(e.auth.ID, u.ID)
	for _, bad := range []string{"", "short", strings.Repeat("A", 43), strings.Repeat("A", 101)} {
		wantField(t, e.call("POST", "/api/v1/auth/verify-email", "", map[string]any{"token": bad}, 400), "token")
	}
	// A password reset link's token is not a verification token, and the
	// verification token does not reset the password.
	e.call("POST", "/api/v1/auth/password-reset", "", map[string]any{"email": "fresh@x.org"}, 202)
	var reset string
	ns, _, _ := e.svc.Store.FindNotifications(context.Background(), domain.NotificationFilter{AuthorityID: e.auth.ID})
	for _, n := range ns {
		if m := resetLink.FindStringSubmatch(n.Text); m != nil && n.UserID == u.ID {
			reset = m[1]
		}
	}
	if reset == "" {
		t.Fatal("no reset mail")
	}
	wantField(t, e.call("POST", "/api/v1/auth/verify-email", "", map[string]any{"token": reset}, 400), "token")
	wantField(t, e.call("POST", "/api/v1/auth/password-reset/confirm", "", map[string]any{"token": first, "password": "another-long-pass"}, 400), "token")

	// Expired after 48 hours (and used up by the try).
	e.svc.Now = func() time.Time { return time.Now().Add(domain.VerifyValidFor + time.Minute) }
	wantField(t, e.call("POST", "/api/v1/auth/verify-email", "", map[string]any{"token": first}, 400), "token")
	e.svc.Now = time.Now
	wantField(t, e.call("POST", "/api/v1/auth/verify-email", "", map[string]any{"token": first}, 400), "token")

	// Resend: the registration's link and two more in an hour, then 429.
	login := e.call("POST", "/api/v1/auth/login", "", map[string]any{"email": "fresh@x.org", "password": "a-long-enough-pass"}, 200)
	e.tokens["fresh"] = login["accessToken"].(string)
	if login["user"].(map[string]any)["emailVerified"] != false {
		t.Fatalf("login = %v", login)
	}
	e.call("POST", "/api/v1/auth/verify-email/resend", "fresh", nil, 202)
	second := e.verifyToken(e.auth.ID, u.ID)
	e.call("POST", "/api/v1/auth/verify-email/resend", "fresh", nil, 202)
	wantField(t, e.call("POST", "/api/v1/auth/verify-email/resend", "fresh", nil, 429), "emailVerified")
	if second == first {
		t.Fatal("resend gave the same token")
	}
	if got := e.call("POST", "/api/v1/auth/verify-email", "", map[string]any{"token": second}, 200); got["emailVerified"] != true {
		t.Fatalf("verify = %v", got)
	}
	// Once only; another unused link of a verified account just says so.
	wantField(t, e.call("POST", "/api/v1/auth/verify-email", "", map[string]any{"token": second}, 400), "token")
	if me := e.call("GET", "/api/v1/me", "fresh", nil, 200); me["user"].(map[string]any)["emailVerified"] != true {
		t.Fatalf("me = %v", me)
	}
	var actions []string
	for _, it := range e.call("GET", "/api/v1/audit?object="+u.ID, "officer", nil, 200)["items"].([]any) {
		actions = append(actions, it.(map[string]any)["action"].(string))
	}
	for _, a := range []string{"user.register", "user.verify-email-request", "user.verify-email"} {
		if !slices.Contains(actions, a) {
			t.Fatalf("audit actions %v lack %s", actions, a)
		}
	}
}

// TestVerificationMail: registration sends the link through a real SMTP
// server; the link in the mail verifies the account.
func TestVerificationMail(t *testing.T) {
	e, mp := newMailEnv(t)
	e.call("POST", "/api/v1/auth/register", "", map[string]any{"email": "Fresh@X.org", "password": "a-long-enough-pass", "name": "Fresh",
		"role": "group", "organisation": map[string]any{"name": "Fresh Start Club", "authority": "stockport"}}, 202)
	e.drain()
	ms := mp.Messages(t)
	mailTo(t, mp, ms, "group@x.org", domain.VerifySubject) // the fixture's, verified at setup
	m := mailTo(t, mp, ms, "fresh@x.org", domain.VerifySubject)
	b := mp.Body(t, m.ID)
	got := verifyLink.FindStringSubmatch(b.Text)
	if got == nil {
		t.Fatalf("no link in %q", b.Text)
	}
	wantLink(t, mp, m, "/verify-email?token="+got[1], "Welcome to needmatch, Fresh.", "48 hours")
	if strings.Contains(b.Text, "/unsubscribe") {
		t.Fatalf("a security mail with an unsubscribe link:\n%s", b.Text)
	}
	if r := e.call("POST", "/api/v1/auth/verify-email", "", map[string]any{"token": got[1]}, 200); r["emailVerified"] != true {
		t.Fatalf("verify = %v", r)
	}
	if u := must(e.svc.Store.UserByEmail(context.Background(), "fresh@x.org")); u.EmailUnverified {
		t.Fatal("the mail's link did not verify")
	}
}
