package mongo

// The social value ledger on MongoDB: measures (measure.go), contracts and
// bids (contract.go), deliveries (delivery.go), evidence (evidence.go) and
// the ledger's queries (here).
//
// # Changes of several documents: the intent
//
// A delivery report writes the delivery and its pledge; an award writes the
// contract, its bids and the pledges of the winning bid, each with events.
// Without transactions such a change is made roll-forward: one document
// (the pledge of a delivery, the contract of an award) is the commit point.
// It is written, compare-and-set on its version, with its new state, the
// first event (if any) as its pendingAudit and a pendingIntent holding every other
// write (documents in full, with the version each replaces) and the other
// events. Then the writes are applied (each compare-and-set, so applying
// twice is harmless), the events chained in order and both fields unset.
// A writer that stops half way leaves the pendingAudit, so Recover (or the
// next writer of that document, through flush) finishes the job.
//
// Before the commit point the writer checks that every other document is
// still at the version it read. An award, whose bids and pledges other
// writers may change at any time, also locks each of them first: a lock is
// a pendingIntent naming the award, so other writers' compare-and-set stops
// matching; they then finish the award if it committed, get ECONFLICT while
// it still may, and break a lock older than lockTimeout (a crashed awarder).
// The award's own writes replace the locked documents, removing the locks.
// A delivery needs no lock: every change of a delivery goes through its
// pledge's version. Should a write of a committed intent still find its
// document at another version (an awarder stalled past lockTimeout), it is
// skipped and logged.

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"needmatch/domain"

	"go.mongodb.org/mongo-driver/v2/bson"
	driver "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

var _ domain.ValueStore = (*DB)(nil)

// Collections of the ledger.
func (db *DB) catalogues() *driver.Collection  { return db.db.Collection("catalogues") }
func (db *DB) contracts() *driver.Collection   { return db.db.Collection("contracts") }
func (db *DB) bids() *driver.Collection        { return db.db.Collection("bids") }
func (db *DB) deliveries() *driver.Collection  { return db.db.Collection("deliveries") }
func (db *DB) evidence() *driver.Collection    { return db.db.Collection("evidence") }
func (db *DB) evidenceUse() *driver.Collection { return db.db.Collection("evidenceUse") }

// ledgerAudited lists the ledger's collections whose documents carry a
// pendingAudit (or pendingIntent) while a change is being written.
func (db *DB) ledgerAudited() []*driver.Collection {
	return []*driver.Collection{db.catalogues(), db.contracts(), db.bids(), db.deliveries(), db.evidence(), db.questions(), db.remedies(), db.returns(), db.payments()}
}

