package api

import (
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
	"github.com/valyala/fasthttp"

	"needmatch/domain"
)

// pageCache keeps encoded public pages (anonymous GETs of requests). It is
// used only when the wiring gives a source of write generations
// (Config.Generations: a store that is the sole writer of its data). A page of one request is kept until a write
// changes that request or its pledges (exact). A page of a list made at the
// current generation is exact; one made before the latest write is served
// for at most publicMaxAge, and while one caller rebuilds it, for at most
// rebuildGrace more to everyone else, so that the public listing lags
// writes by under a second and a half instead of being rebuilt on every
// write (under a mixed load that starved the writes).
//
// A page is built by one caller at a time (single flight): the others get
// the previous page while grace allows, or wait for that build and take
// its page, never build the same page beside it. (When a rebuild ran past
// rebuildGrace, every caller rebuilt the page: under load, rebuilds slowed
// down, so more callers rebuilt, so rebuilds slowed down more.)
// Signed-in callers always read the store.
//
// A kept page carries a strong ETag (a hash of its bytes) so that a client
// that has it gets 304 and no body, and its compressed forms, made once,
// on the first request that accepts each (see sendPublic).
type pageCache struct {
	// mu is read-locked to serve a fresh page (the common case: many at
	// once) and locked to change the pages.
	mu    sync.RWMutex
	pages map[string]cachedPage
}

type cachedPage struct {
	gen  uint64
	made time.Time
	// publicPage is nil until the page's first build ends.
	*publicPage
	// pageRule is how the page's route keeps it (see keptAnswer).
	pageRule
	// building, while a caller builds this page, closes when it is done.
	building chan struct{}
}

// pageRule is how a kept page is judged fresh and answered, as the route
// that built it does: keptAnswer serves it by this rule before the route
// table.
type pageRule struct {
	// route is the route's path, as the metrics name it.
	route string
	// request is the id of the one request the page shows: the page is
	// fresh while no write changed that request (requestFresh). Empty: a
	// list, fresh by listFresh.
	request string
	// requests says the list shows requests only: it is current while no
	// write changed a request or pledge (RequestsGeneration), not just
	// while nothing at all was written.
	requests     bool
	cacheControl []byte
}

// listFresh says whether a list page made at pageGen, at made, is fresh
// at now, the last write that could change it being at changed: made
// after that write, or at most publicMaxAge ago.
func listFresh(pageGen uint64, made time.Time, changed uint64, now time.Time) bool {
	return pageGen >= changed || now.Sub(made) <= publicMaxAge
}

// listChanged is the generation of the last write that may have changed
// a list kept by rule: one that changed a request, for a list of requests,
// else any.
func listChanged(g domain.RequestGenerationer, rule pageRule) uint64 {
	if rule.requests {
		return g.RequestsGeneration()
	}
	return g.Generation()
}

// requestFresh says whether a page of one request made at pageGen is
// fresh: made after the last write that changed the request (at changed).
func requestFresh(pageGen, changed uint64) bool { return pageGen >= changed }

// publicPage is one public page as sent: its bytes, their hash and their
// compressed forms, each made once, when first asked for.
type publicPage struct {
	body []byte
	// contentType and disposition are the handler's (JSON, or a CSV
	// attachment).
	contentType, disposition string
	// tag is the page's entity tag without quotes or coding suffix;
	// etags its ETag header values, made once, in each coding (see etag).
	tag      string
	etags    [len(pageCodings)][]byte
	gzipOnce sync.Once
	gzip     []byte
	brOnce   sync.Once
	br       []byte
}

// responsePage is the page the handler has just written.
func responsePage(c *fiber.Ctx) *publicPage {
	h := &c.Response().Header
	pg := newPage(append([]byte(nil), c.Response().Body()...))
	pg.contentType, pg.disposition = string(h.ContentType()), string(h.Peek(fiber.HeaderContentDisposition))
	return pg
}

func newPage(body []byte) *publicPage {
	sum := sha256.Sum256(body)
	p := &publicPage{body: body, tag: base64.RawURLEncoding.EncodeToString(sum[:12])}
	for i, coding := range pageCodings {
		p.etags[i] = []byte(p.etag(coding))
	}
	return p
}

// pageCodings are the codings a page is sent in, in the order of
// publicPage.etags.
var pageCodings = [...]string{"", "gzip", "br"}

