package sqlite

import (
	"context"
	"strings"
	"sync"
	"time"

	"needmatch/domain"
)

var _ domain.ValueStore = (*DB)(nil)

// pledgeFacts projects a pledge row (alias r) onto the ledger's columns.
// Triggers keep pledge_ledger equal to pledges and their deliveries inside
// the transaction that writes either: each row is one pledge with its own
// delivery figures recomputed from its delivery rows (never incremented),
// and every total of the ledger is added up when it is asked for.
func pledgeFacts(r string) string {
	j := func(path string) string { return "json_extract(" + r + ".doc, '$." + path + "')" }
	return `SELECT ` + r + `.id, ` + r + `.authority_id, COALESCE(` + j("contractId") + `, ''), ` + r + `.organisation_id, ` + r + `.request_org_id,
		COALESCE(NULLIF(` + j("area") + `, ''), (SELECT area FROM requests WHERE id = ` + r + `.request_id), ''),
		COALESCE(` + j("theme") + `, ''), substr(` + j("createdAt") + `, 1, 7), COALESCE(` + j("measureCode") + `, ''), ` + r + `.status,
		COALESCE(unixepoch(` + j("dueDate") + `), 0),
		CASE WHEN ` + r + `.status IN ('withdrawn', 'declined') THEN 0 ELSE ` + j("quantity") + ` END,
		CASE WHEN ` + r + `.status IN ('withdrawn', 'declined') THEN 0 ELSE ` + r + `.value_pence END,
		CASE WHEN ` + r + `.value_pence > 0 THEN ` + j("quantity") + ` * ` + r + `.approved_pence / ` + r + `.value_pence ELSE 0 END,
		` + r + `.approved_pence, ` + deliverySums(r+".id")
}

// deliverySums recomputes a pledge's delivered, confirmed and verified
// quantity and pence from its delivery rows (never by adding to a stored
// figure), for the pledge_ledger row.
func deliverySums(pledgeID string) string {
	var cols []string
	for _, c := range []string{"lstage > 0", "lstage IN (2, 4)", "lstage >= 3"} {
		for _, v := range []string{"quantity", "value_pence"} {
			cols = append(cols, `(SELECT COALESCE(SUM(`+v+`), 0) FROM deliveries WHERE pledge_id = `+pledgeID+` AND `+c+`)`)
		}
	}
	return strings.Join(cols, ", ")
}

const factCols = `(pledge_id, authority_id, contract_id, supplier_id, request_org_id, area, theme, month, measure_code, status, due, pledged_qty, pledged_pence, approved_qty, approved_pence,
	delivered_qty, delivered_pence, confirmed_qty, confirmed_pence, verified_qty, verified_pence)`

// ledgerFigs are pledge_ledger's figures, in LedgerSum order.
const ledgerFigs = `pledged_qty, pledged_pence, approved_qty, approved_pence, delivered_qty, delivered_pence, confirmed_qty, confirmed_pence, verified_qty, verified_pence`

