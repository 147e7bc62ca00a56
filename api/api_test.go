package api_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"needmatch/api"
	"needmatch/app"
	"needmatch/domain"
	"needmatch/domain/seeddata"
	"needmatch/store/sqlite/sqlitetest"
)

var secret = []byte("test-secret-test-secret-test-secret!")

// quiet drops the request logs in tests; TestLogs checks them.
var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// env is one test's server with a seeded council and accounts.
type env struct {
	t        testing.TB
	app      *app.App
	srv      *api.Server
	svc      *domain.Service
	auth     *domain.Authority
	other    *domain.Authority
	tokens   map[string]string // officer, admin, group, group2, supplier, supplier2, pending, otherOfficer, otherSupplier
	orgs     map[string]string
	userIDs  map[string]string
	request  string // a published request of "group"
	draft    string // a draft request of "group"
	otherReq string // a published request of the other council
}

// mustUser makes a user as the platform does: staff by the command line;
// groups and suppliers by registration, then verified through the link in
// their verification mail (read from the outbox) on the real route, and
// approved when approve is set.
func (e *env) mustUser(officer *domain.Actor, auth *domain.Authority, role, email string, approve bool) *domain.User {
	t, svc := e.t, e.svc
	t.Helper()
	ctx := context.Background()
	if role == domain.RoleOfficer || role == domain.RoleAdmin {
		u, err := svc.CreateStaffUser(ctx, domain.StaffUserInput{Email: email, Password: "correct-horse-battery", Name: "Staff", Role: role, AuthoritySlug: auth.Slug})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	u, o, err := svc.Register(ctx, domain.RegisterInput{Email: email, Password: "correct-horse-battery", Name: "N " + email, Role: role, OrgName: "Org of " + email, AuthoritySlug: auth.Slug})
	if err != nil {
		t.Fatal(err)
	}
	e.call("POST", "/api/v1/auth/verify-email", "", map[string]any{"token": e.verifyToken(auth.ID, u.ID)}, 200)
	if approve {
		if _, err := svc.DecideOrganisation(ctx, officer, o.ID, true, ""); err != nil {
			t.Fatal(err)
		}
	}
	return u
}

var verifyLink = regexp.MustCompile(`/verify-email\?token=([A-Za-z0-9_-]+)`)

// verifyToken reads the token of the newest verification mail to the user
// from the council's outbox.
func (e *env) verifyToken(authorityID, userID string) string {
	e.t.Helper()
	ns, _, err := e.svc.Store.FindNotifications(context.Background(), domain.NotificationFilter{AuthorityID: authorityID, Page: domain.Page{Limit: 200}})
	if err != nil {
		e.t.Fatal(err)
	}
	for _, n := range ns {
		if m := verifyLink.FindStringSubmatch(n.Text); n.UserID == userID && n.Kind == domain.NotifySecurity && m != nil {
			return m[1]
		}
	}
	e.t.Fatalf("no verification mail to user %s in the outbox", userID)
	return ""
}

func newEnv(t testing.TB) *env { return newEnvWith(t, nil) }

// newEnvWith builds the platform as `needmatch serve` does (app.New), on a
// fresh data dir, with rate limits off unless configure turns them on.
func newEnvWith(t testing.TB, configure func(*app.Config)) *env {
	t.Helper()
	ctx := context.Background()
	cfg := app.Config{DataDir: sqlitetest.Dir(t), JWTSecret: string(secret), NoRateLimits: true, Logger: quiet}
	if configure != nil {
		configure(&cfg)
	}
	a, err := app.New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	db, svc := a.Store, a.Service
	e := &env{t: t, app: a, svc: svc, tokens: map[string]string{}, orgs: map[string]string{}, userIDs: map[string]string{}}
	e.srv = a.Server
	e.auth, _ = seeddata.Stockport()
	if err := db.PutAuthority(ctx, e.auth); err != nil {
		t.Fatal(err)
	}
	e.other = &domain.Authority{Slug: "trafford", Name: "Trafford", Areas: []domain.Area{{Code: "E05000820", Name: "Altrincham"}}}
	if err := db.PutAuthority(ctx, e.other); err != nil {
		t.Fatal(err)
	}
	users := map[string]*domain.User{}
	users["officer"] = e.mustUser(nil, e.auth, domain.RoleOfficer, "officer@x.org", false)
	officer := &domain.Actor{UserID: users["officer"].ID, Role: domain.RoleOfficer, AuthorityID: e.auth.ID}
	users["admin"] = e.mustUser(nil, e.auth, domain.RoleAdmin, "admin@x.org", false)
	users["otherOfficer"] = e.mustUser(nil, e.other, domain.RoleOfficer, "officer@trafford.org", false)
	otherOfficer := &domain.Actor{UserID: users["otherOfficer"].ID, Role: domain.RoleOfficer, AuthorityID: e.other.ID}
	for name, spec := range map[string]struct {
		role    string
		approve bool
	}{"group": {domain.RoleGroup, true}, "group2": {domain.RoleGroup, true}, "supplier": {domain.RoleSupplier, true}, "supplier2": {domain.RoleSupplier, true}, "pending": {domain.RoleSupplier, false}} {
		users[name] = e.mustUser(officer, e.auth, spec.role, name+"@x.org", spec.approve)
	}
	users["otherSupplier"] = e.mustUser(otherOfficer, e.other, domain.RoleSupplier, "supplier@trafford.org", true)
	users["otherGroup"] = e.mustUser(otherOfficer, e.other, domain.RoleGroup, "group@trafford.org", true)
	for name, u := range users {
		tok, err := e.srv.IssueAccessToken(u.ID, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		e.tokens[name] = tok
		e.orgs[name] = u.OrganisationID
		e.userIDs[name] = u.ID
	}
	e.request = e.publishedRequest("group", "officer")
	e.draft = e.id(e.call("POST", "/api/v1/requests", "group", validRequest(), 201))
	e.otherReq = e.publishedRequestIn("otherGroup", "otherOfficer", "E05000820")
	return e
}

func validRequest() map[string]any {
	return map[string]any{"title": "Laptops for the homework club", "description": "Ten laptops", "kind": "goods", "area": "E05015018",
		"quantity": 10, "unit": "laptops", "valuePence": 350000, "deadline": time.Now().AddDate(0, 2, 0).Format(time.DateOnly)}
}

func (e *env) publishedRequest(group, officer string) string {
	return e.publishedRequestIn(group, officer, "E05015018")
}

func (e *env) publishedRequestIn(group, officer, area string) string {
	body := validRequest()
	body["area"] = area
	id := e.id(e.call("POST", "/api/v1/requests", group, body, 201))
	e.call("POST", "/api/v1/requests/"+id+"/submit", group, nil, 200)
	e.call("POST", "/api/v1/requests/"+id+"/publish", officer, nil, 200)
	return id
}

func (e *env) pledge(supplier, request string) string {
	return e.id(e.call("POST", "/api/v1/requests/"+request+"/pledges", supplier, map[string]any{"offer": "Ten refurbished laptops", "quantity": 10, "unit": "laptops", "valuePence": 300000}, 201))
}

// raw sends a request and returns status, headers and body.
func (e *env) raw(method, path, who string, body []byte, ctype string) (int, http.Header, []byte) {
	e.t.Helper()
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if who != "" {
		tok, ok := e.tokens[who]
		if !ok {
			tok = who // a raw token
		}
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := e.srv.App.Test(req, 30_000)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

// listen serves the app on a loopback port for the test's life.
func (e *env) listen() string {
	e.t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		e.t.Fatal(err)
	}
	go func() { _ = e.srv.App.Listener(ln) }()
	e.t.Cleanup(func() { _ = e.srv.App.Shutdown() })
	return "http://" + ln.Addr().String()
}

// call sends JSON and checks the status; it returns the decoded body.
func (e *env) call(method, path, who string, body any, want int) map[string]any {
	e.t.Helper()
	var b []byte
	ctype := ""
	if body != nil {
		b, _ = json.Marshal(body)
		ctype = "application/json"
	}
	status, h, rb := e.raw(method, path, who, b, ctype)
	if status != want {
		e.t.Fatalf("%s %s as %q: status %d, want %d; body %s", method, path, who, status, want, rb)
	}
	if status >= 400 && h.Get("Content-Type") != "application/problem+json" {
		e.t.Fatalf("%s %s: error content type %q", method, path, h.Get("Content-Type"))
	}
	out := map[string]any{}
	if len(rb) > 0 {
		if err := json.Unmarshal(rb, &out); err != nil {
			e.t.Fatalf("%s %s: body not JSON: %s", method, path, rb)
		}
	}
	return out
}

func (e *env) id(m map[string]any) string {
	e.t.Helper()
	id, _ := m["id"].(string)
	if id == "" {
		e.t.Fatalf("no id in %v", m)
	}
	return id
}

func TestJourneyWithAudit(t *testing.T) {
	e := newEnv(t)
	// A new group registers; it cannot post until an officer approves it.
	reg := e.call("POST", "/api/v1/auth/register", "", map[string]any{"email": "Larder@Example.org", "password": "a-long-enough-pass", "name": "Sam",
		"role": "group", "organisation": map[string]any{"name": "Reddish Larder", "authority": "stockport"}}, 202)
	if reg["status"] != "received" || reg["message"] != api.RegisteredMessage {
		t.Fatalf("register = %v", reg)
	}
	login := e.call("POST", "/api/v1/auth/login", "", map[string]any{"email": "larder@example.org", "password": "a-long-enough-pass"}, 200)
	tok := login["accessToken"].(string)
	if login["expiresIn"].(float64) != 900 {
		t.Fatalf("expiresIn = %v", login["expiresIn"])
	}
	e.tokens["larder"] = tok
	me := e.call("GET", "/api/v1/me", "larder", nil, 200)
	org := me["organisation"].(map[string]any)
	if org["status"] != "pending" || org["name"] != "Reddish Larder" || me["user"].(map[string]any)["email"] != "larder@example.org" || me["user"].(map[string]any)["emailVerified"] != false {
		t.Fatalf("me after registering = %v", me)
	}
	e.call("POST", "/api/v1/requests", "larder", validRequest(), 403)
	pending := e.call("GET", "/api/v1/organisations?status=pending", "officer", nil, 200)["items"].([]any)
	if len(pending) != 2 { // "pending" supplier of the fixture and the new larder
		t.Fatalf("pending organisations = %d, want 2", len(pending))
	}
	orgID := org["id"].(string)
	if got := e.call("POST", "/api/v1/organisations/"+orgID+"/approve", "officer", nil, 200); got["status"] != "approved" {
		t.Fatalf("approve org = %v", got)
	}
	e.call("POST", "/api/v1/organisations/"+orgID+"/approve", "officer", nil, 409)
	// Approved, but its email address is not verified yet.
	if p := e.call("POST", "/api/v1/requests", "larder", validRequest(), 403); p["field"] != "emailVerified" {
		t.Fatalf("post before verifying = %v", p)
	}
	larderID := me["user"].(map[string]any)["id"].(string)
	if got := e.call("POST", "/api/v1/auth/verify-email", "", map[string]any{"token": e.verifyToken(e.auth.ID, larderID)}, 200); got["emailVerified"] != true {
		t.Fatalf("verify = %v", got)
	}
	if me := e.call("GET", "/api/v1/me", "larder", nil, 200); me["user"].(map[string]any)["emailVerified"] != true {
		t.Fatalf("me after verifying = %v", me)
	}

	r := e.call("POST", "/api/v1/requests", "larder", validRequest(), 201)
	rid := r["id"].(string)
	if r["status"] != "draft" || r["areaName"] != "Brinnington & Stockport Central" {
		t.Fatalf("request = %v", r)
	}
	if got := e.call("POST", "/api/v1/requests/"+rid+"/submit", "larder", nil, 200); got["status"] != "submitted" {
		t.Fatal(got)
	}
	e.call("POST", "/api/v1/requests/"+rid+"/pledges", "supplier", map[string]any{"offer": "Laptops", "quantity": 1, "unit": "x", "valuePence": 1}, 404)
	if got := e.call("POST", "/api/v1/requests/"+rid+"/publish", "officer", nil, 200); got["status"] != "published" {
		t.Fatal(got)
	}
	p := e.call("POST", "/api/v1/requests/"+rid+"/pledges", "supplier", map[string]any{"offer": "Ten laptops", "quantity": 10, "unit": "laptops", "valuePence": 350000}, 201)
	pid := p["id"].(string)
	if p["status"] != "offered" {
		t.Fatal(p)
	}
	if got := e.call("POST", "/api/v1/pledges/"+pid+"/approve", "officer", nil, 200); got["status"] != "approved" || got["approvedPence"].(float64) != 350000 {
		t.Fatal(got)
	}
	if got := e.call("GET", "/api/v1/requests/"+rid, "", nil, 200); got["status"] != "matched" || got["approvedPence"].(float64) != 350000 {
		t.Fatalf("request after approval = %v", got)
	}
	for obj, want := range map[string][]string{
		orgID: {"organisation.register", "organisation.approve"},
		rid:   {"request.create", "request.submit", "request.publish"},
		pid:   {"pledge.create", "pledge.approve"},
	} {
		items := e.call("GET", "/api/v1/audit?object="+obj, "officer", nil, 200)["items"].([]any)
		var got []string
		for _, it := range items {
			ev := it.(map[string]any)
			got = append(got, ev["action"].(string))
			if ev["hash"] == "" || ev["actor"] == "" || ev["at"] == "" || ev["object"] != obj {
				t.Fatalf("audit event incomplete: %v", ev)
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("audit of %s = %v, want %v", obj, got, want)
		}
	}
	_, _, raw := e.raw("GET", "/api/v1/audit?limit=500", "officer", nil, "")
	var page struct{ Items []*domain.AuditEvent }
	if err := json.Unmarshal(raw, &page); err != nil {
		t.Fatal(err)
	}
	evs := page.Items
	if len(evs) < 20 {
		t.Fatalf("audit events = %d", len(evs))
	}
	if b := domain.VerifyChain(e.auth.ID, evs); b != nil {
		t.Fatalf("audit chain over the API does not verify: %+v", b)
	}
}

// statusCase is one row of the route tables.
type statusCase struct {
	name, method, path, who string
	body                    any
	want                    int
	field                   string // the field the problem must name
}

func runCases(t *testing.T, e *env, cases []statusCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e.t = t
			got := e.call(c.method, c.path, c.who, c.body, c.want)
			if c.field != "" && got["field"] != c.field {
				t.Fatalf("problem names field %v, want %q: %v", got["field"], c.field, got)
			}
		})
	}
}

// TestRegisterDoesNotTellWhoHasAnAccount: registering an address that has
// an account (a group's, or a council officer's) is answered exactly as a
// new registration is; nothing is written for it and the account's owner
// still signs in with their own password.
func TestRegisterDoesNotTellWhoHasAnAccount(t *testing.T) {
	e := newEnv(t)
	body := func(email, org string) []byte {
		b, _ := json.Marshal(map[string]any{"email": email, "password": "attacker-password", "name": "Eve", "role": "supplier",
			"organisation": map[string]any{"name": org, "authority": "stockport"}})
		return b
	}
	pending := func() int {
		return len(e.call("GET", "/api/v1/organisations?status=pending&limit=200", "officer", nil, 200)["items"].([]any))
	}
	before := pending()
	status, h, fresh := e.raw("POST", "/api/v1/auth/register", "", body("new@stockport.example", "Fresh Supplies Ltd"), "application/json")
	if status != 202 || h.Get("Content-Type") != "application/json" {
		t.Fatalf("new address: %d %s %s", status, h.Get("Content-Type"), fresh)
	}
	for _, email := range []string{"group@x.org", "Officer@X.org", "officer@trafford.org"} {
		status, h, taken := e.raw("POST", "/api/v1/auth/register", "", body(email, "Eve Supplies "+strings.TrimSpace(email)), "application/json")
		if status != 202 || h.Get("Content-Type") != "application/json" || string(taken) != string(fresh) {
			t.Fatalf("taken address %q: %d %s, want the answer to a new one: %s", email, status, taken, fresh)
		}
	}
	if got := pending(); got != before+1 {
		t.Fatalf("pending organisations = %d, want %d: only the new address registers one", got, before+1)
	}
	e.call("POST", "/api/v1/auth/login", "", map[string]any{"email": "group@x.org", "password": "correct-horse-battery"}, 200)
	e.call("POST", "/api/v1/auth/login", "", map[string]any{"email": "group@x.org", "password": "attacker-password"}, 401)
	// The new account was written with its audit events.
	login := e.call("POST", "/api/v1/auth/login", "", map[string]any{"email": "new@stockport.example", "password": "attacker-password"}, 200)
	user := login["user"].(map[string]any)
	for obj, want := range map[string]string{user["id"].(string): "user.register", user["organisationId"].(string): "organisation.register"} {
		items := e.call("GET", "/api/v1/audit?object="+obj, "officer", nil, 200)["items"].([]any)
		if len(items) != 1 || items[0].(map[string]any)["action"] != want {
			t.Fatalf("audit of %s = %v, want %s", obj, items, want)
		}
	}
}

func TestRoutesStatuses(t *testing.T) {
	e := newEnv(t)
	pl := e.pledge("supplier", e.request)
	pl2 := e.pledge("supplier", e.request)
	otherPl := e.pledge("otherSupplier", e.otherReq)
	missing := domain.NewID()
	req := "/api/v1/requests/"
	runCases(t, e, []statusCase{
		{"me anonymous", "GET", "/api/v1/me", "", nil, 401, ""},
		{"me", "GET", "/api/v1/me", "group", nil, 200, ""},
		{"authority", "GET", "/api/v1/authorities/stockport", "", nil, 200, ""},
		{"authority missing", "GET", "/api/v1/authorities/nowhere", "", nil, 404, ""},
		{"register bad role", "POST", "/api/v1/auth/register", "", map[string]any{"email": "a@b.org", "password": "long-enough-pass", "name": "A", "role": "officer", "organisation": map[string]any{"name": "Org", "authority": "stockport"}}, 400, "role"},
		{"register short password", "POST", "/api/v1/auth/register", "", map[string]any{"email": "a@b.org", "password": "short", "name": "A", "role": "group", "organisation": map[string]any{"name": "Org", "authority": "stockport"}}, 400, "password"},
		{"register bad email", "POST", "/api/v1/auth/register", "", map[string]any{"email": "not-an-email", "password": "long-enough-pass", "name": "A", "role": "group", "organisation": map[string]any{"name": "Org", "authority": "stockport"}}, 400, "email"},
		{"register unknown council", "POST", "/api/v1/auth/register", "", map[string]any{"email": "a@b.org", "password": "long-enough-pass", "name": "A", "role": "group", "organisation": map[string]any{"name": "Org", "authority": "atlantis"}}, 400, "organisation.authority"},
		{"register email with a zero-width space", "POST", "/api/v1/auth/register", "", map[string]any{"email": "group@x.org\u200b", "password": "long-enough-pass", "name": "A", "role": "group", "organisation": map[string]any{"name": "Org", "authority": "stockport"}}, 400, "email"},
		{"register organisation name with a zero-width joiner", "POST", "/api/v1/auth/register", "", map[string]any{"email": "zwj@b.org", "password": "long-enough-pass", "name": "A", "role": "group", "organisation": map[string]any{"name": "Mersey\u200d Build Ltd", "authority": "stockport"}}, 400, "organisation.name"},
		{"register name with a byte-order mark", "POST", "/api/v1/auth/register", "", map[string]any{"email": "bom@b.org", "password": "long-enough-pass", "name": "\ufeffA", "role": "group", "organisation": map[string]any{"name": "Org", "authority": "stockport"}}, 400, "name"},
		{"login wrong password", "POST", "/api/v1/auth/login", "", map[string]any{"email": "group@x.org", "password": "wrong-password-here"}, 401, ""},
		{"login unknown email", "POST", "/api/v1/auth/login", "", map[string]any{"email": "nobody@x.org", "password": "wrong-password-here"}, 401, ""},
		{"login empty", "POST", "/api/v1/auth/login", "", map[string]any{"email": "", "password": ""}, 400, "email"},
		{"refresh without cookie", "POST", "/api/v1/auth/refresh", "", nil, 401, ""},
		{"orgs as supplier", "GET", "/api/v1/organisations", "supplier", nil, 403, ""},
		{"orgs anonymous", "GET", "/api/v1/organisations", "", nil, 401, ""},
		{"orgs bad status", "GET", "/api/v1/organisations?status=nope", "officer", nil, 400, "status"},
		{"org of other council", "GET", "/api/v1/organisations/" + e.orgs["otherSupplier"], "officer", nil, 404, ""},
		{"other org as group", "GET", "/api/v1/organisations/" + e.orgs["supplier"], "group", nil, 404, ""},
		{"own org", "GET", "/api/v1/organisations/" + e.orgs["group"], "group", nil, 200, ""},
		{"approve org by other council", "POST", "/api/v1/organisations/" + e.orgs["pending"] + "/approve", "otherOfficer", nil, 404, ""},
		{"approve org by supplier", "POST", "/api/v1/organisations/" + e.orgs["pending"] + "/approve", "supplier", nil, 403, ""},
		{"reject org without reason", "POST", "/api/v1/organisations/" + e.orgs["pending"] + "/reject", "officer", map[string]any{"reason": ""}, 400, "reason"},
		{"approve approved org", "POST", "/api/v1/organisations/" + e.orgs["group"] + "/approve", "officer", nil, 409, ""},
		{"create request as supplier", "POST", "/api/v1/requests", "supplier", validRequest(), 403, ""},
		{"create request anonymous", "POST", "/api/v1/requests", "", validRequest(), 401, ""},
		{"create request bad kind", "POST", "/api/v1/requests", "group", merge(validRequest(), "kind", "cash"), 400, "kind"},
		{"create request bad area", "POST", "/api/v1/requests", "group", merge(validRequest(), "area", "E05000820"), 400, "area"},
		{"create request past deadline", "POST", "/api/v1/requests", "group", merge(validRequest(), "deadline", "2020-01-01"), 400, "deadline"},
		{"create request bad deadline", "POST", "/api/v1/requests", "group", merge(validRequest(), "deadline", "next week"), 400, "deadline"},
		{"create request long title", "POST", "/api/v1/requests", "group", merge(validRequest(), "title", strings.Repeat("x", 201)), 400, "title"},
		{"create request negative value", "POST", "/api/v1/requests", "group", merge(validRequest(), "valuePence", -1), 400, "valuePence"},
		{"create request zero quantity", "POST", "/api/v1/requests", "group", merge(validRequest(), "quantity", 0), 400, "quantity"},
		{"create request status", "POST", "/api/v1/requests", "group", merge(validRequest(), "status", "published"), 400, "status"},
		{"create request version", "POST", "/api/v1/requests", "group", merge(validRequest(), "version", 3), 400, "version"},
		{"get draft as other group", "GET", req + e.draft, "group2", nil, 404, ""},
		{"get draft anonymous", "GET", req + e.draft, "", nil, 404, ""},
		{"get draft as owner", "GET", req + e.draft, "group", nil, 200, ""},
		{"get draft as officer", "GET", req + e.draft, "officer", nil, 200, ""},
		{"get published anonymous", "GET", req + e.request, "", nil, 200, ""},
		{"get other council request", "GET", req + e.otherReq, "officer", nil, 404, ""},
		{"get missing request", "GET", req + missing, "", nil, 404, ""},
		{"get invalid id", "GET", req + "not-an-id", "", nil, 404, ""},
		{"list requests bad kind", "GET", "/api/v1/requests?kind=cash", "", nil, 400, "kind"},
		{"list requests bad limit", "GET", "/api/v1/requests?limit=1000", "", nil, 400, "limit"},
		{"list requests bad cursor", "GET", "/api/v1/requests?cursor=zzz", "", nil, 400, "cursor"},
		{"list drafts publicly", "GET", "/api/v1/requests?status=draft", "", nil, 400, "status"},
		{"list mine as supplier", "GET", "/api/v1/requests?mine=true", "supplier", nil, 403, ""},
		{"list unknown council", "GET", "/api/v1/requests?authority=atlantis", "", nil, 400, "authority"},
		{"edit by other group", "PATCH", req + e.draft, "group2", map[string]any{"title": "Mine now"}, 404, ""},
		{"edit by supplier", "PATCH", req + e.draft, "supplier", map[string]any{"title": "Mine now"}, 403, ""},
		{"edit stale version", "PATCH", req + e.draft, "group", map[string]any{"title": "New title", "version": 99}, 409, "version"},
		{"edit bad value", "PATCH", req + e.draft, "group", map[string]any{"valuePence": "lots"}, 400, "valuePence"},
		{"edit published", "PATCH", req + e.request, "group", map[string]any{"title": "New title"}, 409, ""},
		{"edit draft", "PATCH", req + e.draft, "group", map[string]any{"title": "New title", "version": 1}, 200, ""},
		{"publish draft", "POST", req + e.draft + "/publish", "officer", nil, 409, ""},
		{"publish by group", "POST", req + e.draft + "/publish", "group", nil, 403, ""},
		{"publish other council", "POST", req + e.otherReq + "/publish", "officer", nil, 404, ""},
		{"submit by other group", "POST", req + e.draft + "/submit", "group2", nil, 404, ""},
		{"reject without reason", "POST", req + e.draft + "/reject", "officer", map[string]any{}, 400, "reason"},
		{"withdraw by supplier", "POST", req + e.draft + "/withdraw", "supplier", nil, 403, ""},
		{"pledge on draft", "POST", req + e.draft + "/pledges", "supplier", map[string]any{"offer": "Help us", "quantity": 1, "unit": "x", "valuePence": 100}, 404, ""},
		{"pledge as group", "POST", req + e.request + "/pledges", "group", map[string]any{"offer": "Help us", "quantity": 1, "unit": "x", "valuePence": 100}, 403, ""},
		{"pledge by pending supplier", "POST", req + e.request + "/pledges", "pending", map[string]any{"offer": "Help us", "quantity": 1, "unit": "x", "valuePence": 100}, 403, ""},
		{"pledge other council", "POST", req + e.otherReq + "/pledges", "supplier", map[string]any{"offer": "Help us", "quantity": 1, "unit": "x", "valuePence": 100}, 404, ""},
		{"pledge zero value", "POST", req + e.request + "/pledges", "supplier", map[string]any{"offer": "Help us", "quantity": 1, "unit": "x", "valuePence": 0}, 400, "valuePence"},
		{"pledge missing offer", "POST", req + e.request + "/pledges", "supplier", map[string]any{"quantity": 1, "unit": "x", "valuePence": 5}, 400, "offer"},
		{"pledge with status", "POST", req + e.request + "/pledges", "supplier", map[string]any{"offer": "Help us", "quantity": 1, "unit": "x", "valuePence": 5, "status": "approved"}, 400, "status"},
		{"pledge with organisation", "POST", req + e.request + "/pledges", "supplier", map[string]any{"offer": "Help us", "quantity": 1, "unit": "x", "valuePence": 5, "organisationId": e.orgs["supplier2"]}, 400, "organisationId"},
		{"pledges anonymous", "GET", "/api/v1/pledges", "", nil, 401, ""},
		{"pledges bad status", "GET", "/api/v1/pledges?status=nope", "supplier", nil, 400, "status"},
		{"other supplier's pledge", "GET", "/api/v1/pledges/" + pl, "supplier2", nil, 404, ""},
		{"pledge of other council", "GET", "/api/v1/pledges/" + otherPl, "officer", nil, 404, ""},
		{"pledge on own request", "GET", "/api/v1/pledges/" + pl, "group", nil, 200, ""},
		{"pledge on other group's request", "GET", "/api/v1/pledges/" + pl, "group2", nil, 404, ""},
		{"approve as supplier", "POST", "/api/v1/pledges/" + pl + "/approve", "supplier", nil, 403, ""},
		{"approve other council", "POST", "/api/v1/pledges/" + otherPl + "/approve", "officer", nil, 404, ""},
		{"approve part not allowed", "POST", "/api/v1/pledges/" + pl + "/approve", "officer", map[string]any{"amountPence": 100}, 400, "amountPence"},
		{"approve too much", "POST", "/api/v1/pledges/" + pl + "/approve", "officer", map[string]any{"amountPence": 300001}, 400, "amountPence"},
		{"approve stale version", "POST", "/api/v1/pledges/" + pl + "/approve", "officer", map[string]any{"version": 7}, 409, "version"},
		{"approve", "POST", "/api/v1/pledges/" + pl + "/approve", "officer", map[string]any{"version": 1}, 200, ""},
		{"approve again", "POST", "/api/v1/pledges/" + pl + "/approve", "officer", nil, 409, ""},
		{"decline without reason", "POST", "/api/v1/pledges/" + pl2 + "/decline", "officer", map[string]any{"reason": " "}, 400, "reason"},
		{"decline", "POST", "/api/v1/pledges/" + pl2 + "/decline", "officer", map[string]any{"reason": "Duplicate of another pledge"}, 200, ""},
		{"withdraw by other supplier", "POST", "/api/v1/pledges/" + pl + "/withdraw", "supplier2", nil, 404, ""},
		{"withdraw by officer", "POST", "/api/v1/pledges/" + pl + "/withdraw", "officer", nil, 403, ""},
		{"withdraw declined", "POST", "/api/v1/pledges/" + pl2 + "/withdraw", "supplier", nil, 409, ""},
		{"withdraw", "POST", "/api/v1/pledges/" + pl + "/withdraw", "supplier", nil, 200, ""},
		{"audit as group", "GET", "/api/v1/audit", "group", nil, 403, ""},
		{"audit bad object", "GET", "/api/v1/audit?object=abc", "officer", nil, 400, "object"},
		{"audit other council's object", "GET", "/api/v1/audit?object=" + otherPl, "officer", nil, 200, ""},
		{"unknown api route", "GET", "/api/v1/nope", "", nil, 404, ""},
		{"wrong method", "DELETE", req + e.request, "officer", nil, 404, ""},
	})
	e.t = t
	// The other council's pledge is invisible in this council's audit trail.
	if items := e.call("GET", "/api/v1/audit?object="+otherPl, "officer", nil, 200)["items"].([]any); len(items) != 0 {
		t.Fatalf("audit leaks another council's events: %d", len(items))
	}
}

func merge(m map[string]any, k string, v any) map[string]any {
	m[k] = v
	return m
}

func TestListVisibility(t *testing.T) {
	e := newEnv(t)
	e.pledge("supplier", e.request)
	e.pledge("supplier2", e.request)
	count := func(path, who string) int {
		t.Helper()
		return len(e.call("GET", path, who, nil, 200)["items"].([]any))
	}
	if n := count("/api/v1/requests", ""); n != 1 {
		t.Fatalf("public requests = %d, want 1 (the draft is hidden)", n)
	}
	if n := count("/api/v1/requests?mine=true", "group"); n != 2 {
		t.Fatalf("group's own = %d, want 2", n)
	}
	if n := count("/api/v1/requests", "officer"); n != 2 {
		t.Fatalf("officer sees = %d, want 2", n)
	}
	if n := count("/api/v1/requests", "otherOfficer"); n != 1 {
		t.Fatalf("other council's officer sees = %d, want 1", n)
	}
	if n := count("/api/v1/pledges", "supplier"); n != 1 {
		t.Fatalf("supplier sees %d pledges, want only its own 1", n)
	}
	if n := count("/api/v1/pledges", "group"); n != 2 {
		t.Fatalf("group sees %d pledges on its request, want 2", n)
	}
	if n := count("/api/v1/pledges", "group2"); n != 0 {
		t.Fatalf("another group sees %d pledges, want 0", n)
	}
	if n := count("/api/v1/pledges", "otherOfficer"); n != 0 {
		t.Fatalf("other council's officer sees %d pledges, want 0", n)
	}
	// Pagination: 2 per page over the officer's pledges.
	first := e.call("GET", "/api/v1/pledges?limit=1", "officer", nil, 200)
	if len(first["items"].([]any)) != 1 || first["next"] == "" {
		t.Fatalf("first page = %v", first)
	}
	second := e.call("GET", "/api/v1/pledges?limit=1&cursor="+first["next"].(string), "officer", nil, 200)
	if len(second["items"].([]any)) != 1 || second["next"] != "" {
		t.Fatalf("second page = %v", second)
	}
}

func TestBadInputNever500(t *testing.T) {
	e := newEnv(t)
	path := "/api/v1/requests"
	deep := strings.Repeat(`{"a":`, 50) + "1" + strings.Repeat("}", 50)
	cases := []struct {
		name  string
		body  string
		ctype string
		want  int
		field string
	}{
		{"malformed", `{"title":`, "application/json", 400, ""},
		{"not an object", `[1,2]`, "application/json", 400, ""},
		{"empty", ``, "application/json", 400, ""},
		{"two values", `{} {}`, "application/json", 400, ""},
		{"wrong type", `{"title": 5}`, "application/json", 400, "title"},
		{"unknown field", `{"title":"abc","colour":"red"}`, "application/json", 400, "colour"},
		{"case variant", `{"Title":"abc"}`, "application/json", 400, "Title"},
		{"dollar key", `{"$set":{"status":"published"}}`, "application/json", 400, "$set"},
		{"dotted key", `{"a.b":1}`, "application/json", 400, "a.b"},
		{"duplicate key", `{"title":"abc","title":"def"}`, "application/json", 400, "title"},
		{"deep nesting", deep, "application/json", 400, ""},
		{"number out of range", `{"valuePence": 1e40}`, "application/json", 400, "valuePence"},
		{"float for int", `{"quantity": 1.5}`, "application/json", 400, "quantity"},
		{"invalid utf8", "{\"title\":\"\xff\xfe\"}", "application/json", 400, ""},
		{"nul in string", `{"title":"a\u0000b","description":"","kind":"goods","area":"E05015018","quantity":1,"unit":"x","valuePence":1,"deadline":"2030-01-01"}`, "application/json", 400, "title"},
		{"text plain", `{}`, "text/plain", 415, ""},
		{"form", `title=x`, "application/x-www-form-urlencoded", 415, ""},
		{"no content type", `{}`, "", 415, ""},
		{"overlong string", `{"title":"` + strings.Repeat("x", 300_000) + `"}`, "application/json", 400, "title"},
	}
	before := len(e.call("GET", "/api/v1/requests", "officer", nil, 200)["items"].([]any))
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, h, b := e.raw("POST", path, "group", []byte(c.body), c.ctype)
			if status != c.want {
				t.Fatalf("status %d, want %d: %s", status, c.want, b)
			}
			if h.Get("Content-Type") != "application/problem+json" {
				t.Fatalf("content type %q", h.Get("Content-Type"))
			}
			var p map[string]any
			if err := json.Unmarshal(b, &p); err != nil || p["status"].(float64) != float64(c.want) || p["detail"] == "" {
				t.Fatalf("problem = %s", b)
			}
			if c.field != "" && p["field"] != c.field {
				t.Fatalf("field = %v, want %q (%s)", p["field"], c.field, b)
			}
		})
	}
	e.t = t
	if after := len(e.call("GET", "/api/v1/requests", "officer", nil, 200)["items"].([]any)); after != before {
		t.Fatalf("bad input wrote requests: %d -> %d", before, after)
	}
}

