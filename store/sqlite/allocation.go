package sqlite

import (
	"context"
	"encoding/json"

	"needmatch/domain"
)

var _ domain.AllocationStore = (*DB)(nil)

// allocationRow is a row of the allocations table: the store's own form of
// a matcher proposal (times as RFC 3339 text, none as ”), its items JSON
// of allocationItemCol.
type allocationRow struct {
	ID, AuthorityID, Status     string
	WeightsVersion              int
	Objective, Bound            int64
	BoundKind                   string
	Gap                         float64
	GapText                     string
	Optimal                     bool
	ApprovedPence               int64
	Items, CreatedBy, CreatedAt string
	AcceptedAt                  string
	Version                     int64
}

// allocationItemCol is the stored form of one item: its own field names.
type allocationItemCol struct {
	PledgeID         string  `json:"pledge"`
	PledgeVersion    int64   `json:"pledge_version"`
	RequestID        string  `json:"request"`
	RequestTitle     string  `json:"request_title"`
	OrganisationID   string  `json:"organisation"`
	OrganisationName string  `json:"organisation_name"`
	ValuePence       int64   `json:"value_pence"`
	ApprovedPence    int64   `json:"approved_pence"`
	Quantity         int64   `json:"quantity,omitempty"`
	Unit             string  `json:"unit,omitempty"`
	ApprovedQuantity int64   `json:"approved_quantity,omitempty"`
	Score            float64 `json:"score"`
	Reason           string  `json:"reason"`
	Explanation      string  `json:"explanation"`
}

// allocationTable is the allocations table, its columns in allocationRow order.
var allocationTable = newTable("allocations", `id, authority_id, status, weights_version, objective, bound, bound_kind, gap, gap_text,
	optimal, approved_pence, items_json, created_by, created_at, accepted_at, version`, "id", "authority_id", "created_by", "created_at")

func (r *allocationRow) fields() []any {
	return []any{&r.ID, &r.AuthorityID, &r.Status, &r.WeightsVersion, &r.Objective, &r.Bound, &r.BoundKind, &r.Gap, &r.GapText,
		&r.Optimal, &r.ApprovedPence, &r.Items, &r.CreatedBy, &r.CreatedAt, &r.AcceptedAt, &r.Version}
}

func fromAllocation(a *domain.Allocation) *allocationRow {
	var items []allocationItemCol
	if a.Items != nil {
		items = make([]allocationItemCol, len(a.Items))
	}
	for i, it := range a.Items {
		items[i] = allocationItemCol{PledgeID: it.PledgeID, PledgeVersion: it.PledgeVersion, RequestID: it.RequestID, RequestTitle: it.RequestTitle,
			OrganisationID: it.OrganisationID, OrganisationName: it.OrganisationName, ValuePence: it.ValuePence, ApprovedPence: it.ApprovedPence,
			Quantity: it.Quantity, Unit: it.Unit, ApprovedQuantity: it.ApprovedQuantity, Score: it.Score, Reason: it.Reason, Explanation: it.Explanation}
	}
	return &allocationRow{ID: a.ID, AuthorityID: a.AuthorityID, Status: a.Status, WeightsVersion: a.WeightsVersion, Objective: a.Objective, Bound: a.Bound,
		BoundKind: a.BoundKind, Gap: a.Gap, GapText: a.GapText, Optimal: a.Optimal, ApprovedPence: a.ApprovedPence, Items: marshal(items),
		CreatedBy: a.CreatedBy, CreatedAt: storeTime(a.CreatedAt), AcceptedAt: optTime(a.AcceptedAt), Version: a.Version}
}

func (r *allocationRow) toDomain() (*domain.Allocation, error) {
	var l times
	a := &domain.Allocation{ID: r.ID, AuthorityID: r.AuthorityID, Status: r.Status, WeightsVersion: r.WeightsVersion, Objective: r.Objective, Bound: r.Bound,
		BoundKind: r.BoundKind, Gap: r.Gap, GapText: r.GapText, Optimal: r.Optimal, ApprovedPence: r.ApprovedPence, CreatedBy: r.CreatedBy,
		CreatedAt: l.at(r.CreatedAt), AcceptedAt: l.opt(r.AcceptedAt), Version: r.Version}
	if l.err != nil {
		return nil, l.err
	}
	var items []allocationItemCol
	if err := json.Unmarshal([]byte(r.Items), &items); err != nil {
		return nil, err
	}
	if items != nil {
		a.Items = make([]domain.AllocationItem, len(items))
	}
	for i, it := range items {
		a.Items[i] = domain.AllocationItem{PledgeID: it.PledgeID, PledgeVersion: it.PledgeVersion, RequestID: it.RequestID, RequestTitle: it.RequestTitle,
			OrganisationID: it.OrganisationID, OrganisationName: it.OrganisationName, ValuePence: it.ValuePence, ApprovedPence: it.ApprovedPence,
			Quantity: it.Quantity, Unit: it.Unit, ApprovedQuantity: it.ApprovedQuantity, Score: it.Score, Reason: it.Reason, Explanation: it.Explanation}
	}
	return a, nil
}

// CreateAllocation stores a proposal with its audit event.
func (db *DB) CreateAllocation(ctx context.Context, a *domain.Allocation, ev *domain.AuditEvent) error {
	return db.tx(ctx, func(tx *wtx) error {
		if err := allocationTable.insert(tx, fromAllocation(a).fields()); err != nil {
			return translate(err)
		}
		return appendAudit(tx, ev)
	})
}

// AllocationByID returns ENOTFOUND when there is none.
func (db *DB) AllocationByID(ctx context.Context, id string) (*domain.Allocation, error) {
	var r allocationRow
	if err := db.queryRow(ctx, `SELECT `+allocationTable.list+` FROM allocations WHERE id = ?`, id).Scan(r.fields()...); err != nil {
		return nil, translateNotFound(err, "Allocation not found.")
	}
	return r.toDomain()
}

// UpdateAllocation writes a if the stored version is prev.
func (db *DB) UpdateAllocation(ctx context.Context, a *domain.Allocation, prev int64, ev *domain.AuditEvent) error {
	return db.tx(ctx, func(tx *wtx) error {
		if err := allocationTable.update(tx, a.ID, prev, fromAllocation(a).fields()); err != nil {
			return err
		}
		return appendAudit(tx, ev)
	})
}
