package sqlite

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"needmatch/domain"
)

// pledgeRow is a row of the pledges table: the store's own form of a
// pledge, one column per field (times as RFC 3339 text, no due date as ”).
type pledgeRow struct {
	ID, AuthorityID, Authority, RequestID, RequestTitle, RequestOrgID string
	OrganisationID, OrganisationName, Offer                           string
	Quantity                                                          int64
	Unit                                                              string
	ValuePence                                                        int64
	AllowPartial                                                      bool
	ApprovedPence                                                     int64
	Status, Reason, DecidedBy, Area, ContractID, BidID                string
	MeasureCode, Theme                                                string
	CatalogueVersion                                                  int
	ProxyPence                                                        int64
	DueDate                                                           string
	Version                                                           int64
	CreatedAt, UpdatedAt                                              string
	// Override, Release and Safeguarding are JSON of the store's own
	// structs ('' none).
	Override, Release, Safeguarding string
	Source                          string
}

// safeguardingCol is the stored form of a supplier's safeguarding confirmation.
type safeguardingCol struct {
	By     string `json:"by"`
	ByName string `json:"by_name,omitempty"`
	At     string `json:"at"`
}

func safeguardingOf(c *domain.SafeguardingCheck) string {
	if c == nil {
		return ""
	}
	return marshal(safeguardingCol{By: c.By, ByName: c.ByName, At: storeTime(c.At)})
}

// overrideCol and releaseCol are the stored form of an officer's override
// and of a release request: their own field names, not the API's.
type overrideCol struct {
	By     string `json:"by"`
	Reason string `json:"reason"`
	At     string `json:"at"`
}

type releaseCol struct {
	Reason      string `json:"reason"`
	RequestedBy string `json:"requestedBy"`
	RequestedAt string `json:"requestedAt"`
	Decision    string `json:"decision,omitempty"`
	DecidedBy   string `json:"decidedBy,omitempty"`
	DecidedAt   string `json:"decidedAt,omitempty"`
	Note        string `json:"note,omitempty"`
}

func overrideOf(o *domain.Override) string {
	if o == nil {
		return ""
	}
	return marshal(overrideCol{By: o.By, Reason: o.Reason, At: storeTime(o.At)})
}

func releaseOf(r *domain.Release) string {
	if r == nil {
		return ""
	}
	c := releaseCol{Reason: r.Reason, RequestedBy: r.RequestedBy, RequestedAt: storeTime(r.RequestedAt), Decision: r.Decision, DecidedBy: r.DecidedBy, Note: r.Note}
	if r.DecidedAt != nil {
		c.DecidedAt = storeTime(*r.DecidedAt)
	}
	return marshal(c)
}

func (r *pledgeRow) extras(p *domain.Pledge) error {
	if r.Override != "" {
		var c overrideCol
		if err := json.Unmarshal([]byte(r.Override), &c); err != nil {
			return err
		}
		at, err := loadTime(c.At)
		if err != nil {
			return err
		}
		p.Override = &domain.Override{By: c.By, Reason: c.Reason, At: at}
	}
	if r.Safeguarding != "" {
		var c safeguardingCol
		if err := json.Unmarshal([]byte(r.Safeguarding), &c); err != nil {
			return err
		}
		at, err := loadTime(c.At)
		if err != nil {
			return err
		}
		p.SafeguardingCheck = &domain.SafeguardingCheck{By: c.By, ByName: c.ByName, At: at}
	}
	if r.Release != "" {
		var c releaseCol
		if err := json.Unmarshal([]byte(r.Release), &c); err != nil {
			return err
		}
		at, err := loadTime(c.RequestedAt)
		if err != nil {
			return err
		}
		p.Release = &domain.Release{Reason: c.Reason, RequestedBy: c.RequestedBy, RequestedAt: at, Decision: c.Decision, DecidedBy: c.DecidedBy, Note: c.Note}
		if c.DecidedAt != "" {
			d, err := loadTime(c.DecidedAt)
			if err != nil {
				return err
			}
			p.Release.DecidedAt = &d
		}
	}
	return nil
}

