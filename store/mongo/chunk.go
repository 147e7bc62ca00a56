package mongo

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"

	"needmatch/domain"

	"go.mongodb.org/mongo-driver/v2/bson"
	driver "go.mongodb.org/mongo-driver/v2/mongo"
)

// A proposal has an item for every offered pledge, some 400 to 700 bytes
// each with its names and explanation: past some 25,000 pledges they do not
// fit in the 16 MiB a MongoDB document may hold, and one document is all
// a commit may write. So a proposal whose items take more than one chunk
// (chunkBytes) keeps them in chunk documents of collection
// allocationChunks, _id "allocation/set/n", written BEFORE the proposal's
// document. Every write makes a new set (a fresh id); the proposal's
// document, written last as ever (the commit point, with its audit event
// and the Idempotency-Key's answer), names its set and how many chunks it
// has. Hence:
//
//   - a reader reads the document, then the chunks of the set it names,
//     never a mix of two writes' items; a chunk missing means a later write
//     has replaced the set and removed it, and the reader starts again;
//   - a write cut short before its commit leaves chunks that no document
//     names, which are never read. They are removed at once when the write
//     was refused (a stale version); when its outcome is not known (a
//     network failure, a timeout) the server may still apply the commit,
//     so they are left;
//   - once a write has committed, the set its document named before is
//     removed.
//
// Every chunk is read, written and removed by its _id alone, which FerretDB
// v1 looks up without scanning the collection: no index is needed.

// chunkBytes is the most a chunk's items take in BSON (by itemBytes): a
// quarter of the 16 MiB limit, so a 60,000-item proposal of 600-byte items
// (36 MB) is 9 chunks. Each chunk costs FerretDB v1 much CPU of its own
// (BenchmarkAllocationChunks, a write and a read of 20,000 items, 12 MB:
// server CPU 3.2 s as one document, 4.2 s in chunks of 8 MiB, 4.8 s of 4
// MiB, 6.5 s of 1 MiB, 14.1 s of 256 KiB), so chunks are no smaller.
var chunkBytes = 4 << 20

// maxChunkReads bounds how often a reader starts again because writers
// keep replacing the proposal under it.
const maxChunkReads = 10

type allocationChunkDoc struct {
	ID    string              `bson:"_id"`
	Items []allocationItemDoc `bson:"items"`
}

func (db *DB) allocationChunks() *driver.Collection { return db.db.Collection("allocationChunks") }

func chunkID(allocation, set string, n int) string {
	return allocation + "/" + set + "/" + strconv.Itoa(n)
}

// itemOverhead is what an item takes in BSON besides the bytes of its
// strings, with every field present, and as an element of an array of up
// to 10 million (the element's type byte and key).
var itemOverhead = func() int {
	b, err := bson.Marshal(allocationItemDoc{Reason: "r", Explanation: "e"})
	if err != nil {
		panic(err)
	}
	return len(b) - 2 + 1 + len("9999999") + 1
}()

// itemBytes is at least what it takes in BSON in a chunk's items.
func itemBytes(it *allocationItemDoc) int {
	return itemOverhead + len(it.PledgeID) + len(it.RequestID) + len(it.RequestTitle) + len(it.OrganisationID) +
		len(it.OrganisationName) + len(it.Unit) + len(it.Reason) + len(it.Explanation)
}

// chunksOf splits items into runs of at most chunkBytes each (an item
// larger than that alone).
func chunksOf(items []allocationItemDoc) [][]allocationItemDoc {
	var out [][]allocationItemDoc
	start, size := 0, 0
	for i := range items {
		b := itemBytes(&items[i])
		if size+b > chunkBytes && i > start {
			out = append(out, items[start:i])
			start, size = i, 0
		}
		size += b
	}
	return append(out, items[start:])
}

// putChunks writes d's items as a new chunk set when they take more than
// one chunk, and leaves d naming it in their place.
func (db *DB) putChunks(ctx context.Context, d *allocationDoc) error {
	runs := chunksOf(d.Items)
	if len(runs) < 2 {
		return nil
	}
	set := domain.NewID()
	docs := make([]any, len(runs))
	for n, r := range runs {
		docs[n] = allocationChunkDoc{ID: chunkID(d.ID, set, n), Items: r}
	}
	if _, err := db.allocationChunks().InsertMany(ctx, docs); err != nil {
		if !transient(err) {
			db.dropChunks(ctx, d.ID, set, len(runs)) // no document names them
		}
		return translate(err)
	}
	d.Items, d.Chunks, d.ChunkCount = []allocationItemDoc{}, set, len(runs)
	return nil
}

// abandonChunks removes the chunk set of d, whose commit failed with err,
// when the commit was refused for good; otherwise the server may still
// apply it, and the set is left (no reader takes it for the proposal
// unless the commit lands).
func (db *DB) abandonChunks(ctx context.Context, d *allocationDoc, err error) {
	if d.Chunks == "" {
		return
	}
	switch domain.ErrorCode(err) {
	case domain.ECONFLICT, domain.ENOTFOUND:
		db.dropChunks(ctx, d.ID, d.Chunks, d.ChunkCount)
	default:
		slog.Warn("mongodb: a proposal's write failed after its items were written; its chunks are left", "allocation", d.ID, "chunks", d.Chunks, "err", err)
	}
}

// dropChunks removes chunks 0 to n-1 of set (none: nothing) of allocation,
// which no document names; a failure is logged, as they are never read.
func (db *DB) dropChunks(ctx context.Context, allocation, set string, n int) {
	for i := range n {
		if _, err := db.allocationChunks().DeleteOne(ctx, bson.D{{Key: "_id", Value: chunkID(allocation, set, i)}}); err != nil {
			slog.Warn("mongodb: cannot remove a proposal's unused chunks; they are never read", "allocation", allocation, "chunks", set, "err", err)
			return
		}
	}
}

// readAllocation reads the proposal document matching filter with its
// items, from its chunks when it has them. The driver's ErrNoDocuments
// comes back as it is.
func (db *DB) readAllocation(ctx context.Context, filter bson.D) (*allocationDoc, error) {
	var gone string // a set found missing a chunk
	for range maxChunkReads {
		var d allocationDoc
		if err := db.allocations.FindOne(ctx, filter).Decode(&d); err != nil {
			return nil, err
		}
		if d.Chunks == "" {
			return &d, nil
		}
		if d.Chunks == gone {
			return nil, fmt.Errorf("allocation %s: a chunk of its set %s is missing", d.ID, d.Chunks)
		}
		items, err := db.readChunks(ctx, &d)
		if errors.Is(err, driver.ErrNoDocuments) {
			gone = d.Chunks // replaced meanwhile, or lost: read the document again
			continue
		}
		if err != nil {
			return nil, translate(err)
		}
		d.Items = items
		return &d, nil
	}
	return nil, domain.Errorf(domain.EUNAVAILABLE, "The proposal is being rewritten; try again.")
}

// readChunks returns the items of d's chunk set, in order.
func (db *DB) readChunks(ctx context.Context, d *allocationDoc) ([]allocationItemDoc, error) {
	var items []allocationItemDoc
	for n := range d.ChunkCount {
		var c allocationChunkDoc
		if err := db.allocationChunks().FindOne(ctx, bson.D{{Key: "_id", Value: chunkID(d.ID, d.Chunks, n)}}).Decode(&c); err != nil {
			return nil, err
		}
		if items == nil {
			items = make([]allocationItemDoc, 0, len(c.Items)*d.ChunkCount)
		}
		items = append(items, c.Items...)
	}
	return items, nil
}
