package sqlite

import (
	"context"
	"errors"
	"testing"
	"time"

	"needmatch/domain"
	"needmatch/store/storetest"
)

// TestRequestGeneration: a committed write notes the request it changed
// (directly or through a pledge); a write rolled back notes nothing; if the
// writer's note table is lost, every request counts as changed.
func TestRequestGeneration(t *testing.T) {
	ctx := context.Background()
	db, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	a := storetest.MustAuthority(t, db, "stockport")
	now := time.Now().UTC()
	mk := func() *domain.Request {
		r := &domain.Request{ID: domain.NewID(), AuthorityID: a.ID, Authority: a.Slug, OrganisationID: domain.NewID(), Title: "Coats", Description: "Coats",
			Kind: "goods", Area: "E05015018", Quantity: 1, Unit: "coat", ValuePence: 100, Deadline: now.AddDate(0, 1, 0), Status: domain.ReqPublished, Version: 1, CreatedAt: now, UpdatedAt: now}
		if err := db.CreateRequest(ctx, r, domain.NewAuditEvent(a.ID, "t", "request.create", "t", r.ID, nil, nil, now)); err != nil {
			t.Fatal(err)
		}
		return r
	}
	r1, r2 := mk(), mk()
	if g := db.RequestGeneration(r1.ID); g == 0 || g >= db.RequestGeneration(r2.ID) {
		t.Fatalf("after two creations: r1 at %d, r2 at %d", g, db.RequestGeneration(r2.ID))
	}
	g1, g2 := db.RequestGeneration(r1.ID), db.RequestGeneration(r2.ID)
	p := &domain.Pledge{ID: domain.NewID(), AuthorityID: a.ID, Authority: a.Slug, RequestID: r1.ID, RequestOrgID: r1.OrganisationID, OrganisationID: domain.NewID(),
		Offer: "Coat", Quantity: 1, Unit: "coat", ValuePence: 100, Status: domain.PledgeOffered, Version: 1, CreatedAt: now, UpdatedAt: now}
	if err := db.CreatePledge(ctx, p, domain.NewAuditEvent(a.ID, "t", "pledge.create", "t", p.ID, nil, nil, now)); err != nil {
		t.Fatal(err)
	}
	if db.RequestGeneration(r1.ID) != db.Generation() || db.RequestGeneration(r2.ID) != g2 || db.RequestGeneration(r1.ID) <= g1 {
		t.Fatalf("after a pledge on r1: r1 %d (was %d), r2 %d (was %d), generation %d", db.RequestGeneration(r1.ID), g1, db.RequestGeneration(r2.ID), g2, db.Generation())
	}
	g1 = db.RequestGeneration(r1.ID)
	boom := errors.New("refused")
	err = db.tx(ctx, func(tx *wtx) error {
		if _, err := tx.Exec(`UPDATE requests SET title = 'x' WHERE id = ?`, r2.ID); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) || db.RequestGeneration(r2.ID) != g2 {
		t.Fatalf("a rolled back change: err %v, r2 %d (was %d)", err, db.RequestGeneration(r2.ID), g2)
	}
	if err := db.tx(ctx, func(tx *wtx) error {
		_, err := tx.Exec(`DROP TABLE temp.touched_requests`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if db.RequestGeneration(r2.ID) != db.Generation() || db.RequestGeneration(r1.ID) != db.Generation() {
		t.Fatalf("with the note table lost: r1 %d, r2 %d, generation %d", db.RequestGeneration(r1.ID), db.RequestGeneration(r2.ID), db.Generation())
	}
	mk() // the table is made again: later writes are noted one by one
	if g := db.RequestGeneration(r1.ID); g != db.Generation()-1 {
		t.Fatalf("r1 after a later write elsewhere: %d, want %d", g, db.Generation()-1)
	}
}
