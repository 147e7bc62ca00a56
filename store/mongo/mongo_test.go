package mongo

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"needmatch/domain"
	"needmatch/internal/ferret"
	"needmatch/store/storetest"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// ferretURI is the URI of the FerretDB started by TestMain for this test binary.
var ferretURI string

// ferretSkip says why the concurrency cases do not run on FerretDB.
const ferretSkip = "FerretDB v1 updates are not atomic: concurrent compare-and-set loses updates"

func TestMain(m *testing.M) {
	code, err := runWithFerretDB(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, "ferretdb:", err)
		os.Exit(1)
	}
	os.Exit(code)
}

// runWithFerretDB starts FerretDB for the duration of the tests.
func runWithFerretDB(m *testing.M) (int, error) {
	uri, stop, err := ferret.Start()
	if err != nil {
		return 0, err
	}
	defer stop()
	ferretURI = uri
	return m.Run(), nil
}

var dbSeq atomic.Int64

// openTest opens the store on a fresh database of uri, dropped at test end.
func openTest(tb testing.TB, uri string) *DB {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	name := fmt.Sprintf("nmtest_%d_%d", os.Getpid(), dbSeq.Add(1))
	db, err := Open(ctx, uri, name)
	if err != nil {
		tb.Fatalf("Open(%s): %v", name, err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := db.db.Drop(ctx); err != nil {
			tb.Errorf("drop %s: %v", name, err)
		}
		db.Close()
	})
	return db
}

func TestConformanceFerretDB(t *testing.T) {
	storetest.Run(t, storetest.Harness{
		New:             func(t *testing.T) domain.Store { return openTest(t, ferretURI) },
		SkipConcurrency: ferretSkip,
	})
}

func TestLedgerConformanceFerretDB(t *testing.T) {
	storetest.RunLedger(t, storetest.Harness{
		New:             func(t *testing.T) domain.Store { return openTest(t, ferretURI) },
		SkipConcurrency: ferretSkip,
		// FerretDB scans a collection for every query: fewer random records.
		RandomPledges: 20, RandomSeeds: 2,
	})
}

func TestLedgerConformanceMongoDB(t *testing.T) {
	uri := os.Getenv("MONGODB_TEST_URI")
	if uri == "" {
		t.Skip("MONGODB_TEST_URI is not set: no real MongoDB to test against")
	}
	storetest.RunLedger(t, storetest.Harness{New: func(t *testing.T) domain.Store { return openTest(t, uri) }})
}

func TestConformanceMongoDB(t *testing.T) {
	uri := os.Getenv("MONGODB_TEST_URI")
	if uri == "" {
		t.Skip("MONGODB_TEST_URI is not set: no real MongoDB to test against")
	}
	storetest.Run(t, storetest.Harness{New: func(t *testing.T) domain.Store { return openTest(t, uri) }})
}

// eachBackend runs fn on the embedded FerretDB, and on a real MongoDB when
// MONGODB_TEST_URI is set.
func eachBackend(t *testing.T, fn func(t *testing.T, uri string)) {
	t.Run("FerretDB", func(t *testing.T) { fn(t, ferretURI) })
	if uri := os.Getenv("MONGODB_TEST_URI"); uri != "" {
		t.Run("MongoDB", func(t *testing.T) { fn(t, uri) })
	}
}

func TestRecover(t *testing.T)                      { eachBackend(t, testRecover) }
func TestUpdateFlushesPending(t *testing.T)         { eachBackend(t, testUpdateFlushesPending) }
func TestTranslateNotFoundAndConflict(t *testing.T) { eachBackend(t, testTranslateNotFoundAndConflict) }
func TestUpdateUserEmailTaken(t *testing.T)         { eachBackend(t, testUpdateUserEmailTaken) }
func TestUpdateAuthority(t *testing.T)              { eachBackend(t, testUpdateAuthority) }
func TestAllocation(t *testing.T)                   { eachBackend(t, testAllocation) }
func TestIdempotency(t *testing.T)                  { eachBackend(t, testIdempotency) }
func TestChainManyWriters(t *testing.T)             { eachBackend(t, testChainManyWriters) }
func TestReopen(t *testing.T)                       { eachBackend(t, testReopen) }

