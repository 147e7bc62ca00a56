package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"

	"needmatch/domain"
)

// organisationRow is a row of the organisations table: the store's own
// form of an organisation, one column per field (times as RFC 3339 text,
// the offers a JSON list of strings).
type organisationRow struct {
	ID, AuthorityID, Authority, Kind, Name, NameKey string
	PendingName, NameReason, Status, Reason, Area   string
	Offers                                          string
	CommitmentLimitPence, Version                   int64
	CreatedAt, UpdatedAt                            string
	LegalName, CharityNumber, CompanyNumber         string
	Line1, Line2, Town, Postcode, Phone, Website    string
	// SocialValueLead and MainContact are JSON of contactCol, '' for none.
	SocialValueLead, MainContact string
	ShareContact                 bool
	// Home is the home organisation's id ('' for a home).
	Home                           string
	BaseWard, BasePostcodeDistrict string
}

// contactCol is the stored form of a named contact: its own field names.
type contactCol struct {
	Name  string `json:"name"`
	Role  string `json:"role"`
	Email string `json:"email"`
	Phone string `json:"phone"`
}

func fromContact(c *domain.Contact) string {
	if c == nil {
		return ""
	}
	return marshal(contactCol{Name: c.Name, Role: c.Role, Email: c.Email, Phone: c.Phone})
}

func toContact(s string) (*domain.Contact, error) {
	if s == "" || s == "null" {
		return nil, nil
	}
	var c contactCol
	if err := json.Unmarshal([]byte(s), &c); err != nil {
		return nil, err
	}
	return &domain.Contact{Name: c.Name, Role: c.Role, Email: c.Email, Phone: c.Phone}, nil
}

// organisationTable is the organisations table, its columns in
// organisationRow order; an organisation never changes its authority, kind
// or creation time.
var organisationTable = newTable("organisations", `id, authority_id, authority_slug, kind, name, name_key, pending_name, name_reason, status, reason, area,
	offers_json, commitment_limit_pence, version, created_at, updated_at, legal_name, charity_number, company_number,
	address_line1, address_line2, address_town, address_postcode, phone, website, social_value_lead_json, main_contact_json, share_contact, home_id, base_ward, base_postcode_district`, "id", "authority_id", "authority_slug", "kind", "created_at", "home_id")

func (r *organisationRow) fields() []any {
	return []any{&r.ID, &r.AuthorityID, &r.Authority, &r.Kind, &r.Name, &r.NameKey, &r.PendingName, &r.NameReason, &r.Status, &r.Reason, &r.Area,
		&r.Offers, &r.CommitmentLimitPence, &r.Version, &r.CreatedAt, &r.UpdatedAt, &r.LegalName, &r.CharityNumber, &r.CompanyNumber,
		&r.Line1, &r.Line2, &r.Town, &r.Postcode, &r.Phone, &r.Website, &r.SocialValueLead, &r.MainContact, &r.ShareContact, &r.Home, &r.BaseWard, &r.BasePostcodeDistrict}
}

func fromOrganisation(o *domain.Organisation) *organisationRow {
	offers := "null"
	if len(o.Offers) > 0 {
		offers = marshal(o.Offers)
	}
	r := &organisationRow{ID: o.ID, AuthorityID: o.AuthorityID, Authority: o.Authority, Kind: o.Kind, Name: o.Name, NameKey: o.UniqueKey(),
		PendingName: o.PendingName, NameReason: o.NameReason, Status: o.Status, Reason: o.Reason, Area: o.Area, Offers: offers,
		CommitmentLimitPence: o.CommitmentLimitPence, Version: o.Version, CreatedAt: storeTime(o.CreatedAt), UpdatedAt: storeTime(o.UpdatedAt),
		LegalName: o.LegalName, CharityNumber: o.CharityNumber, CompanyNumber: o.CompanyNumber, Phone: o.Phone, Website: o.Website,
		SocialValueLead: fromContact(o.SocialValueLead), MainContact: fromContact(o.MainContact), ShareContact: o.ShareContact, Home: o.Home,
		BaseWard: o.BaseWard, BasePostcodeDistrict: o.BasePostcodeDistrict}
	if a := o.Address; a != nil {
		r.Line1, r.Line2, r.Town, r.Postcode = a.Line1, a.Line2, a.Town, a.Postcode
	}
	return r
}

