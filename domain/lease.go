package domain

import (
	"context"
	"log/slog"
	"time"
)

// Lease is the right to run one background job, held in the database by
// one process (its holder) at a time until it expires. Every time in it is
// the database's, so the clocks of the API processes never meet.
type Lease struct {
	Name   string
	Holder string
	// Until is when the lease expires unless its holder renews it; a
	// released lease has expired.
	Until time.Time
	// LastRun is when a holder last finished the job (zero: never). It
	// outlives holders, so a job runs once per period, not once per process.
	LastRun time.Time
	// Now is the database's time when the lease was read.
	Now time.Time
}

// HeldBy says whether holder holds the lease.
func (l *Lease) HeldBy(holder string) bool {
	return l != nil && l.Holder == holder && l.Until.After(l.Now)
}

// Due says whether a job run every period is due under the lease.
func (l *Lease) Due(every time.Duration) bool {
	return l.LastRun.IsZero() || l.Now.Sub(l.LastRun) >= every
}

// LeaseStore keeps job leases, on the database's clock.
type LeaseStore interface {
	// AcquireLease gives lease name to holder for ttl from the database's
	// now when it is free or expired, and renews it when holder holds it.
	// It returns the lease as it stands (held by someone else, or not at
	// all, when the lease was not given to holder).
	AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (*Lease, error)
	// LeaseRan records that holder finished the lease's job at the
	// database's now; ECONFLICT when holder no longer holds the lease.
	LeaseRan(ctx context.Context, name, holder string) error
	// ReleaseLease gives up holder's lease at once (nothing when holder
	// does not hold it); its LastRun stays.
	ReleaseLease(ctx context.Context, name, holder string) error
	// RecoverPending finishes the changes that writers left half done
	// (killed after the commit point) and that are older than age; it
	// says how many it finished. A store that commits each change in one
	// transaction has none.
	RecoverPending(ctx context.Context, age time.Duration) (int64, error)
}

const (
	// LeaseTTL is how long a job's lease lasts unless renewed: when its
	// holder dies another process takes the job over within LeaseTTL and
	// a tick (LeaseTTL/3).
	LeaseTTL = 30 * time.Second
	// PendingAge is how old a half-finished change must be before the
	// recovery sweep finishes it (younger ones are still being written).
	PendingAge = 30 * time.Second
)

// RunLeased runs the job like Run, but only in the process that holds the
// job's lease in the database, and only when the lease's last run is a
// period old: with N processes the job runs once per period, not N times.
// Every ttl/3 a process tries to take or renew the lease; while the job
// runs the lease is renewed. When ctx ends the lease is released, so
// another process takes over at once.
func (j Job) RunLeased(ctx context.Context, leases LeaseStore, holder string, ttl time.Duration, now func() time.Time, log *slog.Logger) {
	if log == nil {
		log = slog.Default()
	}
	if ttl <= 0 {
		ttl = LeaseTTL
	}
	t := time.NewTicker(ttl / 3)
	defer t.Stop()
	held := false
	defer func() {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if j.Final && held {
			if l, err := leases.AcquireLease(rctx, j.Name, holder, ttl); err == nil && l.HeldBy(holder) {
				if n, err := j.once(rctx, now()); err != nil {
					log.Error("background job on shutdown", "job", j.Name, "err", err, "changed", n)
				}
			}
		}
		if err := leases.ReleaseLease(rctx, j.Name, holder); err != nil {
			log.Error("release job lease", "job", j.Name, "err", err)
		}
	}()
	for {
		l, err := leases.AcquireLease(ctx, j.Name, holder, ttl)
		held = err == nil && l.HeldBy(holder)
		switch {
		case err != nil && ctx.Err() == nil:
			log.Error("job lease", "job", j.Name, "err", err)
		case err == nil && l.HeldBy(holder) && l.Due(j.Every):
			j.runHeld(ctx, leases, holder, ttl, now, log)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// runHeld runs the job once under the lease, renewing it meanwhile, and
// records the run. A holder that finds its lease taken (it stalled past the
// lease, and another process holds the job now) stops the job: the new
// holder runs it, so a period's run is the one recorded. The run is logged
// only once recorded, so the log says how many runs counted.
func (j Job) runHeld(ctx context.Context, leases LeaseStore, holder string, ttl time.Duration, now func() time.Time, log *slog.Logger) {
	rctx, stop := context.WithCancel(ctx)
	renewed := make(chan struct{})
	lost := make(chan string, 1)
	go func() {
		defer close(renewed)
		t := time.NewTicker(ttl / 3)
		defer t.Stop()
		for {
			select {
			case <-rctx.Done():
				return
			case <-t.C:
				if l, err := leases.AcquireLease(rctx, j.Name, holder, ttl); err == nil && !l.HeldBy(holder) {
					lost <- l.Holder
					stop()
					return
				}
			}
		}
	}()
	n, err := j.once(rctx, now())
	stop()
	<-renewed
	select {
	case by := <-lost:
		log.Error("job lease lost while the job ran: stopped, its new holder runs it", "job", j.Name, "holder", by, "changed", n)
		return
	default:
	}
	switch {
	case err != nil && ctx.Err() == nil:
		log.Error("background job failed", "job", j.Name, "err", err, "changed", n)
		return
	case err != nil:
		return
	}
	if err := leases.LeaseRan(ctx, j.Name, holder); err != nil {
		if ctx.Err() == nil {
			log.Error("record job run", "job", j.Name, "err", err, "changed", n)
		}
		return
	}
	log.Info("background job", "job", j.Name, "changed", n, "holder", holder)
}
