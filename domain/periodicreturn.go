package domain

import (
	"context"
	"slices"
	"strings"
	"time"
)

// Reporting is a live contract's periodic reporting: a return from its
// supplier every quarter of the financial year (Q1 April to June ... Q4
// January to March), from the quarter in which the officer set it.
type Reporting struct {
	Every       string    `json:"every"`
	FromFY      int       `json:"fromFy"`
	FromQuarter int       `json:"fromQuarter"`
	SetBy       string    `json:"-"`
	SetByName   string    `json:"setByName"`
	SetAt       time.Time `json:"setAt"`
}

// ReportingQuarterly is the one reporting period.
const ReportingQuarterly = "quarter"

// ReturnGrace is how long after the end of its quarter a return is late:
// it is due from the day after the quarter ends and overdue 30 days later.
const ReturnGrace = 30 * 24 * time.Hour

// Quarter is a quarter of a financial year.
type Quarter struct {
	FY      int `json:"fy"`
	Quarter int `json:"quarter"`
}

// QuarterOf is the financial-year quarter of t.
func QuarterOf(t time.Time) Quarter {
	fy := FinancialYearOf(t)
	months := (int(t.UTC().Month()) - int(time.April) + 12) % 12
	return Quarter{FY: fy, Quarter: months/3 + 1}
}

// Start is the first moment of the quarter (UTC).
func (q Quarter) Start() time.Time {
	return time.Date(q.FY, time.April+time.Month(3*(q.Quarter-1)), 1, 0, 0, 0, 0, time.UTC)
}

// End is the first moment after the quarter.
func (q Quarter) End() time.Time { return q.Start().AddDate(0, 3, 0) }

// Next is the quarter after q.
func (q Quarter) Next() Quarter { return QuarterOf(q.End()) }

// Before reports whether q comes before r.
func (q Quarter) Before(r Quarter) bool {
	return q.FY < r.FY || q.FY == r.FY && q.Quarter < r.Quarter
}

// DueDate is the last day of the grace after the quarter: the return is
// overdue after it.
func (q Quarter) DueDate() time.Time { return q.End().Add(ReturnGrace - 24*time.Hour) }

// SetReporting turns quarterly reporting of a live contract on (from the
// current quarter) or off.
func (c *Contract) SetReporting(on bool, by, byName string, now time.Time) error {
	if c.Stage != StageLive {
		return &Error{Code: ECONFLICT, Field: "quarterly", Message: sprintf("Contract is %s: reporting is set on a live contract.", c.Stage)}
	}
	if on == (c.Reporting != nil) {
		return &Error{Code: ECONFLICT, Field: "quarterly", Message: sprintf("Quarterly reporting is already %s.", map[bool]string{true: "on", false: "off"}[on])}
	}
	c.Reporting = nil
	if on {
		q := QuarterOf(now)
		c.Reporting = &Reporting{Every: ReportingQuarterly, FromFY: q.FY, FromQuarter: q.Quarter, SetBy: by, SetByName: byName, SetAt: now}
	}
	c.Version, c.UpdatedAt = c.Version+1, now
	return nil
}

// quarters lists the quarters a contract reports for up to and including
// the quarter of now, oldest first (none without reporting).
func (c *Contract) quarters(now time.Time) []Quarter {
	if c.Reporting == nil || c.Stage != StageLive {
		return nil
	}
	var out []Quarter
	last := QuarterOf(now)
	for q := (Quarter{c.Reporting.FromFY, c.Reporting.FromQuarter}); !last.Before(q); q = q.Next() {
		out = append(out, q)
	}
	return out
}

// PeriodicReturn is a supplier's return for one quarter of a contract: for
// each of its commitments on the contract, the deliveries reported since
// the last return (through the delivery door, with their evidence) and a
// note. A return is never edited.
type PeriodicReturn struct {
	ID                string       `json:"id"`
	AuthorityID       string       `json:"-"`
	ContractID        string       `json:"contractId"`
	ContractReference string       `json:"contractReference"`
	OrganisationID    string       `json:"organisationId"`
	OrganisationName  string       `json:"organisationName"`
	FY                int          `json:"fy"`
	Quarter           int          `json:"quarter"`
	Lines             []ReturnLine `json:"lines"`
	SubmittedBy       string       `json:"-"`
	SubmittedByName   string       `json:"submittedByName"`
	SubmittedAt       time.Time    `json:"submittedAt"`
	Version           int64        `json:"version"`
}

