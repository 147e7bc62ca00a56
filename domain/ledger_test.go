package domain

import (
	"strings"
	"testing"
	"time"
)

func TestDeliveryTransitions(t *testing.T) {
	confirm := func(d *Delivery) error { return d.Confirm("group", now) }
	dispute := func(d *Delivery) error { return d.Dispute("group", "Only half of it came", now) }
	verify := func(d *Delivery) error { return d.Verify("officer", "", now) }
	verifyWhy := func(d *Delivery) error { return d.Verify("officer", "Seen on a site visit", now) }
	reject := func(d *Delivery) error { return d.Reject("officer", "No evidence at all", now) }
	type step struct {
		move func(*Delivery) error
		want string // status after, or a code when refused
	}
	cases := []struct {
		name  string
		steps []step
	}{
		{"confirm then verify", []step{{confirm, DeliveryConfirmed}, {verify, DeliveryVerified}}},
		{"verify before confirmation needs a reason", []step{{verify, EINVALID}, {verifyWhy, DeliveryVerified}}},
		{"disputed needs a reason to verify", []step{{dispute, DeliveryDisputed}, {verify, EINVALID}, {verifyWhy, DeliveryVerified}}},
		{"confirm after a dispute", []step{{dispute, DeliveryDisputed}, {confirm, DeliveryConfirmed}, {verify, DeliveryVerified}}},
		{"confirm twice", []step{{confirm, DeliveryConfirmed}, {confirm, ECONFLICT}}},
		{"dispute after confirming", []step{{confirm, DeliveryConfirmed}, {dispute, ECONFLICT}}},
		{"verified is final", []step{{verifyWhy, DeliveryVerified}, {reject, ECONFLICT}, {confirm, ECONFLICT}, {dispute, ECONFLICT}, {verifyWhy, ECONFLICT}}},
		{"rejected is final", []step{{reject, DeliveryRejected}, {verifyWhy, ECONFLICT}, {confirm, ECONFLICT}}},
		{"reject a confirmed one", []step{{confirm, DeliveryConfirmed}, {reject, DeliveryRejected}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := &Delivery{Status: DeliveryReported, Version: 1}
			for i, s := range c.steps {
				before := *d
				err := s.move(d)
				if s.want == ECONFLICT || s.want == EINVALID {
					wantCode(t, err, s.want)
					if d.Status != before.Status || d.Version != before.Version {
						t.Fatalf("step %d: a refused move changed the delivery", i)
					}
					continue
				}
				if err != nil || d.Status != s.want || d.Version != before.Version+1 {
					t.Fatalf("step %d: %v, status %s v%d", i, err, d.Status, d.Version)
				}
			}
		})
	}
	d := &Delivery{Status: DeliveryReported}
	wantCode(t, d.Dispute("g", " ", now), EINVALID)
	wantCode(t, d.Reject("o", "", now), EINVALID)
	if err := d.Verify("o", "Checked the sign-in sheet", now); err != nil || d.Reason == "" || d.DecidedBy != "o" {
		t.Fatalf("verify with reason: %v %+v", err, d)
	}
	d = &Delivery{Status: DeliveryReported}
	_ = d.Confirm("g", now)
	if !d.Confirmed || d.ConfirmedBy != "g" || d.ConfirmedAt == nil {
		t.Fatalf("confirm = %+v", d)
	}
}

