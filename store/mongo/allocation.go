package mongo

import (
	"context"
	"fmt"
	"time"

	"needmatch/domain"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

var _ domain.AllocationStore = (*DB)(nil)

type allocationItemDoc struct {
	PledgeID         string  `bson:"pledgeId"`
	PledgeVersion    int64   `bson:"pledgeVersion"`
	RequestID        string  `bson:"requestId"`
	RequestTitle     string  `bson:"requestTitle"`
	OrganisationID   string  `bson:"organisationId"`
	OrganisationName string  `bson:"organisationName"`
	ValuePence       int64   `bson:"valuePence"`
	ApprovedPence    int64   `bson:"approvedPence"`
	Quantity         int64   `bson:"quantity"`
	Unit             string  `bson:"unit"`
	ApprovedQuantity int64   `bson:"approvedQuantity"`
	Score            float64 `bson:"score"`
	Reason           string  `bson:"reason,omitempty"`
	Explanation      string  `bson:"explanation,omitempty"`
}

type allocationDoc struct {
	ID             string              `bson:"_id"`
	AuthorityID    string              `bson:"authorityId"`
	Status         string              `bson:"status"`
	WeightsVersion int                 `bson:"weightsVersion"`
	Objective      int64               `bson:"objective"`
	Bound          int64               `bson:"bound"`
	BoundKind      string              `bson:"boundKind,omitempty"`
	Gap            float64             `bson:"gap"`
	GapText        string              `bson:"gapText,omitempty"`
	Optimal        bool                `bson:"optimal"`
	ApprovedPence  int64               `bson:"approvedPence"`
	Items          []allocationItemDoc `bson:"items"`
	CreatedBy      string              `bson:"createdBy"`
	CreatedAt      time.Time           `bson:"createdAt"`
	AcceptedAt     *time.Time          `bson:"acceptedAt,omitempty"`
	Version        int64               `bson:"version"`
	PendingAudit   *auditDoc           `bson:"pendingAudit,omitempty"`
	// Base and Gone are a delta's (domain.AllocationDelta): Items are then
	// the items it sets.
	Base string   `bson:"base,omitempty"`
	Gone []string `bson:"gone,omitempty"`
	// Chunks names the chunk set that holds Items when they take more
	// than one chunk (Items is then empty); ChunkCount is how many chunks
	// it has. See chunk.go.
	Chunks     string `bson:"chunks,omitempty"`
	ChunkCount int    `bson:"chunkCount,omitempty"`
}

// allocationFromDomain is a's document: its items, or only its delta's
// when it has one.
func allocationFromDomain(a *domain.Allocation, ev *domain.AuditEvent) *allocationDoc {
	items := a.Items
	d := &allocationDoc{ID: a.ID, AuthorityID: a.AuthorityID, Status: a.Status, WeightsVersion: a.WeightsVersion, Objective: a.Objective,
		Bound: a.Bound, BoundKind: a.BoundKind, Gap: a.Gap, GapText: a.GapText, Optimal: a.Optimal, ApprovedPence: a.ApprovedPence,
		CreatedBy: a.CreatedBy, CreatedAt: a.CreatedAt, AcceptedAt: a.AcceptedAt, Version: a.Version, PendingAudit: pendingOf(ev)}
	if a.Delta != nil {
		items, d.Base, d.Gone = a.Delta.Set, a.Delta.BaseID, a.Delta.Gone
	}
	d.Items = make([]allocationItemDoc, len(items))
	for i, it := range items {
		d.Items[i] = allocationItemDoc(it)
	}
	return d
}

func (d *allocationDoc) toDomain() *domain.Allocation {
	a := &domain.Allocation{ID: d.ID, AuthorityID: d.AuthorityID, Status: d.Status, WeightsVersion: d.WeightsVersion, Objective: d.Objective,
		Bound: d.Bound, BoundKind: d.BoundKind, Gap: d.Gap, GapText: d.GapText, Optimal: d.Optimal, ApprovedPence: d.ApprovedPence, Items: make([]domain.AllocationItem, len(d.Items)),
		CreatedBy: d.CreatedBy, CreatedAt: d.CreatedAt.UTC(), Version: d.Version}
	if d.AcceptedAt != nil {
		at := d.AcceptedAt.UTC()
		a.AcceptedAt = &at
	}
	for i, it := range d.Items {
		a.Items[i] = domain.AllocationItem(it)
	}
	return a
}

// CreateAllocation stores a proposal with its audit event: its items
// first, in chunks when they are many, then its document (the commit point).
func (db *DB) CreateAllocation(ctx context.Context, a *domain.Allocation, ev *domain.AuditEvent) error {
	d := allocationFromDomain(a, ev)
	if err := db.putChunks(ctx, d); err != nil {
		return err
	}
	if err := db.insertAudited(ctx, db.allocations, a.ID, d, d.PendingAudit, ev); err != nil {
		db.abandonChunks(ctx, d, err)
		return err
	}
	return nil
}

// AllocationByID returns ENOTFOUND when there is none. A proposal kept as
// a delta is read with its base.
func (db *DB) AllocationByID(ctx context.Context, id string) (*domain.Allocation, error) {
	d, err := db.readAllocation(ctx, bson.D{{Key: "_id", Value: id}})
	if err != nil {
		return nil, notFound(err, "Allocation not found.")
	}
	a := d.toDomain()
	if d.Base == "" {
		return a, nil
	}
	b, err := db.readAllocation(ctx, bson.D{{Key: "_id", Value: d.Base}, {Key: "base", Value: bson.D{{Key: "$exists", Value: false}}}})
	if err != nil {
		return nil, fmt.Errorf("allocation %s: its base %s: %w", d.ID, d.Base, err)
	}
	delta := &domain.AllocationDelta{BaseID: d.Base, Set: a.Items, Gone: d.Gone}
	a.Items = delta.Apply(b.toDomain().Items)
	return a, nil
}

// UpdateAllocation writes a if the stored version is prev; ECONFLICT
// otherwise. Its items are written first (in a new chunk set when they are
// many), then the document; once that commits, the chunks the document
// named before are removed.
func (db *DB) UpdateAllocation(ctx context.Context, a *domain.Allocation, prev int64, ev *domain.AuditEvent) error {
	var old allocationDoc
	err := db.allocations.FindOne(ctx, bson.D{{Key: "_id", Value: a.ID}}, options.FindOne().SetProjection(bson.D{
		{Key: "chunks", Value: 1}, {Key: "chunkCount", Value: 1}, {Key: "version", Value: 1}, {Key: "pendingAudit._id", Value: 1}})).Decode(&old)
	if err != nil {
		return notFound(err, "Allocation not found.")
	}
	if old.Version != prev && old.PendingAudit == nil {
		return conflict() // stale: its items are not written for nothing
	}
	d := allocationFromDomain(a, ev)
	if err := db.putChunks(ctx, d); err != nil {
		return err
	}
	if err := db.replaceAudited(ctx, db.allocations, a.ID, prev, d, d.PendingAudit, ev, "Allocation", nil); err != nil {
		db.abandonChunks(ctx, d, err)
		return err
	}
	db.dropChunks(context.WithoutCancel(ctx), a.ID, old.Chunks, old.ChunkCount) // committed: the client going away stops nothing
	return nil
}
