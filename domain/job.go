package domain

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"
)

// Job is background work a serving process does now and then: lapsing
// commitments long past due, purging expired records.
type Job struct {
	Name  string
	Every time.Duration
	// Do does one run as of now and says how many things it changed.
	Do func(ctx context.Context, now time.Time) (int64, error)
	// Final runs the job once more when the process stops, if it holds
	// the lease then (the checkpoint of what the last minute wrote).
	Final bool
}

// Run runs the job at once and then every j.Every until ctx ends. A run
// that fails or panics is logged (a panic with its stack) and the next run
// goes ahead: a background job never takes the process down.
func (j Job) Run(ctx context.Context, now func() time.Time, log *slog.Logger) {
	if log == nil {
		log = slog.Default()
	}
	t := time.NewTicker(j.Every)
	defer t.Stop()
	for {
		n, err := j.once(ctx, now())
		switch {
		case err != nil && ctx.Err() == nil:
			log.Error("background job failed", "job", j.Name, "err", err, "changed", n)
		case n > 0:
			log.Info("background job", "job", j.Name, "changed", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (j Job) once(ctx context.Context, now time.Time) (n int64, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v\n%s", p, debug.Stack())
		}
	}()
	return j.Do(ctx, now)
}

func count(do func(context.Context, time.Time) (int, error)) func(context.Context, time.Time) (int64, error) {
	return func(ctx context.Context, now time.Time) (int64, error) {
		n, err := do(ctx, now)
		return int64(n), err
	}
}

// RollupsInWrites is a store whose ledger rollups are kept in the
// transaction of every change, so that RefreshRollups has nothing to do.
type RollupsInWrites interface{ RollupsInWrites() }

// RollupEvery is how often the ledger's rollups are refreshed (at most: a
// leased job runs on the lease's tick).
const RollupEvery = 5 * time.Second

// Jobs are the background jobs of the serving processes; each runs under
// its lease (Job.RunLeased), in one process at a time.
func (s *Service) Jobs() []Job {
	jobs := []Job{
		{Name: "lapse", Every: 24 * time.Hour, Do: func(ctx context.Context, now time.Time) (int64, error) {
			n, err := s.MarkLapsed(ctx, now)
			return int64(n), err
		}},
		{Name: "expire requests", Every: 24 * time.Hour, Do: func(ctx context.Context, now time.Time) (int64, error) {
			n, err := s.ExpireRequests(ctx, now)
			return int64(n), err
		}},
		{Name: "purge", Every: time.Hour, Do: s.PurgeExpired},
		{Name: "commitment reminders", Every: time.Hour, Do: count(s.RemindCommitments)},
		{Name: "new requests digest", Every: 15 * time.Minute, Do: count(s.DigestRequests)},
		{Name: "weekly mail", Every: 5 * time.Minute, Do: count(s.SendWeekly)},
		// The recovery sweep: changes a killed process left after their
		// commit point are finished by a survivor, not at the next start.
		// It looks three times per PendingAge, so a change is finished
		// within about 40 s of being left, even after the lease changes
		// hands (a sweep every PendingAge finished one a whole minute late
		// on a loaded machine).
		{Name: "recover", Every: PendingAge / 3, Do: func(ctx context.Context, _ time.Time) (int64, error) {
			return s.Store.RecoverPending(ctx, PendingAge)
		}},
	}
	// A store that keeps its rollups in each change's transaction (SQLite)
	// has none to refresh: the job took a lease and recorded its run, two
	// writes through the single writer every 5 s, to do nothing.
	if _, inWrites := s.Store.(RollupsInWrites); !inWrites {
		jobs = append(jobs, Job{Name: "ledger rollups", Every: RollupEvery, Do: func(ctx context.Context, _ time.Time) (int64, error) {
			return 0, s.Store.RefreshRollups(ctx)
		}})
	}
	if len(s.AuditKey) > 0 {
		every := s.CheckpointEvery
		if every <= 0 {
			every = CheckpointEvery
		}
		// One writer of the checkpoint series, reading from the last
		// checkpoint on.
		jobs = append(jobs, Job{Name: "audit checkpoint", Every: every, Do: s.WriteCheckpoints, Final: true})
	}
	return jobs
}
