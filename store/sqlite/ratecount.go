package sqlite

import (
	"context"
	"sync"
	"time"
)

// rateCounts are the rate-limit counters of the embedded store. Its process
// is the only one serving its data, so they live in memory: counting every
// call through the single writer would put an fsync on each anonymous GET.
type rateCounts struct {
	mu    sync.Mutex
	m     map[rateCountKey]rateCount
	calls int
}

type rateCountKey struct {
	key    string
	window int64
}

type rateCount struct {
	n       int64
	expires time.Time
}

// CountCall adds one to the counter of key in the window that starts at
// window and returns the count after it; counters past expires are
// forgotten from time to time.
func (db *DB) CountCall(_ context.Context, key string, window, expires time.Time) (int64, error) {
	c := &db.rates
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[rateCountKey]rateCount{}
	}
	if c.calls++; c.calls%4096 == 0 {
		for k, v := range c.m {
			if window.After(v.expires) {
				delete(c.m, k)
			}
		}
	}
	k := rateCountKey{key, window.UnixNano()}
	v := c.m[k]
	v.n++
	v.expires = expires
	c.m[k] = v
	return v.n, nil
}