// etagHeader is the page's ETag value in coding, as made by newPage.
func (p *publicPage) etagHeader(coding string) []byte {
	switch coding {
	case "gzip":
		return p.etags[1]
	case "br":
		return p.etags[2]
	}
	return p.etags[0]
}

// Compression levels of public pages, paid once per page kept, not per
// request: brotli 4 takes about 3 times gzip 6's time for a page 10 to
// 15% smaller; brotli 5 takes 3 times more again for 2 to 5% (see
// BenchmarkPageCompress).
const (
	pageBrotliLevel = fasthttp.CompressBrotliDefaultCompression
	pageGzipLevel   = fasthttp.CompressDefaultCompression
)

// encoded returns the page's body in coding ("br", "gzip" or "" for none).
func (p *publicPage) encoded(coding string) []byte {
	switch coding {
	case "br":
		p.brOnce.Do(func() { p.br = fasthttp.AppendBrotliBytesLevel(nil, p.body, pageBrotliLevel) })
		return p.br
	case "gzip":
		p.gzipOnce.Do(func() { p.gzip = fasthttp.AppendGzipBytesLevel(nil, p.body, pageGzipLevel) })
		return p.gzip
	}
	return p.body
}

// etag is the page's strong entity tag in coding: each coding is its own
// representation, so its own tag.
func (p *publicPage) etag(coding string) string {
	if coding == "" {
		return `"` + p.tag + `"`
	}
	return `"` + p.tag + "-" + coding + `"`
}

// matches says whether an If-None-Match value names this page, in any
// coding (weak comparison, as RFC 9110 asks for If-None-Match).
func (p *publicPage) matches(ifNoneMatch string) bool {
	for t := range strings.SplitSeq(ifNoneMatch, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == "*" {
			return true
		}
		t = strings.Trim(t, `"`)
		t = strings.TrimSuffix(strings.TrimSuffix(t, "-br"), "-gzip")
		if t == p.tag {
			return true
		}
	}
	return false
}

// pageCoding picks the coding of a page from Accept-Encoding among those
// offered: brotli, then gzip, then none; a coding with q=0 is refused.
func pageCoding(acceptEncoding string, br, gzip bool) string {
	var acceptsGzip bool
	for part := range strings.SplitSeq(acceptEncoding, ",") {
		name, params, _ := strings.Cut(part, ";")
		name = strings.ToLower(strings.TrimSpace(name))
		if q, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok && strings.Trim(q, "0.") == "" {
			continue
		}
		switch {
		case name == "br" && br:
			return "br"
		case name == "gzip" && gzip:
			acceptsGzip = true
		}
	}
	if acceptsGzip {
		return "gzip"
	}
	return ""
}

const (
	pageCacheMax = 20_000 // about 15 MB of pages at most
	publicMaxAge = time.Second
	rebuildGrace = 500 * time.Millisecond
)

// get returns the page kept under key if fresh(its generation, when made).
// Otherwise, while another caller builds the page: with grace, the stale
// page if under publicMaxAge+rebuildGrace old; else wait, a channel that
// closes when that build ends (then look again). Otherwise build: the
// caller is to build the page and then call done with build.
func (p *pageCache) get(key string, fresh func(gen uint64, made time.Time) bool, grace bool, now time.Time) (pg *publicPage, wait <-chan struct{}, build chan struct{}) {
	p.mu.Lock()
	defer p.mu.Unlock()
	c, ok := p.pages[key]
	switch {
	case ok && c.publicPage != nil && fresh(c.gen, c.made):
		return c.publicPage, nil, nil
	case c.building == nil:
	case c.publicPage != nil && grace && now.Sub(c.made) <= publicMaxAge+rebuildGrace:
		return c.publicPage, nil, nil
	default:
		return nil, c.building, nil
	}
	if p.pages == nil || len(p.pages) >= pageCacheMax {
		p.pages = map[string]cachedPage{}
	}
	c.building = make(chan struct{})
	p.pages[key] = c
	return nil, nil, c.building
}

// entry returns what is kept under key.
func (p *pageCache) entry(key string) (cachedPage, bool) {
	p.mu.RLock()
	c, ok := p.pages[key]
	p.mu.RUnlock()
	return c, ok
}

