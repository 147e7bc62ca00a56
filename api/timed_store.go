package api

import (
	"context"
	"time"

	"needmatch/domain"
)

// TimedStore wraps a store and records the latency of its busiest calls in
// the needmatch_store_duration_seconds histogram.
func TimedStore(s domain.Store, m *Metrics) domain.Store {
	return &timedStore{Store: s, m: m}
}

type timedStore struct {
	domain.Store
	m *Metrics
}

func (t *timedStore) since(op string, start time.Time) {
	t.m.Observe("needmatch_store_duration_seconds", time.Since(start), "op", op)
}

func (t *timedStore) UserByID(ctx context.Context, id string) (*domain.User, error) {
	defer t.since("UserByID", time.Now())
	return t.Store.UserByID(ctx, id)
}

func (t *timedStore) RequestByID(ctx context.Context, id string) (*domain.Request, error) {
	defer t.since("RequestByID", time.Now())
	return t.Store.RequestByID(ctx, id)
}

func (t *timedStore) FindRequests(ctx context.Context, f domain.RequestFilter) ([]*domain.Request, string, error) {
	defer t.since("FindRequests", time.Now())
	return t.Store.FindRequests(ctx, f)
}

func (t *timedStore) CreateRequest(ctx context.Context, r *domain.Request, ev *domain.AuditEvent) error {
	defer t.since("CreateRequest", time.Now())
	return t.Store.CreateRequest(ctx, r, ev)
}

func (t *timedStore) UpdateRequest(ctx context.Context, r *domain.Request, prev int64, ev *domain.AuditEvent) error {
	defer t.since("UpdateRequest", time.Now())
	return t.Store.UpdateRequest(ctx, r, prev, ev)
}

func (t *timedStore) PledgeByID(ctx context.Context, id string) (*domain.Pledge, error) {
	defer t.since("PledgeByID", time.Now())
	return t.Store.PledgeByID(ctx, id)
}

func (t *timedStore) FindPledges(ctx context.Context, f domain.PledgeFilter) ([]*domain.Pledge, string, error) {
	defer t.since("FindPledges", time.Now())
	return t.Store.FindPledges(ctx, f)
}

func (t *timedStore) CreatePledge(ctx context.Context, p *domain.Pledge, ev *domain.AuditEvent) error {
	defer t.since("CreatePledge", time.Now())
	return t.Store.CreatePledge(ctx, p, ev)
}

func (t *timedStore) UpdatePledge(ctx context.Context, p *domain.Pledge, prev int64, ev *domain.AuditEvent) error {
	defer t.since("UpdatePledge", time.Now())
	return t.Store.UpdatePledge(ctx, p, prev, ev)
}

func (t *timedStore) FindAudit(ctx context.Context, f domain.AuditFilter) ([]*domain.AuditEvent, error) {
	defer t.since("FindAudit", time.Now())
	return t.Store.FindAudit(ctx, f)
}

func (t *timedStore) LedgerSums(ctx context.Context, f domain.LedgerFilter) ([]domain.LedgerSum, error) {
	defer t.since("LedgerSums", time.Now())
	return t.Store.LedgerSums(ctx, f)
}
