package sqlite

import (
	"context"
	"encoding/json"

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
		err := casUpdate(tx, "pledges", p.ID, prev, "status = ?, value_pence = ?, approved_pence = ?, version = ?, doc = ?",
			p.Status, p.ValuePence, p.ApprovedPence, p.Version, pledgeDoc(p))
		if err != nil {
			return err
		}
		return appendAudit(tx, ev)
	})
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