func TestTokens(t *testing.T) {
	e := newEnv(t)
	u, _ := e.svc.Store.UserByEmail(context.Background(), "officer@x.org")
	sign := func(method jwt.SigningMethod, key any, mut func(c jwt.MapClaims)) string {
		now := time.Now()
		c := jwt.MapClaims{"iss": "needmatch", "aud": []string{"needmatch-api"}, "sub": u.ID, "typ": "access", "jti": "abc",
			"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Minute).Unix()}
		if mut != nil {
			mut(c)
		}
		s, err := jwt.NewWithClaims(method, c).SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	noneTok := sign(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, nil)
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := x509.MarshalPKIXPublicKey(&rsaKey.PublicKey)
	cases := map[string]string{
		"alg none":        noneTok,
		"other secret":    sign(jwt.SigningMethodHS256, []byte("another-secret-another-secret-12345"), nil),
		"HS512":           sign(jwt.SigningMethodHS512, secret, nil),
		"expired":         sign(jwt.SigningMethodHS256, secret, func(c jwt.MapClaims) { c["exp"] = time.Now().Add(-time.Minute).Unix() }),
		"no exp":          sign(jwt.SigningMethodHS256, secret, func(c jwt.MapClaims) { delete(c, "exp") }),
		"not yet valid":   sign(jwt.SigningMethodHS256, secret, func(c jwt.MapClaims) { c["nbf"] = time.Now().Add(time.Hour).Unix() }),
		"wrong issuer":    sign(jwt.SigningMethodHS256, secret, func(c jwt.MapClaims) { c["iss"] = "evil" }),
		"wrong audience":  sign(jwt.SigningMethodHS256, secret, func(c jwt.MapClaims) { c["aud"] = []string{"other"} }),
		"refresh typ":     sign(jwt.SigningMethodHS256, secret, func(c jwt.MapClaims) { c["typ"] = "refresh" }),
		"no jti":          sign(jwt.SigningMethodHS256, secret, func(c jwt.MapClaims) { delete(c, "jti") }),
		"unknown subject": sign(jwt.SigningMethodHS256, secret, func(c jwt.MapClaims) { c["sub"] = domain.NewID() }),
		"garbage":         "not.a.token",
		"RS256":           sign(jwt.SigningMethodRS256, rsaKey, nil),
		"HS256 with the RSA public key as secret": sign(jwt.SigningMethodHS256, pub, nil),
	}
	for name, tok := range cases {
		t.Run(name, func(t *testing.T) {
			e.t = t
			e.call("GET", "/api/v1/me", tok, nil, 401)
		})
	}
	e.t = t
	e.call("GET", "/api/v1/me", sign(jwt.SigningMethodHS256, secret, nil), nil, 200)
}

// cookieClient drives the refresh flow over a real listener with cookies.
func TestRefreshRotationAndReuse(t *testing.T) {
	e := newEnv(t)
	base := e.listen()
	post := func(path, cookie string) (int, string, map[string]any) {
		req, _ := http.NewRequest("POST", base+path, strings.NewReader(`{"email":"group@x.org","password":"correct-horse-battery"}`))
		req.Header.Set("Content-Type", "application/json")
		if cookie != "" {
			req.AddCookie(&http.Cookie{Name: api.RefreshCookie, Value: cookie})
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&body)
		var set string
		for _, c := range resp.Cookies() {
			if c.Name == api.RefreshCookie {
				set = c.Value
				if c.Value != "" && (!c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteStrictMode || c.Path != "/api/v1/auth") {
					t.Fatalf("refresh cookie flags: %+v", c)
				}
			}
		}
		return resp.StatusCode, set, body
	}
	st, c1, body := post("/api/v1/auth/login", "")
	if st != 200 || c1 == "" || body["accessToken"] == "" {
		t.Fatalf("login: %d %q %v", st, c1, body)
	}
	st, c2, body := post("/api/v1/auth/refresh", c1)
	if st != 200 || c2 == "" || c2 == c1 || body["accessToken"] == "" {
		t.Fatalf("refresh: %d %v", st, body)
	}
	// Reusing the rotated token revokes the chain: c2 stops working too.
	if st, _, _ := post("/api/v1/auth/refresh", c1); st != 401 {
		t.Fatalf("reuse of a rotated token: %d, want 401", st)
	}
	if st, _, _ := post("/api/v1/auth/refresh", c2); st != 401 {
		t.Fatalf("token of a revoked chain: %d, want 401", st)
	}
	// Logout revokes.
	_, c3, _ := post("/api/v1/auth/login", "")
	if st, _, _ := post("/api/v1/auth/logout", c3); st != 204 {
		t.Fatalf("logout: %d", st)
	}
	if st, _, _ := post("/api/v1/auth/refresh", c3); st != 401 {
		t.Fatalf("refresh after logout: %d, want 401", st)
	}
	// A disabled user's access token stops working at once.
	_, _, body = post("/api/v1/auth/login", "")
	tok := body["accessToken"].(string)
	u, _ := e.svc.Store.UserByEmail(context.Background(), "group@x.org")
	if _, err := e.svc.SetUserDisabled(context.Background(), nil, u.ID, true); err != nil {
		t.Fatal(err)
	}
	e.call("GET", "/api/v1/me", tok, nil, 401)
	e.call("POST", "/api/v1/auth/login", "", map[string]any{"email": "group@x.org", "password": "correct-horse-battery"}, 401)
}

func TestConcurrentApproveOneWins(t *testing.T) {
	e := newEnv(t)
	for round := 0; round < 5; round++ {
		pl := e.pledge("supplier", e.publishedRequest("group", "officer")) // each round on its own need
		var wg sync.WaitGroup
		statuses := make([]int, 8)
		for i := range statuses {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				who := "officer"
				if i%2 == 1 {
					who = "admin"
				}
				statuses[i], _, _ = e.raw("POST", "/api/v1/pledges/"+pl+"/approve", who, nil, "")
			}(i)
		}
		wg.Wait()
		ok, conflict := 0, 0
		for _, s := range statuses {
			switch s {
			case 200:
				ok++
			case 409:
				conflict++
			}
		}
		if ok != 1 || conflict != len(statuses)-1 {
			t.Fatalf("round %d: statuses %v: want exactly one 200 and the rest 409", round, statuses)
		}
		e.t = t
		if items := e.call("GET", "/api/v1/audit?object="+pl, "officer", nil, 200)["items"].([]any); len(items) != 2 {
			t.Fatalf("audit events = %d, want 2", len(items))
		}
	}
}

func TestOpenAPIMatchesRoutes(t *testing.T) {
	e := newEnv(t)
	doc := e.call("GET", "/api/v1/openapi.json", "", nil, 200)
	if doc["openapi"] != "3.1.0" {
		t.Fatalf("openapi = %v", doc["openapi"])
	}
	paths := doc["paths"].(map[string]any)
	documented := map[string]bool{}
	for p, item := range paths {
		for m := range item.(map[string]any) {
			documented[strings.ToUpper(m)+" "+p] = true
		}
	}
	registered := map[string]bool{}
	for _, r := range e.srv.App.GetRoutes(true) {
		if !strings.HasPrefix(r.Path, "/api/v1/") || r.Method == "HEAD" || strings.Contains(r.Path, "*") {
			continue
		}
		registered[r.Method+" "+api.OpenAPIPath(strings.TrimPrefix(r.Path, "/api/v1"))] = true
	}
	for k := range registered {
		if !documented[k] {
			t.Errorf("route %s is not in the OpenAPI document", k)
		}
	}
	for k := range documented {
		if !registered[k] {
			t.Errorf("OpenAPI documents %s but no such route is registered", k)
		}
	}
	if len(registered) < 25 {
		t.Fatalf("only %d routes registered", len(registered))
	}
}

func TestSecurityHeaders(t *testing.T) {
	e := newEnv(t)
	_, h, _ := e.raw("GET", "/api/v1/me", "group", nil, "")
	for k, want := range map[string]string{"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "Cache-Control": "no-store", "Vary": "Authorization"} {
		if h.Get(k) != want {
			t.Errorf("%s = %q, want %q", k, h.Get(k), want)
		}
	}
	if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP = %q", csp)
	}
	if len(h.Get("X-Request-Id")) != 16 {
		t.Errorf("X-Request-Id = %q", h.Get("X-Request-Id"))
	}
	// CORS is closed: a preflight from another origin gets no allowance.
	req := httptest.NewRequest("OPTIONS", "/api/v1/requests", nil)
	req.Header.Set("Origin", "https://evil.example")
	req.Header.Set("Access-Control-Request-Method", "POST")
	resp, err := e.srv.App.Test(req, 30_000)
	if err != nil {
		t.Fatal(err)
	}
	if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "" || resp.StatusCode < 400 {
		t.Errorf("CORS preflight: %d, Access-Control-Allow-Origin %q", resp.StatusCode, got)
	}
	// A client-sent request id is not trusted.
	req = httptest.NewRequest("GET", "/healthz", nil)
	req.Header.Set("X-Request-Id", "forged")
	resp, _ = e.srv.App.Test(req, 30_000)
	if resp.Header.Get("X-Request-Id") == "forged" {
		t.Error("the server echoed a client's request id")
	}
}