// ReturnLine is what a return says of one commitment.
type ReturnLine struct {
	PledgeID       string   `json:"pledgeId"`
	RequestTitle   string   `json:"requestTitle"`
	DeliveryIDs    []string `json:"deliveryIds"`
	DeliveredPence int64    `json:"deliveredPence"`
	Note           string   `json:"note"`
}

// ReturnFilter selects returns of one authority.
type ReturnFilter struct {
	AuthorityID    string
	ContractID     string
	OrganisationID string
	Page
}

// ReturnStore persists periodic returns.
type ReturnStore interface {
	// CreateReturn stores r with its audit event; ECONFLICT when the
	// contract already has a return for the quarter.
	CreateReturn(ctx context.Context, r *PeriodicReturn, ev *AuditEvent) error
	// FindReturns lists newest first.
	FindReturns(ctx context.Context, f ReturnFilter) ([]*PeriodicReturn, string, error)
}

// ReturnInput is a supplier's return.
type ReturnInput struct {
	FY, Quarter int
	Lines       []ReturnLineInput
}

// ReturnLineInput is one commitment's line: deliveries the supplier
// reported on it (POST /pledges/{id}/deliveries) and a note.
type ReturnLineInput struct {
	PledgeID    string
	DeliveryIDs []string
	Note        string
}

// DueReturn is a quarter's return a contract's supplier has not sent,
// after the quarter ended.
type DueReturn struct {
	ContractID          string `json:"contractId"`
	ContractReference   string `json:"contractReference"`
	ContractTitle       string `json:"contractTitle"`
	OrganisationID      string `json:"organisationId"`
	OrganisationName    string `json:"organisationName"`
	ContractManagerID   string `json:"contractManagerId,omitempty"`
	ContractManagerName string `json:"contractManagerName,omitempty"`
	FY                  int    `json:"fy"`
	Quarter             int    `json:"quarter"`
	PeriodEnd           string `json:"periodEnd"`
	DueDate             string `json:"dueDate"`
	Overdue             bool   `json:"overdue"`
	DaysOverdue         int    `json:"daysOverdue"`
}

// dueReturns lists the quarters of c that ended before now without a
// return in sent.
func (c *Contract) dueReturns(sent []*PeriodicReturn, now time.Time) []DueReturn {
	out := []DueReturn{}
	for _, q := range c.quarters(now) {
		if !q.End().After(now) && !slices.ContainsFunc(sent, func(r *PeriodicReturn) bool { return r.FY == q.FY && r.Quarter == q.Quarter }) {
			due := q.DueDate()
			d := DueReturn{ContractID: c.ID, ContractReference: c.Reference, ContractTitle: c.Title, OrganisationID: c.AwardedTo, OrganisationName: c.AwardedToName,
				ContractManagerID: c.ContractManagerID, ContractManagerName: c.ContractManagerName, FY: q.FY, Quarter: q.Quarter,
				PeriodEnd: q.End().AddDate(0, 0, -1).Format(time.DateOnly), DueDate: due.Format(time.DateOnly)}
			if late := now.Sub(due.Add(24 * time.Hour)); late >= 0 {
				d.Overdue, d.DaysOverdue = true, int(late.Hours()/24)+1
			}
			out = append(out, d)
		}
	}
	return out
}

// SetContractReporting turns a live contract's quarterly reporting on or
// off (officer); audited.
func (s *Service) SetContractReporting(ctx context.Context, a *Actor, id string, quarterly bool) (*Contract, error) {
	c, name, err := s.contractAuthor(ctx, a, id)
	if err != nil {
		return nil, err
	}
	c = c.underived()
	before, prev, now := c.Reporting, c.Version, s.now()
	if err := c.SetReporting(quarterly, a.UserID, name, now); err != nil {
		return nil, err
	}
	ev := NewAuditEvent(c.AuthorityID, a.UserID, "contract.reporting", "contract", c.ID, before, c.Reporting, now)
	if err := s.Store.UpdateContract(ctx, c, prev, ev); err != nil {
		return nil, err
	}
	return c, s.withRules(ctx, c)
}

// contractReturns lists a contract's returns, oldest first.
func (s *Service) contractReturns(ctx context.Context, c *Contract) ([]*PeriodicReturn, error) {
	rs, err := AllPages(func(p Page) ([]*PeriodicReturn, string, error) {
		return s.Store.FindReturns(ctx, ReturnFilter{AuthorityID: c.AuthorityID, ContractID: c.ID, Page: p})
	}, 0)
	if rs == nil {
		rs = []*PeriodicReturn{}
	}
	slices.SortFunc(rs, func(x, y *PeriodicReturn) int { return x.SubmittedAt.Compare(y.SubmittedAt) })
	return rs, err
}

