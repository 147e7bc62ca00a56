package domain

import (
	"context"
	"time"
)

// Award is everything an award changes, written together.
type Award struct {
	Contract     *Contract
	ContractPrev int64
	Bids         []*Bid
	BidPrevs     []int64
	Pledges      []*Pledge
	PledgePrevs  []int64
	Events       []*AuditEvent
	// Checks are the commitment caps the store checks after writing the
	// committed pledges, in the same transaction.
	Checks []CommitCheck
}

// Award records the winning bid, at tender or evaluation, when the
// contract has the KPIs its tier (the contract's, see TierFor) needs.
func (c *Contract) Award(b *Bid, tier *ContractTier, now time.Time) error {
	if c.Stage != StageTender && c.Stage != StageEvaluation {
		return Errorf(ECONFLICT, "Contract is %s: only a contract at tender or evaluation can be awarded.", c.Stage)
	}
	if err := tier.ReadyForAward(len(c.KPIs)); err != nil {
		return err
	}
	c.Stage, c.AwardedBidID, c.AwardedTo, c.AwardedToName = StageAwarded, b.ID, b.OrganisationID, b.OrganisationName
	t := now
	c.AwardedAt = &t
	c.Version, c.UpdatedAt = c.Version+1, now
	return nil
}

// AwardResult says what an award changed.
type AwardResult struct {
	Contract  *Contract `json:"contract"`
	Committed []string  `json:"committed"`
	Declined  []string  `json:"declined"`
	// NotCommitted are the winner's pledges the award could not commit
	// under the rules of a direct approval (a request no longer published,
	// its need already met, the supplier's limit), declined with the reason.
	NotCommitted []SkippedItem `json:"notCommitted"`
	// Commitments are the winner's pledges committed, with their due date.
	Commitments []AwardCommitment `json:"commitments"`
	// DeclinedBids are the other bids, made unsuccessful, with the reason.
	DeclinedBids []DeclinedBid `json:"declinedBids"`
}

// AwardCommitment is a commitment an award made.
type AwardCommitment struct {
	PledgeID     string `json:"pledgeId"`
	RequestTitle string `json:"requestTitle"`
	ValuePence   int64  `json:"valuePence"`
	DueDate      string `json:"dueDate"`
}

// DeclinedBid is a bid an award made unsuccessful.
type DeclinedBid struct {
	BidID            string `json:"bidId"`
	OrganisationName string `json:"organisationName"`
	Reason           string `json:"reason"`
}

// reasonOtherBidder is why the other bids of an awarded contract fail.
const reasonOtherBidder = "The contract was awarded to another bidder."

