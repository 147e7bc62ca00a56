package storetest

import (
	"context"
	"testing"
	"time"

	"needmatch/domain"
)

// testRetryMail: an uncertain mail is put back in the outbox once, with
// its event, and claimed again under its own id; a mail in another status
// is not touched.
func testRetryMail(t *testing.T, s domain.Store) {
	ctx := context.Background()
	f := newFixture(t, s)
	r := f.request(t, s, "Paint for the hall", domain.ReqSubmitted, "E05015018", "goods")
	e1 := ev(f.auth, "request.publish", r.ID, t0)
	n1 := note(e1, f.gUser, "Published")
	pub := *r
	pub.Status, pub.Version = domain.ReqPublished, 2
	if err := s.UpdateRequest(ctx, &pub, 1, e1); err != nil {
		t.Fatal(err)
	}
	_, err := s.NotificationByID(ctx, domain.NewID())
	wantCode(t, err, domain.ENOTFOUND)
	got, err := s.NotificationByID(ctx, n1.ID)
	if err != nil || got.ID != n1.ID || got.Status != domain.NotePending || got.AuthorityID != f.auth.ID || got.Subject != "Published" {
		t.Fatalf("NotificationByID = %+v, %v", got, err)
	}
	// Not uncertain: refused, unchanged.
	pending := *got
	pending.Status = domain.NoteSent
	wantCode(t, s.RetryNotification(ctx, &pending, domain.NoteUncertain, ev(f.auth, "notification.retry", n1.ID, t0)), domain.ECONFLICT)

	// Claimed, handed over, and the sender stops: uncertain.
	now := t0.Add(time.Minute)
	cl, err := s.ClaimNotifications(ctx, "a", now, claimLease, 10)
	if err != nil || len(cl) != 1 {
		t.Fatalf("claim = %+v, %v", cl, err)
	}
	cl[0].Status = domain.NoteHandover
	if err := s.SettleNotification(ctx, cl[0], "a", domain.NoteSending); err != nil {
		t.Fatal(err)
	}
	outlive()
	later := now.Add(5 * time.Minute)
	if _, err := s.ClaimNotifications(ctx, "b", later, time.Minute, 10); err != nil {
		t.Fatal(err)
	}
	unc, err := s.NotificationByID(ctx, n1.ID)
	if err != nil || unc.Status != domain.NoteUncertain || len(unc.Attempts) != 2 {
		t.Fatalf("uncertain = %+v, %v", unc, err)
	}

	retry := *unc
	retry.Status, retry.Owner, retry.NextAt = domain.NotePending, "", later
	retry.Attempts = append(append([]domain.MailAttempt{}, unc.Attempts...), domain.MailAttempt{At: later, Result: domain.RetriedResult})
	e2 := ev(f.auth, "notification.retry", n1.ID, later)
	if err := s.RetryNotification(ctx, &retry, domain.NoteUncertain, e2); err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.RetryNotification(ctx, &retry, domain.NoteUncertain, ev(f.auth, "notification.retry", n1.ID, later)), domain.ECONFLICT)
	evs, err := s.FindAudit(ctx, domain.AuditFilter{AuthorityID: f.auth.ID, Object: n1.ID})
	if err != nil || len(evs) != 1 || evs[0].ID != e2.ID || evs[0].Action != "notification.retry" {
		t.Fatalf("audit of the retry = %+v, %v", evs, err)
	}
	again, err := s.ClaimNotifications(ctx, "c", later, time.Minute, 10)
	if err != nil || len(again) != 1 || again[0].ID != n1.ID || len(again[0].Attempts) != 4 || again[0].Attempts[2].Result != domain.RetriedResult {
		t.Fatalf("claim after the retry = %+v, %v", again, err)
	}
}
