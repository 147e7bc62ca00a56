package mongo

import (
	"context"
	"errors"
	"time"

	"needmatch/domain"

	"go.mongodb.org/mongo-driver/v2/bson"
	driver "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// The mail outbox. A change's notifications travel in its pendingAudit
// (auditDoc.Notes), written with the change at its commit point; chaining
// the event (outbox step 2) inserts them into the notifications
// collection, each under its own id, so a step run twice (by Recover)
// inserts nothing twice, and a change that never committed has none.

type attemptDoc struct {
	At     time.Time `bson:"at"`
	Result string    `bson:"result"`
}

type notificationDoc struct {
	ID           string       `bson:"_id"`
	EventID      string       `bson:"eventId"`
	AuthorityID  string       `bson:"authorityId"`
	UserID       string       `bson:"userId"`
	To           string       `bson:"to"`
	Kind         string       `bson:"kind"`
	Subject      string       `bson:"subject"`
	Text         string       `bson:"text"`
	HTML         string       `bson:"html"`
	Link         string       `bson:"link"`
	Status       string       `bson:"status"`
	Owner        string       `bson:"owner"`
	ClaimedUntil time.Time    `bson:"claimedUntil"`
	NextAt       time.Time    `bson:"nextAt"`
	Attempts     []attemptDoc `bson:"attempts"`
	CreatedAt    time.Time    `bson:"createdAt"`
	SentAt       *time.Time   `bson:"sentAt,omitempty"`
	Parts        []string     `bson:"parts,omitempty"`
}

func (db *DB) notifications() *driver.Collection { return db.db.Collection("notifications") }

func ms(t time.Time) time.Time { return t.UTC().Truncate(time.Millisecond) }

func notificationFromDomain(n *domain.Notification) notificationDoc {
	d := notificationDoc{ID: n.ID, EventID: n.EventID, AuthorityID: n.AuthorityID, UserID: n.UserID, To: n.To, Kind: string(n.Kind),
		Subject: n.Subject, Text: n.Text, HTML: n.HTML, Link: n.Link, Status: string(n.Status), Owner: n.Owner,
		ClaimedUntil: ms(n.ClaimedUntil), NextAt: ms(n.NextAt), CreatedAt: ms(n.CreatedAt), Attempts: []attemptDoc{}, Parts: n.Parts}
	for _, a := range n.Attempts {
		d.Attempts = append(d.Attempts, attemptDoc{At: ms(a.At), Result: a.Result})
	}
	if n.SentAt != nil {
		t := ms(*n.SentAt)
		d.SentAt = &t
	}
	return d
}

func (d *notificationDoc) toDomain() *domain.Notification {
	n := &domain.Notification{ID: d.ID, EventID: d.EventID, AuthorityID: d.AuthorityID, UserID: d.UserID, To: d.To, Kind: domain.NotifyKind(d.Kind),
		Subject: d.Subject, Text: d.Text, HTML: d.HTML, Link: d.Link, Status: domain.NotificationStatus(d.Status), Owner: d.Owner,
		NextAt: d.NextAt.UTC(), CreatedAt: d.CreatedAt.UTC(), Attempts: make([]domain.MailAttempt, len(d.Attempts)), Parts: d.Parts}
	if !d.ClaimedUntil.IsZero() && d.ClaimedUntil.Unix() > 0 {
		n.ClaimedUntil = d.ClaimedUntil.UTC()
	}
	if d.SentAt != nil {
		t := d.SentAt.UTC()
		n.SentAt = &t
	}
	for i, a := range d.Attempts {
		n.Attempts[i] = domain.MailAttempt{At: a.At.UTC(), Result: a.Result}
	}
	return n
}

// notesOf is the stored form of the notifications an event carries.
func notesOf(ev *domain.AuditEvent) []notificationDoc {
	var out []notificationDoc
	for _, n := range ev.Notify {
		out = append(out, notificationFromDomain(n))
	}
	return out
}

// insertNotes inserts the notifications of a chained event; one already in
// (a step run again) is left as it is.
func (db *DB) insertNotes(ctx context.Context, notes []notificationDoc) error {
	for _, d := range notes {
		_, err := db.notifications().InsertOne(ctx, d)
		if err == nil || driver.IsDuplicateKeyError(err) {
			continue
		}
		if internalError(err) { // FerretDB's word for a duplicate, sometimes
			if n, cerr := db.notifications().CountDocuments(ctx, bson.D{{Key: "_id", Value: d.ID}}); cerr == nil && n == 1 {
				continue
			}
		}
		return translate(err)
	}
	return nil
}

func (db *DB) findNotes(ctx context.Context, filter bson.D, limit int) ([]*domain.Notification, error) {
	opts := options.Find().SetSort(key("nextAt", "_id"))
	if limit > 0 {
		opts.SetLimit(int64(limit))
	}
	return findAll(ctx, db.notifications(), filter, opts, (*notificationDoc).toDomain)
}

// ClaimNotifications claims due notifications; see domain.OutboxStore. Each
// claim is a compare-and-set on the notification's status and owner, and,
// for an expired claim taken over, on its expiry: claims expire on the
// server's clock (serverNow, as leases do), read once per call, so a
// sender whose clock runs ahead takes no live claim.
func (db *DB) ClaimNotifications(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) ([]*domain.Notification, error) {
	clock, err := db.serverNow(ctx)
	if err != nil {
		return nil, err
	}
	expired := bson.D{{Key: "$lt", Value: ms(clock)}}
	lost, err := db.findNotes(ctx, bson.D{{Key: "status", Value: string(domain.NoteHandover)}, {Key: "claimedUntil", Value: expired}}, 0)
	if err != nil {
		return nil, err
	}
	for _, n := range lost {
		prevOwner := n.Owner
		n.Status, n.Owner = domain.NoteUncertain, ""
		n.Attempts = append(n.Attempts, domain.MailAttempt{At: now, Result: domain.UncertainResult})
		if err := db.SettleNotification(ctx, n, prevOwner, domain.NoteHandover); err != nil && domain.ErrorCode(err) != domain.ECONFLICT {
			return nil, err
		}
	}
	due, err := db.findNotes(ctx, bson.D{{Key: "$or", Value: bson.A{
		bson.D{{Key: "status", Value: string(domain.NotePending)}, {Key: "nextAt", Value: bson.D{{Key: "$lte", Value: ms(now)}}}},
		bson.D{{Key: "status", Value: string(domain.NoteSending)}, {Key: "claimedUntil", Value: expired}},
	}}}, limit)
	if err != nil {
		return nil, err
	}
	until := clock.Add(lease)
	var out []*domain.Notification
	for _, n := range due {
		from, prevOwner := n.Status, n.Owner
		filter := bson.D{{Key: "_id", Value: n.ID}, {Key: "status", Value: string(from)}, {Key: "owner", Value: prevOwner}}
		if from == domain.NoteSending {
			filter = append(filter, bson.E{Key: "claimedUntil", Value: expired})
		}
		n.Status, n.Owner, n.ClaimedUntil = domain.NoteSending, owner, until
		n.Attempts = append(n.Attempts, domain.MailAttempt{At: now, Result: "claimed"})
		d := notificationFromDomain(n)
		res, err := db.notifications().UpdateOne(ctx, filter,
			bson.D{{Key: "$set", Value: bson.D{{Key: "status", Value: d.Status}, {Key: "owner", Value: owner}, {Key: "claimedUntil", Value: d.ClaimedUntil}, {Key: "attempts", Value: d.Attempts}}}})
		if err != nil {
			return nil, translate(err)
		}
		if res.ModifiedCount == 1 {
			n.ClaimedUntil = d.ClaimedUntil
			out = append(out, n)
		}
	}
	return out, nil
}

// SettleNotification writes a claimed notification's outcome.
func (db *DB) SettleNotification(ctx context.Context, n *domain.Notification, owner string, from domain.NotificationStatus) error {
	d := notificationFromDomain(n)
	set := bson.D{{Key: "status", Value: d.Status}, {Key: "owner", Value: d.Owner}, {Key: "nextAt", Value: d.NextAt}, {Key: "attempts", Value: d.Attempts}}
	if d.SentAt != nil {
		set = append(set, bson.E{Key: "sentAt", Value: *d.SentAt})
	}
	res, err := db.notifications().UpdateOne(ctx,
		bson.D{{Key: "_id", Value: n.ID}, {Key: "status", Value: string(from)}, {Key: "owner", Value: owner}},
		bson.D{{Key: "$set", Value: set}})
	if err != nil {
		return translate(err)
	}
	if res.MatchedCount != 1 {
		return domain.Errorf(domain.ECONFLICT, "The notification is no longer claimed by this sender.")
	}
	return nil
}

// AddNotification inserts n unless its ID is taken; see
// domain.OutboxStore. The ID is the only key: a second insert is refused
// by _id's uniqueness, also between processes.
func (db *DB) AddNotification(ctx context.Context, n *domain.Notification) (*domain.Notification, bool, error) {
	before, err := db.notifications().CountDocuments(ctx, bson.D{{Key: "_id", Value: n.ID}})
	if err != nil {
		return nil, false, translate(err)
	}
	if before == 0 {
		_, err := db.notifications().InsertOne(ctx, notificationFromDomain(n))
		if err == nil {
			return n, true, nil
		}
		if !driver.IsDuplicateKeyError(err) && !internalError(err) { // FerretDB's word for a duplicate, sometimes
			return nil, false, translate(err)
		}
	}
	got, err := db.findNotes(ctx, bson.D{{Key: "_id", Value: n.ID}}, 1)
	if err != nil {
		return nil, false, err
	}
	if len(got) != 1 {
		return nil, false, domain.Errorf(domain.EUNAVAILABLE, "The notification could not be written; try again later.")
	}
	return got[0], false, nil
}

// HeldNotifications lists the held notifications due by now, by user.
func (db *DB) HeldNotifications(ctx context.Context, now time.Time) ([]*domain.Notification, error) {
	return findAll(ctx, db.notifications(), bson.D{{Key: "status", Value: string(domain.NoteHeld)}, {Key: "nextAt", Value: bson.D{{Key: "$lte", Value: ms(now)}}}},
		options.Find().SetSort(key("userId", "nextAt", "_id")), (*notificationDoc).toDomain)
}

// FindNotifications lists an authority's notifications, newest first.
func (db *DB) FindNotifications(ctx context.Context, f domain.NotificationFilter) ([]*domain.Notification, string, error) {
	filter := bson.D{{Key: "authorityId", Value: f.AuthorityID}}
	filter = eq(filter, "status", string(f.Status))
	if f.After != "" {
		filter = append(filter, bson.E{Key: "_id", Value: bson.D{{Key: "$lt", Value: f.After}}})
	}
	limit := limitOf(f.Limit)
	out, err := findAll(ctx, db.notifications(), filter, options.Find().SetSort(key("-_id")).SetLimit(int64(limit+1)), (*notificationDoc).toDomain)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		next = out[limit-1].ID
	}
	return out, next, nil
}