func TestBodyLimit(t *testing.T) {
	e := newEnv(t)
	base := e.listen()
	// Announce a body over the limit and read the answer before sending it:
	// the server must refuse it from the header alone.
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /api/v1/requests HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: Bearer %s\r\nContent-Length: %d\r\n\r\n", e.tokens["group"], api.BodyLimit+1)
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 413 || resp.Header.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("oversize body: %d %q %s", resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}
}

func TestRateLimits(t *testing.T) {
	// The defaults, but writes refill at one a minute: the burst of 120 then
	// runs out however slowly this machine makes the writes.
	limits := api.DefaultLimits
	limits.WritesPerUser = api.Rate{PerMinute: 1, Burst: 120}
	e := newEnvWith(t, func(c *app.Config) { c.NoRateLimits, c.Limits = false, &limits })
	// Password guessing against one account is cut off after the burst.
	codes := map[int]int{}
	for i := 0; i < 8; i++ {
		st, h, _ := e.raw("POST", "/api/v1/auth/login", "", []byte(`{"email":"group@x.org","password":"wrong-password-x"}`), "application/json")
		codes[st]++
		if st == 429 && h.Get("Retry-After") == "" {
			t.Fatal("429 without Retry-After")
		}
	}
	if codes[401] != 5 || codes[429] != 3 {
		t.Fatalf("login answers = %v, want 5x401 then 3x429", codes)
	}
	// Another account from the same client still gets its own tries.
	e.call("POST", "/api/v1/auth/login", "", map[string]any{"email": "supplier@x.org", "password": "correct-horse-battery"}, 200)
	// Writes per user: the burst passes, then 429.
	got429 := false
	for i := 0; i < 130 && !got429; i++ {
		st, _, _ := e.raw("POST", "/api/v1/requests/"+e.draft+"/withdraw", "supplier", nil, "")
		got429 = st == 429
	}
	if !got429 {
		t.Fatal("no 429 after 130 writes in a burst")
	}
}

