package domain

import (
	"context"
	"slices"
	"strings"
	"time"
)

// KPI is a key performance indicator of a contract, recorded by an
// officer before award: what is measured, the target, its unit and how it
// is measured. A tier may require some before award (Tier.KPIsRequired).
type KPI struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Target      string    `json:"target"`
	Unit        string    `json:"unit"`
	HowMeasured string    `json:"howMeasured"`
	AddedBy     string    `json:"-"`
	AddedByName string    `json:"addedByName"`
	AddedAt     time.Time `json:"addedAt"`
}

// KPIInput is one KPI an officer gives; ID names a KPI the contract has
// (kept), empty for a new one.
type KPIInput struct {
	ID, Name, Target, Unit, HowMeasured string
}

// beforeAward reports whether the contract is not yet awarded.
func (c *Contract) beforeAward() bool {
	return slices.Index(Stages, c.Stage) < slices.Index(Stages, StageAwarded)
}

// afterAward reports whether the contract is awarded, live or closed with
// a supplier.
func (c *Contract) afterAward() bool {
	return !c.beforeAward() && c.AwardedTo != ""
}

// SetKPIs replaces the contract's KPIs, before award: a KPI given with its
// id keeps its id and who added it; one without is new. At most 20.
func (c *Contract) SetKPIs(in []KPIInput, by, byName string, now time.Time) error {
	if !c.beforeAward() {
		return &Error{Code: ECONFLICT, Field: "kpis", Message: sprintf("Contract is %s: KPIs are recorded before award.", c.Stage)}
	}
	var v Validation
	if len(in) > maxKPIs {
		v.Add("kpis", "A contract has at most %d KPIs", maxKPIs)
		return v.Err()
	}
	out, seen := make([]KPI, 0, len(in)), map[string]bool{}
	for i, k := range in {
		f := sprintf("kpis[%d]", i)
		k.Name, k.Target, k.Unit, k.HowMeasured = strings.TrimSpace(k.Name), strings.TrimSpace(k.Target), strings.TrimSpace(k.Unit), strings.TrimSpace(k.HowMeasured)
		checkText(&v, f+".name", k.Name, 3, 200, true)
		checkText(&v, f+".target", k.Target, 1, 200, true)
		checkText(&v, f+".unit", k.Unit, 1, 60, true)
		checkTextML(&v, f+".howMeasured", k.HowMeasured, 3, 2000, true, true)
		kpi := KPI{ID: NewID(), Name: k.Name, Target: k.Target, Unit: k.Unit, HowMeasured: k.HowMeasured, AddedBy: by, AddedByName: byName, AddedAt: now}
		if k.ID != "" {
			j := slices.IndexFunc(c.KPIs, func(x KPI) bool { return x.ID == k.ID })
			if j < 0 || seen[k.ID] {
				v.Add(f+".id", "id must be the id of one of the contract's KPIs, once")
				continue
			}
			seen[k.ID] = true
			old := c.KPIs[j]
			kpi.ID, kpi.AddedBy, kpi.AddedByName, kpi.AddedAt = old.ID, old.AddedBy, old.AddedByName, old.AddedAt
		}
		out = append(out, kpi)
	}
	if err := v.Err(); err != nil {
		return err
	}
	c.KPIs, c.Version, c.UpdatedAt = out, c.Version+1, now
	return nil
}

// KPI ratings, the four of published contract assessments, best first.
const (
	RatingGood                = "good"
	RatingApproachingTarget   = "approaching_target"
	RatingRequiresImprovement = "requires_improvement"
	RatingInadequate          = "inadequate"
)

// Ratings lists the KPI ratings, best first.
var Ratings = []string{RatingGood, RatingApproachingTarget, RatingRequiresImprovement, RatingInadequate}

// BelowApproaching reports whether a rating is below "approaching target":
// requires improvement or inadequate, the ratings that allow a remedy plan.
func BelowApproaching(rating string) bool {
	return rating == RatingRequiresImprovement || rating == RatingInadequate
}

// KPIRating is an officer's rating of one KPI for one financial year (FY
// 2026 is April 2026 to March 2027), with a note. A rating is never edited:
// a second rating of the same KPI and year is a dated correction that names
// the rating it corrects.
type KPIRating struct {
	ID          string    `json:"id"`
	KPIID       string    `json:"kpiId"`
	FY          int       `json:"fy"`
	Rating      string    `json:"rating"`
	Note        string    `json:"note"`
	Corrects    string    `json:"corrects,omitempty"`
	RatedBy     string    `json:"-"`
	RatedByName string    `json:"ratedByName"`
	RatedAt     time.Time `json:"ratedAt"`
}

// FinancialYearOf is the financial year of t: April YYYY to March YYYY+1
// is YYYY.
func FinancialYearOf(t time.Time) int {
	t = t.UTC()
	if t.Month() < time.April {
		return t.Year() - 1
	}
	return t.Year()
}

