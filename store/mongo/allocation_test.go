package mongo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"needmatch/domain"
	"needmatch/store/storetest"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

func TestLargeAllocation(t *testing.T) { eachBackend(t, testLargeAllocation) }

// bigItems are n items of a proposal with names and explanations as long
// as a council's (100 to 200 bytes of explanation each).
func bigItems(n int, orgs []*domain.Organisation, salt string) []domain.AllocationItem {
	items := make([]domain.AllocationItem, n)
	for i := range items {
		o := orgs[i%len(orgs)]
		title := fmt.Sprintf("Winter coats and blankets for the families of estate %d", i%977)
		it := domain.AllocationItem{PledgeID: domain.NewID(), PledgeVersion: int64(1 + i%5), RequestID: domain.NewID(), RequestTitle: title,
			OrganisationID: o.ID, OrganisationName: o.Name, ValuePence: int64(1000 + i), Quantity: int64(10 + i%40), Unit: "coats",
			Score: 1 - float64(i)/float64(n)}
		switch i % 3 {
		case 0:
			it.ApprovedPence, it.ApprovedQuantity = it.ValuePence, it.Quantity
		case 1:
			it.ApprovedPence, it.ApprovedQuantity, it.Reason = it.ValuePence/2, it.Quantity/2, "need_covered"
			it.Explanation = fmt.Sprintf("Cut to half: “%s” is covered by pledges that score higher, and %s%s is within its limit. That is %d whole coats of the %d pledged.",
				title, o.Name, salt, it.ApprovedQuantity, it.Quantity)
		default:
			it.Reason = "budget"
			it.Explanation = fmt.Sprintf("Left out: the budget is spent on pledges that score higher than this one (score %.4f) for “%s”%s.", it.Score, title, salt)
		}
		items[i] = it
	}
	return items
}

// testLargeAllocation stores a proposal of 30,000 pledges (some 18 MB of
// items, past the 16 MiB a MongoDB document may hold: MongoDB refuses the
// write, FerretDB v1 takes it) and accepts it (a write in full): it reads
// back with the same items each time, and its document stays small.
func testLargeAllocation(t *testing.T, uri string) {
	ctx := context.Background()
	db, a, orgs := largeSetup(t, uri, nil)
	al := &domain.Allocation{ID: domain.NewID(), AuthorityID: a.ID, Status: domain.AllocProposed, WeightsVersion: 3, Objective: 123_456, Bound: 123_999,
		BoundKind: "flow", Gap: 0.004, GapText: "within 0.4%", ApprovedPence: 987_654, CreatedBy: "officer", CreatedAt: largeAt, Version: 1,
		Items: bigItems(30_000, orgs, "")}
	if err := db.CreateAllocation(ctx, al, allocationEvent(a, "allocation.propose", al.ID)); err != nil {
		t.Fatalf("CreateAllocation of 30,000 items = %v", err)
	}
	raw, err := db.allocations.FindOne(ctx, bson.D{{Key: "_id", Value: al.ID}}).Raw()
	if err != nil || len(raw) > 1<<20 {
		t.Fatalf("the proposal's document takes %d bytes (%v), want under 1 MiB: MongoDB refuses a document over 16 MiB", len(raw), err)
	}
	want := *al
	got := readBack(t, db, "created", &want)
	at := largeAt.Add(time.Hour)
	got.Status, got.AcceptedAt, got.Version = domain.AllocAccepted, &at, 2
	if err := db.UpdateAllocation(ctx, got, 1, allocationEvent(a, "allocation.accept", al.ID)); err != nil {
		t.Fatalf("UpdateAllocation of 30,000 items = %v", err)
	}
	readBack(t, db, "accepted", got)
	if evs := chainOf(t, db, a); len(evs) != 2 {
		t.Fatalf("events = %d, want 2", len(evs))
	}
}

var largeAt = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

// largeSetup is a store (through d when it is not nil) with an authority,
// and longNamedOrgs.
func largeSetup(t *testing.T, uri string, d *faultDialer) (*DB, *domain.Authority, []*domain.Organisation) {
	var db *DB
	if d != nil {
		db = openFaulty(t, uri, d)
	} else {
		db = openTest(t, uri)
	}
	return db, storetest.MustAuthority(t, db, "stockport"), longNamedOrgs()
}

// longNamedOrgs are 40 suppliers with names as long as a council's.
func longNamedOrgs() []*domain.Organisation {
	var orgs []*domain.Organisation
	for i := range 40 {
		orgs = append(orgs, &domain.Organisation{ID: domain.NewID(), Name: fmt.Sprintf("Stockport Community Supplies and Services Cooperative No. %d", i)})
	}
	return orgs
}

