package domain

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Contract stages, in the order a contract lives them (see Stages).
const (
	StagePipeline   = "pipeline"
	StagePreMarket  = "pre_market"
	StageTender     = "tender"
	StageEvaluation = "evaluation"
	StageAwarded    = "awarded"
	StageLive       = "live"
	StageClosed     = "closed"
)

// Stages lists the contract stages in order. The names of the first release
// (pre_market, tender, awarded, live, closed) keep their meaning.
var Stages = []string{StagePipeline, StagePreMarket, StageTender, StageEvaluation, StageAwarded, StageLive, StageClosed}

// stageWords is the list of stages in a message.
const stageWords = "pipeline, pre_market, tender, evaluation, awarded, live or closed"

// Contract is a procurement opportunity of an authority.
type Contract struct {
	ID            string        `json:"id"`
	AuthorityID   string        `json:"-"`
	Authority     string        `json:"authority"`
	Reference     string        `json:"reference"`
	Title         string        `json:"title"`
	DirectorateID string        `json:"directorateId,omitempty"`
	Directorate   string        `json:"directorate"`
	ValuePence    int64         `json:"valuePence"`
	Stage         string        `json:"stage"`
	Dates         ContractDates `json:"dates"`
	Priorities    Priorities    `json:"priorities"`
	// ContractManagerID is an officer of the council; its name is kept as
	// it was when the manager was named.
	ContractManagerID   string `json:"contractManagerId,omitempty"`
	ContractManagerName string `json:"contractManagerName,omitempty"`
	// Brief is a plain-English social value brief for bidders.
	Brief string `json:"brief"`
	// Steps are the engagement steps done (see StepRecord); a step undone
	// has no record.
	Steps []StepRecord `json:"-"`
	// KPIs are recorded before award; KPIRatings, after, are never edited
	// (a correction is a new rating).
	KPIs       []KPI       `json:"kpis"`
	KPIRatings []KPIRating `json:"kpiRatings"`
	// Reporting, when set, asks the supplier of a live contract for a
	// return every quarter.
	Reporting     *Reporting `json:"reporting,omitempty"`
	AwardedBidID  string     `json:"awardedBidId,omitempty"`
	AwardedTo     string     `json:"awardedTo,omitempty"`
	AwardedToName string     `json:"awardedToName,omitempty"`
	AwardedAt     *time.Time `json:"awardedAt,omitempty"`
	Version       int64      `json:"version"`
	CreatedAt     time.Time  `json:"createdAt"`
	UpdatedAt     time.Time  `json:"updatedAt"`
	// Rules are derived from the value and the authority's thresholds.
	Rules *ContractRules `json:"rules,omitempty"`
	// Derived when read through the service.
	Tier             *ContractTier `json:"tier,omitempty"`
	ValueBand        string        `json:"valueBand,omitempty"`
	QuestionsWaiting *int          `json:"questionsWaiting,omitempty"`
}

// ContractDates are a contract's key dates, each "YYYY-MM-DD" or empty.
type ContractDates struct {
	PreMarket    string `json:"preMarket,omitempty"`
	TenderOpens  string `json:"tenderOpens,omitempty"`
	TenderCloses string `json:"tenderCloses,omitempty"`
	Award        string `json:"award,omitempty"`
	Start        string `json:"start,omitempty"`
	End          string `json:"end,omitempty"`
}

// list gives the dates with their field names, in the order they must fall.
func (d *ContractDates) list() []struct{ field, value string } {
	return []struct{ field, value string }{{"dates.preMarket", d.PreMarket}, {"dates.tenderOpens", d.TenderOpens},
		{"dates.tenderCloses", d.TenderCloses}, {"dates.award", d.Award}, {"dates.start", d.Start}, {"dates.end", d.End}}
}

// check records a date that is not a day from 2000 to 2200, or one before
// an earlier step's date.
func (d *ContractDates) check(v *Validation) {
	last, lastField := "", ""
	for _, f := range d.list() {
		if f.value == "" {
			continue
		}
		t, err := time.Parse(time.DateOnly, f.value)
		if err != nil || t.Year() < 2000 || t.Year() > 2200 {
			v.Add(f.field, "%s must be a date like 2027-03-31", f.field)
			continue
		}
		if last != "" && f.value < last {
			v.Add(f.field, "%s must not be before %s", f.field, lastField)
		}
		last, lastField = f.value, f.field
	}
}

