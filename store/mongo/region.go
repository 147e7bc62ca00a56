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

func (db *DB) regions() *driver.Collection { return db.db.Collection("regions") }

// regionMemberDoc is a member council of a region.
type regionMemberDoc struct {
	ID   string `bson:"id"`
	Slug string `bson:"slug"`
}

type regionDoc struct {
	ID           string            `bson:"_id"`
	Slug         string            `bson:"slug"`
	Name         string            `bson:"name"`
	Members      []regionMemberDoc `bson:"members"`
	Version      int64             `bson:"version"`
	CreatedAt    time.Time         `bson:"createdAt"`
	PendingAudit *auditDoc         `bson:"pendingAudit,omitempty"`
}

func regionFromDomain(r *domain.Region, ev *domain.AuditEvent) *regionDoc {
	d := &regionDoc{ID: r.ID, Slug: r.Slug, Name: r.Name, Members: make([]regionMemberDoc, len(r.AuthorityIDs)), Version: r.Version, CreatedAt: r.CreatedAt,
		PendingAudit: pendingOf(ev)}
	for i, id := range r.AuthorityIDs {
		d.Members[i] = regionMemberDoc{ID: id, Slug: r.Authorities[i]}
	}
	return d
}

func (d *regionDoc) toDomain() *domain.Region {
	r := &domain.Region{ID: d.ID, Slug: d.Slug, Name: d.Name, Version: d.Version, CreatedAt: d.CreatedAt.UTC(), AuthorityIDs: []string{}, Authorities: []string{}}
	for _, m := range d.Members {
		r.AuthorityIDs, r.Authorities = append(r.AuthorityIDs, m.ID), append(r.Authorities, m.Slug)
	}
	return r
}

// createRegionIndexes creates the regions' unique slug and pending indexes.
func (db *DB) createRegionIndexes(ctx context.Context) error {
	for _, m := range []driver.IndexModel{index("slug", true, "slug"), index("pending", false, "pendingAudit._id")} {
		if _, err := db.regions().Indexes().CreateOne(ctx, m); err != nil {
			return fmt.Errorf("mongodb: create indexes of regions: %w", translate(err))
		}
	}
	return nil
}

// CreateRegion inserts r carrying its event, then chains the event;
// ECONFLICT when the slug is taken.
func (db *DB) CreateRegion(ctx context.Context, r *domain.Region, ev *domain.AuditEvent) error {
	d := regionFromDomain(r, ev)
	answers(ctx, d.PendingAudit)
	if _, err := db.regions().InsertOne(ctx, d); driver.IsDuplicateKeyError(err) || internalError(err) {
		return conflict()
	} else if err != nil {
		return translate(err)
	}
	return db.complete(ctx, db.regions(), r.ID, d.PendingAudit, ev)
}

func (db *DB) region(ctx context.Context, filter bson.D) (*domain.Region, error) {
	var d regionDoc
	if err := db.regions().FindOne(ctx, filter).Decode(&d); err != nil {
		return nil, notFound(err, "Region not found.")
	}
	return d.toDomain(), nil
}

// RegionBySlug returns ENOTFOUND when there is none.
func (db *DB) RegionBySlug(ctx context.Context, slug string) (*domain.Region, error) {
	return db.region(ctx, bson.D{{Key: "slug", Value: slug}})
}

// RegionByID returns ENOTFOUND when there is none.
func (db *DB) RegionByID(ctx context.Context, id string) (*domain.Region, error) {
	return db.region(ctx, bson.D{{Key: "_id", Value: id}})
}

// Regions lists every region by slug.
func (db *DB) Regions(ctx context.Context) ([]*domain.Region, error) {
	out, err := findAll(ctx, db.regions(), bson.D{}, options.Find().SetSort(key("slug")), (*regionDoc).toDomain)
	if out == nil && err == nil {
		out = []*domain.Region{}
	}
	return out, err
}
