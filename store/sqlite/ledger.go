package sqlite

import (
	"context"
	"strings"
	"sync"
	"time"

	"needmatch/domain"
)

var _ domain.ValueStore = (*DB)(nil)

// ledgerFigs are pledge_ledger's figures, in LedgerSum order.
const ledgerFigs = `pledged_qty, pledged_pence, approved_qty, approved_pence, delivered_qty, delivered_pence, confirmed_qty, confirmed_pence, verified_qty, verified_pence`

// ledgerWhere turns a ledger filter into conditions on the ledger columns.
func ledgerWhere(f domain.LedgerFilter, prefix string) ([]string, []any) {
	where, args := []string{prefix + "authority_id = ?"}, []any{f.AuthorityID}
	for _, c := range []struct{ col, v string }{
		{"contract_id", f.ContractID}, {"supplier_id", f.SupplierID}, {"request_org_id", f.RequestOrgID}, {"area", f.Area},
		{"theme", f.Theme}, {"month", f.Month}, {"measure_code", f.MeasureCode},
	} {
		switch c.v {
		case "":
		case domain.LedgerNone:
			where, args = append(where, prefix+c.col+" = ?"), append(args, "")
		default:
			where, args = append(where, prefix+c.col+" = ?"), append(args, c.v)
		}
	}
	if from, to := f.MonthRange(); from != "" {
		where, args = append(where, prefix+"month BETWEEN ? AND ?"), append(args, from, to)
	}
	return where, args
}

// supplierContract is the DimSupplierContract key of a row.
const supplierContract = `supplier_id || '|' || contract_id`

// Ledger stages of a delivery (the lstage column).
const (
	lstageRejected = iota
	lstageDelivered
	lstageConfirmed
	lstageVerified
	lstageVerifiedConfirmed
)

func deliveryStage(d *domain.Delivery) int {
	switch {
	case d.Status == domain.DeliveryRejected:
		return lstageRejected
	case d.Status == domain.DeliveryVerified && d.Confirmed:
		return lstageVerifiedConfirmed
	case d.Status == domain.DeliveryVerified:
		return lstageVerified
	case d.Confirmed:
		return lstageConfirmed
	}
	return lstageDelivered
}

// LedgerSums adds up the pledges and deliveries behind the ledger inside
// SQLite, from covering indexes, with the statements run in parallel on the
// read connections; only the answer's rows cross into Go.
//
// Each pledge_ledger row carries its pledge's delivered, confirmed and
// verified figures, recomputed from the pledge's delivery rows by the
// triggers in the transaction that changes either: so contract, supplier,
// theme and ward need one scan of the pledges, and only the month of a
// delivery (which is not the pledge's month) needs the deliveries. With a
// month, financial year or quarter filter every delivery figure is read
// from the deliveries themselves.
// The ledger of a whole authority, or of one contract, and of a financial
// year or quarter of either, reads the rollups instead (see rollup).
func (db *DB) LedgerSums(ctx context.Context, f domain.LedgerFilter) ([]domain.LedgerSum, error) {
	if (f == domain.LedgerFilter{AuthorityID: f.AuthorityID, ContractID: f.ContractID, FY: f.FY, Quarter: f.Quarter}) {
		return db.rolledUpSums(ctx, f)
	}
	return db.scannedSums(ctx, f)
}

// scannedSums is LedgerSums read from pledge_ledger and the deliveries.
func (db *DB) scannedSums(ctx context.Context, f domain.LedgerFilter) ([]domain.LedgerSum, error) {
	where, args := ledgerWhere(f, "")
	w := strings.Join(where, " AND ")
	roll := func(figs string, dims ...[2]string) string {
		var parts []string
		for _, d := range dims {
			parts = append(parts, `SELECT '`+d[0]+`', `+d[1]+`, measure_code, `+figs+` FROM a GROUP BY `+d[1]+`, measure_code`)
		}
		return strings.Join(parts, " UNION ALL ")
	}
	sums := func(cols string) string {
		var out []string
		for _, c := range strings.Split(cols, ", ") {
			out = append(out, "SUM("+c+")")
		}
		return strings.Join(out, ", ")
	}
	sumsAs := func(cols string) string {
		var out []string
		for _, c := range strings.Split(cols, ", ") {
			out = append(out, "SUM("+c+") AS "+c)
		}
		return strings.Join(out, ", ")
	}
	const pledgeOnly = `pledged_qty, pledged_pence, approved_qty, approved_pence, 0, 0, 0, 0, 0, 0`
	dimsA := [][2]string{{domain.DimContract, "contract_id"}, {domain.DimSupplier, "supplier_id"}, {domain.DimTheme, "theme"}, {domain.DimSupplierContract, supplierContract}}
	figs := ledgerFigs
	monthly := f.Month != "" || f.FY != ""
	if monthly {
		figs = pledgeOnly
	}
	queries := []string{
		`WITH a AS MATERIALIZED (SELECT contract_id, supplier_id, theme, measure_code, ` + sumsAs(ledgerFigs) + `
			FROM pledge_ledger WHERE ` + w + ` GROUP BY contract_id, supplier_id, theme, measure_code) ` + roll(sums(figs), dimsA...),
		`SELECT 'ward', area, measure_code, ` + sums(figs) + ` FROM pledge_ledger WHERE ` + w + ` GROUP BY area, measure_code`,
		`SELECT 'month', month, measure_code, ` + sums(pledgeOnly) + ` FROM pledge_ledger WHERE ` + w + ` GROUP BY month, measure_code`,
	}
	// Deliveries by (key, measure, stage): [dimension, key column, which keys].
	stageQueries := [][2]string{{domain.DimMonth, "month"}}
	if monthly {
		stageQueries = append(stageQueries, [2]string{domain.DimContract, "contract_id"}, [2]string{domain.DimSupplier, "supplier_id"},
			[2]string{domain.DimTheme, "theme"}, [2]string{domain.DimWard, "area"}, [2]string{domain.DimSupplierContract, supplierContract})
	}
	var qs []sumQuery
	for _, q := range queries {
		qs = append(qs, sumQuery{q, args, false})
	}
	for _, sq := range stageQueries {
		qs = append(qs, stageQuery(sq[0], sq[1], f))
	}
	return db.parallelSums(ctx, qs)
}

