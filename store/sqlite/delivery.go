package sqlite

import (
	"context"
	"encoding/json"

	"needmatch/domain"
)

type deliveryRow struct {
	domain.Delivery
	AuthorityID string `json:"authorityId"`
}

func deliveryDoc(d *domain.Delivery) string {
	return marshal(deliveryRow{Delivery: *d, AuthorityID: d.AuthorityID})
}

func decodeDelivery(doc string) (*domain.Delivery, error) {
	var row deliveryRow
	if err := json.Unmarshal([]byte(doc), &row); err != nil {
		return nil, err
	}
	d := row.Delivery
	d.AuthorityID = row.AuthorityID
	return &d, nil
}

// CreateDelivery inserts d, attaches and claims its evidence, and writes
// the pledge (compare-and-set) with the events, in one transaction.
func (db *DB) CreateDelivery(ctx context.Context, d *domain.Delivery, p *domain.Pledge, pledgePrev int64, evs []*domain.AuditEvent) error {
	return db.tx(ctx, func(tx *wtx) error {
		_, err := tx.Exec(`INSERT INTO deliveries (id, authority_id, pledge_id, supplier_id, request_org_id, contract_id, area, theme, month, measure_code, status, lstage, quantity, value_pence, version, doc)
			VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
			d.ID, d.AuthorityID, d.PledgeID, d.OrganisationID, d.RequestOrgID, d.ContractID, d.Area, d.Theme, d.Month(), d.MeasureCode, d.Status, deliveryStage(d),
			d.Quantity, d.ValuePence, d.Version, deliveryDoc(d))
		if err != nil {
			return translate(err)
		}
		for i, id := range d.EvidenceIDs {
			res, err := tx.Exec(`UPDATE evidence SET delivery_id = ? WHERE id = ? AND delivery_id = '' AND organisation_id = ?`, d.ID, id, d.OrganisationID)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return &domain.Error{Code: domain.ECONFLICT, Field: "evidenceIds", Message: "Evidence " + id + " already backs another delivery."}
			}
			if _, err := tx.Exec(`INSERT INTO evidence_use (authority_id, sha256, delivery_id) VALUES (?,?,?)`, d.AuthorityID, d.EvidenceHashes[i], d.ID); err != nil {
				if domain.ErrorCode(translate(err)) == domain.ECONFLICT {
					return &domain.Error{Code: domain.ECONFLICT, Field: "evidenceIds",
						Message: "The file of evidence " + id + " (SHA-256 " + d.EvidenceHashes[i][:12] + "…) already backs another delivery: the same file cannot back two deliveries."}
				}
				return err
			}
		}
		if err := updatePledgeTx(tx, p, pledgePrev); err != nil {
			return pledgeMoved(err)
		}
		for _, ev := range evs {
			if err := appendAudit(tx, ev); err != nil {
				return err
			}
		}
		return nil
	})
}

func pledgeMoved(err error) error {
	if domain.ErrorCode(err) == domain.ECONFLICT {
		return domain.Errorf(domain.ECONFLICT, "The pledge changed at the same moment (another delivery report or decision); reload and try again.")
	}
	return err
}

// UpdateDelivery writes d and its pledge if their stored versions are prev
// and pledgePrev; a rejected delivery frees its evidence hashes.
func (db *DB) UpdateDelivery(ctx context.Context, d *domain.Delivery, prev int64, p *domain.Pledge, pledgePrev int64, evs []*domain.AuditEvent) error {
	return db.tx(ctx, func(tx *wtx) error {
		if err := casUpdate(tx, "deliveries", d.ID, prev, "status = ?, lstage = ?, version = ?, doc = ?", d.Status, deliveryStage(d), d.Version, deliveryDoc(d)); err != nil {
			return err
		}
		if d.Status == domain.DeliveryRejected {
			if _, err := tx.Exec(`DELETE FROM evidence_use WHERE delivery_id = ?`, d.ID); err != nil {
				return err
			}
		}
		if err := updatePledgeTx(tx, p, pledgePrev); err != nil {
			return pledgeMoved(err)
		}
		for _, ev := range evs {
			if err := appendAudit(tx, ev); err != nil {
				return err
			}
		}
		return nil
	})
}

// DeliveryByID returns ENOTFOUND when there is none.
func (db *DB) DeliveryByID(ctx context.Context, id string) (*domain.Delivery, error) {
	var doc string
	if err := db.queryRow(ctx, `SELECT doc FROM deliveries WHERE id = ?`, id).Scan(&doc); err != nil {
		return nil, translateNotFound(err, "Delivery not found.")
	}
	return decodeDelivery(doc)
}

// DeliveriesOfPledge lists a pledge's deliveries, oldest first.
func (db *DB) DeliveriesOfPledge(ctx context.Context, pledgeID string) ([]*domain.Delivery, error) {
	rows, err := db.query(ctx, `SELECT doc FROM deliveries WHERE pledge_id = ? ORDER BY id`, pledgeID)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []*domain.Delivery
	for rows.Next() {
		var doc string
		if err := rows.Scan(&doc); err != nil {
			return nil, translate(err)
		}
		d, err := decodeDelivery(doc)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, translate(rows.Err())
}

// FindDeliveries lists newest first.
func (db *DB) FindDeliveries(ctx context.Context, f domain.DeliveryFilter) ([]*domain.Delivery, string, error) {
	where, args := ledgerWhere(f.LedgerFilter, "")
	if f.PledgeID != "" {
		where, args = append(where, "pledge_id = ?"), append(args, f.PledgeID)
	}
	if f.Status != "" {
		where, args = append(where, "status = ?"), append(args, f.Status)
	}
	return findPage(ctx, db, "deliveries", where, args, f.Page, decodeDelivery, func(d *domain.Delivery) string { return d.ID })
}
