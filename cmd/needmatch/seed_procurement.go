package main

import (
	"context"
	"fmt"
	"time"

	"needmatch/domain"
)

// demoDirectorates are the demo council's directorates.
var demoDirectorates = []string{"Place", "People", "Corporate and Support Services"}

// demoContracts are the demo council's contracts, one in each stage, each
// brought there through the services the way an officer would.
var demoContracts = []struct {
	Ref, Title, Stage, Brief string
	Directorate, ValuePence  int64
	Kinds, Wards             []string
	Months                   int // tender opens this many months from the seed
}{
	{"SMBC/2027/014", "School catering equipment", domain.StagePipeline, "We would like suppliers to help local food projects: equipment, volunteers or surplus stock.", 1, 40_000_00, []string{"goods", "volunteering"}, []string{"E05015018"}, 5},
	{"SMBC/2027/009", "Youth centre refurbishment", domain.StagePreMarket, "Works in Reddish: we want apprenticeships and work placements for young people from the ward.", 0, 120_000_00, []string{"jobs", "works"}, []string{"E05015033"}, 2},
	{"SMBC/2027/004", "Highways resurfacing framework", domain.StageTender, "Sign up to at least three community requests, prioritising wards with the most need.", 0, 250_000_00, []string{"volunteering", "works"}, []string{"E05015018", "E05015032"}, 0},
	{"SMBC/2026/031", "Adult social care transport", domain.StageEvaluation, "Help older residents reach appointments: transport, funding or volunteers.", 1, 80_000_00, []string{"funding", "volunteering"}, []string{"E05015023"}, -1},
	{"SMBC/2026/022", "Town centre regeneration", domain.StageAwarded, "Large contract: local jobs, apprenticeships and a yearly social value review.", 0, 6_000_000_00, []string{"jobs", "volunteering"}, []string{"E05015018"}, -3},
	{"SMBC/2026/011", "Parks grounds maintenance", domain.StageLive, "Volunteering days and equipment for community groups using our parks.", 0, 300_000_00, []string{"volunteering", "goods"}, nil, -6},
	{"SMBC/2025/040", "Office furniture", domain.StageClosed, "", 2, 30_000_00, nil, nil, -12},
}

// seedProcurement gives the demo council directorates and a contract in
// each stage, with priorities, a contract manager, published questions and
// answers, and the second demo supplier's (Pennine's) winning bids. It does nothing when the
// council has contracts already.
func seedProcurement(ctx context.Context, svc *domain.Service, officer, supplier *domain.Actor, requests []string) error {
	have, _, err := svc.ListContracts(ctx, officer, domain.ContractFilter{Page: domain.Page{Limit: 1}})
	if err != nil || len(have) > 0 {
		return err
	}
	dirs, err := svc.ListDirectorates(ctx, officer)
	if err != nil {
		return err
	}
	for _, name := range demoDirectorates[len(dirs):] {
		d, err := svc.CreateDirectorate(ctx, officer, name)
		if err != nil {
			return fmt.Errorf("seed directorate %s: %w", name, err)
		}
		dirs = append(dirs, *d)
	}
	now := svc.Now().UTC()
	day := func(months, days int) string { return now.AddDate(0, months, days).Format(time.DateOnly) }
	for _, d := range demoContracts {
		in := domain.ContractInput{Reference: d.Ref, Title: d.Title, DirectorateID: dirs[d.Directorate].ID, ValuePence: d.ValuePence, Brief: d.Brief,
			ContractManagerID: officer.UserID, Priorities: domain.Priorities{Kinds: d.Kinds, Wards: d.Wards},
			Dates: domain.ContractDates{PreMarket: day(d.Months-1, 0), TenderOpens: day(d.Months, 0), TenderCloses: day(d.Months+1, 0),
				Award: day(d.Months+2, 0), Start: day(d.Months+3, 0), End: day(d.Months+27, 0)}}
		c, err := svc.CreateContract(ctx, officer, in)
		if err != nil {
			return fmt.Errorf("seed contract %s: %w", d.Ref, err)
		}
		if err := seedContractStage(ctx, svc, officer, supplier, c, d.Stage, requests); err != nil {
			return fmt.Errorf("seed contract %s: %w", d.Ref, err)
		}
	}
	return nil
}