func TestPledgeSettleAndLapse(t *testing.T) {
	p := &Pledge{Status: PledgeApproved, Quantity: 10, ValuePence: 1000, ApprovedPence: 1000, Version: 3}
	ds := []*Delivery{}
	settle := func(want PledgeStatus) {
		t.Helper()
		v := p.Version
		p.Settle(ds, now)
		if p.Status != want || p.Version != v+1 {
			t.Fatalf("status %s v%d, want %s v%d", p.Status, p.Version, want, v+1)
		}
	}
	settle(PledgeApproved)
	ds = append(ds, &Delivery{Quantity: 4, Status: DeliveryReported})
	settle(PledgeInDelivery)
	ds = append(ds, &Delivery{Quantity: 6, Status: DeliveryConfirmed, Confirmed: true})
	settle(PledgeDelivered)
	ds[0].Status, ds[0].Confirmed = DeliveryConfirmed, true
	settle(PledgeConfirmed)
	ds[0].Status = DeliveryVerified
	settle(PledgeConfirmed)
	ds[1].Status = DeliveryVerified
	settle(PledgeVerified)
	// A rejected part no longer counts.
	p2 := &Pledge{Status: PledgeDelivered, Quantity: 2}
	p2.Settle([]*Delivery{{Quantity: 2, Status: DeliveryRejected}}, now)
	if p2.Status != PledgeApproved {
		t.Fatalf("after rejection: %s", p2.Status)
	}
	// Lapsed keeps its status whatever is reported later.
	p3 := &Pledge{Status: PledgeLapsed, Quantity: 2}
	p3.Settle([]*Delivery{{Quantity: 2, Status: DeliveryVerified}}, now)
	if p3.Status != PledgeLapsed {
		t.Fatalf("lapsed became %s", p3.Status)
	}
	due := now.AddDate(0, 0, -1)
	for _, c := range []struct {
		status PledgeStatus
		due    *time.Time
		code   string
	}{
		{PledgeApproved, &due, ""},
		{PledgeInDelivery, &due, ""},
		{PledgeDelivered, &due, ECONFLICT}, // awaiting the officer: not the supplier's fault
		{PledgeVerified, &due, ECONFLICT},
		{PledgeApproved, nil, ECONFLICT},
		{PledgeApproved, ptr(now.AddDate(0, 0, 1)), ECONFLICT},
	} {
		p := &Pledge{Status: c.status, DueDate: c.due}
		err := p.Lapse(now)
		wantCode(t, err, c.code)
		if c.code == "" && p.Status != PledgeLapsed {
			t.Fatalf("%s did not lapse", c.status)
		}
	}
	// Commit makes an offered bid pledge an approved commitment.
	bp := &Pledge{Status: PledgeOffered, ValuePence: 500, BidID: "b"}
	wantCode(t, bp.Approve("o", 0, now), ECONFLICT)
	if err := bp.Commit("o", 500, now.AddDate(0, 6, 0), now); err != nil || bp.Status != PledgeApproved || bp.ApprovedPence != 500 || bp.DueDate == nil {
		t.Fatalf("commit: %v %+v", err, bp)
	}
	wantCode(t, bp.Commit("o", 500, now, now), ECONFLICT)
}

func ptr[T any](v T) *T { return &v }

func TestDeliveryValueAddsUp(t *testing.T) {
	// With a measure: quantity x proxy.
	if v := DeliveryValue(&Pledge{Quantity: 10, ValuePence: 17_000, ProxyPence: 1700}, 3, 4); v != 6800 {
		t.Fatalf("measured value = %d", v)
	}
	// Without: the parts add up to the whole exactly, however it is split.
	p := &Pledge{Quantity: 7, ValuePence: 100_000}
	for _, parts := range [][]int64{{1, 1, 1, 1, 1, 1, 1}, {3, 4}, {2, 2, 3}, {7}} {
		var done, sum int64
		for _, q := range parts {
			sum += DeliveryValue(p, done, q)
			done += q
		}
		if sum != p.ValuePence {
			t.Fatalf("parts %v add to %d, want %d", parts, sum, p.ValuePence)
		}
	}
	// No overflow at the limits.
	big := &Pledge{Quantity: 1_000_000_000, ValuePence: MaxPence}
	if v := DeliveryValue(big, 0, 1_000_000_000); v != MaxPence {
		t.Fatalf("big = %d", v)
	}
}

