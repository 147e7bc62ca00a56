package domain

import (
	"context"
	"io"
	"regexp"
	"strings"
	"time"
)

// Payment is a payment of the council to a supplier under a contract,
// brought in by an officer's import. Base is the supplier's postcode
// district (SK4) or ward code as the council's payments file gave it, ""
// when it gave none (the supplier's own profile says then).
type Payment struct {
	ID                string    `json:"id"`
	AuthorityID       string    `json:"-"`
	Key               string    `json:"-"`
	ContractID        string    `json:"contractId"`
	ContractReference string    `json:"contractReference"`
	SupplierID        string    `json:"supplierId"`
	SupplierName      string    `json:"supplierName"`
	Base              string    `json:"base,omitempty"`
	AmountPence       int64     `json:"amountPence"`
	Date              time.Time `json:"date"`
	CreatedAt         time.Time `json:"createdAt"`
}

// PaymentStore persists payments.
type PaymentStore interface {
	// CreatePayments inserts the payments, evs[i] the audit event of ps[i]:
	// the embedded store in one transaction; the MongoDB store one by one,
	// leaving out a payment whose key the authority already has, so an
	// import cut short is finished by importing the same file again.
	CreatePayments(ctx context.Context, ps []*Payment, evs []*AuditEvent) error
	// Payments lists the authority's payments, oldest date first (then id).
	Payments(ctx context.Context, authorityID string) ([]*Payment, error)
}

// PaymentRow is one line of a payments import.
type PaymentRow struct {
	Line                      int
	Reference, Supplier, Base string
	AmountPence               int64
	Date                      time.Time
}

// postcodeDistrict is the shape of a UK postcode district (outward code).
var postcodeDistrict = regexp.MustCompile(`^[A-Z]{1,2}[0-9][A-Z0-9]?$`)

// ParsePaymentsCSV reads an import of the council's payments to
// suppliers. The header (any case and order) has: contract reference,
// supplier, amount, payment date, and optionally the supplier's base as
// "supplier postcode district or ward code" (or "postcode district or
// ward code", or "base"). Every bad row is reported with its line; any
// error means nothing is imported.
func ParsePaymentsCSV(r io.Reader) ([]PaymentRow, error) {
	sh, err := newSheet(r, 5<<20)
	if err != nil {
		return nil, err
	}
	ref, sup := sh.column(true, "contract reference"), sh.column(true, "supplier", "supplier name")
	amount, date := sh.column(true, "amount", "amount £"), sh.column(true, "payment date", "date")
	base := sh.column(false, "supplier postcode district or ward code", "postcode district or ward code", "base")
	if err := sh.v.Err(); err != nil {
		return nil, err
	}
	var rows []PaymentRow
	n := sh.each(50000, "payments", func(line int, get func(string) string, rv *Validation) {
		p := PaymentRow{Line: line, Reference: get(ref), Supplier: cleanName(get(sup)), Base: strings.ToUpper(strings.Join(strings.Fields(get(base)), ""))}
		checkText(rv, "contract reference", p.Reference, 1, 60, true)
		checkName(rv, "supplier", p.Supplier, 2, 200)
		checkText(rv, "base", p.Base, 0, 20, false)
		p.AmountPence = rowPounds(rv, "amount", get(amount), true, true)
		p.Date = rowDate(rv, "payment date", get(date), true)
		if rv.Err() == nil {
			rows = append(rows, p)
		}
	})
	if err := sh.done(n, "payments"); err != nil {
		return nil, err
	}
	return rows, nil
}

// PaymentImportResult says what a payments import wrote.
type PaymentImportResult struct {
	Payments   int   `json:"payments"`
	Kept       int   `json:"kept"`
	TotalPence int64 `json:"totalPence"`
	Unchanged  bool  `json:"unchanged"`
}

// ImportPayments brings in the council's payments (rows from
// ParsePaymentsCSV), all or nothing: each row's contract must be one of
// the council's (by reference) and its supplier one on the platform (by
// company number or name); a base that is not a postcode district must be
// a ward code of the council. A payment is keyed by its row (contract,
// supplier, base, amount, date and how many same rows came before it in
// the file), so importing the same file again changes nothing.
func (s *Service) ImportPayments(ctx context.Context, a *Actor, rows []PaymentRow) (*PaymentImportResult, error) {
	if err := requireRole(a, RoleOfficer, RoleAdmin); err != nil {
		return nil, err
	}
	st, err := s.importState(ctx, a)
	if err != nil {
		return nil, err
	}
	have, err := s.Store.Payments(ctx, st.auth.ID)
	if err != nil {
		return nil, err
	}
	keys := map[string]bool{}
	for _, p := range have {
		keys[p.Key] = true
	}
	now := s.now()
	var v Validation
	res := &PaymentImportResult{}
	var ps []*Payment
	var evs []*AuditEvent
	occurs := map[string]int{}
	for _, r := range rows {
		c := st.contracts[r.Reference]
		if c == nil {
			v.Add("csv", "line %d: contract %s is not one of the council's contracts", r.Line, truncateText(r.Reference, 60))
			continue
		}
		o := st.supplierFor(strings.ToUpper(r.Supplier), r.Supplier)
		if o == nil {
			v.Add("csv", "line %d: supplier %q is not on the platform (import its contract first)", r.Line, truncateText(r.Supplier, 60))
			continue
		}
		if r.Base != "" && !postcodeDistrict.MatchString(r.Base) {
			if _, ok := st.auth.Area(r.Base); !ok {
				v.Add("csv", "line %d: %q is neither a postcode district (like SK4) nor a ward code of %s", r.Line, truncateText(r.Base, 20), st.auth.Name)
				continue
			}
		}
		row := sprintf("%s\x1f%s\x1f%s\x1f%d\x1f%s", c.ID, o.ID, r.Base, r.AmountPence, r.Date.Format(time.DateOnly))
		occurs[row]++
		key := sprintf("%s\x1f%d", row, occurs[row])
		res.TotalPence += r.AmountPence
		if keys[key] {
			res.Kept++
			continue
		}
		p := &Payment{ID: NewID(), AuthorityID: st.auth.ID, Key: key, ContractID: c.ID, ContractReference: c.Reference, SupplierID: o.ID,
			SupplierName: o.Name, Base: r.Base, AmountPence: r.AmountPence, Date: r.Date.UTC(), CreatedAt: now}
		ps = append(ps, p)
		evs = append(evs, NewAuditEvent(st.auth.ID, a.UserID, "payment.import", "payment", p.ID, nil, p, now))
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	res.Payments, res.Unchanged = len(ps), len(ps) == 0
	if len(ps) == 0 {
		return res, nil
	}
	if err := s.Store.CreatePayments(withoutKey(ctx), ps, evs); err != nil {
		return nil, err
	}
	return res, nil
}
