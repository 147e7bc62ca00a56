package mongo

import (
	"context"
	"time"

	"needmatch/domain"

	"go.mongodb.org/mongo-driver/v2/bson"
	driver "go.mongodb.org/mongo-driver/v2/mongo"
)

type contractDoc struct {
	ID            string     `bson:"_id"`
	AuthorityID   string     `bson:"authorityId"`
	Authority     string     `bson:"authority"`
	Reference     string     `bson:"reference"`
	Title         string     `bson:"title"`
	Directorate   string     `bson:"directorate"`
	ValuePence    int64      `bson:"valuePence"`
	Stage         string     `bson:"stage"`
	AwardedBidID  string     `bson:"awardedBidId,omitempty"`
	AwardedTo     string     `bson:"awardedTo,omitempty"`
	AwardedToName string     `bson:"awardedToName,omitempty"`
	AwardedAt     *time.Time `bson:"awardedAt,omitempty"`
	Version       int64      `bson:"version"`
	CreatedAt     time.Time  `bson:"createdAt"`
	UpdatedAt     time.Time  `bson:"updatedAt"`
	// Fields of #11; a document written before them has none, read as
	// empty (no dates, priorities, brief or steps).
	DirectorateID       string        `bson:"directorateId,omitempty"`
	Dates               datesDoc      `bson:"dates,omitempty"`
	Priorities          prioritiesDoc `bson:"priorities,omitempty"`
	ContractManagerID   string        `bson:"contractManagerId,omitempty"`
	ContractManagerName string        `bson:"contractManagerName,omitempty"`
	Brief               string        `bson:"brief,omitempty"`
	Steps               []stepDoc     `bson:"steps,omitempty"`
	// Fields of #12; a document written before them has none.
	KPIs         []kpiDoc      `bson:"kpis,omitempty"`
	KPIRatings   []ratingDoc   `bson:"kpiRatings,omitempty"`
	Reporting    *reportingDoc `bson:"reporting,omitempty"`
	PendingAudit *auditDoc     `bson:"pendingAudit,omitempty"`
	// PendingIntent is an award's writes to bids and pledges (see ledger.go).
	PendingIntent *intentDoc `bson:"pendingIntent,omitempty"`
}

type datesDoc struct {
	PreMarket    string `bson:"preMarket,omitempty"`
	TenderOpens  string `bson:"tenderOpens,omitempty"`
	TenderCloses string `bson:"tenderCloses,omitempty"`
	Award        string `bson:"award,omitempty"`
	Start        string `bson:"start,omitempty"`
	End          string `bson:"end,omitempty"`
}

type prioritiesDoc struct {
	Kinds  []string `bson:"kinds,omitempty"`
	Themes []string `bson:"themes,omitempty"`
	Wards  []string `bson:"wards,omitempty"`
}

type kpiDoc struct {
	ID          string    `bson:"id"`
	Name        string    `bson:"name"`
	Target      string    `bson:"target"`
	Unit        string    `bson:"unit"`
	HowMeasured string    `bson:"howMeasured"`
	AddedBy     string    `bson:"addedBy"`
	AddedByName string    `bson:"addedByName"`
	AddedAt     time.Time `bson:"addedAt"`
}

type ratingDoc struct {
	ID          string    `bson:"id"`
	KPIID       string    `bson:"kpiId"`
	FY          int       `bson:"fy"`
	Rating      string    `bson:"rating"`
	Note        string    `bson:"note"`
	Corrects    string    `bson:"corrects,omitempty"`
	RatedBy     string    `bson:"ratedBy"`
	RatedByName string    `bson:"ratedByName"`
	RatedAt     time.Time `bson:"ratedAt"`
}

type reportingDoc struct {
	Every       string    `bson:"every"`
	FromFY      int       `bson:"fromFy"`
	FromQuarter int       `bson:"fromQuarter"`
	SetBy       string    `bson:"setBy"`
	SetByName   string    `bson:"setByName"`
	SetAt       time.Time `bson:"setAt"`
}

