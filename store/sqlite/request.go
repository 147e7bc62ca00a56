package sqlite

import (
	"context"
	"strings"

	"needmatch/domain"
)

// requestRow is a row of the requests table: the store's own form of a
// request, one column per field (times as RFC 3339 text). The pledged and
// approved totals are derived from the pledges, never stored.
type requestRow struct {
	ID, AuthorityID, Authority, OrganisationID, OrganisationName string
	Title, Description, Kind, Area, AreaName                     string
	Quantity                                                     int64
	Unit                                                         string
	ValuePence                                                   int64
	Deadline                                                     string
	Safeguarding                                                 bool
	Status, Reason                                               string
	Version                                                      int64
	CreatedAt, UpdatedAt                                         string
	DeadlineExtended                                             bool
}

// requestTable is the requests table, its columns in requestRow order; a
// request never changes its authority, group or creation time.
var requestTable = newTable("requests", `id, authority_id, authority_slug, organisation_id, organisation_name, title, description, kind, area, area_name,
	quantity, unit, value_pence, deadline, safeguarding, status, reason, version, created_at, updated_at, deadline_extended`,
	"id", "authority_id", "authority_slug", "organisation_id", "created_at")

func (r *requestRow) fields() []any {
	return []any{&r.ID, &r.AuthorityID, &r.Authority, &r.OrganisationID, &r.OrganisationName, &r.Title, &r.Description, &r.Kind, &r.Area, &r.AreaName,
		&r.Quantity, &r.Unit, &r.ValuePence, &r.Deadline, &r.Safeguarding, &r.Status, &r.Reason, &r.Version, &r.CreatedAt, &r.UpdatedAt, &r.DeadlineExtended}
}

func fromRequest(r *domain.Request) *requestRow {
	return &requestRow{ID: r.ID, AuthorityID: r.AuthorityID, Authority: r.Authority, OrganisationID: r.OrganisationID, OrganisationName: r.OrganisationName,
		Title: r.Title, Description: r.Description, Kind: r.Kind, Area: r.Area, AreaName: r.AreaName, Quantity: r.Quantity, Unit: r.Unit,
		ValuePence: r.ValuePence, Deadline: storeTime(r.Deadline), Safeguarding: r.Safeguarding, Status: string(r.Status), Reason: r.Reason,
		Version: r.Version, CreatedAt: storeTime(r.CreatedAt), UpdatedAt: storeTime(r.UpdatedAt), DeadlineExtended: r.DeadlineExtended}
}

func (r *requestRow) toDomain() (*domain.Request, error) {
	q := &domain.Request{ID: r.ID, AuthorityID: r.AuthorityID, Authority: r.Authority, OrganisationID: r.OrganisationID, OrganisationName: r.OrganisationName,
		Title: r.Title, Description: r.Description, Kind: r.Kind, Area: r.Area, AreaName: r.AreaName, Quantity: r.Quantity, Unit: r.Unit,
		ValuePence: r.ValuePence, Safeguarding: r.Safeguarding, Status: domain.RequestStatus(r.Status), Reason: r.Reason, Version: r.Version, DeadlineExtended: r.DeadlineExtended}
	var l times
	q.Deadline, q.CreatedAt, q.UpdatedAt = l.at(r.Deadline), l.at(r.CreatedAt), l.at(r.UpdatedAt)
	if l.err != nil {
		return nil, l.err
	}
	return q, nil
}

func scanRequest(row scanner) (*domain.Request, error) {
	var r requestRow
	if err := row.Scan(r.fields()...); err != nil {
		return nil, err
	}
	return r.toDomain()
}

// CreateRequest inserts r with its audit event.
func (db *DB) CreateRequest(ctx context.Context, r *domain.Request, ev *domain.AuditEvent) error {
	return db.tx(ctx, func(tx *wtx) error {
		if err := requestTable.insert(tx, fromRequest(r).fields()); err != nil {
			return translate(err)
		}
		return appendAudit(tx, ev)
	})
}

// UpdateRequest writes r if the stored version is prev.
func (db *DB) UpdateRequest(ctx context.Context, r *domain.Request, prev int64, ev *domain.AuditEvent) error {
	return db.tx(ctx, func(tx *wtx) error {
		if err := requestTable.update(tx, r.ID, prev, fromRequest(r).fields()); err != nil {
			return err
		}
		return appendAudit(tx, ev)
	})
}

