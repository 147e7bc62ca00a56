package mongo

import (
	"context"
	"time"

	"needmatch/domain"

	"go.mongodb.org/mongo-driver/v2/bson"
	driver "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

var _ domain.MessageStore = (*DB)(nil)

func (db *DB) messages() *driver.Collection     { return db.db.Collection("messages") }
func (db *DB) messageReads() *driver.Collection { return db.db.Collection("messageReads") }

type messageDoc struct {
	ID                 string     `bson:"_id"`
	AuthorityID        string     `bson:"authorityId"`
	PledgeID           string     `bson:"pledgeId"`
	GroupOrgID         string     `bson:"groupOrgId"`
	SupplierOrgID      string     `bson:"supplierOrgId"`
	AuthorUserID       string     `bson:"authorUserId"`
	AuthorName         string     `bson:"authorName"`
	AuthorOrganisation string     `bson:"authorOrganisation"`
	AuthorRole         string     `bson:"authorRole"`
	Body               string     `bson:"body"`
	CreatedAt          time.Time  `bson:"createdAt"`
	Report             *reportDoc `bson:"report,omitempty"`
	// OpenReport is true while a report waits for an officer (indexed).
	OpenReport   bool      `bson:"openReport"`
	Version      int64     `bson:"version"`
	PendingAudit *auditDoc `bson:"pendingAudit,omitempty"`
}

type reportDoc struct {
	By         string     `bson:"by"`
	Reason     string     `bson:"reason"`
	At         time.Time  `bson:"at"`
	ResolvedBy string     `bson:"resolvedBy,omitempty"`
	ResolvedAt *time.Time `bson:"resolvedAt,omitempty"`
}

func messageFromDomain(m *domain.Message, ev *domain.AuditEvent) *messageDoc {
	d := &messageDoc{ID: m.ID, AuthorityID: m.AuthorityID, PledgeID: m.PledgeID, GroupOrgID: m.GroupOrgID, SupplierOrgID: m.SupplierOrgID,
		AuthorUserID: m.AuthorUserID, AuthorName: m.AuthorName, AuthorOrganisation: m.AuthorOrganisation, AuthorRole: m.AuthorRole,
		Body: m.Body, CreatedAt: m.CreatedAt, Version: m.Version, PendingAudit: pendingOf(ev)}
	if r := m.Report; r != nil {
		d.Report = &reportDoc{By: r.By, Reason: r.Reason, At: r.At, ResolvedBy: r.ResolvedBy, ResolvedAt: r.ResolvedAt}
		d.OpenReport = r.ResolvedAt == nil
	}
	return d
}

func (d *messageDoc) toDomain() *domain.Message {
	m := &domain.Message{ID: d.ID, AuthorityID: d.AuthorityID, PledgeID: d.PledgeID, GroupOrgID: d.GroupOrgID, SupplierOrgID: d.SupplierOrgID,
		AuthorUserID: d.AuthorUserID, AuthorName: d.AuthorName, AuthorOrganisation: d.AuthorOrganisation, AuthorRole: d.AuthorRole,
		Body: d.Body, CreatedAt: d.CreatedAt.UTC(), Version: d.Version}
	if r := d.Report; r != nil {
		m.Report = &domain.MessageReport{By: r.By, Reason: r.Reason, At: r.At.UTC(), ResolvedBy: r.ResolvedBy, ResolvedAt: utcPtr(r.ResolvedAt)}
	}
	return m
}

// CreateMessage writes m and its audit event.
func (db *DB) CreateMessage(ctx context.Context, m *domain.Message, ev *domain.AuditEvent) error {
	d := messageFromDomain(m, ev)
	return db.insertAudited(ctx, db.messages(), m.ID, d, d.PendingAudit, ev)
}

// MessageByID returns ENOTFOUND when there is none.
func (db *DB) MessageByID(ctx context.Context, id string) (*domain.Message, error) {
	var d messageDoc
	if err := db.messages().FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d); err != nil {
		return nil, notFound(err, "Message not found.")
	}
	return d.toDomain(), nil
}

