package mongo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"needmatch/domain"
	"needmatch/store/storetest"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// rollupLedger checks that the store's ledger equals the ledger's
// definition over the records as they are stored, for the whole authority
// and the filters the rollups answer.
func rollupLedger(t *testing.T, db *DB, a *domain.Authority, stage string) {
	t.Helper()
	ctx := context.Background()
	var pds []pledgeDoc
	cur, err := db.pledges.Find(ctx, bson.D{{Key: "authorityId", Value: a.ID}})
	if err != nil || cur.All(ctx, &pds) != nil {
		t.Fatalf("%s: read pledges: %v", stage, err)
	}
	var dds []deliveryDoc
	cur, err = db.deliveries().Find(ctx, bson.D{{Key: "authorityId", Value: a.ID}})
	if err != nil || cur.All(ctx, &dds) != nil {
		t.Fatalf("%s: read deliveries: %v", stage, err)
	}
	var ps []*domain.Pledge
	for i := range pds {
		ps = append(ps, pds[i].toDomain())
	}
	var ds []*domain.Delivery
	for i := range dds {
		ds = append(ds, dds[i].toDomain())
	}
	for _, f := range []domain.LedgerFilter{{}, {FY: "2025"}, {FY: "2025", Quarter: "4"}, {FY: "2026"}, {Month: "2026-03"}, {ContractID: "k1"},
		{ContractID: domain.LedgerNone, FY: "2025"}, {MeasureCode: "VOL"}} {
		f.AuthorityID = a.ID
		if !rolledUp(f) {
			t.Fatalf("filter %+v is not one the rollups answer", f)
		}
		got, err := db.LedgerSums(ctx, f)
		if err != nil {
			t.Fatalf("%s: LedgerSums(%+v): %v", stage, f, err)
		}
		if want := domain.LedgerSumsOf(ps, ds, f); !reflect.DeepEqual(domain.MergeLedgerSums(got), want) {
			t.Fatalf("%s: ledger of %+v\n got %+v\nwant %+v", stage, f, domain.MergeLedgerSums(got), want)
		}
	}
}

