package domain_test

import (
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"testing"
	"time"

	"needmatch/domain"
	"needmatch/store/sqlite"
	"needmatch/store/sqlite/sqlitetest"
	"needmatch/store/storetest"
)

var verifyLinkRe = regexp.MustCompile(`/verify-email\?token=([A-Za-z0-9_-]+)`)

// TestEmailVerificationRule: a self-registered account cannot make a
// commitment until it verifies; the seed's and the command line's accounts
// are verified from the start.
func TestEmailVerificationRule(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(sqlitetest.Dir(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	svc := domain.NewService(db)
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	svc.Now = func() time.Time { return now }
	auth := storetest.MustAuthority(t, db, "stockport")
	officer, err := svc.CreateStaffUser(ctx, domain.StaffUserInput{Email: "o@example.org", Password: "correct-horse-battery", Role: domain.RoleOfficer, AuthoritySlug: auth.Slug})
	if err != nil || officer.EmailUnverified {
		t.Fatalf("staff user %+v, %v", officer, err)
	}
	off := &domain.Actor{UserID: officer.ID, Role: domain.RoleOfficer, AuthorityID: auth.ID}
	register := func(email string, verified bool) (*domain.User, *domain.Actor) {
		t.Helper()
		u, o, err := svc.Register(ctx, domain.RegisterInput{Email: email, Password: "correct-horse-battery", Name: "N", Role: domain.RoleGroup, OrgName: "Org " + email, AuthoritySlug: auth.Slug, EmailVerified: verified})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.DecideOrganisation(ctx, off, o.ID, true, ""); err != nil {
			t.Fatal(err)
		}
		a, _, err := svc.ActorFor(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		return u, a
	}
	title, kind, area, unit, qty, value, deadline := "Food parcels", "volunteering", "E05015018", "hours", int64(40), int64(60_000), now.AddDate(0, 2, 0)
	in := domain.RequestInput{Title: &title, Kind: &kind, Area: &area, Unit: &unit, Quantity: &qty, ValuePence: &value, Deadline: &deadline}

	u, a := register("g@example.org", false)
	if !a.EmailUnverified {
		t.Fatal("a self-registered account starts verified")
	}
	_, err = svc.CreateRequest(ctx, a, in)
	var de *domain.Error
	if !errors.As(err, &de) || de.Code != domain.EFORBIDDEN || de.Field != "emailVerified" {
		t.Fatalf("unverified post: %v", err)
	}
	if b, _ := json.Marshal(u); !regexp.MustCompile(`"emailVerified":false`).Match(b) {
		t.Fatalf("user JSON %s", b)
	}

	// The link in the outbox verifies, once.
	ns, _, err := db.FindNotifications(ctx, domain.NotificationFilter{AuthorityID: auth.ID})
	if err != nil {
		t.Fatal(err)
	}
	var token string
	for _, n := range ns {
		if m := verifyLinkRe.FindStringSubmatch(n.Text); m != nil && n.UserID == u.ID && n.Subject == domain.VerifySubject && n.Kind == domain.NotifySecurity {
			token = m[1]
		}
	}
	if token == "" {
		t.Fatal("no verification mail in the outbox")
	}
	if v, err := svc.VerifyEmail(ctx, token); err != nil || v.EmailUnverified {
		t.Fatalf("verify: %+v %v", v, err)
	}
	_, err = svc.VerifyEmail(ctx, token)
	wantCode(t, err, domain.EINVALID)
	a, _, _ = svc.ActorFor(ctx, u.ID)
	if _, err := svc.CreateRequest(ctx, a, in); err != nil {
		t.Fatalf("verified post: %v", err)
	}

	// The seed vouches for its accounts: no mail, verified at once.
	seeded, a2 := register("demo@example.org", true)
	if seeded.EmailUnverified || a2.EmailUnverified {
		t.Fatal("a seeded account is unverified")
	}
	ns, _, _ = db.FindNotifications(ctx, domain.NotificationFilter{AuthorityID: auth.ID})
	for _, n := range ns {
		if n.UserID == seeded.ID && n.Subject == domain.VerifySubject {
			t.Fatalf("a seeded account got %q", n.Subject)
		}
	}
	if _, err := svc.CreateRequest(ctx, a2, in); err != nil {
		t.Fatalf("seeded post: %v", err)
	}
	// An actor made in code (command line, jobs) is verified.
	wantCode(t, svc.ResendVerification(ctx, a2), domain.ECONFLICT)
	wantCode(t, svc.ResendVerification(ctx, nil), domain.EUNAUTHORIZED)
}
