package sqlite

import (
	"context"
	"encoding/json"
	"strings"

	"needmatch/domain"
)

type organisationRow struct {
	domain.Organisation
	AuthorityID string `json:"authorityId"`
}

func organisationDoc(o *domain.Organisation) string {
	return marshal(organisationRow{Organisation: *o, AuthorityID: o.AuthorityID})
}

func insertOrganisation(tx *wtx, o *domain.Organisation) error {
	_, err := tx.Exec(`INSERT INTO organisations (id, authority_id, status, kind, version, doc) VALUES (?,?,?,?,?,?)`,
		o.ID, o.AuthorityID, o.Status, o.Kind, o.Version, organisationDoc(o))
	return err
}

func decodeOrganisation(doc string) (*domain.Organisation, error) {
	var r organisationRow
	if err := json.Unmarshal([]byte(doc), &r); err != nil {
		return nil, err
	}
	o := r.Organisation
	o.AuthorityID = r.AuthorityID
	return &o, nil
}

// OrganisationByID returns ENOTFOUND when there is none.
func (db *DB) OrganisationByID(ctx context.Context, id string) (*domain.Organisation, error) {
	var doc string
	if err := db.queryRow(ctx, `SELECT doc FROM organisations WHERE id = ?`, id).Scan(&doc); err != nil {
		return nil, translateNotFound(err, "Organisation not found.")
	}
	return decodeOrganisation(doc)
}

// FindOrganisations lists newest first.
func (db *DB) FindOrganisations(ctx context.Context, f domain.OrganisationFilter) ([]*domain.Organisation, string, error) {
	where, args := []string{"authority_id = ?"}, []any{f.AuthorityID}
	if f.Status != "" {
		where, args = append(where, "status = ?"), append(args, f.Status)
	}
	if f.Kind != "" {
		where, args = append(where, "kind = ?"), append(args, f.Kind)
	}
	return findPage(ctx, db, "organisations", where, args, f.Page, decodeOrganisation, func(o *domain.Organisation) string { return o.ID })
}

// UpdateOrganisation writes o if the stored version is prev.
func (db *DB) UpdateOrganisation(ctx context.Context, o *domain.Organisation, prev int64, ev *domain.AuditEvent) error {
	return db.tx(ctx, func(tx *wtx) error {
		if err := casUpdate(tx, "organisations", o.ID, prev, "status = ?, version = ?, doc = ?", o.Status, o.Version, organisationDoc(o)); err != nil {
			return err
		}
		return appendAudit(tx, ev)
	})
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(...any) error }

// findPage runs a newest-first keyset page over table and decodes its docs.
func findPage[T any](ctx context.Context, q *DB, table string, where []string, args []any, p domain.Page, decode func(string) (T, error), id func(T) string) ([]T, string, error) {
	return findPageCols(ctx, q, table, "doc", where, args, p, func(row scanner) (T, error) {
		var doc string
		if err := row.Scan(&doc); err != nil {
			var zero T
			return zero, err
		}
		return decode(doc)
	}, id)
}

// findPageCols is findPage with the columns and the row scanner chosen by the caller.
func findPageCols[T any](ctx context.Context, q *DB, table, cols string, where []string, args []any, p domain.Page, scan func(scanner) (T, error), id func(T) string) ([]T, string, error) {
	if p.After != "" {
		where, args = append(where, "id < ?"), append(args, p.After)
	}
	limit := limitOf(p.Limit)
	args = append(args, limit+1)
	rows, err := q.query(ctx, "SELECT "+cols+" FROM "+table+" WHERE "+strings.Join(where, " AND ")+" ORDER BY id DESC LIMIT ?", args...)
	if err != nil {
		return nil, "", translate(err)
	}
	defer rows.Close()
	out := make([]T, 0, limit)
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, "", translate(err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, "", translate(err)
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		next = id(out[limit-1])
	}
	return out, next, nil
}
