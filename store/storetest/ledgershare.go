package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"needmatch/domain"
)

// testShareOfContractValue is issue #12's known scenario, the in-app side:
// contracts of £30k, £600k and £6m (and one of unknown value), two
// suppliers, pledges and deliveries either side of 31 March / 1 April,
// and every percentage and financial-year figure worked out by hand, to
// the penny and the basis point, through the service on this store.
func testShareOfContractValue(t *testing.T, s domain.Store, vs domain.ValueStore) {
	ctx := context.Background()
	f := newFixture(t, s)
	s2, _ := mustRegister(t, s, f.auth, domain.KindSupplier, "second@example.org")
	svc := domain.NewService(s)
	svc.Now = func() time.Time { return time.Date(2027, 6, 1, 0, 0, 0, 0, time.UTC) }
	officer := &domain.Actor{UserID: domain.NewID(), Role: domain.RoleOfficer, AuthorityID: f.auth.ID, Email: "officer@example.org"}
	contract := func(ref string, value int64, dirID, dir string) *domain.Contract {
		c := &domain.Contract{ID: domain.NewID(), AuthorityID: f.auth.ID, Authority: f.auth.Slug, Reference: ref, Title: "Contract " + ref, ValuePence: value,
			DirectorateID: dirID, Directorate: dir, Stage: domain.StageLive, Version: 1, CreatedAt: t0, UpdatedAt: t0}
		if err := vs.CreateContract(ctx, c, ev(f.auth, "contract.create", c.ID, t0)); err != nil {
			t.Fatalf("CreateContract: %v", err)
		}
		return c
	}
	place, adults := domain.NewID(), domain.NewID()
	a := contract("A", 3_000_000, place, "Place")     // £30,000
	b := contract("B", 60_000_000, place, "Place")    // £600,000
	c := contract("C", 600_000_000, adults, "Adults") // £6,000,000
	d := contract("D", 0, place, "Place")             // value unknown
	r := f.request(t, s, "Food", domain.ReqPublished, "E05015018", "volunteering")
	utc := func(y int, m time.Month, day, h, min, sec, ms int) time.Time {
		return time.Date(y, m, day, h, min, sec, ms*1_000_000, time.UTC)
	}
	// pledge stores a pledge of pence (one unit a penny) by a supplier.
	pledge := func(o *domain.Organisation, ct *domain.Contract, pence int64, status domain.PledgeStatus, created time.Time) *domain.Pledge {
		cid := ""
		if ct != nil {
			cid = ct.ID
		}
		p := &domain.Pledge{ID: domain.NewID(), AuthorityID: f.auth.ID, Authority: f.auth.Slug, RequestID: r.ID, RequestTitle: r.Title, RequestOrgID: r.OrganisationID,
			OrganisationID: o.ID, OrganisationName: o.Name, Offer: "Help", Quantity: pence, Unit: "penny", ValuePence: pence, Area: r.Area, ContractID: cid,
			MeasureCode: "GBP", Theme: "economic", ProxyPence: 1, Status: status, Version: 1, CreatedAt: created, UpdatedAt: created}
		if status == domain.PledgeApproved {
			p.ApprovedPence = pence
		}
		if err := s.CreatePledge(ctx, p, ev(f.auth, "pledge.create", p.ID, created)); err != nil {
			t.Fatal(err)
		}
		return p
	}
	deliver := func(p *domain.Pledge, pence int64, status string, confirmed bool, at time.Time) {
		ds, err := vs.DeliveriesOfPledge(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		dl := f.delivery(p, pence)
		dl.ValuePence, dl.Date, dl.Status, dl.Confirmed = pence, at, status, confirmed
		prev := p.Version
		p.Settle(append(ds, dl), at)
		if err := vs.CreateDelivery(ctx, dl, p, prev, nil); err != nil {
			t.Fatal(err)
		}
	}
	// Financial year 2025 ends at the last millisecond of 31 March 2026.
	p1 := pledge(f.supplier, a, 150_000, domain.PledgeApproved, utc(2026, 3, 31, 23, 59, 59, 999)) // FY2025 Q4
	p2 := pledge(f.supplier, b, 1_234_567, domain.PledgeApproved, utc(2026, 4, 1, 0, 0, 0, 0))     // FY2026 Q1
	p3 := pledge(s2, c, 228_000_000, domain.PledgeApproved, utc(2025, 6, 15, 10, 0, 0, 0))         // FY2025 Q1
	pledge(s2, b, 500_000, domain.PledgeOffered, utc(2026, 5, 1, 9, 0, 0, 0))                      // an offer: B is not S2's
	pledge(f.supplier, nil, 99_999, domain.PledgeApproved, utc(2026, 4, 1, 0, 0, 0, 0))            // no contract
	pledge(s2, d, 700_000, domain.PledgeApproved, utc(2026, 4, 2, 9, 0, 0, 0))                     // contract of unknown value
	pledge(s2, a, 30_000, domain.PledgeApproved, utc(2026, 7, 1, 9, 0, 0, 0))                      // FY2026 Q2
	deliver(p1, 100_000, domain.DeliveryVerified, true, utc(2026, 4, 1, 0, 0, 0, 0))               // FY2026 Q1
	deliver(p2, 234_567, domain.DeliveryReported, false, utc(2026, 6, 30, 23, 59, 59, 999))        // FY2026 Q1
	deliver(p2, 1_000_000, domain.DeliveryVerified, false, utc(2027, 3, 31, 23, 59, 59, 999))      // FY2026 Q4
	deliver(p3, 76_000_000, domain.DeliveryVerified, true, utc(2025, 12, 1, 12, 0, 0, 0))          // FY2025 Q3
	deliver(p3, 38_000_001, domain.DeliveryConfirmed, true, utc(2026, 3, 31, 12, 0, 0, 0))         // FY2025 Q4

	pct := func(bp int64) *domain.Percent { p := domain.Percent(bp); return &p }
	type want struct {
		value, approved, delivered, verified int64
		secured, deliveredPct, verifiedPct   *domain.Percent
	}
	check := func(what string, row domain.LedgerRow, w want) {
		t.Helper()
		got := want{row.ContractValuePence, row.ApprovedPence, row.DeliveredPence, row.VerifiedPence, row.SecuredPercent, row.DeliveredPercent, row.VerifiedPercent}
		eq := func(x, y *domain.Percent) bool { return (x == nil) == (y == nil) && (x == nil || *x == *y) }
		if got.value != w.value || got.approved != w.approved || got.delivered != w.delivered || got.verified != w.verified ||
			!eq(got.secured, w.secured) || !eq(got.deliveredPct, w.deliveredPct) || !eq(got.verifiedPct, w.verifiedPct) {
			t.Errorf("%s: value %d approved %d delivered %d verified %d, %s %s %s; want %d %d %d %d, %s %s %s", what, got.value, got.approved, got.delivered, got.verified,
				show(got.secured), show(got.deliveredPct), show(got.verifiedPct), w.value, w.approved, w.delivered, w.verified, show(w.secured), show(w.deliveredPct), show(w.verifiedPct))
		}
	}
	row := func(l *domain.Ledger, dim, key string) domain.LedgerRow {
		t.Helper()
		for _, x := range l.Rows(dim) {
			if x.Key == key {
				return x
			}
		}
		t.Fatalf("no %s row %q in %+v", dim, key, l.Rows(dim))
		return domain.LedgerRow{}
	}
	ledger := func(f domain.LedgerFilter) *domain.Ledger {
		t.Helper()
		l, err := svc.Ledger(ctx, officer, f)
		if err != nil {
			t.Fatalf("Ledger(%+v): %v", f, err)
		}
		return l
	}

	l := ledger(domain.LedgerFilter{})
	// A: (150,000 + 30,000) / 3,000,000 = 6.00%; 100,000 / 3,000,000 = 3.33%.
	check("contract A", row(l, domain.DimContract, a.ID), want{3_000_000, 180_000, 100_000, 100_000, pct(600), pct(333), pct(333)})
	// B: 1,234,567 / 60,000,000 = 2.0576% -> 2.06%; verified 1,000,000 -> 1.6667% -> 1.67%.
	check("contract B", row(l, domain.DimContract, b.ID), want{60_000_000, 1_234_567, 1_234_567, 1_000_000, pct(206), pct(206), pct(167)})
	// C: 228,000,000 / 600,000,000 = 38.00%; 114,000,001 -> 19.00%; 76,000,000 -> 12.6667% -> 12.67%.
	check("contract C", row(l, domain.DimContract, c.ID), want{600_000_000, 228_000_000, 114_000_001, 76_000_000, pct(3800), pct(1900), pct(1267)})
	check("contract D (unknown value)", row(l, domain.DimContract, d.ID), want{0, 700_000, 0, 0, nil, nil, nil})
	check("no contract", row(l, domain.DimContract, ""), want{0, 99_999, 0, 0, nil, nil, nil})
	// The council: A + B + C = 663,000,000; secured 229,414,567 = 34.5980% -> 34.60%;
	// delivered 115,334,568 = 17.3959% -> 17.40%; verified 77,100,000 = 11.6290% -> 11.63%.
	// Its pence count every record (D and no contract too): 229,414,567 + 700,000 + 99,999.
	check("totals", l.Totals, want{663_000_000, 230_214_566, 115_334_568, 77_100_000, pct(3460), pct(1740), pct(1163)})
	// S1 on A and B: 63,000,000; secured 1,384,567 -> 2.20%; delivered 1,334,567 -> 2.12%; verified 1,100,000 -> 1.75%.
	// Its pence include the pledge without a contract.
	check("supplier 1", row(l, domain.DimSupplier, f.supplier.ID), want{63_000_000, 1_484_566, 1_334_567, 1_100_000, pct(220), pct(212), pct(175)})
	// S2 on C and A (its offer on B and its pledge on D do not count): 603,000,000;
	// secured 228,030,000 -> 37.82%; delivered 114,000,001 -> 18.91%; verified 76,000,000 -> 12.60%.
	check("supplier 2", row(l, domain.DimSupplier, s2.ID), want{603_000_000, 228_730_000, 114_000_001, 76_000_000, pct(3782), pct(1891), pct(1260)})
	// Place: A, B (and D, unknown): 63,000,000; secured 1,414,567 -> 2.25%.
	check("Place", row(l, domain.DimDirectorate, place), want{63_000_000, 2_114_567, 1_334_567, 1_100_000, pct(225), pct(212), pct(175)})
	check("Adults", row(l, domain.DimDirectorate, adults), want{600_000_000, 228_000_000, 114_000_001, 76_000_000, pct(3800), pct(1900), pct(1267)})
	if dr := row(l, domain.DimDirectorate, place); dr.Label != "Place" || dr.Pledges != "" {
		t.Errorf("directorate row = %+v", dr)
	}
	// Financial years: 2025/26 has p3, p1 (to 31 March 23:59:59.999) and C's deliveries;
	// 2026/27 the rest, from 1 April 00:00 to 31 March 2027 23:59:59.999.
	if len(l.ByYear) != 2 {
		t.Fatalf("byYear = %+v", l.ByYear)
	}
	check("2025/26", row(l, domain.DimYear, "2025"), want{0, 228_150_000, 114_000_001, 76_000_000, nil, nil, nil})
	check("2026/27", row(l, domain.DimYear, "2026"), want{0, 2_064_566, 1_334_567, 1_100_000, nil, nil, nil})
	if y := row(l, domain.DimYear, "2026"); y.Label != "2026/27" || y.Filter["fy"] != "2026" || y.Pledges != "/api/v1/ledger/pledges?fy=2026" {
		t.Errorf("year row = %+v", y)
	}

	// fy=2026: A (30,000 secured, 100,000 delivered) and B count; C has nothing that year.
	l = ledger(domain.LedgerFilter{FY: "2026"})
	check("fy 2026", l.Totals, want{63_000_000, 2_064_566, 1_334_567, 1_100_000, pct(201), pct(212), pct(175)})
	// Its fourth quarter: B's verified delivery at the year's last millisecond, nothing secured.
	l = ledger(domain.LedgerFilter{FY: "2026", Quarter: "4"})
	check("fy 2026 q4", l.Totals, want{60_000_000, 0, 1_000_000, 1_000_000, pct(0), pct(167), pct(167)})
	// 2025/26 Q4: p1 at its last millisecond and C's confirmed delivery: A + C = 603,000,000.
	l = ledger(domain.LedgerFilter{FY: "2025", Quarter: "4"})
	check("fy 2025 q4", l.Totals, want{603_000_000, 150_000, 38_000_001, 0, pct(2), pct(630), pct(0)})
	// 2026/27 Q1 from its first millisecond: p2, the pledge without a contract, D's, the offer; p1's and p2's deliveries.
	l = ledger(domain.LedgerFilter{FY: "2026", Quarter: "1"})
	check("fy 2026 q1", l.Totals, want{63_000_000, 2_034_566, 334_567, 100_000, pct(196), pct(53), pct(16)})
	if l.Totals.PledgedPence != 2_534_566 {
		t.Errorf("fy 2026 q1 pledged %d, want 2,534,566 (the offer counts as pledged)", l.Totals.PledgedPence)
	}
	// The records behind a quarter's figure.
	ps, _, err := vs.FindLedgerPledges(ctx, domain.LedgerPledgeFilter{LedgerFilter: domain.LedgerFilter{AuthorityID: f.auth.ID, FY: "2025", Quarter: "4"}})
	if err != nil || len(ps) != 1 || ps[0].ID != p1.ID {
		t.Errorf("pledges of 2025/26 Q4 = %v, %v; want p1 only", ps, err)
	}
	ds, _, err := vs.FindDeliveries(ctx, domain.DeliveryFilter{LedgerFilter: domain.LedgerFilter{AuthorityID: f.auth.ID, FY: "2026", Quarter: "4"}})
	if err != nil || len(ds) != 1 || ds[0].ValuePence != 1_000_000 {
		t.Errorf("deliveries of 2026/27 Q4 = %v, %v; want B's verified one", ds, err)
	}
	// A bad year or quarter is refused on its field.
	for _, bad := range []struct {
		f     domain.LedgerFilter
		field string
	}{{domain.LedgerFilter{FY: "26"}, "fy"}, {domain.LedgerFilter{FY: "2026", Quarter: "5"}, "quarter"}, {domain.LedgerFilter{Quarter: "1"}, "quarter"}} {
		_, err := svc.Ledger(ctx, officer, bad.f)
		var e *domain.Error
		if !errors.As(err, &e) || e.Code != domain.EINVALID || e.Field != bad.field {
			t.Errorf("Ledger(%+v) = %v, want EINVALID on %s", bad.f, err, bad.field)
		}
	}
}

func show(p *domain.Percent) string {
	if p == nil {
		return "null"
	}
	return p.Decimal() + "%"
}
