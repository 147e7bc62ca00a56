package domain

import (
	"context"
	"strings"
	"time"
)

// Allocation statuses.
const (
	AllocProposed = "proposed"
	AllocAccepted = "accepted"
)

// Allocation is a matcher proposal of how much of each open pledge to
// approve. An officer reviews it and accepts all or some of it; accepting
// approves the pledges through the normal rules.
type Allocation struct {
	ID             string `json:"id"`
	AuthorityID    string `json:"-"`
	Status         string `json:"status"`
	WeightsVersion int    `json:"weightsVersion"`
	Objective      int64  `json:"objective"`
	Bound          int64  `json:"bound"`
	// BoundKind says how Bound was proven (proven_optimum, knapsack or
	// flow); GapText explains Gap in words for the officer.
	BoundKind     string           `json:"boundKind,omitempty"`
	Gap           float64          `json:"gap"`
	GapText       string           `json:"gapText,omitempty"`
	Optimal       bool             `json:"optimal"`
	ApprovedPence int64            `json:"approvedPence"`
	Items         []AllocationItem `json:"items"`
	CreatedBy     string           `json:"createdBy"`
	CreatedAt     time.Time        `json:"createdAt"`
	AcceptedAt    *time.Time       `json:"acceptedAt,omitempty"`
	Version       int64            `json:"version"`
}

// AllocationItem is the proposal for one pledge, with why it was cut or left out.
type AllocationItem struct {
	PledgeID         string `json:"pledgeId"`
	PledgeVersion    int64  `json:"pledgeVersion"`
	RequestID        string `json:"requestId"`
	RequestTitle     string `json:"requestTitle"`
	OrganisationID   string `json:"organisationId"`
	OrganisationName string `json:"organisationName"`
	ValuePence       int64  `json:"valuePence"`
	ApprovedPence    int64  `json:"approvedPence"`
	// Quantity and Unit are the pledge's; ApprovedQuantity is what the
	// proposed part covers (whole units where the unit is countable).
	Quantity         int64   `json:"quantity"`
	Unit             string  `json:"unit"`
	ApprovedQuantity int64   `json:"approvedQuantity"`
	Score            float64 `json:"score"`
	Reason           string  `json:"reason,omitempty"`
	Explanation      string  `json:"explanation,omitempty"`
}

// AllocationStore persists proposals.
type AllocationStore interface {
	// CreateAllocation stores a proposal with its audit event.
	CreateAllocation(ctx context.Context, a *Allocation, ev *AuditEvent) error
	// AllocationByID returns ENOTFOUND when there is none.
	AllocationByID(ctx context.Context, id string) (*Allocation, error)
	// UpdateAllocation writes a if the stored version is prev; ECONFLICT otherwise.
	UpdateAllocation(ctx context.Context, a *Allocation, prev int64, ev *AuditEvent) error
}

// AcceptResult says which pledges an acceptance approved and which it skipped.
type AcceptResult struct {
	Approved []string      `json:"approved"`
	Skipped  []SkippedItem `json:"skipped"`
}

// SkippedItem is a pledge an acceptance left alone, and why.
type SkippedItem struct {
	PledgeID string `json:"pledgeId"`
	Reason   string `json:"reason"`
}

// SaveAllocation stores a proposal made by the officer.
func (s *Service) SaveAllocation(ctx context.Context, a *Actor, al *Allocation) error {
	if err := requireRole(a, RoleOfficer, RoleAdmin); err != nil {
		return err
	}
	st := s.Store
	now := s.now()
	al.ID, al.AuthorityID, al.Status, al.CreatedBy, al.CreatedAt, al.Version = NewID(), a.AuthorityID, AllocProposed, a.UserID, now, 1
	summary := map[string]any{"objective": al.Objective, "approvedPence": al.ApprovedPence, "pledges": len(al.Items), "weightsVersion": al.WeightsVersion}
	return st.CreateAllocation(ctx, al, NewAuditEvent(al.AuthorityID, a.UserID, "allocation.propose", "allocation", al.ID, nil, summary, now))
}

// GetAllocation returns a proposal of the officer's authority.
func (s *Service) GetAllocation(ctx context.Context, a *Actor, id string) (*Allocation, error) {
	if err := requireRole(a, RoleOfficer, RoleAdmin); err != nil {
		return nil, err
	}
	al, err := s.Store.AllocationByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if al.AuthorityID != a.AuthorityID {
		return nil, Errorf(ENOTFOUND, "Allocation not found.")
	}
	return al, nil
}

