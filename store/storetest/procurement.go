package storetest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"needmatch/domain"
)

// MustTenderContract creates a contract through the service as the
// officer (a stored user) and brings it to tender the way an officer
// does: each step of its tier marked done, then the move.
func MustTenderContract(tb testing.TB, svc *domain.Service, officer *domain.Actor, in domain.ContractInput) *domain.Contract {
	tb.Helper()
	ctx := context.Background()
	in.Stage = ""
	c, err := svc.CreateContract(ctx, officer, in)
	if err != nil {
		tb.Fatalf("CreateContract: %v", err)
	}
	for _, st := range c.Tier.Steps {
		if c, err = svc.SetContractStep(ctx, officer, c.ID, st.Key, true); err != nil {
			tb.Fatalf("SetContractStep %s: %v", st.Key, err)
		}
	}
	if n := c.Tier.KPIsRequired; n > 0 {
		if c, err = svc.SetContractKPIs(ctx, officer, c.ID, SampleKPIs(n), c.Version); err != nil {
			tb.Fatalf("SetContractKPIs: %v", err)
		}
	}
	if c, err = svc.MoveContract(ctx, officer, c.ID, domain.StageTender); err != nil {
		tb.Fatalf("MoveContract: %v", err)
	}
	return c
}

// SampleKPIs returns n KPIs to record on a contract.
func SampleKPIs(n int) []domain.KPIInput {
	out := make([]domain.KPIInput, n)
	for i := range out {
		out[i] = domain.KPIInput{Name: fmt.Sprintf("KPI %d: local people employed", i+1), Target: fmt.Sprint(10 * (i + 1)), Unit: "people",
			HowMeasured: "Quarterly payroll return by home postcode."}
	}
	return out
}

