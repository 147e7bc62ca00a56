package domain

import (
	"context"
	"time"
)

// IdempotencyRecord remembers a POST made with an Idempotency-Key so that a
// retry gets the first answer instead of doing the change twice. Keys are
// scoped per user.
type IdempotencyRecord struct {
	UserID      string    `json:"userId"`
	Key         string    `json:"key"`
	Fingerprint string    `json:"fingerprint"` // hash of method, path and body
	Done        bool      `json:"done"`
	Status      int       `json:"status"`
	ContentType string    `json:"contentType"`
	Body        []byte    `json:"body"`
	CreatedAt   time.Time `json:"createdAt"`
}

// IdempotencyStore keeps idempotency records in the database, so every API
// process sees them.
type IdempotencyStore interface {
	// ClaimIdempotency stores r (not done) unless the user already has the
	// key; then it returns the existing record with ECONFLICT.
	ClaimIdempotency(ctx context.Context, r *IdempotencyRecord) (*IdempotencyRecord, error)
	// CompleteIdempotency records the answer of a claimed key.
	CompleteIdempotency(ctx context.Context, r *IdempotencyRecord) error
	// ReleaseIdempotency forgets a claimed key whose request failed on our
	// side, so the client may retry it.
	ReleaseIdempotency(ctx context.Context, userID, key string) error
}
