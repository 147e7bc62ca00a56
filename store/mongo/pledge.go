package mongo

import (
	"context"
	"time"

	"needmatch/domain"

	"go.mongodb.org/mongo-driver/v2/bson"
)

type pledgeDoc struct {
	ID               string `bson:"_id"`
	AuthorityID      string `bson:"authorityId"`
	Authority        string `bson:"authority"`
	RequestID        string `bson:"requestId"`
	RequestTitle     string `bson:"requestTitle"`
	RequestOrgID     string `bson:"requestOrgId"`
	OrganisationID   string `bson:"organisationId"`
	OrganisationName string `bson:"organisationName"`
	Offer            string `bson:"offer"`
	Quantity         int64  `bson:"quantity"`
	Unit             string `bson:"unit"`
	ValuePence       int64  `bson:"valuePence"`
	AllowPartial     bool   `bson:"allowPartial"`
	ApprovedPence    int64  `bson:"approvedPence"`
	Status           string `bson:"status"`
	Reason           string `bson:"reason,omitempty"`
	DecidedBy        string `bson:"decidedBy,omitempty"`
	// The social value ledger's fields (see ledger.go).
	Area             string           `bson:"area"`
	ContractID       string           `bson:"contractId"`
	BidID            string           `bson:"bidId"`
	MeasureCode      string           `bson:"measureCode"`
	Theme            string           `bson:"theme"`
	CatalogueVersion int              `bson:"catalogueVersion"`
	ProxyPence       int64            `bson:"proxyPence"`
	DueDate          *time.Time       `bson:"dueDate,omitempty"`
	Override         *overrideDoc     `bson:"override,omitempty"`
	Release          *releaseDoc      `bson:"release,omitempty"`
	Safeguarding     *safeguardingDoc `bson:"safeguarding,omitempty"`
	Source           string           `bson:"source,omitempty"`
	Version          int64            `bson:"version"`
	CreatedAt        time.Time        `bson:"createdAt"`
	UpdatedAt        time.Time        `bson:"updatedAt"`
	PendingAudit     *auditDoc        `bson:"pendingAudit,omitempty"`
	// PendingIntent is a delivery's writes and events not yet done (see ledger.go).
	PendingIntent *intentDoc `bson:"pendingIntent,omitempty"`
	// Cells and Dirty: the ledger's cells the pledge counts in, and that
	// they are not added up since its last write (see rollup.go).
	Cells []string `bson:"cells"`
	Dirty bool     `bson:"dirty,omitempty"`
}

type overrideDoc struct {
	By     string    `bson:"by"`
	Reason string    `bson:"reason"`
	At     time.Time `bson:"at"`
}

type safeguardingDoc struct {
	By     string    `bson:"by"`
	ByName string    `bson:"byName,omitempty"`
	At     time.Time `bson:"at"`
}

func safeguardingFromDomain(c *domain.SafeguardingCheck) *safeguardingDoc {
	if c == nil {
		return nil
	}
	return &safeguardingDoc{By: c.By, ByName: c.ByName, At: c.At}
}

func (d *safeguardingDoc) toDomain() *domain.SafeguardingCheck {
	if d == nil {
		return nil
	}
	return &domain.SafeguardingCheck{By: d.By, ByName: d.ByName, At: d.At.UTC()}
}

type releaseDoc struct {
	Reason      string     `bson:"reason"`
	RequestedBy string     `bson:"requestedBy"`
	RequestedAt time.Time  `bson:"requestedAt"`
	Decision    string     `bson:"decision,omitempty"`
	DecidedBy   string     `bson:"decidedBy,omitempty"`
	DecidedAt   *time.Time `bson:"decidedAt,omitempty"`
	Note        string     `bson:"note,omitempty"`
}

func overrideFromDomain(o *domain.Override) *overrideDoc {
	if o == nil {
		return nil
	}
	return &overrideDoc{By: o.By, Reason: o.Reason, At: o.At}
}

func (d *overrideDoc) toDomain() *domain.Override {
	if d == nil {
		return nil
	}
	return &domain.Override{By: d.By, Reason: d.Reason, At: d.At.UTC()}
}

func releaseFromDomain(r *domain.Release) *releaseDoc {
	if r == nil {
		return nil
	}
	return &releaseDoc{Reason: r.Reason, RequestedBy: r.RequestedBy, RequestedAt: r.RequestedAt, Decision: r.Decision, DecidedBy: r.DecidedBy, DecidedAt: r.DecidedAt, Note: r.Note}
}

