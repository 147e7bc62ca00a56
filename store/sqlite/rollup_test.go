package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"needmatch/domain"
	"needmatch/store/storetest"
)

// TestRollupsEqualTheRecords runs the ledger conformance cases (awards that
// move pledges to a contract, deliveries confirmed, verified and rejected,
// withdrawals) through the store and after each checks, on the database it
// left, that every rollup row equals a fresh sum of its source rows and
// that the ledger read from the rollups equals the ledger read from the
// records, for the authority and for each of its contracts. It then plants
// a wrong figure in a cell of each rollup, once, and checks that the check
// fails.
func TestRollupsEqualTheRecords(t *testing.T) {
	checked := 0
	planted := map[string]bool{}
	storetest.RunLedger(t, storetest.Harness{New: func(t *testing.T) domain.Store {
		db, err := Open(emptyDir(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			defer db.Close()
			if err := checkRollups(db); err != nil {
				t.Error(err)
			} else {
				plantWrongCells(t, db, planted)
			}
			checked++
		})
		return db
	}, RandomSeeds: 1})
	if checked == 0 || sameLedgerRows == 0 {
		t.Fatalf("%d databases checked, %d ledger rows compared", checked, sameLedgerRows)
	}
	for _, ru := range rollups {
		if !planted[ru.table] {
			t.Errorf("%s: no database had a cell to plant a wrong figure in", ru.table)
		}
	}
	t.Logf("%d databases checked, %d ledger rows compared", checked, sameLedgerRows)
}

// sourcePledge and sourceDelivery add a source row of the rollups directly (no
// pledge or delivery behind it): sourcePledge's arguments are its id, contract,
// supplier, ward, month, quantity and value; sourceDelivery's its id, pledge,
// supplier, contract, ward, month, stage, quantity and value.
const (
	sourcePledge = `INSERT INTO pledge_ledger (pledge_id, authority_id, contract_id, supplier_id, request_org_id, area, theme, month, measure_code, status, due,
		pledged_qty, pledged_pence, approved_qty, approved_pence, delivered_qty, delivered_pence, confirmed_qty, confirmed_pence, verified_qty, verified_pence)
		VALUES (?, 'a1', ?, ?, 'o1', ?, 'jobs', ?, 'NT01', 'pledged', 0, ?, ?, 0, 0, 0, 0, 0, 0, 0, 0)`
	sourceDelivery = `INSERT INTO deliveries (id, authority_id, pledge_id, supplier_id, request_org_id, contract_id, area, theme, month, measure_code, status, lstage, quantity, value_pence, version)
		VALUES (?, 'a1', ?, ?, 'o1', ?, ?, 'jobs', ?, 'NT01', 'reported', ?, ?, ?, 1)`
)