// recoverSetup is a store with an authority and a registration done the
// normal way (two chained events).
func recoverSetup(t *testing.T, uri string) (*DB, *domain.Authority, *domain.Organisation) {
	t.Helper()
	db := openTest(t, uri)
	a := storetest.MustAuthority(t, db, "stockport")
	now := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	o := &domain.Organisation{ID: domain.NewID(), AuthorityID: a.ID, Authority: a.Slug, Kind: domain.KindGroup, Name: "Group", Status: domain.OrgApproved, Version: 1, CreatedAt: now, UpdatedAt: now}
	u := &domain.User{ID: domain.NewID(), AuthorityID: a.ID, Authority: a.Slug, OrganisationID: o.ID, Email: "g@example.org", Name: "G", Role: domain.RoleGroup, Version: 1, CreatedAt: now, UpdatedAt: now}
	if err := db.Register(context.Background(), o, u, []*domain.AuditEvent{
		domain.NewAuditEvent(a.ID, u.ID, "organisation.register", "organisation", o.ID, nil, o, now),
		domain.NewAuditEvent(a.ID, u.ID, "user.register", "user", u.ID, nil, u, now),
	}); err != nil {
		t.Fatal(err)
	}
	return db, a, o
}

func testRequest(a *domain.Authority, o *domain.Organisation, title string, now time.Time) *domain.Request {
	return &domain.Request{ID: domain.NewID(), AuthorityID: a.ID, Authority: a.Slug, OrganisationID: o.ID, OrganisationName: o.Name,
		Title: title, Description: "About " + title, Kind: "goods", Area: a.Areas[0].Code, Quantity: 1, Unit: "box", ValuePence: 1000,
		Deadline: now.AddDate(0, 1, 0), Status: domain.ReqDraft, Version: 1, CreatedAt: now, UpdatedAt: now}
}

// chainOf returns the authority's events, checking the chain verifies and
// that no event id appears twice.
func chainOf(t *testing.T, db *DB, a *domain.Authority) []*domain.AuditEvent {
	t.Helper()
	evs, err := db.FindAudit(context.Background(), domain.AuditFilter{AuthorityID: a.ID})
	if err != nil {
		t.Fatal(err)
	}
	if b := domain.VerifyChain(a.ID, evs); b != nil {
		t.Fatalf("chain broken: %+v", b)
	}
	seen := map[string]bool{}
	for _, e := range evs {
		if seen[e.ID] {
			t.Fatalf("event %s is in the chain twice", e.ID)
		}
		seen[e.ID] = true
	}
	return evs
}

func countEvent(evs []*domain.AuditEvent, id string) int {
	n := 0
	for _, e := range evs {
		if e.ID == id {
			n++
		}
	}
	return n
}

func pendingLeft(t *testing.T, db *DB) int64 {
	t.Helper()
	var total int64
	for _, c := range []string{"users", "organisations", "requests", "pledges"} {
		n, err := db.db.Collection(c).CountDocuments(context.Background(), bson.D{{Key: "$or", Value: bson.A{
			bson.D{{Key: "pendingAudit", Value: bson.D{{Key: "$exists", Value: true}}}},
			bson.D{{Key: "pendingOrg", Value: bson.D{{Key: "$exists", Value: true}}}},
		}}})
		if err != nil {
			t.Fatal(err)
		}
		total += n
	}
	return total
}

