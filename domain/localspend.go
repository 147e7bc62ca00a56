package domain

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"strings"
	"time"
)

// LocalSpendFilter narrows the local spend figures: a financial year
// (FY, April FY to March FY+1; 0 any), a quarter of it (1 = April-June;
// only with FY), a directorate and a contract (ids).
type LocalSpendFilter struct {
	FY            int
	Quarter       int
	DirectorateID string
	ContractID    string
}

// LocalSpendRow is the spend of one year, directorate or contract.
type LocalSpendRow struct {
	Key          string   `json:"key"`
	Label        string   `json:"label"`
	TotalPence   int64    `json:"totalPence"`
	LocalPence   int64    `json:"localPence"`
	LocalPercent *Percent `json:"localPercent"`
}

// AwardedShare is the local suppliers' share of the contracts awarded.
// LocalPercent is by value: localValuePence over valuePence.
type AwardedShare struct {
	Contracts       int      `json:"contracts"`
	LocalContracts  int      `json:"localContracts"`
	ValuePence      int64    `json:"valuePence"`
	LocalValuePence int64    `json:"localValuePence"`
	LocalPercent    *Percent `json:"localPercent"`
}

// LocalSpend is the share of the council's spend (its imported payments)
// that goes to suppliers based in the council's area: a supplier whose
// base, as the payment gives it or else as its profile does, is one of
// the council's wards or postcode districts.
type LocalSpend struct {
	Authority         string          `json:"authority"`
	PostcodeDistricts []string        `json:"postcodeDistricts"`
	TotalPence        int64           `json:"totalPence"`
	LocalPence        int64           `json:"localPence"`
	LocalPercent      *Percent        `json:"localPercent"`
	ByYear            []LocalSpendRow `json:"byYear"`
	ByDirectorate     []LocalSpendRow `json:"byDirectorate"`
	ByContract        []LocalSpendRow `json:"byContract"`
	Awarded           AwardedShare    `json:"awarded"`
}

// FinancialYear is the financial year of t (April to March): 2024 for
// 1 April 2024 to 31 March 2025; the quarter is 1 for April-June.
func FinancialYear(t time.Time) (fy, quarter int) {
	q := QuarterOf(t)
	return q.FY, q.Quarter
}

// isLocal reports whether a base (ward code or postcode district) is in
// the council's area.
func (a *Authority) isLocal(base string) bool {
	if base == "" {
		return false
	}
	if _, ok := a.Area(base); ok {
		return true
	}
	return slices.Contains(a.PostcodeDistricts, base)
}

