// Package storetest is the conformance suite that every domain.Store
// implementation must pass: the same cases, run against each store.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"needmatch/domain"
)

// Harness tells the suite how to get a fresh, empty store.
type Harness struct {
	// New returns an empty store; the harness closes it at test end.
	New func(t *testing.T) domain.Store
	// SkipConcurrency, when not empty, skips the concurrency cases and says why.
	SkipConcurrency string
	// RandomPledges and RandomSeeds size the random ledger case of
	// RunLedger: pledges per council and seeds (one store each); 0 means
	// 150 and 2. A slow server (FerretDB) runs fewer.
	RandomPledges, RandomSeeds int
}

// Run runs every case against the harness's stores.
func Run(t *testing.T, h Harness) {
	cases := []struct {
		name string
		fn   func(*testing.T, domain.Store)
		conc bool
	}{
		{"Authority", testAuthority, false},
		{"RegisterAndConflict", testRegister, false},
		{"RequestCRUDAndVersion", testRequestCRUD, false},
		{"RequestFilters", testRequestFilters, false},
		{"RequestPagination", testRequestPagination, false},
		{"PledgesAndSums", testPledges, false},
		{"AuditChain", testAuditChain, false},
		{"PageGeneration", testPageGeneration, false},
		{"ChangedSince", testChangedSince, false},
		{"CountCall", testCountCall, false},
		{"VerifyAuditChain", testVerifyAuditChain, false},
		{"Checkpoints", testCheckpoints, false},
		{"CheckpointRewrite", testCheckpointRewrite, false},
		{"RefreshTokens", testRefreshTokens, false},
		{"UpdateOrganisations", testUpdateOrganisations, false},
		{"UserUpdate", testUserUpdate, false},
		{"AuthorityUpdate", testAuthorityUpdate, false},
		{"Allocations", testAllocations, false},
		{"Idempotency", testIdempotency, false},
		{"IdempotentCommit", testIdempotentCommit, false},
		{"IdempotentCommitWrites", testIdempotentCommitWrites, false},
		{"Expiry", testExpiry, false},
		{"CommitChecks", testCommitChecks, false},
		{"OrganisationNames", testOrganisationNames, false},
		{"ContractFields", testContractFields, false},
		{"AuthorityTiersAndDirectorates", testAuthorityTiers, false},
		{"Questions", testQuestions, false},
		{"SocialValueLead", testSocialValueLead, false},
		{"OrganisationDetails", testOrganisationDetails, false},
		{"Messages", testMessages, false},
		{"SafeguardingAndExtension", testSafeguardingAndExtension, false},
		{"FindUsers", testFindUsers, false},
		{"CountStaff", testCountStaff, false},
		{"Outbox", testOutbox, false},
		{"HeldMail", testHeldMail, false},
		{"CommitmentReminders", testCommitmentReminders, false},
		{"RequestsDigest", testRequestsDigest, false},
		{"WeeklyMail", testWeeklyMail, false},
		{"RetryMail", testRetryMail, false},
		{"PasswordResets", testPasswordResets, false},
		{"NotifyPrefs", testNotifyPrefs, false},
		{"ContractKPIs", testContractKPIs, false},
		{"Remedies", testRemedies, false},
		{"Returns", testReturns, false},
		{"Leases", testLeases, false},
		{"CreateAuthority", testCreateAuthority, false},
		{"Regions", testRegions, false},
		{"OrganisationsOfHome", testOrganisationsOfHome, false},
		{"ImportStores", testImportStores, false},
		{"ImportScenario", testImportScenario, false},
		{"ImportRefusals", testImportRefusals, false},
		{"ConcurrentCAS", testConcurrentCAS, true},
		{"ConcurrentCommits", testConcurrentCommits, true},
		{"ConcurrentNames", testConcurrentNames, true},
		{"ConcurrentAuditChain", testConcurrentAudit, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.conc && h.SkipConcurrency != "" {
				t.Skip(h.SkipConcurrency)
			}
			c.fn(t, h.New(t))
		})
	}
}

var t0 = time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)

// fixture is an authority with a group and a supplier, both approved.
type fixture struct {
	auth            *domain.Authority
	group, supplier *domain.Organisation
	gUser, sUser    *domain.User
}

// MustAuthority stores an authority with two areas.
func MustAuthority(tb testing.TB, s domain.Store, slug string) *domain.Authority {
	tb.Helper()
	a := &domain.Authority{Slug: slug, Name: "Council " + slug, Thresholds: domain.DefaultThresholds, Areas: []domain.Area{
		{Code: "E05015018", Name: "Brinnington & Stockport Central", Lat: 53.41741, Lon: -2.14638, Deciles: [10]int{6, 1, 1}},
		{Code: "E05015015", Name: "Bramhall South & Woodford", Lat: 53.34674, Lon: -2.16836, Deciles: [10]int{8: 1, 9: 7}},
	}}
	if err := s.PutAuthority(context.Background(), a); err != nil {
		tb.Fatalf("PutAuthority: %v", err)
	}
	return a
}

func ev(a *domain.Authority, action, object string, at time.Time) *domain.AuditEvent {
	return domain.NewAuditEvent(a.ID, "tester", action, "test", object, nil, map[string]string{"object": object}, at)
}

func mustRegister(tb testing.TB, s domain.Store, a *domain.Authority, kind, email string) (*domain.Organisation, *domain.User) {
	tb.Helper()
	o := &domain.Organisation{ID: domain.NewID(), AuthorityID: a.ID, Authority: a.Slug, Kind: kind, Name: "Org " + email, Status: domain.OrgApproved, Version: 1, CreatedAt: t0, UpdatedAt: t0}
	u := &domain.User{ID: domain.NewID(), AuthorityID: a.ID, Authority: a.Slug, OrganisationID: o.ID, Email: email, Name: email, Role: kind, PasswordHash: "h", Version: 1, CreatedAt: t0, UpdatedAt: t0}
	if err := s.Register(context.Background(), o, u, []*domain.AuditEvent{ev(a, "organisation.register", o.ID, t0), ev(a, "user.register", u.ID, t0)}); err != nil {
		tb.Fatalf("Register: %v", err)
	}
	return o, u
}

