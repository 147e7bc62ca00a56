package storetest

import (
	"context"
	"testing"
	"time"

	"needmatch/domain"
)

// testExpiry: a claim left by a dead request is taken over after
// IdempotencyClaimTTL, an answer is replayed for IdempotencyKeep and then the
// key is new; the purge deletes exactly what is past its time (times in any
// offset); expired refresh tokens go after RefreshTokenKeep.
func testExpiry(t *testing.T, s domain.Store) {
	ctx := context.Background()
	claim := func(key, fp string, at time.Time) (*domain.IdempotencyRecord, error) {
		return s.ClaimIdempotency(ctx, &domain.IdempotencyRecord{UserID: "u1", Key: key, Fingerprint: fp, CreatedAt: at})
	}
	if _, err := claim("dead", "f1", t0); err != nil {
		t.Fatal(err)
	}
	_, err := claim("dead", "f1", t0.Add(domain.IdempotencyClaimTTL-time.Second))
	wantCode(t, err, domain.ECONFLICT)
	if prev, err := claim("dead", "f2", t0.Add(domain.IdempotencyClaimTTL+time.Second)); err != nil || prev != nil {
		t.Fatalf("claim after the dead one's time: %v %v", prev, err)
	}
	// The new claim holds the key with its own fingerprint.
	prev, err := claim("dead", "f3", t0.Add(domain.IdempotencyClaimTTL+2*time.Second))
	wantCode(t, err, domain.ECONFLICT)
	if prev == nil || prev.Fingerprint != "f2" {
		t.Fatalf("held by %+v", prev)
	}

	done := &domain.IdempotencyRecord{UserID: "u1", Key: "done", Fingerprint: "f1", CreatedAt: t0}
	if _, err := s.ClaimIdempotency(ctx, done); err != nil {
		t.Fatal(err)
	}
	done.Done, done.Status, done.ContentType, done.Body = true, 201, "application/json", []byte(`{}`)
	if err := s.CompleteIdempotency(ctx, done); err != nil {
		t.Fatal(err)
	}
	prev, err = claim("done", "f1", t0.Add(domain.IdempotencyKeep-time.Minute))
	wantCode(t, err, domain.ECONFLICT)
	if prev == nil || !prev.Done || prev.Status != 201 {
		t.Fatalf("replay within the day: %+v", prev)
	}
	if prev, err := claim("done", "f1", t0.Add(domain.IdempotencyKeep+time.Minute)); err != nil || prev != nil {
		t.Fatalf("the key after a day: %v %v", prev, err)
	}

	// Purge: one old answer, one new answer, one old claim, one new claim;
	// the new ones written in another offset, a second either side of the cut.
	now := t0.Add(72 * time.Hour)
	east := time.FixedZone("east", 5*3600)
	recs := []struct {
		key  string
		done bool
		at   time.Time
	}{
		{"old-answer", true, now.Add(-domain.IdempotencyKeep - time.Second)},
		{"new-answer", true, now.Add(-domain.IdempotencyKeep + time.Second).In(east)},
		{"old-claim", false, now.Add(-domain.IdempotencyClaimTTL - time.Second).In(east)},
		{"new-claim", false, now.Add(-domain.IdempotencyClaimTTL + time.Second)},
	}
	for _, r := range recs {
		rec := &domain.IdempotencyRecord{UserID: "u2", Key: r.key, Fingerprint: "f", CreatedAt: r.at}
		if _, err := s.ClaimIdempotency(ctx, rec); err != nil {
			t.Fatal(err)
		}
		if r.done {
			rec.Done, rec.Status = true, 200
			if err := s.CompleteIdempotency(ctx, rec); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := s.PurgeIdempotency(ctx, now.Add(-72*time.Hour-time.Hour), now.Add(-72*time.Hour-time.Hour)); err != nil {
		t.Fatal(err)
	}
	n, err := s.PurgeIdempotency(ctx, now.Add(-domain.IdempotencyKeep), now.Add(-domain.IdempotencyClaimTTL))
	// u1's records are all older than both cuts: "dead" (a claim) and "done"
	// (a claim again after its take-over) go too.
	if err != nil || n != 4 {
		t.Fatalf("purged %d, %v; want 4 (two of u2's, two of u1's)", n, err)
	}
	for _, r := range recs {
		prev, err := s.ClaimIdempotency(ctx, &domain.IdempotencyRecord{UserID: "u2", Key: r.key, Fingerprint: "g", CreatedAt: now})
		kept := prev != nil && domain.ErrorCode(err) == domain.ECONFLICT
		if want := r.key[:3] == "new"; kept != want {
			t.Fatalf("%s kept = %v, want %v (%v)", r.key, kept, want, err)
		}
	}

	f := newFixture(t, s)
	old := &domain.RefreshToken{ID: domain.NewID(), Family: "fam", UserID: f.gUser.ID, ExpiresAt: now.Add(-domain.RefreshTokenKeep - time.Second), CreatedAt: t0}
	recent := &domain.RefreshToken{ID: domain.NewID(), Family: "fam", UserID: f.gUser.ID, ExpiresAt: now.Add(-domain.RefreshTokenKeep + time.Second).In(east), CreatedAt: t0}
	for _, tok := range []*domain.RefreshToken{old, recent} {
		if err := s.CreateRefreshToken(ctx, tok); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := s.PurgeRefreshTokens(ctx, now.Add(-domain.RefreshTokenKeep)); err != nil || n != 1 {
		t.Fatalf("purged %d tokens, %v; want 1", n, err)
	}
	if _, err := s.UseRefreshToken(ctx, old.ID); domain.ErrorCode(err) != domain.ENOTFOUND && domain.ErrorCode(err) != domain.EUNAUTHORIZED {
		t.Fatalf("the purged token: %v", err)
	}
	if got, err := s.UseRefreshToken(ctx, recent.ID); err != nil || got.ID != recent.ID {
		t.Fatalf("the kept token: %+v %v", got, err)
	}
}
