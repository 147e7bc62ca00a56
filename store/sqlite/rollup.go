package sqlite

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"time"

	"needmatch/domain"
)

// A rollup adds up the rows of a source table (pledge_ledger or
// deliveries) by a few keys, so that the ledger of a whole authority reads
// a few thousand rows instead of every pledge and delivery.
//
// A rollup row is never incremented. A write to the source only marks the
// row's key dirty (one small insert in the write's transaction); the
// refresher later recomputes each dirty key by SUM over its source rows and
// clears the mark, in one transaction. The ledger reads clean keys from the
// rollup and dirty keys from the source rows themselves, in one snapshot,
// so every figure is the sum of the records at that moment.
//
// Measured on the way (bench-ledger, bench-api): recomputing keys inside
// every write took the pledge write from 1,306/s to 51/s (a supplier's
// pledges without a contract all share one key); rollups per dimension
// with large keys (a contract, a theme) made a ledger read right after
// 1,000 writes take 800 ms, as nearly every large key was dirty. So keys
// are fine (a source index finds each key's few rows) and the rollup is
// added up further when read, in the order of an index per dimension.
type rollup struct {
	table, source string
	// keys: the authority first, then the key columns, in the order of
	// the primary key and of the source's index that finds a key's rows.
	keys []string
	figs string
	dims []rollDim
}

// rollDim is a ledger dimension read from a rollup, grouped by group (its
// key column and the measure, for deliveries also the stage). A key of
// several columns (key, joined by '|') is read in the order of the index
// named by via.
type rollDim struct {
	dim   string
	group []string
	key   []string
	via   string
}

// keyCols are the columns of the dimension's key.
func (d rollDim) keyCols() []string {
	if d.key != nil {
		return d.key
	}
	return d.group[:1]
}

// pledgeFigs are the figures of a pledge itself (its month is the month it
// was made; a delivery's month is its own).
const pledgeFigs = `pledged_qty, pledged_pence, approved_qty, approved_pence`

// The deliveries by month leave the contract out (with it the rollup would
// be nearly as large as its source); the ledger of one contract reads them
// from the deliveries themselves.
var rollups = []rollup{
	{"ledger_roll_a", "pledge_ledger", []string{"authority_id", "contract_id", "supplier_id", "theme", "measure_code"}, ledgerFigs, []rollDim{
		{domain.DimContract, []string{"contract_id", "measure_code"}, nil, ""},
		{domain.DimSupplier, []string{"supplier_id", "measure_code"}, nil, ""},
		{domain.DimTheme, []string{"theme", "measure_code"}, nil, ""},
		{domain.DimSupplierContract, []string{"supplier_id", "measure_code", "contract_id"}, []string{"supplier_id", "contract_id"}, "supplier"}}},
	{"ledger_roll_ward", "pledge_ledger", []string{"authority_id", "area", "measure_code", "contract_id"}, ledgerFigs, []rollDim{
		{domain.DimWard, []string{"area", "measure_code"}, nil, ""}}},
	{"ledger_roll_month", "pledge_ledger", []string{"authority_id", "month", "measure_code", "contract_id"}, pledgeFigs, []rollDim{
		{domain.DimMonth, []string{"month", "measure_code"}, nil, ""}}},
	{"ledger_roll_delivered", "deliveries", []string{"authority_id", "month", "measure_code", "lstage"}, "quantity, value_pence", []rollDim{
		{domain.DimMonth, []string{"month", "measure_code", "lstage"}, nil, ""}}},
}

// index is the rollup's index for reading a dimension in group order (the
// primary key when it starts with the group): authority, group, the other
// keys, n and the figures.
func (ru rollup) index(d rollDim) []string {
	cols := append([]string{"authority_id"}, d.group...)
	if strings.Join(ru.keys[1:len(cols)], ",") == strings.Join(d.group, ",") {
		return nil
	}
	for _, k := range ru.keys[1:] {
		if !slices.Contains(cols, k) {
			cols = append(cols, k)
		}
	}
	return append(append(cols, "n"), strings.Split(ru.figs, ", ")...)
}

func (ru rollup) dirty() string { return ru.table + "_dirty" }

// on joins the key columns of two aliases.
func (ru rollup) on(a, b string) string {
	var on []string
	for _, k := range ru.keys {
		on = append(on, a+"."+k+" = "+b+"."+k)
	}
	return strings.Join(on, " AND ")
}

// keysOf names the key columns of an alias.
func (ru rollup) keysOf(alias string) string {
	var c []string
	for _, k := range ru.keys {
		c = append(c, alias+"."+k)
	}
	return strings.Join(c, ", ")
}

func sumsOf(figs, alias string) string {
	var s []string
	for _, f := range strings.Split(figs, ", ") {
		s = append(s, "COALESCE(SUM("+alias+f+"), 0)")
	}
	return strings.Join(s, ", ")
}

