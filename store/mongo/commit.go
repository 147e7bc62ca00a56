package mongo

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"slices"
	"time"

	"needmatch/domain"

	"go.mongodb.org/mongo-driver/v2/bson"
	driver "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Writes that commit value (an approval, an award) must not take a
// request's approved total or a supplier's open commitments beyond their
// caps, also when two processes approve at once. MongoDB gives no
// multi-document transaction here, so such writes take a lock document per
// request and per supplier (collection commitLocks, _id "request:ID" or
// "supplier:ID"), add up the stored pledges while holding them, write, and
// remove them. Only writes that raise those totals take the locks; every
// other move only lowers them. A lock left by a crashed process expires.

// commitLockTimeout is how old a lock must be before another writer may
// remove it; commitLockWait is how long a writer waits for a held lock.
const (
	commitLockTimeout = 30 * time.Second
	commitLockWait    = 5 * time.Second
)

type commitLockDoc struct {
	ID    string    `bson:"_id"`
	Owner string    `bson:"owner"`
	At    time.Time `bson:"at"`
}

func (db *DB) commitLocks() *driver.Collection { return db.db.Collection("commitLocks") }

// lockKeys lists the locks the checks need, sorted so that two writers
// always take them in the same order.
func lockKeys(checks []domain.CommitCheck) []string {
	var keys []string
	for _, c := range checks {
		if !c.NoRequestCap {
			keys = append(keys, "request:"+c.RequestID)
		}
		if c.SupplierLimitPence > 0 {
			keys = append(keys, "supplier:"+c.SupplierID)
		}
	}
	slices.Sort(keys)
	return slices.Compact(keys)
}

// withCommitLocks runs fn holding the locks the checks need. fn calls held
// just before its commit point: a writer stalled past commitLockTimeout may
// have lost its locks to another, and must then write nothing.
func (db *DB) withCommitLocks(ctx context.Context, checks []domain.CommitCheck, fn func(held func() error) error) error {
	owner := domain.NewID()
	var held []string
	defer func() {
		for _, k := range held {
			if _, err := db.commitLocks().DeleteOne(context.WithoutCancel(ctx), bson.D{{Key: "_id", Value: k}, {Key: "owner", Value: owner}}); err != nil {
				slog.Error("mongodb: cannot remove a commit lock; it expires", "lock", k, "err", err)
			}
		}
	}()
	for _, k := range lockKeys(checks) {
		if err := db.takeCommitLock(ctx, k, owner); err != nil {
			return err
		}
		held = append(held, k)
	}
	return fn(func() error { return db.stillHeld(ctx, owner, held) })
}

// stillHeld reports ECONFLICT unless owner still holds every lock in keys.
func (db *DB) stillHeld(ctx context.Context, owner string, keys []string) error {
	if len(keys) == 0 {
		return nil
	}
	n, err := db.commitLocks().CountDocuments(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: keys}}}, {Key: "owner", Value: owner}})
	if err != nil {
		return translate(err)
	}
	if n != int64(len(keys)) {
		return domain.Errorf(domain.ECONFLICT, "This approval took too long and another went ahead; reload and try again.")
	}
	return nil
}

