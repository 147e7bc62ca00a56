package api_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"needmatch/domain"
)

// longDate is how the API's messages write a date.
func longDate(t time.Time) string { return t.UTC().Format("2 January 2006") }

// submittedBid returns a contract at tender with the supplier's submitted,
// compliant bid (pledges to three published requests).
func (e *env) submittedBid() (contract, bid string) {
	ctx := context.Background()
	must(e.svc.SeedExampleMeasures(ctx, e.auth.ID))
	contract = e.tender("officer", domain.ContractInput{Reference: "SMBC-T", Title: "Contract with a bid", ValuePence: 10_000_000})
	bid = must(e.svc.CreateBid(ctx, e.actor("supplier"), contract)).ID
	for _, req := range []string{e.request, e.publishedRequest("group", "officer"), e.publishedRequest("group2", "officer")} {
		must(e.svc.CreatePledge(ctx, e.actor("supplier"), req, domain.PledgeInput{Offer: "Volunteers from our team", Quantity: 10, MeasureCode: "EX-VOL-HOUR", BidID: bid}))
	}
	must(e.svc.MoveBid(ctx, e.actor("supplier"), bid, domain.BidSubmit))
	return contract, bid
}

// approvedPledge returns the supplier's pledge on the published request,
// approved by the officer.
func (e *env) approvedPledge() string {
	p := e.pledge("supplier", e.request)
	e.call("POST", "/api/v1/pledges/"+p+"/approve", "officer", nil, 200)
	return p
}

func jsonOf(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

// writesStillWork fails the test unless a normal write is taken promptly.
func (e *env) writesStillWork() {
	e.t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		status, _, body := e.raw("POST", "/api/v1/requests", "group", jsonOf(validRequest()), "application/json")
		if status != 201 {
			e.t.Errorf("a normal write after the refused one: %d %s", status, body)
		}
	}()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		e.t.Fatal("a normal write hangs after the refused one")
	}
}

// TestExtremeTimesNeverCrash (issue 10, defect 1): times whose UTC form
// falls in year 10000 or year -1 are refused with 400 naming the field;
// before, the store could not encode them, its writer panicked and the
// process exited.
func TestExtremeTimesNeverCrash(t *testing.T) {
	e := newEnv(t)
	pl := e.approvedPledge()
	runCases(t, e, []statusCase{
		{"deadline in year 10000 UTC", "POST", "/api/v1/requests", "group", merge(validRequest(), "deadline", "9999-12-31T23:59:59-12:00"), 400, "deadline"},
		{"deadline in year -1 UTC", "POST", "/api/v1/requests", "group", merge(validRequest(), "deadline", "0000-01-01T00:00:00+00:01"), 400, "deadline"},
		{"draft's deadline in year 10000 UTC", "PATCH", "/api/v1/requests/" + e.draft, "group", map[string]any{"deadline": "9999-12-31T23:59:59-12:00"}, 400, "deadline"},
		{"delivery in year -1 UTC", "POST", "/api/v1/pledges/" + pl + "/deliveries", "supplier", map[string]any{"quantity": 1, "date": "0000-01-01T00:00:00+00:01"}, 400, "date"},
		{"delivery in year 10000 UTC", "POST", "/api/v1/pledges/" + pl + "/deliveries", "supplier", map[string]any{"quantity": 1, "date": "9999-12-31T23:59:59-12:00"}, 400, "date"},
	})
	e.t = t
	e.writesStillWork()
}

// TestAwardExtremeDueDateNeverHangs (issue 10, defect 2): an award whose
// due date falls in year 10000 UTC is refused with 400; before, the
// store's writer panicked inside the award's transaction.
func TestAwardExtremeDueDateNeverHangs(t *testing.T) {
	e := newEnv(t)
	contract, bid := e.submittedBid()
	e.call("POST", "/api/v1/contracts/"+contract+"/award", "officer", map[string]any{"bidId": bid, "dueDate": "9999-12-31T23:59:59-12:00"}, 400)
	e.writesStillWork()
	got := e.call("GET", "/api/v1/contracts/"+contract, "officer", nil, 200)
	if got["stage"] != domain.StageTender {
		t.Fatalf("the refused award changed the contract: %v", got)
	}
	due := time.Now().AddDate(0, 6, 0).Format(time.DateOnly)
	e.call("POST", "/api/v1/contracts/"+contract+"/award", "officer", map[string]any{"bidId": bid, "dueDate": due}, 200)
}

