package sqlite

import (
	"context"
	"encoding/json"
	"strings"

	"needmatch/domain"
)

// contractRow is a row of the contracts table: the store's own form of a
// contract (times as RFC 3339 text, none as ”; dates as YYYY-MM-DD). The
// rules, tier and value band are derived from the value and the
// authority, never stored. The priorities and steps are JSON of
// prioritiesCol and stepCol.
type contractRow struct {
	ID, AuthorityID, Authority, Reference, Title, Directorate              string
	ValuePence                                                             int64
	Stage, AwardedBidID, AwardedTo, AwardedToName, AwardedAt               string
	Version                                                                int64
	CreatedAt, UpdatedAt                                                   string
	DirectorateID, PreMarket, TenderOpens, TenderCloses, Award, Start, End string
	Priorities, ContractManagerID, ContractManagerName, Brief, Steps       string
	KPIs, KPIRatings, Reporting                                            string
}

// kpiCol is the stored form of a contract's KPI.
type kpiCol struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Target      string `json:"target"`
	Unit        string `json:"unit"`
	HowMeasured string `json:"how_measured"`
	AddedBy     string `json:"added_by"`
	AddedByName string `json:"added_by_name"`
	AddedAt     string `json:"added_at"`
}

// ratingCol is the stored form of a KPI rating.
type ratingCol struct {
	ID          string `json:"id"`
	KPIID       string `json:"kpi_id"`
	FY          int    `json:"fy"`
	Rating      string `json:"rating"`
	Note        string `json:"note"`
	Corrects    string `json:"corrects"`
	RatedBy     string `json:"rated_by"`
	RatedByName string `json:"rated_by_name"`
	RatedAt     string `json:"rated_at"`
}

// reportingCol is the stored form of a contract's reporting.
type reportingCol struct {
	Every       string `json:"every"`
	FromFY      int    `json:"from_fy"`
	FromQuarter int    `json:"from_quarter"`
	SetBy       string `json:"set_by"`
	SetByName   string `json:"set_by_name"`
	SetAt       string `json:"set_at"`
}

// prioritiesCol is the stored form of a contract's priorities.
type prioritiesCol struct {
	Kinds  []string `json:"kinds"`
	Themes []string `json:"themes"`
	Wards  []string `json:"wards"`
}

// stepCol is the stored form of an engagement step done.
type stepCol struct {
	Key        string `json:"key"`
	DoneBy     string `json:"done_by"`
	DoneByName string `json:"done_by_name"`
	DoneAt     string `json:"done_at"`
}

// contractTable is the contracts table, its columns in contractRow order.
var contractTable = newTable("contracts", `id, authority_id, authority_slug, reference, title, directorate, value_pence,
	stage, awarded_bid_id, awarded_to, awarded_to_name, awarded_at, version, created_at, updated_at,
	directorate_id, pre_market_date, tender_opens, tender_closes, award_date, start_date, end_date,
	priorities_json, contract_manager_id, contract_manager_name, brief, steps_json, kpis_json, kpi_ratings_json, reporting_json`,
	"id", "authority_id", "authority_slug", "reference", "created_at")

func (r *contractRow) fields() []any {
	return []any{&r.ID, &r.AuthorityID, &r.Authority, &r.Reference, &r.Title, &r.Directorate, &r.ValuePence,
		&r.Stage, &r.AwardedBidID, &r.AwardedTo, &r.AwardedToName, &r.AwardedAt, &r.Version, &r.CreatedAt, &r.UpdatedAt,
		&r.DirectorateID, &r.PreMarket, &r.TenderOpens, &r.TenderCloses, &r.Award, &r.Start, &r.End,
		&r.Priorities, &r.ContractManagerID, &r.ContractManagerName, &r.Brief, &r.Steps, &r.KPIs, &r.KPIRatings, &r.Reporting}
}