// testRecover simulates writers killed between the outbox steps and checks
// that Recover completes each change with its event exactly once.
func testRecover(t *testing.T, uri string) {
	ctx := context.Background()
	db, a, o := recoverSetup(t, uri)
	now := time.Date(2026, 11, 2, 9, 0, 0, 123_000_000, time.UTC)

	// 1. Killed after the document write, before the event was chained.
	r1 := testRequest(a, o, "Crashed before chaining", now)
	ev1 := domain.NewAuditEvent(a.ID, "tester", "request.create", "request", r1.ID, nil, r1, now)
	if _, err := db.requests.InsertOne(ctx, requestFromDomain(r1, ev1)); err != nil {
		t.Fatal(err)
	}

	// 2. Killed after chaining, before pendingAudit was unset.
	r2 := testRequest(a, o, "Crashed before unsetting", now)
	ev2 := domain.NewAuditEvent(a.ID, "tester", "request.create", "request", r2.ID, nil, r2, now)
	d2 := requestFromDomain(r2, ev2)
	if _, err := db.requests.InsertOne(ctx, d2); err != nil {
		t.Fatal(err)
	}
	if _, err := db.chain(ctx, d2.PendingAudit); err != nil {
		t.Fatal(err)
	}

	// 3. A registration killed after the user, before the organisation.
	o3 := &domain.Organisation{ID: domain.NewID(), AuthorityID: a.ID, Authority: a.Slug, Kind: domain.KindSupplier, Name: "Supplier", Status: domain.OrgPending, Version: 1, CreatedAt: now, UpdatedAt: now}
	u3 := &domain.User{ID: domain.NewID(), AuthorityID: a.ID, Authority: a.Slug, OrganisationID: o3.ID, Email: "s@example.org", Name: "S", Role: domain.RoleSupplier, Version: 1, CreatedAt: now, UpdatedAt: now}
	ev3o := domain.NewAuditEvent(a.ID, u3.ID, "organisation.register", "organisation", o3.ID, nil, o3, now)
	ev3u := domain.NewAuditEvent(a.ID, u3.ID, "user.register", "user", u3.ID, nil, u3, now)
	ud := userFromDomain(u3, ev3u)
	ud.PendingOrg = organisationFromDomain(o3, ev3o)
	if _, err := db.users.InsertOne(ctx, ud); err != nil {
		t.Fatal(err)
	}

	if n := pendingLeft(t, db); n != 3 {
		t.Fatalf("documents with unfinished changes before Recover = %d, want 3", n)
	}
	for i := 0; i < 2; i++ { // a second run finds nothing to do
		if err := db.Recover(ctx); err != nil {
			t.Fatalf("Recover (run %d): %v", i+1, err)
		}
	}
	evs := chainOf(t, db, a)
	if len(evs) != 2+4 {
		t.Fatalf("events = %d, want 6 (register 2, two requests, recovered registration 2)", len(evs))
	}
	for _, id := range []string{ev1.ID, ev2.ID, ev3o.ID, ev3u.ID} {
		if n := countEvent(evs, id); n != 1 {
			t.Fatalf("event %s in the chain %d times, want once", id, n)
		}
	}
	if n := pendingLeft(t, db); n != 0 {
		t.Fatalf("documents with unfinished changes after Recover = %d, want 0", n)
	}
	if got, err := db.OrganisationByID(ctx, o3.ID); err != nil || got.Name != "Supplier" {
		t.Fatalf("organisation of the cut-short registration = %+v, %v", got, err)
	}
	for _, r := range []*domain.Request{r1, r2} {
		if got, err := db.RequestByID(ctx, r.ID); err != nil || got.Title != r.Title {
			t.Fatalf("RequestByID = %+v, %v", got, err)
		}
	}
	// The recovered event hashes what was stored: millisecond times.
	for _, e := range evs {
		if e.ID == ev1.ID && !e.At.Equal(now) {
			t.Fatalf("event time = %v, want %v", e.At, now)
		}
	}
}

