// Package mongo is the MongoDB implementation of domain.Store, for a replica
// set, Atlas or any server that speaks the MongoDB wire protocol. It uses only
// what FerretDB v1 executes correctly (see DESIGN.md, "Why two stores"): finds,
// single-document writes, simple unique and compound indexes. Sums, joins and
// anything fancier are done in Go.
//
// # One document per change
//
// Every state change writes one document, with a version field for
// optimistic concurrency: the write is a replace filtered on {_id, version:
// prev}, and when nothing matched the document is read again to tell
// ENOTFOUND from ECONFLICT. There are no multi-document transactions. Totals
// such as a request's pledged value are derived at read time from the
// pledges, never kept up to date in another document.
// A proposal whose items do not fit in one document writes them first in
// chunk documents that no reader takes until its own document, written
// last, names them (chunk.go): that document is still the commit point.
//
// # The audit outbox
//
// A change and its audit event must be written both or neither, even across a
// kill -9, without a transaction spanning two collections. So a change is
// made in three steps:
//
//  1. The changed document is written together with a pendingAudit
//     subdocument holding the event, not yet chained. This single-document
//     write is the commit point of the change.
//  2. The event is chained after its authority's head (the event with the
//     highest seq: seq+1 and its hash) and inserted into the audit
//     collection, whose unique (authorityId, seq) index makes exactly one of
//     two racing writers win each seq; the loser re-reads the head and tries
//     again. The event's id is the audit document's _id, so an event already
//     chained (by a recovery running at the same time) is never chained twice.
//  3. pendingAudit is unset, filtered on the event id.
//
// Only then is the change acknowledged; a failure in steps 2 and 3 is
// retried and never reported (the change is committed, see afterCommit). A
// writer that dies between the steps leaves a document with a pendingAudit:
// Recover (run by Open) and the recovery sweep (RecoverPending, a leased job
// every 30 s in one process) find such documents and complete steps 2 and
// 3, and any update of a document first completes a pendingAudit left on
// it, so its events keep their order.
// Registration writes two documents (user, then organisation); the user
// document carries a copy of the organisation until both are done, so a
// registration cut short is rolled forward by Recover.
package mongo

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"needmatch/domain"

	"go.mongodb.org/mongo-driver/v2/bson"
	driver "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/readpref"
	"go.mongodb.org/mongo-driver/v2/mongo/writeconcern"
	"go.mongodb.org/mongo-driver/v2/x/mongo/driver/topology"
)

// DB is the MongoDB implementation of domain.Store.
type DB struct {
	client        *driver.Client
	db            *driver.Database
	authorities   *driver.Collection
	users         *driver.Collection
	refreshTokens *driver.Collection
	organisations *driver.Collection
	requests      *driver.Collection
	pledges       *driver.Collection
	allocations   *driver.Collection
	idempotency   *driver.Collection
	audit         *driver.Collection
}

var _ domain.Store = (*DB)(nil)

// openTimeout bounds the first ping and the recovery of Open (each on its
// own); an index migration is bounded only by the caller's context.
const openTimeout = 30 * time.Second

// Open connects to the server at uri, brings the indexes of database dbName
// to the version this code expects when they are behind (see migrate), and
// completes any change a crashed writer left half done (see Recover, given
// openTimeout of its own).
// Unless the uri sets a write concern, writes wait for a majority of the
// replica set and for the journal, so an acknowledged change survives a
// crash of the server too.
func Open(ctx context.Context, uri, dbName string) (*DB, error) {
	return open(ctx, options.Client().ApplyURI(uri), dbName)
}