// LocalSpend computes the local spend figures for an officer.
func (s *Service) LocalSpend(ctx context.Context, a *Actor, f LocalSpendFilter) (*LocalSpend, error) {
	if err := requireRole(a, RoleOfficer, RoleAdmin); err != nil {
		return nil, err
	}
	var v Validation
	if f.FY != 0 && (f.FY < 2000 || f.FY > 2200) {
		v.Add("fy", "fy must be a year like 2024 (April 2024 to March 2025)")
	}
	if f.Quarter != 0 && (f.Quarter < 1 || f.Quarter > 4 || f.FY == 0) {
		v.Add("quarter", "quarter must be 1 to 4 (1 is April to June), with fy")
	}
	for _, c := range []struct{ name, val string }{{"directorate", f.DirectorateID}, {"contract", f.ContractID}} {
		if c.val != "" && !ValidID(c.val) {
			v.Add(c.name, "%s must be an id", c.name)
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return s.localSpendOf(ctx, a.AuthorityID, f)
}

// localSpendOf computes the local spend figures of a council for a checked filter.
func (s *Service) localSpendOf(ctx context.Context, authorityID string, f LocalSpendFilter) (*LocalSpend, error) {
	st, err := s.importStateOf(ctx, authorityID)
	if err != nil {
		return nil, err
	}
	pays, err := s.Store.Payments(ctx, st.auth.ID)
	if err != nil {
		return nil, err
	}
	contracts := map[string]*Contract{}
	for _, c := range st.contracts {
		contracts[c.ID] = c
	}
	suppliers := map[string]*Organisation{}
	for _, o := range st.suppliers {
		suppliers[o.ID] = o
	}
	// A supplier's base: its profile's, else the last payment's.
	lastBase := map[string]string{}
	for _, p := range pays {
		if p.Base != "" {
			lastBase[p.SupplierID] = p.Base
		}
	}
	supplierLocal := func(id string) bool {
		if o := suppliers[id]; o != nil && (o.BaseWard != "" || o.BasePostcodeDistrict != "" || o.Area != "") {
			return st.auth.isLocal(o.BaseWard) || st.auth.isLocal(o.BasePostcodeDistrict) || st.auth.isLocal(o.Area)
		}
		return st.auth.isLocal(lastBase[id])
	}
	inPeriod := func(t time.Time) bool {
		fy, q := FinancialYear(t)
		return (f.FY == 0 || fy == f.FY) && (f.Quarter == 0 || q == f.Quarter)
	}
	inScope := func(c *Contract) bool {
		return (f.ContractID == "" || c.ID == f.ContractID) && (f.DirectorateID == "" || c.DirectorateID == f.DirectorateID)
	}
	out := &LocalSpend{Authority: st.auth.Slug, PostcodeDistricts: append([]string{}, st.auth.PostcodeDistricts...)}
	type acc struct{ total, local int64 }
	years, dirs, cons := map[string]*acc{}, map[string]*acc{}, map[string]*acc{}
	add := func(m map[string]*acc, k string, amount int64, local bool) {
		x := m[k]
		if x == nil {
			x = &acc{}
			m[k] = x
		}
		x.total += amount
		if local {
			x.local += amount
		}
	}
	for _, p := range pays {
		c := contracts[p.ContractID]
		if c == nil || !inScope(c) || !inPeriod(p.Date) {
			continue
		}
		local := supplierLocal(p.SupplierID)
		if p.Base != "" {
			local = st.auth.isLocal(p.Base)
		}
		fy, _ := FinancialYear(p.Date)
		out.TotalPence += p.AmountPence
		if local {
			out.LocalPence += p.AmountPence
		}
		add(years, strconv.Itoa(fy), p.AmountPence, local)
		add(dirs, c.DirectorateID, p.AmountPence, local)
		add(cons, c.ID, p.AmountPence, local)
	}
	out.LocalPercent = ShareOf(out.LocalPence, out.TotalPence)
	rows := func(m map[string]*acc, label func(string) string) []LocalSpendRow {
		rs := make([]LocalSpendRow, 0, len(m))
		for k, x := range m {
			rs = append(rs, LocalSpendRow{Key: k, Label: label(k), TotalPence: x.total, LocalPence: x.local, LocalPercent: ShareOf(x.local, x.total)})
		}
		slices.SortFunc(rs, func(a, b LocalSpendRow) int {
			return cmp.Or(strings.Compare(a.Label, b.Label), strings.Compare(a.Key, b.Key))
		})
		return rs
	}
	out.ByYear = rows(years, FYLabel)
	out.ByDirectorate = rows(dirs, func(k string) string {
		if d, ok := st.auth.Directorate(k); ok {
			return d.Name
		}
		return "No directorate"
	})
	out.ByContract = rows(cons, func(k string) string { return contracts[k].Reference + " " + contracts[k].Title })
	for _, c := range st.contracts {
		if c.AwardedTo == "" || c.AwardedAt == nil || !inScope(c) || !inPeriod(*c.AwardedAt) {
			continue
		}
		out.Awarded.Contracts++
		out.Awarded.ValuePence += c.ValuePence
		if supplierLocal(c.AwardedTo) {
			out.Awarded.LocalContracts++
			out.Awarded.LocalValuePence += c.ValuePence
		}
	}
	out.Awarded.LocalPercent = ShareOf(out.Awarded.LocalValuePence, out.Awarded.ValuePence)
	return out, nil
}
