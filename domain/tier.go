package domain

import (
	"context"
	"slices"
	"strings"
	"time"
)

// Engagement tier names, smallest first.
const (
	TierNone     = "none"
	TierLight    = "light"
	TierStandard = "standard"
	TierEnhanced = "enhanced"
)

// TierNames lists the tier names in order of value.
var TierNames = []string{TierNone, TierLight, TierStandard, TierEnhanced}

// Step is an engagement step a tier requires before tender.
type Step struct {
	Key   string `json:"key"`
	Label string `json:"label"`
}

// Tier is the pre-engagement a contract from FromPence needs: its steps.
type Tier struct {
	Name      string `json:"name"`
	Label     string `json:"label"`
	FromPence int64  `json:"fromPence"`
	Steps     []Step `json:"steps"`
	// KPIsRequired is how many KPIs a contract of the tier needs before
	// award (0: none).
	KPIsRequired int `json:"kpisRequired"`
}

// DefaultKPIsRequired is the KPIs the default tier of that name needs: 3
// for enhanced, none for the others. A stored tier of a version set before
// KPIs were counted reads as this.
func DefaultKPIsRequired(name string) int {
	if name == TierEnhanced {
		return MinKPIsEnhanced
	}
	return 0
}

// MinKPIsEnhanced is the KPIs a contract of £5m and over carries (the
// Procurement Act 2023 rule for new contracts).
const MinKPIsEnhanced = 3

// maxKPIs bounds the KPIs of a contract and a tier's requirement.
const maxKPIs = 20

// TierSet is one version of an authority's engagement tiers, smallest
// first. Each change makes a new version and the old ones are kept, as
// with the matcher weights.
type TierSet struct {
	Version int       `json:"version"`
	Tiers   []Tier    `json:"tiers"`
	SetBy   string    `json:"setBy,omitempty"`
	SetAt   time.Time `json:"setAt,omitempty"`
}

var (
	stepSVAsked   = Step{Key: "sv_asked", Label: "Social value asked for in the tender"}
	stepPreMarket = Step{Key: "pre_market_engagement", Label: "Pre-market engagement"}
	stepQA        = Step{Key: "clarification_qa", Label: "Clarification questions and answers published"}
	stepKPIs      = Step{Key: "kpis_agreed", Label: "At least three KPIs agreed"}
	stepYearly    = Step{Key: "yearly_assessment_planned", Label: "Yearly performance assessment planned"}
)

// DefaultTiers are the tiers of a council that set none (version 0): none
// below £25,000; light from £25,000 (social value asked, no reporting);
// standard from £50,000 (pre-market engagement, clarification Q&A,
// quarterly reporting); enhanced from £5,000,000 (as standard, with at least
// three KPIs and a yearly performance assessment).
var DefaultTiers = TierSet{Version: 0, Tiers: []Tier{
	{Name: TierNone, Label: "No pre-engagement", FromPence: 0, Steps: []Step{}},
	{Name: TierLight, Label: "Light: social value asked, no reporting", FromPence: 25_000_00, Steps: []Step{stepSVAsked}},
	{Name: TierStandard, Label: "Standard: pre-market engagement, clarification Q&A, quarterly reporting", FromPence: 50_000_00,
		Steps: []Step{stepSVAsked, stepPreMarket, stepQA}},
	{Name: TierEnhanced, Label: "Enhanced: as standard, with KPIs and a yearly performance assessment", FromPence: 5_000_000_00,
		Steps: []Step{stepSVAsked, stepPreMarket, stepQA, stepKPIs, stepYearly}, KPIsRequired: MinKPIsEnhanced},
}}

// Validate checks a set of tiers: the four tier names in order, the first
// from £0 and each from more than the one before, and steps with a key of
// lower-case letters and underscores (1 to 40) and a label, each key once
// per tier.
func (ts *TierSet) Validate() error {
	var v Validation
	if len(ts.Tiers) != len(TierNames) {
		v.Add("tiers", "Give the four tiers: %s", strings.Join(TierNames, ", "))
		return v.Err()
	}
	for i, t := range ts.Tiers {
		f := sprintf("tiers[%d]", i)
		if t.Name != TierNames[i] {
			v.Add(f+".name", "Tier %d must be %s", i+1, TierNames[i])
		}
		checkText(&v, f+".label", t.Label, 1, 200, true)
		switch {
		case i == 0 && t.FromPence != 0:
			v.Add(f+".fromPence", "The first tier starts at 0")
		case i > 0 && (t.FromPence <= ts.Tiers[i-1].FromPence || t.FromPence > MaxPence):
			v.Add(f+".fromPence", "Each tier starts above the one before (and at most £10,000,000,000)")
		}
		if t.KPIsRequired < 0 || t.KPIsRequired > maxKPIs {
			v.Add(f+".kpisRequired", "A tier requires from 0 to %d KPIs", maxKPIs)
		}
		if len(t.Steps) > 20 {
			v.Add(f+".steps", "A tier has at most 20 steps")
			continue
		}
		seen := map[string]bool{}
		for j, st := range t.Steps {
			sf := sprintf("%s.steps[%d]", f, j)
			if !validStepKey(st.Key) || seen[st.Key] {
				v.Add(sf+".key", "A step key is 1 to 40 lower-case letters and underscores, once per tier")
			}
			seen[st.Key] = true
			checkText(&v, sf+".label", st.Label, 1, 200, true)
		}
	}
	return v.Err()
}

