// Package sqlite is the embedded default store: one SQLite file in WAL mode
// with synchronous=FULL, so a change is on disk when it is acknowledged.
//
// Every change and its audit event are written in one transaction. Writes go
// through one writer goroutine that groups the changes waiting at that moment
// into one transaction (each in its own savepoint, so one refused change does
// not undo the others) and acknowledges them after the commit: this keeps
// fsyncs per second, not per change, the limit on write throughput.
package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"needmatch/domain"

	sqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// DB is the SQLite implementation of domain.Store.
type DB struct {
	path  string
	read  *sql.DB
	write *sql.DB
	ops   chan *op
	done  chan struct{}
	// stopped closes when the writer has returned.
	stopped chan struct{}
	wg      sync.WaitGroup
	// MaxBatch bounds how many changes share one transaction.
	MaxBatch  int
	requests  *requestCache
	sums      *sumsCache
	stmts     sync.Map // query text -> *sql.Stmt
	auths     authorityCache
	rates     rateCounts
	closeOnce sync.Once
	// gen counts committed write batches; see Generation.
	gen atomic.Uint64
	// wstmts are the writer's prepared statements.
	wstmts writeStmts
	// touched maps a request id to the generation of the last write that
	// changed it or its pledges; touchedAll is a generation at which every
	// request counts as changed (the record of touched ids was lost).
	touched    sync.Map
	touchedAll atomic.Uint64
	// touchedAny is the generation of the last write that changed any
	// request or pledge (see RequestsGeneration).
	touchedAny atomic.Uint64
	// takeStmt reads and clears the touched requests (see takeTouched).
	takeStmt *sql.Stmt
}

// Generation changes whenever a write commits. This process is the only
// writer of the embedded store, so a cache keyed by it is never stale.
func (db *DB) Generation() uint64 { return db.gen.Load() }

var _ domain.Store = (*DB)(nil)

type op struct {
	ctx context.Context
	fn  func(*wtx) error
	res chan error
}

// Open opens (creating if needed) needmatch.db in dir and migrates it.
func Open(dir string) (*DB, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create data dir: %w", err)
	}
	path := filepath.Join(dir, "needmatch.db")
	// temp_store(MEMORY): the writer's savepoint per change (see run)
	// journals the pages it changes, and that journal and the touched
	// requests table were temporary files: in the mixed load a tenth of
	// the server's CPU went to writing them (pwrite). They hold one
	// change's pages, or a batch's touched ids, so memory is no cost.
	dsn := "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=temp_store(MEMORY)&_txlock=immediate"
	w, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	if err := migrate(w, time.Now); err != nil {
		w.Close()
		return nil, translate(fmt.Errorf("migrate: %w", err))
	}
	// The keys need Go (NFC, case folding): filled after the migrations.
	if err := migrateOrganisationNames(w); err != nil {
		w.Close()
		return nil, translate(fmt.Errorf("make organisation names unique: %w", err))
	}
	// Connection setup, not a migration: the writer's temporary table.
	if _, err := w.Exec(touchSchema); err != nil {
		w.Close()
		return nil, translate(fmt.Errorf("create the touched requests table: %w", err))
	}
	// Readers map the file (mmap) and keep a larger page cache: the list
	// benchmark spent most of its time in read syscalls.
	r, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_pragma=query_only(1)&_pragma=mmap_size(1073741824)&_pragma=cache_size(-32000)")
	if err != nil {
		w.Close()
		return nil, err
	}
	n := max(4, runtime.NumCPU()*2)
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	take, err := w.Prepare(takeTouchedSQL)
	if err != nil {
		w.Close()
		r.Close()
		return nil, translate(err)
	}
	db := &DB{path: path, read: r, write: w, takeStmt: take, ops: make(chan *op, 1024), done: make(chan struct{}), stopped: make(chan struct{}), MaxBatch: 256, requests: newRequestCache(100_000), sums: newSumsCache(100_000)}
	db.wg.Add(1)
	go db.writer()
	return db, nil
}

// Path is the database file.
func (db *DB) Path() string { return db.path }

// Close stops the writer after the queued changes and closes the files.
func (db *DB) Close() error {
	var err error
	db.closeOnce.Do(func() { err = db.close() })
	return err
}

