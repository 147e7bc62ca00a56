package mongo

import (
	"context"
	"encoding/json"
	"errors"
	"sort"
	"time"

	"needmatch/domain"

	"go.mongodb.org/mongo-driver/v2/bson"
	driver "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// auditDoc is an audit event: a document of the audit collection, or, not
// yet chained (Seq 0, no hashes), the pendingAudit of a changed document.
// Before and After are kept as strings so the hash recomputes byte for byte.
type auditDoc struct {
	ID          string    `bson:"_id"`
	Seq         int64     `bson:"seq"`
	AuthorityID string    `bson:"authorityId"`
	Actor       string    `bson:"actor"`
	Action      string    `bson:"action"`
	ObjectType  string    `bson:"objectType"`
	Object      string    `bson:"object"`
	Before      string    `bson:"before"`
	After       string    `bson:"after"`
	At          time.Time `bson:"at"`
	PrevHash    string    `bson:"prevHash"`
	Hash        string    `bson:"hash"`
	// Notes are the notifications of a pending event (never in the audit
	// collection): chaining the event inserts them.
	Notes []notificationDoc `bson:"notes,omitempty"`
	// Idem is the _id of the idempotency record that a pending event
	// answers (never in the audit collection): the claimed key of the
	// request that made the change, carried through the commit point so
	// that chaining the event, in the request or in the recovery sweep,
	// records the answer (see answerIdempotency).
	Idem string `bson:"idem,omitempty"`
}

// pendingOf returns the outbox entry of ev, or nil. BSON dates keep
// milliseconds, so ev.At is truncated first: the hash is computed over what
// is stored.
func pendingOf(ev *domain.AuditEvent) *auditDoc {
	if ev == nil {
		return nil
	}
	ev.At = ev.At.UTC().Truncate(time.Millisecond)
	return &auditDoc{
		ID: ev.ID, AuthorityID: ev.AuthorityID, Actor: ev.Actor, Action: ev.Action, ObjectType: ev.ObjectType, Object: ev.Object,
		Before: string(ev.Before), After: string(ev.After), At: ev.At, Notes: notesOf(ev),
	}
}

// answers marks the pending event p (the pendingAudit of the document
// about to be written) with the Idempotency-Key claimed under ctx, if any.
// Every commit write calls it before it writes p, so that the key goes
// through the commit point with the change: a process killed between the
// commit and the chaining leaves the key to the recovery sweep to answer,
// not claimed until it expires (and then free for a second object).
func answers(ctx context.Context, p *auditDoc) {
	if r := domain.IdempotencyOf(ctx); r != nil && p != nil && p.Idem == "" {
		p.Idem = idempotencyID(r.UserID, r.Key)
	}
}

func raw(s string) json.RawMessage {
	if s == "" {
		return nil
	}
	return json.RawMessage(s)
}

func (d *auditDoc) toDomain() *domain.AuditEvent {
	return &domain.AuditEvent{
		ID: d.ID, Seq: d.Seq, AuthorityID: d.AuthorityID, Actor: d.Actor, Action: d.Action, ObjectType: d.ObjectType, Object: d.Object,
		Before: raw(d.Before), After: raw(d.After), At: d.At.UTC(), PrevHash: d.PrevHash, Hash: d.Hash,
	}
}

func auditFromDomain(e *domain.AuditEvent) *auditDoc {
	return &auditDoc{
		ID: e.ID, Seq: e.Seq, AuthorityID: e.AuthorityID, Actor: e.Actor, Action: e.Action, ObjectType: e.ObjectType, Object: e.Object,
		Before: string(e.Before), After: string(e.After), At: e.At, PrevHash: e.PrevHash, Hash: e.Hash,
	}
}

// maxChainAttempts bounds how often one event retries for a seq that other
// writers keep taking.
const maxChainAttempts = 1000

// head returns the seq and hash of the authority's last event (0 and "" when none).
func (db *DB) head(ctx context.Context, authorityID string) (int64, string, error) {
	var h struct {
		Seq  int64  `bson:"seq"`
		Hash string `bson:"hash"`
	}
	err := db.audit.FindOne(ctx, bson.D{{Key: "authorityId", Value: authorityID}},
		options.FindOne().SetSort(key("-seq")).SetProjection(bson.D{{Key: "seq", Value: 1}, {Key: "hash", Value: 1}})).Decode(&h)
	if errors.Is(err, driver.ErrNoDocuments) {
		return 0, "", nil
	}
	return h.Seq, h.Hash, translate(err)
}

// AuditHead returns the seq and hash of the authority's last event.
func (db *DB) AuditHead(ctx context.Context, authorityID string) (int64, string, error) {
	return db.head(ctx, authorityID)
}

// chain appends the pending event p to its authority's chain (outbox step 2),
// inserts its notifications, and returns it chained. An event already in
// the chain is left as it is (its notifications are inserted if missing).
func (db *DB) chain(ctx context.Context, p *auditDoc) (*domain.AuditEvent, error) {
	ev, err := db.chainEvent(ctx, p)
	if err != nil {
		return nil, err
	}
	if err := db.insertNotes(ctx, p.Notes); err != nil {
		return nil, err
	}
	return ev, db.answerIdempotency(ctx, p.Idem, ev)
}

// answerIdempotency records the answer of the committed change ev in the
// idempotency record id (none: nothing), unless the record has its answer
// already (the first event of a change answers, and the request's own
// answer replaces it when the request ends).
func (db *DB) answerIdempotency(ctx context.Context, id string, ev *domain.AuditEvent) error {
	if id == "" {
		return nil
	}
	status, ctype, body := domain.CommittedAnswer(ev)
	_, err := db.idempotency.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "done", Value: false}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "done", Value: true}, {Key: "status", Value: status}, {Key: "contentType", Value: ctype}, {Key: "body", Value: body}}}})
	return translate(err)
}

