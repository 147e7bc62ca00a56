package domain_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"needmatch/domain"
	"needmatch/store/sqlite"
	"needmatch/store/sqlite/sqlitetest"
	"needmatch/store/storetest"
)

// councils is a platform of two councils, Stockport (home) and a test
// council, with an officer in each and a supplier of Stockport approved in
// both (its record in the test council is other).
type councils struct {
	svc              *domain.Service
	db               *sqlite.DB
	home, away       *domain.Authority
	homeOff, awayOff *domain.Actor
	supplier         *domain.Actor
	other            string
}

func newCouncils(t *testing.T) *councils {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(sqlitetest.Dir(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	c := &councils{svc: domain.NewService(db), db: db}
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	c.svc.Now = func() time.Time { return now }
	c.home = storetest.MustAuthority(t, db, "stockport")
	if c.away, err = c.svc.CreateAuthority(ctx, nil, domain.AuthorityInput{Slug: "testshire", Name: "Testshire (test)"}); err != nil {
		t.Fatal(err)
	}
	officer := func(auth *domain.Authority, email string) *domain.Actor {
		u, err := c.svc.CreateStaffUser(ctx, domain.StaffUserInput{Email: email, Password: "correct-horse-battery", Role: domain.RoleOfficer, AuthoritySlug: auth.Slug})
		if err != nil {
			t.Fatal(err)
		}
		return &domain.Actor{UserID: u.ID, Role: domain.RoleOfficer, AuthorityID: auth.ID}
	}
	c.homeOff, c.awayOff = officer(c.home, "o@stockport.example"), officer(c.away, "o@testshire.example")
	u, o, err := c.svc.Register(ctx, domain.RegisterInput{Email: "s@example.org", Password: "correct-horse-battery", Name: "S", Role: domain.RoleSupplier,
		OrgName: "Mersey Build", AuthoritySlug: c.home.Slug, EmailVerified: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.svc.DecideOrganisation(ctx, c.homeOff, o.ID, true, ""); err != nil {
		t.Fatal(err)
	}
	if c.supplier, _, err = c.svc.ActorFor(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	m, err := c.svc.JoinCouncil(ctx, c.supplier, c.away.Slug)
	if err != nil {
		t.Fatal(err)
	}
	c.other = m.OrganisationID
	return c
}

func (c *councils) approveAway(t *testing.T) {
	t.Helper()
	if _, err := c.svc.DecideOrganisation(context.Background(), c.awayOff, c.other, true, ""); err != nil {
		t.Fatal(err)
	}
}

// TestSessionKeepsSwitchedCouncil: the refresh token the switch issues
// records the council, so the refresh continues there; once the council
// suspends the organisation, the refresh goes back home with a notice.
func TestSessionKeepsSwitchedCouncil(t *testing.T) {
	ctx := context.Background()
	c := newCouncils(t)
	const ttl = time.Hour
	raw, _, err := c.svc.IssueRefreshToken(ctx, c.supplier.UserID, "", "", ttl)
	if err != nil {
		t.Fatal(err)
	}
	// Pending there: refused on field authority, and the token is not spent.
	_, err = c.svc.SwitchCouncil(ctx, c.supplier, c.away.Slug, raw, ttl)
	var de *domain.Error
	if !errors.As(err, &de) || de.Code != domain.EFORBIDDEN || de.Field != "authority" {
		t.Fatalf("switch while pending: %v", err)
	}
	c.approveAway(t)
	sw, err := c.svc.SwitchCouncil(ctx, c.supplier, c.away.Slug, raw, ttl)
	if err != nil || sw.Council != c.away.ID || sw.Refresh == "" || sw.Authority.Slug != c.away.Slug {
		t.Fatalf("switch = %+v, %v", sw, err)
	}
	r, err := c.svc.UseRefreshToken(ctx, sw.Refresh)
	if err != nil || r.Council != c.away.ID || r.Authority.ID != c.away.ID || r.Left != nil || r.User.ID != c.supplier.UserID {
		t.Fatalf("refresh after the switch = %+v, %v", r, err)
	}
	// The next link keeps it (what the API issues on refresh).
	next, _, err := c.svc.IssueRefreshToken(ctx, c.supplier.UserID, r.Family, r.Council, ttl)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.svc.SuspendOrganisation(ctx, c.awayOff, c.other, true, "Under investigation"); err != nil {
		t.Fatal(err)
	}
	r, err = c.svc.UseRefreshToken(ctx, next)
	if err != nil || r.Council != "" || r.Authority.ID != c.home.ID || r.Left == nil || r.Left.ID != c.away.ID || r.Notice == "" {
		t.Fatalf("refresh after suspension = %+v, %v", r, err)
	}
	// The token spent by the switch is reuse now.
	_, err = c.svc.UseRefreshToken(ctx, raw)
	wantErrCode(t, err, domain.EUNAUTHORIZED)
}

func wantErrCode(t *testing.T, err error, code string) {
	t.Helper()
	if domain.ErrorCode(err) != code {
		t.Fatalf("error %v, want code %s", err, code)
	}
}

// TestCopiesKeptInStep: the supplier edits its details working in the
// test council; its record at home has them too, each change in its own
// council's chain; a new name waits for each council's officers; its base
// ward and its standing stay each council's own.
func TestCopiesKeptInStep(t *testing.T) {
	ctx := context.Background()
	c := newCouncils(t)
	c.approveAway(t)
	away, _, err := c.svc.ActorIn(ctx, c.supplier.UserID, c.away.ID)
	if err != nil {
		t.Fatal(err)
	}
	home, err := c.svc.GetOrganisation(ctx, c.supplier, c.supplier.OrganisationID)
	if err != nil {
		t.Fatal(err)
	}
	homeWard := "E05015018"
	if _, err := c.svc.UpdateProfile(ctx, c.supplier, home.ID, domain.ProfileInput{Details: &domain.OrgDetails{BaseWard: homeWard}}); err != nil {
		t.Fatal(err)
	}
	name, offers := "Mersey Build and Care", []string{"jobs"}
	details := domain.OrgDetails{Phone: "0161 474 4000", Website: "https://mersey.example.org", CompanyNumber: "01234567",
		SocialValueLead: &domain.Contact{Name: "Asha Patel", Email: "asha@mersey.example.org"}}
	if _, err := c.svc.UpdateProfile(ctx, away, c.other, domain.ProfileInput{Name: &name, Offers: &offers, Details: &details}); err != nil {
		t.Fatal(err)
	}
	got, err := c.svc.GetOrganisation(ctx, c.supplier, home.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Phone != details.Phone || got.Website != details.Website || got.CompanyNumber != "01234567" || got.SocialValueLead == nil ||
		got.SocialValueLead.Name != "Asha Patel" || len(got.Offers) != 1 || got.Offers[0] != "jobs" {
		t.Fatalf("home record after the edit in the test council: %+v", got)
	}
	// Approved in both: the new name waits for each council's officers.
	if got.Name != "Mersey Build" || got.PendingName != name || got.BaseWard != homeWard {
		t.Fatalf("home name %q pending %q ward %q", got.Name, got.PendingName, got.BaseWard)
	}
	for _, w := range []struct {
		a  *domain.Authority
		id string
	}{{c.home, home.ID}, {c.away, c.other}} {
		evs, err := c.db.FindAudit(ctx, domain.AuditFilter{AuthorityID: w.a.ID, Object: w.id})
		if err != nil || len(evs) == 0 || evs[len(evs)-1].Action != "organisation.update" || evs[len(evs)-1].Actor != c.supplier.UserID {
			t.Fatalf("%s's chain: %+v, %v", w.a.Slug, evs, err)
		}
	}
	// An edit at home reaches the copy, whose base ward stays its own (none).
	details.Phone = "0161 000 1111"
	details.BaseWard = homeWard
	if _, err := c.svc.UpdateProfile(ctx, c.supplier, home.ID, domain.ProfileInput{Details: &details}); err != nil {
		t.Fatal(err)
	}
	cp, err := c.svc.GetOrganisation(ctx, away, c.other)
	if err != nil || cp.Phone != "0161 000 1111" || cp.BaseWard != "" || cp.PendingName != name {
		t.Fatalf("copy after the edit at home: %+v, %v", cp, err)
	}
	// A suspension by the test council binds it alone.
	if _, err := c.svc.SuspendOrganisation(ctx, c.awayOff, c.other, true, "Under investigation"); err != nil {
		t.Fatal(err)
	}
	if got, _ := c.svc.GetOrganisation(ctx, c.supplier, home.ID); got.Status != domain.OrgApproved {
		t.Fatalf("home status after the test council's suspension: %s", got.Status)
	}
	// Edits still reach the suspended copy; its suspension stays.
	details.Phone = "0161 222 3333"
	if _, err := c.svc.UpdateProfile(ctx, c.supplier, home.ID, domain.ProfileInput{Details: &details}); err != nil {
		t.Fatal(err)
	}
	if cp, _ := c.svc.GetOrganisation(ctx, away, c.other); cp.Status != domain.OrgSuspended || cp.Phone != "0161 222 3333" {
		t.Fatalf("suspended copy: %+v", cp)
	}
	// A name taken in the other council is refused there, and nothing is written.
	if _, _, err := c.svc.Register(ctx, domain.RegisterInput{Email: "g@testshire.example", Password: "correct-horse-battery", Name: "G", Role: domain.RoleGroup,
		OrgName: "Testshire Helpers", AuthoritySlug: c.away.Slug, EmailVerified: true}); err != nil {
		t.Fatal(err)
	}
	taken := "Testshire Helpers"
	_, err = c.svc.UpdateProfile(ctx, c.supplier, home.ID, domain.ProfileInput{Name: &taken, Details: &domain.OrgDetails{Phone: "0161 999 9999"}})
	var de *domain.Error
	if !errors.As(err, &de) || de.Code != domain.ECONFLICT || de.Field != "name" {
		t.Fatalf("a name taken in the other council: %v", err)
	}
	if got, _ := c.svc.GetOrganisation(ctx, c.supplier, home.ID); got.Phone != "0161 222 3333" {
		t.Fatalf("a refused edit wrote the home record: %+v", got)
	}
}
