package mongo

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	driver "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// schemaVersion is the version of the indexes (and the backfills they
// need) that this code expects. Raise it with every change to
// createIndexes: a database whose schema document says less gets the
// indexes made (once, by the first process to open it); one at this
// version or later is opened without a single index command, so N
// processes starting at once do not each send some 60 createIndexes.
// Version 2 adds the TTL index of the rate-limit counters.
const schemaVersion = 2

// schemaDocID is the _id of the document of collection "schema" that
// holds the version reached.
const schemaDocID = "indexes"

// schemaDoc records the version the indexes have reached.
type schemaDoc struct {
	ID        string    `bson:"_id"`
	Version   int       `bson:"version"`
	UpdatedAt time.Time `bson:"updatedAt"`
}

func (db *DB) schema() *driver.Collection { return db.db.Collection("schema") }

// migrate brings the indexes to schemaVersion when the database is behind,
// under the caller's context alone: building indexes on a large
// collection takes as long as it takes, and is not cut by the start-up
// timeout of Recover. Two processes migrating at once both succeed
// (creating an existing index is a no-op), and the version only rises.
func (db *DB) migrate(ctx context.Context) error {
	var d schemaDoc
	err := db.schema().FindOne(ctx, bson.D{{Key: "_id", Value: schemaDocID}}).Decode(&d)
	if err != nil && err != driver.ErrNoDocuments {
		return fmt.Errorf("mongodb: read the schema version: %w", translate(err))
	}
	if d.Version >= schemaVersion {
		return nil
	}
	slog.Info("mongodb: creating indexes", "from", d.Version, "to", schemaVersion)
	if err := db.createIndexes(ctx); err != nil {
		return err
	}
	_, err = db.schema().UpdateOne(ctx, bson.D{{Key: "_id", Value: schemaDocID}},
		bson.D{{Key: "$max", Value: bson.D{{Key: "version", Value: schemaVersion}}}, {Key: "$set", Value: bson.D{{Key: "updatedAt", Value: time.Now().UTC()}}}},
		options.UpdateOne().SetUpsert(true))
	if err != nil {
		return fmt.Errorf("mongodb: record the schema version: %w", translate(err))
	}
	return nil
}