func (db *DB) chainEvent(ctx context.Context, p *auditDoc) (*domain.AuditEvent, error) {
	for range maxChainAttempts {
		seq, hash, err := db.head(ctx, p.AuthorityID)
		if err != nil {
			return nil, err
		}
		ev := p.toDomain()
		ev.Chain(seq, hash)
		_, err = db.audit.InsertOne(ctx, auditFromDomain(ev))
		if err == nil {
			return ev, nil
		}
		if !driver.IsDuplicateKeyError(err) && !internalError(err) {
			return nil, translate(err)
		}
		// Either the event is in already (recovered by someone else), or
		// another writer took the seq: then re-read the head and retry.
		var done auditDoc
		switch derr := db.audit.FindOne(ctx, bson.D{{Key: "_id", Value: p.ID}}).Decode(&done); {
		case derr == nil:
			return done.toDomain(), nil
		case !errors.Is(derr, driver.ErrNoDocuments):
			return nil, translate(derr)
		}
		if internalError(err) {
			// FerretDB reports a unique violation as InternalError: it was
			// one only if the seq is taken now.
			now, _, herr := db.head(ctx, p.AuthorityID)
			if herr != nil {
				return nil, herr
			}
			if now < ev.Seq {
				return nil, translate(err)
			}
		}
	}
	return nil, domain.Errorf(domain.EUNAVAILABLE, "The audit trail is too busy; try again.")
}

// complete runs outbox steps 2 and 3 for the pending event p of document id
// in coll, just written with p (the commit point), and copies the chained
// seq and hashes to ev when it is not nil. The change is committed, so
// complete never reports it failed (see afterCommit). p carries the
// request's Idempotency-Key already (see answers).
func (db *DB) complete(ctx context.Context, coll *driver.Collection, id string, p *auditDoc, ev *domain.AuditEvent) error {
	return db.afterCommit(ctx, coll.Name()+" "+id, func(ctx context.Context) error { return db.finish(ctx, coll, id, p, ev) })
}

