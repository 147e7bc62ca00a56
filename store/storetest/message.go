package storetest

import (
	"context"
	"reflect"
	"testing"
	"time"

	"needmatch/domain"
)

// testOrganisationDetails: the due-diligence details and the suspended
// status come back as written, and the status filter finds suspended ones.
func testOrganisationDetails(t *testing.T, s domain.Store) {
	ctx := context.Background()
	f := newFixture(t, s)
	o := f.supplier
	o.OrgDetails = domain.OrgDetails{LegalName: "Mersey Build Ltd", CompanyNumber: "SC123456", CharityNumber: "1123456",
		Address: &domain.Address{Line1: "1 Wellington Road South", Line2: "Floor 2", Town: "Stockport", Postcode: "SK1 3XE"},
		Phone:   "0161 474 4000", Website: "https://mersey.example.org", ShareContact: true,
		SocialValueLead: &domain.Contact{Name: "Asha Patel", Role: "Social value lead", Email: "asha@mersey.example.org", Phone: "07700 900123"}}
	prev := o.Version
	o.Status, o.Reason, o.Version = domain.OrgSuspended, "Reported for fraud", o.Version+1
	if err := s.UpdateOrganisation(ctx, o, prev, ev(f.auth, "organisation.suspend", o.ID, t0)); err != nil {
		t.Fatal(err)
	}
	got, err := s.OrganisationByID(ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.OrgDetails, o.OrgDetails) || got.Status != domain.OrgSuspended || got.Reason != "Reported for fraud" {
		t.Fatalf("stored %+v\nwant %+v", got, o)
	}
	g, err := s.OrganisationByID(ctx, f.group.ID)
	if err != nil {
		t.Fatal(err)
	}
	if g.Address != nil || g.SocialValueLead != nil || g.MainContact != nil || g.ShareContact {
		t.Fatalf("a group without details read back %+v", g.OrgDetails)
	}
	sus, _, err := s.FindOrganisations(ctx, domain.OrganisationFilter{AuthorityID: f.auth.ID, Status: domain.OrgSuspended})
	if err != nil {
		t.Fatal(err)
	}
	if len(sus) != 1 || sus[0].ID != o.ID || sus[0].SocialValueLead.Email != "asha@mersey.example.org" {
		t.Fatalf("suspended = %+v", sus)
	}
}

func newMessage(f *fixture, p *domain.Pledge, u *domain.User, body string, at time.Time) *domain.Message {
	return &domain.Message{ID: domain.NewID(), AuthorityID: f.auth.ID, PledgeID: p.ID, GroupOrgID: p.RequestOrgID, SupplierOrgID: p.OrganisationID,
		AuthorUserID: u.ID, AuthorName: u.Name, AuthorOrganisation: "Org", AuthorRole: u.Role, Body: body, CreatedAt: at, Version: 1}
}

func msgID(m *domain.Message) string { return m.ID }

