package domain

import (
	"context"
	"slices"
)

// PipelineContract is a contract as the public pipeline shows it: what a
// business needs to prepare for it, and no person's name or id.
type PipelineContract struct {
	ID          string        `json:"id"`
	Reference   string        `json:"reference"`
	Title       string        `json:"title"`
	Directorate string        `json:"directorate"`
	ValueBand   string        `json:"valueBand"`
	Stage       string        `json:"stage"`
	Dates       ContractDates `json:"dates"`
	Priorities  Priorities    `json:"priorities"`
	Brief       string        `json:"brief"`
	Tier        PipelineTier  `json:"tier"`
}

// PipelineTier names a pipeline contract's engagement tier.
type PipelineTier struct {
	Name string `json:"name"`
}

// pipelineStages are the stages the public pipeline lists.
var pipelineStages = []string{StagePipeline, StagePreMarket, StageTender}

// Pipeline lists a council's contracts from pipeline to tender for anyone,
// newest first.
func (s *Service) Pipeline(ctx context.Context, slug string) ([]PipelineContract, error) {
	auth, err := s.councilOfPage(ctx, slug)
	if err != nil {
		return nil, err
	}
	cs, err := AllPages(func(p Page) ([]*Contract, string, error) {
		return s.Store.FindContracts(ctx, ContractFilter{AuthorityID: auth.ID, Stages: pipelineStages, OrIDs: []string{}, Page: p})
	}, 0)
	if err != nil {
		return nil, err
	}
	out := []PipelineContract{}
	for _, c := range cs {
		if !slices.Contains(pipelineStages, c.Stage) {
			continue
		}
		c.derive(auth)
		out = append(out, PipelineContract{ID: c.ID, Reference: c.Reference, Title: c.Title, Directorate: c.Directorate, ValueBand: c.ValueBand,
			Stage: c.Stage, Dates: c.Dates, Priorities: c.Priorities, Brief: c.Brief, Tier: PipelineTier{Name: c.Tier.Name}})
	}
	return out, nil
}
