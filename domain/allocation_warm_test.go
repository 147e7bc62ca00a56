package domain_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"reflect"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
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
	requests  []*domain.Request
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
	bed.requests = requests
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

// supplierOf is the index in bed.suppliers of pledge i's supplier.
func (bed *allocationBed) supplierOf(i int) int {
	return slices.IndexFunc(bed.suppliers, func(o *domain.Organisation) bool { return o.ID == bed.pledges[i].OrganisationID })
}

// create writes a new offered pledge of a random request and supplier,
// of money or (so that a part proposed is rounded down) of whole hours.
func (bed *allocationBed) create(tb testing.TB, rng *rand.Rand) {
	tb.Helper()
	r, o := bed.requests[rng.IntN(len(bed.requests))], bed.suppliers[rng.IntN(len(bed.suppliers))]
	v := max(100, r.ValuePence*int64(10+rng.IntN(111))/100)
	q, unit := v/1000, "GBP"
	if rng.IntN(2) == 0 {
		q, unit = int64(3+rng.IntN(40)), "hours"
	}
	p := &domain.Pledge{ID: domain.NewID(), AuthorityID: bed.auth.ID, Authority: bed.auth.Slug, RequestID: r.ID, RequestTitle: r.Title, RequestOrgID: r.OrganisationID,
		OrganisationID: o.ID, OrganisationName: o.Name, Offer: "Hours", Quantity: q, Unit: unit, ValuePence: v,
		AllowPartial: true, Area: r.Area, Status: domain.PledgeOffered, Version: 1, CreatedAt: bed.now, UpdatedAt: bed.now}
	ev := domain.NewAuditEvent(bed.auth.ID, "test", "pledge.create", "pledge", p.ID, nil, map[string]string{"id": p.ID}, bed.now)
	if err := bed.db.CreatePledge(context.Background(), p, ev); err != nil {
		tb.Fatal(err)
	}
	bed.pledges = append(bed.pledges, p)
}

// proposeBoth proposes with svc and with a fresh service over the same
// store (rows read in full, solved from nothing), checks that svc read its
// rows and ran the matcher as wanted (snapshot_caught_up or snapshot_read,
// allocate_warm or allocate; "" is either), and that both proposals are
// the same: see sameProposal.
func (bed *allocationBed) proposeBoth(t *testing.T, step string, svc *domain.Service, kinds *[]string, wantRows, wantRun string) *domain.Allocation {
	t.Helper()
	ctx := context.Background()
	*kinds = nil
	got, err := svc.ProposeAllocation(ctx, bed.officer, 0)
	if err != nil {
		t.Fatal(step, err)
	}
	if len(*kinds) != 2 || wantRows != "" && (*kinds)[0] != wantRows || wantRun != "" && (*kinds)[1] != wantRun {
		t.Fatalf("%s: runs %v, want [%s %s]", step, *kinds, wantRows, wantRun)
	}
	cold, coldKinds := bed.service()
	want, err := cold.ProposeAllocation(ctx, bed.officer, 0)
	if err != nil {
		t.Fatal(step, err)
	}
	if len(*coldKinds) != 2 || (*coldKinds)[0] != "snapshot_read" || (*coldKinds)[1] != "allocate" {
		t.Fatalf("%s: a fresh service ran %v", step, *coldKinds)
	}
	bed.sameProposal(t, step, got, want)
	// as stored (a warm proposal is kept as its differences from an
	// earlier one), it reads back as proposed
	back, err := svc.GetAllocation(ctx, bed.officer, got.ID)
	if err != nil {
		t.Fatal(step, err)
	}
	if !reflect.DeepEqual(back.Items, got.Items) || back.ApprovedPence != got.ApprovedPence || back.Objective != got.Objective {
		for i := range min(len(back.Items), len(got.Items)) {
			if back.Items[i] != got.Items[i] {
				t.Logf("%s: item %d read back %+v, made %+v", step, i, back.Items[i], got.Items[i])
				break
			}
		}
		t.Fatalf("%s: proposal read back differs from the one made", step)
	}
	return got
}