func newFixture(t *testing.T, s domain.Store) *fixture {
	t.Helper()
	f := &fixture{auth: MustAuthority(t, s, "stockport")}
	f.group, f.gUser = mustRegister(t, s, f.auth, domain.KindGroup, "group@example.org")
	f.supplier, f.sUser = mustRegister(t, s, f.auth, domain.KindSupplier, "supplier@example.org")
	return f
}

func (f *fixture) request(t *testing.T, s domain.Store, title string, status domain.RequestStatus, area, kind string) *domain.Request {
	t.Helper()
	r := &domain.Request{ID: domain.NewID(), AuthorityID: f.auth.ID, Authority: f.auth.Slug, OrganisationID: f.group.ID, OrganisationName: f.group.Name,
		Title: title, Description: "About " + title, Kind: kind, Area: area, Quantity: 10, Unit: "hours", ValuePence: 100_000,
		Deadline: t0.AddDate(0, 3, 0), Status: status, Version: 1, CreatedAt: t0, UpdatedAt: t0}
	if err := s.CreateRequest(context.Background(), r, ev(f.auth, "request.create", r.ID, t0)); err != nil {
		t.Fatalf("CreateRequest: %v", err)
	}
	return r
}

func (f *fixture) pledge(t *testing.T, s domain.Store, r *domain.Request, value int64, status domain.PledgeStatus, approved int64) *domain.Pledge {
	t.Helper()
	p := &domain.Pledge{ID: domain.NewID(), AuthorityID: f.auth.ID, Authority: f.auth.Slug, RequestID: r.ID, RequestTitle: r.Title, RequestOrgID: r.OrganisationID,
		OrganisationID: f.supplier.ID, OrganisationName: f.supplier.Name, Offer: "Help", Quantity: 1, Unit: "day", ValuePence: value,
		ApprovedPence: approved, Status: status, Version: 1, CreatedAt: t0, UpdatedAt: t0}
	if err := s.CreatePledge(context.Background(), p, ev(f.auth, "pledge.create", p.ID, t0)); err != nil {
		t.Fatalf("CreatePledge: %v", err)
	}
	return p
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := domain.ErrorCode(err); got != code {
		t.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
}

func testAuthority(t *testing.T, s domain.Store) {
	ctx := context.Background()
	a := MustAuthority(t, s, "stockport")
	id := a.ID
	a.Name = "Stockport Metropolitan Borough Council"
	a.HorizonYears = 7
	a.ID = ""
	if err := s.PutAuthority(ctx, a); err != nil {
		t.Fatal(err)
	}
	if a.ID != id {
		t.Fatalf("PutAuthority changed the id of an existing slug: %s -> %s", id, a.ID)
	}
	got, err := s.AuthorityBySlug(ctx, "stockport")
	if err != nil || got.Name != "Stockport Metropolitan Borough Council" || len(got.Areas) != 2 || got.Areas[0].Deciles[0] != 6 {
		t.Fatalf("AuthorityBySlug = %+v, %v", got, err)
	}
	if got.Thresholds.SocialValuePence != 25_000_00 || got.HorizonYears != 7 {
		t.Fatalf("thresholds or date horizon lost: %+v, %d years", got.Thresholds, got.HorizonYears)
	}
	byID, err := s.AuthorityByID(ctx, id)
	if err != nil || byID.Slug != "stockport" {
		t.Fatalf("AuthorityByID = %+v, %v", byID, err)
	}
	_, err = s.AuthorityBySlug(ctx, "nowhere")
	wantCode(t, err, domain.ENOTFOUND)
	MustAuthority(t, s, "trafford")
	all, err := s.Authorities(ctx)
	if err != nil || len(all) != 2 || all[0].Slug != "stockport" || all[1].Slug != "trafford" {
		t.Fatalf("Authorities = %v, %v", all, err)
	}
}

func testRegister(t *testing.T, s domain.Store) {
	ctx := context.Background()
	f := newFixture(t, s)
	u, err := s.UserByEmail(ctx, "group@example.org")
	if err != nil || u.ID != f.gUser.ID || u.PasswordHash != "h" || u.AuthorityID != f.auth.ID || u.OrganisationID != f.group.ID || u.Version != 1 {
		t.Fatalf("UserByEmail = %+v, %v", u, err)
	}
	// A second registration with the same email: conflict, and its organisation is not left behind.
	o := &domain.Organisation{ID: domain.NewID(), AuthorityID: f.auth.ID, Kind: domain.KindGroup, Name: "Dup", Status: domain.OrgPending, Version: 1, CreatedAt: t0, UpdatedAt: t0}
	u2 := &domain.User{ID: domain.NewID(), AuthorityID: f.auth.ID, OrganisationID: o.ID, Email: "group@example.org", Name: "x", Role: domain.RoleGroup, Version: 1, CreatedAt: t0}
	err = s.Register(ctx, o, u2, []*domain.AuditEvent{ev(f.auth, "organisation.register", o.ID, t0), ev(f.auth, "user.register", u2.ID, t0)})
	wantCode(t, err, domain.ECONFLICT)
	if de := (*domain.Error)(nil); !errors.As(err, &de) || de.Field != "email" {
		t.Fatalf("a taken email: %v, want a conflict on email (the service answers it as a registration)", err)
	}
	_, err = s.OrganisationByID(ctx, o.ID)
	wantCode(t, err, domain.ENOTFOUND)
	evs, err := s.FindAudit(ctx, domain.AuditFilter{AuthorityID: f.auth.ID, Object: o.ID})
	if err != nil || len(evs) != 0 {
		t.Fatalf("audit event of a refused registration: %d, %v", len(evs), err)
	}
	orgs, _, err := s.FindOrganisations(ctx, domain.OrganisationFilter{AuthorityID: f.auth.ID})
	if err != nil || len(orgs) != 2 {
		t.Fatalf("organisations = %d, %v; want 2", len(orgs), err)
	}
	// Status filter and update with version.
	org := orgs[0]
	org.Status, org.Version = domain.OrgRejected, org.Version+1
	if err := s.UpdateOrganisation(ctx, org, org.Version-1, ev(f.auth, "organisation.reject", org.ID, t0)); err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.UpdateOrganisation(ctx, org, 1, ev(f.auth, "organisation.reject", org.ID, t0)), domain.ECONFLICT)
	rej, _, err := s.FindOrganisations(ctx, domain.OrganisationFilter{AuthorityID: f.auth.ID, Status: domain.OrgRejected})
	if err != nil || len(rej) != 1 || rej[0].ID != org.ID || rej[0].Version != 2 {
		t.Fatalf("rejected = %+v, %v", rej, err)
	}
	_, err = s.UserByID(ctx, domain.NewID())
	wantCode(t, err, domain.ENOTFOUND)
}