// contractOfSupplier returns a contract the actor may see that was
// awarded to the actor's organisation, or to anyone for an officer.
func (s *Service) contractOfSupplier(ctx context.Context, a *Actor, id string) (*Contract, error) {
	c, _, err := s.visibleContract(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if !a.IsOfficer() && (c.AwardedTo == "" || c.AwardedTo != a.OrganisationID) {
		return nil, Errorf(EFORBIDDEN, "Only the supplier the contract was awarded to and officers see its returns and remedy plans.")
	}
	return c, nil
}

// ContractReturns is a contract's reporting: the returns sent and the
// quarters due.
type ContractReturns struct {
	Reporting *Reporting        `json:"reporting"`
	Returns   []*PeriodicReturn `json:"returns"`
	Due       []DueReturn       `json:"due"`
	// Open is the quarter a return may be sent for now, with the
	// supplier's commitments on the contract (for the return form).
	Commitments []*Pledge `json:"commitments"`
}

// GetContractReturns returns a contract's returns and the quarters due, to
// officers and to the contract's supplier.
func (s *Service) GetContractReturns(ctx context.Context, a *Actor, id string) (*ContractReturns, error) {
	if err := requireRole(a, RoleSupplier, RoleOfficer, RoleAdmin); err != nil {
		return nil, err
	}
	c, err := s.contractOfSupplier(ctx, a, id)
	if err != nil {
		return nil, err
	}
	rs, err := s.contractReturns(ctx, c)
	if err != nil {
		return nil, err
	}
	out := &ContractReturns{Reporting: c.Reporting, Returns: rs, Due: c.dueReturns(rs, s.now()), Commitments: []*Pledge{}}
	if c.AwardedTo != "" {
		if out.Commitments, err = s.commitmentsOn(ctx, c); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// commitmentsOn lists the awarded supplier's commitments on a contract,
// oldest first.
func (s *Service) commitmentsOn(ctx context.Context, c *Contract) ([]*Pledge, error) {
	ps, err := allPledges(ctx, s.Store, PledgeFilter{AuthorityID: c.AuthorityID, OrganisationID: c.AwardedTo})
	if err != nil {
		return nil, err
	}
	out := []*Pledge{}
	for _, p := range ps {
		if p.ContractID == c.ID && p.ApprovedPence > 0 && p.Status != PledgeDeclined && p.Status != PledgeWithdrawn {
			out = append(out, p)
		}
	}
	slices.SortFunc(out, func(x, y *Pledge) int { return strings.Compare(x.ID, y.ID) })
	return out, nil
}

// SubmitReturn records the supplier's return for a quarter of a live
// contract with reporting: one line for each of its open commitments on
// the contract (and any settled one it reports on), each with the
// deliveries reported since the last return and a note (a note alone says
// why nothing was delivered). Deliveries go through the delivery door
// first, with its rules; a return only gathers them. Audited.
func (s *Service) SubmitReturn(ctx context.Context, a *Actor, id string, in ReturnInput) (*PeriodicReturn, error) {
	if err := requireRole(a, RoleSupplier); err != nil {
		return nil, err
	}
	c, err := s.contractOfSupplier(ctx, a, id)
	if err != nil {
		return nil, err
	}
	now := s.now()
	q := Quarter{FY: in.FY, Quarter: in.Quarter}
	qs := c.quarters(now)
	if len(qs) == 0 {
		return nil, Errorf(ECONFLICT, "Contract %s has no quarterly reporting: an officer sets it on a live contract.", c.Reference)
	}
	if !slices.Contains(qs, q) {
		return nil, FieldErrorf("quarter", "fy and quarter must name a quarter from Q%d %d to the current one", qs[0].Quarter, qs[0].FY)
	}
	sent, err := s.contractReturns(ctx, c)
	if err != nil {
		return nil, err
	}
	used := map[string]bool{}
	for _, r := range sent {
		if r.FY == q.FY && r.Quarter == q.Quarter {
			return nil, &Error{Code: ECONFLICT, Field: "quarter", Message: sprintf("The return for Q%d %d was sent on %s.", q.Quarter, q.FY, longDate(r.SubmittedAt))}
		}
		for _, l := range r.Lines {
			for _, d := range l.DeliveryIDs {
				used[d] = true
			}
		}
	}
	commitments, err := s.commitmentsOn(ctx, c)
	if err != nil {
		return nil, err
	}
	u, err := s.Store.UserByID(ctx, a.UserID)
	if err != nil {
		return nil, err
	}
	r := &PeriodicReturn{ID: NewID(), AuthorityID: c.AuthorityID, ContractID: c.ID, ContractReference: c.Reference, OrganisationID: c.AwardedTo,
		OrganisationName: c.AwardedToName, FY: q.FY, Quarter: q.Quarter, Lines: []ReturnLine{}, SubmittedBy: a.UserID, SubmittedByName: u.Name,
		SubmittedAt: now, Version: 1}
	var v Validation
	seen := map[string]bool{}
	for i, l := range in.Lines {
		f := sprintf("lines[%d]", i)
		j := slices.IndexFunc(commitments, func(p *Pledge) bool { return p.ID == l.PledgeID })
		if j < 0 || seen[l.PledgeID] {
			v.Add(f+".pledgeId", "pledgeId must be one of your commitments on this contract, once")
			continue
		}
		seen[l.PledgeID] = true
		p := commitments[j]
		line := ReturnLine{PledgeID: p.ID, RequestTitle: p.RequestTitle, DeliveryIDs: []string{}, Note: strings.TrimSpace(l.Note)}
		checkTextML(&v, f+".note", line.Note, 0, 2000, len(l.DeliveryIDs) == 0, true)
		ds, err := s.Store.DeliveriesOfPledge(ctx, p.ID)
		if err != nil {
			return nil, err
		}
		for _, did := range l.DeliveryIDs {
			k := slices.IndexFunc(ds, func(d *Delivery) bool { return d.ID == did })
			switch {
			case k < 0 || slices.Contains(line.DeliveryIDs, did):
				v.Add(f+".deliveryIds", "deliveryIds must be deliveries you reported on this commitment, each once")
			case used[did]:
				v.Add(f+".deliveryIds", "Delivery %s is in an earlier return", did)
			case ds[k].Status == DeliveryRejected:
				v.Add(f+".deliveryIds", "Delivery %s was rejected", did)
			case !ds[k].Date.Before(q.End()):
				v.Add(f+".deliveryIds", "Delivery %s is dated after the quarter", did)
			default:
				line.DeliveryIDs = append(line.DeliveryIDs, did)
				line.DeliveredPence += ds[k].ValuePence
			}
		}
		r.Lines = append(r.Lines, line)
	}
	for _, p := range commitments {
		if IsOpenCommitment(p.Status) && !seen[p.ID] {
			v.Add("lines", "Add a line for each open commitment: “%s” has none", p.RequestTitle)
			break
		}
	}
	if len(in.Lines) == 0 && len(commitments) == 0 {
		v.Add("lines", "You have no commitments on this contract to report on")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	ev := NewAuditEvent(r.AuthorityID, a.UserID, "contract.return", "contract", c.ID, nil, r, now)
	if err := s.Store.CreateReturn(ctx, r, ev); err != nil {
		if ErrorCode(err) == ECONFLICT {
			return nil, &Error{Code: ECONFLICT, Field: "quarter", Message: sprintf("The return for Q%d %d was already sent.", q.Quarter, q.FY)}
		}
		return nil, err
	}
	return r, nil
}

// DueReturns lists the returns due and not sent: a supplier's own; for an
// officer, the council's (mine: only contracts the officer manages),
// overdue first, then by due date.
func (s *Service) DueReturns(ctx context.Context, a *Actor, mine bool) ([]DueReturn, error) {
	if err := requireRole(a, RoleSupplier, RoleOfficer, RoleAdmin); err != nil {
		return nil, err
	}
	cs, err := AllPages(func(p Page) ([]*Contract, string, error) {
		return s.Store.FindContracts(ctx, ContractFilter{AuthorityID: a.AuthorityID, Stage: StageLive, Page: p})
	}, 0)
	if err != nil {
		return nil, err
	}
	now, out := s.now(), []DueReturn{}
	for _, c := range cs {
		if c.Reporting == nil || (!a.IsOfficer() && c.AwardedTo != a.OrganisationID) || (a.IsOfficer() && mine && c.ContractManagerID != a.UserID) {
			continue
		}
		sent, err := s.contractReturns(ctx, c)
		if err != nil {
			return nil, err
		}
		out = append(out, c.dueReturns(sent, now)...)
	}
	slices.SortStableFunc(out, func(x, y DueReturn) int {
		if x.Overdue != y.Overdue {
			if x.Overdue {
				return -1
			}
			return 1
		}
		return strings.Compare(x.DueDate+x.ContractReference, y.DueDate+y.ContractReference)
	})
	return out, nil
}