// sameProposal checks what a warm proposal promises: the objective, bound
// and approved total of a proposal from nothing, every item of it with the
// same pledge version, value and score, and an allocation within every
// request's remaining need and every supplier's limit. Where several
// allocations reach the optimum, the split among equal ones may differ
// (the warm solve starts from another basis): the items' amounts are not
// compared, the allocation is checked to be feasible instead, and its
// items to be in order and to add up to its total.
func (bed *allocationBed) sameProposal(t *testing.T, step string, got, want *domain.Allocation) {
	t.Helper()
	ctx := context.Background()
	// the items are in order (best score first, those in a bid after
	// the others, newest pledge first) and add up to the total proposed
	var sum int64
	for i, it := range got.Items {
		sum += it.ApprovedPence
		if i == 0 {
			continue
		}
		prev := got.Items[i-1]
		if prev.Score < it.Score || prev.Score == it.Score && (prev.Reason == domain.ReasonInBid && it.Reason != domain.ReasonInBid ||
			(prev.Reason == domain.ReasonInBid) == (it.Reason == domain.ReasonInBid) && prev.PledgeID <= it.PledgeID) {
			t.Fatalf("%s: item %d %+v after %+v", step, i, it, prev)
		}
	}
	if sum != got.ApprovedPence {
		t.Fatalf("%s: items add up to %d, the proposal says %d", step, sum, got.ApprovedPence)
	}
	// rounding down to whole units takes off what the split among equal
	// allocations leaves cut: with a part of whole units cut in either,
	// the totals may differ
	rounded := func(al *domain.Allocation) bool {
		return slices.ContainsFunc(al.Items, func(it domain.AllocationItem) bool {
			return domain.Countable(it.Unit) && it.ApprovedPence > 0 && it.ApprovedPence < it.ValuePence
		})
	}
	if got.Objective != want.Objective || got.ApprovedPence != want.ApprovedPence && !rounded(got) && !rounded(want) || got.Optimal != want.Optimal || got.Bound != want.Bound {
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
	byReq, bySup := map[string]int64{}, map[string]int64{}
	for _, it := range got.Items {
		w, ok := wantItem[it.PledgeID]
		if !ok || it.Score != w.Score || it.PledgeVersion != w.PledgeVersion || it.ValuePence != w.ValuePence || it.RequestTitle != w.RequestTitle || it.OrganisationName != w.OrganisationName {
			t.Fatalf("%s: item %+v, from nothing %+v", step, it, w)
		}
		if it.ApprovedPence < 0 || it.ApprovedPence > it.ValuePence {
			t.Fatalf("%s: pledge %s of %d proposed %d", step, it.PledgeID, it.ValuePence, it.ApprovedPence)
		}
		byReq[it.RequestID] += it.ApprovedPence
		bySup[it.OrganisationID] += it.ApprovedPence
	}
	for id, sum := range byReq {
		r, err := bed.db.RequestByID(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if sum > max(0, r.ValuePence-r.ApprovedPence) {
			t.Fatalf("%s: request %s proposed %d, needs %d", step, id, sum, max(0, r.ValuePence-r.ApprovedPence))
		}
	}
	open := map[string]int64{}
	for _, p := range bed.storedPledges(t) {
		if domain.IsOpenCommitment(p.Status) {
			open[p.OrganisationID] += p.ApprovedPence
		}
	}
	for id, sum := range bySup {
		o, err := bed.db.OrganisationByID(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if o.CommitmentLimitPence > 0 && sum > max(0, o.CommitmentLimitPence-open[id]) {
			t.Fatalf("%s: supplier %s proposed %d, limit %d less %d open", step, id, sum, o.CommitmentLimitPence, open[id])
		}
	}
}

// storedPledges reads every pledge of the bed's council from the store.
func (bed *allocationBed) storedPledges(t *testing.T) []*domain.Pledge {
	t.Helper()
	ps, err := domain.AllPages(func(p domain.Page) ([]*domain.Pledge, string, error) {
		return bed.db.FindPledges(context.Background(), domain.PledgeFilter{AuthorityID: bed.auth.ID, Page: p})
	}, 0)
	if err != nil {
		t.Fatal(err)
	}
	return ps
}

// updateOrg writes the supplier with fn applied.
func (bed *allocationBed) updateOrg(t *testing.T, o *domain.Organisation, fn func(o *domain.Organisation)) {
	t.Helper()
	cur, err := bed.db.OrganisationByID(context.Background(), o.ID)
	if err != nil {
		t.Fatal(err)
	}
	prev := cur.Version
	fn(cur)
	cur.Version++
	if err := bed.db.UpdateOrganisation(context.Background(), cur, prev, domain.NewAuditEvent(bed.auth.ID, "test", "organisation.update", "organisation", cur.ID, nil, map[string]string{"id": cur.ID}, bed.now)); err != nil {
		t.Fatal(err)
	}
}

// updateRequest writes the request with fn applied.
func (bed *allocationBed) updateRequest(t *testing.T, r *domain.Request, fn func(r *domain.Request)) {
	t.Helper()
	cur, err := bed.db.RequestByID(context.Background(), r.ID)
	if err != nil {
		t.Fatal(err)
	}
	prev := cur.Version
	fn(cur)
	cur.Version++
	if err := bed.db.UpdateRequest(context.Background(), cur, prev, domain.NewAuditEvent(bed.auth.ID, "test", "request.update", "request", cur.ID, nil, map[string]string{"id": cur.ID}, bed.now)); err != nil {
		t.Fatal(err)
	}
}

// TestProposalWarmStart checks that a proposal reads again only what
// changed since the last one and starts from its solution when that is
// safe, and proposes then what a fresh service proposes.
func TestProposalWarmStart(t *testing.T) {
	ctx := context.Background()
	bed := newAllocationBed(t, 40, 8, 200, 1)
	svc, kinds := bed.service()
	propose := func(step, wantRows, wantRun string) {
		t.Helper()
		bed.proposeBoth(t, step, svc, kinds, wantRows, wantRun)
	}
	propose("first", "snapshot_read", "allocate")
	propose("nothing changed", "snapshot_caught_up", "allocate_warm")
	for k, i := range []int{3, 50, 120, 7, 199} {
		bed.change(t, i, func(p *domain.Pledge) { p.ValuePence = p.ValuePence*int64(40+30*k)/100 + 1 })
		propose(fmt.Sprintf("value of pledge %d changed", i), "snapshot_caught_up", "allocate_warm")
	}
	bed.change(t, 11, func(p *domain.Pledge) { p.Status = domain.PledgeWithdrawn })
	propose("a pledge withdrawn", "snapshot_caught_up", "allocate_warm")
	bed.change(t, 11, func(p *domain.Pledge) { p.Status = domain.PledgeOffered })
	propose("the pledge offered again", "snapshot_caught_up", "allocate_warm")
	// a pledge in a bid is left out, its item naming its supplier: named
	// again when the supplier is renamed (its place is the same)
	bed.change(t, 30, func(p *domain.Pledge) { p.BidID = domain.NewID() })
	propose("a pledge in a bid", "snapshot_caught_up", "allocate_warm")
	bed.updateOrg(t, bed.suppliers[bed.supplierOf(30)], func(o *domain.Organisation) { o.Name += " renamed" })
	propose("its supplier renamed", "snapshot_caught_up", "allocate_warm")
	// a supplier's limit is not a pledge: solved from nothing
	bed.updateOrg(t, bed.suppliers[2], func(o *domain.Organisation) { o.CommitmentLimitPence /= 2 })
	propose("a supplier's limit changed", "snapshot_caught_up", "allocate")
	propose("nothing changed since", "snapshot_caught_up", "allocate_warm")
	// the clock moves on within the day: scores are the day's
	// (matcher.ScoringDay), so the proposal is still warm (scored at the
	// exact time every score moved, and no proposal outside a test with a
	// stopped clock was ever warm)
	bed.now = bed.now.Add(47 * time.Minute)
	propose("47 minutes later", "snapshot_caught_up", "allocate_warm")
	// the scores move with the day (urgency): too many changes to reuse
	bed.now = bed.now.AddDate(0, 0, 3)
	propose("three days later", "snapshot_caught_up", "allocate")
	// a whole pledge needs the integer search
	bed.change(t, 20, func(p *domain.Pledge) { p.AllowPartial = false })
	propose("a pledge made whole", "snapshot_caught_up", "allocate")
	bed.change(t, 20, func(p *domain.Pledge) { p.AllowPartial = true })
	propose("partial again", "snapshot_caught_up", "allocate")
	propose("and again", "snapshot_caught_up", "allocate_warm")
	// an event of a kind whose writes are not known (here a test's) makes
	// the service read every row again
	if err := bed.db.UpdatePledge(ctx, bed.pledges[5], bed.pledges[5].Version, domain.NewAuditEvent(bed.auth.ID, "test", "pledge.update", "test", bed.pledges[5].ID, nil, map[string]string{}, bed.now)); err != nil {
		t.Fatal(err)
	}
	bed.pledges[5].Version++
	propose("an event of another kind", "snapshot_read", "allocate_warm")
}

// TestProposalWarmRandom makes random changes to a council, some through a
// second service on the same store (which proposes and accepts, approving
// pledges), and checks that every proposal of the first service, reading
// only what changed since its last one, is the same as a fresh service's.
func TestProposalWarmRandom(t *testing.T) {
	ctx := context.Background()
	for seed := uint64(1); seed <= 3; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			bed := newAllocationBed(t, 30, 6, 150, seed)
			rng := rand.New(rand.NewPCG(seed, 77))
			// a third of the pledges are of whole hours: a part proposed
			// is rounded down, and the proposal's total with it
			for i := 0; i < len(bed.pledges); i += 3 {
				bed.change(t, i, func(p *domain.Pledge) { p.Quantity, p.Unit = int64(3+rng.IntN(40)), "hours" })
			}
			svc, kinds := bed.service()
			other, _ := bed.service()
			bed.proposeBoth(t, "first", svc, kinds, "snapshot_read", "allocate")
			for step := range 40 {
				var did []string
				for range 1 + rng.IntN(3) {
					switch k := rng.IntN(15); k {
					case 0, 1:
						i := rng.IntN(len(bed.pledges))
						bed.change(t, i, func(p *domain.Pledge) { p.ValuePence = max(100, p.ValuePence*int64(50+rng.IntN(100))/100) })
						did = append(did, "value")
					case 2:
						i := rng.IntN(len(bed.pledges))
						if bed.pledges[i].Status == domain.PledgeOffered {
							bed.change(t, i, func(p *domain.Pledge) { p.Status = domain.PledgeWithdrawn })
							did = append(did, "withdrawn")
						}
					case 3:
						bed.updateOrg(t, bed.suppliers[rng.IntN(len(bed.suppliers))], func(o *domain.Organisation) {
							o.CommitmentLimitPence = max(100, o.CommitmentLimitPence*int64(60+rng.IntN(80))/100)
							o.Name = fmt.Sprintf("%s (step %d)", strings.Split(o.Name, " (")[0], step) // items name it
						})
						did = append(did, "limit and name")
					case 4:
						bed.updateRequest(t, bed.requests[rng.IntN(len(bed.requests))], func(r *domain.Request) {
							if rng.IntN(3) == 0 && r.Status == domain.ReqPublished {
								r.Status = domain.ReqWithdrawn
							} else if r.Status == domain.ReqWithdrawn {
								r.Status = domain.ReqPublished // its pledges are weighed again
							} else {
								r.ValuePence = max(1000, r.ValuePence*int64(60+rng.IntN(80))/100)
								r.Title = fmt.Sprintf("%s (step %d)", strings.Split(r.Title, " (")[0], step)
							}
						})
						did = append(did, "request")
					case 5:
						// the other service proposes and accepts a few of its items
						al, err := other.ProposeAllocation(ctx, bed.officer, 0)
						if err != nil {
							t.Fatal(err)
						}
						var some []string
						for _, it := range al.Items {
							if it.ApprovedPence > 0 && rng.IntN(10) == 0 {
								some = append(some, it.PledgeID)
							}
						}
						if len(some) > 0 {
							if _, err := other.AcceptAllocation(ctx, bed.officer, al.ID, some); err != nil {
								t.Fatal(err)
							}
							did = append(did, fmt.Sprintf("accepted %d elsewhere", len(some)))
						}
					case 6:
						did = append(did, "nothing")
					case 7:
						// new weights: every score changes
						w := domain.Weights{Need: rng.Float64(), Fit: rng.Float64(), Coverage: rng.Float64(), Urgency: rng.Float64(), Distance: rng.Float64(), Record: 0.01 + 0.99*rng.Float64()}
						if _, err := svc.SetWeights(ctx, &domain.Actor{UserID: "admin-1", Role: domain.RoleAdmin, AuthorityID: bed.auth.ID}, w); err != nil {
							t.Fatal(err)
						}
						did = append(did, "weights")
					case 8:
						// one ward's need figures change: the scores of its requests' pledges
						auth, err := bed.db.AuthorityByID(ctx, bed.auth.ID)
						if err != nil {
							t.Fatal(err)
						}
						areas := append([]domain.Area(nil), auth.Areas...)
						ar := &areas[rng.IntN(len(areas))]
						ar.Deciles = [10]int{}
						ar.Deciles[rng.IntN(10)] = 1 + rng.IntN(5)
						ar.NeedIndex = domain.NeedIndexFromDeciles(ar.Deciles)
						if _, err := svc.ImportAreas(ctx, bed.officer, areas); err != nil {
							t.Fatal(err)
						}
						did = append(did, "need data")
					case 9:
						// the clock moves on: commitments fall due, and
						// the records and scores with them
						bed.now = bed.now.Add(time.Duration(1+rng.IntN(30)) * time.Hour)
						did = append(did, "clock")
					case 10:
						// a pledge becomes a commitment of its supplier
						// (its open total) due soon, or settles (its record)
						i := rng.IntN(len(bed.pledges))
						bed.change(t, i, func(p *domain.Pledge) {
							due := bed.now.Add(time.Duration(rng.IntN(72)-12) * time.Hour)
							p.Status, p.ApprovedPence, p.DueDate = []domain.PledgeStatus{domain.PledgeApproved, domain.PledgeInDelivery, domain.PledgeVerified, domain.PledgeLapsed}[rng.IntN(4)], p.ValuePence/2, &due
						})
						did = append(did, "commitment")
					case 11:
						// a pledge moves to another request or supplier:
						// both groups, and the open totals, move with it
						i := rng.IntN(len(bed.pledges))
						bed.change(t, i, func(p *domain.Pledge) {
							if rng.IntN(2) == 0 {
								r := bed.requests[rng.IntN(len(bed.requests))]
								p.RequestID, p.RequestTitle, p.Area = r.ID, r.Title, r.Area
							} else {
								o := bed.suppliers[rng.IntN(len(bed.suppliers))]
								p.OrganisationID, p.OrganisationName = o.ID, o.Name
							}
						})
						did = append(did, "moved")
					case 12:
						bed.create(t, rng)
						did = append(did, "new pledge")
					case 13:
						// a supplier is suspended, or approved again
						bed.updateOrg(t, bed.suppliers[rng.IntN(len(bed.suppliers))], func(o *domain.Organisation) {
							if o.Status == domain.OrgApproved {
								o.Status = domain.OrgSuspended
							} else {
								o.Status = domain.OrgApproved
							}
						})
						did = append(did, "supplier status")
					case 14:
						// a pledge made in a bid is left out, and named
						// with its supplier
						i := rng.IntN(len(bed.pledges))
						bed.change(t, i, func(p *domain.Pledge) {
							if p.BidID == "" {
								p.BidID = domain.NewID()
							} else {
								p.BidID = ""
							}
						})
						did = append(did, "bid")
					}
				}
				// the bed's pledges as stored (accepting approved some)
				stored := map[string]*domain.Pledge{}
				for _, p := range bed.storedPledges(t) {
					stored[p.ID] = p
				}
				for i, p := range bed.pledges {
					bed.pledges[i] = stored[p.ID]
				}
				bed.proposeBoth(t, fmt.Sprintf("step %d (%v)", step, did), svc, kinds, "snapshot_caught_up", "")
			}
		})
	}
}