// UsersOfOrganisation lists the users of an organisation, oldest first.
func (db *DB) UsersOfOrganisation(ctx context.Context, organisationID string) ([]*domain.User, error) {
	return findAll(ctx, db.users, bson.D{{Key: "organisationId", Value: organisationID}}, options.Find().SetSort(key("_id")), (*userDoc).toDomain)
}

// createOutboxIndexes creates the indexes of the outbox's queries.
func (db *DB) createOutboxIndexes(ctx context.Context) error {
	for _, m := range []struct {
		coll *driver.Collection
		idx  driver.IndexModel
	}{
		{db.notifications(), index("due", false, "status", "nextAt")},
		{db.notifications(), index("claimed", false, "status", "claimedUntil")},
		{db.notifications(), index("authority", false, "authorityId", "_id")},
		{db.users, index("organisation", false, "organisationId", "_id")},
		{db.resets(), index("email", false, "emailKey", "createdAt")},
		{db.resets(), index("pending", false, "pendingAudit._id")},
		{db.notifications(), index("pending", false, "pendingAudit._id")},
	} {
		if _, err := m.coll.Indexes().CreateOne(ctx, m.idx); err != nil {
			return errors.Join(errors.New("mongodb: create outbox indexes"), translate(err))
		}
	}
	return nil
}