// wantNameTaken checks err is domain.NameTaken.
func wantNameTaken(t *testing.T, err error) {
	t.Helper()
	var de *domain.Error
	if !errors.As(err, &de) || de.Code != domain.ECONFLICT || de.Field != "organisation.name" {
		t.Fatalf("err = %v, want NameTaken (a conflict on organisation.name)", err)
	}
}

// newOrg is a pending group of a with the name and its key, and its user.
func newOrg(a *domain.Authority, name, email string) (*domain.Organisation, *domain.User) {
	o := &domain.Organisation{ID: domain.NewID(), AuthorityID: a.ID, Authority: a.Slug, Kind: domain.KindGroup, Name: name, NameKey: domain.NameKey(name), Status: domain.OrgPending, Version: 1, CreatedAt: t0, UpdatedAt: t0}
	u := &domain.User{ID: domain.NewID(), AuthorityID: a.ID, Authority: a.Slug, OrganisationID: o.ID, Email: email, Name: email, Role: domain.RoleGroup, PasswordHash: "h", Version: 1, CreatedAt: t0, UpdatedAt: t0}
	return o, u
}

func registerEvents(a *domain.Authority, o *domain.Organisation, u *domain.User) []*domain.AuditEvent {
	return []*domain.AuditEvent{ev(a, "organisation.register", o.ID, t0), ev(a, "user.register", u.ID, t0)}
}

// testOrganisationNames: the store keeps an organisation's name key and
// refuses a second organisation of the authority with the same key, on
// registration (writing nothing) and on update; another authority may use it.
func testOrganisationNames(t *testing.T, s domain.Store) {
	ctx := context.Background()
	f := newFixture(t, s)
	o, u := newOrg(f.auth, "Mersey Build Ltd", "mersey@example.org")
	if err := s.Register(ctx, o, u, registerEvents(f.auth, o, u)); err != nil {
		t.Fatal(err)
	}
	got, err := s.OrganisationByNameKey(ctx, f.auth.ID, domain.NameKey("MERSEY  build ltd"))
	if err != nil || got.ID != o.ID || got.NameKey != "mersey build ltd" {
		t.Fatalf("OrganisationByNameKey = %+v, %v", got, err)
	}
	_, err = s.OrganisationByNameKey(ctx, f.auth.ID, "no such name")
	wantCode(t, err, domain.ENOTFOUND)
	// The same key again: refused, and neither the organisation nor its user is left behind.
	o2, u2 := newOrg(f.auth, "mersey build LTD", "copy@example.org")
	wantNameTaken(t, s.Register(ctx, o2, u2, registerEvents(f.auth, o2, u2)))
	_, err = s.OrganisationByID(ctx, o2.ID)
	wantCode(t, err, domain.ENOTFOUND)
	_, err = s.UserByEmail(ctx, "copy@example.org")
	wantCode(t, err, domain.ENOTFOUND)
	if evs, err := s.FindAudit(ctx, domain.AuditFilter{AuthorityID: f.auth.ID, Object: o2.ID}); err != nil || len(evs) != 0 {
		t.Fatalf("audit of a refused registration: %d, %v", len(evs), err)
	}
	// Another council may have an organisation of that name.
	other := MustAuthority(t, s, "trafford")
	o3, u3 := newOrg(other, "Mersey Build Ltd", "trafford@example.org")
	if err := s.Register(ctx, o3, u3, registerEvents(other, o3, u3)); err != nil {
		t.Fatalf("the same name in another council: %v", err)
	}
	// An update to a taken key is refused and changes nothing; other updates keep the key.
	g, err := s.OrganisationByID(ctx, f.group.ID)
	if err != nil {
		t.Fatal(err)
	}
	renamed := *g
	renamed.Name, renamed.NameKey, renamed.Version = "Mersey Build Ltd", domain.NameKey("Mersey Build Ltd"), g.Version+1
	wantNameTaken(t, s.UpdateOrganisation(ctx, &renamed, g.Version, ev(f.auth, "organisation.update", g.ID, t0)))
	if again, err := s.OrganisationByID(ctx, g.ID); err != nil || again.Name != g.Name || again.Version != g.Version {
		t.Fatalf("after a refused rename: %+v, %v", again, err)
	}
	g.PendingName, g.Version = "Wanted Name", g.Version+1
	if err := s.UpdateOrganisation(ctx, g, g.Version-1, ev(f.auth, "organisation.update", g.ID, t0)); err != nil {
		t.Fatal(err)
	}
	if again, err := s.OrganisationByID(ctx, g.ID); err != nil || again.PendingName != "Wanted Name" || again.NameKey != domain.NameKey(g.Name) {
		t.Fatalf("pending name kept: %+v, %v", again, err)
	}
	// A free key frees the old one.
	g.Name, g.NameKey, g.PendingName, g.Version = "Wanted Name", domain.NameKey("Wanted Name"), "", g.Version+1
	if err := s.UpdateOrganisation(ctx, g, g.Version-1, ev(f.auth, "organisation.name.approve", g.ID, t0)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.OrganisationByNameKey(ctx, f.auth.ID, domain.NameKey("Org group@example.org")); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Fatalf("old key still held: %v", err)
	}
}

