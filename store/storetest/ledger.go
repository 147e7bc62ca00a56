package storetest

import (
	"context"
	"fmt"
	"sort"
	"testing"
	"time"

	"needmatch/domain"
)

// RunLedger runs the social value ledger's cases against stores that
// implement domain.ValueStore; others are skipped with that reason.
func RunLedger(t *testing.T, h Harness) {
	cases := []struct {
		name string
		fn   func(*testing.T, domain.Store, domain.ValueStore)
	}{
		{"Catalogues", testCatalogues},
		{"ContractsBidsAward", testContractsBids},
		{"DeliveriesAndEvidence", testDeliveries},
		{"LedgerSumsAndFilters", testLedgerSums},
		{"OverdueAndLapse", testOverdue},
		{"KnownScenario", testKnownScenario},
		{"ApprovedUnitsPastInt64", testApprovedUnitsPastInt64},
		{"ShareOfContractValue", testShareOfContractValue},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := h.New(t)
			vs, ok := s.(domain.ValueStore)
			if !ok {
				t.Skip("the store does not implement domain.ValueStore yet")
			}
			c.fn(t, s, vs)
		})
	}
	t.Run("RandomAgainstDefinition", func(t *testing.T) { runLedgerRandom(t, h) })
}

func testCatalogues(t *testing.T, s domain.Store, vs domain.ValueStore) {
	ctx := context.Background()
	a := MustAuthority(t, s, "stockport")
	_, err := vs.CurrentCatalogue(ctx, a.ID)
	wantCode(t, err, domain.ENOTFOUND)
	for v := 1; v <= 2; v++ {
		c := &domain.Catalogue{ID: domain.NewID(), AuthorityID: a.ID, Version: v, Label: fmt.Sprint("v", v), Measures: []domain.Measure{{Code: "VOL", Name: "Hour", Unit: "hour", ProxyPence: int64(1000 * v), Theme: "social"}}, CreatedAt: t0}
		if err := vs.CreateCatalogue(ctx, c, ev(a, "measures.import", c.ID, t0)); err != nil {
			t.Fatal(err)
		}
	}
	dup := &domain.Catalogue{ID: domain.NewID(), AuthorityID: a.ID, Version: 2, CreatedAt: t0}
	wantCode(t, vs.CreateCatalogue(ctx, dup, ev(a, "measures.import", dup.ID, t0)), domain.ECONFLICT)
	cur, err := vs.CurrentCatalogue(ctx, a.ID)
	if err != nil || cur.Version != 2 || cur.Measures[0].ProxyPence != 2000 || cur.AuthorityID != a.ID {
		t.Fatalf("current = %+v, %v", cur, err)
	}
	old, err := vs.CatalogueVersion(ctx, a.ID, 1)
	if err != nil || old.Measures[0].ProxyPence != 1000 {
		t.Fatalf("version 1 = %+v, %v", old, err)
	}
	_, err = vs.CatalogueVersion(ctx, a.ID, 3)
	wantCode(t, err, domain.ENOTFOUND)
	list, err := vs.Catalogues(ctx, a.ID)
	if err != nil || len(list) != 2 || list[0].Version != 2 || list[0].Measures != nil {
		t.Fatalf("catalogues = %+v, %v", list, err)
	}
	other := MustAuthority(t, s, "trafford")
	_, err = vs.CurrentCatalogue(ctx, other.ID)
	wantCode(t, err, domain.ENOTFOUND)
}

func (f *fixture) contract(t *testing.T, vs domain.ValueStore, ref, stage string) *domain.Contract {
	t.Helper()
	c := &domain.Contract{ID: domain.NewID(), AuthorityID: f.auth.ID, Authority: f.auth.Slug, Reference: ref, Title: "Contract " + ref, ValuePence: 10_000_000, Stage: stage, Version: 1, CreatedAt: t0, UpdatedAt: t0}
	if err := vs.CreateContract(context.Background(), c, ev(f.auth, "contract.create", c.ID, t0)); err != nil {
		t.Fatalf("CreateContract: %v", err)
	}
	return c
}

