package domain

import (
	"context"
	"encoding/json"
	"strings"
	"time"
)

// Delivery statuses. Confirmation by the group is kept apart (Confirmed),
// because an officer may verify a delivery the group never confirmed when
// they record why.
const (
	DeliveryReported  = "reported"
	DeliveryConfirmed = "confirmed"
	DeliveryDisputed  = "disputed"
	DeliveryVerified  = "verified"
	DeliveryRejected  = "rejected"
)

// Delivery is a supplier's report of delivering part or all of a pledge,
// confirmed or disputed by the group and verified or rejected by an officer.
// The ledger's dimensions are copied from the pledge when it is reported
// (they never change on a pledge).
type Delivery struct {
	ID               string    `json:"id"`
	AuthorityID      string    `json:"-"`
	PledgeID         string    `json:"pledgeId"`
	RequestID        string    `json:"requestId"`
	RequestTitle     string    `json:"requestTitle"`
	RequestOrgID     string    `json:"requestOrganisationId"`
	OrganisationID   string    `json:"organisationId"`
	OrganisationName string    `json:"organisationName"`
	ContractID       string    `json:"contractId,omitempty"`
	Area             string    `json:"area"`
	MeasureCode      string    `json:"measureCode,omitempty"`
	Theme            string    `json:"theme,omitempty"`
	Unit             string    `json:"unit"`
	Quantity         int64     `json:"quantity"`
	ValuePence       int64     `json:"valuePence"`
	Date             time.Time `json:"date"`
	Notes            string    `json:"notes,omitempty"`
	EvidenceIDs      []string  `json:"evidenceIds"`
	// EvidenceHashes are the SHA-256 of the evidence files, in EvidenceIDs order.
	EvidenceHashes []string   `json:"evidenceHashes"`
	Status         string     `json:"status"`
	Confirmed      bool       `json:"confirmed"`
	ConfirmedBy    string     `json:"confirmedBy,omitempty"`
	ConfirmedAt    *time.Time `json:"confirmedAt,omitempty"`
	DisputeReason  string     `json:"disputeReason,omitempty"`
	DecidedBy      string     `json:"decidedBy,omitempty"`
	DecidedAt      *time.Time `json:"decidedAt,omitempty"`
	// Reason is the officer's: why a delivery was rejected, or why it was
	// verified without the group's confirmation.
	Reason     string `json:"reason,omitempty"`
	ReportedBy string `json:"reportedBy"`
	// Source is SourceImport for a delivery brought in by an import of
	// contracts ("" is SourceApp): imported, not verified here, until an
	// officer verifies it.
	Source    string    `json:"source"`
	Version   int64     `json:"version"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// deliveryJSON is a Delivery without its MarshalJSON.
type deliveryJSON Delivery

// MarshalJSON writes the delivery with its source (app when none is set).
func (d Delivery) MarshalJSON() ([]byte, error) {
	j := deliveryJSON(d)
	j.Source = SourceOf(d.Source)
	return json.Marshal(j)
}

// Month is the delivery's month (YYYY-MM), the ledger's month key.
func (d *Delivery) Month() string { return d.Date.UTC().Format("2006-01") }

func (d *Delivery) move(from []string, to string, now time.Time) error {
	for _, f := range from {
		if d.Status == f {
			d.Status, d.Version, d.UpdatedAt = to, d.Version+1, now
			return nil
		}
	}
	return Errorf(ECONFLICT, "Delivery is %s and cannot become %s.", d.Status, to)
}

// Confirm is the group's "yes, we received this" (also after a dispute).
func (d *Delivery) Confirm(by string, now time.Time) error {
	if err := d.move([]string{DeliveryReported, DeliveryDisputed}, DeliveryConfirmed, now); err != nil {
		return err
	}
	t := now
	d.Confirmed, d.ConfirmedBy, d.ConfirmedAt, d.DisputeReason = true, by, &t, ""
	return nil
}

// Dispute is the group's "this did not happen as reported", with why.
func (d *Delivery) Dispute(by, reason string, now time.Time) error {
	if err := checkReason(reason); err != nil {
		return err
	}
	if err := d.move([]string{DeliveryReported}, DeliveryDisputed, now); err != nil {
		return err
	}
	d.DisputeReason, d.ConfirmedBy = reason, by
	return nil
}

// Verify is the officer's sign-off. Without the group's confirmation (not
// yet given, or disputed) the officer must record why.
func (d *Delivery) Verify(by, reason string, now time.Time) error {
	reason = strings.TrimSpace(reason)
	if !d.Confirmed || d.Status == DeliveryDisputed {
		if reason == "" {
			return FieldErrorf("reason", "The group has not confirmed this delivery: record why you verify it anyway")
		}
	}
	if reason != "" {
		if err := checkReason(reason); err != nil {
			return err
		}
	}
	if err := d.move([]string{DeliveryReported, DeliveryConfirmed, DeliveryDisputed}, DeliveryVerified, now); err != nil {
		return err
	}
	t := now
	d.DecidedBy, d.DecidedAt, d.Reason = by, &t, reason
	return nil
}

// Reject is the officer's refusal, with why; a rejected delivery no longer
// counts and its evidence files are free again.
func (d *Delivery) Reject(by, reason string, now time.Time) error {
	if err := checkReason(reason); err != nil {
		return err
	}
	if err := d.move([]string{DeliveryReported, DeliveryConfirmed, DeliveryDisputed}, DeliveryRejected, now); err != nil {
		return err
	}
	t := now
	d.DecidedBy, d.DecidedAt, d.Reason = by, &t, reason
	return nil
}

// DeliveryFilter selects deliveries of one authority.
type DeliveryFilter struct {
	LedgerFilter
	PledgeID string
	Status   string
	// Source keeps the deliveries of one source (SourceImport; "" any).
	Source string
	Page
}

// DeliveryStore persists deliveries. Every change of a delivery writes its
// pledge too (status and version, compare-and-set), in one transaction.
type DeliveryStore interface {
	// CreateDelivery inserts d, attaches its evidence (ECONFLICT when a file
	// with the same SHA-256 already backs a delivery of the authority, or an
	// evidence record is already attached) and writes the pledge if its
	// stored version is pledgePrev (ECONFLICT otherwise), with the events.
	CreateDelivery(ctx context.Context, d *Delivery, p *Pledge, pledgePrev int64, evs []*AuditEvent) error
	// UpdateDelivery writes d and p if their stored versions are prev and
	// pledgePrev; a rejected delivery frees its evidence hashes.
	UpdateDelivery(ctx context.Context, d *Delivery, prev int64, p *Pledge, pledgePrev int64, evs []*AuditEvent) error
	// DeliveryByID returns ENOTFOUND when there is none.
	DeliveryByID(ctx context.Context, id string) (*Delivery, error)
	// DeliveriesOfPledge lists a pledge's deliveries, oldest first.
	DeliveriesOfPledge(ctx context.Context, pledgeID string) ([]*Delivery, error)
	// FindDeliveries lists newest first.
	FindDeliveries(ctx context.Context, f DeliveryFilter) ([]*Delivery, string, error)
}

// DeliveryInput is what a supplier reports.
type DeliveryInput struct {
	Quantity    int64
	Date        time.Time
	Notes       string
	EvidenceIDs []string
}

// MaxEvidencePerDelivery bounds the files of one report.
const MaxEvidencePerDelivery = 20

// ReportDelivery records the supplier's delivery against its own approved
// pledge. Deliveries add up to at most the quantity approved (DeliverableUnits); each evidence
// file must be the supplier's own, unattached, and not a copy (same SHA-256)
// of a file backing another delivery.
func (s *Service) ReportDelivery(ctx context.Context, a *Actor, pledgeID string, in DeliveryInput) (*Delivery, error) {
	if err := requireRole(a, RoleSupplier); err != nil {
		return nil, err
	}
	vs := s.Store
	p, err := s.visiblePledge(ctx, a, pledgeID)
	if err != nil {
		return nil, err
	}
	if p.OrganisationID != a.OrganisationID {
		return nil, Errorf(ENOTFOUND, "Pledge not found.")
	}
	now := s.now()
	var v Validation
	if in.Quantity < 1 || in.Quantity > 1_000_000_000 {
		v.Add("quantity", "The quantity delivered must be a whole number from 1")
	}
	v.merge(CheckDate("date", in.Date, DeliveryWindow(p.CreatedAt, now)))
	checkTextML(&v, "notes", in.Notes, 0, 5000, false, true)
	if len(in.EvidenceIDs) > MaxEvidencePerDelivery {
		v.Add("evidenceIds", "At most %d evidence files per delivery", MaxEvidencePerDelivery)
	}
	seen := map[string]bool{}
	for _, id := range in.EvidenceIDs {
		if !ValidID(id) || seen[id] {
			v.Add("evidenceIds", "evidenceIds must be distinct ids of files you uploaded")
			break
		}
		seen[id] = true
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if !p.Deliverable() {
		return nil, Errorf(ECONFLICT, "The pledge is %s: delivery can be reported only on an approved pledge.", p.Status)
	}
	ds, err := vs.DeliveriesOfPledge(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	done, units := DeliveredQuantity(ds), p.DeliverableUnits()
	if done+in.Quantity > units {
		return nil, &Error{Code: EUNPROCESSABLE, Field: "quantity", Message: sprintf("That would deliver more than was approved: %d of the %d %s approved are already reported, so at most %d more.", done, units, p.Unit, units-done)}
	}
	d := &Delivery{ID: NewID(), AuthorityID: p.AuthorityID, PledgeID: p.ID, RequestID: p.RequestID, RequestTitle: p.RequestTitle, RequestOrgID: p.RequestOrgID,
		OrganisationID: p.OrganisationID, OrganisationName: p.OrganisationName, ContractID: p.ContractID, Area: p.Area, MeasureCode: p.MeasureCode, Theme: p.Theme,
		Unit: p.Unit, Quantity: in.Quantity, ValuePence: DeliveryValue(p, done, in.Quantity), Date: in.Date.UTC(), Notes: in.Notes,
		EvidenceIDs: []string{}, EvidenceHashes: []string{}, Status: DeliveryReported, ReportedBy: a.UserID, Version: 1, CreatedAt: now, UpdatedAt: now}
	if d.Area == "" {
		if r, err := s.Store.RequestByID(ctx, p.RequestID); err == nil {
			d.Area = r.Area
		}
	}
	for _, id := range in.EvidenceIDs {
		e, err := vs.EvidenceByID(ctx, id)
		if ErrorCode(err) == ENOTFOUND || (err == nil && (e.AuthorityID != a.AuthorityID || e.OrganisationID != a.OrganisationID)) {
			return nil, FieldErrorf("evidenceIds", "Evidence %s is not a file your organisation uploaded.", id)
		} else if err != nil {
			return nil, err
		}
		if e.DeliveryID != "" {
			return nil, &Error{Code: ECONFLICT, Field: "evidenceIds", Message: sprintf("Evidence %s already backs another delivery.", id)}
		}
		d.EvidenceIDs, d.EvidenceHashes = append(d.EvidenceIDs, e.ID), append(d.EvidenceHashes, e.SHA256)
	}
	ds = append(ds, d)
	before, prev := *p, p.Version
	p.Settle(ds, now)
	evs := []*AuditEvent{NewAuditEvent(d.AuthorityID, a.UserID, "delivery.report", "delivery", d.ID, nil, d, now)}
	if err := s.notify(ctx, evs[0], d); err != nil {
		return nil, err
	}
	if p.Status != before.Status {
		evs = append(evs, NewAuditEvent(p.AuthorityID, a.UserID, "pledge."+string(p.Status), "pledge", p.ID, &before, p, now))
	}
	if err := vs.CreateDelivery(ctx, d, p, prev, evs); err != nil {
		return nil, err
	}
	return d, nil
}

// visibleDelivery returns a delivery the actor may see: the supplier's
// own, those on a group's requests, all of the authority for officers.
func (s *Service) visibleDelivery(ctx context.Context, a *Actor, id string) (*Delivery, ValueStore, error) {
	if err := requireSignedIn(a); err != nil {
		return nil, nil, err
	}
	vs := s.Store
	d, err := vs.DeliveryByID(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if d.AuthorityID == a.AuthorityID && (a.IsOfficer() ||
		(a.Role == RoleSupplier && d.OrganisationID == a.OrganisationID) || (a.Role == RoleGroup && d.RequestOrgID == a.OrganisationID)) {
		return d, vs, nil
	}
	return nil, nil, Errorf(ENOTFOUND, "Delivery not found.")
}

// GetDelivery returns a delivery the actor may see.
func (s *Service) GetDelivery(ctx context.Context, a *Actor, id string) (*Delivery, error) {
	d, _, err := s.visibleDelivery(ctx, a, id)
	return d, err
}

// ListDeliveries lists the deliveries the actor may see, by ledger filter.
func (s *Service) ListDeliveries(ctx context.Context, a *Actor, f DeliveryFilter) ([]*Delivery, string, error) {
	vs, err := s.scopeLedger(a, &f.LedgerFilter)
	if err != nil {
		return nil, "", err
	}
	switch f.Status {
	case "", DeliveryReported, DeliveryConfirmed, DeliveryDisputed, DeliveryVerified, DeliveryRejected:
	default:
		return nil, "", FieldErrorf("status", "status must be reported, confirmed, disputed, verified or rejected")
	}
	if f.PledgeID != "" && !ValidID(f.PledgeID) {
		return nil, "", FieldErrorf("pledge", "pledge must be a pledge id")
	}
	return vs.FindDeliveries(ctx, f)
}

// Delivery transitions.
const (
	DeliveryConfirm = "confirm"
	DeliveryDispute = "dispute"
	DeliveryVerify  = "verify"
	DeliveryReject  = "reject"
)

// MoveDelivery confirms or disputes (the group of the pledge's request) or
// verifies or rejects (an officer) a delivery, and settles the pledge.
func (s *Service) MoveDelivery(ctx context.Context, a *Actor, id, move, reason string) (*Delivery, error) {
	d, vs, err := s.visibleDelivery(ctx, a, id)
	if err != nil {
		return nil, err
	}
	switch move {
	case DeliveryConfirm, DeliveryDispute:
		if a.Role != RoleGroup || a.OrganisationID != d.RequestOrgID {
			return nil, Errorf(EFORBIDDEN, "Only the group that posted the request may %s its delivery.", move)
		}
	case DeliveryVerify, DeliveryReject:
		if !a.IsOfficer() {
			return nil, Errorf(EFORBIDDEN, "Only an officer may %s a delivery.", move)
		}
	default:
		return nil, Errorf(EINVALID, "Unknown action %q.", move)
	}
	p, err := s.Store.PledgeByID(ctx, d.PledgeID)
	if err != nil {
		return nil, err
	}
	before, prev, now := *d, d.Version, s.now()
	switch move {
	case DeliveryConfirm:
		err = d.Confirm(a.UserID, now)
	case DeliveryDispute:
		err = d.Dispute(a.UserID, reason, now)
	case DeliveryVerify:
		err = d.Verify(a.UserID, reason, now)
	case DeliveryReject:
		err = d.Reject(a.UserID, reason, now)
	}
	if err != nil {
		return nil, err
	}
	ds, err := vs.DeliveriesOfPledge(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	for i := range ds {
		if ds[i].ID == d.ID {
			ds[i] = d
		}
	}
	pb, pprev := *p, p.Version
	p.Settle(ds, now)
	evs := []*AuditEvent{NewAuditEvent(d.AuthorityID, a.UserID, "delivery."+move, "delivery", d.ID, &before, d, now)}
	if err := s.notify(ctx, evs[0], d); err != nil {
		return nil, err
	}
	if p.Status != pb.Status {
		evs = append(evs, NewAuditEvent(p.AuthorityID, a.UserID, "pledge."+string(p.Status), "pledge", p.ID, &pb, p, now))
	}
	if err := vs.UpdateDelivery(ctx, d, prev, p, pprev, evs); err != nil {
		return nil, err
	}
	return d, nil
}