func allocationEvent(a *domain.Authority, action, id string) *domain.AuditEvent {
	return domain.NewAuditEvent(a.ID, "officer", action, "allocation", id, nil, map[string]string{"status": "x"}, largeAt)
}

// readBack reads want's proposal and fails unless it equals want.
func readBack(t *testing.T, db *DB, what string, want *domain.Allocation) *domain.Allocation {
	t.Helper()
	got, err := db.AllocationByID(context.Background(), want.ID)
	if err != nil {
		t.Fatalf("%s: AllocationByID = %v", what, err)
	}
	if len(got.Items) != len(want.Items) {
		t.Fatalf("%s: %d items, want %d", what, len(got.Items), len(want.Items))
	}
	for i := range want.Items {
		if got.Items[i] != want.Items[i] {
			t.Fatalf("%s: item %d = %+v, want %+v", what, i, got.Items[i], want.Items[i])
		}
	}
	g, w := *got, *want
	g.Items, w.Items, w.Delta = nil, nil, nil
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("%s: AllocationByID = %+v, want %+v", what, g, w)
	}
	return got
}

// chunkIDs lists the _ids of the stored chunks.
func chunkIDs(t *testing.T, db *DB) []string {
	t.Helper()
	var ids []string
	cur, err := db.allocationChunks().Find(context.Background(), bson.D{}, options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		t.Fatal(err)
	}
	var docs []struct {
		ID string `bson:"_id"`
	}
	if err := cur.All(context.Background(), &docs); err != nil {
		t.Fatal(err)
	}
	for _, d := range docs {
		ids = append(ids, d.ID)
	}
	slices.Sort(ids)
	return ids
}

// namedChunks lists the _ids of the chunks the proposal's document names.
func namedChunks(t *testing.T, db *DB, id string) []string {
	t.Helper()
	var d allocationDoc
	if err := db.allocations.FindOne(context.Background(), bson.D{{Key: "_id", Value: id}}).Decode(&d); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for n := range d.ChunkCount {
		ids = append(ids, chunkID(id, d.Chunks, n))
	}
	slices.Sort(ids)
	return ids
}

func TestChunkedAllocationWrites(t *testing.T) { eachBackend(t, testChunkedAllocationWrites) }

