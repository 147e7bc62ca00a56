package domain

import (
	"context"
	"time"
)

// ImportBatch is what one import writes: new suppliers (pending, no
// users), contracts, commitments and deliveries, and existing imported
// commitments settled again by new deliveries. Events holds one audit
// event per record, in that order (Organisations, Contracts, Pledges,
// Deliveries, Settled).
type ImportBatch struct {
	Organisations []*Organisation
	Contracts     []*Contract
	Pledges       []*Pledge
	Deliveries    []*Delivery
	Settled       []*Pledge
	SettledPrev   []int64
	Events        []*AuditEvent
}

// ImportStore writes imports.
type ImportStore interface {
	// ImportContracts writes the batch: the embedded store in one
	// transaction; the MongoDB store record by record, each with its event,
	// in the batch's order, so an import cut short is finished by importing
	// the same file again (ImportContracts writes only what is missing).
	// ECONFLICT when a settled pledge's version moved on.
	ImportContracts(ctx context.Context, b *ImportBatch) error
}

// ImportResult says what an import wrote.
type ImportResult struct {
	Contracts        int      `json:"contracts"`
	ContractsKept    int      `json:"contractsKept"`
	SuppliersCreated []string `json:"suppliersCreated"`
	Commitments      int      `json:"commitments"`
	CommitmentsKept  int      `json:"commitmentsKept"`
	Deliveries       int      `json:"deliveries"`
	DeliveredPence   int64    `json:"deliveredPence"`
	SecuredPence     int64    `json:"securedPence"`
	Unchanged        bool     `json:"unchanged"`
}

// importState is what an import reads of the council before it plans.
type importState struct {
	auth      *Authority
	suppliers []*Organisation
	contracts map[string]*Contract // by reference
	measures  map[string]Measure
	catalogue int
}

func (s *Service) importState(ctx context.Context, a *Actor) (*importState, error) {
	return s.importStateOf(ctx, a.AuthorityID)
}

// importStateOf reads the council's suppliers, contracts and catalogue.
func (s *Service) importStateOf(ctx context.Context, authorityID string) (*importState, error) {
	auth, err := s.Store.AuthorityByID(ctx, authorityID)
	if err != nil {
		return nil, err
	}
	st := &importState{auth: auth, contracts: map[string]*Contract{}, measures: map[string]Measure{}}
	st.suppliers, err = AllPages(func(p Page) ([]*Organisation, string, error) {
		return s.Store.FindOrganisations(ctx, OrganisationFilter{AuthorityID: auth.ID, Kind: KindSupplier, Page: p})
	}, 0)
	if err != nil {
		return nil, err
	}
	cs, err := AllPages(func(p Page) ([]*Contract, string, error) {
		return s.Store.FindContracts(ctx, ContractFilter{AuthorityID: auth.ID, Page: p})
	}, 0)
	if err != nil {
		return nil, err
	}
	for _, c := range cs {
		st.contracts[c.Reference] = c
	}
	cat, err := s.Store.CurrentCatalogue(ctx, auth.ID)
	switch {
	case err == nil:
		st.catalogue = cat.Version
		for _, m := range cat.Measures {
			st.measures[m.Code] = m
		}
	case ErrorCode(err) != ENOTFOUND:
		return nil, err
	}
	return st, nil
}

// supplierFor finds the council's supplier by company number, then by
// name; nil when there is none.
func (st *importState) supplierFor(number, name string) *Organisation {
	if number != "" {
		for _, o := range st.suppliers {
			if o.CompanyNumber == number {
				return o
			}
		}
	}
	key := NameKey(name)
	for _, o := range st.suppliers {
		if o.UniqueKey() == key {
			return o
		}
	}
	return nil
}