// TestConcurrentMixedMoves: 16 clients approve, decline and withdraw the
// same pledges at once. Each pledge ends in one legal state and has exactly
// one audit event per real change.
func TestConcurrentMixedMoves(t *testing.T) {
	e := newEnv(t)
	var pledges []string
	for i := 0; i < 6; i++ {
		pledges = append(pledges, e.pledge("supplier", e.request))
	}
	type move struct{ who, path string }
	moves := []move{{"officer", "approve"}, {"admin", "approve"}, {"officer", "decline"}, {"admin", "decline"}, {"supplier", "withdraw"}}
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := map[string]int{}
	for c := 0; c < 16; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			for i, pl := range pledges {
				m := moves[(c+i)%len(moves)]
				var body []byte
				ctype := ""
				if m.path == "decline" {
					body, ctype = []byte(`{"reason":"Declined in the concurrency test"}`), "application/json"
				}
				st, _, _ := e.raw("POST", "/api/v1/pledges/"+pl+"/"+m.path, m.who, body, ctype)
				switch st {
				case 200:
					mu.Lock()
					ok[pl]++
					mu.Unlock()
				case 409:
				default:
					t.Errorf("status %d", st)
				}
			}
		}(c)
	}
	wg.Wait()
	e.t = t
	for _, pl := range pledges {
		p := e.call("GET", "/api/v1/pledges/"+pl, "officer", nil, 200)
		events := e.call("GET", "/api/v1/audit?object="+pl, "officer", nil, 200)["items"].([]any)
		// From offered: approve or decline is final here; withdraw may follow an approval.
		switch p["status"] {
		case "approved", "declined", "withdrawn":
		default:
			t.Fatalf("pledge %s ended %v", pl, p["status"])
		}
		if len(events) != 1+ok[pl] || int(p["version"].(float64)) != 1+ok[pl] {
			t.Fatalf("pledge %s: %d successful moves, %d audit events, version %v", pl, ok[pl], len(events), p["version"])
		}
		if ok[pl] < 1 || ok[pl] > 2 {
			t.Fatalf("pledge %s: %d successful moves", pl, ok[pl])
		}
	}
}

