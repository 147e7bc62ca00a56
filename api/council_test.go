package api_test

import (
	"context"
	"testing"

	"needmatch/domain"
)

// councilOf finds a council in the platform admin's list.
func councilOf(t *testing.T, list map[string]any, slug string) map[string]any {
	t.Helper()
	for _, it := range list["items"].([]any) {
		if m := it.(map[string]any); m["slug"] == slug {
			return m
		}
	}
	t.Fatalf("no council %q in %v", slug, list)
	return nil
}

// TestCouncilAdminInvite: the platform admin sees each council's staff
// counts, invites a new council's first admin (a council admin may not),
// with field errors for what is wrong; the invited admin chooses a
// password with the mailed link, which verifies the address, and signs in
// as that council's admin; the invitation is in the council's chain.
func TestCouncilAdminInvite(t *testing.T) {
	e := newEnv(t)
	e.partnership()
	ctx := context.Background()
	e.call("POST", "/api/v1/authorities", "platform_admin", map[string]any{"slug": "tameside", "name": "Tameside (test)"}, 201)
	list := e.call("GET", "/api/v1/authorities", "platform_admin", nil, 200)
	if c := councilOf(t, list, "tameside"); num(c, "admins") != 0 || num(c, "officers") != 0 || c["staff"] != nil {
		t.Fatalf("new council = %v", c)
	}
	if c := councilOf(t, list, "stockport"); num(c, "admins") != 1 || num(c, "officers") != 1 || num(c, "areas") == 0 {
		t.Fatalf("stockport = %v", c)
	}

	invite := map[string]any{"email": " First.Admin@Tameside.example ", "name": "Ada Tameside"}
	e.call("POST", "/api/v1/authorities/tameside/admins", "admin", invite, 403)
	e.call("POST", "/api/v1/authorities/tameside/admins", "region_officer", invite, 403)
	e.call("POST", "/api/v1/authorities/atlantis/admins", "platform_admin", invite, 404)
	wantField(t, e.call("POST", "/api/v1/authorities/tameside/admins", "platform_admin", map[string]any{"email": "not-an-address", "name": "Ada"}, 400), "email")
	wantField(t, e.call("POST", "/api/v1/authorities/tameside/admins", "platform_admin", map[string]any{"email": "ada@tameside.example", "name": " "}, 400), "name")

	u := e.call("POST", "/api/v1/authorities/tameside/admins", "platform_admin", invite, 201)
	if u["email"] != "first.admin@tameside.example" || u["role"] != "admin" || u["authority"] != "tameside" || u["emailVerified"] != false || u["name"] != "Ada Tameside" {
		t.Fatalf("invited = %v", u)
	}
	wantField(t, e.call("POST", "/api/v1/authorities/tameside/admins", "platform_admin", invite, 409), "email")
	wantField(t, e.call("POST", "/api/v1/authorities/trafford/admins", "platform_admin", map[string]any{"email": "officer@rochdale.example", "name": "Taken"}, 409), "email")

	staff := e.call("GET", "/api/v1/authorities/tameside/staff", "platform_admin", nil, 200)
	people := staff["staff"].([]any)
	if num(staff, "admins") != 1 || len(people) != 1 || people[0].(map[string]any)["email"] != "first.admin@tameside.example" || people[0].(map[string]any)["emailVerified"] != false {
		t.Fatalf("staff = %v", staff)
	}
	e.call("GET", "/api/v1/authorities/tameside/staff", "admin", nil, 403)
	e.call("GET", "/api/v1/authorities/atlantis/staff", "platform_admin", nil, 404)

	// The invitation is in Tameside's chain, by the platform admin.
	tameside := must(e.svc.Store.AuthorityBySlug(ctx, "tameside"))
	evs := must(e.svc.Store.FindAudit(ctx, domain.AuditFilter{AuthorityID: tameside.ID, Limit: 100}))
	found := false
	for _, ev := range evs {
		found = found || ev.Action == "user.invite" && ev.Object == u["id"] && ev.Actor == e.userIDs["platform_admin"]
	}
	if !found {
		t.Fatalf("no user.invite event in tameside's chain: %v", evs)
	}

	// Nobody knows the password until the link sets one; the link verifies.
	e.call("POST", "/api/v1/auth/login", "", map[string]any{"email": "first.admin@tameside.example", "password": "correct-horse-battery"}, 401)
	var token string
	ns, _, err := e.svc.Store.FindNotifications(ctx, domain.NotificationFilter{AuthorityID: tameside.ID, Page: domain.Page{Limit: 50}})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range ns {
		if m := resetLink.FindStringSubmatch(n.Text); m != nil && n.UserID == u["id"] && n.Kind == domain.NotifySecurity {
			token = m[1]
		}
	}
	if token == "" {
		t.Fatal("no invitation mail in tameside's outbox")
	}
	e.call("POST", "/api/v1/auth/password-reset/confirm", "", map[string]any{"token": token, "password": "correct-horse-battery"}, 200)
	login := e.call("POST", "/api/v1/auth/login", "", map[string]any{"email": "first.admin@tameside.example", "password": "correct-horse-battery"}, 200)
	if me := login["user"].(map[string]any); me["emailVerified"] != true || me["role"] != "admin" || me["authority"] != "tameside" {
		t.Fatalf("login = %v", login)
	}
	e.call("POST", "/api/v1/auth/password-reset/confirm", "", map[string]any{"token": token, "password": "another-long-pass"}, 400)
	if c := councilOf(t, e.call("GET", "/api/v1/authorities", "platform_admin", nil, 200), "tameside"); num(c, "admins") != 1 {
		t.Fatalf("tameside = %v", c)
	}
}
