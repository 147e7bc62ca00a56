package storetest

import (
	"context"
	"testing"
	"time"

	"needmatch/domain"
)

// testCountCall checks the rate-limit counters: one per key and window,
// counted from 1, apart for another key or window.
func testCountCall(t *testing.T, s domain.Store) {
	ctx := context.Background()
	w := t0.Truncate(time.Minute)
	for i, c := range []struct {
		key    string
		window time.Time
		want   int64
	}{
		{"login:192.0.2.1", w, 1},
		{"login:192.0.2.1", w, 2},
		{"login:192.0.2.2", w, 1},
		{"login:192.0.2.1", w.Add(time.Minute), 1},
		{"login:192.0.2.1", w, 3},
		{"reads:192.0.2.1", w, 1},
	} {
		n, err := s.CountCall(ctx, c.key, c.window, c.window.Add(2*time.Minute))
		if err != nil || n != c.want {
			t.Fatalf("call %d: CountCall(%s, %v) = %d, %v; want %d", i, c.key, c.window, n, err, c.want)
		}
	}
}
