package domain

import (
	"context"
	"log/slog"
	"net/url"
	"sort"
	"strings"
	"time"
)

// ValueStore is the persistence of the social value ledger: measures,
// contracts and bids, deliveries, evidence and the ledger's queries. Every
// Store has it.
type ValueStore interface {
	MeasureStore
	ContractStore
	DeliveryStore
	EvidenceStore
	// LedgerSums adds up pledges and deliveries matching f for each
	// dimension (contract, supplier, ward, theme, month) and measure, from
	// the records themselves, every time.
	LedgerSums(ctx context.Context, f LedgerFilter) ([]LedgerSum, error)
	// FindLedgerPledges lists the pledges behind a ledger figure, newest first.
	FindLedgerPledges(ctx context.Context, f LedgerPledgeFilter) ([]*Pledge, string, error)
	// FindOverdue lists the authority's commitments (approved, in delivery,
	// delivered, confirmed) due before the time, oldest due first, at most limit.
	FindOverdue(ctx context.Context, authorityID string, before time.Time, limit int) ([]*Pledge, error)
	// LapseCandidates lists approved or in-delivery pledges of any authority
	// due before the time, at most limit.
	LapseCandidates(ctx context.Context, before time.Time, limit int) ([]*Pledge, error)
}

// LedgerNone is the filter value that selects records without a contract,
// theme or measure.
const LedgerNone = "none"

// Ledger dimensions.
const (
	DimContract = "contract"
	DimSupplier = "supplier"
	DimWard     = "ward"
	DimTheme    = "theme"
	DimMonth    = "month"
)

// LedgerDims lists the dimensions in the order the ledger shows them.
var LedgerDims = []string{DimContract, DimSupplier, DimWard, DimTheme, DimMonth}

// LedgerFilter narrows the ledger and the records behind it. Empty fields
// do not filter; LedgerNone selects records without a contract, theme or
// measure. Month is YYYY-MM: the month a pledge was made and the month a
// delivery happened.
type LedgerFilter struct {
	AuthorityID  string
	ContractID   string
	SupplierID   string
	RequestOrgID string
	Area         string
	Theme        string
	Month        string
	MeasureCode  string
}

// LedgerPledgeFilter lists the pledges behind a figure.
type LedgerPledgeFilter struct {
	LedgerFilter
	Status PledgeStatus
	Page
}

// LedgerSum is one cell the store adds up: the records of one key of one
// dimension and one measure ("" without a measure).
type LedgerSum struct {
	Dim, Key, Measure                                                          string
	PledgedQty, ApprovedQty, DeliveredQty, ConfirmedQty, VerifiedQty           int64
	PledgedPence, ApprovedPence, DeliveredPence, ConfirmedPence, VerifiedPence int64
}

// Add adds o's figures to s.
func (s *LedgerSum) Add(o LedgerSum) {
	s.PledgedQty += o.PledgedQty
	s.ApprovedQty += o.ApprovedQty
	s.DeliveredQty += o.DeliveredQty
	s.ConfirmedQty += o.ConfirmedQty
	s.VerifiedQty += o.VerifiedQty
	s.PledgedPence += o.PledgedPence
	s.ApprovedPence += o.ApprovedPence
	s.DeliveredPence += o.DeliveredPence
	s.ConfirmedPence += o.ConfirmedPence
	s.VerifiedPence += o.VerifiedPence
}

// LedgerUnits are a row's figures in the units of one measure.
type LedgerUnits struct {
	MeasureCode string `json:"measureCode"`
	Unit        string `json:"unit"`
	Pledged     int64  `json:"pledged"`
	Approved    int64  `json:"approved"`
	Delivered   int64  `json:"delivered"`
	Confirmed   int64  `json:"confirmed"`
	Verified    int64  `json:"verified"`
	Gap         int64  `json:"gap"`
}

