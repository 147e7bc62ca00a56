package domain

import (
	"context"
	"fmt"
	"sort"
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

// Award records the winning bid.
func (c *Contract) Award(b *Bid, now time.Time) error {
	if c.Stage != StageTender {
		return Errorf(ECONFLICT, "Contract is %s: only a contract at tender can be awarded.", c.Stage)
	}
	c.Stage, c.AwardedBidID, c.AwardedTo, c.AwardedToName = StageAwarded, b.ID, b.OrganisationID, b.OrganisationName
	t := now
	c.AwardedAt = &t
	c.Version, c.UpdatedAt = c.Version+1, now
	return nil
}

// Bid statuses.
const (
	BidDraft        = "draft"
	BidSubmitted    = "submitted"
	BidAwarded      = "awarded"
	BidUnsuccessful = "unsuccessful"
	BidWithdrawn    = "withdrawn"
)

// Bid is a supplier's bid on a contract; its pledges carry its BidID.
type Bid struct {
	ID                string     `json:"id"`
	AuthorityID       string     `json:"-"`
	ContractID        string     `json:"contractId"`
	ContractReference string     `json:"contractReference"`
	OrganisationID    string     `json:"organisationId"`
	OrganisationName  string     `json:"organisationName"`
	Status            string     `json:"status"`
	SubmittedAt       *time.Time `json:"submittedAt,omitempty"`
	Version           int64      `json:"version"`
	CreatedAt         time.Time  `json:"createdAt"`
	UpdatedAt         time.Time  `json:"updatedAt"`
	// Derived when read through the service.
	Pledges    []*Pledge      `json:"pledges,omitempty"`
	Compliance *BidCompliance `json:"compliance,omitempty"`
}

// BidCompliance is the "at least three requests" check of a bid.
type BidCompliance struct {
	Compliant        bool   `json:"compliant"`
	DistinctRequests int    `json:"distinctRequests"`
	MinRequests      int    `json:"minRequests"`
	PledgedPence     int64  `json:"pledgedPence"`
	Reason           string `json:"reason,omitempty"`
}

// CheckBid counts the distinct published requests among the bid's live
// pledges. requests maps request id to request.
func CheckBid(rules *ContractRules, pledges []*Pledge, requests map[string]*Request) *BidCompliance {
	c := &BidCompliance{MinRequests: rules.MinRequests}
	seen := map[string]bool{}
	for _, p := range pledges {
		if !p.Live() {
			continue
		}
		c.PledgedPence += p.ValuePence
		if r := requests[p.RequestID]; r != nil && r.Public() && !seen[r.ID] {
			seen[r.ID] = true
		}
	}
	c.DistinctRequests = len(seen)
	c.Compliant = c.DistinctRequests >= c.MinRequests
	if !c.Compliant {
		c.Reason = sprintf("The bid pledges to %d distinct published requests; this contract needs at least %d.", c.DistinctRequests, c.MinRequests)
	}
	return c
}

func (b *Bid) move(from []string, to string, now time.Time) error {
	for _, f := range from {
		if b.Status == f {
			b.Status, b.Version, b.UpdatedAt = to, b.Version+1, now
			return nil
		}
	}
	return Errorf(ECONFLICT, "Bid is %s and cannot become %s.", b.Status, to)
}

// Submit sends a draft bid; the caller checks compliance first.
func (b *Bid) Submit(now time.Time) error {
	if err := b.move([]string{BidDraft}, BidSubmitted, now); err != nil {
		return err
	}
	t := now
	b.SubmittedAt = &t
	return nil
}

// Withdraw takes a bid back before award.
func (b *Bid) Withdraw(now time.Time) error {
	return b.move([]string{BidDraft, BidSubmitted}, BidWithdrawn, now)
}

// ContractFilter selects contracts of one authority.
type ContractFilter struct {
	AuthorityID string
	Stage       string
	Page
}

// BidFilter selects bids of one authority.
type BidFilter struct {
	AuthorityID    string
	ContractID     string
	OrganisationID string
	Page
}

// Award is everything an award changes, written together.
type Award struct {
	Contract     *Contract
	ContractPrev int64
	Bids         []*Bid
	BidPrevs     []int64
	Pledges      []*Pledge
	PledgePrevs  []int64
	Events       []*AuditEvent
	// Checks are the commitment caps the store checks after writing the
	// committed pledges, in the same transaction.
	Checks []CommitCheck
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

// CreateBid opens the supplier's draft bid on a contract at tender.
func (s *Service) CreateBid(ctx context.Context, a *Actor, contractID string) (*Bid, error) {
	if err := requireRole(a, RoleSupplier); err != nil {
		return nil, err
	}
	o, err := s.approvedOrganisation(ctx, a)
	if err != nil {
		return nil, err
	}
	c, vs, err := s.visibleContract(ctx, a, contractID)
	if err != nil {
		return nil, err
	}
	if c.Stage != StageTender {
		return nil, Errorf(ECONFLICT, "Contract is %s: bids are taken at tender.", c.Stage)
	}
	now := s.now()
	b := &Bid{ID: NewID(), AuthorityID: c.AuthorityID, ContractID: c.ID, ContractReference: c.Reference, OrganisationID: o.ID, OrganisationName: o.Name,
		Status: BidDraft, Version: 1, CreatedAt: now, UpdatedAt: now}
	ev := NewAuditEvent(b.AuthorityID, a.UserID, "bid.create", "bid", b.ID, nil, b, now)
	if err := vs.CreateBid(ctx, b, ev); err != nil {
		if ErrorCode(err) == ECONFLICT {
			return nil, Errorf(ECONFLICT, "Your organisation already has a bid on this contract.")
		}
		return nil, err
	}
	return b, nil
}

// visibleBid returns a bid the actor may see: the supplier's own, or any of
// the authority for officers.
func (s *Service) visibleBid(ctx context.Context, a *Actor, id string) (*Bid, ValueStore, error) {
	if err := requireSignedIn(a); err != nil {
		return nil, nil, err
	}
	vs := s.Store
	b, err := vs.BidByID(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if b.AuthorityID != a.AuthorityID || !(a.IsOfficer() || (a.Role == RoleSupplier && a.OrganisationID == b.OrganisationID)) {
		return nil, nil, Errorf(ENOTFOUND, "Bid not found.")
	}
	return b, vs, nil
}

// bidPledges loads the bid's pledges and checks compliance.
func (s *Service) fillBid(ctx context.Context, b *Bid, c *Contract) error {
	ps, err := allPledges(ctx, s.Store, PledgeFilter{AuthorityID: b.AuthorityID, OrganisationID: b.OrganisationID})
	if err != nil {
		return err
	}
	b.Pledges = b.Pledges[:0]
	reqs := map[string]*Request{}
	for _, p := range ps {
		if p.BidID != b.ID {
			continue
		}
		b.Pledges = append(b.Pledges, p)
		if _, ok := reqs[p.RequestID]; !ok {
			r, err := s.Store.RequestByID(ctx, p.RequestID)
			if err != nil && ErrorCode(err) != ENOTFOUND {
				return err
			}
			reqs[p.RequestID] = r
		}
	}
	sort.Slice(b.Pledges, func(i, j int) bool { return b.Pledges[i].ID < b.Pledges[j].ID })
	if c.Rules == nil {
		if err := s.withRules(ctx, c); err != nil {
			return err
		}
	}
	b.Compliance = CheckBid(c.Rules, b.Pledges, reqs)
	return nil
}

func allPledges(ctx context.Context, st PledgeStore, f PledgeFilter) ([]*Pledge, error) {
	return AllPages(func(p Page) ([]*Pledge, string, error) {
		f.Page = p
		return st.FindPledges(ctx, f)
	}, 0)
}

// GetBid returns a bid with its pledges and compliance.
func (s *Service) GetBid(ctx context.Context, a *Actor, id string) (*Bid, error) {
	b, vs, err := s.visibleBid(ctx, a, id)
	if err != nil {
		return nil, err
	}
	c, err := vs.ContractByID(ctx, b.ContractID)
	if err != nil {
		return nil, err
	}
	return b, s.fillBid(ctx, b, c)
}

// ListBids lists the bids on a contract: all for officers, its own for a supplier.
func (s *Service) ListBids(ctx context.Context, a *Actor, contractID string, p Page) ([]*Bid, string, error) {
	if err := requireRole(a, RoleSupplier, RoleOfficer, RoleAdmin); err != nil {
		return nil, "", err
	}
	c, vs, err := s.visibleContract(ctx, a, contractID)
	if err != nil {
		return nil, "", err
	}
	f := BidFilter{AuthorityID: c.AuthorityID, ContractID: c.ID, Page: p}
	if !a.IsOfficer() {
		f.OrganisationID = a.OrganisationID
	}
	return vs.FindBids(ctx, f)
}

// Bid transitions.
const (
	BidSubmit   = "submit"
	BidWithdraw = "withdraw"
)

// MoveBid submits or withdraws the supplier's own bid. A bid is submitted
// only when compliant.
func (s *Service) MoveBid(ctx context.Context, a *Actor, id, move string) (*Bid, error) {
	if err := requireRole(a, RoleSupplier); err != nil {
		return nil, err
	}
	b, vs, err := s.visibleBid(ctx, a, id)
	if err != nil {
		return nil, err
	}
	c, err := vs.ContractByID(ctx, b.ContractID)
	if err != nil {
		return nil, err
	}
	if c.Stage != StageTender {
		return nil, Errorf(ECONFLICT, "Contract is %s: bids can change only at tender.", c.Stage)
	}
	if err := s.fillBid(ctx, b, c); err != nil {
		return nil, err
	}
	pledges, compliance := b.Pledges, b.Compliance
	b.Pledges, b.Compliance = nil, nil
	before, prev, now := *b, b.Version, s.now()
	switch move {
	case BidSubmit:
		if !compliance.Compliant {
			return nil, &Error{Code: EUNPROCESSABLE, Field: "pledges", Message: compliance.Reason}
		}
		err = b.Submit(now)
	case BidWithdraw:
		err = b.Withdraw(now)
	default:
		err = Errorf(EINVALID, "Unknown action %q.", move)
	}
	if err != nil {
		return nil, err
	}
	ev := NewAuditEvent(b.AuthorityID, a.UserID, "bid."+move, "bid", b.ID, &before, b, now)
	if err := vs.UpdateBid(ctx, b, prev, ev); err != nil {
		return nil, err
	}
	b.Pledges, b.Compliance = pledges, compliance
	return b, nil
}

// AwardResult says what an award changed.
type AwardResult struct {
	Contract  *Contract `json:"contract"`
	Committed []string  `json:"committed"`
	Declined  []string  `json:"declined"`
	// NotCommitted are the winner's pledges the award could not commit
	// under the rules of a direct approval (a request no longer published,
	// its need already met, the supplier's limit), declined with the reason.
	NotCommitted []SkippedItem `json:"notCommitted"`
}

// AwardContract awards a contract at tender to a submitted bid (officer).
// The winner's offered pledges become approved commitments due on due,
// under the rules of a direct approval (see commitPlan);
// the other bids are unsuccessful and their offered pledges declined.
func (s *Service) AwardContract(ctx context.Context, a *Actor, contractID, bidID string, due time.Time) (*AwardResult, error) {
	if err := requireRole(a, RoleOfficer, RoleAdmin); err != nil {
		return nil, err
	}
	c, vs, err := s.visibleContract(ctx, a, contractID)
	if err != nil {
		return nil, err
	}
	auth, err := s.Store.AuthorityByID(ctx, c.AuthorityID)
	if err != nil {
		return nil, err
	}
	now := s.now()
	if err := CheckDate("dueDate", due, auth.AheadWindow(now)); err != nil {
		return nil, err
	}
	if !ValidID(bidID) {
		return nil, FieldErrorf("bidId", "bidId must be the id of a bid on this contract")
	}
	win, err := vs.BidByID(ctx, bidID)
	if ErrorCode(err) == ENOTFOUND || (err == nil && win.ContractID != c.ID) {
		return nil, FieldErrorf("bidId", "bidId must be the id of a bid on this contract")
	} else if err != nil {
		return nil, err
	}
	if win.Status != BidSubmitted {
		return nil, Errorf(ECONFLICT, "The bid is %s: only a submitted bid can win.", win.Status)
	}
	if err := s.fillBid(ctx, win, c); err != nil {
		return nil, err
	}
	if !win.Compliance.Compliant {
		return nil, &Error{Code: EUNPROCESSABLE, Field: "bidId", Message: win.Compliance.Reason}
	}
	w := &Award{ContractPrev: c.Version}
	res := &AwardResult{Committed: []string{}, Declined: []string{}, NotCommitted: []SkippedItem{}}
	commits, err := s.newCommitPlan(ctx, win.OrganisationID)
	if err != nil {
		return nil, err
	}
	before := *c
	before.Rules = nil
	if err := c.Award(win, now); err != nil {
		return nil, err
	}
	rules := c.Rules
	c.Rules = nil
	w.Contract = c
	w.Events = append(w.Events, NewAuditEvent(c.AuthorityID, a.UserID, "contract.award", "contract", c.ID, &before, c, now))
	bids, err := allBids(ctx, vs, BidFilter{AuthorityID: c.AuthorityID, ContractID: c.ID})
	if err != nil {
		return nil, err
	}
	for _, b := range bids {
		if b.ID != win.ID {
			if err := s.fillBid(ctx, b, c); err != nil {
				return nil, err
			}
		} else {
			b = win
		}
		pledges := b.Pledges
		b.Pledges, b.Compliance = nil, nil
		bb, prev := *b, b.Version
		switch {
		case b.ID == win.ID:
			_ = b.move([]string{BidSubmitted}, BidAwarded, now)
		case b.Status == BidDraft || b.Status == BidSubmitted:
			_ = b.move([]string{BidDraft, BidSubmitted}, BidUnsuccessful, now)
		}
		if b.Version != prev {
			w.Bids, w.BidPrevs = append(w.Bids, b), append(w.BidPrevs, prev)
			w.Events = append(w.Events, NewAuditEvent(c.AuthorityID, a.UserID, "bid."+b.Status, "bid", b.ID, &bb, b, now))
		}
		for _, p := range pledges {
			if p.Status != PledgeOffered {
				continue
			}
			pb, pprev := *p, p.Version
			action := "pledge.commit"
			if b.ID == win.ID {
				amount, why, err := commits.take(ctx, p)
				if err != nil {
					return nil, err
				}
				if why == "" {
					err = p.Commit(a.UserID, amount, due, now)
					res.Committed = append(res.Committed, p.ID)
					w.Checks = append(w.Checks, commits.check(p))
				} else {
					action = "pledge.decline"
					err = p.Decline(a.UserID, why, now)
					res.NotCommitted = append(res.NotCommitted, SkippedItem{PledgeID: p.ID, Reason: why})
				}
			} else {
				action = "pledge.decline"
				err = p.Decline(a.UserID, "The contract was awarded to another bidder.", now)
				res.Declined = append(res.Declined, p.ID)
			}
			if err != nil {
				return nil, err
			}
			w.Pledges, w.PledgePrevs = append(w.Pledges, p), append(w.PledgePrevs, pprev)
			w.Events = append(w.Events, NewAuditEvent(c.AuthorityID, a.UserID, action, "pledge", p.ID, &pb, p, now))
		}
	}
	if err := vs.AwardContract(ctx, w); err != nil {
		return nil, err
	}
	c.Rules = rules
	res.Contract = c
	return res, nil
}

func allBids(ctx context.Context, vs ContractStore, f BidFilter) ([]*Bid, error) {
	return AllPages(func(p Page) ([]*Bid, string, error) {
		f.Page = p
		return vs.FindBids(ctx, f)
	}, 0)
}

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }
