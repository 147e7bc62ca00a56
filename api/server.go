// Package api is needmatch's HTTP layer on fiber v2: routes, the token
// middleware, strict JSON decoding and RFC 9457 problem+json errors. Every
// rule and permission lives in the domain service; handlers only translate.
package api

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"needmatch/domain"
)

// Config is what the server needs; zero values get safe defaults.
type Config struct {
	Service *domain.Service
	// Secret signs access tokens (HS256); at least 32 bytes.
	Secret []byte
	// Issuer and Audience of the tokens; default "needmatch" and "needmatch-api".
	Issuer, Audience string
	// AccessTTL defaults to 15 minutes, RefreshTTL to 14 days.
	AccessTTL, RefreshTTL time.Duration
	// Static is the built SPA (index.html at its root); nil serves no SPA.
	Static fs.FS
	// TLS says the service is reached over HTTPS (adds HSTS).
	TLS bool
	// TrustedProxies lists the proxies (IPs or CIDRs) whose X-Forwarded-For
	// is believed: the client is the right-most address not among them.
	TrustedProxies []string
	Logger         *slog.Logger
	// Limits are the rate limits; nil means DefaultLimits.
	Limits *Limits
	// Metrics collects the Prometheus metrics; nil makes a new collector.
	Metrics *Metrics
	// MetricsToken, when set, is the bearer token /metrics requires;
	// without it /metrics answers loopback clients only.
	MetricsToken string
	// Generations, when set, is the store's source of write generations:
	// anonymous reads of requests are then served from a page cache kept
	// exact by it (see pageCache). Only a sole writer (the embedded store)
	// can give one; nil turns the cache off.
	Generations domain.RequestGenerationer
	// SharedPages, when Generations is nil, turns the page cache on for a
	// store written by several processes: each anonymous GET of a public
	// page reads its authority's generation from the database
	// (domain.Service.PageGeneration, one small read), so a change made
	// through any process invalidates every process's pages.
	SharedPages bool
	// SharedLimits keeps the rate-limit counters in the database
	// (domain.Service.CountCall), so that several processes share them;
	// without it each process counts in its memory.
	SharedLimits bool
}

// Server is the HTTP API.
type Server struct {
	cfg     Config
	svc     *domain.Service
	log     *slog.Logger
	App     *fiber.App
	routes  []route
	limits  *limiters
	metrics *Metrics
	pages   pageCache
	// pageAuth maps a page key to its authority's id (see
	// sharedGeneration); pageAuthN counts the entries stored.
	pageAuth  sync.Map
	pageAuthN atomic.Int64
	static    *staticFiles
	proxies   proxies
}

// route is one API operation: the table drives registration, the OpenAPI
// document and the access tests, so no route can escape any of them.
type route struct {
	Method, Path, Summary string
	// Roles that may call it; empty means anyone, including anonymous.
	Roles   []string
	Body    any
	Handler fiber.Handler
}

// BodyLimit is the largest request body accepted.
const BodyLimit = 1 << 20