// valueSchema is the social value ledger's tables, run after schema.
var valueSchema = `
CREATE TABLE IF NOT EXISTS catalogues (id TEXT PRIMARY KEY, authority_id TEXT NOT NULL, version INTEGER NOT NULL, doc TEXT NOT NULL, UNIQUE (authority_id, version));
CREATE TABLE IF NOT EXISTS contracts (id TEXT PRIMARY KEY, authority_id TEXT NOT NULL, reference TEXT NOT NULL, stage TEXT NOT NULL, version INTEGER NOT NULL, doc TEXT NOT NULL, UNIQUE (authority_id, reference));
CREATE INDEX IF NOT EXISTS contracts_list ON contracts(authority_id, stage, id);
CREATE TABLE IF NOT EXISTS bids (id TEXT PRIMARY KEY, authority_id TEXT NOT NULL, contract_id TEXT NOT NULL, organisation_id TEXT NOT NULL, status TEXT NOT NULL, version INTEGER NOT NULL, doc TEXT NOT NULL, UNIQUE (contract_id, organisation_id));
CREATE INDEX IF NOT EXISTS bids_contract ON bids(contract_id, id);
CREATE TABLE IF NOT EXISTS evidence (id TEXT PRIMARY KEY, authority_id TEXT NOT NULL, organisation_id TEXT NOT NULL, sha256 TEXT NOT NULL, delivery_id TEXT NOT NULL DEFAULT '', doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS evidence_use (authority_id TEXT NOT NULL, sha256 TEXT NOT NULL, delivery_id TEXT NOT NULL, PRIMARY KEY (authority_id, sha256));
CREATE INDEX IF NOT EXISTS evidence_use_delivery ON evidence_use(delivery_id);
CREATE TABLE IF NOT EXISTS deliveries (id TEXT PRIMARY KEY, authority_id TEXT NOT NULL, pledge_id TEXT NOT NULL, supplier_id TEXT NOT NULL, request_org_id TEXT NOT NULL,
	contract_id TEXT NOT NULL, area TEXT NOT NULL, theme TEXT NOT NULL, month TEXT NOT NULL, measure_code TEXT NOT NULL, status TEXT NOT NULL,
	lstage INTEGER NOT NULL, quantity INTEGER NOT NULL, value_pence INTEGER NOT NULL, version INTEGER NOT NULL, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS deliveries_pledge ON deliveries(pledge_id, id);
CREATE INDEX IF NOT EXISTS deliveries_list ON deliveries(authority_id, id);
CREATE INDEX IF NOT EXISTS deliveries_supplier ON deliveries(supplier_id, id);
CREATE INDEX IF NOT EXISTS deliveries_group ON deliveries(request_org_id, id);
CREATE INDEX IF NOT EXISTS deliveries_sum_a ON deliveries(authority_id, contract_id, supplier_id, theme, measure_code, lstage, quantity, value_pence);
CREATE INDEX IF NOT EXISTS deliveries_sum_b ON deliveries(authority_id, area, month, measure_code, lstage, quantity, value_pence);
DROP TRIGGER IF EXISTS pledge_facts_insert;
DROP TRIGGER IF EXISTS pledge_facts_update;
DROP TRIGGER IF EXISTS pledge_facts_delete;
DROP TABLE IF EXISTS pledge_facts;
DROP INDEX IF EXISTS deliveries_month;
CREATE INDEX IF NOT EXISTS deliveries_roll_month ON deliveries(authority_id, month, measure_code, lstage, contract_id, quantity, value_pence);
CREATE TABLE IF NOT EXISTS pledge_ledger (pledge_id TEXT PRIMARY KEY, authority_id TEXT NOT NULL, contract_id TEXT NOT NULL, supplier_id TEXT NOT NULL, request_org_id TEXT NOT NULL,
	area TEXT NOT NULL, theme TEXT NOT NULL, month TEXT NOT NULL, measure_code TEXT NOT NULL, status TEXT NOT NULL, due INTEGER NOT NULL,
	pledged_qty INTEGER NOT NULL, pledged_pence INTEGER NOT NULL, approved_qty INTEGER NOT NULL, approved_pence INTEGER NOT NULL,
	delivered_qty INTEGER NOT NULL, delivered_pence INTEGER NOT NULL, confirmed_qty INTEGER NOT NULL, confirmed_pence INTEGER NOT NULL,
	verified_qty INTEGER NOT NULL, verified_pence INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS pledge_ledger_sum_a ON pledge_ledger(authority_id, contract_id, supplier_id, theme, measure_code, ` + ledgerFigs + `);
DROP INDEX IF EXISTS pledge_ledger_sum_ward;
DROP INDEX IF EXISTS pledge_ledger_sum_month;
CREATE INDEX IF NOT EXISTS pledge_ledger_roll_ward ON pledge_ledger(authority_id, area, measure_code, contract_id, ` + ledgerFigs + `);
CREATE INDEX IF NOT EXISTS pledge_ledger_roll_month ON pledge_ledger(authority_id, month, measure_code, contract_id, ` + pledgeFigs + `);
CREATE INDEX IF NOT EXISTS pledge_ledger_due ON pledge_ledger(status, due);
CREATE INDEX IF NOT EXISTS pledge_ledger_overdue ON pledge_ledger(authority_id, status, due);
CREATE INDEX IF NOT EXISTS pledge_ledger_list ON pledge_ledger(authority_id, pledge_id);
DROP TRIGGER IF EXISTS pledge_ledger_insert;
DROP TRIGGER IF EXISTS pledge_ledger_update;
DROP TRIGGER IF EXISTS pledge_ledger_delivery_insert;
DROP TRIGGER IF EXISTS pledge_ledger_delivery_update;
CREATE TRIGGER IF NOT EXISTS pledge_ledger_upsert_insert AFTER INSERT ON pledges BEGIN
	` + upsertFacts(pledgeFacts("NEW")+` WHERE true`) + `;
END;
CREATE TRIGGER IF NOT EXISTS pledge_ledger_upsert_update AFTER UPDATE ON pledges BEGIN
	` + upsertFacts(pledgeFacts("NEW")+` WHERE true`) + `;
END;
CREATE TRIGGER IF NOT EXISTS pledge_ledger_delete AFTER DELETE ON pledges BEGIN
	DELETE FROM pledge_ledger WHERE pledge_id = OLD.id;
END;
CREATE TRIGGER IF NOT EXISTS pledge_ledger_upsert_delivery_insert AFTER INSERT ON deliveries BEGIN
	` + upsertFacts(pledgeFacts("p")+` FROM pledges p WHERE p.id = NEW.pledge_id`) + `;
END;
CREATE TRIGGER IF NOT EXISTS pledge_ledger_upsert_delivery_update AFTER UPDATE ON deliveries BEGIN
	` + upsertFacts(pledgeFacts("p")+` FROM pledges p WHERE p.id = NEW.pledge_id`) + `;
END;
` + rollupSchema() + `
INSERT INTO pledge_ledger ` + factCols + ` ` + pledgeFacts("p") + ` FROM pledges p WHERE NOT EXISTS (SELECT 1 FROM pledge_ledger f WHERE f.pledge_id = p.id);
`

