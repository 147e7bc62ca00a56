// Command benchledger seeds the embedded store with an authority's social
// value records (by default 100,000 pledges and 200,000 delivery reports
// over 50 contracts, 500 suppliers and the 21 Stockport wards, two years
// of months) through the store's own write path, then times the full
// ledger: totals and every contract, supplier, ward, theme and month, in
// pence and units, computed from the records each time.
//
// With -mongodb it does the same on the MongoDB store: the server at
// MONGODB_URI, or a FerretDB v1 (SQLite handler) started in the process.
// FerretDB is not MongoDB (every query scans its collection, see
// DESIGN.md): its figures say how the store's reads scale with the
// records it must touch, not what a MongoDB replica set would take.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/pprof"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"needmatch/app"
	"needmatch/domain"
	"needmatch/domain/seeddata"
	"needmatch/internal/ferret"
)

func main() {
	nPledges := flag.Int("pledges", 100_000, "pledges to seed")
	nDeliveries := flag.Int("deliveries", 200_000, "delivery reports to seed")
	nSuppliers := flag.Int("suppliers", 500, "suppliers")
	nContracts := flag.Int("contracts", 50, "contracts")
	reps := flag.Int("reps", 10, "ledger computations to time")
	dir := flag.String("dir", "", "data dir (default: a temp dir, removed after); an existing seeded dir is reused")
	target := flag.Duration("target", 300*time.Millisecond, "target time of one ledger")
	fresh := flag.Int("fresh", 1000, "pledges written just before one more ledger (read at once after them)")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the timed ledgers to this file")
	mongodb := flag.Bool("mongodb", false, "use the MongoDB store: MONGODB_URI (database benchledger), or a FerretDB v1 started here (not MongoDB: see the package doc)")
	flag.Parse()
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if *dir == "" {
		d, err := os.MkdirTemp("", "bench-ledger-")
		check(err)
		defer os.RemoveAll(d)
		*dir = d
	}
	ctx := context.Background()
	// The platform as `needmatch serve` builds it, on the data dir.
	cfg := app.Config{DataDir: *dir, Logger: slog.Default()}
	if *mongodb {
		uri := os.Getenv("MONGODB_URI")
		if uri == "" {
			u, stop, err := ferret.Start()
			check(err)
			defer stop()
			uri = u
			fmt.Println("store: MongoDB store on FerretDB v1 (SQLite handler) started here: not MongoDB, every query scans its collection")
		} else {
			fmt.Println("store: MongoDB store on MONGODB_URI")
		}
		writers = 2
		cfg.MongoURI, cfg.MongoDB, cfg.JWTSecret = uri, "benchledger", "bench-ledger-secret-bench-ledger-secret-0123456789"
	} else {
		fmt.Println("store: embedded SQLite in", *dir)
	}
	a, err := app.New(ctx, cfg)
	check(err)
	defer a.Close()
	db, svc := a.Store, a.Service
	auth, err := seeddata.Stockport()
	check(err)
	if existing, err := db.AuthorityBySlug(ctx, auth.Slug); err == nil {
		auth = existing
	} else {
		check(db.PutAuthority(ctx, auth))
	}
	officer := &domain.Actor{UserID: "bench", Role: domain.RoleOfficer, AuthorityID: auth.ID, Email: "bench@example.org"}
	if n := count(ctx, db, auth.ID); n < *nPledges {
		start := time.Now()
		seed(ctx, svc, db, auth, *nPledges, *nDeliveries, *nSuppliers, *nContracts)
		fmt.Printf("seeded %d pledges and %d deliveries in %v\n", *nPledges, *nDeliveries, time.Since(start).Round(time.Second))
	}
	// The serving processes refresh the rollups in a leased job; here the
	// writes above are added up once before the ledgers are timed.
	t0 := time.Now()
	check(db.RefreshRollups(ctx))
	fmt.Printf("rollups refreshed in %v\n", time.Since(t0).Round(time.Millisecond))
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		check(err)
		check(pprof.StartCPUProfile(f))
		defer pprof.StopCPUProfile()
	}
	var sums, full, cpu []time.Duration
	var l *domain.Ledger
	for i := 0; i < *reps; i++ {
		t0 := time.Now()
		_, err := db.LedgerSums(ctx, domain.LedgerFilter{AuthorityID: auth.ID})
		check(err)
		sums = append(sums, time.Since(t0))
		t0, c0 := time.Now(), cpuTime()
		l, err = svc.Ledger(ctx, officer, domain.LedgerFilter{})
		check(err)
		full = append(full, time.Since(t0))
		cpu = append(cpu, cpuTime()-c0)
	}
	fmt.Printf("ledger of %s: %d contracts, %d suppliers, %d wards, %d themes, %d months\n", auth.Slug, len(l.ByContract), len(l.BySupplier), len(l.ByWard), len(l.ByTheme), len(l.ByMonth))
	fmt.Printf("totals: pledged %d, approved %d, delivered %d, confirmed %d, verified %d, gap %d (pence)\n",
		l.Totals.PledgedPence, l.Totals.ApprovedPence, l.Totals.DeliveredPence, l.Totals.ConfirmedPence, l.Totals.VerifiedPence, l.Totals.GapPence)
	fmt.Printf("store sums (LedgerSums alone): median %v, best %v\n", median(sums), best(sums))
	fmt.Printf("full ledger (service, with labels and links): median %v, best %v (target %v)\n", median(full), best(full), *target)
	fmt.Printf("CPU per full ledger (user+system, all threads): median %v on %d CPUs; load average now %s\n", median(cpu), runtime.NumCPU(), loadavg())
	// The ledger of the financial year with most records: its quarters'
	// rollups.
	if len(l.ByYear) > 0 {
		busiest := l.ByYear[0]
		for _, y := range l.ByYear {
			if y.PledgedPence > busiest.PledgedPence {
				busiest = y
			}
		}
		var byFY, fyCPU []time.Duration
		for i := 0; i < *reps; i++ {
			t0, c0 := time.Now(), cpuTime()
			_, err := svc.Ledger(ctx, officer, domain.LedgerFilter{FY: busiest.Key})
			check(err)
			byFY = append(byFY, time.Since(t0))
			fyCPU = append(fyCPU, cpuTime()-c0)
		}
		fmt.Printf("ledger of financial year %s (%d directorates, %d years in all): median %v, best %v; CPU median %v; load average now %s\n",
			busiest.Label, len(l.ByDirectorate), len(l.ByYear), median(byFY), best(byFY), median(fyCPU), loadavg())
	}
	if *fresh > 0 {
		// Copies of existing pledges made now, then the ledger at once (a
		// store that refreshes its rollups later reads their keys from the
		// records meanwhile).
		ps, _, err := db.FindLedgerPledges(ctx, domain.LedgerPledgeFilter{LedgerFilter: domain.LedgerFilter{AuthorityID: auth.ID}, Page: domain.Page{Limit: *fresh}})
		check(err)
		now := time.Now().UTC()
		parallel(len(ps), func(i int) {
			p := *ps[i]
			p.ID, p.Version, p.CreatedAt, p.UpdatedAt = domain.NewID(), 1, now, now
			check(db.CreatePledge(ctx, &p, domain.NewAuditEvent(auth.ID, "bench", "pledge.create", "bench", p.ID, nil, map[string]string{"id": p.ID}, now)))
		})
		t0 := time.Now()
		_, err = svc.Ledger(ctx, officer, domain.LedgerFilter{})
		check(err)
		fmt.Printf("full ledger right after %d pledge writes: %v\n", len(ps), time.Since(t0).Round(100*time.Microsecond))
	}
	if median(full) > *target {
		fmt.Println("OVER TARGET")
		os.Exit(1)
	}
}

