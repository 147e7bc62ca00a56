package storetest

import (
	"context"
	"reflect"
	"testing"
	"time"

	"needmatch/domain"
)

// testContractKPIs: a contract's KPIs, ratings (with a correction) and
// reporting read back as written; a contract without them reads as none,
// and tiers keep kpisRequired, 0 included.
func testContractKPIs(t *testing.T, s domain.Store) {
	ctx := context.Background()
	a := MustAuthority(t, s, "stockport")
	at := t0.Add(3 * time.Hour)
	c := &domain.Contract{ID: domain.NewID(), AuthorityID: a.ID, Authority: a.Slug, Reference: "K-1", Title: "Regeneration", ValuePence: 6_000_000_00,
		Stage: domain.StageLive, AwardedTo: "org1", AwardedToName: "Build Ltd", Version: 1, CreatedAt: t0, UpdatedAt: t0,
		KPIs: []domain.KPI{{ID: "k1", Name: "Local jobs", Target: "30", Unit: "people", HowMeasured: "Payroll\nby postcode", AddedBy: "u1", AddedByName: "Pat", AddedAt: at},
			{ID: "k2", Name: "Apprentice weeks", Target: "520", Unit: "weeks", HowMeasured: "Timesheets", AddedBy: "u1", AddedByName: "Pat", AddedAt: at}},
		KPIRatings: []domain.KPIRating{{ID: "r1", KPIID: "k1", FY: 2026, Rating: domain.RatingInadequate, Note: "Four of thirty.", RatedBy: "u1", RatedByName: "Pat", RatedAt: at},
			{ID: "r2", KPIID: "k1", FY: 2026, Rating: domain.RatingRequiresImprovement, Note: "Payroll was late: twelve.", Corrects: "r1", RatedBy: "u2", RatedByName: "Sam", RatedAt: at.Add(time.Hour)}},
		Reporting: &domain.Reporting{Every: domain.ReportingQuarterly, FromFY: 2026, FromQuarter: 3, SetBy: "u1", SetByName: "Pat", SetAt: at}}
	if err := s.CreateContract(ctx, c, ev(a, "contract.create", c.ID, t0)); err != nil {
		t.Fatal(err)
	}
	got, err := s.ContractByID(ctx, c.ID)
	if err != nil || !reflect.DeepEqual(got.KPIs, c.KPIs) || !reflect.DeepEqual(got.KPIRatings, c.KPIRatings) || !reflect.DeepEqual(got.Reporting, c.Reporting) {
		t.Fatalf("contract = %+v %+v %+v, %v", got.KPIs, got.KPIRatings, got.Reporting, err)
	}
	c.Reporting, c.KPIs, c.KPIRatings, c.Version = nil, nil, nil, 2
	if err := s.UpdateContract(ctx, c, 1, ev(a, "contract.reporting", c.ID, at)); err != nil {
		t.Fatal(err)
	}
	if got, err := s.ContractByID(ctx, c.ID); err != nil || got.Reporting != nil || len(got.KPIs) != 0 || len(got.KPIRatings) != 0 {
		t.Fatalf("after clearing = %+v, %v", got, err)
	}
	tiers := domain.TierSet{Version: 1, SetBy: "u1", SetAt: at, Tiers: []domain.Tier{
		{Name: domain.TierNone, Label: "None", Steps: []domain.Step{}, KPIsRequired: 1},
		{Name: domain.TierLight, Label: "Light", FromPence: 100, Steps: []domain.Step{}},
		{Name: domain.TierStandard, Label: "Standard", FromPence: 200, Steps: []domain.Step{}, KPIsRequired: 2},
		{Name: domain.TierEnhanced, Label: "Enhanced", FromPence: 300, Steps: []domain.Step{}, KPIsRequired: 0}}}
	auth, err := s.AuthorityByID(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	prev := auth.Version
	auth.Tiers, auth.Version = []domain.TierSet{tiers}, auth.Version+1
	if err := s.UpdateAuthority(ctx, auth, prev, ev(a, "authority.tiers", a.ID, at)); err != nil {
		t.Fatal(err)
	}
	auth, err = s.AuthorityByID(ctx, a.ID)
	if err != nil || len(auth.Tiers) != 1 {
		t.Fatalf("tiers = %+v, %v", auth, err)
	}
	for i, want := range []int{1, 0, 2, 0} {
		if got := auth.Tiers[0].Tiers[i].KPIsRequired; got != want {
			t.Errorf("tier %d kpisRequired = %d, want %d", i, got, want)
		}
	}
}

// testRemedies: a remedy plan reads back as written, is found by contract
// and by supplier, changes at its version only.
func testRemedies(t *testing.T, s domain.Store) {
	ctx := context.Background()
	a := MustAuthority(t, s, "stockport")
	b := MustAuthority(t, s, "trafford")
	at := t0.Add(time.Hour)
	plan := func(auth *domain.Authority, contract, org string) *domain.Remedy {
		r := &domain.Remedy{ID: domain.NewID(), AuthorityID: auth.ID, ContractID: contract, ContractReference: "R-1", ContractTitle: "Roads", OrganisationID: org,
			OrganisationName: "Build Ltd", Cause: domain.RemedyCause{Kind: domain.CauseKPIRating, KPIID: "k1", KPIName: "Local jobs", FY: 2026, Rating: domain.RatingInadequate},
			Action: "Hire ten local people\nby March.", DueDate: t0.AddDate(0, 3, 0), CheckerID: "u2", CheckerName: "Sam", Status: domain.RemedyOpen,
			History: []domain.RemedyChange{{Status: domain.RemedyOpen, By: "u1", ByName: "Pat", At: at}}, Version: 1, CreatedAt: at, UpdatedAt: at}
		if err := s.CreateRemedy(ctx, r, ev(auth, "remedy.open", r.ID, at)); err != nil {
			t.Fatal(err)
		}
		return r
	}
	r1, _, _ := plan(a, "c1", "o1"), plan(a, "c2", "o1"), plan(a, "c1", "o2")
	plan(b, "c1", "o1")
	got, err := s.RemedyByID(ctx, r1.ID)
	if err != nil || !reflect.DeepEqual(got, r1) {
		t.Fatalf("RemedyByID = %+v, %v; want %+v", got, err, r1)
	}
	if _, err := s.RemedyByID(ctx, domain.NewID()); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Fatalf("missing plan: %v", err)
	}
	count := func(f domain.RemedyFilter) int {
		f.AuthorityID = a.ID
		rs, _, err := s.FindRemedies(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		return len(rs)
	}
	if n, m, k := count(domain.RemedyFilter{}), count(domain.RemedyFilter{ContractID: "c1"}), count(domain.RemedyFilter{OrganisationID: "o1"}); n != 3 || m != 2 || k != 2 {
		t.Fatalf("found %d, by contract %d, by supplier %d; want 3, 2, 2", n, m, k)
	}
	if err := r1.Move(domain.RemedyMet, "Twelve hired.", "u2", "Sam", at.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.UpdateRemedy(ctx, r1, 1, ev(a, "remedy.met", r1.ID, at)); err != nil {
		t.Fatal(err)
	}
	if err := s.UpdateRemedy(ctx, r1, 1, ev(a, "remedy.met", r1.ID, at)); domain.ErrorCode(err) != domain.ECONFLICT {
		t.Fatalf("stale version: %v", err)
	}
	got, err = s.RemedyByID(ctx, r1.ID)
	if err != nil || got.Status != domain.RemedyMet || got.Version != 2 || len(got.History) != 2 || got.History[1].Note != "Twelve hired." || got.History[1].ByName != "Sam" {
		t.Fatalf("after met = %+v, %v", got, err)
	}
}

// testReturns: a return reads back as written; a second return for the
// same contract and quarter is ECONFLICT and writes nothing.
func testReturns(t *testing.T, s domain.Store) {
	ctx := context.Background()
	a := MustAuthority(t, s, "stockport")
	at := t0.Add(time.Hour)
	ret := func(contract, org string, fy, q int) *domain.PeriodicReturn {
		return &domain.PeriodicReturn{ID: domain.NewID(), AuthorityID: a.ID, ContractID: contract, ContractReference: "R-1", OrganisationID: org, OrganisationName: "Build Ltd",
			FY: fy, Quarter: q, Lines: []domain.ReturnLine{{PledgeID: "p1", RequestTitle: "Laptops", DeliveryIDs: []string{"d1", "d2"}, DeliveredPence: 12_345, Note: "Two sites."},
				{PledgeID: "p2", RequestTitle: "Coats", DeliveryIDs: []string{}, Note: "Nothing yet: stock arrives in May."}},
			SubmittedBy: "u3", SubmittedByName: "Lee", SubmittedAt: at, Version: 1}
	}
	r := ret("c1", "o1", 2026, 2)
	for _, x := range []*domain.PeriodicReturn{r, ret("c1", "o1", 2026, 3), ret("c2", "o2", 2026, 2)} {
		if err := s.CreateReturn(ctx, x, ev(a, "return.submit", x.ContractID, at)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.CreateReturn(ctx, ret("c1", "o1", 2026, 2), ev(a, "return.submit", "c1", at)); domain.ErrorCode(err) != domain.ECONFLICT {
		t.Fatalf("second return for the quarter: %v", err)
	}
	rs, _, err := s.FindReturns(ctx, domain.ReturnFilter{AuthorityID: a.ID, ContractID: "c1"})
	if err != nil || len(rs) != 2 {
		t.Fatalf("returns of c1 = %d, %v", len(rs), err)
	}
	var got *domain.PeriodicReturn
	for _, x := range rs {
		if x.ID == r.ID {
			got = x
		}
	}
	if !reflect.DeepEqual(got, r) {
		t.Fatalf("return = %+v; want %+v", got, r)
	}
	if rs, _, err := s.FindReturns(ctx, domain.ReturnFilter{AuthorityID: a.ID, OrganisationID: "o2"}); err != nil || len(rs) != 1 || rs[0].ContractID != "c2" {
		t.Fatalf("returns of o2 = %+v, %v", rs, err)
	}
}
