package sqlite

import (
	"context"
	"encoding/json"

	"needmatch/domain"
)

// deliveryRow is a row of the deliveries table: the store's own form of a
// delivery (times as RFC 3339 text, none as ”; the evidence ids and hashes
// as JSON lists of strings). Month and Stage are derived from the date and
// the status for the ledger's indexes.
type deliveryRow struct {
	ID, AuthorityID, PledgeID, RequestID, RequestTitle, RequestOrgID         string
	SupplierID, OrganisationName, ContractID, Area, MeasureCode, Theme, Unit string
	Quantity, ValuePence                                                     int64
	Date, Month, Notes, EvidenceIDs, EvidenceHashes, Status                  string
	Stage                                                                    int
	Confirmed                                                                bool
	ConfirmedBy, ConfirmedAt, DisputeReason, DecidedBy, DecidedAt, Reason    string
	ReportedBy                                                               string
	Version                                                                  int64
	CreatedAt, UpdatedAt                                                     string
	Source                                                                   string
}

// deliveryTable is the deliveries table, its columns in deliveryRow order; a
// delivery never changes its pledge, parties or creation time.
var deliveryTable = newTable("deliveries", `id, authority_id, pledge_id, request_id, request_title, request_org_id,
	supplier_id, organisation_name, contract_id, area, measure_code, theme, unit, quantity, value_pence,
	date, month, notes, evidence_ids, evidence_hashes, status, lstage, confirmed,
	confirmed_by, confirmed_at, dispute_reason, decided_by, decided_at, reason, reported_by, version, created_at, updated_at, source`,
	"id", "authority_id", "pledge_id", "request_id", "request_org_id", "supplier_id", "created_at")

func (r *deliveryRow) fields() []any {
	return []any{&r.ID, &r.AuthorityID, &r.PledgeID, &r.RequestID, &r.RequestTitle, &r.RequestOrgID,
		&r.SupplierID, &r.OrganisationName, &r.ContractID, &r.Area, &r.MeasureCode, &r.Theme, &r.Unit, &r.Quantity, &r.ValuePence,
		&r.Date, &r.Month, &r.Notes, &r.EvidenceIDs, &r.EvidenceHashes, &r.Status, &r.Stage, &r.Confirmed,
		&r.ConfirmedBy, &r.ConfirmedAt, &r.DisputeReason, &r.DecidedBy, &r.DecidedAt, &r.Reason, &r.ReportedBy, &r.Version, &r.CreatedAt, &r.UpdatedAt, &r.Source}
}

func fromDelivery(d *domain.Delivery) *deliveryRow {
	return &deliveryRow{ID: d.ID, AuthorityID: d.AuthorityID, PledgeID: d.PledgeID, RequestID: d.RequestID, RequestTitle: d.RequestTitle, RequestOrgID: d.RequestOrgID,
		SupplierID: d.OrganisationID, OrganisationName: d.OrganisationName, ContractID: d.ContractID, Area: d.Area, MeasureCode: d.MeasureCode,
		Theme: d.Theme, Unit: d.Unit, Quantity: d.Quantity, ValuePence: d.ValuePence, Date: storeTime(d.Date), Month: d.Month(), Notes: d.Notes,
		EvidenceIDs: marshal(d.EvidenceIDs), EvidenceHashes: marshal(d.EvidenceHashes), Status: d.Status, Stage: deliveryStage(d), Confirmed: d.Confirmed,
		ConfirmedBy: d.ConfirmedBy, ConfirmedAt: optTime(d.ConfirmedAt), DisputeReason: d.DisputeReason, DecidedBy: d.DecidedBy,
		DecidedAt: optTime(d.DecidedAt), Reason: d.Reason, ReportedBy: d.ReportedBy, Version: d.Version,
		CreatedAt: storeTime(d.CreatedAt), UpdatedAt: storeTime(d.UpdatedAt), Source: d.Source}
}

