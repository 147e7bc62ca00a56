package domain

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Contract stages.
const (
	StagePreMarket = "pre_market"
	StageTender    = "tender"
	StageAwarded   = "awarded"
	StageLive      = "live"
	StageClosed    = "closed"
)

// Contract is a procurement opportunity of an authority.
type Contract struct {
	ID            string     `json:"id"`
	AuthorityID   string     `json:"-"`
	Authority     string     `json:"authority"`
	Reference     string     `json:"reference"`
	Title         string     `json:"title"`
	Directorate   string     `json:"directorate"`
	ValuePence    int64      `json:"valuePence"`
	Stage         string     `json:"stage"`
	AwardedBidID  string     `json:"awardedBidId,omitempty"`
	AwardedTo     string     `json:"awardedTo,omitempty"`
	AwardedToName string     `json:"awardedToName,omitempty"`
	AwardedAt     *time.Time `json:"awardedAt,omitempty"`
	Version       int64      `json:"version"`
	CreatedAt     time.Time  `json:"createdAt"`
	UpdatedAt     time.Time  `json:"updatedAt"`
	// Rules are derived from the value and the authority's thresholds.
	Rules *ContractRules `json:"rules,omitempty"`
}

// ContractRules says which social value rules apply to a contract.
type ContractRules struct {
	SocialValue bool `json:"socialValue"`
	Reporting   bool `json:"reporting"`
	KPIs        bool `json:"kpis"`
	// MinRequests is the number of distinct published requests a compliant
	// bid pledges to (3 where social value applies, else 0).
	MinRequests int `json:"minRequests"`
}

// MinBidRequests is the "at least three requests" rule.
const MinBidRequests = 3

// RulesFor returns the rules the thresholds give a contract of value pence.
func RulesFor(t Thresholds, value int64) *ContractRules {
	r := &ContractRules{
		SocialValue: value >= t.SocialValuePence,
		Reporting:   value >= t.ReportingPence,
		KPIs:        value >= t.KPIsPence,
	}
	if r.SocialValue {
		r.MinRequests = MinBidRequests
	}
	return r
}

// ValidStage reports whether s is a contract stage.
func ValidStage(s string) bool {
	switch s {
	case StagePreMarket, StageTender, StageAwarded, StageLive, StageClosed:
		return true
	}
	return false
}

// Validate checks the contract's own fields.
func (c *Contract) Validate() error {
	var v Validation
	checkText(&v, "reference", c.Reference, 1, 60, true)
	checkText(&v, "title", c.Title, 3, 200, true)
	checkText(&v, "directorate", c.Directorate, 0, 200, false)
	if c.ValuePence < 1 || c.ValuePence > MaxPence {
		v.Add("valuePence", "The contract value must be from 1p to £10,000,000,000")
	}
	if !ValidStage(c.Stage) {
		v.Add("stage", "stage must be pre_market, tender, awarded, live or closed")
	}
	return v.Err()
}

// MoveStage moves the contract on by hand: pre-market to tender, awarded to
// live, and any stage to closed. Award has its own method.
func (c *Contract) MoveStage(to string, now time.Time) error {
	ok := false
	switch to {
	case StageTender:
		ok = c.Stage == StagePreMarket
	case StageLive:
		ok = c.Stage == StageAwarded
	case StageClosed:
		ok = c.Stage != StageClosed
	case StageAwarded:
		return FieldErrorf("stage", "Award the contract to a bid instead (POST /contracts/{id}/award).")
	default:
		return FieldErrorf("stage", "stage must be tender, live or closed")
	}
	if !ok {
		return Errorf(ECONFLICT, "Contract is %s and cannot become %s.", c.Stage, to)
	}
	c.Stage, c.Version, c.UpdatedAt = to, c.Version+1, now
	return nil
}

// ContractFilter selects contracts of one authority.
type ContractFilter struct {
	AuthorityID string
	Stage       string
	Page
}

// ContractStore persists contracts and bids.
type ContractStore interface {
	CreateContract(ctx context.Context, c *Contract, ev *AuditEvent) error
	// UpdateContract writes c if the stored version is prev; ECONFLICT otherwise.
	UpdateContract(ctx context.Context, c *Contract, prev int64, ev *AuditEvent) error
	// ContractByID returns ENOTFOUND when there is none.
	ContractByID(ctx context.Context, id string) (*Contract, error)
	// FindContracts lists newest first.
	FindContracts(ctx context.Context, f ContractFilter) ([]*Contract, string, error)
	// CreateBid stores a bid; ECONFLICT when the supplier already bids on the contract.
	CreateBid(ctx context.Context, b *Bid, ev *AuditEvent) error
	// UpdateBid writes b if the stored version is prev; ECONFLICT otherwise.
	UpdateBid(ctx context.Context, b *Bid, prev int64, ev *AuditEvent) error
	// BidByID returns ENOTFOUND when there is none.
	BidByID(ctx context.Context, id string) (*Bid, error)
	// FindBids lists newest first.
	FindBids(ctx context.Context, f BidFilter) ([]*Bid, string, error)
	// AwardContract writes the contract, bids, pledges and events of an
	// award all or nothing; ECONFLICT when any version moved on.
	AwardContract(ctx context.Context, w *Award) error
}