// BenchmarkProposeAllocation times a proposal through the service (store
// reads, scoring, the matcher, explanations, storing the proposal) from
// nothing ("cold": a fresh service) and after one pledge changed ("warm":
// the same service, which catches its rows up and resumes its solution),
// and reports the parts read-ms (the rows) and solve-ms (the matcher).
// NEEDMATCH_BENCH_PLEDGES sets the size (requests a fifth of it, suppliers
// a twentieth; default 100,000).
func BenchmarkProposeAllocation(b *testing.B) {
	np := 100_000
	if v, err := strconv.Atoi(os.Getenv("NEEDMATCH_BENCH_PLEDGES")); err == nil && v > 0 {
		np = v
	}
	bed := newAllocationBed(b, np/5, max(np/20, 1), np, 1)
	ctx := context.Background()
	run := func(b *testing.B, warm bool) {
		var read, solve time.Duration
		fresh := func() *domain.Service {
			svc := domain.NewService(bed.db)
			svc.Now = func() time.Time { return bed.now }
			svc.Observe = func(kind string, d time.Duration) {
				if strings.HasPrefix(kind, "snapshot") {
					read += d
				} else {
					solve += d
				}
			}
			return svc
		}
		svc := fresh()
		if _, err := svc.ProposeAllocation(ctx, bed.officer, 0); err != nil {
			b.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(9, 9))
		read, solve = 0, 0
		if f := os.Getenv("NEEDMATCH_BENCH_PROFILE"); f != "" {
			// the timed proposals alone, not the bed's making
			out, err := os.Create(f + "." + strings.TrimPrefix(b.Name(), "BenchmarkProposeAllocation/"))
			if err != nil {
				b.Fatal(err)
			}
			defer out.Close()
			if err := pprof.StartCPUProfile(out); err != nil {
				b.Fatal(err)
			}
			defer pprof.StopCPUProfile()
		}
		var cpu time.Duration
		for b.Loop() {
			b.StopTimer()
			if !warm {
				svc = fresh()
			}
			bed.change(b, rng.IntN(len(bed.pledges)), func(p *domain.Pledge) { p.ValuePence = max(100, p.ValuePence*int64(50+rng.IntN(100))/100) })
			// the ledger's rollups of the change are refreshed now, not
			// by the store's refresher during the proposal (its CPU is
			// the change's, not the proposal's)
			if err := bed.db.RefreshRollups(ctx); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			cpu0 := cpuTime()
			if _, err := svc.ProposeAllocation(ctx, bed.officer, 0); err != nil {
				b.Fatal(err)
			}
			cpu += cpuTime() - cpu0
		}
		b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/op")
		b.ReportMetric(float64(read.Microseconds())/1000/float64(b.N), "read-ms/op")
		b.ReportMetric(float64(solve.Microseconds())/1000/float64(b.N), "solve-ms/op")
	}
	b.Run("cold", func(b *testing.B) { run(b, false) })
	b.Run("warm", func(b *testing.B) { run(b, true) })
}

// cpuTime is the CPU time (user and system) the process has used: on a
// machine others load, a truer measure of the work than the wall clock.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