func fromContract(c *domain.Contract) *contractRow {
	var steps []stepCol
	for _, st := range c.Steps {
		steps = append(steps, stepCol{Key: st.Key, DoneBy: st.DoneBy, DoneByName: st.DoneByName, DoneAt: storeTime(st.DoneAt)})
	}
	kpis := make([]kpiCol, len(c.KPIs))
	for i, k := range c.KPIs {
		kpis[i] = kpiCol{ID: k.ID, Name: k.Name, Target: k.Target, Unit: k.Unit, HowMeasured: k.HowMeasured, AddedBy: k.AddedBy, AddedByName: k.AddedByName, AddedAt: storeTime(k.AddedAt)}
	}
	ratings := make([]ratingCol, len(c.KPIRatings))
	for i, r := range c.KPIRatings {
		ratings[i] = ratingCol{ID: r.ID, KPIID: r.KPIID, FY: r.FY, Rating: r.Rating, Note: r.Note, Corrects: r.Corrects, RatedBy: r.RatedBy, RatedByName: r.RatedByName, RatedAt: storeTime(r.RatedAt)}
	}
	var rep *reportingCol
	if p := c.Reporting; p != nil {
		rep = &reportingCol{Every: p.Every, FromFY: p.FromFY, FromQuarter: p.FromQuarter, SetBy: p.SetBy, SetByName: p.SetByName, SetAt: storeTime(p.SetAt)}
	}
	d := c.Dates
	return &contractRow{KPIs: marshal(kpis), KPIRatings: marshal(ratings), Reporting: marshal(rep), ID: c.ID, AuthorityID: c.AuthorityID, Authority: c.Authority, Reference: c.Reference, Title: c.Title, Directorate: c.Directorate,
		ValuePence: c.ValuePence, Stage: c.Stage, AwardedBidID: c.AwardedBidID, AwardedTo: c.AwardedTo, AwardedToName: c.AwardedToName,
		AwardedAt: optTime(c.AwardedAt), Version: c.Version, CreatedAt: storeTime(c.CreatedAt), UpdatedAt: storeTime(c.UpdatedAt),
		DirectorateID: c.DirectorateID, PreMarket: d.PreMarket, TenderOpens: d.TenderOpens, TenderCloses: d.TenderCloses, Award: d.Award, Start: d.Start, End: d.End,
		Priorities: marshal(prioritiesCol(c.Priorities)), ContractManagerID: c.ContractManagerID, ContractManagerName: c.ContractManagerName,
		Brief: c.Brief, Steps: marshal(steps)}
}

func scanContract(row scanner) (*domain.Contract, error) {
	var r contractRow
	if err := row.Scan(r.fields()...); err != nil {
		return nil, err
	}
	var l times
	c := &domain.Contract{ID: r.ID, AuthorityID: r.AuthorityID, Authority: r.Authority, Reference: r.Reference, Title: r.Title, Directorate: r.Directorate,
		ValuePence: r.ValuePence, Stage: r.Stage, AwardedBidID: r.AwardedBidID, AwardedTo: r.AwardedTo, AwardedToName: r.AwardedToName,
		AwardedAt: l.opt(r.AwardedAt), Version: r.Version, CreatedAt: l.at(r.CreatedAt), UpdatedAt: l.at(r.UpdatedAt),
		DirectorateID: r.DirectorateID, Dates: domain.ContractDates{PreMarket: r.PreMarket, TenderOpens: r.TenderOpens, TenderCloses: r.TenderCloses,
			Award: r.Award, Start: r.Start, End: r.End},
		ContractManagerID: r.ContractManagerID, ContractManagerName: r.ContractManagerName, Brief: r.Brief}
	var pr prioritiesCol
	if err := json.Unmarshal([]byte(r.Priorities), &pr); err != nil {
		return nil, err
	}
	c.Priorities = domain.Priorities(pr)
	var steps []stepCol
	if err := json.Unmarshal([]byte(r.Steps), &steps); err != nil {
		return nil, err
	}
	for _, st := range steps {
		c.Steps = append(c.Steps, domain.StepRecord{Key: st.Key, DoneBy: st.DoneBy, DoneByName: st.DoneByName, DoneAt: l.at(st.DoneAt)})
	}
	var kpis []kpiCol
	var ratings []ratingCol
	var rep *reportingCol
	for _, x := range []struct {
		col string
		v   any
	}{{r.KPIs, &kpis}, {r.KPIRatings, &ratings}, {r.Reporting, &rep}} {
		if err := json.Unmarshal([]byte(x.col), x.v); err != nil {
			return nil, err
		}
	}
	for _, k := range kpis {
		c.KPIs = append(c.KPIs, domain.KPI{ID: k.ID, Name: k.Name, Target: k.Target, Unit: k.Unit, HowMeasured: k.HowMeasured, AddedBy: k.AddedBy, AddedByName: k.AddedByName, AddedAt: l.at(k.AddedAt)})
	}
	for _, x := range ratings {
		c.KPIRatings = append(c.KPIRatings, domain.KPIRating{ID: x.ID, KPIID: x.KPIID, FY: x.FY, Rating: x.Rating, Note: x.Note, Corrects: x.Corrects, RatedBy: x.RatedBy, RatedByName: x.RatedByName, RatedAt: l.at(x.RatedAt)})
	}
	if rep != nil {
		c.Reporting = &domain.Reporting{Every: rep.Every, FromFY: rep.FromFY, FromQuarter: rep.FromQuarter, SetBy: rep.SetBy, SetByName: rep.SetByName, SetAt: l.at(rep.SetAt)}
	}
	return c, l.err
}

