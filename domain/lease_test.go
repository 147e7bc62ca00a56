package domain_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
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

// stallingLeases delays holder a's lease calls while stalled is set, as a
// process that stops (a long GC pause, a swapped-out VM) past its lease.
type stallingLeases struct {
	domain.LeaseStore
	stall   time.Duration
	stalled atomic.Bool
}

func (s *stallingLeases) AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (*domain.Lease, error) {
	if holder == "a" && s.stalled.Load() {
		time.Sleep(s.stall)
	}
	return s.LeaseStore.AcquireLease(ctx, name, holder, ttl)
}

// TestRunLeasedStopsWhenLeaseTaken: a holder that stalls past its lease
// while its job runs finds the lease taken at its next renewal; it stops
// the job instead of finishing it beside the new holder, and only the new
// holder's run is recorded and logged.
func TestRunLeasedStopsWhenLeaseTaken(t *testing.T) {
	db, err := sqlite.Open(sqlitetest.Dir(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	const ttl = 600 * time.Millisecond
	leases := &stallingLeases{LeaseStore: db, stall: 2 * ttl}
	var logged bytes.Buffer
	var logMu sync.Mutex
	log := slog.New(slog.NewJSONHandler(&lockedWriter{w: &logged, mu: &logMu}, nil))
	aStarted := make(chan struct{})
	aStopped := make(chan bool, 1)
	var bRuns atomic.Int32
	job := func(holder string) domain.Job {
		return domain.Job{Name: "lapse", Every: 24 * time.Hour, Do: func(ctx context.Context, _ time.Time) (int64, error) {
			if holder == "b" {
				bRuns.Add(1)
				return 1, nil
			}
			leases.stalled.Store(true)
			close(aStarted)
			select {
			case <-ctx.Done():
				aStopped <- true
				return 0, ctx.Err()
			case <-time.After(8 * ttl):
				aStopped <- false
				return 1, nil
			}
		}}
	}
	run := func(holder string) (stop func()) {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { job(holder).RunLeased(ctx, leases, holder, ttl, time.Now, log); close(done) }()
		return func() { cancel(); <-done }
	}
	stopA := run("a")
	<-aStarted
	stopB := run("b")
	if stopped := <-aStopped; !stopped {
		t.Fatal("a's job ran to its end after b took its lease; want it stopped at a's next renewal")
	}
	deadline := time.Now().Add(10 * ttl)
	for bRuns.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(ttl / 10)
	}
	stopA()
	stopB()
	if n := bRuns.Load(); n != 1 {
		t.Fatalf("b's runs = %d, want 1 (the job was not done when a stopped)", n)
	}
	logMu.Lock()
	out := logged.String()
	logMu.Unlock()
	if n := strings.Count(out, `"msg":"background job"`); n != 1 {
		t.Fatalf("logged runs = %d, want 1 (b's):\n%s", n, out)
	}
	if !strings.Contains(out, "job lease lost while the job ran") {
		t.Fatalf("no log of a's lost lease:\n%s", out)
	}
}

type lockedWriter struct {
	w  io.Writer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