// seedContractStage brings c from the pipeline to stage.
func seedContractStage(ctx context.Context, svc *domain.Service, officer, supplier *domain.Actor, c *domain.Contract, stage string, requests []string) error {
	order := domain.Stages
	at := func(s string) int {
		for i, x := range order {
			if x == s {
				return i
			}
		}
		return -1
	}
	target := at(stage)
	if stage == domain.StageClosed {
		_, err := svc.MoveContract(ctx, officer, c.ID, domain.StageClosed)
		return err
	}
	move := func(to string) (err error) {
		c, err = svc.MoveContract(ctx, officer, c.ID, to)
		return err
	}
	if target >= at(domain.StagePreMarket) {
		if err := move(domain.StagePreMarket); err != nil {
			return err
		}
		q, err := svc.AskQuestion(ctx, supplier, c.ID, "Can a supplier meet the social value asks through a local subcontractor?")
		if err != nil {
			return err
		}
		if _, err := svc.AnswerQuestion(ctx, officer, q.ID, "Yes: name the subcontractor in your bid; the commitments stay yours."); err != nil {
			return err
		}
	}
	if target < at(domain.StageTender) {
		return nil
	}
	for _, st := range c.Tier.Steps {
		if _, err := svc.SetContractStep(ctx, officer, c.ID, st.Key, true); err != nil {
			return err
		}
	}
	if err := seedKPIs(ctx, svc, officer, c); err != nil {
		return err
	}
	if err := move(domain.StageTender); err != nil {
		return err
	}
	if target >= at(domain.StageAwarded) {
		if err := seedWinningBid(ctx, svc, officer, supplier, c, requests); err != nil {
			return err
		}
	} else if stage == domain.StageEvaluation {
		return move(domain.StageEvaluation)
	}
	if stage == domain.StageLive {
		return move(domain.StageLive)
	}
	return nil
}

// seedWinningBid makes the bidder's bid of three requests and awards
// the contract to it.
func seedWinningBid(ctx context.Context, svc *domain.Service, officer, supplier *domain.Actor, c *domain.Contract, requests []string) error {
	b, err := svc.CreateBid(ctx, supplier, c.ID)
	if err != nil {
		return err
	}
	for _, r := range requests[:3] {
		if _, err := svc.CreatePledge(ctx, supplier, r, domain.PledgeInput{Offer: "Team volunteering hours", Quantity: 8, MeasureCode: "EX-VOL-HOUR", BidID: b.ID}); err != nil {
			return err
		}
	}
	if _, err := svc.MoveBid(ctx, supplier, b.ID, domain.BidSubmit); err != nil {
		return err
	}
	_, err = svc.AwardContract(ctx, officer, c.ID, b.ID, svc.Now().AddDate(0, 6, 0).UTC().Truncate(24*time.Hour))
	return err
}

// seedKPIs records the KPIs a contract's tier needs before award (the
// enhanced tier's three).
func seedKPIs(ctx context.Context, svc *domain.Service, officer *domain.Actor, c *domain.Contract) error {
	if c.Tier.KPIsRequired == 0 {
		return nil
	}
	cur, err := svc.GetContract(ctx, officer, c.ID)
	if err != nil {
		return err
	}
	kpis := []domain.KPIInput{
		{Name: "Local people employed on the contract", Target: "30", Unit: "people (FTE)", HowMeasured: "Payroll return each quarter, by home postcode."},
		{Name: "Apprenticeship weeks", Target: "520", Unit: "weeks", HowMeasured: "Apprentice timesheets, checked at the quarterly review."},
		{Name: "Spend with local small businesses", Target: "25", Unit: "% of subcontract spend", HowMeasured: "Subcontract invoices by supplier postcode."},
	}
	_, err = svc.SetContractKPIs(ctx, officer, c.ID, kpis, cur.Version)
	return err
}