// stageQuery adds up the deliveries matching f by a key column, measure
// and stage.
func stageQuery(dim, key string, f domain.LedgerFilter) sumQuery {
	where, args := ledgerWhere(f, "")
	return sumQuery{`SELECT '` + dim + `', ` + key + `, measure_code, lstage, SUM(quantity), SUM(value_pence) FROM deliveries WHERE ` +
		strings.Join(where, " AND ") + ` GROUP BY ` + key + `, measure_code, lstage`, args, true}
}

// sumQuery is one query of a ledger: figures (sumRows) or, with stage,
// delivery figures by stage (stageRows).
type sumQuery struct {
	q     string
	args  []any
	stage bool
}

// parallelSums runs a ledger's queries at once on the read connections and
// joins their rows.
func (db *DB) parallelSums(ctx context.Context, queries []sumQuery) ([]domain.LedgerSum, error) {
	outs := make([][]domain.LedgerSum, len(queries))
	errs := make([]error, len(queries))
	var wg sync.WaitGroup
	for i, q := range queries {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if q.stage {
				outs[i], errs[i] = db.stageRows(ctx, q.q, q.args)
			} else {
				outs[i], errs[i] = db.sumRows(ctx, q.q, q.args)
			}
		}()
	}
	wg.Wait()
	var out []domain.LedgerSum
	for i := range outs {
		if errs[i] != nil {
			return nil, translate(errs[i])
		}
		out = append(out, outs[i]...)
	}
	return out, nil
}

// sumRows reads (dimension, key, measure, ten figures) rows.
func (db *DB) sumRows(ctx context.Context, q string, args []any) ([]domain.LedgerSum, error) {
	rows, err := db.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []domain.LedgerSum
	for rows.Next() {
		var s domain.LedgerSum
		if err := rows.Scan(&s.Dim, &s.Key, &s.Measure, &s.PledgedQty, &s.PledgedPence, &s.ApprovedQty, &s.ApprovedPence,
			&s.DeliveredQty, &s.DeliveredPence, &s.ConfirmedQty, &s.ConfirmedPence, &s.VerifiedQty, &s.VerifiedPence); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// stageRows reads (dimension, key, measure, stage, quantity, pence) rows of deliveries.
func (db *DB) stageRows(ctx context.Context, q string, args []any) ([]domain.LedgerSum, error) {
	rows, err := db.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []domain.LedgerSum
	for rows.Next() {
		var s domain.LedgerSum
		var stage int
		var qty, pence int64
		if err := rows.Scan(&s.Dim, &s.Key, &s.Measure, &stage, &qty, &pence); err != nil {
			return nil, err
		}
		if stage == lstageRejected {
			continue
		}
		s.DeliveredQty, s.DeliveredPence = qty, pence
		if stage == lstageConfirmed || stage == lstageVerifiedConfirmed {
			s.ConfirmedQty, s.ConfirmedPence = qty, pence
		}
		if stage >= lstageVerified {
			s.VerifiedQty, s.VerifiedPence = qty, pence
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// FindLedgerPledges lists the pledges behind a ledger figure, newest first.
func (db *DB) FindLedgerPledges(ctx context.Context, f domain.LedgerPledgeFilter) ([]*domain.Pledge, string, error) {
	where, args := ledgerWhere(f.LedgerFilter, "f.")
	if f.Status != "" {
		where, args = append(where, "f.status = ?"), append(args, f.Status)
	}
	return findPage(ctx, db, "pledge_ledger f JOIN pledges p ON p.id = f.pledge_id", pledgeTable.listOf("p"), where, args, f.Page, scanPledge, func(p *domain.Pledge) string { return p.ID })
}

// FindOverdue lists commitments due before the time, oldest due first.
func (db *DB) FindOverdue(ctx context.Context, authorityID string, before time.Time, limit int) ([]*domain.Pledge, error) {
	return db.pledgesWhere(ctx, `SELECT `+pledgeTable.listOf("p")+` FROM pledge_ledger f JOIN pledges p ON p.id = f.pledge_id
		WHERE f.authority_id = ? AND f.status IN ('approved', 'in_delivery', 'delivered', 'confirmed') AND f.due > 0 AND f.due < ?
		ORDER BY f.due, f.pledge_id LIMIT ?`, authorityID, before.Unix(), limit)
}

// LapseCandidates lists approved or in-delivery pledges due before the time.
func (db *DB) LapseCandidates(ctx context.Context, before time.Time, limit int) ([]*domain.Pledge, error) {
	return db.pledgesWhere(ctx, `SELECT `+pledgeTable.listOf("p")+` FROM pledge_ledger f JOIN pledges p ON p.id = f.pledge_id
		WHERE f.status IN ('approved', 'in_delivery') AND f.due > 0 AND f.due < ? ORDER BY f.due, f.pledge_id LIMIT ?`, before.Unix(), limit)
}

func (db *DB) pledgesWhere(ctx context.Context, q string, args ...any) ([]*domain.Pledge, error) {
	rows, err := db.query(ctx, q, args...)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := []*domain.Pledge{}
	for rows.Next() {
		p, err := scanPledge(rows)
		if err != nil {
			return nil, translate(err)
		}
		out = append(out, p)
	}
	return out, translate(rows.Err())
}