func count(ctx context.Context, db domain.Store, authID string) int {
	n := 0
	f := domain.LedgerPledgeFilter{LedgerFilter: domain.LedgerFilter{AuthorityID: authID}, Page: domain.Page{Limit: 10_000}}
	for {
		ps, next, err := db.FindLedgerPledges(ctx, f)
		check(err)
		n += len(ps)
		if next == "" {
			return n
		}
		f.After = next
	}
}

func seed(ctx context.Context, svc *domain.Service, db domain.Store, auth *domain.Authority, nPledges, nDeliveries, nSuppliers, nContracts int) {
	rng := rand.New(rand.NewPCG(1, 2))
	_, err := svc.SeedExampleMeasures(ctx, auth.ID)
	check(err)
	cat, err := db.CurrentCatalogue(ctx, auth.ID)
	check(err)
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	ev := func(action, obj string) *domain.AuditEvent {
		return domain.NewAuditEvent(auth.ID, "bench", action, "bench", obj, nil, map[string]string{"id": obj}, t0)
	}
	var contracts []*domain.Contract
	for i := 0; i < nContracts; i++ {
		c := &domain.Contract{ID: domain.NewID(), AuthorityID: auth.ID, Authority: auth.Slug, Reference: fmt.Sprintf("BENCH-%03d", i), Title: "Bench contract", ValuePence: 10_000_000,
			Stage: domain.StageLive, Version: 1, CreatedAt: t0, UpdatedAt: t0}
		check(db.CreateContract(ctx, c, ev("contract.create", c.ID)))
		contracts = append(contracts, c)
	}
	type org struct{ id, name string }
	groups := make([]org, 100)
	suppliers := make([]org, nSuppliers)
	for i := range groups {
		groups[i] = org{domain.NewID(), fmt.Sprintf("Group %d", i)}
	}
	for i := range suppliers {
		o := &domain.Organisation{ID: domain.NewID(), AuthorityID: auth.ID, Authority: auth.Slug, Kind: domain.KindSupplier, Name: fmt.Sprintf("Supplier %d", i), Status: domain.OrgApproved, Version: 1, CreatedAt: t0, UpdatedAt: t0}
		u := &domain.User{ID: domain.NewID(), AuthorityID: auth.ID, Authority: auth.Slug, OrganisationID: o.ID, Email: fmt.Sprintf("s%d-%s@bench.example", i, o.ID), Name: "S", Role: domain.RoleSupplier, PasswordHash: "x", Version: 1, CreatedAt: t0, UpdatedAt: t0}
		check(db.Register(ctx, o, u, []*domain.AuditEvent{ev("organisation.register", o.ID)}))
		suppliers[i] = org{o.ID, o.Name}
	}
	// 2,000 requests, or one per 50 pledges when fewer (the small seeds of
	// -mongodb on FerretDB, where each write takes a scan of the audit trail).
	requests := make([]*domain.Request, max(10, min(2000, nPledges/50)))
	for i := range requests {
		g := groups[i%len(groups)]
		ar := auth.Areas[rng.IntN(len(auth.Areas))]
		r := &domain.Request{ID: domain.NewID(), AuthorityID: auth.ID, Authority: auth.Slug, OrganisationID: g.id, OrganisationName: g.name, Title: fmt.Sprintf("Request %d", i),
			Kind: "volunteering", Area: ar.Code, AreaName: ar.Name, Quantity: 100, Unit: "hours", ValuePence: 1_000_000, Deadline: t0.AddDate(2, 0, 0), Status: domain.ReqPublished, Version: 1, CreatedAt: t0, UpdatedAt: t0}
		requests[i] = r
	}
	parallel(len(requests), func(i int) { check(db.CreateRequest(ctx, requests[i], ev("request.create", requests[i].ID))) })
	// Each supplier works on a few contracts.
	pledges := make([]*domain.Pledge, nPledges)
	for i := range pledges {
		si := rng.IntN(len(suppliers))
		s := suppliers[si]
		r := requests[rng.IntN(len(requests))]
		m := cat.Measures[rng.IntN(len(cat.Measures))]
		created := t0.AddDate(0, rng.IntN(24), rng.IntN(28))
		qty := int64(10 + rng.IntN(30))
		p := &domain.Pledge{ID: domain.NewID(), AuthorityID: auth.ID, Authority: auth.Slug, RequestID: r.ID, RequestTitle: r.Title, RequestOrgID: r.OrganisationID,
			OrganisationID: s.id, OrganisationName: s.name, Offer: "Bench offer", Quantity: qty, Unit: m.Unit, ValuePence: qty * m.ProxyPence,
			Area: r.Area, MeasureCode: m.Code, Theme: m.Theme, CatalogueVersion: cat.Version, ProxyPence: m.ProxyPence, Status: domain.PledgeOffered, Version: 1, CreatedAt: created, UpdatedAt: created}
		if rng.IntN(4) > 0 {
			p.ContractID = contracts[(si*3+rng.IntN(3))%len(contracts)].ID
		}
		switch x := rng.IntN(20); {
		case x < 2:
		case x == 2:
			p.Status = domain.PledgeDeclined
		case x == 3:
			p.Status = domain.PledgeWithdrawn
		default:
			due := created.AddDate(0, 6, 0)
			p.Status, p.ApprovedPence, p.DueDate = domain.PledgeApproved, p.ValuePence, &due
		}
		pledges[i] = p
	}
	parallel(len(pledges), func(i int) { check(db.CreatePledge(ctx, pledges[i], ev("pledge.create", pledges[i].ID))) })
	var approved []*domain.Pledge
	for _, p := range pledges {
		if p.Status == domain.PledgeApproved {
			approved = append(approved, p)
		}
	}
	// Deliveries: spread over the approved pledges, one to three units each,
	// never beyond what was pledged; each pledge's reports in order.
	per := make([][]int64, len(approved))
	for n := 0; n < nDeliveries; n++ {
		i := rng.IntN(len(approved))
		per[i] = append(per[i], int64(1+rng.IntN(3)))
	}
	statuses := []string{domain.DeliveryReported, domain.DeliveryConfirmed, domain.DeliveryVerified, domain.DeliveryVerified, domain.DeliveryRejected, domain.DeliveryDisputed}
	made := 0
	var mu sync.Mutex
	parallel(len(approved), func(i int) {
		p := approved[i]
		var ds []*domain.Delivery
		r := rand.New(rand.NewPCG(uint64(i), 7))
		for _, q := range per[i] {
			done := domain.DeliveredQuantity(ds)
			if done+q > p.Quantity {
				q = p.Quantity - done
			}
			if q <= 0 {
				break
			}
			date := p.CreatedAt.AddDate(0, 0, 7+r.IntN(150))
			d := &domain.Delivery{ID: domain.NewID(), AuthorityID: p.AuthorityID, PledgeID: p.ID, RequestID: p.RequestID, RequestTitle: p.RequestTitle, RequestOrgID: p.RequestOrgID,
				OrganisationID: p.OrganisationID, OrganisationName: p.OrganisationName, ContractID: p.ContractID, Area: p.Area, MeasureCode: p.MeasureCode, Theme: p.Theme,
				Unit: p.Unit, Quantity: q, ValuePence: domain.DeliveryValue(p, done, q), Date: date, EvidenceIDs: []string{}, EvidenceHashes: []string{},
				Status: statuses[r.IntN(len(statuses))], ReportedBy: "bench", Version: 1, CreatedAt: date, UpdatedAt: date}
			d.Confirmed = d.Status == domain.DeliveryConfirmed || (d.Status == domain.DeliveryVerified && r.IntN(4) > 0)
			ds = append(ds, d)
			prev := p.Version
			p.Settle(ds, date)
			check(db.CreateDelivery(ctx, d, p, prev, []*domain.AuditEvent{ev("delivery.report", d.ID)}))
			mu.Lock()
			made++
			mu.Unlock()
		}
	})
	fmt.Printf("made %d delivery reports (a report is cut where it would pass the pledged quantity)\n", made)
}

// writers is how many goroutines seed: 64 on SQLite, whose writer groups
// concurrent changes into one transaction each; 2 on MongoDB (FerretDB
// takes one connection: more writers only queue for it past the driver's
// timeout).
var writers = 64

// parallel runs fn(0..n-1) on writers goroutines.
func parallel(n int, fn func(int)) {
	var wg sync.WaitGroup
	next := make(chan int, 1024)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				fn(i)
			}
		}()
	}
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
}

func median(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2].Round(100 * time.Microsecond)
}

func best(ds []time.Duration) time.Duration {
	b := ds[0]
	for _, d := range ds {
		b = min(b, d)
	}
	return b.Round(100 * time.Microsecond)
}

// cpuTime is the process's user and system time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	return strings.Join(f[:min(3, len(f))], " ")
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench-ledger:", err)
		os.Exit(2)
	}
}
