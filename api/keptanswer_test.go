package api_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"needmatch/api"
	"needmatch/app"
)

// TestKeptPageAnsweredAsItsRoute: an anonymous GET of a page the cache
// keeps is answered before the route table (keptAnswer) with what its
// route answers: the same body and headers (security headers, ETag,
// Cache-Control, Vary) but its own request id, 304 to its tag, its coding,
// counted and logged under its route, and limited as an anonymous read.
func TestKeptPageAnsweredAsItsRoute(t *testing.T) {
	var logs bytes.Buffer
	limits := api.Limits{ReadsPerIP: api.Rate{PerMinute: 1e-6, Burst: 12}}
	e := newEnvWith(t, func(c *app.Config) {
		c.NoRateLimits, c.Limits = false, &limits
		c.Logger = slog.New(slog.NewJSONHandler(&logs, nil))
	})
	routes := map[string]string{"/api/v1/requests/" + e.request: "/api/v1/requests/:id", "/api/v1/requests?kind=goods": "/api/v1/requests"}
	for path, route := range routes {
		status, built, body := e.get(path, "", nil) // built by the route
		if status != 200 || built.Get("ETag") == "" {
			t.Fatalf("%s built: %d, ETag %q", path, status, built.Get("ETag"))
		}
		status, kept, again := e.get(path, "", nil)
		if status != 200 || !bytes.Equal(again, body) {
			t.Fatalf("%s kept: %d, %d bytes; want 200 and the %d bytes built", path, status, len(again), len(body))
		}
		if headerKeys(kept) != headerKeys(built) {
			t.Errorf("%s: kept answer's headers %s, built one's %s", path, headerKeys(kept), headerKeys(built))
		}
		for k := range built {
			if k != "X-Request-Id" && k != "Date" && kept.Get(k) != built.Get(k) {
				t.Errorf("%s: kept %s %q, built %q", path, k, kept.Get(k), built.Get(k))
			}
		}
		if id := kept.Get("X-Request-Id"); len(id) != 16 || id == built.Get("X-Request-Id") {
			t.Errorf("%s: kept answer's request id %q (built one's %q)", path, id, built.Get("X-Request-Id"))
		}
		if status, h, b := e.get(path, "", map[string]string{"If-None-Match": built.Get("ETag")}); status != 304 || len(b) != 0 || h.Get("Content-Security-Policy") == "" {
			t.Fatalf("%s kept, If-None-Match its tag: %d, %d bytes, CSP %q; want 304, none, the security headers", path, status, len(b), h.Get("Content-Security-Policy"))
		}
		if status, h, b := e.get(path, "", map[string]string{"Accept-Encoding": "gzip"}); status != 200 || h.Get("Content-Encoding") != "gzip" ||
			h.Get("ETag") != strings.TrimSuffix(built.Get("ETag"), `"`)+`-gzip"` || !bytes.Equal(gunzip(t, b), body) {
			t.Fatalf("%s kept, gzip accepted: %d, Content-Encoding %q, ETag %q", path, status, h.Get("Content-Encoding"), h.Get("ETag"))
		}
		var m strings.Builder
		e.app.Metrics.Write(&m)
		for _, want := range []string{
			`needmatch_http_requests_total{method="GET",route="` + route + `",status="200"} 3`,
			`needmatch_http_requests_total{method="GET",route="` + route + `",status="304"} 1`,
		} {
			if !strings.Contains(m.String(), want) {
				t.Errorf("metrics lack %s", want)
			}
		}
		if !strings.Contains(logs.String(), `"route":"`+route+`","status":304`) {
			t.Errorf("no access log line of the 304 under %s:\n%s", route, logs.String())
		}
	}
	// 8 anonymous reads so far, 4 of the burst of 12 left: then 429, kept
	// page or not.
	path := "/api/v1/requests/" + e.request
	for i := 0; i < 4; i++ {
		if status, _, _ := e.get(path, "", nil); status != 200 {
			t.Fatalf("anonymous read %d of 12: %d", 9+i, status)
		}
	}
	status, h, body := e.get(path, "", nil)
	if status != 429 || h.Get("Retry-After") == "" || h.Get("Cache-Control") != "no-store" || h.Get("Vary") != "Authorization" ||
		h.Get("X-Frame-Options") != "DENY" || !strings.Contains(string(body), `"status":429`) {
		t.Fatalf("13th anonymous read of a kept page: %d, Retry-After %q, Cache-Control %q, Vary %q: %s", status, h.Get("Retry-After"), h.Get("Cache-Control"), h.Get("Vary"), body)
	}
}

// headerKeys lists h's names but the request id and date, sorted.
func headerKeys(h http.Header) string {
	var keys []string
	for k := range h {
		if k != "X-Request-Id" && k != "Date" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return strings.Join(keys, " ")
}

// TestRequestListKeptThroughOtherWrites: a kept page of the request list
// stays current through writes that change no request or pledge (the
// background jobs' leases), past PublicMaxAge, without reading the store
// again; a pledge makes it be built again after PublicMaxAge, with the
// pledge counted.
func TestRequestListKeptThroughOtherWrites(t *testing.T) {
	e := newEnv(t)
	path := "/api/v1/requests?kind=goods"
	finds := func() int { return storeCalls(t, e.app.Metrics, "FindRequests") }
	status, h, first := e.get(path, "", nil)
	if status != 200 {
		t.Fatalf("list: %d", status)
	}
	before := finds()
	if _, err := e.app.Store.AcquireLease(context.Background(), "a job", "a holder", time.Minute); err != nil {
		t.Fatal(err)
	}
	time.Sleep(api.PublicMaxAge + 10*time.Millisecond)
	if status, h2, again := e.get(path, "", nil); status != 200 || h2.Get("ETag") != h.Get("ETag") || !bytes.Equal(again, first) || finds() != before {
		t.Fatalf("after a lease and PublicMaxAge: %d, ETag %q (was %q), FindRequests %d -> %d; want the kept page, no store read", status, h2.Get("ETag"), h.Get("ETag"), before, finds())
	}
	e.pledge("supplier", e.request)
	time.Sleep(api.PublicMaxAge + 10*time.Millisecond)
	if status, h3, after := e.get(path, "", nil); status != 200 || h3.Get("ETag") == h.Get("ETag") || finds() != before+1 || !bytes.Contains(after, []byte(`"pledgedPence":300000`)) {
		t.Fatalf("after a pledge and PublicMaxAge: %d, ETag %q (was %q), FindRequests %d -> %d: %s", status, h3.Get("ETag"), h.Get("ETag"), before, finds(), after)
	}
}