func (db *DB) close() error {
	close(db.done)
	db.wg.Wait()
	db.stmts.Range(func(_, s any) bool { s.(*sql.Stmt).Close(); return true })
	db.wstmts.close()
	db.takeStmt.Close()
	return errors.Join(db.read.Close(), db.write.Close())
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	var one int
	return translate(db.queryRow(ctx, "SELECT 1").Scan(&one))
}

// tx runs fn inside the next group transaction and returns when that
// transaction has committed (nil) or failed.
func (db *DB) tx(ctx context.Context, fn func(*wtx) error) error {
	o := &op{ctx: ctx, fn: fn, res: make(chan error, 1)}
	select {
	case db.ops <- o:
	case <-ctx.Done():
		return ctx.Err()
	case <-db.done:
		return domain.Errorf(domain.EUNAVAILABLE, "The service is shutting down; try again.")
	}
	// Once queued, wait for the outcome even if ctx ends: the change may
	// commit, and the caller must not report it as lost. A change queued
	// as the writer stopped is never run.
	select {
	case err := <-o.res:
		return err
	case <-db.stopped:
		select {
		case err := <-o.res:
			return err
		default:
			return domain.Errorf(domain.EUNAVAILABLE, "The service is shutting down; try again.")
		}
	}
}

func (db *DB) writer() {
	defer db.wg.Done()
	defer close(db.stopped)
	for {
		var batch []*op
		select {
		case o := <-db.ops:
			batch = append(batch, o)
		case <-db.done:
			for {
				select {
				case o := <-db.ops:
					db.run([]*op{o})
				default:
					return
				}
			}
		}
	more:
		for len(batch) < db.MaxBatch {
			select {
			case o := <-db.ops:
				batch = append(batch, o)
			default:
				break more
			}
		}
		db.run(batch)
	}
}

func (db *DB) run(batch []*op) {
	results := make([]error, len(batch))
	defer db.wstmts.prepareWanted(db.write)
	var tx *wtx
	// A panic outside a change's own fn (the writer's own steps) must not
	// stop the writer nor leave its transaction holding the one write
	// connection (the deferred prepare above would wait for it forever):
	// roll back and refuse the whole batch, and keep serving.
	defer func() {
		p := recover()
		if p == nil {
			return
		}
		slog.Error("sqlite writer panicked; the batch is refused", "panic", p, "changes", len(batch), "stack", string(debug.Stack()))
		if tx != nil {
			_ = tx.Rollback()
		}
		for _, o := range batch {
			select { // a change already answered keeps its answer
			case o.res <- fmt.Errorf("sqlite writer panicked: %v", p):
			default:
			}
		}
	}()
	stx, err := db.write.Begin()
	if err != nil {
		for _, o := range batch {
			o.res <- translate(err)
		}
		return
	}
	tx = &wtx{Tx: stx, stmts: &db.wstmts}
	for i, o := range batch {
		if err := o.ctx.Err(); err != nil {
			results[i] = err
			continue
		}
		if _, err := tx.Exec("SAVEPOINT op"); err != nil {
			results[i] = err
			continue
		}
		tx.idem = domain.IdempotencyOf(o.ctx)
		if err := runOp(o.fn, tx); err != nil {
			results[i] = err
			if _, rerr := tx.Exec("ROLLBACK TO op"); rerr != nil {
				// SQLite rolled the whole transaction back itself (a full
				// disk, an I/O error): nothing of the batch is written, so
				// every change in it is refused and none acknowledged.
				slog.Error("sqlite transaction lost; refusing the whole batch", "err", err, "changes", len(batch))
				refuseBatch(tx, batch, err)
				return
			}
		}
		if _, err := tx.Exec("RELEASE op"); err != nil && results[i] == nil {
			results[i] = err
		}
	}
	if err := tx.Commit(); err != nil {
		slog.Error("sqlite commit failed; changes refused", "err", err, "changes", len(batch))
		refuseBatch(tx, batch, err)
		return
	}
	ids, terr := db.takeTouched()
	g := db.gen.Add(1)
	if terr != nil {
		db.touchedAll.Store(g)
	}
	for _, id := range ids {
		db.touched.Store(id, g)
	}
	if terr != nil || len(ids) > 0 {
		db.touchedAny.Store(g)
	}
	for i, o := range batch {
		o.res <- translate(results[i])
	}
}