// cellsExact checks, after a refresh, that no record is dirty and that
// every cell holds the sum of the records that name it, and nothing else.
func cellsExact(t *testing.T, db *DB, stage string) {
	t.Helper()
	ctx := context.Background()
	if rs, err := db.dirtyRecords(ctx, "", 0); err != nil || len(rs) != 0 {
		t.Fatalf("%s: %d records dirty after a refresh (%v)", stage, len(rs), err)
	}
	want := map[string][]int64{}
	for _, src := range db.rollSources() {
		cur, err := src.coll.Find(ctx, bson.D{})
		if err != nil {
			t.Fatal(err)
		}
		var rs []rollRecord
		if err := cur.All(ctx, &rs); err != nil {
			t.Fatal(err)
		}
		for i := range rs {
			s, _ := src.figures(&rs[i], nil)
			for _, c := range rs[i].Cells {
				sum := sumOf(want[c])
				sum.Add(s)
				want[c] = figuresOf(sum)
			}
		}
	}
	cur, err := db.ledgerCells().Find(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	var cells []cellDoc
	if err := cur.All(ctx, &cells); err != nil {
		t.Fatal(err)
	}
	got := map[string][]int64{}
	for _, c := range cells {
		got[c.ID] = c.Figures
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s: %d cells stored, %d named by the records:\n got %v\nwant %v", stage, len(got), len(want), got, want)
	}
}

func refresh(t *testing.T, db *DB) {
	t.Helper()
	if err := db.RefreshRollups(context.Background()); err != nil {
		t.Fatalf("RefreshRollups: %v", err)
	}
}

// TestRollupsEqualTheRecords writes random pledges and deliveries (with
// moves between cells: a pledge joining a contract, a delivery rejected),
// and checks the ledger against the records before and after each
// refresh; then cuts a delivery report short after its commit point, plants
// a wrong cell as a refresher stopped half way would leave it, and drops
// every cell: the ledger stays the sum of the records throughout, and a
// refresh (after Recover, or a rebuild) makes the cells exact again.
func TestRollupsEqualTheRecords(t *testing.T) {
	ctx := context.Background()
	db := openTest(t, ferretURI)
	a := storetest.MustAuthority(t, db, "stockport")
	other := storetest.MustAuthority(t, db, "trafford")
	rng := rand.New(rand.NewPCG(7, 15))
	months := []time.Time{time.Date(2026, 1, 20, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 31, 23, 0, 0, 0, time.UTC),
		time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 9, 5, 0, 0, 0, 0, time.UTC)}
	measures := []struct{ code, theme string }{{"VOL", "social"}, {"DON", "economic"}, {"", ""}}
	var pledges []*domain.Pledge
	deliveries := map[string][]*domain.Delivery{}
	newPledge := func(auth *domain.Authority) *domain.Pledge {
		m := measures[rng.IntN(len(measures))]
		created := months[rng.IntN(len(months))]
		qty := int64(2 + rng.IntN(5))
		p := &domain.Pledge{ID: domain.NewID(), AuthorityID: auth.ID, Authority: auth.Slug, RequestID: domain.NewID(), OrganisationID: fmt.Sprint("s", rng.IntN(3)),
			Offer: "x", Quantity: qty, Unit: "day", ValuePence: qty * 700, Status: domain.PledgeOffered, Area: fmt.Sprint("E", rng.IntN(2)),
			ContractID: []string{"", "k1", "k2"}[rng.IntN(3)], MeasureCode: m.code, Theme: m.theme, Version: 1, CreatedAt: created, UpdatedAt: created}
		if rng.IntN(3) > 0 {
			p.Status, p.ApprovedPence = domain.PledgeApproved, p.ValuePence
		}
		if err := db.CreatePledge(ctx, p, lev(auth, "pledge.create", p.ID)); err != nil {
			t.Fatal(err)
		}
		return p
	}
	deliver := func(p *domain.Pledge) {
		ds := deliveries[p.ID]
		done := domain.DeliveredQuantity(ds)
		if p.Status != domain.PledgeApproved && p.Status != domain.PledgeInDelivery || done >= p.Quantity {
			return
		}
		date := p.CreatedAt.AddDate(0, 0, rng.IntN(90))
		d := &domain.Delivery{ID: domain.NewID(), AuthorityID: p.AuthorityID, PledgeID: p.ID, RequestID: p.RequestID, OrganisationID: p.OrganisationID,
			ContractID: p.ContractID, Area: p.Area, MeasureCode: p.MeasureCode, Theme: p.Theme, Unit: p.Unit, Quantity: 1, ValuePence: domain.DeliveryValue(p, done, 1),
			Date: date, EvidenceIDs: []string{}, EvidenceHashes: []string{}, Status: domain.DeliveryReported, ReportedBy: "s", Version: 1, CreatedAt: date, UpdatedAt: date}
		prev := p.Version
		p.Settle(append(ds, d), date)
		if err := db.CreateDelivery(ctx, d, p, prev, []*domain.AuditEvent{lev(a, "delivery.report", d.ID)}); err != nil {
			t.Fatal(err)
		}
		deliveries[p.ID] = append(ds, d)
	}
	decide := func(p *domain.Pledge) {
		ds := deliveries[p.ID]
		if len(ds) == 0 {
			return
		}
		d := ds[rng.IntN(len(ds))]
		if d.Status != domain.DeliveryReported {
			return
		}
		prev, pprev := d.Version, p.Version
		switch rng.IntN(3) {
		case 0:
			d.Status = domain.DeliveryVerified
		case 1:
			d.Confirmed = true
		default:
			d.Status = domain.DeliveryRejected
		}
		d.Version++
		p.Settle(ds, d.Date)
		if p.Version == pprev {
			p.Version++
		}
		if err := db.UpdateDelivery(ctx, d, prev, p, pprev, []*domain.AuditEvent{lev(a, "delivery.decide", d.ID)}); err != nil {
			t.Fatal(err)
		}
	}
	move := func(p *domain.Pledge) {
		prev := p.Version
		p.ContractID, p.Version = "k2", p.Version+1
		if rng.IntN(2) == 0 && len(deliveries[p.ID]) == 0 {
			p.Status, p.ApprovedPence = domain.PledgeWithdrawn, 0
		}
		if err := db.UpdatePledge(ctx, p, prev, lev(a, "pledge.update", p.ID)); err != nil {
			t.Fatal(err)
		}
	}
	write := func(n int) {
		for range n {
			switch x := rng.IntN(10); {
			case x < 3 || len(pledges) == 0:
				pledges = append(pledges, newPledge(a))
			case x < 7:
				deliver(pledges[rng.IntN(len(pledges))])
			case x < 9:
				decide(pledges[rng.IntN(len(pledges))])
			default:
				move(pledges[rng.IntN(len(pledges))])
			}
		}
	}
	newPledge(other) // another council's, counted nowhere in the first's
	write(40)
	rollupLedger(t, db, a, "written, all dirty")
	refresh(t, db)
	cellsExact(t, db, "refreshed")
	rollupLedger(t, db, a, "refreshed")
	write(30)
	rollupLedger(t, db, a, "written again, partly dirty")
	refresh(t, db)
	cellsExact(t, db, "refreshed again")
	rollupLedger(t, db, a, "refreshed again")

	// A delivery report cut short after its commit point.
	var p *domain.Pledge
	for _, q := range pledges {
		if q.Status == domain.PledgeApproved && domain.DeliveredQuantity(deliveries[q.ID]) < q.Quantity {
			p = q
			break
		}
	}
	if p == nil {
		t.Fatal("no approved pledge left to deliver against")
	}
	d := &domain.Delivery{ID: domain.NewID(), AuthorityID: a.ID, PledgeID: p.ID, RequestID: p.RequestID, OrganisationID: p.OrganisationID, ContractID: p.ContractID,
		Area: p.Area, MeasureCode: p.MeasureCode, Theme: p.Theme, Quantity: 1, ValuePence: domain.DeliveryValue(p, domain.DeliveredQuantity(deliveries[p.ID]), 1),
		Date: time.Date(2026, 5, 2, 0, 0, 0, 0, time.UTC), EvidenceIDs: []string{}, EvidenceHashes: []string{}, Status: domain.DeliveryReported, Version: 1, CreatedAt: lt0, UpdatedAt: lt0}
	pp := *p
	pp.Settle(append(deliveries[p.ID], d), d.Date)
	ins, err := insertOp(db.deliveries(), d.ID, deliveryFromDomain(d))
	if err != nil {
		t.Fatal(err)
	}
	pending, in, err := newIntent([]*domain.AuditEvent{lev(a, "delivery.report", d.ID)}, []intentOp{ins})
	if err != nil {
		t.Fatal(err)
	}
	doc := pledgeFromDomain(&pp, nil)
	doc.PendingAudit, doc.PendingIntent = pending, in
	if _, err := db.pledges.ReplaceOne(ctx, bson.D{{Key: "_id", Value: p.ID}}, doc); err != nil {
		t.Fatal(err)
	}
	rollupLedger(t, db, a, "cut short after the commit point")
	refresh(t, db)
	rollupLedger(t, db, a, "cut short, refreshed")
	if err := db.Recover(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := db.DeliveryByID(ctx, d.ID); err != nil {
		t.Fatalf("delivery not recovered: %v", err)
	}
	rollupLedger(t, db, a, "recovered")
	refresh(t, db)
	cellsExact(t, db, "recovered and refreshed")
	rollupLedger(t, db, a, "recovered and refreshed")

	// A refresher that wrote a cell and stopped before clearing the marks:
	// the cell's records are dirty, so the cell is not read.
	dirtyP := pledges[0]
	move(dirtyP)
	cells := pledgeCells(dirtyP)
	if err := db.writeCell(ctx, cells[0], &domain.LedgerSum{PledgedPence: 1_000_000_000}); err != nil {
		t.Fatal(err)
	}
	rollupLedger(t, db, a, "a wrong cell of a dirty record")
	refresh(t, db)
	cellsExact(t, db, "wrong cell refreshed")

	// Cells gone: the next open rebuilds them from the records.
	if _, err := db.ledgerCells().DeleteMany(ctx, bson.D{}); err != nil {
		t.Fatal(err)
	}
	if err := db.migrate(ctx); err != nil {
		t.Fatal(err)
	}
	rollupLedger(t, db, a, "rebuilt, not refreshed")
	refresh(t, db)
	cellsExact(t, db, "rebuilt and refreshed")
	rollupLedger(t, db, a, "rebuilt and refreshed")
	chainOK(t, db, a)
}
