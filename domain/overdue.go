package domain

import (
	"context"
	"time"
)

// OverdueItem is a commitment past its due date without verified delivery.
type OverdueItem struct {
	Pledge      *Pledge   `json:"pledge"`
	DueDate     time.Time `json:"dueDate"`
	DaysOverdue int       `json:"daysOverdue"`
	// LapsesOn is when the daily job will mark it lapsed if still undelivered
	// (only for approved and in-delivery pledges).
	LapsesOn *time.Time `json:"lapsesOn,omitempty"`
}

// DefaultLapseAfter is how long past due an undelivered commitment lapses.
const DefaultLapseAfter = 30 * 24 * time.Hour

func (s *Service) lapseAfter() time.Duration {
	if s.LapseAfter > 0 {
		return s.LapseAfter
	}
	return DefaultLapseAfter
}

// Overdue lists the officer's authority's commitments past due without
// verified delivery, oldest first, with their age in days.
func (s *Service) Overdue(ctx context.Context, a *Actor) ([]OverdueItem, error) {
	if err := requireRole(a, RoleOfficer, RoleAdmin); err != nil {
		return nil, err
	}
	return s.overdueOf(ctx, a.AuthorityID)
}

// overdueOf lists a council's overdue commitments.
func (s *Service) overdueOf(ctx context.Context, authorityID string) ([]OverdueItem, error) {
	now := s.now()
	ps, err := s.Store.FindOverdue(ctx, authorityID, now, 10_000)
	if err != nil {
		return nil, err
	}
	out := make([]OverdueItem, 0, len(ps))
	for _, p := range ps {
		it := OverdueItem{Pledge: p, DueDate: *p.DueDate, DaysOverdue: int(now.Sub(*p.DueDate).Hours() / 24)}
		if p.Status == PledgeApproved || p.Status == PledgeInDelivery {
			t := p.DueDate.Add(s.lapseAfter())
			it.LapsesOn = &t
		}
		out = append(out, it)
	}
	return out, nil
}

// MarkLapsed marks every approved or in-delivery pledge of any authority
// that is more than LapseAfter past its due date as lapsed, each with its
// audit event, and returns how many it marked. A pledge changed at the same
// moment is left for the next run.
func (s *Service) MarkLapsed(ctx context.Context, now time.Time) (int, error) {
	vs := s.Store
	n := 0
	for {
		ps, err := vs.LapseCandidates(ctx, now.Add(-s.lapseAfter()), 500)
		if err != nil {
			return n, err
		}
		moved := 0
		for _, p := range ps {
			before, prev := *p, p.Version
			if err := p.Lapse(now.Add(-s.lapseAfter())); err != nil {
				continue
			}
			p.UpdatedAt = now
			ev := NewAuditEvent(p.AuthorityID, "system", "pledge.lapse", "pledge", p.ID, &before, p, now)
			switch err := s.Store.UpdatePledge(ctx, p, prev, ev); ErrorCode(err) {
			case "":
				n++
				moved++
			case ECONFLICT, ENOTFOUND:
			default:
				return n, err
			}
		}
		if len(ps) < 500 || moved == 0 {
			return n, nil
		}
	}
}
