package domain

import (
	"context"
	"math"
	"time"
)

// Weights are an authority's matcher weights. Each change makes a new
// version and the old ones are kept, so a past score can be explained with
// the weights of its day.
type Weights struct {
	Version  int       `json:"version"`
	Need     float64   `json:"need"`
	Fit      float64   `json:"fit"`
	Coverage float64   `json:"coverage"`
	Urgency  float64   `json:"urgency"`
	Distance float64   `json:"distance"`
	Record   float64   `json:"record"`
	SetBy    string    `json:"setBy,omitempty"`
	SetAt    time.Time `json:"setAt,omitempty"`
}

// Validate checks that every weight is 0 to 1 and that they do not all vanish.
func (w *Weights) Validate() error {
	var v Validation
	sum := 0.0
	for _, f := range []struct {
		name string
		x    float64
	}{{"need", w.Need}, {"fit", w.Fit}, {"coverage", w.Coverage}, {"urgency", w.Urgency}, {"distance", w.Distance}, {"record", w.Record}} {
		if math.IsNaN(f.x) || f.x < 0 || f.x > 1 {
			v.Add(f.name, "%s must be a weight from 0 to 1", f.name)
		}
		sum += f.x
	}
	if sum <= 0 {
		v.Add("need", "At least one weight must be above 0")
	}
	return v.Err()
}

// CurrentWeights returns the authority's newest weights, or nil for the defaults.
func (a *Authority) CurrentWeights() *Weights {
	if len(a.Weights) == 0 {
		return nil
	}
	w := a.Weights[len(a.Weights)-1]
	return &w
}

// SetWeights records a new version of the admin's authority's weights.
func (s *Service) SetWeights(ctx context.Context, a *Actor, w Weights) (*MatcherWeights, error) {
	auth, err := s.changeAuthority(ctx, a, []string{RoleAdmin}, "authority.weights", func(auth *Authority, now time.Time) (any, any, error) {
		if err := w.Validate(); err != nil {
			return nil, nil, err
		}
		before := auth.CurrentWeights()
		w.Version = matcherWeights(auth).Version + 1
		if before != nil {
			w.Version = before.Version + 1
		}
		w.SetBy, w.SetAt = a.UserID, now
		auth.Weights = append(append([]Weights(nil), auth.Weights...), w)
		return before, w, nil
	})
	if err != nil {
		return nil, err
	}
	return weightsView(auth), nil
}

// ImportAreas replaces the officer's authority's areas and need figures,
// all or nothing. Areas with deciles get the need index computed from them.
func (s *Service) ImportAreas(ctx context.Context, a *Actor, areas []Area) (*Authority, error) {
	if err := requireRole(a, RoleOfficer, RoleAdmin); err != nil {
		return nil, err
	}
	if len(areas) == 0 {
		return nil, FieldErrorf("csv", "The file has no areas")
	}
	return s.changeAuthority(ctx, a, []string{RoleOfficer, RoleAdmin}, "authority.areas", func(auth *Authority, _ time.Time) (any, any, error) {
		before := auth.Areas
		auth.Areas = areas
		return before, areas, nil
	})
}