// testUpdateFlushesPending checks that an update of a document left with a
// pendingAudit first chains that event, so the two events keep their order.
func testUpdateFlushesPending(t *testing.T, uri string) {
	ctx := context.Background()
	db, a, o := recoverSetup(t, uri)
	now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	r := testRequest(a, o, "Left pending", now)
	ev1 := domain.NewAuditEvent(a.ID, "tester", "request.create", "request", r.ID, nil, r, now)
	if _, err := db.requests.InsertOne(ctx, requestFromDomain(r, ev1)); err != nil {
		t.Fatal(err)
	}
	r.Status, r.Version = domain.ReqSubmitted, 2
	ev2 := domain.NewAuditEvent(a.ID, "tester", "request.submit", "request", r.ID, nil, r, now)
	if err := db.UpdateRequest(ctx, r, 1, ev2); err != nil {
		t.Fatal(err)
	}
	evs := chainOf(t, db, a)
	if len(evs) != 4 || evs[2].ID != ev1.ID || evs[3].ID != ev2.ID {
		t.Fatalf("events = %d, want the pending create then the submit", len(evs))
	}
	if ev2.Seq != 4 || ev2.Hash != evs[3].Hash {
		t.Fatalf("the caller's event was not given its place in the chain: %+v", ev2)
	}
	if n := pendingLeft(t, db); n != 0 {
		t.Fatalf("documents with unfinished changes = %d, want 0", n)
	}
	// A stale update of a document with a pending event flushes it and
	// still says conflict.
	r.Status, r.Version = domain.ReqWithdrawn, 3
	ev3 := domain.NewAuditEvent(a.ID, "tester", "request.withdraw", "request", r.ID, nil, r, now)
	if err := db.UpdateRequest(ctx, r, 1, ev3); domain.ErrorCode(err) != domain.ECONFLICT {
		t.Fatalf("stale update = %v, want conflict", err)
	}
	if evs := chainOf(t, db, a); len(evs) != 4 {
		t.Fatalf("events after a refused update = %d, want 4", len(evs))
	}
}

func testTranslateNotFoundAndConflict(t *testing.T, uri string) {
	ctx := context.Background()
	db, a, o := recoverSetup(t, uri)
	now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	r := testRequest(a, o, "Twice", now)
	if err := db.CreateRequest(ctx, r, nil); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateRequest(ctx, r, nil); domain.ErrorCode(err) != domain.ECONFLICT {
		t.Fatalf("second insert of one id = %v, want conflict", err)
	}
	if _, err := db.PledgeByID(ctx, domain.NewID()); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Fatalf("PledgeByID of nothing = %v, want not found", err)
	}
	if _, err := db.AuthorityByID(ctx, domain.NewID()); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Fatalf("AuthorityByID of nothing = %v, want not found", err)
	}
}

func TestUnavailable(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	dir, err := os.MkdirTemp("", "fdb")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	uri := "mongodb://" + url.PathEscape(filepath.Join(dir, "none.sock")) + "/?serverSelectionTimeoutMS=300"
	_, err = Open(ctx, uri, "x")
	if domain.ErrorCode(err) != domain.EUNAVAILABLE {
		t.Fatalf("Open with no server = %v, want unavailable", err)
	}
}

// testUpdateUserEmailTaken checks the unique email on update: MongoDB says
// E11000, FerretDB InternalError; both must come out as ECONFLICT.
func testUpdateUserEmailTaken(t *testing.T, uri string) {
	ctx := context.Background()
	db, a, _ := recoverSetup(t, uri)
	now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	u := &domain.User{ID: domain.NewID(), AuthorityID: a.ID, Authority: a.Slug, Email: "officer@example.org", Name: "O", Role: domain.RoleOfficer, Version: 1, CreatedAt: now, UpdatedAt: now}
	if err := db.CreateUser(ctx, u, domain.NewAuditEvent(a.ID, "tester", "user.create", "user", u.ID, nil, u, now)); err != nil {
		t.Fatal(err)
	}
	moved := *u
	moved.Email, moved.Version = "g@example.org", 2
	err := db.UpdateUser(ctx, &moved, 1, domain.NewAuditEvent(a.ID, "tester", "user.update", "user", u.ID, u, &moved, now))
	if domain.ErrorCode(err) != domain.ECONFLICT {
		t.Fatalf("UpdateUser to a taken email = %v, want conflict", err)
	}
	got, err := db.UserByID(ctx, u.ID)
	if err != nil || got.Email != "officer@example.org" || got.Version != 1 {
		t.Fatalf("after a refused update: %+v, %v", got, err)
	}
	if evs := chainOf(t, db, a); len(evs) != 3 {
		t.Fatalf("events = %d, want 3 (no event for the refused update)", len(evs))
	}
}