// createLedgerIndexes creates the indexes of the ledger's queries (the
// pledges' are in createIndexes).
func (db *DB) createLedgerIndexes(ctx context.Context) error {
	pending := index("pending", false, "pendingAudit._id")
	for _, c := range []struct {
		coll   *driver.Collection
		models []driver.IndexModel
	}{
		{db.catalogues(), []driver.IndexModel{index("version", true, "authorityId", "version"), pending}},
		{db.payments(), []driver.IndexModel{index("key", true, "authorityId", "key"), index("authority_date", false, "authorityId", "date", "_id"), pending}},
		{db.contracts(), []driver.IndexModel{
			index("reference", true, "authorityId", "reference"),
			index("authority", false, "authorityId", "_id"),
			index("authority_stage", false, "authorityId", "stage", "_id"),
			index("authority_directorate", false, "authorityId", "directorateId", "_id"),
			pending,
			index("intent", false, "pendingIntent.id"),
		}},
		{db.questions(), []driver.IndexModel{
			index("authority", false, "authorityId", "_id"),
			index("contract", false, "authorityId", "contractId", "_id"),
			index("authority_status", false, "authorityId", "status", "_id"),
			pending,
		}},
		{db.remedies(), []driver.IndexModel{
			index("authority", false, "authorityId", "_id"),
			index("contract", false, "authorityId", "contractId", "_id"),
			index("supplier", false, "authorityId", "organisationId", "_id"),
			pending,
		}},
		{db.returns(), []driver.IndexModel{
			index("quarter", true, "contractId", "fy", "quarter"),
			index("authority", false, "authorityId", "_id"),
			index("contract", false, "authorityId", "contractId", "_id"),
			index("supplier", false, "authorityId", "organisationId", "_id"),
			pending,
		}},
		{db.bids(), []driver.IndexModel{
			index("supplier_contract", true, "contractId", "organisationId"),
			index("intent", false, "pendingIntent.id"),
			index("authority", false, "authorityId", "_id"),
			index("authority_contract", false, "authorityId", "contractId", "_id"),
			index("authority_supplier", false, "authorityId", "organisationId", "_id"),
			pending,
		}},
		{db.deliveries(), []driver.IndexModel{
			index("pledge", false, "pledgeId", "_id"),
			index("source", false, "authorityId", "source", "status", "_id"),
			index("authority", false, "authorityId", "_id"),
			index("supplier", false, "authorityId", "organisationId", "_id"),
			index("group", false, "authorityId", "requestOrgId", "_id"),
			index("contract", false, "authorityId", "contractId", "_id"),
			index("area", false, "authorityId", "area", "_id"),
			index("theme", false, "authorityId", "theme", "_id"),
			index("month", false, "authorityId", "month", "_id"),
			index("measure", false, "authorityId", "measureCode", "_id"),
			index("status", false, "authorityId", "status", "_id"),
			pending,
			index("dirty", false, "authorityId", "dirty"),
			index("cells", false, "cells"),
		}},
		{db.evidence(), []driver.IndexModel{index("delivery", false, "deliveryId"), pending}},
		{db.evidenceUse(), []driver.IndexModel{index("delivery", false, "deliveryId"), index("claimed", false, "claimedAt")}},
	} {
		for _, m := range c.models {
			if _, err := c.coll.Indexes().CreateOne(ctx, m); err != nil {
				return errors.Join(errors.New("mongodb: create indexes of "+c.coll.Name()), translate(err))
			}
		}
	}
	return nil
}

// Intent operations.
const (
	opInsert     = "insert"     // insert Doc (already there is fine)
	opReplace    = "replace"    // replace document ID at version Prev with Doc at Version
	opDeleteUses = "deleteUses" // free the evidence hashes claimed by delivery ID
	opKeepUses   = "keepUses"   // mark delivery ID's claims as committed (never stale)
)

type intentOp struct {
	Op      string   `bson:"op"`
	Coll    string   `bson:"coll"`
	ID      string   `bson:"id"`
	Prev    int64    `bson:"prev"`
	Version int64    `bson:"version"`
	Doc     bson.Raw `bson:"doc,omitempty"`
}

// intentDoc is the pendingIntent of a commit-point document: the writes to
// other documents and the events after its pendingAudit, in order.
type intentDoc struct {
	ID string `bson:"id"`
	// Lock, on a bid or pledge, names the contract whose award (intent ID)
	// is about to write it: other writers wait for the award (see lockOf).
	Lock   string     `bson:"lock,omitempty"`
	At     time.Time  `bson:"at"`
	Ops    []intentOp `bson:"ops"`
	Events []auditDoc `bson:"events"`
}

// newIntent builds the pendingAudit (the first event, if any) and the
// pendingIntent of a change with the events evs.
func newIntent(evs []*domain.AuditEvent, ops []intentOp) (*auditDoc, *intentDoc, error) {
	in := &intentDoc{ID: domain.NewID(), At: time.Now().UTC().Truncate(time.Millisecond), Ops: ops, Events: []auditDoc{}}
	if len(evs) == 0 {
		return nil, in, nil
	}
	for _, ev := range evs[1:] {
		if ev == nil {
			return nil, nil, errors.New("mongodb: a nil audit event")
		}
		in.Events = append(in.Events, *pendingOf(ev))
	}
	return pendingOf(evs[0]), in, nil
}

func replaceOp(coll *driver.Collection, id string, prev, version int64, doc any) (intentOp, error) {
	raw, err := bson.Marshal(doc)
	return intentOp{Op: opReplace, Coll: coll.Name(), ID: id, Prev: prev, Version: version, Doc: raw}, err
}

func insertOp(coll *driver.Collection, id string, doc any) (intentOp, error) {
	raw, err := bson.Marshal(doc)
	return intentOp{Op: opInsert, Coll: coll.Name(), ID: id, Doc: raw}, err
}

