package storetest

import (
	"context"
	"encoding/json"
	"testing"

	"needmatch/domain"
)

// testIdempotentCommit: a change made under a claimed Idempotency-Key
// answers the key in its own commit. The request dying right after the
// commit (no answer recorded by it, and the release a failed request
// makes) leaves the key answered with the created object, so the retry
// gets that object and no second one is made.
func testIdempotentCommit(t *testing.T, s domain.Store) {
	ctx := context.Background()
	f := newFixture(t, s)
	claim := &domain.IdempotencyRecord{UserID: f.gUser.ID, Key: "create-once", Fingerprint: "fp", CreatedAt: t0}
	if _, err := s.ClaimIdempotency(ctx, claim); err != nil {
		t.Fatal(err)
	}
	keyed := domain.WithIdempotency(ctx, claim)
	r := &domain.Request{ID: domain.NewID(), AuthorityID: f.auth.ID, Authority: f.auth.Slug, OrganisationID: f.group.ID, OrganisationName: f.group.Name,
		Title: "Keyed", Description: "About keyed", Kind: "goods", Area: "E05015018", Quantity: 10, Unit: "hours", ValuePence: 100_000,
		Deadline: t0.AddDate(0, 3, 0), Status: domain.ReqDraft, Version: 1, CreatedAt: t0, UpdatedAt: t0}
	if err := s.CreateRequest(keyed, r, domain.NewAuditEvent(f.auth.ID, f.gUser.ID, "request.create", "request", r.ID, nil, r, t0)); err != nil {
		t.Fatal(err)
	}
	// A second change of the same request answers nothing: the first did.
	upd := *r
	upd.Title, upd.Version = "Keyed again", 2
	if err := s.UpdateRequest(keyed, &upd, 1, domain.NewAuditEvent(f.auth.ID, f.gUser.ID, "request.update", "request", r.ID, r, &upd, t0)); err != nil {
		t.Fatal(err)
	}
	// The request dies after the commit: it answers nothing itself, and a
	// failure path releases the key.
	if err := s.ReleaseIdempotency(ctx, claim.UserID, claim.Key); err != nil {
		t.Fatal(err)
	}
	prev, err := s.ClaimIdempotency(ctx, &domain.IdempotencyRecord{UserID: claim.UserID, Key: claim.Key, Fingerprint: "fp", CreatedAt: t0.Add(domain.IdempotencyClaimTTL * 2)})
	wantCode(t, err, domain.ECONFLICT)
	var body struct {
		ID    string `json:"id"`
		Title string `json:"title"`
	}
	if prev == nil || !prev.Done || prev.Status != 201 || prev.ContentType != "application/json" || json.Unmarshal(prev.Body, &body) != nil || body.ID != r.ID || body.Title != "Keyed" {
		t.Fatalf("retry after the commit found %+v, want the created request %s answered 201", prev, r.ID)
	}
	reqs, _, err := s.FindRequests(ctx, domain.RequestFilter{AuthorityID: f.auth.ID})
	if err != nil || len(reqs) != 1 {
		t.Fatalf("requests = %d, %v; want 1", len(reqs), err)
	}

	// A change refused (a stale version) answers nothing: the key is
	// released and a retry may make the change.
	other := &domain.IdempotencyRecord{UserID: claim.UserID, Key: "refused", Fingerprint: "fp", CreatedAt: t0}
	if _, err := s.ClaimIdempotency(ctx, other); err != nil {
		t.Fatal(err)
	}
	stale := upd
	stale.Version = 9
	wantCode(t, s.UpdateRequest(domain.WithIdempotency(ctx, other), &stale, 8, domain.NewAuditEvent(f.auth.ID, f.gUser.ID, "request.update", "request", r.ID, &upd, &stale, t0)), domain.ECONFLICT)
	if err := s.ReleaseIdempotency(ctx, other.UserID, other.Key); err != nil {
		t.Fatal(err)
	}
	if prev, err := s.ClaimIdempotency(ctx, &domain.IdempotencyRecord{UserID: other.UserID, Key: other.Key, Fingerprint: "fp", CreatedAt: t0}); err != nil || prev != nil {
		t.Fatalf("claim after a refused change: %+v, %v; want the key free", prev, err)
	}
}
