package sqlite

import (
	"context"
	"encoding/json"

	"needmatch/domain"
)

var _ domain.AllocationStore = (*DB)(nil)

type allocationRow struct {
	domain.Allocation
	AuthorityID string `json:"authorityId"`
}

// CreateAllocation stores a proposal with its audit event.
func (db *DB) CreateAllocation(ctx context.Context, a *domain.Allocation, ev *domain.AuditEvent) error {
	return db.tx(ctx, func(tx *wtx) error {
		if _, err := tx.Exec(`INSERT INTO allocations (id, authority_id, version, doc) VALUES (?,?,?,?)`, a.ID, a.AuthorityID, a.Version, marshal(allocationRow{*a, a.AuthorityID})); err != nil {
			return translate(err)
		}
		return appendAudit(tx, ev)
	})
}

// AllocationByID returns ENOTFOUND when there is none.
func (db *DB) AllocationByID(ctx context.Context, id string) (*domain.Allocation, error) {
	var doc string
	if err := db.queryRow(ctx, `SELECT doc FROM allocations WHERE id = ?`, id).Scan(&doc); err != nil {
		return nil, translateNotFound(err, "Allocation not found.")
	}
	var row allocationRow
	if err := json.Unmarshal([]byte(doc), &row); err != nil {
		return nil, err
	}
	a := row.Allocation
	a.AuthorityID = row.AuthorityID
	return &a, nil
}

// UpdateAllocation writes a if the stored version is prev.
func (db *DB) UpdateAllocation(ctx context.Context, a *domain.Allocation, prev int64, ev *domain.AuditEvent) error {
	return db.tx(ctx, func(tx *wtx) error {
		if err := casUpdate(tx, "allocations", a.ID, prev, "version = ?, doc = ?", a.Version, marshal(allocationRow{*a, a.AuthorityID})); err != nil {
			return err
		}
		return appendAudit(tx, ev)
	})
}
