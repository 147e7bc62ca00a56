package domain

import (
	"context"
	"time"
)

// RateStore keeps the call counters of rate limits where every API process
// sees them (MongoDB: a collection whose documents expire; the embedded
// store, the only process of its data, keeps them in its memory).
type RateStore interface {
	// CountCall adds one to the counter of key in the window that starts at
	// window and returns the count after it. The counter may be forgotten
	// after expires.
	CountCall(ctx context.Context, key string, window, expires time.Time) (int64, error)
}

// RateCount is a call counted against a limit of allowance calls per
// window of length per: Allowed says whether the call is within it, and
// RetryAfter, when not, how long until the next window opens.
type RateCount struct {
	Allowed    bool
	RetryAfter time.Duration
}

// CountCall counts a call by key against allowance calls per window of
// length per, in fixed windows aligned on the Unix epoch, so that every
// process counts into the same window. Over any span of length per at most
// 2*allowance calls pass (the end of one window and the start of the next);
// over a long span, allowance per per.
func (s *Service) CountCall(ctx context.Context, key string, allowance int64, per time.Duration, now time.Time) (RateCount, error) {
	start := now.Truncate(per)
	n, err := s.Store.CountCall(ctx, key, start, start.Add(2*per))
	if err != nil {
		return RateCount{Allowed: true}, err
	}
	if n <= allowance {
		return RateCount{Allowed: true}, nil
	}
	return RateCount{RetryAfter: start.Add(per).Sub(now)}, nil
}