func (db *DB) takeCommitLock(ctx context.Context, key, owner string) error {
	deadline := time.Now().Add(commitLockWait)
	for {
		// A lock's age is on the server's clock ($currentDate, and hello's
		// localTime below): two processes' clocks never meet. The upsert
		// inserts, or fails on the _id when another owner holds the lock.
		_, err := db.commitLocks().UpdateOne(ctx, bson.D{{Key: "_id", Value: key}, {Key: "owner", Value: owner}},
			bson.D{{Key: "$currentDate", Value: bson.D{{Key: "at", Value: true}}}}, options.UpdateOne().SetUpsert(true))
		if err == nil {
			return nil
		}
		if !driver.IsDuplicateKeyError(err) && !internalError(err) {
			return translate(err)
		}
		var cur commitLockDoc
		ferr := db.commitLocks().FindOne(ctx, bson.D{{Key: "_id", Value: key}}).Decode(&cur)
		switch {
		case errors.Is(ferr, driver.ErrNoDocuments):
			continue // released meanwhile
		case ferr != nil:
			return translate(ferr)
		}
		now, nerr := db.serverNow(ctx)
		switch {
		case nerr != nil:
			return nerr
		case now.Sub(cur.At) > commitLockTimeout:
			_, _ = db.commitLocks().DeleteOne(ctx, bson.D{{Key: "_id", Value: key}, {Key: "owner", Value: cur.Owner}})
			continue
		}
		if time.Now().After(deadline) {
			return domain.Errorf(domain.ECONFLICT, "Another approval on the same request or supplier is in progress; try again.")
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(2+rand.IntN(8)) * time.Millisecond):
		}
	}
}

// checkCommits adds up, for each check, the stored pledges with the
// pending ones (by id) in their new state, and refuses what a check does not allow.
func (db *DB) checkCommits(ctx context.Context, checks []domain.CommitCheck, pending []*domain.Pledge) error {
	byID := map[string]*domain.Pledge{}
	for _, p := range pending {
		byID[p.ID] = p
	}
	for _, c := range checks {
		var approved, open int64
		if !c.NoRequestCap {
			var err error
			if approved, err = db.sumPledges(ctx, bson.D{{Key: "requestId", Value: c.RequestID}}, byID,
				func(p *domain.Pledge) bool {
					return p.RequestID == c.RequestID && !slices.Contains(domain.DeadPledgeStatuses, p.Status)
				}); err != nil {
				return err
			}
		}
		if c.SupplierLimitPence > 0 {
			var err error
			if open, err = db.sumPledges(ctx, bson.D{{Key: "organisationId", Value: c.SupplierID}}, byID,
				func(p *domain.Pledge) bool {
					return p.OrganisationID == c.SupplierID && domain.IsOpenCommitment(p.Status)
				}); err != nil {
				return err
			}
		}
		if err := c.Check(approved, open); err != nil {
			return err
		}
	}
	return nil
}

// sumPledges adds up approvedPence of the stored pledges matching filter
// and counts, replacing those in pending by their new state.
func (db *DB) sumPledges(ctx context.Context, filter bson.D, pending map[string]*domain.Pledge, counts func(*domain.Pledge) bool) (int64, error) {
	cur, err := db.pledges.Find(ctx, filter, options.Find().SetProjection(bson.D{
		{Key: "_id", Value: 1}, {Key: "requestId", Value: 1}, {Key: "organisationId", Value: 1}, {Key: "status", Value: 1}, {Key: "approvedPence", Value: 1}}))
	if err != nil {
		return 0, translate(err)
	}
	defer cur.Close(ctx)
	var sum int64
	for cur.Next(ctx) {
		var d pledgeDoc
		if err := cur.Decode(&d); err != nil {
			return 0, translate(err)
		}
		if _, ok := pending[d.ID]; ok {
			continue
		}
		if p := d.toDomain(); counts(p) {
			sum += p.ApprovedPence
		}
	}
	if err := cur.Err(); err != nil {
		return 0, translate(err)
	}
	for _, p := range pending {
		if counts(p) {
			sum += p.ApprovedPence
		}
	}
	return sum, nil
}

// CommitPledge writes an approval under the commit locks, after checking
// that it keeps within chk.
func (db *DB) CommitPledge(ctx context.Context, p *domain.Pledge, prev int64, chk domain.CommitCheck, ev *domain.AuditEvent) error {
	checks := []domain.CommitCheck{chk}
	return db.withCommitLocks(ctx, checks, func(held func() error) error {
		if err := db.checkCommits(ctx, checks, []*domain.Pledge{p}); err != nil {
			return err
		}
		if err := held(); err != nil {
			return err
		}
		return db.UpdatePledge(ctx, p, prev, ev)
	})
}
