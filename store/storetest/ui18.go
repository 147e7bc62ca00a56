package storetest

import (
	"context"
	"testing"
	"time"

	"needmatch/domain"
)

// testSafeguardingAndExtension: a pledge keeps the supplier's safeguarding
// confirmation (who, their name, when) through a create and an update; a
// request keeps whether its deadline was extended; an allocation keeps its
// items' quantities.
func testSafeguardingAndExtension(t *testing.T, s domain.Store) {
	ctx := context.Background()
	f := newFixture(t, s)
	r := f.request(t, s, "Holiday club helpers", domain.ReqPublished, "E05015018", "volunteering")
	p := f.pledge(t, s, r, 30_000, domain.PledgeOffered, 0)
	back, err := s.PledgeByID(ctx, p.ID)
	if err != nil || back.SafeguardingCheck != nil {
		t.Fatalf("a pledge without a confirmation = %+v, %v", back.SafeguardingCheck, err)
	}
	at := t0.Add(90 * time.Minute)
	p.SafeguardingCheck = &domain.SafeguardingCheck{By: f.sUser.ID, ByName: "Jo Bloggs", At: at}
	p.Version = 2
	if err := s.UpdatePledge(ctx, p, 1, ev(f.auth, "pledge.confirm_safeguarding", p.ID, at)); err != nil {
		t.Fatal(err)
	}
	back, err = s.PledgeByID(ctx, p.ID)
	if err != nil || back.SafeguardingCheck == nil || back.SafeguardingCheck.By != f.sUser.ID || back.SafeguardingCheck.ByName != "Jo Bloggs" || !back.SafeguardingCheck.At.Equal(at) {
		t.Fatalf("confirmation read back = %+v, %v", back.SafeguardingCheck, err)
	}
	list, _, err := s.FindPledges(ctx, domain.PledgeFilter{AuthorityID: f.auth.ID, RequestID: r.ID})
	if err != nil || len(list) != 1 || list[0].SafeguardingCheck == nil || list[0].SafeguardingCheck.ByName != "Jo Bloggs" {
		t.Fatalf("FindPledges lost the confirmation: %+v, %v", list, err)
	}

	got, _ := s.RequestByID(ctx, r.ID)
	if got.DeadlineExtended {
		t.Fatal("a new request reads as extended")
	}
	got.Status, got.DeadlineExtended, got.Deadline, got.Version = domain.ReqPublished, true, t0.AddDate(0, 6, 0), 2
	if err := s.UpdateRequest(ctx, got, 1, ev(f.auth, "request.extend", r.ID, t0)); err != nil {
		t.Fatal(err)
	}
	again, err := s.RequestByID(ctx, r.ID)
	if err != nil || !again.DeadlineExtended || !again.Deadline.Equal(t0.AddDate(0, 6, 0)) {
		t.Fatalf("extended request read back = %+v, %v", again, err)
	}
	rs, _, err := s.FindRequests(ctx, domain.RequestFilter{AuthorityID: f.auth.ID})
	if err != nil || len(rs) != 1 || !rs[0].DeadlineExtended {
		t.Fatalf("FindRequests lost the extension: %+v, %v", rs, err)
	}

	al := &domain.Allocation{ID: domain.NewID(), AuthorityID: f.auth.ID, Status: domain.AllocProposed, Version: 1, CreatedAt: t0,
		Items: []domain.AllocationItem{{PledgeID: p.ID, ApprovedPence: 12_000, Quantity: 500, Unit: "coats", ApprovedQuantity: 50}}}
	if err := s.CreateAllocation(ctx, al, ev(f.auth, "allocation.propose", al.ID, t0)); err != nil {
		t.Fatal(err)
	}
	ga, err := s.AllocationByID(ctx, al.ID)
	if err != nil || ga.Items[0].Quantity != 500 || ga.Items[0].Unit != "coats" || ga.Items[0].ApprovedQuantity != 50 {
		t.Fatalf("allocation item read back = %+v, %v", ga.Items, err)
	}
}

// testFindUsers: the users of one authority, newest id first, a page at a
// time; another authority's users never appear.
func testFindUsers(t *testing.T, s domain.Store) {
	ctx := context.Background()
	f := newFixture(t, s)
	other := MustAuthority(t, s, "trafford")
	_, otherUser := mustRegister(t, s, other, domain.KindGroup, "group@trafford.org")
	_, third := mustRegister(t, s, f.auth, domain.KindGroup, "third@example.org")
	page1, next, err := s.FindUsers(ctx, domain.UserFilter{AuthorityID: f.auth.ID, Page: domain.Page{Limit: 2}})
	if err != nil || len(page1) != 2 || next == "" {
		t.Fatalf("first page = %d users, next %q, %v", len(page1), next, err)
	}
	page2, next2, err := s.FindUsers(ctx, domain.UserFilter{AuthorityID: f.auth.ID, Page: domain.Page{After: next, Limit: 2}})
	if err != nil || len(page2) != 1 || next2 != "" {
		t.Fatalf("second page = %d users, next %q, %v", len(page2), next2, err)
	}
	seen := map[string]bool{}
	for _, u := range append(page1, page2...) {
		if u.AuthorityID != f.auth.ID || u.Email == "" {
			t.Fatalf("a user of another council or without email: %+v", u)
		}
		seen[u.ID] = true
	}
	if !seen[f.gUser.ID] || !seen[f.sUser.ID] || !seen[third.ID] || seen[otherUser.ID] {
		t.Fatalf("users listed = %v", seen)
	}
	if page1[0].ID < page1[1].ID || page1[1].ID < page2[0].ID {
		t.Fatal("users are not newest id first")
	}
}

// testCountStaff: CountStaff counts a council's enabled admins and
// officers, not its disabled staff, its groups and suppliers, or another
// council's staff.
func testCountStaff(t *testing.T, s domain.Store) {
	ctx := context.Background()
	f := newFixture(t, s)
	other := MustAuthority(t, s, "trafford")
	staff := func(a *domain.Authority, role, email string, disabled bool) {
		t.Helper()
		u := &domain.User{ID: domain.NewID(), AuthorityID: a.ID, Authority: a.Slug, Email: email, Name: email, Role: role, PasswordHash: "h",
			Disabled: disabled, Version: 1, CreatedAt: t0, UpdatedAt: t0}
		if err := s.CreateUser(ctx, u, ev(a, "user.create", u.ID, t0)); err != nil {
			t.Fatal(err)
		}
	}
	staff(f.auth, domain.RoleAdmin, "admin@example.org", false)
	staff(f.auth, domain.RoleAdmin, "gone-admin@example.org", true)
	staff(f.auth, domain.RoleOfficer, "officer1@example.org", false)
	staff(f.auth, domain.RoleOfficer, "officer2@example.org", false)
	staff(f.auth, domain.RoleOfficer, "gone-officer@example.org", true)
	staff(other, domain.RoleOfficer, "officer@trafford.org", false)
	for _, c := range []struct {
		id               string
		admins, officers int
	}{{f.auth.ID, 1, 2}, {other.ID, 0, 1}, {"no-such-council", 0, 0}} {
		admins, officers, err := s.CountStaff(ctx, c.id)
		if err != nil || admins != c.admins || officers != c.officers {
			t.Fatalf("CountStaff(%s) = %d admins, %d officers, %v; want %d and %d", c.id, admins, officers, err, c.admins, c.officers)
		}
	}
}
