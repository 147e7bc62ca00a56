package domain_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"needmatch/domain"
	"needmatch/store/sqlite"
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
	db, err := sqlite.Open(t.TempDir())
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
