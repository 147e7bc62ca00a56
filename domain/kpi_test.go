package domain

import (
	"testing"
	"time"
)

// Financial years run April to March; quarters Q1 April-June to Q4
// January-March; a return is due from the day after its quarter and late
// 30 days after.
func TestQuartersAndReturnsDue(t *testing.T) {
	day := func(s string) time.Time { t, _ := time.Parse(time.DateOnly, s); return t }
	for _, tc := range []struct {
		at      string
		fy, q   int
		start   string
		dueDate string
	}{
		{"2026-04-01", 2026, 1, "2026-04-01", "2026-07-30"},
		{"2026-06-30", 2026, 1, "2026-04-01", "2026-07-30"},
		{"2026-12-31", 2026, 3, "2026-10-01", "2027-01-30"},
		{"2027-01-01", 2026, 4, "2027-01-01", "2027-04-30"},
		{"2027-03-31", 2026, 4, "2027-01-01", "2027-04-30"},
	} {
		q := QuarterOf(day(tc.at))
		if q.FY != tc.fy || q.Quarter != tc.q || q.Start().Format(time.DateOnly) != tc.start || q.DueDate().Format(time.DateOnly) != tc.dueDate {
			t.Errorf("%s: %+v from %s due %s", tc.at, q, q.Start().Format(time.DateOnly), q.DueDate().Format(time.DateOnly))
		}
	}
	if FinancialYearOf(day("2027-03-31")) != 2026 || FinancialYearOf(day("2027-04-01")) != 2027 {
		t.Fatal("financial year")
	}
	c := &Contract{ID: "c", Stage: StageLive, AwardedTo: "o", Reporting: &Reporting{Every: ReportingQuarterly, FromFY: 2026, FromQuarter: 3}}
	sent := []*PeriodicReturn{{FY: 2026, Quarter: 3}}
	for _, tc := range []struct {
		at      string
		due     []int
		overdue []bool
	}{
		{"2026-12-31", nil, nil},                                  // Q3 not ended
		{"2027-01-01", nil, nil},                                  // Q3 ended, sent
		{"2027-04-01", []int{4}, []bool{false}},                   // Q4 ended
		{"2027-04-30", []int{4}, []bool{false}},                   // last day of grace
		{"2027-05-01", []int{4}, []bool{true}},                    // late
		{"2027-07-01", []int{4, 1}, []bool{true, false}},          // and Q1 of 2027 ended
		{"2027-08-01", []int{4, 1}, []bool{true, true}},           // both late
		{"2027-08-01T23:00:00Z", []int{4, 1}, []bool{true, true}}, // later that day
	} {
		now := day(tc.at)
		if now.IsZero() {
			now, _ = time.Parse(time.RFC3339, tc.at)
		}
		ds := c.dueReturns(sent, now)
		if len(ds) != len(tc.due) {
			t.Fatalf("%s: due %+v", tc.at, ds)
		}
		for i, d := range ds {
			if d.Quarter != tc.due[i] || d.Overdue != tc.overdue[i] {
				t.Errorf("%s: due %+v", tc.at, ds)
			}
		}
	}
}

// Award refuses a contract with fewer KPIs than its tier needs, naming the
// rule; KPIs change only before award; ratings only after, a second one a
// correction.
func TestKPIRules(t *testing.T) {
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	tier := DefaultTiers.contractTier(&Contract{ValuePence: 6_000_000_00})
	c := &Contract{Stage: StageTender, ValuePence: 6_000_000_00, Version: 1}
	in := []KPIInput{{Name: "Local jobs", Target: "30", Unit: "people", HowMeasured: "Payroll"}, {Name: "Apprentices", Target: "5", Unit: "people", HowMeasured: "Contracts"}}
	if err := c.SetKPIs(in, "u", "Pat", now); err != nil || len(c.KPIs) != 2 || c.Version != 2 {
		t.Fatalf("SetKPIs: %v %+v", err, c)
	}
	err := c.Award(&Bid{ID: "b", OrganisationID: "o"}, tier, now)
	if e, ok := err.(*Error); !ok || e.Code != ECONFLICT || e.Field != "kpis" ||
		e.Message != "This contract's tier (enhanced, from £5,000,000) needs at least 3 KPIs before award; it has 2." || c.Stage != StageTender {
		t.Fatalf("award with two KPIs: %v", err)
	}
	in = append([]KPIInput{{ID: c.KPIs[0].ID, Name: "Local jobs", Target: "40", Unit: "people", HowMeasured: "Payroll"}}, in[1], KPIInput{Name: "Local spend", Target: "20", Unit: "%", HowMeasured: "Invoices"})
	if err := c.SetKPIs(in, "u2", "Sam", now.Add(time.Hour)); err != nil || len(c.KPIs) != 3 || c.KPIs[0].Target != "40" || c.KPIs[0].AddedByName != "Pat" || !c.KPIs[0].AddedAt.Equal(now) {
		t.Fatalf("SetKPIs again: %v %+v", err, c.KPIs)
	}
	if _, err := c.Rate(c.KPIs[0].ID, 2026, RatingGood, "Fine.", "u", "Pat", now); ErrorCode(err) != ECONFLICT {
		t.Fatalf("rating before award: %v", err)
	}
	if err := c.Award(&Bid{ID: "b", OrganisationID: "o"}, tier, now); err != nil || c.Stage != StageAwarded {
		t.Fatalf("award with three: %v", err)
	}
	wantCode(t, c.SetKPIs(in[:1], "u", "Pat", now), ECONFLICT)
	r1, err := c.Rate(c.KPIs[0].ID, 2026, RatingInadequate, "Four of thirty.", "u", "Pat", now)
	if err != nil || r1.Corrects != "" {
		t.Fatalf("rate: %v %+v", err, r1)
	}
	_, err = c.Rate(c.KPIs[0].ID, 2027, RatingGood, "Next year.", "u", "Pat", now)
	wantCode(t, err, EINVALID)
	r2, err := c.Rate(c.KPIs[0].ID, 2026, RatingRequiresImprovement, "Twelve, after the late payroll return.", "u", "Pat", now.Add(time.Hour))
	if err != nil || r2.Corrects != r1.ID || c.CurrentRating(c.KPIs[0].ID, 2026).ID != r2.ID || len(c.KPIRatings) != 2 || c.KPIRatings[0].Rating != RatingInadequate {
		t.Fatalf("correction: %v %+v %+v", err, r2, c.KPIRatings)
	}
	if !BelowApproaching(RatingRequiresImprovement) || !BelowApproaching(RatingInadequate) || BelowApproaching(RatingApproachingTarget) || BelowApproaching(RatingGood) {
		t.Fatal("BelowApproaching")
	}
}