// Next returns the first of the dates on or after day ("YYYY-MM-DD"), or "".
func (d *ContractDates) Next(day string) string {
	for _, f := range d.list() {
		if f.value != "" && f.value >= day {
			return f.value
		}
	}
	return ""
}

// Priorities are what a contract's social value should go to: kinds of
// help (request kinds), themes (of the measures catalogue) and wards.
type Priorities struct {
	Kinds  []string `json:"kinds"`
	Themes []string `json:"themes"`
	Wards  []string `json:"wards"`
}

// maxPriorities bounds each list of priorities.
const maxPriorities = 30

// check records a kind that is not a request kind, a ward that is not one
// of the authority's areas, a theme that is not of the catalogue (themes
// nil: any short theme), and repeats.
func (p *Priorities) check(v *Validation, auth *Authority, themes map[string]bool) {
	lists := []struct {
		field string
		items []string
		ok    func(string) bool
	}{
		{"priorities.kinds", p.Kinds, ValidKind},
		{"priorities.themes", p.Themes, func(t string) bool {
			if themes == nil {
				return t != "" && len(t) <= 60
			}
			return themes[t]
		}},
		{"priorities.wards", p.Wards, func(w string) bool { _, ok := auth.Area(w); return ok }},
	}
	for _, l := range lists {
		if len(l.items) > maxPriorities {
			v.Add(l.field, "%s may list at most %d", l.field, maxPriorities)
			continue
		}
		seen := map[string]bool{}
		for _, x := range l.items {
			if !l.ok(x) || seen[x] {
				v.Add(l.field, "%s: %q is not one of the council's choices (or is repeated)", l.field, truncateText(x, 60))
				break
			}
			seen[x] = true
		}
	}
}

// normalise makes every list non-nil, so the JSON shows [] not null.
func (p *Priorities) normalise() {
	for _, l := range []*[]string{&p.Kinds, &p.Themes, &p.Wards} {
		if *l == nil {
			*l = []string{}
		}
	}
}

// Matches reports whether a request of kind in ward is one of the
// priorities: its kind or its ward is listed (themes belong to pledges).
func (p *Priorities) Matches(kind, ward string) bool {
	return slices.Contains(p.Kinds, kind) || slices.Contains(p.Wards, ward)
}

// ValueBand names the band of a contract value the way the public
// pipeline shows it.
func ValueBand(t Thresholds, value int64) string {
	switch {
	case value < t.SocialValuePence:
		return "under " + shortPounds(t.SocialValuePence)
	case value < t.ReportingPence:
		return shortPounds(t.SocialValuePence) + " to " + shortPounds(t.ReportingPence)
	case value < t.KPIsPence:
		return shortPounds(t.ReportingPence) + " to " + shortPounds(t.KPIsPence)
	}
	return shortPounds(t.KPIsPence) + " and over"
}

