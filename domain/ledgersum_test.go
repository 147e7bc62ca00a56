package domain

import (
	"testing"
	"time"
)

// TestLedgerSumsOf checks the ledger's definition on a small ledger worked
// out by hand: statuses that count, part approvals rounded down, a
// quantity x approved pence past int64, months in UTC, and filters.
func TestLedgerSumsOf(t *testing.T) {
	utc := func(s string) time.Time {
		at, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return at
	}
	const auth, other = "A", "B"
	p1 := &Pledge{ID: "p1", AuthorityID: auth, ContractID: "C", OrganisationID: "S1", RequestOrgID: "G1", Area: "W1", MeasureCode: "VOL", Theme: "social",
		Quantity: 10, ValuePence: 17_000, ApprovedPence: 17_000, Status: PledgeInDelivery, CreatedAt: utc("2026-11-30T23:59:59.999Z")}
	// Made at half past midnight on 1 December in London (BST is over, so
	// take +01:00 to make the point): 30 November in UTC.
	p2 := &Pledge{ID: "p2", AuthorityID: auth, OrganisationID: "S2", RequestOrgID: "G2", Area: "W2", Quantity: 3, ValuePence: 1_000, ApprovedPence: 500,
		AllowPartial: true, Status: PledgeApproved, CreatedAt: utc("2026-12-01T00:30:00+01:00")}
	p3 := &Pledge{ID: "p3", AuthorityID: auth, ContractID: "C", OrganisationID: "S1", RequestOrgID: "G1", Area: "W1", MeasureCode: "VOL", Theme: "social",
		Quantity: 5, ValuePence: 8_500, Status: PledgeDeclined, CreatedAt: utc("2026-11-02T10:00:00Z")}
	p4 := &Pledge{ID: "p4", AuthorityID: auth, OrganisationID: "S2", RequestOrgID: "G1", Area: "W1", MeasureCode: "DON", Theme: "economic",
		Quantity: 900_000_000, ValuePence: 90_000_000_000, ApprovedPence: 30_000_000_007, AllowPartial: true, Status: PledgeLapsed, CreatedAt: utc("2026-10-15T10:00:00Z")}
	p5 := &Pledge{ID: "p5", AuthorityID: other, OrganisationID: "S1", Area: "W1", Quantity: 1, ValuePence: 99, ApprovedPence: 99, Status: PledgeApproved, CreatedAt: p1.CreatedAt}
	d := func(id string, p *Pledge, qty, pence int64, status string, confirmed bool, date string) *Delivery {
		return &Delivery{ID: id, AuthorityID: p.AuthorityID, PledgeID: p.ID, ContractID: p.ContractID, OrganisationID: p.OrganisationID, RequestOrgID: p.RequestOrgID,
			Area: p.Area, MeasureCode: p.MeasureCode, Theme: p.Theme, Quantity: qty, ValuePence: pence, Status: status, Confirmed: confirmed, Date: utc(date)}
	}
	ps := []*Pledge{p1, p2, p3, p4, p5}
	ds := []*Delivery{
		d("d1", p1, 3, 5_100, DeliveryVerified, true, "2026-12-14T00:00:00Z"),
		d("d2", p1, 2, 3_400, DeliveryRejected, true, "2026-12-15T00:00:00Z"),
		d("d3", p1, 4, 6_800, DeliveryConfirmed, true, "2027-01-01T00:00:00Z"),
		d("d4", p1, 1, 1_700, DeliveryVerified, false, "2026-12-31T23:59:59.999Z"),
		d("d5", p5, 1, 99, DeliveryVerified, true, "2026-12-14T00:00:00Z"),
	}
	fig := func(pq, pp, aq, ap, dq, dp, cq, cp, vq, vp int64) LedgerSum {
		return LedgerSum{PledgedQty: pq, PledgedPence: pp, ApprovedQty: aq, ApprovedPence: ap, DeliveredQty: dq, DeliveredPence: dp,
			ConfirmedQty: cq, ConfirmedPence: cp, VerifiedQty: vq, VerifiedPence: vp}
	}
	cases := []struct {
		name              string
		f                 LedgerFilter
		dim, key, measure string
		want              LedgerSum
	}{
		{"social: declined and rejected count nowhere", LedgerFilter{}, DimTheme, "social", "VOL", fig(10, 17_000, 10, 17_000, 8, 13_600, 7, 11_900, 4, 6_800)},
		{"no measure: part approved, units rounded down", LedgerFilter{}, DimTheme, "", "", fig(3, 1_000, 1, 500, 0, 0, 0, 0, 0, 0)},
		{"past int64: lapsed keeps its approval", LedgerFilter{}, DimTheme, "economic", "DON", fig(900_000_000, 90_000_000_000, 300_000_000, 30_000_000_007, 0, 0, 0, 0, 0, 0)},
		{"November in UTC: pledges made then", LedgerFilter{}, DimMonth, "2026-11", "", fig(3, 1_000, 1, 500, 0, 0, 0, 0, 0, 0)},
		{"November VOL: the last millisecond", LedgerFilter{}, DimMonth, "2026-11", "VOL", fig(10, 17_000, 10, 17_000, 0, 0, 0, 0, 0, 0)},
		{"December: deliveries done then", LedgerFilter{}, DimMonth, "2026-12", "VOL", fig(0, 0, 0, 0, 4, 6_800, 3, 5_100, 4, 6_800)},
		{"January: from its first moment", LedgerFilter{}, DimMonth, "2027-01", "VOL", fig(0, 0, 0, 0, 4, 6_800, 4, 6_800, 0, 0)},
		{"contract none", LedgerFilter{ContractID: LedgerNone}, DimSupplier, "S2", "", fig(3, 1_000, 1, 500, 0, 0, 0, 0, 0, 0)},
		{"theme none", LedgerFilter{Theme: LedgerNone}, DimWard, "W2", "", fig(3, 1_000, 1, 500, 0, 0, 0, 0, 0, 0)},
		{"measure none leaves out VOL", LedgerFilter{MeasureCode: LedgerNone}, DimWard, "W1", "VOL", LedgerSum{}},
		{"group G1 in December", LedgerFilter{RequestOrgID: "G1", Month: "2026-12"}, DimContract, "C", "VOL", fig(0, 0, 0, 0, 4, 6_800, 3, 5_100, 4, 6_800)},
		{"month filter: the pledges made then", LedgerFilter{Month: "2026-11", Area: "W1"}, DimContract, "C", "VOL", fig(10, 17_000, 10, 17_000, 0, 0, 0, 0, 0, 0)},
		{"supplier S1 only in its council", LedgerFilter{SupplierID: "S1"}, DimSupplier, "S1", "", LedgerSum{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := c.f
			f.AuthorityID = auth
			sums := LedgerSumsOf(ps, ds, f)
			var got LedgerSum
			for _, s := range sums {
				if s.Dim == c.dim && s.Key == c.key && s.Measure == c.measure {
					got = s
				}
				if s.zero() {
					t.Errorf("a cell with no figures: %+v", s)
				}
			}
			got.Dim, got.Key, got.Measure = "", "", ""
			if got != c.want {
				t.Errorf("%s %q %q:\n got %+v\nwant %+v", c.dim, c.key, c.measure, got, c.want)
			}
		})
	}
	// A store may answer a cell in parts and with empty cells: merged, they
	// are the definition's form.
	parts := []LedgerSum{{Dim: DimWard, Key: "W2", PledgedQty: 3, PledgedPence: 1_000}, {Dim: DimTheme, Key: "x"}, {Dim: DimContract, Key: "", ApprovedQty: 1, ApprovedPence: 500},
		{Dim: DimWard, Key: "W2", ApprovedQty: 1, ApprovedPence: 500}, {Dim: DimContract, Key: "", PledgedQty: 3, PledgedPence: 1_000}}
	want := []LedgerSum{{Dim: DimContract, Key: "", PledgedQty: 3, PledgedPence: 1_000, ApprovedQty: 1, ApprovedPence: 500},
		{Dim: DimWard, Key: "W2", PledgedQty: 3, PledgedPence: 1_000, ApprovedQty: 1, ApprovedPence: 500}}
	if got := MergeLedgerSums(parts); len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("MergeLedgerSums = %+v", got)
	}
}
