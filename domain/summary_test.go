package domain

import "testing"

func TestSummaryOfLedger(t *testing.T) {
	p := Percent(3800)
	l := &Ledger{Totals: LedgerRow{ApprovedPence: 900, DeliveredPence: 500, VerifiedPence: 200, ContractValuePence: 2_000, SecuredPercent: &p}}
	for i := range 12 {
		l.ByContract = append(l.ByContract, LedgerRow{Key: string(rune('a' + i)), ApprovedPence: int64(i * 10)})
	}
	l.ByContract = append(l.ByContract, LedgerRow{Key: "", ApprovedPence: 1_000}) // no contract: not a contract
	l.ByYear = []LedgerRow{{Key: "", Label: "No date"}, {Key: "2024", Label: "2024/25"}, {Key: "2025", Label: "2025/26"}}
	overdue := []OverdueItem{{Pledge: &Pledge{ApprovedPence: 150}}, {Pledge: &Pledge{ApprovedPence: 250}}}
	s := summaryOf(&Authority{Slug: "stockport", Name: "Stockport Council"}, l, overdue)
	if s.Since != "2024" || s.SinceLabel != "2024/25" || len(s.ByYear) != 2 || s.SecuredPence != 900 || *s.SecuredPercent != 3800 || s.LocalSpend != nil {
		t.Fatalf("summary = %+v", s)
	}
	if len(s.TopContracts) != SummaryTopContracts || s.TopContracts[0].Key != "l" || s.TopContracts[9].Key != "c" {
		t.Fatalf("top contracts = %+v", s.TopContracts)
	}
	if s.Overdue != (OverdueFigure{Count: 2, ValuePence: 400}) {
		t.Fatalf("overdue = %+v", s.Overdue)
	}
}
