package storetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"needmatch/domain"
)

// Defaults of the random ledger case (Harness.RandomPledges, RandomSeeds).
const (
	defaultRandomPledges = 150
	defaultRandomSeeds   = 2
)

// rollupRefresher is a store that keeps derived sums and refreshes them in
// the background (the SQLite store's rollups): the random case compares
// the ledger before and after a refresh, so both the dirty and the clean
// path are checked.
type rollupRefresher interface {
	RefreshRollups(ctx context.Context) error
}

// runLedgerRandom builds random ledgers through the store's write methods,
// one store per seed, and compares the store's LedgerSums with the ledger's
// definition (domain.LedgerSumsOf) over the records read back, for the
// whole authority and for random filters, at several points while the
// records are written.
func runLedgerRandom(t *testing.T, h Harness) {
	n, seeds := h.RandomPledges, h.RandomSeeds
	if n == 0 {
		n = defaultRandomPledges
	}
	if seeds == 0 {
		seeds = defaultRandomSeeds
	}
	for seed := uint64(1); seed <= uint64(seeds); seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			s := h.New(t)
			vs, ok := s.(domain.ValueStore)
			if !ok {
				t.Skip("the store does not implement domain.ValueStore yet")
			}
			start := time.Now()
			rng := rand.New(rand.NewPCG(seed, 0x1ed9e))
			main := newRandomLedger(t, s, vs, rng, "stockport")
			other := newRandomLedger(t, s, vs, rng, "trafford")
			other.build(n/10, nil) // another council's records, which no sum of the first may count
			main.build(n, func(stage string) { main.compare(stage, main.auth()) })
			main.compareAll("written")
			if rr, ok := s.(rollupRefresher); ok {
				if err := rr.RefreshRollups(context.Background()); err != nil {
					t.Fatal(err)
				}
				main.compareAll("refreshed")
			}
			other.compare("other council", other.auth())
			main.checkCoverage(n)
			t.Logf("seed %d: %d pledges, %d deliveries, %d filters, %d cells compared in %v", seed, len(main.pledges), main.nDeliveries(), main.filters, main.cells,
				time.Since(start).Round(time.Millisecond))
		})
	}
}

// randomMeasures are the measures of the random ledgers: two share a theme.
var randomMeasures = []struct {
	code, theme string
	proxy       int64
}{
	{"VOL", "social", 1700}, {"MENT", "social", 5000}, {"DON", "economic", 100}, {"LAP", "environment", 25_000}, {"JOB", "jobs", 2_500_000},
}

var randomWards = []string{"E05015018", "E05015015", "E05015020"}

// randomMonths are the months records fall in: financial year 2026 (its
// second, third and fourth quarters, to the last millisecond of 31 March
// 2027) and the first month of 2027.
var randomMonths = []time.Time{
	time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC),
	time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC),
	time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 4, 1, 0, 0, 0, 0, time.UTC),
}

// randomLedger is one council's random records and what was written of them.
type randomLedger struct {
	t          *testing.T
	ctx        context.Context
	s          domain.Store
	vs         domain.ValueStore
	rng        *rand.Rand
	a          *domain.Authority
	contracts  []string
	suppliers  []*domain.Organisation
	groups     []*domain.Organisation
	requests   []*domain.Request
	pledges    []*domain.Pledge
	deliveries map[string][]*domain.Delivery // by pledge, oldest first
	// filters and cells count what was compared.
	filters, cells int
}