// lookup returns the page kept under key if fresh(its generation, when
// made), else nil: get's first case, under the read lock, with no key kept.
func (p *pageCache) lookup(key string, fresh func(gen uint64, made time.Time) bool) *publicPage {
	if c, ok := p.entry(key); ok && c.publicPage != nil && fresh(c.gen, c.made) {
		return c.publicPage
	}
	return nil
}

// put keeps pg under key, made at generation gen, to be served by rule.
func (p *pageCache) put(gen uint64, key string, pg *publicPage, rule pageRule, now time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.pages == nil || len(p.pages) >= pageCacheMax {
		p.pages = map[string]cachedPage{}
	}
	c := p.pages[key]
	c.gen, c.made, c.publicPage, c.pageRule = gen, now, pg, rule
	p.pages[key] = c
}

// done ends the build that get handed out: pg (nil when the build gave no
// page to keep) is kept as put keeps it, and the callers waiting are
// released.
func (p *pageCache) done(build chan struct{}, gen uint64, key string, pg *publicPage, rule pageRule, now time.Time) {
	if pg != nil {
		p.put(gen, key, pg, rule, now)
	}
	p.mu.Lock()
	if c, ok := p.pages[key]; ok && c.building == build {
		c.building = nil
		p.pages[key] = c
	}
	p.mu.Unlock()
	close(build)
}

// Cache-Control of public pages. A list may be up to 1.5 s behind the
// latest write (see pageCache), and a client may keep it 1 s more; a
// request's page is exact, so a client must revalidate it (cheap: 304).
// Signed-in answers keep no-store (securityHeaders).
var (
	listCacheControl    = []byte("public, max-age=1")
	requestCacheControl = []byte("public, no-cache")
	publicVary          = []byte("Authorization, Accept-Encoding")
)

// Answer headers of public pages, in canonical form.
var (
	headerCacheControl = []byte(fiber.HeaderCacheControl)
	headerVary         = []byte(fiber.HeaderVary)
	headerETag         = []byte(fiber.HeaderETag)
)

// requestHeader is the request's header key as a string that is valid only
// until the handler returns (not copied as c.Get copies under Immutable).
func requestHeader(c *fiber.Ctx, key string) string {
	return utils.UnsafeString(c.Request().Header.Peek(key))
}

// sendPublic answers an anonymous GET with a public page: 304 and no body
// when If-None-Match names it, else the page in the best coding the
// client accepts.
func sendPublic(c *fiber.Ctx, pg *publicPage, cacheControl []byte) error {
	coding := pageCoding(requestHeader(c, fiber.HeaderAcceptEncoding), true, true)
	h := &c.Response().Header
	h.SetCanonical(headerCacheControl, cacheControl)
	h.SetCanonical(headerVary, publicVary)
	h.SetCanonical(headerETag, pg.etagHeader(coding))
	if inm := requestHeader(c, fiber.HeaderIfNoneMatch); inm != "" && pg.matches(inm) {
		c.Response().ResetBody()
		c.Status(fiber.StatusNotModified)
		return nil
	}
	c.Status(fiber.StatusOK)
	h.SetContentType(pg.contentType)
	if pg.disposition != "" {
		h.Set(fiber.HeaderContentDisposition, pg.disposition)
	}
	if coding != "" {
		h.Set(fiber.HeaderContentEncoding, coding)
	}
	return c.Send(pg.encoded(coding))
}

// cachedPublic serves an anonymous GET of a list of ?authority= from the
// page cache, or runs the handler and keeps its 200 answer. A page made
// before the latest write is served for at most publicMaxAge (see
// pageCache). The write generation is the store's (a sole writer) or, with
// SharedPages, the database's generation of the list's authority.
func (s *Server) cachedPublic(c *fiber.Ctx, handler fiber.Handler) error {
	return s.cachedList(c, handler, false, "authority", c.Query("authority"))
}

// cachedRequestList is cachedPublic for a list of requests, which only a
// write to a request or pledge changes: with a sole writer, its page stays
// current through other writes (the background jobs write every few
// seconds; each made every list be built again).
func (s *Server) cachedRequestList(c *fiber.Ctx, handler fiber.Handler) error {
	return s.cachedList(c, handler, true, "authority", c.Query("authority"))
}

// cachedRegion is cachedPublic for a page of the region :slug, which a
// write in any of its member councils changes (with SharedPages, its
// generation is the sum of theirs).
func (s *Server) cachedRegion(c *fiber.Ctx, handler fiber.Handler) error {
	return s.cachedList(c, handler, false, "region", c.Params("slug"))
}