// TestRollupsFollowEachChange changes the source rows themselves, one
// statement at a time: rows added to cells that have rows and to new ones,
// figures changed, rows moved to another key (a contract, a month and
// financial year, a delivery's stage) with and without their figures,
// changes that leave the ledger alone, and deletes down to empty cells. It
// checks every rollup against its records, and the ledgers, after each.
func TestRollupsFollowEachChange(t *testing.T) {
	db, err := Open(emptyDir(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	steps := []struct {
		name string
		sql  string
		args []any
	}{
		{"a pledge", sourcePledge, []any{"p1", "", "s1", "w1", "2026-05", 3, 300}},
		{"a second pledge in its cells", sourcePledge, []any{"p2", "", "s1", "w1", "2026-05", 2, 250}},
		{"a pledge in other cells", sourcePledge, []any{"p3", "c1", "s2", "w2", "2027-02", 7, 700}},
		{"figures changed", `UPDATE pledge_ledger SET approved_qty = 3, approved_pence = 300, delivered_qty = 1, delivered_pence = 100, confirmed_qty = 1, confirmed_pence = 90, verified_qty = 1, verified_pence = 80 WHERE pledge_id = 'p1'`, nil},
		{"a change the ledger does not see", `UPDATE pledge_ledger SET status = 'approved', due = 5 WHERE pledge_id = 'p1'`, nil},
		{"awarded to a contract", `UPDATE pledge_ledger SET contract_id = 'c1' WHERE pledge_id = 'p1'`, nil},
		{"moved to another month and financial year", `UPDATE pledge_ledger SET month = '2027-04' WHERE pledge_id = 'p2'`, nil},
		{"moved within its quarter", `UPDATE pledge_ledger SET month = '2027-05' WHERE pledge_id = 'p2'`, nil},
		{"another supplier, ward and figures at once", `UPDATE pledge_ledger SET supplier_id = 's2', area = 'w2', pledged_qty = 9, pledged_pence = 900 WHERE pledge_id = 'p2'`, nil},
		{"a pledge deleted", `DELETE FROM pledge_ledger WHERE pledge_id = 'p3'`, nil},
		{"a delivery", sourceDelivery, []any{"d1", "p1", "s1", "c1", "w1", "2026-06", 1, 2, 200}},
		{"a second delivery in its cells", sourceDelivery, []any{"d2", "p1", "s1", "c1", "w1", "2026-06", 1, 1, 100}},
		{"a delivery confirmed", `UPDATE deliveries SET lstage = 2, status = 'confirmed' WHERE id = 'd1'`, nil},
		{"a delivery verified", `UPDATE deliveries SET lstage = 4 WHERE id = 'd1'`, nil},
		{"a delivery's figures changed", `UPDATE deliveries SET quantity = 5, value_pence = 550 WHERE id = 'd1'`, nil},
		{"a delivery moved to another month and year", `UPDATE deliveries SET month = '2025-12' WHERE id = 'd2'`, nil},
		{"a delivery rejected", `UPDATE deliveries SET lstage = 0, status = 'rejected' WHERE id = 'd2'`, nil},
		{"a delivery's change the ledger does not see", `UPDATE deliveries SET notes = 'late', version = 2 WHERE id = 'd1'`, nil},
		{"a delivery deleted", `DELETE FROM deliveries WHERE id = 'd1'`, nil},
		{"every pledge deleted", `DELETE FROM pledge_ledger`, nil},
		{"every delivery deleted", `DELETE FROM deliveries`, nil},
		{"a pledge in a cell emptied before", sourcePledge, []any{"p4", "", "s1", "w1", "2026-05", 4, 400}},
	}
	for _, st := range steps {
		if _, err := db.write.Exec(st.sql, st.args...); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		for _, ru := range rollups {
			if err := checkCells(db, ru); err != nil {
				t.Errorf("after %s: %v", st.name, err)
			}
		}
		if err := sameLedgers(db); err != nil {
			t.Errorf("after %s: %v", st.name, err)
		}
	}
	var cells int
	if err := db.write.QueryRow(`SELECT count(*) FROM ledger_roll_a WHERE n = 0`).Scan(&cells); err != nil || cells == 0 {
		t.Errorf("%d emptied cells of ledger_roll_a kept (%v): the deletes emptied none", cells, err)
	}
}

// plantWrongCells adds one to the first figure of a cell of each rollup
// not yet planted that has one, checks that checkCells fails, and puts
// the figure back.
func plantWrongCells(t *testing.T, db *DB, planted map[string]bool) {
	t.Helper()
	for _, ru := range rollups {
		if planted[ru.table] {
			continue
		}
		fig, _, _ := strings.Cut(ru.figs, ", ")
		keys := strings.Join(ru.keys, ", ")
		cell := `(` + keys + `) = (SELECT ` + keys + ` FROM ` + ru.table + ` WHERE n > 0 ORDER BY ` + keys + ` LIMIT 1)`
		plant := func(delta string) int64 {
			res, err := db.write.Exec(`UPDATE ` + ru.table + ` SET ` + fig + ` = ` + fig + delta + ` WHERE ` + cell)
			if err != nil {
				t.Fatal(err)
			}
			n, err := res.RowsAffected()
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		if plant(" + 1") == 0 {
			continue
		}
		err := checkCells(db, ru)
		if plant(" - 1") != 1 {
			t.Fatalf("%s: the planted cell is gone", ru.table)
		}
		if err == nil {
			t.Errorf("%s: a wrong %s in a cell went unnoticed", ru.table, fig)
		}
		planted[ru.table] = true
	}
}

// checkRollups compares the ledger from the rollups with the ledger from
// the records, and checks every rollup row against its source.
func checkRollups(db *DB) error {
	if err := sameLedgers(db); err != nil {
		return err
	}
	for _, ru := range rollups {
		if err := checkCells(db, ru); err != nil {
			return err
		}
	}
	return nil
}

// checkCells checks every cell of a rollup against a fresh sum
// of its source rows.
func checkCells(db *DB, ru rollup) error {
	keys := strings.Join(ru.keys, ", ")
	var sums []string
	for _, f := range strings.Split(ru.figs, ", ") {
		sums = append(sums, "SUM("+f+")")
	}
	fresh := `SELECT ` + keys + `, count(*), ` + strings.Join(sums, ", ") + ` FROM ` + ru.source + ` GROUP BY ` + keys
	stored := `SELECT ` + keys + `, n, ` + ru.figs + ` FROM ` + ru.table + ` WHERE n > 0`
	for _, q := range [][2]string{{fresh, stored}, {stored, fresh}} {
		var diff int
		if err := db.write.QueryRow(`SELECT count(*) FROM (` + q[0] + ` EXCEPT ` + q[1] + `)`).Scan(&diff); err != nil {
			return err
		}
		if diff != 0 {
			return fmt.Errorf("%s: %d rows differ from its source", ru.table, diff)
		}
	}
	var zero int
	if err := db.write.QueryRow(`SELECT count(*) FROM ` + ru.table + ` WHERE n = 0 AND (` + strings.ReplaceAll(ru.figs, ", ", " != 0 OR ") + ` != 0)`).Scan(&zero); err != nil {
		return err
	}
	if zero != 0 {
		return fmt.Errorf("%s: %d keys without rows have figures", ru.table, zero)
	}
	return nil
}

// sameLedgers compares, for each authority and each of its contracts, the
// ledger from the rollups with the ledger from the records.
func sameLedgers(db *DB) error {
	ctx := context.Background()
	// Each authority whole, each of its contracts, and its records without
	// a contract (LedgerNone), whether or not it has any.
	rows, err := db.write.Query(`SELECT DISTINCT authority_id, contract_id FROM pledge_ledger ORDER BY 1, 2`)
	if err != nil {
		return err
	}
	var filters []domain.LedgerFilter
	for rows.Next() {
		var auth, contract string
		if err := rows.Scan(&auth, &contract); err != nil {
			return err
		}
		if len(filters) == 0 || filters[len(filters)-1].AuthorityID != auth {
			filters = append(filters, domain.LedgerFilter{AuthorityID: auth}, domain.LedgerFilter{AuthorityID: auth, ContractID: domain.LedgerNone})
		}
		if contract != "" {
			filters = append(filters, domain.LedgerFilter{AuthorityID: auth, ContractID: contract})
		}
	}
	if err := rows.Close(); err != nil {
		return err
	}
	// And of each a financial year or quarter (the records are of 2025 to 2027).
	for _, f := range slices.Clone(filters) {
		for _, fy := range []string{"2025", "2026", "2027"} {
			filters = append(filters, domain.LedgerFilter{AuthorityID: f.AuthorityID, ContractID: f.ContractID, FY: fy})
		}
		for _, q := range []string{"1", "2", "3", "4"} {
			filters = append(filters, domain.LedgerFilter{AuthorityID: f.AuthorityID, ContractID: f.ContractID, FY: "2026", Quarter: q})
		}
	}
	compared := 0
	for _, f := range filters {
		rolled, err := db.rolledUpSums(ctx, f)
		if err != nil {
			return err
		}
		scanned, err := db.scannedSums(ctx, f)
		if err != nil {
			return err
		}
		if a, b := merged(rolled), merged(scanned); !reflect.DeepEqual(a, b) {
			return fmt.Errorf("ledger %+v from the rollups differs from the records:\n%v\n%v", f, a, b)
		}
		compared += len(scanned)
	}
	sameLedgerRows += compared
	return nil
}

// sameLedgerRows counts the ledger rows sameLedgers compared, so that the
// test can tell it compared something.
var sameLedgerRows int

// merged adds up sums by dimension, key and measure (the stage rows of
// deliveries come one per stage) in a stable order.
func merged(sums []domain.LedgerSum) []domain.LedgerSum {
	m := map[[3]string]*domain.LedgerSum{}
	for _, s := range sums {
		k := [3]string{s.Dim, s.Key, s.Measure}
		if m[k] == nil {
			m[k] = &domain.LedgerSum{Dim: s.Dim, Key: s.Key, Measure: s.Measure}
		}
		m[k].Add(s)
	}
	out := []domain.LedgerSum{}
	for _, s := range m {
		// A key whose records add up to nothing (rejected deliveries, say)
		// is no cell of the ledger, whichever way it was read.
		if (*s != domain.LedgerSum{Dim: s.Dim, Key: s.Key, Measure: s.Measure}) {
			out = append(out, *s)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		return a.Dim+"\x00"+a.Key+"\x00"+a.Measure < b.Dim+"\x00"+b.Key+"\x00"+b.Measure
	})
	return out
}

// TestRollupsByDeltasUpgrade: a database from before the rollups were kept
// by deltas, with keys still dirty (changes the refresher had not added up
// yet), upgrades to exact rollups, and they stay exact through the next
// changes.
func TestRollupsByDeltasUpgrade(t *testing.T) {
	dir := t.TempDir()
	raw, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "needmatch.db")+"?_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatal(err)
	}
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(migrationsTable); err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.name == "ledger_rollups_by_deltas" {
			break
		}
		if err := apply(raw, m, time.Now); err != nil {
			t.Fatalf("migration %04d_%s: %v", m.version, m.name, err)
		}
	}
	for _, st := range []struct {
		sql  string
		args []any
	}{{sourcePledge, []any{"p1", "", "s1", "w1", "2026-05", 3, 300}}, {sourcePledge, []any{"p2", "c1", "s1", "w1", "2026-05", 2, 200}},
		{sourceDelivery, []any{"d1", "p1", "s1", "", "w1", "2026-06", 1, 1, 100}}, {`UPDATE pledge_ledger SET contract_id = 'c2' WHERE pledge_id = 'p2'`, nil}} {
		if _, err := raw.Exec(st.sql, st.args...); err != nil {
			t.Fatal(err)
		}
	}
	var dirty int
	if err := raw.QueryRow(`SELECT count(*) FROM ledger_roll_a_dirty`).Scan(&dirty); err != nil || dirty == 0 {
		t.Fatalf("%d dirty keys before the upgrade (%v)", dirty, err)
	}
	raw.Close()
	db, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := checkRollups(db); err != nil {
		t.Fatalf("after the upgrade: %v", err)
	}
	for _, q := range []string{`UPDATE pledge_ledger SET pledged_qty = 5 WHERE pledge_id = 'p1'`, `UPDATE deliveries SET lstage = 3 WHERE id = 'd1'`, `DELETE FROM pledge_ledger WHERE pledge_id = 'p2'`} {
		if _, err := db.write.Exec(q); err != nil {
			t.Fatal(err)
		}
		if err := checkRollups(db); err != nil {
			t.Fatalf("after %s: %v", q, err)
		}
	}
	var left int
	if err := db.write.QueryRow(`SELECT count(*) FROM sqlite_schema WHERE name LIKE '%\_dirty' ESCAPE '\' OR name LIKE '%\_mark\_%' ESCAPE '\'`).Scan(&left); err != nil || left != 0 {
		t.Errorf("%d dirty tables or mark triggers left (%v)", left, err)
	}
}