// ImportContracts brings in live and older contracts with their
// commitments and what has been delivered so far (rows from
// ParseContractsCSV), all or nothing: every row is checked against the
// council first, each problem reported by its line, and nothing is written
// while one remains. An unknown directorate is refused (officers create
// directorates first); a supplier not on the platform (matched by company
// number, then by name) is created pending, with no users. A contract is
// live, or closed when its end date has passed, awarded to its supplier.
// Commitments are approved pledges with source "import", keyed by their
// contract, description, quantity, secured value and due date; "delivered
// £" is what was delivered so far, and only what is not yet recorded
// becomes a new delivery (source "import", reported: it counts as
// imported, not verified here, until an officer verifies it). Importing
// the same file again changes nothing.
func (s *Service) ImportContracts(ctx context.Context, a *Actor, rows []ContractRow) (*ImportResult, error) {
	if err := requireRole(a, RoleOfficer, RoleAdmin); err != nil {
		return nil, err
	}
	st, err := s.importState(ctx, a)
	if err != nil {
		return nil, err
	}
	now := s.now()
	var v Validation
	bad := func(line int, format string, args ...any) {
		v.Add("csv", "line %d: "+format, append([]any{line}, args...)...)
	}
	b := &ImportBatch{}
	res := &ImportResult{SuppliersCreated: []string{}}
	type contractPlan struct {
		first    ContractRow
		c        *Contract
		existing bool
	}
	plans := map[string]*contractPlan{}
	var order []string
	newSuppliers := map[string]*Organisation{}
	for _, r := range rows {
		if p := plans[r.Reference]; p != nil {
			f := p.first
			if f.Title != r.Title || f.ContractValuePence != r.ContractValuePence || NameKey(f.Directorate) != NameKey(r.Directorate) ||
				NameKey(f.SupplierName) != NameKey(r.SupplierName) || f.CompanyNumber != r.CompanyNumber || f.Start != r.Start || f.End != r.End {
				bad(r.Line, "contract %s is also on line %d with a different title, value, directorate, supplier or dates", r.Reference, f.Line)
			}
			continue
		}
		p := &contractPlan{first: r}
		plans[r.Reference] = p
		order = append(order, r.Reference)
		var dir *Directorate
		for i := range st.auth.Directorates {
			if NameKey(st.auth.Directorates[i].Name) == NameKey(r.Directorate) {
				dir = &st.auth.Directorates[i]
			}
		}
		if dir == nil {
			bad(r.Line, "directorate %q is not one of the council's directorates (add it first)", truncateText(r.Directorate, 60))
			continue
		}
		o := st.supplierFor(r.CompanyNumber, r.SupplierName)
		if o == nil {
			key := r.CompanyNumber
			if key == "" {
				key = NameKey(r.SupplierName)
			}
			if o = newSuppliers[key]; o == nil {
				o = &Organisation{ID: NewID(), AuthorityID: st.auth.ID, Authority: st.auth.Slug, Kind: KindSupplier, Status: OrgPending,
					OrgDetails: OrgDetails{CompanyNumber: r.CompanyNumber}, Version: 1, CreatedAt: now, UpdatedAt: now}
				o.setName(r.SupplierName)
				if other, err := s.Store.OrganisationByNameKey(ctx, st.auth.ID, o.NameKey); err == nil {
					bad(r.Line, "supplier %q has the name of %s, which is not a supplier", truncateText(r.SupplierName, 60), other.Name)
					continue
				} else if ErrorCode(err) != ENOTFOUND {
					return nil, err
				}
				newSuppliers[key] = o
				st.suppliers = append(st.suppliers, o)
				b.Organisations = append(b.Organisations, o)
				res.SuppliersCreated = append(res.SuppliersCreated, o.Name)
			}
		}
		if c := st.contracts[r.Reference]; c != nil {
			if c.Title != r.Title || c.ValuePence != r.ContractValuePence || (c.Stage != StageLive && c.Stage != StageClosed) || c.AwardedTo != o.ID {
				bad(r.Line, "the council already has contract %s (%s, %s, %s): a row may not change it", r.Reference, truncateText(c.Title, 60), Pounds(c.ValuePence), c.Stage)
				continue
			}
			p.c, p.existing = c, true
			res.ContractsKept++
			continue
		}
		c := &Contract{ID: NewID(), AuthorityID: st.auth.ID, Authority: st.auth.Slug, Reference: r.Reference, Title: r.Title, DirectorateID: dir.ID,
			Directorate: dir.Name, ValuePence: r.ContractValuePence, Stage: StageLive, Dates: ContractDates{Start: r.Start, End: r.End},
			Priorities: Priorities{Kinds: []string{}, Themes: []string{}, Wards: []string{}}, AwardedTo: o.ID, AwardedToName: o.Name,
			Version: 1, CreatedAt: now, UpdatedAt: now}
		if r.End != "" && r.End < now.UTC().Format(time.DateOnly) {
			c.Stage = StageClosed
		}
		awarded := now
		if t, ok := importDate(r.Start); ok {
			awarded = t
		}
		c.AwardedAt = &awarded
		if err := c.Validate(); err != nil {
			for _, f := range err.(*Error).Fields {
				bad(r.Line, "%s", f.Detail)
			}
			continue
		}
		p.c = c
		b.Contracts = append(b.Contracts, c)
		res.Contracts++
	}
	// The commitments, by contract.
	existingPledges := map[string][]*Pledge{}
	seen := map[string]int{}
	for _, r := range rows {
		p := plans[r.Reference]
		if p == nil || p.c == nil {
			continue
		}
		if r.Ward != "" {
			if _, ok := st.auth.Area(r.Ward); !ok {
				bad(r.Line, "ward %q is not a ward code of %s", truncateText(r.Ward, 20), st.auth.Name)
				continue
			}
		}
		key := r.Reference + "\x1f" + r.Description + "\x1f" + r.Due.Format(time.DateOnly) + "\x1f" + sprintf("%d\x1f%d", r.Quantity, r.SecuredPence)
		if prev, dup := seen[key]; dup {
			bad(r.Line, "the same commitment is also on line %d", prev)
			continue
		}
		seen[key] = r.Line
		res.SecuredPence += r.SecuredPence
		var pl *Pledge
		if p.existing {
			ps, ok := existingPledges[p.c.ID]
			if !ok {
				ps, err = AllPages(func(pg Page) ([]*Pledge, string, error) {
					return s.Store.FindLedgerPledges(ctx, LedgerPledgeFilter{LedgerFilter: LedgerFilter{AuthorityID: st.auth.ID, ContractID: p.c.ID}, Page: pg})
				}, 0)
				if err != nil {
					return nil, err
				}
				existingPledges[p.c.ID] = ps
			}
			for _, x := range ps {
				if x.Source == SourceImport && x.Offer == r.Description && x.Quantity == r.Quantity && x.ValuePence == r.SecuredPence &&
					x.DueDate != nil && x.DueDate.UTC().Format(time.DateOnly) == r.Due.Format(time.DateOnly) {
					pl = x
				}
			}
		}
		var done []*Delivery
		isNew := pl == nil
		if !isNew {
			res.CommitmentsKept++
			if done, err = s.Store.DeliveriesOfPledge(ctx, pl.ID); err != nil {
				return nil, err
			}
		} else {
			pl = &Pledge{ID: NewID(), AuthorityID: st.auth.ID, Authority: st.auth.Slug, RequestTitle: r.Description, OrganisationID: p.c.AwardedTo,
				OrganisationName: p.c.AwardedToName, Offer: r.Description, Quantity: r.Quantity, Unit: "units", ValuePence: r.SecuredPence,
				ApprovedPence: r.SecuredPence, Status: PledgeApproved, DecidedBy: a.UserID, Area: r.Ward, ContractID: p.c.ID, Source: SourceImport,
				Version: 1, CreatedAt: now, UpdatedAt: now}
			if t, ok := importDate(p.first.Start); ok {
				pl.CreatedAt = t
			}
			due := r.Due
			pl.DueDate = &due
			if m, ok := st.measures[r.Description]; ok {
				pl.MeasureCode, pl.Theme, pl.Unit, pl.CatalogueVersion = m.Code, m.Theme, m.Unit, st.catalogue
			}
			if err := pl.Validate(); err != nil {
				for _, f := range err.(*Error).Fields {
					bad(r.Line, "%s", f.Detail)
				}
				continue
			}
			b.Pledges = append(b.Pledges, pl)
			res.Commitments++
		}
		// What was delivered so far and is not yet recorded.
		var recorded, recordedQty int64
		for _, d := range done {
			if d.Source == SourceImport && d.Status != DeliveryRejected {
				recorded += d.ValuePence
				recordedQty += d.Quantity
			}
		}
		switch {
		case r.DeliveredPence < recorded:
			bad(r.Line, "delivered £ is %s but %s of this commitment is already recorded", Pounds(r.DeliveredPence), Pounds(recorded))
			continue
		case r.DeliveredPence == recorded:
			continue
		}
		if r.Delivered.After(now) {
			bad(r.Line, "delivery date %s is in the future", r.Delivered.Format(time.DateOnly))
			continue
		}
		units := mulDiv(r.Quantity, r.DeliveredPence, r.SecuredPence)
		d := &Delivery{ID: NewID(), AuthorityID: pl.AuthorityID, PledgeID: pl.ID, RequestTitle: pl.RequestTitle, OrganisationID: pl.OrganisationID,
			OrganisationName: pl.OrganisationName, ContractID: pl.ContractID, Area: pl.Area, MeasureCode: pl.MeasureCode, Theme: pl.Theme, Unit: pl.Unit,
			Quantity: max(units-recordedQty, 0), ValuePence: r.DeliveredPence - recorded, Date: r.Delivered.UTC(), Notes: sprintf("Imported (line %d).", r.Line),
			EvidenceIDs: []string{}, EvidenceHashes: []string{}, Status: DeliveryReported, ReportedBy: a.UserID, Source: SourceImport,
			Version: 1, CreatedAt: now, UpdatedAt: now}
		b.Deliveries = append(b.Deliveries, d)
		res.Deliveries++
		res.DeliveredPence += d.ValuePence
		if isNew {
			pl.Settle([]*Delivery{d}, now)
			pl.Version = 1
		} else {
			prev := pl.Version
			pl.Settle(append(done, d), now)
			b.Settled, b.SettledPrev = append(b.Settled, pl), append(b.SettledPrev, prev)
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	ev := func(action, kind, id string, after any) {
		b.Events = append(b.Events, NewAuditEvent(st.auth.ID, a.UserID, action, kind, id, nil, after, now))
	}
	for _, o := range b.Organisations {
		ev("organisation.import", "organisation", o.ID, o)
	}
	for _, c := range b.Contracts {
		ev("contract.import", "contract", c.ID, c)
	}
	for _, p := range b.Pledges {
		ev("pledge.import", "pledge", p.ID, p)
	}
	for _, d := range b.Deliveries {
		ev("delivery.import", "delivery", d.ID, d)
	}
	for _, p := range b.Settled {
		ev("pledge."+string(p.Status), "pledge", p.ID, p)
	}
	res.Unchanged = len(b.Events) == 0
	if res.Unchanged {
		return res, nil
	}
	if err := s.Store.ImportContracts(withoutKey(ctx), b); err != nil {
		return nil, err
	}
	return res, nil
}
