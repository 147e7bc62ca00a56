package domain

import (
	"encoding/json"
	"testing"
)

func TestShareOfRoundsHalfUp(t *testing.T) {
	for _, c := range []struct {
		part, whole int64
		want        string
	}{
		{1, 3, "33.33"}, {2, 3, "66.67"}, {1, 8, "12.50"}, {1, 80_000, "0.00"}, {1, 20_000, "0.01"}, // half a basis point rounds up
		{1_234_567, 60_000_000, "2.06"}, {3, 3, "100.00"}, {5, 2, "250.00"}, {-1, 8, "-12.50"}, {0, 7, "0.00"},
		{1_000_000_000_000, 1_000_000_000_001, "100.00"},
	} {
		p := ShareOf(c.part, c.whole)
		b, _ := json.Marshal(struct{ P *Percent }{p})
		if p == nil || p.Decimal() != c.want || string(b) != `{"P":`+c.want+`}` {
			t.Errorf("ShareOf(%d, %d) = %v %s, want %s", c.part, c.whole, p, b, c.want)
		}
	}
	if p := ShareOf(5, 0); p != nil {
		t.Errorf("ShareOf(5, 0) = %v, want nil (null)", *p)
	}
	b, _ := json.Marshal(LedgerRow{})
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	if v, ok := m["securedPercent"]; !ok || v != nil {
		t.Errorf("an empty row's securedPercent = %v, want null", v)
	}
}

func TestFinancialYears(t *testing.T) {
	for m, fy := range map[string]string{"2026-03": "2025", "2026-04": "2026", "2027-01": "2026", "2026-12": "2026", "bad": "", "2026-13": ""} {
		if got := FYOfMonth(m); got != fy {
			t.Errorf("FYOfMonth(%s) = %q, want %q", m, got, fy)
		}
	}
	if FYLabel("2025") != "2025/26" || FYLabel("2099") != "2099/00" {
		t.Errorf("labels %s %s", FYLabel("2025"), FYLabel("2099"))
	}
	for _, c := range []struct{ fy, q, from, to string }{
		{"2025", "", "2025-04", "2026-03"}, {"2025", "1", "2025-04", "2025-06"}, {"2025", "2", "2025-07", "2025-09"},
		{"2025", "3", "2025-10", "2025-12"}, {"2025", "4", "2026-01", "2026-03"}, {"", "", "", ""},
	} {
		from, to := LedgerFilter{FY: c.fy, Quarter: c.q}.MonthRange()
		if from != c.from || to != c.to {
			t.Errorf("fy %s q %s: %s..%s, want %s..%s", c.fy, c.q, from, to, c.from, c.to)
		}
	}
	for _, c := range []struct{ fy, q, field string }{
		{"25", "", "fy"}, {"1999", "", "fy"}, {"2o25", "", "fy"}, {"2025", "0", "quarter"}, {"2025", "5", "quarter"}, {"2025", "12", "quarter"},
		{"", "1", "quarter"}, {"2025", "4", ""}, {"2025", "", ""},
	} {
		err := LedgerFilter{FY: c.fy, Quarter: c.q}.Check()
		got := ""
		if e, ok := err.(*Error); ok {
			got = e.Field
		}
		if got != c.field {
			t.Errorf("Check(fy %q, quarter %q) = %v, want field %q", c.fy, c.q, err, c.field)
		}
	}
}
