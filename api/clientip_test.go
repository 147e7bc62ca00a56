package api_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"needmatch/app"
)

// loginsFrom signs in n times with unknown accounts through X-Forwarded-For
// values made by xff(i), and returns how many answers were 429.
func loginsFrom(e *env, n int, xff func(i int) string) int {
	e.t.Helper()
	limited := 0
	for i := 0; i < n; i++ {
		req := httptest.NewRequest("POST", "/api/v1/auth/login", strings.NewReader(fmt.Sprintf(`{"email":"nobody%d@x.org","password":"wrong-password-x"}`, i)))
		req.Header.Set("Content-Type", "application/json")
		if v := xff(i); v != "" {
			req.Header.Set("X-Forwarded-For", v)
		}
		resp, err := e.srv.App.Test(req, 30_000)
		if err != nil {
			e.t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == 429 {
			limited++
		} else if resp.StatusCode != 401 {
			e.t.Fatalf("login %d: status %d, want 401 or 429", i, resp.StatusCode)
		}
	}
	return limited
}

// TestClientIPBehindProxies: behind trusted proxies the client is the
// right-most X-Forwarded-For address that is not a proxy, so a client that
// writes its own left-most addresses does not get a fresh rate-limit bucket
// per request; without a trusted peer the header is not believed at all.
func TestClientIPBehindProxies(t *testing.T) {
	// The test connection's peer is 0.0.0.0: make it the load balancer.
	e := newEnvWith(t, func(c *app.Config) {
		c.NoRateLimits = false
		c.TrustedProxies = []string{"0.0.0.0", "10.0.0.0/8"}
	})
	// Login per IP allows a burst of 10: the spoofed left-most values all
	// count against 203.0.113.7, appended by the inner proxy 10.0.0.5.
	if got := loginsFrom(e, 14, func(i int) string { return fmt.Sprintf("198.51.100.%d, 203.0.113.7, 10.0.0.5", i) }); got != 4 {
		t.Fatalf("spoofing client: %d of 14 limited, want 4 (one bucket)", got)
	}
	// Another client behind the same proxies has its own bucket.
	if got := loginsFrom(e, 3, func(int) string { return "203.0.113.8, 10.0.0.5" }); got != 0 {
		t.Fatalf("second client: %d limited, want 0", got)
	}
	// Garbage where a proxy would have appended: the proxy itself is the key
	// (never the client's choice).
	if got := loginsFrom(e, 11, func(i int) string { return fmt.Sprintf("198.51.100.%d, not-an-ip", i) }); got != 1 {
		t.Fatalf("garbage hop: %d of 11 limited, want 1", got)
	}

	// With no trusted proxy the header is ignored: every request is the peer's.
	plain := newEnvWith(t, func(c *app.Config) { c.NoRateLimits = false })
	if got := loginsFrom(plain, 12, func(i int) string { return fmt.Sprintf("198.51.100.%d", i) }); got != 2 {
		t.Fatalf("untrusted peer: %d of 12 limited, want 2", got)
	}
}

func TestTrustedProxiesChecked(t *testing.T) {
	for _, bad := range []string{"not-an-ip", "10.0.0.0/99", "300.1.1.1"} {
		_, err := app.New(context.Background(), app.Config{DataDir: t.TempDir(), JWTSecret: string(secret), Logger: quiet, TrustedProxies: []string{bad}})
		if err == nil || !strings.Contains(err.Error(), bad) {
			t.Fatalf("trusted proxy %q: err = %v, want it named", bad, err)
		}
	}
}
