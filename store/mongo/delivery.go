package mongo

import (
	"context"
	"time"

	"needmatch/domain"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

type deliveryDoc struct {
	ID               string     `bson:"_id"`
	AuthorityID      string     `bson:"authorityId"`
	PledgeID         string     `bson:"pledgeId"`
	RequestID        string     `bson:"requestId"`
	RequestTitle     string     `bson:"requestTitle"`
	RequestOrgID     string     `bson:"requestOrgId"`
	OrganisationID   string     `bson:"organisationId"`
	OrganisationName string     `bson:"organisationName"`
	ContractID       string     `bson:"contractId"`
	Area             string     `bson:"area"`
	MeasureCode      string     `bson:"measureCode"`
	Theme            string     `bson:"theme"`
	Unit             string     `bson:"unit"`
	Quantity         int64      `bson:"quantity"`
	ValuePence       int64      `bson:"valuePence"`
	Date             time.Time  `bson:"date"`
	Month            string     `bson:"month"`
	Notes            string     `bson:"notes,omitempty"`
	EvidenceIDs      []string   `bson:"evidenceIds"`
	EvidenceHashes   []string   `bson:"evidenceHashes"`
	Status           string     `bson:"status"`
	Confirmed        bool       `bson:"confirmed"`
	ConfirmedBy      string     `bson:"confirmedBy,omitempty"`
	ConfirmedAt      *time.Time `bson:"confirmedAt,omitempty"`
	DisputeReason    string     `bson:"disputeReason,omitempty"`
	DecidedBy        string     `bson:"decidedBy,omitempty"`
	DecidedAt        *time.Time `bson:"decidedAt,omitempty"`
	Reason           string     `bson:"reason,omitempty"`
	ReportedBy       string     `bson:"reportedBy"`
	Version          int64      `bson:"version"`
	CreatedAt        time.Time  `bson:"createdAt"`
	UpdatedAt        time.Time  `bson:"updatedAt"`
	PendingAudit     *auditDoc  `bson:"pendingAudit,omitempty"`
	Source           string     `bson:"source,omitempty"`
	// Cells and Dirty: as a pledge's (see rollup.go).
	Cells []string `bson:"cells"`
	Dirty bool     `bson:"dirty,omitempty"`
}

func deliveryFromDomain(d *domain.Delivery) *deliveryDoc {
	return &deliveryDoc{ID: d.ID, AuthorityID: d.AuthorityID, PledgeID: d.PledgeID, RequestID: d.RequestID, RequestTitle: d.RequestTitle,
		RequestOrgID: d.RequestOrgID, OrganisationID: d.OrganisationID, OrganisationName: d.OrganisationName, ContractID: d.ContractID,
		Area: d.Area, MeasureCode: d.MeasureCode, Theme: d.Theme, Unit: d.Unit, Quantity: d.Quantity, ValuePence: d.ValuePence,
		Date: d.Date, Month: d.Month(), Notes: d.Notes, EvidenceIDs: d.EvidenceIDs, EvidenceHashes: d.EvidenceHashes, Status: d.Status,
		Confirmed: d.Confirmed, ConfirmedBy: d.ConfirmedBy, ConfirmedAt: d.ConfirmedAt, DisputeReason: d.DisputeReason,
		DecidedBy: d.DecidedBy, DecidedAt: d.DecidedAt, Reason: d.Reason, ReportedBy: d.ReportedBy, Version: d.Version,
		CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt, Source: d.Source, Cells: deliveryCells(d), Dirty: true}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (d *deliveryDoc) toDomain() *domain.Delivery {
	return &domain.Delivery{ID: d.ID, AuthorityID: d.AuthorityID, PledgeID: d.PledgeID, RequestID: d.RequestID, RequestTitle: d.RequestTitle,
		RequestOrgID: d.RequestOrgID, OrganisationID: d.OrganisationID, OrganisationName: d.OrganisationName, ContractID: d.ContractID,
		Area: d.Area, MeasureCode: d.MeasureCode, Theme: d.Theme, Unit: d.Unit, Quantity: d.Quantity, ValuePence: d.ValuePence,
		Date: d.Date.UTC(), Notes: d.Notes, EvidenceIDs: nonNil(d.EvidenceIDs), EvidenceHashes: nonNil(d.EvidenceHashes), Status: d.Status,
		Confirmed: d.Confirmed, ConfirmedBy: d.ConfirmedBy, ConfirmedAt: utcPtr(d.ConfirmedAt), DisputeReason: d.DisputeReason,
		DecidedBy: d.DecidedBy, DecidedAt: utcPtr(d.DecidedAt), Reason: d.Reason, ReportedBy: d.ReportedBy, Version: d.Version,
		CreatedAt: d.CreatedAt.UTC(), UpdatedAt: d.UpdatedAt.UTC(), Source: d.Source}
}

func pledgeMoved(err error) error {
	if domain.ErrorCode(err) == domain.ECONFLICT {
		return domain.Errorf(domain.ECONFLICT, "The pledge changed at the same moment (another delivery report or decision); reload and try again.")
	}
	return err
}

// CreateDelivery claims the evidence (released again on failure), then
// writes the pledge compare-and-set as the commit point, carrying the
// delivery and the other events as its intent (see ledger.go). Every change
// of a delivery goes through its pledge's version, so the pledge serialises
// them.
func (db *DB) CreateDelivery(ctx context.Context, d *domain.Delivery, p *domain.Pledge, pledgePrev int64, evs []*domain.AuditEvent) (err error) {
	if err := db.checkVersion(ctx, db.pledges, p.ID, pledgePrev, "Pledge"); err != nil {
		return pledgeMoved(err)
	}
	if err := db.claimEvidence(ctx, d); err != nil {
		return err
	}
	committed := false
	defer func() {
		if err != nil && !committed {
			db.releaseEvidence(context.WithoutCancel(ctx), d.ID)
		}
	}()
	ins, err := insertOp(db.deliveries(), d.ID, deliveryFromDomain(d))
	if err != nil {
		return err
	}
	keep := intentOp{Op: opKeepUses, Coll: db.evidenceUse().Name(), ID: d.ID}
	return db.commitPledge(ctx, p, pledgePrev, evs, []intentOp{ins, keep}, &committed)
}

// commitPledge writes the pledge with the intent ops and events.
func (db *DB) commitPledge(ctx context.Context, p *domain.Pledge, pledgePrev int64, evs []*domain.AuditEvent, ops []intentOp, committed *bool) error {
	pending, in, err := newIntent(evs, ops)
	if err != nil {
		return err
	}
	pd := pledgeFromDomain(p, nil)
	pd.PendingAudit, pd.PendingIntent = pending, in
	err = db.commitIntent(ctx, db.pledges, p.ID, pledgePrev, pd, pending, in, evs, "Pledge")
	if err == nil || domain.ErrorCode(err) != domain.ECONFLICT {
		*committed = true // only a conflict surely wrote nothing
	}
	return pledgeMoved(err)
}

// UpdateDelivery writes d and p if their stored versions are prev and
// pledgePrev; a rejected delivery frees its evidence hashes.
func (db *DB) UpdateDelivery(ctx context.Context, d *domain.Delivery, prev int64, p *domain.Pledge, pledgePrev int64, evs []*domain.AuditEvent) error {
	if err := db.checkVersion(ctx, db.pledges, p.ID, pledgePrev, "Pledge"); err != nil {
		return pledgeMoved(err)
	}
	if err := db.checkVersion(ctx, db.deliveries(), d.ID, prev, "Delivery"); err != nil {
		return err
	}
	rep, err := replaceOp(db.deliveries(), d.ID, prev, d.Version, deliveryFromDomain(d))
	if err != nil {
		return err
	}
	ops := []intentOp{rep}
	if d.Status == domain.DeliveryRejected {
		ops = append(ops, intentOp{Op: opDeleteUses, Coll: db.evidenceUse().Name(), ID: d.ID})
	}
	var committed bool
	return db.commitPledge(ctx, p, pledgePrev, evs, ops, &committed)
}

// DeliveryByID returns ENOTFOUND when there is none.
func (db *DB) DeliveryByID(ctx context.Context, id string) (*domain.Delivery, error) {
	var d deliveryDoc
	if err := db.deliveries().FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d); err != nil {
		return nil, notFound(err, "Delivery not found.")
	}
	return d.toDomain(), nil
}

// DeliveriesOfPledge lists a pledge's deliveries, oldest first.
func (db *DB) DeliveriesOfPledge(ctx context.Context, pledgeID string) ([]*domain.Delivery, error) {
	cur, err := db.deliveries().Find(ctx, bson.D{{Key: "pledgeId", Value: pledgeID}}, options.Find().SetSort(key("_id")))
	if err != nil {
		return nil, translate(err)
	}
	var docs []deliveryDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, translate(err)
	}
	var out []*domain.Delivery
	for i := range docs {
		out = append(out, docs[i].toDomain())
	}
	return out, nil
}

// FindDeliveries lists newest first.
func (db *DB) FindDeliveries(ctx context.Context, f domain.DeliveryFilter) ([]*domain.Delivery, string, error) {
	filter, err := ledgerFilter(f.LedgerFilter, "month")
	if err != nil {
		return nil, "", err
	}
	filter = eq(filter, "pledgeId", f.PledgeID)
	filter = eq(filter, "status", f.Status)
	filter = eq(filter, "source", f.Source)
	return findPage(ctx, db.deliveries(), filter, f.Page, (*deliveryDoc).toDomain, func(d *domain.Delivery) string { return d.ID })
}