func newRandomLedger(t *testing.T, s domain.Store, vs domain.ValueStore, rng *rand.Rand, slug string) *randomLedger {
	t.Helper()
	l := &randomLedger{t: t, ctx: context.Background(), s: s, vs: vs, rng: rng, a: MustAuthority(t, s, slug), deliveries: map[string][]*domain.Delivery{}}
	for i := range 3 {
		c := &domain.Contract{ID: domain.NewID(), AuthorityID: l.a.ID, Authority: l.a.Slug, Reference: fmt.Sprintf("R-%d", i), Title: "Contract", ValuePence: 10_000_000,
			Stage: domain.StageLive, Version: 1, CreatedAt: t0, UpdatedAt: t0}
		if err := vs.CreateContract(l.ctx, c, ev(l.a, "contract.create", c.ID, t0)); err != nil {
			t.Fatalf("CreateContract: %v", err)
		}
		l.contracts = append(l.contracts, c.ID)
	}
	for i := range 4 {
		o, _ := mustRegister(t, s, l.a, domain.KindSupplier, fmt.Sprintf("s%d@%s.example.org", i, slug))
		l.suppliers = append(l.suppliers, o)
	}
	for i := range 3 {
		o, _ := mustRegister(t, s, l.a, domain.KindGroup, fmt.Sprintf("g%d@%s.example.org", i, slug))
		l.groups = append(l.groups, o)
	}
	for i := range 8 {
		g := l.groups[i%len(l.groups)]
		r := &domain.Request{ID: domain.NewID(), AuthorityID: l.a.ID, Authority: l.a.Slug, OrganisationID: g.ID, OrganisationName: g.Name, Title: fmt.Sprintf("Request %d", i),
			Description: "A need", Kind: "volunteering", Area: randomWards[rng.IntN(len(randomWards))], Quantity: 10, Unit: "hours", ValuePence: 100_000_000,
			Deadline: t0.AddDate(1, 0, 0), Status: domain.ReqPublished, Version: 1, CreatedAt: t0, UpdatedAt: t0}
		if err := s.CreateRequest(l.ctx, r, ev(l.a, "request.create", r.ID, t0)); err != nil {
			t.Fatalf("CreateRequest: %v", err)
		}
		l.requests = append(l.requests, r)
	}
	return l
}

func (l *randomLedger) auth() domain.LedgerFilter { return domain.LedgerFilter{AuthorityID: l.a.ID} }

func (l *randomLedger) pick(n int) int { return l.rng.IntN(n) }

func (l *randomLedger) chance(percent int) bool { return l.rng.IntN(100) < percent }

// when is a random time of a random month, in UTC to the millisecond (what
// the domain's clock gives), often at the very start or end of its month.
func (l *randomLedger) when() time.Time {
	m := randomMonths[l.pick(len(randomMonths))]
	switch l.pick(8) {
	case 0:
		return m
	case 1:
		return m.AddDate(0, 1, 0).Add(-time.Millisecond)
	}
	span := m.AddDate(0, 1, 0).Sub(m)
	return m.Add(time.Duration(l.rng.Int64N(int64(span)))).Truncate(time.Millisecond)
}

// build writes n pledges, decides them, reports and moves deliveries,
// withdraws and lapses some, calling check(stage) between the stages.
func (l *randomLedger) build(n int, check func(stage string)) {
	if check == nil {
		check = func(string) {}
	}
	for range n {
		l.newPledge()
	}
	check("offered")
	for _, p := range l.pledges {
		l.decide(p)
	}
	check("decided")
	for _, p := range l.pledges {
		if p.Status != domain.PledgeApproved {
			continue
		}
		switch {
		case l.chance(8):
			l.updatePledge(p, p.Withdraw(p.UpdatedAt), "pledge.withdraw")
		default:
			for range l.pick(4) {
				l.report(p)
			}
		}
	}
	check("reported")
	for _, p := range l.pledges {
		if (p.Status == domain.PledgeApproved || p.Status == domain.PledgeInDelivery) && l.chance(15) {
			l.updatePledge(p, p.Lapse(p.DueDate.Add(time.Hour)), "pledge.lapse")
		}
	}
	// Later moves, on lapsed pledges too.
	for _, p := range l.pledges {
		for _, d := range l.deliveries[p.ID] {
			if d.Status == domain.DeliveryReported || d.Status == domain.DeliveryConfirmed || d.Status == domain.DeliveryDisputed {
				l.move(p, d)
			}
		}
	}
}