// testConcurrentNames: of registrations racing for one name, exactly one wins.
func testConcurrentNames(t *testing.T, s domain.Store) {
	ctx := context.Background()
	f := newFixture(t, s)
	const n = 8
	errs := make(chan error, n)
	for i := range n {
		go func() {
			o, u := newOrg(f.auth, "Racing Name Ltd", fmt.Sprintf("race%d@example.org", i))
			errs <- s.Register(ctx, o, u, registerEvents(f.auth, o, u))
		}()
	}
	won := 0
	for range n {
		err := <-errs
		if err == nil {
			won++
			continue
		}
		wantNameTaken(t, err)
	}
	if won != 1 {
		t.Fatalf("%d registrations took the same name, want 1", won)
	}
	orgs, _, err := s.FindOrganisations(ctx, domain.OrganisationFilter{AuthorityID: f.auth.ID, Page: domain.Page{Limit: 100}})
	if err != nil || len(orgs) != 3 {
		t.Fatalf("organisations = %d, %v; want 3", len(orgs), err)
	}
}

func testRequestCRUD(t *testing.T, s domain.Store) {
	ctx := context.Background()
	f := newFixture(t, s)
	r := f.request(t, s, "Laptops for the homework club", domain.ReqDraft, "E05015018", "goods")
	got, err := s.RequestByID(ctx, r.ID)
	if err != nil || got.Title != r.Title || got.AuthorityID != f.auth.ID || !got.Deadline.Equal(r.Deadline) || got.Version != 1 || got.ValuePence != 100_000 {
		t.Fatalf("RequestByID = %+v, %v", got, err)
	}
	got.Status, got.Version = domain.ReqSubmitted, 2
	if err := s.UpdateRequest(ctx, got, 1, ev(f.auth, "request.submit", r.ID, t0)); err != nil {
		t.Fatal(err)
	}
	stale := *got
	stale.Status, stale.Version = domain.ReqWithdrawn, 2
	wantCode(t, s.UpdateRequest(ctx, &stale, 1, ev(f.auth, "request.withdraw", r.ID, t0)), domain.ECONFLICT)
	again, _ := s.RequestByID(ctx, r.ID)
	if again.Status != domain.ReqSubmitted || again.Version != 2 {
		t.Fatalf("after a refused stale update: %s v%d", again.Status, again.Version)
	}
	evs, _ := s.FindAudit(ctx, domain.AuditFilter{AuthorityID: f.auth.ID, Object: r.ID})
	if len(evs) != 2 || evs[1].Action != "request.submit" {
		t.Fatalf("audit of request = %d events, want 2 (no event for the refused update)", len(evs))
	}
	missing := *got
	missing.ID = domain.NewID()
	wantCode(t, s.UpdateRequest(ctx, &missing, 2, ev(f.auth, "x", missing.ID, t0)), domain.ENOTFOUND)
	_, err = s.RequestByID(ctx, domain.NewID())
	wantCode(t, err, domain.ENOTFOUND)
}

func ids[T any](items []T, id func(T) string) []string {
	out := make([]string, len(items))
	for i, x := range items {
		out[i] = id(x)
	}
	return out
}

func reqID(r *domain.Request) string { return r.ID }

func testRequestFilters(t *testing.T, s domain.Store) {
	ctx := context.Background()
	f := newFixture(t, s)
	a := f.request(t, s, "Paint the community hall", domain.ReqPublished, "E05015018", "works")
	b := f.request(t, s, "100% cotton T-shirts", domain.ReqPublished, "E05015015", "goods")
	c := f.request(t, s, "Mentoring_for_young people", domain.ReqDraft, "E05015018", "advice")
	other := MustAuthority(t, s, "trafford")
	og, _ := mustRegister(t, s, other, domain.KindGroup, "g2@example.org")
	f2 := &fixture{auth: other, group: og}
	f2.request(t, s, "Paint the scout hut", domain.ReqPublished, "E05015018", "works")

	check := func(name string, flt domain.RequestFilter, want ...string) {
		t.Helper()
		if flt.AuthorityID == "" {
			flt.AuthorityID = f.auth.ID
		}
		got, _, err := s.FindRequests(ctx, flt)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		g := ids(got, reqID)
		if fmt.Sprint(g) != fmt.Sprint(want) {
			t.Fatalf("%s: got %v, want %v", name, g, want)
		}
	}
	check("all newest first", domain.RequestFilter{}, c.ID, b.ID, a.ID)
	check("published", domain.RequestFilter{Statuses: []domain.RequestStatus{domain.ReqPublished}}, b.ID, a.ID)
	check("area", domain.RequestFilter{Area: "E05015018"}, c.ID, a.ID)
	check("kind", domain.RequestFilter{Kind: "goods"}, b.ID)
	check("text, any case", domain.RequestFilter{Text: "PAINT"}, a.ID)
	check("text in description", domain.RequestFilter{Text: "about 100"}, b.ID)
	check("percent is literal", domain.RequestFilter{Text: "%"}, b.ID)
	check("underscore is literal", domain.RequestFilter{Text: "_for_"}, c.ID)
	check("regex is literal", domain.RequestFilter{Text: ".*"})
	check("organisation", domain.RequestFilter{OrganisationID: og.ID})
	check("other authority", domain.RequestFilter{AuthorityID: other.ID, Text: "paint"}, ids(mustFind(t, s, other.ID), reqID)...)
}

func mustFind(t *testing.T, s domain.Store, auth string) []*domain.Request {
	t.Helper()
	got, _, err := s.FindRequests(context.Background(), domain.RequestFilter{AuthorityID: auth})
	if err != nil || len(got) != 1 {
		t.Fatalf("FindRequests(%s) = %d, %v", auth, len(got), err)
	}
	return got
}

func testRequestPagination(t *testing.T, s domain.Store) {
	ctx := context.Background()
	f := newFixture(t, s)
	var want []string
	for i := 0; i < 7; i++ {
		want = append([]string{f.request(t, s, fmt.Sprintf("Request %d", i), domain.ReqPublished, "E05015018", "goods").ID}, want...)
	}
	var got []string
	page := domain.Page{Limit: 3}
	for n := 0; ; n++ {
		items, next, err := s.FindRequests(ctx, domain.RequestFilter{AuthorityID: f.auth.ID, Page: page})
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, ids(items, reqID)...)
		if next == "" {
			if n != 2 {
				t.Fatalf("pages = %d, want 3", n+1)
			}
			break
		}
		page.After = next
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("paged = %v, want %v", got, want)
	}
}