// notPending is the filter part that a document has no unfinished change.
var notPending = bson.D{
	{Key: "pendingAudit", Value: bson.D{{Key: "$exists", Value: false}}},
	{Key: "pendingOrg", Value: bson.D{{Key: "$exists", Value: false}}},
	{Key: "pendingIntent", Value: bson.D{{Key: "$exists", Value: false}}},
}

// checkVersion reports ECONFLICT unless document id of coll is at version
// prev with no unfinished change (which it finishes first).
func (db *DB) checkVersion(ctx context.Context, coll *driver.Collection, id string, prev int64, what string) error {
	for range maxChainAttempts {
		var st pendingState
		if err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: id}}, options.FindOne().SetProjection(pendingProjection)).Decode(&st); err != nil {
			return notFound(err, what+" not found.")
		}
		if st.Pending == nil && st.Org == nil && st.Intent == nil {
			if st.Version != prev {
				return conflict()
			}
			return nil
		}
		if err := db.flush(ctx, coll, &st); err != nil {
			return err
		}
	}
	return conflict()
}

// commitIntent replaces document id of coll, at version prev, with doc,
// which must carry p as its pendingAudit and in as its pendingIntent (the
// commit point), then completes the intent. evs, when not nil, get their
// chained seq and hashes.
func (db *DB) commitIntent(ctx context.Context, coll *driver.Collection, id string, prev int64, doc any, p *auditDoc, in *intentDoc, evs []*domain.AuditEvent, what string) error {
	filter := append(bson.D{{Key: "_id", Value: id}, {Key: "version", Value: prev}}, notPending...)
	answers(ctx, p) // p is doc's pendingAudit: the key goes through the commit point
	for range maxChainAttempts {
		res, err := coll.ReplaceOne(ctx, filter, doc)
		if err != nil && !db.landed(ctx, coll, id, p, err) {
			return translate(err)
		}
		if err != nil || res.MatchedCount == 1 {
			return db.afterCommit(ctx, coll.Name()+" "+id, func(ctx context.Context) error { return db.completeIntent(ctx, coll, id, p, in, evs) })
		}
		var st pendingState
		if err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: id}}, options.FindOne().SetProjection(pendingProjection)).Decode(&st); err != nil {
			return notFound(err, what+" not found.")
		}
		if st.Pending == nil && st.Org == nil && st.Intent == nil {
			return conflict()
		}
		if err := db.flush(ctx, coll, &st); err != nil {
			return err
		}
		if st.Version != prev {
			return conflict()
		}
	}
	return conflict()
}

// completeIntent applies the writes of in, chains p and then in's events,
// and clears both from document id of coll.
func (db *DB) completeIntent(ctx context.Context, coll *driver.Collection, id string, p *auditDoc, in *intentDoc, evs []*domain.AuditEvent) error {
	for i := range in.Ops {
		if err := db.applyOp(ctx, in.ID, &in.Ops[i]); err != nil {
			return err
		}
	}
	all := make([]*auditDoc, 0, 1+len(in.Events))
	if p != nil {
		all = append(all, p)
	}
	for i := range in.Events {
		all = append(all, &in.Events[i])
	}
	for i, a := range all {
		chained, err := db.chain(ctx, a)
		if err != nil {
			return err
		}
		if i < len(evs) && evs[i] != nil {
			evs[i].Seq, evs[i].PrevHash, evs[i].Hash = chained.Seq, chained.PrevHash, chained.Hash
		}
	}
	filter := bson.D{{Key: "_id", Value: id}, {Key: "pendingIntent.id", Value: in.ID}}
	_, err := coll.UpdateOne(ctx, filter,
		bson.D{{Key: "$unset", Value: bson.D{{Key: "pendingAudit", Value: ""}, {Key: "pendingIntent", Value: ""}}}})
	return translate(err)
}

