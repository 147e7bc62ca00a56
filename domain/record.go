package domain

import (
	"context"
	"time"
)

// DeliveryRecord is a supplier's record for the matcher and for its bids.
type DeliveryRecord struct {
	OrganisationID   string `json:"organisationId"`
	OrganisationName string `json:"organisationName"`
	// Pledged counts approved pledges (commitments) including those
	// delivered, verified or lapsed; Verified and Lapsed count those.
	Pledged  int `json:"pledged"`
	Verified int `json:"verified"`
	Lapsed   int `json:"lapsed"`
	// Released counts commitments an officer released the supplier from,
	// at its request: they stay on the record.
	Released       int   `json:"released"`
	ApprovedPence  int64 `json:"approvedPence"`
	DeliveredPence int64 `json:"deliveredPence"`
	VerifiedPence  int64 `json:"verifiedPence"`
	// ImportedPence is the part of DeliveredPence brought in by an import
	// of contracts and not yet verified here (SupplierRecord only).
	ImportedPence int64 `json:"importedPence"`
	// Deliveries are the verified deliveries, newest first (SupplierRecord only).
	Deliveries []*Delivery `json:"deliveries,omitempty"`
	// Remedies are the supplier's remedy plans, newest first
	// (SupplierRecord only).
	Remedies []*Remedy     `json:"remedies,omitempty"`
	Units    []LedgerUnits `json:"units"`
	// Councils are its figures in every council it works in, each marked
	// by council (SupplierRecord only).
	Councils   []CouncilRecord `json:"councils,omitempty"`
	ComputedAt time.Time       `json:"computedAt"`
}

// DeliveryRecordOf computes a supplier's record from its pledges and
// deliveries (no authorisation: for the matcher inside the process).
func (s *Service) DeliveryRecordOf(ctx context.Context, authorityID, orgID string) (*DeliveryRecord, error) {
	vs := s.Store
	r := &DeliveryRecord{OrganisationID: orgID, Units: []LedgerUnits{}, ComputedAt: s.now()}
	ps, err := allPledges(ctx, s.Store, PledgeFilter{AuthorityID: authorityID, OrganisationID: orgID})
	if err != nil {
		return nil, err
	}
	for _, p := range ps {
		r.OrganisationName = p.OrganisationName
	}
	n := CountRecord(ps, r.ComputedAt)
	r.Pledged, r.Verified, r.Lapsed, r.Released = n.Commitments, n.Verified, n.Lapsed, n.Released
	sums, err := vs.LedgerSums(ctx, LedgerFilter{AuthorityID: authorityID, SupplierID: orgID})
	if err != nil {
		return nil, err
	}
	l := BuildLedger("", LedgerFilter{}, sums, nil, r.ComputedAt)
	r.ApprovedPence, r.DeliveredPence, r.VerifiedPence, r.Units = l.Totals.ApprovedPence, l.Totals.DeliveredPence, l.Totals.VerifiedPence, l.Totals.Units
	return r, nil
}

// SupplierRecord returns a supplier's record of delivered and verified
// social value with its verified deliveries: to the supplier itself and
// to officers of its authority.
func (s *Service) SupplierRecord(ctx context.Context, a *Actor, orgID string) (*DeliveryRecord, error) {
	if err := requireRole(a, RoleSupplier, RoleOfficer, RoleAdmin); err != nil {
		return nil, err
	}
	o, err := s.Store.OrganisationByID(ctx, orgID)
	if ErrorCode(err) == ENOTFOUND || (err == nil && (o.AuthorityID != a.AuthorityID || o.Kind != KindSupplier || (!a.IsOfficer() && o.ID != a.OrganisationID))) {
		return nil, Errorf(ENOTFOUND, "Supplier not found.")
	} else if err != nil {
		return nil, err
	}
	r, err := s.DeliveryRecordOf(ctx, a.AuthorityID, o.ID)
	if err != nil {
		return nil, err
	}
	r.OrganisationName = o.Name
	if r.Remedies, err = s.remedies(ctx, RemedyFilter{AuthorityID: a.AuthorityID, OrganisationID: o.ID}); err != nil {
		return nil, err
	}
	f := DeliveryFilter{LedgerFilter: LedgerFilter{AuthorityID: a.AuthorityID, SupplierID: o.ID}, Status: DeliveryVerified, Page: Page{Limit: 5000}}
	for {
		ds, next, err := s.Store.FindDeliveries(ctx, f)
		if err != nil {
			return nil, err
		}
		r.Deliveries = append(r.Deliveries, ds...)
		if next == "" || len(r.Deliveries) >= 50_000 {
			break
		}
		f.After = next
	}
	if r.Deliveries == nil {
		r.Deliveries = []*Delivery{}
	}
	if r.Councils, err = s.councilRecords(ctx, o.ID); err != nil {
		return nil, err
	}
	imported, err := AllPages(func(p Page) ([]*Delivery, string, error) {
		return s.Store.FindDeliveries(ctx, DeliveryFilter{LedgerFilter: LedgerFilter{AuthorityID: a.AuthorityID, SupplierID: o.ID}, Status: DeliveryReported, Source: SourceImport, Page: p})
	}, 0)
	if err != nil {
		return nil, err
	}
	for _, d := range imported {
		r.ImportedPence += d.ValuePence
	}
	return r, nil
}