func testContractsBids(t *testing.T, s domain.Store, vs domain.ValueStore) {
	ctx := context.Background()
	f := newFixture(t, s)
	c := f.contract(t, vs, "C-1", domain.StageTender)
	f.contract(t, vs, "C-2", domain.StagePreMarket)
	dup := &domain.Contract{ID: domain.NewID(), AuthorityID: f.auth.ID, Reference: "C-1", Title: "Again", ValuePence: 1, Stage: domain.StageTender, Version: 1}
	wantCode(t, vs.CreateContract(ctx, dup, ev(f.auth, "contract.create", dup.ID, t0)), domain.ECONFLICT)
	got, next, err := vs.FindContracts(ctx, domain.ContractFilter{AuthorityID: f.auth.ID, Stage: domain.StageTender})
	if err != nil || len(got) != 1 || got[0].ID != c.ID || next != "" {
		t.Fatalf("FindContracts = %v, %q, %v", got, next, err)
	}
	b := &domain.Bid{ID: domain.NewID(), AuthorityID: f.auth.ID, ContractID: c.ID, OrganisationID: f.supplier.ID, Status: domain.BidSubmitted, Version: 1, CreatedAt: t0}
	if err := vs.CreateBid(ctx, b, ev(f.auth, "bid.create", b.ID, t0)); err != nil {
		t.Fatal(err)
	}
	b2 := &domain.Bid{ID: domain.NewID(), AuthorityID: f.auth.ID, ContractID: c.ID, OrganisationID: f.supplier.ID, Status: domain.BidDraft, Version: 1, CreatedAt: t0}
	wantCode(t, vs.CreateBid(ctx, b2, ev(f.auth, "bid.create", b2.ID, t0)), domain.ECONFLICT)
	bids, _, err := vs.FindBids(ctx, domain.BidFilter{AuthorityID: f.auth.ID, ContractID: c.ID})
	if err != nil || len(bids) != 1 {
		t.Fatalf("FindBids = %v, %v", bids, err)
	}
	r := f.request(t, s, "Laptops", domain.ReqPublished, "E05015018", "goods")
	p := f.pledge(t, s, r, 5000, domain.PledgeOffered, 0)
	// An award with one stale version writes nothing at all.
	award := func(pledgePrev int64) error {
		cc, _ := vs.ContractByID(ctx, c.ID)
		bb, _ := vs.BidByID(ctx, b.ID)
		pp, _ := s.PledgeByID(ctx, p.ID)
		cprev, bprev := cc.Version, bb.Version
		if err := cc.Award(bb, &domain.ContractTier{}, t0); err != nil {
			return err
		}
		bb.Status, bb.Version = domain.BidAwarded, bb.Version+1
		if err := pp.Commit("officer", pp.ValuePence, t0.AddDate(0, 6, 0), t0); err != nil {
			return err
		}
		return vs.AwardContract(ctx, &domain.Award{Contract: cc, ContractPrev: cprev, Bids: []*domain.Bid{bb}, BidPrevs: []int64{bprev},
			Pledges: []*domain.Pledge{pp}, PledgePrevs: []int64{pledgePrev}, Events: []*domain.AuditEvent{ev(f.auth, "contract.award", cc.ID, t0)}})
	}
	wantCode(t, award(p.Version+5), domain.ECONFLICT)
	if cc, _ := vs.ContractByID(ctx, c.ID); cc.Stage != domain.StageTender || cc.Version != 1 {
		t.Fatalf("a failed award changed the contract: %+v", cc)
	}
	if bb, _ := vs.BidByID(ctx, b.ID); bb.Status != domain.BidSubmitted {
		t.Fatalf("a failed award changed the bid: %+v", bb)
	}
	if err := award(p.Version); err != nil {
		t.Fatal(err)
	}
	cc, _ := vs.ContractByID(ctx, c.ID)
	pp, _ := s.PledgeByID(ctx, p.ID)
	if cc.Stage != domain.StageAwarded || cc.AwardedBidID != b.ID || pp.Status != domain.PledgeApproved || pp.DueDate == nil || pp.ApprovedPence != 5000 {
		t.Fatalf("after award: %+v %+v", cc, pp)
	}
	prev := cc.Version
	if err := cc.MoveStage(domain.StageLive, &domain.ContractTier{}, t0); err != nil {
		t.Fatal(err)
	}
	wantCode(t, vs.UpdateContract(ctx, cc, prev-1, ev(f.auth, "contract.stage", cc.ID, t0)), domain.ECONFLICT)
	if err := vs.UpdateContract(ctx, cc, prev, ev(f.auth, "contract.stage", cc.ID, t0)); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) evidence(t *testing.T, vs domain.ValueStore, text string) *domain.Evidence {
	t.Helper()
	e := &domain.Evidence{ID: domain.NewID(), AuthorityID: f.auth.ID, OrganisationID: f.supplier.ID, FileName: "a.txt", ContentType: "text/plain", Size: int64(len(text)),
		SHA256: fmt.Sprintf("%064x", len(text)) + "", CreatedAt: t0}
	e.SHA256 = sha(text)
	if err := vs.CreateEvidence(context.Background(), e, []byte(text), ev(f.auth, "evidence.upload", e.ID, t0)); err != nil {
		t.Fatalf("CreateEvidence: %v", err)
	}
	return e
}

func sha(s string) string {
	var h uint64 = 1469598103934665603
	for i := 0; i < len(s); i++ {
		h = (h ^ uint64(s[i])) * 1099511628211
	}
	return fmt.Sprintf("%016x%048d", h, 0)
}

func (f *fixture) delivery(p *domain.Pledge, qty int64, evs ...*domain.Evidence) *domain.Delivery {
	d := &domain.Delivery{ID: domain.NewID(), AuthorityID: f.auth.ID, PledgeID: p.ID, RequestID: p.RequestID, RequestOrgID: p.RequestOrgID, OrganisationID: p.OrganisationID,
		ContractID: p.ContractID, Area: p.Area, MeasureCode: p.MeasureCode, Theme: p.Theme, Unit: p.Unit, Quantity: qty, ValuePence: qty * 100, Date: t0,
		EvidenceIDs: []string{}, EvidenceHashes: []string{}, Status: domain.DeliveryReported, Version: 1, CreatedAt: t0, UpdatedAt: t0}
	for _, e := range evs {
		d.EvidenceIDs, d.EvidenceHashes = append(d.EvidenceIDs, e.ID), append(d.EvidenceHashes, e.SHA256)
	}
	return d
}