// AcceptAllocation approves the proposal's pledges (all, or those listed)
// through the normal rules: each approval checks the pledge's version as of
// the proposal, so a pledge changed since is skipped and reported.
func (s *Service) AcceptAllocation(ctx context.Context, a *Actor, id string, only []string) (*AcceptResult, error) {
	al, err := s.GetAllocation(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if al.Status != AllocProposed {
		return nil, Errorf(ECONFLICT, "This allocation was already accepted.")
	}
	want := map[string]bool{}
	for _, p := range only {
		want[p] = true
	}
	inProposal := map[string]bool{}
	for _, it := range al.Items {
		inProposal[it.PledgeID] = true
	}
	for _, p := range only {
		if !inProposal[p] {
			return nil, FieldErrorf("pledgeIds", "Pledge %s is not in this allocation.", truncateID(p))
		}
	}
	// Mark the proposal accepted first (compare-and-set), so two officers
	// cannot accept it twice at once.
	before, prev, now := *al, al.Version, s.now()
	al.Status, al.AcceptedAt, al.Version = AllocAccepted, &now, al.Version+1
	res := &AcceptResult{Approved: []string{}, Skipped: []SkippedItem{}}
	summary := map[string]any{"status": al.Status, "pledges": only}
	if err := s.Store.UpdateAllocation(ctx, al, prev, NewAuditEvent(al.AuthorityID, a.UserID, "allocation.accept", "allocation", al.ID, map[string]any{"status": before.Status}, summary, now)); err != nil {
		return nil, err
	}
	for _, it := range al.Items {
		if it.ApprovedPence <= 0 || (len(want) > 0 && !want[it.PledgeID]) {
			continue
		}
		if _, err := s.MovePledge(ctx, a, it.PledgeID, PledgeDecision{Move: PledgeApprove, AmountPence: it.ApprovedPence, ExpectVersion: it.PledgeVersion}); err != nil {
			if ErrorCode(err) == EINTERNAL || ErrorCode(err) == EUNAVAILABLE {
				return res, err
			}
			res.Skipped = append(res.Skipped, SkippedItem{PledgeID: it.PledgeID, Reason: ErrorMessage(err)})
			continue
		}
		res.Approved = append(res.Approved, it.PledgeID)
	}
	return res, nil
}

func truncateID(s string) string {
	if len(s) > 30 {
		return s[:30]
	}
	return s
}

// DeclineResult says which pledges a decline of those left out declined
// and which it left alone, and why.
type DeclineResult struct {
	Declined []string      `json:"declined"`
	Skipped  []SkippedItem `json:"skipped"`
}

// LeftOut reports whether an accepted allocation left the item out: it
// proposed none of the pledge, and not because the pledge waits for a
// bid's award.
func (it AllocationItem) LeftOut() bool {
	return it.ApprovedPence <= 0 && it.Reason != ReasonInBid
}

// DeclineLeftOut declines, in one step, the offered pledges an accepted
// allocation left out, each with the reason the allocation gave, each
// through the normal rules and with its own audit event. A pledge that is
// no longer offered is skipped and reported, so a second call declines
// nothing again.
func (s *Service) DeclineLeftOut(ctx context.Context, a *Actor, id string) (*DeclineResult, error) {
	al, err := s.GetAllocation(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if al.Status != AllocAccepted {
		return nil, Errorf(ECONFLICT, "Accept the allocation first: only then are the pledges it left out declined.")
	}
	res := &DeclineResult{Declined: []string{}, Skipped: []SkippedItem{}}
	for _, it := range al.Items {
		if !it.LeftOut() {
			continue
		}
		p, err := s.Store.PledgeByID(ctx, it.PledgeID)
		if ErrorCode(err) == ENOTFOUND {
			continue
		} else if err != nil {
			return res, err
		}
		if p.Status != PledgeOffered {
			res.Skipped = append(res.Skipped, SkippedItem{PledgeID: it.PledgeID, Reason: sprintf("The pledge is %s already.", p.Status)})
			continue
		}
		_, err = s.MovePledge(ctx, a, it.PledgeID, PledgeDecision{Move: PledgeDecline, Reason: leftOutReason(it), ExpectVersion: p.Version})
		switch ErrorCode(err) {
		case "":
			res.Declined = append(res.Declined, it.PledgeID)
		case EINTERNAL, EUNAVAILABLE:
			return res, err
		default:
			res.Skipped = append(res.Skipped, SkippedItem{PledgeID: it.PledgeID, Reason: ErrorMessage(err)})
		}
	}
	return res, nil
}

// leftOutReason is the decline's reason for a pledge an allocation left
// out: the allocation's own explanation, within a reason's length.
func leftOutReason(it AllocationItem) string {
	why := strings.TrimSpace(it.Explanation)
	if why == "" {
		why = "The matcher's allocation gave the need to other pledges."
	}
	r := []rune("Not in the allocation the council accepted. " + why)
	if len(r) > 2000 {
		r = r[:2000]
	}
	return string(r)
}