// AwardContract awards a contract at tender to a submitted bid (officer).
// The winner's offered pledges become approved commitments due on due,
// under the rules of a direct approval (see commitPlan);
// the other bids are unsuccessful and their offered pledges declined.
func (s *Service) AwardContract(ctx context.Context, a *Actor, contractID, bidID string, due time.Time) (*AwardResult, error) {
	if err := requireRole(a, RoleOfficer, RoleAdmin); err != nil {
		return nil, err
	}
	c, vs, err := s.visibleContract(ctx, a, contractID)
	if err != nil {
		return nil, err
	}
	auth, err := s.Store.AuthorityByID(ctx, c.AuthorityID)
	if err != nil {
		return nil, err
	}
	now := s.now()
	if err := CheckDate("dueDate", due, auth.AheadWindow(now)); err != nil {
		return nil, err
	}
	if !ValidID(bidID) {
		return nil, FieldErrorf("bidId", "bidId must be the id of a bid on this contract")
	}
	win, err := vs.BidByID(ctx, bidID)
	if ErrorCode(err) == ENOTFOUND || (err == nil && win.ContractID != c.ID) {
		return nil, FieldErrorf("bidId", "bidId must be the id of a bid on this contract")
	} else if err != nil {
		return nil, err
	}
	if win.Status != BidSubmitted {
		return nil, Errorf(ECONFLICT, "The bid is %s: only a submitted bid can win.", win.Status)
	}
	if err := s.fillBid(ctx, win, c); err != nil {
		return nil, err
	}
	if !win.Compliance.Compliant {
		return nil, &Error{Code: EUNPROCESSABLE, Field: "bidId", Message: win.Compliance.Reason}
	}
	w := &Award{ContractPrev: c.Version}
	res := &AwardResult{Committed: []string{}, Declined: []string{}, NotCommitted: []SkippedItem{}, Commitments: []AwardCommitment{}, DeclinedBids: []DeclinedBid{}}
	commits, err := s.newCommitPlan(ctx, win.OrganisationID)
	if err != nil {
		return nil, err
	}
	derived := c
	c = c.underived()
	if commits.org.Status == OrgSuspended {
		return nil, &Error{Code: ECONFLICT, Field: "bidId", Message: commits.org.Name + " is suspended: its bid cannot win until an officer reinstates it."}
	}
	before := *c
	if err := c.Award(win, derived.Tier, now); err != nil {
		return nil, err
	}
	w.Contract = c
	w.Events = append(w.Events, NewAuditEvent(c.AuthorityID, a.UserID, "contract.award", "contract", c.ID, &before, c, now))
	bids, err := allBids(ctx, vs, BidFilter{AuthorityID: c.AuthorityID, ContractID: c.ID})
	if err != nil {
		return nil, err
	}
	for _, b := range bids {
		if b.ID != win.ID {
			if err := s.fillBid(ctx, b, derived); err != nil {
				return nil, err
			}
		} else {
			b = win
		}
		pledges := b.Pledges
		b.Pledges, b.Compliance = nil, nil
		bb, prev := *b, b.Version
		switch {
		case b.ID == win.ID:
			_ = b.move([]string{BidSubmitted}, BidAwarded, now)
		case b.Status == BidDraft || b.Status == BidSubmitted:
			_ = b.move([]string{BidDraft, BidSubmitted}, BidUnsuccessful, now)
			res.DeclinedBids = append(res.DeclinedBids, DeclinedBid{BidID: b.ID, OrganisationName: b.OrganisationName, Reason: reasonOtherBidder})
		}
		if b.Version != prev {
			w.Bids, w.BidPrevs = append(w.Bids, b), append(w.BidPrevs, prev)
			w.Events = append(w.Events, NewAuditEvent(c.AuthorityID, a.UserID, "bid."+b.Status, "bid", b.ID, &bb, b, now))
		}
		for _, p := range pledges {
			if p.Status != PledgeOffered {
				continue
			}
			pb, pprev := *p, p.Version
			action := "pledge.commit"
			if b.ID == win.ID {
				amount, why, err := commits.take(ctx, p)
				if err != nil {
					return nil, err
				}
				if why == "" {
					err = p.Commit(a.UserID, amount, due, now)
					res.Committed = append(res.Committed, p.ID)
					res.Commitments = append(res.Commitments, AwardCommitment{PledgeID: p.ID, RequestTitle: p.RequestTitle, ValuePence: p.ApprovedPence,
						DueDate: due.UTC().Format(time.DateOnly)})
					w.Checks = append(w.Checks, commits.check(p))
				} else {
					action = "pledge.decline"
					err = p.Decline(a.UserID, why, now)
					res.NotCommitted = append(res.NotCommitted, SkippedItem{PledgeID: p.ID, Reason: why})
				}
			} else {
				action = "pledge.decline"
				err = p.Decline(a.UserID, reasonOtherBidder, now)
				res.Declined = append(res.Declined, p.ID)
			}
			if err != nil {
				return nil, err
			}
			w.Pledges, w.PledgePrevs = append(w.Pledges, p), append(w.PledgePrevs, pprev)
			w.Events = append(w.Events, NewAuditEvent(c.AuthorityID, a.UserID, action, "pledge", p.ID, &pb, p, now))
		}
	}
	if err := vs.AwardContract(ctx, w); err != nil {
		return nil, err
	}
	c.Rules, c.Tier, c.ValueBand, c.Directorate = derived.Rules, derived.Tier, derived.ValueBand, derived.Directorate
	res.Contract = c
	return res, nil
}
