package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"needmatch/domain"
)

// The embedded store has one writing process, so the database's clock is
// this process's; a lease still says which run of a job was the last, so a
// restart does not run a daily job again.

var _ domain.LeaseStore = (*DB)(nil)

// dbNow is the database's clock: what leases and mail claims expire on,
// never a caller's (which tests and jobs may move).
func dbNow() time.Time { return time.Now().UTC() }

// AcquireLease gives the lease to holder when it is free, expired or
// holder's already.
func (db *DB) AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (*domain.Lease, error) {
	var l *domain.Lease
	err := db.tx(ctx, func(tx *wtx) error {
		now := dbNow()
		cur, err := readLease(tx, name, now)
		if err != nil {
			return err
		}
		if cur.Holder != "" && cur.Holder != holder && cur.Until.After(now) {
			l = cur
			return nil
		}
		cur.Holder, cur.Until = holder, now.Add(ttl)
		_, err = tx.Exec(`INSERT INTO leases (name, holder, until, last_run) VALUES (?,?,?,?)
			ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until`,
			name, holder, micros(cur.Until), micros(cur.LastRun))
		l = cur
		return err
	})
	return l, translate(err)
}

func readLease(tx *wtx, name string, now time.Time) (*domain.Lease, error) {
	l := &domain.Lease{Name: name, Now: now}
	var until, lastRun int64
	err := tx.QueryRow(`SELECT holder, until, last_run FROM leases WHERE name = ?`, name).Scan(&l.Holder, &until, &lastRun)
	if errors.Is(err, sql.ErrNoRows) {
		return l, nil
	}
	if until > 0 {
		l.Until = fromMicros(until)
	}
	if lastRun > 0 {
		l.LastRun = fromMicros(lastRun)
	}
	return l, err
}

// LeaseRan records the run; ECONFLICT when holder lost the lease.
func (db *DB) LeaseRan(ctx context.Context, name, holder string) error {
	return translate(db.tx(ctx, func(tx *wtx) error {
		now := dbNow()
		res, err := tx.Exec(`UPDATE leases SET last_run = ? WHERE name = ? AND holder = ? AND until > ?`, micros(now), name, holder, micros(now))
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err == nil && n == 0 {
			err = domain.Errorf(domain.ECONFLICT, "The job's lease is no longer %s's.", holder)
		}
		return err
	}))
}

// ReleaseLease expires holder's lease.
func (db *DB) ReleaseLease(ctx context.Context, name, holder string) error {
	return translate(db.tx(ctx, func(tx *wtx) error {
		_, err := tx.Exec(`UPDATE leases SET until = 0 WHERE name = ? AND holder = ?`, name, holder)
		return err
	}))
}

// RecoverPending finds nothing: every change commits in one transaction.
func (db *DB) RecoverPending(context.Context, time.Duration) (int64, error) { return 0, nil }
