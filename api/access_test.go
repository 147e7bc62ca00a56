package api_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"needmatch/domain"
)

// TestAccessMatrix is generated from the route table: every route x every
// role x (own council, other organisation, other council in the region,
// council outside the region). A new route without a fixture for its
// parameters fails the test, so none escapes it. Stockport (own) and
// Trafford ("otherCouncil") make region star, Rochdale ("outside") is
// alone in region north; the region officer is star's.
func TestAccessMatrix(t *testing.T) {
	e := newEnv(t)
	outside := e.partnership()
	ownPledge := e.pledge("supplier", e.request)
	otherSupplierPledge := e.pledge("supplier2", e.request)
	otherCouncilPledge := e.pledge("otherSupplier", e.otherReq)
	group2Draft := e.id(e.call("POST", "/api/v1/requests", "group2", validRequest(), 201))

	msg := func(who, pledge string) string {
		return e.id(e.call("POST", "/api/v1/pledges/"+pledge+"/messages", who, map[string]any{"body": "When can you deliver?"}, 201))
	}
	ownMsg, otherOrgMsg, otherCouncilMsg := msg("group", ownPledge), msg("group", otherSupplierPledge), msg("otherGroup", otherCouncilPledge)

	alloc := func(who string) string { return e.id(e.call("POST", "/api/v1/allocations", who, nil, 201)) }
	ownAlloc, ownAlloc2, otherAlloc := alloc("officer"), alloc("officer"), alloc("otherOfficer")

	// objects[kind][scope] is the id used for a route's :id.
	objects := map[string]map[string]string{
		"organisations": {"own": e.orgs["pending"], "otherOrg": e.orgs["supplier2"], "otherCouncil": e.orgs["otherSupplier"]},
		"requests":      {"own": e.draft, "otherOrg": group2Draft, "otherCouncil": e.otherReq},
		"pledges":       {"own": ownPledge, "otherOrg": otherSupplierPledge, "otherCouncil": otherCouncilPledge},
		"authorities":   {"own": "stockport", "otherOrg": "stockport", "otherCouncil": "trafford"},
		"allocations":   {"own": ownAlloc, "otherOrg": ownAlloc2, "otherCouncil": otherAlloc},
		"users":         {"own": e.userIDs["supplier2"], "otherOrg": e.userIDs["group2"], "otherCouncil": e.userIDs["otherSupplier"]},
		"messages":      {"own": ownMsg, "otherOrg": otherOrgMsg, "otherCouncil": otherCouncilMsg},
		"mail":          mailFixture(e),
	}
	bodies := map[string]any{
		"POST /auth/register":                 map[string]any{"email": "m@x.org", "password": "long-enough-pass", "name": "M", "role": "group", "organisation": map[string]any{"name": "Org M", "authority": "stockport"}},
		"POST /auth/login":                    map[string]any{"email": "nobody@x.org", "password": "wrong-password-1"},
		"POST /auth/password-reset":           map[string]any{"email": "nobody@x.org"},
		"POST /auth/password-reset/confirm":   map[string]any{"token": "not-a-token-of-any-reset-link", "password": "long-enough-pass"},
		"POST /auth/verify-email":             map[string]any{"token": "not-a-token-of-any-verify-link"},
		"PUT /me/email-settings":              map[string]any{"prefs": map[string]string{"digest": "off"}},
		"POST /unsubscribe":                   map[string]any{"token": "not.a.token"},
		"POST /organisations/:id/reject":      map[string]any{"reason": "Not a local organisation"},
		"POST /organisations/:id/name/reject": map[string]any{"reason": "Reads as another organisation"},
		"POST /organisations/:id/suspend":     map[string]any{"reason": "Under investigation"},
		"POST /organisations/:id/reinstate":   map[string]any{"reason": "Investigation closed"},
		"POST /pledges/:id/messages":          map[string]any{"body": "Thank you"},
		"POST /messages/:id/report":           map[string]any{"reason": "Offensive words"},
		"POST /requests":                      validRequest(),
		"PATCH /requests/:id":                 map[string]any{"title": "Changed title"},
		"POST /requests/:id/reject":           map[string]any{"reason": "Outside the council's area"},
		"POST /requests/:id/extend":           map[string]any{"deadline": "2030-01-01"},
		"POST /requests/:id/pledges":          map[string]any{"offer": "Two days of help", "quantity": 2, "unit": "days", "valuePence": 1000},
		"POST /pledges/:id/approve":           map[string]any{},
		"POST /pledges/:id/decline":           map[string]any{"reason": "Not needed any more"},
		"POST /pledges/:id/ask-release":       map[string]any{"reason": "Our depot closed"},
		"POST /pledges/:id/release":           map[string]any{},
		"POST /pledges/:id/refuse-release":    map[string]any{"reason": "The contract still runs"},
		"PATCH /organisations/:id":            map[string]any{"name": "Renamed organisation"},
		"POST /allocations":                   map[string]any{},
		"POST /allocations/:id/accept":        map[string]any{},
		"PUT /matcher/weights":                map[string]any{"need": 0.4, "fit": 0.2, "coverage": 0.1, "urgency": 0.1, "distance": 0.1, "record": 0.1},
		"POST /areas/import":                  map[string]any{"csv": "code,name,lat,lon,need\nE05015018,Brinnington & Stockport Central,53.41741,-2.14638,0.9\n"},
		"POST /imports/contracts":             map[string]any{"csv": importHeader + "R-1,Libraries,Place,Acme Ltd,,£60000,Reading hours,10,£1000,,2027-01-31,\n"},
		"POST /imports/payments":              map[string]any{"csv": "contract reference,supplier,amount,payment date\nR-1,Acme Ltd,£10,2026-01-01\n"},
	}
	valueObjects, valueBodies := valueFixtures(e)
	for k, v := range valueObjects {
		objects[k] = v
	}
	for k, v := range valueBodies {
		bodies[k] = v
	}
	for k, v := range procurementFixtures(e, objects) {
		bodies[k] = v
	}
	objects["regions"] = map[string]string{"own": "star", "otherOrg": "star", "otherCouncil": "star"}
	bodies["POST /authorities"] = map[string]any{"slug": "tameside", "name": "Tameside (test)"}
	bodies["POST /me/councils"] = map[string]any{"authority": "trafford"}
	bodies["POST /auth/switch"] = map[string]any{"authority": "trafford"}
	bodies["POST /authorities/:slug/admins"] = map[string]any{"email": "invited@council.example", "name": "Invited admin"}
	bodies["POST /regions"] = map[string]any{"slug": "gm", "name": "Greater Manchester (test)", "authorities": []string{"stockport", "rochdale"}}
	for kind, id := range outside {
		if objects[kind] == nil {
			t.Fatalf("the outside council has a %q the matrix does not use", kind)
		}
		objects[kind]["outside"] = id
	}
	for k, v := range kpiFixtures(e, objects) {
		bodies[k] = v
	}
	for kind, m := range objects {
		if m["outside"] == "" {
			t.Errorf("no fixture for %q in the council outside the region: add one to partnership", kind)
		}
	}
	roles := []string{"", "group", "supplier", "officer", "admin", domain.RoleRegionOfficer, domain.RolePlatformAdmin}
	cases := 0
	for _, r := range e.srv.Routes() {
		key := r.Method + " " + r.Path
		var body any
		if r.HasBody {
			var ok bool
			if body, ok = bodies[key]; !ok {
				t.Errorf("%s takes a body but the matrix has no sample for it: add one", key)
				continue
			}
		}
		kind := ""
		if strings.Contains(r.Path, ":") {
			kind = strings.Split(strings.TrimPrefix(r.Path, "/"), "/")[0]
			if objects[kind] == nil {
				t.Errorf("%s has a parameter but the matrix has no fixture for %q: add one", key, kind)
				continue
			}
		}
		scopes := []string{"own"}
		if kind != "" {
			scopes = []string{"own", "otherOrg", "otherCouncil", "outside"}
		}
		for _, role := range roles {
			for _, scope := range scopes {
				path := r.Path
				if kind != "" {
					path = strings.NewReplacer(":id", objects[kind][scope], ":slug", objects[kind][scope]).Replace(path)
				}
				cases++
				status := e.send(r.Method, "/api/v1"+path, role, body)
				allowed := len(r.Roles) == 0 || slices.Contains(r.Roles, role)
				name := key + " as " + roleName(role) + " on " + scope
				foreign := scope == "otherCouncil" || scope == "outside"
				if role == domain.RoleRegionOfficer && r.Method != "GET" && !strings.HasPrefix(r.Path, "/auth/") && r.Path != "/unsubscribe" && status != 403 {
					t.Errorf("%s: %d, want 403: a region officer never writes", name, status)
				}
				switch {
				case !allowed && role == "":
					if status != 401 {
						t.Errorf("%s: %d, want 401", name, status)
					}
				case !allowed:
					if status != 403 {
						t.Errorf("%s: %d, want 403", name, status)
					}
				case status == 500 || status == 0:
					t.Errorf("%s: %d", name, status)
				case kind == "authorities" && role == domain.RolePlatformAdmin && len(r.Roles) > 0:
					// The platform admin runs every council: it reads and
					// invites in any (the one invited address is taken
					// after the first council).
					if status != 200 && status != 201 && !(r.Method == "POST" && status == 409) {
						t.Errorf("%s: %d, want 200, 201 or 409", name, status)
					}
				case kind == "regions":
					// Open data is anyone's; a region officer reads its own
					// region's ledger, any other is not found.
					want := 200
					if role == domain.RoleRegionOfficer && scope == "outside" && len(r.Roles) > 0 {
						want = 404
					}
					if status != want {
						t.Errorf("%s: %d, want %d", name, status, want)
					}
				case foreign && !(len(r.Roles) == 0 && r.Method == "GET" && (role == "" || kind == "authorities")):
					// Objects of another council do not exist for its callers.
					if status != 404 {
						t.Errorf("%s: %d, want 404", name, status)
					}
				case scope == "otherOrg" && (role == "group" && kind == "requests" || role == "supplier" && (kind == "pledges" || kind == "messages") || (role == "group" || role == "supplier") && kind == "organisations"):
					if status != 404 {
						t.Errorf("%s: %d, want 404 (another organisation's object)", name, status)
					}
				}
			}
		}
	}
	t.Logf("%d route x role x scope cases", cases)
	if cases < 2000 {
		t.Fatalf("only %d cases", cases)
	}
}

func roleName(r string) string {
	if r == "" {
		return "anonymous"
	}
	return r
}

// send makes a call and returns only the status; it fails on a non-problem error body.
func (e *env) send(method, path, who string, body any) int {
	e.t.Helper()
	var b []byte
	ctype := ""
	if body != nil {
		b, _ = json.Marshal(body)
		ctype = "application/json"
	}
	status, h, rb := e.raw(method, path, who, b, ctype)
	if status >= 400 && h.Get("Content-Type") != "application/problem+json" {
		e.t.Errorf("%s %s: error without problem+json: %d %s", method, path, status, rb)
	}
	return status
}