// bidRow is a row of the bids table: the store's own form of a bid. Its
// pledges and compliance are derived when read, never stored.
type bidRow struct {
	ID, AuthorityID, ContractID, ContractReference, OrganisationID, OrganisationName string
	Status, SubmittedAt                                                              string
	Version                                                                          int64
	CreatedAt, UpdatedAt                                                             string
}

// bidTable is the bids table, its columns in bidRow order.
var bidTable = newTable("bids", `id, authority_id, contract_id, contract_reference, organisation_id, organisation_name,
	status, submitted_at, version, created_at, updated_at`,
	"id", "authority_id", "contract_id", "contract_reference", "organisation_id", "created_at")

func (r *bidRow) fields() []any {
	return []any{&r.ID, &r.AuthorityID, &r.ContractID, &r.ContractReference, &r.OrganisationID, &r.OrganisationName,
		&r.Status, &r.SubmittedAt, &r.Version, &r.CreatedAt, &r.UpdatedAt}
}

func fromBid(b *domain.Bid) *bidRow {
	return &bidRow{ID: b.ID, AuthorityID: b.AuthorityID, ContractID: b.ContractID, ContractReference: b.ContractReference, OrganisationID: b.OrganisationID,
		OrganisationName: b.OrganisationName, Status: b.Status, SubmittedAt: optTime(b.SubmittedAt), Version: b.Version,
		CreatedAt: storeTime(b.CreatedAt), UpdatedAt: storeTime(b.UpdatedAt)}
}

func scanBid(row scanner) (*domain.Bid, error) {
	var r bidRow
	if err := row.Scan(r.fields()...); err != nil {
		return nil, err
	}
	var l times
	b := &domain.Bid{ID: r.ID, AuthorityID: r.AuthorityID, ContractID: r.ContractID, ContractReference: r.ContractReference, OrganisationID: r.OrganisationID,
		OrganisationName: r.OrganisationName, Status: r.Status, SubmittedAt: l.opt(r.SubmittedAt), Version: r.Version,
		CreatedAt: l.at(r.CreatedAt), UpdatedAt: l.at(r.UpdatedAt)}
	return b, l.err
}

// CreateContract inserts c with its audit event; ECONFLICT on a reference taken.
func (db *DB) CreateContract(ctx context.Context, c *domain.Contract, ev *domain.AuditEvent) error {
	return db.tx(ctx, func(tx *wtx) error {
		if err := contractTable.insert(tx, fromContract(c).fields()); err != nil {
			return translate(err)
		}
		return appendAudit(tx, ev)
	})
}

func updateContractTx(tx *wtx, c *domain.Contract, prev int64) error {
	return contractTable.update(tx, c.ID, prev, fromContract(c).fields())
}

// UpdateContract writes c if the stored version is prev.
func (db *DB) UpdateContract(ctx context.Context, c *domain.Contract, prev int64, ev *domain.AuditEvent) error {
	return db.tx(ctx, func(tx *wtx) error {
		if err := updateContractTx(tx, c, prev); err != nil {
			return err
		}
		return appendAudit(tx, ev)
	})
}

