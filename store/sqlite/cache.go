package sqlite

import (
	"context"
	"database/sql"
	"sync"
	"time"

	"needmatch/domain"
)

// requestCache keeps read requests keyed by id and checked against the
// version read with the row, so a stale entry is never returned: a list
// page reads only the ids and versions of its rows and the columns of those
// the cache does not hold (reading every column of every row took three
// times the allocations; BenchmarkStoreRequestList). It is bounded and per
// process.
type requestCache struct {
	mu  sync.RWMutex
	m   map[string]*domain.Request
	max int
}

func newRequestCache(max int) *requestCache {
	return &requestCache{m: make(map[string]*domain.Request, 1024), max: max}
}

// get returns a copy of the cached request when its version matches.
func (c *requestCache) get(id string, version int64) (*domain.Request, bool) {
	c.mu.RLock()
	r, ok := c.m[id]
	c.mu.RUnlock()
	if !ok || r.Version != version {
		return nil, false
	}
	cp := *r
	return &cp, true
}

func (c *requestCache) put(r *domain.Request) {
	cp := *r
	cp.PledgedPence, cp.ApprovedPence = 0, 0
	c.mu.Lock()
	if len(c.m) >= c.max {
		for k := range c.m { // drop an arbitrary entry: any one is fine for a cache
			delete(c.m, k)
			break
		}
	}
	c.m[r.ID] = &cp
	c.mu.Unlock()
}

// sumsCache keeps each request's pledged and approved totals with the
// generation read before they were summed. An entry is current while no
// committed write has changed the request or its pledges since then
// (RequestGeneration at most that generation: the writer notes every such
// change by trigger, and this process is the store's only writer), so a
// list page rebuilt after a pledge sums the pledges of the one request the
// pledge changed, not of all 50 (summing was three quarters of a list's
// cost; BenchmarkStoreRequestListAfterPledge). Bounded and per process.
type sumsCache struct {
	mu  sync.RWMutex
	m   map[string]requestSums
	max int
}

type requestSums struct {
	pledged, approved int64
	gen               uint64
}

func newSumsCache(max int) *sumsCache {
	return &sumsCache{m: make(map[string]requestSums, 1024), max: max}
}

func (c *sumsCache) get(id string) (requestSums, bool) {
	c.mu.RLock()
	s, ok := c.m[id]
	c.mu.RUnlock()
	return s, ok
}

func (c *sumsCache) put(id string, s requestSums) {
	c.mu.Lock()
	if len(c.m) >= c.max {
		for k := range c.m { // drop an arbitrary entry: any one is fine for a cache
			delete(c.m, k)
			break
		}
	}
	if prev, ok := c.m[id]; !ok || prev.gen <= s.gen {
		c.m[id] = s
	}
	c.mu.Unlock()
}

// stmt returns a prepared statement for a read query, prepared once per
// query text: parsing SQL was a tenth of a list page's cost.
func (db *DB) stmt(ctx context.Context, q string) (*sql.Stmt, error) {
	if s, ok := db.stmts.Load(q); ok {
		return s.(*sql.Stmt), nil
	}
	s, err := db.read.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	if prev, loaded := db.stmts.LoadOrStore(q, s); loaded {
		s.Close()
		return prev.(*sql.Stmt), nil
	}
	return s, nil
}

func (db *DB) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	s, err := db.stmt(ctx, q)
	if err != nil {
		return nil, err
	}
	return s.QueryContext(ctx, args...)
}

// errRow is a row whose Scan reports err (preparing the statement failed).
type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

func (db *DB) queryRow(ctx context.Context, q string, args ...any) scanner {
	s, err := db.stmt(ctx, q)
	if err != nil {
		return errRow{err}
	}
	return s.QueryRowContext(ctx, args...)
}

// authorityCache keeps authorities for a few seconds: they change rarely
// (seed, admin imports) and every anonymous list looks one up by slug.
type authorityCache struct {
	mu sync.Mutex
	m  map[string]authorityEntry
}

type authorityEntry struct {
	a  domain.Authority
	at time.Time
}

const authorityTTL = 5 * time.Second

func (c *authorityCache) get(key string) (*domain.Authority, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[key]
	if !ok || time.Since(e.at) > authorityTTL {
		return nil, false
	}
	a := e.a
	a.Areas = append([]domain.Area(nil), e.a.Areas...)
	return &a, true
}

func (c *authorityCache) put(key string, a *domain.Authority) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]authorityEntry{}
	}
	cp := *a
	cp.Areas = append([]domain.Area(nil), a.Areas...)
	c.m[key] = authorityEntry{cp, time.Now()}
}

func (c *authorityCache) clear() {
	c.mu.Lock()
	c.m = nil
	c.mu.Unlock()
}
