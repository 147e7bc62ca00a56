package domain

import (
	"cmp"
	"context"
	"slices"
	"sort"
	"time"
)

// RegionSummary is the one-page summary of a region (partnership): each
// member council's summary figures side by side and the region's, added up
// from the councils' own summaries. Every share is computed from summed
// pence, never by averaging the councils' percentages.
type RegionSummary struct {
	Region     string    `json:"region"`
	Name       string    `json:"name"`
	ComputedAt time.Time `json:"computedAt"`
	// Councils are the member councils' figures, by name.
	Councils []RegionSummaryRow `json:"councils"`
	// Total is the region's: the councils' figures added up; its Since is
	// the earliest first year of any council.
	Total RegionSummaryRow `json:"total"`
	// ByYear is the trend by financial year, summed across councils.
	ByYear []LedgerRow `json:"byYear"`
	// TopContracts are the contracts with most value secured across the
	// region, each marked with its council.
	TopContracts []RegionContract `json:"topContracts"`
}

// RegionSummaryRow is one council's summary figures (or the region's).
type RegionSummaryRow struct {
	Slug string `json:"slug"`
	Name string `json:"name"`
	SummaryFigures
}

// RegionContract is a contract of a member council in the region's
// summary, marked with its council.
type RegionContract struct {
	Council     string `json:"council"`
	CouncilName string `json:"councilName"`
	LedgerRow
}

// GetRegionSummary computes the region's summary from each member
// council's summary (a region officer of the region, a platform admin).
func (s *Service) GetRegionSummary(ctx context.Context, a *Actor, slug string) (*RegionSummary, error) {
	r, err := s.readableRegion(ctx, a, slug)
	if err != nil {
		return nil, err
	}
	sums := make([]*CouncilSummary, 0, len(r.AuthorityIDs))
	for _, id := range r.AuthorityIDs {
		auth, err := s.Store.AuthorityByID(ctx, id)
		if err != nil {
			return nil, err
		}
		cs, err := s.councilSummaryOf(ctx, auth)
		if err != nil {
			return nil, err
		}
		sums = append(sums, cs)
	}
	return RegionSummaryOf(r, sums, s.now()), nil
}

// RegionSummaryOf adds up the member councils' summaries.
func RegionSummaryOf(r *Region, sums []*CouncilSummary, now time.Time) *RegionSummary {
	out := &RegionSummary{Region: r.Slug, Name: r.Name, ComputedAt: now, Councils: []RegionSummaryRow{}, ByYear: []LedgerRow{},
		TopContracts: []RegionContract{}, Total: RegionSummaryRow{Slug: r.Slug, Name: "All councils of " + r.Name}}
	years := map[string]*LedgerRow{}
	for _, cs := range sums {
		row := RegionSummaryRow{Slug: cs.Authority, Name: cs.Name, SummaryFigures: cs.SummaryFigures}
		out.Councils = append(out.Councils, row)
		out.Total.add(row.SummaryFigures)
		for _, y := range cs.ByYear {
			sum := years[y.Key]
			if sum == nil {
				sum = &LedgerRow{Key: y.Key, Label: y.Label, Units: []LedgerUnits{}, Filter: map[string]string{}}
				years[y.Key] = sum
			}
			sum.PledgedPence += y.PledgedPence
			sum.ApprovedPence += y.ApprovedPence
			sum.DeliveredPence += y.DeliveredPence
			sum.ConfirmedPence += y.ConfirmedPence
			sum.VerifiedPence += y.VerifiedPence
			sum.GapPence += y.GapPence
			sum.ImportedPence += y.ImportedPence
		}
		for _, c := range cs.TopContracts {
			// The council's own links and filters are its officers'.
			c.Pledges, c.Deliveries, c.Filter = "", "", map[string]string{}
			out.TopContracts = append(out.TopContracts, RegionContract{Council: cs.Authority, CouncilName: cs.Name, LedgerRow: c})
		}
	}
	out.Total.ContractValuePence = out.Total.share.value
	out.Total.SecuredPercent = ShareOf(out.Total.share.approved, out.Total.share.value)
	for _, y := range years {
		out.ByYear = append(out.ByYear, *y)
	}
	sort.Slice(out.ByYear, func(i, j int) bool { return out.ByYear[i].Key < out.ByYear[j].Key })
	sort.SliceStable(out.Councils, func(i, j int) bool { return out.Councils[i].Name < out.Councils[j].Name })
	// Each council's ten with most secured hold the region's ten.
	slices.SortStableFunc(out.TopContracts, func(a, b RegionContract) int {
		return cmp.Or(cmp.Compare(b.ApprovedPence, a.ApprovedPence), cmp.Compare(a.CouncilName, b.CouncilName))
	})
	if len(out.TopContracts) > SummaryTopContracts {
		out.TopContracts = out.TopContracts[:SummaryTopContracts]
	}
	return out
}

// add adds a council's summary figures to the region's.
func (t *SummaryFigures) add(o SummaryFigures) {
	if o.Since != "" && (t.Since == "" || o.Since < t.Since) {
		t.Since, t.SinceLabel = o.Since, o.SinceLabel
	}
	t.SecuredPence += o.SecuredPence
	t.DeliveredPence += o.DeliveredPence
	t.VerifiedPence += o.VerifiedPence
	t.LocalSpend = t.LocalSpend.plus(o.LocalSpend)
	t.Overdue.Count += o.Overdue.Count
	t.Overdue.ValuePence += o.Overdue.ValuePence
	t.share.plus(o.share)
}