type stepDoc struct {
	Key        string    `bson:"key"`
	DoneBy     string    `bson:"doneBy"`
	DoneByName string    `bson:"doneByName"`
	DoneAt     time.Time `bson:"doneAt"`
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func contractFromDomain(c *domain.Contract, ev *domain.AuditEvent) *contractDoc {
	d := &contractDoc{ID: c.ID, AuthorityID: c.AuthorityID, Authority: c.Authority, Reference: c.Reference, Title: c.Title,
		Directorate: c.Directorate, ValuePence: c.ValuePence, Stage: c.Stage, AwardedBidID: c.AwardedBidID, AwardedTo: c.AwardedTo,
		AwardedToName: c.AwardedToName, AwardedAt: c.AwardedAt, Version: c.Version, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt,
		DirectorateID: c.DirectorateID, Dates: datesDoc(c.Dates), Priorities: prioritiesDoc(c.Priorities), ContractManagerID: c.ContractManagerID,
		ContractManagerName: c.ContractManagerName, Brief: c.Brief, PendingAudit: pendingOf(ev)}
	for _, st := range c.Steps {
		d.Steps = append(d.Steps, stepDoc(st))
	}
	for _, k := range c.KPIs {
		d.KPIs = append(d.KPIs, kpiDoc(k))
	}
	for _, r := range c.KPIRatings {
		d.KPIRatings = append(d.KPIRatings, ratingDoc(r))
	}
	if c.Reporting != nil {
		r := reportingDoc(*c.Reporting)
		d.Reporting = &r
	}
	return d
}

func (d *contractDoc) toDomain() *domain.Contract {
	c := &domain.Contract{ID: d.ID, AuthorityID: d.AuthorityID, Authority: d.Authority, Reference: d.Reference, Title: d.Title,
		Directorate: d.Directorate, ValuePence: d.ValuePence, Stage: d.Stage, AwardedBidID: d.AwardedBidID, AwardedTo: d.AwardedTo,
		AwardedToName: d.AwardedToName, AwardedAt: utcPtr(d.AwardedAt), Version: d.Version, CreatedAt: d.CreatedAt.UTC(), UpdatedAt: d.UpdatedAt.UTC(),
		DirectorateID: d.DirectorateID, Dates: domain.ContractDates(d.Dates), Priorities: domain.Priorities(d.Priorities),
		ContractManagerID: d.ContractManagerID, ContractManagerName: d.ContractManagerName, Brief: d.Brief}
	for _, st := range d.Steps {
		st.DoneAt = st.DoneAt.UTC()
		c.Steps = append(c.Steps, domain.StepRecord(st))
	}
	for _, k := range d.KPIs {
		k.AddedAt = k.AddedAt.UTC()
		c.KPIs = append(c.KPIs, domain.KPI(k))
	}
	for _, r := range d.KPIRatings {
		r.RatedAt = r.RatedAt.UTC()
		c.KPIRatings = append(c.KPIRatings, domain.KPIRating(r))
	}
	if d.Reporting != nil {
		r := domain.Reporting(*d.Reporting)
		r.SetAt = r.SetAt.UTC()
		c.Reporting = &r
	}
	return c
}

type bidDoc struct {
	ID                string     `bson:"_id"`
	AuthorityID       string     `bson:"authorityId"`
	ContractID        string     `bson:"contractId"`
	ContractReference string     `bson:"contractReference"`
	OrganisationID    string     `bson:"organisationId"`
	OrganisationName  string     `bson:"organisationName"`
	Status            string     `bson:"status"`
	SubmittedAt       *time.Time `bson:"submittedAt,omitempty"`
	Version           int64      `bson:"version"`
	CreatedAt         time.Time  `bson:"createdAt"`
	UpdatedAt         time.Time  `bson:"updatedAt"`
	PendingAudit      *auditDoc  `bson:"pendingAudit,omitempty"`
}

func bidFromDomain(b *domain.Bid, ev *domain.AuditEvent) *bidDoc {
	return &bidDoc{ID: b.ID, AuthorityID: b.AuthorityID, ContractID: b.ContractID, ContractReference: b.ContractReference,
		OrganisationID: b.OrganisationID, OrganisationName: b.OrganisationName, Status: b.Status, SubmittedAt: b.SubmittedAt,
		Version: b.Version, CreatedAt: b.CreatedAt, UpdatedAt: b.UpdatedAt, PendingAudit: pendingOf(ev)}
}

func (d *bidDoc) toDomain() *domain.Bid {
	return &domain.Bid{ID: d.ID, AuthorityID: d.AuthorityID, ContractID: d.ContractID, ContractReference: d.ContractReference,
		OrganisationID: d.OrganisationID, OrganisationName: d.OrganisationName, Status: d.Status, SubmittedAt: utcPtr(d.SubmittedAt),
		Version: d.Version, CreatedAt: d.CreatedAt.UTC(), UpdatedAt: d.UpdatedAt.UTC()}
}

// insertUnique inserts doc (with its pending event p) into coll, whose
// unique index on fields is checked with taken when FerretDB reports a
// violation as InternalError; msg is the ECONFLICT message.
func (db *DB) insertUnique(ctx context.Context, coll *driver.Collection, id string, doc any, p *auditDoc, ev *domain.AuditEvent, taken bson.D, msg string) error {
	answers(ctx, p) // p is doc's pendingAudit
	_, err := coll.InsertOne(ctx, doc)
	if err != nil {
		if driver.IsDuplicateKeyError(err) {
			return domain.Errorf(domain.ECONFLICT, "%s", msg)
		}
		if internalError(err) {
			if n, cerr := coll.CountDocuments(ctx, taken); cerr == nil && n > 0 {
				return domain.Errorf(domain.ECONFLICT, "%s", msg)
			}
		}
		return translate(err)
	}
	return db.complete(ctx, coll, id, p, ev)
}

// uniqueUpdate translates an update that broke a unique index (FerretDB:
// InternalError) into ECONFLICT.
func uniqueUpdate(msg string) func(error) error {
	return func(err error) error {
		if driver.IsDuplicateKeyError(err) || internalError(err) {
			return domain.Errorf(domain.ECONFLICT, "%s", msg)
		}
		return translate(err)
	}
}

const referenceTaken = "A contract with this reference already exists."

// CreateContract inserts c with its audit event; ECONFLICT on a reference taken.
func (db *DB) CreateContract(ctx context.Context, c *domain.Contract, ev *domain.AuditEvent) error {
	d := contractFromDomain(c, ev)
	return db.insertUnique(ctx, db.contracts(), c.ID, d, d.PendingAudit, ev,
		bson.D{{Key: "authorityId", Value: c.AuthorityID}, {Key: "reference", Value: c.Reference}}, referenceTaken)
}

// UpdateContract writes c if the stored version is prev; ECONFLICT otherwise.
func (db *DB) UpdateContract(ctx context.Context, c *domain.Contract, prev int64, ev *domain.AuditEvent) error {
	d := contractFromDomain(c, ev)
	return db.replaceAudited(ctx, db.contracts(), c.ID, prev, d, d.PendingAudit, ev, "Contract", uniqueUpdate(referenceTaken))
}

// ContractByID returns ENOTFOUND when there is none.
func (db *DB) ContractByID(ctx context.Context, id string) (*domain.Contract, error) {
	var d contractDoc
	if err := db.contracts().FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d); err != nil {
		return nil, notFound(err, "Contract not found.")
	}
	return d.toDomain(), nil
}

