package domain

import (
	"context"
	"encoding/json"
	"strings"
	"time"
)

// PledgeStatus is where a pledge is in its life.
type PledgeStatus string

// PledgeStatuses lists every pledge status.
var PledgeStatuses = []PledgeStatus{PledgeOffered, PledgeApproved, PledgeDeclined, PledgeInDelivery, PledgeDelivered, PledgeConfirmed, PledgeVerified, PledgeLapsed, PledgeWithdrawn}

// Valid reports whether s is a pledge status.
func (s PledgeStatus) Valid() bool {
	for _, x := range PledgeStatuses {
		if x == s {
			return true
		}
	}
	return false
}

// Pledge statuses.
const (
	PledgeOffered    PledgeStatus = "offered"
	PledgeApproved   PledgeStatus = "approved"
	PledgeDeclined   PledgeStatus = "declined"
	PledgeInDelivery PledgeStatus = "in_delivery"
	PledgeDelivered  PledgeStatus = "delivered"
	PledgeConfirmed  PledgeStatus = "confirmed"
	PledgeVerified   PledgeStatus = "verified"
	PledgeLapsed     PledgeStatus = "lapsed"
	PledgeWithdrawn  PledgeStatus = "withdrawn"
)

// Pledge is a supplier's offer against one request.
type Pledge struct {
	ID               string       `json:"id"`
	AuthorityID      string       `json:"-"`
	Authority        string       `json:"authority"`
	RequestID        string       `json:"requestId"`
	RequestTitle     string       `json:"requestTitle"`
	RequestOrgID     string       `json:"-"`
	OrganisationID   string       `json:"organisationId"`
	OrganisationName string       `json:"organisationName"`
	Offer            string       `json:"offer"`
	Quantity         int64        `json:"quantity"`
	Unit             string       `json:"unit"`
	ValuePence       int64        `json:"valuePence"`
	AllowPartial     bool         `json:"allowPartial"`
	ApprovedPence    int64        `json:"approvedPence"`
	Status           PledgeStatus `json:"status"`
	Reason           string       `json:"reason,omitempty"`
	DecidedBy        string       `json:"decidedBy,omitempty"`
	// The social value ledger's fields (see pledge_delivery.go): the ward of
	// the request, the contract and bid it was offered in, the measure and
	// the catalogue version it was valued with, and when it is due.
	Area             string     `json:"area,omitempty"`
	ContractID       string     `json:"contractId,omitempty"`
	BidID            string     `json:"bidId,omitempty"`
	MeasureCode      string     `json:"measureCode,omitempty"`
	Theme            string     `json:"theme,omitempty"`
	CatalogueVersion int        `json:"catalogueVersion,omitempty"`
	ProxyPence       int64      `json:"proxyPence,omitempty"`
	DueDate          *time.Time `json:"dueDate,omitempty"`
	// Override is set when an officer approved it beyond the request's
	// value; Release when the supplier asked to leave an award's commitment.
	Override *Override `json:"override,omitempty"`
	Release  *Release  `json:"release,omitempty"`
	// SafeguardingCheck is the supplier's confirmation, on a request that
	// involves children or vulnerable adults, that the people doing the
	// work have the checks it needs (see CheckSafeguarding).
	SafeguardingCheck *SafeguardingCheck `json:"safeguardingCheck,omitempty"`
	// Source is SourceImport for a commitment brought in by an import of
	// contracts ("" is SourceApp: made here).
	Source string `json:"source"`
	// Warnings are said to the supplier with the answer to its pledge
	// (never stored): a pledge beyond what the request still needs.
	Warnings  []string  `json:"warnings,omitempty"`
	Version   int64     `json:"version"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// Validate checks the pledge's own fields.
func (p *Pledge) Validate() error {
	var v Validation
	checkTextML(&v, "offer", p.Offer, 3, 2000, true, true)
	if p.Quantity < 1 || p.Quantity > 1_000_000_000 {
		v.Add("quantity", "The quantity must be a whole number from 1 to 1,000,000,000")
	}
	checkText(&v, "unit", p.Unit, 1, 40, true)
	if p.ValuePence < 1 || p.ValuePence > MaxPence {
		v.Add("valuePence", "The value must be from 1p to £10,000,000,000")
	}
	return v.Err()
}

// Live reports whether the pledge still counts towards its request.
func (p *Pledge) Live() bool {
	switch p.Status {
	case PledgeDeclined, PledgeWithdrawn, PledgeLapsed:
		return false
	}
	return true
}

func (p *Pledge) move(from []PledgeStatus, to PledgeStatus, now time.Time) error {
	for _, f := range from {
		if p.Status == f {
			p.Status = to
			p.Version++
			p.UpdatedAt = now
			return nil
		}
	}
	return Errorf(ECONFLICT, "Pledge is %s and cannot become %s.", p.Status, to)
}

// Approve accepts an offered pledge for amount pence (0 means all of it).
// A part may be approved only when the supplier allowed it.
func (p *Pledge) Approve(by string, amount int64, now time.Time) error {
	if amount == 0 {
		amount = p.ValuePence
	}
	if amount < 0 || amount > p.ValuePence {
		return FieldErrorf("amountPence", "amountPence must be from 1 to the pledge's value (%d)", p.ValuePence)
	}
	if p.BidID != "" {
		return Errorf(ECONFLICT, "This pledge is part of a bid: it becomes a commitment when the contract is awarded.")
	}
	if amount < p.ValuePence && !p.AllowPartial {
		return FieldErrorf("amountPence", "The supplier did not allow part of this pledge to be approved.")
	}
	if err := p.move([]PledgeStatus{PledgeOffered}, PledgeApproved, now); err != nil {
		return err
	}
	p.ApprovedPence, p.DecidedBy, p.Reason = amount, by, ""
	return nil
}

// Decline refuses an offered pledge with a reason.
func (p *Pledge) Decline(by, reason string, now time.Time) error {
	if err := checkReason(reason); err != nil {
		return err
	}
	if err := p.move([]PledgeStatus{PledgeOffered}, PledgeDeclined, now); err != nil {
		return err
	}
	p.DecidedBy, p.Reason = by, reason
	return nil
}

// contractual reports whether the pledge is a promise of a contract: a
// commitment made by an award, or one brought in by an import of contracts.
func (p *Pledge) contractual() bool { return p.BidID != "" || p.Source == SourceImport }

// Withdraw lets the supplier take back a pledge before delivery starts.
// A commitment made by an award (or imported with its contract) is a
// contractual promise: the supplier asks to be released instead
// (AskRelease) and an officer decides.
func (p *Pledge) Withdraw(now time.Time) error {
	if p.contractual() && p.Status != PledgeOffered {
		return Errorf(ECONFLICT, "This pledge is a commitment of an awarded contract: ask the council to release you from it, with a reason.")
	}
	if err := p.move([]PledgeStatus{PledgeOffered, PledgeApproved}, PledgeWithdrawn, now); err != nil {
		return err
	}
	p.ApprovedPence = 0
	return nil
}

// AskRelease records the supplier's request to be released from a
// commitment made by an award; the commitment stands until an officer
// decides.
func (p *Pledge) AskRelease(by, reason string, now time.Time) error {
	if err := checkReason(reason); err != nil {
		return err
	}
	if !p.contractual() || p.Status != PledgeApproved {
		return Errorf(ECONFLICT, "Only an award's commitment that has no delivery yet can be released; this pledge is %s.", p.Status)
	}
	if p.Release != nil && p.Release.Decision == "" {
		return Errorf(ECONFLICT, "You have already asked to be released from this commitment; an officer will decide.")
	}
	p.Release = &Release{Reason: reason, RequestedBy: by, RequestedAt: now}
	p.Version++
	p.UpdatedAt = now
	return nil
}

// DecideRelease is the officer's decision on a release request. Granted,
// the commitment ends (withdrawn, nothing secured) and the supplier's
// record keeps it as released; refused, it stands.
func (p *Pledge) DecideRelease(by string, grant bool, note string, now time.Time) error {
	if p.Release == nil || p.Release.Decision != "" {
		return Errorf(ECONFLICT, "The supplier has not asked to be released from this pledge.")
	}
	if !grant {
		if err := checkReason(note); err != nil {
			return err
		}
	} else {
		// An optional note with a release is text like a reason: bounded,
		// no control characters.
		var v Validation
		checkTextML(&v, "note", note, 0, 2000, false, true)
		if err := v.Err(); err != nil {
			return err
		}
	}
	if grant {
		if err := p.move([]PledgeStatus{PledgeApproved}, PledgeWithdrawn, now); err != nil {
			return err
		}
		p.ApprovedPence = 0
		p.Release.Decision = ReleaseGranted
	} else {
		p.Release.Decision = ReleaseRefused
		p.Version++
		p.UpdatedAt = now
	}
	t := now
	p.Release.DecidedBy, p.Release.DecidedAt, p.Release.Note = by, &t, note
	return nil
}

// PledgeFilter selects pledges of one authority.
type PledgeFilter struct {
	AuthorityID string
	// OrganisationID selects a supplier's own pledges.
	OrganisationID string
	// RequestOrgID selects pledges on the requests of a group.
	RequestOrgID string
	RequestID    string
	Status       PledgeStatus
	Page
}

// PledgeStore persists pledges.
type PledgeStore interface {
	CreatePledge(ctx context.Context, p *Pledge, ev *AuditEvent) error
	// UpdatePledge writes p if the stored version is prev; ECONFLICT otherwise.
	UpdatePledge(ctx context.Context, p *Pledge, prev int64, ev *AuditEvent) error
	// CommitPledge writes an approval like UpdatePledge and, in the same
	// transaction, refuses it (the error of chk.Check) when afterwards the
	// request's approved total or the supplier's open commitments break chk.
	CommitPledge(ctx context.Context, p *Pledge, prev int64, chk CommitCheck, ev *AuditEvent) error
	// PledgeByID returns ENOTFOUND when there is none.
	PledgeByID(ctx context.Context, id string) (*Pledge, error)
	// FindPledges lists newest first and returns the cursor of the next page.
	FindPledges(ctx context.Context, f PledgeFilter) ([]*Pledge, string, error)
}

// PledgeInput is what a supplier offers.
type PledgeInput struct {
	Offer        string
	Quantity     int64
	Unit         string
	ValuePence   int64
	AllowPartial bool
	// MeasureCode values the pledge with the current catalogue (quantity x
	// proxy); BidID puts it in the supplier's bid on a contract.
	MeasureCode string
	BidID       string
	// SafeguardingConfirmed is the supplier's confirmation, on a request
	// involving children or vulnerable adults, that the people doing the
	// work have the checks it needs (recorded with who and when).
	SafeguardingConfirmed bool
}

// CreatePledge offers the actor's approved supplier's pledge on a published request.
func (s *Service) CreatePledge(ctx context.Context, a *Actor, requestID string, in PledgeInput) (*Pledge, error) {
	if err := requireRole(a, RoleSupplier); err != nil {
		return nil, err
	}
	o, err := s.approvedOrganisation(ctx, a)
	if err != nil {
		return nil, err
	}
	r, err := s.visibleRequest(ctx, a, requestID)
	if err != nil {
		return nil, err
	}
	now := s.now()
	p := &Pledge{ID: NewID(), AuthorityID: r.AuthorityID, Authority: r.Authority, RequestID: r.ID, RequestTitle: r.Title, RequestOrgID: r.OrganisationID,
		OrganisationID: o.ID, OrganisationName: o.Name, Offer: in.Offer, Quantity: in.Quantity, Unit: in.Unit, ValuePence: in.ValuePence,
		AllowPartial: in.AllowPartial, Status: PledgeOffered, Version: 1, CreatedAt: now, UpdatedAt: now}
	if err := s.attachPledge(ctx, a, p, r, in); err != nil {
		return nil, err
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if !r.Pledgeable() {
		return nil, Errorf(ECONFLICT, "This request is %s and is not taking pledges.", r.Status)
	}
	if !r.Deadline.After(now) {
		return nil, Errorf(ECONFLICT, "This request's deadline has passed.")
	}
	if r.Safeguarding && in.SafeguardingConfirmed {
		if p.SafeguardingCheck, err = s.safeguardingCheck(ctx, a, now); err != nil {
			return nil, err
		}
	}
	ev := NewAuditEvent(p.AuthorityID, a.UserID, "pledge.create", "pledge", p.ID, nil, p, now)
	if err := s.notify(ctx, ev, p); err != nil {
		return nil, err
	}
	if err := s.Store.CreatePledge(ctx, p, ev); err != nil {
		return nil, err
	}
	if w := OverPledgeWarning(p.ValuePence, r); w != "" {
		p.Warnings = append(p.Warnings, w)
	}
	if r.Safeguarding && p.SafeguardingCheck == nil {
		p.Warnings = append(p.Warnings, "This request involves children or vulnerable adults: the council cannot approve your pledge until you confirm that the people doing the work have the checks it needs (for example DBS).")
	}
	return p, nil
}

// OverPledgeWarning is what a supplier is told when a pledge of value
// pence is more than the request still needs (its value less what is
// already approved), or "" when it is not.
func OverPledgeWarning(value int64, r *Request) string {
	left := max(r.ValuePence-r.ApprovedPence, 0)
	if value <= left {
		return ""
	}
	return sprintf("Your pledge of %s is more than this request still needs (%s of %s). The council may approve only part of it, or none.", Pounds(value), Pounds(left), Pounds(r.ValuePence))
}

// safeguardingCheck is the actor's confirmation of the checks, now.
func (s *Service) safeguardingCheck(ctx context.Context, a *Actor, now time.Time) (*SafeguardingCheck, error) {
	u, err := s.Store.UserByID(ctx, a.UserID)
	if err != nil {
		return nil, err
	}
	return &SafeguardingCheck{By: a.UserID, ByName: u.Name, At: now}, nil
}

// ConfirmSafeguarding records the supplier's confirmation of the checks
// on its own offered or approved pledge to a request that involves
// children or vulnerable adults (a pledge made before it was asked, or
// without it).
func (s *Service) ConfirmSafeguarding(ctx context.Context, a *Actor, id string) (*Pledge, error) {
	if err := requireRole(a, RoleSupplier); err != nil {
		return nil, err
	}
	p, err := s.visiblePledge(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if p.OrganisationID != a.OrganisationID {
		return nil, Errorf(EFORBIDDEN, "Only the supplier that made the pledge may do this.")
	}
	r, err := s.Store.RequestByID(ctx, p.RequestID)
	if err != nil {
		return nil, err
	}
	if !r.Safeguarding {
		return nil, Errorf(ECONFLICT, "This request does not involve children or vulnerable adults: there is nothing to confirm.")
	}
	if p.SafeguardingCheck != nil {
		return nil, Errorf(ECONFLICT, "The checks were already confirmed for this pledge.")
	}
	if p.Status != PledgeOffered && p.Status != PledgeApproved {
		return nil, Errorf(ECONFLICT, "The pledge is %s.", p.Status)
	}
	before, prev, now := *p, p.Version, s.now()
	if p.SafeguardingCheck, err = s.safeguardingCheck(ctx, a, now); err != nil {
		return nil, err
	}
	p.Version, p.UpdatedAt = p.Version+1, now
	return p, s.Store.UpdatePledge(ctx, p, prev, NewAuditEvent(p.AuthorityID, a.UserID, "pledge.confirm_safeguarding", "pledge", p.ID, &before, p, now))
}

func (s *Service) visiblePledge(ctx context.Context, a *Actor, id string) (*Pledge, error) {
	if err := requireSignedIn(a); err != nil {
		return nil, err
	}
	p, err := s.Store.PledgeByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if p.AuthorityID == a.AuthorityID && (a.IsOfficer() || p.OrganisationID == a.OrganisationID || p.RequestOrgID == a.OrganisationID) {
		return p, nil
	}
	return nil, Errorf(ENOTFOUND, "Pledge not found.")
}

// GetPledge returns a pledge the actor may see: the supplier's own, those on
// a group's requests, all of the authority for officers.
func (s *Service) GetPledge(ctx context.Context, a *Actor, id string) (*Pledge, error) {
	return s.visiblePledge(ctx, a, id)
}

// ListPledges lists the pledges the actor may see.
func (s *Service) ListPledges(ctx context.Context, a *Actor, f PledgeFilter) ([]*Pledge, string, error) {
	if err := requireSignedIn(a); err != nil {
		return nil, "", err
	}
	if f.Status != "" && !f.Status.Valid() {
		return nil, "", FieldErrorf("status", "status is not a pledge status")
	}
	if f.RequestID != "" && !ValidID(f.RequestID) {
		return nil, "", FieldErrorf("request", "request must be a request id")
	}
	f.AuthorityID = a.AuthorityID
	switch a.Role {
	case RoleSupplier:
		f.OrganisationID = a.OrganisationID
	case RoleGroup:
		f.RequestOrgID = a.OrganisationID
	}
	return s.Store.FindPledges(ctx, f)
}

// PledgeMove is a move on a pledge (MovePledge).
type PledgeMove string

// Pledge transitions.
const (
	PledgeApprove  PledgeMove = "approve"
	PledgeDecline  PledgeMove = "decline"
	PledgeWithdraw PledgeMove = "withdraw"
	// PledgeAskRelease is a supplier's request to be released from a
	// commitment made by an award; PledgeRelease and PledgeRefuseRelease
	// are the officer's decision on it.
	PledgeAskRelease    PledgeMove = "ask_release"
	PledgeRelease       PledgeMove = "release"
	PledgeRefuseRelease PledgeMove = "refuse_release"
)

// PledgeDecision is one move on a pledge and what comes with it.
type PledgeDecision struct {
	Move   PledgeMove
	Reason string
	// AmountPence is the part to approve (0: all of it).
	AmountPence int64
	// ExpectVersion, when not zero, must equal the stored version.
	ExpectVersion int64
	// Override approves knowingly beyond the request's value (officer,
	// with a reason); a supplier's commitment limit is never overridden.
	Override bool
}

// MovePledge approves or declines (officer) or withdraws (the supplier) a
// pledge; a supplier asks to be released from an award's commitment and an
// officer decides. An approval never takes the request's approved total
// beyond its value (without an override) nor the supplier's open
// commitments beyond its limit; the store checks both again in the same
// transaction as the write.
func (s *Service) MovePledge(ctx context.Context, a *Actor, id string, d PledgeDecision) (*Pledge, error) {
	p, err := s.visiblePledge(ctx, a, id)
	if err != nil {
		return nil, err
	}
	switch d.Move {
	case PledgeApprove, PledgeDecline, PledgeRelease, PledgeRefuseRelease:
		if !a.IsOfficer() {
			return nil, Errorf(EFORBIDDEN, "Only an officer may %s a pledge.", strings.ReplaceAll(string(d.Move), "_", " "))
		}
	case PledgeWithdraw, PledgeAskRelease:
		if a.OrganisationID != p.OrganisationID || a.Role != RoleSupplier {
			return nil, Errorf(EFORBIDDEN, "Only the supplier that made the pledge may do this.")
		}
	default:
		return nil, Errorf(EINVALID, "Unknown action %q.", d.Move)
	}
	if d.ExpectVersion != 0 && d.ExpectVersion != p.Version {
		return nil, &Error{Code: ECONFLICT, Field: "version", Message: "The pledge was changed by someone else; reload it and try again."}
	}
	before, prev, now := *p, p.Version, s.now()
	action := "pledge." + string(d.Move)
	switch d.Move {
	case PledgeApprove:
		return s.approvePledge(ctx, a, p, d, now)
	case PledgeDecline:
		err = p.Decline(a.UserID, d.Reason, now)
	case PledgeWithdraw:
		err = p.Withdraw(now)
	case PledgeAskRelease:
		err = p.AskRelease(a.UserID, d.Reason, now)
	case PledgeRelease, PledgeRefuseRelease:
		err = p.DecideRelease(a.UserID, d.Move == PledgeRelease, d.Reason, now)
	}
	if err != nil {
		return nil, err
	}
	ev := NewAuditEvent(p.AuthorityID, a.UserID, action, "pledge", p.ID, &before, p, now)
	if err := s.notify(ctx, ev, p); err != nil {
		return nil, err
	}
	return p, s.Store.UpdatePledge(ctx, p, prev, ev)
}

// approvePledge approves p within its request's remaining need and its
// supplier's commitment limit.
func (s *Service) approvePledge(ctx context.Context, a *Actor, p *Pledge, d PledgeDecision, now time.Time) (*Pledge, error) {
	before, prev := *p, p.Version
	r, err := s.Store.RequestByID(ctx, p.RequestID)
	if err != nil {
		return nil, err
	}
	if !r.Public() {
		return nil, Errorf(ECONFLICT, "The request is %s: its pledges cannot be approved.", r.Status)
	}
	if err := CheckSafeguarding(p, r); err != nil {
		return nil, err
	}
	o, err := s.Store.OrganisationByID(ctx, p.OrganisationID)
	if err != nil {
		return nil, err
	}
	if o.Status == OrgSuspended {
		return nil, Errorf(ECONFLICT, "%s is suspended: its pledges cannot be approved until an officer reinstates it.", o.Name)
	}
	if d.Override {
		if err := checkReason(d.Reason); err != nil {
			return nil, err
		}
	}
	if err := p.Approve(a.UserID, d.AmountPence, now); err != nil {
		return nil, err
	}
	chk := commitCheckFor(p, r, o, d.Override)
	if !d.Override && r.ApprovedPence+p.ApprovedPence > r.ValuePence {
		return nil, ErrOverNeed(r.ApprovedPence+p.ApprovedPence, r.ValuePence)
	}
	if d.Override {
		p.Override = &Override{By: a.UserID, Reason: d.Reason, At: now}
	}
	if p.DueDate == nil {
		due := r.Deadline
		p.DueDate = &due
	}
	ev := NewAuditEvent(p.AuthorityID, a.UserID, "pledge.approve", "pledge", p.ID, &before, p, now)
	if err := s.notify(ctx, ev, p); err != nil {
		return nil, err
	}
	return p, s.Store.CommitPledge(ctx, p, prev, chk, ev)
}

func allPledges(ctx context.Context, st PledgeStore, f PledgeFilter) ([]*Pledge, error) {
	return AllPages(func(p Page) ([]*Pledge, string, error) {
		f.Page = p
		return st.FindPledges(ctx, f)
	}, 0)
}

// pledgeJSON is a Pledge without its MarshalJSON.
type pledgeJSON Pledge

// MarshalJSON writes the pledge with the quantity its approved part covers
// (approvedQuantity, see ApprovedUnits) and the quantity that may be
// delivered (deliverableQuantity, see DeliverableUnits), so every reader
// shows the same.
func (p Pledge) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		pledgeJSON
		ApprovedQuantity    int64  `json:"approvedQuantity"`
		DeliverableQuantity int64  `json:"deliverableQuantity"`
		Source              string `json:"source"`
	}{pledgeJSON(p), p.ApprovedUnits(), p.DeliverableUnits(), SourceOf(p.Source)})
}
