package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
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

// insertOrganisation inserts o; NameTaken when its name key is another's.
func insertOrganisation(tx *wtx, o *domain.Organisation) error {
	_, err := tx.Exec(`INSERT INTO organisations (id, authority_id, status, kind, version, name_key, doc) VALUES (?,?,?,?,?,?,?)`,
		o.ID, o.AuthorityID, o.Status, o.Kind, o.Version, o.UniqueKey(), organisationDoc(o))
	return nameTaken(err)
}

// nameTaken turns the unique name index's refusal into domain.NameTaken.
func nameTaken(err error) error {
	var de *domain.Error
	if err != nil && !errors.As(err, &de) && domain.ErrorCode(translate(err)) == domain.ECONFLICT {
		return domain.NameTaken()
	}
	return err
}

// organisationCols are the columns scanOrganisation reads.
const organisationCols = "doc, name_key"

func scanOrganisation(row scanner) (*domain.Organisation, error) {
	var doc string
	var key sql.NullString
	if err := row.Scan(&doc, &key); err != nil {
		return nil, err
	}
	var r organisationRow
	if err := json.Unmarshal([]byte(doc), &r); err != nil {
		return nil, err
	}
	o := r.Organisation
	o.AuthorityID, o.NameKey = r.AuthorityID, key.String
	return &o, nil
}

// OrganisationByID returns ENOTFOUND when there is none.
func (db *DB) OrganisationByID(ctx context.Context, id string) (*domain.Organisation, error) {
	o, err := scanOrganisation(db.queryRow(ctx, `SELECT `+organisationCols+` FROM organisations WHERE id = ?`, id))
	return o, translateNotFound(err, "Organisation not found.")
}

// OrganisationByNameKey returns the authority's organisation with the name key.
func (db *DB) OrganisationByNameKey(ctx context.Context, authorityID, key string) (*domain.Organisation, error) {
	o, err := scanOrganisation(db.queryRow(ctx, `SELECT `+organisationCols+` FROM organisations WHERE authority_id = ? AND name_key = ?`, authorityID, key))
	return o, translateNotFound(err, "Organisation not found.")
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
	return findPageCols(ctx, db, "organisations", organisationCols, where, args, f.Page, scanOrganisation, func(o *domain.Organisation) string { return o.ID })
}

// UpdateOrganisation writes o if the stored version is prev.
func (db *DB) UpdateOrganisation(ctx context.Context, o *domain.Organisation, prev int64, ev *domain.AuditEvent) error {
	return db.tx(ctx, func(tx *wtx) error {
		if err := casUpdate(tx, "organisations", o.ID, prev, "status = ?, version = ?, name_key = ?, doc = ?", o.Status, o.Version, o.UniqueKey(), organisationDoc(o)); err != nil {
			return nameTaken(err)
		}
		return appendAudit(tx, ev)
	})
}

// migrateOrganisationNames gives every organisation a name key and makes
// the key unique per authority. A database from before the key gets the
// column; an organisation whose key an older one of its authority already
// has (names were not unique then) gets domain.DuplicateNameKey, so the
// index can be built and the database opens.
func migrateOrganisationNames(w *sql.DB) error {
	var has int
	if err := w.QueryRow(`SELECT COUNT(*) FROM pragma_table_info('organisations') WHERE name = 'name_key'`).Scan(&has); err != nil {
		return err
	}
	if has == 0 {
		if _, err := w.Exec(`ALTER TABLE organisations ADD COLUMN name_key TEXT`); err != nil {
			return err
		}
	}
	rows, err := w.Query(`SELECT id, authority_id, doc FROM organisations WHERE name_key IS NULL ORDER BY id`)
	if err != nil {
		return err
	}
	type named struct{ id, authority, key string }
	var todo []named
	for rows.Next() {
		var n named
		var doc string
		if err := rows.Scan(&n.id, &n.authority, &doc); err != nil {
			rows.Close()
			return err
		}
		var r organisationRow
		if err := json.Unmarshal([]byte(doc), &r); err != nil {
			rows.Close()
			return err
		}
		n.key = domain.NameKey(r.Name)
		todo = append(todo, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, n := range todo {
		var taken int
		if err := w.QueryRow(`SELECT COUNT(*) FROM organisations WHERE authority_id = ? AND name_key = ?`, n.authority, n.key).Scan(&taken); err != nil {
			return err
		}
		if taken > 0 {
			n.key = domain.DuplicateNameKey(n.key, n.id)
		}
		if _, err := w.Exec(`UPDATE organisations SET name_key = ? WHERE id = ?`, n.key, n.id); err != nil {
			return err
		}
	}
	_, err = w.Exec(`CREATE UNIQUE INDEX IF NOT EXISTS organisations_name ON organisations(authority_id, name_key)`)
	return err
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
