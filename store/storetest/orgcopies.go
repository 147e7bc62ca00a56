package storetest

import (
	"context"
	"testing"

	"needmatch/domain"
)

// testUpdateOrganisations: a supplier's records in two councils are
// written as one, each with its event in its own council's chain; when one
// has moved on, neither is written.
func testUpdateOrganisations(t *testing.T, s domain.Store) {
	ctx := context.Background()
	f := newFixture(t, s)
	other := MustAuthority(t, s, "othershire")
	copyOf := &domain.Organisation{ID: domain.NewID(), AuthorityID: other.ID, Authority: other.Slug, Kind: domain.KindSupplier, Name: f.supplier.Name,
		Status: domain.OrgPending, Home: f.supplier.ID, Version: 1, CreatedAt: t0, UpdatedAt: t0}
	if err := s.CreateOrganisation(ctx, copyOf, ev(other, "organisation.join", copyOf.ID, t0)); err != nil {
		t.Fatal(err)
	}
	change := func(o *domain.Organisation, a *domain.Authority, phone string) domain.OrganisationChange {
		n := *o
		n.Phone, n.Version = phone, o.Version+1
		return domain.OrganisationChange{Org: &n, Prev: o.Version, Event: ev(a, "organisation.update", o.ID, t0)}
	}
	home, err := s.OrganisationByID(ctx, f.supplier.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.UpdateOrganisations(ctx, []domain.OrganisationChange{change(home, f.auth, "0161 474 4000"), change(copyOf, other, "0161 474 4000")}); err != nil {
		t.Fatal(err)
	}
	for _, w := range []struct {
		a  *domain.Authority
		id string
	}{{f.auth, home.ID}, {other, copyOf.ID}} {
		got, err := s.OrganisationByID(ctx, w.id)
		if err != nil || got.Phone != "0161 474 4000" || got.Version != 2 {
			t.Fatalf("%s after the change: %+v, %v", w.a.Slug, got, err)
		}
		evs, err := s.FindAudit(ctx, domain.AuditFilter{AuthorityID: w.a.ID, Object: w.id})
		if err != nil || len(evs) == 0 || evs[len(evs)-1].Action != "organisation.update" || evs[len(evs)-1].Hash == "" {
			t.Fatalf("%s's chain: %+v, %v", w.a.Slug, evs, err)
		}
	}
	// The copy has moved on (version 2, not 1): nothing is written.
	home.Version, copyOf.Version = 2, 1
	err = s.UpdateOrganisations(ctx, []domain.OrganisationChange{change(home, f.auth, "0161 000 0000"), change(copyOf, other, "0161 000 0000")})
	wantCode(t, err, domain.ECONFLICT)
	for _, id := range []string{home.ID, copyOf.ID} {
		if got, _ := s.OrganisationByID(ctx, id); got.Phone != "0161 474 4000" || got.Version != 2 {
			t.Fatalf("a refused change wrote %+v", got)
		}
	}
}
