package sqlite

import (
	"context"
	"encoding/json"

	"needmatch/domain"
)

// regionRow is a row of the regions table; its councils are a JSON list of
// regionMemberCol.
type regionRow struct {
	ID, Slug, Name, Authorities string
	Version                     int64
	CreatedAt                   string
}

// regionMemberCol is the stored form of a member council.
type regionMemberCol struct {
	ID   string `json:"id"`
	Slug string `json:"slug"`
}

var regionTable = newTable("regions", `id, slug, name, authorities_json, version, created_at`, "id", "slug", "created_at")

func (r *regionRow) fields() []any {
	return []any{&r.ID, &r.Slug, &r.Name, &r.Authorities, &r.Version, &r.CreatedAt}
}

func fromRegion(r *domain.Region) *regionRow {
	members := make([]regionMemberCol, len(r.AuthorityIDs))
	for i, id := range r.AuthorityIDs {
		members[i] = regionMemberCol{ID: id, Slug: r.Authorities[i]}
	}
	return &regionRow{ID: r.ID, Slug: r.Slug, Name: r.Name, Authorities: marshal(members), Version: r.Version, CreatedAt: storeTime(r.CreatedAt)}
}

func scanRegion(row scanner) (*domain.Region, error) {
	var r regionRow
	if err := row.Scan(r.fields()...); err != nil {
		return nil, translateNotFound(err, "Region not found.")
	}
	var members []regionMemberCol
	if err := json.Unmarshal([]byte(r.Authorities), &members); err != nil {
		return nil, err
	}
	out := &domain.Region{ID: r.ID, Slug: r.Slug, Name: r.Name, Version: r.Version, AuthorityIDs: []string{}, Authorities: []string{}}
	for _, m := range members {
		out.AuthorityIDs, out.Authorities = append(out.AuthorityIDs, m.ID), append(out.Authorities, m.Slug)
	}
	var l times
	out.CreatedAt = l.at(r.CreatedAt)
	return out, l.err
}

// CreateRegion inserts r with its event; ECONFLICT when the slug is taken.
func (db *DB) CreateRegion(ctx context.Context, r *domain.Region, ev *domain.AuditEvent) error {
	return db.tx(ctx, func(tx *wtx) error {
		if err := translate(regionTable.insert(tx, fromRegion(r).fields())); err != nil {
			return err
		}
		return appendAudit(tx, ev)
	})
}

// RegionBySlug returns ENOTFOUND when there is none.
func (db *DB) RegionBySlug(ctx context.Context, slug string) (*domain.Region, error) {
	return scanRegion(db.queryRow(ctx, `SELECT `+regionTable.list+` FROM regions WHERE slug = ?`, slug))
}

// RegionByID returns ENOTFOUND when there is none.
func (db *DB) RegionByID(ctx context.Context, id string) (*domain.Region, error) {
	return scanRegion(db.queryRow(ctx, `SELECT `+regionTable.list+` FROM regions WHERE id = ?`, id))
}

// Regions lists every region by slug.
func (db *DB) Regions(ctx context.Context) ([]*domain.Region, error) {
	rows, err := db.query(ctx, `SELECT `+regionTable.list+` FROM regions ORDER BY slug`)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := []*domain.Region{}
	for rows.Next() {
		r, err := scanRegion(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, translate(rows.Err())
}