// applyOp applies one write of an intent; applying it again is harmless.
func (db *DB) applyOp(ctx context.Context, intentID string, op *intentOp) error {
	coll := db.db.Collection(op.Coll)
	switch op.Op {
	case opInsert:
		_, err := coll.InsertOne(ctx, op.Doc)
		if err == nil {
			return nil
		}
		if !driver.IsDuplicateKeyError(err) && !internalError(err) {
			return translate(err)
		}
		if n, cerr := coll.CountDocuments(ctx, bson.D{{Key: "_id", Value: op.ID}}); cerr != nil || n == 0 {
			return translate(err)
		}
		return nil
	case opDeleteUses:
		_, err := coll.DeleteMany(ctx, bson.D{{Key: "deliveryId", Value: op.ID}})
		return translate(err)
	case opKeepUses:
		_, err := coll.UpdateMany(ctx, bson.D{{Key: "deliveryId", Value: op.ID}}, bson.D{{Key: "$unset", Value: bson.D{{Key: "claimedAt", Value: ""}}}})
		return translate(err)
	case opReplace:
		// The document may carry this intent's lock, which the write removes.
		filter := bson.D{{Key: "_id", Value: op.ID}, {Key: "version", Value: op.Prev},
			{Key: "pendingAudit", Value: bson.D{{Key: "$exists", Value: false}}}, {Key: "pendingOrg", Value: bson.D{{Key: "$exists", Value: false}}},
			{Key: "$or", Value: bson.A{
				bson.D{{Key: "pendingIntent", Value: bson.D{{Key: "$exists", Value: false}}}},
				bson.D{{Key: "pendingIntent.id", Value: intentID}},
			}}}
		for range maxChainAttempts {
			res, err := coll.ReplaceOne(ctx, filter, op.Doc)
			if err != nil {
				return translate(err)
			}
			if res.MatchedCount == 1 {
				return nil
			}
			var st pendingState
			err = coll.FindOne(ctx, bson.D{{Key: "_id", Value: op.ID}}, options.FindOne().SetProjection(pendingProjection)).Decode(&st)
			if errors.Is(err, driver.ErrNoDocuments) {
				slog.Error("mongodb: a document of a committed change is gone; its write is skipped", "collection", op.Coll, "id", op.ID)
				return nil
			} else if err != nil {
				return translate(err)
			}
			if st.Version >= op.Version && st.Version != op.Prev {
				return nil // applied already
			}
			if st.Pending == nil && st.Org == nil && (st.Intent == nil || st.Intent.ID == intentID) {
				if st.Version == op.Prev {
					continue
				}
				slog.Error("mongodb: a document of a committed change was changed by another writer first; its write is skipped",
					"collection", op.Coll, "id", op.ID, "want", op.Prev, "found", st.Version)
				return nil
			}
			if err := db.flush(ctx, coll, &st); err != nil {
				return err
			}
		}
		return conflict()
	}
	return errors.New("mongodb: unknown intent operation " + op.Op)
}

// lockTimeout is how long a lock of an award that has not committed holds
// off other writers before they break it.
const lockTimeout = time.Minute

// errLocked is the ECONFLICT of a write to a bid or pledge that an award
// is writing at this moment.
var errLocked = &domain.Error{Code: domain.ECONFLICT, Message: "The contract is being awarded at this moment; reload and try again."}

// lockFor writes the lock of award intent in on document id of coll if it
// is at version prev with no unfinished change; false when it is not.
func (db *DB) lockFor(ctx context.Context, coll *driver.Collection, id string, prev int64, in *intentDoc, contractID string) (bool, error) {
	lock := intentDoc{ID: in.ID, Lock: contractID, At: in.At, Ops: []intentOp{}, Events: []auditDoc{}}
	res, err := coll.UpdateOne(ctx, append(bson.D{{Key: "_id", Value: id}, {Key: "version", Value: prev}}, notPending...),
		bson.D{{Key: "$set", Value: bson.D{{Key: "pendingIntent", Value: lock}}}})
	if err != nil {
		return false, translate(err)
	}
	return res.MatchedCount == 1, nil
}

// unlock removes the lock of intent id from document id of coll.
func (db *DB) unlock(ctx context.Context, coll *driver.Collection, id, intentID string) {
	if _, err := coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "pendingIntent.id", Value: intentID}},
		bson.D{{Key: "$unset", Value: bson.D{{Key: "pendingIntent", Value: ""}}}}); err != nil {
		slog.Error("mongodb: cannot remove an award's lock; it expires", "collection", coll.Name(), "id", id, "err", err)
	}
}

