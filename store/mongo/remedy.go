package mongo

import (
	"context"
	"time"

	"needmatch/domain"

	"go.mongodb.org/mongo-driver/v2/bson"
	driver "go.mongodb.org/mongo-driver/v2/mongo"
)

func (db *DB) remedies() *driver.Collection { return db.db.Collection("remedies") }

type remedyCauseDoc struct {
	Kind         string `bson:"kind"`
	PledgeID     string `bson:"pledgeId,omitempty"`
	RequestTitle string `bson:"requestTitle,omitempty"`
	KPIID        string `bson:"kpiId,omitempty"`
	KPIName      string `bson:"kpiName,omitempty"`
	FY           int    `bson:"fy,omitempty"`
	Rating       string `bson:"rating,omitempty"`
}

type remedyChangeDoc struct {
	Status string    `bson:"status"`
	Note   string    `bson:"note,omitempty"`
	By     string    `bson:"by"`
	ByName string    `bson:"byName"`
	At     time.Time `bson:"at"`
}

type remedyDoc struct {
	ID                string            `bson:"_id"`
	AuthorityID       string            `bson:"authorityId"`
	ContractID        string            `bson:"contractId"`
	ContractReference string            `bson:"contractReference"`
	ContractTitle     string            `bson:"contractTitle"`
	OrganisationID    string            `bson:"organisationId"`
	OrganisationName  string            `bson:"organisationName"`
	Cause             remedyCauseDoc    `bson:"cause"`
	Action            string            `bson:"action"`
	DueDate           time.Time         `bson:"dueDate"`
	CheckerID         string            `bson:"checkerId"`
	CheckerName       string            `bson:"checkerName"`
	Status            string            `bson:"status"`
	History           []remedyChangeDoc `bson:"history"`
	Version           int64             `bson:"version"`
	CreatedAt         time.Time         `bson:"createdAt"`
	UpdatedAt         time.Time         `bson:"updatedAt"`
	PendingAudit      *auditDoc         `bson:"pendingAudit,omitempty"`
}

func remedyFromDomain(r *domain.Remedy, ev *domain.AuditEvent) *remedyDoc {
	d := &remedyDoc{ID: r.ID, AuthorityID: r.AuthorityID, ContractID: r.ContractID, ContractReference: r.ContractReference, ContractTitle: r.ContractTitle,
		OrganisationID: r.OrganisationID, OrganisationName: r.OrganisationName, Cause: remedyCauseDoc(r.Cause), Action: r.Action, DueDate: r.DueDate,
		CheckerID: r.CheckerID, CheckerName: r.CheckerName, Status: r.Status, History: make([]remedyChangeDoc, len(r.History)), Version: r.Version,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, PendingAudit: pendingOf(ev)}
	for i, h := range r.History {
		d.History[i] = remedyChangeDoc(h)
	}
	return d
}

func (d *remedyDoc) toDomain() *domain.Remedy {
	r := &domain.Remedy{ID: d.ID, AuthorityID: d.AuthorityID, ContractID: d.ContractID, ContractReference: d.ContractReference, ContractTitle: d.ContractTitle,
		OrganisationID: d.OrganisationID, OrganisationName: d.OrganisationName, Cause: domain.RemedyCause(d.Cause), Action: d.Action, DueDate: d.DueDate.UTC(),
		CheckerID: d.CheckerID, CheckerName: d.CheckerName, Status: d.Status, History: make([]domain.RemedyChange, len(d.History)), Version: d.Version,
		CreatedAt: d.CreatedAt.UTC(), UpdatedAt: d.UpdatedAt.UTC()}
	for i, h := range d.History {
		h.At = h.At.UTC()
		r.History[i] = domain.RemedyChange(h)
	}
	return r
}

// CreateRemedy stores r with its audit event.
func (db *DB) CreateRemedy(ctx context.Context, r *domain.Remedy, ev *domain.AuditEvent) error {
	d := remedyFromDomain(r, ev)
	return db.insertAudited(ctx, db.remedies(), r.ID, d, d.PendingAudit, ev)
}

// UpdateRemedy writes r if the stored version is prev; ECONFLICT otherwise.
func (db *DB) UpdateRemedy(ctx context.Context, r *domain.Remedy, prev int64, ev *domain.AuditEvent) error {
	d := remedyFromDomain(r, ev)
	return db.replaceAudited(ctx, db.remedies(), r.ID, prev, d, d.PendingAudit, ev, "Remedy plan", translate)
}

// RemedyByID returns ENOTFOUND when there is none.
func (db *DB) RemedyByID(ctx context.Context, id string) (*domain.Remedy, error) {
	var d remedyDoc
	if err := db.remedies().FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d); err != nil {
		return nil, notFound(err, "Remedy plan not found.")
	}
	return d.toDomain(), nil
}

// FindRemedies lists newest first.
func (db *DB) FindRemedies(ctx context.Context, f domain.RemedyFilter) ([]*domain.Remedy, string, error) {
	filter := bson.D{{Key: "authorityId", Value: f.AuthorityID}}
	filter = eq(filter, "contractId", f.ContractID)
	filter = eq(filter, "organisationId", f.OrganisationID)
	return findPage(ctx, db.remedies(), filter, f.Page, (*remedyDoc).toDomain, func(r *domain.Remedy) string { return r.ID })
}
