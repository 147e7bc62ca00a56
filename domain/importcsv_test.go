package domain

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestParseContractsCSV(t *testing.T) {
	csv := "\ufeffCONTRACT REFERENCE,Title,Directorate,Supplier Name,Supplier company number,Contract value,Measure,Quantity,Secured,Delivered £,Due date,Delivery date,Contract start date,Ward\n" +
		"C-1,Parks,Place,Acme  Ltd,sc 123456,\"£1,250,000.5\",Hours,10,£100,£40.25,31/03/2027,2026-01-02,2024-04-01,E05015018\n\n" +
		"C-1,Parks,Place,Acme  Ltd,sc 123456,\"£1,250,000.5\",Coats,3,£90,,2027-03-31,,2024-04-01,\n"
	rows, err := ParseContractsCSV(strings.NewReader(csv))
	if err != nil {
		t.Fatal(err)
	}
	r := rows[0]
	if len(rows) != 2 || r.Line != 2 || rows[1].Line != 4 || r.ContractValuePence != 125_000_050 || r.CompanyNumber != "SC123456" || r.SecuredPence != 10_000 ||
		r.DeliveredPence != 4025 || !r.Due.Equal(time.Date(2027, 3, 31, 0, 0, 0, 0, time.UTC)) || r.Start != "2024-04-01" || r.Ward != "E05015018" || rows[1].DeliveredPence != 0 || !rows[1].Delivered.IsZero() {
		t.Fatalf("rows = %+v", rows)
	}
	for _, c := range []struct{ csv, want string }{
		{"title\nx\n", `line 1: the header has no "contract reference" column`},
		{"Contract reference,Title,Directorate,Supplier name,Supplier company number,Contract value,Measure or description,Quantity,Secured £,Delivered £,Commitment due date,Delivery date\n" +
			"C-1,Parks,Place,Acme,,£1,Hours,0,£1,£2,2027-13-01,\n",
			"line 2: quantity \"0\" must be a whole number from 1|line 2: delivered £ (£2) is more than secured £ (£1)|line 2: commitment due date \"2027-13-01\" is not a date like 2024-03-31 or 31/03/2024|line 2: delivery date is missing"},
		{"Contract reference,Title,Directorate,Supplier name,Supplier company number,Contract value,Measure or description,Quantity,Secured £,Delivered £,Commitment due date,Delivery date\n",
			"The file has no commitments"},
	} {
		_, err := ParseContractsCSV(strings.NewReader(c.csv))
		e, ok := err.(*Error)
		if !ok {
			t.Fatalf("err = %v", err)
		}
		var got []string
		for _, f := range e.Fields {
			got = append(got, f.Detail)
		}
		if len(e.Fields) == 0 {
			got = []string{e.Message}
		}
		if !strings.HasPrefix(strings.Join(got, "|"), c.want) || e.Code != EINVALID {
			t.Fatalf("errors = %s\nwant %s", strings.Join(got, "|"), c.want)
		}
	}
}

// TestParseBadMoneyOnce: a bad amount is one problem, not also "must be more than £0".
func TestParseBadMoneyOnce(t *testing.T) {
	csv := "Contract reference,Title,Directorate,Supplier name,Supplier company number,Contract value,Measure or description,Quantity,Secured £,Delivered £,Commitment due date,Delivery date\n" +
		"C-1,Parks,Place,Acme,,£100,Hours,1,\"£1,2x\",,2027-01-01,\n"
	_, err := ParseContractsCSV(strings.NewReader(csv))
	if e, ok := err.(*Error); !ok || len(e.Fields) != 1 || e.Fields[0].Detail != `line 2: secured £ "£1,2x" is not an amount in pounds like 1250.00 or £1,250` {
		t.Fatalf("err = %v", err)
	}
}

func TestParsePaymentsCSV(t *testing.T) {
	rows, err := ParsePaymentsCSV(strings.NewReader("Payment date,Amount,Supplier,Contract reference,Base\n01/04/2025,£10.5,Acme,C-1,sk 4\n"))
	if err != nil || len(rows) != 1 || rows[0].AmountPence != 1050 || rows[0].Base != "SK4" || rows[0].Date.Month() != time.April {
		t.Fatalf("rows = %+v, %v", rows, err)
	}
	if _, err := ParsePaymentsCSV(strings.NewReader("contract reference,supplier,amount,payment date\nC-1,Acme,0,2025-01-01\n")); err == nil || !strings.Contains(fmt.Sprint(err.(*Error).Fields), "line 2: amount must be more than £0") {
		t.Fatalf("err = %v", err)
	}
}

func TestFinancialYearAndShare(t *testing.T) {
	for _, c := range []struct {
		day         string
		fy, quarter int
	}{{"2024-04-01", 2024, 1}, {"2024-06-30", 2024, 1}, {"2024-07-01", 2024, 2}, {"2024-12-31", 2024, 3}, {"2025-01-01", 2024, 4}, {"2025-03-31", 2024, 4}} {
		d, _ := time.Parse(time.DateOnly, c.day)
		if fy, q := FinancialYear(d); fy != c.fy || q != c.quarter {
			t.Fatalf("%s: %d Q%d, want %d Q%d", c.day, fy, q, c.fy, c.quarter)
		}
	}
	if FYLabel("2024") != "2024/25" || FYLabel("2099") != "2099/00" {
		t.Fatal(FYLabel("2024"), FYLabel("2099"))
	}
	for _, c := range []struct {
		part, whole int64
		want        string
	}{{1, 3, "33.33"}, {2, 3, "66.67"}, {1, 8, "12.50"}, {5, 20000, "0.03"}, {1, 20000, "0.01"}, {1, 20001, "0.00"}, {7, 7, "100.00"}, {0, 0, "nil"}, {MaxPence, MaxPence, "100.00"}, {MaxPence / 3, MaxPence, "33.33"}} {
		got := "nil"
		if p := ShareOf(c.part, c.whole); p != nil {
			got = p.Decimal()
		}
		if got != c.want {
			t.Fatalf("%d/%d = %s, want %s", c.part, c.whole, got, c.want)
		}
	}
}

// TestImportedCommitmentIsContractual: a supplier cannot withdraw an
// imported commitment; it asks to be released, like an award's.
func TestImportedCommitmentIsContractual(t *testing.T) {
	now := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	p := &Pledge{Status: PledgeApproved, ApprovedPence: 1000, ValuePence: 1000, Quantity: 1, Source: SourceImport, Version: 1}
	if err := p.Withdraw(now); ErrorCode(err) != ECONFLICT || p.Status != PledgeApproved || p.ApprovedPence != 1000 {
		t.Fatalf("withdraw = %v, %+v", err, p)
	}
	if err := p.AskRelease("s1", "Our depot closed", now); err != nil || p.Release == nil {
		t.Fatalf("ask release = %v", err)
	}
	if err := p.DecideRelease("o1", true, "", now); err != nil || p.Status != PledgeWithdrawn || p.ApprovedPence != 0 {
		t.Fatalf("release = %v, %+v", err, p)
	}
}
