package sqlite

import (
	"database/sql"
	"log/slog"

	"needmatch/domain"
)

// wtx is the writer's transaction. Its Exec, Query and QueryRow run a
// statement the writer has prepared before, so that a change does not
// compile its SQL (and the triggers it fires) again each time: a pledge
// insert spent half of its time preparing. Only the writer goroutine uses
// a wtx and its writeStmts.
type wtx struct {
	*sql.Tx
	stmts *writeStmts
	// idem is the claimed Idempotency-Key of the change being run (nil:
	// none): its first audit event answers it (see appendAudit).
	idem *domain.IdempotencyRecord
}

func (t *wtx) Exec(q string, args ...any) (sql.Result, error) {
	if s := t.stmts.get(q); s != nil {
		return t.Tx.Stmt(s).Exec(args...)
	}
	return t.Tx.Exec(q, args...)
}

func (t *wtx) Query(q string, args ...any) (*sql.Rows, error) {
	if s := t.stmts.get(q); s != nil {
		return t.Tx.Stmt(s).Query(args...)
	}
	return t.Tx.Query(q, args...)
}

func (t *wtx) QueryRow(q string, args ...any) *sql.Row {
	if s := t.stmts.get(q); s != nil {
		return t.Tx.Stmt(s).QueryRow(args...)
	}
	return t.Tx.QueryRow(q, args...)
}

// writeStmts prepares a statement after its first use, between
// transactions (the write pool's one connection is then free), on the
// pool: a transaction on that same connection reuses the compiled
// statement.
type writeStmts struct {
	ready  map[string]*sql.Stmt
	wanted map[string]bool
}

// maxWriteStmts bounds the cache; the writer's statements are fixed texts.
const maxWriteStmts = 512

func (w *writeStmts) get(q string) *sql.Stmt {
	if s, ok := w.ready[q]; ok {
		return s // nil: could not be prepared alone; run as text
	}
	if len(w.ready)+len(w.wanted) < maxWriteStmts {
		if w.wanted == nil {
			w.wanted = map[string]bool{}
		}
		w.wanted[q] = true
	}
	return nil
}

func (w *writeStmts) prepareWanted(db *sql.DB) {
	if len(w.wanted) == 0 {
		return
	}
	if w.ready == nil {
		w.ready = map[string]*sql.Stmt{}
	}
	for q := range w.wanted {
		s, err := db.Prepare(q)
		if err != nil {
			slog.Debug("sqlite statement not prepared; it runs as text", "err", err)
			s = nil
		}
		w.ready[q] = s
	}
	w.wanted = nil
}

func (w *writeStmts) close() {
	for _, s := range w.ready {
		if s != nil {
			s.Close()
		}
	}
}
