package domain

import (
	"context"
	"regexp"
	"strings"
)

// Platform roles: neither belongs to a council.
const (
	// RolePlatformAdmin runs the platform: creates councils and regions.
	// Only the command line creates one.
	RolePlatformAdmin = "platform_admin"
	// RoleRegionOfficer reads, never writes, the councils of one region.
	RoleRegionOfficer = "region_officer"
)

// PlatformChain is the audit chain of what belongs to no council: regions
// and the platform's own people. `needmatch audit verify` checks it with
// the councils' chains.
const PlatformChain = "platform"

var (
	slugPattern = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$`)
	// codePattern is a GSS code (E08000007) or empty.
	codePattern = regexp.MustCompile(`^[A-Z][0-9]{8}$`)
)

func checkSlug(v *Validation, field, s string) {
	if len(s) < 2 || !slugPattern.MatchString(s) {
		v.Add(field, "%s must be 2 to 40 lower-case letters, digits and hyphens", label(field))
	}
}

// AuthorityInput is a council to create.
type AuthorityInput struct {
	Slug, Name string
	// Code is the council's GSS code (E08000007), optional.
	Code string
}

// CreateAuthority creates a council (platform admin; a nil actor is the
// command line) with the default thresholds, engagement tiers and matcher
// weights and the example measures catalogue; its areas come with the areas
// import. Its audit chain starts with the event of its creation.
func (s *Service) CreateAuthority(ctx context.Context, a *Actor, in AuthorityInput) (*Authority, error) {
	if a != nil {
		if err := requireRole(a, RolePlatformAdmin); err != nil {
			return nil, err
		}
	}
	in.Slug, in.Name, in.Code = strings.TrimSpace(in.Slug), cleanName(in.Name), strings.TrimSpace(in.Code)
	var v Validation
	checkSlug(&v, "slug", in.Slug)
	checkName(&v, "name", in.Name, 2, 200)
	if in.Code != "" && !codePattern.MatchString(in.Code) {
		v.Add("code", "code must be a GSS code: a capital letter and eight digits (E08000007)")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	now := s.now()
	auth := &Authority{ID: NewID(), Slug: in.Slug, Name: in.Name, Code: in.Code, Areas: []Area{}, Thresholds: DefaultThresholds, Version: 1}
	ev := NewAuditEvent(auth.ID, platformActor(a), "authority.create", "authority", auth.ID, nil, auth, now)
	if err := s.Store.CreateAuthority(ctx, auth, ev); ErrorCode(err) == ECONFLICT {
		return nil, &Error{Code: ECONFLICT, Field: "slug", Message: sprintf("There is already a council %q.", in.Slug)}
	} else if err != nil {
		return nil, err
	}
	if _, err := s.SeedExampleMeasures(ctx, auth.ID); err != nil {
		return nil, err
	}
	return auth, nil
}

// platformActor names a platform actor in an event; nil is the command line.
func platformActor(a *Actor) string {
	if a == nil {
		return "cli"
	}
	return a.UserID
}

// ListAuthorities lists every council of the platform (platform admin).
func (s *Service) ListAuthorities(ctx context.Context, a *Actor) ([]*Authority, error) {
	if err := requireRole(a, RolePlatformAdmin); err != nil {
		return nil, err
	}
	return s.Store.Authorities(ctx)
}
