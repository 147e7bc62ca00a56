package sqlite

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"needmatch/domain"
)

// benchRequests opens a store holding n published requests of one authority.
func benchRequests(b *testing.B, n int) (*DB, string, []string) {
	b.Helper()
	db, err := Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	ctx := context.Background()
	auth, now := domain.NewID(), time.Now()
	var ids []string
	for i := 0; i < n; i++ {
		r := &domain.Request{ID: domain.NewID(), AuthorityID: auth, Authority: "bench", OrganisationID: "org", OrganisationName: "A group",
			Title: fmt.Sprintf("Request %d", i), Description: "Chairs and tables for the community hall, collected on Saturday mornings.",
			Kind: "goods", Area: "E05015018", AreaName: "Brinnington & Stockport Central", Quantity: 12, Unit: "chairs", ValuePence: 48000,
			Deadline: now.AddDate(0, 2, 0), Status: "published", Version: 1, CreatedAt: now, UpdatedAt: now}
		if err := db.CreateRequest(ctx, r, nil); err != nil {
			b.Fatal(err)
		}
		ids = append(ids, r.ID)
	}
	return db, auth, ids
}

// BenchmarkStoreRequestList reads the first page of 50 published requests.
func BenchmarkStoreRequestList(b *testing.B) {
	db, auth, _ := benchRequests(b, 500)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rs, _, err := db.FindRequests(ctx, domain.RequestFilter{AuthorityID: auth, Statuses: []domain.RequestStatus{"published"}, Kind: "goods", Area: "E05015018"})
		if err != nil || len(rs) != 50 {
			b.Fatal(len(rs), err)
		}
	}
}

// BenchmarkStoreRequestByID reads one request with its pledge totals.
func BenchmarkStoreRequestByID(b *testing.B) {
	db, _, ids := benchRequests(b, 100)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := db.RequestByID(ctx, ids[i%len(ids)]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStoreRequestListAfterPledge measures what rebuilding a public
// list page costs after a pledge on one of its requests (the list page
// cache's rebuild under a mixed load): a page of 50 of 500 published
// requests that hold 3 pledges each, read again after each new pledge on a
// request of that page. The pledge is outside the timer.
func BenchmarkStoreRequestListAfterPledge(b *testing.B) {
	db, auth, ids := benchRequests(b, 500)
	ctx := context.Background()
	now := time.Now()
	pledge := func(request string) {
		p := &domain.Pledge{ID: domain.NewID(), AuthorityID: auth, Authority: "bench", RequestID: request, RequestOrgID: "org", OrganisationID: "supplier",
			Offer: "Two days of work", Quantity: 2, Unit: "day", ValuePence: 5000, Status: domain.PledgeOffered, Version: 1, CreatedAt: now, UpdatedAt: now}
		if err := db.CreatePledge(ctx, p, nil); err != nil {
			b.Fatal(err)
		}
	}
	for i := 0; i < 3*len(ids); i++ {
		pledge(ids[i%len(ids)])
	}
	f := domain.RequestFilter{AuthorityID: auth, Statuses: []domain.RequestStatus{"published"}, Kind: "goods", Area: "E05015018"}
	if _, _, err := db.FindRequests(ctx, f); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		pledge(ids[len(ids)-1-i%50]) // newest first: the first page's requests
		b.StartTimer()
		rs, _, err := db.FindRequests(ctx, f)
		if err != nil || len(rs) != 50 || rs[0].PledgedPence == 0 {
			b.Fatal(len(rs), err)
		}
	}
}

// BenchmarkStoreCreatePledge writes pledges from many goroutines (the
// writer batches them) on a store holding 10,000 pledges of one supplier
// without a contract, the ledger keys they all share, and adds the ledger
// rollups up at the end (a store that refreshes them later does that work
// there). Besides ns/op (wall, noisy on a shared machine) it reports the
// process's CPU (user+system) per pledge.
func BenchmarkStoreCreatePledge(b *testing.B) {
	db, auth, ids := benchRequests(b, 500)
	ctx := context.Background()
	now := time.Now()
	var n atomic.Int64
	pledge := func() error {
		i := n.Add(1)
		p := &domain.Pledge{ID: domain.NewID(), AuthorityID: auth, Authority: "bench", RequestID: ids[i%int64(len(ids))], RequestOrgID: "org", OrganisationID: "supplier",
			Offer: "Two days of work", Quantity: 2, Unit: "day", ValuePence: 5000, Status: domain.PledgeOffered, Version: 1, CreatedAt: now, UpdatedAt: now}
		return db.CreatePledge(ctx, p, nil)
	}
	var wg sync.WaitGroup
	for w := 0; w < 32; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n.Load() < 10_000 {
				if err := pledge(); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if err := db.RefreshRollups(ctx); err != nil {
		b.Fatal(err)
	}
	cpu0 := cpuTime()
	b.SetParallelism(16)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := pledge(); err != nil {
				b.Error(err)
				return
			}
		}
	})
	if err := db.RefreshRollups(ctx); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N)/1e3, "cpu-µs/op")
}

// cpuTime is the process's CPU time so far (user and system).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