// New builds the fiber app with every route; it fails only if the app's
// files (Config.Static) cannot be read.
func New(cfg Config) (*Server, error) {
	if cfg.Issuer == "" {
		cfg.Issuer = "needmatch"
	}
	if cfg.Audience == "" {
		cfg.Audience = "needmatch-api"
	}
	if cfg.AccessTTL == 0 {
		cfg.AccessTTL = 15 * time.Minute
	}
	if cfg.RefreshTTL == 0 {
		cfg.RefreshTTL = 14 * 24 * time.Hour
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Limits == nil {
		cfg.Limits = &DefaultLimits
	}
	if cfg.Metrics == nil {
		cfg.Metrics = NewMetrics()
	}
	s := &Server{cfg: cfg, svc: cfg.Service, log: cfg.Logger, limits: newLimiters(*cfg.Limits, cfg.SharedLimits, cfg.Service, cfg.Logger), metrics: cfg.Metrics}
	var err error
	if s.proxies, err = parseProxies(cfg.TrustedProxies); err != nil {
		return nil, err
	}
	if cfg.Static != nil {
		sf, err := newStaticFiles(cfg.Static)
		if err != nil {
			return nil, fmt.Errorf("read the app's files: %w", err)
		}
		s.static = sf
	}
	if s.svc != nil && s.svc.Observe == nil {
		m := s.metrics
		s.svc.Observe = func(kind string, took time.Duration) {
			m.Inc("needmatch_matcher_runs_total", "kind", kind)
			m.Observe("needmatch_matcher_duration_seconds", took, "kind", kind)
		}
	}
	s.App = fiber.New(fiber.Config{
		AppName:               "needmatch",
		ErrorHandler:          s.errorHandler,
		BodyLimit:             BodyLimit,
		ReadBufferSize:        8192, // bounds the request line and headers
		ReadTimeout:           15 * time.Second,
		WriteTimeout:          30 * time.Second,
		IdleTimeout:           60 * time.Second,
		Immutable:             true,
		DisableStartupMessage: true,
		JSONEncoder:           jsonMarshal,
	})
	s.App.Server().HeaderReceived = bodyLimitFor // the upload route alone reads up to EvidenceBodyLimit
	s.App.Use(s.requestMeta, s.recoverPanics, s.securityHeaders)
	s.routes = s.routeTable()
	api := s.App.Group("/api/v1", compressAnswer, s.authenticate, s.rateLimit)
	for _, r := range s.routes {
		if r.Method == fiber.MethodPost && !strings.HasPrefix(r.Path, "/auth/") {
			api.Add(r.Method, r.Path, s.guard(r), s.idempotent, r.Handler)
			continue
		}
		api.Add(r.Method, r.Path, s.guard(r), r.Handler)
	}
	s.App.Get("/healthz", s.handleHealthz)
	s.App.Get("/readyz", s.handleReadyz)
	s.App.Get("/metrics", s.handleMetrics)
	s.App.All("/api/*", func(c *fiber.Ctx) error {
		return domain.Errorf(domain.ENOTFOUND, "There is no API route %s %s.", c.Method(), c.Path())
	})
	if s.static != nil {
		s.App.Use("/", s.static.handler)
	}
	return s, nil
}

func (s *Server) routeTable() []route {
	officer := []string{domain.RoleOfficer, domain.RoleAdmin}
	signedIn := []string{domain.RoleGroup, domain.RoleSupplier, domain.RoleOfficer, domain.RoleAdmin}
	return append([]route{
		{"GET", "/healthz", "Liveness", nil, nil, s.handleHealthz},
		{"GET", "/readyz", "Readiness: the store answers", nil, nil, s.handleReadyz},
		{"GET", "/openapi.json", "This OpenAPI document", nil, nil, s.handleOpenAPI},
		{"GET", "/authorities/:slug", "A council and its areas with need figures", nil, nil, s.handleAuthorityGet},
		{"POST", "/auth/register", "Register a group or supplier and its organisation", nil, registerBody{}, s.handleAuthRegister},
		{"POST", "/auth/login", "Sign in", nil, loginBody{}, s.handleAuthLogin},
		{"POST", "/auth/refresh", "Swap the refresh cookie for a new access token", nil, nil, s.handleAuthRefresh},
		{"POST", "/auth/logout", "Sign out and revoke the refresh chain", nil, nil, s.handleAuthLogout},
		{"POST", "/auth/password-reset", "Mail a one-time password reset link (same answer whether or not the account exists)", nil, resetBody{}, s.handleAuthPasswordReset},
		{"POST", "/auth/password-reset/confirm", "Set a new password with a reset link's token; every session must sign in again", nil, resetConfirmBody{}, s.handleAuthPasswordResetConfirm},
		{"POST", "/auth/verify-email", "Verify an account's email address with its link's token (once, within 48 hours)", nil, verifyBody{}, s.handleAuthVerifyEmail},
		{"POST", "/auth/verify-email/resend", "Mail the signed-in user a new verification link (3 an hour)", signedIn, nil, s.handleAuthVerifyEmailResend},
		{"GET", "/me", "The signed-in user (with emailVerified), organisation and council (or region)", append(signedIn, domain.RolePlatformAdmin, domain.RoleRegionOfficer), nil, s.handleMe},
		{"GET", "/organisations", "Organisations of the council (filter status, kind)", officer, nil, s.handleOrganisationList},
		{"GET", "/organisations/:id", "One organisation", signedIn, nil, s.handleOrganisationGet},
		{"POST", "/organisations/:id/approve", "Approve a pending organisation", officer, nil, s.handleOrganisationApprove},
		{"POST", "/organisations/:id/reject", "Reject a pending organisation with a reason", officer, reasonBody{}, s.handleOrganisationReject},
		{"POST", "/organisations/:id/name/approve", "Approve the new name an approved organisation asked for (pendingName)", officer, nil, s.handleOrganisationNameApprove},
		{"POST", "/organisations/:id/name/reject", "Refuse the new name an organisation asked for, with a reason; its name stays", officer, reasonBody{}, s.handleOrganisationNameReject},
		{"POST", "/organisations/:id/suspend", "Suspend an approved organisation with a reason: it cannot post, pledge or bid; its commitments stay", officer, reasonBody{}, s.handleOrganisationSuspend},
		{"POST", "/organisations/:id/reinstate", "Reinstate a suspended organisation with a reason", officer, reasonBody{}, s.handleOrganisationReinstate},
		{"GET", "/pledges/:id/messages", "The pledge's message thread (group, supplier, the council's officers); marks it read", signedIn, nil, s.handleMessageList},
		{"POST", "/pledges/:id/messages", "Post a plain-text message on the pledge's thread (rate-limited per person)", signedIn, messageBody{}, s.handleMessageCreate},
		{"POST", "/messages/:id/report", "Report a message to the council's officers, with a reason", signedIn, reasonBody{}, s.handleMessageReport},
		{"POST", "/messages/:id/resolve", "Close a message's report", officer, nil, s.handleMessageResolve},
		{"GET", "/messages/unread", "How many messages the caller has not read on its threads", signedIn, nil, s.handleMessageUnread},
		{"GET", "/messages/reported", "Messages with an open report, newest first", officer, nil, s.handleMessageReported},
		{"POST", "/requests", "Post a request (draft)", []string{domain.RoleGroup}, requestBody{}, s.handleRequestCreate},
		{"GET", "/requests", "List requests (filters area, kind, status, text, mine)", nil, nil, func(c *fiber.Ctx) error { return s.cachedRequestList(c, s.handleRequestList) }},
		{"GET", "/requests/:id", "One request", nil, nil, func(c *fiber.Ctx) error { return s.cachedRequest(c, s.handleRequestGet) }},
		{"PATCH", "/requests/:id", "Edit a draft, submitted or rejected request", []string{domain.RoleGroup}, requestBody{}, s.handleRequestUpdate},
		{"POST", "/requests/:id/submit", "Submit a draft for approval", []string{domain.RoleGroup}, nil, s.handleRequestSubmit},
		{"POST", "/requests/:id/resubmit", "Send a rejected request for approval again", []string{domain.RoleGroup}, nil, s.handleRequestResubmit},
		{"POST", "/requests/:id/publish", "Publish a submitted request", officer, nil, s.handleRequestPublish},
		{"POST", "/requests/:id/reject", "Reject a submitted request with a reason", officer, reasonBody{}, s.handleRequestReject},
		{"POST", "/requests/:id/withdraw", "Withdraw a request", []string{domain.RoleGroup, domain.RoleOfficer, domain.RoleAdmin}, nil, s.handleRequestWithdraw},
		{"POST", "/requests/:id/extend", "Publish an expired request again with a new deadline (once)", []string{domain.RoleGroup}, extendBody{}, s.handleRequestExtend},
		{"POST", "/requests/:id/close", "Close an expired request", []string{domain.RoleGroup}, nil, s.handleRequestClose},
		{"POST", "/requests/:id/pledges", "Pledge to a published request", []string{domain.RoleSupplier}, pledgeBody{}, s.handlePledgeCreate},
		{"GET", "/pledges", "Pledges the caller may see (filters status, request)", signedIn, nil, s.handlePledgeList},
		{"GET", "/pledges/:id", "One pledge", signedIn, nil, s.handlePledgeGet},
		{"POST", "/pledges/:id/approve", "Approve an offered pledge (all, or amountPence of it; override with a reason to go beyond the request's value)", officer, approveBody{}, s.handlePledgeApprove},
		{"POST", "/pledges/:id/confirm-safeguarding", "Confirm that the people doing the work have the checks a safeguarding request needs", []string{domain.RoleSupplier}, nil, s.handlePledgeConfirmSafeguarding},
		{"POST", "/pledges/:id/decline", "Decline an offered pledge with a reason", officer, reasonBody{}, s.handlePledgeDecline},
		{"POST", "/pledges/:id/withdraw", "Withdraw one's own pledge (not an award's commitment: ask to be released instead)", []string{domain.RoleSupplier}, nil, s.handlePledgeWithdraw},
		{"POST", "/pledges/:id/ask-release", "Ask to be released from an award's commitment, with a reason", []string{domain.RoleSupplier}, reasonBody{}, s.handlePledgeAskRelease},
		{"POST", "/pledges/:id/release", "Release the supplier from an award's commitment it asked to leave (optional note)", officer, noteBody{}, s.handlePledgeRelease},
		{"POST", "/pledges/:id/refuse-release", "Refuse a release request, with a reason: the commitment stands", officer, reasonBody{}, s.handlePledgeRefuseRelease},
		{"GET", "/audit", "Audit events of the council (filter object), each with who by name, a sentence and the changed fields by label", officer, nil, s.handleAuditList},
		{"GET", "/audit/search", "Requests (by title) and organisations (by name) whose audit trail to read (q)", officer, nil, s.handleAuditSearch},
		{"PATCH", "/organisations/:id", "Edit one's own organisation: name, base ward, offers, commitment limit, due-diligence details (given ones replace them all)", []string{domain.RoleGroup, domain.RoleSupplier}, profileBody{}, s.handleOrganisationUpdate},
		{"GET", "/matches/requests", "Published requests ranked for the supplier, with the score explained", []string{domain.RoleSupplier}, nil, s.handleMatchRequests},
		{"GET", "/requests/:id/ranked-pledges", "Offered pledges on a request, ranked, with the score explained", officer, nil, s.handleRankedPledges},
		{"POST", "/allocations", "Propose how much of each offered pledge to approve (exact min-cost flow)", officer, allocationBody{}, s.handleAllocationCreate},
		{"GET", "/allocations/:id", "One allocation proposal", officer, nil, s.handleAllocationGet},
		{"POST", "/allocations/:id/accept", "Accept a proposal (all, or pledgeIds): approves the pledges through the normal rules", officer, acceptBody{}, s.handleAllocationAccept},
		{"POST", "/allocations/:id/decline-left-out", "Decline the offered pledges an accepted allocation left out, each with the reason it gave", officer, nil, s.handleAllocationDeclineLeftOut},
		{"GET", "/matcher/weights", "The council's matcher weights, current and past versions", officer, nil, s.handleWeightsGet},
		{"PUT", "/matcher/weights", "Set new matcher weights (a new version)", []string{domain.RoleAdmin}, weightsBody{}, s.handleWeightsSet},
		{"POST", "/areas/import", "Replace the council's areas and need figures from CSV (all or nothing)", officer, areasBody{}, s.handleAreasImport},
		{"GET", "/users", "Users of the council", []string{domain.RoleAdmin}, nil, s.handleUserList},
		{"GET", "/officers", "The council's enabled officers and admins by name (id, name, role): who may manage a contract", officer, nil, s.handleOfficerList},
		{"POST", "/users/:id/disable", "Disable a user of the council: their tokens stop working at once", []string{domain.RoleAdmin}, nil, s.handleUserDisable},
		{"POST", "/users/:id/enable", "Enable a disabled user", []string{domain.RoleAdmin}, nil, s.handleUserEnable},
		{"GET", "/mail", "Sent mail: the council's outbox, newest first (filter status)", []string{domain.RoleAdmin}, nil, s.handleMailList},
		{"POST", "/mail/:id/retry", "Send again a mail that may not have arrived (status uncertain): audited; it may arrive twice, with the same Message-ID", []string{domain.RoleAdmin}, nil, s.handleMailRetry},
		{"GET", "/me/email-settings", "The signed-in user's choice per kind of email", signedIn, nil, s.handleEmailSettingsGet},
		{"PUT", "/me/email-settings", "Choose per kind of email: immediately, digest or off (security mail stays on)", signedIn, emailSettingsBody{}, s.handleEmailSettingsPut},
		{"POST", "/unsubscribe", "Turn off the kind of email a mail's signed link names, without signing in", nil, unsubscribeBody{}, s.handleUnsubscribe},
	}, append(append(append(append(s.valueRoutes(), s.procurementRoutes()...), s.kpiRoutes()...), s.importRoutes()...), append(s.platformRoutes(), append(s.membershipRoutes(), s.councilRoutes()...)...)...)...)
}

// Listen serves on addr until ctx ends, then drains in-flight requests.
func (s *Server) Listen(ctx context.Context, addr string) error {
	errc := make(chan error, 1)
	go func() { errc <- s.App.Listen(addr) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		return s.App.ShutdownWithTimeout(20 * time.Second)
	}
}

// requestIDs makes request ids: a random prefix drawn once per process
// and a counter, in 16 hex digits (unique, not secret; a random id per
// request read the system's random source on every request).
var requestIDs = func() (ids struct {
	prefix uint32
	n      atomic.Uint32
}) {
	var b [4]byte
	_, _ = rand.Read(b[:])
	ids.prefix = binary.BigEndian.Uint32(b[:])
	return
}()

var requestIDHeader = []byte("X-Request-Id")

// requestMeta gives the request its id (the X-Request-Id answer header,
// which requestID reads back), answers its errors, and counts, times and
// logs it.
func (s *Server) requestMeta(c *fiber.Ctx) error {
	var raw [8]byte
	var id [16]byte
	binary.BigEndian.PutUint32(raw[:4], requestIDs.prefix)
	binary.BigEndian.PutUint32(raw[4:], requestIDs.n.Add(1))
	hex.Encode(id[:], raw[:])
	c.Response().Header.SetCanonical(requestIDHeader, id[:])
	start := time.Now()
	route, err := s.keptAnswer(c, start)
	if route == "" {
		err = c.Next()
	}
	if err != nil {
		if herr := s.App.ErrorHandler(c, err); herr != nil {
			return herr
		}
	}
	if route == "" {
		route = c.Route().Path
	}
	status, took := c.Response().StatusCode(), time.Since(start)
	if !strings.HasPrefix(route, "/api/") && route != "/healthz" && route != "/readyz" && route != "/metrics" {
		route = "app" // the SPA's paths are the browser's, not ours: one label
	}
	s.metrics.Inc("needmatch_http_requests_total", "method", c.Method(), "route", route, "status", statusLabel(status))
	s.metrics.Observe("needmatch_http_request_duration_seconds", took, "method", c.Method(), "route", route)
	if s.log.Enabled(context.Background(), slog.LevelInfo) {
		s.log.LogAttrs(context.Background(), slog.LevelInfo, "request", slog.String("method", c.Method()), slog.String("route", route), slog.Int("status", status),
			slog.Float64("ms", float64(took.Microseconds())/1000), slog.String("requestId", requestID(c)))
	}
	return nil
}

// statusLabel is status as a label value, without formatting the common ones.
func statusLabel(status int) string {
	switch status {
	case fiber.StatusOK:
		return "200"
	case fiber.StatusNotModified:
		return "304"
	}
	return strconv.Itoa(status)
}

// recoverPanics turns a panic anywhere after requestMeta into an internal
// error: the client gets a 500 problem without the detail, the log gets the
// panic and its stack with the request id, and the process keeps serving.
func (s *Server) recoverPanics(c *fiber.Ctx) error { return recovered(c.Next) }

func recovered(next func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v\n%s", p, debug.Stack())
		}
	}()
	return next()
}