// ContractByID returns ENOTFOUND when there is none.
func (db *DB) ContractByID(ctx context.Context, id string) (*domain.Contract, error) {
	c, err := scanContract(db.queryRow(ctx, `SELECT `+contractTable.list+` FROM contracts WHERE id = ?`, id))
	if err != nil {
		return nil, translateNotFound(err, "Contract not found.")
	}
	return c, nil
}

// FindContracts lists newest first.
func (db *DB) FindContracts(ctx context.Context, f domain.ContractFilter) ([]*domain.Contract, string, error) {
	where, args := []string{"authority_id = ?"}, []any{f.AuthorityID}
	if f.Stage != "" {
		where, args = append(where, "stage = ?"), append(args, f.Stage)
	}
	if f.DirectorateID != "" {
		where, args = append(where, "directorate_id = ?"), append(args, f.DirectorateID)
	}
	if f.Stages != nil {
		in := func(col string, xs []string) string {
			for _, x := range xs {
				args = append(args, x)
			}
			return col + " IN (" + strings.TrimPrefix(strings.Repeat(",?", len(xs)), ",") + ")"
		}
		where = append(where, "("+in("stage", f.Stages)+" OR "+in("id", f.OrIDs)+")")
	}
	return findPage(ctx, db, "contracts", contractTable.list, where, args, f.Page, scanContract, func(c *domain.Contract) string { return c.ID })
}

// CreateBid inserts b; ECONFLICT when the supplier already bids on the contract.
func (db *DB) CreateBid(ctx context.Context, b *domain.Bid, ev *domain.AuditEvent) error {
	return db.tx(ctx, func(tx *wtx) error {
		if err := bidTable.insert(tx, fromBid(b).fields()); err != nil {
			return translate(err)
		}
		return appendAudit(tx, ev)
	})
}

func updateBidTx(tx *wtx, b *domain.Bid, prev int64) error {
	return bidTable.update(tx, b.ID, prev, fromBid(b).fields())
}

// UpdateBid writes b if the stored version is prev.
func (db *DB) UpdateBid(ctx context.Context, b *domain.Bid, prev int64, ev *domain.AuditEvent) error {
	return db.tx(ctx, func(tx *wtx) error {
		if err := updateBidTx(tx, b, prev); err != nil {
			return err
		}
		return appendAudit(tx, ev)
	})
}

// BidByID returns ENOTFOUND when there is none.
func (db *DB) BidByID(ctx context.Context, id string) (*domain.Bid, error) {
	b, err := scanBid(db.queryRow(ctx, `SELECT `+bidTable.list+` FROM bids WHERE id = ?`, id))
	if err != nil {
		return nil, translateNotFound(err, "Bid not found.")
	}
	return b, nil
}

// FindBids lists newest first.
func (db *DB) FindBids(ctx context.Context, f domain.BidFilter) ([]*domain.Bid, string, error) {
	where, args := []string{"authority_id = ?"}, []any{f.AuthorityID}
	if f.ContractID != "" {
		where, args = append(where, "contract_id = ?"), append(args, f.ContractID)
	}
	if f.OrganisationID != "" {
		where, args = append(where, "organisation_id = ?"), append(args, f.OrganisationID)
	}
	return findPage(ctx, db, "bids", bidTable.list, where, args, f.Page, scanBid, func(b *domain.Bid) string { return b.ID })
}

// AwardContract writes an award all or nothing.
func (db *DB) AwardContract(ctx context.Context, w *domain.Award) error {
	return db.tx(ctx, func(tx *wtx) error {
		if err := updateContractTx(tx, w.Contract, w.ContractPrev); err != nil {
			return err
		}
		for i, b := range w.Bids {
			if err := updateBidTx(tx, b, w.BidPrevs[i]); err != nil {
				return err
			}
		}
		for i, p := range w.Pledges {
			if err := updatePledgeTx(tx, p, w.PledgePrevs[i]); err != nil {
				return err
			}
		}
		for _, chk := range w.Checks {
			if err := checkCommit(tx, chk); err != nil {
				return err
			}
		}
		for _, ev := range w.Events {
			if err := appendAudit(tx, ev); err != nil {
				return err
			}
		}
		return nil
	})
}
