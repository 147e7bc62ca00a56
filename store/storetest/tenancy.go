package storetest

import (
	"context"
	"strings"
	"testing"

	"needmatch/domain"
)

// testCreateAuthority: a new council is inserted with the first event of its
// own chain; a second council of the same slug is a conflict and writes
// nothing.
func testCreateAuthority(t *testing.T, s domain.Store) {
	ctx := context.Background()
	a := &domain.Authority{ID: domain.NewID(), Slug: "rochdale", Name: "Rochdale", Code: "E08000005", Areas: []domain.Area{}, Thresholds: domain.DefaultThresholds, Version: 1}
	if err := s.CreateAuthority(ctx, a, ev(a, "authority.create", a.ID, t0)); err != nil {
		t.Fatal(err)
	}
	got, err := s.AuthorityBySlug(ctx, "rochdale")
	if err != nil || got.ID != a.ID || got.Name != "Rochdale" || got.Code != "E08000005" || got.Version != 1 || got.Thresholds != domain.DefaultThresholds || len(got.Areas) != 0 {
		t.Fatalf("AuthorityBySlug = %+v, %v", got, err)
	}
	evs, err := s.FindAudit(ctx, domain.AuditFilter{AuthorityID: a.ID})
	if err != nil || len(evs) != 1 || evs[0].Seq != 1 || evs[0].Action != "authority.create" {
		t.Fatalf("the council's chain = %v, %v; want its creation as event 1", evs, err)
	}
	dup := &domain.Authority{ID: domain.NewID(), Slug: "rochdale", Name: "Another", Areas: []domain.Area{}, Version: 1}
	wantCode(t, s.CreateAuthority(ctx, dup, ev(dup, "authority.create", dup.ID, t0)), domain.ECONFLICT)
	if _, err := s.AuthorityByID(ctx, dup.ID); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Fatalf("the refused council was written: %v", err)
	}
	if evs, _ := s.FindAudit(ctx, domain.AuditFilter{AuthorityID: dup.ID}); len(evs) != 0 {
		t.Fatalf("the refused council left events: %v", evs)
	}
}