// resolveLock deals with the lock in on document id of coll: when its
// award committed, the award is finished (which writes the document);
// when it did not and the lock is older than lockTimeout, the lock is
// removed; otherwise errLocked.
func (db *DB) resolveLock(ctx context.Context, coll *driver.Collection, id string, in *intentDoc) error {
	var st pendingState
	err := db.contracts().FindOne(ctx, bson.D{{Key: "_id", Value: in.Lock}}, options.FindOne().SetProjection(pendingProjection)).Decode(&st)
	if err != nil && !errors.Is(err, driver.ErrNoDocuments) {
		return translate(err)
	}
	if err == nil && st.Intent != nil && st.Intent.ID == in.ID {
		return db.flush(ctx, db.contracts(), &st)
	}
	now, err := db.serverNow(ctx)
	if err != nil {
		return err
	}
	if now.Sub(in.At) < lockTimeout {
		return errLocked
	}
	db.unlock(ctx, coll, id, in.ID)
	return nil
}

// claimTimeout is how long an evidence claim may wait for its delivery
// before Recover frees it.
const claimTimeout = 10 * time.Minute

// recoverLedger finishes the changes of several documents whose writer
// stopped after the commit point (those with events were finished already
// through their pendingAudit), fills the ward of pledges made before the ledger (from
// their request) and frees evidence claimed by a delivery report that
// never committed.
func (db *DB) recoverLedger(ctx context.Context, cutoff time.Time) (int64, error) {
	var n int64
	filter := bson.D{{Key: "pendingIntent.id", Value: bson.D{{Key: "$gt", Value: ""}}}}
	if !cutoff.IsZero() {
		filter = append(filter, bson.E{Key: "pendingIntent.at", Value: bson.D{{Key: "$lt", Value: cutoff}}})
	}
	for _, coll := range []*driver.Collection{db.contracts(), db.bids(), db.pledges} {
		cur, err := coll.Find(ctx, filter, options.Find().SetProjection(pendingProjection))
		if err != nil {
			return n, translate(err)
		}
		var sts []pendingState
		if err := cur.All(ctx, &sts); err != nil {
			return n, translate(err)
		}
		for i := range sts {
			switch err := db.flush(ctx, coll, &sts[i]); {
			case err == nil:
				n++
			case !errors.Is(err, errLocked):
				return n, err
			}
		}
	}
	cur, err := db.pledges.Find(ctx, bson.D{{Key: "area", Value: bson.D{{Key: "$exists", Value: false}}}},
		options.Find().SetProjection(projectionOf(append(rollFields, "requestId")...)))
	if err != nil {
		return n, translate(err)
	}
	var old []struct {
		rollRecord `bson:",inline"`
		RequestID  string `bson:"requestId"`
	}
	if err := cur.All(ctx, &old); err != nil {
		return n, translate(err)
	}
	for _, p := range old {
		var r struct {
			Area string `bson:"area"`
		}
		if err := db.requests.FindOne(ctx, bson.D{{Key: "_id", Value: p.RequestID}}, options.FindOne().SetProjection(bson.D{{Key: "area", Value: 1}})).Decode(&r); err != nil && !errors.Is(err, driver.ErrNoDocuments) {
			return n, translate(err)
		}
		// The ward is a key of the ledger's cells.
		lp := p.pledge()
		lp.Area = r.Area
		cells := pledgeCells(lp)
		if _, err := db.pledges.UpdateOne(ctx, bson.D{{Key: "_id", Value: p.ID}, {Key: "version", Value: p.Version}, {Key: "area", Value: bson.D{{Key: "$exists", Value: false}}}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "area", Value: r.Area}, {Key: "cells", Value: cells}, {Key: "dirty", Value: true}}}}); err != nil {
			return n, translate(err)
		}
	}
	now, err := db.serverNow(ctx)
	if err != nil {
		return n, err
	}
	return n, db.freeStaleClaims(ctx, now.Add(-claimTimeout))
}

