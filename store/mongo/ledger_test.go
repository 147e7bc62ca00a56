package mongo

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"testing"
	"time"

	"needmatch/domain"
	"needmatch/store/storetest"

	"go.mongodb.org/mongo-driver/v2/bson"
)

var lt0 = time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)

func lev(a *domain.Authority, action, object string) *domain.AuditEvent {
	return domain.NewAuditEvent(a.ID, "tester", action, "test", object, nil, map[string]string{"object": object}, lt0)
}

func lcode(t *testing.T, err error, code string) {
	t.Helper()
	if got := domain.ErrorCode(err); got != code {
		t.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
}

func chainOK(t *testing.T, db *DB, a *domain.Authority) []*domain.AuditEvent {
	t.Helper()
	evs, err := db.FindAudit(context.Background(), domain.AuditFilter{AuthorityID: a.ID})
	if err != nil {
		t.Fatal(err)
	}
	if b := domain.VerifyChain(a.ID, evs); b != nil {
		t.Fatalf("chain broken: %+v", b)
	}
	return evs
}

// TestLedgerMongo covers the ledger's store on FerretDB (and MongoDB when
// MONGODB_TEST_URI is set): catalogues, contracts, bids, award, evidence in
// GridFS, deliveries with evidence claims, the sums and the due lists.
func TestLedgerMongo(t *testing.T) {
	eachBackend(t, func(t *testing.T, uri string) {
		ctx := context.Background()
		db := openTest(t, uri)
		a := storetest.MustAuthority(t, db, "stockport")

		// Catalogues: one document per version, all or nothing.
		c1 := &domain.Catalogue{ID: domain.NewID(), AuthorityID: a.ID, Version: 1, Example: true, Label: "ex", Measures: domain.ExampleMeasures, CreatedBy: "seed", CreatedAt: lt0}
		if err := db.CreateCatalogue(ctx, c1, lev(a, "measures.import", c1.ID)); err != nil {
			t.Fatal(err)
		}
		dup := &domain.Catalogue{ID: domain.NewID(), AuthorityID: a.ID, Version: 1, Measures: domain.ExampleMeasures[:1], CreatedAt: lt0}
		lcode(t, db.CreateCatalogue(ctx, dup, lev(a, "measures.import", dup.ID)), domain.ECONFLICT)
		c2 := &domain.Catalogue{ID: domain.NewID(), AuthorityID: a.ID, Version: 2, Label: "own", Measures: domain.ExampleMeasures[:2], CreatedBy: "u", CreatedAt: lt0}
		if err := db.CreateCatalogue(ctx, c2, lev(a, "measures.import", c2.ID)); err != nil {
			t.Fatal(err)
		}
		cur, err := db.CurrentCatalogue(ctx, a.ID)
		if err != nil || cur.Version != 2 || len(cur.Measures) != 2 || cur.Measures[1] != domain.ExampleMeasures[1] {
			t.Fatalf("current = %+v, %v", cur, err)
		}
		if v1, err := db.CatalogueVersion(ctx, a.ID, 1); err != nil || len(v1.Measures) != len(domain.ExampleMeasures) || !v1.Example {
			t.Fatalf("v1 = %+v, %v", v1, err)
		}
		_, err = db.CatalogueVersion(ctx, a.ID, 9)
		lcode(t, err, domain.ENOTFOUND)
		if list, err := db.Catalogues(ctx, a.ID); err != nil || len(list) != 2 || list[0].Version != 2 || list[0].Measures != nil {
			t.Fatalf("list = %+v, %v", list, err)
		}
		_, err = db.CurrentCatalogue(ctx, "nobody")
		lcode(t, err, domain.ENOTFOUND)

		// Contracts and bids.
		k := &domain.Contract{ID: domain.NewID(), AuthorityID: a.ID, Authority: a.Slug, Reference: "SMBC-1", Title: "Roads", ValuePence: 10_000_000, Stage: domain.StageTender, Version: 1, CreatedAt: lt0, UpdatedAt: lt0}
		if err := db.CreateContract(ctx, k, lev(a, "contract.create", k.ID)); err != nil {
			t.Fatal(err)
		}
		k2 := *k
		k2.ID = domain.NewID()
		lcode(t, db.CreateContract(ctx, &k2, lev(a, "contract.create", k2.ID)), domain.ECONFLICT)
		sup := domain.NewID()
		b := &domain.Bid{ID: domain.NewID(), AuthorityID: a.ID, ContractID: k.ID, ContractReference: k.Reference, OrganisationID: sup, OrganisationName: "Sup", Status: domain.BidDraft, Version: 1, CreatedAt: lt0, UpdatedAt: lt0}
		if err := db.CreateBid(ctx, b, lev(a, "bid.create", b.ID)); err != nil {
			t.Fatal(err)
		}
		b2 := *b
		b2.ID = domain.NewID()
		lcode(t, db.CreateBid(ctx, &b2, lev(a, "bid.create", b2.ID)), domain.ECONFLICT)
		if bs, _, err := db.FindBids(ctx, domain.BidFilter{AuthorityID: a.ID, ContractID: k.ID}); err != nil || len(bs) != 1 {
			t.Fatalf("bids = %v, %v", bs, err)
		}
		if err := b.Submit(lt0); err != nil {
			t.Fatal(err)
		}
		if err := db.UpdateBid(ctx, b, 1, lev(a, "bid.submit", b.ID)); err != nil {
			t.Fatal(err)
		}
		lcode(t, db.UpdateBid(ctx, b, 1, lev(a, "bid.submit", b.ID)), domain.ECONFLICT)

		// Pledges in the bid, valued with a measure.
		req := &domain.Request{ID: domain.NewID(), AuthorityID: a.ID, Authority: a.Slug, OrganisationID: domain.NewID(), Title: "Help", Kind: "volunteering",
			Area: "E05015018", Quantity: 10, Unit: "hour", ValuePence: 100_000, Deadline: lt0.AddDate(0, 1, 0), Status: domain.ReqPublished, Version: 1, CreatedAt: lt0, UpdatedAt: lt0}
		if err := db.CreateRequest(ctx, req, lev(a, "request.create", req.ID)); err != nil {
			t.Fatal(err)
		}
		var ps []*domain.Pledge
		for i := range 3 {
			p := &domain.Pledge{ID: domain.NewID(), AuthorityID: a.ID, Authority: a.Slug, RequestID: req.ID, RequestOrgID: req.OrganisationID,
				OrganisationID: sup, OrganisationName: "Sup", Offer: "hours", Quantity: 10, Unit: "hour", ValuePence: 17_000, Status: domain.PledgeOffered,
				Area: req.Area, ContractID: k.ID, BidID: b.ID, MeasureCode: "EX-VOL-HOUR", Theme: "social", CatalogueVersion: 2, ProxyPence: 1700,
				Version: 1, CreatedAt: lt0.Add(time.Duration(i) * time.Second), UpdatedAt: lt0}
			if err := db.CreatePledge(ctx, p, lev(a, "pledge.create", p.ID)); err != nil {
				t.Fatal(err)
			}
			ps = append(ps, p)
		}
		if got, err := db.PledgeByID(ctx, ps[0].ID); err != nil || got.MeasureCode != "EX-VOL-HOUR" || got.ContractID != k.ID || got.ProxyPence != 1700 {
			t.Fatalf("pledge = %+v, %v", got, err)
		}

		// A stale award writes nothing.
		award := func(pledgePrev int64) *domain.Award {
			kk := *k
			bb := *b
			w := &domain.Award{Contract: &kk, ContractPrev: k.Version, Bids: []*domain.Bid{&bb}, BidPrevs: []int64{b.Version}}
			if err := kk.Award(&bb, &domain.ContractTier{}, lt0); err != nil {
				t.Fatal(err)
			}
			bb.Status, bb.Version = domain.BidAwarded, bb.Version+1
			w.Events = append(w.Events, lev(a, "contract.award", kk.ID), lev(a, "bid.award", bb.ID))
			for _, p := range ps {
				pp := *p
				if err := pp.Commit("officer", pp.ValuePence, lt0.AddDate(0, 2, 0), lt0); err != nil {
					t.Fatal(err)
				}
				w.Pledges, w.PledgePrevs = append(w.Pledges, &pp), append(w.PledgePrevs, pledgePrev)
				w.Events = append(w.Events, lev(a, "pledge.commit", pp.ID))
			}
			return w
		}
		before := len(chainOK(t, db, a))
		lcode(t, db.AwardContract(ctx, award(7)), domain.ECONFLICT)
		if got, _ := db.ContractByID(ctx, k.ID); got.Stage != domain.StageTender {
			t.Fatalf("stale award changed the contract: %+v", got)
		}
		w := award(1)
		if err := db.AwardContract(ctx, w); err != nil {
			t.Fatal(err)
		}
		if w.Events[len(w.Events)-1].Seq == 0 {
			t.Fatal("award events not chained back")
		}
		evs := chainOK(t, db, a)
		if len(evs) != before+5 {
			t.Fatalf("events %d, want %d", len(evs), before+5)
		}
		if got, _ := db.ContractByID(ctx, k.ID); got.Stage != domain.StageAwarded || got.AwardedBidID != b.ID || got.AwardedAt == nil {
			t.Fatalf("contract = %+v", got)
		}
		if got, _ := db.BidByID(ctx, b.ID); got.Status != domain.BidAwarded {
			t.Fatalf("bid = %+v", got)
		}
		ps = w.Pledges
		for _, p := range ps {
			got, _ := db.PledgeByID(ctx, p.ID)
			if got.Status != domain.PledgeApproved || got.DueDate == nil || !got.DueDate.Equal(lt0.AddDate(0, 2, 0)) || got.Version != 2 {
				t.Fatalf("pledge = %+v", got)
			}
		}

		// Evidence in GridFS.
		content := bytes.Repeat([]byte("evidence!"), 100_000) // 900 KB: several chunks
		sum := sha256.Sum256(content)
		e := &domain.Evidence{ID: domain.NewID(), AuthorityID: a.ID, OrganisationID: sup, UploadedBy: "u", FileName: "a.pdf", ContentType: "application/pdf",
			Size: int64(len(content)), SHA256: hex.EncodeToString(sum[:]), CreatedAt: lt0}
		if err := db.CreateEvidence(ctx, e, content, lev(a, "evidence.upload", e.ID)); err != nil {
			t.Fatal(err)
		}
		ge, err := db.EvidenceByID(ctx, e.ID)
		if err != nil || ge.SHA256 != e.SHA256 || ge.DeliveryID != "" {
			t.Fatalf("evidence = %+v, %v", ge, err)
		}
		rc, err := db.EvidenceContent(ctx, ge)
		if err != nil {
			t.Fatal(err)
		}
		back, err := io.ReadAll(rc)
		rc.Close()
		if err != nil || !bytes.Equal(back, content) {
			t.Fatalf("content: %d bytes, %v", len(back), err)
		}
		e2 := *e
		e2.ID = domain.NewID() // same file, another record
		if err := db.CreateEvidence(ctx, &e2, content, lev(a, "evidence.upload", e2.ID)); err != nil {
			t.Fatal(err)
		}

		// Deliveries: the pledge is the commit point.
		deliver := func(p *domain.Pledge, qty int64, ev ...*domain.Evidence) (*domain.Delivery, *domain.Pledge, error) {
			d := &domain.Delivery{ID: domain.NewID(), AuthorityID: a.ID, PledgeID: p.ID, RequestID: p.RequestID, RequestOrgID: p.RequestOrgID,
				OrganisationID: p.OrganisationID, ContractID: p.ContractID, Area: p.Area, MeasureCode: p.MeasureCode, Theme: p.Theme, Unit: p.Unit,
				Quantity: qty, ValuePence: domain.DeliveryValue(p, 0, qty), Date: lt0.AddDate(0, 1, 0), Status: domain.DeliveryReported, ReportedBy: "u",
				Version: 1, CreatedAt: lt0, UpdatedAt: lt0, EvidenceIDs: []string{}, EvidenceHashes: []string{}}
			for _, x := range ev {
				d.EvidenceIDs, d.EvidenceHashes = append(d.EvidenceIDs, x.ID), append(d.EvidenceHashes, x.SHA256)
			}
			pp := *p
			prev := pp.Version
			pp.Settle([]*domain.Delivery{d}, lt0)
			return d, &pp, db.CreateDelivery(ctx, d, &pp, prev, []*domain.AuditEvent{lev(a, "delivery.report", d.ID), lev(a, "pledge.settle", pp.ID)})
		}
		d1, p0, err := deliver(ps[0], 4, e)
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := db.EvidenceByID(ctx, e.ID); got.DeliveryID != d1.ID {
			t.Fatalf("evidence not attached: %+v", got)
		}
		// The same file (another record) cannot back a second delivery, and
		// a failed report leaves nothing claimed and the pledge as it was.
		_, _, err = deliver(ps[1], 2, &e2)
		lcode(t, err, domain.ECONFLICT)
		if got, _ := db.EvidenceByID(ctx, e2.ID); got.DeliveryID != "" {
			t.Fatalf("failed report kept its claim: %+v", got)
		}
		if got, _ := db.PledgeByID(ctx, ps[1].ID); got.Version != ps[1].Version {
			t.Fatalf("failed report moved the pledge: %+v", got)
		}
		// A stale pledge version writes nothing.
		_, _, err = deliver(ps[0], 1)
		lcode(t, err, domain.ECONFLICT)
		if ds, err := db.DeliveriesOfPledge(ctx, ps[0].ID); err != nil || len(ds) != 1 || ds[0].ID != d1.ID {
			t.Fatalf("deliveries = %v, %v", ds, err)
		}
		if got, _ := db.PledgeByID(ctx, p0.ID); got.Status != domain.PledgeInDelivery || got.Version != p0.Version {
			t.Fatalf("pledge after delivery = %+v", got)
		}
		// Verify d1; reject a second one, which frees the file.
		dv := *d1
		if err := dv.Verify("officer", "checked on site", lt0); err != nil {
			t.Fatal(err)
		}
		pv := *p0
		pv.Settle([]*domain.Delivery{&dv}, lt0)
		if err := db.UpdateDelivery(ctx, &dv, d1.Version, &pv, p0.Version, []*domain.AuditEvent{lev(a, "delivery.verify", dv.ID), lev(a, "pledge.settle", pv.ID)}); err != nil {
			t.Fatal(err)
		}
		lcode(t, db.UpdateDelivery(ctx, &dv, d1.Version, &pv, p0.Version, []*domain.AuditEvent{lev(a, "delivery.verify", dv.ID)}), domain.ECONFLICT)
		d2, p1, err := deliver(ps[1], 10)
		if err != nil {
			t.Fatal(err)
		}
		dr := *d2
		if err := dr.Confirm("group", lt0); err != nil {
			t.Fatal(err)
		}
		pr := *p1
		pr.Settle([]*domain.Delivery{&dr}, lt0)
		if err := db.UpdateDelivery(ctx, &dr, d2.Version, &pr, p1.Version, []*domain.AuditEvent{lev(a, "delivery.confirm", dr.ID)}); err != nil {
			t.Fatal(err)
		}

		// The sums, computed in Go from the records.
		sums, err := db.LedgerSums(ctx, domain.LedgerFilter{AuthorityID: a.ID})
		if err != nil {
			t.Fatal(err)
		}
		var total domain.LedgerSum
		for _, s := range sums {
			if s.Dim == domain.DimTheme {
				total.Add(s)
			}
		}
		want := domain.LedgerSum{PledgedQty: 30, ApprovedQty: 30, DeliveredQty: 14, ConfirmedQty: 10, VerifiedQty: 4,
			PledgedPence: 51_000, ApprovedPence: 51_000, DeliveredPence: 14 * 1700, ConfirmedPence: 10 * 1700, VerifiedPence: 4 * 1700}
		if total != want {
			t.Fatalf("totals = %+v\nwant %+v", total, want)
		}
		for _, f := range []domain.LedgerFilter{
			{AuthorityID: a.ID, ContractID: k.ID}, {AuthorityID: a.ID, Area: req.Area}, {AuthorityID: a.ID, Month: "2026-03"},
			{AuthorityID: a.ID, MeasureCode: "EX-VOL-HOUR"}, {AuthorityID: a.ID, SupplierID: sup},
		} {
			sums, err := db.LedgerSums(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			var got domain.LedgerSum
			for _, s := range sums {
				if s.Dim == domain.DimTheme {
					got.Add(s)
				}
			}
			if got.PledgedPence != 51_000 {
				t.Fatalf("filter %+v: %+v", f, got)
			}
		}
		if sums, _ := db.LedgerSums(ctx, domain.LedgerFilter{AuthorityID: a.ID, ContractID: domain.LedgerNone}); len(sums) != 0 {
			t.Fatalf("no-contract sums = %+v", sums)
		}
		if lp, _, err := db.FindLedgerPledges(ctx, domain.LedgerPledgeFilter{LedgerFilter: domain.LedgerFilter{AuthorityID: a.ID, Theme: "social"}, Status: domain.PledgeApproved}); err != nil || len(lp) != 1 || lp[0].ID != ps[2].ID {
			t.Fatalf("ledger pledges = %v, %v", lp, err)
		}
		if ds, _, err := db.FindDeliveries(ctx, domain.DeliveryFilter{LedgerFilter: domain.LedgerFilter{AuthorityID: a.ID, Month: "2026-04"}, Status: domain.DeliveryVerified}); err != nil || len(ds) != 1 || ds[0].ID != d1.ID {
			t.Fatalf("deliveries = %v, %v", ds, err)
		}

		// Due lists.
		od, err := db.FindOverdue(ctx, a.ID, lt0.AddDate(0, 3, 0), 10)
		if err != nil || len(od) != 3 || od[0].ID != ps[0].ID {
			t.Fatalf("overdue = %v, %v", od, err)
		}
		lc, err := db.LapseCandidates(ctx, lt0.AddDate(0, 3, 0), 10)
		if err != nil || len(lc) != 2 || lc[0].ID != ps[0].ID || lc[1].ID != ps[2].ID {
			t.Fatalf("lapse = %v, %v", lc, err)
		}
		if od, _ := db.FindOverdue(ctx, a.ID, lt0, 10); len(od) != 0 {
			t.Fatalf("overdue early = %v", od)
		}
		chainOK(t, db, a)
	})
}

// TestLedgerRecover cuts a delivery report short after its commit point
// (the pledge written with its intent) and checks that Recover finishes it.
func TestLedgerRecover(t *testing.T) {
	ctx := context.Background()
	db := openTest(t, ferretURI)
	a := storetest.MustAuthority(t, db, "stockport")
	p := &domain.Pledge{ID: domain.NewID(), AuthorityID: a.ID, Authority: a.Slug, RequestID: domain.NewID(), OrganisationID: domain.NewID(), Offer: "x",
		Quantity: 2, Unit: "day", ValuePence: 500, ApprovedPence: 500, Status: domain.PledgeApproved, Area: "E1", Version: 1, CreatedAt: lt0, UpdatedAt: lt0}
	if err := db.CreatePledge(ctx, p, lev(a, "pledge.create", p.ID)); err != nil {
		t.Fatal(err)
	}
	d := &domain.Delivery{ID: domain.NewID(), AuthorityID: a.ID, PledgeID: p.ID, Quantity: 2, ValuePence: 500, Date: lt0, Status: domain.DeliveryReported, Version: 1, CreatedAt: lt0, UpdatedAt: lt0}
	pp := *p
	pp.Settle([]*domain.Delivery{d}, lt0)
	ins, err := insertOp(db.deliveries(), d.ID, deliveryFromDomain(d))
	if err != nil {
		t.Fatal(err)
	}
	pending, in, err := newIntent([]*domain.AuditEvent{lev(a, "delivery.report", d.ID), lev(a, "pledge.settle", p.ID)}, []intentOp{ins})
	if err != nil {
		t.Fatal(err)
	}
	doc := pledgeFromDomain(&pp, nil)
	doc.PendingAudit, doc.PendingIntent = pending, in
	if _, err := db.pledges.ReplaceOne(ctx, bson.D{{Key: "_id", Value: p.ID}}, doc); err != nil {
		t.Fatal(err)
	}
	// A writer that comes along first finishes the report, then conflicts.
	stale := *p
	stale.Version++
	lcode(t, db.UpdatePledge(ctx, &stale, 1, lev(a, "pledge.x", p.ID)), domain.ECONFLICT)
	if _, err := db.DeliveryByID(ctx, d.ID); err != nil {
		t.Fatalf("delivery not rolled forward: %v", err)
	}
	evs := chainOK(t, db, a)
	if n := len(evs); evs[n-2].Object != d.ID || evs[n-1].Action != "pledge.settle" {
		t.Fatalf("events out of order: %v %v", evs[n-2].Action, evs[n-1].Action)
	}

	// And Recover does the same for a report nobody touched again.
	d2 := *d
	d2.ID = domain.NewID()
	ins, _ = insertOp(db.deliveries(), d2.ID, deliveryFromDomain(&d2))
	pending, in, _ = newIntent([]*domain.AuditEvent{lev(a, "delivery.report", d2.ID)}, []intentOp{ins})
	p3 := pp
	p3.Version++
	doc = pledgeFromDomain(&p3, nil)
	doc.PendingAudit, doc.PendingIntent = pending, in
	if _, err := db.pledges.ReplaceOne(ctx, bson.D{{Key: "_id", Value: p.ID}}, doc); err != nil {
		t.Fatal(err)
	}
	if err := db.Recover(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := db.DeliveryByID(ctx, d2.ID); err != nil {
		t.Fatalf("delivery not recovered: %v", err)
	}
	var st pendingState
	if err := db.pledges.FindOne(ctx, bson.D{{Key: "_id", Value: p.ID}}).Decode(&st); err != nil || st.Pending != nil || st.Intent != nil {
		t.Fatalf("pledge still pending: %+v, %v", st, err)
	}
	chainOK(t, db, a)
}

// TestAwardLocks checks what other writers do with a pledge an award has
// locked: wait (ECONFLICT) while the award may still commit, finish the
// award when it committed, and break a lock whose award never committed.
func TestAwardLocks(t *testing.T) {
	ctx := context.Background()
	db := openTest(t, ferretURI)
	a := storetest.MustAuthority(t, db, "stockport")
	k := &domain.Contract{ID: domain.NewID(), AuthorityID: a.ID, Reference: "R-1", Title: "Roads", ValuePence: 10_000_000, Stage: domain.StageTender, Version: 1, CreatedAt: lt0, UpdatedAt: lt0}
	if err := db.CreateContract(ctx, k, lev(a, "contract.create", k.ID)); err != nil {
		t.Fatal(err)
	}
	// A reference clash on update is ECONFLICT although FerretDB says InternalError.
	k2 := *k
	k2.ID, k2.Reference = domain.NewID(), "R-2"
	if err := db.CreateContract(ctx, &k2, lev(a, "contract.create", k2.ID)); err != nil {
		t.Fatal(err)
	}
	k2.Reference, k2.Version = "R-1", 2
	lcode(t, db.UpdateContract(ctx, &k2, 1, lev(a, "contract.update", k2.ID)), domain.ECONFLICT)

	newPledge := func() *domain.Pledge {
		p := &domain.Pledge{ID: domain.NewID(), AuthorityID: a.ID, RequestID: domain.NewID(), OrganisationID: domain.NewID(), Offer: "x",
			Quantity: 1, Unit: "day", ValuePence: 500, Status: domain.PledgeOffered, ContractID: k.ID, Version: 1, CreatedAt: lt0, UpdatedAt: lt0}
		if err := db.CreatePledge(ctx, p, lev(a, "pledge.create", p.ID)); err != nil {
			t.Fatal(err)
		}
		return p
	}
	withdraw := func(p *domain.Pledge) error {
		w := *p
		w.Status, w.Version = domain.PledgeWithdrawn, p.Version+1
		return db.UpdatePledge(ctx, &w, p.Version, lev(a, "pledge.withdraw", p.ID))
	}

	// A fresh lock of an award not (yet) committed: the writer must wait.
	p := newPledge()
	_, in, _ := newIntent(nil, nil)
	if ok, err := db.lockFor(ctx, db.pledges, p.ID, 1, in, k.ID); !ok || err != nil {
		t.Fatalf("lock: %v %v", ok, err)
	}
	if err := withdraw(p); !errors.Is(err, errLocked) {
		t.Fatalf("write to a locked pledge = %v, want errLocked", err)
	}
	if err := db.Recover(ctx); err != nil {
		t.Fatalf("Recover with a fresh lock: %v", err)
	}
	// Once the lock is old, it is broken and the write goes through.
	if _, err := db.pledges.UpdateOne(ctx, bson.D{{Key: "_id", Value: p.ID}}, bson.D{{Key: "$set", Value: bson.D{{Key: "pendingIntent.at", Value: lt0}}}}); err != nil {
		t.Fatal(err)
	}
	if err := withdraw(p); err != nil {
		t.Fatalf("write after the lock expired: %v", err)
	}

	// An award that committed but stopped before its writes: the next
	// writer of a locked pledge finishes the award first, then conflicts.
	q := newPledge()
	kk := *k
	pq := *q
	if err := pq.Commit("officer", pq.ValuePence, lt0.AddDate(0, 1, 0), lt0); err != nil {
		t.Fatal(err)
	}
	if err := kk.Award(&domain.Bid{ID: "b"}, &domain.ContractTier{}, lt0); err != nil {
		t.Fatal(err)
	}
	op, _ := replaceOp(db.pledges, q.ID, 1, pq.Version, pledgeFromDomain(&pq, nil))
	pending, in2, _ := newIntent([]*domain.AuditEvent{lev(a, "contract.award", k.ID), lev(a, "pledge.commit", q.ID)}, []intentOp{op})
	if ok, err := db.lockFor(ctx, db.pledges, q.ID, 1, in2, k.ID); !ok || err != nil {
		t.Fatalf("lock: %v %v", ok, err)
	}
	doc := contractFromDomain(&kk, nil)
	doc.PendingAudit, doc.PendingIntent = pending, in2
	if _, err := db.contracts().ReplaceOne(ctx, bson.D{{Key: "_id", Value: k.ID}}, doc); err != nil {
		t.Fatal(err)
	}
	lcode(t, withdraw(q), domain.ECONFLICT)
	if got, _ := db.PledgeByID(ctx, q.ID); got.Status != domain.PledgeApproved || got.Version != 2 {
		t.Fatalf("award not finished: %+v", got)
	}
	if got, _ := db.ContractByID(ctx, k.ID); got.Stage != domain.StageAwarded {
		t.Fatalf("contract = %+v", got)
	}
	var st pendingState
	if err := db.contracts().FindOne(ctx, bson.D{{Key: "_id", Value: k.ID}}).Decode(&st); err != nil || st.Intent != nil || st.Pending != nil {
		t.Fatalf("contract still pending: %+v %v", st, err)
	}
	chainOK(t, db, a)
}
