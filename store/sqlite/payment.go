package sqlite

import (
	"context"

	"needmatch/domain"
)

// paymentRow is a row of the payments table (times as RFC 3339 text).
type paymentRow struct {
	ID, AuthorityID, Key, ContractID, ContractReference string
	SupplierID, SupplierName, Base                      string
	AmountPence                                         int64
	Date, CreatedAt                                     string
}

// paymentTable is the payments table; a payment never changes.
var paymentTable = newTable("payments", `id, authority_id, key, contract_id, contract_reference, supplier_id, supplier_name, base, amount_pence, date, created_at`, "id")

func (r *paymentRow) fields() []any {
	return []any{&r.ID, &r.AuthorityID, &r.Key, &r.ContractID, &r.ContractReference, &r.SupplierID, &r.SupplierName, &r.Base, &r.AmountPence, &r.Date, &r.CreatedAt}
}

func fromPayment(p *domain.Payment) *paymentRow {
	return &paymentRow{ID: p.ID, AuthorityID: p.AuthorityID, Key: p.Key, ContractID: p.ContractID, ContractReference: p.ContractReference,
		SupplierID: p.SupplierID, SupplierName: p.SupplierName, Base: p.Base, AmountPence: p.AmountPence, Date: storeTime(p.Date), CreatedAt: storeTime(p.CreatedAt)}
}

// CreatePayments inserts the payments with their events in one
// transaction; ECONFLICT when a key is already the authority's.
func (db *DB) CreatePayments(ctx context.Context, ps []*domain.Payment, evs []*domain.AuditEvent) error {
	if len(ps) != len(evs) {
		return domain.Errorf(domain.EINTERNAL, "payments: %d events for %d payments", len(evs), len(ps))
	}
	return db.tx(ctx, func(tx *wtx) error {
		for i, p := range ps {
			if err := paymentTable.insert(tx, fromPayment(p).fields()); err != nil {
				return translate(err)
			}
			if err := appendAudit(tx, evs[i]); err != nil {
				return err
			}
		}
		return nil
	})
}

// Payments lists the authority's payments, oldest date first.
func (db *DB) Payments(ctx context.Context, authorityID string) ([]*domain.Payment, error) {
	rows, err := db.query(ctx, `SELECT `+paymentTable.list+` FROM payments WHERE authority_id = ? ORDER BY date, id`, authorityID)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []*domain.Payment
	for rows.Next() {
		var r paymentRow
		if err := rows.Scan(r.fields()...); err != nil {
			return nil, err
		}
		var l times
		out = append(out, &domain.Payment{ID: r.ID, AuthorityID: r.AuthorityID, Key: r.Key, ContractID: r.ContractID, ContractReference: r.ContractReference,
			SupplierID: r.SupplierID, SupplierName: r.SupplierName, Base: r.Base, AmountPence: r.AmountPence, Date: l.at(r.Date), CreatedAt: l.at(r.CreatedAt)})
		if l.err != nil {
			return nil, l.err
		}
	}
	return out, rows.Err()
}