// LedgerRow is one line of the ledger with links to its records.
type LedgerRow struct {
	Key            string            `json:"key"`
	Label          string            `json:"label"`
	PledgedPence   int64             `json:"pledgedPence"`
	ApprovedPence  int64             `json:"approvedPence"`
	DeliveredPence int64             `json:"deliveredPence"`
	ConfirmedPence int64             `json:"confirmedPence"`
	VerifiedPence  int64             `json:"verifiedPence"`
	GapPence       int64             `json:"gapPence"`
	Units          []LedgerUnits     `json:"units"`
	Filter         map[string]string `json:"filter"`
	Pledges        string            `json:"pledges"`
	Deliveries     string            `json:"deliveries"`
}

// Ledger is an authority's social value: pledged, approved (secured),
// delivered, confirmed and verified, and the gap (approved - verified),
// in total and by contract, supplier, ward, theme and month.
type Ledger struct {
	Authority  string            `json:"authority"`
	Filter     map[string]string `json:"filter"`
	Totals     LedgerRow         `json:"totals"`
	ByContract []LedgerRow       `json:"byContract"`
	BySupplier []LedgerRow       `json:"bySupplier"`
	ByWard     []LedgerRow       `json:"byWard"`
	ByTheme    []LedgerRow       `json:"byTheme"`
	ByMonth    []LedgerRow       `json:"byMonth"`
	ComputedAt time.Time         `json:"computedAt"`
}

// Rows returns the rows of one dimension.
func (l *Ledger) Rows(dim string) []LedgerRow {
	switch dim {
	case DimContract:
		return l.ByContract
	case DimSupplier:
		return l.BySupplier
	case DimWard:
		return l.ByWard
	case DimTheme:
		return l.ByTheme
	case DimMonth:
		return l.ByMonth
	}
	return nil
}

// Query returns the filter as URL query parameters (the API's names).
func (f LedgerFilter) Query() url.Values {
	q := url.Values{}
	for k, v := range f.params() {
		q.Set(k, v)
	}
	return q
}

func (f LedgerFilter) params() map[string]string {
	m := map[string]string{}
	for k, v := range map[string]string{"contract": f.ContractID, "supplier": f.SupplierID, "ward": f.Area, "theme": f.Theme, "month": f.Month, "measure": f.MeasureCode} {
		if v != "" {
			m[k] = v
		}
	}
	return m
}

// Check validates the filter's values.
func (f LedgerFilter) Check() error {
	var v Validation
	for _, c := range []struct{ name, val string }{{"contract", f.ContractID}, {"supplier", f.SupplierID}} {
		if c.val != "" && c.val != LedgerNone && !ValidID(c.val) {
			v.Add(c.name, "%s must be an id or %q", c.name, LedgerNone)
		}
	}
	checkMonth(&v, "month", f.Month)
	checkText(&v, "ward", f.Area, 0, 20, false)
	checkText(&v, "theme", f.Theme, 0, 60, false)
	checkText(&v, "measure", f.MeasureCode, 0, 40, false)
	return v.Err()
}

// with returns f narrowed to one key of a dimension.
func (f LedgerFilter) with(dim, key string) LedgerFilter {
	if key == "" {
		key = LedgerNone
	}
	switch dim {
	case DimContract:
		f.ContractID = key
	case DimSupplier:
		f.SupplierID = key
	case DimWard:
		f.Area = key
	case DimTheme:
		f.Theme = key
	case DimMonth:
		f.Month = key
	}
	return f
}

// scopeLedger checks the filter and narrows it to what the actor may see:
// officers the whole authority, a supplier its own records, a group the
// records on its requests.
func (s *Service) scopeLedger(a *Actor, f *LedgerFilter) (ValueStore, error) {
	if err := requireSignedIn(a); err != nil {
		return nil, err
	}
	vs := s.Store
	if err := f.Check(); err != nil {
		return nil, err
	}
	f.AuthorityID = a.AuthorityID
	switch a.Role {
	case RoleSupplier:
		f.SupplierID = a.OrganisationID
	case RoleGroup:
		f.RequestOrgID = a.OrganisationID
	}
	return vs, nil
}

