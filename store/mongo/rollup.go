package mongo

// # Ledger rollups
//
// The ledger of a council (the whole of it, a contract, a financial year
// or quarter, a month, a measure) is added up from cells: each the sum of
// the pledges and deliveries that share its keys, never a counter.
//
// Every pledge and delivery names its cells (field cells, computed from
// its own fields by every write) and is marked dirty (field dirty) by
// every write, in the same single-document write as the change itself, so
// a change and the mark are written both or neither, whatever the
// pending-change scheme does after the commit point. Two families of
// cells:
//   - "a": month, contract, measure, supplier and theme: the ledger by
//     contract, supplier, theme and supplier|contract;
//   - "w": month, contract, measure and ward: the ledger by ward and by
//     month.
//
// The month of a pledge is the month it was made, that of a delivery the
// month it happened, as the ledger's definition says (domain.LedgerSumsOf),
// so a financial year or quarter is a range of cells.
//
// RefreshRollups (a leased job, one process at a time) recomputes the
// cells of the dirty records (the cells they name now, and those they were
// counted in before, kept in collection ledgerRolled) by adding up every
// record that names each cell, writes them, and clears each record's mark
// compare-and-set on its version, so a record changed meanwhile stays
// dirty. A reader takes clean cells from ledgerCells and the cells of dirty
// records from the records themselves: every figure is the sum of the
// records. A crash anywhere leaves records dirty, never a wrong cell taken
// for clean.

