package mongo

import (
	"context"
	"fmt"
	"time"

	"needmatch/domain"

	"go.mongodb.org/mongo-driver/v2/bson"
	driver "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Audit checkpoints (domain.CheckpointStore) in collection checkpoints.
// _id is the authority id, a slash and the seq in 19 digits: one
// checkpoint per seq by the unique _id alone, and an authority's series is
// a range of _id in seq order, so no other index is needed.

type checkpointDoc struct {
	ID          string    `bson:"_id"`
	AuthorityID string    `bson:"authorityId"`
	Seq         int64     `bson:"seq"`
	Hash        string    `bson:"hash"`
	At          time.Time `bson:"at"`
	MAC         string    `bson:"mac"`
}

func (db *DB) checkpoints() *driver.Collection { return db.db.Collection("checkpoints") }

func checkpointID(authorityID string, seq int64) string {
	return fmt.Sprintf("%s/%019d", authorityID, seq)
}

func (d *checkpointDoc) toDomain() *domain.Checkpoint {
	return &domain.Checkpoint{AuthorityID: d.AuthorityID, Seq: d.Seq, Hash: d.Hash, At: d.At.UTC(), MAC: d.MAC}
}

// AddCheckpoint stores c; ECONFLICT when its authority has one at c.Seq.
func (db *DB) AddCheckpoint(ctx context.Context, c *domain.Checkpoint) error {
	_, err := db.checkpoints().InsertOne(ctx, &checkpointDoc{ID: checkpointID(c.AuthorityID, c.Seq), AuthorityID: c.AuthorityID, Seq: c.Seq, Hash: c.Hash, At: c.At, MAC: c.MAC})
	return translate(err)
}

// series selects authorityID's checkpoints after afterSeq.
func series(authorityID string, afterSeq int64) bson.D {
	return bson.D{{Key: "_id", Value: bson.D{{Key: "$gt", Value: checkpointID(authorityID, afterSeq)}, {Key: "$lt", Value: authorityID + "0"}}}}
}

// FindCheckpoints lists an authority's checkpoints after afterSeq, by seq.
func (db *DB) FindCheckpoints(ctx context.Context, authorityID string, afterSeq int64, limit int) ([]*domain.Checkpoint, error) {
	cur, err := db.checkpoints().Find(ctx, series(authorityID, afterSeq), options.Find().SetSort(key("_id")).SetLimit(int64(limit)))
	if err != nil {
		return nil, translate(err)
	}
	var docs []checkpointDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, translate(err)
	}
	out := make([]*domain.Checkpoint, len(docs))
	for i := range docs {
		out[i] = docs[i].toDomain()
	}
	return out, nil
}

// LatestCheckpoints returns each authority's checkpoint of the highest seq.
func (db *DB) LatestCheckpoints(ctx context.Context) ([]*domain.Checkpoint, error) {
	var auths []string
	if err := db.checkpoints().Distinct(ctx, "authorityId", bson.D{}).Decode(&auths); err != nil {
		return nil, translate(err)
	}
	out := make([]*domain.Checkpoint, 0, len(auths))
	for _, a := range auths {
		var d checkpointDoc
		if err := db.checkpoints().FindOne(ctx, series(a, -1), options.FindOne().SetSort(key("-_id"))).Decode(&d); err != nil {
			return nil, translate(err)
		}
		out = append(out, d.toDomain())
	}
	return out, nil
}
