package domain

import (
	"io"
	"strconv"
	"strings"
	"time"
)

// Record sources: a pledge or delivery made in the platform, or brought
// in by an officer's import of older and live contracts. An empty Source
// is SourceApp.
const (
	SourceApp    = "app"
	SourceImport = "import"
)

// SourceOf is the source a record shows: SourceApp when none is set.
func SourceOf(s string) string {
	if s == "" {
		return SourceApp
	}
	return s
}

// ContractRow is one line of a contracts import: one commitment of a
// contract already running, with what has been delivered of it so far.
// Rows that share a reference are one contract.
type ContractRow struct {
	Line                                                       int
	Reference, Title, Directorate, SupplierName, CompanyNumber string
	ContractValuePence                                         int64
	Description                                                string
	Quantity                                                   int64
	SecuredPence, DeliveredPence                               int64
	Due                                                        time.Time
	// Delivered is the date of the delivery so far (zero when nothing is).
	Delivered time.Time
	// Start and End are the contract's dates (YYYY-MM-DD or "").
	Start, End string
	// Ward is the ward the commitment serves ("" when not given).
	Ward string
}

// column finds the first of the names the header has, or "" (and notes
// the first name as missing when required).
func (s *csvSheet) column(required bool, names ...string) string {
	for _, n := range names {
		if s.has(n) {
			return n
		}
	}
	if required {
		s.v.Add("csv", "line 1: the header has no %q column", names[0])
	}
	return ""
}

// importDate reads a day as 2024-03-31 or 31/03/2024, from 2000 to 2200.
func importDate(s string) (time.Time, bool) {
	for _, layout := range []string{time.DateOnly, "02/01/2006", "2/1/2006"} {
		if t, err := time.Parse(layout, s); err == nil && t.Year() >= 2000 && t.Year() <= 2200 {
			return t, true
		}
	}
	return time.Time{}, false
}

// rowPounds reads a money cell into pence, recording a bad one (and one
// of 0 when positive); an empty cell is 0 unless required.
func rowPounds(rv *Validation, name, s string, required, positive bool) int64 {
	if s == "" {
		if required {
			rv.Add(name, "%s is missing", name)
		}
		return 0
	}
	p, ok := ParsePounds(s)
	switch {
	case !ok || p > MaxPence:
		rv.Add(name, "%s %q is not an amount in pounds like 1250.00 or £1,250", name, truncateText(s, 30))
	case positive && p < 1:
		rv.Add(name, "%s must be more than £0", name)
	}
	return p
}

// rowDate reads a date cell, recording a bad one; an empty cell is the
// zero time unless required.
func rowDate(rv *Validation, name, s string, required bool) time.Time {
	if s == "" {
		if required {
			rv.Add(name, "%s is missing", name)
		}
		return time.Time{}
	}
	t, ok := importDate(s)
	if !ok {
		rv.Add(name, "%s %q is not a date like 2024-03-31 or 31/03/2024", name, truncateText(s, 30))
	}
	return t
}

// ParseContractsCSV reads an import of live and older contracts. The
// header (names in any case and order) has: contract reference, title,
// directorate, supplier name, supplier company number, contract value,
// measure or description (or measure, or description), quantity,
// secured £, delivered £, commitment due date, delivery date; and
// optionally contract start date, contract end date and ward. Every bad
// row is reported with its line number; any error means nothing is
// imported. The rows are checked against the council's data by
// ImportContracts.
func ParseContractsCSV(r io.Reader) ([]ContractRow, error) {
	sh, err := newSheet(r, 5<<20)
	if err != nil {
		return nil, err
	}
	ref, title, dir := sh.column(true, "contract reference"), sh.column(true, "title"), sh.column(true, "directorate")
	sup, num := sh.column(true, "supplier name"), sh.column(true, "supplier company number")
	value, desc := sh.column(true, "contract value"), sh.column(true, "measure or description", "measure", "description")
	qty, sec, del := sh.column(true, "quantity"), sh.column(true, "secured £", "secured"), sh.column(true, "delivered £", "delivered")
	due, ddate := sh.column(true, "commitment due date", "due date"), sh.column(true, "delivery date")
	start, end, ward := sh.column(false, "contract start date", "start date"), sh.column(false, "contract end date", "end date"), sh.column(false, "ward")
	if err := sh.v.Err(); err != nil {
		return nil, err
	}
	var rows []ContractRow
	n := sh.each(5000, "commitments", func(line int, get func(string) string, rv *Validation) {
		c := ContractRow{Line: line, Reference: get(ref), Title: cleanName(get(title)), Directorate: cleanName(get(dir)), SupplierName: cleanName(get(sup)),
			CompanyNumber: strings.ToUpper(strings.Join(strings.Fields(get(num)), "")), Description: get(desc), Ward: get(ward)}
		checkText(rv, "contract reference", c.Reference, 1, 60, true)
		checkText(rv, "title", c.Title, 3, 200, true)
		checkText(rv, "directorate", c.Directorate, 2, 100, true)
		checkName(rv, "supplier name", c.SupplierName, 2, 200)
		if c.CompanyNumber != "" && !companyNumber.MatchString(c.CompanyNumber) {
			rv.Add("supplier company number", "supplier company number %q is not 8 characters like 01234567 or SC123456", truncateText(c.CompanyNumber, 20))
		}
		checkTextML(rv, "measure or description", c.Description, 3, 2000, true, false)
		checkText(rv, "ward", c.Ward, 0, 20, false)
		c.ContractValuePence = rowPounds(rv, "contract value", get(value), true, true)
		q, err := strconv.ParseInt(get(qty), 10, 64)
		if err != nil || q < 1 || q > 1_000_000_000 {
			rv.Add("quantity", "quantity %q must be a whole number from 1", truncateText(get(qty), 20))
		}
		c.Quantity = q
		c.SecuredPence = rowPounds(rv, "secured £", get(sec), true, true)
		c.DeliveredPence = rowPounds(rv, "delivered £", get(del), false, false)
		if c.SecuredPence > 0 && c.DeliveredPence > c.SecuredPence {
			rv.Add("delivered £", "delivered £ (%s) is more than secured £ (%s)", Pounds(c.DeliveredPence), Pounds(c.SecuredPence))
		}
		c.Due = rowDate(rv, "commitment due date", get(due), true)
		c.Delivered = rowDate(rv, "delivery date", get(ddate), c.DeliveredPence > 0)
		for _, d := range []struct {
			name string
			dst  *string
		}{{start, &c.Start}, {end, &c.End}} {
			if t := rowDate(rv, d.name, get(d.name), false); !t.IsZero() {
				*d.dst = t.Format(time.DateOnly)
			}
		}
		if c.Start != "" && c.End != "" && c.End < c.Start {
			rv.Add("contract end date", "contract end date is before its start date")
		}
		if rv.Err() == nil {
			rows = append(rows, c)
		}
	})
	if err := sh.done(n, "commitments"); err != nil {
		return nil, err
	}
	return rows, nil
}
