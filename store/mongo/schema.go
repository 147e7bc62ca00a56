package mongo

import (
	"context"
	"errors"
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
// Version 2 adds the TTL index of the rate-limit counters; version 3 the
// ledger's rollups (rollup.go), built from the records.
const schemaVersion = 3

// rollupsSince is the schema version from which the ledger's rollups are
// as this code adds them up: a database behind it gets them rebuilt from
// the records. Raise it (with schemaVersion) when the cells change.
const rollupsSince = 3

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
		return db.rollupsMissing(ctx)
	}
	slog.Info("mongodb: creating indexes", "from", d.Version, "to", schemaVersion)
	if err := db.createIndexes(ctx); err != nil {
		return err
	}
	if d.Version < rollupsSince {
		slog.Info("mongodb: rebuilding the ledger's rollups from the records")
		if err := db.rebuildRollups(ctx); err != nil {
			return fmt.Errorf("mongodb: rebuild the ledger's rollups: %w", err)
		}
	}
	_, err = db.schema().UpdateOne(ctx, bson.D{{Key: "_id", Value: schemaDocID}},
		bson.D{{Key: "$max", Value: bson.D{{Key: "version", Value: schemaVersion}}}, {Key: "$set", Value: bson.D{{Key: "updatedAt", Value: time.Now().UTC()}}}},
		options.UpdateOne().SetUpsert(true))
	if err != nil {
		return fmt.Errorf("mongodb: record the schema version: %w", translate(err))
	}
	return nil
}

// rollupsMissing rebuilds the ledger's rollups when they are gone (no
// cell at all while a pledge is added up): the refresh adds them up again.
func (db *DB) rollupsMissing(ctx context.Context) error {
	err := db.ledgerCells().FindOne(ctx, bson.D{}).Err()
	if !errors.Is(err, driver.ErrNoDocuments) {
		return translate(err)
	}
	err = db.pledges.FindOne(ctx, bson.D{{Key: "dirty", Value: bson.D{{Key: "$exists", Value: false}}}}).Err()
	switch {
	case errors.Is(err, driver.ErrNoDocuments):
		return nil
	case err != nil:
		return translate(err)
	}
	slog.Warn("mongodb: the ledger's rollups are missing; rebuilding them from the records")
	if err := db.rebuildRollups(ctx); err != nil {
		return fmt.Errorf("mongodb: rebuild the ledger's rollups: %w", err)
	}
	return nil
}