func TestIdempotencyKey(t *testing.T) {
	e := newEnv(t)
	body := []byte(`{"offer":"Retry-safe offer","quantity":1,"unit":"day","valuePence":900}`)
	post := func(key string, b []byte) (int, http.Header, map[string]any) {
		req := httptest.NewRequest("POST", "/api/v1/requests/"+e.request+"/pledges", bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+e.tokens["supplier"])
		req.Header.Set("Idempotency-Key", key)
		resp, err := e.srv.App.Test(req, 30_000)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, resp.Header, out
	}
	st, _, first := post("key-1", body)
	if st != 201 {
		t.Fatalf("first: %d %v", st, first)
	}
	st, h, again := post("key-1", body)
	if st != 201 || again["id"] != first["id"] || h.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("retry: %d %v %v", st, again, h)
	}
	st, _, other := post("key-1", []byte(`{"offer":"Another offer","quantity":1,"unit":"day","valuePence":900}`))
	if st != 422 || other["field"] != "Idempotency-Key" {
		t.Fatalf("same key, other body: %d %v", st, other)
	}
	// The key is scoped per user: another supplier's same key is a new request.
	req := httptest.NewRequest("POST", "/api/v1/requests/"+e.request+"/pledges", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+e.tokens["supplier2"])
	req.Header.Set("Idempotency-Key", "key-1")
	resp, _ := e.srv.App.Test(req, 30_000)
	if resp.StatusCode != 201 {
		t.Fatalf("other user, same key: %d", resp.StatusCode)
	}
	pledges := e.call("GET", "/api/v1/pledges?request="+e.request, "officer", nil, 200)["items"].([]any)
	if len(pledges) != 2 {
		t.Fatalf("pledges = %d, want 2 (the retry made none)", len(pledges))
	}
	st, _, bad := post("bad key with spaces", body)
	if st != 400 || bad["field"] != "Idempotency-Key" {
		t.Fatalf("bad key: %d %v", st, bad)
	}
	// While the first request with a key is still running, a retry gets 409.
	u, _ := e.svc.Store.UserByEmail(context.Background(), "supplier@x.org")
	fp := sha256.Sum256([]byte("POST /api/v1/requests/" + e.request + "/pledges\n" + string(body)))
	if _, err := e.svc.Store.ClaimIdempotency(context.Background(), &domain.IdempotencyRecord{UserID: u.ID, Key: "key-running", Fingerprint: hex.EncodeToString(fp[:]), CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if st, _, running := post("key-running", body); st != 409 || running["field"] != "Idempotency-Key" {
		t.Fatalf("retry while running: %d %v", st, running)
	}
	// A claim its request never finished (the process was killed) stops
	// holding the key after domain.IdempotencyClaimTTL: the retry goes through.
	dead := time.Now().Add(-domain.IdempotencyClaimTTL - time.Minute)
	if _, err := e.svc.Store.ClaimIdempotency(context.Background(), &domain.IdempotencyRecord{UserID: u.ID, Key: "key-dead", Fingerprint: hex.EncodeToString(fp[:]), CreatedAt: dead}); err != nil {
		t.Fatal(err)
	}
	if st, _, _ := post("key-dead", body); st != 201 {
		t.Fatalf("retry of a dead claim: %d, want 201", st)
	}
	if st, h, _ := post("key-dead", body); st != 201 || h.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("second retry: %d replayed=%q", st, h.Get("Idempotent-Replayed"))
	}
	// A refused request is remembered too: the retry gets the same 400.
	st1, _, _ := post("key-2", []byte(`{"offer":"x"}`))
	st2, h2, _ := post("key-2", []byte(`{"offer":"x"}`))
	if st1 != 400 || st2 != 400 || h2.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("refused then retried: %d %d", st1, st2)
	}
}

