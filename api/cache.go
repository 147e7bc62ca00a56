package api

import (
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
)

// pageCache keeps encoded public pages (anonymous GETs of requests). It is
// used only when the wiring gives a source of write generations
// (Config.Generations: a store that is the sole writer of its data). A page of one request is kept until a write
// changes that request or its pledges (exact). A page of a list made at the
// current generation is exact; one made before the latest write is served
// for at most publicMaxAge, and while one caller rebuilds it, for at most
// rebuildGrace more to everyone else, so that the public listing lags
// writes by under a second and a half instead of being rebuilt on every
// write (under a mixed load that starved the writes), and an expiring list
// is rebuilt once, not by every caller that arrives meanwhile.
// Signed-in callers always read the store.
type pageCache struct {
	mu    sync.Mutex
	pages map[string]cachedPage
}

type cachedPage struct {
	gen  uint64
	made time.Time
	body []byte
	// rebuilding is when a caller started rebuilding this stale page.
	rebuilding time.Time
}

const (
	pageCacheMax = 20_000 // about 15 MB of pages at most
	publicMaxAge = time.Second
	rebuildGrace = 500 * time.Millisecond
)

// get returns the page kept under key if fresh(its generation, when made).
// With grace, a stale page under publicMaxAge+rebuildGrace old is returned
// while another caller rebuilds it; the first caller to find it stale gets
// no page and is the one to rebuild.
func (p *pageCache) get(key string, fresh func(gen uint64, made time.Time) bool, grace bool, now time.Time) ([]byte, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	c, ok := p.pages[key]
	switch {
	case !ok:
		return nil, false
	case fresh(c.gen, c.made):
		return c.body, true
	case !grace || now.Sub(c.made) > publicMaxAge+rebuildGrace:
		return nil, false
	case !c.rebuilding.IsZero() && now.Sub(c.rebuilding) < rebuildGrace:
		return c.body, true
	}
	c.rebuilding = now
	p.pages[key] = c
	return nil, false
}

func (p *pageCache) put(gen uint64, key string, b []byte, now time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.pages == nil || len(p.pages) >= pageCacheMax {
		p.pages = map[string]cachedPage{}
	}
	p.pages[key] = cachedPage{gen: gen, made: now, body: b}
}

// cachedPublic serves an anonymous GET of a list from the page cache, or
// runs the handler and keeps its 200 answer. A page made before the latest
// write is served for at most publicMaxAge (see pageCache).
func (s *Server) cachedPublic(c *fiber.Ctx, handler fiber.Handler) error {
	g := s.cfg.Generations
	if g == nil || actor(c) != nil {
		return handler(c)
	}
	gen, now := g.Generation(), time.Now()
	return s.cachedPage(c, handler, gen, now, true, func(pageGen uint64, made time.Time) bool {
		return pageGen == gen || now.Sub(made) <= publicMaxAge
	})
}

// cachedRequest serves an anonymous GET of one request from the page
// cache while no write has changed that request or its pledges since the
// page was made (exact: no age), or runs the handler and keeps its 200
// answer. Under a mixed load most requests are untouched by the writes of
// the last second, so their pages stay valid.
func (s *Server) cachedRequest(c *fiber.Ctx, handler fiber.Handler) error {
	g := s.cfg.Generations
	if g == nil || actor(c) != nil {
		return s.cachedPublic(c, handler)
	}
	changed := g.RequestGeneration(c.Params("id"))
	return s.cachedPage(c, handler, g.Generation(), time.Now(), false, func(pageGen uint64, _ time.Time) bool {
		return pageGen >= changed
	})
}

// cachedPage serves the page kept for this URL if fresh, or runs the
// handler and keeps its 200 answer stamped with gen, the generation read
// before the handler reads the store.
func (s *Server) cachedPage(c *fiber.Ctx, handler fiber.Handler, gen uint64, now time.Time, grace bool, fresh func(uint64, time.Time) bool) error {
	key := c.OriginalURL()
	if b, ok := s.pages.get(key, fresh, grace, now); ok {
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
		return c.Send(b)
	}
	if err := handler(c); err != nil {
		return err
	}
	if c.Response().StatusCode() == fiber.StatusOK {
		// Stamped with the generation read before the page was built: a
		// write committed meanwhile makes it count as stale, never fresh.
		s.pages.put(gen, key, append([]byte(nil), c.Response().Body()...), now)
	}
	return nil
}