// ledgerFilter turns a ledger filter into a query on the ledger's fields;
// supplierField names the supplier's field. The month (and the months of a
// financial year or quarter) is matched by monthField (a YYYY-MM string)
// or, when it is empty, by createdAt.
func ledgerFilter(f domain.LedgerFilter, monthField string) (bson.D, error) {
	filter := bson.D{{Key: "authorityId", Value: f.AuthorityID}}
	for _, c := range []struct{ field, v string }{
		{"contractId", f.ContractID}, {"organisationId", f.SupplierID}, {"requestOrgId", f.RequestOrgID}, {"area", f.Area},
		{"theme", f.Theme}, {"measureCode", f.MeasureCode},
	} {
		switch c.v {
		case "":
		case domain.LedgerNone:
			filter = append(filter, bson.E{Key: c.field, Value: bson.D{{Key: "$in", Value: bson.A{"", nil}}}})
		default:
			filter = append(filter, bson.E{Key: c.field, Value: c.v})
		}
	}
	if f.Month != "" {
		if monthField != "" {
			filter = append(filter, bson.E{Key: monthField, Value: f.Month})
		} else {
			start, err := time.Parse("2006-01", f.Month)
			if err != nil {
				return nil, domain.FieldErrorf("month", "month must be YYYY-MM")
			}
			filter = append(filter, bson.E{Key: "createdAt", Value: bson.D{{Key: "$gte", Value: start}, {Key: "$lt", Value: start.AddDate(0, 1, 0)}}})
		}
	}
	// The financial year's months go under $and: a month filter may use
	// the same field.
	if from, to := f.MonthRange(); from != "" {
		period := bson.D{{Key: monthField, Value: bson.D{{Key: "$gte", Value: from}, {Key: "$lte", Value: to}}}}
		if monthField == "" {
			start, err1 := time.Parse("2006-01", from)
			last, err2 := time.Parse("2006-01", to)
			if err1 != nil || err2 != nil {
				return nil, domain.FieldErrorf("fy", "fy must be YYYY")
			}
			period = bson.D{{Key: "createdAt", Value: bson.D{{Key: "$gte", Value: start}, {Key: "$lt", Value: last.AddDate(0, 1, 0)}}}}
		}
		filter = append(filter, bson.E{Key: "$and", Value: bson.A{period}})
	}
	return filter, nil
}

// ledgerRecord is what the sums read of a pledge or a delivery alike.
type ledgerRecord struct {
	AuthorityID    string `bson:"authorityId"`
	ContractID     string `bson:"contractId"`
	OrganisationID string `bson:"organisationId"`
	RequestOrgID   string `bson:"requestOrgId"`
	Area           string `bson:"area"`
	Theme          string `bson:"theme"`
	MeasureCode    string `bson:"measureCode"`
	Status         string `bson:"status"`
	Quantity       int64  `bson:"quantity"`
	ValuePence     int64  `bson:"valuePence"`
}

// ledgerFields are ledgerRecord's fields.
var ledgerFields = []string{"authorityId", "contractId", "organisationId", "requestOrgId", "area", "theme", "measureCode", "status", "quantity", "valuePence"}

// ledgerPledge is what the sums read of a pledge.
type ledgerPledge struct {
	Rec           ledgerRecord `bson:",inline"`
	ApprovedPence int64        `bson:"approvedPence"`
	CreatedAt     time.Time    `bson:"createdAt"`
}

// ledgerDelivery is what the sums read of a delivery.
type ledgerDelivery struct {
	Rec       ledgerRecord `bson:",inline"`
	Date      time.Time    `bson:"date"`
	Confirmed bool         `bson:"confirmed"`
}

func projectionOf(fields ...string) bson.D {
	d := bson.D{{Key: "_id", Value: 0}}
	for _, f := range fields {
		d = append(d, bson.E{Key: f, Value: 1})
	}
	return d
}

