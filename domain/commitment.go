package domain

import (
	"context"
	"strings"
	"time"
)

// A commitment is an approved pledge: approved by an officer, accepted from
// an allocation, or made by an award. These are the one definition of which
// pledge statuses count for what; the stores build their queries from them.
var (
	// DeadPledgeStatuses no longer count towards their request.
	DeadPledgeStatuses = []PledgeStatus{PledgeDeclined, PledgeWithdrawn, PledgeLapsed}
	// OpenCommitmentStatuses are commitments not yet settled: they count
	// against the supplier's commitment limit and can become overdue.
	OpenCommitmentStatuses = []PledgeStatus{PledgeApproved, PledgeInDelivery, PledgeDelivered, PledgeConfirmed}
)

// IsOpenCommitment reports whether a pledge of this status is an open commitment.
func IsOpenCommitment(status PledgeStatus) bool {
	for _, s := range OpenCommitmentStatuses {
		if s == status {
			return true
		}
	}
	return false
}

// CommitCheck is what a store checks in the same transaction as a write
// that commits value, after the write, so that two racing approvals cannot
// both pass: the approved total of the request's live pledges is at most
// RequestCapPence (unless NoRequestCap), and the supplier's open
// commitments are at most SupplierLimitPence (when it is above 0).
type CommitCheck struct {
	RequestID          string
	RequestCapPence    int64
	NoRequestCap       bool
	SupplierID         string
	SupplierLimitPence int64
}

// commitCheckFor is the check for approving p on r by a supplier o: an
// override lifts the request's cap, never the supplier's limit.
func commitCheckFor(p *Pledge, r *Request, o *Organisation, override bool) CommitCheck {
	return CommitCheck{RequestID: p.RequestID, RequestCapPence: r.ValuePence, NoRequestCap: override,
		SupplierID: p.OrganisationID, SupplierLimitPence: o.CommitmentLimitPence}
}

// ErrOverNeed is the refusal of an approval that takes a request's
// approved total beyond its value; stores return it from a CommitCheck.
func ErrOverNeed(approvedPence, capPence int64) error {
	return &Error{Code: ECONFLICT, Field: "amountPence", Message: sprintf(
		"This would take the request's approved total to %s of the %s it needs. Approve less, or override with a reason.",
		Pounds(approvedPence), Pounds(capPence))}
}

// ErrOverLimit is the refusal of a commitment that takes a supplier's open
// commitments beyond its commitment limit; stores return it from a CommitCheck.
func ErrOverLimit(openPence, limitPence int64) error {
	return &Error{Code: ECONFLICT, Field: "amountPence", Message: sprintf(
		"This would take the supplier's open commitments to %s, beyond its commitment limit of %s.",
		Pounds(openPence), Pounds(limitPence))}
}

// Check returns the refusal for the given totals after the write, or nil.
func (c CommitCheck) Check(requestApproved, supplierOpen int64) error {
	if !c.NoRequestCap && requestApproved > c.RequestCapPence {
		return ErrOverNeed(requestApproved, c.RequestCapPence)
	}
	if c.SupplierLimitPence > 0 && supplierOpen > c.SupplierLimitPence {
		return ErrOverLimit(supplierOpen, c.SupplierLimitPence)
	}
	return nil
}

// Pounds formats pence as pounds for people: £1,200 or £1,200.50.
func Pounds(p int64) string {
	neg := p < 0
	if neg {
		p = -p
	}
	whole, pence := p/100, p%100
	s := groupThousands(whole)
	if pence != 0 {
		s += sprintf(".%02d", pence)
	}
	if neg {
		return "-£" + s
	}
	return "£" + s
}

