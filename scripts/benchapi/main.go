// Command benchapi seeds the embedded store with requests and pledges and
// measures the API on loopback next to a bare fiber endpoint that returns the
// same JSON from memory. It prints requests per second and p50/p99 latency.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"runtime/pprof"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"

	"needmatch/app"
	"needmatch/domain"
	"needmatch/domain/seeddata"
)

func main() {
	nReq := flag.Int("requests", 10000, "requests to seed")
	nPledge := flag.Int("pledges", 30000, "pledges to seed")
	conns := flag.Int("conns", 64, "concurrent connections")
	dur := flag.Duration("duration", 10*time.Second, "time per endpoint")
	dir := flag.String("dir", "", "data dir (default: a temp dir)")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the measuring phase")
	seedOnly := flag.Bool("seed-only", false, "seed -dir and stop, for `needmatch serve` to serve it to an outside load generator (writes ids and a supplier token to -out)")
	outDir := flag.String("out", "", "with -seed-only: folder for ids.txt, lists.txt and token.txt")
	tokenOnly := flag.Bool("token-only", false, "write a new supplier token for -dir, seeded before, to -out's token.txt (a seed kept for later runs outlives its token)")
	bareAddr := flag.String("bare", "", "serve, on this address, the pages the load reads (-out's lists.txt and ids.txt) as fetched from -from, from memory, with a bare fiber app")
	from := flag.String("from", "", "with -bare: base URL of the running API")
	acceptEncoding := flag.String("accept-encoding", "", "with -bare: the Accept-Encoding the pages are fetched (and served) with")
	flag.Parse()
	if *bareAddr != "" {
		must(serveBare(*bareAddr, *from, *outDir, *acceptEncoding))
		return
	}
	if *dir == "" {
		d, err := os.MkdirTemp("", "benchapi")
		must(err)
		defer os.RemoveAll(d)
		*dir = d
	}
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	ctx := context.Background()
	// The platform as `needmatch serve` builds it, on the data dir.
	a, err := app.New(ctx, app.Config{DataDir: *dir, NoRateLimits: true, Logger: slog.Default()})
	must(err)
	defer a.Close()
	db, svc := a.Store, a.Service
	if *tokenOnly {
		checkpoint(ctx, a, *dir)
		tok, err := a.Server.IssueAccessToken(mustUser(ctx, db, "s1@bench.example"), time.Now())
		must(err)
		must(os.WriteFile(*outDir+"/token.txt", []byte(tok), 0o600))
		return
	}
	auth, _ := seeddata.Stockport()
	must(db.PutAuthority(ctx, auth))

	start := time.Now()
	officer, err := svc.CreateStaffUser(ctx, domain.StaffUserInput{Email: "officer@bench.example", Password: "bench-password-1", Name: "Officer", Role: domain.RoleOfficer, AuthoritySlug: auth.Slug})
	must(err)
	oa := &domain.Actor{UserID: officer.ID, Role: domain.RoleOfficer, AuthorityID: auth.ID}
	mk := func(role, email string) *domain.Actor {
		u, o, err := svc.Register(ctx, domain.RegisterInput{Email: email, Password: "bench-password-1", Name: email, Role: role, OrgName: "Org " + email, AuthoritySlug: auth.Slug, EmailVerified: true})
		must(err)
		_, err = svc.DecideOrganisation(ctx, oa, o.ID, true, "")
		must(err)
		return &domain.Actor{UserID: u.ID, Role: role, AuthorityID: auth.ID, OrganisationID: o.ID}
	}
	groups := []*domain.Actor{mk(domain.RoleGroup, "g1@bench.example"), mk(domain.RoleGroup, "g2@bench.example")}
	suppliers := []*domain.Actor{mk(domain.RoleSupplier, "s1@bench.example"), mk(domain.RoleSupplier, "s2@bench.example")}
	kinds := domain.RequestKinds
	ids := make([]string, *nReq)
	parallel(*nReq, 32, func(i int) {
		g := groups[i%len(groups)]
		title := fmt.Sprintf("Request %d: help for the community in ward %d", i, i%21)
		desc := "Generated for the API benchmark."
		kind, area := kinds[i%len(kinds)], auth.Areas[i%len(auth.Areas)].Code
		q, unit, v := int64(1+i%50), "items", int64(10_000+i%1000*100)
		dl := time.Now().AddDate(1, 0, 0)
		r, err := svc.CreateRequest(ctx, g, domain.RequestInput{Title: &title, Description: &desc, Kind: &kind, Area: &area, Quantity: &q, Unit: &unit, ValuePence: &v, Deadline: &dl})
		must(err)
		_, err = svc.MoveRequest(ctx, g, r.ID, domain.RequestSubmit, "")
		must(err)
		_, err = svc.MoveRequest(ctx, oa, r.ID, domain.RequestPublish, "")
		must(err)
		ids[i] = r.ID
	})
	parallel(*nPledge, 32, func(i int) {
		_, err := svc.CreatePledge(ctx, suppliers[i%2], ids[i%len(ids)], domain.PledgeInput{Offer: "Bench pledge", Quantity: 1, Unit: "day", ValuePence: 5000})
		must(err)
	})
	fmt.Printf("seeded %d requests and %d pledges in %s\n", *nReq, *nPledge, time.Since(start).Round(time.Millisecond))

	srv := a.Server
	supplierTok, err := srv.IssueAccessToken(mustUser(ctx, db, "s1@bench.example"), time.Now())
	must(err)
	// Filters whose pages are full: request i has kind i%6 and ward i%21, so
	// the 42 combinations j = i%42 each hold about 1/42 of the requests.
	filter := func(i int) string {
		j := i % 42
		return fmt.Sprintf("/api/v1/requests?kind=%s&area=%s", kinds[j%len(kinds)], auth.Areas[j%21].Code)
	}
	if *seedOnly {
		// Signed with the data dir's secret, which serve reads too; tokens
		// last 15 minutes: enough for a load run.
		lists := make([]string, 42)
		for i := range lists {
			lists[i] = filter(i)
		}
		must(os.WriteFile(*outDir+"/ids.txt", []byte(strings.Join(ids, "\n")+"\n"), 0o600))
		must(os.WriteFile(*outDir+"/lists.txt", []byte(strings.Join(lists, "\n")+"\n"), 0o600))
		must(os.WriteFile(*outDir+"/token.txt", []byte(supplierTok), 0o600))
		checkpoint(ctx, a, *dir)
		return
	}
	base := serve(srv.App)

	// The bare endpoint returns the same first page, from memory.
	page := get(base + filter(0))
	bare := fiber.New(fiber.Config{DisableStartupMessage: true})
	bare.Get("/requests", func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
		return c.Send(page)
	})
	bareBase := serve(bare)

	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		must(err)
		must(pprof.StartCPUProfile(f))
		defer pprof.StopCPUProfile()
	}
	fmt.Printf("first page: %d bytes\n", len(page))
	fmt.Printf("\n%d connections, %s per endpoint, loopback, GOMAXPROCS=%d\n", *conns, *dur, runtimeProcs())
	fmt.Printf("%-44s %10s %9s %9s %7s\n", "endpoint", "req/s", "p50 ms", "p99 ms", "errors")
	bareRPS := run("bare fiber, same JSON from memory", *conns, *dur, func(int) (*http.Request, int) {
		r, _ := http.NewRequest("GET", bareBase+"/requests", nil)
		return r, 200
	})
	listRPS := run("GET /requests?kind&area (first page)", *conns, *dur, func(i int) (*http.Request, int) {
		r, _ := http.NewRequest("GET", base+filter(i), nil)
		return r, 200
	})
	getRPS := run("GET /requests/:id", *conns, *dur, func(i int) (*http.Request, int) {
		r, _ := http.NewRequest("GET", base+"/api/v1/requests/"+ids[rand.IntN(len(ids))], nil)
		return r, 200
	})
	run("POST /requests/:id/pledges", *conns, *dur, func(i int) (*http.Request, int) {
		r, _ := http.NewRequest("POST", base+"/api/v1/requests/"+ids[rand.IntN(len(ids))]+"/pledges",
			stringsReader(`{"offer":"Load test pledge","quantity":2,"unit":"days","valuePence":12000}`))
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("Authorization", "Bearer "+supplierTok)
		return r, 201
	})
	fmt.Printf("\nread endpoints vs bare: list %.0f%%, get %.0f%% (target >= 30%%)\n", 100*listRPS/bareRPS, 100*getRPS/bareRPS)
}

