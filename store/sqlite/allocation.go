package sqlite

import (
	"context"
	"encoding/json"
	"fmt"

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
	// BaseID and Gone are a delta's (domain.AllocationDelta): Items are
	// then the items it sets.
	BaseID, Gone string
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
	optimal, approved_pence, items_json, created_by, created_at, accepted_at, version, base_id, gone_json`, "id", "authority_id", "created_by", "created_at")

func (r *allocationRow) fields() []any {
	return []any{&r.ID, &r.AuthorityID, &r.Status, &r.WeightsVersion, &r.Objective, &r.Bound, &r.BoundKind, &r.Gap, &r.GapText,
		&r.Optimal, &r.ApprovedPence, &r.Items, &r.CreatedBy, &r.CreatedAt, &r.AcceptedAt, &r.Version, &r.BaseID, &r.Gone}
}

// fromAllocation is a's row: its items, or only its delta's when it has
// one.
func fromAllocation(a *domain.Allocation) *allocationRow {
	all, base, gone := a.Items, "", []string{}
	if a.Delta != nil {
		all, base, gone = a.Delta.Set, a.Delta.BaseID, a.Delta.Gone
	}
	var items []allocationItemCol
	if all != nil {
		items = make([]allocationItemCol, len(all))
	}
	for i, it := range all {
		items[i] = allocationItemCol{PledgeID: it.PledgeID, PledgeVersion: it.PledgeVersion, RequestID: it.RequestID, RequestTitle: it.RequestTitle,
			OrganisationID: it.OrganisationID, OrganisationName: it.OrganisationName, ValuePence: it.ValuePence, ApprovedPence: it.ApprovedPence,
			Quantity: it.Quantity, Unit: it.Unit, ApprovedQuantity: it.ApprovedQuantity, Score: it.Score, Reason: it.Reason, Explanation: it.Explanation}
	}
	return &allocationRow{ID: a.ID, AuthorityID: a.AuthorityID, Status: a.Status, WeightsVersion: a.WeightsVersion, Objective: a.Objective, Bound: a.Bound,
		BoundKind: a.BoundKind, Gap: a.Gap, GapText: a.GapText, Optimal: a.Optimal, ApprovedPence: a.ApprovedPence, Items: marshal(items),
		CreatedBy: a.CreatedBy, CreatedAt: storeTime(a.CreatedAt), AcceptedAt: optTime(a.AcceptedAt), Version: a.Version, BaseID: base, Gone: marshal(gone)}
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

// AllocationByID returns ENOTFOUND when there is none. A proposal kept as
// a delta is read with its base.
func (db *DB) AllocationByID(ctx context.Context, id string) (*domain.Allocation, error) {
	var r allocationRow
	if err := db.queryRow(ctx, `SELECT `+allocationTable.list+` FROM allocations WHERE id = ?`, id).Scan(r.fields()...); err != nil {
		return nil, translateNotFound(err, "Allocation not found.")
	}
	a, err := r.toDomain()
	if err != nil || r.BaseID == "" {
		return a, err
	}
	d := &domain.AllocationDelta{BaseID: r.BaseID, Set: a.Items}
	if err := json.Unmarshal([]byte(r.Gone), &d.Gone); err != nil {
		return nil, err
	}
	var b allocationRow
	if err := db.queryRow(ctx, `SELECT `+allocationTable.list+` FROM allocations WHERE id = ? AND base_id = ''`, r.BaseID).Scan(b.fields()...); err != nil {
		return nil, fmt.Errorf("allocation %s: its base %s: %w", r.ID, r.BaseID, err)
	}
	base, err := b.toDomain()
	if err != nil {
		return nil, err
	}
	a.Items = d.Apply(base.Items)
	return a, nil
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