func testDeliveries(t *testing.T, s domain.Store, vs domain.ValueStore) {
	ctx := context.Background()
	f := newFixture(t, s)
	r := f.request(t, s, "Volunteers", domain.ReqPublished, "E05015018", "volunteering")
	p := f.pledge(t, s, r, 1000, domain.PledgeApproved, 1000)
	e1 := f.evidence(t, vs, "timesheet one")
	rc, err := vs.EvidenceContent(ctx, e1)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64)
	n, _ := rc.Read(buf)
	rc.Close()
	if string(buf[:n]) != "timesheet one" {
		t.Fatalf("content = %q", buf[:n])
	}
	d1 := f.delivery(p, 4, e1)
	prev := p.Version
	p.Settle([]*domain.Delivery{d1}, t0)
	if err := vs.CreateDelivery(ctx, d1, p, prev, []*domain.AuditEvent{ev(f.auth, "delivery.report", d1.ID, t0)}); err != nil {
		t.Fatal(err)
	}
	if got, _ := vs.EvidenceByID(ctx, e1.ID); got.DeliveryID != d1.ID {
		t.Fatalf("evidence not attached: %+v", got)
	}
	// A copy of the same file (same hash, new record) cannot back another delivery;
	// nothing of the refused report is written.
	copyEv := f.evidence(t, vs, "timesheet one")
	d2 := f.delivery(p, 1, copyEv)
	prev = p.Version
	p2 := *p
	p2.Settle([]*domain.Delivery{d1, d2}, t0)
	err = vs.CreateDelivery(ctx, d2, &p2, prev, []*domain.AuditEvent{ev(f.auth, "delivery.report", d2.ID, t0)})
	wantCode(t, err, domain.ECONFLICT)
	if _, err := vs.DeliveryByID(ctx, d2.ID); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Fatalf("refused delivery was written: %v", err)
	}
	if got, _ := vs.EvidenceByID(ctx, copyEv.ID); got.DeliveryID != "" {
		t.Fatal("refused delivery attached its evidence")
	}
	if got, _ := s.PledgeByID(ctx, p.ID); got.Version != prev {
		t.Fatal("refused delivery moved the pledge")
	}
	// A stale pledge version is refused too.
	d3 := f.delivery(p, 1)
	wantCode(t, vs.CreateDelivery(ctx, d3, &p2, prev-1, nil), domain.ECONFLICT)
	// Rejecting d1 frees the hash; then the copy can back a new report.
	dprev := d1.Version
	if err := d1.Reject("officer", "Unsigned timesheet", t0); err != nil {
		t.Fatal(err)
	}
	prev = p.Version
	p.Settle([]*domain.Delivery{d1}, t0)
	if err := vs.UpdateDelivery(ctx, d1, dprev, p, prev, []*domain.AuditEvent{ev(f.auth, "delivery.reject", d1.ID, t0)}); err != nil {
		t.Fatal(err)
	}
	wantCode(t, vs.UpdateDelivery(ctx, d1, dprev, p, p.Version, nil), domain.ECONFLICT)
	prev = p.Version
	p.Settle([]*domain.Delivery{d1, d2}, t0)
	if err := vs.CreateDelivery(ctx, d2, p, prev, nil); err != nil {
		t.Fatalf("after rejection the file is free again: %v", err)
	}
	ds, err := vs.DeliveriesOfPledge(ctx, p.ID)
	if err != nil || len(ds) != 2 || ds[0].ID != d1.ID {
		t.Fatalf("DeliveriesOfPledge = %v, %v", ds, err)
	}
	list, _, err := vs.FindDeliveries(ctx, domain.DeliveryFilter{LedgerFilter: domain.LedgerFilter{AuthorityID: f.auth.ID}, Status: domain.DeliveryReported})
	if err != nil || len(list) != 1 || list[0].ID != d2.ID {
		t.Fatalf("FindDeliveries = %v, %v", list, err)
	}
}

// ledgerPledge stores a pledge with the ledger's fields.
func (f *fixture) ledgerPledge(t *testing.T, s domain.Store, r *domain.Request, contract, measure, theme string, qty, proxy int64, status domain.PledgeStatus, due *time.Time, created time.Time) *domain.Pledge {
	t.Helper()
	p := &domain.Pledge{ID: domain.NewID(), AuthorityID: f.auth.ID, Authority: f.auth.Slug, RequestID: r.ID, RequestTitle: r.Title, RequestOrgID: r.OrganisationID,
		OrganisationID: f.supplier.ID, OrganisationName: f.supplier.Name, Offer: "Help", Quantity: qty, Unit: "hour", ValuePence: qty * proxy, Area: r.Area,
		ContractID: contract, MeasureCode: measure, Theme: theme, ProxyPence: proxy, Status: status, DueDate: due, Version: 1, CreatedAt: created, UpdatedAt: created}
	if status != domain.PledgeOffered && status != domain.PledgeDeclined && status != domain.PledgeWithdrawn {
		p.ApprovedPence = p.ValuePence
	}
	if err := s.CreatePledge(context.Background(), p, ev(f.auth, "pledge.create", p.ID, created)); err != nil {
		t.Fatal(err)
	}
	return p
}

