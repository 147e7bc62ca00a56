package sqlite

import (
	"context"
	"encoding/json"

	"needmatch/domain"
)

// remedyRow is a row of the remedies table: the keys it is found by in
// columns, the rest of the plan in planCol.
type remedyRow struct {
	ID, AuthorityID, ContractID, OrganisationID, Plan, Status string
	Version                                                   int64
	CreatedAt                                                 string
}

// planCol is the stored form of a remedy plan's content.
type planCol struct {
	ContractReference string            `json:"contract_reference"`
	ContractTitle     string            `json:"contract_title"`
	OrganisationName  string            `json:"organisation_name"`
	Cause             causeCol          `json:"cause"`
	Action            string            `json:"action"`
	DueDate           string            `json:"due_date"`
	CheckerID         string            `json:"checker_id"`
	CheckerName       string            `json:"checker_name"`
	History           []remedyChangeCol `json:"history"`
	UpdatedAt         string            `json:"updated_at"`
}

type causeCol struct {
	Kind         string `json:"kind"`
	PledgeID     string `json:"pledge_id"`
	RequestTitle string `json:"request_title"`
	KPIID        string `json:"kpi_id"`
	KPIName      string `json:"kpi_name"`
	FY           int    `json:"fy"`
	Rating       string `json:"rating"`
}

type remedyChangeCol struct {
	Status string `json:"status"`
	Note   string `json:"note"`
	By     string `json:"by"`
	ByName string `json:"by_name"`
	At     string `json:"at"`
}

// remedyTable is the remedies table, its columns in remedyRow order.
var remedyTable = newTable("remedies", `id, authority_id, contract_id, organisation_id, plan_json, status, version, created_at`,
	"id", "authority_id", "contract_id", "organisation_id", "created_at")

func (r *remedyRow) fields() []any {
	return []any{&r.ID, &r.AuthorityID, &r.ContractID, &r.OrganisationID, &r.Plan, &r.Status, &r.Version, &r.CreatedAt}
}

func fromRemedy(r *domain.Remedy) *remedyRow {
	p := planCol{ContractReference: r.ContractReference, ContractTitle: r.ContractTitle, OrganisationName: r.OrganisationName,
		Cause: causeCol(r.Cause), Action: r.Action, DueDate: storeTime(r.DueDate), CheckerID: r.CheckerID, CheckerName: r.CheckerName,
		History: make([]remedyChangeCol, len(r.History)), UpdatedAt: storeTime(r.UpdatedAt)}
	for i, h := range r.History {
		p.History[i] = remedyChangeCol{Status: h.Status, Note: h.Note, By: h.By, ByName: h.ByName, At: storeTime(h.At)}
	}
	return &remedyRow{ID: r.ID, AuthorityID: r.AuthorityID, ContractID: r.ContractID, OrganisationID: r.OrganisationID, Plan: marshal(p),
		Status: r.Status, Version: r.Version, CreatedAt: storeTime(r.CreatedAt)}
}

func scanRemedy(row scanner) (*domain.Remedy, error) {
	var r remedyRow
	if err := row.Scan(r.fields()...); err != nil {
		return nil, err
	}
	var p planCol
	if err := json.Unmarshal([]byte(r.Plan), &p); err != nil {
		return nil, err
	}
	var l times
	m := &domain.Remedy{ID: r.ID, AuthorityID: r.AuthorityID, ContractID: r.ContractID, ContractReference: p.ContractReference, ContractTitle: p.ContractTitle,
		OrganisationID: r.OrganisationID, OrganisationName: p.OrganisationName, Cause: domain.RemedyCause(p.Cause), Action: p.Action, DueDate: l.at(p.DueDate),
		CheckerID: p.CheckerID, CheckerName: p.CheckerName, Status: r.Status, History: make([]domain.RemedyChange, len(p.History)), Version: r.Version,
		CreatedAt: l.at(r.CreatedAt), UpdatedAt: l.at(p.UpdatedAt)}
	for i, h := range p.History {
		m.History[i] = domain.RemedyChange{Status: h.Status, Note: h.Note, By: h.By, ByName: h.ByName, At: l.at(h.At)}
	}
	return m, l.err
}

// CreateRemedy inserts r with its audit event.
func (db *DB) CreateRemedy(ctx context.Context, r *domain.Remedy, ev *domain.AuditEvent) error {
	return db.tx(ctx, func(tx *wtx) error {
		if err := remedyTable.insert(tx, fromRemedy(r).fields()); err != nil {
			return translate(err)
		}
		return appendAudit(tx, ev)
	})
}

// UpdateRemedy writes r if the stored version is prev.
func (db *DB) UpdateRemedy(ctx context.Context, r *domain.Remedy, prev int64, ev *domain.AuditEvent) error {
	return db.tx(ctx, func(tx *wtx) error {
		if err := remedyTable.update(tx, r.ID, prev, fromRemedy(r).fields()); err != nil {
			return err
		}
		return appendAudit(tx, ev)
	})
}

// RemedyByID returns ENOTFOUND when there is none.
func (db *DB) RemedyByID(ctx context.Context, id string) (*domain.Remedy, error) {
	r, err := scanRemedy(db.queryRow(ctx, `SELECT `+remedyTable.list+` FROM remedies WHERE id = ?`, id))
	if err != nil {
		return nil, translateNotFound(err, "Remedy plan not found.")
	}
	return r, nil
}

// FindRemedies lists newest first.
func (db *DB) FindRemedies(ctx context.Context, f domain.RemedyFilter) ([]*domain.Remedy, string, error) {
	where, args := []string{"authority_id = ?"}, []any{f.AuthorityID}
	if f.ContractID != "" {
		where, args = append(where, "contract_id = ?"), append(args, f.ContractID)
	}
	if f.OrganisationID != "" {
		where, args = append(where, "organisation_id = ?"), append(args, f.OrganisationID)
	}
	return findPage(ctx, db, "remedies", remedyTable.list, where, args, f.Page, scanRemedy, func(r *domain.Remedy) string { return r.ID })
}