// open is Open with the client options built (tests add a dialer).
func open(ctx context.Context, opts *options.ClientOptions, dbName string) (*DB, error) {
	if err := opts.Validate(); err != nil {
		return nil, fmt.Errorf("mongodb uri: %w", err)
	}
	if opts.WriteConcern == nil {
		wc := writeconcern.Majority()
		journal := true
		wc.Journal = &journal
		opts.SetWriteConcern(wc)
	}
	client, err := driver.Connect(opts)
	if err != nil {
		return nil, fmt.Errorf("mongodb connect: %w", err)
	}
	db := newDB(client, dbName)
	pctx, cancel := context.WithTimeout(ctx, openTimeout)
	defer cancel()
	if err := db.Ping(pctx); err != nil {
		_ = client.Disconnect(context.Background())
		return nil, err
	}
	if err := db.migrate(ctx); err != nil {
		_ = client.Disconnect(context.Background())
		return nil, err
	}
	rctx, cancel := context.WithTimeout(ctx, openTimeout)
	defer cancel()
	if err := db.Recover(rctx); err != nil {
		_ = client.Disconnect(context.Background())
		return nil, err
	}
	return db, nil
}

func newDB(client *driver.Client, dbName string) *DB {
	// Read-your-writes: the outbox and the compare-and-set read what was
	// just written, so every read goes to the primary.
	d := client.Database(dbName, options.Database().SetReadPreference(readpref.Primary()))
	return &DB{
		client:        client,
		db:            d,
		authorities:   d.Collection("authorities"),
		users:         d.Collection("users"),
		refreshTokens: d.Collection("refreshTokens"),
		organisations: d.Collection("organisations"),
		requests:      d.Collection("requests"),
		pledges:       d.Collection("pledges"),
		allocations:   d.Collection("allocations"),
		idempotency:   d.Collection("idempotency"),
		audit:         d.Collection("audit"),
	}
}

// Close disconnects from the server.
func (db *DB) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return db.client.Disconnect(ctx)
}

// Ping reports whether the primary answers.
func (db *DB) Ping(ctx context.Context) error {
	return translate(db.client.Ping(ctx, readpref.Primary()))
}

// audited lists the collections whose documents carry a pendingAudit while
// a change is being written.
func (db *DB) audited() []*driver.Collection {
	return append([]*driver.Collection{db.authorities, db.users, db.organisations, db.requests, db.pledges, db.allocations, db.messages(), db.resets(), db.notifications(), db.regions()}, db.ledgerAudited()...)
}

// key builds an ascending index key from field names; "-f" is descending.
func key(fields ...string) bson.D {
	d := make(bson.D, 0, len(fields))
	for _, f := range fields {
		if f[0] == '-' {
			d = append(d, bson.E{Key: f[1:], Value: -1})
		} else {
			d = append(d, bson.E{Key: f, Value: 1})
		}
	}
	return d
}

func index(name string, unique bool, fields ...string) driver.IndexModel {
	o := options.Index().SetName(name)
	if unique {
		o.SetUnique(true)
	}
	return driver.IndexModel{Keys: key(fields...), Options: o}
}

// expiring is a TTL index: the server removes a document once the time in
// field has passed (within a minute or so).
func expiring(name, field string) driver.IndexModel {
	return driver.IndexModel{Keys: key(field), Options: options.Index().SetName(name).SetExpireAfterSeconds(0)}
}