func TestContractStagesAndRules(t *testing.T) {
	r := RulesFor(DefaultThresholds, 24_999_99)
	if r.SocialValue || r.MinRequests != 0 {
		t.Fatalf("below £25k = %+v", r)
	}
	r = RulesFor(DefaultThresholds, 50_000_00)
	if !r.SocialValue || !r.Reporting || r.KPIs || r.MinRequests != 3 {
		t.Fatalf("£50k = %+v", r)
	}
	if r := RulesFor(Thresholds{SocialValuePence: 1, ReportingPence: 1, KPIsPence: 1}, 1); !r.KPIs {
		t.Fatal("configurable thresholds ignored")
	}
	c := &Contract{Stage: StagePreMarket, Version: 1}
	ready := &ContractTier{Name: TierNone}
	wantCode(t, c.MoveStage(StageLive, ready, now), ECONFLICT)
	wantCode(t, c.MoveStage(StageAwarded, ready, now), EINVALID)
	wantCode(t, c.Award(&Bid{ID: "b"}, ready, now), ECONFLICT)
	if err := c.MoveStage(StageTender, ready, now); err != nil || c.Stage != StageTender || c.Version != 2 {
		t.Fatalf("tender: %v %+v", err, c)
	}
	if err := c.Award(&Bid{ID: "b", OrganisationID: "s", OrganisationName: "S Ltd"}, ready, now); err != nil || c.Stage != StageAwarded || c.AwardedTo != "s" {
		t.Fatalf("award: %v %+v", err, c)
	}
	wantCode(t, c.Award(&Bid{ID: "b2"}, ready, now), ECONFLICT)
	if err := c.MoveStage(StageLive, ready, now); err != nil {
		t.Fatal(err)
	}
	if err := c.MoveStage(StageClosed, ready, now); err != nil {
		t.Fatal(err)
	}
	wantCode(t, c.MoveStage(StageClosed, ready, now), ECONFLICT)
	wantCode(t, (&Contract{Reference: "", Title: "x", ValuePence: 0, Stage: "soon"}).Validate(), EINVALID)

	b := &Bid{Status: BidDraft}
	wantCode(t, b.Withdraw(now), "")
	wantCode(t, b.Submit(now), ECONFLICT)
	b = &Bid{Status: BidDraft}
	if err := b.Submit(now); err != nil || b.SubmittedAt == nil {
		t.Fatal(err)
	}
	wantCode(t, b.Submit(now), ECONFLICT)
}

func TestCheckBidThreeDistinctPublishedRequests(t *testing.T) {
	rules := RulesFor(DefaultThresholds, 100_000_00)
	reqs := map[string]*Request{"a": {ID: "a", Status: ReqPublished}, "b": {ID: "b", Status: ReqPublished}, "c": {ID: "c", Status: ReqPublished}, "d": {ID: "d", Status: ReqWithdrawn}}
	pl := func(req string, status PledgeStatus) *Pledge {
		return &Pledge{RequestID: req, Status: status, ValuePence: 100}
	}
	cases := []struct {
		name    string
		pledges []*Pledge
		n       int
		ok      bool
	}{
		{"three requests", []*Pledge{pl("a", PledgeOffered), pl("b", PledgeOffered), pl("c", PledgeOffered)}, 3, true},
		{"the same request twice", []*Pledge{pl("a", PledgeOffered), pl("a", PledgeOffered), pl("b", PledgeOffered)}, 2, false},
		{"a withdrawn request", []*Pledge{pl("a", PledgeOffered), pl("b", PledgeOffered), pl("d", PledgeOffered)}, 2, false},
		{"a withdrawn pledge", []*Pledge{pl("a", PledgeOffered), pl("b", PledgeOffered), pl("c", PledgeWithdrawn)}, 2, false},
		{"none", nil, 0, false},
	}
	for _, c := range cases {
		got := CheckBid(rules, c.pledges, reqs)
		if got.DistinctRequests != c.n || got.Compliant != c.ok || (!c.ok && !strings.Contains(got.Reason, "at least 3")) {
			t.Errorf("%s: %+v", c.name, got)
		}
	}
	if got := CheckBid(RulesFor(DefaultThresholds, 1000), nil, reqs); !got.Compliant {
		t.Error("below the threshold a bid needs no pledges")
	}
}