// pledgeTable is the pledges table, its columns in pledgeRow order; a pledge
// never changes its authority, request, supplier or creation time.
var pledgeTable = newTable("pledges", `id, authority_id, authority_slug, request_id, request_title, request_org_id, organisation_id, organisation_name, offer,
	quantity, unit, value_pence, allow_partial, approved_pence, status, reason, decided_by, area, contract_id, bid_id, measure_code, theme,
	catalogue_version, proxy_pence, due_date, version, created_at, updated_at, override_json, release_json, safeguarding_json, source`,
	"id", "authority_id", "authority_slug", "request_id", "request_org_id", "organisation_id", "created_at")

func (r *pledgeRow) fields() []any {
	return []any{&r.ID, &r.AuthorityID, &r.Authority, &r.RequestID, &r.RequestTitle, &r.RequestOrgID, &r.OrganisationID, &r.OrganisationName, &r.Offer,
		&r.Quantity, &r.Unit, &r.ValuePence, &r.AllowPartial, &r.ApprovedPence, &r.Status, &r.Reason, &r.DecidedBy, &r.Area, &r.ContractID, &r.BidID,
		&r.MeasureCode, &r.Theme, &r.CatalogueVersion, &r.ProxyPence, &r.DueDate, &r.Version, &r.CreatedAt, &r.UpdatedAt, &r.Override, &r.Release, &r.Safeguarding, &r.Source}
}

// storeTime is how the store writes a time: RFC 3339 with nanoseconds in
// the time's own zone (the form the first release's documents held).
func storeTime(t time.Time) string { return t.Format(time.RFC3339Nano) }

func loadTime(s string) (time.Time, error) { return time.Parse(time.RFC3339Nano, s) }

func fromPledge(p *domain.Pledge) *pledgeRow {
	r := &pledgeRow{ID: p.ID, AuthorityID: p.AuthorityID, Authority: p.Authority, RequestID: p.RequestID, RequestTitle: p.RequestTitle, RequestOrgID: p.RequestOrgID,
		OrganisationID: p.OrganisationID, OrganisationName: p.OrganisationName, Offer: p.Offer, Quantity: p.Quantity, Unit: p.Unit, ValuePence: p.ValuePence,
		AllowPartial: p.AllowPartial, ApprovedPence: p.ApprovedPence, Status: string(p.Status), Reason: p.Reason, DecidedBy: p.DecidedBy, Area: p.Area,
		ContractID: p.ContractID, BidID: p.BidID, MeasureCode: p.MeasureCode, Theme: p.Theme, CatalogueVersion: p.CatalogueVersion, ProxyPence: p.ProxyPence,
		Version: p.Version, CreatedAt: storeTime(p.CreatedAt), UpdatedAt: storeTime(p.UpdatedAt), Override: overrideOf(p.Override), Release: releaseOf(p.Release),
		Safeguarding: safeguardingOf(p.SafeguardingCheck), Source: p.Source}
	if p.DueDate != nil {
		r.DueDate = storeTime(*p.DueDate)
	}
	return r
}

func (r *pledgeRow) toDomain() (*domain.Pledge, error) {
	p := &domain.Pledge{ID: r.ID, AuthorityID: r.AuthorityID, Authority: r.Authority, RequestID: r.RequestID, RequestTitle: r.RequestTitle, RequestOrgID: r.RequestOrgID,
		OrganisationID: r.OrganisationID, OrganisationName: r.OrganisationName, Offer: r.Offer, Quantity: r.Quantity, Unit: r.Unit, ValuePence: r.ValuePence,
		AllowPartial: r.AllowPartial, ApprovedPence: r.ApprovedPence, Status: domain.PledgeStatus(r.Status), Reason: r.Reason, DecidedBy: r.DecidedBy, Area: r.Area,
		ContractID: r.ContractID, BidID: r.BidID, MeasureCode: r.MeasureCode, Theme: r.Theme, CatalogueVersion: r.CatalogueVersion, ProxyPence: r.ProxyPence,
		Version: r.Version, Source: r.Source}
	var err error
	if p.CreatedAt, err = loadTime(r.CreatedAt); err != nil {
		return nil, err
	}
	if p.UpdatedAt, err = loadTime(r.UpdatedAt); err != nil {
		return nil, err
	}
	if r.DueDate != "" {
		due, err := loadTime(r.DueDate)
		if err != nil {
			return nil, err
		}
		p.DueDate = &due
	}
	return p, r.extras(p)
}

func scanPledge(row scanner) (*domain.Pledge, error) {
	var r pledgeRow
	if err := row.Scan(r.fields()...); err != nil {
		return nil, err
	}
	return r.toDomain()
}