// testRegions: a region keeps its councils in order, is found by slug and
// id, its event goes to the platform chain, and a slug is taken once.
func testRegions(t *testing.T, s domain.Store) {
	ctx := context.Background()
	a, b, c := MustAuthority(t, s, "stockport"), MustAuthority(t, s, "rochdale"), MustAuthority(t, s, "trafford")
	platform := &domain.Authority{ID: domain.PlatformChain}
	r := &domain.Region{ID: domain.NewID(), Slug: "star", Name: "STAR Procurement", AuthorityIDs: []string{b.ID, a.ID}, Authorities: []string{"rochdale", "stockport"}, Version: 1, CreatedAt: t0}
	if err := s.CreateRegion(ctx, r, ev(platform, "region.create", r.ID, t0)); err != nil {
		t.Fatal(err)
	}
	for _, get := range []func() (*domain.Region, error){
		func() (*domain.Region, error) { return s.RegionBySlug(ctx, "star") },
		func() (*domain.Region, error) { return s.RegionByID(ctx, r.ID) },
	} {
		got, err := get()
		if err != nil || got.ID != r.ID || got.Name != "STAR Procurement" || len(got.AuthorityIDs) != 2 || got.AuthorityIDs[0] != b.ID || got.AuthorityIDs[1] != a.ID ||
			got.Authorities[0] != "rochdale" || got.Authorities[1] != "stockport" || !got.CreatedAt.Equal(t0) || got.Has(c.ID) {
			t.Fatalf("region = %+v, %v", got, err)
		}
	}
	_, err := s.RegionBySlug(ctx, "nowhere")
	wantCode(t, err, domain.ENOTFOUND)
	dup := &domain.Region{ID: domain.NewID(), Slug: "star", Name: "Again", AuthorityIDs: []string{c.ID}, Authorities: []string{"trafford"}, Version: 1, CreatedAt: t0}
	wantCode(t, s.CreateRegion(ctx, dup, ev(platform, "region.create", dup.ID, t0)), domain.ECONFLICT)
	other := &domain.Region{ID: domain.NewID(), Slug: "agma", Name: "Greater Manchester", AuthorityIDs: []string{c.ID}, Authorities: []string{"trafford"}, Version: 1, CreatedAt: t0}
	if err := s.CreateRegion(ctx, other, ev(platform, "region.create", other.ID, t0)); err != nil {
		t.Fatal(err)
	}
	all, err := s.Regions(ctx)
	if err != nil || len(all) != 2 || all[0].Slug != "agma" || all[1].Slug != "star" {
		t.Fatalf("Regions = %v, %v", all, err)
	}
	evs, err := s.FindAudit(ctx, domain.AuditFilter{AuthorityID: domain.PlatformChain})
	if err != nil || len(evs) != 2 || evs[0].Object != r.ID || evs[1].Object != other.ID || evs[1].Seq != 2 {
		t.Fatalf("platform chain = %v, %v", evs, err)
	}
	if br := domain.VerifyChain(domain.PlatformChain, evs); br != nil {
		t.Fatalf("platform chain broken: %+v", br)
	}
	// A region officer keeps its region; a platform admin has neither council nor region.
	ro := &domain.User{ID: domain.NewID(), RegionID: r.ID, Region: "star", Email: "ro@example.org", Name: "Region officer", Role: domain.RoleRegionOfficer, PasswordHash: "h", Version: 1, CreatedAt: t0, UpdatedAt: t0}
	pa := &domain.User{ID: domain.NewID(), Email: "pa@example.org", Name: "Platform admin", Role: domain.RolePlatformAdmin, PasswordHash: "h", Version: 1, CreatedAt: t0, UpdatedAt: t0}
	for _, u := range []*domain.User{ro, pa} {
		if err := s.CreateUser(ctx, u, ev(platform, "user.create", u.ID, t0)); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.UserByEmail(ctx, "ro@example.org")
	if err != nil || got.RegionID != r.ID || got.Region != "star" || got.AuthorityID != "" || got.Role != domain.RoleRegionOfficer {
		t.Fatalf("region officer = %+v, %v", got, err)
	}
	got, err = s.UserByID(ctx, pa.ID)
	if err != nil || got.RegionID != "" || got.AuthorityID != "" || got.Role != domain.RolePlatformAdmin {
		t.Fatalf("platform admin = %+v, %v", got, err)
	}
}

// testOrganisationsOfHome: a supplier's record in another council keeps its
// home, is listed by it, takes the council's name rule, and its event is in
// that council's chain.
func testOrganisationsOfHome(t *testing.T, s domain.Store) {
	ctx := context.Background()
	f := newFixture(t, s)
	other := MustAuthority(t, s, "trafford")
	rec := &domain.Organisation{ID: domain.NewID(), AuthorityID: other.ID, Authority: "trafford", Kind: domain.KindSupplier, Name: f.supplier.Name,
		Status: domain.OrgPending, Home: f.supplier.ID, Version: 1, CreatedAt: t0, UpdatedAt: t0}
	if err := s.CreateOrganisation(ctx, rec, ev(other, "organisation.join", rec.ID, t0)); err != nil {
		t.Fatal(err)
	}
	got, err := s.OrganisationByID(ctx, rec.ID)
	if err != nil || got.Home != f.supplier.ID || got.AuthorityID != other.ID || got.Status != domain.OrgPending || got.Name != f.supplier.Name {
		t.Fatalf("record = %+v, %v", got, err)
	}
	if home, _ := s.OrganisationByID(ctx, f.supplier.ID); home.Home != "" {
		t.Fatalf("the home names a home: %q", home.Home)
	}
	third := MustAuthority(t, s, "rochdale")
	rec2 := &domain.Organisation{ID: domain.NewID(), AuthorityID: third.ID, Authority: "rochdale", Kind: domain.KindSupplier, Name: f.supplier.Name,
		Status: domain.OrgPending, Home: f.supplier.ID, Version: 1, CreatedAt: t0, UpdatedAt: t0}
	if err := s.CreateOrganisation(ctx, rec2, ev(third, "organisation.join", rec2.ID, t0)); err != nil {
		t.Fatal(err)
	}
	list, err := s.OrganisationsOfHome(ctx, f.supplier.ID)
	if err != nil || len(list) != 2 || list[0].ID != rec.ID || list[1].ID != rec2.ID {
		t.Fatalf("OrganisationsOfHome = %v, %v", list, err)
	}
	if none, err := s.OrganisationsOfHome(ctx, f.group.ID); err != nil || len(none) != 0 {
		t.Fatalf("a group's records = %v, %v", none, err)
	}
	// A name another organisation of the council has is taken.
	dup := &domain.Organisation{ID: domain.NewID(), AuthorityID: other.ID, Authority: "trafford", Kind: domain.KindSupplier, Name: strings.ToUpper(f.supplier.Name),
		Status: domain.OrgPending, Home: f.group.ID, Version: 1, CreatedAt: t0, UpdatedAt: t0}
	err = s.CreateOrganisation(ctx, dup, ev(other, "organisation.join", dup.ID, t0))
	wantCode(t, err, domain.ECONFLICT)
	if _, err := s.OrganisationByID(ctx, dup.ID); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Fatalf("the refused record was written: %v", err)
	}
	evs, err := s.FindAudit(ctx, domain.AuditFilter{AuthorityID: other.ID})
	if err != nil || len(evs) != 1 || evs[0].Object != rec.ID {
		t.Fatalf("Trafford's chain = %v, %v", evs, err)
	}
}
