package sqlite

import (
	"context"
	"testing"
	"time"

	"needmatch/domain"
	"needmatch/store/storetest"
)

// newTestRequest is a draft request with its audit event.
func newTestRequest(auth *domain.Authority, title string) (*domain.Request, *domain.AuditEvent) {
	r := &domain.Request{ID: domain.NewID(), AuthorityID: auth.ID, OrganisationID: domain.NewID(), Title: title, Kind: "goods", Area: "E05015018",
		Quantity: 1, Unit: "x", Deadline: time.Now().AddDate(0, 1, 0), Status: domain.ReqDraft, Version: 1}
	return r, domain.NewAuditEvent(auth.ID, "t", "request.create", "request", r.ID, nil, r, domain.SystemClock())
}

// panicCtx is a context whose Err panics: it makes the writer panic in its
// own steps, outside any change's fn.
type panicCtx struct{ context.Context }

func (panicCtx) Err() error { panic("injected panic in the writer") }

// TestWriterSurvivesPanics (issue 10): a panic inside a change (here in
// the middle of its transaction, after a write, with a statement the writer
// will want to prepare) fails that change alone with an internal error and
// writes nothing of it; a panic in the writer's own steps refuses its
// batch. Either way the writer lets go of the write connection and the next
// writes succeed. Before, the first exited the process, or (when the
// writer had statements to prepare) hung every write for good.
func TestWriterSurvivesPanics(t *testing.T) {
	ctx := context.Background()
	db, err := Open(emptyDir(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	auth := storetest.MustAuthority(t, db, "stockport")
	mustCreate := func(title string) *domain.Request {
		t.Helper()
		r, ev := newTestRequest(auth, title)
		if err := db.CreateRequest(ctx, r, ev); err != nil {
			t.Fatalf("a normal write: %v", err)
		}
		return r
	}
	mustCreate("Before any panic")

	// A change that writes, then panics mid-transaction.
	half, ev := newTestRequest(auth, "Half written")
	err = db.tx(ctx, func(tx *wtx) error {
		if err := appendAudit(tx, ev); err != nil {
			return err
		}
		if _, err := tx.Exec(`UPDATE audit SET object = object WHERE id = ?`, ev.ID); err != nil {
			return err
		}
		panic("injected panic in a change")
	})
	if domain.ErrorCode(err) != domain.EINTERNAL || domain.ErrorMessage(err) != "Internal error." {
		t.Fatalf("panicking change: %v (code %q), want an internal error", err, domain.ErrorCode(err))
	}
	if evs, err := db.FindAudit(ctx, domain.AuditFilter{AuthorityID: auth.ID, Object: half.ID}); err != nil || len(evs) != 0 {
		t.Fatalf("the panicking change's write is there: %d events, %v", len(evs), err)
	}
	mustCreate("After a panic in a change")

	// In one batch, a panicking change does not undo the others.
	hold, release := make(chan struct{}), make(chan struct{})
	go func() {
		_ = db.tx(ctx, func(*wtx) error { close(hold); <-release; return nil })
	}()
	<-hold
	other, oev := newTestRequest(auth, "Shares a batch with a panic")
	errs := make(chan error, 2)
	go func() { errs <- db.tx(ctx, func(*wtx) error { panic("injected panic in a batch") }) }()
	go func() { errs <- db.CreateRequest(ctx, other, oev) }()
	for len(db.ops) < 2 {
		time.Sleep(time.Millisecond)
	}
	close(release)
	var codes []string
	for range 2 {
		codes = append(codes, domain.ErrorCode(<-errs))
	}
	if !(codes[0] == "" && codes[1] == domain.EINTERNAL || codes[0] == domain.EINTERNAL && codes[1] == "") {
		t.Fatalf("batch with a panicking change: codes %q, want one success and one internal", codes)
	}
	if _, err := db.RequestByID(ctx, other.ID); err != nil {
		t.Fatalf("the change batched with a panic is lost: %v", err)
	}

	// A panic in the writer's own steps refuses its batch and nothing more.
	refused, rev := newTestRequest(auth, "Refused with its batch")
	o := &op{ctx: panicCtx{ctx}, fn: func(tx *wtx) error { return appendAudit(tx, rev) }, res: make(chan error, 1)}
	db.ops <- o
	if err := <-o.res; domain.ErrorCode(err) != domain.EINTERNAL {
		t.Fatalf("a panic in the writer: %v, want an internal error", err)
	}
	if evs, err := db.FindAudit(ctx, domain.AuditFilter{AuthorityID: auth.ID, Object: refused.ID}); err != nil || len(evs) != 0 {
		t.Fatalf("a change of the refused batch is there: %d events, %v", len(evs), err)
	}
	last := mustCreate("After a panic in the writer")
	if _, err := db.RequestByID(ctx, last.ID); err != nil {
		t.Fatal(err)
	}
	all, err := db.FindAudit(ctx, domain.AuditFilter{AuthorityID: auth.ID})
	if err != nil {
		t.Fatal(err)
	}
	if b := domain.VerifyChain(auth.ID, all); b != nil {
		t.Fatalf("chain after the panics: %+v", b)
	}
	closed := make(chan error, 1)
	go func() { closed <- db.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Fatalf("close: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("close hangs after the panics")
	}
}