func TestMetricsAndLogs(t *testing.T) {
	var logs bytes.Buffer
	e := newEnvWith(t, func(c *app.Config) { c.Logger = slog.New(slog.NewJSONHandler(&logs, nil)) })
	metrics := e.app.Metrics
	storeCalls := func() string {
		var b strings.Builder
		metrics.Write(&b)
		for _, l := range strings.Split(b.String(), "\n") {
			if strings.HasPrefix(l, `needmatch_store_duration_seconds_count{op="RequestByID"} `) {
				return l
			}
		}
		return ""
	}
	setup := storeCalls() // the set-up's own reads
	e.call("GET", "/api/v1/requests/"+e.request, "", nil, 200)
	if storeCalls() == setup {
		t.Fatalf("the store's RequestByID was not timed: %q before and after", setup)
	}
	e.call("POST", "/api/v1/auth/login", "", map[string]any{"email": "group@x.org", "password": "correct-horse-battery"}, 200)
	// httptest requests come from 0.0.0.0, not loopback: /metrics is hidden from them.
	if st, _, _ := e.raw("GET", "/metrics", "", nil, ""); st != 404 {
		t.Fatalf("/metrics from a non-loopback client: %d, want 404", st)
	}
	var b strings.Builder
	metrics.Write(&b)
	for _, want := range []string{
		`needmatch_http_requests_total{method="GET",route="/api/v1/requests/:id",status="200"} 1`,
		`needmatch_http_request_duration_seconds_bucket{method="GET",route="/api/v1/requests/:id",le="+Inf"} 1`,
		"# TYPE needmatch_http_requests_total counter",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("metrics lack %q:\n%s", want, b.String())
		}
	}
	// JSON logs with a request id, and never a password or token.
	out := logs.String()
	if !strings.Contains(out, `"requestId":"`) || !strings.Contains(out, `"route":"/api/v1/auth/login"`) {
		t.Fatalf("logs: %s", out)
	}
	if strings.Contains(out, "correct-horse-battery") || strings.Contains(out, "eyJ") {
		t.Fatalf("logs hold a secret: %s", out)
	}
}

