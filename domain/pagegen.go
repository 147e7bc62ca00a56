package domain

import "context"

// PageGeneration is the generation of an authority's public pages, kept in
// the database and so the same for every process: the seq of the head of
// the authority's audit chain. Every change leaves its audit event within
// the change (SQLite: in its transaction; MongoDB: chained before the
// change is acknowledged, or by Recover), so the generation rises with
// every change to the authority's requests, pledges, organisations,
// contracts and areas, and never falls. Reading it is one indexed read of
// one document. Anyone may read it (public pages are public).
func (s *Service) PageGeneration(ctx context.Context, authorityID string) (uint64, error) {
	seq, _, err := s.Store.AuditHead(ctx, authorityID)
	if err != nil {
		return 0, err
	}
	return uint64(seq), nil
}

// PageAuthority returns the id of the authority with slug (the default
// council when slug is ""; ENOTFOUND when there is none), whose
// PageGeneration stamps its public lists. An authority keeps its id for
// good (PutAuthority keeps it), so a caller may remember the answer.
func (s *Service) PageAuthority(ctx context.Context, slug string) (string, error) {
	var auth *Authority
	var err error
	if slug == "" {
		auth, err = s.DefaultCouncil(ctx)
	} else {
		auth, err = s.Store.AuthorityBySlug(ctx, slug)
	}
	if err != nil {
		return "", err
	}
	return auth.ID, nil
}

// PageRegion returns the ids of the member councils of the region with
// slug (ENOTFOUND when there is none). The region's public pages are
// stamped with the sum of their PageGenerations, which rises with a change
// in any of them. A region's members are fixed when it is created, so a
// caller may remember the answer.
func (s *Service) PageRegion(ctx context.Context, slug string) ([]string, error) {
	r, err := s.Store.RegionBySlug(ctx, truncateText(slug, 64))
	if err != nil {
		return nil, err
	}
	return r.AuthorityIDs, nil
}