func testUpdateAuthority(t *testing.T, uri string) {
	ctx := context.Background()
	db, a, _ := recoverSetup(t, uri)
	now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	cur, err := db.AuthorityByID(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	before, prev := *cur, cur.Version
	w := domain.Weights{Version: 2, Need: 0.5, Fit: 0.2, Coverage: 0.1, Urgency: 0.1, Distance: 0.05, Record: 0.05, SetBy: "admin", SetAt: now}
	cur.Weights, cur.Version = append(cur.Weights, w), cur.Version+1
	if err := db.UpdateAuthority(ctx, cur, prev, domain.NewAuditEvent(a.ID, "admin", "authority.weights", "authority", a.ID, before.CurrentWeights(), w, now)); err != nil {
		t.Fatal(err)
	}
	if err := db.UpdateAuthority(ctx, cur, prev, domain.NewAuditEvent(a.ID, "admin", "authority.weights", "authority", a.ID, nil, w, now)); domain.ErrorCode(err) != domain.ECONFLICT {
		t.Fatalf("stale UpdateAuthority = %v, want conflict", err)
	}
	got, err := db.AuthorityBySlug(ctx, a.Slug)
	if err != nil || got.Version != prev+1 || len(got.Weights) != 1 || got.Weights[0] != w || got.Areas[0].Deciles != a.Areas[0].Deciles {
		t.Fatalf("AuthorityBySlug = %+v, %v", got, err)
	}
	// Seeding again keeps the id and the weights it is given.
	got.Name = "Renamed"
	if err := db.PutAuthority(ctx, got); err != nil || got.ID != a.ID {
		t.Fatalf("PutAuthority = %v, id %s", err, got.ID)
	}
	if evs := chainOf(t, db, a); len(evs) != 3 || evs[2].Action != "authority.weights" {
		t.Fatalf("events = %d, want 3", len(evs))
	}
}

func testAllocation(t *testing.T, uri string) {
	ctx := context.Background()
	db, a, o := recoverSetup(t, uri)
	now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	al := &domain.Allocation{ID: domain.NewID(), AuthorityID: a.ID, Status: domain.AllocProposed, WeightsVersion: 1, Objective: 42, Bound: 43, Gap: 0.02,
		ApprovedPence: 500, CreatedBy: "officer", CreatedAt: now, Version: 1,
		Items: []domain.AllocationItem{{PledgeID: domain.NewID(), PledgeVersion: 1, RequestID: domain.NewID(), RequestTitle: "R", OrganisationID: o.ID,
			OrganisationName: o.Name, ValuePence: 1000, ApprovedPence: 500, Score: 0.75, Reason: "cut", Explanation: "need"}}}
	if err := db.CreateAllocation(ctx, al, domain.NewAuditEvent(a.ID, "officer", "allocation.propose", "allocation", al.ID, nil, map[string]int{"pledges": 1}, now)); err != nil {
		t.Fatal(err)
	}
	got, err := db.AllocationByID(ctx, al.ID)
	if err != nil || got.Objective != 42 || len(got.Items) != 1 || got.Items[0] != al.Items[0] || got.AcceptedAt != nil {
		t.Fatalf("AllocationByID = %+v, %v", got, err)
	}
	got.Status, got.AcceptedAt, got.Version = domain.AllocAccepted, &now, 2
	if err := db.UpdateAllocation(ctx, got, 1, domain.NewAuditEvent(a.ID, "officer", "allocation.accept", "allocation", al.ID, nil, nil, now)); err != nil {
		t.Fatal(err)
	}
	if err := db.UpdateAllocation(ctx, got, 1, domain.NewAuditEvent(a.ID, "officer", "allocation.accept", "allocation", al.ID, nil, nil, now)); domain.ErrorCode(err) != domain.ECONFLICT {
		t.Fatalf("second accept = %v, want conflict", err)
	}
	again, err := db.AllocationByID(ctx, al.ID)
	if err != nil || again.Status != domain.AllocAccepted || again.AcceptedAt == nil || !again.AcceptedAt.Equal(now) {
		t.Fatalf("accepted allocation = %+v, %v", again, err)
	}
	if _, err := db.AllocationByID(ctx, domain.NewID()); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Fatalf("AllocationByID of nothing = %v, want not found", err)
	}
	if evs := chainOf(t, db, a); len(evs) != 4 {
		t.Fatalf("events = %d, want 4", len(evs))
	}
}