// Rate records a rating of the contract's KPI kpiID for financial year fy,
// on an awarded, live or closed contract; a rating of a KPI and year
// already rated corrects the latest one.
func (c *Contract) Rate(kpiID string, fy int, rating, note, by, byName string, now time.Time) (*KPIRating, error) {
	if !c.afterAward() {
		return nil, Errorf(ECONFLICT, "Contract is %s: KPIs are rated once it is awarded.", c.Stage)
	}
	var v Validation
	if !slices.ContainsFunc(c.KPIs, func(k KPI) bool { return k.ID == kpiID }) {
		v.Add("kpiId", "kpiId must be the id of one of the contract's KPIs")
	}
	if cur := FinancialYearOf(now); fy < 2000 || fy > cur {
		v.Add("fy", "fy must be a financial year from 2000 to %d (April to March)", cur)
	}
	if !slices.Contains(Ratings, rating) {
		v.Add("rating", "rating must be %s", strings.Join(Ratings, ", "))
	}
	note = strings.TrimSpace(note)
	checkTextML(&v, "note", note, 3, 2000, true, true)
	if err := v.Err(); err != nil {
		return nil, err
	}
	r := KPIRating{ID: NewID(), KPIID: kpiID, FY: fy, Rating: rating, Note: note, RatedBy: by, RatedByName: byName, RatedAt: now}
	if prev := c.CurrentRating(kpiID, fy); prev != nil {
		r.Corrects = prev.ID
	}
	c.KPIRatings = append(slices.Clone(c.KPIRatings), r)
	c.Version, c.UpdatedAt = c.Version+1, now
	return &r, nil
}

// CurrentRating is the latest rating of a KPI for a financial year, or nil.
func (c *Contract) CurrentRating(kpiID string, fy int) *KPIRating {
	for i := len(c.KPIRatings) - 1; i >= 0; i-- {
		if r := c.KPIRatings[i]; r.KPIID == kpiID && r.FY == fy {
			return &r
		}
	}
	return nil
}

// contractAuthor returns the contract the officer may change and the
// officer's name, for a change recorded with who made it.
func (s *Service) contractAuthor(ctx context.Context, a *Actor, id string) (*Contract, string, error) {
	if err := requireRole(a, RoleOfficer, RoleAdmin); err != nil {
		return nil, "", err
	}
	c, _, err := s.visibleContract(ctx, a, id)
	if err != nil {
		return nil, "", err
	}
	u, err := s.Store.UserByID(ctx, a.UserID)
	if err != nil {
		return nil, "", err
	}
	return c, u.Name, nil
}

// SetContractKPIs records the contract's KPIs before award (officer), at
// the contract's version; audited.
func (s *Service) SetContractKPIs(ctx context.Context, a *Actor, id string, kpis []KPIInput, version int64) (*Contract, error) {
	c, name, err := s.contractAuthor(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if version != c.Version {
		return nil, &Error{Code: ECONFLICT, Field: "version", Message: "The contract changed since you read it: reload it and make your change again."}
	}
	c = c.underived()
	before, prev, now := c.KPIs, c.Version, s.now()
	if err := c.SetKPIs(kpis, a.UserID, name, now); err != nil {
		return nil, err
	}
	ev := NewAuditEvent(c.AuthorityID, a.UserID, "contract.kpis", "contract", c.ID, kpisSnapshot(before), kpisSnapshot(c.KPIs), now)
	if err := s.Store.UpdateContract(ctx, c, prev, ev); err != nil {
		return nil, err
	}
	return c, s.withRules(ctx, c)
}

func kpisSnapshot(k []KPI) any {
	if k == nil {
		k = []KPI{}
	}
	return struct {
		KPIs []KPI `json:"kpis"`
	}{k}
}

// RatingInput is an officer's rating of a KPI.
type RatingInput struct {
	KPIID, Rating, Note string
	FY                  int
}

// RateKPI records a rating of a contract's KPI for a financial year
// (officer); a second rating of the same KPI and year is a dated
// correction. Audited.
func (s *Service) RateKPI(ctx context.Context, a *Actor, id string, in RatingInput) (*KPIRating, error) {
	c, name, err := s.contractAuthor(ctx, a, id)
	if err != nil {
		return nil, err
	}
	c = c.underived()
	prev, now := c.Version, s.now()
	r, err := c.Rate(in.KPIID, in.FY, in.Rating, in.Note, a.UserID, name, now)
	if err != nil {
		return nil, err
	}
	action := "contract.rate_kpi"
	if r.Corrects != "" {
		action = "contract.correct_rating"
	}
	ev := NewAuditEvent(c.AuthorityID, a.UserID, action, "contract", c.ID, nil, r, now)
	if err := s.Store.UpdateContract(ctx, c, prev, ev); err != nil {
		return nil, err
	}
	return r, nil
}