// newPledge writes an offered pledge: with or without a contract and a
// measure, now and then one of half a billion units.
func (l *randomLedger) newPledge() {
	r, sup, at := l.requests[l.pick(len(l.requests))], l.suppliers[l.pick(len(l.suppliers))], l.when()
	p := &domain.Pledge{ID: domain.NewID(), AuthorityID: l.a.ID, Authority: l.a.Slug, RequestID: r.ID, RequestTitle: r.Title, RequestOrgID: r.OrganisationID,
		OrganisationID: sup.ID, OrganisationName: sup.Name, Offer: "Help", Unit: "unit", Area: r.Area, AllowPartial: l.chance(50),
		Status: domain.PledgeOffered, Version: 1, CreatedAt: at, UpdatedAt: at}
	if !l.chance(25) {
		p.ContractID = l.contracts[l.pick(len(l.contracts))]
	}
	switch {
	case l.chance(20): // no measure: a value shared over the quantity
		p.Quantity, p.ValuePence = 1+l.rng.Int64N(60), 1+l.rng.Int64N(2_000_000)
	case l.chance(3): // huge: quantity x approved pence is past int64
		m := randomMeasures[2]
		p.MeasureCode, p.Theme, p.ProxyPence, p.CatalogueVersion, p.Unit = m.code, m.theme, m.proxy, 1, m.code
		p.Quantity = 500_000_000 + l.rng.Int64N(500_000_000)
		p.ValuePence, p.AllowPartial = p.Quantity*m.proxy, true
	default:
		m := randomMeasures[l.pick(len(randomMeasures))]
		p.MeasureCode, p.Theme, p.ProxyPence, p.CatalogueVersion, p.Unit = m.code, m.theme, m.proxy, 1, m.code
		p.Quantity = 1 + l.rng.Int64N(40)
		if m.code == "JOB" {
			p.Quantity = 1 + l.rng.Int64N(3)
		}
		p.ValuePence = p.Quantity * m.proxy
	}
	if err := l.s.CreatePledge(l.ctx, p, ev(l.a, "pledge.create", p.ID, at)); err != nil {
		l.t.Fatalf("CreatePledge: %v", err)
	}
	l.pledges = append(l.pledges, p)
}

// decide leaves a pledge offered, declines it, withdraws it or approves all
// or (when allowed) part of it with a due date.
func (l *randomLedger) decide(p *domain.Pledge) {
	now := p.CreatedAt.Add(time.Hour)
	switch k := l.pick(100); {
	case k < 15:
	case k < 25:
		l.updatePledge(p, p.Decline("officer", "Not needed", now), "pledge.decline")
	case k < 30:
		l.updatePledge(p, p.Withdraw(now), "pledge.withdraw")
	default:
		var amount int64
		if p.AllowPartial && l.chance(50) {
			amount = 1 + l.rng.Int64N(p.ValuePence)
		}
		err := p.Approve("officer", amount, now)
		due := now.AddDate(0, 2, 0)
		p.DueDate = &due
		l.updatePledge(p, err, "pledge.approve")
	}
}

func (l *randomLedger) updatePledge(p *domain.Pledge, err error, action string) {
	l.t.Helper()
	if err != nil {
		l.t.Fatalf("%s: %v", action, err)
	}
	if err := l.s.UpdatePledge(l.ctx, p, p.Version-1, ev(l.a, action, p.ID, p.UpdatedAt)); err != nil {
		l.t.Fatalf("UpdatePledge (%s): %v", action, err)
	}
}