func groupThousands(n int64) string {
	s := sprintf("%d", n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// Override records an officer's knowing approval beyond a request's value.
type Override struct {
	By     string    `json:"by"`
	Reason string    `json:"reason"`
	At     time.Time `json:"at"`
}

// Release is a supplier's request to be released from a commitment made
// by an award, and the officer's decision on it.
type Release struct {
	Reason      string     `json:"reason"`
	RequestedBy string     `json:"requestedBy"`
	RequestedAt time.Time  `json:"requestedAt"`
	Decision    string     `json:"decision,omitempty"` // "released" or "refused"
	DecidedBy   string     `json:"decidedBy,omitempty"`
	DecidedAt   *time.Time `json:"decidedAt,omitempty"`
	Note        string     `json:"note,omitempty"`
}

// Release decisions.
const (
	ReleaseGranted = "released"
	ReleaseRefused = "refused"
)

// RecordCounts is a supplier's delivery record in counts: every
// commitment it made, those due (or already settled: the ones the matcher
// judges it on), and the verified, lapsed and released ones.
type RecordCounts struct {
	Commitments, Due, Verified, Lapsed, Released int
}

// CountRecord counts a supplier's commitments among its pledges. A
// commitment neither due nor settled is not late, so it is not Due: it
// must not lower the record of a supplier just approved. A release granted
// by an officer stays on the record but is not Due either.
func CountRecord(ps []*Pledge, now time.Time) RecordCounts {
	r, _, _ := countRecord(ps, now)
	return r
}

// countRecord is CountRecord, and the last time up to which the counts
// hold as the pledges are (ends false: for ever): the earliest due date
// not yet passed.
func countRecord(ps []*Pledge, now time.Time) (r RecordCounts, until time.Time, ends bool) {
	for _, p := range ps {
		switch {
		case p.Status == PledgeVerified:
			r.Commitments++
			r.Due++
			r.Verified++
		case p.Status == PledgeLapsed:
			r.Commitments++
			r.Due++
			r.Lapsed++
		case p.Release != nil && p.Release.Decision == ReleaseGranted:
			r.Commitments++
			r.Released++
		case IsOpenCommitment(p.Status):
			r.Commitments++
			if p.DueDate != nil && p.DueDate.Before(now) {
				r.Due++
			} else if p.DueDate != nil && (!ends || p.DueDate.Before(until)) {
				until, ends = *p.DueDate, true
			}
		}
	}
	return r, until, ends
}

// openCommitments adds up a supplier's open commitments.
func (s *Service) openCommitments(ctx context.Context, authorityID, orgID string) (int64, error) {
	ps, err := allPledges(ctx, s.Store, PledgeFilter{AuthorityID: authorityID, OrganisationID: orgID})
	if err != nil {
		return 0, err
	}
	var sum int64
	for _, p := range ps {
		if IsOpenCommitment(p.Status) {
			sum += p.ApprovedPence
		}
	}
	return sum, nil
}

// commitPlan applies the rules of a direct approval to the pledges an
// award commits, one after another: each must be on a public request, fit
// in what the request still needs after the pledges before it, and keep
// the supplier within its commitment limit.
type commitPlan struct {
	svc      *Service
	org      *Organisation
	open     int64
	requests map[string]*Request
	taken    map[string]int64
}

func (s *Service) newCommitPlan(ctx context.Context, orgID string) (*commitPlan, error) {
	o, err := s.Store.OrganisationByID(ctx, orgID)
	if err != nil {
		return nil, err
	}
	open, err := s.openCommitments(ctx, o.AuthorityID, o.ID)
	if err != nil {
		return nil, err
	}
	return &commitPlan{svc: s, org: o, open: open, requests: map[string]*Request{}, taken: map[string]int64{}}, nil
}

// take returns how much of p the award commits, or why it commits none.
func (c *commitPlan) take(ctx context.Context, p *Pledge) (int64, string, error) {
	r, ok := c.requests[p.RequestID]
	if !ok {
		var err error
		if r, err = c.svc.Store.RequestByID(ctx, p.RequestID); err != nil {
			return 0, "", err
		}
		c.requests[r.ID] = r
	}
	if !r.Public() {
		return 0, sprintf("Not committed: the request “%s” is %s.", r.Title, r.Status), nil
	}
	if err := CheckSafeguarding(p, r); err != nil {
		return 0, "Not committed: " + ErrorMessage(err), nil
	}
	need := r.ValuePence - r.ApprovedPence - c.taken[r.ID]
	amount := p.ValuePence
	if amount > need {
		if !p.AllowPartial || need <= 0 {
			return 0, sprintf("Not committed: the request “%s” needs only %s more, and this pledge is for %s.", r.Title, Pounds(max(need, 0)), Pounds(p.ValuePence)), nil
		}
		amount = need
	}
	if lim := c.org.CommitmentLimitPence; lim > 0 && c.open+amount > lim {
		return 0, sprintf("Not committed: it would take the supplier's open commitments to %s, beyond its limit of %s.", Pounds(c.open+amount), Pounds(lim)), nil
	}
	c.taken[r.ID] += amount
	c.open += amount
	return amount, "", nil
}

// check is the store's check for a pledge the plan committed.
func (c *commitPlan) check(p *Pledge) CommitCheck {
	return commitCheckFor(p, c.requests[p.RequestID], c.org, false)
}

// SafeguardingCheck records who confirmed, for their supplier, that the
// people who will do the work on a safeguarding request have the checks
// the work needs (for example DBS), and when.
type SafeguardingCheck struct {
	By     string    `json:"by"`
	ByName string    `json:"byName,omitempty"`
	At     time.Time `json:"at"`
}

// CheckSafeguarding is the rule every door that approves a pledge keeps
// (an officer's approval, an accepted allocation, an award): a pledge on a
// request involving children or vulnerable adults is approved only with
// the supplier's confirmation of the checks.
func CheckSafeguarding(p *Pledge, r *Request) error {
	if r.Safeguarding && p.SafeguardingCheck == nil {
		return &Error{Code: ECONFLICT, Field: "safeguardingConfirmed", Message: sprintf(
			"The request “%s” involves children or vulnerable adults, and %s has not confirmed that the people doing the work have the checks it needs (for example DBS): it cannot be approved until they do.",
			r.Title, p.OrganisationName)}
	}
	return nil
}

// ApprovedUnits is the quantity the approved part of a pledge covers, in
// the pledge's unit, rounded down: all of it when all is approved, 50 of
// 500 coats when £1,200 of £12,000 is. The ledger's approved units are
// the same figure.
func (p *Pledge) ApprovedUnits() int64 {
	if p.ApprovedPence <= 0 || p.ValuePence <= 0 {
		return 0
	}
	if p.ApprovedPence >= p.ValuePence {
		return p.Quantity
	}
	return mulDiv(p.Quantity, p.ApprovedPence, p.ValuePence)
}

// Countable reports whether a unit is counted in whole things (coats,
// hours, laptops) rather than money, so that a part approval of it rounds
// to whole units.
func Countable(unit string) bool {
	u := strings.ToLower(strings.TrimSpace(unit))
	if u == "" || strings.HasPrefix(u, "£") {
		return false
	}
	word, _, _ := strings.Cut(u, " ")
	switch word {
	case "gbp", "pound", "pounds", "pence", "penny", "p":
		return false
	}
	return true
}

// WholeUnitsPence is the largest part of amount pence of a pledge that
// covers whole units of a countable unit: the value of ApprovedUnits at
// that amount, rounded up so that it covers exactly those units
// (ceil(V x u / Q) <= amount). Other units, and all of a pledge, keep amount.
func (p *Pledge) WholeUnitsPence(amount int64) int64 {
	if amount <= 0 || amount >= p.ValuePence || p.Quantity <= 0 || !Countable(p.Unit) {
		return amount
	}
	u := mulDiv(p.Quantity, amount, p.ValuePence)
	v := mulDiv(p.ValuePence, u, p.Quantity)
	if mulDiv(p.Quantity, v, p.ValuePence) < u {
		v++
	}
	return v
}
