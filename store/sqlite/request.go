package sqlite

import (
	"context"
	"encoding/json"
	"strings"

	"needmatch/domain"
)

type requestRow struct {
	domain.Request
	AuthorityID string `json:"authorityId"`
}

func requestDoc(r *domain.Request) string {
	row := requestRow{Request: *r, AuthorityID: r.AuthorityID}
	row.PledgedPence, row.ApprovedPence = 0, 0 // derived, never stored
	return marshal(row)
}

func decodeRequest(doc string) (*domain.Request, error) {
	var row requestRow
	if err := json.Unmarshal([]byte(doc), &row); err != nil {
		return nil, err
	}
	r := row.Request
	r.AuthorityID = row.AuthorityID
	return &r, nil
}

// CreateRequest inserts r with its audit event.
func (db *DB) CreateRequest(ctx context.Context, r *domain.Request, ev *domain.AuditEvent) error {
	return db.tx(ctx, func(tx *wtx) error {
		_, err := tx.Exec(`INSERT INTO requests (id, authority_id, organisation_id, status, area, kind, title, description, version, doc) VALUES (?,?,?,?,?,?,?,?,?,?)`,
			r.ID, r.AuthorityID, r.OrganisationID, r.Status, r.Area, r.Kind, r.Title, r.Description, r.Version, requestDoc(r))
		if err != nil {
			return translate(err)
		}
		return appendAudit(tx, ev)
	})
}

// UpdateRequest writes r if the stored version is prev.
func (db *DB) UpdateRequest(ctx context.Context, r *domain.Request, prev int64, ev *domain.AuditEvent) error {
	return db.tx(ctx, func(tx *wtx) error {
		err := casUpdate(tx, "requests", r.ID, prev, "status = ?, area = ?, kind = ?, title = ?, description = ?, version = ?, doc = ?",
			r.Status, r.Area, r.Kind, r.Title, r.Description, r.Version, requestDoc(r))
		if err != nil {
			return err
		}
		return appendAudit(tx, ev)
	})
}

// RequestByID returns ENOTFOUND when there is none.
func (db *DB) RequestByID(ctx context.Context, id string) (*domain.Request, error) {
	r, err := db.scanRequest(db.queryRow(ctx, `SELECT id, version, doc FROM requests WHERE id = ?`, id))
	if err != nil {
		return nil, translateNotFound(err, "Request not found.")
	}
	return r, db.fillSums(ctx, []*domain.Request{r})
}

// FindRequests lists newest first.
func (db *DB) FindRequests(ctx context.Context, f domain.RequestFilter) ([]*domain.Request, string, error) {
	where, args := []string{"authority_id = ?"}, []any{f.AuthorityID}
	if f.OrganisationID != "" {
		where, args = append(where, "organisation_id = ?"), append(args, f.OrganisationID)
	}
	if len(f.Statuses) > 0 {
		where = append(where, "status IN (?"+strings.Repeat(",?", len(f.Statuses)-1)+")")
		for _, s := range f.Statuses {
			args = append(args, s)
		}
	}
	if f.Area != "" {
		where, args = append(where, "area = ?"), append(args, f.Area)
	}
	if f.Kind != "" {
		where, args = append(where, "kind = ?"), append(args, f.Kind)
	}
	if f.Text != "" {
		like := likeArg(f.Text)
		where, args = append(where, `(title LIKE ? ESCAPE '\' OR description LIKE ? ESCAPE '\')`), append(args, like, like)
	}
	items, next, err := findPageCols(ctx, db, "requests", "id, version, doc", where, args, f.Page, db.scanRequest, func(r *domain.Request) string { return r.ID })
	if err != nil {
		return nil, "", err
	}
	return items, next, db.fillSums(ctx, items)
}

// fillSums sets the derived pledged and approved totals from live pledges.
func (db *DB) fillSums(ctx context.Context, rs []*domain.Request) error {
	if len(rs) == 0 {
		return nil
	}
	byID := make(map[string]*domain.Request, len(rs))
	args := make([]any, 0, len(rs))
	for _, r := range rs {
		byID[r.ID] = r
		args = append(args, r.ID)
	}
	rows, err := db.query(ctx, `SELECT request_id, SUM(value_pence), SUM(approved_pence) FROM pledges
		WHERE request_id IN (?`+strings.Repeat(",?", len(rs)-1)+`) AND status NOT IN ('declined','withdrawn','lapsed') GROUP BY request_id`, args...)
	if err != nil {
		return translate(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var pledged, approved int64
		if err := rows.Scan(&id, &pledged, &approved); err != nil {
			return translate(err)
		}
		byID[id].PledgedPence, byID[id].ApprovedPence = pledged, approved
	}
	return translate(rows.Err())
}

// scanRequest reads id, version and doc, decoding the doc only when the
// cache has no entry of that version.
func (db *DB) scanRequest(row scanner) (*domain.Request, error) {
	var id, doc string
	var version int64
	if err := row.Scan(&id, &version, &doc); err != nil {
		return nil, err
	}
	if r, ok := db.requests.get(id, version); ok {
		return r, nil
	}
	r, err := decodeRequest(doc)
	if err != nil {
		return nil, err
	}
	db.requests.put(r)
	return r, nil
}