// shortPounds writes whole pounds as £25k or £5m.
func shortPounds(p int64) string {
	pounds := p / 100
	switch {
	case pounds >= 1_000_000 && pounds%1_000_000 == 0:
		return sprintf("£%dm", pounds/1_000_000)
	case pounds >= 1_000 && pounds%1_000 == 0:
		return sprintf("£%dk", pounds/1_000)
	}
	return sprintf("£%d", pounds)
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
func ValidStage(s string) bool { return slices.Contains(Stages, s) }

// maxBrief bounds a contract's brief, in characters.
const maxBrief = 2000

// Validate checks the contract's own fields.
func (c *Contract) Validate() error {
	var v Validation
	checkText(&v, "reference", c.Reference, 1, 60, true)
	checkText(&v, "title", c.Title, 3, 200, true)
	checkText(&v, "directorate", c.Directorate, 0, 200, false)
	checkTextML(&v, "brief", c.Brief, 0, maxBrief, false, true)
	if c.ValuePence < 1 || c.ValuePence > MaxPence {
		v.Add("valuePence", "The contract value must be from 1p to £10,000,000,000")
	}
	if !ValidStage(c.Stage) {
		v.Add("stage", "stage must be %s", stageWords)
	}
	c.Dates.check(&v)
	return v.Err()
}

// nextStage is the stage each stage moves on to by hand; evaluation and
// tender go on by award (Award), and any stage may close.
var nextStage = map[string][]string{
	StagePipeline:   {StagePreMarket, StageTender},
	StagePreMarket:  {StageTender},
	StageTender:     {StageEvaluation},
	StageEvaluation: {},
	StageAwarded:    {StageLive},
	StageLive:       {},
}

// MoveStage moves the contract on by hand: pipeline to pre-market (or
// straight to tender), pre-market to tender, tender to evaluation, awarded
// to live, and any stage to closed. A move to tender needs every step of
// the contract's tier done (tier is the contract's, see TierFor). Award
// has its own method.
func (c *Contract) MoveStage(to string, tier *ContractTier, now time.Time) error {
	switch {
	case to == StageAwarded:
		return FieldErrorf("stage", "Award the contract to a bid instead (POST /contracts/{id}/award).")
	case !ValidStage(to) || to == StagePipeline:
		return FieldErrorf("stage", "stage must be pre_market, tender, evaluation, live or closed")
	case to == StageClosed && c.Stage != StageClosed:
	case !slices.Contains(nextStage[c.Stage], to):
		return Errorf(ECONFLICT, "Contract is %s and cannot become %s.", c.Stage, to)
	}
	if to == StageTender {
		if err := tier.ReadyForTender(); err != nil {
			return err
		}
	}
	c.Stage, c.Version, c.UpdatedAt = to, c.Version+1, now
	return nil
}

// OpenToSuppliers reports whether suppliers see the contract whether or
// not they bid: at pre-market engagement and at tender.
func (c *Contract) OpenToSuppliers() bool {
	return c.Stage == StagePreMarket || c.Stage == StageTender
}

// ContractFilter selects contracts of one authority.
type ContractFilter struct {
	AuthorityID   string
	Stage         string
	DirectorateID string
	// Stages, when set, keeps contracts at one of them or with an id in
	// OrIDs.
	Stages []string
	OrIDs  []string
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

// ContractInput is what an officer gives to create a contract. Directorate
// is the free text of the first release; DirectorateID names one of the
// council's directorates instead.
type ContractInput struct {
	Reference, Title, Directorate, Stage string
	ValuePence                           int64
	DirectorateID                        string
	Dates                                ContractDates
	Priorities                           Priorities
	ContractManagerID                    string
	Brief                                string
}

// ContractChange is an officer's change to a contract; nil leaves a field
// as it is.
type ContractChange struct {
	Reference, Title, DirectorateID, ContractManagerID, Brief *string
	ValuePence                                                *int64
	Dates                                                     *ContractDates
	Priorities                                                *Priorities
	Version                                                   int64
}

// withRules derives the rules, tier, value band and directorate name of
// contracts of one authority.
func (s *Service) withRules(ctx context.Context, cs ...*Contract) error {
	if len(cs) == 0 {
		return nil
	}
	auth, err := s.Store.AuthorityByID(ctx, cs[0].AuthorityID)
	if err != nil {
		return err
	}
	for _, c := range cs {
		c.derive(auth)
	}
	return nil
}

// derive fills the fields a contract takes from its authority.
func (c *Contract) derive(auth *Authority) {
	c.Rules = RulesFor(auth.Thresholds, c.ValuePence)
	c.ValueBand = ValueBand(auth.Thresholds, c.ValuePence)
	c.Tier = auth.CurrentTiers().contractTier(c)
	if d, ok := auth.Directorate(c.DirectorateID); ok {
		c.Directorate = d.Name
	}
	c.Priorities.normalise()
	if c.KPIs == nil {
		c.KPIs = []KPI{}
	}
	if c.KPIRatings == nil {
		c.KPIRatings = []KPIRating{}
	}
}

// underived returns a copy of c without its derived fields, as stored and
// audited.
func (c *Contract) underived() *Contract {
	cc := *c
	cc.Rules, cc.Tier, cc.ValueBand, cc.QuestionsWaiting = nil, nil, "", nil
	return &cc
}

// contractManager checks that id names an officer of the authority and
// returns the name to keep.
func (s *Service) contractManager(ctx context.Context, authorityID, id string) (string, error) {
	return s.officerName(ctx, authorityID, id, "contractManagerId", "The contract manager must be an officer of the council.")
}

// officerName checks that id (the input field) names an enabled officer or
// admin of the authority and returns the name to keep; "" for no id.
func (s *Service) officerName(ctx context.Context, authorityID, id, field, msg string) (string, error) {
	if id == "" {
		return "", nil
	}
	bad := FieldErrorf(field, "%s", msg)
	if !ValidID(id) {
		return "", bad
	}
	u, err := s.Store.UserByID(ctx, id)
	if ErrorCode(err) == ENOTFOUND {
		return "", bad
	} else if err != nil {
		return "", err
	}
	if u.AuthorityID != authorityID || (u.Role != RoleOfficer && u.Role != RoleAdmin) || u.Disabled {
		return "", bad
	}
	return u.Name, nil
}

// checkContract validates c against its authority: its own fields, the
// directorate, priorities and contract manager.
func (s *Service) checkContract(ctx context.Context, auth *Authority, c *Contract) error {
	var v Validation
	v.merge(c.Validate())
	if c.DirectorateID != "" {
		if d, ok := auth.Directorate(c.DirectorateID); !ok || !d.Active {
			v.Add("directorateId", "Choose one of the council's directorates")
		} else {
			c.Directorate = d.Name
		}
	}
	themes, err := s.catalogueThemes(ctx, auth.ID)
	if err != nil {
		return err
	}
	c.Priorities.check(&v, auth, themes)
	if err := v.Err(); err != nil {
		return err
	}
	name, err := s.contractManager(ctx, auth.ID, c.ContractManagerID)
	if err != nil {
		return err
	}
	c.ContractManagerName = name
	return nil
}

// catalogueThemes returns the themes of the authority's newest measures
// catalogue, or nil when it has none.
func (s *Service) catalogueThemes(ctx context.Context, authorityID string) (map[string]bool, error) {
	cat, err := s.Store.CurrentCatalogue(ctx, authorityID)
	if ErrorCode(err) == ENOTFOUND {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, m := range cat.Measures {
		out[m.Theme] = true
	}
	return out, nil
}

// CreateContract adds a contract to the officer's authority, in the
// pipeline unless another stage is given (pre_market, or tender when its
// tier needs no step).
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
		in.Stage = StagePipeline
	}
	c := &Contract{ID: NewID(), AuthorityID: auth.ID, Authority: auth.Slug, Reference: strings.TrimSpace(in.Reference), Title: strings.TrimSpace(in.Title),
		Directorate: strings.TrimSpace(in.Directorate), DirectorateID: in.DirectorateID, ValuePence: in.ValuePence, Stage: in.Stage,
		Dates: in.Dates, Priorities: in.Priorities, ContractManagerID: in.ContractManagerID, Brief: strings.TrimSpace(in.Brief),
		Version: 1, CreatedAt: now, UpdatedAt: now}
	c.Priorities.normalise()
	if err := s.checkContract(ctx, auth, c); err != nil {
		return nil, err
	}
	switch c.Stage {
	case StagePipeline, StagePreMarket:
	case StageTender:
		if err := auth.CurrentTiers().contractTier(c).ReadyForTender(); err != nil {
			return nil, err
		}
	default:
		return nil, FieldErrorf("stage", "A new contract starts at pipeline, pre_market or tender.")
	}
	ev := NewAuditEvent(c.AuthorityID, a.UserID, "contract.create", "contract", c.ID, nil, c, now)
	if err := vs.CreateContract(ctx, c, ev); err != nil {
		if ErrorCode(err) == ECONFLICT {
			return nil, &Error{Code: ECONFLICT, Field: "reference", Message: "The council already has a contract with this reference."}
		}
		return nil, err
	}
	c.derive(auth)
	return c, nil
}

// UpdateContract changes an officer's contract at the version given. The
// value no longer changes once the contract is awarded.
func (s *Service) UpdateContract(ctx context.Context, a *Actor, id string, ch ContractChange) (*Contract, error) {
	if err := requireRole(a, RoleOfficer, RoleAdmin); err != nil {
		return nil, err
	}
	c, vs, err := s.visibleContract(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if ch.Version != c.Version {
		return nil, &Error{Code: ECONFLICT, Field: "version", Message: "The contract changed since you read it: reload it and make your change again."}
	}
	auth, err := s.Store.AuthorityByID(ctx, c.AuthorityID)
	if err != nil {
		return nil, err
	}
	c = c.underived()
	before, prev, now := *c, c.Version, s.now()
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = strings.TrimSpace(*v)
		}
	}
	set(&c.Reference, ch.Reference)
	set(&c.Title, ch.Title)
	set(&c.DirectorateID, ch.DirectorateID)
	set(&c.ContractManagerID, ch.ContractManagerID)
	set(&c.Brief, ch.Brief)
	if ch.ValuePence != nil && *ch.ValuePence != c.ValuePence {
		if i, j := slices.Index(Stages, c.Stage), slices.Index(Stages, StageAwarded); i >= j {
			return nil, &Error{Code: ECONFLICT, Field: "valuePence", Message: "The contract is awarded: its value no longer changes."}
		}
		c.ValuePence = *ch.ValuePence
	}
	if ch.Dates != nil {
		c.Dates = *ch.Dates
	}
	if ch.Priorities != nil {
		c.Priorities = *ch.Priorities
		c.Priorities.normalise()
	}
	if err := s.checkContract(ctx, auth, c); err != nil {
		return nil, err
	}
	c.Version, c.UpdatedAt = c.Version+1, now
	ev := NewAuditEvent(c.AuthorityID, a.UserID, "contract.update", "contract", c.ID, &before, c, now)
	if err := vs.UpdateContract(ctx, c, prev, ev); err != nil {
		if ErrorCode(err) == ECONFLICT && c.Reference != before.Reference {
			return nil, &Error{Code: ECONFLICT, Field: "reference", Message: "The council already has a contract with this reference."}
		}
		return nil, err
	}
	c.derive(auth)
	return c, nil
}