// refreshRollups recomputes every dirty key of every rollup from its
// source rows and clears the marks, inside tx.
func refreshRollups(tx *wtx) error {
	for _, ru := range rollups {
		var set []string
		for _, f := range append([]string{"n"}, strings.Split(ru.figs, ", ")...) {
			set = append(set, f+" = excluded."+f)
		}
		keys := strings.Join(ru.keys, ", ")
		dk := ru.keysOf("d")
		if _, err := tx.Exec(`INSERT INTO ` + ru.table + ` (` + keys + `, n, ` + ru.figs + `) SELECT ` + dk + `, count(s.` + ru.keys[0] + `), ` + sumsOf(ru.figs, "s.") +
			` FROM ` + ru.dirty() + ` d LEFT JOIN ` + ru.source + ` s ON ` + ru.on("s", "d") + ` WHERE true GROUP BY ` + dk +
			` ON CONFLICT (` + keys + `) DO UPDATE SET ` + strings.Join(set, ", ")); err != nil {
			return err
		}
		if _, err := tx.Exec(`DELETE FROM ` + ru.dirty()); err != nil {
			return err
		}
	}
	return nil
}

// rollupEvery is how often the refresher looks for dirty keys.
const rollupEvery = 2 * time.Second

// refresher recomputes dirty rollup keys in the background, through the
// writer like any change, until the store closes.
func (db *DB) refresher() {
	defer db.wg.Done()
	t := time.NewTicker(rollupEvery)
	defer t.Stop()
	for {
		select {
		case <-db.done:
			return
		case <-t.C:
		}
		if err := db.RefreshRollups(context.Background()); err != nil {
			slog.Warn("ledger rollups not refreshed; the ledger reads the records of the changed keys meanwhile", "err", err)
		}
	}
}

// RefreshRollups recomputes the rollup keys changed since the last refresh
// (nothing to do: no write).
func (db *DB) RefreshRollups(ctx context.Context) error {
	var q []string
	for _, ru := range rollups {
		q = append(q, `SELECT 1 FROM `+ru.dirty())
	}
	var dirty bool
	if err := db.queryRow(ctx, `SELECT EXISTS (`+strings.Join(q, " UNION ALL ")+`)`).Scan(&dirty); err != nil || !dirty {
		return translate(err)
	}
	return db.tx(ctx, refreshRollups)
}

// rolledUpSums is LedgerSums of a whole authority, or of one contract: the
// clean keys from the rollups, the dirty ones from their source rows. A key
// can have a row from each side; the ledger adds rows of the same key.
func (db *DB) rolledUpSums(ctx context.Context, f domain.LedgerFilter) ([]domain.LedgerSum, error) {
	_, args := ledgerWhere(f, "")
	args = append(args, args...) // once for the clean side, once for the dirty
	var qs []sumQuery
	for _, ru := range rollups {
		for _, dm := range ru.dims {
			if !slices.Contains(ru.keys, "contract_id") && f.ContractID != "" {
				qs = append(qs, stageQuery(dm.dim, strings.Join(dm.keyCols(), ` || '|' || `), f))
				continue
			}
			qs = append(qs, sumQuery{ru.sumsBy(dm, f), args, ru.source == "deliveries"})
		}
	}
	return db.parallelSums(ctx, qs)
}

// sumsBy is the query of a dimension's figures matching f (its arguments:
// those of ledgerWhere twice): clean keys from the rollup in the order of
// its index, dirty keys from the source.
func (ru rollup) sumsBy(dm rollDim, f domain.LedgerFilter) string {
	r, _ := ledgerWhere(f, "r.")
	d, _ := ledgerWhere(f, "d.")
	figs := strings.Split(ru.figs, ", ")
	if ru.figs == pledgeFigs {
		figs = append(figs, "0", "0", "0", "0", "0", "0")
	}
	sel := func(t string) string {
		var key, cols []string
		for _, c := range dm.keyCols() {
			key = append(key, t+"."+c)
		}
		cols = append(cols, strings.Join(key, ` || '|' || `))
		for _, c := range dm.group {
			if !slices.Contains(dm.keyCols(), c) {
				cols = append(cols, t+"."+c)
			}
		}
		for _, c := range figs {
			if c != "0" {
				c = "SUM(" + t + "." + c + ")"
			}
			cols = append(cols, c)
		}
		return `SELECT '` + dm.dim + `', ` + strings.Join(cols, ", ")
	}
	group := func(t string) string { return ` GROUP BY ` + t + `.` + strings.Join(dm.group, ", "+t+".") }
	from := ru.table + ` r`
	if dm.via != "" {
		from += ` INDEXED BY ` + ru.table + `_` + dm.via
	} else if ru.index(dm) != nil {
		from += ` INDEXED BY ` + ru.table + `_` + dm.dim
	}
	return sel("r") + ` FROM ` + from + ` WHERE ` + strings.Join(r, " AND ") + ` AND r.n > 0
			AND NOT EXISTS (SELECT 1 FROM ` + ru.dirty() + ` d WHERE ` + ru.on("d", "r") + `)` + group("r") + `
		UNION ALL ` + sel("s") + ` FROM ` + ru.dirty() + ` d CROSS JOIN ` + ru.source + ` s ON ` + ru.on("s", "d") +
		` WHERE ` + strings.Join(d, " AND ") + group("s")
}