// testChunkedAllocationWrites writes a proposal kept in chunks (small
// ones, so that 1,200 items take 6): a stale write is refused and
// leaves no chunk behind; a write cut short at its commit leaves the last
// one read as it was; the next write is read alone and removes the chunks
// of the one it replaced.
func testChunkedAllocationWrites(t *testing.T, uri string) {
	old := chunkBytes
	chunkBytes = 128 << 10
	t.Cleanup(func() { chunkBytes = old })
	ctx := context.Background()
	d := &faultDialer{match: wireCommand("update", "allocations")}
	db, a, orgs := largeSetup(t, uri, d)
	al := &domain.Allocation{ID: domain.NewID(), AuthorityID: a.ID, Status: domain.AllocProposed, CreatedAt: largeAt, Version: 1, Items: bigItems(1_200, orgs, "")}
	if err := db.CreateAllocation(ctx, al, allocationEvent(a, "allocation.propose", al.ID)); err != nil {
		t.Fatal(err)
	}
	first := namedChunks(t, db, al.ID)
	if len(first) < 5 || !slices.Equal(chunkIDs(t, db), first) {
		t.Fatalf("chunks stored %d, named %d: want the same, at least 5", len(chunkIDs(t, db)), len(first))
	}
	want := *al
	readBack(t, db, "created", &want)

	// a stale write, with other items, is refused and changes nothing
	stale := want
	stale.Items, stale.Version = bigItems(1_200, orgs, " (stale)"), 3
	if err := db.UpdateAllocation(ctx, &stale, 2, allocationEvent(a, "allocation.accept", al.ID)); domain.ErrorCode(err) != domain.ECONFLICT {
		t.Fatalf("stale UpdateAllocation = %v, want ECONFLICT", err)
	}
	readBack(t, db, "after a stale write", &want)
	if got := chunkIDs(t, db); !slices.Equal(got, first) {
		t.Fatalf("chunks after a stale write = %d, want the %d of the proposal", len(got), len(first))
	}

	// a write cut short at its commit (the connection is cut under the
	// replace of the proposal's document) leaves the last one readable
	cut := want
	cut.Items, cut.Version = bigItems(1_200, orgs, " (cut)"), 2
	d.fail.Store(-1)
	err := db.UpdateAllocation(ctx, &cut, 1, allocationEvent(a, "allocation.accept", al.ID))
	d.fail.Store(0)
	if err == nil || d.cut.Load() == 0 {
		t.Fatalf("UpdateAllocation cut at its commit = %v (%d cuts), want an error", err, d.cut.Load())
	}
	readBack(t, db, "after a write cut short", &want)

	// the next write goes through, is read alone, and removes the chunks
	// of the one it replaced (the cut write's are left: it might have landed)
	next := want
	next.Items, next.Version = bigItems(1_200, orgs, " (next)"), 2
	if err := db.UpdateAllocation(ctx, &next, 1, allocationEvent(a, "allocation.accept", al.ID)); err != nil {
		t.Fatalf("UpdateAllocation after a cut = %v", err)
	}
	readBack(t, db, "written after a cut", &next)
	for _, id := range chunkIDs(t, db) {
		if slices.Contains(first, id) {
			t.Fatalf("chunk %s of the replaced write is still stored", id)
		}
	}
	if evs := chainOf(t, db, a); len(evs) != 2 {
		t.Fatalf("events = %d, want 2 (propose, the write after the cut)", len(evs))
	}

	// a delta on a base kept in chunks reads the base's items, also after
	// the base is rewritten (accepted) under it
	items := bigItems(1_200, orgs, " (base)")
	base := &domain.Allocation{ID: domain.NewID(), AuthorityID: a.ID, Status: domain.AllocProposed, CreatedAt: largeAt, Version: 1, Items: items}
	if err := db.CreateAllocation(ctx, base, allocationEvent(a, "allocation.propose", base.ID)); err != nil {
		t.Fatal(err)
	}
	set := slices.Clone(items[:400])
	for i := range set {
		set[i].ApprovedPence, set[i].Explanation = 0, "Left out this time: "+set[i].Explanation
	}
	delta := &domain.AllocationDelta{BaseID: base.ID, Set: set, Gone: []string{items[500].PledgeID, items[1199].PledgeID}}
	dl := &domain.Allocation{ID: domain.NewID(), AuthorityID: a.ID, Status: domain.AllocProposed, CreatedAt: largeAt, Version: 1,
		Items: delta.Apply(items), Delta: delta}
	if err := db.CreateAllocation(ctx, dl, allocationEvent(a, "allocation.propose", dl.ID)); err != nil {
		t.Fatal(err)
	}
	if n := len(namedChunks(t, db, dl.ID)); n < 2 {
		t.Fatalf("the delta's chunks = %d, want its 400 items in several", n)
	}
	readBack(t, db, "a delta", dl)
	accepted := readBack(t, db, "the base", base)
	accepted.Status, accepted.Version = domain.AllocAccepted, 2
	if err := db.UpdateAllocation(ctx, accepted, 1, allocationEvent(a, "allocation.accept", base.ID)); err != nil {
		t.Fatal(err)
	}
	readBack(t, db, "a delta after its base is accepted", dl)

	// a reader while the proposal is rewritten reads one write's items
	// whole, never a mix; one that finds a chunk gone reads again (every
	// write's items have pledge ids of their own)
	writes := []domain.Allocation{next}
	for i := range 3 {
		w := writes[i]
		w.Items, w.Version = bigItems(1_200, orgs, ""), w.Version+1
		writes = append(writes, w)
	}
	var stop atomic.Bool
	result := make(chan error, 1)
	go func() {
		reads := 0
		for !stop.Load() {
			got, err := db.AllocationByID(ctx, al.ID)
			if err != nil {
				result <- err
				return
			}
			reads++
			if i := slices.IndexFunc(writes, func(w domain.Allocation) bool { return w.Items[0].PledgeID == got.Items[0].PledgeID }); i < 0 || !slices.Equal(got.Items, writes[i].Items) {
				result <- fmt.Errorf("read %d: the items of no one write", reads)
				return
			}
		}
		if reads == 0 {
			result <- errors.New("no read")
		}
		result <- nil
	}()
	for i, w := range writes[1:] {
		if err := db.UpdateAllocation(ctx, &w, writes[i].Version, allocationEvent(a, "allocation.accept", al.ID)); err != nil {
			t.Fatal(err)
		}
	}
	stop.Store(true)
	if err := <-result; err != nil {
		t.Fatalf("reader while rewritten: %v", err)
	}
	readBack(t, db, "rewritten", &writes[3])

	// a chunk lost is an error, never a proposal without its items
	named := namedChunks(t, db, dl.ID)
	if _, err := db.allocationChunks().DeleteOne(ctx, bson.D{{Key: "_id", Value: named[1]}}); err != nil {
		t.Fatal(err)
	}
	if got, err := db.AllocationByID(ctx, dl.ID); err == nil {
		t.Fatalf("AllocationByID with a chunk lost = %d items, want an error", len(got.Items))
	}
}

