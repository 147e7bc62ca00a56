package api

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"
)

// TestLimiter checks the in-memory token buckets: a key gets its burst,
// then is refused with the wait for one token; other keys, on any shard,
// are untouched; tokens come back with time; concurrent calls on one key
// take exactly the burst; a zero rate limits nothing.
func TestLimiter(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	l := newLimiter(Rate{PerMinute: 60, Burst: 3})
	for i := 0; i < 3; i++ {
		if ok, _ := l.allow(ctx, "10.0.0.1", now); !ok {
			t.Fatalf("call %d of the burst refused", i+1)
		}
	}
	if ok, wait := l.allow(ctx, "10.0.0.1", now); ok || wait != time.Second {
		t.Fatalf("4th call: allowed %v, wait %v; want refused, wait 1s", ok, wait)
	}
	for i := 0; i < 200; i++ { // keys spread over every shard
		if ok, _ := l.allow(ctx, fmt.Sprintf("10.0.1.%d", i), now); !ok {
			t.Fatalf("key %d refused by another key's bucket", i)
		}
	}
	if ok, _ := l.allow(ctx, "10.0.0.1", now.Add(999*time.Millisecond)); ok {
		t.Fatal("allowed before a token came back")
	}
	if ok, _ := l.allow(ctx, "10.0.0.1", now.Add(2*time.Second)); !ok {
		t.Fatal("refused after a token came back")
	}

	l = newLimiter(Rate{PerMinute: 1, Burst: 50})
	var wg sync.WaitGroup
	var mu sync.Mutex
	allowed := 0
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 20; i++ {
				if ok, _ := l.allow(ctx, "10.0.0.2", now); ok {
					mu.Lock()
					allowed++
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	if allowed != 50 {
		t.Fatalf("160 concurrent calls on one key: %d allowed, want the burst of 50", allowed)
	}

	off := newLimiter(Rate{})
	if off.active() {
		t.Fatal("a zero rate is active")
	}
	for i := 0; i < 1000; i++ {
		if ok, _ := off.allow(ctx, "10.0.0.3", now); !ok {
			t.Fatal("a zero rate refused a call")
		}
	}
}

// TestLimiterSweep checks that buckets that have refilled are forgotten, so
// that the memory held follows the clients of the last moments, not all.
func TestLimiterSweep(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	l := newLimiter(Rate{PerMinute: 600, Burst: 10})
	for i := 0; i < 5000; i++ {
		l.allow(ctx, fmt.Sprintf("10.1.%d.%d", i/256, i%256), now)
	}
	later := now.Add(time.Minute)
	for i := 0; i < limiterShards*limiterSweep; i++ {
		l.allow(ctx, "10.2.0.1", later)
	}
	// 10.2.0.1 sweeps only its own shard (the others keep their buckets
	// until their own calls come): down to its one live key.
	if n := len(l.shards[l.shardOf("10.2.0.1")].buckets); n != 1 {
		t.Fatalf("after a sweep the shard holds %d buckets, want 1", n)
	}
}

// BenchmarkLimiter measures one anonymous read's token from many clients
// at once (the read load's case, DefaultLimits.ReadsPerIP).
func BenchmarkLimiter(b *testing.B) {
	l := newLimiter(Rate{PerMinute: 1e9, Burst: 1e9})
	keys := make([]string, 1024)
	for i := range keys {
		keys[i] = fmt.Sprintf("10.0.%d.%d", i/256, i%256)
	}
	now := time.Now()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			l.allow(context.Background(), keys[i%len(keys)], now)
			i++
		}
	})
}
