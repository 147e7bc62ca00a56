package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"needmatch/domain"
)

// FindAudit lists events oldest first.
func (db *DB) FindAudit(ctx context.Context, f domain.AuditFilter) ([]*domain.AuditEvent, error) {
	q, args := `SELECT doc FROM audit WHERE authority_id = ? AND seq > ?`, []any{f.AuthorityID, f.AfterSeq}
	if f.Object != "" {
		q, args = q+` AND object = ?`, append(args, f.Object)
	}
	q += ` ORDER BY seq`
	if f.Limit > 0 {
		q, args = q+` LIMIT ?`, append(args, f.Limit)
	}
	rows, err := db.query(ctx, q, args...)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []*domain.AuditEvent
	for rows.Next() {
		var doc string
		if err := rows.Scan(&doc); err != nil {
			return nil, translate(err)
		}
		var ev domain.AuditEvent
		if err := json.Unmarshal([]byte(doc), &ev); err != nil {
			return nil, err
		}
		out = append(out, &ev)
	}
	return out, translate(rows.Err())
}

// ChangedSince lists what the authority's events after seq are about,
// oldest first, at most limit of them.
func (db *DB) ChangedSince(ctx context.Context, authorityID string, seq int64, limit int) ([]domain.ChangedObject, error) {
	rows, err := db.query(ctx, `SELECT seq, json_extract(doc, '$.objectType'), object FROM audit WHERE authority_id = ? AND seq > ? ORDER BY seq LIMIT ?`,
		authorityID, seq, max(limit, 1))
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []domain.ChangedObject
	for rows.Next() {
		var c domain.ChangedObject
		if err := rows.Scan(&c.Seq, &c.ObjectType, &c.Object); err != nil {
			return nil, translate(err)
		}
		out = append(out, c)
	}
	return out, translate(rows.Err())
}

// AuditHead returns the seq and hash of the authority's last event.
func (db *DB) AuditHead(ctx context.Context, authorityID string) (int64, string, error) {
	var seq int64
	var hash string
	err := db.queryRow(ctx, `SELECT seq, hash FROM audit WHERE authority_id = ? ORDER BY seq DESC LIMIT 1`, authorityID).Scan(&seq, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, "", nil
	}
	return seq, hash, translate(err)
}

// AuditAuthorities lists the authority ids that have events.
func (db *DB) AuditAuthorities(ctx context.Context) ([]string, error) {
	rows, err := db.query(ctx, `SELECT DISTINCT authority_id FROM audit ORDER BY authority_id`)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, translate(err)
		}
		out = append(out, id)
	}
	return out, translate(rows.Err())
}