// visibleContract returns a contract of the actor's authority: any for an
// officer; for others one open to suppliers or one their organisation bid on.
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
	if !a.IsOfficer() && !c.OpenToSuppliers() {
		bids, _, err := vs.FindBids(ctx, BidFilter{AuthorityID: c.AuthorityID, ContractID: c.ID, OrganisationID: a.OrganisationID, Page: Page{Limit: 1}})
		if err != nil {
			return nil, nil, err
		}
		if len(bids) == 0 || a.OrganisationID == "" {
			return nil, nil, Errorf(ENOTFOUND, "Contract not found.")
		}
	}
	return c, vs, s.withRules(ctx, c)
}

// GetContract returns a contract the actor may see, with the number of
// questions waiting for an answer when the actor is an officer.
func (s *Service) GetContract(ctx context.Context, a *Actor, id string) (*Contract, error) {
	c, _, err := s.visibleContract(ctx, a, id)
	if err != nil {
		return nil, err
	}
	return c, s.countWaiting(ctx, a, c)
}

// ListContracts lists the contracts of the actor's authority: all for
// officers; for others those open to suppliers and those their
// organisation bid on.
func (s *Service) ListContracts(ctx context.Context, a *Actor, f ContractFilter) ([]*Contract, string, error) {
	if err := requireSignedIn(a); err != nil {
		return nil, "", err
	}
	vs := s.Store
	if f.Stage != "" && !ValidStage(f.Stage) {
		return nil, "", FieldErrorf("stage", "stage must be %s", stageWords)
	}
	if f.DirectorateID != "" && !ValidID(f.DirectorateID) {
		return nil, "", FieldErrorf("directorate", "directorate must be the id of one of the council's directorates")
	}
	f.AuthorityID, f.Stages, f.OrIDs = a.AuthorityID, nil, nil
	if !a.IsOfficer() {
		f.Stages, f.OrIDs = []string{StagePreMarket, StageTender}, []string{}
		if a.OrganisationID != "" {
			bids, err := allBids(ctx, vs, BidFilter{AuthorityID: a.AuthorityID, OrganisationID: a.OrganisationID})
			if err != nil {
				return nil, "", err
			}
			for _, b := range bids {
				f.OrIDs = append(f.OrIDs, b.ContractID)
			}
		}
	}
	items, next, err := vs.FindContracts(ctx, f)
	if err != nil {
		return nil, "", err
	}
	if err := s.withRules(ctx, items...); err != nil {
		return nil, "", err
	}
	return items, next, s.countWaiting(ctx, a, items...)
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
	tier := c.Tier
	c = c.underived()
	before, prev, now := *c, c.Version, s.now()
	if err := c.MoveStage(stage, tier, now); err != nil {
		return nil, err
	}
	ev := NewAuditEvent(c.AuthorityID, a.UserID, "contract.stage", "contract", c.ID, &before, c, now)
	if err := vs.UpdateContract(ctx, c, prev, ev); err != nil {
		return nil, err
	}
	return c, s.withRules(ctx, c)
}

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }
