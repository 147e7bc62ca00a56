package mongo

import (
	"context"
	"slices"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

func indexNames(t *testing.T, db *DB) []string {
	t.Helper()
	specs, err := db.authorities.Indexes().ListSpecifications(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range specs {
		names = append(names, s.Name)
	}
	return names
}

// TestOpenMigratesIndexesOnce checks that indexes are a versioned step: a
// second Open of a database at the current version sends no index command
// (an index dropped by hand stays dropped), and one whose version is behind
// gets them made again.
func TestOpenMigratesIndexesOnce(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	first := openTest(t, ferretURI)
	var d schemaDoc
	if err := first.schema().FindOne(ctx, bson.D{{Key: "_id", Value: schemaDocID}}).Decode(&d); err != nil || d.Version != schemaVersion {
		t.Fatalf("schema after the first Open = %+v, %v; want version %d", d, err, schemaVersion)
	}
	if !slices.Contains(indexNames(t, first), "slug") {
		t.Fatalf("first Open made no slug index: %v", indexNames(t, first))
	}
	if err := first.authorities.Indexes().DropOne(ctx, "slug"); err != nil {
		t.Fatal(err)
	}
	second, err := Open(ctx, ferretURI, first.db.Name())
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	if names := indexNames(t, second); slices.Contains(names, "slug") {
		t.Fatalf("second Open created indexes again: %v", names)
	}
	if _, err := second.schema().UpdateOne(ctx, bson.D{{Key: "_id", Value: schemaDocID}}, bson.D{{Key: "$set", Value: bson.D{{Key: "version", Value: schemaVersion - 1}}}}); err != nil {
		t.Fatal(err)
	}
	third, err := Open(ctx, ferretURI, first.db.Name())
	if err != nil {
		t.Fatal(err)
	}
	defer third.Close()
	if names := indexNames(t, third); !slices.Contains(names, "slug") {
		t.Fatalf("Open of a database behind made no indexes: %v", names)
	}
}