func testPledges(t *testing.T, s domain.Store) {
	ctx := context.Background()
	f := newFixture(t, s)
	r := f.request(t, s, "Food bank volunteers", domain.ReqPublished, "E05015018", "volunteering")
	r2 := f.request(t, s, "Other", domain.ReqPublished, "E05015018", "volunteering")
	p1 := f.pledge(t, s, r, 30_000, domain.PledgeOffered, 0)
	p2 := f.pledge(t, s, r, 50_000, domain.PledgeApproved, 40_000)
	f.pledge(t, s, r, 70_000, domain.PledgeDeclined, 0)
	f.pledge(t, s, r2, 10_000, domain.PledgeOffered, 0)
	got, err := s.RequestByID(ctx, r.ID)
	if err != nil || got.PledgedPence != 80_000 || got.ApprovedPence != 40_000 {
		t.Fatalf("sums = pledged %d approved %d (%v), want 80000 and 40000", got.PledgedPence, got.ApprovedPence, err)
	}
	list, _, err := s.FindRequests(ctx, domain.RequestFilter{AuthorityID: f.auth.ID})
	if err != nil || len(list) != 2 || list[1].PledgedPence != 80_000 || list[0].PledgedPence != 10_000 {
		t.Fatalf("list sums wrong: %+v %v", list, err)
	}
	p1.Status, p1.ApprovedPence, p1.Version = domain.PledgeApproved, 30_000, 2
	if err := s.UpdatePledge(ctx, p1, 1, ev(f.auth, "pledge.approve", p1.ID, t0)); err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.UpdatePledge(ctx, p1, 1, ev(f.auth, "pledge.approve", p1.ID, t0)), domain.ECONFLICT)
	got, _ = s.RequestByID(ctx, r.ID)
	if got.ApprovedPence != 70_000 {
		t.Fatalf("approved = %d, want 70000", got.ApprovedPence)
	}
	back, err := s.PledgeByID(ctx, p2.ID)
	if err != nil || back.RequestOrgID != f.group.ID || back.AuthorityID != f.auth.ID || back.ApprovedPence != 40_000 {
		t.Fatalf("PledgeByID = %+v, %v", back, err)
	}
	count := func(flt domain.PledgeFilter) int {
		t.Helper()
		flt.AuthorityID = f.auth.ID
		items, _, err := s.FindPledges(ctx, flt)
		if err != nil {
			t.Fatal(err)
		}
		return len(items)
	}
	if n := count(domain.PledgeFilter{}); n != 4 {
		t.Fatalf("all pledges = %d", n)
	}
	if n := count(domain.PledgeFilter{RequestID: r.ID}); n != 3 {
		t.Fatalf("pledges of request = %d", n)
	}
	if n := count(domain.PledgeFilter{Status: domain.PledgeApproved}); n != 2 {
		t.Fatalf("approved pledges = %d", n)
	}
	if n := count(domain.PledgeFilter{RequestOrgID: f.group.ID}); n != 4 {
		t.Fatalf("pledges on group's requests = %d", n)
	}
	if n := count(domain.PledgeFilter{OrganisationID: f.group.ID}); n != 0 {
		t.Fatalf("pledges by the group = %d", n)
	}
}

func testAuditChain(t *testing.T, s domain.Store) {
	ctx := context.Background()
	f := newFixture(t, s)
	r := f.request(t, s, "Audit me", domain.ReqDraft, "E05015018", "goods")
	evs, err := s.FindAudit(ctx, domain.AuditFilter{AuthorityID: f.auth.ID})
	if err != nil || len(evs) != 5 {
		t.Fatalf("events = %d, %v; want 5", len(evs), err)
	}
	if b := domain.VerifyChain(f.auth.ID, evs); b != nil {
		t.Fatalf("chain broken: %+v", b)
	}
	last := evs[4]
	if last.Object != r.ID || last.Seq != 5 || last.PrevHash != evs[3].Hash || string(last.After) == "" {
		t.Fatalf("last event = %+v", last)
	}
	page, err := s.FindAudit(ctx, domain.AuditFilter{AuthorityID: f.auth.ID, AfterSeq: 2, Limit: 2})
	if err != nil || len(page) != 2 || page[0].Seq != 3 || page[1].Seq != 4 {
		t.Fatalf("page = %v, %v", page, err)
	}
	auths, err := s.AuditAuthorities(ctx)
	if err != nil || len(auths) != 1 || auths[0] != f.auth.ID {
		t.Fatalf("AuditAuthorities = %v, %v", auths, err)
	}
	if seq, hash, err := s.AuditHead(ctx, f.auth.ID); err != nil || seq != 5 || hash != last.Hash {
		t.Fatalf("AuditHead = %d %q %v, want 5 %q", seq, hash, err, last.Hash)
	}
	if seq, hash, err := s.AuditHead(ctx, "no-such-council"); err != nil || seq != 0 || hash != "" {
		t.Fatalf("AuditHead of a council without events = %d %q %v", seq, hash, err)
	}
}

