package domain

import (
	"slices"
	"strings"
)

// The ledger's arithmetic, defined once. LedgerSumsOf says what every
// figure of the ledger is, from the pledges and deliveries themselves; a
// store's LedgerSums must give the same cells (MergeLedgerSums puts both in
// one form). The MongoDB store calls it on the records it reads; the SQLite
// store adds up in SQL (triggers and rollups, the fast path), and the
// conformance suite checks it against this definition on random data
// (store/storetest/ledger_random.go).
//
// A pledge counts once in each dimension, under its own keys:
//   - contract: ContractID ("" without a contract);
//   - supplier: OrganisationID;
//   - ward: Area (the request's ward, copied when the pledge is made);
//   - theme: Theme (the measure's theme; "" without a measure);
//   - month: the month it was made, CreatedAt in UTC as YYYY-MM;
//   - supplier_contract: OrganisationID|ContractID (the ledger's shares of
//     contract value by supplier need both);
//
// and under its measure, MeasureCode ("" without one). Its figures:
//   - pledged: Quantity and ValuePence, unless it is declined or withdrawn
//     (offered, approved, in delivery, delivered, confirmed, verified and
//     lapsed pledges all count as pledged);
//   - approved (secured): ApprovedPence as it stands (0 until an officer
//     approves or an award commits it, 0 again when withdrawn or released;
//     a lapsed commitment keeps it: that is the gap), and in units
//     floor(Quantity x ApprovedPence / ValuePence), the approved part of the
//     quantity rounded down (all of it when all is approved).
//
// A delivery counts once in each dimension under the keys copied from its
// pledge when it was reported, except the month, which is the month it
// happened (Date in UTC, Delivery.Month), and under its pledge's measure.
// A rejected delivery counts nowhere. Every other one counts as delivered
// (Quantity and ValuePence: the pence fixed when it was reported, by
// DeliveryValue); as confirmed too when the group confirmed it (Confirmed,
// also when an officer verified it later); as verified too when an officer
// verified it (status verified, confirmed by the group or not).
//
// A filter keeps the records whose key equals its value: LedgerNone (none)
// keeps those whose key is empty (no contract, no theme, no measure, no
// ward); the month filter keeps pledges made and deliveries done in that
// month; RequestOrgID keeps the records on one group's requests. The
// authority always filters.

// LedgerSumsOf adds up the pledges and deliveries that match f (records
// of other authorities are left out) into one cell per dimension, key and
// measure, in the form MergeLedgerSums gives: cells with every figure 0
// (only declined or withdrawn pledges) are left out, and cells are in
// SumDims order, then by key and measure.
func LedgerSumsOf(ps []*Pledge, ds []*Delivery, f LedgerFilter) []LedgerSum {
	var sums []LedgerSum
	add := func(s LedgerSum, keys [6]string) {
		for i, dim := range SumDims {
			s.Dim, s.Key = dim, keys[i]
			sums = append(sums, s)
		}
	}
	for _, p := range ps {
		if f.MatchesPledge(p) {
			add(PledgeFigures(p), [6]string{p.ContractID, p.OrganisationID, p.Area, p.Theme, PledgeMonth(p), supplierContractKey(p.OrganisationID, p.ContractID)})
		}
	}
	for _, d := range ds {
		if f.MatchesDelivery(d) {
			add(DeliveryFigures(d), [6]string{d.ContractID, d.OrganisationID, d.Area, d.Theme, d.Month(), supplierContractKey(d.OrganisationID, d.ContractID)})
		}
	}
	return MergeLedgerSums(sums)
}

// PledgeMonth is the ledger's month of a pledge: the month it was made, in UTC.
func PledgeMonth(p *Pledge) string { return p.CreatedAt.UTC().Format("2006-01") }

// PledgeFigures are a pledge's own figures (pledged and approved) under its
// measure, with no dimension.
func PledgeFigures(p *Pledge) LedgerSum {
	s := LedgerSum{Measure: p.MeasureCode}
	if p.Status != PledgeDeclined && p.Status != PledgeWithdrawn {
		s.PledgedQty, s.PledgedPence = p.Quantity, p.ValuePence
	}
	s.ApprovedPence = p.ApprovedPence
	s.ApprovedQty = p.ApprovedUnits()
	return s
}

// DeliveryFigures are a delivery's figures (delivered, confirmed,
// verified) under its measure, with no dimension: none when it is rejected.
func DeliveryFigures(d *Delivery) LedgerSum {
	s := LedgerSum{Measure: d.MeasureCode}
	if d.Status == DeliveryRejected {
		return s
	}
	s.DeliveredQty, s.DeliveredPence = d.Quantity, d.ValuePence
	if d.Confirmed {
		s.ConfirmedQty, s.ConfirmedPence = d.Quantity, d.ValuePence
	}
	if d.Status == DeliveryVerified {
		s.VerifiedQty, s.VerifiedPence = d.Quantity, d.ValuePence
	}
	return s
}

// MatchesPledge reports whether the pledge is one of the filter's records.
func (f LedgerFilter) MatchesPledge(p *Pledge) bool {
	return p.AuthorityID == f.AuthorityID && f.matches(p.ContractID, p.OrganisationID, p.RequestOrgID, p.Area, p.Theme, PledgeMonth(p), p.MeasureCode)
}

// MatchesDelivery reports whether the delivery is one of the filter's records.
func (f LedgerFilter) MatchesDelivery(d *Delivery) bool {
	return d.AuthorityID == f.AuthorityID && f.matches(d.ContractID, d.OrganisationID, d.RequestOrgID, d.Area, d.Theme, d.Month(), d.MeasureCode)
}

func (f LedgerFilter) matches(contract, supplier, requestOrg, area, theme, month, measure string) bool {
	if from, to := f.MonthRange(); from != "" && (month < from || month > to) {
		return false
	}
	for _, c := range [][2]string{{f.ContractID, contract}, {f.SupplierID, supplier}, {f.RequestOrgID, requestOrg}, {f.Area, area},
		{f.Theme, theme}, {f.Month, month}, {f.MeasureCode, measure}} {
		switch c[0] {
		case "":
		case LedgerNone:
			if c[1] != "" {
				return false
			}
		default:
			if c[1] != c[0] {
				return false
			}
		}
	}
	return true
}

// MergeLedgerSums puts a store's sums in one form: the rows of the same
// dimension, key and measure added up (a store may answer a cell in
// parts), cells with every figure 0 left out, in SumDims order, then by
// key and measure. Two stores agree when their merged sums are equal.
func MergeLedgerSums(sums []LedgerSum) []LedgerSum {
	type cell struct{ dim, key, measure string }
	m := map[cell]*LedgerSum{}
	for _, s := range sums {
		k := cell{s.Dim, s.Key, s.Measure}
		c := m[k]
		if c == nil {
			c = &LedgerSum{Dim: s.Dim, Key: s.Key, Measure: s.Measure}
			m[k] = c
		}
		c.Add(s)
	}
	out := make([]LedgerSum, 0, len(m))
	for _, c := range m {
		if c.zero() {
			continue
		}
		out = append(out, *c)
	}
	slices.SortFunc(out, func(a, b LedgerSum) int {
		if d := slices.Index(SumDims, a.Dim) - slices.Index(SumDims, b.Dim); d != 0 {
			return d
		}
		if c := strings.Compare(a.Key, b.Key); c != 0 {
			return c
		}
		return strings.Compare(a.Measure, b.Measure)
	})
	return out
}

// zero reports whether every figure of s is 0.
func (s LedgerSum) zero() bool {
	return s == LedgerSum{Dim: s.Dim, Key: s.Key, Measure: s.Measure}
}
