package domain

import (
	"context"
	"slices"
	"time"
)

// CouncilSummary is the one-page summary of a council's social value for
// officers and its scrutiny panel: the panel's figures (secured as a share
// of contract value; secured, delivered and verified since the first year
// on record; the share of spend with local suppliers), the trend by
// financial year, the contracts with most value secured and the overdue
// commitments. Every figure comes from the ledger of the whole council.
type CouncilSummary struct {
	Authority  string    `json:"authority"`
	Name       string    `json:"name"`
	ComputedAt time.Time `json:"computedAt"`
	SummaryFigures
	ByYear       []LedgerRow `json:"byYear"`
	TopContracts []LedgerRow `json:"topContracts"`
}

// SummaryFigures are the panel's figures of a council's summary (and of a
// region's, added up from its councils').
type SummaryFigures struct {
	// Since is the first financial year with records (YYYY; "" with none)
	// and SinceLabel its name ("2024/25").
	Since              string   `json:"since"`
	SinceLabel         string   `json:"sinceLabel"`
	ContractValuePence int64    `json:"contractValuePence"`
	SecuredPercent     *Percent `json:"securedPercent"`
	SecuredPence       int64    `json:"securedPence"`
	DeliveredPence     int64    `json:"deliveredPence"`
	VerifiedPence      int64    `json:"verifiedPence"`
	// LocalSpend is the share of the council's spend with suppliers based
	// in its area: nil ("not recorded") until the council's payments are
	// imported.
	LocalSpend *LocalSpendFigure `json:"localSpend"`
	Overdue    OverdueFigure     `json:"overdue"`
	// share is what SecuredPercent is computed from (see Ledger.share).
	share ledgerShare
}

// LocalSpendFigure is the council's spend with suppliers based in its area
// in a financial year (FY, YYYY).
type LocalSpendFigure struct {
	FY           string   `json:"fy"`
	Label        string   `json:"label"`
	TotalPence   int64    `json:"totalPence"`
	LocalPence   int64    `json:"localPence"`
	LocalPercent *Percent `json:"localPercent"`
}

// OverdueFigure counts the commitments past due without verified delivery
// and adds up the value committed on them.
type OverdueFigure struct {
	Count      int   `json:"count"`
	ValuePence int64 `json:"valuePence"`
}

// SummaryTopContracts is how many contracts the summary lists.
const SummaryTopContracts = 10

// CouncilSummary computes the council's summary (officers and admins).
func (s *Service) CouncilSummary(ctx context.Context, a *Actor) (*CouncilSummary, error) {
	if err := requireRole(a, RoleOfficer, RoleAdmin); err != nil {
		return nil, err
	}
	auth, err := s.Store.AuthorityByID(ctx, a.AuthorityID)
	if err != nil {
		return nil, err
	}
	return s.councilSummaryOf(ctx, auth)
}

// councilSummaryOf computes a council's summary.
func (s *Service) councilSummaryOf(ctx context.Context, auth *Authority) (*CouncilSummary, error) {
	l, err := s.ledgerOf(ctx, s.Store, auth.ID, LedgerFilter{AuthorityID: auth.ID})
	if err != nil {
		return nil, err
	}
	overdue, err := s.overdueOf(ctx, auth.ID)
	if err != nil {
		return nil, err
	}
	spend, err := s.localSpendOf(ctx, auth.ID, LocalSpendFilter{})
	if err != nil {
		return nil, err
	}
	sum := summaryOf(auth, l, overdue)
	sum.LocalSpend = latestLocalSpend(spend)
	return sum, nil
}

// latestLocalSpend is the local spend share of the latest financial year
// with payments, as the panel reports it (one year's share); nil when no
// payment is recorded.
func latestLocalSpend(ls *LocalSpend) *LocalSpendFigure {
	var latest *LocalSpendRow
	for i, y := range ls.ByYear {
		if y.TotalPence > 0 && (latest == nil || y.Key > latest.Key) {
			latest = &ls.ByYear[i]
		}
	}
	if latest == nil {
		return nil
	}
	return &LocalSpendFigure{FY: latest.Key, Label: latest.Label, TotalPence: latest.TotalPence, LocalPence: latest.LocalPence, LocalPercent: latest.LocalPercent}
}

// plus adds another council's local spend figure: the sum's share is its
// summed local pence over its summed spend, never an average of shares.
// Its year is theirs when both report the same one, else "" (each
// council's latest). A nil figure (no payments recorded) adds nothing.
func (f *LocalSpendFigure) plus(o *LocalSpendFigure) *LocalSpendFigure {
	switch {
	case o == nil:
		return f
	case f == nil:
		c := *o
		return &c
	}
	sum := &LocalSpendFigure{FY: f.FY, Label: f.Label, TotalPence: f.TotalPence + o.TotalPence, LocalPence: f.LocalPence + o.LocalPence}
	if f.FY != o.FY {
		sum.FY, sum.Label = "", "the latest year of each council"
	}
	sum.LocalPercent = ShareOf(sum.LocalPence, sum.TotalPence)
	return sum
}

// summaryOf puts the summary together from the council's ledger and its
// overdue commitments.
func summaryOf(auth *Authority, l *Ledger, overdue []OverdueItem) *CouncilSummary {
	t := l.Totals
	sum := &CouncilSummary{Authority: auth.Slug, Name: auth.Name, ComputedAt: l.ComputedAt, ByYear: []LedgerRow{}, TopContracts: []LedgerRow{},
		SummaryFigures: SummaryFigures{ContractValuePence: t.ContractValuePence, SecuredPercent: t.SecuredPercent, SecuredPence: t.ApprovedPence,
			DeliveredPence: t.DeliveredPence, VerifiedPence: t.VerifiedPence, share: l.share}}
	for _, y := range l.ByYear {
		if y.Key == "" {
			continue
		}
		if sum.Since == "" {
			sum.Since, sum.SinceLabel = y.Key, y.Label
		}
		sum.ByYear = append(sum.ByYear, y)
	}
	for _, c := range l.ByContract {
		if c.Key != "" && c.ApprovedPence > 0 {
			sum.TopContracts = append(sum.TopContracts, c)
		}
	}
	slices.SortStableFunc(sum.TopContracts, func(a, b LedgerRow) int {
		switch {
		case a.ApprovedPence > b.ApprovedPence:
			return -1
		case a.ApprovedPence < b.ApprovedPence:
			return 1
		}
		return 0
	})
	if len(sum.TopContracts) > SummaryTopContracts {
		sum.TopContracts = sum.TopContracts[:SummaryTopContracts]
	}
	for _, it := range overdue {
		sum.Overdue.Count++
		sum.Overdue.ValuePence += it.Pledge.ApprovedPence
	}
	return sum
}