// NotificationByID returns one notification.
func (db *DB) NotificationByID(ctx context.Context, id string) (*domain.Notification, error) {
	var d notificationDoc
	if err := db.notifications().FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d); err != nil {
		return nil, notFound(err, "Notification not found.")
	}
	return d.toDomain(), nil
}

// RetryNotification puts a notification back in the outbox: one update
// that also carries the event (its commit point), then the event is chained.
func (db *DB) RetryNotification(ctx context.Context, n *domain.Notification, from domain.NotificationStatus, ev *domain.AuditEvent) error {
	d, p := notificationFromDomain(n), pendingOf(ev)
	answers(ctx, p)
	res, err := db.notifications().UpdateOne(ctx,
		bson.D{{Key: "_id", Value: n.ID}, {Key: "status", Value: string(from)}, {Key: "pendingAudit", Value: bson.D{{Key: "$exists", Value: false}}}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "status", Value: d.Status}, {Key: "owner", Value: d.Owner}, {Key: "nextAt", Value: d.NextAt},
			{Key: "attempts", Value: d.Attempts}, {Key: "pendingAudit", Value: p}}}})
	if err != nil {
		return translate(err)
	}
	if res.MatchedCount != 1 {
		return domain.Errorf(domain.ECONFLICT, "The mail is no longer %s.", from)
	}
	return db.complete(ctx, db.notifications(), n.ID, p, ev)
}