func sumOf(sums []domain.LedgerSum, dim, key string) domain.LedgerSum {
	var out domain.LedgerSum
	for _, s := range sums {
		if s.Dim == dim && s.Key == key {
			out.Add(s)
		}
	}
	return out
}

func testLedgerSums(t *testing.T, s domain.Store, vs domain.ValueStore) {
	ctx := context.Background()
	f := newFixture(t, s)
	c := f.contract(t, vs, "C-1", domain.StageLive)
	r1 := f.request(t, s, "Food", domain.ReqPublished, "E05015018", "volunteering")
	r2 := f.request(t, s, "Paint", domain.ReqPublished, "E05015015", "works")
	nov, dec := t0, t0.AddDate(0, 1, 0)
	p1 := f.ledgerPledge(t, s, r1, c.ID, "VOL", "social", 10, 1700, domain.PledgeApproved, nil, nov) // 17,000
	f.ledgerPledge(t, s, r2, "", "JOB", "jobs", 1, 2_500_000, domain.PledgeApproved, nil, dec)       // 2,500,000
	f.ledgerPledge(t, s, r2, c.ID, "VOL", "social", 5, 1700, domain.PledgeOffered, nil, dec)         // 8,500 pledged only
	f.ledgerPledge(t, s, r1, c.ID, "VOL", "social", 7, 1700, domain.PledgeWithdrawn, nil, nov)       // nothing
	add := func(p *domain.Pledge, qty int64, confirm, verify, reject bool) {
		ds, _ := vs.DeliveriesOfPledge(ctx, p.ID)
		d := f.delivery(p, qty)
		d.ValuePence = qty * p.ProxyPence
		d.Date = dec.AddDate(0, 0, 3)
		d.Confirmed = confirm
		switch {
		case reject:
			d.Status = domain.DeliveryRejected
		case verify:
			d.Status = domain.DeliveryVerified
		case confirm:
			d.Status = domain.DeliveryConfirmed
		}
		prev := p.Version
		p.Settle(append(ds, d), t0)
		if err := vs.CreateDelivery(ctx, d, p, prev, nil); err != nil {
			t.Fatal(err)
		}
	}
	add(p1, 3, true, true, false)  // 5,100 delivered, confirmed, verified
	add(p1, 2, false, true, false) // 3,400 delivered, verified (unconfirmed)
	add(p1, 4, true, false, false) // 6,800 delivered, confirmed
	add(p1, 1, false, false, true) // rejected: nothing
	sums, err := vs.LedgerSums(ctx, domain.LedgerFilter{AuthorityID: f.auth.ID})
	if err != nil {
		t.Fatal(err)
	}
	want := func(name string, got domain.LedgerSum, pledged, approved, delivered, confirmed, verified int64) {
		t.Helper()
		if got.PledgedPence != pledged || got.ApprovedPence != approved || got.DeliveredPence != delivered || got.ConfirmedPence != confirmed || got.VerifiedPence != verified {
			t.Errorf("%s = pledged %d approved %d delivered %d confirmed %d verified %d; want %d %d %d %d %d", name,
				got.PledgedPence, got.ApprovedPence, got.DeliveredPence, got.ConfirmedPence, got.VerifiedPence, pledged, approved, delivered, confirmed, verified)
		}
	}
	want("contract C-1", sumOf(sums, domain.DimContract, c.ID), 25_500, 17_000, 15_300, 11_900, 8_500)
	want("no contract", sumOf(sums, domain.DimContract, ""), 2_500_000, 2_500_000, 0, 0, 0)
	want("supplier", sumOf(sums, domain.DimSupplier, f.supplier.ID), 2_525_500, 2_517_000, 15_300, 11_900, 8_500)
	want("ward 18", sumOf(sums, domain.DimWard, "E05015018"), 17_000, 17_000, 15_300, 11_900, 8_500)
	want("ward 15", sumOf(sums, domain.DimWard, "E05015015"), 2_508_500, 2_500_000, 0, 0, 0)
	want("theme social", sumOf(sums, domain.DimTheme, "social"), 25_500, 17_000, 15_300, 11_900, 8_500)
	want("month 2026-11", sumOf(sums, domain.DimMonth, "2026-11"), 17_000, 17_000, 0, 0, 0)
	want("month 2026-12", sumOf(sums, domain.DimMonth, "2026-12"), 2_508_500, 2_500_000, 15_300, 11_900, 8_500)
	if u := sumOf(sums, domain.DimTheme, "social"); u.PledgedQty != 15 || u.ApprovedQty != 10 || u.DeliveredQty != 9 || u.ConfirmedQty != 7 || u.VerifiedQty != 5 {
		t.Errorf("units of social = %+v", u)
	}
	// Filters narrow every dimension alike.
	sums, err = vs.LedgerSums(ctx, domain.LedgerFilter{AuthorityID: f.auth.ID, ContractID: domain.LedgerNone})
	if err != nil {
		t.Fatal(err)
	}
	want("theme jobs without contract", sumOf(sums, domain.DimTheme, "jobs"), 2_500_000, 2_500_000, 0, 0, 0)
	want("theme social without contract", sumOf(sums, domain.DimTheme, "social"), 0, 0, 0, 0, 0)
	sums, _ = vs.LedgerSums(ctx, domain.LedgerFilter{AuthorityID: f.auth.ID, Month: "2026-12", Area: "E05015018"})
	want("ward 18 in December", sumOf(sums, domain.DimContract, c.ID), 0, 0, 15_300, 11_900, 8_500)
	sums, _ = vs.LedgerSums(ctx, domain.LedgerFilter{AuthorityID: f.auth.ID, RequestOrgID: domain.NewID()})
	if len(sums) != 0 {
		t.Errorf("another group's ledger = %v", sums)
	}
	other := MustAuthority(t, s, "trafford")
	if sums, _ := vs.LedgerSums(ctx, domain.LedgerFilter{AuthorityID: other.ID}); len(sums) != 0 {
		t.Errorf("another council's ledger = %v", sums)
	}
	// The records behind a figure.
	ps, _, err := vs.FindLedgerPledges(ctx, domain.LedgerPledgeFilter{LedgerFilter: domain.LedgerFilter{AuthorityID: f.auth.ID, ContractID: c.ID, Month: "2026-11"}})
	if err != nil || len(ps) != 2 {
		t.Fatalf("FindLedgerPledges = %d, %v", len(ps), err)
	}
	ps, _, _ = vs.FindLedgerPledges(ctx, domain.LedgerPledgeFilter{LedgerFilter: domain.LedgerFilter{AuthorityID: f.auth.ID, Theme: "jobs"}, Status: domain.PledgeApproved})
	if len(ps) != 1 || ps[0].MeasureCode != "JOB" {
		t.Fatalf("jobs pledges = %v", ps)
	}
	ds, _, _ := vs.FindDeliveries(ctx, domain.DeliveryFilter{LedgerFilter: domain.LedgerFilter{AuthorityID: f.auth.ID, Month: "2026-12", MeasureCode: "VOL"}})
	if len(ds) != 4 {
		t.Fatalf("December VOL deliveries = %d", len(ds))
	}
}

