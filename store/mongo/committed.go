package mongo

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"needmatch/domain"

	"go.mongodb.org/mongo-driver/v2/bson"
	driver "go.mongodb.org/mongo-driver/v2/mongo"
)

// What follows a change's commit point (the write of its document with the
// pending event, see the package doc) is committed: it is finished, never
// reported as failed. A failure there (an election, a timeout, a dropped
// connection while chaining the event) used to come back as a 5xx, so the
// API released the client's Idempotency-Key and a retried create made a
// second object.

// commitRetryBudget is how long the steps after the commit point are
// retried in the request; what is still unfinished then is left to the
// sweep (domain job "recover"), which finishes it within a minute.
var commitRetryBudget = 10 * time.Second

// afterCommit runs fn, the steps after the commit point of the change named
// what, and retries it on transient errors until commitRetryBudget has
// passed (a slow server is waited for, as before the commit point). It
// ignores the caller's cancellation (the client going away does not undo a
// commit) and never returns fn's error: it logs it, and the sweep finishes
// the change.
func (db *DB) afterCommit(ctx context.Context, what string, fn func(context.Context) error) error {
	ctx = context.WithoutCancel(ctx)
	giveUp := time.Now().Add(commitRetryBudget)
	wait := 20 * time.Millisecond
	for {
		err := fn(ctx)
		if err == nil {
			return nil
		}
		if !transient(err) || time.Now().Add(wait).After(giveUp) {
			slog.Error("mongodb: a committed change is not finished yet; the recovery sweep finishes it", "change", what, "err", err)
			return nil
		}
		time.Sleep(wait)
		wait = min(2*wait, time.Second)
	}
}

// transient reports whether err may go away when the operation is retried:
// the server or the network could not take it now, or the operation timed out.
func transient(err error) bool {
	if domain.ErrorCode(err) == domain.EUNAVAILABLE || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	return unavailable(err) || driver.IsTimeout(err)
}

// landed says, after the commit write of document id of coll failed with
// err, whether the write was made all the same (a connection lost after
// the server applied it): the document carries p, or p is chained already.
func (db *DB) landed(ctx context.Context, coll *driver.Collection, id string, p *auditDoc, err error) bool {
	if p == nil || !transient(err) {
		return false
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), commitRetryBudget)
	defer cancel()
	for {
		n, cerr := coll.CountDocuments(ctx, bson.D{{Key: "_id", Value: id}, {Key: "pendingAudit._id", Value: p.ID}})
		if cerr == nil && n == 0 {
			n, cerr = db.audit.CountDocuments(ctx, bson.D{{Key: "_id", Value: p.ID}})
		}
		if cerr == nil {
			return n > 0
		}
		if !transient(cerr) {
			return false
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(100 * time.Millisecond):
		}
	}
}