// runOp runs one change's fn. A panic in it fails that change alone (its
// savepoint is rolled back like any refused change's) with an internal
// error, which the API answers as a 500 without the detail and logs with
// the request id.
func runOp(fn func(*wtx) error, tx *wtx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			slog.Error("sqlite change panicked; it is refused", "panic", p, "stack", string(debug.Stack()))
			err = fmt.Errorf("sqlite change panicked: %v", p)
		}
	}()
	return fn(tx)
}

// refuseBatch rolls back and answers every change of the batch with
// EUNAVAILABLE: none of them is written, none acknowledged.
func refuseBatch(tx *wtx, batch []*op, cause error) {
	_ = tx.Rollback()
	fail := translate(cause)
	if domain.ErrorCode(fail) != domain.EUNAVAILABLE {
		fail = domain.Errorf(domain.EUNAVAILABLE, "The store cannot take changes now; try again later.")
	}
	for _, o := range batch {
		o.res <- fail
	}
}

// translate maps driver errors to domain codes; domain errors pass through.
func translate(err error) error {
	if err == nil {
		return nil
	}
	var de *domain.Error
	if errors.As(err, &de) {
		return err
	}
	if errors.Is(err, sql.ErrNoRows) {
		return domain.Errorf(domain.ENOTFOUND, "Not found.")
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_CONSTRAINT:
			return domain.Errorf(domain.ECONFLICT, "Already exists.")
		case sqlite3.SQLITE_FULL, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			slog.Error("sqlite store cannot write", "err", err)
			return domain.Errorf(domain.EUNAVAILABLE, "The store cannot take changes now; try again later.")
		}
	}
	return err
}

// marshal is the JSON of an audit event (kept as the bytes its hash
// covers) or of one of the store's own column structs.
func marshal(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // plain structs and lists always marshal
	}
	return string(b)
}

// appendAudit chains ev after the authority's last event and inserts it,
// with the notifications it carries.
func appendAudit(tx *wtx, ev *domain.AuditEvent) error {
	if ev == nil {
		return nil
	}
	var seq int64
	var hash string
	err := tx.QueryRow(`SELECT seq, hash FROM audit WHERE authority_id = ? ORDER BY seq DESC LIMIT 1`, ev.AuthorityID).Scan(&seq, &hash)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	ev.Chain(seq, hash)
	if _, err = tx.Exec(`INSERT INTO audit (authority_id, seq, id, object, at, hash, doc) VALUES (?,?,?,?,?,?,?)`,
		ev.AuthorityID, ev.Seq, ev.ID, ev.Object, ev.At.UnixMicro(), ev.Hash, marshal(ev)); err != nil {
		return err
	}
	if r := tx.idem; r != nil {
		// The key is answered in the change's own transaction: a retry
		// after a crash past the commit finds the change, never makes it
		// twice. The first event of the change answers.
		status, ctype, body := domain.CommittedAnswer(ev)
		if _, err := tx.Exec(`UPDATE idempotency SET done = 1, status = ?, content_type = ?, body = ? WHERE user_id = ? AND key = ? AND done = 0`,
			status, ctype, body, r.UserID, r.Key); err != nil {
			return err
		}
	}
	return insertNotifications(tx, ev)
}

// casUpdate runs an UPDATE ... WHERE id = ? AND version = ? and turns "no
// row" into ECONFLICT (version moved on) or ENOTFOUND.
func casUpdate(tx *wtx, table, id string, prev int64, set string, args ...any) error {
	args = append(args, id, prev)
	res, err := tx.Exec("UPDATE "+table+" SET "+set+" WHERE id = ? AND version = ?", args...)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return nil
	}
	var one int
	if err := tx.QueryRow("SELECT 1 FROM "+table+" WHERE id = ?", id).Scan(&one); errors.Is(err, sql.ErrNoRows) {
		return domain.Errorf(domain.ENOTFOUND, "Not found.")
	}
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

var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

func likeArg(s string) string { return "%" + likeEscaper.Replace(s) + "%" }

func translateNotFound(err error, msg string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return domain.Errorf(domain.ENOTFOUND, "%s", msg)
	}
	return translate(err)
}
