package domain_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"needmatch/domain"
)

// diesAfterStore is the real store whose pledge approvals (CommitPledge)
// fail once left have been made, as a request that dies part way through accepting.
type diesAfterStore struct {
	domain.Store
	left *atomic.Int64
}

func (s diesAfterStore) CommitPledge(ctx context.Context, p *domain.Pledge, prev int64, chk domain.CommitCheck, ev *domain.AuditEvent) error {
	if s.left.Add(-1) < 0 {
		return domain.Errorf(domain.EUNAVAILABLE, "injected: the request died")
	}
	return s.Store.CommitPledge(ctx, p, prev, chk, ev)
}

// TestAcceptResumesAfterARequestDied: an accept that dies after approving
// some of the proposal's pledges leaves the proposal proposed, and the
// next accept approves the rest, counting those the first approved, and
// marks it accepted; a third is refused. Before, the proposal was marked
// accepted first: the dead accept left pledges offered, and accepting
// again was refused with 409.
func TestAcceptResumesAfterARequestDied(t *testing.T) {
	ctx := context.Background()
	bed := newAllocationBed(t, 20, 5, 60, 3)
	svc, _ := bed.service()
	al, err := svc.ProposeAllocation(ctx, bed.officer, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, it := range al.Items {
		if it.ApprovedPence > 0 {
			want = append(want, it.PledgeID)
		}
	}
	if len(want) < 6 {
		t.Fatalf("the proposal approves %d pledges, want at least 6 to cut part way", len(want))
	}
	left := &atomic.Int64{}
	left.Store(3)
	dying := domain.NewService(diesAfterStore{bed.db, left})
	dying.Now = svc.Now
	if _, err := dying.AcceptAllocation(ctx, bed.officer, al.ID, nil); domain.ErrorCode(err) != domain.EUNAVAILABLE {
		t.Fatalf("the dying accept: %v, want EUNAVAILABLE", err)
	}
	if got, err := svc.GetAllocation(ctx, bed.officer, al.ID); err != nil || got.Status != domain.AllocProposed {
		t.Fatalf("after the dying accept the proposal is %v (%v), want still proposed", got.Status, err)
	}
	res, err := svc.AcceptAllocation(ctx, bed.officer, al.ID, nil)
	if err != nil {
		t.Fatalf("accept again: %v", err)
	}
	if len(res.Approved) != len(want) || len(res.Skipped) != 0 {
		t.Fatalf("accept again approved %d and skipped %v, want all %d approved", len(res.Approved), res.Skipped, len(want))
	}
	for _, it := range al.Items {
		p, err := bed.db.PledgeByID(ctx, it.PledgeID)
		if err != nil {
			t.Fatal(err)
		}
		if it.ApprovedPence > 0 && (p.Status != domain.PledgeApproved || p.ApprovedPence != it.ApprovedPence || p.Version != it.PledgeVersion+1) {
			t.Fatalf("pledge %s: %s, %d pence, version %d; want approved once for %d", p.ID, p.Status, p.ApprovedPence, p.Version, it.ApprovedPence)
		}
	}
	if got, _ := svc.GetAllocation(ctx, bed.officer, al.ID); got.Status != domain.AllocAccepted {
		t.Fatalf("after accepting again the proposal is %s, want accepted", got.Status)
	}
	if _, err := svc.AcceptAllocation(ctx, bed.officer, al.ID, nil); domain.ErrorCode(err) != domain.ECONFLICT {
		t.Fatalf("a third accept: %v, want ECONFLICT", err)
	}
}
