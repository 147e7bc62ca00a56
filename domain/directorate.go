package domain

import (
	"context"
	"slices"
	"time"
)

// Directorate is a directorate of a council; contracts name one. A
// directorate is never deleted (contracts keep naming it); an officer
// makes it inactive instead.
type Directorate struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Active bool   `json:"active"`
}

// maxDirectorates bounds a council's directorates.
const maxDirectorates = 200

// Directorate returns the authority's directorate with the id, or false.
func (a *Authority) Directorate(id string) (Directorate, bool) {
	if id == "" {
		return Directorate{}, false
	}
	i := slices.IndexFunc(a.Directorates, func(d Directorate) bool { return d.ID == id })
	if i < 0 {
		return Directorate{}, false
	}
	return a.Directorates[i], true
}

// putDirectorate adds d to the authority or replaces the one with its id,
// checking its name and that no other directorate has it (NameKey).
func (a *Authority) putDirectorate(d Directorate) error {
	var v Validation
	d.Name = cleanName(d.Name)
	checkName(&v, "name", d.Name, 2, 100)
	if err := v.Err(); err != nil {
		return err
	}
	for _, x := range a.Directorates {
		if x.ID != d.ID && NameKey(x.Name) == NameKey(d.Name) {
			return &Error{Code: ECONFLICT, Field: "name", Message: sprintf("The council already has a directorate called %q.", x.Name)}
		}
	}
	ds := slices.Clone(a.Directorates)
	if i := slices.IndexFunc(ds, func(x Directorate) bool { return x.ID == d.ID }); i >= 0 {
		ds[i] = d
	} else if len(ds) >= maxDirectorates {
		return Errorf(ECONFLICT, "A council has at most %d directorates.", maxDirectorates)
	} else {
		ds = append(ds, d)
	}
	a.Directorates = ds
	return nil
}

// ListDirectorates lists the signed-in user's council's directorates.
func (s *Service) ListDirectorates(ctx context.Context, a *Actor) ([]Directorate, error) {
	if err := requireSignedIn(a); err != nil {
		return nil, err
	}
	auth, err := s.Store.AuthorityByID(ctx, a.AuthorityID)
	if err != nil {
		return nil, err
	}
	out := slices.Clone(auth.Directorates)
	if out == nil {
		out = []Directorate{}
	}
	return out, nil
}

// CreateDirectorate adds a directorate to the officer's council; its name
// is unique in the council.
func (s *Service) CreateDirectorate(ctx context.Context, a *Actor, name string) (*Directorate, error) {
	d := Directorate{ID: NewID(), Name: name, Active: true}
	auth, err := s.changeAuthority(ctx, a, []string{RoleOfficer, RoleAdmin}, "directorate.create", func(auth *Authority, _ time.Time) (any, any, error) {
		if err := auth.putDirectorate(d); err != nil {
			return nil, nil, err
		}
		d, _ = auth.Directorate(d.ID)
		return nil, d, nil
	})
	if err != nil {
		return nil, err
	}
	d, _ = auth.Directorate(d.ID)
	return &d, nil
}

// DirectorateChange renames a directorate or makes it (in)active.
type DirectorateChange struct {
	Name   *string
	Active *bool
}

// UpdateDirectorate changes a directorate of the officer's council.
func (s *Service) UpdateDirectorate(ctx context.Context, a *Actor, id string, ch DirectorateChange) (*Directorate, error) {
	var d Directorate
	_, err := s.changeAuthority(ctx, a, []string{RoleOfficer, RoleAdmin}, "directorate.update", func(auth *Authority, _ time.Time) (any, any, error) {
		before, ok := auth.Directorate(id)
		if !ok {
			return nil, nil, Errorf(ENOTFOUND, "Directorate not found.")
		}
		d = before
		if ch.Name != nil {
			d.Name = *ch.Name
		}
		if ch.Active != nil {
			d.Active = *ch.Active
		}
		if err := auth.putDirectorate(d); err != nil {
			return nil, nil, err
		}
		d, _ = auth.Directorate(id)
		return before, d, nil
	})
	if err != nil {
		return nil, err
	}
	return &d, nil
}
