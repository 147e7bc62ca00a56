package domain_test

import (
	"context"
	"testing"
	"time"

	"needmatch/domain"
	"needmatch/store/sqlite"
	"needmatch/store/sqlite/sqlitetest"
	"needmatch/store/storetest"
)

// TestDeliveryRefusals checks the service's delivery rules on the
// embedded store: over-delivery, double evidence, confirming someone
// else's delivery and verifying before confirmation without a reason.
func TestDeliveryRefusals(t *testing.T) {
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
	if _, err := svc.SeedExampleMeasures(ctx, auth.ID); err != nil {
		t.Fatal(err)
	}
	officer, err := svc.CreateStaffUser(ctx, domain.StaffUserInput{Email: "o@example.org", Password: "correct-horse-battery", Name: "O", Role: domain.RoleOfficer, AuthoritySlug: auth.Slug})
	if err != nil {
		t.Fatal(err)
	}
	off := &domain.Actor{UserID: officer.ID, Role: domain.RoleOfficer, AuthorityID: auth.ID}
	member := func(role, email string) *domain.Actor {
		u, o, err := svc.Register(ctx, domain.RegisterInput{Email: email, Password: "correct-horse-battery", Name: "N", Role: role, OrgName: "Org " + email, AuthoritySlug: auth.Slug})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.DecideOrganisation(ctx, off, o.ID, true, ""); err != nil {
			t.Fatal(err)
		}
		return &domain.Actor{UserID: u.ID, Role: role, AuthorityID: auth.ID, OrganisationID: o.ID}
	}
	group, group2, sup, sup2 := member(domain.RoleGroup, "g@example.org"), member(domain.RoleGroup, "g2@example.org"), member(domain.RoleSupplier, "s@example.org"), member(domain.RoleSupplier, "s2@example.org")
	title, kind, area, unit, qty, value, deadline := "Food parcels", "volunteering", "E05015018", "hours", int64(40), int64(60_000), now.AddDate(0, 2, 0)
	r, err := svc.CreateRequest(ctx, group, domain.RequestInput{Title: &title, Kind: &kind, Area: &area, Unit: &unit, Quantity: &qty, ValuePence: &value, Deadline: &deadline})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []struct {
		a    *domain.Actor
		move domain.RequestMove
	}{{group, domain.RequestSubmit}, {off, domain.RequestPublish}} {
		if _, err := svc.MoveRequest(ctx, m.a, r.ID, m.move, ""); err != nil {
			t.Fatal(err)
		}
	}
	p, err := svc.CreatePledge(ctx, sup, r.ID, domain.PledgeInput{Offer: "Ten hours", Quantity: 10, MeasureCode: "EX-VOL-HOUR"})
	if err != nil {
		t.Fatal(err)
	}
	today := now
	_, err = svc.ReportDelivery(ctx, sup, p.ID, domain.DeliveryInput{Quantity: 1, Date: today})
	wantCode(t, err, domain.ECONFLICT) // not approved yet
	if _, err := svc.MovePledge(ctx, off, p.ID, domain.PledgeDecision{Move: domain.PledgeApprove}); err != nil {
		t.Fatal(err)
	}
	ev1, err := svc.UploadEvidence(ctx, sup, "sheet.txt", []byte("signed sheet"))
	if err != nil {
		t.Fatal(err)
	}
	ev2, _ := svc.UploadEvidence(ctx, sup, "sheet-again.txt", []byte("signed sheet"))
	evOther, _ := svc.UploadEvidence(ctx, sup2, "theirs.txt", []byte("another sheet"))
	_, err = svc.ReportDelivery(ctx, sup2, p.ID, domain.DeliveryInput{Quantity: 1, Date: today})
	wantCode(t, err, domain.ENOTFOUND) // another supplier's pledge
	_, err = svc.ReportDelivery(ctx, group, p.ID, domain.DeliveryInput{Quantity: 1, Date: today})
	wantCode(t, err, domain.EFORBIDDEN)
	_, err = svc.ReportDelivery(ctx, sup, p.ID, domain.DeliveryInput{Quantity: 11, Date: today})
	wantCode(t, err, domain.EUNPROCESSABLE) // over-delivery
	_, err = svc.ReportDelivery(ctx, sup, p.ID, domain.DeliveryInput{Quantity: 1, Date: today, EvidenceIDs: []string{evOther.ID}})
	wantCode(t, err, domain.EINVALID) // someone else's file
	d1, err := svc.ReportDelivery(ctx, sup, p.ID, domain.DeliveryInput{Quantity: 6, Date: today, EvidenceIDs: []string{ev1.ID}})
	if err != nil || d1.ValuePence != 6*17_00 {
		t.Fatalf("report: %v %+v", err, d1)
	}
	_, err = svc.ReportDelivery(ctx, sup, p.ID, domain.DeliveryInput{Quantity: 1, Date: today, EvidenceIDs: []string{ev2.ID}})
	wantCode(t, err, domain.ECONFLICT) // the same file again (same SHA-256)
	_, err = svc.ReportDelivery(ctx, sup, p.ID, domain.DeliveryInput{Quantity: 5, Date: today})
	wantCode(t, err, domain.EUNPROCESSABLE) // 6 + 5 > 10: partial reports add up
	d2, err := svc.ReportDelivery(ctx, sup, p.ID, domain.DeliveryInput{Quantity: 4, Date: today})
	if err != nil {
		t.Fatal(err)
	}
	_, err = svc.MoveDelivery(ctx, group2, d1.ID, domain.DeliveryConfirm, "")
	wantCode(t, err, domain.ENOTFOUND) // someone else's delivery
	_, err = svc.MoveDelivery(ctx, sup, d1.ID, domain.DeliveryConfirm, "")
	wantCode(t, err, domain.EFORBIDDEN)
	_, err = svc.MoveDelivery(ctx, off, d1.ID, domain.DeliveryVerify, "")
	wantCode(t, err, domain.EINVALID) // before confirmation without a reason
	_, err = svc.MoveDelivery(ctx, group, d1.ID, domain.DeliveryVerify, "because")
	wantCode(t, err, domain.EFORBIDDEN)
	if _, err := svc.MoveDelivery(ctx, group, d1.ID, domain.DeliveryConfirm, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.MoveDelivery(ctx, off, d1.ID, domain.DeliveryVerify, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.MoveDelivery(ctx, off, d2.ID, domain.DeliveryVerify, "Seen at the larder on the day"); err != nil {
		t.Fatal(err)
	}
	got, _ := db.PledgeByID(ctx, p.ID)
	if got.Status != domain.PledgeVerified {
		t.Fatalf("pledge = %s", got.Status)
	}
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := domain.ErrorCode(err); got != code {
		t.Fatalf("code = %q (%v), want %q", got, err, code)
	}
}