// upsertFacts writes a pledge_ledger row from a pledgeFacts select as an
// upsert, so that the rollups' update triggers see the old and the new row.
func upsertFacts(sel string) string {
	var set []string
	for _, c := range strings.Split(strings.Trim(factCols, "()"), ",") {
		if c = strings.TrimSpace(c); c != "pledge_id" {
			set = append(set, c+" = excluded."+c)
		}
	}
	return `INSERT INTO pledge_ledger ` + factCols + ` ` + sel + ` ON CONFLICT (pledge_id) DO UPDATE SET ` + strings.Join(set, ", ")
}

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
	return where, args
}

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
// month filter every delivery figure is read from the deliveries themselves.
// The ledger of a whole authority, or of one contract, reads the rollups
// instead (see rollup).
func (db *DB) LedgerSums(ctx context.Context, f domain.LedgerFilter) ([]domain.LedgerSum, error) {
	if (f == domain.LedgerFilter{AuthorityID: f.AuthorityID, ContractID: f.ContractID}) {
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
	dimsA := [][2]string{{domain.DimContract, "contract_id"}, {domain.DimSupplier, "supplier_id"}, {domain.DimTheme, "theme"}}
	figs := ledgerFigs
	if f.Month != "" {
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
	if f.Month != "" {
		stageQueries = append(stageQueries, [2]string{domain.DimContract, "contract_id"}, [2]string{domain.DimSupplier, "supplier_id"},
			[2]string{domain.DimTheme, "theme"}, [2]string{domain.DimWard, "area"})
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
	return findPageCols(ctx, db, "pledge_ledger f JOIN pledges p ON p.id = f.pledge_id", "p.doc", where, args, f.Page, scanPledgeDoc, func(p *domain.Pledge) string { return p.ID })
}

func scanPledgeDoc(row scanner) (*domain.Pledge, error) {
	var doc string
	if err := row.Scan(&doc); err != nil {
		return nil, err
	}
	return decodePledge(doc)
}

// FindOverdue lists commitments due before the time, oldest due first.
func (db *DB) FindOverdue(ctx context.Context, authorityID string, before time.Time, limit int) ([]*domain.Pledge, error) {
	return db.pledgesWhere(ctx, `SELECT p.doc FROM pledge_ledger f JOIN pledges p ON p.id = f.pledge_id
		WHERE f.authority_id = ? AND f.status IN ('approved', 'in_delivery', 'delivered', 'confirmed') AND f.due > 0 AND f.due < ?
		ORDER BY f.due, f.pledge_id LIMIT ?`, authorityID, before.Unix(), limit)
}

// LapseCandidates lists approved or in-delivery pledges due before the time.
func (db *DB) LapseCandidates(ctx context.Context, before time.Time, limit int) ([]*domain.Pledge, error) {
	return db.pledgesWhere(ctx, `SELECT p.doc FROM pledge_ledger f JOIN pledges p ON p.id = f.pledge_id
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
		p, err := scanPledgeDoc(rows)
		if err != nil {
			return nil, translate(err)
		}
		out = append(out, p)
	}
	return out, translate(rows.Err())
}

// updatePledgeTx writes a pledge inside a transaction (as UpdatePledge does).
func updatePledgeTx(tx *wtx, p *domain.Pledge, prev int64) error {
	return casUpdate(tx, "pledges", p.ID, prev, "status = ?, value_pence = ?, approved_pence = ?, version = ?, doc = ?",
		p.Status, p.ValuePence, p.ApprovedPence, p.Version, pledgeDoc(p))
}