func testIdempotency(t *testing.T, uri string) {
	ctx := context.Background()
	db := openTest(t, uri)
	now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	r := &domain.IdempotencyRecord{UserID: domain.NewID(), Key: "k/1", Fingerprint: "f", CreatedAt: now}
	if got, err := db.ClaimIdempotency(ctx, r); err != nil || got != nil {
		t.Fatalf("first claim = %+v, %v", got, err)
	}
	got, err := db.ClaimIdempotency(ctx, r)
	if domain.ErrorCode(err) != domain.ECONFLICT || got == nil || got.Done || got.Fingerprint != "f" {
		t.Fatalf("second claim = %+v, %v; want the pending record with conflict", got, err)
	}
	r.Done, r.Status, r.ContentType, r.Body = true, 201, "application/json", []byte(`{"id":"x"}`)
	if err := db.CompleteIdempotency(ctx, r); err != nil {
		t.Fatal(err)
	}
	got, err = db.ClaimIdempotency(ctx, &domain.IdempotencyRecord{UserID: r.UserID, Key: r.Key, Fingerprint: "f", CreatedAt: now})
	if domain.ErrorCode(err) != domain.ECONFLICT || !got.Done || got.Status != 201 || string(got.Body) != `{"id":"x"}` || !got.CreatedAt.Equal(now) {
		t.Fatalf("claim of a done key = %+v, %v", got, err)
	}
	other := &domain.IdempotencyRecord{UserID: domain.NewID(), Key: r.Key, CreatedAt: now}
	if _, err := db.ClaimIdempotency(ctx, other); err != nil {
		t.Fatalf("the same key of another user = %v, want it claimed", err)
	}
	// A key with its answer stays answered (a committed change answered
	// it); a claim without one is released.
	if err := db.ReleaseIdempotency(ctx, r.UserID, r.Key); err != nil {
		t.Fatal(err)
	}
	if got, err := db.ClaimIdempotency(ctx, r); domain.ErrorCode(err) != domain.ECONFLICT || got == nil || !got.Done {
		t.Fatalf("claim after releasing an answered key = %+v, %v; want its answer", got, err)
	}
	if err := db.ReleaseIdempotency(ctx, other.UserID, other.Key); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ClaimIdempotency(ctx, other); err != nil {
		t.Fatalf("claim after release = %v", err)
	}
}