func validStepKey(k string) bool {
	if k == "" || len(k) > 40 {
		return false
	}
	for _, r := range k {
		if !(r >= 'a' && r <= 'z' || r == '_') {
			return false
		}
	}
	return true
}

// CurrentTiers returns the authority's newest tiers, or the defaults.
func (a *Authority) CurrentTiers() *TierSet {
	if len(a.Tiers) == 0 {
		d := DefaultTiers
		return &d
	}
	t := a.Tiers[len(a.Tiers)-1]
	return &t
}

// TierFor returns the tier of a contract of value pence: the last whose
// FromPence the value reaches.
func (ts *TierSet) TierFor(value int64) Tier {
	t := ts.Tiers[0]
	for _, x := range ts.Tiers {
		if value >= x.FromPence {
			t = x
		}
	}
	return t
}

// StepRecord says who did an engagement step of a contract, and when.
type StepRecord struct {
	Key        string    `json:"key"`
	DoneBy     string    `json:"doneBy"`
	DoneByName string    `json:"doneByName"`
	DoneAt     time.Time `json:"doneAt"`
}

// ContractStep is a step of a contract's tier, done or not.
type ContractStep struct {
	Key        string     `json:"key"`
	Label      string     `json:"label"`
	Required   bool       `json:"required"`
	Done       bool       `json:"done"`
	DoneBy     string     `json:"doneBy,omitempty"`
	DoneByName string     `json:"doneByName,omitempty"`
	DoneAt     *time.Time `json:"doneAt,omitempty"`
}

// ContractTier is a contract's tier with its steps done or not, and the
// KPIs it needs before award.
type ContractTier struct {
	Name         string         `json:"name"`
	Label        string         `json:"label"`
	FromPence    int64          `json:"fromPence"`
	Steps        []ContractStep `json:"steps"`
	KPIsRequired int            `json:"kpisRequired"`
}

// contractTier is the tier of c under ts, each step marked from c's records.
func (ts *TierSet) contractTier(c *Contract) *ContractTier {
	t := ts.TierFor(c.ValuePence)
	ct := &ContractTier{Name: t.Name, Label: t.Label, FromPence: t.FromPence, Steps: []ContractStep{}, KPIsRequired: t.KPIsRequired}
	for _, st := range t.Steps {
		cs := ContractStep{Key: st.Key, Label: st.Label, Required: true}
		if i := slices.IndexFunc(c.Steps, func(r StepRecord) bool { return r.Key == st.Key }); i >= 0 {
			r := c.Steps[i]
			at := r.DoneAt
			cs.Done, cs.DoneBy, cs.DoneByName, cs.DoneAt = true, r.DoneBy, r.DoneByName, &at
		}
		ct.Steps = append(ct.Steps, cs)
	}
	return ct
}

// ReadyForTender is nil when every required step is done, otherwise an
// ECONFLICT naming the first step undone (field "steps").
func (t *ContractTier) ReadyForTender() error {
	for _, st := range t.Steps {
		if st.Required && !st.Done {
			return &Error{Code: ECONFLICT, Field: "steps", Message: sprintf("%s is not done: the %s tier needs it before tender.", st.Label, t.Name)}
		}
	}
	return nil
}

// ReadyForAward is nil when the contract has the KPIs its tier needs,
// otherwise an ECONFLICT naming the rule (field "kpis"). Every door that
// awards a contract keeps it (see Contract.Award).
func (t *ContractTier) ReadyForAward(kpis int) error {
	if kpis >= t.KPIsRequired {
		return nil
	}
	return &Error{Code: ECONFLICT, Field: "kpis", Message: sprintf("This contract's tier (%s, from %s) needs at least %d KPIs before award; it has %d.",
		t.Name, Pounds(t.FromPence), t.KPIsRequired, kpis)}
}

