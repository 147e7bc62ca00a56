package storetest

import (
	"context"
	"testing"
	"time"

	"needmatch/domain"
)

// note is a notification for user u carried by ev.
func note(ev *domain.AuditEvent, u *domain.User, subject string) *domain.Notification {
	n := &domain.Notification{ID: domain.NewID(), EventID: ev.ID, AuthorityID: ev.AuthorityID, UserID: u.ID, To: u.Email, Kind: domain.NotifyRequest,
		Subject: subject, Text: "text", HTML: "<p>html</p>", Link: "https://example.org/x", Status: domain.NotePending, NextAt: ev.At, CreatedAt: ev.At}
	ev.Notify = append(ev.Notify, n)
	return n
}

func findNotes(t *testing.T, s domain.Store, auth string, status domain.NotificationStatus) []*domain.Notification {
	t.Helper()
	ns, _, err := s.FindNotifications(context.Background(), domain.NotificationFilter{AuthorityID: auth, Status: status})
	if err != nil {
		t.Fatal(err)
	}
	return ns
}

// claimLease is the short real lease the outbox tests wait out: a claim
// expires on the database's clock, which no caller's now can move.
const claimLease = 600 * time.Millisecond

// outlive waits until a claim taken for claimLease has expired.
func outlive() { time.Sleep(claimLease + 150*time.Millisecond) }

// wantDBExpiry fails unless n's claim runs until about the real time plus
// lease: the database's clock, not the caller's (a month away in these
// tests, whose t0 is fixed).
func wantDBExpiry(t *testing.T, n *domain.Notification, lease time.Duration) {
	t.Helper()
	if d := time.Until(n.ClaimedUntil) - lease; d > time.Minute || d < -time.Minute {
		t.Fatalf("claimed until %v: %v off the database's clock plus the lease", n.ClaimedUntil, d)
	}
}