// requestID is the id requestMeta gave the request.
func requestID(c *fiber.Ctx) string {
	return string(c.Response().Header.PeekBytes(requestIDHeader))
}

// securityHeaderList is set on every answer, in canonical form (set
// without normalising each time).
var securityHeaderList = [][2][]byte{
	{[]byte("X-Content-Type-Options"), []byte("nosniff")},
	{[]byte("Referrer-Policy"), []byte("no-referrer")},
	{[]byte("X-Frame-Options"), []byte("DENY")},
	{[]byte("Cross-Origin-Opener-Policy"), []byte("same-origin")},
	{[]byte("Content-Security-Policy"), []byte("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'")},
}

var (
	hstsHeader    = [2][]byte{[]byte("Strict-Transport-Security"), []byte("max-age=63072000; includeSubDomains")}
	noStoreHeader = [2][]byte{[]byte(fiber.HeaderCacheControl), []byte("no-store")}
	varyAuthz     = [2][]byte{[]byte(fiber.HeaderVary), []byte(fiber.HeaderAuthorization)}
)

func (s *Server) securityHeaders(c *fiber.Ctx) error {
	s.setSecurityHeaders(c)
	return c.Next()
}

func (s *Server) setSecurityHeaders(c *fiber.Ctx) {
	h := &c.Response().Header
	for _, kv := range securityHeaderList {
		h.SetCanonical(kv[0], kv[1])
	}
	if s.cfg.TLS {
		h.SetCanonical(hstsHeader[0], hstsHeader[1])
	}
	if strings.HasPrefix(c.Path(), "/api/") {
		// Public pages say otherwise (sendPublic); every other answer
		// is the caller's own.
		h.SetCanonical(noStoreHeader[0], noStoreHeader[1])
		h.SetCanonical(varyAuthz[0], varyAuthz[1])
	}
}

