package sqlite

import (
	"context"
	"errors"
	"testing"
	"time"

	"needmatch/domain"
	"needmatch/store/storetest"
)

// touchedStore opens a store with one authority, and mk, which publishes
// a request of it.
func touchedStore(t *testing.T) (db *DB, a *domain.Authority, mk func() *domain.Request) {
	t.Helper()
	db, err := Open(emptyDir(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	a = storetest.MustAuthority(t, db, "stockport")
	return db, a, func() *domain.Request {
		now := time.Now().UTC()
		r := &domain.Request{ID: domain.NewID(), AuthorityID: a.ID, Authority: a.Slug, OrganisationID: domain.NewID(), Title: "Coats", Description: "Coats",
			Kind: "goods", Area: "E05015018", Quantity: 1, Unit: "coat", ValuePence: 100, Deadline: now.AddDate(0, 1, 0), Status: domain.ReqPublished, Version: 1, CreatedAt: now, UpdatedAt: now}
		if err := db.CreateRequest(context.Background(), r, domain.NewAuditEvent(a.ID, "t", "request.create", "t", r.ID, nil, nil, now)); err != nil {
			t.Fatal(err)
		}
		return r
	}
}

// TestRequestGeneration: a committed write notes the request it changed
// (directly or through a pledge); a write rolled back notes nothing; if the
// writer's note table is lost, every request counts as changed.
func TestRequestGeneration(t *testing.T) {
	ctx := context.Background()
	db, a, mk := touchedStore(t)
	now := time.Now().UTC()
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
	err := db.tx(ctx, func(tx *wtx) error {
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

// TestListSumsStayCurrent: a list's pledged and approved totals, partly
// kept between reads (see sumsCache), follow every committed change of a
// request's pledges at once: a new pledge, an approval, a withdrawal, and
// a write made while the record of changed requests was lost.
func TestListSumsStayCurrent(t *testing.T) {
	ctx := context.Background()
	db, a, mk := touchedStore(t)
	now := time.Now().UTC()
	var ids []string
	for range 3 {
		ids = append(ids, mk().ID)
	}
	// sums lists the totals of the three requests, oldest first, as a list
	// and as single reads give them.
	sums := func() [][2]int64 {
		t.Helper()
		rs, _, err := db.FindRequests(ctx, domain.RequestFilter{AuthorityID: a.ID})
		if err != nil || len(rs) != 3 {
			t.Fatalf("FindRequests: %d, %v", len(rs), err)
		}
		out := make([][2]int64, 3)
		for i, r := range rs {
			one, err := db.RequestByID(ctx, r.ID)
			if err != nil || one.PledgedPence != r.PledgedPence || one.ApprovedPence != r.ApprovedPence {
				t.Fatalf("RequestByID %s: %+v, %v; the list says %d, %d", r.ID, one, err, r.PledgedPence, r.ApprovedPence)
			}
			out[2-i] = [2]int64{r.PledgedPence, r.ApprovedPence}
		}
		return out
	}
	want := func(step string, w ...[2]int64) {
		t.Helper()
		if got := sums(); got[0] != w[0] || got[1] != w[1] || got[2] != w[2] {
			t.Fatalf("%s: sums %v, want %v", step, got, w)
		}
	}
	want("no pledges", [2]int64{}, [2]int64{}, [2]int64{})
	p := &domain.Pledge{ID: domain.NewID(), AuthorityID: a.ID, Authority: a.Slug, RequestID: ids[1], RequestOrgID: "org", OrganisationID: domain.NewID(),
		Offer: "Coat", Quantity: 1, Unit: "coat", ValuePence: 300, Status: domain.PledgeOffered, Version: 1, CreatedAt: now, UpdatedAt: now}
	if err := db.CreatePledge(ctx, p, nil); err != nil {
		t.Fatal(err)
	}
	want("a pledge on the second", [2]int64{}, [2]int64{300, 0}, [2]int64{})
	p.Status, p.ApprovedPence, p.Version = domain.PledgeApproved, 200, 2
	if err := db.UpdatePledge(ctx, p, 1, nil); err != nil {
		t.Fatal(err)
	}
	want("its approval", [2]int64{}, [2]int64{300, 200}, [2]int64{})
	p.Status, p.Version = domain.PledgeWithdrawn, 3
	if err := db.UpdatePledge(ctx, p, 2, nil); err != nil {
		t.Fatal(err)
	}
	want("its withdrawal", [2]int64{}, [2]int64{}, [2]int64{})
	// A pledge whose note is lost with the record of changed requests
	// shows all the same.
	if err := db.tx(ctx, func(tx *wtx) error {
		if _, err := tx.Exec(`INSERT INTO pledges (id, authority_id, authority_slug, request_id, request_title, request_org_id, organisation_id, organisation_name, offer,
			quantity, unit, value_pence, allow_partial, approved_pence, status, reason, decided_by, area, contract_id, bid_id, measure_code, theme,
			catalogue_version, proxy_pence, due_date, version, created_at, updated_at, override_json, release_json)
			SELECT ?, authority_id, authority_slug, ?, request_title, request_org_id, organisation_id, organisation_name, offer,
			quantity, unit, 700, allow_partial, 0, 'offered', reason, decided_by, area, contract_id, bid_id, measure_code, theme,
			catalogue_version, proxy_pence, due_date, 1, created_at, updated_at, override_json, release_json FROM pledges WHERE id = ?`, domain.NewID(), ids[2], p.ID); err != nil {
			return err
		}
		_, err := tx.Exec(`DROP TABLE temp.touched_requests`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	want("a pledge written while changes went unrecorded", [2]int64{}, [2]int64{}, [2]int64{700, 0})
}

// TestRequestsGeneration: RequestsGeneration follows the writes that change
// a request, a pledge or a council, not the others (a lease, as the background jobs
// take every few seconds), and every write while the note table is lost.
func TestRequestsGeneration(t *testing.T) {
	ctx := context.Background()
	db, _, mk := touchedStore(t)
	r := mk()
	if g := db.RequestsGeneration(); g == 0 || g != db.Generation() || g != db.RequestGeneration(r.ID) {
		t.Fatalf("after a request: RequestsGeneration %d, Generation %d", g, db.Generation())
	}
	before := db.RequestsGeneration()
	if _, err := db.AcquireLease(ctx, "job", "holder", time.Minute); err != nil {
		t.Fatal(err)
	}
	if db.Generation() <= before || db.RequestsGeneration() != before {
		t.Fatalf("after a lease: Generation %d, RequestsGeneration %d; want above %d, and %d", db.Generation(), db.RequestsGeneration(), before, before)
	}
	mk()
	if db.RequestsGeneration() != db.Generation() {
		t.Fatalf("after another request: RequestsGeneration %d, Generation %d", db.RequestsGeneration(), db.Generation())
	}
	// A new council may be the default one a list that names none shows.
	if _, err := db.AcquireLease(ctx, "job", "holder", time.Minute); err != nil {
		t.Fatal(err)
	}
	storetest.MustAuthority(t, db, "bolton")
	if db.RequestsGeneration() != db.Generation() {
		t.Fatalf("after a new council: RequestsGeneration %d, Generation %d", db.RequestsGeneration(), db.Generation())
	}
	if err := db.tx(ctx, func(tx *wtx) error {
		_, err := tx.Exec(`DROP TABLE temp.touched_requests`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if db.RequestsGeneration() != db.Generation() {
		t.Fatalf("with the note table lost: RequestsGeneration %d, Generation %d", db.RequestsGeneration(), db.Generation())
	}
}