// finish runs outbox steps 2 and 3 for the pending event p of document id
// in coll, and copies the chained seq and hashes to ev when it is not nil.
func (db *DB) finish(ctx context.Context, coll *driver.Collection, id string, p *auditDoc, ev *domain.AuditEvent) error {
	if p == nil {
		return nil
	}
	chained, err := db.chain(ctx, p)
	if err != nil {
		return err
	}
	if ev != nil {
		ev.Seq, ev.PrevHash, ev.Hash = chained.Seq, chained.PrevHash, chained.Hash
	}
	_, err = coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "pendingAudit._id", Value: p.ID}},
		bson.D{{Key: "$unset", Value: bson.D{{Key: "pendingAudit", Value: ""}, {Key: "pendingOrg", Value: ""}, {Key: "pendingIntent", Value: ""}}}})
	return translate(err)
}

// pendingState is what a document holds of an unfinished change.
type pendingState struct {
	ID      string           `bson:"_id"`
	Version int64            `bson:"version"`
	Pending *auditDoc        `bson:"pendingAudit"`
	Org     *organisationDoc `bson:"pendingOrg"`
	Intent  *intentDoc       `bson:"pendingIntent"`
}

var pendingProjection = bson.D{{Key: "version", Value: 1}, {Key: "pendingAudit", Value: 1}, {Key: "pendingOrg", Value: 1}, {Key: "pendingIntent", Value: 1}}

// flush completes the unfinished change st of a document of coll: first the
// organisation of a registration cut short, then the document's own event.
func (db *DB) flush(ctx context.Context, coll *driver.Collection, st *pendingState) error {
	if st.Org != nil {
		if err := db.insertRegisteredOrg(ctx, st.ID, st.Org); domain.ErrorCode(err) == domain.ECONFLICT {
			return nil // its name was taken: the registration was never made, its user is gone
		} else if err != nil {
			return err
		}
		if err := db.finish(ctx, db.organisations, st.Org.ID, st.Org.PendingAudit, nil); err != nil {
			return err
		}
	}
	if st.Intent != nil && st.Intent.Lock != "" {
		return db.resolveLock(ctx, coll, st.ID, st.Intent)
	}
	if st.Intent != nil {
		return db.completeIntent(ctx, coll, st.ID, st.Pending, st.Intent, nil)
	}
	return db.finish(ctx, coll, st.ID, st.Pending, nil)
}

// insertAudited inserts doc (carrying p as its pendingAudit) and completes
// the outbox for it.
func (db *DB) insertAudited(ctx context.Context, coll *driver.Collection, id string, doc any, p *auditDoc, ev *domain.AuditEvent) error {
	answers(ctx, p) // p is doc's pendingAudit: the key goes through the commit point
	if _, err := coll.InsertOne(ctx, doc); err != nil && !db.landed(ctx, coll, id, p, err) {
		return translate(err)
	}
	return db.complete(ctx, coll, id, p, ev)
}