// Ledger computes the ledger the actor may see, narrowed by f. Each row
// links to the pledges and the deliveries behind its figures.
func (s *Service) Ledger(ctx context.Context, a *Actor, f LedgerFilter) (*Ledger, error) {
	vs, err := s.scopeLedger(a, &f)
	if err != nil {
		return nil, err
	}
	// The names of contracts, suppliers, wards and units are read while the
	// store adds up the figures.
	var labels map[string]map[string]string
	var units map[string]string
	var lerr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		labels, units, lerr = s.ledgerLabels(ctx, a.AuthorityID)
	}()
	sums, err := vs.LedgerSums(ctx, f)
	<-done
	if err != nil {
		return nil, err
	}
	if lerr != nil {
		return nil, lerr
	}
	auth, err := s.Store.AuthorityByID(ctx, a.AuthorityID)
	if err != nil {
		return nil, err
	}
	return BuildLedger(auth.Slug, f, sums, labels, units, s.now()), nil
}

// BuildLedger assembles rows from the store's sums. labels[dim][key] names
// keys; units[measure] names a measure's unit.
func BuildLedger(authority string, f LedgerFilter, sums []LedgerSum, labels map[string]map[string]string, units map[string]string, now time.Time) *Ledger {
	l := &Ledger{Authority: authority, Filter: f.params(), ComputedAt: now}
	type cell struct {
		total   LedgerSum
		measure map[string]*LedgerSum
	}
	byDim := map[string]map[string]*cell{}
	total := &cell{measure: map[string]*LedgerSum{}}
	for _, sm := range sums {
		m := byDim[sm.Dim]
		if m == nil {
			m = map[string]*cell{}
			byDim[sm.Dim] = m
		}
		c := m[sm.Key]
		if c == nil {
			c = &cell{measure: map[string]*LedgerSum{}}
			m[sm.Key] = c
		}
		c.total.Add(sm)
		ms := c.measure[sm.Measure]
		if ms == nil {
			ms = &LedgerSum{Measure: sm.Measure}
			c.measure[sm.Measure] = ms
		}
		ms.Add(sm)
		if sm.Dim == DimTheme { // every record has exactly one theme key
			total.total.Add(sm)
			tm := total.measure[sm.Measure]
			if tm == nil {
				tm = &LedgerSum{Measure: sm.Measure}
				total.measure[sm.Measure] = tm
			}
			tm.Add(sm)
		}
	}
	row := func(key, label string, c *cell, rf LedgerFilter) LedgerRow {
		r := LedgerRow{Key: key, Label: label, PledgedPence: c.total.PledgedPence, ApprovedPence: c.total.ApprovedPence, DeliveredPence: c.total.DeliveredPence,
			ConfirmedPence: c.total.ConfirmedPence, VerifiedPence: c.total.VerifiedPence, GapPence: c.total.ApprovedPence - c.total.VerifiedPence,
			Units: []LedgerUnits{}, Filter: rf.params()}
		q := rf.Query().Encode()
		if q != "" {
			q = "?" + q
		}
		r.Pledges, r.Deliveries = "/api/v1/ledger/pledges"+q, "/api/v1/deliveries"+q
		codes := make([]string, 0, len(c.measure))
		for code := range c.measure {
			if code != "" {
				codes = append(codes, code)
			}
		}
		sort.Strings(codes)
		for _, code := range codes {
			m := c.measure[code]
			unit := units[code]
			if unit == "" {
				unit = code
			}
			r.Units = append(r.Units, LedgerUnits{MeasureCode: code, Unit: unit, Pledged: m.PledgedQty, Approved: m.ApprovedQty, Delivered: m.DeliveredQty,
				Confirmed: m.ConfirmedQty, Verified: m.VerifiedQty, Gap: m.ApprovedQty - m.VerifiedQty})
		}
		return r
	}
	l.Totals = row("", "Total", total, f)
	for _, dim := range LedgerDims {
		keys := make([]string, 0, len(byDim[dim]))
		for k := range byDim[dim] {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		rows := make([]LedgerRow, 0, len(keys))
		for _, k := range keys {
			if c := byDim[dim][k]; c.total == (LedgerSum{Dim: c.total.Dim, Key: c.total.Key, Measure: c.total.Measure}) {
				continue // only withdrawn or declined pledges: nothing to show
			}
			label := labels[dim][k]
			if label == "" {
				label = k
			}
			if k == "" {
				label = map[string]string{DimContract: "No contract", DimTheme: "No measure", DimWard: "No ward", DimSupplier: "Unknown", DimMonth: "No date"}[dim]
			}
			rows = append(rows, row(k, label, byDim[dim][k], f.with(dim, k)))
		}
		switch dim {
		case DimContract:
			l.ByContract = rows
		case DimSupplier:
			l.BySupplier = rows
		case DimWard:
			l.ByWard = rows
		case DimTheme:
			l.ByTheme = rows
		case DimMonth:
			l.ByMonth = rows
		}
	}
	return l
}

// ledgerLabels names contracts, suppliers and wards, and the units of measures.
func (s *Service) ledgerLabels(ctx context.Context, authorityID string) (map[string]map[string]string, map[string]string, error) {
	labels := map[string]map[string]string{DimContract: {}, DimSupplier: {}, DimWard: {}}
	auth, err := s.Store.AuthorityByID(ctx, authorityID)
	if err != nil {
		return nil, nil, err
	}
	for _, ar := range auth.Areas {
		labels[DimWard][ar.Code] = ar.Name
	}
	f := ContractFilter{AuthorityID: authorityID, Page: Page{Limit: 5000}}
	for {
		cs, next, err := s.Store.FindContracts(ctx, f)
		if err != nil {
			return nil, nil, err
		}
		for _, c := range cs {
			labels[DimContract][c.ID] = c.Reference + " " + c.Title
		}
		if next == "" {
			break
		}
		f.After = next
	}
	of := OrganisationFilter{AuthorityID: authorityID, Kind: KindSupplier, Page: Page{Limit: 5000}}
	for {
		os, next, err := s.Store.FindOrganisations(ctx, of)
		if err != nil {
			return nil, nil, err
		}
		for _, o := range os {
			labels[DimSupplier][o.ID] = o.Name
		}
		if next == "" {
			break
		}
		of.After = next
	}
	units := map[string]string{}
	cats, err := s.Store.Catalogues(ctx, authorityID)
	if err != nil {
		return nil, nil, err
	}
	for i := len(cats) - 1; i >= 0; i-- { // oldest first, newer names win
		c, err := s.Store.CatalogueVersion(ctx, authorityID, cats[i].Version)
		if err != nil {
			return nil, nil, err
		}
		for _, m := range c.Measures {
			units[m.Code] = m.Unit
		}
	}
	return labels, units, nil
}

// ListLedgerPledges lists the pledges behind a ledger figure.
func (s *Service) ListLedgerPledges(ctx context.Context, a *Actor, f LedgerPledgeFilter) ([]*Pledge, string, error) {
	vs, err := s.scopeLedger(a, &f.LedgerFilter)
	if err != nil {
		return nil, "", err
	}
	if f.Status != "" && !f.Status.Valid() {
		return nil, "", FieldErrorf("status", "status is not a pledge status")
	}
	return vs.FindLedgerPledges(ctx, f)
}

// OverdueItem is a commitment past its due date without verified delivery.
type OverdueItem struct {
	Pledge      *Pledge   `json:"pledge"`
	DueDate     time.Time `json:"dueDate"`
	DaysOverdue int       `json:"daysOverdue"`
	// LapsesOn is when the daily job will mark it lapsed if still undelivered
	// (only for approved and in-delivery pledges).
	LapsesOn *time.Time `json:"lapsesOn,omitempty"`
}

// DefaultLapseAfter is how long past due an undelivered commitment lapses.
const DefaultLapseAfter = 30 * 24 * time.Hour

func (s *Service) lapseAfter() time.Duration {
	if s.LapseAfter > 0 {
		return s.LapseAfter
	}
	return DefaultLapseAfter
}

// Overdue lists the officer's authority's commitments past due without
// verified delivery, oldest first, with their age in days.
func (s *Service) Overdue(ctx context.Context, a *Actor) ([]OverdueItem, error) {
	if err := requireRole(a, RoleOfficer, RoleAdmin); err != nil {
		return nil, err
	}
	vs := s.Store
	now := s.now()
	ps, err := vs.FindOverdue(ctx, a.AuthorityID, now, 10_000)
	if err != nil {
		return nil, err
	}
	out := make([]OverdueItem, 0, len(ps))
	for _, p := range ps {
		it := OverdueItem{Pledge: p, DueDate: *p.DueDate, DaysOverdue: int(now.Sub(*p.DueDate).Hours() / 24)}
		if p.Status == PledgeApproved || p.Status == PledgeInDelivery {
			t := p.DueDate.Add(s.lapseAfter())
			it.LapsesOn = &t
		}
		out = append(out, it)
	}
	return out, nil
}

// MarkLapsed marks every approved or in-delivery pledge of any authority
// that is more than LapseAfter past its due date as lapsed, each with its
// audit event, and returns how many it marked. A pledge changed at the same
// moment is left for the next run.
func (s *Service) MarkLapsed(ctx context.Context, now time.Time) (int, error) {
	vs := s.Store
	n := 0
	for {
		ps, err := vs.LapseCandidates(ctx, now.Add(-s.lapseAfter()), 500)
		if err != nil {
			return n, err
		}
		moved := 0
		for _, p := range ps {
			before, prev := *p, p.Version
			if err := p.Lapse(now.Add(-s.lapseAfter())); err != nil {
				continue
			}
			p.UpdatedAt = now
			ev := NewAuditEvent(p.AuthorityID, "system", "pledge.lapse", "pledge", p.ID, &before, p, now)
			switch err := s.Store.UpdatePledge(ctx, p, prev, ev); ErrorCode(err) {
			case "":
				n++
				moved++
			case ECONFLICT, ENOTFOUND:
			default:
				return n, err
			}
		}
		if len(ps) < 500 || moved == 0 {
			return n, nil
		}
	}
}

// LapseScheduler runs MarkLapsed once at start and then every Every
// (default a day) until its context ends.
type LapseScheduler struct {
	Service *Service
	Every   time.Duration
	Log     *slog.Logger
}

// Run blocks until ctx ends.
func (l *LapseScheduler) Run(ctx context.Context) {
	every := l.Every
	if every <= 0 {
		every = 24 * time.Hour
	}
	log := l.Log
	if log == nil {
		log = slog.Default()
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		n, err := l.Service.MarkLapsed(ctx, l.Service.now())
		if err != nil && ctx.Err() == nil {
			log.Error("marking lapsed pledges", "err", err, "lapsed", n)
		} else if n > 0 {
			log.Info("marked lapsed pledges", "lapsed", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

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
	// Deliveries are the verified deliveries, newest first (SupplierRecord only).
	Deliveries []*Delivery   `json:"deliveries,omitempty"`
	Units      []LedgerUnits `json:"units"`
	ComputedAt time.Time     `json:"computedAt"`
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
	l := BuildLedger("", LedgerFilter{}, sums, nil, map[string]string{}, r.ComputedAt)
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
	return r, nil
}

// OpenRequest is a published request as open data: no people, no contact details.
type OpenRequest struct {
	ID         string    `json:"id"`
	Title      string    `json:"title"`
	Kind       string    `json:"kind"`
	Ward       string    `json:"ward"`
	WardName   string    `json:"wardName"`
	Quantity   int64     `json:"quantity"`
	Unit       string    `json:"unit"`
	ValuePence int64     `json:"valuePence"`
	Deadline   time.Time `json:"deadline"`
	Status     string    `json:"status"`
}

// OpenTotal is a verified total of open data.
type OpenTotal struct {
	Key           string `json:"key"`
	Label         string `json:"label"`
	ApprovedPence int64  `json:"approvedPence"`
	VerifiedPence int64  `json:"verifiedPence"`
}

// OpenData is an authority's open data: published requests and verified totals.
type OpenData struct {
	Authority     string        `json:"authority"`
	Name          string        `json:"name"`
	Licence       string        `json:"licence"`
	GeneratedAt   time.Time     `json:"generatedAt"`
	Requests      []OpenRequest `json:"requests"`
	ApprovedPence int64         `json:"approvedPence"`
	VerifiedPence int64         `json:"verifiedPence"`
	ByWard        []OpenTotal   `json:"byWard"`
	ByTheme       []OpenTotal   `json:"byTheme"`
	ByContract    []OpenTotal   `json:"byContract"`
	ByMonth       []OpenTotal   `json:"byMonth"`
}

// OpenDataOf returns an authority's open data (anyone).
func (s *Service) OpenDataOf(ctx context.Context, slug string) (*OpenData, error) {
	vs := s.Store
	auth, err := s.Store.AuthorityBySlug(ctx, slug)
	if ErrorCode(err) == ENOTFOUND {
		return nil, FieldErrorf("authority", "There is no council %q here.", truncateText(slug, 40))
	} else if err != nil {
		return nil, err
	}
	od := &OpenData{Authority: auth.Slug, Name: auth.Name, Licence: "Open Government Licence v3.0", GeneratedAt: s.now(), Requests: []OpenRequest{}}
	f := RequestFilter{AuthorityID: auth.ID, Statuses: []RequestStatus{ReqPublished, ReqInDelivery, ReqDelivered, ReqClosed}, Page: Page{Limit: 5000}}
	for {
		rs, next, err := s.Store.FindRequests(ctx, f)
		if err != nil {
			return nil, err
		}
		for _, r := range rs {
			r.Derive()
			od.Requests = append(od.Requests, OpenRequest{ID: r.ID, Title: r.Title, Kind: r.Kind, Ward: r.Area, WardName: r.AreaName, Quantity: r.Quantity,
				Unit: r.Unit, ValuePence: r.ValuePence, Deadline: r.Deadline, Status: string(r.Status)})
		}
		if next == "" {
			break
		}
		f.After = next
	}
	sums, err := vs.LedgerSums(ctx, LedgerFilter{AuthorityID: auth.ID})
	if err != nil {
		return nil, err
	}
	labels, units, err := s.ledgerLabels(ctx, auth.ID)
	if err != nil {
		return nil, err
	}
	l := BuildLedger(auth.Slug, LedgerFilter{}, sums, labels, units, od.GeneratedAt)
	od.ApprovedPence, od.VerifiedPence = l.Totals.ApprovedPence, l.Totals.VerifiedPence
	open := func(rows []LedgerRow) []OpenTotal {
		out := make([]OpenTotal, 0, len(rows))
		for _, r := range rows {
			out = append(out, OpenTotal{Key: r.Key, Label: r.Label, ApprovedPence: r.ApprovedPence, VerifiedPence: r.VerifiedPence})
		}
		return out
	}
	od.ByWard, od.ByTheme, od.ByContract, od.ByMonth = open(l.ByWard), open(l.ByTheme), open(l.ByContract), open(l.ByMonth)
	return od, nil
}

// CSVSafe defuses spreadsheet formulas in exported text (CSV injection).
func CSVSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