// createIndexes creates every index the store's queries use; migrate runs
// it when the schema version is behind.
func (db *DB) createIndexes(ctx context.Context) error {
	if err := db.backfillNameKeys(ctx); err != nil {
		return fmt.Errorf("mongodb: give organisations their name keys: %w", err)
	}
	pending := index("pending", false, "pendingAudit._id")
	for _, c := range []struct {
		coll   *driver.Collection
		models []driver.IndexModel
	}{
		{db.authorities, []driver.IndexModel{index("slug", true, "slug"), pending}},
		{db.users, []driver.IndexModel{index("email", true, "email"), index("authority", false, "authorityId", "_id"), pending}},
		{db.refreshTokens, []driver.IndexModel{index("family", false, "family"), index("user", false, "userId")}},
		{db.organisations, []driver.IndexModel{
			index("authority", false, "authorityId", "_id"),
			index("authority_status", false, "authorityId", "status", "_id"),
			index("name", true, "authorityId", "nameKey"),
			index("home", false, "homeId", "_id"),
			pending,
		}},
		{db.requests, []driver.IndexModel{
			index("authority", false, "authorityId", "_id"),
			index("authority_status", false, "authorityId", "status", "_id"),
			index("authority_area", false, "authorityId", "area", "status", "_id"),
			index("authority_kind", false, "authorityId", "kind", "status", "_id"),
			index("organisation", false, "organisationId", "_id"),
			pending,
		}},
		{db.pledges, []driver.IndexModel{
			index("authority", false, "authorityId", "_id"),
			index("authority_status", false, "authorityId", "status", "_id"),
			index("organisation", false, "organisationId", "_id"),
			index("request_org", false, "requestOrgId", "_id"),
			index("request_sums", false, "requestId", "status", "valuePence", "approvedPence"),
			pending,
			index("ledger_contract", false, "authorityId", "contractId", "_id"),
			index("ledger_area", false, "authorityId", "area", "_id"),
			index("ledger_theme", false, "authorityId", "theme", "_id"),
			index("ledger_measure", false, "authorityId", "measureCode", "_id"),
			index("ledger_month", false, "authorityId", "createdAt"),
			index("bid", false, "bidId", "_id"),
			index("overdue", false, "authorityId", "status", "dueDate", "_id"),
			index("lapse", false, "status", "dueDate", "_id"),
			index("no_area", false, "area"),
			index("intent", false, "pendingIntent.id"),
			index("dirty", false, "authorityId", "dirty"),
			index("cells", false, "cells"),
		}},
		{db.ledgerCells(), []driver.IndexModel{index("authority_month", false, "authorityId", "month")}},
		{db.allocations, []driver.IndexModel{pending}},
		{db.messages(), []driver.IndexModel{
			index("thread", false, "authorityId", "pledgeId", "_id"),
			index("author", false, "authorityId", "authorUserId", "createdAt"),
			index("group", false, "authorityId", "groupOrgId", "_id"),
			index("supplier", false, "authorityId", "supplierOrgId", "_id"),
			index("reported", false, "authorityId", "openReport", "_id"),
			pending,
		}},
		{db.messageReads(), []driver.IndexModel{index("user", false, "userId")}},
		{db.leases(), []driver.IndexModel{index("epoch", false, "name", "-epoch")}},
		{db.audit, []driver.IndexModel{
			index("chain", true, "authorityId", "seq"),
			index("object", false, "authorityId", "object", "seq"),
		}},
	} {
		// One index per command: FerretDB v1.24 panics (and drops the
		// connection) when one createIndexes names two indexes that exist.
		for _, m := range c.models {
			if _, err := c.coll.Indexes().CreateOne(ctx, m); err != nil {
				return fmt.Errorf("mongodb: create indexes of %s: %w", c.coll.Name(), translate(err))
			}
		}
	}
	if _, err := db.rateCounts().Indexes().CreateOne(ctx, expiring("expires", "expiresAt")); err != nil {
		if !notImplemented(err) {
			return fmt.Errorf("mongodb: create indexes of rateCounts: %w", translate(err))
		}
		// FerretDB v1: CountCall purges expired counters itself.
		slog.Warn("mongodb: the server has no TTL indexes; the store purges expired rate counters itself", "err", err)
	}
	if err := db.createOutboxIndexes(ctx); err != nil {
		return err
	}
	if err := db.createRegionIndexes(ctx); err != nil {
		return err
	}
	return db.createLedgerIndexes(ctx)
}

// Server error codes that mean the server cannot take the operation now.
var unavailableCodes = []int{
	6,     // HostUnreachable
	7,     // HostNotFound
	89,    // NetworkTimeout
	91,    // ShutdownInProgress
	189,   // PrimarySteppedDown
	10107, // NotWritablePrimary
	11600, // InterruptedAtShutdown
	11602, // InterruptedDueToReplStateChange
	13435, // NotPrimaryNoSecondaryOk
	13436, // NotPrimaryOrSecondary
	14031, // OutOfDiskSpace
}