// TestChunksOf measures what items take in BSON: itemBytes is never less,
// and no chunk's document passes chunkBytes by more than its own few bytes.
func TestChunksOf(t *testing.T) {
	orgs := []*domain.Organisation{{ID: domain.NewID(), Name: strings.Repeat("Long Name Community Supplies ", 7)}}
	items := allocationFromDomain(&domain.Allocation{Items: bigItems(8_000, orgs, strings.Repeat(" and more", 60))}, nil).Items
	total := 0
	for i := range items {
		doc, err := bson.Marshal(bson.D{{Key: "9999999", Value: items[i]}})
		if err != nil {
			t.Fatal(err)
		}
		elem := len(doc) - 5                                    // the document's length and its last byte
		if b := itemBytes(&items[i]); b < elem || b > elem+40 { // an item without reason and explanation has their 30 bytes less
			t.Fatalf("itemBytes of item %d = %d, it takes %d", i, b, elem)
		}
		total += elem
	}
	runs := chunksOf(items)
	n := 0
	for _, r := range runs {
		doc, err := bson.Marshal(allocationChunkDoc{ID: chunkID(domain.NewID(), domain.NewID(), 9999), Items: r})
		if err != nil {
			t.Fatal(err)
		}
		if len(doc) > chunkBytes+100 {
			t.Fatalf("a chunk of %d items takes %d bytes, over %d", len(r), len(doc), chunkBytes)
		}
		n += len(r)
	}
	if n != len(items) || len(runs) < total/chunkBytes+1 {
		t.Fatalf("%d chunks of %d items (%d bytes), want all %d items", len(runs), n, total, len(items))
	}
	t.Logf("%d items, %d bytes (%d each), %d chunks", len(items), total, total/len(items), len(runs))
}

// BenchmarkAllocationChunks writes and reads a proposal of 20,000 items
// (some 12 MB) with chunks of several sizes (64 MiB: one document, as
// before chunks), and reports the CPU time of this process and of the
// FerretDB server per write and read (the machine is shared: wall time is
// noise).
func BenchmarkAllocationChunks(b *testing.B) {
	ctx := context.Background()
	items := bigItems(20_000, longNamedOrgs(), "")
	old := chunkBytes
	b.Cleanup(func() { chunkBytes = old })
	for _, size := range []int{64 << 20, 8 << 20, 4 << 20, 1 << 20, 256 << 10} {
		b.Run(fmt.Sprintf("chunk=%dKiB", size>>10), func(b *testing.B) {
			db := openTest(b, ferretURI) // a fresh database: the same start for each size
			chunkBytes = size
			self, server := processCPU(b)
			for b.Loop() {
				al := &domain.Allocation{ID: domain.NewID(), Version: 1, Items: items}
				if err := db.CreateAllocation(ctx, al, nil); err != nil {
					b.Fatal(err)
				}
				if _, err := db.AllocationByID(ctx, al.ID); err != nil {
					b.Fatal(err)
				}
			}
			self2, server2 := processCPU(b)
			b.ReportMetric(float64((self2-self).Milliseconds())/float64(b.N), "go-cpu-ms/op")
			b.ReportMetric(float64((server2-server).Milliseconds())/float64(b.N), "ferret-cpu-ms/op")
		})
	}
}

// processCPU is the user and system time of this process and of its
// children (the FerretDB server), from /proc.
func processCPU(tb testing.TB) (self, children time.Duration) {
	stat := func(pid string) time.Duration {
		b, err := os.ReadFile("/proc/" + pid + "/stat")
		if err != nil {
			tb.Fatal(err)
		}
		f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+2:]))
		u, _ := strconv.Atoi(f[11])
		s, _ := strconv.Atoi(f[12])
		return time.Duration(u+s) * 10 * time.Millisecond // 100 ticks a second
	}
	self = stat(strconv.Itoa(os.Getpid()))
	tasks, _ := filepath.Glob("/proc/self/task/*/children")
	for _, t := range tasks {
		b, _ := os.ReadFile(t)
		for _, pid := range strings.Fields(string(b)) {
			children += stat(pid)
		}
	}
	return self, children
}