import (
	"context"
	"errors"
	"slices"
	"strings"

	"needmatch/domain"

	"go.mongodb.org/mongo-driver/v2/bson"
	driver "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

func (db *DB) ledgerCells() *driver.Collection  { return db.db.Collection("ledgerCells") }
func (db *DB) ledgerRolled() *driver.Collection { return db.db.Collection("ledgerRolled") }

// Cell families.
const (
	famAll  = "a"
	famWard = "w"
)

// cellSep separates the keys of a cell's id (never in an id or a code).
const cellSep = "\x1f"

// cellsOf are the ids of the cells a record with these keys counts in.
func cellsOf(authorityID, month, contractID, measure, supplierID, theme, area string) []string {
	base := authorityID + cellSep + "%s" + cellSep + month + cellSep + contractID + cellSep + measure + cellSep
	return []string{
		strings.Replace(base, "%s", famAll, 1) + supplierID + cellSep + theme,
		strings.Replace(base, "%s", famWard, 1) + area,
	}
}

func pledgeCells(p *domain.Pledge) []string {
	return cellsOf(p.AuthorityID, domain.PledgeMonth(p), p.ContractID, p.MeasureCode, p.OrganisationID, p.Theme, p.Area)
}

func deliveryCells(d *domain.Delivery) []string {
	return cellsOf(d.AuthorityID, d.Month(), d.ContractID, d.MeasureCode, d.OrganisationID, d.Theme, d.Area)
}

// cellDoc is a cell of ledgerCells: its keys and the sum of its records'
// figures.
type cellDoc struct {
	ID          string  `bson:"_id"`
	AuthorityID string  `bson:"authorityId"`
	Month       string  `bson:"month"`
	ContractID  string  `bson:"contractId"`
	MeasureCode string  `bson:"measureCode"`
	Figures     []int64 `bson:"figures"`
}

// cellKeys splits a cell id: family, month, contract, measure and the
// family's keys (supplier and theme, or ward).
func cellKeys(id string) (fam, month, contract, measure string, rest []string) {
	k := strings.Split(id, cellSep)
	if len(k) < 6 {
		return "", "", "", "", nil
	}
	return k[1], k[2], k[3], k[4], k[5:]
}

// cellSums are the ledger's cells that a cell's figures count in.
func cellSums(id string, s domain.LedgerSum) []domain.LedgerSum {
	fam, month, contract, measure, rest := cellKeys(id)
	s.Measure = measure
	var out []domain.LedgerSum
	add := func(dim, key string) {
		s.Dim, s.Key = dim, key
		out = append(out, s)
	}
	switch {
	case fam == famAll && len(rest) == 2:
		add(domain.DimContract, contract)
		add(domain.DimSupplier, rest[0])
		add(domain.DimTheme, rest[1])
		add(domain.DimSupplierContract, rest[0]+"|"+contract)
	case fam == famWard && len(rest) == 1:
		add(domain.DimWard, rest[0])
		add(domain.DimMonth, month)
	}
	return out
}

func figuresOf(s domain.LedgerSum) []int64 {
	return []int64{s.PledgedQty, s.PledgedPence, s.ApprovedQty, s.ApprovedPence, s.DeliveredQty, s.DeliveredPence,
		s.ConfirmedQty, s.ConfirmedPence, s.VerifiedQty, s.VerifiedPence}
}

func sumOf(f []int64) domain.LedgerSum {
	f = append(f, make([]int64, 10)...)
	return domain.LedgerSum{PledgedQty: f[0], PledgedPence: f[1], ApprovedQty: f[2], ApprovedPence: f[3], DeliveredQty: f[4], DeliveredPence: f[5],
		ConfirmedQty: f[6], ConfirmedPence: f[7], VerifiedQty: f[8], VerifiedPence: f[9]}
}

// rolledUp says whether the rollups answer f: filters of the authority,
// contract, measure, month, financial year and quarter only.
func rolledUp(f domain.LedgerFilter) bool {
	return f == domain.LedgerFilter{AuthorityID: f.AuthorityID, ContractID: f.ContractID, MeasureCode: f.MeasureCode, Month: f.Month, FY: f.FY, Quarter: f.Quarter}
}

// rollRecord is what the rollups read of a pledge or a delivery.
type rollRecord struct {
	ID      string       `bson:"_id"`
	Version int64        `bson:"version"`
	Cells   []string     `bson:"cells"`
	Rec     ledgerRecord `bson:",inline"`
	// A pledge's.
	ApprovedPence int64         `bson:"approvedPence"`
	CreatedAt     bson.DateTime `bson:"createdAt"`
	// A delivery's.
	Date      bson.DateTime `bson:"date"`
	Confirmed bool          `bson:"confirmed"`
}

var rollFields = append(append([]string{"_id", "version", "cells"}, ledgerFields...), "approvedPence", "createdAt", "date", "confirmed")

func (r *rollRecord) pledge() *domain.Pledge {
	return &domain.Pledge{AuthorityID: r.Rec.AuthorityID, ContractID: r.Rec.ContractID, OrganisationID: r.Rec.OrganisationID, RequestOrgID: r.Rec.RequestOrgID,
		Area: r.Rec.Area, Theme: r.Rec.Theme, MeasureCode: r.Rec.MeasureCode, Status: domain.PledgeStatus(r.Rec.Status), Quantity: r.Rec.Quantity,
		ValuePence: r.Rec.ValuePence, ApprovedPence: r.ApprovedPence, CreatedAt: r.CreatedAt.Time().UTC()}
}

func (r *rollRecord) delivery() *domain.Delivery {
	return &domain.Delivery{AuthorityID: r.Rec.AuthorityID, ContractID: r.Rec.ContractID, OrganisationID: r.Rec.OrganisationID, RequestOrgID: r.Rec.RequestOrgID,
		Area: r.Rec.Area, Theme: r.Rec.Theme, MeasureCode: r.Rec.MeasureCode, Status: r.Rec.Status, Quantity: r.Rec.Quantity,
		ValuePence: r.Rec.ValuePence, Date: r.Date.Time().UTC(), Confirmed: r.Confirmed}
}

// rollSource is a collection whose records count in the cells.
type rollSource struct {
	coll *driver.Collection
	// figures of a record of the collection matching f, ok false when it
	// does not match.
	figures func(r *rollRecord, f *domain.LedgerFilter) (domain.LedgerSum, bool)
}

func (db *DB) rollSources() []rollSource {
	return []rollSource{
		{db.pledges, func(r *rollRecord, f *domain.LedgerFilter) (domain.LedgerSum, bool) {
			p := r.pledge()
			return domain.PledgeFigures(p), f == nil || f.MatchesPledge(p)
		}},
		{db.deliveries(), func(r *rollRecord, f *domain.LedgerFilter) (domain.LedgerSum, bool) {
			d := r.delivery()
			return domain.DeliveryFigures(d), f == nil || f.MatchesDelivery(d)
		}},
	}
}

// dirtyFilter finds the dirty records (of one authority, when given).
func dirtyFilter(authorityID string) bson.D {
	f := bson.D{{Key: "dirty", Value: true}}
	if authorityID != "" {
		f = append(bson.D{{Key: "authorityId", Value: authorityID}}, f...)
	}
	return f
}

// dirtyRecord is a dirty record: its collection, id, version and cells.
type dirtyRecord struct {
	coll  *driver.Collection
	id    string
	ver   int64
	cells []string
}

// dirtyRecords lists the dirty records (of one authority, when given), at
// most limit (0: all).
func (db *DB) dirtyRecords(ctx context.Context, authorityID string, limit int64) ([]dirtyRecord, error) {
	var out []dirtyRecord
	for _, src := range db.rollSources() {
		opts := options.Find().SetProjection(projectionOf("_id", "version", "cells"))
		if limit > 0 {
			opts.SetLimit(limit)
		}
		cur, err := src.coll.Find(ctx, dirtyFilter(authorityID), opts)
		if err != nil {
			return nil, translate(err)
		}
		var rs []rollRecord
		if err := cur.All(ctx, &rs); err != nil {
			return nil, translate(err)
		}
		for _, r := range rs {
			out = append(out, dirtyRecord{src.coll, r.ID, r.Version, r.Cells})
		}
	}
	return out, nil
}

// rolledCells are the cells the records were counted in at their last
// refresh, by record id.
func (db *DB) rolledCells(ctx context.Context, rs []dirtyRecord) (map[string][]string, error) {
	out := map[string][]string{}
	if len(rs) == 0 {
		return out, nil
	}
	ids := bson.A{}
	for _, r := range rs {
		ids = append(ids, r.id)
	}
	cur, err := db.ledgerRolled().Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}})
	if err != nil {
		return nil, translate(err)
	}
	var docs []struct {
		ID    string   `bson:"_id"`
		Cells []string `bson:"cells"`
	}
	if err := cur.All(ctx, &docs); err != nil {
		return nil, translate(err)
	}
	for _, d := range docs {
		out[d.ID] = d.Cells
	}
	return out, nil
}