// testOutbox: notifications are written with their change and only with
// it; a claim takes each due one once; an expired claim before the
// handover is taken again, after the handover never (uncertain). Claims
// expire on the database's clock: a sender whose clock is an hour ahead
// takes no live claim, and makes no live handover uncertain.
func testOutbox(t *testing.T, s domain.Store) {
	ctx := context.Background()
	f := newFixture(t, s)
	users, err := s.UsersOfOrganisation(ctx, f.group.ID)
	if err != nil || len(users) != 1 || users[0].ID != f.gUser.ID || users[0].Email != f.gUser.Email {
		t.Fatalf("UsersOfOrganisation = %+v, %v", users, err)
	}
	if none, err := s.UsersOfOrganisation(ctx, domain.NewID()); err != nil || len(none) != 0 {
		t.Fatalf("UsersOfOrganisation(unknown) = %+v, %v", none, err)
	}

	r := f.request(t, s, "Paint for the hall", domain.ReqSubmitted, "E05015018", "goods")
	e1 := ev(f.auth, "request.publish", r.ID, t0.Add(time.Minute))
	n1 := note(e1, f.gUser, "Published")
	pub := *r
	pub.Status, pub.Version = domain.ReqPublished, 2
	if err := s.UpdateRequest(ctx, &pub, 1, e1); err != nil {
		t.Fatal(err)
	}
	// A refused change writes no notification.
	e2 := ev(f.auth, "request.reject", r.ID, t0.Add(2*time.Minute))
	note(e2, f.gUser, "Rejected")
	stale := pub
	stale.Status = domain.ReqRejected
	wantCode(t, s.UpdateRequest(ctx, &stale, 1, e2), domain.ECONFLICT)
	// A change of another kind carries its notifications too.
	p := &domain.Pledge{ID: domain.NewID(), AuthorityID: f.auth.ID, Authority: f.auth.Slug, RequestID: r.ID, RequestTitle: r.Title, RequestOrgID: r.OrganisationID,
		OrganisationID: f.supplier.ID, OrganisationName: f.supplier.Name, Offer: "Paint", Quantity: 1, Unit: "tin", ValuePence: 5000, Status: domain.PledgeOffered,
		Version: 1, CreatedAt: t0, UpdatedAt: t0}
	e3 := ev(f.auth, "pledge.create", p.ID, t0.Add(3*time.Minute))
	n3 := note(e3, f.gUser, "New pledge")
	if err := s.CreatePledge(ctx, p, e3); err != nil {
		t.Fatal(err)
	}

	all := findNotes(t, s, f.auth.ID, "")
	if got := ids(all, func(n *domain.Notification) string { return n.ID }); len(got) != 2 || got[0] != n3.ID || got[1] != n1.ID {
		t.Fatalf("outbox = %v, want [%s %s] (newest first, none for the refused change)", got, n3.ID, n1.ID)
	}
	if g := all[1]; g.Subject != "Published" || g.To != f.gUser.Email || g.UserID != f.gUser.ID || g.EventID != e1.ID || g.Kind != domain.NotifyRequest ||
		g.Status != domain.NotePending || g.HTML != "<p>html</p>" || g.Link != "https://example.org/x" || !g.NextAt.Equal(e1.At) || len(g.Attempts) != 0 {
		t.Fatalf("stored notification = %+v", g)
	}
	if other := findNotes(t, s, domain.NewID(), ""); len(other) != 0 {
		t.Fatalf("another authority sees %d notifications", len(other))
	}

	// Nothing is due before its time.
	if got, err := s.ClaimNotifications(ctx, "a", t0, time.Minute, 10); err != nil || len(got) != 0 {
		t.Fatalf("claim before due = %d, %v", len(got), err)
	}
	now := t0.Add(time.Hour)
	claimed, err := s.ClaimNotifications(ctx, "a", now, time.Minute, 1)
	if err != nil || len(claimed) != 1 || claimed[0].ID != n1.ID || claimed[0].Status != domain.NoteSending || claimed[0].Owner != "a" || len(claimed[0].Attempts) != 1 {
		t.Fatalf("first claim = %+v, %v", claimed, err)
	}
	wantDBExpiry(t, claimed[0], time.Minute)
	if stored, err := s.NotificationByID(ctx, n1.ID); err != nil || !stored.ClaimedUntil.Equal(claimed[0].ClaimedUntil) {
		t.Fatalf("stored claim = %+v, %v; want until %v", stored, err, claimed[0].ClaimedUntil)
	}
	second, err := s.ClaimNotifications(ctx, "b", now, claimLease, 10)
	if err != nil || len(second) != 1 || second[0].ID != n3.ID {
		t.Fatalf("second claim = %+v, %v (want only %s: the first is held)", second, err, n3.ID)
	}
	wantDBExpiry(t, second[0], claimLease)
	// A sender whose clock is an hour ahead takes neither live claim.
	if got, err := s.ClaimNotifications(ctx, "ahead", now.Add(time.Hour), time.Minute, 10); err != nil || len(got) != 0 {
		t.Fatalf("a sender an hour ahead claimed %+v, %v; the claims are live on the database's clock", got, err)
	}
	// Only the owner settles, and only from the status it holds.
	c := claimed[0]
	c.Status = domain.NoteHandover
	wantCode(t, s.SettleNotification(ctx, c, "b", domain.NoteSending), domain.ECONFLICT)
	if err := s.SettleNotification(ctx, c, "a", domain.NoteSending); err != nil {
		t.Fatal(err)
	}
	sent := now.Add(time.Second)
	c.Status, c.SentAt = domain.NoteSent, &sent
	c.Attempts[len(c.Attempts)-1].Result = "sent"
	if err := s.SettleNotification(ctx, c, "a", domain.NoteHandover); err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.SettleNotification(ctx, c, "a", domain.NoteHandover), domain.ECONFLICT)
	got := findNotes(t, s, f.auth.ID, domain.NoteSent)
	if len(got) != 1 || got[0].ID != n1.ID || got[0].SentAt == nil || !got[0].SentAt.Equal(sent) || got[0].Attempts[0].Result != "sent" {
		t.Fatalf("sent = %+v", got)
	}

	// b stops before the handover: once its claim expires on the
	// database's clock, c takes it again, its own clock not moved.
	outlive()
	later := now
	again, err := s.ClaimNotifications(ctx, "c", later, claimLease, 10)
	if err != nil || len(again) != 1 || again[0].ID != n3.ID || again[0].Owner != "c" || len(again[0].Attempts) != 2 {
		t.Fatalf("claim after an expired claim = %+v, %v", again, err)
	}
	wantCode(t, s.SettleNotification(ctx, again[0], "b", domain.NoteSending), domain.ECONFLICT)
	// c stops after the handover: it is never claimed again, but uncertain
	// once its claim expires, and not before, whatever the sender's clock.
	h := again[0]
	h.Status = domain.NoteHandover
	if err := s.SettleNotification(ctx, h, "c", domain.NoteSending); err != nil {
		t.Fatal(err)
	}
	if got, err := s.ClaimNotifications(ctx, "ahead", later.Add(time.Hour), time.Minute, 10); err != nil || len(got) != 0 {
		t.Fatalf("claim of a live handover = %+v, %v", got, err)
	}
	if live, err := s.NotificationByID(ctx, n3.ID); err != nil || live.Status != domain.NoteHandover || live.Owner != "c" {
		t.Fatalf("a live handover, seen by a sender an hour ahead = %+v, %v; want handover by c", live, err)
	}
	outlive()
	end := later.Add(5 * time.Minute)
	if got, err := s.ClaimNotifications(ctx, "d", later, time.Minute, 10); err != nil || len(got) != 0 {
		t.Fatalf("claim after a handover = %+v, %v", got, err)
	}
	unc := findNotes(t, s, f.auth.ID, domain.NoteUncertain)
	if len(unc) != 1 || unc[0].ID != n3.ID || len(unc[0].Attempts) != 3 {
		t.Fatalf("uncertain = %+v", unc)
	}

	// A retry waits for its time.
	r2 := f.request(t, s, "Chairs", domain.ReqSubmitted, "E05015018", "goods")
	e4 := ev(f.auth, "request.publish", r2.ID, end)
	n4 := note(e4, f.gUser, "Chairs published")
	pub2 := *r2
	pub2.Status, pub2.Version = domain.ReqPublished, 2
	if err := s.UpdateRequest(ctx, &pub2, 1, e4); err != nil {
		t.Fatal(err)
	}
	cl, err := s.ClaimNotifications(ctx, "e", end, time.Minute, 10)
	if err != nil || len(cl) != 1 || cl[0].ID != n4.ID {
		t.Fatalf("claim = %+v, %v", cl, err)
	}
	retry := cl[0]
	retry.Status, retry.Owner, retry.NextAt = domain.NotePending, "", end.Add(domain.MailBackoff(1))
	retry.Attempts[0].Result = "421 try later"
	if err := s.SettleNotification(ctx, retry, "e", domain.NoteSending); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.ClaimNotifications(ctx, "e", end.Add(30*time.Second), time.Minute, 10); len(got) != 0 {
		t.Fatalf("a retry was claimed before its time: %+v", got)
	}
	if got, _ := s.ClaimNotifications(ctx, "e", end.Add(2*time.Minute), time.Minute, 10); len(got) != 1 || len(got[0].Attempts) != 2 || got[0].Attempts[0].Result != "421 try later" {
		t.Fatalf("retry claim = %+v", got)
	}
}