func testRefreshTokens(t *testing.T, s domain.Store) {
	ctx := context.Background()
	f := newFixture(t, s)
	tok := &domain.RefreshToken{ID: domain.NewID(), Family: domain.NewID(), UserID: f.gUser.ID, ExpiresAt: t0.Add(time.Hour), CreatedAt: t0}
	if err := s.CreateRefreshToken(ctx, tok); err != nil {
		t.Fatal(err)
	}
	got, err := s.UseRefreshToken(ctx, tok.ID)
	if err != nil || got.Family != tok.Family || got.UserID != f.gUser.ID || !got.ExpiresAt.Equal(tok.ExpiresAt) {
		t.Fatalf("UseRefreshToken = %+v, %v", got, err)
	}
	got, err = s.UseRefreshToken(ctx, tok.ID)
	wantCode(t, err, domain.ECONFLICT)
	if got == nil || got.Family != tok.Family {
		t.Fatalf("reuse must return the token to revoke its family, got %+v", got)
	}
	next := &domain.RefreshToken{ID: domain.NewID(), Family: tok.Family, UserID: f.gUser.ID, Council: f.auth.ID, ExpiresAt: t0.Add(time.Hour), CreatedAt: t0}
	if err := s.CreateRefreshToken(ctx, next); err != nil {
		t.Fatal(err)
	}
	if got, err := s.UseRefreshToken(ctx, next.ID); err != nil || got.Council != f.auth.ID || got.Family != tok.Family {
		t.Fatalf("a token keeps the council of its session: %+v, %v", got, err)
	}
	next = &domain.RefreshToken{ID: domain.NewID(), Family: tok.Family, UserID: f.gUser.ID, ExpiresAt: t0.Add(time.Hour), CreatedAt: t0}
	if err := s.CreateRefreshToken(ctx, next); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeRefreshFamily(ctx, tok.Family); err != nil {
		t.Fatal(err)
	}
	_, err = s.UseRefreshToken(ctx, next.ID)
	wantCode(t, err, domain.ECONFLICT)
	_, err = s.UseRefreshToken(ctx, domain.NewID())
	wantCode(t, err, domain.ENOTFOUND)
	other := &domain.RefreshToken{ID: domain.NewID(), Family: domain.NewID(), UserID: f.sUser.ID, ExpiresAt: t0.Add(time.Hour), CreatedAt: t0}
	if err := s.CreateRefreshToken(ctx, other); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeUserRefreshTokens(ctx, f.sUser.ID); err != nil {
		t.Fatal(err)
	}
	_, err = s.UseRefreshToken(ctx, other.ID)
	wantCode(t, err, domain.ECONFLICT)
}

func testUserUpdate(t *testing.T, s domain.Store) {
	ctx := context.Background()
	f := newFixture(t, s)
	u := *f.sUser
	u.Disabled, u.Version = true, 2
	if err := s.UpdateUser(ctx, &u, 1, ev(f.auth, "user.disable", u.ID, t0)); err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.UpdateUser(ctx, &u, 1, ev(f.auth, "user.disable", u.ID, t0)), domain.ECONFLICT)
	got, err := s.UserByID(ctx, u.ID)
	if err != nil || !got.Disabled || got.Version != 2 || got.PasswordHash != "h" {
		t.Fatalf("UserByID = %+v, %v", got, err)
	}
	dup := &domain.User{ID: domain.NewID(), AuthorityID: f.auth.ID, Email: "supplier@example.org", Name: "x", Role: domain.RoleOfficer, Version: 1, CreatedAt: t0}
	wantCode(t, s.CreateUser(ctx, dup, ev(f.auth, "user.create", dup.ID, t0)), domain.ECONFLICT)

	// Email verification: an unverified registration reads back unverified
	// (by id and by email), and an update verifies it.
	o, nu := newOrg(f.auth, "Unverified Group", "unverified@example.org")
	nu.EmailUnverified = true
	if err := s.Register(ctx, o, nu, registerEvents(f.auth, o, nu)); err != nil {
		t.Fatal(err)
	}
	if got, err := s.UserByEmail(ctx, nu.Email); err != nil || !got.EmailUnverified {
		t.Fatalf("unverified user = %+v, %v", got, err)
	}
	v := *nu
	v.EmailUnverified, v.Version = false, 2
	if err := s.UpdateUser(ctx, &v, 1, ev(f.auth, "user.verify-email", v.ID, t0)); err != nil {
		t.Fatal(err)
	}
	if got, err := s.UserByID(ctx, nu.ID); err != nil || got.EmailUnverified || got.Version != 2 {
		t.Fatalf("verified user = %+v, %v", got, err)
	}
	if got, _ := s.UserByID(ctx, f.sUser.ID); got.EmailUnverified {
		t.Fatal("a user written without the flag reads back unverified")
	}
}

func testConcurrentCAS(t *testing.T, s domain.Store) {
	ctx := context.Background()
	f := newFixture(t, s)
	r := f.request(t, s, "Contended", domain.ReqPublished, "E05015018", "goods")
	p := f.pledge(t, s, r, 10_000, domain.PledgeOffered, 0)
	const n = 16
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			q := *p
			q.Status, q.Version, q.Reason = domain.PledgeApproved, 2, fmt.Sprint("by ", i)
			errs[i] = s.UpdatePledge(ctx, &q, 1, ev(f.auth, "pledge.approve", p.ID, t0))
		}(i)
	}
	wg.Wait()
	ok := countWins(t, errs)
	if ok != 1 {
		t.Fatalf("%d of %d concurrent compare-and-set updates succeeded, want exactly 1", ok, n)
	}
	evs, _ := s.FindAudit(ctx, domain.AuditFilter{AuthorityID: f.auth.ID, Object: p.ID})
	if len(evs) != 2 {
		t.Fatalf("audit events for the pledge = %d, want 2 (create + one approve)", len(evs))
	}
}

func testConcurrentAudit(t *testing.T, s domain.Store) {
	ctx := context.Background()
	f := newFixture(t, s)
	var wg sync.WaitGroup
	errs := make(chan error, 80)
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 5; j++ {
				// t.Fatal may not be called off the test goroutine: collect errors.
				r := &domain.Request{ID: domain.NewID(), AuthorityID: f.auth.ID, OrganisationID: f.group.ID, Title: "Parallel", Kind: "goods",
					Area: "E05015018", Quantity: 1, Unit: "x", Status: domain.ReqDraft, Version: 1, CreatedAt: t0, UpdatedAt: t0}
				errs <- s.CreateRequest(context.Background(), r, ev(f.auth, "request.create", r.ID, t0))
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent create: %v", err)
		}
	}
	evs, err := s.FindAudit(ctx, domain.AuditFilter{AuthorityID: f.auth.ID})
	if err != nil || len(evs) != 4+80 {
		t.Fatalf("events = %d, %v; want 84", len(evs), err)
	}
	if b := domain.VerifyChain(f.auth.ID, evs); b != nil {
		t.Fatalf("chain forked or broken under concurrent writes: %+v", b)
	}
}

