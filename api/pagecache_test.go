package api

import (
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"needmatch/store/sqlite"
	"needmatch/store/sqlite/sqlitetest"
)

// TestPageCacheBuildsOnce: a page is built by one caller at a time; while
// it builds, the others get the previous page within grace, or wait for
// that build, never build beside it.
func TestPageCacheBuildsOnce(t *testing.T) {
	var p pageCache
	t0 := time.Now()
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	stale := func(uint64, time.Time) bool { return false }
	gen := func(want uint64) func(uint64, time.Time) bool {
		return func(g uint64, _ time.Time) bool { return g == want }
	}
	// get1 gets "/a" and says which of the three answers it gave.
	get1 := func(fresh func(uint64, time.Time) bool, grace bool, now time.Time) (page string, wait <-chan struct{}, build chan struct{}) {
		t.Helper()
		pg, wait, build := p.get("/a", fresh, grace, now)
		if n := btoi(pg != nil) + btoi(wait != nil) + btoi(build != nil); n != 1 {
			t.Fatalf("get gave %d answers, want one of page, wait, build", n)
		}
		if pg != nil {
			page = string(pg.body)
		}
		return page, wait, build
	}

	_, _, first := get1(stale, true, t0)
	if first == nil {
		t.Fatal("the first caller of a page never built must build it")
	}
	_, wait, _ := get1(stale, true, t0)
	if wait == nil {
		t.Fatal("while the first build runs, with no page yet, a caller must wait for it")
	}
	p.done(first, 1, "/a", newPage([]byte("one")), pageRule{}, t0)
	select {
	case <-wait:
	default:
		t.Fatal("the end of the build must release the callers waiting")
	}
	if pg, _, _ := get1(gen(1), true, t0); pg != "one" {
		t.Fatalf("after the build: %q, want the built page", pg)
	}

	// Stale: one caller rebuilds; with grace the others get the old page
	// while it is under publicMaxAge+rebuildGrace old, then wait.
	_, _, second := get1(stale, true, at(1200*time.Millisecond))
	if second == nil {
		t.Fatal("the first caller to find the page stale must rebuild it")
	}
	if pg, _, _ := get1(stale, true, at(1300*time.Millisecond)); pg != "one" {
		t.Fatal("while one caller rebuilds, the others get the stale page within grace")
	}
	if _, wait, _ := get1(stale, false, at(1300*time.Millisecond)); wait == nil {
		t.Fatal("without grace, a caller must wait for the rebuild, not serve the stale page")
	}
	_, wait, _ = get1(stale, true, at(1600*time.Millisecond))
	if wait == nil {
		t.Fatal("past grace, a caller must wait for the rebuild running, not start another")
	}
	// A build that gives no page (an error answer) releases its waiters
	// and leaves the old page; the next caller builds again.
	p.done(second, 0, "/a", nil, pageRule{}, at(1700*time.Millisecond))
	<-wait
	_, _, third := get1(stale, true, at(1700*time.Millisecond))
	if third == nil {
		t.Fatal("after a build that kept nothing, the next caller must build")
	}
	p.done(third, 2, "/a", newPage([]byte("two")), pageRule{}, at(2*time.Second))
	if pg, _, _ := get1(gen(2), true, at(2*time.Second)); pg != "two" {
		t.Fatal("the rebuilt page must replace the stale one")
	}
	if pg, _, build := p.get("/b", stale, true, t0); pg != nil || build == nil {
		t.Fatal("a page never stored was served, or not built")
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestCachedPageBuiltOnce: callers that arrive together at a public page
// not kept yet (a list, and a request's page) run its handler once between
// them, and all get its page.
func TestCachedPageBuiltOnce(t *testing.T) {
	db, err := sqlite.Open(sqlitetest.Dir(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s := &Server{cfg: Config{Generations: db}}
	var runs atomic.Int32
	release := make(chan struct{})
	handler := func(c *fiber.Ctx) error {
		runs.Add(1)
		<-release
		return c.SendString("the page")
	}
	app := fiber.New()
	app.Get("/list", func(c *fiber.Ctx) error { return s.cachedPublic(c, handler) })
	app.Get("/requests/:id", func(c *fiber.Ctx) error { return s.cachedRequest(c, handler) })
	for _, path := range []string{"/list", "/requests/r1"} {
		runs.Store(0)
		release = make(chan struct{})
		const callers = 20
		bodies := make(chan string, callers)
		var wg sync.WaitGroup
		for range callers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				resp, err := app.Test(httptest.NewRequest("GET", path, nil), 10_000)
				if err != nil {
					bodies <- err.Error()
					return
				}
				defer resp.Body.Close()
				b := make([]byte, 64)
				n, _ := resp.Body.Read(b)
				bodies <- string(b[:n])
			}()
		}
		// Time for the callers to arrive while the first build is held.
		time.Sleep(300 * time.Millisecond)
		close(release)
		wg.Wait()
		close(bodies)
		for b := range bodies {
			if b != "the page" {
				t.Fatalf("%s: a caller got %q", path, b)
			}
		}
		if n := runs.Load(); n != 1 {
			t.Fatalf("%s: %d callers ran the handler %d times, want 1", path, callers, n)
		}
	}
}