// testChainManyWriters runs several store handles (as several API processes
// would) creating requests at once on one database. FerretDB is safe here
// because each handle has one connection and the chain relies only on
// inserts and the unique (authorityId, seq) index, never on an update.
func testChainManyWriters(t *testing.T, uri string) {
	ctx := context.Background()
	db, a, o := recoverSetup(t, uri)
	const writers, each = 4, 10
	handles := make([]*DB, writers)
	for i := range handles {
		h, err := Open(ctx, uri, db.db.Name())
		if err != nil {
			t.Fatal(err)
		}
		defer h.Close()
		handles[i] = h
	}
	now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	errs := make(chan error, writers*each)
	var wg sync.WaitGroup
	for _, h := range handles {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				r := testRequest(a, o, "Parallel", now)
				errs <- h.CreateRequest(ctx, r, domain.NewAuditEvent(a.ID, "tester", "request.create", "request", r.ID, nil, r, now))
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	// A write whose event could not be chained within commitRetryBudget
	// (a server slowed down by a loaded machine) is committed all the
	// same and left to the recovery sweep: run it as the sweep would.
	if n := pendingLeft(t, db); n > 0 {
		t.Logf("%d committed writes left to the sweep (server slower than %v)", n, commitRetryBudget)
		if _, err := db.RecoverPending(ctx, 0); err != nil {
			t.Fatal(err)
		}
	}
	if evs := chainOf(t, db, a); len(evs) != 2+writers*each {
		t.Fatalf("events = %d, want %d", len(evs), 2+writers*each)
	}
	if n := pendingLeft(t, db); n != 0 {
		t.Fatalf("documents with unfinished changes = %d, want 0", n)
	}
}

// testReopen opens a database that already has its indexes and data, as a
// restart does.
func testReopen(t *testing.T, uri string) {
	ctx := context.Background()
	db, a, _ := recoverSetup(t, uri)
	again, err := Open(ctx, uri, db.db.Name())
	if err != nil {
		t.Fatalf("second Open: %v", err)
	}
	defer again.Close()
	if got, err := again.AuthorityBySlug(ctx, a.Slug); err != nil || got.ID != a.ID {
		t.Fatalf("AuthorityBySlug after reopening = %+v, %v", got, err)
	}
}

func TestLegacyDuplicateNames(t *testing.T) { eachBackend(t, testLegacyDuplicateNames) }

// testLegacyDuplicateNames: a database from before names were unique, with
// two organisations of one name and no name keys, still opens: the older
// keeps the name's key, the newer gets a duplicate key, and nobody new can
// take the name.
func testLegacyDuplicateNames(t *testing.T, uri string) {
	ctx := context.Background()
	db := openTest(t, uri)
	a := storetest.MustAuthority(t, db, "stockport")
	if err := db.organisations.Indexes().DropOne(ctx, "name"); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	older, newer := domain.NewID(), domain.NewID()
	for _, id := range []string{older, newer} {
		if _, err := db.organisations.InsertOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "authorityId", Value: a.ID}, {Key: "authority", Value: a.Slug},
			{Key: "kind", Value: domain.KindSupplier}, {Key: "name", Value: "Mersey Build Ltd"}, {Key: "status", Value: domain.OrgApproved},
			{Key: "version", Value: int64(1)}, {Key: "createdAt", Value: now}, {Key: "updatedAt", Value: now}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.createIndexes(ctx); err != nil {
		t.Fatalf("a database with duplicate names does not open: %v", err)
	}
	for id, want := range map[string]string{older: "mersey build ltd", newer: domain.DuplicateNameKey("mersey build ltd", newer)} {
		if o, err := db.OrganisationByID(ctx, id); err != nil || o.NameKey != want || o.Name != "Mersey Build Ltd" {
			t.Fatalf("organisation %s = %+v, %v; want key %q", id, o, err, want)
		}
	}
	o := &domain.Organisation{ID: domain.NewID(), AuthorityID: a.ID, Authority: a.Slug, Kind: domain.KindGroup, Name: "MERSEY BUILD LTD", Status: domain.OrgPending, Version: 1, CreatedAt: now, UpdatedAt: now}
	u := &domain.User{ID: domain.NewID(), AuthorityID: a.ID, Authority: a.Slug, OrganisationID: o.ID, Email: "new@example.org", Name: "N", Role: domain.RoleGroup, Version: 1, CreatedAt: now, UpdatedAt: now}
	if err := db.Register(ctx, o, u, nil); domain.ErrorCode(err) != domain.ECONFLICT {
		t.Fatalf("a new organisation took a legacy name: %v", err)
	}
	if _, err := db.UserByEmail(ctx, "new@example.org"); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Fatalf("the refused registration's user was left behind: %v", err)
	}
}
