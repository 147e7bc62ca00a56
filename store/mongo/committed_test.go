package mongo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"needmatch/domain"
	"needmatch/store/storetest"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// auditInsert is how an insert into the audit collection starts on the
// wire: the command's first element, insert: "audit".
var auditInsert = wireCommand("insert", "audit")

// wireCommand is the first element of command cmd on collection coll as
// BSON puts it on the wire: a string element named cmd holding coll.
func wireCommand(cmd, coll string) []byte {
	n := len(coll) + 1
	b := append([]byte{0x02}, cmd...)
	b = append(b, 0, byte(n), byte(n>>8), byte(n>>16), byte(n>>24))
	return append(append(b, coll...), 0)
}

// faultDialer cuts the connection under every command that contains match
// while fail is above zero (counting down; below zero: for ever): a
// network failure between the server and this process, as in an election.
type faultDialer struct {
	match []byte
	fail  atomic.Int64
	cut   atomic.Int64
}

func (f *faultDialer) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	c, err := (&net.Dialer{}).DialContext(ctx, network, address)
	if err != nil {
		return nil, err
	}
	return &faultConn{Conn: c, f: f}, nil
}

type faultConn struct {
	net.Conn
	f *faultDialer
}

func (c *faultConn) Write(b []byte) (int, error) {
	if bytes.Contains(b, c.f.match) {
		n := c.f.fail.Load()
		if n < 0 || (n > 0 && c.f.fail.CompareAndSwap(n, n-1)) {
			c.f.cut.Add(1)
			c.Conn.Close()
			return 0, errors.New("fault: connection cut under a matching command")
		}
	}
	return c.Conn.Write(b)
}

// openFaulty opens a store on a fresh database of uri whose connections go
// through d.
func openFaulty(t *testing.T, uri string, d *faultDialer) *DB {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	name := fmt.Sprintf("nmfault_%d_%d", os.Getpid(), dbSeq.Add(1))
	db, err := open(ctx, options.Client().ApplyURI(uri).SetDialer(d), name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = db.db.Drop(context.Background())
		db.Close()
	})
	return db
}

func TestCommittedNotReportedFailed(t *testing.T) { eachBackend(t, testCommittedNotReportedFailed) }

// testCommittedNotReportedFailed cuts the connection while the event of a
// written request is chained. The request is committed, so the create must
// succeed (else the API answers 503, releases the Idempotency-Key and the
// client's retry makes a second request): a short fault is retried in the
// request; a long one is left to the recovery sweep.
func testCommittedNotReportedFailed(t *testing.T, uri string) {
	ctx := context.Background()
	d := &faultDialer{match: auditInsert}
	db := openFaulty(t, uri, d)
	a := storetest.MustAuthority(t, db, "stockport")
	o := &domain.Organisation{ID: domain.NewID(), AuthorityID: a.ID, Authority: a.Slug, Kind: domain.KindGroup, Name: "Group", Status: domain.OrgApproved, Version: 1}
	now := time.Now().UTC()

	countTitle := func(title string) int64 {
		n, err := db.requests.CountDocuments(ctx, bson.D{{Key: "title", Value: title}})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}

	// A short fault: three cut connections, then the audit insert goes through.
	d.fail.Store(3)
	r := testRequest(a, o, "Short fault", now)
	ev := domain.NewAuditEvent(a.ID, "tester", "request.create", "request", r.ID, nil, r, now)
	if err := db.CreateRequest(ctx, r, ev); err != nil {
		t.Fatalf("CreateRequest with the audit insert cut 3 times = %v, want success: the request is committed", err)
	}
	if d.cut.Load() < 2 {
		t.Fatalf("connections cut = %d, want the fault to have struck", d.cut.Load())
	}
	if ev.Seq == 0 {
		t.Fatalf("event not chained in the request after a short fault")
	}
	if n := countTitle(r.Title); n != 1 {
		t.Fatalf("requests %q = %d, want 1", r.Title, n)
	}

	// A long fault: every audit insert fails past the retry budget. The
	// create still succeeds and its event waits on the document.
	old := commitRetryBudget
	commitRetryBudget = 300 * time.Millisecond
	t.Cleanup(func() { commitRetryBudget = old })
	d.fail.Store(-1)
	r2 := testRequest(a, o, "Long fault", now)
	ev2 := domain.NewAuditEvent(a.ID, "tester", "request.create", "request", r2.ID, nil, r2, now)
	if err := db.CreateRequest(ctx, r2, ev2); err != nil {
		t.Fatalf("CreateRequest with the audit insert failing throughout = %v, want success", err)
	}
	d.fail.Store(0)
	if n := pendingLeft(t, db); n != 1 {
		t.Fatalf("documents waiting for their event = %d, want 1", n)
	}
	if err := db.Recover(ctx); err != nil {
		t.Fatal(err)
	}
	evs := chainOf(t, db, a)
	if countEvent(evs, ev2.ID) != 1 || countEvent(evs, ev.ID) != 1 {
		t.Fatalf("events after the sweep: short %d, long %d, want 1 each", countEvent(evs, ev.ID), countEvent(evs, ev2.ID))
	}
	if n := countTitle(r2.Title); n != 1 {
		t.Fatalf("requests %q = %d, want 1", r2.Title, n)
	}
}

