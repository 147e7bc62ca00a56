package domain

import (
	"context"
	"time"

	"needmatch/matcher"
)

// Thresholds are the contract values (in pence) from which an authority's
// social value rules apply.
type Thresholds struct {
	SocialValuePence int64 `json:"socialValuePence"`
	ReportingPence   int64 `json:"reportingPence"`
	KPIsPence        int64 `json:"kpisPence"`
}

// DefaultThresholds are £25,000 social value, £50,000 reporting, £5m KPIs.
var DefaultThresholds = Thresholds{SocialValuePence: 25_000_00, ReportingPence: 50_000_00, KPIsPence: 5_000_000_00}

// DefaultHorizonYears is how many years ahead a council takes deadlines
// and due dates unless it sets its own horizon.
const DefaultHorizonYears = 5

// Area is a ward (or other area) of an authority with its need figures.
type Area struct {
	Code string  `json:"code"`
	Name string  `json:"name"`
	Lat  float64 `json:"lat"`
	Lon  float64 `json:"lon"`
	// Deciles[i] counts the area's LSOAs in national IMD decile i+1.
	Deciles [10]int `json:"deciles"`
	// NeedIndex is 0 (least need) to 1 (most need); see NeedIndexFromDeciles.
	NeedIndex float64 `json:"needIndex"`
}

// Authority is a council or partnership: the tenant every object belongs to.
type Authority struct {
	ID         string     `json:"id"`
	Slug       string     `json:"slug"`
	Name       string     `json:"name"`
	Code       string     `json:"code,omitempty"`
	Areas      []Area     `json:"areas"`
	Thresholds Thresholds `json:"thresholds"`
	// HorizonYears is how far ahead a deadline or a due date may be set
	// (0 means DefaultHorizonYears); see DateHorizon.
	HorizonYears int `json:"horizonYears,omitempty"`
	// Weights lists every version of the matcher weights, oldest first.
	Weights []Weights `json:"weights,omitempty"`
	// Tiers lists every version of the engagement tiers, oldest first
	// (none: DefaultTiers).
	Tiers []TierSet `json:"tiers,omitempty"`
	// Directorates are the council's directorates, in the order made.
	Directorates []Directorate `json:"directorates,omitempty"`
	// PostcodeDistricts are the postcode districts (outward codes, SK4)
	// counted as the council's area for local spend (see LocalSpend).
	PostcodeDistricts []string `json:"postcodeDistricts,omitempty"`
	Version           int64    `json:"version"`
}

// changeAuthority applies change to the actor's authority and writes it at
// the version read, with the event action. change returns what the event
// shows before and after; every change of an authority's own lists
// (weights, tiers, areas, directorates) goes through here.
func (s *Service) changeAuthority(ctx context.Context, a *Actor, roles []string, action string, change func(auth *Authority, now time.Time) (before, after any, err error)) (*Authority, error) {
	if err := requireRole(a, roles...); err != nil {
		return nil, err
	}
	auth, err := s.Store.AuthorityByID(ctx, a.AuthorityID)
	if err != nil {
		return nil, err
	}
	cp := *auth
	auth = &cp
	prev, now := auth.Version, s.now()
	before, after, err := change(auth, now)
	if err != nil {
		return nil, err
	}
	auth.Version++
	ev := NewAuditEvent(auth.ID, a.UserID, action, "authority", auth.ID, before, after, now)
	if err := s.Store.UpdateAuthority(ctx, auth, prev, ev); err != nil {
		return nil, err
	}
	return auth, nil
}

// Area returns the area with the code, or false.
func (a *Authority) Area(code string) (Area, bool) {
	for _, ar := range a.Areas {
		if ar.Code == code {
			return ar, true
		}
	}
	return Area{}, false
}

// NeedIndexFromDeciles is the need index of an area from the IMD deciles
// of its LSOAs, as the matcher defines it (matcher.NeedIndex): the share in
// the 20% most deprived and the mean decile, half each; 0 with no LSOAs.
func NeedIndexFromDeciles(d [10]int) float64 {
	v, _ := matcher.NeedIndex(d)
	return v
}

// AuthorityStore persists authorities.
type AuthorityStore interface {
	// PutAuthority inserts or replaces the authority with a.Slug (ID kept).
	PutAuthority(ctx context.Context, a *Authority) error
	// AuthorityBySlug returns ENOTFOUND when there is none.
	AuthorityBySlug(ctx context.Context, slug string) (*Authority, error)
	// AuthorityByID returns ENOTFOUND when there is none.
	AuthorityByID(ctx context.Context, id string) (*Authority, error)
	// Authorities lists every authority by slug.
	Authorities(ctx context.Context) ([]*Authority, error)
	// CreateAuthority inserts a new council with its first audit event;
	// ECONFLICT when the slug is taken.
	CreateAuthority(ctx context.Context, a *Authority, ev *AuditEvent) error
	// UpdateAuthority writes a if the stored version is prev, with its audit
	// event; ECONFLICT otherwise.
	UpdateAuthority(ctx context.Context, a *Authority, prev int64, ev *AuditEvent) error
}
