package storetest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"needmatch/domain"
)

// The directorates of the import cases (ids as NewID makes them).
const (
	dirPlace  = "0a0000000000000000000001"
	dirPeople = "0a0000000000000000000002"
)

// importCouncil is a council with two directorates, SK1-SK8 as its
// postcode districts, an officer and a service on a fixed clock.
type importCouncil struct {
	auth    *domain.Authority
	svc     *domain.Service
	officer *domain.Actor
}

func newImportCouncil(t *testing.T, s domain.Store, clock *time.Time) *importCouncil {
	t.Helper()
	ctx := context.Background()
	auth := MustAuthority(t, s, "stockport")
	auth.Directorates = []domain.Directorate{{ID: dirPlace, Name: "Place", Active: true}, {ID: dirPeople, Name: "People", Active: true}}
	auth.PostcodeDistricts = []string{"SK1", "SK2", "SK3", "SK4", "SK5", "SK6", "SK7", "SK8"}
	if err := s.PutAuthority(ctx, auth); err != nil {
		t.Fatal(err)
	}
	u := &domain.User{ID: domain.NewID(), AuthorityID: auth.ID, Authority: auth.Slug, Email: "officer@example.org", Name: "Officer", Role: domain.RoleOfficer, PasswordHash: "h", Version: 1, CreatedAt: t0}
	if err := s.CreateUser(ctx, u, ev(auth, "user.create", u.ID, t0)); err != nil {
		t.Fatal(err)
	}
	svc := domain.NewService(s)
	svc.Now = func() time.Time { return *clock }
	return &importCouncil{auth: auth, svc: svc, officer: &domain.Actor{UserID: u.ID, Role: domain.RoleOfficer, AuthorityID: auth.ID, Email: u.Email}}
}

// importContracts parses and imports a contracts CSV.
func (c *importCouncil) importContracts(csv string) (*domain.ImportResult, error) {
	rows, err := domain.ParseContractsCSV(strings.NewReader(csv))
	if err != nil {
		return nil, err
	}
	return c.svc.ImportContracts(context.Background(), c.officer, rows)
}

// importPayments parses and imports a payments CSV.
func (c *importCouncil) importPayments(csv string) (*domain.PaymentImportResult, error) {
	rows, err := domain.ParsePaymentsCSV(strings.NewReader(csv))
	if err != nil {
		return nil, err
	}
	return c.svc.ImportPayments(context.Background(), c.officer, rows)
}

func auditSeq(t *testing.T, s domain.Store, authorityID string) int64 {
	t.Helper()
	seq, _, err := s.AuditHead(context.Background(), authorityID)
	if err != nil {
		t.Fatal(err)
	}
	return seq
}