// report writes a delivery of part of what is left of the pledge, valued
// as the service values it (domain.DeliveryValue), and maybe moves it.
func (l *randomLedger) report(p *domain.Pledge) {
	ds := l.deliveries[p.ID]
	done := domain.DeliveredQuantity(ds)
	left := p.Quantity - done
	if left <= 0 || !p.Deliverable() {
		return
	}
	qty := 1 + l.rng.Int64N(left)
	if l.chance(50) {
		qty = 1 + l.rng.Int64N((left+1)/2)
	}
	at := l.when()
	d := &domain.Delivery{ID: domain.NewID(), AuthorityID: p.AuthorityID, PledgeID: p.ID, RequestID: p.RequestID, RequestTitle: p.RequestTitle, RequestOrgID: p.RequestOrgID,
		OrganisationID: p.OrganisationID, OrganisationName: p.OrganisationName, ContractID: p.ContractID, Area: p.Area, MeasureCode: p.MeasureCode, Theme: p.Theme,
		Unit: p.Unit, Quantity: qty, ValuePence: domain.DeliveryValue(p, done, qty), Date: at, EvidenceIDs: []string{}, EvidenceHashes: []string{},
		Status: domain.DeliveryReported, ReportedBy: "supplier", Version: 1, CreatedAt: at, UpdatedAt: at}
	ds = append(ds, d)
	prev := p.Version
	p.Settle(ds, at)
	if err := l.vs.CreateDelivery(l.ctx, d, p, prev, []*domain.AuditEvent{ev(l.a, "delivery.report", d.ID, at)}); err != nil {
		l.t.Fatalf("CreateDelivery: %v", err)
	}
	l.deliveries[p.ID] = ds
	if l.chance(70) {
		l.move(p, d)
	}
}

// move confirms or disputes a delivery (the group) and then maybe
// verifies or rejects it (an officer), settling the pledge each time.
func (l *randomLedger) move(p *domain.Pledge, d *domain.Delivery) {
	now := d.UpdatedAt.Add(time.Minute)
	if d.Status == domain.DeliveryReported {
		switch k := l.pick(100); {
		case k < 45:
			l.updateDelivery(p, d, d.Confirm("group", now), "delivery.confirm")
		case k < 60:
			l.updateDelivery(p, d, d.Dispute("group", "Fewer than reported", now), "delivery.dispute")
		}
	}
	switch k := l.pick(100); {
	case k < 45:
		l.updateDelivery(p, d, d.Verify("officer", "Sign-in sheets checked", now), "delivery.verify")
	case k < 60:
		l.updateDelivery(p, d, d.Reject("officer", "No evidence", now), "delivery.reject")
	}
}

func (l *randomLedger) updateDelivery(p *domain.Pledge, d *domain.Delivery, err error, action string) {
	l.t.Helper()
	if err != nil {
		l.t.Fatalf("%s: %v", action, err)
	}
	pprev := p.Version
	p.Settle(l.deliveries[p.ID], d.UpdatedAt)
	if err := l.vs.UpdateDelivery(l.ctx, d, d.Version-1, p, pprev, []*domain.AuditEvent{ev(l.a, action, d.ID, d.UpdatedAt)}); err != nil {
		l.t.Fatalf("UpdateDelivery (%s): %v", action, err)
	}
}

func (l *randomLedger) nDeliveries() int {
	n := 0
	for _, ds := range l.deliveries {
		n += len(ds)
	}
	return n
}

// readBack reads the council's pledges and deliveries from the store, and
// checks that they add up as the records written do.
func (l *randomLedger) readBack() ([]*domain.Pledge, []*domain.Delivery) {
	l.t.Helper()
	ps, err := domain.AllPages(func(pg domain.Page) ([]*domain.Pledge, string, error) {
		return l.s.FindPledges(l.ctx, domain.PledgeFilter{AuthorityID: l.a.ID, Page: pg})
	}, 0)
	if err != nil {
		l.t.Fatalf("FindPledges: %v", err)
	}
	ds, err := domain.AllPages(func(pg domain.Page) ([]*domain.Delivery, string, error) {
		return l.vs.FindDeliveries(l.ctx, domain.DeliveryFilter{LedgerFilter: l.auth(), Page: pg})
	}, 0)
	if err != nil {
		l.t.Fatalf("FindDeliveries: %v", err)
	}
	var written []*domain.Delivery
	for _, p := range l.pledges {
		written = append(written, l.deliveries[p.ID]...)
	}
	if len(ps) != len(l.pledges) || len(ds) != len(written) {
		l.t.Fatalf("read back %d pledges and %d deliveries, wrote %d and %d", len(ps), len(ds), len(l.pledges), len(written))
	}
	if a, b := domain.LedgerSumsOf(ps, ds, l.auth()), domain.LedgerSumsOf(l.pledges, written, l.auth()); !reflect.DeepEqual(a, b) {
		l.t.Fatalf("the records read back add up otherwise than those written:\n%s", diffSums(a, b))
	}
	return ps, ds
}

