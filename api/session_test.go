package api_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"needmatch/api"
)

// sessionClient signs in over a real listener and keeps the session's
// refresh cookie and access token, as a browser does.
type sessionClient struct {
	t             *testing.T
	base          string
	cookie, token string
}

// post sends body (JSON) with the bearer token and the refresh cookie,
// checks the status and returns the decoded answer; a new refresh cookie
// replaces the kept one.
func (s *sessionClient) post(path string, body any, want int) map[string]any {
	s.t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", s.base+path, strings.NewReader(string(b)))
	req.Header.Set("Content-Type", "application/json")
	if s.token != "" {
		req.Header.Set("Authorization", "Bearer "+s.token)
	}
	if s.cookie != "" {
		req.AddCookie(&http.Cookie{Name: api.RefreshCookie, Value: s.cookie})
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	if resp.StatusCode != want {
		s.t.Fatalf("POST %s: %d, want %d: %v", path, resp.StatusCode, want, out)
	}
	for _, c := range resp.Cookies() {
		if c.Name == api.RefreshCookie {
			s.cookie = c.Value
		}
	}
	if tok, ok := out["accessToken"].(string); ok {
		s.token = tok
	}
	return out
}

func slugOf(m map[string]any, key string) any {
	if v, ok := m[key].(map[string]any); ok {
		return v["slug"]
	}
	return nil
}

// TestSwitchedCouncilSurvivesRefresh: a supplier that switched to Trafford
// is still in Trafford after a refresh (a page load); once Trafford
// suspends it, the refresh takes it back to Stockport and says why. A
// switch to a council that has not approved it is refused on field
// authority and leaves the session where it was.
func TestSwitchedCouncilSurvivesRefresh(t *testing.T) {
	e := newEnv(t)
	m := e.call("POST", "/api/v1/me/councils", "supplier", map[string]any{"authority": "trafford"}, 201)
	traffordOrg := m["organisationId"].(string)
	s := &sessionClient{t: t, base: e.listen()}
	s.post("/api/v1/auth/login", map[string]any{"email": "supplier@x.org", "password": "correct-horse-battery"}, 200)
	if p := s.post("/api/v1/auth/switch", map[string]any{"authority": "trafford"}, 403); p["field"] != "authority" {
		t.Fatalf("switch while pending: %v", p)
	}
	if r := s.post("/api/v1/auth/refresh", nil, 200); slugOf(r, "authority") != "stockport" || r["left"] != nil {
		t.Fatalf("a refused switch moved the session: %v", r)
	}
	e.call("POST", "/api/v1/organisations/"+traffordOrg+"/approve", "otherOfficer", nil, 200)
	spent := s.cookie
	if sw := s.post("/api/v1/auth/switch", map[string]any{"authority": "trafford"}, 200); slugOf(sw, "authority") != "trafford" {
		t.Fatalf("switch = %v", sw)
	}
	if s.cookie == spent || s.cookie == "" {
		t.Fatal("the switch did not continue the session's chain")
	}
	for range 2 {
		r := s.post("/api/v1/auth/refresh", nil, 200)
		if slugOf(r, "authority") != "trafford" || r["left"] != nil {
			t.Fatalf("refresh after the switch = %v", r)
		}
		me := e.call("GET", "/api/v1/me", s.token, nil, 200)
		if slugOf(me, "authority") != "trafford" || me["organisation"].(map[string]any)["id"] != traffordOrg {
			t.Fatalf("me after refresh = %v", me)
		}
	}
	// Switching home is remembered too.
	s.post("/api/v1/auth/switch", map[string]any{"authority": "stockport"}, 200)
	if r := s.post("/api/v1/auth/refresh", nil, 200); slugOf(r, "authority") != "stockport" {
		t.Fatalf("refresh after switching home = %v", r)
	}
	s.post("/api/v1/auth/switch", map[string]any{"authority": "trafford"}, 200)
	// Trafford suspends it: the next refresh lands in Stockport, saying so.
	e.call("POST", "/api/v1/organisations/"+traffordOrg+"/suspend", "otherOfficer", map[string]any{"reason": "Under investigation"}, 200)
	r := s.post("/api/v1/auth/refresh", nil, 200)
	if slugOf(r, "authority") != "stockport" || slugOf(r, "left") != "trafford" || !strings.Contains(r["notice"].(string), "no longer approved") {
		t.Fatalf("refresh after suspension = %v", r)
	}
	if me := e.call("GET", "/api/v1/me", s.token, nil, 200); slugOf(me, "authority") != "stockport" || me["organisation"].(map[string]any)["id"] != e.orgs["supplier"] {
		t.Fatalf("me after suspension = %v", me)
	}
	// Reinstated, the session stays home until the supplier switches again.
	e.call("POST", "/api/v1/organisations/"+traffordOrg+"/reinstate", "otherOfficer", map[string]any{"reason": "Cleared"}, 200)
	if r := s.post("/api/v1/auth/refresh", nil, 200); slugOf(r, "authority") != "stockport" || r["left"] != nil {
		t.Fatalf("refresh after reinstatement = %v", r)
	}
	// The spent token of the switch is reuse: it ends the whole session.
	s.cookie = spent
	s.post("/api/v1/auth/refresh", nil, 401)
}
