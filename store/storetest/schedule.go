package storetest

import (
	"context"
	"strings"
	"testing"
	"time"

	"needmatch/domain"
)

// monday is Monday 2 November 2026, midnight UTC.
var monday = time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)

// mailService is a service over s whose mail links start https://needmatch.test.
func mailService(s domain.Store, now time.Time) *domain.Service {
	svc := domain.NewService(s)
	svc.Now = func() time.Time { return now }
	svc.BaseURL, svc.MailKey = "https://needmatch.test", []byte("test mail key")
	return svc
}

// addUser stores a user of org (an officer's org is "") with role and prefs.
func addUser(t *testing.T, s domain.Store, a *domain.Authority, org, role, email string, prefs map[domain.NotifyKind]domain.NotifyPref) *domain.User {
	t.Helper()
	u := &domain.User{ID: domain.NewID(), AuthorityID: a.ID, Authority: a.Slug, OrganisationID: org, Email: email, Name: email, Role: role,
		PasswordHash: "h", Version: 1, CreatedAt: t0, UpdatedAt: t0, NotifyPrefs: prefs}
	if err := s.CreateUser(context.Background(), u, ev(a, "user.create", u.ID, t0)); err != nil {
		t.Fatal(err)
	}
	return u
}

// outbox is every notification of the authority, oldest first.
func outbox(t *testing.T, s domain.Store, auth string) []*domain.Notification {
	t.Helper()
	ns := findNotes(t, s, auth, "")
	for i, j := 0, len(ns)-1; i < j; i, j = i+1, j-1 {
		ns[i], ns[j] = ns[j], ns[i]
	}
	return ns
}

// mailsTo lists the outbox's mail to addr with the subject.
func mailsTo(ns []*domain.Notification, addr, subject string) []*domain.Notification {
	var out []*domain.Notification
	for _, n := range ns {
		if n.To == addr && n.Subject == subject {
			out = append(out, n)
		}
	}
	return out
}

func wantRun(t *testing.T, what string, n int, err error, want int) {
	t.Helper()
	if err != nil || n != want {
		t.Fatalf("%s = %d, %v; want %d", what, n, err, want)
	}
}

