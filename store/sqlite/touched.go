package sqlite

import (
	"fmt"
	"strings"

	"needmatch/domain"
)

var _ domain.RequestGenerationer = (*DB)(nil)

// touchSchema makes the writer's connection note the requests a write
// changes, directly or through their pledges, in a temporary table: part
// of the transaction, so only committed changes are noted, and filled by
// triggers, so no write path can forget. (A temporary table belongs to the
// connection: the writer's pool keeps its one connection open.)
var touchSchema = func() string {
	var b strings.Builder
	b.WriteString("CREATE TEMP TABLE IF NOT EXISTS touched_requests (id TEXT PRIMARY KEY) WITHOUT ROWID;\n")
	// Each table with the column naming its request.
	for _, t := range [][2]string{{"requests", "id"}, {"pledges", "request_id"}} {
		for _, ev := range [][2]string{{"INSERT", "(NEW.%[1]s)"}, {"UPDATE", "(NEW.%[1]s), (OLD.%[1]s)"}, {"DELETE", "(OLD.%[1]s)"}} {
			fmt.Fprintf(&b, "CREATE TEMP TRIGGER IF NOT EXISTS touch_%s_%s AFTER %s ON main.%s BEGIN INSERT INTO touched_requests VALUES %s ON CONFLICT DO NOTHING; END;\n",
				t[0], strings.ToLower(ev[0]), ev[0], t[0], fmt.Sprintf(ev[1], t[1]))
		}
	}
	// A council's write notes no request (the empty id): a list that names
	// no council shows the default one, the first by slug, which a new
	// council may change (see RequestsGeneration).
	for _, ev := range []string{"INSERT", "UPDATE", "DELETE"} {
		fmt.Fprintf(&b, "CREATE TEMP TRIGGER IF NOT EXISTS touch_authorities_%s AFTER %s ON main.authorities BEGIN INSERT INTO touched_requests VALUES ('') ON CONFLICT DO NOTHING; END;\n",
			strings.ToLower(ev), ev)
	}
	return b.String()
}()

const takeTouchedSQL = `DELETE FROM temp.touched_requests RETURNING id`

// takeTouched reads and clears the requests noted by the transaction that
// has just committed. An error (the connection and its temporary table
// gone) means the ids are unknown: the caller counts every request as
// changed, and the table is made again.
func (db *DB) takeTouched() ([]string, error) {
	rows, err := db.takeStmt.Query()
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

// RequestsGeneration is the generation of the last committed write that
// changed any request or pledge, or a council, since the store opened (0:
// none): a list of requests built after reading Generation g is current
// while RequestsGeneration stays at most g, whatever else is written (the
// background jobs' leases, the ledger's rollups, audit checkpoints).
func (db *DB) RequestsGeneration() uint64 { return db.touchedAny.Load() }

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
