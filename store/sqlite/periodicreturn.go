package sqlite

import (
	"context"
	"encoding/json"

	"needmatch/domain"
)

// returnRow is a row of the returns table: the keys it is found by in
// columns, the rest of the return in returnCol.
type returnRow struct {
	ID, AuthorityID, ContractID, OrganisationID string
	FY, Quarter                                 int
	Return                                      string
	Version                                     int64
	SubmittedAt                                 string
}

// returnCol is the stored form of a return's content.
type returnCol struct {
	ContractReference string          `json:"contract_reference"`
	OrganisationName  string          `json:"organisation_name"`
	Lines             []returnLineCol `json:"lines"`
	SubmittedBy       string          `json:"submitted_by"`
	SubmittedByName   string          `json:"submitted_by_name"`
}

type returnLineCol struct {
	PledgeID       string   `json:"pledge_id"`
	RequestTitle   string   `json:"request_title"`
	DeliveryIDs    []string `json:"delivery_ids"`
	DeliveredPence int64    `json:"delivered_pence"`
	Note           string   `json:"note"`
}

// returnTable is the returns table, its columns in returnRow order.
var returnTable = newTable("returns", `id, authority_id, contract_id, organisation_id, fy, quarter, return_json, version, submitted_at`,
	"id", "authority_id", "contract_id", "organisation_id", "fy", "quarter", "submitted_at")

func (r *returnRow) fields() []any {
	return []any{&r.ID, &r.AuthorityID, &r.ContractID, &r.OrganisationID, &r.FY, &r.Quarter, &r.Return, &r.Version, &r.SubmittedAt}
}

func fromReturn(r *domain.PeriodicReturn) *returnRow {
	c := returnCol{ContractReference: r.ContractReference, OrganisationName: r.OrganisationName, Lines: make([]returnLineCol, len(r.Lines)),
		SubmittedBy: r.SubmittedBy, SubmittedByName: r.SubmittedByName}
	for i, l := range r.Lines {
		c.Lines[i] = returnLineCol(l)
	}
	return &returnRow{ID: r.ID, AuthorityID: r.AuthorityID, ContractID: r.ContractID, OrganisationID: r.OrganisationID, FY: r.FY, Quarter: r.Quarter,
		Return: marshal(c), Version: r.Version, SubmittedAt: storeTime(r.SubmittedAt)}
}

func scanReturn(row scanner) (*domain.PeriodicReturn, error) {
	var r returnRow
	if err := row.Scan(r.fields()...); err != nil {
		return nil, err
	}
	var c returnCol
	if err := json.Unmarshal([]byte(r.Return), &c); err != nil {
		return nil, err
	}
	var l times
	out := &domain.PeriodicReturn{ID: r.ID, AuthorityID: r.AuthorityID, ContractID: r.ContractID, ContractReference: c.ContractReference,
		OrganisationID: r.OrganisationID, OrganisationName: c.OrganisationName, FY: r.FY, Quarter: r.Quarter, Lines: make([]domain.ReturnLine, len(c.Lines)),
		SubmittedBy: c.SubmittedBy, SubmittedByName: c.SubmittedByName, SubmittedAt: l.at(r.SubmittedAt), Version: r.Version}
	for i, x := range c.Lines {
		out.Lines[i] = domain.ReturnLine(x)
		if out.Lines[i].DeliveryIDs == nil {
			out.Lines[i].DeliveryIDs = []string{}
		}
	}
	return out, l.err
}

// CreateReturn inserts r with its audit event; ECONFLICT when the contract
// has a return for the quarter.
func (db *DB) CreateReturn(ctx context.Context, r *domain.PeriodicReturn, ev *domain.AuditEvent) error {
	return db.tx(ctx, func(tx *wtx) error {
		if err := returnTable.insert(tx, fromReturn(r).fields()); err != nil {
			return translate(err)
		}
		return appendAudit(tx, ev)
	})
}

// FindReturns lists newest first.
func (db *DB) FindReturns(ctx context.Context, f domain.ReturnFilter) ([]*domain.PeriodicReturn, string, error) {
	where, args := []string{"authority_id = ?"}, []any{f.AuthorityID}
	if f.ContractID != "" {
		where, args = append(where, "contract_id = ?"), append(args, f.ContractID)
	}
	if f.OrganisationID != "" {
		where, args = append(where, "organisation_id = ?"), append(args, f.OrganisationID)
	}
	return findPage(ctx, db, "returns", returnTable.list, where, args, f.Page, scanReturn, func(r *domain.PeriodicReturn) string { return r.ID })
}