// testPasswordResets: a reset is used once; counts are per address and time.
func testPasswordResets(t *testing.T, s domain.Store) {
	ctx := context.Background()
	f := newFixture(t, s)
	e := ev(f.auth, "user.password-reset-request", f.gUser.ID, t0)
	n := note(e, f.gUser, "Reset your password")
	r := &domain.PasswordReset{TokenHash: "h1", EmailKey: "k1", UserID: f.gUser.ID, ExpiresAt: t0.Add(30 * time.Minute), CreatedAt: t0}
	if err := s.CreatePasswordReset(ctx, r, e); err != nil {
		t.Fatal(err)
	}
	if err := s.CreatePasswordReset(ctx, &domain.PasswordReset{TokenHash: "h2", EmailKey: "k1", CreatedAt: t0.Add(time.Minute), ExpiresAt: t0.Add(31 * time.Minute)}, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.CreatePasswordReset(ctx, &domain.PasswordReset{TokenHash: "h3", EmailKey: "k2", CreatedAt: t0, ExpiresAt: t0}, nil); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		key   string
		since time.Time
		want  int
	}{{"k1", t0, 2}, {"k1", t0.Add(30 * time.Second), 1}, {"k2", t0, 1}, {"k3", t0, 0}} {
		if got, err := s.CountPasswordResets(ctx, c.key, c.since); err != nil || got != c.want {
			t.Fatalf("CountPasswordResets(%s, %v) = %d, %v; want %d", c.key, c.since, got, err, c.want)
		}
	}
	got, err := s.UsePasswordReset(ctx, "h1")
	if err != nil || got.UserID != f.gUser.ID || !got.ExpiresAt.Equal(r.ExpiresAt) || got.EmailKey != "k1" || !got.Used {
		t.Fatalf("UsePasswordReset = %+v, %v", got, err)
	}
	_, err = s.UsePasswordReset(ctx, "h1")
	wantCode(t, err, domain.ENOTFOUND)
	_, err = s.UsePasswordReset(ctx, "nope")
	wantCode(t, err, domain.ENOTFOUND)
	if ns := findNotes(t, s, f.auth.ID, domain.NotePending); len(ns) != 1 || ns[0].ID != n.ID {
		t.Fatalf("the reset's mail: %+v", ns)
	}
	if evs, _ := s.FindAudit(ctx, domain.AuditFilter{AuthorityID: f.auth.ID, Object: f.gUser.ID}); len(evs) != 2 || evs[1].Action != "user.password-reset-request" {
		t.Fatalf("audit: %d events", len(evs))
	}
}

