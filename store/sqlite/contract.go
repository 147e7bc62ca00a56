package sqlite

import (
	"context"
	"encoding/json"

	"needmatch/domain"
)

type contractRow struct {
	domain.Contract
	AuthorityID string `json:"authorityId"`
}

func contractDoc(c *domain.Contract) string {
	row := contractRow{Contract: *c, AuthorityID: c.AuthorityID}
	row.Rules = nil // derived, never stored
	return marshal(row)
}

func decodeContract(doc string) (*domain.Contract, error) {
	var row contractRow
	if err := json.Unmarshal([]byte(doc), &row); err != nil {
		return nil, err
	}
	c := row.Contract
	c.AuthorityID = row.AuthorityID
	return &c, nil
}

type bidRow struct {
	domain.Bid
	AuthorityID string `json:"authorityId"`
}

func bidDoc(b *domain.Bid) string {
	row := bidRow{Bid: *b, AuthorityID: b.AuthorityID}
	row.Pledges, row.Compliance = nil, nil
	return marshal(row)
}

func decodeBid(doc string) (*domain.Bid, error) {
	var row bidRow
	if err := json.Unmarshal([]byte(doc), &row); err != nil {
		return nil, err
	}
	b := row.Bid
	b.AuthorityID = row.AuthorityID
	return &b, nil
}

// CreateContract inserts c with its audit event; ECONFLICT on a reference taken.
func (db *DB) CreateContract(ctx context.Context, c *domain.Contract, ev *domain.AuditEvent) error {
	return db.tx(ctx, func(tx *wtx) error {
		if _, err := tx.Exec(`INSERT INTO contracts (id, authority_id, reference, stage, version, doc) VALUES (?,?,?,?,?,?)`,
			c.ID, c.AuthorityID, c.Reference, c.Stage, c.Version, contractDoc(c)); err != nil {
			return translate(err)
		}
		return appendAudit(tx, ev)
	})
}

func updateContractTx(tx *wtx, c *domain.Contract, prev int64) error {
	return casUpdate(tx, "contracts", c.ID, prev, "stage = ?, version = ?, doc = ?", c.Stage, c.Version, contractDoc(c))
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
	var doc string
	if err := db.queryRow(ctx, `SELECT doc FROM contracts WHERE id = ?`, id).Scan(&doc); err != nil {
		return nil, translateNotFound(err, "Contract not found.")
	}
	return decodeContract(doc)
}

// FindContracts lists newest first.
func (db *DB) FindContracts(ctx context.Context, f domain.ContractFilter) ([]*domain.Contract, string, error) {
	where, args := []string{"authority_id = ?"}, []any{f.AuthorityID}
	if f.Stage != "" {
		where, args = append(where, "stage = ?"), append(args, f.Stage)
	}
	return findPage(ctx, db, "contracts", where, args, f.Page, decodeContract, func(c *domain.Contract) string { return c.ID })
}

// CreateBid inserts b; ECONFLICT when the supplier already bids on the contract.
func (db *DB) CreateBid(ctx context.Context, b *domain.Bid, ev *domain.AuditEvent) error {
	return db.tx(ctx, func(tx *wtx) error {
		if _, err := tx.Exec(`INSERT INTO bids (id, authority_id, contract_id, organisation_id, status, version, doc) VALUES (?,?,?,?,?,?,?)`,
			b.ID, b.AuthorityID, b.ContractID, b.OrganisationID, b.Status, b.Version, bidDoc(b)); err != nil {
			return translate(err)
		}
		return appendAudit(tx, ev)
	})
}

func updateBidTx(tx *wtx, b *domain.Bid, prev int64) error {
	return casUpdate(tx, "bids", b.ID, prev, "status = ?, version = ?, doc = ?", b.Status, b.Version, bidDoc(b))
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
	var doc string
	if err := db.queryRow(ctx, `SELECT doc FROM bids WHERE id = ?`, id).Scan(&doc); err != nil {
		return nil, translateNotFound(err, "Bid not found.")
	}
	return decodeBid(doc)
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
	return findPage(ctx, db, "bids", where, args, f.Page, decodeBid, func(b *domain.Bid) string { return b.ID })
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
