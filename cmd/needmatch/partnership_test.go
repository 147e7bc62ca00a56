package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"needmatch/domain"
)

// contractsHeader is the header of a contracts import.
const contractsHeader = "Contract reference,Title,Directorate,Supplier name,Supplier company number,Contract value,Measure or description,Quantity,Secured £,Delivered £,Commitment due date,Delivery date\n"

// partnershipAreas are made-up test wards (codes T...), not real figures.
const partnershipAreas = "code,name,lat,lon,need\nT%s01,Test ward %s one,53.5,-2.1,0.8\nT%s02,Test ward %s two,53.52,-2.12,0.2\n"

// cli runs a command of the binary against dir and fails the test on error.
func cli(t *testing.T, dir, stdin string, args ...string) string {
	t.Helper()
	var out bytes.Buffer
	if err := run(context.Background(), append(args, "--data-dir", dir), strings.NewReader(stdin), &out, func(string) string { return "" }); err != nil {
		t.Fatalf("needmatch %s: %v\n%s", strings.Join(args, " "), err, out.String())
	}
	return out.String()
}

// TestPartnershipAcceptance: three councils made from the command line
// with areas imported from CSV, a region of two, work in each council; the
// region ledger is the sum of its two councils' ledgers to the penny, and
// the third council's figures appear nowhere in it. One supplier works in
// alpha and beta, approved by each.
func TestPartnershipAcceptance(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	councils := []struct{ slug, name, code, tag string }{
		{"alpha", "Alpha (test council)", "E08000901", "A"},
		{"beta", "Beta (test council)", "E08000902", "B"},
		{"gamma", "Gamma (test council)", "E08000903", "G"},
	}
	for _, c := range councils {
		cli(t, dir, "", "authority", "create", "--slug", c.slug, "--name", c.name, "--code", c.code)
		csvPath := filepath.Join(dir, c.slug+".csv")
		if err := os.WriteFile(csvPath, []byte(strings.NewReplacer("%s", c.tag).Replace(partnershipAreas)), 0o600); err != nil {
			t.Fatal(err)
		}
		if out := cli(t, dir, "", "import", "areas", csvPath, "--authority", c.slug); !strings.Contains(out, "imported 2 areas into "+c.slug) {
			t.Fatalf("import: %s", out)
		}
		cli(t, dir, "correct-horse-battery\n", "user", "create", "--role", "officer", "--email", "officer@"+c.slug+".example", "--authority", c.slug, "--password-stdin")
	}
	if out := cli(t, dir, "", "region", "create", "--slug", "ab", "--name", "Alpha and Beta", "--authorities", "alpha,beta"); !strings.Contains(out, "alpha, beta") {
		t.Fatalf("region create: %s", out)
	}
	cli(t, dir, "correct-horse-battery\n", "user", "create", "--role", "region_officer", "--email", "ro@ab.example", "--region", "ab", "--password-stdin")
	cli(t, dir, "correct-horse-battery\n", "user", "create", "--role", "platform_admin", "--email", "pa@platform.example", "--password-stdin")
	// A council slug taken, a region of an unknown council: refused.
	var out bytes.Buffer
	if err := run(ctx, []string{"authority", "create", "--slug", "alpha", "--name", "Again", "--data-dir", dir}, nil, &out, func(string) string { return "" }); err == nil {
		t.Fatal("a second council alpha was created")
	}
	if err := run(ctx, []string{"region", "create", "--slug", "zz", "--name", "Nowhere", "--authorities", "alpha,atlantis", "--data-dir", dir}, nil, &out, func(string) string { return "" }); err == nil || !strings.Contains(out.String(), "atlantis") {
		t.Fatalf("a region of an unknown council: %v %s", err, out.String())
	}

	c, _, err := parseConfig("test", []string{"--data-dir", dir}, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	st, err := openStore(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	svc := domain.NewService(st)
	actor := func(email string) *domain.Actor {
		u, err := st.UserByEmail(ctx, email)
		if err != nil {
			t.Fatal(err)
		}
		a, _, err := svc.ActorFor(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	// Work in each council: a group's request, a supplier's pledges
	// approved, deliveries reported and some verified. Quantities differ
	// per council so that no sum can come out right by chance.
	for i, cn := range councils {
		officer := actor("officer@" + cn.slug + ".example")
		reg := func(role, email string) *domain.Actor {
			u, o, err := svc.Register(ctx, domain.RegisterInput{Email: email, Password: "correct-horse-battery", Name: "Test " + role, Role: role, OrgName: role + " of " + cn.slug, AuthoritySlug: cn.slug})
			if err != nil {
				t.Fatal(err)
			}
			verifyFromOutbox(t, svc, u)
			if _, err := svc.DecideOrganisation(ctx, officer, o.ID, true, ""); err != nil {
				t.Fatal(err)
			}
			return actor(email)
		}
		group := reg(domain.RoleGroup, "group@"+cn.slug+".example")
		var supplier *domain.Actor
		switch cn.slug {
		case "alpha":
			supplier = reg(domain.RoleSupplier, "supplier@alpha.example")
		case "beta":
			// Alpha's supplier asks to work in beta too; beta's officer approves it there.
			m, err := svc.JoinCouncil(ctx, actor("supplier@alpha.example"), "beta")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := svc.DecideOrganisation(ctx, officer, m.OrganisationID, true, ""); err != nil {
				t.Fatal(err)
			}
			home := actor("supplier@alpha.example")
			sw, err := svc.SwitchCouncil(ctx, home, "beta", "", 0)
			if err != nil {
				t.Fatal(err)
			}
			if supplier, _, err = svc.ActorIn(ctx, home.UserID, sw.Authority.ID); err != nil || supplier.OrganisationID != m.OrganisationID {
				t.Fatalf("the supplier in beta: %+v, %v", supplier, err)
			}
		default:
			supplier = reg(domain.RoleSupplier, "supplier@"+cn.slug+".example")
		}
		deadline := time.Now().AddDate(0, 2, 0)
		r, err := svc.CreateRequest(ctx, group, domain.RequestInput{Title: ptr("Volunteers for the food bank"), Description: ptr("Help on Saturdays"), Kind: ptr("volunteering"),
			Area: ptr("T" + cn.tag + "01"), Quantity: ptr(int64(200)), Unit: ptr("hours"), ValuePence: ptr(int64(5_000_00)), Deadline: &deadline})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range []struct {
			a  *domain.Actor
			mv domain.RequestMove
		}{{group, domain.RequestSubmit}, {officer, domain.RequestPublish}} {
			if _, err := svc.MoveRequest(ctx, m.a, r.ID, m.mv, ""); err != nil {
				t.Fatal(err)
			}
		}
		for j := range 2 {
			p, err := svc.CreatePledge(ctx, supplier, r.ID, domain.PledgeInput{Offer: "Team volunteering", Quantity: int64(10*(i+1) + 3*j), MeasureCode: "EX-VOL-HOUR"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := svc.MovePledge(ctx, officer, p.ID, domain.PledgeDecision{Move: domain.PledgeApprove}); err != nil {
				t.Fatal(err)
			}
			d, err := svc.ReportDelivery(ctx, supplier, p.ID, domain.DeliveryInput{Quantity: int64(4 + i + j), Date: time.Now(), Notes: "Timesheets kept"})
			if err != nil {
				t.Fatal(err)
			}
			if j == 0 {
				if _, err := svc.MoveDelivery(ctx, officer, d.ID, domain.DeliveryVerify, "Checked on a site visit"); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	ro := actor("ro@ab.example")
	rl, err := svc.GetRegionLedger(ctx, ro, "ab", "", domain.LedgerFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var sum domain.LedgerRow
	for i, slug := range []string{"alpha", "beta"} {
		own, err := svc.Ledger(ctx, actor("officer@"+slug+".example"), domain.LedgerFilter{})
		if err != nil {
			t.Fatal(err)
		}
		got := rl.Councils[i]
		if got.Slug != slug || got.Totals.ApprovedPence != own.Totals.ApprovedPence || got.Totals.DeliveredPence != own.Totals.DeliveredPence ||
			got.Totals.VerifiedPence != own.Totals.VerifiedPence || got.Totals.GapPence != own.Totals.GapPence {
			t.Errorf("%s in the region = %+v, its own ledger %+v", slug, got.Totals, own.Totals)
		}
		if own.Totals.VerifiedPence == 0 || own.Totals.DeliveredPence == own.Totals.VerifiedPence {
			t.Fatalf("%s: verified %d of delivered %d: the test proves nothing", slug, own.Totals.VerifiedPence, own.Totals.DeliveredPence)
		}
		sum.ApprovedPence += own.Totals.ApprovedPence
		sum.DeliveredPence += own.Totals.DeliveredPence
		sum.VerifiedPence += own.Totals.VerifiedPence
		sum.GapPence += own.Totals.GapPence
	}
	s := rl.Sum.Totals
	if s.ApprovedPence != sum.ApprovedPence || s.DeliveredPence != sum.DeliveredPence || s.VerifiedPence != sum.VerifiedPence || s.GapPence != sum.GapPence {
		t.Errorf("region sum = %+v, want %+v", s, sum)
	}
	// Alpha: 10h + 13h approved at £17 = £391; beta: 20h + 23h = £731.
	if sum.ApprovedPence != (10+13+20+23)*17_00 {
		t.Errorf("secured = %d pence, want %d", sum.ApprovedPence, (10+13+20+23)*17_00)
	}
	gamma, err := svc.Ledger(ctx, actor("officer@gamma.example"), domain.LedgerFilter{})
	if err != nil || gamma.Totals.ApprovedPence == 0 {
		t.Fatalf("gamma has no work: %+v %v", gamma, err)
	}
	raw, _ := json.Marshal(rl)
	for _, leak := range []string{"gamma", "Gamma", "TG01"} {
		if bytes.Contains(raw, []byte(leak)) {
			t.Errorf("the region ledger shows %q of the council outside it", leak)
		}
	}
	if _, err := svc.GetRegionLedger(ctx, ro, "ab", "gamma", domain.LedgerFilter{}); domain.ErrorCode(err) != domain.EINVALID {
		t.Errorf("drill-down into gamma: %v, want EINVALID", err)
	}
	// Each council then imports a contract of known value with value
	// secured on it, and payments (one to a supplier based in the
	// council's area, one not).
	for i, cn := range councils {
		officer := actor("officer@" + cn.slug + ".example")
		if _, err := svc.CreateDirectorate(ctx, officer, "Place"); err != nil {
			t.Fatal(err)
		}
		ref := strings.ToUpper(cn.tag) + "-1"
		rows, err := domain.ParseContractsCSV(strings.NewReader(contractsHeader + fmt.Sprintf("%s,Parks of %s,Place,Parks Ltd,0765432%d,£%d,Tree planting,5,£%d,,2027-01-31,\n", ref, cn.slug, i, 10_000*(i+1), 700*(i+1)+13)))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.ImportContracts(ctx, officer, rows); err != nil {
			t.Fatal(err)
		}
		pays, err := domain.ParsePaymentsCSV(strings.NewReader(fmt.Sprintf("contract reference,supplier,supplier postcode district or ward code,amount,payment date\n%s,Parks Ltd,T%s01,£%d,2025-05-01\n%s,Parks Ltd,M1,£%d,2025-06-01\n", ref, cn.tag, 100+7*i, ref, 50+i)))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.ImportPayments(ctx, officer, pays); err != nil {
			t.Fatal(err)
		}
	}
	// The region's summary: each council's own summary figures, and their
	// sums; the region's shares from the summed pence.
	rs, err := svc.GetRegionSummary(ctx, ro, "ab")
	if err != nil {
		t.Fatal(err)
	}
	var want domain.SummaryFigures
	var onContracts, years int64
	for i, slug := range []string{"alpha", "beta"} {
		officer := actor("officer@" + slug + ".example")
		own, err := svc.CouncilSummary(ctx, officer)
		if err != nil {
			t.Fatal(err)
		}
		got := rs.Councils[i]
		if got.Slug != slug || got.SecuredPence != own.SecuredPence || got.DeliveredPence != own.DeliveredPence || got.VerifiedPence != own.VerifiedPence ||
			got.ContractValuePence != own.ContractValuePence || *got.SecuredPercent != *own.SecuredPercent || got.Overdue != own.Overdue ||
			got.LocalSpend.LocalPence != own.LocalSpend.LocalPence || got.LocalSpend.TotalPence != own.LocalSpend.TotalPence || *got.LocalSpend.LocalPercent != *own.LocalSpend.LocalPercent {
			t.Errorf("%s in the region summary = %+v, its own %+v", slug, got.SummaryFigures, own.SummaryFigures)
		}
		want.SecuredPence += own.SecuredPence
		want.DeliveredPence += own.DeliveredPence
		want.VerifiedPence += own.VerifiedPence
		want.ContractValuePence += own.ContractValuePence
		want.Overdue.Count += own.Overdue.Count
		want.Overdue.ValuePence += own.Overdue.ValuePence
		want.LocalSpend = &domain.LocalSpendFigure{FY: "2025", Label: "2025/26", LocalPence: own.LocalSpend.LocalPence, TotalPence: own.LocalSpend.TotalPence}
		if i > 0 {
			want.LocalSpend.LocalPence += rs.Councils[0].LocalSpend.LocalPence
			want.LocalSpend.TotalPence += rs.Councils[0].LocalSpend.TotalPence
		}
		l, err := svc.Ledger(ctx, officer, domain.LedgerFilter{})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range l.ByContract {
			if c.Key != "" {
				onContracts += c.ApprovedPence
			}
		}
		for _, y := range own.ByYear {
			years += y.ApprovedPence
		}
	}
	tot := rs.Total
	if tot.SecuredPence != want.SecuredPence || tot.DeliveredPence != want.DeliveredPence || tot.VerifiedPence != want.VerifiedPence ||
		tot.ContractValuePence != want.ContractValuePence || tot.Overdue != want.Overdue {
		t.Errorf("region summary total = %+v, want %+v", tot, want)
	}
	// Alpha: £713 secured of £10,000; beta: £1,413 of £20,000. The region:
	// £2,126 of £30,000 = 7.09% (the councils' 7.13% and 7.07% average 7.10%).
	if onContracts != 2_126_00 || tot.ContractValuePence != 30_000_00 || *tot.SecuredPercent != *domain.ShareOf(onContracts, tot.ContractValuePence) || *tot.SecuredPercent != 709 {
		t.Errorf("region share = %v of %d, want ShareOf(%d, %d)", tot.SecuredPercent, tot.ContractValuePence, onContracts, tot.ContractValuePence)
	}
	// Local spend 2025/26: alpha £100 of £150, beta £107 of £158.
	if l := tot.LocalSpend; l.FY != "2025" || l.LocalPence != want.LocalSpend.LocalPence || l.TotalPence != want.LocalSpend.TotalPence || l.LocalPence != 207_00 ||
		*l.LocalPercent != *domain.ShareOf(207_00, 308_00) {
		t.Errorf("region local spend = %+v", l)
	}
	var rsYears int64
	for _, y := range rs.ByYear {
		rsYears += y.ApprovedPence
	}
	if rsYears != years || years != want.SecuredPence {
		t.Errorf("region years add up to %d, the councils' to %d, secured %d", rsYears, years, want.SecuredPence)
	}
	if len(rs.TopContracts) != 2 || rs.TopContracts[0].Council != "beta" || rs.TopContracts[0].Label != "B-1 Parks of beta" || rs.TopContracts[1].Council != "alpha" {
		t.Errorf("top contracts = %+v", rs.TopContracts)
	}
	raw, _ = json.Marshal(rs)
	for _, leak := range []string{"gamma", "Gamma", "TG01", "G-1"} {
		if bytes.Contains(raw, []byte(leak)) {
			t.Errorf("the region summary shows %q of the council outside it", leak)
		}
	}
	// The supplier's record shows alpha and beta, each council's verified
	// figures marked by council, and they are the councils' own.
	sup := actor("supplier@alpha.example")
	rec, err := svc.SupplierRecord(ctx, sup, sup.OrganisationID)
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.Councils) != 2 || rec.Councils[0].Authority != "alpha" || rec.Councils[1].Authority != "beta" {
		t.Fatalf("record councils = %+v", rec.Councils)
	}
	for i, cr := range rec.Councils {
		if cr.VerifiedPence != rl.Councils[i].Totals.VerifiedPence || cr.ApprovedPence != rl.Councils[i].Totals.ApprovedPence {
			t.Errorf("%s in the record: %+v, the council's ledger %+v", cr.Authority, cr, rl.Councils[i].Totals)
		}
	}
	st.Close()
	// Every chain, the platform's included, verifies.
	if out := cli(t, dir, "", "audit", "verify"); strings.Count(out, "ok authority") != 4 || !strings.Contains(out, "ok authority platform") {
		t.Fatalf("audit verify:\n%s", out)
	}
}

func ptr[T any](v T) *T { return &v }

var verifyLink = regexp.MustCompile(`/verify-email\?token=([A-Za-z0-9_-]+)`)

// verifyFromOutbox opens the link of the user's verification mail, as the
// person would: a registered account posts and pledges only once verified.
func verifyFromOutbox(t *testing.T, svc *domain.Service, u *domain.User) {
	t.Helper()
	ctx := context.Background()
	ns, _, err := svc.Store.FindNotifications(ctx, domain.NotificationFilter{AuthorityID: u.AuthorityID, Page: domain.Page{Limit: 200}})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range ns {
		if m := verifyLink.FindStringSubmatch(n.Text); n.UserID == u.ID && m != nil {
			if _, err := svc.VerifyEmail(ctx, m[1]); err != nil {
				t.Fatal(err)
			}
			return
		}
	}
	t.Fatalf("no verification mail to %s", u.Email)
}
