package domain

import (
	"testing"
	"time"
)

// councilLedger builds a council's ledger from store sums: value secured,
// delivered and verified on one contract of the given value, and secured
// on no contract (in the pence, not in the share).
func councilLedger(contract string, value, onContract, delivered, verified, noContract int64) *Ledger {
	sums := []LedgerSum{
		{Dim: DimContract, Key: contract, ApprovedPence: onContract, DeliveredPence: delivered, VerifiedPence: verified},
		{Dim: DimContract, Key: "", ApprovedPence: noContract},
		{Dim: DimTheme, Key: "x", ApprovedPence: onContract + noContract, DeliveredPence: delivered, VerifiedPence: verified},
		{Dim: DimMonth, Key: "2025-05", ApprovedPence: onContract + noContract, DeliveredPence: delivered, VerifiedPence: verified},
	}
	refs := &LedgerRefs{Contracts: map[string]LedgerContract{contract: {ValuePence: value}}, Labels: map[string]map[string]string{DimContract: {contract: contract}}}
	return BuildLedger(contract, LedgerFilter{}, sums, refs, time.Now())
}

// TestRegionTotalsAreSummedPence: the region's totals are its councils' to
// the penny, and its shares are ShareOf on the summed pence (never the
// average of the councils' percentages), in the region ledger and in the
// region summary alike.
func TestRegionTotalsAreSummedPence(t *testing.T) {
	a := councilLedger("A-1", 1_000_000_00, 30_000_00, 10_000_00, 4_000_00, 5_000_00)
	b := councilLedger("B-1", 100_000_00, 50_000_00, 20_000_00, 20_000_00, 0)
	if *a.Totals.SecuredPercent != 300 || *b.Totals.SecuredPercent != 5000 {
		t.Fatalf("council shares %v %v", a.Totals.SecuredPercent, b.Totals.SecuredPercent)
	}
	localA := &LocalSpendFigure{FY: "2025", Label: "2025/26", TotalPence: 300_00, LocalPence: 100_00, LocalPercent: ShareOf(100_00, 300_00)}
	localB := &LocalSpendFigure{FY: "2024", Label: "2024/25", TotalPence: 100_00, LocalPence: 90_00, LocalPercent: ShareOf(90_00, 100_00)}

	var sum RegionCouncil
	for i, l := range []*Ledger{a, b} {
		sum.add(RegionCouncil{Totals: l.Totals, share: l.share, LocalSpend: []*LocalSpendFigure{localA, localB}[i], OverdueCount: 1, OverduePence: 7})
	}
	sum.share.apply(&sum.Totals)
	st := sum.Totals
	if st.ApprovedPence != 85_000_00 || st.DeliveredPence != 30_000_00 || st.VerifiedPence != 24_000_00 || st.GapPence != 61_000_00 || sum.OverdueCount != 2 || sum.OverduePence != 14 {
		t.Fatalf("region totals = %+v", sum)
	}
	// 80,000 of 1,100,000 on contracts: 7.27%, not (3% + 50%) / 2.
	if st.ContractValuePence != 1_100_000_00 || *st.SecuredPercent != *ShareOf(80_000_00, 1_100_000_00) || *st.SecuredPercent != 727 ||
		*st.DeliveredPercent != *ShareOf(30_000_00, 1_100_000_00) || *st.VerifiedPercent != *ShareOf(24_000_00, 1_100_000_00) {
		t.Fatalf("region shares = %v %v %v of %d", st.SecuredPercent, st.DeliveredPercent, st.VerifiedPercent, st.ContractValuePence)
	}
	// Local spend: 190 of 400 (47.50%), not the average of 33.33% and 90%;
	// the councils' latest years differ, so the region names none.
	if l := sum.LocalSpend; l.TotalPence != 400_00 || l.LocalPence != 190_00 || *l.LocalPercent != 4750 || l.FY != "" {
		t.Fatalf("region local spend = %+v", l)
	}
	if localA.TotalPence != 300_00 {
		t.Fatal("adding up changed a council's figure")
	}

	ca := summaryOf(&Authority{Slug: "alpha", Name: "Alpha"}, a, []OverdueItem{{Pledge: &Pledge{ApprovedPence: 3}}})
	cb := summaryOf(&Authority{Slug: "beta", Name: "Beta"}, b, nil)
	ca.LocalSpend, cb.LocalSpend = localA, localB
	rs := RegionSummaryOf(&Region{Slug: "ab", Name: "Alpha and Beta"}, []*CouncilSummary{cb, ca}, time.Now())
	tot := rs.Total
	if tot.SecuredPence != ca.SecuredPence+cb.SecuredPence || tot.DeliveredPence != ca.DeliveredPence+cb.DeliveredPence || tot.VerifiedPence != ca.VerifiedPence+cb.VerifiedPence ||
		tot.SecuredPence != 85_000_00 || tot.ContractValuePence != 1_100_000_00 || *tot.SecuredPercent != 727 || tot.Overdue != (OverdueFigure{Count: 1, ValuePence: 3}) ||
		*tot.LocalSpend.LocalPercent != 4750 || tot.Since != "2025" {
		t.Fatalf("region summary total = %+v", tot)
	}
	if len(rs.Councils) != 2 || rs.Councils[0].Slug != "alpha" || *rs.Councils[0].SecuredPercent != 300 || *rs.Councils[1].SecuredPercent != 5000 {
		t.Fatalf("councils = %+v", rs.Councils)
	}
	if len(rs.ByYear) != 1 || rs.ByYear[0].ApprovedPence != 85_000_00 || rs.ByYear[0].VerifiedPence != 24_000_00 {
		t.Fatalf("by year = %+v", rs.ByYear)
	}
	if len(rs.TopContracts) != 2 || rs.TopContracts[0].Council != "beta" || rs.TopContracts[0].Key != "B-1" || rs.TopContracts[1].Council != "alpha" {
		t.Fatalf("top contracts = %+v", rs.TopContracts)
	}
}

// TestRegionTopContracts: the region's ten are the ten with most secured
// of all its councils, each marked with its council.
func TestRegionTopContracts(t *testing.T) {
	mk := func(slug string, base int64) *CouncilSummary {
		cs := &CouncilSummary{Authority: slug, Name: slug}
		for i := range SummaryTopContracts {
			cs.TopContracts = append(cs.TopContracts, LedgerRow{Key: slug + string(rune('a'+i)), ApprovedPence: base - int64(i)*10, Pledges: "/api/v1/ledger/pledges?contract=x"})
		}
		return cs
	}
	rs := RegionSummaryOf(&Region{Slug: "r"}, []*CouncilSummary{mk("a", 1000), mk("b", 995)}, time.Now())
	want := []string{"aa", "ba", "ab", "bb", "ac", "bc", "ad", "bd", "ae", "be"}
	for i, c := range rs.TopContracts {
		if c.Key != want[i] || c.Council != c.Key[:1] || c.Pledges != "" {
			t.Fatalf("top %d = %+v, want %s", i, c, want[i])
		}
	}
	if len(rs.TopContracts) != SummaryTopContracts {
		t.Fatalf("%d contracts", len(rs.TopContracts))
	}
}