// dirtyCells are the cells of the dirty records: those they name and
// those they were counted in.
func dirtyCells(rs []dirtyRecord, rolled map[string][]string) map[string]bool {
	cells := map[string]bool{}
	for _, r := range rs {
		for _, c := range append(slices.Clone(r.cells), rolled[r.id]...) {
			cells[c] = true
		}
	}
	return cells
}

// recordsIn reads the records (matching f, when not nil) that name one of
// cells, and calls add with each one's figures for each of those cells.
func (db *DB) recordsIn(ctx context.Context, authorityID string, cells map[string]bool, f *domain.LedgerFilter, add func(cell string, s domain.LedgerSum)) error {
	if len(cells) == 0 {
		return nil
	}
	in := bson.A{}
	for c := range cells {
		in = append(in, c)
	}
	for _, src := range db.rollSources() {
		filter := bson.D{{Key: "authorityId", Value: authorityID}, {Key: "cells", Value: bson.D{{Key: "$in", Value: in}}}}
		cur, err := src.coll.Find(ctx, filter, options.Find().SetProjection(projectionOf(rollFields...)))
		if err != nil {
			return translate(err)
		}
		var rs []rollRecord
		if err := cur.All(ctx, &rs); err != nil {
			return translate(err)
		}
		for i := range rs {
			s, ok := src.figures(&rs[i], f)
			if !ok {
				continue
			}
			for _, c := range rs[i].Cells {
				if cells[c] {
					add(c, s)
				}
			}
		}
	}
	return nil
}

// rollupBatch is how many dirty records one step of a refresh takes: few
// enough that each step's queries (a $in of their cells) stay short on
// FerretDB, which scans and matches in Go, and leave its one connection
// to the requests between them.
const rollupBatch = 200

// RefreshRollups recomputes the cells of the dirty records from the
// records and clears their marks (see the rollups above). It runs in one
// process at a time (the leased job "ledger rollups").
func (db *DB) RefreshRollups(ctx context.Context) error {
	for {
		rs, err := db.dirtyRecords(ctx, "", rollupBatch)
		if err != nil || len(rs) == 0 {
			return err
		}
		if err := db.refreshRecords(ctx, rs); err != nil {
			return err
		}
		if len(rs) < rollupBatch {
			return nil
		}
	}
}

// refreshRecords recomputes the cells of dirty records rs and clears the
// marks of those not changed meanwhile.
func (db *DB) refreshRecords(ctx context.Context, rs []dirtyRecord) error {
	rolled, err := db.rolledCells(ctx, rs)
	if err != nil {
		return err
	}
	// First the cells each record counts in, old and new: a crash after
	// the mark is cleared must not lose the old ones.
	for _, r := range rs {
		if old := rolled[r.id]; !sameCells(old, r.cells) {
			if err := db.setRolled(ctx, r.id, unionCells(old, r.cells)); err != nil {
				return err
			}
		}
	}
	byAuthority := map[string]map[string]bool{}
	for c := range dirtyCells(rs, rolled) {
		auth, _, _ := strings.Cut(c, cellSep)
		if byAuthority[auth] == nil {
			byAuthority[auth] = map[string]bool{}
		}
		byAuthority[auth][c] = true
	}
	for auth, cells := range byAuthority {
		sums := map[string]*domain.LedgerSum{}
		if err := db.recordsIn(ctx, auth, cells, nil, func(c string, s domain.LedgerSum) {
			if sums[c] == nil {
				sums[c] = &domain.LedgerSum{}
			}
			sums[c].Add(s)
		}); err != nil {
			return err
		}
		for c := range cells {
			if err := db.writeCell(ctx, c, sums[c]); err != nil {
				return err
			}
		}
	}
	for _, r := range rs {
		res, err := r.coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: r.id}, {Key: "version", Value: r.ver}, {Key: "dirty", Value: true}},
			bson.D{{Key: "$unset", Value: bson.D{{Key: "dirty", Value: ""}}}})
		if err != nil {
			return translate(err)
		}
		if res.ModifiedCount == 1 && !sameCells(rolled[r.id], r.cells) {
			if err := db.setRolled(ctx, r.id, r.cells); err != nil {
				return err
			}
		}
	}
	return nil
}