// RequestByID returns ENOTFOUND when there is none. It reads the version,
// and the columns only when the cache does not hold that version.
func (db *DB) RequestByID(ctx context.Context, id string) (*domain.Request, error) {
	r, missing, err := db.cachedRequest(db.queryRow(ctx, `SELECT id, version FROM requests WHERE id = ?`, id))
	if err == nil && missing {
		var ok bool
		if ok, err = db.loadRequests(ctx, []*domain.Request{r}); err == nil && !ok {
			r, err = scanRequest(db.queryRow(ctx, `SELECT `+requestTable.list+` FROM requests WHERE id = ?`, id))
		}
	}
	if err != nil {
		return nil, translateNotFound(err, "Request not found.")
	}
	return r, db.fillSums(ctx, []*domain.Request{r})
}

// cachedRequest reads an id and a version: the cached request of that
// version, or one with only those two set and missing true.
func (db *DB) cachedRequest(row scanner) (r *domain.Request, missing bool, err error) {
	var id string
	var version int64
	if err := row.Scan(&id, &version); err != nil {
		return nil, false, err
	}
	if r, ok := db.requests.get(id, version); ok {
		return r, false, nil
	}
	return &domain.Request{ID: id, Version: version}, true, nil
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
	id := func(r *domain.Request) string { return r.ID }
	// The page's ids and versions first; the columns of the requests the
	// cache does not hold at that version then, all in one query.
	var missing []*domain.Request
	items, next, err := findPage(ctx, db, "requests", "id, version", where, args, f.Page, func(row scanner) (*domain.Request, error) {
		r, miss, err := db.cachedRequest(row)
		if miss {
			missing = append(missing, r)
		}
		return r, err
	}, id)
	if err != nil {
		return nil, "", err
	}
	if ok, err := db.loadRequests(ctx, missing); err != nil {
		return nil, "", err
	} else if !ok { // a request changed between the two reads: read the page whole
		if items, next, err = findPage(ctx, db, "requests", requestTable.list, where, args, f.Page, scanRequest, id); err != nil {
			return nil, "", err
		}
	}
	return items, next, db.fillSums(ctx, items)
}

// loadRequests reads the columns of the requests rs name by id and version
// into them (and the cache); false when one of them is no longer at its
// version.
func (db *DB) loadRequests(ctx context.Context, rs []*domain.Request) (bool, error) {
	if len(rs) == 0 {
		return true, nil
	}
	byID := make(map[string]*domain.Request, len(rs))
	args := make([]any, len(rs))
	for i, r := range rs {
		byID[r.ID], args[i] = r, r.ID
	}
	rows, err := db.query(ctx, `SELECT `+requestTable.list+` FROM requests WHERE id IN (?`+strings.Repeat(",?", len(rs)-1)+`)`, args...)
	if err != nil {
		return false, translate(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		r, err := scanRequest(rows)
		if err != nil {
			return false, translate(err)
		}
		want := byID[r.ID]
		if want == nil || want.Version != r.Version {
			return false, nil
		}
		*want = *r
		db.requests.put(r)
		n++
	}
	return n == len(rs), translate(rows.Err())
}

// fillSums sets the derived pledged and approved totals from live pledges:
// those kept in db.sums that no write has changed since, and the others
// summed in one query (and kept).
func (db *DB) fillSums(ctx context.Context, rs []*domain.Request) error {
	// Read before the pledges are: a write committed meanwhile counts as
	// later than the sums kept, so they are never taken as current after it.
	gen := db.gen.Load()
	byID := make(map[string]*domain.Request, len(rs))
	args := make([]any, 0, len(rs))
	for _, r := range rs {
		if s, ok := db.sums.get(r.ID); ok && db.RequestGeneration(r.ID) <= s.gen {
			r.PledgedPence, r.ApprovedPence = s.pledged, s.approved
			continue
		}
		r.PledgedPence, r.ApprovedPence = 0, 0
		byID[r.ID] = r
		args = append(args, r.ID)
	}
	if len(args) == 0 {
		return nil
	}
	rows, err := db.query(ctx, `SELECT request_id, SUM(value_pence), SUM(approved_pence) FROM pledges
		WHERE request_id IN (?`+strings.Repeat(",?", len(args)-1)+`) AND status NOT IN ('declined','withdrawn','lapsed') GROUP BY request_id`, args...)
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
	if err := rows.Err(); err != nil {
		return translate(err)
	}
	for id, r := range byID {
		db.sums.put(id, requestSums{pledged: r.PledgedPence, approved: r.ApprovedPence, gen: gen})
	}
	return nil
}