// FindMessages lists newest first (by id).
func (db *DB) FindMessages(ctx context.Context, f domain.MessageFilter) ([]*domain.Message, string, error) {
	filter := bson.D{{Key: "authorityId", Value: f.AuthorityID}}
	filter = eq(filter, "pledgeId", f.PledgeID)
	filter = eq(filter, "authorUserId", f.AuthorUserID)
	if !f.Since.IsZero() {
		filter = append(filter, bson.E{Key: "createdAt", Value: bson.D{{Key: "$gte", Value: f.Since}}})
	}
	if f.Reported {
		filter = append(filter, bson.E{Key: "openReport", Value: true})
	}
	return findPage(ctx, db.messages(), filter, f.Page, (*messageDoc).toDomain, func(m *domain.Message) string { return m.ID })
}

// UpdateMessage writes m if the stored version is prev, with its audit event.
func (db *DB) UpdateMessage(ctx context.Context, m *domain.Message, prev int64, ev *domain.AuditEvent) error {
	d := messageFromDomain(m, ev)
	return db.replaceAudited(ctx, db.messages(), m.ID, prev, d, d.PendingAudit, ev, "Message", nil)
}

type readDoc struct {
	ID       string `bson:"_id"`
	UserID   string `bson:"userId"`
	PledgeID string `bson:"pledgeId"`
	UpTo     string `bson:"upTo"`
}

// MarkThreadRead moves the user's read mark on the thread up to upTo: a
// compare-and-set on the mark, or the first mark's insert.
func (db *DB) MarkThreadRead(ctx context.Context, userID, pledgeID, upTo string) error {
	id := userID + "/" + pledgeID
	for try := 0; try < 3; try++ {
		res, err := db.messageReads().UpdateOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "upTo", Value: bson.D{{Key: "$lt", Value: upTo}}}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "upTo", Value: upTo}}}})
		if err != nil {
			return translate(err)
		}
		if res.MatchedCount == 1 {
			return nil
		}
		n, err := db.messageReads().CountDocuments(ctx, bson.D{{Key: "_id", Value: id}})
		if err != nil {
			return translate(err)
		}
		if n == 1 {
			return nil // the mark is at or past upTo already
		}
		_, err = db.messageReads().InsertOne(ctx, readDoc{ID: id, UserID: userID, PledgeID: pledgeID, UpTo: upTo})
		if err == nil {
			return nil
		}
		if !driver.IsDuplicateKeyError(err) && !internalError(err) {
			return translate(err)
		}
		// Another reader inserted the first mark: compare with it again.
	}
	return conflict()
}

// UnreadMessages counts in Go (FerretDB has no $lookup): the user's read
// marks, then the ids of f's messages not the user's own.
func (db *DB) UnreadMessages(ctx context.Context, f domain.UnreadFilter) (int, error) {
	cur, err := db.messageReads().Find(ctx, bson.D{{Key: "userId", Value: f.UserID}})
	if err != nil {
		return 0, translate(err)
	}
	var reads []readDoc
	if err := cur.All(ctx, &reads); err != nil {
		return 0, translate(err)
	}
	mark := make(map[string]string, len(reads))
	for _, r := range reads {
		mark[r.PledgeID] = r.UpTo
	}
	var filters []bson.D
	base := bson.D{{Key: "authorityId", Value: f.AuthorityID}, {Key: "authorUserId", Value: bson.D{{Key: "$ne", Value: f.UserID}}}}
	if f.OrganisationID == "" {
		filters = append(filters, base)
	} else {
		// A group is never a pledge's supplier, so the two never overlap.
		filters = append(filters, append(bson.D{{Key: "groupOrgId", Value: f.OrganisationID}}, base...),
			append(bson.D{{Key: "supplierOrgId", Value: f.OrganisationID}}, base...))
	}
	n := 0
	for _, filter := range filters {
		cur, err := db.messages().Find(ctx, filter, options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}, {Key: "pledgeId", Value: 1}}))
		if err != nil {
			return 0, translate(err)
		}
		var ids []struct {
			ID       string `bson:"_id"`
			PledgeID string `bson:"pledgeId"`
		}
		if err := cur.All(ctx, &ids); err != nil {
			return 0, translate(err)
		}
		for _, m := range ids {
			if m.ID > mark[m.PledgeID] {
				n++
			}
		}
	}
	return n, nil
}