// TestDateWindows (issue 10, defect 5): every time the API takes must lie
// in a sane window, and the problem names the field and the window.
func TestDateWindows(t *testing.T) {
	e := newEnv(t)
	pl := e.approvedPledge()
	contract, bid := e.submittedBid()
	now := time.Now()
	horizon := longDate(now.AddDate(domain.DefaultHorizonYears, 0, 0))
	today, tomorrow := longDate(now), longDate(now.Add(24*time.Hour))
	cases := []struct {
		name, method, path, who string
		body                    map[string]any
		field, detail           string
	}{
		{"delivery in 1900", "POST", "/api/v1/pledges/" + pl + "/deliveries", "supplier", map[string]any{"quantity": 1, "date": "1900-01-01"},
			"date", "The delivery date must be between " + today + " and " + tomorrow},
		{"delivery in year 1", "POST", "/api/v1/pledges/" + pl + "/deliveries", "supplier", map[string]any{"quantity": 1, "date": "0001-01-02"},
			"date", "The delivery date must be between " + today + " and " + tomorrow},
		{"delivery before the pledge", "POST", "/api/v1/pledges/" + pl + "/deliveries", "supplier", map[string]any{"quantity": 1, "date": now.AddDate(0, 0, -1).Format(time.DateOnly)},
			"date", "The delivery date must be between " + today + " and " + tomorrow},
		{"delivery next week", "POST", "/api/v1/pledges/" + pl + "/deliveries", "supplier", map[string]any{"quantity": 1, "date": now.AddDate(0, 0, 7).Format(time.DateOnly)},
			"date", "The delivery date must be between " + today + " and " + tomorrow},
		{"deadline in 9999", "POST", "/api/v1/requests", "group", merge(validRequest(), "deadline", "9999-12-31"),
			"deadline", "The deadline must be between " + today + " and " + horizon},
		{"draft's deadline past the horizon", "PATCH", "/api/v1/requests/" + e.draft, "group", map[string]any{"deadline": now.AddDate(domain.DefaultHorizonYears, 1, 0).Format(time.DateOnly)},
			"deadline", "The deadline must be between " + today + " and " + horizon},
		{"deadline yesterday", "POST", "/api/v1/requests", "group", merge(validRequest(), "deadline", now.AddDate(0, 0, -1).Format(time.DateOnly)),
			"deadline", "The deadline must be between " + today + " and " + horizon},
		{"award due in 9999", "POST", "/api/v1/contracts/" + contract + "/award", "officer", map[string]any{"bidId": bid, "dueDate": "9999-12-31"},
			"dueDate", "The due date must be between " + today + " and " + horizon},
		{"award due in the past", "POST", "/api/v1/contracts/" + contract + "/award", "officer", map[string]any{"bidId": bid, "dueDate": "2020-01-01"},
			"dueDate", "The due date must be between " + today + " and " + horizon},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e.t = t
			got := e.call(c.method, c.path, c.who, c.body, 400)
			if got["field"] != c.field || got["detail"] != c.detail {
				t.Fatalf("problem = %v, want field %q and detail %q", got, c.field, c.detail)
			}
		})
	}
	e.t = t
	// The edges of the windows are taken.
	e.call("POST", "/api/v1/pledges/"+pl+"/deliveries", "supplier", map[string]any{"quantity": 1, "date": now.Format(time.DateOnly)}, 201)
	e.call("POST", "/api/v1/requests", "group", merge(validRequest(), "deadline", now.AddDate(domain.DefaultHorizonYears, 0, -1).Format(time.DateOnly)), 201)

	// The horizon is the council's: at one year, two years out is refused.
	ctx := context.Background()
	auth := must(e.svc.Store.AuthorityByID(ctx, e.auth.ID))
	if auth.HorizonYears != domain.DefaultHorizonYears {
		t.Fatalf("seeded horizon = %d, want %d", auth.HorizonYears, domain.DefaultHorizonYears)
	}
	auth.HorizonYears = 1
	if err := e.svc.Store.PutAuthority(ctx, auth); err != nil {
		t.Fatal(err)
	}
	got := e.call("POST", "/api/v1/requests", "group", merge(validRequest(), "deadline", now.AddDate(2, 0, 0).Format(time.DateOnly)), 400)
	if want := "The deadline must be between " + today + " and " + longDate(now.AddDate(1, 0, 0)); got["detail"] != want {
		t.Fatalf("detail = %v, want %q", got["detail"], want)
	}
	e.call("POST", "/api/v1/contracts/"+contract+"/award", "officer", map[string]any{"bidId": bid, "dueDate": now.AddDate(2, 0, 0).Format(time.DateOnly)}, 400)
	e.call("POST", "/api/v1/contracts/"+contract+"/award", "officer", map[string]any{"bidId": bid, "dueDate": now.AddDate(0, 6, 0).Format(time.DateOnly)}, 200)
}

// TestLedgerMonthAnyYear: every month the ledger lists can be selected
// with ?month=; a malformed month is refused naming the field.
func TestLedgerMonthAnyYear(t *testing.T) {
	e := newEnv(t)
	e.call("GET", "/api/v1/ledger?month=0001-01", "officer", nil, 200)
	e.call("GET", "/api/v1/ledger?month=2026-12", "officer", nil, 200)
	for _, m := range []string{"2026-13", "2026-1", "26-01", "2026-01-01", "-001-01"} {
		got := e.call("GET", "/api/v1/ledger?month="+m, "officer", nil, 400)
		if got["field"] != "month" || !strings.Contains(got["detail"].(string), "YYYY-MM") {
			t.Fatalf("month %q: %v", m, got)
		}
	}
}