// testNotifyPrefs: a user's mail choices are kept as written.
func testNotifyPrefs(t *testing.T, s domain.Store) {
	ctx := context.Background()
	f := newFixture(t, s)
	u, err := s.UserByID(ctx, f.gUser.ID)
	if err != nil || len(u.NotifyPrefs) != 0 || u.Pref(domain.NotifyRequest) != domain.PrefImmediately {
		t.Fatalf("a new user's prefs = %v, %v", u.NotifyPrefs, err)
	}
	u.NotifyPrefs = map[domain.NotifyKind]domain.NotifyPref{domain.NotifyRequest: domain.PrefOff, domain.NotifyDelivery: domain.PrefDigest}
	u.Version++
	if err := s.UpdateUser(ctx, u, u.Version-1, ev(f.auth, "user.notify-prefs", u.ID, t0)); err != nil {
		t.Fatal(err)
	}
	for _, get := range []func() (*domain.User, error){
		func() (*domain.User, error) { return s.UserByID(ctx, u.ID) },
		func() (*domain.User, error) { return s.UserByEmail(ctx, u.Email) },
		func() (*domain.User, error) {
			us, err := s.UsersOfOrganisation(ctx, f.group.ID)
			if err != nil || len(us) != 1 {
				return nil, err
			}
			return us[0], nil
		},
	} {
		got, err := get()
		if err != nil || got == nil || len(got.NotifyPrefs) != 2 || got.Pref(domain.NotifyRequest) != domain.PrefOff ||
			got.Pref(domain.NotifyDelivery) != domain.PrefDigest || got.Pref(domain.NotifyPledge) != domain.PrefImmediately {
			t.Fatalf("prefs read back = %+v, %v", got, err)
		}
	}
}