// LedgerSums reads the matching pledges and deliveries (only the ledger's
// fields) and adds them up in Go with the ledger's definition
// (domain.LedgerSumsOf): FerretDB's $group gets a second accumulator
// wrong, and every total is derived from the records each time.
//
// The ledger of an authority, a contract, a measure, a month, a financial
// year or quarter is added up from the rollups instead (see rollup.go).
func (db *DB) LedgerSums(ctx context.Context, f domain.LedgerFilter) ([]domain.LedgerSum, error) {
	if rolledUp(f) {
		return db.rolledUpSums(ctx, f)
	}
	pf, err := ledgerFilter(f, "")
	if err != nil {
		return nil, err
	}
	cur, err := db.pledges.Find(ctx, pf, options.Find().SetProjection(projectionOf(append(ledgerFields, "approvedPence", "createdAt")...)))
	if err != nil {
		return nil, translate(err)
	}
	var lps []ledgerPledge
	if err := cur.All(ctx, &lps); err != nil {
		return nil, translate(err)
	}
	ps := make([]*domain.Pledge, len(lps))
	for i, p := range lps {
		r := p.Rec
		ps[i] = &domain.Pledge{AuthorityID: r.AuthorityID, ContractID: r.ContractID, OrganisationID: r.OrganisationID, RequestOrgID: r.RequestOrgID, Area: r.Area,
			Theme: r.Theme, MeasureCode: r.MeasureCode, Status: domain.PledgeStatus(r.Status), Quantity: r.Quantity, ValuePence: r.ValuePence, ApprovedPence: p.ApprovedPence, CreatedAt: p.CreatedAt}
	}
	df, err := ledgerFilter(f, "month")
	if err != nil {
		return nil, err
	}
	df = append(df, bson.E{Key: "status", Value: bson.D{{Key: "$ne", Value: domain.DeliveryRejected}}})
	cur, err = db.deliveries().Find(ctx, df, options.Find().SetProjection(projectionOf(append(ledgerFields, "date", "confirmed")...)))
	if err != nil {
		return nil, translate(err)
	}
	var lds []ledgerDelivery
	if err := cur.All(ctx, &lds); err != nil {
		return nil, translate(err)
	}
	ds := make([]*domain.Delivery, len(lds))
	for i, d := range lds {
		r := d.Rec
		ds[i] = &domain.Delivery{AuthorityID: r.AuthorityID, ContractID: r.ContractID, OrganisationID: r.OrganisationID, RequestOrgID: r.RequestOrgID, Area: r.Area,
			Theme: r.Theme, Date: d.Date, MeasureCode: r.MeasureCode, Status: r.Status, Confirmed: d.Confirmed, Quantity: r.Quantity, ValuePence: r.ValuePence}
	}
	return domain.LedgerSumsOf(ps, ds, f), nil
}

// FindLedgerPledges lists the pledges behind a ledger figure, newest first.
func (db *DB) FindLedgerPledges(ctx context.Context, f domain.LedgerPledgeFilter) ([]*domain.Pledge, string, error) {
	filter, err := ledgerFilter(f.LedgerFilter, "")
	if err != nil {
		return nil, "", err
	}
	filter = eq(filter, "status", string(f.Status))
	return findPage(ctx, db.pledges, filter, f.Page, (*pledgeDoc).toDomain, func(p *domain.Pledge) string { return p.ID })
}

// commitments are the statuses of a pledge that is still owed.
var commitments = bson.A{domain.PledgeApproved, domain.PledgeInDelivery, domain.PledgeDelivered, domain.PledgeConfirmed}

// FindOverdue lists the authority's commitments due before the time,
// oldest due first.
func (db *DB) FindOverdue(ctx context.Context, authorityID string, before time.Time, limit int) ([]*domain.Pledge, error) {
	return db.duePledges(ctx, bson.D{{Key: "authorityId", Value: authorityID}, {Key: "status", Value: bson.D{{Key: "$in", Value: commitments}}},
		{Key: "dueDate", Value: bson.D{{Key: "$gt", Value: time.Unix(0, 0)}, {Key: "$lt", Value: before}}}}, limit)
}

// LapseCandidates lists approved or in-delivery pledges of any authority
// due before the time.
func (db *DB) LapseCandidates(ctx context.Context, before time.Time, limit int) ([]*domain.Pledge, error) {
	return db.duePledges(ctx, bson.D{{Key: "status", Value: bson.D{{Key: "$in", Value: bson.A{domain.PledgeApproved, domain.PledgeInDelivery}}}},
		{Key: "dueDate", Value: bson.D{{Key: "$gt", Value: time.Unix(0, 0)}, {Key: "$lt", Value: before}}}}, limit)
}

func (db *DB) duePledges(ctx context.Context, filter bson.D, limit int) ([]*domain.Pledge, error) {
	opts := options.Find().SetSort(key("dueDate", "_id")).SetProjection(bson.D{{Key: "pendingAudit", Value: 0}, {Key: "pendingIntent", Value: 0}})
	if limit > 0 {
		opts.SetLimit(int64(limit))
	}
	cur, err := db.pledges.Find(ctx, filter, opts)
	if err != nil {
		return nil, translate(err)
	}
	var docs []pledgeDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, translate(err)
	}
	out := make([]*domain.Pledge, 0, len(docs))
	for i := range docs {
		out = append(out, docs[i].toDomain())
	}
	return out, nil
}
