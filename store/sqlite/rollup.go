package sqlite

import (
	"context"
	"slices"
	"strings"

	"needmatch/domain"
)

// A rollup adds up the rows of a source table (pledge_ledger or
// deliveries) by a few keys, so that the ledger of a whole authority reads
// a few thousand rows instead of every pledge and delivery.
//
// A rollup is kept by deltas, in the transaction of every change to its
// source (triggers of migration 0031): an insert adds the row's figures to
// its key's cell (n counts the rows), a delete takes them away, an update
// adds the difference, or takes the old row from its old key and adds the
// new one to its new key when the row's key changed. The figures are
// integers, so every cell is the sum of its records at every moment and
// the ledger reads the cells alone.
//
// Measured on the way (bench-ledger, bench-api, load): recomputing keys
// by SUM inside every write took the pledge write from 1,306/s to 51/s (a
// supplier's pledges without a contract all share one key); marking keys
// dirty and recomputing them every 2 s in the background then took 34 to
// 46% of the server's CPU under the mixed load (450 readers, 50 writers),
// for the same reason, and every ledger read had to read the dirty keys
// from their records. A delta is a look-up and a write per cell, whatever
// the key's size: the writer's CPU per pledge there went from 2.3 to 9.6
// ms (the refresher's share) to about 0.6 ms. The rollup is added up
// further when read, in the order of an index per dimension.
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

// RefreshRollups has nothing to do: the rollups are kept in every
// change's transaction.
func (db *DB) RefreshRollups(context.Context) error { return nil }

// RollupsInWrites says so to the service, which then runs no refresh job.
func (db *DB) RollupsInWrites() {}

var _ domain.RollupsInWrites = (*DB)(nil)

// rolledUpSums is LedgerSums of a whole authority, or of one contract, and
// of a financial year or quarter of either, from the rollups.
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

// sumsBy is the query of a dimension's figures matching f from the
// rollup, in the order of its index, and its arguments.
func (ru rollup) sumsBy(dm rollDim, f domain.LedgerFilter) (string, []any) {
	where, args := ru.where(f, "r.")
	figs := strings.Split(ru.figs, ", ")
	switch ru.figs {
	case pledgeFigs:
		figs = append(figs, "0", "0", "0", "0", "0", "0")
	case deliveredFigs:
		figs = append([]string{"0", "0", "0", "0"}, figs...)
	}
	var key, cols []string
	for _, c := range dm.keyCols() {
		key = append(key, "r."+c)
	}
	cols = append(cols, strings.Join(key, ` || '|' || `))
	for _, c := range dm.group {
		if !slices.Contains(dm.keyCols(), c) {
			cols = append(cols, "r."+c)
		}
	}
	for _, c := range figs {
		if c != "0" {
			c = "SUM(r." + c + ")"
		}
		cols = append(cols, c)
	}
	from := ru.table + ` r`
	switch {
	case ru.use&forWhole == 0:
		// A quarter's or year's keys, in the order of the primary key.
	case dm.via != "":
		from += ` INDEXED BY ` + ru.table + `_` + dm.via
	case ru.index(dm) != nil:
		from += ` INDEXED BY ` + ru.table + `_` + dm.dim
	}
	return `SELECT '` + dm.dim + `', ` + strings.Join(cols, ", ") + ` FROM ` + from + ` WHERE ` + strings.Join(where, " AND ") + ` AND r.n > 0 GROUP BY r.` + strings.Join(dm.group, ", r."), args
}
