package sqlite

import "needmatch/domain"

var _ domain.RequestGenerationer = (*DB)(nil)

// touchSchema makes the writer's connection note the requests a write
// changes, directly or through their pledges, in a temporary table: part
// of the transaction, so only committed changes are noted, and filled by
// triggers, so no write path can forget. (A temporary table belongs to the
// connection: the writer's pool keeps its one connection open.)
const touchSchema = `
CREATE TEMP TABLE IF NOT EXISTS touched_requests (id TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TEMP TRIGGER IF NOT EXISTS touch_request_insert AFTER INSERT ON main.requests BEGIN
	INSERT INTO touched_requests VALUES (NEW.id) ON CONFLICT DO NOTHING; END;
CREATE TEMP TRIGGER IF NOT EXISTS touch_request_update AFTER UPDATE ON main.requests BEGIN
	INSERT INTO touched_requests VALUES (NEW.id), (OLD.id) ON CONFLICT DO NOTHING; END;
CREATE TEMP TRIGGER IF NOT EXISTS touch_request_delete AFTER DELETE ON main.requests BEGIN
	INSERT INTO touched_requests VALUES (OLD.id) ON CONFLICT DO NOTHING; END;
CREATE TEMP TRIGGER IF NOT EXISTS touch_pledge_insert AFTER INSERT ON main.pledges BEGIN
	INSERT INTO touched_requests VALUES (NEW.request_id) ON CONFLICT DO NOTHING; END;
CREATE TEMP TRIGGER IF NOT EXISTS touch_pledge_update AFTER UPDATE ON main.pledges BEGIN
	INSERT INTO touched_requests VALUES (NEW.request_id), (OLD.request_id) ON CONFLICT DO NOTHING; END;
CREATE TEMP TRIGGER IF NOT EXISTS touch_pledge_delete AFTER DELETE ON main.pledges BEGIN
	INSERT INTO touched_requests VALUES (OLD.request_id) ON CONFLICT DO NOTHING; END;
`

// takeTouched reads and clears the requests noted by the transaction that
// has just committed. An error (the connection and its temporary table
// gone) means the ids are unknown: the caller counts every request as
// changed, and the table is made again.
func (db *DB) takeTouched() ([]string, error) {
	rows, err := db.write.Query(`DELETE FROM temp.touched_requests RETURNING id`)
	if err != nil {
		_, _ = db.write.Exec(touchSchema)
		return nil, err
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// RequestGeneration is the generation of the last committed write that
// changed the request or its pledges since the store opened (0: none). A
// page of the request built after reading Generation g is current while
// RequestGeneration stays at most g.
func (db *DB) RequestGeneration(id string) uint64 {
	g := db.touchedAll.Load()
	if v, ok := db.touched.Load(id); ok {
		g = max(g, v.(uint64))
	}
	return g
}