// testHeldMail: mail held for the weekly mail (a person chose "once a
// week") is never claimed by the mailer; HeldNotifications lists it, by
// user, once its time comes; AddNotification writes a notification once
// under its ID and keeps its parts; a held one is settled from held.
func testHeldMail(t *testing.T, s domain.Store) {
	ctx := context.Background()
	f := newFixture(t, s)
	r := f.request(t, s, "Paint for the hall", domain.ReqSubmitted, "E05015018", "goods")
	e := ev(f.auth, "request.publish", r.ID, t0)
	due, later, other := note(e, f.gUser, "Due"), note(e, f.gUser, "Later"), note(e, f.sUser, "Supplier's")
	due.Status, due.NextAt = domain.NoteHeld, t0.Add(time.Hour)
	later.Status, later.NextAt = domain.NoteHeld, t0.Add(7*24*time.Hour)
	other.Status, other.NextAt = domain.NoteHeld, t0.Add(30*time.Minute)
	pub := *r
	pub.Status, pub.Version = domain.ReqPublished, 2
	if err := s.UpdateRequest(ctx, &pub, 1, e); err != nil {
		t.Fatal(err)
	}
	if got, err := s.ClaimNotifications(ctx, "a", t0.Add(30*24*time.Hour), time.Minute, 10); err != nil || len(got) != 0 {
		t.Fatalf("the mailer claimed held mail: %d, %v", len(got), err)
	}
	if got, err := s.HeldNotifications(ctx, t0.Add(10*time.Minute)); err != nil || len(got) != 0 {
		t.Fatalf("held before its time = %d, %v", len(got), err)
	}
	got, err := s.HeldNotifications(ctx, t0.Add(2*time.Hour))
	byUser := []string{due.ID, other.ID}
	if f.sUser.ID < f.gUser.ID {
		byUser = []string{other.ID, due.ID}
	}
	if err != nil || len(got) != 2 || got[0].ID != byUser[0] || got[1].ID != byUser[1] || got[0].Status != domain.NoteHeld {
		t.Fatalf("held at 2h = %+v, %v; want %v (by user)", got, err, byUser)
	}

	// A notification of no change is written once under its ID.
	weekly := &domain.Notification{ID: domain.NewID(), AuthorityID: f.auth.ID, UserID: f.gUser.ID, To: f.gUser.Email, Kind: domain.NotifyWeekly,
		Subject: "Weekly", Text: "t", HTML: "<p>h</p>", Link: "https://example.org/email-settings", Status: domain.NotePending,
		NextAt: t0.Add(2 * time.Hour), CreatedAt: t0.Add(2 * time.Hour), Parts: []string{due.ID}}
	if got, added, err := s.AddNotification(ctx, weekly); err != nil || !added || got.ID != weekly.ID {
		t.Fatalf("AddNotification = %+v, %v, %v", got, added, err)
	}
	again := *weekly
	again.Subject, again.Parts = "Another", []string{later.ID, other.ID}
	stored, added, err := s.AddNotification(ctx, &again)
	if err != nil || added || stored.Subject != "Weekly" || len(stored.Parts) != 1 || stored.Parts[0] != due.ID || stored.EventID != "" {
		t.Fatalf("AddNotification again = %+v, %v, %v; want the first, unchanged", stored, added, err)
	}
	if ns := findNotes(t, s, f.auth.ID, domain.NotePending); len(ns) != 1 || ns[0].ID != weekly.ID || len(ns[0].Parts) != 1 {
		t.Fatalf("pending = %+v", ns)
	}
	if ns := findNotes(t, s, f.auth.ID, domain.NoteHeld); len(ns) != 3 || len(ns[0].Parts) != 0 {
		t.Fatalf("held = %+v", ns)
	}
	sent := t0.Add(2 * time.Hour)
	due.Status, due.SentAt = domain.NoteSent, &sent
	due.Attempts = append(due.Attempts, domain.MailAttempt{At: sent, Result: "in the weekly mail"})
	if err := s.SettleNotification(ctx, due, "", domain.NoteHeld); err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.SettleNotification(ctx, due, "", domain.NoteHeld), domain.ECONFLICT)
	if got, err := s.HeldNotifications(ctx, t0.Add(2*time.Hour)); err != nil || len(got) != 1 || got[0].ID != other.ID {
		t.Fatalf("held after one is sent = %+v, %v", got, err)
	}
}