func testAuthorityUpdate(t *testing.T, s domain.Store) {
	ctx := context.Background()
	a := MustAuthority(t, s, "stockport")
	a.Weights = []domain.Weights{{Version: 2, Need: 0.5, Fit: 0.5}}
	a.Areas = a.Areas[:1]
	a.Version = 1
	if err := s.UpdateAuthority(ctx, a, 0, ev(a, "authority.weights", a.ID, t0)); err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.UpdateAuthority(ctx, a, 0, ev(a, "authority.weights", a.ID, t0)), domain.ECONFLICT)
	got, err := s.AuthorityBySlug(ctx, "stockport")
	if err != nil || got.Version != 1 || len(got.Areas) != 1 || len(got.Weights) != 1 || got.Weights[0].Need != 0.5 {
		t.Fatalf("after update: %+v %v", got, err)
	}
	evs, _ := s.FindAudit(ctx, domain.AuditFilter{AuthorityID: a.ID, Object: a.ID})
	if len(evs) != 1 {
		t.Fatalf("audit events = %d, want 1", len(evs))
	}
}

func testAllocations(t *testing.T, s domain.Store) {
	ctx := context.Background()
	a := MustAuthority(t, s, "stockport")
	al := &domain.Allocation{ID: domain.NewID(), AuthorityID: a.ID, Status: domain.AllocProposed, Objective: 42, Bound: 50, Gap: 0.16, Version: 1,
		CreatedAt: t0, Items: []domain.AllocationItem{{PledgeID: "p1", PledgeVersion: 3, ApprovedPence: 500, Reason: "need_covered", Score: 0.5}}}
	if err := s.CreateAllocation(ctx, al, ev(a, "allocation.propose", al.ID, t0)); err != nil {
		t.Fatal(err)
	}
	got, err := s.AllocationByID(ctx, al.ID)
	if err != nil || got.AuthorityID != a.ID || got.Objective != 42 || len(got.Items) != 1 || got.Items[0].PledgeVersion != 3 || got.Items[0].Reason != "need_covered" {
		t.Fatalf("AllocationByID = %+v %v", got, err)
	}
	got.Status, got.Version = domain.AllocAccepted, 2
	if err := s.UpdateAllocation(ctx, got, 1, ev(a, "allocation.accept", al.ID, t0)); err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.UpdateAllocation(ctx, got, 1, ev(a, "allocation.accept", al.ID, t0)), domain.ECONFLICT)
	_, err = s.AllocationByID(ctx, domain.NewID())
	wantCode(t, err, domain.ENOTFOUND)

	// a proposal kept as its differences from one stored in full reads
	// back whole, in the proposal's order; accepting it stores it whole
	item := func(id string, score float64, approved int64) domain.AllocationItem {
		return domain.AllocationItem{PledgeID: id, PledgeVersion: 1, RequestID: "r-" + id, ValuePence: 1000, ApprovedPence: approved, Score: score, Explanation: "why " + id}
	}
	base := &domain.Allocation{ID: domain.NewID(), AuthorityID: a.ID, Status: domain.AllocProposed, Version: 1, CreatedAt: t0,
		Items: []domain.AllocationItem{item("p4", 0.9, 1000), item("p3", 0.5, 0), item("p2", 0.5, 700), item("p1", 0.1, 0)}}
	if err := s.CreateAllocation(ctx, base, ev(a, "allocation.propose", base.ID, t0)); err != nil {
		t.Fatal(err)
	}
	want := []domain.AllocationItem{item("p5", 0.7, 300), item("p3", 0.5, 0), item("p2", 0.4, 1000), item("p1", 0.1, 0)}
	next := &domain.Allocation{ID: domain.NewID(), AuthorityID: a.ID, Status: domain.AllocProposed, Objective: 7, Version: 1, CreatedAt: t0, Items: want,
		Delta: &domain.AllocationDelta{BaseID: base.ID, Set: []domain.AllocationItem{want[0], want[2]}, Gone: []string{"p4"}}}
	if err := s.CreateAllocation(ctx, next, ev(a, "allocation.propose", next.ID, t0)); err != nil {
		t.Fatal(err)
	}
	got, err = s.AllocationByID(ctx, next.ID)
	if err != nil || got.Objective != 7 || got.Delta != nil || !reflect.DeepEqual(got.Items, want) {
		t.Fatalf("AllocationByID of a delta = %+v %v, want items %+v", got, err, want)
	}
	got.Status, got.Version = domain.AllocAccepted, 2
	if err := s.UpdateAllocation(ctx, got, 1, ev(a, "allocation.accept", next.ID, t0)); err != nil {
		t.Fatal(err)
	}
	if got, err = s.AllocationByID(ctx, next.ID); err != nil || got.Status != domain.AllocAccepted || !reflect.DeepEqual(got.Items, want) {
		t.Fatalf("AllocationByID of an accepted delta = %+v %v, want items %+v", got, err, want)
	}
	if got, err = s.AllocationByID(ctx, base.ID); err != nil || !reflect.DeepEqual(got.Items, base.Items) {
		t.Fatalf("AllocationByID of the base = %+v %v", got, err)
	}
}

func testIdempotency(t *testing.T, s domain.Store) {
	ctx := context.Background()
	r := &domain.IdempotencyRecord{UserID: "u1", Key: "k1", Fingerprint: "f1", CreatedAt: t0}
	if prev, err := s.ClaimIdempotency(ctx, r); err != nil || prev != nil {
		t.Fatalf("first claim: %v %v", prev, err)
	}
	prev, err := s.ClaimIdempotency(ctx, &domain.IdempotencyRecord{UserID: "u1", Key: "k1", Fingerprint: "f2", CreatedAt: t0})
	wantCode(t, err, domain.ECONFLICT)
	if prev == nil || prev.Fingerprint != "f1" || prev.Done {
		t.Fatalf("second claim returned %+v", prev)
	}
	if _, err := s.ClaimIdempotency(ctx, &domain.IdempotencyRecord{UserID: "u2", Key: "k1", Fingerprint: "f1", CreatedAt: t0}); err != nil {
		t.Fatalf("another user's same key: %v", err)
	}
	r.Done, r.Status, r.ContentType, r.Body = true, 201, "application/json", []byte(`{"id":"x"}`)
	if err := s.CompleteIdempotency(ctx, r); err != nil {
		t.Fatal(err)
	}
	prev, _ = s.ClaimIdempotency(ctx, &domain.IdempotencyRecord{UserID: "u1", Key: "k1", Fingerprint: "f1", CreatedAt: t0})
	if prev == nil || !prev.Done || prev.Status != 201 || string(prev.Body) != `{"id":"x"}` {
		t.Fatalf("completed record = %+v", prev)
	}
	if err := s.ReleaseIdempotency(ctx, "u2", "k1"); err != nil {
		t.Fatal(err)
	}
	if prev, err := s.ClaimIdempotency(ctx, &domain.IdempotencyRecord{UserID: "u2", Key: "k1", Fingerprint: "f9", CreatedAt: t0}); err != nil || prev != nil {
		t.Fatalf("claim after release: %v %v", prev, err)
	}
}