func TestRecoverPendingSweepsOldOnly(t *testing.T) { eachBackend(t, testRecoverPendingSweepsOldOnly) }

// testRecoverPendingSweepsOldOnly: the recovery sweep finishes a change
// left half done a minute ago (its writer was killed), and leaves one
// begun just now (its writer may still be finishing it).
func testRecoverPendingSweepsOldOnly(t *testing.T, uri string) {
	ctx := context.Background()
	db, a, o := recoverSetup(t, uri)
	now, err := db.serverNow(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var evs []*domain.AuditEvent
	for _, at := range []time.Time{now.Add(-time.Minute), now} {
		r := testRequest(a, o, "Left at "+at.Format(time.RFC3339Nano), at)
		ev := domain.NewAuditEvent(a.ID, "tester", "request.create", "request", r.ID, nil, r, at)
		if _, err := db.requests.InsertOne(ctx, requestFromDomain(r, ev)); err != nil {
			t.Fatal(err)
		}
		evs = append(evs, ev)
	}
	n, err := db.RecoverPending(ctx, domain.PendingAge)
	if err != nil || n != 1 {
		t.Fatalf("RecoverPending = %d, %v; want 1 finished", n, err)
	}
	chained := chainOf(t, db, a)
	if countEvent(chained, evs[0].ID) != 1 || countEvent(chained, evs[1].ID) != 0 {
		t.Fatalf("chained: old %d, new %d; want 1 and 0", countEvent(chained, evs[0].ID), countEvent(chained, evs[1].ID))
	}
	if left := pendingLeft(t, db); left != 1 {
		t.Fatalf("pending after the sweep = %d, want 1 (the new one)", left)
	}
	if n, err := db.RecoverPending(ctx, 0); err != nil || n != 1 {
		t.Fatalf("RecoverPending(0) = %d, %v; want the new one", n, err)
	}
}

func TestKeyAnsweredThroughRecovery(t *testing.T) { eachBackend(t, testKeyAnsweredThroughRecovery) }

// testKeyAnsweredThroughRecovery: a create made under an Idempotency-Key
// whose process stops chaining right after the commit point (every audit
// insert cut past the retry budget, as a kill there) leaves the key
// claimed; the recovery sweep that finishes the change answers the key
// from the pending event, so the retry gets the created object and no
// second one is made. Each kind of commit write: an insert carrying its
// event (a request), the changes that write their own commit (an
// invitation, a council, an evidence upload) and a ledger intent (a
// delivery report, committed on its pledge).
func testKeyAnsweredThroughRecovery(t *testing.T, uri string) {
	ctx := context.Background()
	d := &faultDialer{match: auditInsert}
	db := openFaulty(t, uri, d)
	a := storetest.MustAuthority(t, db, "stockport")
	o := &domain.Organisation{ID: domain.NewID(), AuthorityID: a.ID, Authority: a.Slug, Kind: domain.KindGroup, Name: "Group", Status: domain.OrgApproved, Version: 1}
	now := time.Now().UTC()
	old := commitRetryBudget
	commitRetryBudget = 300 * time.Millisecond
	t.Cleanup(func() { commitRetryBudget = old })
	created := func(action, typ, id string, after any) *domain.AuditEvent {
		return domain.NewAuditEvent(a.ID, "tester", action, typ, id, nil, after, now)
	}

	r := testRequest(a, o, "Keyed, cut after commit", now)
	u := &domain.User{ID: domain.NewID(), AuthorityID: a.ID, Authority: a.Slug, Email: "invited@example.org", Name: "Invited", Role: domain.RoleAdmin, Version: 1, CreatedAt: now, UpdatedAt: now}
	c := &domain.Authority{ID: domain.NewID(), Slug: "keyed", Name: "Keyed council", Areas: []domain.Area{}, Thresholds: domain.DefaultThresholds, Version: 1}
	e := &domain.Evidence{ID: domain.NewID(), AuthorityID: a.ID, OrganisationID: o.ID, FileName: "keyed.txt", ContentType: "text/plain", Size: 5, SHA256: "keyed", CreatedAt: now}
	p := &domain.Pledge{ID: domain.NewID(), AuthorityID: a.ID, Authority: a.Slug, RequestID: r.ID, RequestTitle: r.Title, RequestOrgID: o.ID, OrganisationID: "supplier",
		OrganisationName: "Supplier", Offer: "Help", Quantity: 4, Unit: "hours", ValuePence: 1000, ApprovedPence: 1000, Status: domain.PledgeApproved, Version: 1, CreatedAt: now, UpdatedAt: now}
	if err := db.CreatePledge(ctx, p, created("pledge.create", "pledge", p.ID, p)); err != nil {
		t.Fatal(err)
	}
	dl := &domain.Delivery{ID: domain.NewID(), AuthorityID: a.ID, PledgeID: p.ID, RequestID: r.ID, RequestOrgID: o.ID, OrganisationID: p.OrganisationID, Unit: p.Unit,
		Quantity: 4, ValuePence: 1000, Date: now, EvidenceIDs: []string{}, EvidenceHashes: []string{}, Status: domain.DeliveryReported, Version: 1, CreatedAt: now, UpdatedAt: now}
	pledgePrev := p.Version
	p.Settle([]*domain.Delivery{dl}, now)

	count := func(coll, id string) int64 {
		n, err := db.db.Collection(coll).CountDocuments(ctx, bson.D{{Key: "_id", Value: id}})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	for _, tc := range []struct {
		name, coll, id string
		change         func(context.Context) error
	}{
		{"request", "requests", r.ID, func(ctx context.Context) error {
			return db.CreateRequest(ctx, r, created("request.create", "request", r.ID, r))
		}},
		{"invitation", "users", u.ID, func(ctx context.Context) error { return db.CreateUser(ctx, u, created("user.invite", "user", u.ID, u)) }},
		{"council", "authorities", c.ID, func(ctx context.Context) error {
			return db.CreateAuthority(ctx, c, domain.NewAuditEvent(c.ID, "tester", "authority.create", "authority", c.ID, nil, c, now))
		}},
		{"evidence", "evidence", e.ID, func(ctx context.Context) error {
			return db.CreateEvidence(ctx, e, []byte("keyed"), created("evidence.upload", "evidence", e.ID, e))
		}},
		{"delivery", "deliveries", dl.ID, func(ctx context.Context) error {
			return db.CreateDelivery(ctx, dl, p, pledgePrev, []*domain.AuditEvent{created("delivery.report", "delivery", dl.ID, dl), created("pledge.settle", "pledge", p.ID, p)})
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			claim := &domain.IdempotencyRecord{UserID: "u1", Key: "after-commit-" + tc.name, Fingerprint: "fp", CreatedAt: now}
			if _, err := db.ClaimIdempotency(ctx, claim); err != nil {
				t.Fatal(err)
			}
			d.fail.Store(-1)
			err := tc.change(domain.WithIdempotency(ctx, claim))
			d.fail.Store(0)
			if err != nil {
				t.Fatalf("create = %v, want success: committed", err)
			}
			retry := &domain.IdempotencyRecord{UserID: "u1", Key: claim.Key, Fingerprint: "fp", CreatedAt: now}
			if prev, err := db.ClaimIdempotency(ctx, retry); domain.ErrorCode(err) != domain.ECONFLICT || prev == nil || prev.Done {
				t.Fatalf("retry before the sweep = %+v, %v; want the claim still running (409)", prev, err)
			}
			if err := db.Recover(ctx); err != nil {
				t.Fatal(err)
			}
			prev, err := db.ClaimIdempotency(ctx, retry)
			if domain.ErrorCode(err) != domain.ECONFLICT || prev == nil || !prev.Done || prev.Status != 201 || !bytes.Contains(prev.Body, []byte(`"id":"`+tc.id+`"`)) {
				t.Fatalf("retry after the sweep = %+v, %v; want %s %s answered 201", prev, err, tc.name, tc.id)
			}
			if n := count(tc.coll, tc.id); n != 1 {
				t.Fatalf("%s %s: %d, want 1", tc.coll, tc.id, n)
			}
		})
	}
}