// gzipAnswer gzips a response body of 200 bytes or more, not encoded yet,
// of a compressible type, for a client that accepts gzip; it adds Vary.
var gzipAnswer = fasthttp.CompressHandlerLevel(func(*fasthttp.RequestCtx) {}, fasthttp.CompressBestSpeed)

// compressAnswer compresses the API's answers that the page cache has not
// encoded already, per request: gzip at its fastest level, which costs a
// third of brotli's fastest and gives a smaller page (see
// BenchmarkPageCompress). Error answers, written by the error handler
// after this returns, go plain.
func compressAnswer(c *fiber.Ctx) error {
	if err := c.Next(); err != nil {
		return err
	}
	gzipAnswer(c.Context())
	return nil
}

// guard refuses a call by role before the handler runs; the service checks
// again, with ownership, so this is a first fence, not the only one.
func (s *Server) guard(r route) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if len(r.Roles) == 0 {
			return c.Next()
		}
		a := actor(c)
		if a == nil {
			return domain.Errorf(domain.EUNAUTHORIZED, "Sign in to do this.")
		}
		for _, role := range r.Roles {
			if a.Role == role {
				return c.Next()
			}
		}
		return domain.Errorf(domain.EFORBIDDEN, "Your role (%s) may not do this.", a.Role)
	}
}

