package sqlite

import (
	"context"
	"encoding/json"

	"needmatch/domain"
)

// catalogueRow is a row of the catalogues table: the store's own form of a
// catalogue version, its measures JSON of measureCol.
type catalogueRow struct {
	ID, AuthorityID                     string
	Version                             int
	Example                             bool
	Label, Measures, CreatedBy, Created string
}

// measureCol is the stored form of a measure: its own field names.
type measureCol struct {
	Code       string `json:"code"`
	Name       string `json:"name"`
	Unit       string `json:"unit"`
	ProxyPence int64  `json:"proxy_pence"`
	Theme      string `json:"theme"`
	Source     string `json:"source"`
}

// catalogueTable is the catalogues table, its columns in catalogueRow order;
// a catalogue version is never changed.
var catalogueTable = newTable("catalogues", `id, authority_id, version, example, label, measures_json, created_by, created_at`)

func (r *catalogueRow) fields() []any {
	return []any{&r.ID, &r.AuthorityID, &r.Version, &r.Example, &r.Label, &r.Measures, &r.CreatedBy, &r.Created}
}

func fromCatalogue(c *domain.Catalogue) *catalogueRow {
	var ms []measureCol
	if c.Measures != nil {
		ms = make([]measureCol, len(c.Measures))
	}
	for i, m := range c.Measures {
		ms[i] = measureCol{Code: m.Code, Name: m.Name, Unit: m.Unit, ProxyPence: m.ProxyPence, Theme: m.Theme, Source: m.Source}
	}
	return &catalogueRow{ID: c.ID, AuthorityID: c.AuthorityID, Version: c.Version, Example: c.Example, Label: c.Label, Measures: marshal(ms),
		CreatedBy: c.CreatedBy, Created: storeTime(c.CreatedAt)}
}

func scanCatalogue(row scanner) (*domain.Catalogue, error) {
	var r catalogueRow
	if err := row.Scan(r.fields()...); err != nil {
		return nil, err
	}
	var l times
	c := &domain.Catalogue{ID: r.ID, AuthorityID: r.AuthorityID, Version: r.Version, Example: r.Example, Label: r.Label, CreatedBy: r.CreatedBy, CreatedAt: l.at(r.Created)}
	if l.err != nil {
		return nil, l.err
	}
	var ms []measureCol
	if err := json.Unmarshal([]byte(r.Measures), &ms); err != nil {
		return nil, err
	}
	if ms != nil {
		c.Measures = make([]domain.Measure, len(ms))
	}
	for i, m := range ms {
		c.Measures[i] = domain.Measure{Code: m.Code, Name: m.Name, Unit: m.Unit, ProxyPence: m.ProxyPence, Theme: m.Theme, Source: m.Source}
	}
	return c, nil
}

// CreateCatalogue stores a new catalogue version with its audit event.
func (db *DB) CreateCatalogue(ctx context.Context, c *domain.Catalogue, ev *domain.AuditEvent) error {
	return db.tx(ctx, func(tx *wtx) error {
		if err := catalogueTable.insert(tx, fromCatalogue(c).fields()); err != nil {
			return translate(err)
		}
		return appendAudit(tx, ev)
	})
}

// CurrentCatalogue returns the newest version; ENOTFOUND when none.
func (db *DB) CurrentCatalogue(ctx context.Context, authorityID string) (*domain.Catalogue, error) {
	c, err := scanCatalogue(db.queryRow(ctx, `SELECT `+catalogueTable.list+` FROM catalogues WHERE authority_id = ? ORDER BY version DESC LIMIT 1`, authorityID))
	if err != nil {
		return nil, translateNotFound(err, "Measures catalogue not found.")
	}
	return c, nil
}

// CatalogueVersion returns one version; ENOTFOUND when there is none.
func (db *DB) CatalogueVersion(ctx context.Context, authorityID string, version int) (*domain.Catalogue, error) {
	c, err := scanCatalogue(db.queryRow(ctx, `SELECT `+catalogueTable.list+` FROM catalogues WHERE authority_id = ? AND version = ?`, authorityID, version))
	if err != nil {
		return nil, translateNotFound(err, "Measures catalogue not found.")
	}
	return c, nil
}

// Catalogues lists every version, newest first, without their measures.
func (db *DB) Catalogues(ctx context.Context, authorityID string) ([]*domain.Catalogue, error) {
	rows, err := db.query(ctx, `SELECT `+catalogueTable.list+` FROM catalogues WHERE authority_id = ? ORDER BY version DESC`, authorityID)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := []*domain.Catalogue{}
	for rows.Next() {
		c, err := scanCatalogue(rows)
		if err != nil {
			return nil, translate(err)
		}
		c.Measures = nil
		out = append(out, c)
	}
	return out, translate(rows.Err())
}
