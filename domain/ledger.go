package domain

import (
	"context"
	"net/url"
	"sort"
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
	// RefreshRollups adds up again, from the records, the store's ledger
	// rollups that writes since the last refresh changed (the job "ledger
	// rollups", one process at a time); until then LedgerSums reads
	// those records themselves. A store that keeps its rollups in every
	// change's transaction (SQLite) has nothing to do.
	RefreshRollups(ctx context.Context) error
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
	// DimSupplierContract keys a supplier's records on one contract
	// ("supplier|contract"): the stores add it up like the others, so
	// that a supplier's share of contract value counts only contracts of
	// known value. The ledger shows no rows of it.
	DimSupplierContract = "supplier_contract"
	// The ledger's rows by directorate (of the contract) and financial
	// year (of the month) are added up in domain from the contract and
	// month cells.
	DimDirectorate = "directorate"
	DimYear        = "year"
)

// LedgerDims lists the dimensions the ledger shows that the stores add up,
// in the order the ledger shows them.
var LedgerDims = []string{DimContract, DimSupplier, DimWard, DimTheme, DimMonth}

// SumDims lists every dimension a store's LedgerSums adds up, in the
// order of MergeLedgerSums.
var SumDims = []string{DimContract, DimSupplier, DimWard, DimTheme, DimMonth, DimSupplierContract}

// LedgerViews lists every dimension of the ledger's rows, in the order
// the ledger (and its CSV) shows them.
var LedgerViews = []string{DimContract, DimSupplier, DimDirectorate, DimWard, DimTheme, DimMonth, DimYear}