// FindContracts lists newest first.
func (db *DB) FindContracts(ctx context.Context, f domain.ContractFilter) ([]*domain.Contract, string, error) {
	filter := eq(bson.D{{Key: "authorityId", Value: f.AuthorityID}}, "stage", f.Stage)
	filter = eq(filter, "directorateId", f.DirectorateID)
	if f.Stages != nil {
		ids := f.OrIDs
		if ids == nil {
			ids = []string{}
		}
		filter = append(filter, bson.E{Key: "$or", Value: bson.A{
			bson.D{{Key: "stage", Value: bson.D{{Key: "$in", Value: f.Stages}}}},
			bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}},
		}})
	}
	return findPage(ctx, db.contracts(), filter, f.Page, (*contractDoc).toDomain, func(c *domain.Contract) string { return c.ID })
}

const bidTaken = "The supplier already bids on this contract."

// CreateBid stores a bid; ECONFLICT when the supplier already bids on the contract.
func (db *DB) CreateBid(ctx context.Context, b *domain.Bid, ev *domain.AuditEvent) error {
	d := bidFromDomain(b, ev)
	return db.insertUnique(ctx, db.bids(), b.ID, d, d.PendingAudit, ev,
		bson.D{{Key: "contractId", Value: b.ContractID}, {Key: "organisationId", Value: b.OrganisationID}}, bidTaken)
}

// UpdateBid writes b if the stored version is prev; ECONFLICT otherwise.
func (db *DB) UpdateBid(ctx context.Context, b *domain.Bid, prev int64, ev *domain.AuditEvent) error {
	d := bidFromDomain(b, ev)
	return db.replaceAudited(ctx, db.bids(), b.ID, prev, d, d.PendingAudit, ev, "Bid", uniqueUpdate(bidTaken))
}

// BidByID returns ENOTFOUND when there is none.
func (db *DB) BidByID(ctx context.Context, id string) (*domain.Bid, error) {
	var d bidDoc
	if err := db.bids().FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d); err != nil {
		return nil, notFound(err, "Bid not found.")
	}
	return d.toDomain(), nil
}