// MarkStep records step key as done by the user (or undone), for a
// contract before tender. The key must be a step of the contract's tier.
func (c *Contract) MarkStep(tier *ContractTier, key string, done bool, by, byName string, now time.Time) error {
	if !slices.ContainsFunc(tier.Steps, func(s ContractStep) bool { return s.Key == key }) {
		return Errorf(ENOTFOUND, "The %s tier has no step %q.", tier.Name, truncateText(key, 40))
	}
	if c.Stage != StagePipeline && c.Stage != StagePreMarket {
		return Errorf(ECONFLICT, "Contract is %s: engagement steps change only before tender.", c.Stage)
	}
	i := slices.IndexFunc(c.Steps, func(r StepRecord) bool { return r.Key == key })
	switch {
	case done && i >= 0, !done && i < 0:
		return Errorf(ECONFLICT, "The step is already %s.", map[bool]string{true: "done", false: "not done"}[done])
	case done:
		c.Steps = append(slices.Clone(c.Steps), StepRecord{Key: key, DoneBy: by, DoneByName: byName, DoneAt: now})
	default:
		c.Steps = slices.Delete(slices.Clone(c.Steps), i, i+1)
	}
	c.Version, c.UpdatedAt = c.Version+1, now
	return nil
}

// SetContractStep marks an engagement step of a contract done or undone
// (officer); the step records who and when, and the change is audited.
func (s *Service) SetContractStep(ctx context.Context, a *Actor, id, key string, done bool) (*Contract, error) {
	if err := requireRole(a, RoleOfficer, RoleAdmin); err != nil {
		return nil, err
	}
	c, vs, err := s.visibleContract(ctx, a, id)
	if err != nil {
		return nil, err
	}
	u, err := s.Store.UserByID(ctx, a.UserID)
	if err != nil {
		return nil, err
	}
	tier := c.Tier
	c = c.underived()
	before, prev, now := *c, c.Version, s.now()
	if err := c.MarkStep(tier, key, done, a.UserID, u.Name, now); err != nil {
		return nil, err
	}
	action := "contract.step.done"
	if !done {
		action = "contract.step.undone"
	}
	ev := NewAuditEvent(c.AuthorityID, a.UserID, action, "contract", c.ID, stepsSnapshot(&before), stepsSnapshot(c), now)
	if err := vs.UpdateContract(ctx, c, prev, ev); err != nil {
		return nil, err
	}
	return c, s.withRules(ctx, c)
}

// stepsSnapshot is what a step's audit event shows of the contract.
func stepsSnapshot(c *Contract) any {
	return struct {
		Stage string       `json:"stage"`
		Steps []StepRecord `json:"steps"`
	}{c.Stage, c.Steps}
}

// EngagementTiers is the council's current tiers with every version.
type EngagementTiers struct {
	Version  int       `json:"version"`
	Tiers    []Tier    `json:"tiers"`
	Versions []TierSet `json:"versions"`
	Defaults TierSet   `json:"defaults"`
}

func tiersView(auth *Authority) *EngagementTiers {
	cur := auth.CurrentTiers()
	vers := auth.Tiers
	if vers == nil {
		vers = []TierSet{}
	}
	return &EngagementTiers{Version: cur.Version, Tiers: cur.Tiers, Versions: vers, Defaults: DefaultTiers}
}

// GetTiers returns the signed-in user's council's engagement tiers.
func (s *Service) GetTiers(ctx context.Context, a *Actor) (*EngagementTiers, error) {
	if err := requireSignedIn(a); err != nil {
		return nil, err
	}
	auth, err := s.Store.AuthorityByID(ctx, a.AuthorityID)
	if err != nil {
		return nil, err
	}
	return tiersView(auth), nil
}

// SetTiers records a new version of the admin's council's engagement tiers.
func (s *Service) SetTiers(ctx context.Context, a *Actor, tiers []Tier) (*EngagementTiers, error) {
	ts := TierSet{Tiers: tiers}
	for i := range ts.Tiers {
		if ts.Tiers[i].Steps == nil {
			ts.Tiers[i].Steps = []Step{}
		}
	}
	auth, err := s.changeAuthority(ctx, a, []string{RoleAdmin}, "authority.tiers", func(auth *Authority, now time.Time) (any, any, error) {
		if err := ts.Validate(); err != nil {
			return nil, nil, err
		}
		before := auth.CurrentTiers()
		ts.Version, ts.SetBy, ts.SetAt = before.Version+1, a.UserID, now
		auth.Tiers = append(slices.Clone(auth.Tiers), ts)
		return before, ts, nil
	})
	if err != nil {
		return nil, err
	}
	return tiersView(auth), nil
}
