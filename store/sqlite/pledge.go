package sqlite

import (
	"context"
	"encoding/json"
	"strings"

	"needmatch/domain"
)

type pledgeRow struct {
	domain.Pledge
	AuthorityID  string `json:"authorityId"`
	RequestOrgID string `json:"requestOrgId"`
}

func pledgeDoc(p *domain.Pledge) string {
	return marshal(pledgeRow{Pledge: *p, AuthorityID: p.AuthorityID, RequestOrgID: p.RequestOrgID})
}

func decodePledge(doc string) (*domain.Pledge, error) {
	var row pledgeRow
	if err := json.Unmarshal([]byte(doc), &row); err != nil {
		return nil, err
	}
	p := row.Pledge
	p.AuthorityID, p.RequestOrgID = row.AuthorityID, row.RequestOrgID
	return &p, nil
}

// CreatePledge inserts p with its audit event.
func (db *DB) CreatePledge(ctx context.Context, p *domain.Pledge, ev *domain.AuditEvent) error {
	return db.tx(ctx, func(tx *wtx) error {
		_, err := tx.Exec(`INSERT INTO pledges (id, authority_id, request_id, organisation_id, request_org_id, status, value_pence, approved_pence, version, doc) VALUES (?,?,?,?,?,?,?,?,?,?)`,
			p.ID, p.AuthorityID, p.RequestID, p.OrganisationID, p.RequestOrgID, p.Status, p.ValuePence, p.ApprovedPence, p.Version, pledgeDoc(p))
		if err != nil {
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

func quoted(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = "'" + strings.ReplaceAll(s, "'", "''") + "'"
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
	var doc string
	if err := db.queryRow(ctx, `SELECT doc FROM pledges WHERE id = ?`, id).Scan(&doc); err != nil {
		return nil, translateNotFound(err, "Pledge not found.")
	}
	return decodePledge(doc)
}

// FindPledges lists newest first.
func (db *DB) FindPledges(ctx context.Context, f domain.PledgeFilter) ([]*domain.Pledge, string, error) {
	where, args := []string{"authority_id = ?"}, []any{f.AuthorityID}
	for _, c := range []struct{ col, v string }{
		{"organisation_id", f.OrganisationID}, {"request_org_id", f.RequestOrgID}, {"request_id", f.RequestID}, {"status", f.Status},
	} {
		if c.v != "" {
			where, args = append(where, c.col+" = ?"), append(args, c.v)
		}
	}
	return findPage(ctx, db, "pledges", where, args, f.Page, decodePledge, func(p *domain.Pledge) string { return p.ID })
}