// testCommitmentReminders: a commitment due within 14 days is mailed
// once, an overdue one once a week, to the supplier's users and the
// contract's manager, each as they chose; a run again writes nothing.
func testCommitmentReminders(t *testing.T, s domain.Store) {
	ctx := context.Background()
	f := newFixture(t, s)
	now := monday.Add(9 * time.Hour)
	manager := addUser(t, s, f.auth, "", domain.RoleOfficer, "manager@example.org", nil)
	quiet := addUser(t, s, f.auth, f.supplier.ID, domain.RoleSupplier, "quiet@example.org",
		map[domain.NotifyKind]domain.NotifyPref{domain.NotifyDue: domain.PrefOff, domain.NotifyOverdue: domain.PrefDigest})
	c := &domain.Contract{ID: domain.NewID(), AuthorityID: f.auth.ID, Authority: f.auth.Slug, Reference: "C1", Title: "Contract C1", ValuePence: 10_000_000,
		Stage: "live", ContractManagerID: manager.ID, ContractManagerName: manager.Name, Version: 1, CreatedAt: t0, UpdatedAt: t0}
	if err := s.CreateContract(ctx, c, ev(f.auth, "contract.create", c.ID, t0)); err != nil {
		t.Fatal(err)
	}
	r := f.request(t, s, "Paint for the hall", domain.ReqPublished, "E05015018", "goods")
	at := func(d time.Duration) *time.Time { x := now.Add(d); return &x }
	day := 24 * time.Hour
	soon := f.ledgerPledge(t, s, r, c.ID, "VOL", "social", 2, 5000, domain.PledgeApproved, at(10*day), t0)
	later := f.ledgerPledge(t, s, r, "", "VOL", "social", 1, 5000, domain.PledgeInDelivery, at(20*day), t0)
	late := f.ledgerPledge(t, s, r, "", "VOL", "social", 1, 3000, domain.PledgeApproved, at(-3*day), t0)
	f.ledgerPledge(t, s, r, "", "VOL", "social", 1, 3000, domain.PledgeDelivered, at(-3*day), t0) // delivered: waits for the officer
	f.ledgerPledge(t, s, r, "", "VOL", "social", 1, 3000, domain.PledgeVerified, at(5*day), t0)

	svc := mailService(s, now)
	n, err := svc.RemindCommitments(ctx, now)
	wantRun(t, "first run", n, err, 4)
	n, err = svc.RemindCommitments(ctx, now)
	wantRun(t, "run again", n, err, 0)
	n, err = mailService(s, now).RemindCommitments(ctx, now.Add(2*time.Hour))
	wantRun(t, "another process, two hours later", n, err, 0)

	ns := outbox(t, s, f.auth.ID)
	sup := f.sUser.Email
	dueSubj := "Your commitment is due in 10 days: Paint for the hall"
	m := mailsTo(ns, sup, dueSubj)
	if len(m) != 1 || m[0].Kind != domain.NotifyDue || m[0].Status != domain.NotePending || m[0].Link != "https://needmatch.test/supplier/pledges/"+soon.ID+"/deliver" ||
		!strings.Contains(m[0].Text, "£100 to \"Paint for the hall\" (Help)") || !strings.Contains(m[0].Text, "12 November 2026") || !strings.Contains(m[0].Text, "/unsubscribe?token=") {
		t.Fatalf("due mail to the supplier = %+v\n%s", m, texts(ns))
	}
	m = mailsTo(ns, manager.Email, "A commitment on your contract is due in 10 days: Paint for the hall")
	if len(m) != 1 || m[0].Link != "https://needmatch.test/contracts/"+c.ID || !strings.Contains(m[0].Text, f.supplier.Name+"'s commitment") {
		t.Fatalf("due mail to the manager = %+v\n%s", m, texts(ns))
	}
	overSubj := "Your commitment is overdue: Paint for the hall"
	m = mailsTo(ns, sup, overSubj)
	if len(m) != 1 || m[0].Link != "https://needmatch.test/supplier/pledges/"+late.ID+"/deliver" || !strings.Contains(m[0].Text, "(3 days ago)") {
		t.Fatalf("overdue mail to the supplier = %+v\n%s", m, texts(ns))
	}
	// quiet turned due mail off and gets overdue mail once a week: held.
	if m := mailsTo(ns, quiet.Email, overSubj); len(m) != 1 || m[0].Status != domain.NoteHeld || !m[0].NextAt.Equal(monday.AddDate(0, 0, 7).Add(8*time.Hour)) {
		t.Fatalf("quiet's overdue mail = %+v", m)
	}
	if len(ns) != 4 || len(mailsTo(ns, quiet.Email, dueSubj)) != 0 {
		t.Fatalf("outbox:\n%s", texts(ns))
	}

	// Five days on: the overdue one is in its second week (mailed again);
	// the one due in 15 days is not yet mailed, at seven days it is.
	n, err = svc.RemindCommitments(ctx, now.Add(5*day))
	wantRun(t, "second week", n, err, 2)
	n, err = svc.RemindCommitments(ctx, now.Add(6*day+time.Hour))
	wantRun(t, "later that week", n, err, 1)
	ns = outbox(t, s, f.auth.ID)
	if m := mailsTo(ns, sup, overSubj); len(m) != 2 || !strings.Contains(m[1].Text, "(8 days ago)") {
		t.Fatalf("overdue mail in the second week = %+v", m)
	}
	if m := mailsTo(ns, sup, "Your commitment is due in 14 days: Paint for the hall"); len(m) != 1 || m[0].Link != "https://needmatch.test/supplier/pledges/"+later.ID+"/deliver" {
		t.Fatalf("due mail for the later one:\n%s", texts(ns))
	}
	if len(ns) != 7 {
		t.Fatalf("outbox:\n%s", texts(ns))
	}
}

func texts(ns []*domain.Notification) string {
	var b strings.Builder
	for _, n := range ns {
		b.WriteString(string(n.Status) + " " + n.To + ": " + n.Subject + " -> " + n.Link + "\n")
	}
	return b.String()
}