func scanOrganisation(row scanner) (*domain.Organisation, error) {
	var r organisationRow
	if err := row.Scan(r.fields()...); err != nil {
		return nil, err
	}
	o := &domain.Organisation{ID: r.ID, AuthorityID: r.AuthorityID, Authority: r.Authority, Kind: r.Kind, Name: r.Name, NameKey: r.NameKey,
		PendingName: r.PendingName, NameReason: r.NameReason, Status: r.Status, Reason: r.Reason, Area: r.Area,
		CommitmentLimitPence: r.CommitmentLimitPence, Version: r.Version, Home: r.Home}
	if err := json.Unmarshal([]byte(r.Offers), &o.Offers); err != nil {
		return nil, err
	}
	o.LegalName, o.CharityNumber, o.CompanyNumber, o.Phone, o.Website, o.ShareContact = r.LegalName, r.CharityNumber, r.CompanyNumber, r.Phone, r.Website, r.ShareContact
	o.BaseWard, o.BasePostcodeDistrict = r.BaseWard, r.BasePostcodeDistrict
	if a := (domain.Address{Line1: r.Line1, Line2: r.Line2, Town: r.Town, Postcode: r.Postcode}); a != (domain.Address{}) {
		o.Address = &a
	}
	var err error
	if o.SocialValueLead, err = toContact(r.SocialValueLead); err != nil {
		return nil, err
	}
	if o.MainContact, err = toContact(r.MainContact); err != nil {
		return nil, err
	}
	var l times
	o.CreatedAt, o.UpdatedAt = l.at(r.CreatedAt), l.at(r.UpdatedAt)
	return o, l.err
}

// insertOrganisation inserts o; NameTaken when its name key is another's.
func insertOrganisation(tx *wtx, o *domain.Organisation) error {
	return nameTaken(organisationTable.insert(tx, fromOrganisation(o).fields()))
}

// CreateOrganisation inserts o with its event; NameTaken when its name key
// is another's in its authority.
func (db *DB) CreateOrganisation(ctx context.Context, o *domain.Organisation, ev *domain.AuditEvent) error {
	return db.tx(ctx, func(tx *wtx) error {
		if err := insertOrganisation(tx, o); err != nil {
			return err
		}
		return appendAudit(tx, ev)
	})
}