// cachedList serves a list page from the page cache, its generation the
// store's (only request and pledge writes count for a list of requests)
// or, with SharedPages, that of the authorities of the council or region
// slug (see sharedGeneration).
func (s *Server) cachedList(c *fiber.Ctx, handler fiber.Handler, requests bool, kind, slug string) error {
	if actor(c) != nil {
		return handler(c)
	}
	lookup := func() ([]string, error) {
		if kind == "region" {
			return s.svc.PageRegion(c.UserContext(), slug)
		}
		id, err := s.svc.PageAuthority(c.UserContext(), slug)
		return []string{id}, err
	}
	rule := pageRule{route: c.Route().Path, requests: requests, cacheControl: listCacheControl}
	var gen, changed uint64
	switch {
	case s.cfg.Generations != nil:
		gen, changed = s.cfg.Generations.Generation(), listChanged(s.cfg.Generations, rule)
	case s.cfg.SharedPages:
		var ok bool
		if gen, ok = s.sharedGeneration(c, kind+":"+slug, lookup); ok {
			changed = gen
			break
		}
		fallthrough
	default:
		return uncachedPublic(c, handler, listCacheControl)
	}
	now := time.Now()
	return s.cachedPage(c, handler, rule, gen, now, true, func(pageGen uint64, made time.Time) bool {
		return listFresh(pageGen, made, changed, now)
	})
}

// cachedRequest serves an anonymous GET of one request from the page
// cache while no write has changed that request or its pledges since the
// page was made (exact: no age), or runs the handler and keeps its 200
// answer. Under a mixed load most requests are untouched by the writes of
// the last second, so their pages stay valid. With SharedPages, a write
// to any object of the request's authority counts (its generation is the
// database's, per authority); the request's first page, made before its
// authority is known, is not kept.
func (s *Server) cachedRequest(c *fiber.Ctx, handler fiber.Handler) error {
	if actor(c) != nil {
		return handler(c)
	}
	var gen, changed uint64
	id := c.Params("id")
	switch g := s.cfg.Generations; {
	case g != nil:
		changed, gen = g.RequestGeneration(id), g.Generation()
	case s.cfg.SharedPages:
		key := "request:" + id
		var ok bool
		if gen, ok = s.sharedGeneration(c, key, nil); !ok {
			err := uncachedPublic(c, handler, requestCacheControl)
			if id, _ := c.Locals(pageAuthorityLocal).(string); err == nil && id != "" {
				s.rememberPageAuthority(key, id)
			}
			return err
		}
		changed = gen
	default:
		return uncachedPublic(c, handler, requestCacheControl)
	}
	return s.cachedPage(c, handler, pageRule{route: c.Route().Path, request: id, cacheControl: requestCacheControl}, gen, time.Now(), false, func(pageGen uint64, _ time.Time) bool {
		return requestFresh(pageGen, changed)
	})
}

// pageAuthorityLocal is the Locals key under which a handler of a public
// page names the authority of what it read (the request's, for
// GET /requests/:id), so that the page's next build can be stamped.
const pageAuthorityLocal = "pageAuthority"

// sharedGeneration reads the database's generation of the authorities
// whose public pages key names (a slug's list, a region's page, or one
// request): the sum of theirs, one small read each per call. Their ids are
// found once by lookup (nil: only as learnt from a page) and remembered,
// as an authority's id and a region's members never change. It reports
// false when the authorities are not known yet or a read fails: the page
// is then built and sent, not kept.
func (s *Server) sharedGeneration(c *fiber.Ctx, key string, lookup func() ([]string, error)) (uint64, bool) {
	v, ok := s.pageAuth.Load(key)
	if !ok {
		if lookup == nil {
			return 0, false
		}
		ids, err := lookup()
		if err != nil {
			return 0, false
		}
		s.rememberPageAuthority(key, ids...)
		v = ids
	}
	var sum uint64
	for _, id := range v.([]string) {
		gen, err := s.svc.PageGeneration(c.UserContext(), id)
		if err != nil {
			s.log.Warn("page generation unreadable: page not cached", "err", err)
			return 0, false
		}
		sum += gen
	}
	return sum, true
}

