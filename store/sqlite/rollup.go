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
	// use says which ledgers read the rollup: of the whole authority or a
	// contract (forWhole), of a financial year (forYear) or quarter
	// (forQuarter).
	use uint8
}

// Which ledgers read a rollup.
const (
	forWhole uint8 = 1 << iota
	forYear
	forQuarter
	forPeriod = forYear | forQuarter
)

// ledgerUse is the ledger a filter asks for (see rollup.use).
func ledgerUse(f domain.LedgerFilter) uint8 {
	switch {
	case f.Quarter != "":
		return forQuarter
	case f.FY != "":
		return forYear
	}
	return forWhole
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

// deliveredFigs are a delivery's figures by stage (generated columns of
// deliveries, from lstage).
const deliveredFigs = `delivered_qty, delivered_pence, confirmed_qty, confirmed_pence, verified_qty, verified_pence`

// The deliveries by month leave the contract out (with it the rollup would
// be nearly as large as its source); the ledger of one contract reads them
// from the deliveries themselves.
var rollups = []rollup{
	{"ledger_roll_a", "pledge_ledger", []string{"authority_id", "contract_id", "supplier_id", "theme", "measure_code"}, ledgerFigs, []rollDim{
		{domain.DimContract, []string{"contract_id", "measure_code"}, nil, ""},
		{domain.DimSupplier, []string{"supplier_id", "measure_code"}, nil, ""},
		{domain.DimTheme, []string{"theme", "measure_code"}, nil, ""},
		{domain.DimSupplierContract, []string{"supplier_id", "measure_code", "contract_id"}, []string{"supplier_id", "contract_id"}, "supplier"}}, forWhole},
	{"ledger_roll_ward", "pledge_ledger", []string{"authority_id", "area", "measure_code", "contract_id"}, ledgerFigs, []rollDim{
		{domain.DimWard, []string{"area", "measure_code"}, nil, ""}}, forWhole},
	{"ledger_roll_month", "pledge_ledger", []string{"authority_id", "month", "measure_code", "contract_id"}, pledgeFigs, []rollDim{
		{domain.DimMonth, []string{"month", "measure_code"}, nil, ""}}, forWhole | forPeriod},
	{"ledger_roll_delivered", "deliveries", []string{"authority_id", "month", "measure_code", "lstage"}, "quantity, value_pence", []rollDim{
		{domain.DimMonth, []string{"month", "measure_code", "lstage"}, nil, ""}}, forWhole | forPeriod},
	// The ledger of a financial year or quarter: pledges (by the quarter
	// they were made in) and deliveries (by the quarter they happened in)
	// by financial quarter (fq) or year (fy), read in key order and added
	// up further. Measured (bench-ledger, 100,000 pledges): a year's
	// ledger took 2 s from the records, which the rollups by month could
	// not cut (with the supplier in the key a month's rows are as many as
	// the records); then 1.4 s of CPU from rollups by quarter with the
	// supplier in the key (~67,000 cells a year, each read for four
	// dimensions and sorted). So contracts and themes come from quarters
	// without the supplier (a few hundred cells each), and suppliers and
	// wards from the year's own cells, keyed in the order they are read
	// (no sort); only the ledger of one quarter reads the quarter's
	// supplier and ward cells.
	{"ledger_roll_fq_c", "pledge_ledger", []string{"authority_id", "fq", "contract_id", "theme", "measure_code"}, pledgeFigs, periodContract, forPeriod},
	{"ledger_roll_fq_dc", "deliveries", []string{"authority_id", "fq", "contract_id", "theme", "measure_code"}, deliveredFigs, periodContract, forPeriod},
	{"ledger_roll_fy_s", "pledge_ledger", []string{"authority_id", "fy", "supplier_id", "measure_code", "contract_id"}, pledgeFigs, periodSupplier, forYear},
	{"ledger_roll_fy_ds", "deliveries", []string{"authority_id", "fy", "supplier_id", "measure_code", "contract_id"}, deliveredFigs, periodSupplier, forYear},
	{"ledger_roll_fq_a", "pledge_ledger", []string{"authority_id", "fq", "contract_id", "supplier_id", "theme", "measure_code"}, pledgeFigs, periodSupplier, forQuarter},
	{"ledger_roll_fq_da", "deliveries", []string{"authority_id", "fq", "contract_id", "supplier_id", "theme", "measure_code"}, deliveredFigs, periodSupplier, forQuarter},
	{"ledger_roll_fy_ward", "pledge_ledger", []string{"authority_id", "fy", "area", "measure_code", "contract_id"}, pledgeFigs, periodWard, forYear},
	{"ledger_roll_fy_dward", "deliveries", []string{"authority_id", "fy", "area", "measure_code", "contract_id"}, deliveredFigs, periodWard, forYear},
	{"ledger_roll_fq_ward", "pledge_ledger", []string{"authority_id", "fq", "area", "measure_code", "contract_id"}, pledgeFigs, periodWard, forQuarter},
	{"ledger_roll_fq_dward", "deliveries", []string{"authority_id", "fq", "area", "measure_code", "contract_id"}, deliveredFigs, periodWard, forQuarter},
}

// The dimensions of the rollups by quarter and year.
var (
	periodContract = []rollDim{
		{domain.DimContract, []string{"contract_id", "measure_code"}, nil, ""},
		{domain.DimTheme, []string{"theme", "measure_code"}, nil, ""}}
	periodSupplier = []rollDim{
		{domain.DimSupplier, []string{"supplier_id", "measure_code"}, nil, ""},
		{domain.DimSupplierContract, []string{"supplier_id", "measure_code", "contract_id"}, []string{"supplier_id", "contract_id"}, ""}}
	periodWard = []rollDim{{domain.DimWard, []string{"area", "measure_code"}, nil, ""}}
)

// quarterRange is the range of financial quarters (fq) of a financial year
// or quarter filter.
func quarterRange(f domain.LedgerFilter) (from, to string) {
	if f.Quarter != "" {
		return f.FY + "-" + f.Quarter, f.FY + "-" + f.Quarter
	}
	return f.FY + "-1", f.FY + "-4"
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

// rolledUpSums is LedgerSums of a whole authority, or of one contract, and
// of a financial year or quarter of either: the clean keys from the
// rollups, the dirty ones from their source rows. A key can have a row
// from each side; the ledger adds rows of the same key.
func (db *DB) rolledUpSums(ctx context.Context, f domain.LedgerFilter) ([]domain.LedgerSum, error) {
	use := ledgerUse(f)
	var qs []sumQuery
	for _, ru := range rollups {
		if ru.use&use == 0 {
			continue
		}
		for _, dm := range ru.dims {
			if !slices.Contains(ru.keys, "contract_id") && f.ContractID != "" {
				qs = append(qs, stageQuery(dm.dim, strings.Join(dm.keyCols(), ` || '|' || `), f))
				continue
			}
			q, args := ru.sumsBy(dm, f)
			qs = append(qs, sumQuery{q, args, ru.source == "deliveries" && ru.figs != deliveredFigs})
		}
	}
	return db.parallelSums(ctx, qs)
}

// where is the rollup's condition of f, on the columns of alias: a
// rollup by quarter has the quarters of f's financial year or quarter, a
// rollup by year f's year.
func (ru rollup) where(f domain.LedgerFilter, alias string) ([]string, []any) {
	switch {
	case slices.Contains(ru.keys, "fy"):
		fy := f.FY
		f.FY, f.Quarter = "", ""
		where, args := ledgerWhere(f, alias)
		return append(where, alias+"fy = ?"), append(args, fy)
	case slices.Contains(ru.keys, "fq"):
		from, to := quarterRange(f)
		f.FY, f.Quarter = "", ""
		where, args := ledgerWhere(f, alias)
		return append(where, alias+"fq BETWEEN ? AND ?"), append(args, from, to)
	}
	return ledgerWhere(f, alias)
}

// sumsBy is the query of a dimension's figures matching f, and its
// arguments: clean keys from the rollup in the order of its index, dirty
// keys from the source.
func (ru rollup) sumsBy(dm rollDim, f domain.LedgerFilter) (string, []any) {
	r, args := ru.where(f, "r.")
	d, dargs := ru.where(f, "d.")
	figs := strings.Split(ru.figs, ", ")
	switch ru.figs {
	case pledgeFigs:
		figs = append(figs, "0", "0", "0", "0", "0", "0")
	case deliveredFigs:
		figs = append([]string{"0", "0", "0", "0"}, figs...)
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
	switch {
	case ru.use&forWhole == 0:
		// A quarter's or year's keys, in the order of the primary key.
	case dm.via != "":
		from += ` INDEXED BY ` + ru.table + `_` + dm.via
	case ru.index(dm) != nil:
		from += ` INDEXED BY ` + ru.table + `_` + dm.dim
	}
	// A cell is clean when no key is dirty (a test SQLite makes once per
	// statement) or not its own (a look-up per cell: measured, the first
	// test took the year's supplier cells from 64 to 45 ms of CPU).
	return sel("r") + ` FROM ` + from + ` WHERE ` + strings.Join(r, " AND ") + ` AND r.n > 0
			AND (NOT EXISTS (SELECT 1 FROM ` + ru.dirty() + `) OR NOT EXISTS (SELECT 1 FROM ` + ru.dirty() + ` d WHERE ` + ru.on("d", "r") + `))` + group("r") + `
		UNION ALL ` + sel("s") + ` FROM ` + ru.dirty() + ` d CROSS JOIN ` + ru.source + ` s ON ` + ru.on("s", "d") +
		` WHERE ` + strings.Join(d, " AND ") + group("s"), append(args, dargs...)
}