// testApprovedUnitsPastInt64: a part approval of a pledge of 900 million
// units (£1 each) makes quantity x approved pence pass int64; the approved
// units are still floor(900,000,000 x 30,000,000,007 / 90,000,000,000) =
// 300,000,000, and the council's ledger still reads (the SQLite store's
// row once kept a REAL and every ledger read failed; the MongoDB store's
// product wrapped round to 95,036,177).
func testApprovedUnitsPastInt64(t *testing.T, s domain.Store, vs domain.ValueStore) {
	ctx := context.Background()
	f := newFixture(t, s)
	r := f.request(t, s, "Fund", domain.ReqPublished, "E05015018", "funding")
	p := f.ledgerPledge(t, s, r, "", "DON", "economic", 900_000_000, 100, domain.PledgeOffered, nil, t0)
	p.AllowPartial = true
	prev := p.Version
	if err := p.Approve("officer", 30_000_000_007, t0); err != nil {
		t.Fatal(err)
	}
	if err := s.UpdatePledge(ctx, p, prev, ev(f.auth, "pledge.approve", p.ID, t0)); err != nil {
		t.Fatal(err)
	}
	f.ledgerPledge(t, s, r, "", "DON", "economic", 3, 100, domain.PledgeApproved, nil, t0)
	for _, lf := range []domain.LedgerFilter{{AuthorityID: f.auth.ID}, {AuthorityID: f.auth.ID, Theme: "economic"}} {
		sums, err := vs.LedgerSums(ctx, lf)
		if err != nil {
			t.Fatalf("LedgerSums(%+v): %v", lf, err)
		}
		for _, dim := range domain.LedgerDims {
			got := domain.MergeLedgerSums(sums)
			var c domain.LedgerSum
			for _, x := range got {
				if x.Dim == dim {
					c.Add(x)
				}
			}
			if c.ApprovedQty != 300_000_003 || c.ApprovedPence != 30_000_000_307 || c.PledgedQty != 900_000_003 || c.PledgedPence != 90_000_000_300 {
				t.Errorf("%+v by %s: %+v", lf, dim, c)
			}
		}
	}
}