// translate maps driver errors to domain codes; domain errors and the
// caller's context errors pass through.
func translate(err error) error {
	if err == nil {
		return nil
	}
	var de *domain.Error
	if errors.As(err, &de) {
		return err
	}
	if errors.Is(err, driver.ErrNoDocuments) {
		return domain.Errorf(domain.ENOTFOUND, "Not found.")
	}
	if driver.IsDuplicateKeyError(err) {
		return domain.Errorf(domain.ECONFLICT, "Already exists.")
	}
	if errors.Is(err, context.Canceled) {
		return err
	}
	if unavailable(err) {
		slog.Error("mongodb store cannot take the operation", "err", err)
		return domain.Errorf(domain.EUNAVAILABLE, "The store cannot take changes now; try again later.")
	}
	return err
}

func unavailable(err error) bool {
	var sse topology.ServerSelectionError
	if errors.As(err, &sse) || errors.Is(err, driver.ErrClientDisconnected) ||
		driver.IsNetworkError(err) || (driver.IsTimeout(err) && !errors.Is(err, context.DeadlineExceeded)) {
		return true
	}
	var se driver.ServerError
	if errors.As(err, &se) {
		if se.HasErrorLabel("RetryableWriteError") {
			return true
		}
		for _, c := range unavailableCodes {
			if se.HasErrorCode(c) {
				return true
			}
		}
	}
	return false
}

// notFound translates err, naming what was not found.
func notFound(err error, msg string) error {
	if errors.Is(err, driver.ErrNoDocuments) {
		return domain.Errorf(domain.ENOTFOUND, "%s", msg)
	}
	return translate(err)
}

// internalError reports whether err is FerretDB's InternalError (code 1),
// which it returns instead of E11000 when some writes break a unique index.
func internalError(err error) bool {
	var se driver.ServerError
	return errors.As(err, &se) && se.HasErrorCode(1)
}

// notImplemented reports whether err is the server's NotImplemented (code
// 238), which FerretDB v1 returns for options it lacks.
func notImplemented(err error) bool {
	var se driver.ServerError
	return errors.As(err, &se) && se.HasErrorCode(238)
}

func conflict() error {
	return domain.Errorf(domain.ECONFLICT, "It was changed by someone else at the same time; reload and try again.")
}

// limitOf is the page size: 50 by default, at most 10,000 (the API lets
// clients ask for 200; the matcher reads whole snapshots in big pages).
func limitOf(n int) int {
	switch {
	case n <= 0:
		return 50
	case n > 10_000:
		return 10_000
	}
	return n
}

// findPage runs a newest-first keyset page over coll: _id descending, after
// the cursor, one more than the limit to tell whether a next page exists.
func findPage[D any, T any](ctx context.Context, coll *driver.Collection, filter bson.D, p domain.Page, conv func(*D) T, id func(T) string) ([]T, string, error) {
	if p.After != "" {
		filter = append(filter, bson.E{Key: "_id", Value: bson.D{{Key: "$lt", Value: p.After}}})
	}
	limit := limitOf(p.Limit)
	cur, err := coll.Find(ctx, filter, options.Find().SetSort(key("-_id")).SetLimit(int64(limit+1)).SetProjection(bson.D{{Key: "pendingAudit", Value: 0}, {Key: "pendingOrg", Value: 0}, {Key: "pendingIntent", Value: 0}}))
	if err != nil {
		return nil, "", translate(err)
	}
	var docs []D
	if err := cur.All(ctx, &docs); err != nil {
		return nil, "", translate(err)
	}
	out := make([]T, 0, len(docs))
	for i := range docs {
		out = append(out, conv(&docs[i]))
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		next = id(out[limit-1])
	}
	return out, next, nil
}

// eq appends field = v to filter when v is not empty.
func eq(filter bson.D, field, v string) bson.D {
	if v == "" {
		return filter
	}
	return append(filter, bson.E{Key: field, Value: v})
}

// findAll reads every document of coll matching filter and converts each.
func findAll[D any, T any](ctx context.Context, coll *driver.Collection, filter bson.D, opts *options.FindOptionsBuilder, conv func(*D) T) ([]T, error) {
	cur, err := coll.Find(ctx, filter, opts)
	if err != nil {
		return nil, translate(err)
	}
	var docs []D
	if err := cur.All(ctx, &docs); err != nil {
		return nil, translate(err)
	}
	out := make([]T, len(docs))
	for i := range docs {
		out[i] = conv(&docs[i])
	}
	return out, nil
}