// testMessages: threads list newest first and page, the author and time
// filters, reports and their open flag, read marks and unread counts.
func testMessages(t *testing.T, s domain.Store) {
	ctx := context.Background()
	f := newFixture(t, s)
	r := f.request(t, s, "Laptops", domain.ReqPublished, "E05015018", "goods")
	p1 := f.pledge(t, s, r, 10_000, domain.PledgeOffered, 0)
	p2 := f.pledge(t, s, r, 20_000, domain.PledgeOffered, 0)
	officer := &domain.User{ID: domain.NewID(), Role: domain.RoleOfficer}
	m1 := newMessage(f, p1, f.gUser, "Hello", t0)
	m2 := newMessage(f, p1, f.sUser, "Hi\nthere", t0.Add(time.Minute))
	m3 := newMessage(f, p1, f.gUser, "When?", t0.Add(2*time.Minute))
	m4 := newMessage(f, p2, f.sUser, "Other thread", t0.Add(3*time.Minute))
	for _, m := range []*domain.Message{m1, m2, m3, m4} {
		if err := s.CreateMessage(ctx, m, ev(f.auth, "message.create", m.ID, m.CreatedAt)); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.MessageByID(ctx, m2.ID)
	if err != nil || !reflect.DeepEqual(got, m2) {
		t.Fatalf("MessageByID = %+v, %v; want %+v", got, err, m2)
	}
	_, err = s.MessageByID(ctx, domain.NewID())
	wantCode(t, err, domain.ENOTFOUND)
	page, next, err := s.FindMessages(ctx, domain.MessageFilter{AuthorityID: f.auth.ID, PledgeID: p1.ID, Page: domain.Page{Limit: 2}})
	if err != nil || !reflect.DeepEqual(ids(page, msgID), []string{m3.ID, m2.ID}) || next != m2.ID {
		t.Fatalf("thread page = %v next %q, %v", ids(page, msgID), next, err)
	}
	page, next, _ = s.FindMessages(ctx, domain.MessageFilter{AuthorityID: f.auth.ID, PledgeID: p1.ID, Page: domain.Page{Limit: 2, After: next}})
	if !reflect.DeepEqual(ids(page, msgID), []string{m1.ID}) || next != "" {
		t.Fatalf("second page = %v next %q", ids(page, msgID), next)
	}
	recent, _, _ := s.FindMessages(ctx, domain.MessageFilter{AuthorityID: f.auth.ID, AuthorUserID: f.gUser.ID, Since: t0.Add(time.Minute)})
	if !reflect.DeepEqual(ids(recent, msgID), []string{m3.ID}) {
		t.Fatalf("group's since t0+1m = %v", ids(recent, msgID))
	}
	other, _, _ := s.FindMessages(ctx, domain.MessageFilter{AuthorityID: domain.NewID()})
	if len(other) != 0 {
		t.Fatalf("another council sees %d messages", len(other))
	}

	// A report is open until resolved; the version guards it.
	prev := m2.Version
	if err := m2.ReportTo(f.gUser.ID, "Rude words", t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.UpdateMessage(ctx, m2, prev, ev(f.auth, "message.report", m2.ID, t0)); err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.UpdateMessage(ctx, m2, prev, ev(f.auth, "message.report", m2.ID, t0)), domain.ECONFLICT)
	rep, _, _ := s.FindMessages(ctx, domain.MessageFilter{AuthorityID: f.auth.ID, Reported: true})
	if !reflect.DeepEqual(ids(rep, msgID), []string{m2.ID}) || rep[0].Report.Reason != "Rude words" || rep[0].Report.By != f.gUser.ID {
		t.Fatalf("reported = %+v", rep)
	}
	prev = m2.Version
	if err := m2.Resolve(officer.ID, t0.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.UpdateMessage(ctx, m2, prev, ev(f.auth, "message.resolve", m2.ID, t0)); err != nil {
		t.Fatal(err)
	}
	if rep, _, _ = s.FindMessages(ctx, domain.MessageFilter{AuthorityID: f.auth.ID, Reported: true}); len(rep) != 0 {
		t.Fatalf("a resolved report is still open: %v", ids(rep, msgID))
	}
	if got, _ := s.MessageByID(ctx, m2.ID); got.Report.ResolvedAt == nil || !got.Report.ResolvedAt.Equal(t0.Add(2*time.Hour)) || got.Report.ResolvedBy != officer.ID {
		t.Fatalf("resolved report = %+v", got.Report)
	}

	// Unread: not one's own, newer than one's mark on each thread.
	unread := func(org, user string) int {
		t.Helper()
		n, err := s.UnreadMessages(ctx, domain.UnreadFilter{AuthorityID: f.auth.ID, OrganisationID: org, UserID: user})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if g, sp, o := unread(f.group.ID, f.gUser.ID), unread(f.supplier.ID, f.sUser.ID), unread("", officer.ID); g != 2 || sp != 2 || o != 4 {
		t.Fatalf("unread group %d supplier %d officer %d, want 2 2 4", g, sp, o)
	}
	if err := s.MarkThreadRead(ctx, f.gUser.ID, p1.ID, m2.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkThreadRead(ctx, f.gUser.ID, p1.ID, m1.ID); err != nil { // never moves back
		t.Fatal(err)
	}
	if n := unread(f.group.ID, f.gUser.ID); n != 1 {
		t.Fatalf("group unread after reading p1 up to m2 = %d, want 1 (p2's)", n)
	}
	if err := s.MarkThreadRead(ctx, f.sUser.ID, p1.ID, m3.ID); err != nil {
		t.Fatal(err)
	}
	if n := unread(f.supplier.ID, f.sUser.ID); n != 0 {
		t.Fatalf("supplier unread after reading p1 = %d, want 0", n)
	}
	if n := unread(f.group.ID, officer.ID); n != 4 {
		t.Fatalf("officer's unread of the group's threads = %d, want 4 (the marks are each person's)", n)
	}
}