// compare checks the store's sums for the filters against the definition.
func (l *randomLedger) compare(stage string, fs ...domain.LedgerFilter) {
	l.t.Helper()
	ps, ds := l.readBack()
	for _, f := range fs {
		got, err := l.vs.LedgerSums(l.ctx, f)
		if err != nil {
			l.t.Fatalf("%s: LedgerSums(%+v): %v", stage, f, err)
		}
		want := domain.LedgerSumsOf(ps, ds, f)
		if g := domain.MergeLedgerSums(got); !reflect.DeepEqual(g, want) {
			l.t.Errorf("%s: LedgerSums(%s) differs from the definition (store, then definition):\n%s", stage, l.describe(f), diffSums(g, want))
		}
		l.filters++
		l.cells += len(want)
	}
	// The definition itself: each dimension adds up to the same total.
	var first domain.LedgerSum
	for i, dim := range domain.LedgerDims {
		var tot domain.LedgerSum
		for _, c := range domain.LedgerSumsOf(ps, ds, l.auth()) {
			if c.Dim == dim {
				c.Dim, c.Key, c.Measure = "", "", ""
				tot.Add(c)
			}
		}
		if i == 0 {
			first = tot
		} else if tot != first {
			l.t.Errorf("%s: the definition's %s total %+v differs from its contract total %+v", stage, dim, tot, first)
		}
	}
}

// compareAll compares the whole council, each contract, records without a
// contract and random filters of one to three fields.
func (l *randomLedger) compareAll(stage string) {
	fs := []domain.LedgerFilter{l.auth(), {AuthorityID: l.a.ID, ContractID: domain.LedgerNone}}
	for _, c := range l.contracts {
		fs = append(fs, domain.LedgerFilter{AuthorityID: l.a.ID, ContractID: c})
	}
	for range 30 {
		f := l.auth()
		for range 1 + l.pick(3) {
			l.narrow(&f)
		}
		fs = append(fs, f)
	}
	l.compare(stage, fs...)
}

// narrow sets one random field of f to a random key (or none).
func (l *randomLedger) narrow(f *domain.LedgerFilter) {
	oneOf := func(keys ...string) string { return keys[l.pick(len(keys))] }
	var codes, themes []string
	for _, m := range randomMeasures {
		codes, themes = append(codes, m.code), append(themes, m.theme)
	}
	switch l.pick(8) {
	case 0:
		f.ContractID = oneOf(append([]string{domain.LedgerNone}, l.contracts...)...)
	case 1:
		f.SupplierID = l.suppliers[l.pick(len(l.suppliers))].ID
	case 2:
		f.RequestOrgID = l.groups[l.pick(len(l.groups))].ID
	case 3:
		f.Area = oneOf(append([]string{domain.LedgerNone}, randomWards...)...)
	case 4:
		f.Theme = oneOf(append([]string{domain.LedgerNone}, themes...)...)
	case 5:
		f.Month = randomMonths[l.pick(len(randomMonths))].Format("2006-01")
		if l.chance(10) {
			f.Month = "2026-03"
		}
	case 6:
		f.MeasureCode = oneOf(append([]string{domain.LedgerNone}, codes...)...)
	case 7:
		f.FY = oneOf("2026", "2026", "2027", "2025")
		if l.chance(60) {
			f.Quarter = oneOf("1", "2", "3", "4")
		}
	}
}