func TestParseMeasuresCSV(t *testing.T) {
	ms, err := ParseMeasuresCSV(strings.NewReader("\ufeffCode,Name,Unit,Proxy_GBP,Theme,Source\nVOL,Volunteering hour,hour,£17.08,Social,Ours\n\nADV,Advice hour,hour,95,growth,\n"))
	if err != nil || len(ms) != 2 || ms[0].ProxyPence != 1708 || ms[0].Theme != "social" || ms[1].ProxyPence != 9500 {
		t.Fatalf("parse = %+v, %v", ms, err)
	}
	ms, err = ParseMeasuresCSV(strings.NewReader("code,name,unit,proxy_pence,theme\nVOL,Volunteering hour,hour,1708,social\n"))
	if err != nil || ms[0].ProxyPence != 1708 {
		t.Fatalf("pence column = %+v, %v", ms, err)
	}
	for _, c := range []struct{ csv, want string }{
		{"", "line 1"},
		{"code,name,unit,theme\n", "one proxy column"},
		{"code,name,unit,theme,proxy_gbp,proxy_pence\n", "one proxy column"},
		{"code,name,unit,proxy_gbp,theme\n", "no measures"},
		{"code,name,unit,proxy_gbp,theme\nVOL,Hour,hour,1.234,social\n", "line 2: proxy_gbp"},
		{"code,name,unit,proxy_gbp,theme\nVOL,Hour,hour,-1,social\n", "line 2: proxy_gbp"},
		{"code,name,unit,proxy_gbp,theme\nVOL,Hour,hour,0,social\n", "line 2: the proxy value"},
		{"code,name,unit,proxy_gbp,theme\nV O L,Hour,hour,1,social\n", "line 2: code must be"},
		{"code,name,unit,proxy_gbp,theme\nVOL,Hour,hour,1,\n", "line 2: Enter theme"},
		{"code,name,unit,proxy_pence,theme\nVOL,Hour,hour,1.5,social\n", "line 2: proxy_pence"},
		{"code,name,unit,proxy_gbp,theme\nA,Hour,hour,1,social\nA,Hour,hour,1,social\n", "line 3: code A is also on line 2"},
	} {
		_, err := ParseMeasuresCSV(strings.NewReader(c.csv))
		wantCode(t, err, EINVALID)
		if !strings.Contains(ErrorMessage(err), c.want) {
			t.Errorf("%q: %q, want %q", c.csv, ErrorMessage(err), c.want)
		}
	}
	for s, want := range map[string]int64{"17": 1700, "17.5": 1750, "£1,017.08": 101708, "0.01": 1} {
		if got, ok := ParsePounds(s); !ok || got != want {
			t.Errorf("ParsePounds(%q) = %d %v", s, got, ok)
		}
	}
	for _, s := range []string{"", "1.", ".5", "1.234", "1e3", "-2", "£", "12x"} {
		if _, ok := ParsePounds(s); ok {
			t.Errorf("ParsePounds(%q) accepted", s)
		}
	}
}

