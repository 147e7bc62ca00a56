package mongo

import (
	"context"
	"time"

	"needmatch/domain"

	"go.mongodb.org/mongo-driver/v2/bson"
)

type organisationDoc struct {
	ID                   string    `bson:"_id"`
	AuthorityID          string    `bson:"authorityId"`
	Authority            string    `bson:"authority"`
	Kind                 string    `bson:"kind"`
	Name                 string    `bson:"name"`
	Status               string    `bson:"status"`
	Reason               string    `bson:"reason,omitempty"`
	Area                 string    `bson:"area,omitempty"`
	Offers               []string  `bson:"offers,omitempty"`
	CommitmentLimitPence int64     `bson:"commitmentLimitPence"`
	Version              int64     `bson:"version"`
	CreatedAt            time.Time `bson:"createdAt"`
	UpdatedAt            time.Time `bson:"updatedAt"`
	PendingAudit         *auditDoc `bson:"pendingAudit,omitempty"`
}

func organisationFromDomain(o *domain.Organisation, ev *domain.AuditEvent) *organisationDoc {
	return &organisationDoc{ID: o.ID, AuthorityID: o.AuthorityID, Authority: o.Authority, Kind: o.Kind, Name: o.Name, Status: o.Status,
		Reason: o.Reason, Area: o.Area, Offers: o.Offers, CommitmentLimitPence: o.CommitmentLimitPence, Version: o.Version,
		CreatedAt: o.CreatedAt, UpdatedAt: o.UpdatedAt, PendingAudit: pendingOf(ev)}
}

func (d *organisationDoc) toDomain() *domain.Organisation {
	return &domain.Organisation{ID: d.ID, AuthorityID: d.AuthorityID, Authority: d.Authority, Kind: d.Kind, Name: d.Name, Status: d.Status,
		Reason: d.Reason, Area: d.Area, Offers: d.Offers, CommitmentLimitPence: d.CommitmentLimitPence, Version: d.Version,
		CreatedAt: d.CreatedAt.UTC(), UpdatedAt: d.UpdatedAt.UTC()}
}

// OrganisationByID returns ENOTFOUND when there is none.
func (db *DB) OrganisationByID(ctx context.Context, id string) (*domain.Organisation, error) {
	var d organisationDoc
	if err := db.organisations.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d); err != nil {
		return nil, notFound(err, "Organisation not found.")
	}
	return d.toDomain(), nil
}

// FindOrganisations lists newest first.
func (db *DB) FindOrganisations(ctx context.Context, f domain.OrganisationFilter) ([]*domain.Organisation, string, error) {
	filter := bson.D{{Key: "authorityId", Value: f.AuthorityID}}
	filter = eq(filter, "status", f.Status)
	filter = eq(filter, "kind", f.Kind)
	return findPage(ctx, db.organisations, filter, f.Page, (*organisationDoc).toDomain, func(o *domain.Organisation) string { return o.ID })
}

// UpdateOrganisation writes o if the stored version is prev, with its audit event.
func (db *DB) UpdateOrganisation(ctx context.Context, o *domain.Organisation, prev int64, ev *domain.AuditEvent) error {
	d := organisationFromDomain(o, ev)
	return db.replaceAudited(ctx, db.organisations, o.ID, prev, d, d.PendingAudit, ev, "Organisation", nil)
}