// testImportStores checks what the stores keep of imports: the source of
// pledges and deliveries and the deliveries filter by it, a supplier's
// base, the council's postcode districts, payments by key.
func testImportStores(t *testing.T, s domain.Store) {
	ctx := context.Background()
	f := newFixture(t, s)
	a, err := s.AuthorityByID(ctx, f.auth.ID)
	if err != nil || len(a.PostcodeDistricts) != 0 {
		t.Fatalf("districts = %v, %v", a.PostcodeDistricts, err)
	}
	a.PostcodeDistricts = []string{"SK1", "SK4"}
	if err := s.PutAuthority(ctx, a); err != nil {
		t.Fatal(err)
	}
	if a, _ = s.AuthorityByID(ctx, a.ID); strings.Join(a.PostcodeDistricts, ",") != "SK1,SK4" {
		t.Fatalf("districts = %v", a.PostcodeDistricts)
	}
	o := *f.supplier
	o.BaseWard, o.BasePostcodeDistrict, o.Version = "E05015018", "SK4", 2
	if err := s.UpdateOrganisation(ctx, &o, 1, ev(f.auth, "organisation.update", o.ID, t0)); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.OrganisationByID(ctx, o.ID); got.BaseWard != "E05015018" || got.BasePostcodeDistrict != "SK4" {
		t.Fatalf("base = %q %q", got.BaseWard, got.BasePostcodeDistrict)
	}
	due := t0.AddDate(1, 0, 0)
	c := &domain.Contract{ID: domain.NewID(), AuthorityID: f.auth.ID, Authority: f.auth.Slug, Reference: "IMP-1", Title: "Imported", ValuePence: 100_00, Stage: domain.StageLive,
		AwardedTo: f.supplier.ID, AwardedToName: f.supplier.Name, Version: 1, CreatedAt: t0, UpdatedAt: t0}
	p := &domain.Pledge{ID: domain.NewID(), AuthorityID: f.auth.ID, Authority: f.auth.Slug, OrganisationID: f.supplier.ID, OrganisationName: f.supplier.Name,
		Offer: "Hours", RequestTitle: "Hours", Quantity: 10, Unit: "units", ValuePence: 50_00, ApprovedPence: 50_00, Status: domain.PledgeInDelivery, ContractID: c.ID,
		DueDate: &due, Source: domain.SourceImport, Version: 1, CreatedAt: t0, UpdatedAt: t0}
	d := &domain.Delivery{ID: domain.NewID(), AuthorityID: f.auth.ID, PledgeID: p.ID, OrganisationID: f.supplier.ID, OrganisationName: f.supplier.Name, ContractID: c.ID,
		Unit: "units", Quantity: 4, ValuePence: 20_00, Date: t0, EvidenceIDs: []string{}, EvidenceHashes: []string{}, Status: domain.DeliveryReported,
		ReportedBy: "officer", Source: domain.SourceImport, Version: 1, CreatedAt: t0, UpdatedAt: t0}
	o2 := &domain.Organisation{ID: domain.NewID(), AuthorityID: f.auth.ID, Authority: f.auth.Slug, Kind: domain.KindSupplier, Name: "New Supplier Ltd",
		Status: domain.OrgPending, OrgDetails: domain.OrgDetails{CompanyNumber: "01234567"}, Version: 1, CreatedAt: t0, UpdatedAt: t0}
	b := &domain.ImportBatch{Organisations: []*domain.Organisation{o2}, Contracts: []*domain.Contract{c}, Pledges: []*domain.Pledge{p}, Deliveries: []*domain.Delivery{d},
		Events: []*domain.AuditEvent{ev(f.auth, "organisation.import", o2.ID, t0), ev(f.auth, "contract.import", c.ID, t0), ev(f.auth, "pledge.import", p.ID, t0), ev(f.auth, "delivery.import", d.ID, t0)}}
	before := auditSeq(t, s, f.auth.ID)
	if err := s.ImportContracts(ctx, b); err != nil {
		t.Fatal(err)
	}
	if got := auditSeq(t, s, f.auth.ID); got != before+4 {
		t.Fatalf("audit seq %d, want %d", got, before+4)
	}
	if got, err := s.PledgeByID(ctx, p.ID); err != nil || got.Source != domain.SourceImport || got.RequestID != "" || got.ContractID != c.ID {
		t.Fatalf("pledge = %+v, %v", got, err)
	}
	if got, err := s.OrganisationByID(ctx, o2.ID); err != nil || got.Status != domain.OrgPending || got.CompanyNumber != "01234567" {
		t.Fatalf("supplier = %+v, %v", got, err)
	}
	if us, _ := s.UsersOfOrganisation(ctx, o2.ID); len(us) != 0 {
		t.Fatalf("imported supplier has %d users", len(us))
	}
	// An app delivery beside it: the source filter keeps the imported one.
	r := f.request(t, s, "Need", domain.ReqPublished, "E05015018", "volunteering")
	ap := f.pledge(t, s, r, 10_00, domain.PledgeApproved, 10_00)
	ad := &domain.Delivery{ID: domain.NewID(), AuthorityID: f.auth.ID, PledgeID: ap.ID, RequestID: r.ID, OrganisationID: f.supplier.ID, Unit: "day", Quantity: 1, ValuePence: 10_00,
		Date: t0, EvidenceIDs: []string{}, EvidenceHashes: []string{}, Status: domain.DeliveryReported, ReportedBy: "s", Version: 1, CreatedAt: t0, UpdatedAt: t0}
	apNext := *ap
	apNext.Status, apNext.Version = domain.PledgeDelivered, 2
	if err := s.CreateDelivery(ctx, ad, &apNext, 1, []*domain.AuditEvent{ev(f.auth, "delivery.report", ad.ID, t0)}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		source string
		want   int
	}{{domain.SourceImport, 1}, {"", 2}} {
		ds, _, err := s.FindDeliveries(ctx, domain.DeliveryFilter{LedgerFilter: domain.LedgerFilter{AuthorityID: f.auth.ID}, Status: domain.DeliveryReported, Source: c.source, Page: domain.Page{Limit: 10}})
		if err != nil || len(ds) != c.want {
			t.Fatalf("deliveries of source %q = %d, %v; want %d", c.source, len(ds), err, c.want)
		}
		if c.source != "" && (ds[0].ID != d.ID || ds[0].Source != domain.SourceImport) {
			t.Fatalf("imported delivery = %+v", ds[0])
		}
	}
	// Settling an imported pledge again checks its version.
	p2 := *p
	p2.Status, p2.Version = domain.PledgeDelivered, 2
	stale := &domain.ImportBatch{Settled: []*domain.Pledge{&p2}, SettledPrev: []int64{7}, Events: []*domain.AuditEvent{ev(f.auth, "pledge.delivered", p.ID, t0)}}
	wantCode(t, s.ImportContracts(ctx, stale), domain.ECONFLICT)
	// Payments: listed by date, a second one with a key taken is refused
	// (embedded store, one transaction) or left out (MongoDB).
	pay := func(key string, amount int64, day int) *domain.Payment {
		return &domain.Payment{ID: domain.NewID(), AuthorityID: f.auth.ID, Key: key, ContractID: c.ID, ContractReference: c.Reference, SupplierID: f.supplier.ID,
			SupplierName: f.supplier.Name, Base: "SK4", AmountPence: amount, Date: time.Date(2025, 4, day, 0, 0, 0, 0, time.UTC), CreatedAt: t0}
	}
	ps := []*domain.Payment{pay("k2", 200, 9), pay("k1", 100, 2)}
	if err := s.CreatePayments(ctx, ps, []*domain.AuditEvent{ev(f.auth, "payment.import", ps[0].ID, t0), ev(f.auth, "payment.import", ps[1].ID, t0)}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Payments(ctx, f.auth.ID)
	if err != nil || len(got) != 2 || got[0].Key != "k1" || got[1].Key != "k2" || got[0].AmountPence != 100 || got[0].Base != "SK4" ||
		!got[0].Date.Equal(ps[1].Date) || got[0].ContractReference != "IMP-1" || got[0].SupplierID != f.supplier.ID {
		t.Fatalf("payments = %+v, %v", got, err)
	}
	dup := pay("k1", 100, 2)
	_ = s.CreatePayments(ctx, []*domain.Payment{dup}, []*domain.AuditEvent{ev(f.auth, "payment.import", dup.ID, t0)})
	if got, _ := s.Payments(ctx, f.auth.ID); len(got) != 2 {
		t.Fatalf("a payment key taken twice: %d payments", len(got))
	}
	if other, _ := s.Payments(ctx, "no-such-council"); len(other) != 0 {
		t.Fatalf("payments of another council = %d", len(other))
	}
}

// The known scenario of issue #12: three contracts of £30k (awarded in
// the app), £600k and £6m (imported with their history), payments to
// local and non-local suppliers; every figure worked out by hand.
const scenarioContracts = `Contract reference,Title,Directorate,Supplier name,Supplier company number,Contract value,Measure or description,Quantity,Secured £,Delivered £,Commitment due date,Delivery date,Contract start date,Contract end date,Ward
IMP-600,Highways maintenance,Place,Mersey Build Ltd,01234567,"£600,000.00",Apprenticeship weeks,52,"£20,000.00","£12,500.50",2027-03-31,2025-06-15,2024-04-01,2028-03-31,E05015018
IMP-600,Highways maintenance,Place,Mersey Build Ltd,01234567,"£600,000.00",Volunteering hours,200,£3000,,2027-03-31,,2024-04-01,2028-03-31,
IMP-6M,Adult social care,people,Northern Care Ltd,07654321,£6000000,Local jobs,10,"£250,000",£100000,2027-12-31,10/01/2026,01/10/2023,30/09/2030,E05015015
IMP-6M,Adult social care,people,Northern Care Ltd,07654321,£6000000,Food bank donations,1,£50000,£50000,2025-12-31,2025-11-30,01/10/2023,30/09/2030,
`

func scenarioPayments(appSupplier string) string {
	return `contract reference,supplier,supplier postcode district or ward code,amount,payment date
IMP-600,Mersey Build Ltd,SK4,"£100,000.00",2024-05-31
IMP-600,Mersey Build Ltd,sk4,£50000.50,2025-04-01
IMP-6M,Northern Care Limited,,"£1,000,000",2024-03-31
IMP-6M,Northern Care Limited,M1,£400000,2025-02-28
IMP-6M,Northern Care Limited,E05015015,£200000,2025-10-01
SC-30K,` + appSupplier + `,,£10000,2026-06-30
`
}

func testImportScenario(t *testing.T, s domain.Store) {
	ctx := context.Background()
	clock := t0 // 1 November 2026
	c := newImportCouncil(t, s, &clock)
	// Northern Care is on the platform already (matched by its company
	// number, under another name), based in Manchester (M1).
	nc := &domain.Organisation{ID: domain.NewID(), AuthorityID: c.auth.ID, Authority: c.auth.Slug, Kind: domain.KindSupplier, Name: "Northern Care Limited", Status: domain.OrgApproved,
		OrgDetails: domain.OrgDetails{CompanyNumber: "07654321", BasePostcodeDistrict: "M1"}, Version: 1, CreatedAt: t0, UpdatedAt: t0}
	ncUser := &domain.User{ID: domain.NewID(), AuthorityID: c.auth.ID, Authority: c.auth.Slug, OrganisationID: nc.ID, Email: "nc@example.org", Name: "NC", Role: domain.RoleSupplier, PasswordHash: "h", Version: 1, CreatedAt: t0, UpdatedAt: t0}
	if err := s.Register(ctx, nc, ncUser, []*domain.AuditEvent{ev(c.auth, "organisation.register", nc.ID, t0), ev(c.auth, "user.register", ncUser.ID, t0)}); err != nil {
		t.Fatal(err)
	}
	// The £30k contract, awarded in the app to a supplier based in a ward.
	if _, err := c.svc.SeedExampleMeasures(ctx, c.auth.ID); err != nil {
		t.Fatal(err)
	}
	group, gUser := mustRegister(t, s, c.auth, domain.KindGroup, "g@example.org")
	app := &domain.Organisation{ID: domain.NewID(), AuthorityID: c.auth.ID, Authority: c.auth.Slug, Kind: domain.KindSupplier, Name: "Cafe Co Ltd", Status: domain.OrgApproved,
		OrgDetails: domain.OrgDetails{BaseWard: "E05015018"}, Version: 1, CreatedAt: t0, UpdatedAt: t0}
	aUser := &domain.User{ID: domain.NewID(), AuthorityID: c.auth.ID, Authority: c.auth.Slug, OrganisationID: app.ID, Email: "app@example.org", Name: "App", Role: domain.RoleSupplier, PasswordHash: "h", Version: 1, CreatedAt: t0, UpdatedAt: t0}
	if err := s.Register(ctx, app, aUser, []*domain.AuditEvent{ev(c.auth, "organisation.register", app.ID, t0), ev(c.auth, "user.register", aUser.ID, t0)}); err != nil {
		t.Fatal(err)
	}
	_ = gUser
	appActor := &domain.Actor{UserID: aUser.ID, Role: domain.RoleSupplier, AuthorityID: c.auth.ID, OrganisationID: app.ID}
	con := MustTenderContract(t, c.svc, c.officer, domain.ContractInput{Reference: "SC-30K", Title: "Parks cafe", ValuePence: 30_000_00})
	bid, err := c.svc.CreateBid(ctx, appActor, con.ID)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		r := &domain.Request{ID: domain.NewID(), AuthorityID: c.auth.ID, Authority: c.auth.Slug, OrganisationID: group.ID, OrganisationName: group.Name, Title: fmt.Sprintf("Need %d", i),
			Kind: "volunteering", Area: "E05015018", Quantity: 100, Unit: "hours", ValuePence: 1_000_000, Deadline: t0.AddDate(1, 0, 0), Status: domain.ReqPublished, Version: 1, CreatedAt: t0, UpdatedAt: t0}
		if err := s.CreateRequest(ctx, r, ev(c.auth, "request.create", r.ID, t0)); err != nil {
			t.Fatal(err)
		}
		if _, err := c.svc.CreatePledge(ctx, appActor, r.ID, domain.PledgeInput{Offer: "Volunteers", Quantity: 1, Unit: "day", ValuePence: 1_000_00, BidID: bid.ID}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.svc.MoveBid(ctx, appActor, bid.ID, domain.BidSubmit); err != nil {
		t.Fatal(err)
	}
	if res, err := c.svc.AwardContract(ctx, c.officer, con.ID, bid.ID, t0.AddDate(0, 6, 0)); err != nil || len(res.Committed) != 3 {
		t.Fatalf("award = %+v, %v", res, err)
	}

	// The imports.
	res, err := c.importContracts(scenarioContracts)
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	if res.Contracts != 2 || res.Commitments != 4 || res.Deliveries != 3 || res.SecuredPence != 32_300_000 || res.DeliveredPence != 16_250_050 ||
		len(res.SuppliersCreated) != 1 || res.SuppliersCreated[0] != "Mersey Build Ltd" || res.Unchanged {
		t.Fatalf("import = %+v", res)
	}
	pay, err := c.importPayments(scenarioPayments(app.Name))
	if err != nil || pay.Payments != 6 || pay.TotalPence != 176_000_050 {
		t.Fatalf("payments = %+v, %v", pay, err)
	}
	// Again: nothing changes.
	seq := auditSeq(t, s, c.auth.ID)
	if res, err := c.importContracts(scenarioContracts); err != nil || !res.Unchanged || res.ContractsKept != 2 || res.CommitmentsKept != 4 || res.Contracts+res.Commitments+res.Deliveries != 0 {
		t.Fatalf("import again = %+v, %v", res, err)
	}
	if pay, err := c.importPayments(scenarioPayments(app.Name)); err != nil || !pay.Unchanged || pay.Kept != 6 {
		t.Fatalf("payments again = %+v, %v", pay, err)
	}
	if got := auditSeq(t, s, c.auth.ID); got != seq {
		t.Fatalf("importing again wrote %d events", got-seq)
	}

	// The new supplier is pending, with no users; Northern Care was matched.
	cs, _, _ := s.FindContracts(ctx, domain.ContractFilter{AuthorityID: c.auth.ID, Page: domain.Page{Limit: 10}})
	byRef := map[string]*domain.Contract{}
	for _, k := range cs {
		byRef[k.Reference] = k
	}
	c600, c6m := byRef["IMP-600"], byRef["IMP-6M"]
	if c600 == nil || c6m == nil || c600.Stage != domain.StageLive || c6m.AwardedTo != nc.ID || c600.DirectorateID != dirPlace || c6m.Directorate != "People" ||
		c600.Dates.Start != "2024-04-01" || c6m.Dates.End != "2030-09-30" || c600.AwardedAt == nil || !c600.AwardedAt.Equal(time.Date(2024, 4, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("imported contracts = %+v / %+v", c600, c6m)
	}
	mersey, err := s.OrganisationByID(ctx, c600.AwardedTo)
	if err != nil || mersey.Status != domain.OrgPending || mersey.Name != "Mersey Build Ltd" || mersey.CompanyNumber != "01234567" {
		t.Fatalf("Mersey = %+v, %v", mersey, err)
	}
	if us, _ := s.UsersOfOrganisation(ctx, mersey.ID); len(us) != 0 {
		t.Fatalf("Mersey has %d users", len(us))
	}

	// The ledger: imported commitments secured, deliveries delivered and
	// "imported, not verified here".
	l, err := c.svc.Ledger(ctx, c.officer, domain.LedgerFilter{})
	if err != nil {
		t.Fatal(err)
	}
	row := func(rows []domain.LedgerRow, key string) domain.LedgerRow {
		for _, r := range rows {
			if r.Key == key {
				return r
			}
		}
		t.Fatalf("no ledger row %s", key)
		return domain.LedgerRow{}
	}
	if l.Totals.ApprovedPence != 32_300_000+300_000 || l.Totals.DeliveredPence != 16_250_050 || l.Totals.ImportedPence != 16_250_050 || l.Totals.VerifiedPence != 0 {
		t.Fatalf("totals = %+v", l.Totals)
	}
	if r := row(l.ByContract, c600.ID); r.ApprovedPence != 2_300_000 || r.DeliveredPence != 1_250_050 || r.ImportedPence != 1_250_050 {
		t.Fatalf("IMP-600 = %+v", r)
	}
	if r := row(l.ByContract, c6m.ID); r.ApprovedPence != 30_000_000 || r.ImportedPence != 15_000_000 {
		t.Fatalf("IMP-6M = %+v", r)
	}
	if r := row(l.ByContract, con.ID); r.ApprovedPence != 300_000 || r.ImportedPence != 0 {
		t.Fatalf("SC-30K = %+v", r)
	}
	if r := row(l.ByWard, "E05015015"); r.ImportedPence != 10_000_000 {
		t.Fatalf("ward E05015015 = %+v", r)
	}
	if r := row(l.ByMonth, "2025-06"); r.ImportedPence != 1_250_050 {
		t.Fatalf("month 2025-06 = %+v", r)
	}
	// An officer verifies the £12,500.50 through the usual door: it leaves
	// importedPence for verifiedPence. A group cannot confirm it.
	ds, _, err := s.FindDeliveries(ctx, domain.DeliveryFilter{LedgerFilter: domain.LedgerFilter{AuthorityID: c.auth.ID, ContractID: c600.ID}, Page: domain.Page{Limit: 10}})
	if err != nil || len(ds) != 1 || ds[0].Source != domain.SourceImport || ds[0].ValuePence != 1_250_050 || ds[0].Quantity != 32 {
		t.Fatalf("IMP-600 deliveries = %+v, %v", ds, err)
	}
	gActor := &domain.Actor{UserID: gUser.ID, Role: domain.RoleGroup, AuthorityID: c.auth.ID, OrganisationID: group.ID}
	if _, err := c.svc.MoveDelivery(ctx, gActor, ds[0].ID, domain.DeliveryConfirm, ""); domain.ErrorCode(err) == "" {
		t.Fatal("a group confirmed an imported delivery")
	}
	if _, err := c.svc.MoveDelivery(ctx, c.officer, ds[0].ID, domain.DeliveryVerify, ""); domain.ErrorCode(err) != domain.EINVALID {
		t.Fatalf("verify without a reason = %v", err)
	}
	if _, err := c.svc.MoveDelivery(ctx, c.officer, ds[0].ID, domain.DeliveryVerify, "Checked the council's contract file"); err != nil {
		t.Fatal(err)
	}
	l, _ = c.svc.Ledger(ctx, c.officer, domain.LedgerFilter{})
	if l.Totals.ImportedPence != 15_000_000 || l.Totals.VerifiedPence != 1_250_050 || l.Totals.DeliveredPence != 16_250_050 {
		t.Fatalf("totals after verify = %+v", l.Totals)
	}
	if r := row(l.ByContract, c600.ID); r.ImportedPence != 0 || r.VerifiedPence != 1_250_050 {
		t.Fatalf("IMP-600 after verify = %+v", r)
	}
	// The supplier's record keeps the imported history whole.
	rec, err := c.svc.SupplierRecord(ctx, c.officer, nc.ID)
	if err != nil || rec.ApprovedPence != 30_000_000 || rec.DeliveredPence != 15_000_000 || rec.ImportedPence != 15_000_000 || rec.Pledged != 2 {
		t.Fatalf("Northern Care's record = %+v, %v", rec, err)
	}
	rec, _ = c.svc.SupplierRecord(ctx, c.officer, mersey.ID)
	if rec.VerifiedPence != 1_250_050 || len(rec.Deliveries) != 1 || rec.Deliveries[0].Source != domain.SourceImport || rec.ImportedPence != 0 {
		t.Fatalf("Mersey's record = %+v", rec)
	}

	// Local spend: £360,000.50 of £1,760,000.50 paid to local suppliers.
	ls, err := c.svc.LocalSpend(ctx, c.officer, domain.LocalSpendFilter{})
	if err != nil {
		t.Fatal(err)
	}
	pct := func(p *domain.Percent) string {
		if p == nil {
			return "null"
		}
		return p.Decimal()
	}
	if ls.TotalPence != 176_000_050 || ls.LocalPence != 36_000_050 || pct(ls.LocalPercent) != "20.45" {
		t.Fatalf("local spend = %d / %d (%s)", ls.LocalPence, ls.TotalPence, pct(ls.LocalPercent))
	}
	var got []string
	for _, r := range ls.ByYear {
		got = append(got, fmt.Sprintf("%s %d/%d %s", r.Label, r.LocalPence, r.TotalPence, pct(r.LocalPercent)))
	}
	if want := "2023/24 0/100000000 0.00|2024/25 10000000/50000000 20.00|2025/26 25000050/25000050 100.00|2026/27 1000000/1000000 100.00"; strings.Join(got, "|") != want {
		t.Fatalf("by year = %s\nwant %s", strings.Join(got, "|"), want)
	}
	got = nil
	for _, r := range ls.ByDirectorate {
		got = append(got, fmt.Sprintf("%s %d/%d %s", r.Label, r.LocalPence, r.TotalPence, pct(r.LocalPercent)))
	}
	if want := "No directorate 1000000/1000000 100.00|People 20000000/160000000 12.50|Place 15000050/15000050 100.00"; strings.Join(got, "|") != want {
		t.Fatalf("by directorate = %s\nwant %s", strings.Join(got, "|"), want)
	}
	if len(ls.ByContract) != 3 {
		t.Fatalf("by contract = %+v", ls.ByContract)
	}
	// Awarded: SC-30K (local ward) and IMP-600 (SK4, from its payments)
	// of £6,630,000: 9.50% by value.
	if aw := ls.Awarded; aw.Contracts != 3 || aw.LocalContracts != 2 || aw.ValuePence != 663_000_000 || aw.LocalValuePence != 63_000_000 || pct(aw.LocalPercent) != "9.50" {
		t.Fatalf("awarded = %+v (%s)", aw, pct(aw.LocalPercent))
	}
	for _, c2 := range []struct {
		f                   domain.LocalSpendFilter
		local, total        int64
		percent             string
		awarded, awardLocal int
	}{
		{domain.LocalSpendFilter{FY: 2024}, 10_000_000, 50_000_000, "20.00", 1, 1},
		{domain.LocalSpendFilter{FY: 2024, Quarter: 1}, 10_000_000, 10_000_000, "100.00", 1, 1},
		{domain.LocalSpendFilter{FY: 2024, Quarter: 4}, 0, 40_000_000, "0.00", 0, 0},
		{domain.LocalSpendFilter{DirectorateID: dirPeople}, 20_000_000, 160_000_000, "12.50", 1, 0},
		{domain.LocalSpendFilter{ContractID: c600.ID}, 15_000_050, 15_000_050, "100.00", 1, 1},
		{domain.LocalSpendFilter{FY: 2019}, 0, 0, "null", 0, 0},
	} {
		ls, err := c.svc.LocalSpend(ctx, c.officer, c2.f)
		if err != nil {
			t.Fatalf("%+v: %v", c2.f, err)
		}
		if ls.LocalPence != c2.local || ls.TotalPence != c2.total || pct(ls.LocalPercent) != c2.percent || ls.Awarded.Contracts != c2.awarded || ls.Awarded.LocalContracts != c2.awardLocal {
			t.Fatalf("%+v: %d/%d %s awarded %+v, %v", c2.f, ls.LocalPence, ls.TotalPence, pct(ls.LocalPercent), ls.Awarded, err)
		}
	}
	_, err = c.svc.LocalSpend(ctx, c.officer, domain.LocalSpendFilter{Quarter: 2})
	wantCode(t, err, domain.EINVALID)
	_, err = c.svc.LocalSpend(ctx, appActor, domain.LocalSpendFilter{})
	wantCode(t, err, domain.EFORBIDDEN)
}

// testImportRefusals checks that each refused import writes nothing.
func testImportRefusals(t *testing.T, s domain.Store) {
	clock := t0
	c := newImportCouncil(t, s, &clock)
	head := "Contract reference,Title,Directorate,Supplier name,Supplier company number,Contract value,Measure or description,Quantity,Secured £,Delivered £,Commitment due date,Delivery date,Ward\n"
	good := "R-1,Libraries,Place,Acme Ltd,,£60000,Reading hours,10,£1000,£500,2027-01-31,2026-05-01,\n"
	for _, c2 := range []struct{ name, csv, want string }{
		{"bad header", strings.Replace(head, "Secured £,", "Secured value,", 1) + good, `line 1: the header has no "secured £" column`},
		{"bad money", head + good + "R-1,Libraries,Place,Acme Ltd,,£60000,Books,5,\"£1,2x\",,2027-01-31,,\n", `line 3: secured £ "£1,2x" is not an amount`},
		{"bad date", head + good + "R-1,Libraries,Place,Acme Ltd,,£60000,Books,5,£100,,31/13/2027,,\n", `line 3: commitment due date "31/13/2027" is not a date`},
		{"unknown ward", head + good + "R-1,Libraries,Place,Acme Ltd,,£60000,Books,5,£100,,2027-01-31,,E05999999\n", `line 3: ward "E05999999" is not a ward code`},
		{"conflicting reference", head + good + "R-1,Libraries and archives,Place,Acme Ltd,,£60000,Books,5,£100,,2027-01-31,,\n", "line 3: contract R-1 is also on line 2 with a different title"},
		{"unknown directorate", head + strings.Replace(good, "Place", "Culture", 1), `line 2: directorate "Culture" is not one of the council's directorates`},
		{"delivered more than secured", head + strings.Replace(good, "£500", "£1500", 1), "line 2: delivered £ (£1,500) is more than secured £ (£1,000)"},
	} {
		t.Run(c2.name, func(t *testing.T) {
			seq := auditSeq(t, s, c.auth.ID)
			_, err := c.importContracts(c2.csv)
			var de *domain.Error
			if domain.ErrorCode(err) != domain.EINVALID || !asError(err, &de) || len(de.Fields) == 0 || de.Fields[0].Field != "csv" || !strings.Contains(de.Fields[0].Detail, c2.want) {
				t.Fatalf("import = %v, want a csv field error with %q", err, c2.want)
			}
			if got := auditSeq(t, s, c.auth.ID); got != seq {
				t.Fatalf("a refused import wrote %d events", got-seq)
			}
			if cs, _, _ := s.FindContracts(context.Background(), domain.ContractFilter{AuthorityID: c.auth.ID, Page: domain.Page{Limit: 5}}); len(cs) != 0 {
				t.Fatalf("a refused import left %d contracts", len(cs))
			}
		})
	}
	// Payments: an unknown contract, an unknown ward.
	if _, err := c.importContracts(head + good); err != nil {
		t.Fatal(err)
	}
	seq := auditSeq(t, s, c.auth.ID)
	for _, c2 := range []struct{ csv, want string }{
		{"contract reference,supplier,amount,payment date\nR-1,Acme Ltd,£10,2026-01-01\nR-9,Acme Ltd,£10,2026-01-01\n", "line 3: contract R-9 is not one of the council's contracts"},
		{"contract reference,supplier,base,amount,payment date\nR-1,Acme Ltd,SK4,£10,2026-01-01\nR-1,Acme Ltd,E05999999,£10,2026-01-01\n", `line 3: "E05999999" is neither a postcode district`},
		{"contract reference,supplier,amount,payment date\nR-1,Acme Ltd,\"£1,2x\",2026-01-01\n", `line 2: amount "£1,2x" is not an amount`},
	} {
		_, err := c.importPayments(c2.csv)
		if domain.ErrorCode(err) != domain.EINVALID || !strings.Contains(fmt.Sprint(err.(*domain.Error).Fields), c2.want) {
			t.Fatalf("payments = %v, want %q", err, c2.want)
		}
	}
	if got := auditSeq(t, s, c.auth.ID); got != seq {
		t.Fatalf("refused payments wrote %d events", got-seq)
	}
	if ps, _ := s.Payments(context.Background(), c.auth.ID); len(ps) != 0 {
		t.Fatalf("refused payments left %d", len(ps))
	}
}

func asError(err error, de **domain.Error) bool {
	e, ok := err.(*domain.Error)
	*de = e
	return ok
}
