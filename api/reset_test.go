package api_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"needmatch/api"
	"needmatch/app"
	"needmatch/internal/mailpit"
)

var resetLink = regexp.MustCompile(`/reset-password\?token=([A-Za-z0-9_-]+)`)

// resetTokens returns the tokens of the reset mails to addr, newest first.
func resetTokens(t *testing.T, mp *mailpit.Server, addr string) []string {
	t.Helper()
	var out []string
	for _, m := range mp.Messages(t) {
		if m.To[0].Address == addr && m.Subject == "Reset your needmatch password" {
			b := mp.Body(t, m.ID)
			got := resetLink.FindStringSubmatch(b.Text)
			if got == nil || !strings.Contains(b.HTML, mailBase+"/reset-password?token="+got[1]) {
				t.Fatalf("no reset link in %q", b.Text)
			}
			out = append(out, got[1])
		}
	}
	return out
}

// post sends JSON (and a cookie) and returns status, body and cookies set.
func (e *env) post(path string, body any, cookie *http.Cookie) (int, []byte, []*http.Cookie) {
	e.t.Helper()
	b, _ := json.Marshal(body)
	req := httptest.NewRequest("POST", path, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	if cookie != nil {
		req.AddCookie(cookie)
	}
	resp, err := e.srv.App.Test(req, 30_000)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out bytes.Buffer
	_, _ = out.ReadFrom(resp.Body)
	return resp.StatusCode, out.Bytes(), resp.Cookies()
}

func (e *env) login(email, password string) (int, *http.Cookie) {
	e.t.Helper()
	status, _, cookies := e.post("/api/v1/auth/login", map[string]any{"email": email, "password": password}, nil)
	for _, c := range cookies {
		if c.Name == api.RefreshCookie {
			return status, c
		}
	}
	return status, nil
}

func wantBadField(t *testing.T, status int, body []byte, field string) {
	t.Helper()
	var p struct {
		Status int    `json:"status"`
		Field  string `json:"field"`
	}
	if err := json.Unmarshal(body, &p); err != nil || status != 400 || p.Field != field {
		t.Fatalf("status %d body %s, want 400 on field %s", status, body, field)
	}
}

func TestPasswordReset(t *testing.T) {
	e, mp := newMailEnv(t)
	e.drain()
	status, session := e.login("group@x.org", "correct-horse-battery")
	if status != 200 || session == nil {
		t.Fatalf("login: %d", status)
	}

	// Enumeration: the same status and the same body for an account and for none.
	known, kb, _ := e.post("/api/v1/auth/password-reset", map[string]any{"email": "Group@X.org "}, nil)
	unknown, ub, _ := e.post("/api/v1/auth/password-reset", map[string]any{"email": "nobody@x.org"}, nil)
	if known != 202 || unknown != 202 || !bytes.Equal(kb, ub) {
		t.Fatalf("known: %d %s; unknown: %d %s", known, kb, unknown, ub)
	}
	e.drain()
	toks := resetTokens(t, mp, "group@x.org")
	if len(toks) != 1 || len(resetTokens(t, mp, "nobody@x.org")) != 0 {
		t.Fatalf("reset mails: group %d", len(toks))
	}
	tok := toks[0]

	// A weak password is refused and leaves the link usable.
	st, b, _ := e.post("/api/v1/auth/password-reset/confirm", map[string]any{"token": tok, "password": "short"}, nil)
	wantBadField(t, st, b, "password")
	// A wrong token: refused on the token field.
	st, b, _ = e.post("/api/v1/auth/password-reset/confirm", map[string]any{"token": strings.Repeat("A", 43), "password": "a-new-long-password"}, nil)
	wantBadField(t, st, b, "token")
	st, b, _ = e.post("/api/v1/auth/password-reset/confirm", map[string]any{"token": tok, "password": "a-new-long-password"}, nil)
	if st != 200 {
		t.Fatalf("confirm: %d %s", st, b)
	}
	// Every session signs in again: the old refresh token no longer works.
	if st, b, _ := e.post("/api/v1/auth/refresh", nil, session); st != 401 {
		t.Fatalf("refresh after a reset: %d %s", st, b)
	}
	if st, _ := e.login("group@x.org", "correct-horse-battery"); st != 401 {
		t.Fatalf("old password: %d", st)
	}
	if st, _ := e.login("group@x.org", "a-new-long-password"); st != 200 {
		t.Fatalf("new password: %d", st)
	}
	// The link works once.
	st, b, _ = e.post("/api/v1/auth/password-reset/confirm", map[string]any{"token": tok, "password": "another-long-password"}, nil)
	wantBadField(t, st, b, "token")
	// Another account is untouched.
	if st, _ := e.login("group2@x.org", "correct-horse-battery"); st != 200 {
		t.Fatalf("another account: %d", st)
	}
	// The reset is audited.
	audit := e.call("GET", "/api/v1/audit?object="+e.userIDs["group"], "officer", nil, 200)
	var actions []string
	for _, it := range audit["items"].([]any) {
		actions = append(actions, it.(map[string]any)["action"].(string))
	}
	if !slices.Contains(actions, "user.password-reset-request") || !slices.Contains(actions, "user.password-reset") {
		t.Fatalf("audit actions %v", actions)
	}

	// Expiry: a link older than 30 minutes is refused.
	e.post("/api/v1/auth/password-reset", map[string]any{"email": "supplier@x.org"}, nil)
	e.drain()
	late := resetTokens(t, mp, "supplier@x.org")[0]
	e.svc.Now = func() time.Time { return time.Now().Add(31 * time.Minute) }
	st, b, _ = e.post("/api/v1/auth/password-reset/confirm", map[string]any{"token": late, "password": "a-new-long-password"}, nil)
	wantBadField(t, st, b, "token")
	e.svc.Now = time.Now
	if st, _ := e.login("supplier@x.org", "correct-horse-battery"); st != 200 {
		t.Fatalf("an expired link changed the password: %d", st)
	}

	// Per account: at most three links an hour, the answer unchanged.
	for range 4 {
		if st, b, _ := e.post("/api/v1/auth/password-reset", map[string]any{"email": "supplier2@x.org"}, nil); st != 202 || !bytes.Equal(b, kb) {
			t.Fatalf("reset request: %d %s", st, b)
		}
	}
	e.drain()
	if n := len(resetTokens(t, mp, "supplier2@x.org")); n != 3 {
		t.Fatalf("%d reset mails in an hour, want 3", n)
	}
}

// TestPasswordResetTiming: asking for an account and for none take the
// same time within noise (both write one record).
func TestPasswordResetTiming(t *testing.T) {
	e := newEnv(t)
	measure := func(email string) time.Duration {
		start := time.Now()
		if st, b, _ := e.post("/api/v1/auth/password-reset", map[string]any{"email": email}, nil); st != 202 {
			t.Fatalf("%d %s", st, b)
		}
		return time.Since(start)
	}
	var known, unknown []time.Duration
	for i := range 30 {
		// Different accounts, so the per-account limit does not skip work.
		users := []string{"group", "group2", "supplier", "supplier2", "pending", "admin", "officer"}
		known = append(known, measure(users[i%len(users)]+"@x.org"))
		unknown = append(unknown, measure("nobody"+string(rune('a'+i%26))+"@x.org"))
	}
	slices.Sort(known)
	slices.Sort(unknown)
	mk, mu := known[len(known)/2], unknown[len(unknown)/2]
	t.Logf("median: account %v, no account %v", mk, mu)
	diff := max(mk, mu) - min(mk, mu)
	if diff > 5*time.Millisecond && diff > max(mk, mu)/2 {
		t.Fatalf("medians differ by %v (account %v, none %v)", diff, mk, mu)
	}
}

// TestPasswordResetRateLimitPerIP: the reset routes share a per-IP limit.
func TestPasswordResetRateLimitPerIP(t *testing.T) {
	e := newEnvWith(t, func(c *app.Config) { c.NoRateLimits = false })
	got := 0
	for range 8 {
		st, _, _ := e.post("/api/v1/auth/password-reset", map[string]any{"email": "nobody@x.org"}, nil)
		if st == 429 {
			break
		}
		if st != 202 {
			t.Fatalf("status %d", st)
		}
		got++
	}
	if got != 5 {
		t.Fatalf("%d requests before 429, want the burst of 5", got)
	}
}