func (d *releaseDoc) toDomain() *domain.Release {
	if d == nil {
		return nil
	}
	return &domain.Release{Reason: d.Reason, RequestedBy: d.RequestedBy, RequestedAt: d.RequestedAt.UTC(), Decision: d.Decision, DecidedBy: d.DecidedBy,
		DecidedAt: utcPtr(d.DecidedAt), Note: d.Note}
}

func pledgeFromDomain(p *domain.Pledge, ev *domain.AuditEvent) *pledgeDoc {
	return &pledgeDoc{Override: overrideFromDomain(p.Override), Release: releaseFromDomain(p.Release), Safeguarding: safeguardingFromDomain(p.SafeguardingCheck), ID: p.ID, AuthorityID: p.AuthorityID, Authority: p.Authority, RequestID: p.RequestID, RequestTitle: p.RequestTitle,
		RequestOrgID: p.RequestOrgID, OrganisationID: p.OrganisationID, OrganisationName: p.OrganisationName, Offer: p.Offer,
		Quantity: p.Quantity, Unit: p.Unit, ValuePence: p.ValuePence, AllowPartial: p.AllowPartial, ApprovedPence: p.ApprovedPence,
		Status: string(p.Status), Reason: p.Reason, DecidedBy: p.DecidedBy, Area: p.Area, ContractID: p.ContractID, BidID: p.BidID,
		MeasureCode: p.MeasureCode, Theme: p.Theme, CatalogueVersion: p.CatalogueVersion, ProxyPence: p.ProxyPence, DueDate: p.DueDate,
		Version: p.Version, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt, PendingAudit: pendingOf(ev), Source: p.Source,
		Cells: pledgeCells(p), Dirty: true}
}

func (d *pledgeDoc) toDomain() *domain.Pledge {
	var due *time.Time
	if d.DueDate != nil {
		t := d.DueDate.UTC()
		due = &t
	}
	return &domain.Pledge{Override: d.Override.toDomain(), Release: d.Release.toDomain(), SafeguardingCheck: d.Safeguarding.toDomain(), ID: d.ID, AuthorityID: d.AuthorityID, Authority: d.Authority, RequestID: d.RequestID, RequestTitle: d.RequestTitle,
		RequestOrgID: d.RequestOrgID, OrganisationID: d.OrganisationID, OrganisationName: d.OrganisationName, Offer: d.Offer,
		Quantity: d.Quantity, Unit: d.Unit, ValuePence: d.ValuePence, AllowPartial: d.AllowPartial, ApprovedPence: d.ApprovedPence,
		Status: domain.PledgeStatus(d.Status), Reason: d.Reason, DecidedBy: d.DecidedBy, Area: d.Area, ContractID: d.ContractID, BidID: d.BidID,
		MeasureCode: d.MeasureCode, Theme: d.Theme, CatalogueVersion: d.CatalogueVersion, ProxyPence: d.ProxyPence, DueDate: due,
		Version: d.Version, CreatedAt: d.CreatedAt.UTC(), UpdatedAt: d.UpdatedAt.UTC(), Source: d.Source}
}

// CreatePledge inserts p with its audit event.
func (db *DB) CreatePledge(ctx context.Context, p *domain.Pledge, ev *domain.AuditEvent) error {
	d := pledgeFromDomain(p, ev)
	return db.insertAudited(ctx, db.pledges, p.ID, d, d.PendingAudit, ev)
}

// UpdatePledge writes p if the stored version is prev; ECONFLICT otherwise.
func (db *DB) UpdatePledge(ctx context.Context, p *domain.Pledge, prev int64, ev *domain.AuditEvent) error {
	d := pledgeFromDomain(p, ev)
	return db.replaceAudited(ctx, db.pledges, p.ID, prev, d, d.PendingAudit, ev, "Pledge", nil)
}

// PledgeByID returns ENOTFOUND when there is none.
func (db *DB) PledgeByID(ctx context.Context, id string) (*domain.Pledge, error) {
	var d pledgeDoc
	if err := db.pledges.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d); err != nil {
		return nil, notFound(err, "Pledge not found.")
	}
	return d.toDomain(), nil
}

// FindPledges lists newest first and returns the cursor of the next page.
func (db *DB) FindPledges(ctx context.Context, f domain.PledgeFilter) ([]*domain.Pledge, string, error) {
	filter := bson.D{{Key: "authorityId", Value: f.AuthorityID}}
	filter = eq(filter, "organisationId", f.OrganisationID)
	filter = eq(filter, "requestOrgId", f.RequestOrgID)
	filter = eq(filter, "requestId", f.RequestID)
	filter = eq(filter, "status", string(f.Status))
	return findPage(ctx, db.pledges, filter, f.Page, (*pledgeDoc).toDomain, func(p *domain.Pledge) string { return p.ID })
}