func TestEvidenceTypesAndNames(t *testing.T) {
	for _, c := range []struct {
		content, ctype string
	}{
		{"%PDF-1.4 ...", "application/pdf"},
		{"\x89PNG\r\n\x1a\nrest", "image/png"},
		{"\xff\xd8\xff\xe0JFIF", "image/jpeg"},
		{"Hours: 10\r\nSigned\tby J\n", "text/plain; charset=utf-8"},
		{"GIF89a", "text/plain; charset=utf-8"}, // printable: judged as the text it is
	} {
		got, _, _, ok := SniffEvidence([]byte(c.content))
		if !ok || got != c.ctype {
			t.Errorf("%q: %q %v, want %q", c.content, got, ok, c.ctype)
		}
	}
	for _, bad := range []string{"MZ\x90\x00", "PK\x03\x04zip", "\x7fELF", "text with \x00 nul", "\xff\xfe bad utf8", ""} {
		if _, _, _, ok := SniffEvidence([]byte(bad)); ok {
			t.Errorf("%q accepted", bad)
		}
	}
	for name, want := range map[string]string{"report.pdf": "report.pdf", "site visit (1).jpg": "site_visit_(1).jpg", "café.txt": "caf_.txt"} {
		if got, err := CleanFileName(name); err != nil || got != want {
			t.Errorf("CleanFileName(%q) = %q, %v", name, got, err)
		}
	}
	for _, bad := range []string{"", "../a.pdf", "a/b.pdf", `a\b.pdf`, "/etc/passwd", ".env", "a..pdf", "C:evil.pdf", "~root", "a\x00.pdf", "a\n.pdf", strings.Repeat("a", 121)} {
		if _, err := CleanFileName(bad); ErrorCode(err) != EINVALID {
			t.Errorf("CleanFileName(%q) accepted", bad)
		}
	}
}

func TestBuildLedgerLinksAndGap(t *testing.T) {
	sums := []LedgerSum{
		{Dim: DimContract, Key: "c1", Measure: "VOL", ApprovedPence: 1000, ApprovedQty: 10, VerifiedPence: 400, VerifiedQty: 4, PledgedPence: 1200, PledgedQty: 12},
		{Dim: DimContract, Key: "", Measure: "", ApprovedPence: 50, PledgedPence: 50},
		{Dim: DimTheme, Key: "social", Measure: "VOL", ApprovedPence: 1000, ApprovedQty: 10, VerifiedPence: 400, VerifiedQty: 4, PledgedPence: 1200, PledgedQty: 12},
		{Dim: DimTheme, Key: "", Measure: "", ApprovedPence: 50, PledgedPence: 50},
		{Dim: DimSupplier, Key: "gone", Measure: "VOL"}, // only withdrawn pledges: no row
	}
	l := BuildLedger("stockport", LedgerFilter{Area: "E1"}, sums, &LedgerRefs{Labels: map[string]map[string]string{DimContract: {"c1": "REF Title"}}, Units: map[string]string{"VOL": "hour"}}, now)
	if l.Totals.ApprovedPence != 1050 || l.Totals.GapPence != 650 || len(l.Totals.Units) != 1 || l.Totals.Units[0].Gap != 6 || l.Totals.Units[0].Unit != "hour" {
		t.Fatalf("totals = %+v", l.Totals)
	}
	if len(l.ByContract) != 2 || l.ByContract[0].Label != "No contract" || l.ByContract[1].Label != "REF Title" {
		t.Fatalf("byContract = %+v", l.ByContract)
	}
	if got := l.ByContract[0].Deliveries; got != "/api/v1/deliveries?contract=none&ward=E1" {
		t.Fatalf("link = %q", got)
	}
	if got := l.ByContract[1].Filter; got["contract"] != "c1" || got["ward"] != "E1" {
		t.Fatalf("filter = %v", got)
	}
	if len(l.BySupplier) != 0 {
		t.Fatalf("bySupplier = %+v", l.BySupplier)
	}
	wantCode(t, LedgerFilter{Month: "2026-13"}.Check(), EINVALID)
	wantCode(t, LedgerFilter{ContractID: "x"}.Check(), EINVALID)
	wantCode(t, LedgerFilter{ContractID: LedgerNone, Month: "2026-01"}.Check(), "")
	if CSVSafe("=HYPERLINK(1)") != "'=HYPERLINK(1)" || CSVSafe("plain") != "plain" {
		t.Fatal("CSVSafe")
	}
}