// approve returns p approved for amount, as the service would write it.
func approved(p *domain.Pledge, amount int64) *domain.Pledge {
	q := *p
	q.Status, q.ApprovedPence, q.Version = domain.PledgeApproved, amount, p.Version+1
	return &q
}

func testCommitChecks(t *testing.T, s domain.Store) {
	ctx := context.Background()
	f := newFixture(t, s)
	r := f.request(t, s, "Capped", domain.ReqPublished, "E05015018", "goods") // needs 100,000
	chk := domain.CommitCheck{RequestID: r.ID, RequestCapPence: r.ValuePence, SupplierID: f.supplier.ID}
	a := f.pledge(t, s, r, 60_000, domain.PledgeOffered, 0)
	b := f.pledge(t, s, r, 60_000, domain.PledgeOffered, 0)
	if err := s.CommitPledge(ctx, approved(a, 60_000), 1, chk, ev(f.auth, "pledge.approve", a.ID, t0)); err != nil {
		t.Fatalf("first approval: %v", err)
	}
	err := s.CommitPledge(ctx, approved(b, 60_000), 1, chk, ev(f.auth, "pledge.approve", b.ID, t0))
	wantCode(t, err, domain.ECONFLICT)
	if de, _ := err.(*domain.Error); de == nil || de.Field != "amountPence" {
		t.Fatalf("refusal = %#v, want field amountPence", err)
	}
	got, _ := s.PledgeByID(ctx, b.ID)
	if got.Status != domain.PledgeOffered || got.Version != 1 {
		t.Fatalf("refused pledge was written: %s v%d", got.Status, got.Version)
	}
	if evs, _ := s.FindAudit(ctx, domain.AuditFilter{AuthorityID: f.auth.ID, Object: b.ID}); len(evs) != 1 {
		t.Fatalf("refused approval left %d audit events, want 1 (create)", len(evs))
	}
	// Part of it fits; an override lifts the request's cap.
	if err := s.CommitPledge(ctx, approved(b, 40_000), 1, chk, ev(f.auth, "pledge.approve", b.ID, t0)); err != nil {
		t.Fatalf("approving the part that fits: %v", err)
	}
	c := f.pledge(t, s, r, 5_000, domain.PledgeOffered, 0)
	over := chk
	over.NoRequestCap = true
	oc := approved(c, 5_000)
	oc.Override = &domain.Override{By: "officer", Reason: "A second site opened", At: t0}
	if err := s.CommitPledge(ctx, oc, 1, over, ev(f.auth, "pledge.approve", c.ID, t0)); err != nil {
		t.Fatalf("override: %v", err)
	}
	if got, _ := s.PledgeByID(ctx, c.ID); got.Override == nil || got.Override.Reason != "A second site opened" || !got.Override.At.Equal(t0) {
		t.Fatalf("override kept as %+v", got.Override)
	}
	if rr, _ := s.RequestByID(ctx, r.ID); rr.ApprovedPence != 105_000 {
		t.Fatalf("approved total = %d, want 105000", rr.ApprovedPence)
	}
	// The supplier's open commitments are 105,000: a limit of 110,000
	// takes 5,000 more and no more, also with an override.
	r2 := f.request(t, s, "Other", domain.ReqPublished, "E05015018", "goods")
	lim := domain.CommitCheck{RequestID: r2.ID, RequestCapPence: r2.ValuePence, NoRequestCap: true, SupplierID: f.supplier.ID, SupplierLimitPence: 110_000}
	d := f.pledge(t, s, r2, 6_000, domain.PledgeOffered, 0)
	wantCode(t, s.CommitPledge(ctx, approved(d, 6_000), 1, lim, ev(f.auth, "pledge.approve", d.ID, t0)), domain.ECONFLICT)
	if err := s.CommitPledge(ctx, approved(d, 5_000), 1, lim, ev(f.auth, "pledge.approve", d.ID, t0)); err != nil {
		t.Fatalf("approval within the limit: %v", err)
	}
}

func testConcurrentCommits(t *testing.T, s domain.Store) {
	ctx := context.Background()
	f := newFixture(t, s)
	r := f.request(t, s, "Contended need", domain.ReqPublished, "E05015018", "goods") // needs 100,000
	chk := domain.CommitCheck{RequestID: r.ID, RequestCapPence: r.ValuePence, SupplierID: f.supplier.ID}
	const n = 16
	ps := make([]*domain.Pledge, n)
	for i := range ps {
		ps[i] = f.pledge(t, s, r, 30_000, domain.PledgeOffered, 0)
	}
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			errs[i] = s.CommitPledge(ctx, approved(ps[i], 30_000), 1, chk, ev(f.auth, "pledge.approve", ps[i].ID, t0))
		}(i)
	}
	wg.Wait()
	ok := countWins(t, errs)
	rr, _ := s.RequestByID(ctx, r.ID)
	if ok != 3 || rr.ApprovedPence != 90_000 {
		t.Fatalf("%d of %d racing approvals of 30,000 on a need of 100,000 passed (approved %d), want 3 (90,000)", ok, n, rr.ApprovedPence)
	}
}

// countWins counts the writes that passed among racing ones; the others
// must have been refused as conflicts.
func countWins(t *testing.T, errs []error) int {
	t.Helper()
	ok := 0
	for _, err := range errs {
		switch domain.ErrorCode(err) {
		case "":
			ok++
		case domain.ECONFLICT:
		default:
			t.Fatalf("unexpected error: %v", err)
		}
	}
	return ok
}
