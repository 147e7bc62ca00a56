package api_test

import (
	"context"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"needmatch/api"
	"needmatch/app"
	"needmatch/domain"
	"needmatch/internal/ferret"
)

var sharedDBSeq atomic.Int64

// twoProcesses builds the platform twice on one fresh MongoDB database, as
// two `needmatch serve` processes behind a load balancer: the env (with its
// users and requests) is the first; the second is returned.
func twoProcesses(t *testing.T, configure func(*app.Config)) (*env, *app.App) {
	t.Helper()
	uri, err := ferret.Shared()
	if err != nil {
		t.Fatalf("ferretdb: %v", err)
	}
	name := fmt.Sprintf("nmapi_%d_%d", os.Getpid(), sharedDBSeq.Add(1))
	e := newEnvWith(t, func(c *app.Config) {
		c.MongoURI, c.MongoDB = uri, name
		if configure != nil {
			configure(c)
		}
	})
	b, err := app.New(context.Background(), e.app.Config)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return e, b
}

// anonymousGet sends an anonymous GET to srv and returns status and body.
func anonymousGet(t *testing.T, srv *api.Server, path string) (int, string) {
	t.Helper()
	resp, err := srv.App.Test(httptest.NewRequest("GET", path, nil), 30_000)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// storeCalls is how many times the store operation op ran, from m.
func storeCalls(t *testing.T, m *api.Metrics, op string) int {
	t.Helper()
	var b strings.Builder
	m.Write(&b)
	re := regexp.MustCompile(`needmatch_store_duration_seconds_count\{op="` + op + `"\} (\d+)`)
	if s := re.FindStringSubmatch(b.String()); s != nil {
		n, _ := strconv.Atoi(s[1])
		return n
	}
	return 0
}

// TestSharedPageCacheAcrossProcesses runs two API processes on one
// MongoDB-wire server. The second serves anonymous pages from its cache
// (no store read of requests), and a write through the first is seen by
// the second's next read of the request's page (exact), and of the list
// within api.PublicMaxAge (the README's promise).
func TestSharedPageCacheAcrossProcesses(t *testing.T) {
	e, b := twoProcesses(t, nil)
	list := "/api/v1/requests?authority=stockport"
	one := "/api/v1/requests/" + e.request
	for _, path := range []string{list, one, one} { // a request's first page learns its council
		if status, body := anonymousGet(t, b.Server, path); status != 200 || !strings.Contains(body, e.request) {
			t.Fatalf("GET %s: %d %s", path, status, body)
		}
	}
	finds, byID := storeCalls(t, b.Metrics, "FindRequests"), storeCalls(t, b.Metrics, "RequestByID")
	for _, path := range []string{list, one} {
		if status, body := anonymousGet(t, b.Server, path); status != 200 || !strings.Contains(body, `"pledgedPence":0`) {
			t.Fatalf("GET %s: %d %s", path, status, body)
		}
	}
	if f, r := storeCalls(t, b.Metrics, "FindRequests"), storeCalls(t, b.Metrics, "RequestByID"); f != finds || r != byID {
		t.Fatalf("unchanged pages read the store again: FindRequests %d -> %d, RequestByID %d -> %d", finds, f, byID, r)
	}

	// A pledge through the first process changes the request's page.
	wrote := time.Now()
	e.pledge("supplier", e.request)
	if status, body := anonymousGet(t, b.Server, one); status != 200 || !strings.Contains(body, `"pledgedPence":300000`) {
		t.Fatalf("request page after a pledge through the other process: %d %s", status, body)
	}
	time.Sleep(time.Until(wrote.Add(api.PublicMaxAge + 10*time.Millisecond)))
	if status, body := anonymousGet(t, b.Server, list); status != 200 || !strings.Contains(body, `"pledgedPence":300000`) {
		t.Fatalf("list %v after a pledge through the other process: %d %s", api.PublicMaxAge, status, body)
	}

	// A region's open data is kept as well, and changes with a write
	// through the first process in its second member council.
	must(e.svc.CreateRegion(context.Background(), nil, domain.RegionInput{Slug: "star", Name: "STAR Procurement", Authorities: []string{e.auth.Slug, e.other.Slug}}))
	region := "/api/v1/regions/star/opendata"
	_, first := anonymousGet(t, b.Server, region)
	sums := storeCalls(t, b.Metrics, "LedgerSums")
	if status, again := anonymousGet(t, b.Server, region); status != 200 || again != first || !strings.Contains(first, `"approvedPence":0,`) || storeCalls(t, b.Metrics, "LedgerSums") != sums {
		t.Fatalf("region open data read again: %d, LedgerSums %d -> %d: %s", status, sums, storeCalls(t, b.Metrics, "LedgerSums"), again)
	}
	wrote = time.Now()
	e.call("POST", "/api/v1/pledges/"+e.pledge("otherSupplier", e.otherReq)+"/approve", "otherOfficer", nil, 200)
	time.Sleep(time.Until(wrote.Add(api.PublicMaxAge + 10*time.Millisecond)))
	if status, body := anonymousGet(t, b.Server, region); status != 200 || !strings.Contains(body, `"approvedPence":300000,`) || storeCalls(t, b.Metrics, "LedgerSums") != sums+2 {
		t.Fatalf("region open data after an approval in %s through the other process: %d, LedgerSums %d -> %d: %s", e.other.Slug, status, sums, storeCalls(t, b.Metrics, "LedgerSums"), body)
	}
}

// sendTo sends an anonymous request to srv and returns its status.
func sendTo(t *testing.T, srv *api.Server, method, path, body string) int {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := srv.App.Test(req, 30_000)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode == 429 && resp.Header.Get("Retry-After") == "" {
		t.Fatalf("%s %s: 429 without Retry-After", method, path)
	}
	return resp.StatusCode
}

// TestSharedRateLimitsAcrossProcesses runs two API processes on one
// MongoDB-wire server: calls from one client, alternating between them,
// are limited once for the sum, not once per process; anonymous reads
// have a limit too.
func TestSharedRateLimitsAcrossProcesses(t *testing.T) {
	// Windows of years: the test never straddles two.
	limits := api.Limits{LoginPerIP: api.Rate{PerMinute: 1e-6, Burst: 3}, ReadsPerIP: api.Rate{PerMinute: 1e-6, Burst: 4}}
	e, b := twoProcesses(t, func(c *app.Config) { c.NoRateLimits, c.Limits = false, &limits })
	procs := []*api.Server{e.srv, b.Server}
	login := `{"email":"group@x.org","password":"wrong-password-x"}`
	var logins []int
	for i := range 6 {
		logins = append(logins, sendTo(t, procs[i%2], "POST", "/api/v1/auth/login", login))
	}
	if want := []int{401, 401, 401, 429, 429, 429}; fmt.Sprint(logins) != fmt.Sprint(want) {
		t.Fatalf("logins through two processes = %v, want %v (3 for the sum)", logins, want)
	}
	var reads []int
	for i := range 6 {
		reads = append(reads, sendTo(t, procs[i%2], "GET", "/api/v1/requests?authority=stockport", ""))
	}
	if want := []int{200, 200, 200, 200, 429, 429}; fmt.Sprint(reads) != fmt.Sprint(want) {
		t.Fatalf("anonymous reads through two processes = %v, want %v (4 for the sum)", reads, want)
	}
	// A signed-in read is not an anonymous one.
	e.call("GET", "/api/v1/requests", "group", nil, 200)
}
