package mongo

import (
	"context"
	"errors"
	"time"

	"needmatch/domain"

	"go.mongodb.org/mongo-driver/v2/bson"
	driver "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

type measureDoc struct {
	Code       string `bson:"code"`
	Name       string `bson:"name"`
	Unit       string `bson:"unit"`
	ProxyPence int64  `bson:"proxyPence"`
	Theme      string `bson:"theme"`
	Source     string `bson:"source"`
}

// catalogueDoc is one whole catalogue version: an import is one insert, so
// it is all or nothing without a transaction (1,000 measures stay far
// below the 16 MB document limit).
type catalogueDoc struct {
	ID           string       `bson:"_id"`
	AuthorityID  string       `bson:"authorityId"`
	Version      int          `bson:"version"`
	Example      bool         `bson:"example"`
	Label        string       `bson:"label"`
	Measures     []measureDoc `bson:"measures"`
	CreatedBy    string       `bson:"createdBy"`
	CreatedAt    time.Time    `bson:"createdAt"`
	PendingAudit *auditDoc    `bson:"pendingAudit,omitempty"`
}

func catalogueFromDomain(c *domain.Catalogue, ev *domain.AuditEvent) *catalogueDoc {
	d := &catalogueDoc{ID: c.ID, AuthorityID: c.AuthorityID, Version: c.Version, Example: c.Example, Label: c.Label,
		Measures: make([]measureDoc, len(c.Measures)), CreatedBy: c.CreatedBy, CreatedAt: c.CreatedAt, PendingAudit: pendingOf(ev)}
	for i, m := range c.Measures {
		d.Measures[i] = measureDoc(m)
	}
	return d
}

func (d *catalogueDoc) toDomain() *domain.Catalogue {
	c := &domain.Catalogue{ID: d.ID, AuthorityID: d.AuthorityID, Version: d.Version, Example: d.Example, Label: d.Label,
		CreatedBy: d.CreatedBy, CreatedAt: d.CreatedAt.UTC()}
	if d.Measures != nil {
		c.Measures = make([]domain.Measure, len(d.Measures))
		for i, m := range d.Measures {
			c.Measures[i] = domain.Measure(m)
		}
	}
	return c
}

// CreateCatalogue stores a new version with its audit event; ECONFLICT when
// the authority already has that version.
func (db *DB) CreateCatalogue(ctx context.Context, c *domain.Catalogue, ev *domain.AuditEvent) error {
	d := catalogueFromDomain(c, ev)
	answers(ctx, d.PendingAudit)
	_, err := db.catalogues().InsertOne(ctx, d)
	if err != nil && internalError(err) {
		// FerretDB may report a unique violation as InternalError.
		if n, cerr := db.catalogues().CountDocuments(ctx, bson.D{{Key: "authorityId", Value: c.AuthorityID}, {Key: "version", Value: c.Version}}); cerr == nil && n > 0 {
			return domain.Errorf(domain.ECONFLICT, "Catalogue version %d already exists.", c.Version)
		}
	}
	if err != nil {
		if driver.IsDuplicateKeyError(err) {
			return domain.Errorf(domain.ECONFLICT, "Catalogue version %d already exists.", c.Version)
		}
		return translate(err)
	}
	return db.complete(ctx, db.catalogues(), c.ID, d.PendingAudit, ev)
}

func (db *DB) oneCatalogue(ctx context.Context, filter bson.D, opts ...options.Lister[options.FindOneOptions]) (*domain.Catalogue, error) {
	var d catalogueDoc
	if err := db.catalogues().FindOne(ctx, filter, opts...).Decode(&d); err != nil {
		if errors.Is(err, driver.ErrNoDocuments) {
			return nil, domain.Errorf(domain.ENOTFOUND, "Measures catalogue not found.")
		}
		return nil, translate(err)
	}
	return d.toDomain(), nil
}

// CurrentCatalogue returns the newest version; ENOTFOUND when none.
func (db *DB) CurrentCatalogue(ctx context.Context, authorityID string) (*domain.Catalogue, error) {
	return db.oneCatalogue(ctx, bson.D{{Key: "authorityId", Value: authorityID}},
		options.FindOne().SetSort(key("-version")).SetProjection(bson.D{{Key: "pendingAudit", Value: 0}}))
}

// CatalogueVersion returns one version; ENOTFOUND when there is none.
func (db *DB) CatalogueVersion(ctx context.Context, authorityID string, version int) (*domain.Catalogue, error) {
	return db.oneCatalogue(ctx, bson.D{{Key: "authorityId", Value: authorityID}, {Key: "version", Value: version}},
		options.FindOne().SetProjection(bson.D{{Key: "pendingAudit", Value: 0}}))
}

// Catalogues lists every version, newest first, without their measures.
func (db *DB) Catalogues(ctx context.Context, authorityID string) ([]*domain.Catalogue, error) {
	cur, err := db.catalogues().Find(ctx, bson.D{{Key: "authorityId", Value: authorityID}},
		options.Find().SetSort(key("-version")).SetProjection(bson.D{{Key: "measures", Value: 0}, {Key: "pendingAudit", Value: 0}}))
	if err != nil {
		return nil, translate(err)
	}
	var docs []catalogueDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, translate(err)
	}
	out := make([]*domain.Catalogue, 0, len(docs))
	for i := range docs {
		out = append(out, docs[i].toDomain())
	}
	return out, nil
}