// ContractInput is what an officer gives to create a contract.
type ContractInput struct {
	Reference, Title, Directorate, Stage string
	ValuePence                           int64
}

func (s *Service) withRules(ctx context.Context, cs ...*Contract) error {
	if len(cs) == 0 {
		return nil
	}
	auth, err := s.Store.AuthorityByID(ctx, cs[0].AuthorityID)
	if err != nil {
		return err
	}
	for _, c := range cs {
		c.Rules = RulesFor(auth.Thresholds, c.ValuePence)
	}
	return nil
}

// CreateContract adds a contract to the officer's authority.
func (s *Service) CreateContract(ctx context.Context, a *Actor, in ContractInput) (*Contract, error) {
	if err := requireRole(a, RoleOfficer, RoleAdmin); err != nil {
		return nil, err
	}
	vs := s.Store
	auth, err := s.Store.AuthorityByID(ctx, a.AuthorityID)
	if err != nil {
		return nil, err
	}
	now := s.now()
	if in.Stage == "" {
		in.Stage = StagePreMarket
	}
	c := &Contract{ID: NewID(), AuthorityID: auth.ID, Authority: auth.Slug, Reference: strings.TrimSpace(in.Reference), Title: strings.TrimSpace(in.Title),
		Directorate: strings.TrimSpace(in.Directorate), ValuePence: in.ValuePence, Stage: in.Stage, Version: 1, CreatedAt: now, UpdatedAt: now}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if c.Stage != StagePreMarket && c.Stage != StageTender {
		return nil, FieldErrorf("stage", "A new contract starts at pre_market or tender.")
	}
	ev := NewAuditEvent(c.AuthorityID, a.UserID, "contract.create", "contract", c.ID, nil, c, now)
	if err := vs.CreateContract(ctx, c, ev); err != nil {
		if ErrorCode(err) == ECONFLICT {
			return nil, &Error{Code: ECONFLICT, Field: "reference", Message: "The council already has a contract with this reference."}
		}
		return nil, err
	}
	return c, s.withRules(ctx, c)
}

// visibleContract returns a contract of the actor's authority.
func (s *Service) visibleContract(ctx context.Context, a *Actor, id string) (*Contract, ValueStore, error) {
	if err := requireSignedIn(a); err != nil {
		return nil, nil, err
	}
	vs := s.Store
	c, err := vs.ContractByID(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if c.AuthorityID != a.AuthorityID {
		return nil, nil, Errorf(ENOTFOUND, "Contract not found.")
	}
	return c, vs, s.withRules(ctx, c)
}

// GetContract returns a contract of the actor's authority (any signed-in role).
func (s *Service) GetContract(ctx context.Context, a *Actor, id string) (*Contract, error) {
	c, _, err := s.visibleContract(ctx, a, id)
	return c, err
}

// ListContracts lists the contracts of the actor's authority.
func (s *Service) ListContracts(ctx context.Context, a *Actor, f ContractFilter) ([]*Contract, string, error) {
	if err := requireSignedIn(a); err != nil {
		return nil, "", err
	}
	vs := s.Store
	if f.Stage != "" && !ValidStage(f.Stage) {
		return nil, "", FieldErrorf("stage", "stage must be pre_market, tender, awarded, live or closed")
	}
	f.AuthorityID = a.AuthorityID
	items, next, err := vs.FindContracts(ctx, f)
	if err != nil {
		return nil, "", err
	}
	return items, next, s.withRules(ctx, items...)
}

// MoveContract moves a contract's stage (officer).
func (s *Service) MoveContract(ctx context.Context, a *Actor, id, stage string) (*Contract, error) {
	if err := requireRole(a, RoleOfficer, RoleAdmin); err != nil {
		return nil, err
	}
	c, vs, err := s.visibleContract(ctx, a, id)
	if err != nil {
		return nil, err
	}
	before, prev, now := *c, c.Version, s.now()
	if err := c.MoveStage(stage, now); err != nil {
		return nil, err
	}
	ev := NewAuditEvent(c.AuthorityID, a.UserID, "contract.stage", "contract", c.ID, &before, c, now)
	return c, vs.UpdateContract(ctx, c, prev, ev)
}

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }
