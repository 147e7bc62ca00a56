package domain_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"needmatch/domain"
	"needmatch/store/sqlite"
	"needmatch/store/storetest"
)

// allocationBed is an authority with published requests, approved
// suppliers with commitment limits and offered pledges, written straight
// to the store (as a long-running council would have them).
type allocationBed struct {
	db        *sqlite.DB
	auth      *domain.Authority
	officer   *domain.Actor
	now       time.Time
	suppliers []*domain.Organisation
	pledges   []*domain.Pledge
}

func newAllocationBed(tb testing.TB, nReq, nSup, nPl int, seed uint64) *allocationBed {
	tb.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(tb.TempDir())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	bed := &allocationBed{db: db, auth: storetest.MustAuthority(tb, db, "stockport"), now: time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)}
	bed.officer = &domain.Actor{UserID: "officer-1", Role: domain.RoleOfficer, AuthorityID: bed.auth.ID}
	rng := rand.New(rand.NewPCG(seed, 3))
	ev := func(action, id string) *domain.AuditEvent {
		return domain.NewAuditEvent(bed.auth.ID, "bench", action, "test", id, nil, map[string]string{"id": id}, bed.now)
	}
	group := &domain.Organisation{ID: domain.NewID(), AuthorityID: bed.auth.ID, Authority: bed.auth.Slug, Kind: domain.KindGroup, Name: "Group", Status: domain.OrgApproved, Version: 1, CreatedAt: bed.now, UpdatedAt: bed.now}
	gu := &domain.User{ID: domain.NewID(), AuthorityID: bed.auth.ID, Authority: bed.auth.Slug, OrganisationID: group.ID, Email: "g@alloc.example", Name: "G", Role: domain.RoleGroup, PasswordHash: "x", Version: 1, CreatedAt: bed.now, UpdatedAt: bed.now}
	if err := db.Register(ctx, group, gu, []*domain.AuditEvent{ev("organisation.register", group.ID)}); err != nil {
		tb.Fatal(err)
	}
	requests := make([]*domain.Request, nReq)
	for i := range requests {
		ar := bed.auth.Areas[rng.IntN(len(bed.auth.Areas))]
		requests[i] = &domain.Request{ID: domain.NewID(), AuthorityID: bed.auth.ID, Authority: bed.auth.Slug, OrganisationID: group.ID, OrganisationName: group.Name,
			Title: fmt.Sprintf("Request %d", i), Kind: "volunteering", Area: ar.Code, AreaName: ar.Name, Quantity: 100, Unit: "hours",
			ValuePence: 20_000 + rng.Int64N(5_000_000), Deadline: bed.now.AddDate(0, 1+rng.IntN(12), rng.IntN(28)), Status: domain.ReqPublished, Version: 1, CreatedAt: bed.now, UpdatedAt: bed.now}
	}
	parallel(len(requests), func(i int) error { return db.CreateRequest(ctx, requests[i], ev("request.create", requests[i].ID)) }, tb)
	bed.suppliers = make([]*domain.Organisation, nSup)
	for i := range bed.suppliers {
		o := &domain.Organisation{ID: domain.NewID(), AuthorityID: bed.auth.ID, Authority: bed.auth.Slug, Kind: domain.KindSupplier, Name: fmt.Sprintf("Supplier %d", i),
			Status: domain.OrgApproved, Version: 1, CreatedAt: bed.now, UpdatedAt: bed.now}
		bed.suppliers[i] = o
	}
	bed.pledges = make([]*domain.Pledge, nPl)
	pledged := make([]int64, nSup)
	for i := range bed.pledges {
		si := rng.IntN(nSup)
		r := requests[rng.IntN(nReq)]
		v := r.ValuePence * int64(10+rng.IntN(111)) / 100
		pledged[si] += v
		created := bed.now.AddDate(0, 0, -rng.IntN(60))
		bed.pledges[i] = &domain.Pledge{ID: domain.NewID(), AuthorityID: bed.auth.ID, Authority: bed.auth.Slug, RequestID: r.ID, RequestTitle: r.Title, RequestOrgID: r.OrganisationID,
			OrganisationID: bed.suppliers[si].ID, OrganisationName: bed.suppliers[si].Name, Offer: "Hours", Quantity: v / 1000, Unit: "GBP", ValuePence: v,
			AllowPartial: true, Area: r.Area, Status: domain.PledgeOffered, Version: 1, CreatedAt: created, UpdatedAt: created}
	}
	for i, o := range bed.suppliers {
		o.CommitmentLimitPence = max(100, pledged[i]*int64(30+rng.IntN(91))/100)
	}
	parallel(nSup, func(i int) error {
		o := bed.suppliers[i]
		u := &domain.User{ID: domain.NewID(), AuthorityID: bed.auth.ID, Authority: bed.auth.Slug, OrganisationID: o.ID, Email: fmt.Sprintf("s%d@alloc.example", i), Name: "S",
			Role: domain.RoleSupplier, PasswordHash: "x", Version: 1, CreatedAt: bed.now, UpdatedAt: bed.now}
		return db.Register(ctx, o, u, []*domain.AuditEvent{ev("organisation.register", o.ID)})
	}, tb)
	parallel(nPl, func(i int) error { return db.CreatePledge(ctx, bed.pledges[i], ev("pledge.create", bed.pledges[i].ID)) }, tb)
	return bed
}

// parallel runs fn(0..n-1) on 32 goroutines: the store groups concurrent
// writes into one transaction.
func parallel(n int, fn func(int) error, tb testing.TB) {
	var wg sync.WaitGroup
	next := make(chan int, 256)
	errs := make(chan error, 1)
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := fn(i); err != nil {
					select {
					case errs <- err:
					default:
					}
				}
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	select {
	case err := <-errs:
		tb.Fatal(err)
	default:
	}
}

// service is a service over the bed's store with its clock, recording the
// kinds of matcher runs.
func (bed *allocationBed) service() (*domain.Service, *[]string) {
	svc := domain.NewService(bed.db)
	svc.Now = func() time.Time { return bed.now }
	var kinds []string
	svc.Observe = func(kind string, _ time.Duration) { kinds = append(kinds, kind) }
	return svc, &kinds
}

// change writes the pledge with fn applied.
func (bed *allocationBed) change(tb testing.TB, i int, fn func(p *domain.Pledge)) {
	tb.Helper()
	p := bed.pledges[i]
	prev := p.Version
	fn(p)
	p.Version++
	ev := domain.NewAuditEvent(bed.auth.ID, "test", "pledge.update", "pledge", p.ID, nil, map[string]string{"id": p.ID}, bed.now)
	if err := bed.db.UpdatePledge(context.Background(), p, prev, ev); err != nil {
		tb.Fatal(err)
	}
}

