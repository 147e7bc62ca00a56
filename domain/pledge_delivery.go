package domain

import (
	"context"
	"math/bits"
	"time"
)

// attachPledge fills the ledger's fields of a new pledge: the request's
// ward, the valuation by measure (when a code is given) and the bid.
func (s *Service) attachPledge(ctx context.Context, a *Actor, p *Pledge, r *Request, in PledgeInput) error {
	p.Area = r.Area
	if in.MeasureCode != "" {
		vs := s.Store
		cat, err := vs.CurrentCatalogue(ctx, r.AuthorityID)
		if ErrorCode(err) == ENOTFOUND {
			return FieldErrorf("measureCode", "The council has no measures catalogue yet.")
		} else if err != nil {
			return err
		}
		m, ok := cat.Measure(in.MeasureCode)
		if !ok {
			return FieldErrorf("measureCode", "measureCode %q is not in the council's measures (version %d)", truncateText(in.MeasureCode, 40), cat.Version)
		}
		if p.Quantity < 1 || p.Quantity > 1_000_000_000 {
			return FieldErrorf("quantity", "The quantity must be a whole number from 1 to 1,000,000,000")
		}
		hi, lo := bits.Mul64(uint64(p.Quantity), uint64(m.ProxyPence))
		value := int64(lo)
		if hi != 0 || lo > MaxPence {
			return FieldErrorf("quantity", "quantity x proxy value is over £10,000,000,000")
		}
		if in.ValuePence != 0 && in.ValuePence != value {
			return FieldErrorf("valuePence", "With a measure the value is quantity x proxy: %d x %dp = %dp; leave valuePence out", p.Quantity, m.ProxyPence, value)
		}
		if in.Unit != "" && in.Unit != m.Unit {
			return FieldErrorf("unit", "With a measure the unit is the measure's (%s); leave unit out", m.Unit)
		}
		p.MeasureCode, p.Theme, p.CatalogueVersion, p.ProxyPence = m.Code, m.Theme, cat.Version, m.ProxyPence
		p.Unit, p.ValuePence = m.Unit, value
	}
	if in.BidID != "" {
		if !ValidID(in.BidID) {
			return FieldErrorf("bidId", "bidId must be the id of your bid")
		}
		b, vs, err := s.visibleBid(ctx, a, in.BidID)
		if ErrorCode(err) == ENOTFOUND || (err == nil && b.OrganisationID != p.OrganisationID) {
			return FieldErrorf("bidId", "bidId must be the id of your bid")
		} else if err != nil {
			return err
		}
		if b.Status != BidDraft && b.Status != BidSubmitted {
			return Errorf(ECONFLICT, "The bid is %s: it takes no more pledges.", b.Status)
		}
		c, err := vs.ContractByID(ctx, b.ContractID)
		if err != nil {
			return err
		}
		if c.Stage != StageTender {
			return Errorf(ECONFLICT, "The contract is %s: bids can change only at tender.", c.Stage)
		}
		p.BidID, p.ContractID = b.ID, c.ID
	}
	return nil
}

// Commit makes an offered pledge of the winning bid an approved commitment
// of amount pence (all of it, or the part its request still needs when the
// supplier allowed part) due on due.
func (p *Pledge) Commit(by string, amount int64, due, now time.Time) error {
	if amount <= 0 || amount > p.ValuePence || (amount < p.ValuePence && !p.AllowPartial) {
		return Errorf(EINTERNAL, "commit %d of a pledge of %d (partial %v)", amount, p.ValuePence, p.AllowPartial)
	}
	if err := p.move([]PledgeStatus{PledgeOffered}, PledgeApproved, now); err != nil {
		return err
	}
	d := due
	p.ApprovedPence, p.DecidedBy, p.Reason, p.DueDate = amount, by, "", &d
	return nil
}

// Deliverable reports whether deliveries may be reported against the pledge.
func (p *Pledge) Deliverable() bool {
	switch p.Status {
	case PledgeApproved, PledgeInDelivery, PledgeDelivered, PledgeConfirmed:
		return true
	}
	return false
}

// Lapse marks an approved commitment past its due date as lapsed.
func (p *Pledge) Lapse(now time.Time) error {
	if p.DueDate == nil || !p.DueDate.Before(now) {
		return Errorf(ECONFLICT, "The pledge is not past its due date.")
	}
	return p.move([]PledgeStatus{PledgeApproved, PledgeInDelivery}, PledgeLapsed, now)
}

// Settle sets the pledge's status from its deliveries (rejected ones do
// not count): in delivery while part is reported, delivered when all of
// the approved quantity (DeliverableUnits) is, confirmed when the group confirmed all of it, verified
// when an officer verified all of it. Lapsed and closed pledges keep their
// status. The version always moves on: the pledge row is what serialises
// concurrent reports, so two cannot both pass the quantity check.
func (p *Pledge) Settle(ds []*Delivery, now time.Time) {
	var qty, confirmed, verified int64
	units := p.DeliverableUnits()
	for _, d := range ds {
		if d.Status == DeliveryRejected {
			continue
		}
		qty += d.Quantity
		if d.Confirmed {
			confirmed += d.Quantity
		}
		if d.Status == DeliveryVerified {
			verified += d.Quantity
		}
	}
	if p.Deliverable() || p.Status == PledgeVerified {
		switch {
		case qty == 0:
			p.Status = PledgeApproved
		case qty < units:
			p.Status = PledgeInDelivery
		case verified >= units:
			p.Status = PledgeVerified
		case confirmed >= units:
			p.Status = PledgeConfirmed
		default:
			p.Status = PledgeDelivered
		}
	}
	p.Version++
	p.UpdatedAt = now
}

// DeliverableUnits is how much of the pledge may be delivered: the units
// its approved part covers, and at least one once anything is approved.
func (p *Pledge) DeliverableUnits() int64 {
	if p.ApprovedPence <= 0 {
		return 0
	}
	return max(p.ApprovedUnits(), 1)
}

// DeliveredQuantity sums the quantity of the deliveries that count.
func DeliveredQuantity(ds []*Delivery) int64 {
	var n int64
	for _, d := range ds {
		if d.Status != DeliveryRejected {
			n += d.Quantity
		}
	}
	return n
}

// DeliveryValue is the value of delivering qty more of the pledge when done
// units already count: with a measure, qty x the proxy the pledge was valued
// with; without one, the pledge's value shared over its quantity so that
// the parts add up to the whole exactly (floor(V*(done+qty)/Q) - floor(V*done/Q)).
func DeliveryValue(p *Pledge, done, qty int64) int64 {
	if p.ProxyPence > 0 {
		return qty * p.ProxyPence
	}
	if p.Quantity <= 0 {
		return 0
	}
	return mulDiv(p.ValuePence, done+qty, p.Quantity) - mulDiv(p.ValuePence, done, p.Quantity)
}

// mulDiv is floor(a*b/c) for non-negative values without overflow.
func mulDiv(a, b, c int64) int64 {
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	if hi >= uint64(c) {
		return MaxPence
	}
	q, _ := bits.Div64(hi, lo, uint64(c))
	return int64(q)
}
