package mongo

import (
	"context"
	"testing"
	"time"

	"needmatch/domain"
)

func TestRecoverNotifications(t *testing.T) { eachBackend(t, testRecoverNotifications) }

// testRecoverNotifications: a writer killed after its commit point (the
// notification only in the pendingAudit) or after chaining (notification
// in, pendingAudit still set) leaves Recover to insert each notification
// exactly once; a change that never reached its commit point has none.
func testRecoverNotifications(t *testing.T, uri string) {
	ctx := context.Background()
	db, a, o := recoverSetup(t, uri)
	now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	withNote := func(title string) (*domain.Request, *domain.AuditEvent, *domain.Notification) {
		r := testRequest(a, o, title, now)
		ev := domain.NewAuditEvent(a.ID, "tester", "request.create", "request", r.ID, nil, r, now)
		n := &domain.Notification{ID: domain.NewID(), EventID: ev.ID, AuthorityID: a.ID, UserID: "u", To: "g@example.org", Kind: domain.NotifyRequest,
			Subject: title, Status: domain.NotePending, NextAt: now, CreatedAt: now}
		ev.Notify = []*domain.Notification{n}
		return r, ev, n
	}
	r1, ev1, n1 := withNote("Killed before chaining")
	if _, err := db.requests.InsertOne(ctx, requestFromDomain(r1, ev1)); err != nil {
		t.Fatal(err)
	}
	r2, ev2, n2 := withNote("Killed before unsetting")
	d2 := requestFromDomain(r2, ev2)
	if _, err := db.requests.InsertOne(ctx, d2); err != nil {
		t.Fatal(err)
	}
	if _, err := db.chain(ctx, d2.PendingAudit); err != nil {
		t.Fatal(err)
	}
	withNote("Never written") // built, never stored: nothing to send
	for range 2 {
		if err := db.Recover(ctx); err != nil {
			t.Fatal(err)
		}
	}
	got, _, err := db.FindNotifications(ctx, domain.NotificationFilter{AuthorityID: a.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("%d notifications after Recover, want 2", len(got))
	}
	ids := map[string]bool{got[0].ID: true, got[1].ID: true}
	if !ids[n1.ID] || !ids[n2.ID] {
		t.Fatalf("notifications %v, want %s and %s", ids, n1.ID, n2.ID)
	}
	// The audit collection holds the events without their notes.
	n, err := db.audit.CountDocuments(ctx, map[string]any{"notes": map[string]any{"$exists": true}})
	if err != nil || n != 0 {
		t.Fatalf("%d audit documents carry notes (%v)", n, err)
	}
}