// TestProposalWarmStart checks that a proposal after a pledge changes starts
// from the previous solution only when that is safe, and then proposes what
// a service with no previous solution proposes.
func TestProposalWarmStart(t *testing.T) {
	ctx := context.Background()
	bed := newAllocationBed(t, 40, 8, 200, 1)
	svc, kinds := bed.service()
	propose := func(step string, wantKind string) {
		t.Helper()
		*kinds = nil
		got, err := svc.ProposeAllocation(ctx, bed.officer, 0)
		if err != nil {
			t.Fatal(step, err)
		}
		if len(*kinds) != 1 || (*kinds)[0] != wantKind {
			t.Fatalf("%s: matcher runs %v, want [%s]", step, *kinds, wantKind)
		}
		cold, _ := bed.service()
		want, err := cold.ProposeAllocation(ctx, bed.officer, 0)
		if err != nil {
			t.Fatal(step, err)
		}
		if got.Objective != want.Objective || got.ApprovedPence != want.ApprovedPence || got.Optimal != want.Optimal || got.Bound != want.Bound {
			t.Fatalf("%s: objective %d approved %d (optimal %v, bound %d), from nothing %d approved %d (optimal %v, bound %d)", step,
				got.Objective, got.ApprovedPence, got.Optimal, got.Bound, want.Objective, want.ApprovedPence, want.Optimal, want.Bound)
		}
		if len(got.Items) != len(want.Items) {
			t.Fatalf("%s: %d items, from nothing %d", step, len(got.Items), len(want.Items))
		}
		wantItem := map[string]domain.AllocationItem{}
		for _, it := range want.Items {
			wantItem[it.PledgeID] = it
		}
		for _, it := range got.Items {
			w := wantItem[it.PledgeID]
			if it.ApprovedPence != w.ApprovedPence || it.Reason != w.Reason || it.Explanation != w.Explanation || it.Score != w.Score || it.PledgeVersion != w.PledgeVersion {
				t.Fatalf("%s: pledge %s proposed %d (%s: %s), from nothing %d (%s: %s)", step, it.PledgeID,
					it.ApprovedPence, it.Reason, it.Explanation, w.ApprovedPence, w.Reason, w.Explanation)
			}
		}
	}
	propose("first", "allocate")
	propose("nothing changed", "allocate_warm")
	for k, i := range []int{3, 50, 120, 7, 199} {
		bed.change(t, i, func(p *domain.Pledge) { p.ValuePence = p.ValuePence*int64(40+30*k)/100 + 1 })
		propose(fmt.Sprintf("value of pledge %d changed", i), "allocate_warm")
	}
	bed.change(t, 11, func(p *domain.Pledge) { p.Status = domain.PledgeWithdrawn })
	propose("a pledge withdrawn", "allocate_warm")
	bed.change(t, 11, func(p *domain.Pledge) { p.Status = domain.PledgeOffered })
	propose("the pledge offered again", "allocate_warm")
	// a supplier's limit is not a pledge: solved from nothing
	o := bed.suppliers[2]
	prev := o.Version
	o.CommitmentLimitPence /= 2
	o.Version++
	if err := bed.db.UpdateOrganisation(ctx, o, prev, domain.NewAuditEvent(bed.auth.ID, "test", "organisation.update", "organisation", o.ID, nil, map[string]string{"id": o.ID}, bed.now)); err != nil {
		t.Fatal(err)
	}
	propose("a supplier's limit changed", "allocate")
	propose("nothing changed since", "allocate_warm")
	// the scores move with the clock (urgency): too many changes to reuse
	bed.now = bed.now.AddDate(0, 0, 3)
	propose("three days later", "allocate")
	// a whole pledge needs the integer search
	bed.change(t, 20, func(p *domain.Pledge) { p.AllowPartial = false })
	propose("a pledge made whole", "allocate")
	bed.change(t, 20, func(p *domain.Pledge) { p.AllowPartial = true })
	propose("partial again", "allocate")
	propose("and again", "allocate_warm")
}

// BenchmarkProposeAllocation times a proposal through the service (store
// reads, scoring, the matcher, explanations, storing the proposal) from
// nothing ("cold") and after one pledge changed ("warm"), and reports the
// matcher's part as solve-ms. NEEDMATCH_BENCH_PLEDGES sets the size
// (requests a fifth of it, suppliers a twentieth; default 100,000).
func BenchmarkProposeAllocation(b *testing.B) {
	np := 100_000
	if v, err := strconv.Atoi(os.Getenv("NEEDMATCH_BENCH_PLEDGES")); err == nil && v > 0 {
		np = v
	}
	bed := newAllocationBed(b, np/5, max(np/20, 1), np, 1)
	ctx := context.Background()
	run := func(b *testing.B, warm bool) {
		svc := domain.NewService(bed.db)
		svc.Now = func() time.Time { return bed.now }
		var solve time.Duration
		svc.Observe = func(_ string, d time.Duration) { solve += d }
		if _, err := svc.ProposeAllocation(ctx, bed.officer, 0); err != nil {
			b.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(9, 9))
		solve = 0
		b.ResetTimer()
		for b.Loop() {
			b.StopTimer()
			if !warm {
				svc = domain.NewService(bed.db)
				svc.Now = func() time.Time { return bed.now }
				svc.Observe = func(_ string, d time.Duration) { solve += d }
			}
			bed.change(b, rng.IntN(len(bed.pledges)), func(p *domain.Pledge) { p.ValuePence = max(100, p.ValuePence*int64(50+rng.IntN(100))/100) })
			b.StartTimer()
			if _, err := svc.ProposeAllocation(ctx, bed.officer, 0); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(solve.Microseconds())/1000/float64(b.N), "solve-ms/op")
	}
	b.Run("cold", func(b *testing.B) { run(b, false) })
	b.Run("warm", func(b *testing.B) { run(b, true) })
}