// rememberPageAuthority notes the authorities of key's pages; the notes
// are bounded as the pages are (a full set is dropped and learnt again).
func (s *Server) rememberPageAuthority(key string, authorityIDs ...string) {
	if s.pageAuthN.Add(1) > pageCacheMax {
		s.pageAuth.Clear()
		s.pageAuthN.Store(1)
	}
	s.pageAuth.Store(key, authorityIDs)
}

// cachedPage serves the page kept for this URL if fresh, or runs the
// handler and keeps its 200 answer stamped with gen, the generation read
// before the handler reads the store. While another caller builds the
// page, it waits for that build and takes its page if fresh; a build that
// started before this caller arrived may not be (it may miss a write this
// caller must see, or, under load, have taken over publicMaxAge), but the
// next one started after, so its page is: it waits at most twice, then
// builds its own.
func (s *Server) cachedPage(c *fiber.Ctx, handler fiber.Handler, rule pageRule, gen uint64, now time.Time, grace bool, fresh func(uint64, time.Time) bool) error {
	cacheControl := rule.cacheControl
	// The URL as received, not copied: to look up; kept only copied.
	if pg := s.pages.lookup(utils.UnsafeString(c.Request().RequestURI()), fresh); pg != nil {
		return sendPublic(c, pg, cacheControl)
	}
	key := c.OriginalURL()
	pg, wait, build := s.pages.get(key, fresh, grace, now)
	for waits := 0; wait != nil && waits < 2; waits++ {
		select {
		case <-wait:
		case <-c.UserContext().Done():
			return c.UserContext().Err()
		}
		pg, wait, build = s.pages.get(key, fresh, grace, now)
	}
	if pg != nil {
		return sendPublic(c, pg, cacheControl)
	}
	if build != nil {
		// Ended even by a panic: the callers waiting for it must not hang.
		defer func() { s.pages.done(build, gen, key, pg, rule, now) }()
	}
	if err := handler(c); err != nil {
		return err
	}
	if c.Response().StatusCode() != fiber.StatusOK {
		return nil
	}
	// Stamped with the generation read before the page was built: a
	// write committed meanwhile makes it count as stale, never fresh.
	pg = responsePage(c)
	if build == nil {
		s.pages.put(gen, key, pg, rule, now)
	}
	return sendPublic(c, pg, cacheControl)
}

// uncachedPublic answers an anonymous GET with no page cache (a store
// written by other processes too): the handler's page, with its ETag and
// coding as a kept page would have.
func uncachedPublic(c *fiber.Ctx, handler fiber.Handler, cacheControl []byte) error {
	if err := handler(c); err != nil {
		return err
	}
	if c.Response().StatusCode() != fiber.StatusOK {
		return nil
	}
	return sendPublic(c, responsePage(c), cacheControl)
}

// keptAnswer answers an anonymous GET from the page cache before the route
// table when a fresh page is kept under its exact URI (only an anonymous
// GET that went through its route, security headers, token check, limit
// and guard keeps one): the answer that route gives from the cache, after
// the same security headers and anonymous-read limit, without routing or
// the API's middleware layers (see BenchmarkPublicPageHit). Only with a
// sole writer's generations (Config.Generations): shared pages read the
// database to know if a page is fresh. It returns the route's path, or ""
// when it did not answer (the route table answers).
func (s *Server) keptAnswer(c *fiber.Ctx, now time.Time) (route string, err error) {
	g, h := s.cfg.Generations, &c.Request().Header
	if g == nil || !h.IsGet() || len(h.PeekBytes(headerAuthorization)) > 0 {
		return "", nil
	}
	e, ok := s.pages.entry(utils.UnsafeString(c.Request().RequestURI()))
	if !ok || e.publicPage == nil || e.route == "" {
		return "", nil
	}
	if fresh := e.request == "" && listFresh(e.gen, e.made, listChanged(g, e.pageRule), now) ||
		e.request != "" && requestFresh(e.gen, g.RequestGeneration(e.request)); !fresh {
		return "", nil
	}
	return e.route, recovered(func() error {
		s.setSecurityHeaders(c)
		if err := s.limitAnonymousRead(c); err != nil {
			return err
		}
		if err := sendPublic(c, e.publicPage, e.cacheControl); err != nil {
			return err
		}
		gzipAnswer(c.Context()) // as compressAnswer does
		return nil
	})
}

var headerAuthorization = []byte(fiber.HeaderAuthorization)