// FindBids lists newest first.
func (db *DB) FindBids(ctx context.Context, f domain.BidFilter) ([]*domain.Bid, string, error) {
	filter := bson.D{{Key: "authorityId", Value: f.AuthorityID}}
	filter = eq(filter, "contractId", f.ContractID)
	filter = eq(filter, "organisationId", f.OrganisationID)
	return findPage(ctx, db.bids(), filter, f.Page, (*bidDoc).toDomain, func(b *domain.Bid) string { return b.ID })
}

// AwardContract writes an award. Every bid and pledge is first locked at
// the version read (a lock is a pendingIntent naming the award, which other
// writers respect); then the contract, the commit point, is written with the
// bids, pledges and events as its intent (see ledger.go), which the writes
// complete, removing the locks. A stale version anywhere changes nothing.
func (db *DB) AwardContract(ctx context.Context, w *domain.Award) error {
	return db.withCommitLocks(ctx, w.Checks, func(held func() error) error { return db.awardContract(ctx, w, held) })
}

func (db *DB) awardContract(ctx context.Context, w *domain.Award, held func() error) (err error) {
	if len(w.BidPrevs) != len(w.Bids) || len(w.PledgePrevs) != len(w.Pledges) {
		return domain.Errorf(domain.EINTERNAL, "award: versions do not match the records")
	}
	if err := db.checkVersion(ctx, db.contracts(), w.Contract.ID, w.ContractPrev, "Contract"); err != nil {
		return err
	}
	type target struct {
		coll *driver.Collection
		id   string
		prev int64
		op   intentOp
		what string
	}
	var targets []target
	for i, b := range w.Bids {
		op, err := replaceOp(db.bids(), b.ID, w.BidPrevs[i], b.Version, bidFromDomain(b, nil))
		if err != nil {
			return err
		}
		targets = append(targets, target{db.bids(), b.ID, w.BidPrevs[i], op, "Bid"})
	}
	for i, p := range w.Pledges {
		op, err := replaceOp(db.pledges, p.ID, w.PledgePrevs[i], p.Version, pledgeFromDomain(p, nil))
		if err != nil {
			return err
		}
		targets = append(targets, target{db.pledges, p.ID, w.PledgePrevs[i], op, "Pledge"})
	}
	ops := make([]intentOp, len(targets))
	for i := range targets {
		ops[i] = targets[i].op
	}
	pending, in, err := newIntent(w.Events, ops)
	if err != nil {
		return err
	}
	// The locks' age is read on the server's clock (see resolveLock).
	if in.At, err = db.serverNow(ctx); err != nil {
		return err
	}
	in.At = in.At.Truncate(time.Millisecond)
	locked := 0
	committed := false
	defer func() {
		if !committed {
			for _, t := range targets[:locked] {
				db.unlock(context.WithoutCancel(ctx), t.coll, t.id, in.ID)
			}
		}
	}()
	for _, t := range targets {
		if err := db.checkVersion(ctx, t.coll, t.id, t.prev, t.what); err != nil {
			return err
		}
		ok, err := db.lockFor(ctx, t.coll, t.id, t.prev, in, w.Contract.ID)
		if err != nil {
			return err
		}
		if !ok {
			return conflict()
		}
		locked++
	}
	if err := db.checkCommits(ctx, w.Checks, w.Pledges); err != nil {
		return err
	}
	// Last check before the commit point: an award stalled past
	// lockTimeout may have had its locks broken by another writer.
	for _, t := range targets {
		n, err := t.coll.CountDocuments(ctx, bson.D{{Key: "_id", Value: t.id}, {Key: "pendingIntent.id", Value: in.ID}})
		if err != nil {
			return translate(err)
		}
		if n != 1 {
			return domain.Errorf(domain.ECONFLICT, "This award took too long and its records were changed meanwhile; reload and try again.")
		}
	}
	if err := held(); err != nil {
		return err
	}
	d := contractFromDomain(w.Contract, nil)
	d.PendingAudit, d.PendingIntent = pending, in
	err = db.commitIntent(ctx, db.contracts(), w.Contract.ID, w.ContractPrev, d, pending, in, w.Events, "Contract")
	// Only a conflict surely wrote nothing; otherwise the locks stay for
	// the award to remove (or to expire).
	committed = err == nil || domain.ErrorCode(err) != domain.ECONFLICT
	return err
}
