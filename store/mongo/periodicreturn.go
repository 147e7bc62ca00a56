package mongo

import (
	"context"
	"time"

	"needmatch/domain"

	"go.mongodb.org/mongo-driver/v2/bson"
	driver "go.mongodb.org/mongo-driver/v2/mongo"
)

func (db *DB) returns() *driver.Collection { return db.db.Collection("returns") }

type returnLineDoc struct {
	PledgeID       string   `bson:"pledgeId"`
	RequestTitle   string   `bson:"requestTitle"`
	DeliveryIDs    []string `bson:"deliveryIds"`
	DeliveredPence int64    `bson:"deliveredPence"`
	Note           string   `bson:"note"`
}

type returnDoc struct {
	ID                string          `bson:"_id"`
	AuthorityID       string          `bson:"authorityId"`
	ContractID        string          `bson:"contractId"`
	ContractReference string          `bson:"contractReference"`
	OrganisationID    string          `bson:"organisationId"`
	OrganisationName  string          `bson:"organisationName"`
	FY                int             `bson:"fy"`
	Quarter           int             `bson:"quarter"`
	Lines             []returnLineDoc `bson:"lines"`
	SubmittedBy       string          `bson:"submittedBy"`
	SubmittedByName   string          `bson:"submittedByName"`
	SubmittedAt       time.Time       `bson:"submittedAt"`
	Version           int64           `bson:"version"`
	PendingAudit      *auditDoc       `bson:"pendingAudit,omitempty"`
}

func returnFromDomain(r *domain.PeriodicReturn, ev *domain.AuditEvent) *returnDoc {
	d := &returnDoc{ID: r.ID, AuthorityID: r.AuthorityID, ContractID: r.ContractID, ContractReference: r.ContractReference, OrganisationID: r.OrganisationID,
		OrganisationName: r.OrganisationName, FY: r.FY, Quarter: r.Quarter, Lines: make([]returnLineDoc, len(r.Lines)), SubmittedBy: r.SubmittedBy,
		SubmittedByName: r.SubmittedByName, SubmittedAt: r.SubmittedAt, Version: r.Version, PendingAudit: pendingOf(ev)}
	for i, l := range r.Lines {
		d.Lines[i] = returnLineDoc(l)
	}
	return d
}

func (d *returnDoc) toDomain() *domain.PeriodicReturn {
	r := &domain.PeriodicReturn{ID: d.ID, AuthorityID: d.AuthorityID, ContractID: d.ContractID, ContractReference: d.ContractReference,
		OrganisationID: d.OrganisationID, OrganisationName: d.OrganisationName, FY: d.FY, Quarter: d.Quarter, Lines: make([]domain.ReturnLine, len(d.Lines)),
		SubmittedBy: d.SubmittedBy, SubmittedByName: d.SubmittedByName, SubmittedAt: d.SubmittedAt.UTC(), Version: d.Version}
	for i, l := range d.Lines {
		if l.DeliveryIDs == nil {
			l.DeliveryIDs = []string{}
		}
		r.Lines[i] = domain.ReturnLine(l)
	}
	return r
}

// CreateReturn stores r with its audit event; ECONFLICT when the contract
// has a return for the quarter.
func (db *DB) CreateReturn(ctx context.Context, r *domain.PeriodicReturn, ev *domain.AuditEvent) error {
	d := returnFromDomain(r, ev)
	return db.insertUnique(ctx, db.returns(), r.ID, d, d.PendingAudit, ev,
		bson.D{{Key: "contractId", Value: r.ContractID}, {Key: "fy", Value: r.FY}, {Key: "quarter", Value: r.Quarter}}, "The contract already has a return for this quarter.")
}

// FindReturns lists newest first.
func (db *DB) FindReturns(ctx context.Context, f domain.ReturnFilter) ([]*domain.PeriodicReturn, string, error) {
	filter := bson.D{{Key: "authorityId", Value: f.AuthorityID}}
	filter = eq(filter, "contractId", f.ContractID)
	filter = eq(filter, "organisationId", f.OrganisationID)
	return findPage(ctx, db.returns(), filter, f.Page, (*returnDoc).toDomain, func(r *domain.PeriodicReturn) string { return r.ID })
}
