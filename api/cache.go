package api

import (
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"needmatch/domain"
)

// pageCache keeps encoded public pages (anonymous GETs of requests). It is
// used only with a store that is the sole writer of its data
// (domain.Generationer). A page made at the current generation is exact; a
// page made before the latest write is served for at most publicMaxAge, so
// the public listing lags writes by under a second instead of being rebuilt
// on every write (under a mixed load that rebuilding starved the writes).
// Signed-in callers always read the store.
type pageCache struct {
	mu    sync.Mutex
	pages map[string]cachedPage
}

type cachedPage struct {
	gen  uint64
	made time.Time
	body []byte
}

const (
	pageCacheMax = 20_000 // about 15 MB of pages at most
	publicMaxAge = time.Second
)

func (p *pageCache) get(gen uint64, key string, now time.Time) ([]byte, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	c, ok := p.pages[key]
	if !ok || (c.gen != gen && now.Sub(c.made) > publicMaxAge) {
		return nil, false
	}
	return c.body, true
}

func (p *pageCache) put(gen uint64, key string, b []byte, now time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.pages == nil || len(p.pages) >= pageCacheMax {
		p.pages = map[string]cachedPage{}
	}
	p.pages[key] = cachedPage{gen: gen, made: now, body: b}
}

// cachedPublic serves an anonymous GET from the page cache, or runs the
// handler and keeps its 200 answer.
func (s *Server) cachedPublic(c *fiber.Ctx, handler fiber.Handler) error {
	g, ok := s.svc.Store.(domain.Generationer)
	if !ok || actor(c) != nil {
		return handler(c)
	}
	gen, now := g.Generation(), time.Now()
	key := c.OriginalURL()
	if b, ok := s.pages.get(gen, key, now); ok {
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