func TestReadyzFollowsTheStore(t *testing.T) {
	e := newEnv(t)
	e.call("GET", "/readyz", "", nil, 200)
	e.svc.Store.Close()
	if st, _, _ := e.raw("GET", "/readyz", "", nil, ""); st != 503 {
		t.Fatalf("/readyz with the store closed: %d, want 503", st)
	}
	e.call("GET", "/healthz", "", nil, 200)
}

func TestAdminDisablesUser(t *testing.T) {
	e := newEnv(t)
	e.call("GET", "/api/v1/me", "supplier2", nil, 200)
	e.call("POST", "/api/v1/users/"+e.userIDs["supplier2"]+"/disable", "officer", nil, 403)
	e.call("POST", "/api/v1/users/"+e.userIDs["otherSupplier"]+"/disable", "admin", nil, 404)
	e.call("POST", "/api/v1/users/"+e.userIDs["admin"]+"/disable", "admin", nil, 409)
	if got := e.call("POST", "/api/v1/users/"+e.userIDs["supplier2"]+"/disable", "admin", nil, 200); got["disabled"] != true {
		t.Fatalf("disable = %v", got)
	}
	e.call("GET", "/api/v1/me", "supplier2", nil, 401)
	e.call("POST", "/api/v1/users/"+e.userIDs["supplier2"]+"/enable", "admin", nil, 200)
	e.call("GET", "/api/v1/me", "supplier2", nil, 200)
	if n := len(e.call("GET", "/api/v1/audit?object="+e.userIDs["supplier2"], "admin", nil, 200)["items"].([]any)); n != 4 {
		t.Fatalf("audit events for the user = %d, want 4 (register, verify email, disable, enable)", n)
	}
}

func TestHeaderLimit(t *testing.T) {
	e := newEnv(t)
	base := e.listen()
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET /api/v1/requests HTTP/1.1\r\nHost: x\r\nX-Big: %s\r\n\r\n", strings.Repeat("a", 64<<10))
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer to an oversize header: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != 431 && resp.StatusCode != 400 {
		t.Fatalf("oversize header: %d, want 431 or 400", resp.StatusCode)
	}
}

func TestListCSVExports(t *testing.T) {
	e := newEnv(t)
	body := validRequest()
	body["title"] = "=HYPERLINK(\"http://evil.example\")"
	id := e.id(e.call("POST", "/api/v1/requests", "group", body, 201))
	e.call("POST", "/api/v1/requests/"+id+"/submit", "group", nil, 200)
	e.call("POST", "/api/v1/requests/"+id+"/publish", "officer", nil, 200)
	e.pledge("supplier", e.request)
	st, h, b := e.raw("GET", "/api/v1/requests?format=csv", "", nil, "")
	if st != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/csv") {
		t.Fatalf("requests csv: %d %s", st, h.Get("Content-Type"))
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "id,created_at,title") {
		t.Fatalf("public CSV has %d lines (want header + 2 published): %s", len(lines), b)
	}
	if strings.Contains(string(b), ",=HYPERLINK") || strings.Contains(string(b), e.draft) {
		t.Fatalf("CSV holds a live formula or a draft: %s", b)
	}
	st, _, b = e.raw("GET", "/api/v1/pledges?format=csv", "supplier2", nil, "")
	if st != 200 || len(strings.Split(strings.TrimSpace(string(b)), "\n")) != 1 {
		t.Fatalf("another supplier's pledges in its CSV: %d %s", st, b)
	}
	st, _, b = e.raw("GET", "/api/v1/pledges?format=csv", "officer", nil, "")
	if st != 200 || len(strings.Split(strings.TrimSpace(string(b)), "\n")) != 2 {
		t.Fatalf("officer pledges CSV: %d %s", st, b)
	}
}

