package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"needmatch/domain"
)

// testLeases: a lease is one holder's at a time, renewed by its holder,
// taken over once it expires or is released (on the database's clock), and
// keeps its last run across holders; a sweep of a store with nothing half
// done finishes nothing.
func testLeases(t *testing.T, s domain.Store) {
	ctx := context.Background()
	acquire := func(holder string, ttl time.Duration) *domain.Lease {
		t.Helper()
		l, err := s.AcquireLease(ctx, "lapse", holder, ttl)
		if err != nil {
			t.Fatalf("AcquireLease(%s): %v", holder, err)
		}
		if l.Name != "lapse" || l.Now.IsZero() {
			t.Fatalf("lease = %+v, want its name and the database's now", l)
		}
		return l
	}
	l := acquire("a", time.Minute)
	if !l.HeldBy("a") || !l.Due(24*time.Hour) || !l.LastRun.IsZero() {
		t.Fatalf("first acquire = %+v, want a's, due, never run", l)
	}
	if d := l.Until.Sub(l.Now); d < 59*time.Second || d > 61*time.Second {
		t.Fatalf("until - now = %v, want the ttl (1m)", d)
	}
	if l := acquire("b", time.Minute); l.HeldBy("b") || l.Holder != "a" {
		t.Fatalf("b's acquire of a's lease = %+v, want a's still", l)
	}
	wantCode(t, s.LeaseRan(ctx, "lapse", "b"), domain.ECONFLICT)
	if err := s.LeaseRan(ctx, "lapse", "a"); err != nil {
		t.Fatal(err)
	}
	l = acquire("a", 2*time.Minute) // renewal
	if !l.HeldBy("a") || l.Until.Sub(l.Now) < 119*time.Second || l.LastRun.IsZero() || l.Due(time.Hour) {
		t.Fatalf("renewed lease = %+v, want a's for 2m, run just now, not due within the hour", l)
	}
	ran := l.LastRun
	if d := l.Now.Sub(ran); d < 0 || d > 10*time.Second {
		t.Fatalf("last run %v is %v before the database's now", ran, d)
	}

	// Released: b takes it at once, and the last run stays.
	if err := s.ReleaseLease(ctx, "lapse", "b"); err != nil { // not b's: nothing
		t.Fatal(err)
	}
	if l := acquire("b", time.Minute); l.HeldBy("b") {
		t.Fatalf("a's lease released by b: %+v", l)
	}
	if err := s.ReleaseLease(ctx, "lapse", "a"); err != nil {
		t.Fatal(err)
	}
	l = acquire("b", 300*time.Millisecond)
	if !l.HeldBy("b") || !l.LastRun.Equal(ran) {
		t.Fatalf("after a's release b's acquire = %+v, want b's with last run %v", l, ran)
	}
	wantCode(t, s.LeaseRan(ctx, "lapse", "a"), domain.ECONFLICT)

	// Expired: b stops renewing and c takes it over.
	if l := acquire("c", time.Minute); l.HeldBy("c") {
		t.Fatalf("c took b's live lease: %+v", l)
	}
	time.Sleep(400 * time.Millisecond)
	if l := acquire("c", time.Minute); !l.HeldBy("c") || !l.LastRun.Equal(ran) {
		t.Fatalf("c after b's lease expired = %+v, want c's with last run %v", l, ran)
	}
	wantCode(t, s.LeaseRan(ctx, "lapse", "b"), domain.ECONFLICT)
	if l := acquire("b", time.Minute); l.HeldBy("b") || l.Holder != "c" {
		t.Fatalf("b back after expiry = %+v, want c's", l)
	}
	// Another name is another lease.
	if l, err := s.AcquireLease(ctx, "purge", "b", time.Minute); err != nil || !l.HeldBy("b") {
		t.Fatalf("b's purge lease = %+v, %v", l, err)
	}

	// Many processes after an expired lease at once: exactly one gets it.
	if err := s.ReleaseLease(ctx, "lapse", "c"); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	holders := map[string]bool{}
	var wg sync.WaitGroup
	for i := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h := fmt.Sprintf("p%d", i)
			l, err := s.AcquireLease(ctx, "lapse", h, time.Minute)
			if err != nil {
				t.Error(err)
				return
			}
			if l.HeldBy(h) {
				mu.Lock()
				holders[h] = true
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(holders) != 1 {
		t.Fatalf("holders after a race = %v, want exactly one", holders)
	}

	if n, err := s.RecoverPending(ctx, domain.PendingAge); err != nil || n != 0 {
		t.Fatalf("RecoverPending on a store with nothing half done = %d, %v; want 0", n, err)
	}
}