// replaceAudited replaces document id of coll with doc (carrying p) if its
// version is prev, then completes the outbox. A pendingAudit left on the
// document by another writer is completed first, so events stay in order.
// onErr, when not nil, may translate a write error.
func (db *DB) replaceAudited(ctx context.Context, coll *driver.Collection, id string, prev int64, doc any, p *auditDoc, ev *domain.AuditEvent, what string, onErr func(error) error) error {
	filter := bson.D{{Key: "_id", Value: id}, {Key: "version", Value: prev},
		{Key: "pendingAudit", Value: bson.D{{Key: "$exists", Value: false}}}, {Key: "pendingOrg", Value: bson.D{{Key: "$exists", Value: false}}},
		{Key: "pendingIntent", Value: bson.D{{Key: "$exists", Value: false}}}}
	answers(ctx, p) // p is doc's pendingAudit: the key goes through the commit point
	for range maxChainAttempts {
		res, err := coll.ReplaceOne(ctx, filter, doc)
		if err != nil && db.landed(ctx, coll, id, p, err) {
			return db.complete(ctx, coll, id, p, ev)
		}
		if err != nil {
			if onErr != nil {
				return onErr(err)
			}
			return translate(err)
		}
		if res.MatchedCount == 1 {
			return db.complete(ctx, coll, id, p, ev)
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

// Recover completes every change whose writer stopped before its audit
// event was chained (outbox steps 2 and 3). Open calls it; it is safe to run
// at any time, also while other processes write.
func (db *DB) Recover(ctx context.Context) error {
	_, err := db.recoverBefore(ctx, time.Time{})
	return err
}

// RecoverPending is the recovery sweep (domain job "recover"): Recover
// for the changes older than age on the server's clock, so that a change
// a killed process left is finished by a survivor, not at the next start.
func (db *DB) RecoverPending(ctx context.Context, age time.Duration) (int64, error) {
	now, err := db.serverNow(ctx)
	if err != nil {
		return 0, err
	}
	return db.recoverBefore(ctx, now.Add(-age))
}

// recoverBefore finishes the unfinished changes made before cutoff (all
// when it is zero) and says how many it finished.
func (db *DB) recoverBefore(ctx context.Context, cutoff time.Time) (int64, error) {
	var n int64
	filter := bson.D{{Key: "pendingAudit._id", Value: bson.D{{Key: "$gt", Value: ""}}}}
	if !cutoff.IsZero() {
		filter = append(filter, bson.E{Key: "pendingAudit.at", Value: bson.D{{Key: "$lt", Value: cutoff}}})
	}
	for _, coll := range db.audited() {
		cur, err := coll.Find(ctx, filter, options.Find().SetProjection(pendingProjection))
		if err != nil {
			return n, translate(err)
		}
		var sts []pendingState
		if err := cur.All(ctx, &sts); err != nil {
			return n, translate(err)
		}
		for i := range sts {
			if err := db.flush(ctx, coll, &sts[i]); err != nil {
				return n, err
			}
			n++
		}
	}
	m, err := db.recoverLedger(ctx, cutoff)
	return n + m, err
}

// FindAudit lists events oldest first.
func (db *DB) FindAudit(ctx context.Context, f domain.AuditFilter) ([]*domain.AuditEvent, error) {
	filter := bson.D{{Key: "authorityId", Value: f.AuthorityID}}
	filter = eq(filter, "object", f.Object)
	filter = append(filter, bson.E{Key: "seq", Value: bson.D{{Key: "$gt", Value: f.AfterSeq}}})
	opts := options.Find().SetSort(key("seq"))
	if f.Limit > 0 {
		opts.SetLimit(int64(f.Limit))
	}
	cur, err := db.audit.Find(ctx, filter, opts)
	if err != nil {
		return nil, translate(err)
	}
	var docs []auditDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, translate(err)
	}
	out := make([]*domain.AuditEvent, len(docs))
	for i := range docs {
		out[i] = docs[i].toDomain()
	}
	return out, nil
}

// ChangedSince lists what the authority's events after seq are about,
// oldest first, at most limit of them (only seq, objectType and object are
// read).
func (db *DB) ChangedSince(ctx context.Context, authorityID string, seq int64, limit int) ([]domain.ChangedObject, error) {
	filter := bson.D{{Key: "authorityId", Value: authorityID}, {Key: "seq", Value: bson.D{{Key: "$gt", Value: seq}}}}
	opts := options.Find().SetSort(key("seq")).SetLimit(int64(max(limit, 1))).
		SetProjection(bson.D{{Key: "seq", Value: 1}, {Key: "objectType", Value: 1}, {Key: "object", Value: 1}})
	cur, err := db.audit.Find(ctx, filter, opts)
	if err != nil {
		return nil, translate(err)
	}
	var docs []struct {
		Seq        int64  `bson:"seq"`
		ObjectType string `bson:"objectType"`
		Object     string `bson:"object"`
	}
	if err := cur.All(ctx, &docs); err != nil {
		return nil, translate(err)
	}
	out := make([]domain.ChangedObject, len(docs))
	for i, d := range docs {
		out[i] = domain.ChangedObject{Seq: d.Seq, ObjectType: d.ObjectType, Object: d.Object}
	}
	return out, nil
}

// AuditAuthorities lists the authority ids that have events.
func (db *DB) AuditAuthorities(ctx context.Context) ([]string, error) {
	var out []string
	if err := db.audit.Distinct(ctx, "authorityId", bson.D{}).Decode(&out); err != nil {
		return nil, translate(err)
	}
	sort.Strings(out)
	return out, nil
}
