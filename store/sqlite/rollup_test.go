package sqlite

import (
	"context"
	"fmt"
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
// withdrawals) and after each checks, on the database it left, that every
// rollup row equals a fresh sum of its source rows and that the ledger read
// from the rollups equals the ledger read from the records, for the
// authority and for each of its contracts.
// It runs them twice: with every changed key still dirty at the check, and
// with refreshes racing the writes (clean and dirty keys mixed). In the
// first run it then plants a wrong figure in a cell of each rollup, once,
// and checks that the check fails.
func TestRollupsEqualTheRecords(t *testing.T) {
	for _, racing := range []bool{false, true} {
		t.Run(map[bool]string{false: "dirty", true: "refreshing"}[racing], func(t *testing.T) {
			checked, refreshed := 0, 0
			planted := map[string]bool{}
			storetest.RunLedger(t, storetest.Harness{New: func(t *testing.T) domain.Store {
				db, err := Open(emptyDir(t))
				if err != nil {
					t.Fatal(err)
				}
				stop, stopped := make(chan struct{}), make(chan struct{})
				go func() {
					defer close(stopped)
					for racing {
						select {
						case <-stop:
							return
						case <-time.After(3 * time.Millisecond):
						}
						if err := db.RefreshRollups(context.Background()); err != nil {
							t.Error(err)
							return
						}
						refreshed++
					}
				}()
				t.Cleanup(func() {
					defer db.Close()
					close(stop)
					<-stopped
					if err := checkRollups(db); err != nil {
						t.Error(err)
					} else if !racing {
						plantWrongCells(t, db, planted)
					}
					checked++
				})
				return db
			}, RandomSeeds: 1})
			if checked == 0 || racing && refreshed == 0 || sameLedgerRows == 0 {
				t.Fatalf("%d databases checked, %d refreshes, %d ledger rows compared", checked, refreshed, sameLedgerRows)
			}
			for _, ru := range rollups {
				if !racing && !planted[ru.table] {
					t.Errorf("%s: no database had a cell to plant a wrong figure in", ru.table)
				}
			}
			t.Logf("%d databases checked, %d refreshes, %d ledger rows compared so far", checked, refreshed, sameLedgerRows)
		})
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
// the records while keys are dirty, then refreshes and compares again, and
// checks every rollup row against its source.
func checkRollups(db *DB) error {
	if err := sameLedgers(db); err != nil {
		return fmt.Errorf("with dirty keys: %w", err)
	}
	if err := db.RefreshRollups(context.Background()); err != nil {
		return err
	}
	for _, ru := range rollups {
		var n int
		if err := db.write.QueryRow(`SELECT count(*) FROM ` + ru.dirty()).Scan(&n); err != nil || n != 0 {
			return fmt.Errorf("%s: %d dirty keys after the refresh (%v)", ru.table, n, err)
		}
	}
	if err := sameLedgers(db); err != nil {
		return fmt.Errorf("after the refresh: %w", err)
	}
	for _, ru := range rollups {
		if err := checkCells(db, ru); err != nil {
			return err
		}
	}
	return nil
}

// checkCells checks every cell of a refreshed rollup against a fresh sum
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
