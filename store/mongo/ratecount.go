package mongo

import (
	"context"
	"log/slog"
	"strconv"
	"sync/atomic"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	driver "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/writeconcern"
)

// rateCountDoc is one rate-limit counter: _id is the key, "@" and the
// window's start in Unix milliseconds; a TTL index removes it after
// expiresAt.
type rateCountDoc struct {
	ID        string    `bson:"_id"`
	N         int64     `bson:"n"`
	ExpiresAt time.Time `bson:"expiresAt"`
}

// rateCounts is the collection of counters. Its writes are acknowledged by
// the primary alone, unjournaled: a counter is worth less than the wait
// for a majority on every limited call, and a failover forgets at most a
// window's counts.
func (db *DB) rateCounts() *driver.Collection {
	return db.db.Collection("rateCounts", options.Collection().SetWriteConcern(writeconcern.W1()))
}

// rateCountCalls counts CountCall calls, to purge now and then what the
// TTL index has not removed (FerretDB v1 has no TTL index).
var rateCountCalls atomic.Uint64

// CountCall adds one to the counter of key in the window that starts at
// window and returns the count after it, in one atomic upsert.
func (db *DB) CountCall(ctx context.Context, key string, window, expires time.Time) (int64, error) {
	if rateCountCalls.Add(1)%4096 == 0 {
		if _, err := db.rateCounts().DeleteMany(ctx, bson.D{{Key: "expiresAt", Value: bson.D{{Key: "$lt", Value: window}}}}); err != nil {
			slog.Warn("mongodb: purge rate counters", "err", err)
		}
	}
	var d rateCountDoc
	err := db.rateCounts().FindOneAndUpdate(ctx,
		bson.D{{Key: "_id", Value: key + "@" + strconv.FormatInt(window.UnixMilli(), 10)}},
		bson.D{{Key: "$inc", Value: bson.D{{Key: "n", Value: 1}}}, {Key: "$setOnInsert", Value: bson.D{{Key: "expiresAt", Value: expires}}}},
		options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After)).Decode(&d)
	if err != nil {
		return 0, translate(err)
	}
	return d.N, nil
}
