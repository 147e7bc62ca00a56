package domain

import (
	"context"
	"strings"
)

// A platform holds several councils; a public page that names none (the
// request list, the pipeline, open data) is the platform's default council:
// the one Service.DefaultAuthority names, else the first by slug (the only
// one, on a platform of one). A signed-in person always works in the
// council of their session.

// CouncilName is a council as its public pages name it.
type CouncilName struct {
	Slug string `json:"slug"`
	Name string `json:"name"`
}

// CouncilList is the councils of the platform and its default one.
type CouncilList struct {
	Default *CouncilName  `json:"default"`
	Items   []CouncilName `json:"items"`
}

// DefaultCouncil returns the council of a public page that names none;
// ENOTFOUND when the platform has no council yet.
func (s *Service) DefaultCouncil(ctx context.Context) (*Authority, error) {
	if s.DefaultAuthority != "" {
		auth, err := s.Store.AuthorityBySlug(ctx, s.DefaultAuthority)
		if ErrorCode(err) != ENOTFOUND {
			return auth, err
		}
	}
	auths, err := s.Store.Authorities(ctx)
	if err != nil {
		return nil, err
	}
	if len(auths) == 0 {
		return nil, Errorf(ENOTFOUND, "No council is set up here yet.")
	}
	return auths[0], nil
}

// PublicCouncils lists the councils of the platform, by slug, and its
// default council (anyone): what a public page or a registration offers.
func (s *Service) PublicCouncils(ctx context.Context) (*CouncilList, error) {
	auths, err := s.Store.Authorities(ctx)
	if err != nil {
		return nil, err
	}
	out := &CouncilList{Items: make([]CouncilName, 0, len(auths))}
	for _, a := range auths {
		out.Items = append(out.Items, CouncilName{Slug: a.Slug, Name: a.Name})
	}
	if len(auths) > 0 {
		def, err := s.DefaultCouncil(ctx)
		if err != nil {
			return nil, err
		}
		out.Default = &CouncilName{Slug: def.Slug, Name: def.Name}
	}
	return out, nil
}

// councilOfPage returns the council a public page names by slug, or the
// default council when it names none; a slug of no council is an error on
// field authority.
func (s *Service) councilOfPage(ctx context.Context, slug string) (*Authority, error) {
	slug = strings.TrimSpace(slug)
	if slug == "" {
		return s.DefaultCouncil(ctx)
	}
	auth, err := s.Store.AuthorityBySlug(ctx, slug)
	if ErrorCode(err) == ENOTFOUND {
		return nil, FieldErrorf("authority", "There is no council %q here.", truncateText(slug, 40))
	}
	return auth, err
}