// TestOrganisationNames: an approved organisation's new name waits for an
// officer and the old one stays meanwhile; names are unique per council
// compared on their key (case, spaces, NFC), and the council's own name is
// nobody's.
func TestOrganisationNames(t *testing.T) {
	e := newEnv(t)
	org := e.orgs["supplier"]
	path := "/api/v1/organisations/" + org
	fieldOf := func(status int, b []byte) string {
		var p struct{ Field string }
		_ = json.Unmarshal(b, &p)
		return fmt.Sprintf("%d %s", status, p.Field)
	}
	patch := func(name string) string {
		b, _ := json.Marshal(map[string]any{"name": name})
		status, _, rb := e.raw("PATCH", path, "supplier", b, "application/json")
		return fieldOf(status, rb)
	}
	register := func(email, name string) string {
		b, _ := json.Marshal(map[string]any{"email": email, "password": "long-enough-pass", "name": "Eve", "role": "supplier", "organisation": map[string]any{"name": name, "authority": "stockport"}})
		status, _, rb := e.raw("POST", "/api/v1/auth/register", "", b, "application/json")
		return fieldOf(status, rb)
	}
	// Another organisation's name, typed in another case with more spaces, and the council's own name.
	if got := patch("ORG of   group@x.org"); got != "409 name" {
		t.Fatalf("rename to another's name = %s, want 409 name", got)
	}
	if got := patch(" " + strings.ToUpper(e.auth.Name) + " "); got != "400 name" {
		t.Fatalf("rename to the council's name = %s, want 400 name", got)
	}
	// A free name waits for an officer; the old one stays everywhere.
	got := e.call("PATCH", path, "supplier", map[string]any{"name": "Mersey Build Ltd"}, 200)
	if got["name"] != "Org of supplier@x.org" || got["pendingName"] != "Mersey Build Ltd" {
		t.Fatalf("after asking for a new name: %v", got)
	}
	if o := e.call("GET", path, "officer", nil, 200); o["name"] != "Org of supplier@x.org" || o["pendingName"] != "Mersey Build Ltd" || o["status"] != "approved" {
		t.Fatalf("officer sees %v", o)
	}
	e.call("POST", path+"/name/approve", "supplier", nil, 403)
	e.call("POST", "/api/v1/organisations/"+e.orgs["group"]+"/name/approve", "officer", nil, 409) // nothing asked for
	if o := e.call("POST", path+"/name/approve", "officer", nil, 200); o["name"] != "Mersey Build Ltd" || o["pendingName"] != nil {
		t.Fatalf("after approval: %v", o)
	}
	items := e.call("GET", "/api/v1/audit?object="+org, "officer", nil, 200)["items"].([]any)
	if last := items[len(items)-1].(map[string]any); last["action"] != "organisation.name.approve" {
		t.Fatalf("last audit event of the organisation = %v", last)
	}
	// The name is now taken for registrations too, however it is typed.
	if got := register("eve@b.org", "mersey  BUILD ltd"); got != "409 organisation.name" {
		t.Fatalf("register a taken name = %s", got)
	}
	if got := register("eve2@b.org", "Cafe\u0301 Mersey"); got != "202 " {
		t.Fatalf("register a free name = %s", got)
	}
	if got := register("eve3@b.org", "CAF\u00c9 MERSEY"); got != "409 organisation.name" {
		t.Fatalf("register the same name in NFC and upper case = %s", got)
	}
	if got := register("eve4@b.org", e.auth.Name); got != "400 organisation.name" {
		t.Fatalf("register the council's name = %s", got)
	}
	// A refused name leaves the name as it was, with the reason.
	e.call("PATCH", path, "supplier", map[string]any{"name": "Stockport Council Services"}, 200)
	e.call("POST", path+"/name/reject", "officer", map[string]any{"reason": ""}, 400)
	if o := e.call("POST", path+"/name/reject", "officer", map[string]any{"reason": "It reads as the council's own service"}, 200); o["name"] != "Mersey Build Ltd" || o["pendingName"] != nil || o["nameReason"] != "It reads as the council's own service" {
		t.Fatalf("after refusal: %v", o)
	}
	// A name taken while the new one waited cannot be approved.
	e.call("PATCH", path, "supplier", map[string]any{"name": "Later Taken Ltd"}, 200)
	if got := register("eve5@b.org", "Later Taken Ltd"); got != "202 " {
		t.Fatalf("register = %s", got)
	}
	status, _, rb := e.raw("POST", path+"/name/approve", "officer", nil, "")
	if got := fieldOf(status, rb); got != "409 pendingName" {
		t.Fatalf("approve a name taken meanwhile = %s", got)
	}
	// An organisation not yet approved takes its new name at once (the officer reviews it anyway).
	if o := e.call("PATCH", "/api/v1/organisations/"+e.orgs["pending"], "pending", map[string]any{"name": "Heaton Mersey Joinery"}, 200); o["name"] != "Heaton Mersey Joinery" || o["pendingName"] != nil {
		t.Fatalf("pending organisation renamed: %v", o)
	}
}

// TestRequestResubmit: a rejected request is no dead end. Its group edits
// it and sends it again; nobody else may, and only from rejected; the
// edit and the move are audited and the rejection's reason stays for the
// officer who decides next.
func TestRequestResubmit(t *testing.T) {
	e := newEnv(t)
	req := "/api/v1/requests/"
	id := e.id(e.call("POST", "/api/v1/requests", "group", validRequest(), 201))
	e.call("POST", req+id+"/resubmit", "group", nil, 409) // a draft is submitted, not resubmitted
	e.call("POST", req+id+"/submit", "group", nil, 200)
	e.call("POST", req+id+"/resubmit", "group", nil, 409)
	e.call("PATCH", req+id, "group", map[string]any{"description": "Ten laptops with chargers"}, 200) // submitted: still editable
	e.call("POST", req+id+"/reject", "officer", map[string]any{"reason": "Say which school the club is at."}, 200)

	edited := e.call("PATCH", req+id, "group", map[string]any{"description": "Ten laptops for the club at Brinnington Park school", "version": 4}, 200)
	if edited["status"] != "rejected" || edited["reason"] != "Say which school the club is at." {
		t.Fatalf("edited rejected request = %v", edited)
	}
	for _, c := range []struct {
		who  string
		want int
	}{{"group2", 404}, {"supplier", 403}, {"officer", 403}, {"", 401}} {
		e.call("POST", req+id+"/resubmit", c.who, nil, c.want)
	}
	got := e.call("POST", req+id+"/resubmit", "group", nil, 200)
	if got["status"] != "submitted" || got["reason"] != "Say which school the club is at." || got["version"].(float64) != 6 {
		t.Fatalf("resubmitted = %v", got)
	}
	e.call("POST", req+id+"/resubmit", "group", nil, 409)
	if got := e.call("POST", req+id+"/publish", "officer", nil, 200); got["status"] != "published" || got["reason"] != nil {
		t.Fatalf("published after resubmitting = %v", got)
	}
	e.call("PATCH", req+id, "group", map[string]any{"title": "Too late"}, 409)

	items := e.call("GET", "/api/v1/audit?object="+id, "officer", nil, 200)["items"].([]any)
	var actions []string
	for _, it := range items {
		actions = append(actions, it.(map[string]any)["action"].(string))
	}
	want := "[request.create request.submit request.update request.reject request.update request.resubmit request.publish]"
	if fmt.Sprint(actions) != want {
		t.Fatalf("audit = %v, want %s", actions, want)
	}
	resub := items[5].(map[string]any)
	if resub["before"].(map[string]any)["status"] != "rejected" || resub["after"].(map[string]any)["status"] != "submitted" {
		t.Fatalf("resubmit event = %v", resub)
	}
}
