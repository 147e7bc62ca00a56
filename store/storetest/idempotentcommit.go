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

// testIdempotentCommitWrites: the changes that write their own commit
// (an account, a council, an evidence upload, a ledger intent: a delivery
// report and an award) answer a claimed key in that commit too, with the
// object the change created (201, its id), when the request dies right
// after it.
func testIdempotentCommitWrites(t *testing.T, s domain.Store) {
	ctx := context.Background()
	f := newFixture(t, s)
	// keyed runs change under a new claimed key, lets its request die
	// (the release a failed request makes), and checks that a retry finds
	// the key answered with the object id, created (201).
	keyed := func(key string, change func(context.Context) error, id string) {
		t.Helper()
		claim := &domain.IdempotencyRecord{UserID: f.gUser.ID, Key: key, Fingerprint: "fp", CreatedAt: t0}
		if _, err := s.ClaimIdempotency(ctx, claim); err != nil {
			t.Fatal(err)
		}
		if err := change(domain.WithIdempotency(ctx, claim)); err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		if err := s.ReleaseIdempotency(ctx, claim.UserID, claim.Key); err != nil {
			t.Fatal(err)
		}
		prev, err := s.ClaimIdempotency(ctx, &domain.IdempotencyRecord{UserID: claim.UserID, Key: key, Fingerprint: "fp", CreatedAt: t0.Add(2 * domain.IdempotencyClaimTTL)})
		var body struct {
			ID string `json:"id"`
		}
		if domain.ErrorCode(err) != domain.ECONFLICT || prev == nil || !prev.Done || prev.Status != 201 || json.Unmarshal(prev.Body, &body) != nil || body.ID != id {
			t.Fatalf("%s: retry after the commit found %+v, %v; want %s answered 201", key, prev, err, id)
		}
	}
	event := func(auth *domain.Authority, action, typ, id string, after any) *domain.AuditEvent {
		return domain.NewAuditEvent(auth.ID, f.gUser.ID, action, typ, id, nil, after, t0)
	}

	// An account: an invitation.
	u := &domain.User{ID: domain.NewID(), AuthorityID: f.auth.ID, Authority: f.auth.Slug, Email: "invited@example.org", Name: "Invited", Role: domain.RoleAdmin,
		PasswordHash: "h", Version: 1, CreatedAt: t0, UpdatedAt: t0}
	keyed("invite", func(ctx context.Context) error {
		return s.CreateUser(ctx, u, event(f.auth, "user.invite", "user", u.ID, u))
	}, u.ID)

	// A council.
	c := &domain.Authority{ID: domain.NewID(), Slug: "keyed-council", Name: "Keyed council", Areas: []domain.Area{}, Thresholds: domain.DefaultThresholds, Version: 1}
	keyed("council", func(ctx context.Context) error {
		return s.CreateAuthority(ctx, c, event(c, "authority.create", "authority", c.ID, c))
	}, c.ID)

	// An evidence upload.
	e := &domain.Evidence{ID: domain.NewID(), AuthorityID: f.auth.ID, OrganisationID: f.supplier.ID, FileName: "keyed.txt", ContentType: "text/plain",
		Size: 5, SHA256: sha("keyed"), CreatedAt: t0}
	keyed("evidence", func(ctx context.Context) error {
		return s.CreateEvidence(ctx, e, []byte("keyed"), event(f.auth, "evidence.upload", "evidence", e.ID, e))
	}, e.ID)

	// A ledger intent: a delivery report, committed on its pledge.
	r := f.request(t, s, "Keyed delivery", domain.ReqPublished, "E05015018", "volunteering")
	p := f.pledge(t, s, r, 1000, domain.PledgeApproved, 1000)
	d := f.delivery(p, 4, e)
	prev := p.Version
	p.Settle([]*domain.Delivery{d}, t0)
	keyed("delivery", func(ctx context.Context) error {
		return s.CreateDelivery(ctx, d, p, prev, []*domain.AuditEvent{event(f.auth, "delivery.report", "delivery", d.ID, d), ev(f.auth, "pledge.settle", p.ID, t0)})
	}, d.ID)
	if ds, err := s.DeliveriesOfPledge(ctx, p.ID); err != nil || len(ds) != 1 || ds[0].ID != d.ID {
		t.Fatalf("deliveries of the pledge = %v, %v; want %s alone", ds, err, d.ID)
	}
	if got, err := s.EvidenceByID(ctx, e.ID); err != nil || got.DeliveryID != d.ID {
		t.Fatalf("evidence after the keyed report = %+v, %v; want it attached to %s", got, err, d.ID)
	}
}
