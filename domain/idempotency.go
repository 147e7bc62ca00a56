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

const (
	// IdempotencyClaimTTL bounds how long a claim may wait for its answer:
	// a claim older than this was left by a request that died with its
	// process, and a retry takes it over instead of hearing 409 for ever.
	IdempotencyClaimTTL = 5 * time.Minute
	// IdempotencyKeep is how long an answer is replayed; after it the
	// record is purged and the key is new again.
	IdempotencyKeep = 24 * time.Hour
	// RefreshTokenKeep is how long an expired refresh token is kept: until
	// then presenting it again still revokes its family.
	RefreshTokenKeep = 30 * 24 * time.Hour
)

// Stale says whether the record no longer holds its key at now: an
// unfinished claim past IdempotencyClaimTTL, or an answer past
// IdempotencyKeep. A stale record is replaced by a new claim.
func (r *IdempotencyRecord) Stale(now time.Time) bool {
	age := now.Sub(r.CreatedAt)
	if !r.Done {
		return age > IdempotencyClaimTTL
	}
	return age > IdempotencyKeep
}

// PurgeExpired deletes idempotency records past IdempotencyKeep (and
// claims past IdempotencyClaimTTL) and refresh tokens expired more than
// RefreshTokenKeep ago; it returns how many records went.
func (s *Service) PurgeExpired(ctx context.Context, now time.Time) (int64, error) {
	n, err := s.Store.PurgeIdempotency(ctx, now.Add(-IdempotencyKeep), now.Add(-IdempotencyClaimTTL))
	if err != nil {
		return n, err
	}
	m, err := s.Store.PurgeRefreshTokens(ctx, now.Add(-RefreshTokenKeep))
	return n + m, err
}

// IdempotencyStore keeps idempotency records in the database, so every API
// process sees them.
type IdempotencyStore interface {
	// ClaimIdempotency stores r (not done) unless the user already has the
	// key in a record that is not Stale at r.CreatedAt; then it returns
	// that record with ECONFLICT. A stale record is replaced by r.
	ClaimIdempotency(ctx context.Context, r *IdempotencyRecord) (*IdempotencyRecord, error)
	// CompleteIdempotency records the answer of a claimed key.
	CompleteIdempotency(ctx context.Context, r *IdempotencyRecord) error
	// ReleaseIdempotency forgets a claimed key whose request failed on our
	// side, so the client may retry it; a key that a committed change
	// answered (done) stays, so the retry gets that answer.
	ReleaseIdempotency(ctx context.Context, userID, key string) error
	// PurgeIdempotency deletes answers created before doneBefore and
	// unfinished claims created before claimBefore.
	PurgeIdempotency(ctx context.Context, doneBefore, claimBefore time.Time) (int64, error)
	// PurgeRefreshTokens deletes refresh tokens that expired before t.
	PurgeRefreshTokens(ctx context.Context, expiredBefore time.Time) (int64, error)
}

type idempotencyCtxKey struct{}

// WithIdempotency says that the change made under ctx answers the
// claimed key r: the store records the change's answer in r's record in
// the change's own commit (SQLite: the same transaction; MongoDB: the
// pending event carries the key, and chaining it, also by the recovery
// sweep, answers the record). A retry after a crash past the commit point
// then gets that answer, never a second object.
func WithIdempotency(ctx context.Context, r *IdempotencyRecord) context.Context {
	return context.WithValue(ctx, idempotencyCtxKey{}, r)
}

// IdempotencyOf returns the claimed key of the change made under ctx, or nil.
func IdempotencyOf(ctx context.Context) *IdempotencyRecord {
	r, _ := ctx.Value(idempotencyCtxKey{}).(*IdempotencyRecord)
	return r
}

// withoutKey is ctx for the writes of an import: they answer no key. An
// import writes many records, and the first one's commit would answer the
// key with that record (201 and one supplier), so a retry after a request
// killed part way (MongoDB writes an import record by record) got that
// answer and the rest of the file was never imported. An import plans only
// what is missing, so its key is answered by the request when it ends;
// after a crash the claim lapses (IdempotencyClaimTTL) and the retry
// imports the rest.
func withoutKey(ctx context.Context) context.Context {
	return context.WithValue(ctx, idempotencyCtxKey{}, (*IdempotencyRecord)(nil))
}

// CommittedAnswer is the answer a store records for a claimed key when the
// change's first audit event commits: the object as the event has it
// after the change, 201 when the event created it (nothing before), 200
// otherwise. The request that made the change replaces it with its own
// answer when it ends; only a retry after that request died sees it.
func CommittedAnswer(ev *AuditEvent) (status int, contentType string, body []byte) {
	status = 200
	if len(ev.Before) == 0 {
		status = 201
	}
	return status, "application/json", ev.After
}