// testRequestsDigest: on Monday morning a supplier hears of the requests
// published in the past week that fit what it offers, best first, once;
// nothing when nothing fits or the supplier turned it off.
func testRequestsDigest(t *testing.T, s domain.Store) {
	ctx := context.Background()
	f := newFixture(t, s)
	now := monday.Add(7*time.Hour + 10*time.Minute)
	offers := func(email string, kinds []string, prefs map[domain.NotifyKind]domain.NotifyPref) (*domain.Organisation, *domain.User) {
		o := &domain.Organisation{ID: domain.NewID(), AuthorityID: f.auth.ID, Authority: f.auth.Slug, Kind: domain.KindSupplier, Name: "Org " + email,
			Offers: kinds, Status: domain.OrgApproved, Version: 1, CreatedAt: t0, UpdatedAt: t0}
		u := &domain.User{ID: domain.NewID(), AuthorityID: f.auth.ID, Authority: f.auth.Slug, OrganisationID: o.ID, Email: email, Name: email,
			Role: domain.RoleSupplier, PasswordHash: "h", Version: 1, CreatedAt: t0, UpdatedAt: t0, NotifyPrefs: prefs}
		if err := s.Register(ctx, o, u, []*domain.AuditEvent{ev(f.auth, "organisation.register", o.ID, t0), ev(f.auth, "user.register", u.ID, t0)}); err != nil {
			t.Fatal(err)
		}
		return o, u
	}
	_, goods := offers("goods@example.org", []string{"goods"}, nil)
	_, works := offers("works@example.org", []string{"works"}, map[domain.NotifyKind]domain.NotifyPref{domain.NotifyDigest: domain.PrefOff})
	_, advice := offers("advice@example.org", []string{"advice"}, nil)
	_, weekly := offers("weekly@example.org", []string{"goods"}, map[domain.NotifyKind]domain.NotifyPref{domain.NotifyDigest: domain.PrefDigest})
	req := func(title, kind string, status domain.RequestStatus, published time.Time) *domain.Request {
		r := &domain.Request{ID: domain.NewID(), AuthorityID: f.auth.ID, Authority: f.auth.Slug, OrganisationID: f.group.ID, OrganisationName: f.group.Name,
			Title: title, Description: "About " + title, Kind: kind, Area: "E05015018", AreaName: "Brinnington & Stockport Central", Quantity: 10, Unit: "items",
			ValuePence: 50_000, Deadline: now.AddDate(0, 2, 0), Status: status, Version: 1, CreatedAt: published.Add(-time.Hour), UpdatedAt: published}
		if err := s.CreateRequest(ctx, r, ev(f.auth, "request.create", r.ID, published)); err != nil {
			t.Fatal(err)
		}
		return r
	}
	paint := req("Paint for the hall", "goods", domain.ReqPublished, now.Add(-2*24*time.Hour))
	chairs := req("Chairs", "goods", domain.ReqPublished, now.Add(-6*24*time.Hour))
	roof := req("Fix the roof", "works", domain.ReqPublished, now.Add(-24*time.Hour))
	old := req("Old tables", "goods", domain.ReqPublished, now.Add(-8*24*time.Hour))
	draft := req("Draft cups", "goods", domain.ReqSubmitted, now.Add(-24*time.Hour))

	svc := mailService(s, now)
	n, err := svc.DigestRequests(ctx, now.Add(-20*time.Minute))
	wantRun(t, "before 07:00", n, err, 0)
	n, err = svc.DigestRequests(ctx, now)
	wantRun(t, "Monday 07:10", n, err, 3)
	n, err = svc.DigestRequests(ctx, now.Add(30*time.Minute))
	wantRun(t, "run again", n, err, 0)
	n, err = svc.DigestRequests(ctx, now.Add(24*time.Hour))
	wantRun(t, "Tuesday", n, err, 0)

	ns := outbox(t, s, f.auth.ID)
	subj := "2 new requests that fit what you offer"
	m := mailsTo(ns, goods.Email, subj)
	if len(m) != 1 || m[0].Status != domain.NotePending || m[0].Kind != domain.NotifyDigest || m[0].Link != "https://needmatch.test/supplier/requests" {
		t.Fatalf("digest to the goods supplier = %+v\n%s", m, texts(ns))
	}
	for _, r := range []*domain.Request{paint, chairs} {
		if !strings.Contains(m[0].Text, "https://needmatch.test/requests/"+r.ID) || !strings.Contains(m[0].HTML, `href="https://needmatch.test/requests/`+r.ID+`"`) {
			t.Fatalf("the digest lacks %s:\n%s\n%s", r.Title, m[0].Text, m[0].HTML)
		}
	}
	for _, r := range []*domain.Request{roof, old, draft} {
		if strings.Contains(m[0].Text, r.ID) {
			t.Fatalf("the digest names %s:\n%s", r.Title, m[0].Text)
		}
	}
	if w := mailsTo(ns, weekly.Email, subj); len(w) != 1 || w[0].Status != domain.NoteHeld || !w[0].NextAt.Equal(monday.Add(8*time.Hour)) {
		t.Fatalf("the once-a-week supplier's digest = %+v (want held for 08:00 today)", w)
	}
	// A supplier that has not said what it offers: fit counts as neutral,
	// as on its ranked list, so every new request is named.
	if m := mailsTo(ns, f.sUser.Email, "3 new requests that fit what you offer"); len(m) != 1 || !strings.Contains(m[0].Text, roof.ID) {
		t.Fatalf("digest to the supplier that offers nothing in particular = %+v\n%s", m, texts(ns))
	}
	if len(ns) != 3 {
		t.Fatalf("outbox (nothing to %s, who turned it off, or %s, whom nothing fits):\n%s", works.Email, advice.Email, texts(ns))
	}
}

