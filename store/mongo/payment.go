package mongo

import (
	"context"
	"time"

	"needmatch/domain"

	"go.mongodb.org/mongo-driver/v2/bson"
	driver "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

func (db *DB) payments() *driver.Collection { return db.db.Collection("payments") }

type paymentDoc struct {
	ID                string    `bson:"_id"`
	AuthorityID       string    `bson:"authorityId"`
	Key               string    `bson:"key"`
	ContractID        string    `bson:"contractId"`
	ContractReference string    `bson:"contractReference"`
	SupplierID        string    `bson:"supplierId"`
	SupplierName      string    `bson:"supplierName"`
	Base              string    `bson:"base,omitempty"`
	AmountPence       int64     `bson:"amountPence"`
	Date              time.Time `bson:"date"`
	CreatedAt         time.Time `bson:"createdAt"`
	PendingAudit      *auditDoc `bson:"pendingAudit,omitempty"`
}

func (d *paymentDoc) toDomain() *domain.Payment {
	return &domain.Payment{ID: d.ID, AuthorityID: d.AuthorityID, Key: d.Key, ContractID: d.ContractID, ContractReference: d.ContractReference,
		SupplierID: d.SupplierID, SupplierName: d.SupplierName, Base: d.Base, AmountPence: d.AmountPence, Date: d.Date.UTC(), CreatedAt: d.CreatedAt.UTC()}
}

// CreatePayments inserts the payments one by one, each with its event; a
// payment whose key the authority already has is left out.
func (db *DB) CreatePayments(ctx context.Context, ps []*domain.Payment, evs []*domain.AuditEvent) error {
	if len(ps) != len(evs) {
		return domain.Errorf(domain.EINTERNAL, "payments: %d events for %d payments", len(evs), len(ps))
	}
	for i, p := range ps {
		d := &paymentDoc{ID: p.ID, AuthorityID: p.AuthorityID, Key: p.Key, ContractID: p.ContractID, ContractReference: p.ContractReference,
			SupplierID: p.SupplierID, SupplierName: p.SupplierName, Base: p.Base, AmountPence: p.AmountPence, Date: p.Date, CreatedAt: p.CreatedAt,
			PendingAudit: pendingOf(evs[i])}
		err := db.insertUnique(ctx, db.payments(), p.ID, d, d.PendingAudit, evs[i],
			bson.D{{Key: "authorityId", Value: p.AuthorityID}, {Key: "key", Value: p.Key}}, "The payment is already imported.")
		if err != nil && domain.ErrorCode(err) != domain.ECONFLICT {
			return err
		}
	}
	return nil
}

// Payments lists the authority's payments, oldest date first.
func (db *DB) Payments(ctx context.Context, authorityID string) ([]*domain.Payment, error) {
	cur, err := db.payments().Find(ctx, bson.D{{Key: "authorityId", Value: authorityID}},
		options.Find().SetSort(key("date", "_id")).SetProjection(bson.D{{Key: "pendingAudit", Value: 0}}))
	if err != nil {
		return nil, translate(err)
	}
	defer cur.Close(ctx)
	var out []*domain.Payment
	for cur.Next(ctx) {
		var d paymentDoc
		if err := cur.Decode(&d); err != nil {
			return nil, translate(err)
		}
		out = append(out, d.toDomain())
	}
	return out, translate(cur.Err())
}
