package mongo

import (
	"context"
	"time"

	"needmatch/domain"

	"go.mongodb.org/mongo-driver/v2/bson"
	driver "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

type resetDoc struct {
	TokenHash    string    `bson:"_id"`
	EmailKey     string    `bson:"emailKey"`
	UserID       string    `bson:"userId"`
	ExpiresAt    time.Time `bson:"expiresAt"`
	CreatedAt    time.Time `bson:"createdAt"`
	Used         bool      `bson:"used"`
	PendingAudit *auditDoc `bson:"pendingAudit,omitempty"`
}

func (db *DB) resets() *driver.Collection { return db.db.Collection("passwordResets") }

// CreatePasswordReset writes a reset carrying its event, then chains the
// event (and inserts its notification).
func (db *DB) CreatePasswordReset(ctx context.Context, r *domain.PasswordReset, ev *domain.AuditEvent) error {
	d := resetDoc{TokenHash: r.TokenHash, EmailKey: r.EmailKey, UserID: r.UserID, ExpiresAt: ms(r.ExpiresAt), CreatedAt: ms(r.CreatedAt), Used: r.Used, PendingAudit: pendingOf(ev)}
	return db.insertAudited(ctx, db.resets(), d.TokenHash, d, d.PendingAudit, ev)
}

// CountPasswordResets counts the resets asked for an address since.
func (db *DB) CountPasswordResets(ctx context.Context, emailKey string, since time.Time) (int, error) {
	n, err := db.resets().CountDocuments(ctx, bson.D{{Key: "emailKey", Value: emailKey}, {Key: "createdAt", Value: bson.D{{Key: "$gte", Value: ms(since)}}}})
	return int(n), translate(err)
}

// UsePasswordReset marks an unused reset used and returns it.
func (db *DB) UsePasswordReset(ctx context.Context, tokenHash string) (*domain.PasswordReset, error) {
	var d resetDoc
	err := db.resets().FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: tokenHash}, {Key: "used", Value: false}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "used", Value: true}}}}, options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&d)
	if err != nil {
		return nil, notFound(err, "No such reset link.")
	}
	return &domain.PasswordReset{TokenHash: d.TokenHash, EmailKey: d.EmailKey, UserID: d.UserID, ExpiresAt: d.ExpiresAt.UTC(), CreatedAt: d.CreatedAt.UTC(), Used: d.Used}, nil
}
