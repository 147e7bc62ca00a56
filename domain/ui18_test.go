package domain

import (
	"strings"
	"testing"
	"time"
)

func TestApprovedAndWholeUnits(t *testing.T) {
	coats := &Pledge{Quantity: 500, Unit: "coats", ValuePence: 1_200_000}
	for _, c := range []struct {
		approved, units, whole int64
	}{
		{0, 0, 0},
		{120_000, 50, 120_000},      // exactly 50 coats
		{350_000, 145, 348_000},     // 145.8 coats: 145 whole ones are £3,480
		{1_199_999, 499, 1_197_600}, // just short of all of it
		{1_200_000, 500, 1_200_000}, // all of it
		{1_000, 0, 0},               // less than one coat
	} {
		coats.ApprovedPence = c.approved
		if got := coats.ApprovedUnits(); got != c.units {
			t.Errorf("ApprovedUnits at %d = %d, want %d", c.approved, got, c.units)
		}
		if got := coats.WholeUnitsPence(c.approved); got != c.whole {
			t.Errorf("WholeUnitsPence(%d) = %d, want %d", c.approved, got, c.whole)
		}
		if w := coats.WholeUnitsPence(c.approved); w > c.approved || approvedUnitsAt(coats, w) != c.units {
			t.Errorf("WholeUnitsPence(%d) = %d covers %d units, want %d and no more than the amount", c.approved, w, approvedUnitsAt(coats, w), c.units)
		}
	}
	// Thirds: 3 items for 100p; 2 items are 66.67p, so 67p covers exactly 2.
	odd := &Pledge{Quantity: 3, Unit: "boxes", ValuePence: 100}
	if got := odd.WholeUnitsPence(90); got != 67 || approvedUnitsAt(odd, 67) != 2 {
		t.Errorf("WholeUnitsPence(90) of 3 boxes for 100p = %d, want 67", got)
	}
	money := &Pledge{Quantity: 3500, Unit: "£", ValuePence: 350_000}
	if got := money.WholeUnitsPence(123_456); got != 123_456 {
		t.Errorf("money is rounded: %d", got)
	}
	for unit, want := range map[string]bool{"coats": true, "hour": true, "£": false, "£ of equipment": false, "pounds": false, "Pounds donated": false, "": false, "people": true} {
		if Countable(unit) != want {
			t.Errorf("Countable(%q) = %v, want %v", unit, !want, want)
		}
	}
	// Delivery: the approved units, and one at least once anything is.
	coats.ApprovedPence = 1_000
	if coats.DeliverableUnits() != 1 {
		t.Errorf("DeliverableUnits of a sliver = %d, want 1", coats.DeliverableUnits())
	}
}

func TestRoundWholeUnitsExplains(t *testing.T) {
	coats := &Pledge{Quantity: 500, Unit: "coats", ValuePence: 1_200_000}
	it := AllocationItem{ApprovedPence: 350_000, Explanation: "Cut to what the request still needs."}
	roundWholeUnits(&it, coats)
	if it.ApprovedPence != 348_000 || it.ApprovedQuantity != 145 || it.Quantity != 500 || it.Unit != "coats" ||
		it.Explanation != "Cut to what the request still needs. Rounded down from £3,500 to £3,480, the value of 145 whole coats of the 500 pledged: coats are counted in whole units." {
		t.Fatalf("rounded item = %+v", it)
	}
	money := &Pledge{Quantity: 3500, Unit: "£", ValuePence: 350_000}
	it = AllocationItem{ApprovedPence: 123_456}
	roundWholeUnits(&it, money)
	if it.ApprovedPence != 123_456 || !strings.Contains(it.Explanation, "not rounded: £ is an amount of money") {
		t.Fatalf("money item = %+v", it)
	}
}

func TestExpireRules(t *testing.T) {
	r := &Request{Status: ReqPublished, ValuePence: 1000, Deadline: now.Add(-time.Hour), Version: 1}
	if err := r.Expire(now.Add(-2 * time.Hour)); ErrorCode(err) != ECONFLICT {
		t.Fatalf("expire before the deadline: %v", err)
	}
	r.ApprovedPence = 1000
	if err := r.Expire(now); ErrorCode(err) != ECONFLICT {
		t.Fatalf("expire a fully matched request: %v", err)
	}
	r.ApprovedPence = 999
	if err := r.Expire(now); err != nil || r.Status != ReqExpired || r.Version != 2 {
		t.Fatalf("expire = %v, %s v%d", err, r.Status, r.Version)
	}
	if err := r.ExtendDeadline(now.Add(-time.Minute), now); ErrorCode(err) != EINVALID {
		t.Fatalf("extend into the past: %v", err)
	}
	if err := r.ExtendDeadline(now.AddDate(0, 1, 0), now); err != nil || r.Status != ReqPublished || !r.DeadlineExtended {
		t.Fatalf("extend = %v, %+v", err, r)
	}
	_ = r.Expire(now.AddDate(0, 2, 0))
	if err := r.ExtendDeadline(now.AddDate(0, 3, 0), now); ErrorCode(err) != ECONFLICT {
		t.Fatalf("a second extension: %v", err)
	}
	if err := r.Close(now); err != nil || r.Status != ReqClosed {
		t.Fatalf("close = %v, %s", err, r.Status)
	}
}

func TestAuditInWordsHelpers(t *testing.T) {
	before := snapshot(map[string]any{"status": "offered", "approvedPence": 0, "version": 1, "organisationId": "x", "deadline": "2027-01-30T00:00:00Z", "allowPartial": false})
	after := snapshot(map[string]any{"status": "in_delivery", "approvedPence": 120000, "version": 2, "organisationId": "y", "deadline": "2027-02-28T00:00:00Z", "allowPartial": true})
	got := auditChanges(before, after)
	want := []AuditChange{
		{Field: "approvedPence", Label: "Approved", Before: "£0", After: "£1,200"},
		{Field: "deadline", Label: "Deadline", Before: "30 January 2027", After: "28 February 2027"},
		{Field: "allowPartial", Label: "Part approval allowed", Before: "No", After: "Yes"},
		{Field: "status", Label: "Status", Before: "offered", After: "in delivery"},
	}
	if len(got) != len(want) {
		t.Fatalf("changes = %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("change %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	if len(auditChanges(nil, after)) != 0 {
		t.Error("a creation lists changes")
	}
	e := &AuditEvent{Action: "pledge.approve", ObjectType: "pledge", After: snapshot(map[string]string{"organisationName": "Mersey Build Ltd", "requestTitle": "Winter coats"})}
	if s := auditSummary("Jo Bloggs", e); s != "Jo Bloggs approved the pledge of Mersey Build Ltd to “Winter coats”" {
		t.Errorf("summary = %q", s)
	}
	e = &AuditEvent{Action: "request.frobnicate", ObjectType: "request", Before: snapshot(map[string]string{"title": "Paint"})}
	if s := auditSummary("Jo", e); s != "Jo did “frobnicate” to the request “Paint”" {
		t.Errorf("unknown action = %q", s)
	}
	if wordsOf("commitmentLimitPence") != "Commitment limit pence" {
		t.Error(wordsOf("commitmentLimitPence"))
	}
}