func scanDelivery(row scanner) (*domain.Delivery, error) {
	var r deliveryRow
	if err := row.Scan(r.fields()...); err != nil {
		return nil, err
	}
	var l times
	d := &domain.Delivery{ID: r.ID, AuthorityID: r.AuthorityID, PledgeID: r.PledgeID, RequestID: r.RequestID, RequestTitle: r.RequestTitle, RequestOrgID: r.RequestOrgID,
		OrganisationID: r.SupplierID, OrganisationName: r.OrganisationName, ContractID: r.ContractID, Area: r.Area, MeasureCode: r.MeasureCode,
		Theme: r.Theme, Unit: r.Unit, Quantity: r.Quantity, ValuePence: r.ValuePence, Date: l.at(r.Date), Notes: r.Notes, Status: r.Status,
		Confirmed: r.Confirmed, ConfirmedBy: r.ConfirmedBy, ConfirmedAt: l.opt(r.ConfirmedAt), DisputeReason: r.DisputeReason, DecidedBy: r.DecidedBy,
		DecidedAt: l.opt(r.DecidedAt), Reason: r.Reason, ReportedBy: r.ReportedBy, Version: r.Version, CreatedAt: l.at(r.CreatedAt), UpdatedAt: l.at(r.UpdatedAt), Source: r.Source}
	if l.err != nil {
		return nil, l.err
	}
	if err := json.Unmarshal([]byte(r.EvidenceIDs), &d.EvidenceIDs); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(r.EvidenceHashes), &d.EvidenceHashes); err != nil {
		return nil, err
	}
	return d, nil
}

// CreateDelivery inserts d, attaches and claims its evidence, and writes
// the pledge (compare-and-set) with the events, in one transaction.
func (db *DB) CreateDelivery(ctx context.Context, d *domain.Delivery, p *domain.Pledge, pledgePrev int64, evs []*domain.AuditEvent) error {
	return db.tx(ctx, func(tx *wtx) error {
		if err := deliveryTable.insert(tx, fromDelivery(d).fields()); err != nil {
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
		if err := deliveryTable.update(tx, d.ID, prev, fromDelivery(d).fields()); err != nil {
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
	d, err := scanDelivery(db.queryRow(ctx, `SELECT `+deliveryTable.list+` FROM deliveries WHERE id = ?`, id))
	if err != nil {
		return nil, translateNotFound(err, "Delivery not found.")
	}
	return d, nil
}

// DeliveriesOfPledge lists a pledge's deliveries, oldest first.
func (db *DB) DeliveriesOfPledge(ctx context.Context, pledgeID string) ([]*domain.Delivery, error) {
	rows, err := db.query(ctx, `SELECT `+deliveryTable.list+` FROM deliveries WHERE pledge_id = ? ORDER BY id`, pledgeID)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []*domain.Delivery
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, translate(err)
		}
		out = append(out, d)
	}
	return out, translate(rows.Err())
}

// FindDeliveries lists newest first.
func (db *DB) FindDeliveries(ctx context.Context, f domain.DeliveryFilter) ([]*domain.Delivery, string, error) {
	table, where, args := deliveriesWhere(f)
	return findPage(ctx, db, table, deliveryTable.list, where, args, f.Page, scanDelivery, func(d *domain.Delivery) string { return d.ID })
}

// deliveriesWhere is what FindDeliveries reads of f: the table, and the
// conditions with their arguments.
//
// Deliveries by source (the imported ones a ledger adds as importedPence)
// are read from deliveries_source, which has them in id order. Left to
// itself SQLite read those of a financial year's ledger from the months
// index: every delivery of the year, and its row for the status and
// source (bench-ledger, 200,000 deliveries: about half the CPU time of
// the year's ledger).
func deliveriesWhere(f domain.DeliveryFilter) (string, []string, []any) {
	where, args := ledgerWhere(f.LedgerFilter, "")
	if f.PledgeID != "" {
		where, args = append(where, "pledge_id = ?"), append(args, f.PledgeID)
	}
	if f.Status != "" {
		where, args = append(where, "status = ?"), append(args, f.Status)
	}
	table := "deliveries"
	if f.Source != "" {
		table += " INDEXED BY deliveries_source"
		where, args = append(where, "source = ?"), append(args, f.Source)
	}
	return table, where, args
}
