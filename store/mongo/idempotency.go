package mongo

import (
	"context"
	"time"

	"needmatch/domain"

	"go.mongodb.org/mongo-driver/v2/bson"
	driver "go.mongodb.org/mongo-driver/v2/mongo"
)

// idempotencyDoc is keyed by user and key: _id is the user id (fixed
// length, no slash), a slash, then the key, so the key is unique per user
// by the _id index alone.
type idempotencyDoc struct {
	ID          string    `bson:"_id"`
	UserID      string    `bson:"userId"`
	Key         string    `bson:"key"`
	Fingerprint string    `bson:"fingerprint"`
	Done        bool      `bson:"done"`
	Status      int       `bson:"status"`
	ContentType string    `bson:"contentType"`
	Body        []byte    `bson:"body"`
	CreatedAt   time.Time `bson:"createdAt"`
}

func idempotencyID(userID, key string) string { return userID + "/" + key }

func idempotencyFromDomain(r *domain.IdempotencyRecord) *idempotencyDoc {
	return &idempotencyDoc{ID: idempotencyID(r.UserID, r.Key), UserID: r.UserID, Key: r.Key, Fingerprint: r.Fingerprint, Done: r.Done,
		Status: r.Status, ContentType: r.ContentType, Body: r.Body, CreatedAt: r.CreatedAt}
}

func (d *idempotencyDoc) toDomain() *domain.IdempotencyRecord {
	return &domain.IdempotencyRecord{UserID: d.UserID, Key: d.Key, Fingerprint: d.Fingerprint, Done: d.Done, Status: d.Status,
		ContentType: d.ContentType, Body: d.Body, CreatedAt: d.CreatedAt.UTC()}
}

// ClaimIdempotency stores r (not done) unless the user already has the key;
// then it returns the existing record with ECONFLICT.
func (db *DB) ClaimIdempotency(ctx context.Context, r *domain.IdempotencyRecord) (*domain.IdempotencyRecord, error) {
	d := idempotencyFromDomain(r)
	_, err := db.idempotency.InsertOne(ctx, d)
	if err == nil {
		return nil, nil
	}
	if !driver.IsDuplicateKeyError(err) {
		return nil, translate(err)
	}
	var cur idempotencyDoc
	if err := db.idempotency.FindOne(ctx, bson.D{{Key: "_id", Value: d.ID}}).Decode(&cur); err != nil {
		// Released between the insert and the read: the caller may retry.
		return nil, translate(err)
	}
	if existing := cur.toDomain(); !existing.Stale(r.CreatedAt) {
		return existing, domain.Errorf(domain.ECONFLICT, "Idempotency key already used.")
	}
	// Take the stale record over, unless another claim did so first: the
	// filter holds the record as it was read.
	res, err := db.idempotency.ReplaceOne(ctx, bson.D{{Key: "_id", Value: d.ID}, {Key: "done", Value: cur.Done}, {Key: "createdAt", Value: cur.CreatedAt}}, d)
	if err != nil {
		return nil, translate(err)
	}
	if res.MatchedCount == 0 {
		return nil, domain.Errorf(domain.ECONFLICT, "Idempotency key taken over by another request; retry shortly.")
	}
	return nil, nil
}

// PurgeIdempotency deletes answers and claims past their time.
func (db *DB) PurgeIdempotency(ctx context.Context, doneBefore, claimBefore time.Time) (int64, error) {
	res, err := db.idempotency.DeleteMany(ctx, bson.D{{Key: "$or", Value: bson.A{
		bson.D{{Key: "done", Value: true}, {Key: "createdAt", Value: bson.D{{Key: "$lt", Value: doneBefore}}}},
		bson.D{{Key: "done", Value: false}, {Key: "createdAt", Value: bson.D{{Key: "$lt", Value: claimBefore}}}},
	}}})
	if err != nil {
		return 0, translate(err)
	}
	return res.DeletedCount, nil
}

// CompleteIdempotency records the answer of a claimed key.
func (db *DB) CompleteIdempotency(ctx context.Context, r *domain.IdempotencyRecord) error {
	d := idempotencyFromDomain(r)
	_, err := db.idempotency.ReplaceOne(ctx, bson.D{{Key: "_id", Value: d.ID}}, d)
	return translate(err)
}

// ReleaseIdempotency forgets a claimed key whose request failed on our
// side, unless a committed change answered it.
func (db *DB) ReleaseIdempotency(ctx context.Context, userID, key string) error {
	_, err := db.idempotency.DeleteOne(ctx, bson.D{{Key: "_id", Value: idempotencyID(userID, key)}, {Key: "done", Value: false}})
	return translate(err)
}