func (s *Server) handleHealthz(c *fiber.Ctx) error {
	return c.JSON(fiber.Map{"status": "ok"})
}

func (s *Server) handleReadyz(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), 2*time.Second)
	defer cancel()
	if err := s.svc.Ready(ctx); err != nil {
		s.log.Warn("store not ready", "err", err)
		return c.Status(http.StatusServiceUnavailable).JSON(fiber.Map{"status": "unavailable"})
	}
	return c.JSON(fiber.Map{"status": "ok"})
}

// list is the shape of every list response.
type list[T any] struct {
	Items []T    `json:"items"`
	Next  string `json:"next"`
}

func newList[T any](items []T, next string) list[T] {
	if items == nil {
		items = []T{}
	}
	return list[T]{Items: items, Next: next}
}

// idParam returns the :id parameter when it is a well-formed id; a malformed
// one is simply not found (400 would tell nothing useful and 404 hides nothing).
func idParam(c *fiber.Ctx) (string, error) {
	id := c.Params("id")
	if !domain.ValidID(id) {
		return "", domain.Errorf(domain.ENOTFOUND, "Not found: %q is not an id.", truncate(id, 40))
	}
	return id, nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// page reads ?cursor and ?limit.
func page(c *fiber.Ctx) (domain.Page, error) {
	p := domain.Page{After: c.Query("cursor")}
	if p.After != "" && !domain.ValidID(p.After) {
		return p, domain.FieldErrorf("cursor", "cursor is not one this API gave out")
	}
	var err error
	p.Limit, err = limitParam(c)
	return p, err
}

// limitParam reads ?limit: 1 to 200, 0 when absent.
func limitParam(c *fiber.Ctx) (int, error) {
	l := c.Query("limit")
	if l == "" {
		return 0, nil
	}
	n, err := parseInt(l)
	if err != nil || n < 1 || n > 200 {
		return 0, domain.FieldErrorf("limit", "limit must be a whole number from 1 to 200")
	}
	return int(n), nil
}

// RouteInfo describes one API route for tests and documents.
type RouteInfo struct {
	Method, Path string
	Roles        []string
	HasBody      bool
}

// Routes lists the API routes (paths relative to /api/v1).
func (s *Server) Routes() []RouteInfo {
	out := make([]RouteInfo, len(s.routes))
	for i, r := range s.routes {
		out[i] = RouteInfo{Method: r.Method, Path: r.Path, Roles: r.Roles, HasBody: r.Body != nil}
	}
	return out
}