func runtimeProcs() int { return runtimeGOMAXPROCS() }

func mustUser(ctx context.Context, db domain.Store, email string) string {
	u, err := db.UserByEmail(ctx, email)
	must(err)
	return u.ID
}

func serve(app *fiber.App) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(err)
	go func() { _ = app.Listener(ln) }()
	return "http://" + ln.Addr().String()
}

func get(url string) []byte {
	resp, err := http.Get(url)
	must(err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	must(err)
	return b
}

func parallel(n, workers int, fn func(i int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				fn(i)
			}
		}()
	}
	wg.Wait()
}

// run drives conns closed-loop clients for d and prints the figures.
func run(name string, conns int, d time.Duration, mk func(i int) (*http.Request, int)) float64 {
	// No Accept-Encoding: the bare endpoint sends the plain bytes, so the API
	// must too for the two to be compared (Go's client would ask for gzip and
	// spend the shared cores decompressing).
	tr := &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns, DisableCompression: true}
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	defer tr.CloseIdleConnections()
	var mu sync.Mutex
	var lat []time.Duration
	var errs atomic.Int64
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	for c := 0; c < conns; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			local := make([]time.Duration, 0, 4096)
			for i := c; time.Now().Before(deadline); i += conns {
				req, want := mk(i)
				t0 := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					errs.Add(1)
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				local = append(local, time.Since(t0))
				if resp.StatusCode != want {
					errs.Add(1)
				}
			}
			mu.Lock()
			lat = append(lat, local...)
			mu.Unlock()
		}(c)
	}
	wg.Wait()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) float64 {
		if len(lat) == 0 {
			return 0
		}
		return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000
	}
	rps := float64(len(lat)) / d.Seconds()
	fmt.Printf("%-44s %10.0f %9.2f %9.2f %7d\n", name, rps, pct(0.50), pct(0.99), errs.Load())
	return rps
}

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchapi:", err)
		os.Exit(1)
	}
}

// checkpoint signs the seed's audit chains as serve's checkpoint job does,
// with the data dir's key: serve then reads only the events after them.
// (Unsigned, the whole chain of a seed, 30,000 pledges and more, was read
// and verified at serve's start, during the bare endpoint's run.)
func checkpoint(ctx context.Context, a *app.App, dir string) {
	key, err := app.AuditKey(app.Config{DataDir: dir})
	must(err)
	a.Service.AuditKey = key
	_, err = a.Service.WriteCheckpoints(ctx, time.Now())
	must(err)
}