// describe names a filter's fields, with the contracts and suppliers by
// their place in the random ledger.
func (l *randomLedger) describe(f domain.LedgerFilter) string {
	var parts []string
	for _, c := range []struct{ name, v string }{{"contract", f.ContractID}, {"supplier", f.SupplierID}, {"group", f.RequestOrgID}, {"ward", f.Area},
		{"theme", f.Theme}, {"month", f.Month}, {"measure", f.MeasureCode}, {"fy", f.FY}, {"quarter", f.Quarter}} {
		if c.v != "" {
			parts = append(parts, c.name+"="+c.v)
		}
	}
	if len(parts) == 0 {
		return "whole council"
	}
	return strings.Join(parts, " ")
}

// checkCoverage fails when the random records missed a case the
// comparison is meant to cover (a seed too thin to test much).
func (l *randomLedger) checkCoverage(n int) {
	pledges, deliveries := map[domain.PledgeStatus]int{}, map[string]int{}
	part, huge, noMeasure, noContract := 0, 0, 0, 0
	for _, p := range l.pledges {
		pledges[p.Status]++
		if p.ApprovedPence > 0 && p.ApprovedPence < p.ValuePence {
			part++
		}
		if p.Quantity >= 500_000_000 {
			huge++
		}
		if p.MeasureCode == "" {
			noMeasure++
		}
		if p.ContractID == "" {
			noContract++
		}
		for _, d := range l.deliveries[p.ID] {
			st := d.Status
			if d.Confirmed {
				st += "+confirmed"
			}
			deliveries[st]++
		}
	}
	l.t.Logf("pledges %v (%d part-approved, %d huge, %d without measure, %d without contract); deliveries %v", pledges, part, huge, noMeasure, noContract, deliveries)
	if n < 100 {
		return
	}
	for _, st := range []domain.PledgeStatus{domain.PledgeOffered, domain.PledgeApproved, domain.PledgeDeclined, domain.PledgeWithdrawn, domain.PledgeLapsed, domain.PledgeInDelivery, domain.PledgeVerified} {
		if pledges[st] == 0 {
			l.t.Errorf("no %s pledge in the random ledger", st)
		}
	}
	for _, st := range []string{domain.DeliveryReported, domain.DeliveryConfirmed + "+confirmed", domain.DeliveryDisputed, domain.DeliveryVerified, domain.DeliveryVerified + "+confirmed", domain.DeliveryRejected} {
		if deliveries[st] == 0 {
			l.t.Errorf("no %s delivery in the random ledger", st)
		}
	}
	if part == 0 || noMeasure == 0 || noContract == 0 {
		l.t.Errorf("the random ledger lacks part approvals (%d), pledges without a measure (%d) or without a contract (%d)", part, noMeasure, noContract)
	}
}

// diffSums lists the cells that differ between two merged sums.
func diffSums(a, b []domain.LedgerSum) string {
	type cell struct{ dim, key, measure string }
	am, bm := map[cell]domain.LedgerSum{}, map[cell]domain.LedgerSum{}
	var order []cell
	for _, s := range a {
		am[cell{s.Dim, s.Key, s.Measure}] = s
		order = append(order, cell{s.Dim, s.Key, s.Measure})
	}
	for _, s := range b {
		k := cell{s.Dim, s.Key, s.Measure}
		bm[k] = s
		if _, ok := am[k]; !ok {
			order = append(order, k)
		}
	}
	var out []string
	for _, k := range order {
		if am[k] != bm[k] {
			out = append(out, fmt.Sprintf("  %s %q %q:\n    %+v\n    %+v", k.dim, k.key, k.measure, am[k], bm[k]))
		}
		if len(out) == 10 {
			out = append(out, "  ...")
			break
		}
	}
	return strings.Join(out, "\n")
}
