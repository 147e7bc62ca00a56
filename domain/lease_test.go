package domain_test

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"needmatch/domain"
	"needmatch/store/sqlite"
	"needmatch/store/sqlite/sqlitetest"
)

// TestRunLeasedRunsOncePerPeriod: two processes run the same daily job
// under one lease: it runs once, by one of them; when that one stops (and
// releases the lease) the other takes the lease but does not run the job
// again the same day, and a process started later does not either.
func TestRunLeasedRunsOncePerPeriod(t *testing.T) {
	db, err := sqlite.Open(sqlitetest.Dir(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	var mu sync.Mutex
	var runs []string
	job := func(holder string) domain.Job {
		return domain.Job{Name: "lapse", Every: 24 * time.Hour, Do: func(context.Context, time.Time) (int64, error) {
			mu.Lock()
			defer mu.Unlock()
			runs = append(runs, holder)
			return 1, nil
		}}
	}
	const ttl = 900 * time.Millisecond
	start := func(holder string) (stop func()) {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { job(holder).RunLeased(ctx, db, holder, ttl, time.Now, quiet); close(done) }()
		return func() { cancel(); <-done }
	}
	got := func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), runs...)
	}
	stopA, stopB := start("a"), start("b")
	time.Sleep(3 * ttl)
	first := got()
	if len(first) != 1 {
		t.Fatalf("runs by two processes in %v = %v, want one", 3*ttl, first)
	}
	stopOther := stopB
	if first[0] == "b" {
		stopB()
		stopOther = stopA
	} else {
		stopA()
	}
	// The survivor takes the released lease over at its next tick, and
	// finds the job not due.
	time.Sleep(2 * ttl)
	stopC := start("c")
	time.Sleep(2 * ttl)
	stopOther()
	stopC()
	if r := got(); len(r) != 1 {
		t.Fatalf("runs after a holder change the same day = %v, want still one", r)
	}
	l, err := db.AcquireLease(context.Background(), "lapse", "probe", ttl)
	if err != nil || l.LastRun.IsZero() || l.Due(24*time.Hour) {
		t.Fatalf("lease after the run = %+v, %v; want its last run recorded", l, err)
	}
}