func testOverdue(t *testing.T, s domain.Store, vs domain.ValueStore) {
	ctx := context.Background()
	f := newFixture(t, s)
	r := f.request(t, s, "Food", domain.ReqPublished, "E05015018", "volunteering")
	due1, due2, due3 := t0.AddDate(0, 1, 0), t0.AddDate(0, 2, 0), t0.AddDate(0, 6, 0)
	p1 := f.ledgerPledge(t, s, r, "", "VOL", "social", 1, 100, domain.PledgeApproved, &due2, t0)
	p2 := f.ledgerPledge(t, s, r, "", "VOL", "social", 1, 100, domain.PledgeDelivered, &due1, t0)
	f.ledgerPledge(t, s, r, "", "VOL", "social", 1, 100, domain.PledgeApproved, &due3, t0)
	f.ledgerPledge(t, s, r, "", "VOL", "social", 1, 100, domain.PledgeVerified, &due1, t0)
	f.ledgerPledge(t, s, r, "", "VOL", "social", 1, 100, domain.PledgeOffered, nil, t0)
	at := t0.AddDate(0, 3, 0)
	got, err := vs.FindOverdue(ctx, f.auth.ID, at, 100)
	if err != nil || len(got) != 2 || got[0].ID != p2.ID || got[1].ID != p1.ID {
		t.Fatalf("FindOverdue = %v, %v", got, err)
	}
	lc, err := vs.LapseCandidates(ctx, at, 100)
	if err != nil || len(lc) != 1 || lc[0].ID != p1.ID {
		t.Fatalf("LapseCandidates = %v, %v", lc, err)
	}
	prev := p1.Version
	if err := p1.Lapse(at); err != nil {
		t.Fatal(err)
	}
	if err := s.UpdatePledge(ctx, p1, prev, ev(f.auth, "pledge.lapse", p1.ID, at)); err != nil {
		t.Fatal(err)
	}
	if lc, _ := vs.LapseCandidates(ctx, at, 100); len(lc) != 0 {
		t.Fatalf("lapsed pledge is still a candidate: %v", lc)
	}
	// A lapsed commitment still counts as secured in the ledger: that is the gap.
	sums, _ := vs.LedgerSums(ctx, domain.LedgerFilter{AuthorityID: f.auth.ID})
	if got := sumOf(sums, domain.DimTheme, "social"); got.ApprovedPence != 400 || got.PledgedPence != 500 {
		t.Fatalf("ledger after lapse = %+v", got)
	}
}