// CreatePledge inserts p with its audit event.
func (db *DB) CreatePledge(ctx context.Context, p *domain.Pledge, ev *domain.AuditEvent) error {
	return db.tx(ctx, func(tx *wtx) error {
		if err := pledgeTable.insert(tx, fromPledge(p).fields()); err != nil {
			return translate(err)
		}
		return appendAudit(tx, ev)
	})
}

// UpdatePledge writes p if the stored version is prev.
func (db *DB) UpdatePledge(ctx context.Context, p *domain.Pledge, prev int64, ev *domain.AuditEvent) error {
	return db.tx(ctx, func(tx *wtx) error {
		if err := updatePledgeTx(tx, p, prev); err != nil {
			return err
		}
		return appendAudit(tx, ev)
	})
}

// updatePledgeTx writes a pledge inside a transaction (as UpdatePledge does).
func updatePledgeTx(tx *wtx, p *domain.Pledge, prev int64) error {
	return pledgeTable.update(tx, p.ID, prev, fromPledge(p).fields())
}

// CommitPledge writes an approval and checks chk after it, in one transaction.
func (db *DB) CommitPledge(ctx context.Context, p *domain.Pledge, prev int64, chk domain.CommitCheck, ev *domain.AuditEvent) error {
	return db.tx(ctx, func(tx *wtx) error {
		if err := updatePledgeTx(tx, p, prev); err != nil {
			return err
		}
		if err := checkCommit(tx, chk); err != nil {
			return err
		}
		return appendAudit(tx, ev)
	})
}

// Sums behind a domain.CommitCheck, from the statuses domain defines.
var (
	requestApprovedSQL = `SELECT COALESCE(SUM(approved_pence), 0) FROM pledges WHERE request_id = ? AND status NOT IN (` + quoted(domain.DeadPledgeStatuses) + `)`
	supplierOpenSQL    = `SELECT COALESCE(SUM(approved_pence), 0) FROM pledges WHERE organisation_id = ? AND status IN (` + quoted(domain.OpenCommitmentStatuses) + `)`
)

func quoted[S ~string](ss []S) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = "'" + strings.ReplaceAll(string(s), "'", "''") + "'"
	}
	return strings.Join(q, ",")
}

// checkCommit reads the request's approved total and the supplier's open
// commitments as the transaction sees them (the writer is the only one)
// and refuses what chk does not allow.
func checkCommit(tx *wtx, chk domain.CommitCheck) error {
	var approved, open int64
	if !chk.NoRequestCap {
		if err := tx.QueryRow(requestApprovedSQL, chk.RequestID).Scan(&approved); err != nil {
			return translate(err)
		}
	}
	if chk.SupplierLimitPence > 0 {
		if err := tx.QueryRow(supplierOpenSQL, chk.SupplierID).Scan(&open); err != nil {
			return translate(err)
		}
	}
	return chk.Check(approved, open)
}

// PledgeByID returns ENOTFOUND when there is none.
func (db *DB) PledgeByID(ctx context.Context, id string) (*domain.Pledge, error) {
	p, err := scanPledge(db.queryRow(ctx, `SELECT `+pledgeTable.list+` FROM pledges WHERE id = ?`, id))
	if err != nil {
		return nil, translateNotFound(err, "Pledge not found.")
	}
	return p, nil
}

// FindPledges lists newest first. Filtered by organisation or request it
// reads that one's index: "+authority_id" keeps the planner from walking
// every pledge of the council in id order (pledges_authority_id) instead.
func (db *DB) FindPledges(ctx context.Context, f domain.PledgeFilter) ([]*domain.Pledge, string, error) {
	where, args := []string{"authority_id = ?"}, []any{f.AuthorityID}
	if f.OrganisationID != "" || f.RequestOrgID != "" || f.RequestID != "" {
		where[0] = "+authority_id = ?"
	}
	for _, c := range []struct{ col, v string }{
		{"organisation_id", f.OrganisationID}, {"request_org_id", f.RequestOrgID}, {"request_id", f.RequestID}, {"status", string(f.Status)},
	} {
		if c.v != "" {
			where, args = append(where, c.col+" = ?"), append(args, c.v)
		}
	}
	return findPage(ctx, db, "pledges", pledgeTable.list, where, args, f.Page, scanPledge, func(p *domain.Pledge) string { return p.ID })
}
