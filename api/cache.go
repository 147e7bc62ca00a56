package api

import (
	"sync"

	"github.com/gofiber/fiber/v2"

	"needmatch/domain"
)

// pageCache keeps encoded public list pages for as long as the store's
// generation does not change. It is used only with a store that is the sole
// writer of its data (domain.Generationer): any committed write empties it.
type pageCache struct {
	mu    sync.Mutex
	gen   uint64
	pages map[string][]byte
}

const pageCacheMax = 20_000 // about 15 MB of pages at most

func (p *pageCache) get(gen uint64, key string) ([]byte, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.gen != gen {
		p.gen, p.pages = gen, nil
		return nil, false
	}
	b, ok := p.pages[key]
	return b, ok
}

func (p *pageCache) put(gen uint64, key string, b []byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.gen != gen {
		return // a write committed while this page was read: do not keep it
	}
	if p.pages == nil || len(p.pages) >= pageCacheMax {
		p.pages = map[string][]byte{}
	}
	p.pages[key] = b
}

// cachedPublic serves an anonymous GET from the page cache, or runs the
// handler and keeps its 200 answer.
func (s *Server) cachedPublic(c *fiber.Ctx, handler fiber.Handler) error {
	g, ok := s.svc.Store.(domain.Generationer)
	if !ok || actor(c) != nil {
		return handler(c)
	}
	gen := g.Generation()
	key := c.OriginalURL()
	if b, ok := s.pages.get(gen, key); ok {
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
		return c.Send(b)
	}
	if err := handler(c); err != nil {
		return err
	}
	if c.Response().StatusCode() == fiber.StatusOK {
		s.pages.put(gen, key, append([]byte(nil), c.Response().Body()...))
	}
	return nil
}
