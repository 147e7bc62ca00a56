package sqlite

import (
	"context"
	"encoding/json"

	"needmatch/domain"
)

type authorityRow struct {
	domain.Authority
}

// PutAuthority inserts or replaces the authority with a.Slug, keeping its id.
func (db *DB) PutAuthority(ctx context.Context, a *domain.Authority) error {
	err := db.tx(ctx, func(tx *wtx) error {
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
	db.auths.clear()
	return err
}

func scanAuthority(row scanner) (*domain.Authority, error) {
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
	if a, ok := db.auths.get("slug:" + slug); ok {
		return a, nil
	}
	a, err := scanAuthority(db.queryRow(ctx, `SELECT doc FROM authorities WHERE slug = ?`, slug))
	if err == nil {
		db.auths.put("slug:"+slug, a)
	}
	return a, err
}

// AuthorityByID returns ENOTFOUND when there is none.
func (db *DB) AuthorityByID(ctx context.Context, id string) (*domain.Authority, error) {
	if a, ok := db.auths.get("id:" + id); ok {
		return a, nil
	}
	a, err := scanAuthority(db.queryRow(ctx, `SELECT doc FROM authorities WHERE id = ?`, id))
	if err == nil {
		db.auths.put("id:"+id, a)
	}
	return a, err
}

// Authorities lists every authority by slug.
func (db *DB) Authorities(ctx context.Context) ([]*domain.Authority, error) {
	rows, err := db.query(ctx, `SELECT doc FROM authorities ORDER BY slug`)
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

// UpdateAuthority writes a if the stored version is prev.
func (db *DB) UpdateAuthority(ctx context.Context, a *domain.Authority, prev int64, ev *domain.AuditEvent) error {
	err := db.tx(ctx, func(tx *wtx) error {
		cur, err := scanAuthority(tx.QueryRow(`SELECT doc FROM authorities WHERE id = ?`, a.ID))
		if err != nil {
			return err
		}
		if cur.Version != prev {
			return domain.Errorf(domain.ECONFLICT, "The council's settings were changed by someone else; reload and try again.")
		}
		if _, err := tx.Exec(`UPDATE authorities SET doc = ? WHERE id = ?`, marshal(authorityRow{*a}), a.ID); err != nil {
			return err
		}
		return appendAudit(tx, ev)
	})
	db.auths.clear()
	return err
}