// testWeeklyMail: from Monday 08:00 each person's held mail goes as one
// combined mail and each held mail is marked sent by it; a run again, or
// one after a crash, writes nothing twice; held mail that turns up after
// the combined mail was written waits for next week's.
func testWeeklyMail(t *testing.T, s domain.Store) {
	ctx := context.Background()
	f := newFixture(t, s)
	eight := monday.Add(8 * time.Hour)
	r := f.request(t, s, "Paint for the hall", domain.ReqSubmitted, "E05015018", "goods")
	e := ev(f.auth, "request.publish", r.ID, t0)
	held := func(n *domain.Notification, kind domain.NotifyKind, next time.Time) *domain.Notification {
		n.Status, n.Kind, n.NextAt, n.Text, n.HTML, n.Link = domain.NoteHeld, kind, next, "Body of "+n.Subject, "<p>Body of "+n.Subject+"</p>", "https://needmatch.test/x/"+n.ID
		return n
	}
	g1 := held(note(e, f.gUser, "Your request is published: Paint"), domain.NotifyRequest, eight)
	g2 := held(note(e, f.gUser, "New pledge on your request"), domain.NotifyPledgeNew, eight)
	s1 := held(note(e, f.sUser, "Your pledge is approved"), domain.NotifyPledge, eight)
	next := held(note(e, f.gUser, "Next week's"), domain.NotifyRequest, eight.AddDate(0, 0, 7))
	off := held(note(e, f.gUser, "A message, since turned off"), domain.NotifyMessage, eight)
	pub := *r
	pub.Status, pub.Version = domain.ReqPublished, 2
	if err := s.UpdateRequest(ctx, &pub, 1, e); err != nil {
		t.Fatal(err)
	}
	gu, err := s.UserByID(ctx, f.gUser.ID)
	if err != nil {
		t.Fatal(err)
	}
	gu.NotifyPrefs, gu.Version = map[domain.NotifyKind]domain.NotifyPref{domain.NotifyMessage: domain.PrefOff}, gu.Version+1
	if err := s.UpdateUser(ctx, gu, gu.Version-1, ev(f.auth, "user.notify-prefs", gu.ID, t0)); err != nil {
		t.Fatal(err)
	}

	svc := mailService(s, eight)
	n, err := svc.SendWeekly(ctx, eight.Add(-time.Minute))
	wantRun(t, "before 08:00", n, err, 0)
	at := eight.Add(3 * time.Minute)
	n, err = svc.SendWeekly(ctx, at)
	wantRun(t, "08:03", n, err, 2)
	n, err = mailService(s, at).SendWeekly(ctx, at.Add(5*time.Minute))
	wantRun(t, "run again", n, err, 0)

	pending := findNotes(t, s, f.auth.ID, domain.NotePending)
	gw := mailsTo(pending, f.gUser.Email, "Your weekly needmatch mail: 2 updates")
	sw := mailsTo(pending, f.sUser.Email, "Your weekly needmatch mail: 1 update")
	if len(pending) != 2 || len(gw) != 1 || len(sw) != 1 || len(sw[0].Parts) != 1 || sw[0].Parts[0] != s1.ID {
		t.Fatalf("pending:\n%s", texts(pending))
	}
	w := gw[0]
	if w.Kind != domain.NotifyWeekly || len(w.Parts) != 2 || w.Parts[0] != g1.ID || w.Parts[1] != g2.ID || !w.NextAt.Equal(at) ||
		w.Link != "https://needmatch.test/email-settings" {
		t.Fatalf("the group's weekly mail = %+v", w)
	}
	for _, p := range []*domain.Notification{g1, g2} {
		for _, want := range []string{p.Subject, "Body of " + p.Subject, "Open it in needmatch: " + p.Link} {
			if !strings.Contains(w.Text, want) {
				t.Fatalf("weekly text lacks %q:\n%s", want, w.Text)
			}
		}
		if !strings.Contains(w.HTML, `href="`+p.Link+`"`) || !strings.Contains(w.HTML, "<p>Body of "+p.Subject+"</p>") {
			t.Fatalf("weekly HTML lacks %s:\n%s", p.ID, w.HTML)
		}
	}
	if strings.Count(w.Text, "Stop emails like this: https://needmatch.test/unsubscribe?token=") != 2 || !strings.Contains(w.Text, "Choose which emails you get: https://needmatch.test/email-settings") {
		t.Fatalf("weekly text's unsubscribe links:\n%s", w.Text)
	}
	sent := findNotes(t, s, f.auth.ID, domain.NoteSent)
	if len(sent) != 3 {
		t.Fatalf("sent:\n%s", texts(sent))
	}
	for _, p := range sent {
		if p.SentAt == nil || !p.SentAt.Equal(at) || !strings.Contains(p.Attempts[len(p.Attempts)-1].Result, "weekly mail") {
			t.Fatalf("a held mail marked sent = %+v", p)
		}
	}
	if h := findNotes(t, s, f.auth.ID, domain.NoteHeld); len(h) != 1 || h[0].ID != next.ID {
		t.Fatalf("still held:\n%s", texts(h))
	}
	if x := findNotes(t, s, f.auth.ID, domain.NoteFailed); len(x) != 1 || x[0].ID != off.ID || x[0].SentAt != nil ||
		x[0].Attempts[len(x[0].Attempts)-1].Result != "not sent: turned off before the weekly mail" || strings.Contains(w.Text, off.Subject) {
		t.Fatalf("held mail of a kind turned off since = %+v", x)
	}

	// A crash after the combined mail was written, before g2 was marked:
	// the next run marks it and writes nothing.
	back := *sent[0]
	for _, p := range sent {
		if p.ID == g2.ID {
			back = *p
		}
	}
	back.Status, back.SentAt = domain.NoteHeld, nil
	if err := s.SettleNotification(ctx, &back, "", domain.NoteSent); err != nil {
		t.Fatal(err)
	}
	// Held mail of this week that turns up late (its change recovered
	// after the weekly mail was made) waits for next week's.
	e2 := ev(f.auth, "request.reject", r.ID, eight.Add(-time.Minute))
	lateNote := held(note(e2, f.gUser, "Late one"), domain.NotifyRequest, eight)
	rej := pub
	rej.Version = 3
	if err := s.UpdateRequest(ctx, &rej, 2, e2); err != nil {
		t.Fatal(err)
	}
	n, err = svc.SendWeekly(ctx, at.Add(10*time.Minute))
	wantRun(t, "after the crash", n, err, 0)
	if p := findNotes(t, s, f.auth.ID, domain.NotePending); len(p) != 2 {
		t.Fatalf("pending after the crash:\n%s", texts(p))
	}
	h := findNotes(t, s, f.auth.ID, domain.NoteHeld)
	if len(h) != 2 || len(findNotes(t, s, f.auth.ID, domain.NoteSent)) != 3 {
		t.Fatalf("held after the crash:\n%s", texts(h))
	}
	for _, x := range h {
		if x.ID == lateNote.ID && !x.NextAt.Equal(eight.AddDate(0, 0, 7)) {
			t.Fatalf("the late one waits until %v", x.NextAt)
		}
	}
	n, err = svc.SendWeekly(ctx, eight.AddDate(0, 0, 7))
	wantRun(t, "next Monday", n, err, 1)
	nw := mailsTo(findNotes(t, s, f.auth.ID, domain.NotePending), f.gUser.Email, "Your weekly needmatch mail: 2 updates")
	if len(nw) != 2 || len(nw[0].Parts) != 2 || nw[0].Parts[0] != next.ID && nw[0].Parts[0] != lateNote.ID {
		t.Fatalf("next week's mail = %+v", nw)
	}
}