// OrganisationsOfHome lists the records of a home organisation in other
// councils, oldest first.
func (db *DB) OrganisationsOfHome(ctx context.Context, homeID string) ([]*domain.Organisation, error) {
	rows, err := db.query(ctx, `SELECT `+organisationTable.list+` FROM organisations WHERE home_id = ? ORDER BY id`, homeID)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := []*domain.Organisation{}
	for rows.Next() {
		o, err := scanOrganisation(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, translate(rows.Err())
}

// nameTaken turns the unique name index's refusal into domain.NameTaken.
func nameTaken(err error) error {
	var de *domain.Error
	if err != nil && !errors.As(err, &de) && domain.ErrorCode(translate(err)) == domain.ECONFLICT {
		return domain.NameTaken()
	}
	return err
}

// OrganisationByID returns ENOTFOUND when there is none.
func (db *DB) OrganisationByID(ctx context.Context, id string) (*domain.Organisation, error) {
	o, err := scanOrganisation(db.queryRow(ctx, `SELECT `+organisationTable.list+` FROM organisations WHERE id = ?`, id))
	return o, translateNotFound(err, "Organisation not found.")
}

// OrganisationByNameKey returns the authority's organisation with the name key.
func (db *DB) OrganisationByNameKey(ctx context.Context, authorityID, key string) (*domain.Organisation, error) {
	o, err := scanOrganisation(db.queryRow(ctx, `SELECT `+organisationTable.list+` FROM organisations WHERE authority_id = ? AND name_key = ?`, authorityID, key))
	return o, translateNotFound(err, "Organisation not found.")
}

// FindOrganisations lists newest first.
func (db *DB) FindOrganisations(ctx context.Context, f domain.OrganisationFilter) ([]*domain.Organisation, string, error) {
	where, args := []string{"authority_id = ?"}, []any{f.AuthorityID}
	if f.Status != "" {
		where, args = append(where, "status = ?"), append(args, f.Status)
	}
	if f.Kind != "" {
		where, args = append(where, "kind = ?"), append(args, f.Kind)
	}
	return findPage(ctx, db, "organisations", organisationTable.list, where, args, f.Page, scanOrganisation, func(o *domain.Organisation) string { return o.ID })
}

// UpdateOrganisation writes o if the stored version is prev.
func (db *DB) UpdateOrganisation(ctx context.Context, o *domain.Organisation, prev int64, ev *domain.AuditEvent) error {
	return db.UpdateOrganisations(ctx, []domain.OrganisationChange{{Org: o, Prev: prev, Event: ev}})
}

// migrateOrganisationNames gives every organisation a name key and makes
// the key unique per authority. An organisation from before the key (0004
// left it NULL) whose key an older one of its authority already has (names
// were not unique then) gets domain.DuplicateNameKey, so the index can be
// built and the database opens.
func migrateOrganisationNames(w *sql.DB) error {
	rows, err := w.Query(`SELECT id, authority_id, name FROM organisations WHERE name_key IS NULL ORDER BY id`)
	if err != nil {
		return err
	}
	type named struct{ id, authority, key string }
	var todo []named
	for rows.Next() {
		var n named
		var name string
		if err := rows.Scan(&n.id, &n.authority, &name); err != nil {
			rows.Close()
			return err
		}
		n.key = domain.NameKey(name)
		todo = append(todo, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, n := range todo {
		var taken int
		if err := w.QueryRow(`SELECT COUNT(*) FROM organisations WHERE authority_id = ? AND name_key = ?`, n.authority, n.key).Scan(&taken); err != nil {
			return err
		}
		if taken > 0 {
			n.key = domain.DuplicateNameKey(n.key, n.id)
		}
		if _, err := w.Exec(`UPDATE organisations SET name_key = ? WHERE id = ?`, n.key, n.id); err != nil {
			return err
		}
	}
	_, err = w.Exec(`CREATE UNIQUE INDEX IF NOT EXISTS organisations_name ON organisations(authority_id, name_key)`)
	return err
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(...any) error }

// findPage runs a newest-first keyset page over table, reading cols with scan.
func findPage[T any](ctx context.Context, q *DB, table, cols string, where []string, args []any, p domain.Page, scan func(scanner) (T, error), id func(T) string) ([]T, string, error) {
	if p.After != "" {
		where, args = append(where, "id < ?"), append(args, p.After)
	}
	limit := limitOf(p.Limit)
	args = append(args, limit+1)
	rows, err := q.query(ctx, "SELECT "+cols+" FROM "+table+" WHERE "+strings.Join(where, " AND ")+" ORDER BY id DESC LIMIT ?", args...)
	if err != nil {
		return nil, "", translate(err)
	}
	defer rows.Close()
	out := make([]T, 0, limit)
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, "", translate(err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, "", translate(err)
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		next = id(out[limit-1])
	}
	return out, next, nil
}

// UpdateOrganisations writes every change in one transaction.
func (db *DB) UpdateOrganisations(ctx context.Context, cs []domain.OrganisationChange) error {
	return db.tx(ctx, func(tx *wtx) error {
		for _, c := range cs {
			if err := organisationTable.update(tx, c.Org.ID, c.Prev, fromOrganisation(c.Org).fields()); err != nil {
				return nameTaken(err)
			}
			if err := appendAudit(tx, c.Event); err != nil {
				return err
			}
		}
		return nil
	})
}
