package api_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"needmatch/app"
	"needmatch/domain"
	"needmatch/internal/mailpit"
)

const mailBase = "http://needmatch.test"

// newMailEnv is an env whose mail goes to a real Mailpit.
func newMailEnv(t *testing.T) (*env, *mailpit.Server) {
	t.Helper()
	mp := mailpit.Start(t)
	e := newEnvWith(t, func(c *app.Config) {
		c.SMTPURL, c.MailFrom, c.BaseURL = mp.URL(), "needmatch <no-reply@needmatch.test>", mailBase
	})
	return e, mp
}

// drain sends everything due and returns the notifications sent so far.
func (e *env) drain() {
	e.t.Helper()
	for {
		n, err := e.app.Mailer.SendDue(context.Background())
		if err != nil {
			e.t.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
}

// mailTo finds the one message to addr with subject (and, when given, a
// link to path); it fails when there is none or more than one.
func mailTo(t *testing.T, mp *mailpit.Server, ms []mailpit.Message, addr, subject string, path ...string) mailpit.Message {
	t.Helper()
	var found []mailpit.Message
	for _, m := range ms {
		if m.Subject == subject && len(m.To) == 1 && m.To[0].Address == addr &&
			(len(path) == 0 || strings.Contains(strings.ReplaceAll(mp.Body(t, m.ID).Text, "\r\n", "\n"), mailBase+path[0]+"\n")) {
			found = append(found, m)
		}
	}
	if len(found) != 1 {
		var seen []string
		for _, m := range ms {
			seen = append(seen, m.To[0].Address+": "+m.Subject)
		}
		t.Fatalf("%d messages to %s with subject %q %v; mailbox:\n%s", len(found), addr, subject, path, strings.Join(seen, "\n"))
	}
	return found[0]
}

// wantLink checks the message's text and HTML link to path in the app.
func wantLink(t *testing.T, mp *mailpit.Server, m mailpit.Message, path string, more ...string) {
	t.Helper()
	b := mp.Body(t, m.ID)
	link := mailBase + path
	if !strings.Contains(b.Text, link) || !strings.Contains(b.HTML, `href="`+link+`"`) {
		t.Fatalf("%q: no link to %s in\n%s\n%s", m.Subject, link, b.Text, b.HTML)
	}
	for _, s := range more {
		if !strings.Contains(b.Text, s) {
			t.Fatalf("%q: text lacks %q:\n%s", m.Subject, s, b.Text)
		}
	}
}

// TestMailForEachEvent drives each notifiable change through the API and
// reads what arrived at a real SMTP server: recipient, subject, link.
func TestMailForEachEvent(t *testing.T) {
	e, mp := newMailEnv(t)
	// A supplier of another organisation with a second user: both hear.
	ctx := context.Background()
	e.drain()
	ms := mp.Messages(t)
	mailTo(t, mp, ms, "group@x.org", "Your organisation Org of group@x.org is approved")
	m := mailTo(t, mp, ms, "group@x.org", "Your request is published: Laptops for the homework club")
	wantLink(t, mp, m, "/requests/"+e.request)
	if m.From.Address != "no-reply@needmatch.test" || !strings.HasSuffix(m.MessageID, "@needmatch.test") {
		t.Fatalf("from %q, message id %q", m.From.Address, m.MessageID)
	}
	for _, m := range ms {
		if m.Subject == domain.VerifySubject && m.To[0].Address != "officer@x.org" {
			continue // every registered user's verification mail
		}
		if m.To[0].Address == "pending@x.org" || m.To[0].Address == "officer@x.org" {
			t.Fatalf("%s heard of %q", m.To[0].Address, m.Subject)
		}
	}

	// A pledge: the group hears; approval, part approval and decline: the supplier.
	p1 := e.pledge("supplier", e.request)
	body := map[string]any{"offer": "Two laptops", "quantity": 2, "unit": "laptops", "valuePence": 60000, "allowPartial": true}
	p2 := e.id(e.call("POST", "/api/v1/requests/"+e.request+"/pledges", "supplier2", body, 201))
	p3 := e.id(e.call("POST", "/api/v1/requests/"+e.request+"/pledges", "supplier2", map[string]any{"offer": "A printer", "quantity": 1, "unit": "printer", "valuePence": 10000}, 201))
	e.call("POST", "/api/v1/pledges/"+p1+"/approve", "officer", nil, 200)
	e.call("POST", "/api/v1/pledges/"+p2+"/approve", "officer", map[string]any{"amountPence": 20000}, 200)
	e.call("POST", "/api/v1/pledges/"+p3+"/decline", "officer", map[string]any{"reason": "A printer is not needed"}, 200)
	// Messages on a pledge: the other side hears, never the author.
	e.call("POST", "/api/v1/pledges/"+p1+"/messages", "supplier", map[string]any{"body": "When can we bring the laptops?"}, 201)
	e.call("POST", "/api/v1/pledges/"+p1+"/messages", "group", map[string]any{"body": "Tuesday after 3pm suits us."}, 201)
	// A rejected request, with its reason.
	r2 := e.id(e.call("POST", "/api/v1/requests", "group2", validRequest(), 201))
	e.call("POST", "/api/v1/requests/"+r2+"/submit", "group2", nil, 200)
	e.call("POST", "/api/v1/requests/"+r2+"/reject", "officer", map[string]any{"reason": "Outside the council"}, 200)
	// Deliveries: reported, confirmed, verified; another disputed and rejected.
	today := time.Now().Format(time.DateOnly)
	d1 := e.id(e.call("POST", "/api/v1/pledges/"+p1+"/deliveries", "supplier", map[string]any{"quantity": 5, "date": today}, 201))
	e.call("POST", "/api/v1/deliveries/"+d1+"/confirm", "group", nil, 200)
	e.call("POST", "/api/v1/deliveries/"+d1+"/verify", "officer", nil, 200)
	d2 := e.id(e.call("POST", "/api/v1/pledges/"+p1+"/deliveries", "supplier", map[string]any{"quantity": 1, "date": today}, 201))
	e.call("POST", "/api/v1/deliveries/"+d2+"/dispute", "group", map[string]any{"reason": "Only one arrived broken"}, 200)
	e.call("POST", "/api/v1/deliveries/"+d2+"/reject", "officer", map[string]any{"reason": "No evidence"}, 200)
	// An organisation rejected.
	u, o, err := e.svc.Register(ctx, domain.RegisterInput{Email: "late@x.org", Password: "correct-horse-battery", Name: "Late", Role: domain.RoleGroup, OrgName: "Late Club", AuthoritySlug: e.auth.Slug})
	if err != nil || u == nil {
		t.Fatal(err)
	}
	e.call("POST", "/api/v1/organisations/"+o.ID+"/reject", "officer", map[string]any{"reason": "Not a community group"}, 200)

	e.drain()
	ms = mp.Messages(t)
	title := "Laptops for the homework club"
	for _, c := range []struct {
		to, subject, path string
		text              []string
	}{
		{"group@x.org", "New pledge from Org of supplier@x.org on your request: " + title, "/requests/" + e.request, []string{"Ten refurbished laptops"}},
		{"supplier@x.org", "Your pledge is approved: " + title, "/supplier/pledges", []string{"£3,000"}},
		{"supplier2@x.org", "Your pledge is part approved: " + title, "/supplier/pledges", []string{"£200 of your pledge of £600"}},
		{"supplier2@x.org", "Your pledge was declined: " + title, "/supplier/pledges", []string{"A printer is not needed"}},
		{"group2@x.org", "Your request was rejected: " + title, "/requests/" + r2, []string{"Outside the council"}},
		{"group@x.org", "Delivery reported on your request: " + title, "/deliveries/" + d1, nil},
		{"supplier@x.org", "Delivery confirmed: " + title, "/deliveries/" + d1, nil},
		{"supplier@x.org", "Delivery verified: " + title, "/deliveries/" + d1, nil},
		{"group@x.org", "Delivery verified: " + title, "/deliveries/" + d1, nil},
		{"supplier@x.org", "Delivery disputed: " + title, "/deliveries/" + d2, []string{"Only one arrived broken"}},
		{"supplier@x.org", "Delivery rejected: " + title, "/deliveries/" + d2, nil},
		{"late@x.org", "Your organisation Late Club was not approved", "/", []string{"Not a community group"}},
		{"group@x.org", "New message from Org of supplier@x.org about a pledge", "/pledges/" + p1, []string{"When can we bring the laptops?"}},
		{"supplier@x.org", "New message from Org of group@x.org about a pledge", "/pledges/" + p1, []string{"Tuesday after 3pm suits us."}},
	} {
		wantLink(t, mp, mailTo(t, mp, ms, c.to, c.subject, c.path), c.path, c.text...)
	}
	// Each notification went once: no Message-ID twice.
	seen := map[string]bool{}
	for _, m := range ms {
		if seen[m.MessageID] {
			t.Fatalf("message id %s arrived twice", m.MessageID)
		}
		seen[m.MessageID] = true
	}

	// The admin's Sent mail lists them, sent, with their attempts.
	list := e.call("GET", "/api/v1/mail?status=sent&limit=200", "admin", nil, 200)
	items := list["items"].([]any)
	ours := 0
	for _, m := range ms {
		if !strings.HasSuffix(m.To[0].Address, "@trafford.org") {
			ours++
		}
	}
	if len(items) != ours {
		t.Fatalf("Sent mail lists %d sent, Mailpit has %d of this council's", len(items), ours)
	}
	first := items[0].(map[string]any)
	if first["status"] != "sent" || first["sentAt"] == nil || len(first["attempts"].([]any)) != 1 {
		t.Fatalf("Sent mail item = %v", first)
	}
	e.call("GET", "/api/v1/mail", "officer", nil, 403)
	e.call("GET", "/api/v1/mail", "", nil, 401)
	e.call("GET", "/api/v1/mail?status=lost", "admin", nil, 400)
	if other := e.call("GET", "/api/v1/mail", "otherOfficer", nil, 403); other["status"] != float64(403) {
		t.Fatalf("other council: %v", other)
	}
}

// TestNoMailForARefusedChange: a change that fails writes no notification,
// so nothing is sent for it.
func TestNoMailForARefusedChange(t *testing.T) {
	e, mp := newMailEnv(t)
	e.drain()
	before := len(mp.Messages(t))
	p := e.pledge("supplier", e.request)
	e.drain()
	after := mp.Messages(t)
	if len(after) != before+1 {
		t.Fatalf("%d new messages for a pledge, want 1", len(after)-before)
	}
	// Over the request's value: the approval is refused, nothing is written.
	p2 := e.id(e.call("POST", "/api/v1/requests/"+e.request+"/pledges", "supplier2", map[string]any{"offer": "More laptops", "quantity": 10, "unit": "laptops", "valuePence": 300000}, 201))
	e.call("POST", "/api/v1/pledges/"+p+"/approve", "officer", nil, 200)
	e.call("POST", "/api/v1/pledges/"+p2+"/approve", "officer", nil, 409)
	e.drain()
	final := mp.Messages(t)
	for _, m := range final {
		if strings.Contains(m.Subject, "pledge is") && m.To[0].Address == "supplier2@x.org" {
			t.Fatalf("mail for a refused approval: %q", m.Subject)
		}
	}
	if len(final) != len(after)+2 { // the group hears of p2, the supplier of p's approval
		t.Fatalf("%d messages, want %d", len(final), len(after)+2)
	}
}

var unsubscribeLink = regexp.MustCompile(`/unsubscribe\?token=([A-Za-z0-9_.-]+)`)

// TestEmailSettings: off sends nothing, digest holds the mail, and a mail's
// unsubscribe link turns its kind off without signing in.
func TestEmailSettings(t *testing.T) {
	e, mp := newMailEnv(t)
	e.drain()
	got := e.call("GET", "/api/v1/me/email-settings", "supplier", nil, 200)
	items := got["items"].([]any)
	if len(items) != len(domain.NotifyKinds) || items[0].(map[string]any)["pref"] != "immediately" {
		t.Fatalf("settings = %v", got)
	}
	e.call("PUT", "/api/v1/me/email-settings", "supplier", map[string]any{"prefs": map[string]string{"security": "off"}}, 400)
	e.call("PUT", "/api/v1/me/email-settings", "supplier", map[string]any{"prefs": map[string]string{"pledge-decision": "sometimes"}}, 400)
	e.call("PUT", "/api/v1/me/email-settings", "supplier", map[string]any{"prefs": map[string]string{"nonsense": "off"}}, 400)
	e.call("GET", "/api/v1/me/email-settings", "", nil, 401)
	got = e.call("PUT", "/api/v1/me/email-settings", "supplier", map[string]any{"prefs": map[string]string{"pledge-decision": "off"}}, 200)
	e.call("PUT", "/api/v1/me/email-settings", "supplier2", map[string]any{"prefs": map[string]string{"pledge-decision": "digest"}}, 200)
	p1 := e.pledge("supplier", e.request)
	p2 := e.pledge("supplier2", e.request)
	e.call("POST", "/api/v1/pledges/"+p1+"/decline", "officer", map[string]any{"reason": "Not now"}, 200)
	e.call("POST", "/api/v1/pledges/"+p2+"/decline", "officer", map[string]any{"reason": "Not now"}, 200)
	e.drain()
	for _, m := range mp.Messages(t) {
		if strings.HasPrefix(m.Subject, "Your pledge was declined") {
			t.Fatalf("%s got %q against their choice", m.To[0].Address, m.Subject)
		}
	}
	held := e.call("GET", "/api/v1/mail?status=held", "admin", nil, 200)["items"].([]any)
	if len(held) != 1 || held[0].(map[string]any)["to"] != "supplier2@x.org" {
		t.Fatalf("held for the digest: %v", held)
	}

	// The group's "new pledge" mail carries a link that turns that kind off.
	m := mailTo(t, mp, mp.Messages(t), "group@x.org", "New pledge from Org of supplier@x.org on your request: Laptops for the homework club")
	link := unsubscribeLink.FindStringSubmatch(mp.Body(t, m.ID).Text)
	if link == nil {
		t.Fatalf("no unsubscribe link in %q", mp.Body(t, m.ID).Text)
	}
	e.call("POST", "/api/v1/unsubscribe", "", map[string]any{"token": link[1] + "x"}, 400)
	e.call("POST", "/api/v1/unsubscribe", "", map[string]any{"token": strings.Replace(link[1], "pledge-new", "security", 1)}, 400)
	if r := e.call("POST", "/api/v1/unsubscribe", "", map[string]any{"token": link[1]}, 200); r["kind"] != "pledge-new" {
		t.Fatalf("unsubscribe = %v", r)
	}
	before := len(mp.Messages(t))
	e.pledge("supplier2", e.request)
	e.drain()
	if after := len(mp.Messages(t)); after != before {
		t.Fatalf("%d mails after unsubscribing", after-before)
	}
	// Security mail cannot be turned off: no unsubscribe link in it.
	e.call("POST", "/api/v1/auth/password-reset", "", map[string]any{"email": "group@x.org"}, 202)
	e.drain()
	r := mailTo(t, mp, mp.Messages(t), "group@x.org", "Reset your needmatch password")
	if strings.Contains(mp.Body(t, r.ID).Text, "/unsubscribe") {
		t.Fatal("a security mail offers to unsubscribe")
	}
}

// mailsWith lists the messages to addr whose subject ends with suffix.
func mailsWith(ms []mailpit.Message, addr, suffix string) []mailpit.Message {
	var out []mailpit.Message
	for _, m := range ms {
		if len(m.To) == 1 && m.To[0].Address == addr && strings.HasSuffix(m.Subject, suffix) {
			out = append(out, m)
		}
	}
	return out
}

// TestScheduledMail runs the scheduled jobs at fixed times and reads what
// reached a real SMTP server: a commitment due in 10 days and overdue (to
// the supplier and the contract's manager, who turned overdue mail off),
// Monday's new requests that fit, and the combined weekly mail of a
// supplier who chose "once a week"; a run again sends nothing more.
func TestScheduledMail(t *testing.T) {
	e, mp := newMailEnv(t)
	ctx := context.Background()
	c, bid, reqs, ps := e.awardWorld(3)
	manager := e.userIDs["officer"]
	cur := must(e.svc.GetContract(ctx, e.actor("officer"), c))
	must(e.svc.UpdateContract(ctx, e.actor("officer"), c, domain.ContractChange{ContractManagerID: &manager, Version: cur.Version}))
	due := time.Now().UTC().AddDate(0, 2, 0).Truncate(24 * time.Hour)
	e.call("POST", "/api/v1/contracts/"+c+"/award", "officer", map[string]any{"bidId": bid, "dueDate": due.Format(time.DateOnly)}, 200)
	e.call("PUT", "/api/v1/me/email-settings", "officer", map[string]any{"prefs": map[string]string{"commitment-overdue": "off"}}, 200)
	e.call("PUT", "/api/v1/me/email-settings", "supplier2", map[string]any{"prefs": map[string]string{"pledge-decision": "digest", "digest": "digest"}}, 200)
	e.call("POST", "/api/v1/pledges/"+e.pledge("supplier2", e.request)+"/decline", "officer", map[string]any{"reason": "Not now"}, 200)
	e.drain()
	start := len(mp.Messages(t))
	run := func(job func(context.Context, time.Time) (int, error), at time.Time, want int) {
		t.Helper()
		if n, err := job(ctx, at); err != nil || n != want {
			t.Fatalf("job at %v = %d, %v; want %d", at, n, err, want)
		}
		e.app.Mailer.Now = func() time.Time { return at }
		e.drain()
	}

	// Ten days before: each commitment's supplier and the contract manager.
	before := due.Add(-10 * 24 * time.Hour)
	run(e.svc.RemindCommitments, before, 6)
	run(e.svc.RemindCommitments, before.Add(time.Hour), 0)
	ms := mp.Messages(t)
	title := "Laptops for the homework club"
	for _, p := range ps {
		wantLink(t, mp, mailTo(t, mp, ms, "supplier@x.org", "Your commitment is due in 10 days: "+title, "/supplier/pledges/"+p+"/deliver"), "/supplier/pledges/"+p+"/deliver")
	}
	if m := mailsWith(ms, "officer@x.org", "A commitment on your contract is due in 10 days: "+title); len(m) != 3 {
		t.Fatalf("%d due mails to the contract manager, want 3", len(m))
	} else {
		wantLink(t, mp, m[0], "/contracts/"+c, "Org of supplier@x.org's commitment")
	}
	// Two days late: the supplier hears, the manager (overdue mail off) not.
	run(e.svc.RemindCommitments, due.Add(2*24*time.Hour), 3)
	ms = mp.Messages(t)
	for _, p := range ps {
		wantLink(t, mp, mailTo(t, mp, ms, "supplier@x.org", "Your commitment is overdue: "+title, "/supplier/pledges/"+p+"/deliver"), "/supplier/pledges/"+p+"/deliver", "(2 days ago)")
	}
	if m := mailsWith(ms, "officer@x.org", "overdue: "+title); len(m) != 0 {
		t.Fatalf("the manager turned overdue mail off and got %d", len(m))
	}
	if len(ms) != start+9 {
		t.Fatalf("%d messages from the reminders, want 9", len(ms)-start)
	}

	// Monday 07:00 after the requests were published: new requests that fit.
	monday := time.Now().UTC().AddDate(0, 0, 7).Truncate(time.Hour)
	for monday.Weekday() != time.Monday || monday.Hour() != 7 {
		monday = monday.Add(-time.Hour)
	}
	run(e.svc.DigestRequests, monday.Add(time.Minute), 3) // supplier, supplier2 (held), the other council's supplier
	run(e.svc.DigestRequests, monday.Add(20*time.Minute), 0)
	ms = mp.Messages(t)
	digest := mailsWith(ms, "supplier@x.org", " new requests that fit what you offer")
	if len(digest) != 1 {
		t.Fatalf("%d digests to the supplier", len(digest))
	}
	for _, r := range append([]string{e.request}, reqs...) {
		wantLink(t, mp, digest[0], "/requests/"+r)
	}
	wantLink(t, mp, digest[0], "/supplier/requests", "fit what Org of supplier@x.org offers")
	if len(mailsWith(ms, "supplier2@x.org", "what you offer")) != 0 {
		t.Fatal("supplier2 chose once a week but got the digest on its own")
	}

	// Monday 08:00: one mail to supplier2 carrying its held mail.
	run(e.svc.SendWeekly, monday.Add(time.Hour+time.Minute), 1)
	run(e.svc.SendWeekly, monday.Add(time.Hour+6*time.Minute), 0)
	ms = mp.Messages(t)
	w := mailTo(t, mp, ms, "supplier2@x.org", "Your weekly needmatch mail: 2 updates")
	wantLink(t, mp, w, "/supplier/pledges", "Your pledge was declined: "+title, "Not now")
	wantLink(t, mp, w, "/supplier/requests", " new requests that fit what you offer")
	wantLink(t, mp, w, "/requests/"+e.request)
	wantLink(t, mp, w, "/email-settings")
	b := mp.Body(t, w.ID)
	links := unsubscribeLink.FindAllStringSubmatch(b.Text, -1)
	if len(links) != 2 {
		t.Fatalf("weekly mail's unsubscribe links:\n%s", b.Text)
	}
	// Each section's link stops its own kind.
	if r := e.call("POST", "/api/v1/unsubscribe", "", map[string]any{"token": links[0][1]}, 200); r["kind"] != "pledge-decision" {
		t.Fatalf("the first section's unsubscribe = %v", r)
	}
	if len(ms) != start+9+3 {
		t.Fatalf("%d messages in all, want %d", len(ms), start+12)
	}
	seen := map[string]bool{}
	for _, m := range ms {
		if seen[m.MessageID] {
			t.Fatalf("message id %s arrived twice", m.MessageID)
		}
		seen[m.MessageID] = true
	}
	if held := e.call("GET", "/api/v1/mail?status=held", "admin", nil, 200)["items"].([]any); len(held) != 0 {
		t.Fatalf("still held: %v", held)
	}
}