func (db *DB) setRolled(ctx context.Context, id string, cells []string) error {
	_, err := db.ledgerRolled().UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{{Key: "$set", Value: bson.D{{Key: "cells", Value: cells}}}},
		options.UpdateOne().SetUpsert(true))
	return translate(err)
}

// writeCell writes cell id with figures s, or removes it when s is nil
// (no record names it).
func (db *DB) writeCell(ctx context.Context, id string, s *domain.LedgerSum) error {
	if s == nil {
		_, err := db.ledgerCells().DeleteOne(ctx, bson.D{{Key: "_id", Value: id}})
		return translate(err)
	}
	auth, _, _ := strings.Cut(id, cellSep)
	_, month, contract, measure, _ := cellKeys(id)
	_, err := db.ledgerCells().ReplaceOne(ctx, bson.D{{Key: "_id", Value: id}},
		cellDoc{ID: id, AuthorityID: auth, Month: month, ContractID: contract, MeasureCode: measure, Figures: figuresOf(*s)}, options.Replace().SetUpsert(true))
	return translate(err)
}

func sameCells(a, b []string) bool {
	return slices.Equal(slices.Sorted(slices.Values(a)), slices.Sorted(slices.Values(b)))
}

func unionCells(a, b []string) []string {
	return slices.Compact(slices.Sorted(slices.Values(append(slices.Clone(a), b...))))
}

// rolledUpSums is LedgerSums from the cells: clean cells from ledgerCells,
// the cells of dirty records from the records.
func (db *DB) rolledUpSums(ctx context.Context, f domain.LedgerFilter) ([]domain.LedgerSum, error) {
	rs, err := db.dirtyRecords(ctx, f.AuthorityID, 0)
	if err != nil {
		return nil, err
	}
	rolled, err := db.rolledCells(ctx, rs)
	if err != nil {
		return nil, err
	}
	dirty := dirtyCells(rs, rolled)
	cf, err := ledgerFilter(f, "month")
	if err != nil {
		return nil, err
	}
	cur, err := db.ledgerCells().Find(ctx, cf)
	if err != nil {
		return nil, translate(err)
	}
	var cells []cellDoc
	if err := cur.All(ctx, &cells); err != nil {
		return nil, translate(err)
	}
	var out []domain.LedgerSum
	for _, c := range cells {
		if !dirty[c.ID] {
			out = append(out, cellSums(c.ID, sumOf(c.Figures))...)
		}
	}
	err = db.recordsIn(ctx, f.AuthorityID, dirty, &f, func(c string, s domain.LedgerSum) { out = append(out, cellSums(c, s)...) })
	return out, err
}

// rebuildRollups marks every record dirty with its cells, then drops the
// cells and what the records were counted in: the refresh adds them up
// again from the records. Until then the ledger reads the records.
func (db *DB) rebuildRollups(ctx context.Context) error {
	for _, src := range db.rollSources() {
		cur, err := src.coll.Find(ctx, bson.D{}, options.Find().SetProjection(projectionOf(rollFields...)))
		if err != nil {
			return translate(err)
		}
		for cur.Next(ctx) {
			var r rollRecord
			if err := cur.Decode(&r); err != nil {
				cur.Close(ctx)
				return translate(err)
			}
			cells := pledgeCells(r.pledge())
			if src.coll.Name() == db.deliveries().Name() {
				cells = deliveryCells(r.delivery())
			}
			if _, err := src.coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: r.ID}}, bson.D{{Key: "$set", Value: bson.D{{Key: "cells", Value: cells}, {Key: "dirty", Value: true}}}}); err != nil {
				cur.Close(ctx)
				return translate(err)
			}
		}
		err = cur.Err()
		cur.Close(ctx)
		if err != nil {
			return translate(err)
		}
	}
	for _, c := range []*driver.Collection{db.ledgerCells(), db.ledgerRolled()} {
		if _, err := c.DeleteMany(ctx, bson.D{}); err != nil && !errors.Is(err, driver.ErrNoDocuments) {
			return translate(err)
		}
	}
	return nil
}
