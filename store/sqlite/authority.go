package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"

	"needmatch/domain"
)

type authorityRow struct {
	domain.Authority
}

// PutAuthority inserts or replaces the authority with a.Slug, keeping its id.
func (db *DB) PutAuthority(ctx context.Context, a *domain.Authority) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		var id string
		if err := tx.QueryRow(`SELECT id FROM authorities WHERE slug = ?`, a.Slug).Scan(&id); err == nil {
			a.ID = id
		} else if a.ID == "" {
			a.ID = domain.NewID()
		}
		_, err := tx.Exec(`INSERT INTO authorities (id, slug, doc) VALUES (?,?,?) ON CONFLICT(id) DO UPDATE SET doc = excluded.doc`,
			a.ID, a.Slug, marshal(authorityRow{*a}))
		return err
	})
}

func scanAuthority(row interface{ Scan(...any) error }) (*domain.Authority, error) {
	var doc string
	if err := row.Scan(&doc); err != nil {
		return nil, translateNotFound(err, "Council not found.")
	}
	var r authorityRow
	if err := json.Unmarshal([]byte(doc), &r); err != nil {
		return nil, err
	}
	return &r.Authority, nil
}

// AuthorityBySlug returns ENOTFOUND when there is none.
func (db *DB) AuthorityBySlug(ctx context.Context, slug string) (*domain.Authority, error) {
	return scanAuthority(db.read.QueryRowContext(ctx, `SELECT doc FROM authorities WHERE slug = ?`, slug))
}

// AuthorityByID returns ENOTFOUND when there is none.
func (db *DB) AuthorityByID(ctx context.Context, id string) (*domain.Authority, error) {
	return scanAuthority(db.read.QueryRowContext(ctx, `SELECT doc FROM authorities WHERE id = ?`, id))
}

// Authorities lists every authority by slug.
func (db *DB) Authorities(ctx context.Context) ([]*domain.Authority, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT doc FROM authorities ORDER BY slug`)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []*domain.Authority
	for rows.Next() {
		a, err := scanAuthority(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, translate(rows.Err())
}