// testKnownScenario builds 3 contracts, 8 suppliers and 20 requests through
// the service, with bids, an award per contract, standalone pledges and a
// mix of reported, confirmed, disputed, verified and rejected deliveries,
// and checks every figure of every ledger row to the penny against totals
// worked out separately from the scenario.
func testKnownScenario(t *testing.T, s domain.Store, vs domain.ValueStore) {
	ctx := context.Background()
	clock := t0
	svc := domain.NewService(s)
	svc.Now = func() time.Time { return clock }
	auth := MustAuthority(t, s, "stockport")
	officerUser := &domain.User{ID: domain.NewID(), AuthorityID: auth.ID, Authority: auth.Slug, Email: "officer@example.org", Name: "Officer", Role: domain.RoleOfficer, PasswordHash: "h", Version: 1, CreatedAt: t0}
	if err := s.CreateUser(ctx, officerUser, ev(auth, "user.create", officerUser.ID, t0)); err != nil {
		t.Fatal(err)
	}
	officer := &domain.Actor{UserID: officerUser.ID, Role: domain.RoleOfficer, AuthorityID: auth.ID, Email: officerUser.Email}
	if _, err := svc.SeedExampleMeasures(ctx, auth.ID); err != nil {
		t.Fatal(err)
	}
	cat, _ := vs.CurrentCatalogue(ctx, auth.ID)
	actorOf := func(o *domain.Organisation, u *domain.User) *domain.Actor {
		return &domain.Actor{UserID: u.ID, Role: u.Role, AuthorityID: auth.ID, OrganisationID: o.ID, Email: u.Email}
	}
	var groups, suppliers []*domain.Actor
	for i := 0; i < 4; i++ {
		groups = append(groups, actorOf(mustRegister(t, s, auth, domain.KindGroup, fmt.Sprintf("g%d@example.org", i))))
	}
	for i := 0; i < 8; i++ {
		suppliers = append(suppliers, actorOf(mustRegister(t, s, auth, domain.KindSupplier, fmt.Sprintf("s%d@example.org", i))))
	}
	wards := []string{"E05015018", "E05015015"}
	var reqs []*domain.Request
	for i := 0; i < 20; i++ {
		g := groups[i%4]
		r := &domain.Request{ID: domain.NewID(), AuthorityID: auth.ID, Authority: auth.Slug, OrganisationID: g.OrganisationID, OrganisationName: "G", Title: fmt.Sprintf("Request %02d", i),
			Kind: "volunteering", Area: wards[i%2], Quantity: 100, Unit: "hours", ValuePence: 100_000_000, Deadline: t0.AddDate(1, 0, 0), Status: domain.ReqPublished, Version: 1, CreatedAt: t0, UpdatedAt: t0}
		if err := s.CreateRequest(ctx, r, ev(auth, "request.create", r.ID, t0)); err != nil {
			t.Fatal(err)
		}
		reqs = append(reqs, r)
	}
	// The model: every pledge's and delivery's figures, kept by hand.
	type fig struct{ pledged, approved, delivered, confirmed, verified int64 }
	type rec struct {
		keys  map[string]string // dim -> key
		fig   fig
		units map[string]int64
	}
	var model []rec
	proxy := map[string]int64{}
	theme := map[string]string{}
	for _, m := range cat.Measures {
		proxy[m.Code], theme[m.Code] = m.ProxyPence, m.Theme
	}
	contracts := make([]*domain.Contract, 3)
	values := []int64{30_000_00, 60_000_00, 6_000_000_00}
	for i := range contracts {
		contracts[i] = MustTenderContract(t, svc, officer, domain.ContractInput{Reference: fmt.Sprintf("SC-%d", i), Title: "Contract", ValuePence: values[i]})
	}
	bidders := [][]int{{0, 1, 2}, {3, 4, 5}, {6, 7}}
	type madePledge struct {
		p        *domain.Pledge
		supplier int
	}
	var committed []madePledge
	for ci, c := range contracts {
		var bidIDs []string
		for _, si := range bidders[ci] {
			b, err := svc.CreateBid(ctx, suppliers[si], c.ID)
			if err != nil {
				t.Fatal(err)
			}
			bidIDs = append(bidIDs, b.ID)
			for j := 0; j < 3+si%2; j++ {
				code := cat.Measures[(si+j)%len(cat.Measures)].Code
				qty := int64(2 + si + j)
				if code == "EX-LOCAL-JOB" {
					qty = 1
				}
				r := reqs[(ci*7+si*3+j*5)%20]
				p, err := svc.CreatePledge(ctx, suppliers[si], r.ID, domain.PledgeInput{Offer: "Offer", Quantity: qty, MeasureCode: code, BidID: b.ID})
				if err != nil {
					t.Fatalf("bid pledge: %v", err)
				}
				if p.ValuePence != qty*proxy[code] {
					t.Fatalf("pledge value %d, want %d", p.ValuePence, qty*proxy[code])
				}
			}
			if _, err := svc.MoveBid(ctx, suppliers[si], b.ID, domain.BidSubmit); err != nil {
				t.Fatalf("submit bid of supplier %d: %v", si, err)
			}
		}
		res, err := svc.AwardContract(ctx, officer, c.ID, bidIDs[0], t0.AddDate(0, 8, 0))
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range res.Committed {
			p, _ := s.PledgeByID(ctx, id)
			committed = append(committed, madePledge{p, bidders[ci][0]})
		}
		for _, id := range res.Declined { // declined bid pledges count nowhere
			if p, _ := s.PledgeByID(ctx, id); p.Status != domain.PledgeDeclined || p.ApprovedPence != 0 {
				t.Fatalf("losing pledge = %+v", p)
			}
		}
	}
	// Standalone pledges: one approved, one left offered.
	for k, si := range []int{1, 7} {
		for j := 0; j < 2; j++ {
			code := cat.Measures[(k+j)%2].Code // volunteering hours and £ donated
			r := reqs[(k*11+j*3)%20]
			p, err := svc.CreatePledge(ctx, suppliers[si], r.ID, domain.PledgeInput{Offer: "Offer", Quantity: int64(40 + 10*j), MeasureCode: code})
			if err != nil {
				t.Fatal(err)
			}
			if j == 0 {
				if p, err = svc.MovePledge(ctx, officer, p.ID, domain.PledgeDecision{Move: domain.PledgeApprove}); err != nil {
					t.Fatal(err)
				}
				committed = append(committed, madePledge{p, si})
			} else {
				model = append(model, rec{keys: map[string]string{domain.DimContract: "", domain.DimSupplier: p.OrganisationID, domain.DimWard: r.Area, domain.DimTheme: p.Theme, domain.DimMonth: "2026-11"},
					fig: fig{pledged: p.ValuePence}, units: map[string]int64{p.MeasureCode + "/pledged": p.Quantity}})
			}
		}
	}
	if len(committed) != 3+4+3+1+1 {
		t.Fatalf("committed = %d", len(committed))
	}
	// Deliveries, in December and January.
	clock = time.Date(2027, 1, 20, 9, 0, 0, 0, time.UTC)
	groupOf := map[string]*domain.Actor{}
	for _, g := range groups {
		groupOf[g.OrganisationID] = g
	}
	for k, mp := range committed {
		p := mp.p
		keys := map[string]string{domain.DimContract: p.ContractID, domain.DimSupplier: p.OrganisationID, domain.DimWard: p.Area, domain.DimTheme: p.Theme, domain.DimMonth: "2026-11"}
		model = append(model, rec{keys: keys, fig: fig{pledged: p.ValuePence, approved: p.ApprovedPence}, units: map[string]int64{p.MeasureCode + "/pledged": p.Quantity, p.MeasureCode + "/approved": p.Quantity}})
		report := func(qty int64, date time.Time) *domain.Delivery {
			d, err := svc.ReportDelivery(ctx, suppliers[mp.supplier], p.ID, domain.DeliveryInput{Quantity: qty, Date: date})
			if err != nil {
				t.Fatalf("report %d of pledge %d (%d %s): %v", qty, k, p.Quantity, p.Unit, err)
			}
			return d
		}
		move := func(d *domain.Delivery, who *domain.Actor, m, reason string) {
			if _, err := svc.MoveDelivery(ctx, who, d.ID, m, reason); err != nil {
				t.Fatalf("%s: %v", m, err)
			}
		}
		dk := func(date time.Time) map[string]string {
			m := map[string]string{}
			for k, v := range keys {
				m[k] = v
			}
			m[domain.DimMonth] = date.Format("2006-01")
			return m
		}
		dec, jan := time.Date(2026, 12, 14, 0, 0, 0, 0, time.UTC), time.Date(2027, 1, 8, 0, 0, 0, 0, time.UTC)
		g := groupOf[p.RequestOrgID]
		v := func(q int64) int64 { return q * p.ProxyPence }
		u := func(q int64, stages ...string) map[string]int64 {
			m := map[string]int64{}
			for _, st := range stages {
				m[p.MeasureCode+"/"+st] = q
			}
			return m
		}
		switch k % 5 {
		case 0: // all of it, confirmed and verified
			d := report(p.Quantity, dec)
			move(d, g, domain.DeliveryConfirm, "")
			move(d, officer, domain.DeliveryVerify, "")
			model = append(model, rec{keys: dk(dec), fig: fig{delivered: v(p.Quantity), confirmed: v(p.Quantity), verified: v(p.Quantity)}, units: u(p.Quantity, "delivered", "confirmed", "verified")})
		case 1: // part, confirmed only
			q := (p.Quantity + 1) / 2
			d := report(q, jan)
			move(d, g, domain.DeliveryConfirm, "")
			model = append(model, rec{keys: dk(jan), fig: fig{delivered: v(q), confirmed: v(q)}, units: u(q, "delivered", "confirmed")})
		case 2: // two parts: one disputed then verified with a reason, one rejected
			q1 := p.Quantity / 2
			if q1 == 0 {
				q1 = 1
			}
			d1 := report(q1, dec)
			move(d1, g, domain.DeliveryDispute, "Fewer hours than reported")
			move(d1, officer, domain.DeliveryVerify, "Sign-in sheets checked")
			model = append(model, rec{keys: dk(dec), fig: fig{delivered: v(q1), verified: v(q1)}, units: u(q1, "delivered", "verified")})
			if q2 := p.Quantity - q1; q2 > 0 {
				d2 := report(q2, jan)
				move(d2, officer, domain.DeliveryReject, "No evidence")
			}
		case 3: // reported, nothing else yet
			d := report(1, jan)
			_ = d
			model = append(model, rec{keys: dk(jan), fig: fig{delivered: v(1)}, units: u(1, "delivered")})
		case 4: // nothing delivered
		}
	}
	l, err := svc.Ledger(ctx, officer, domain.LedgerFilter{})
	if err != nil {
		t.Fatal(err)
	}
	check := func(where string, got domain.LedgerRow, want fig, units map[string]int64) {
		t.Helper()
		g := fig{got.PledgedPence, got.ApprovedPence, got.DeliveredPence, got.ConfirmedPence, got.VerifiedPence}
		if g != want || got.GapPence != want.approved-want.verified {
			t.Errorf("%s: got %+v gap %d, want %+v gap %d", where, g, got.GapPence, want, want.approved-want.verified)
		}
		gu := map[string]int64{}
		for _, x := range got.Units {
			for st, n := range map[string]int64{"pledged": x.Pledged, "approved": x.Approved, "delivered": x.Delivered, "confirmed": x.Confirmed, "verified": x.Verified} {
				if n != 0 {
					gu[x.MeasureCode+"/"+st] = n
				}
			}
		}
		if fmt.Sprint(gu) != fmt.Sprint(units) {
			t.Errorf("%s units: got %v, want %v", where, gu, units)
		}
	}
	total, totalUnits := fig{}, map[string]int64{}
	byDim := map[string]map[string]*fig{}
	unitsBy := map[string]map[string]map[string]int64{}
	for _, r := range model {
		total.pledged += r.fig.pledged
		total.approved += r.fig.approved
		total.delivered += r.fig.delivered
		total.confirmed += r.fig.confirmed
		total.verified += r.fig.verified
		for k, n := range r.units {
			totalUnits[k] += n
		}
		for dim, key := range r.keys {
			if byDim[dim] == nil {
				byDim[dim], unitsBy[dim] = map[string]*fig{}, map[string]map[string]int64{}
			}
			f := byDim[dim][key]
			if f == nil {
				f = &fig{}
				byDim[dim][key], unitsBy[dim][key] = f, map[string]int64{}
			}
			f.pledged += r.fig.pledged
			f.approved += r.fig.approved
			f.delivered += r.fig.delivered
			f.confirmed += r.fig.confirmed
			f.verified += r.fig.verified
			for k, n := range r.units {
				unitsBy[dim][key][k] += n
			}
		}
	}
	check("total", l.Totals, total, totalUnits)
	for _, dim := range domain.LedgerDims {
		rows := l.Rows(dim)
		var keys []string
		for k := range byDim[dim] {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		if len(rows) != len(keys) {
			t.Errorf("%s: %d rows, want %d", dim, len(rows), len(keys))
			continue
		}
		for i, k := range keys {
			if rows[i].Key != k {
				t.Errorf("%s row %d key %q, want %q", dim, i, rows[i].Key, k)
				continue
			}
			check(dim+" "+k, rows[i], *byDim[dim][k], unitsBy[dim][k])
		}
	}
	// The grand totals, worked out by hand from the example proxies.
	t.Logf("scenario totals: %+v", total)
	if total.approved == 0 || total.verified == 0 || total.confirmed == 0 || total.delivered <= total.verified {
		t.Fatalf("scenario too thin: %+v", total)
	}
}
