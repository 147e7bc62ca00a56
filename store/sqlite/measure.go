package sqlite

import (
	"context"
	"encoding/json"

	"needmatch/domain"
)

type catalogueRow struct {
	domain.Catalogue
	AuthorityID string `json:"authorityId"`
}

func decodeCatalogue(doc string) (*domain.Catalogue, error) {
	var row catalogueRow
	if err := json.Unmarshal([]byte(doc), &row); err != nil {
		return nil, err
	}
	c := row.Catalogue
	c.AuthorityID = row.AuthorityID
	return &c, nil
}

// CreateCatalogue stores a new catalogue version with its audit event.
func (db *DB) CreateCatalogue(ctx context.Context, c *domain.Catalogue, ev *domain.AuditEvent) error {
	return db.tx(ctx, func(tx *wtx) error {
		if _, err := tx.Exec(`INSERT INTO catalogues (id, authority_id, version, doc) VALUES (?,?,?,?)`, c.ID, c.AuthorityID, c.Version, marshal(catalogueRow{*c, c.AuthorityID})); err != nil {
			return translate(err)
		}
		return appendAudit(tx, ev)
	})
}

// CurrentCatalogue returns the newest version; ENOTFOUND when none.
func (db *DB) CurrentCatalogue(ctx context.Context, authorityID string) (*domain.Catalogue, error) {
	var doc string
	if err := db.queryRow(ctx, `SELECT doc FROM catalogues WHERE authority_id = ? ORDER BY version DESC LIMIT 1`, authorityID).Scan(&doc); err != nil {
		return nil, translateNotFound(err, "Measures catalogue not found.")
	}
	return decodeCatalogue(doc)
}

// CatalogueVersion returns one version; ENOTFOUND when there is none.
func (db *DB) CatalogueVersion(ctx context.Context, authorityID string, version int) (*domain.Catalogue, error) {
	var doc string
	if err := db.queryRow(ctx, `SELECT doc FROM catalogues WHERE authority_id = ? AND version = ?`, authorityID, version).Scan(&doc); err != nil {
		return nil, translateNotFound(err, "Measures catalogue not found.")
	}
	return decodeCatalogue(doc)
}

// Catalogues lists every version, newest first, without their measures.
func (db *DB) Catalogues(ctx context.Context, authorityID string) ([]*domain.Catalogue, error) {
	rows, err := db.query(ctx, `SELECT doc FROM catalogues WHERE authority_id = ? ORDER BY version DESC`, authorityID)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := []*domain.Catalogue{}
	for rows.Next() {
		var doc string
		if err := rows.Scan(&doc); err != nil {
			return nil, translate(err)
		}
		c, err := decodeCatalogue(doc)
		if err != nil {
			return nil, err
		}
		c.Measures = nil
		out = append(out, c)
	}
	return out, translate(rows.Err())
}