func testContractFields(t *testing.T, s domain.Store) {
	ctx := context.Background()
	a := MustAuthority(t, s, "stockport")
	at := t0.Add(90 * time.Minute)
	c := &domain.Contract{ID: domain.NewID(), AuthorityID: a.ID, Authority: a.Slug, Reference: "P-1", Title: "Parks", Directorate: "Place", DirectorateID: "dir1",
		ValuePence: 60_000_00, Stage: domain.StagePipeline, Version: 1, CreatedAt: t0, UpdatedAt: t0,
		Dates:             domain.ContractDates{PreMarket: "2027-01-10", TenderOpens: "2027-02-01", TenderCloses: "2027-03-01", Award: "2027-04-01", Start: "2027-05-01", End: "2029-04-30"},
		Priorities:        domain.Priorities{Kinds: []string{"volunteering", "jobs"}, Themes: []string{"social"}, Wards: []string{"E05015018"}},
		ContractManagerID: "u1", ContractManagerName: "Pat Officer", Brief: "Line one.\nLine two.",
		Steps: []domain.StepRecord{{Key: "sv_asked", DoneBy: "u1", DoneByName: "Pat Officer", DoneAt: at}}}
	if err := s.CreateContract(ctx, c, ev(a, "contract.create", c.ID, t0)); err != nil {
		t.Fatal(err)
	}
	got, err := s.ContractByID(ctx, c.ID)
	if err != nil || got.Dates != c.Dates || !slices.Equal(got.Priorities.Kinds, c.Priorities.Kinds) || !slices.Equal(got.Priorities.Themes, []string{"social"}) ||
		!slices.Equal(got.Priorities.Wards, []string{"E05015018"}) || got.DirectorateID != "dir1" || got.ContractManagerID != "u1" || got.ContractManagerName != "Pat Officer" ||
		got.Brief != c.Brief || len(got.Steps) != 1 || got.Steps[0].Key != "sv_asked" || !got.Steps[0].DoneAt.Equal(at) || got.Steps[0].DoneByName != "Pat Officer" {
		t.Fatalf("contract = %+v, %v", got, err)
	}
	// An old contract: none of the fields of #11.
	old := &domain.Contract{ID: domain.NewID(), AuthorityID: a.ID, Authority: a.Slug, Reference: "P-0", Title: "Old", ValuePence: 1, Stage: domain.StageLive, Version: 1, CreatedAt: t0, UpdatedAt: t0}
	if err := s.CreateContract(ctx, old, ev(a, "contract.create", old.ID, t0)); err != nil {
		t.Fatal(err)
	}
	got, err = s.ContractByID(ctx, old.ID)
	if err != nil || got.Dates != (domain.ContractDates{}) || len(got.Steps) != 0 || len(got.Priorities.Kinds) != 0 || got.Brief != "" {
		t.Fatalf("old contract = %+v, %v", got, err)
	}
	// Steps undone, stage moved.
	c.Steps, c.Stage, c.Version = nil, domain.StagePreMarket, 2
	if err := s.UpdateContract(ctx, c, 1, ev(a, "contract.step", c.ID, t0)); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.ContractByID(ctx, c.ID); len(got.Steps) != 0 || got.Stage != domain.StagePreMarket {
		t.Fatalf("after update = %+v", got)
	}
	tender := &domain.Contract{ID: domain.NewID(), AuthorityID: a.ID, Authority: a.Slug, Reference: "P-2", Title: "Tender", ValuePence: 1, Stage: domain.StageTender, DirectorateID: "dir2", Version: 1, CreatedAt: t0, UpdatedAt: t0}
	if err := s.CreateContract(ctx, tender, ev(a, "contract.create", tender.ID, t0)); err != nil {
		t.Fatal(err)
	}
	ids := func(f domain.ContractFilter) []string {
		f.AuthorityID = a.ID
		cs, _, err := s.FindContracts(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, c := range cs {
			out = append(out, c.Reference)
		}
		slices.Sort(out)
		return out
	}
	for _, tc := range []struct {
		f    domain.ContractFilter
		want []string
	}{
		{domain.ContractFilter{DirectorateID: "dir1"}, []string{"P-1"}},
		{domain.ContractFilter{Stages: []string{domain.StagePreMarket, domain.StageTender}, OrIDs: []string{}}, []string{"P-1", "P-2"}},
		{domain.ContractFilter{Stages: []string{domain.StageTender}, OrIDs: []string{old.ID}}, []string{"P-0", "P-2"}},
		{domain.ContractFilter{Stages: []string{domain.StageTender}, OrIDs: []string{old.ID}, DirectorateID: "dir2"}, []string{"P-2"}},
	} {
		if got := ids(tc.f); !slices.Equal(got, tc.want) {
			t.Errorf("FindContracts(%+v) = %v, want %v", tc.f, got, tc.want)
		}
	}
}

func testAuthorityTiers(t *testing.T, s domain.Store) {
	ctx := context.Background()
	a := MustAuthority(t, s, "stockport")
	a, _ = s.AuthorityByID(ctx, a.ID)
	if a.Tiers != nil || a.Directorates != nil {
		t.Fatalf("new authority = %+v", a)
	}
	ts := domain.DefaultTiers
	ts.Version, ts.SetBy, ts.SetAt = 1, "admin1", t0
	ts.Tiers = slices.Clone(ts.Tiers)
	ts.Tiers[1].FromPence = 30_000_00
	prev := a.Version
	a.Tiers = []domain.TierSet{ts}
	a.Directorates = []domain.Directorate{{ID: "d1", Name: "Place", Active: true}, {ID: "d2", Name: "Old", Active: false}}
	a.Version++
	if err := s.UpdateAuthority(ctx, a, prev, ev(a, "authority.tiers", a.ID, t0)); err != nil {
		t.Fatal(err)
	}
	got, err := s.AuthorityByID(ctx, a.ID)
	if err != nil || len(got.Tiers) != 1 || got.Tiers[0].Version != 1 || got.Tiers[0].SetBy != "admin1" || !got.Tiers[0].SetAt.Equal(t0) ||
		len(got.Tiers[0].Tiers) != 4 || got.Tiers[0].Tiers[1].FromPence != 30_000_00 || len(got.Tiers[0].Tiers[0].Steps) != 0 || got.Tiers[0].Tiers[0].Steps == nil ||
		!slices.Equal(got.Tiers[0].Tiers[3].Steps, domain.DefaultTiers.Tiers[3].Steps) || !slices.Equal(got.Directorates, a.Directorates) {
		t.Fatalf("authority = %+v, %v", got, err)
	}
	wantCode(t, s.UpdateAuthority(ctx, a, prev, ev(a, "authority.tiers", a.ID, t0)), domain.ECONFLICT)
}

func testQuestions(t *testing.T, s domain.Store) {
	ctx := context.Background()
	a := MustAuthority(t, s, "stockport")
	other := MustAuthority(t, s, "trafford")
	mk := func(auth *domain.Authority, contract, org string) *domain.Question {
		q := &domain.Question{ID: domain.NewID(), AuthorityID: auth.ID, ContractID: contract, Text: "When does the tender close?", Status: domain.QuestionWaiting,
			AskedBy: "u-" + org, OrganisationID: org, OrganisationName: "Org " + org, AskedAt: t0, Answers: []domain.Answer{}, Version: 1}
		if err := s.CreateQuestion(ctx, q, ev(auth, "question.ask", q.ID, t0)); err != nil {
			t.Fatal(err)
		}
		return q
	}
	q1 := mk(a, "c1", "o1")
	mk(a, "c1", "o2")
	mk(a, "c2", "o1")
	mk(other, "c1", "o9")
	got, err := s.QuestionByID(ctx, q1.ID)
	if err != nil || got.Text != q1.Text || got.OrganisationName != "Org o1" || got.AskedBy != "u-o1" || !got.AskedAt.Equal(t0) || got.Status != domain.QuestionWaiting ||
		got.PublishedAt != nil || len(got.Answers) != 0 || got.Answers == nil {
		t.Fatalf("question = %+v, %v", got, err)
	}
	_, err = s.QuestionByID(ctx, domain.NewID())
	wantCode(t, err, domain.ENOTFOUND)
	if err := q1.Answer("On 1 March.", "off1", "Pat Officer", t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := q1.Answer("Correction: on 8 March.", "off1", "Pat Officer", t0.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.UpdateQuestion(ctx, q1, 2, ev(a, "question.answer", q1.ID, t0)), domain.ECONFLICT)
	if err := s.UpdateQuestion(ctx, q1, 1, ev(a, "question.answer", q1.ID, t0)); err != nil {
		t.Fatal(err)
	}
	got, _ = s.QuestionByID(ctx, q1.ID)
	if got.Status != domain.QuestionPublished || got.PublishedAt == nil || !got.PublishedAt.Equal(t0.Add(time.Hour)) || len(got.Answers) != 2 ||
		got.Answers[1].Text != "Correction: on 8 March." || got.Answers[0].AnsweredByName != "Pat Officer" || got.Answers[0].AnsweredBy != "off1" ||
		!got.Answers[1].AnsweredAt.Equal(t0.Add(2*time.Hour)) || got.Version != 3 {
		t.Fatalf("answered = %+v", got)
	}
	count := func(f domain.QuestionFilter) int {
		qs, _, err := s.FindQuestions(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range qs {
			if q.AuthorityID != f.AuthorityID {
				t.Fatalf("question of another council: %+v", q)
			}
		}
		return len(qs)
	}
	for _, tc := range []struct {
		f    domain.QuestionFilter
		want int
	}{
		{domain.QuestionFilter{AuthorityID: a.ID}, 3},
		{domain.QuestionFilter{AuthorityID: a.ID, ContractID: "c1"}, 2},
		{domain.QuestionFilter{AuthorityID: a.ID, Status: domain.QuestionWaiting}, 2},
		{domain.QuestionFilter{AuthorityID: a.ID, ContractID: "c1", Status: domain.QuestionPublished}, 1},
		{domain.QuestionFilter{AuthorityID: other.ID}, 1},
	} {
		if got := count(tc.f); got != tc.want {
			t.Errorf("FindQuestions(%+v) = %d, want %d", tc.f, got, tc.want)
		}
	}
	page, next, err := s.FindQuestions(ctx, domain.QuestionFilter{AuthorityID: a.ID, Page: domain.Page{Limit: 2}})
	if err != nil || len(page) != 2 || next == "" {
		t.Fatalf("page = %d %q %v", len(page), next, err)
	}
}

func testSocialValueLead(t *testing.T, s domain.Store) {
	ctx := context.Background()
	a := MustAuthority(t, s, "stockport")
	o, _ := mustRegister(t, s, a, domain.KindSupplier, "lead@example.org")
	got, err := s.OrganisationByID(ctx, o.ID)
	if err != nil || got.SocialValueLead != nil {
		t.Fatalf("new organisation = %+v, %v", got, err)
	}
	lead := domain.Contact{Name: "Sam Lead", Role: "Social value manager", Email: "sam@example.org", Phone: "+44 161 000 0000"}
	got.SocialValueLead, got.Version = &lead, 2
	if err := s.UpdateOrganisation(ctx, got, 1, ev(a, "organisation.update", o.ID, t0)); err != nil {
		t.Fatal(err)
	}
	got, err = s.OrganisationByID(ctx, o.ID)
	if err != nil || got.SocialValueLead == nil || *got.SocialValueLead != lead {
		t.Fatalf("lead = %+v, %v", got.SocialValueLead, err)
	}
	got.SocialValueLead, got.Version = nil, 3
	if err := s.UpdateOrganisation(ctx, got, 2, ev(a, "organisation.update", o.ID, t0)); err != nil {
		t.Fatal(err)
	}
	if got, _ = s.OrganisationByID(ctx, o.ID); got.SocialValueLead != nil {
		t.Fatalf("lead removed = %+v", got.SocialValueLead)
	}
}