// LedgerFilter narrows the ledger and the records behind it. Empty fields
// do not filter; LedgerNone selects records without a contract, theme or
// measure. Month is YYYY-MM: the month a pledge was made and the month a
// delivery happened; FY (YYYY) and Quarter (1-4, only with FY) keep the
// months of a financial year or quarter (see MonthRange).
type LedgerFilter struct {
	AuthorityID  string
	ContractID   string
	SupplierID   string
	RequestOrgID string
	Area         string
	Theme        string
	Month        string
	MeasureCode  string
	FY           string
	Quarter      string
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

// LedgerRow is one line of the ledger with links to its records. Rows of
// contracts, suppliers and directorates and the totals carry the contract
// value and the shares of it (see ledgershare.go); other rows leave them 0
// and null.
type LedgerRow struct {
	Key            string `json:"key"`
	Label          string `json:"label"`
	PledgedPence   int64  `json:"pledgedPence"`
	ApprovedPence  int64  `json:"approvedPence"`
	DeliveredPence int64  `json:"deliveredPence"`
	ConfirmedPence int64  `json:"confirmedPence"`
	VerifiedPence  int64  `json:"verifiedPence"`
	GapPence       int64  `json:"gapPence"`
	// ImportedPence is the part of DeliveredPence brought in by an import
	// and not yet verified by an officer here ("imported, not verified here").
	ImportedPence      int64             `json:"importedPence"`
	ContractValuePence int64             `json:"contractValuePence"`
	SecuredPercent     *Percent          `json:"securedPercent"`
	DeliveredPercent   *Percent          `json:"deliveredPercent"`
	VerifiedPercent    *Percent          `json:"verifiedPercent"`
	Units              []LedgerUnits     `json:"units"`
	Filter             map[string]string `json:"filter"`
	Pledges            string            `json:"pledges"`
	Deliveries         string            `json:"deliveries"`
}

// Ledger is an authority's social value: pledged, approved (secured),
// delivered, confirmed and verified, and the gap (approved - verified),
// in total and by contract, supplier, directorate, ward, theme, month and
// financial year.
type Ledger struct {
	Authority     string            `json:"authority"`
	Filter        map[string]string `json:"filter"`
	Totals        LedgerRow         `json:"totals"`
	ByContract    []LedgerRow       `json:"byContract"`
	BySupplier    []LedgerRow       `json:"bySupplier"`
	ByDirectorate []LedgerRow       `json:"byDirectorate"`
	ByWard        []LedgerRow       `json:"byWard"`
	ByTheme       []LedgerRow       `json:"byTheme"`
	ByMonth       []LedgerRow       `json:"byMonth"`
	ByYear        []LedgerRow       `json:"byYear"`
	ComputedAt    time.Time         `json:"computedAt"`
	// share is what the totals' shares of contract value are computed
	// from, for a region to add up councils' pence (never their percentages).
	share ledgerShare
}

// Rows returns the rows of one dimension.
func (l *Ledger) Rows(dim string) []LedgerRow {
	if p := l.rowsOf(dim); p != nil {
		return *p
	}
	return nil
}

// rowsOf points to the rows of one dimension (nil: no such dimension).
func (l *Ledger) rowsOf(dim string) *[]LedgerRow {
	return map[string]*[]LedgerRow{DimContract: &l.ByContract, DimSupplier: &l.BySupplier, DimWard: &l.ByWard, DimTheme: &l.ByTheme,
		DimMonth: &l.ByMonth, DimDirectorate: &l.ByDirectorate, DimYear: &l.ByYear}[dim]
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
	for k, v := range map[string]string{"contract": f.ContractID, "supplier": f.SupplierID, "ward": f.Area, "theme": f.Theme, "month": f.Month, "measure": f.MeasureCode,
		"fy": f.FY, "quarter": f.Quarter} {
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
	checkPeriod(&v, f.FY, f.Quarter)
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
	case DimYear:
		f.FY, f.Quarter = key, ""
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
	return s.ledgerOf(ctx, vs, a.AuthorityID, f)
}

// ledgerOf computes the ledger of a checked and scoped filter. The names
// of contracts, suppliers, wards and units and the contracts' values are
// read while the store adds up the figures.
func (s *Service) ledgerOf(ctx context.Context, vs ValueStore, authorityID string, f LedgerFilter) (*Ledger, error) {
	var refs *LedgerRefs
	var rerr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		refs, rerr = s.ledgerRefs(ctx, authorityID)
	}()
	sums, err := vs.LedgerSums(ctx, f)
	<-done
	if err != nil {
		return nil, err
	}
	if rerr != nil {
		return nil, rerr
	}
	l := BuildLedger(refs.Authority, f, sums, refs, s.now())
	imported, err := AllPages(func(p Page) ([]*Delivery, string, error) {
		return vs.FindDeliveries(ctx, DeliveryFilter{LedgerFilter: f, Status: DeliveryReported, Source: SourceImport, Page: p})
	}, 0)
	if err != nil {
		return nil, err
	}
	l.addImported(imported)
	return l, nil
}

// addImported adds imported deliveries not yet verified (reported) to the
// importedPence of the totals and of each row of their keys.
func (l *Ledger) addImported(ds []*Delivery) {
	for _, d := range ds {
		if d.Source != SourceImport || d.Status != DeliveryReported {
			continue
		}
		l.Totals.ImportedPence += d.ValuePence
		for _, dk := range [][2]string{{DimContract, d.ContractID}, {DimSupplier, d.OrganisationID}, {DimWard, d.Area}, {DimTheme, d.Theme}, {DimMonth, d.Month()}} {
			rows := l.Rows(dk[0])
			for i := range rows {
				if rows[i].Key == dk[1] {
					rows[i].ImportedPence += d.ValuePence
				}
			}
		}
	}
}

// LedgerRefs is what the ledger knows besides the figures: the names of
// keys (Labels[dim][key]), the units of measures and the contracts' values
// and directorates.
type LedgerRefs struct {
	Authority string
	Labels    map[string]map[string]string
	Units     map[string]string
	Contracts map[string]LedgerContract
}

// LedgerContract is what the ledger reads of a contract.
type LedgerContract struct {
	ValuePence  int64
	Directorate string
}

// label names a key of a dimension ("" when unknown).
func (r *LedgerRefs) label(dim, key string) string {
	if r == nil {
		return ""
	}
	return r.Labels[dim][key]
}

func (r *LedgerRefs) contract(id string) LedgerContract {
	if r == nil {
		return LedgerContract{}
	}
	return r.Contracts[id]
}

// BuildLedger assembles rows from the store's sums; refs (nil: none)
// names keys and gives the contracts' values.
func BuildLedger(authority string, f LedgerFilter, sums []LedgerSum, refs *LedgerRefs, now time.Time) *Ledger {
	l := &Ledger{Authority: authority, Filter: f.params(), ComputedAt: now}
	type cell struct {
		total   LedgerSum
		measure map[string]*LedgerSum
	}
	byDim := map[string]map[string]*cell{}
	total := &cell{measure: map[string]*LedgerSum{}}
	put := func(c *cell, sm LedgerSum) {
		c.total.Add(sm)
		ms := c.measure[sm.Measure]
		if ms == nil {
			ms = &LedgerSum{Measure: sm.Measure}
			c.measure[sm.Measure] = ms
		}
		ms.Add(sm)
	}
	addTo := func(dim, key string, sm LedgerSum) {
		m := byDim[dim]
		if m == nil {
			m = map[string]*cell{}
			byDim[dim] = m
		}
		c := m[key]
		if c == nil {
			c = &cell{measure: map[string]*LedgerSum{}}
			m[key] = c
		}
		put(c, sm)
	}
	// Shares of contract value: of each contract, supplier and
	// directorate, and of the council.
	shares := map[string]map[string]*ledgerShare{DimContract: {}, DimSupplier: {}, DimDirectorate: {}}
	share := func(dim, key string) *ledgerShare {
		sh := shares[dim][key]
		if sh == nil {
			sh = &ledgerShare{}
			shares[dim][key] = sh
		}
		return sh
	}
	var council ledgerShare
	for _, sm := range sums {
		switch sm.Dim {
		case DimSupplierContract:
			sup, con := splitSupplierContract(sm.Key)
			share(DimSupplier, sup).add(con, refs.contract(con).ValuePence, sm, false)
			continue
		case DimContract:
			ct := refs.contract(sm.Key)
			addTo(DimDirectorate, ct.Directorate, sm)
			share(DimContract, sm.Key).add(sm.Key, ct.ValuePence, sm, true)
			share(DimDirectorate, ct.Directorate).add(sm.Key, ct.ValuePence, sm, false)
			council.add(sm.Key, ct.ValuePence, sm, false)
		case DimMonth:
			addTo(DimYear, FYOfMonth(sm.Key), sm)
		case DimTheme: // every record has exactly one theme key
			put(total, sm)
		}
		addTo(sm.Dim, sm.Key, sm)
	}
	row := func(key, label string, c *cell, rf LedgerFilter, links bool) LedgerRow {
		r := LedgerRow{Key: key, Label: label, PledgedPence: c.total.PledgedPence, ApprovedPence: c.total.ApprovedPence, DeliveredPence: c.total.DeliveredPence,
			ConfirmedPence: c.total.ConfirmedPence, VerifiedPence: c.total.VerifiedPence, GapPence: c.total.ApprovedPence - c.total.VerifiedPence,
			Units: []LedgerUnits{}, Filter: rf.params()}
		if links {
			q := rf.Query().Encode()
			if q != "" {
				q = "?" + q
			}
			r.Pledges, r.Deliveries = "/api/v1/ledger/pledges"+q, "/api/v1/deliveries"+q
		}
		codes := make([]string, 0, len(c.measure))
		for code := range c.measure {
			if code != "" {
				codes = append(codes, code)
			}
		}
		sort.Strings(codes)
		for _, code := range codes {
			m := c.measure[code]
			unit := ""
			if refs != nil {
				unit = refs.Units[code]
			}
			if unit == "" {
				unit = code
			}
			r.Units = append(r.Units, LedgerUnits{MeasureCode: code, Unit: unit, Pledged: m.PledgedQty, Approved: m.ApprovedQty, Delivered: m.DeliveredQty,
				Confirmed: m.ConfirmedQty, Verified: m.VerifiedQty, Gap: m.ApprovedQty - m.VerifiedQty})
		}
		return r
	}
	l.Totals = row("", "Total", total, f, true)
	council.apply(&l.Totals)
	l.share = council
	for _, dim := range LedgerViews {
		keys := make([]string, 0, len(byDim[dim]))
		for k := range byDim[dim] {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		rows := make([]LedgerRow, 0, len(keys))
		for _, k := range keys {
			if c := byDim[dim][k]; c.total.zero() {
				continue // only withdrawn or declined pledges: nothing to show
			}
			label := refs.label(dim, k)
			if dim == DimYear {
				label = FYLabel(k)
			}
			if label == "" {
				label = k
			}
			if k == "" {
				label = map[string]string{DimContract: "No contract", DimTheme: "No measure", DimWard: "No ward", DimSupplier: "Unknown", DimMonth: "No date",
					DimDirectorate: "No directorate", DimYear: "No date"}[dim]
			}
			// A directorate has no filter of its own: its records are
			// those of its contracts' rows.
			r := row(k, label, byDim[dim][k], f.with(dim, k), dim != DimDirectorate)
			if sh := shares[dim][k]; sh != nil {
				sh.apply(&r)
			}
			rows = append(rows, r)
		}
		*l.rowsOf(dim) = rows
	}
	return l
}

// ledgerRefs reads the names of contracts, suppliers, directorates and
// wards, the units of measures and the contracts' values.
func (s *Service) ledgerRefs(ctx context.Context, authorityID string) (*LedgerRefs, error) {
	labels := map[string]map[string]string{DimContract: {}, DimSupplier: {}, DimWard: {}, DimDirectorate: {}}
	refs := &LedgerRefs{Labels: labels, Contracts: map[string]LedgerContract{}}
	auth, err := s.Store.AuthorityByID(ctx, authorityID)
	if err != nil {
		return nil, err
	}
	refs.Authority = auth.Slug
	for _, ar := range auth.Areas {
		labels[DimWard][ar.Code] = ar.Name
	}
	for _, d := range auth.Directorates {
		labels[DimDirectorate][d.ID] = d.Name
	}
	f := ContractFilter{AuthorityID: authorityID, Page: Page{Limit: 5000}}
	for {
		cs, next, err := s.Store.FindContracts(ctx, f)
		if err != nil {
			return nil, err
		}
		for _, c := range cs {
			labels[DimContract][c.ID] = c.Reference + " " + c.Title
			// A directorate is keyed by its id; one named on a contract
			// without an id (from before #11) by its name.
			dir := c.DirectorateID
			if dir == "" {
				dir = c.Directorate
			}
			refs.Contracts[c.ID] = LedgerContract{ValuePence: c.ValuePence, Directorate: dir}
			if dir != "" && labels[DimDirectorate][dir] == "" {
				labels[DimDirectorate][dir] = c.Directorate
			}
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
			return nil, err
		}
		for _, o := range os {
			labels[DimSupplier][o.ID] = o.Name
		}
		if next == "" {
			break
		}
		of.After = next
	}
	refs.Units = map[string]string{}
	cats, err := s.Store.Catalogues(ctx, authorityID)
	if err != nil {
		return nil, err
	}
	for i := len(cats) - 1; i >= 0; i-- { // oldest first, newer names win
		c, err := s.Store.CatalogueVersion(ctx, authorityID, cats[i].Version)
		if err != nil {
			return nil, err
		}
		for _, m := range c.Measures {
			refs.Units[m.Code] = m.Unit
		}
	}
	return refs, nil
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
