package domain

import (
	"strconv"
	"strings"
	"time"
)

// Social value as a share of contract value, and financial years.
//
// A ledger row's contract value is the sum of the values of the contracts
// its secured or delivered figures stand on, each contract once; secured,
// delivered and verified are then counted only on those contracts (a
// pledge without a contract, or on a contract of unknown value, is in the
// row's pence but not in its percentages). A contract's own row always
// carries its value, so an awarded contract with nothing secured shows
// 0.00%; a contract with only offers (nothing secured or delivered) does
// not count in the contract value of a supplier, a directorate or the
// council. Percentages are basis points rounded half up, null when the
// contract value is 0 or unknown.
//
// The financial year fy=YYYY runs from April YYYY to March YYYY+1; its
// quarters are April-June (1), July-September (2), October-December (3)
// and January-March (4). A pledge is in the year of the month it was made
// and a delivery in the year of the month it happened, as for months.

// Percent is a share in basis points (hundredths of a per cent). Its JSON
// is a number with two decimals: 3825 is 38.25.
type Percent int64

// MarshalJSON writes the percentage as a number with two decimals.
func (p Percent) MarshalJSON() ([]byte, error) { return []byte(p.Decimal()), nil }

// Decimal writes the percentage with two decimals, like 38.25.
func (p Percent) Decimal() string {
	sign, n := "", int64(p)
	if n < 0 {
		sign, n = "-", -n
	}
	frac := strconv.FormatInt(n%100, 10)
	if len(frac) < 2 {
		frac = "0" + frac
	}
	return sign + strconv.FormatInt(n/100, 10) + "." + frac
}

// ShareOf is part as a share of whole in basis points, rounded half up
// (away from zero); nil when whole is not positive.
func ShareOf(part, whole int64) *Percent {
	if whole <= 0 {
		return nil
	}
	neg := part < 0
	if neg {
		part = -part
	}
	// Half up from basis points, without overflow for any pence figure.
	bp := (mulDiv(2*part, 10_000, whole) + 1) / 2
	if neg {
		bp = -bp
	}
	p := Percent(bp)
	return &p
}

// ledgerShare adds up a row's figures on contracts of known value.
type ledgerShare struct {
	contracts                     map[string]bool
	value                         int64
	approved, delivered, verified int64
}

// add counts a cell's figures on contract id of value v (unknown: 0),
// the contract's value once, when the cell has value secured or
// delivered on it (or always, with always).
func (s *ledgerShare) add(id string, v int64, c LedgerSum, always bool) {
	if id == "" || v <= 0 || (!always && c.ApprovedPence == 0 && c.DeliveredPence == 0) {
		return
	}
	if s.contracts == nil {
		s.contracts = map[string]bool{}
	}
	if !s.contracts[id] {
		s.contracts[id] = true
		s.value += v
	}
	s.approved += c.ApprovedPence
	s.delivered += c.DeliveredPence
	s.verified += c.VerifiedPence
}

// plus adds another council's figures (each council's contracts are its
// own, so none is counted twice).
func (s *ledgerShare) plus(o ledgerShare) {
	s.value += o.value
	s.approved += o.approved
	s.delivered += o.delivered
	s.verified += o.verified
}

// apply writes the share onto a row.
func (s *ledgerShare) apply(r *LedgerRow) {
	r.ContractValuePence = s.value
	r.SecuredPercent = ShareOf(s.approved, s.value)
	r.DeliveredPercent = ShareOf(s.delivered, s.value)
	r.VerifiedPercent = ShareOf(s.verified, s.value)
}

// supplierContractKey is the key of a supplier's records on one contract
// (DimSupplierContract).
func supplierContractKey(supplier, contract string) string { return supplier + "|" + contract }

// splitSupplierContract splits a DimSupplierContract key.
func splitSupplierContract(key string) (supplier, contract string) {
	supplier, contract, _ = strings.Cut(key, "|")
	return supplier, contract
}

// FYOfMonth is the financial year (YYYY, the year it starts in April) of
// a month YYYY-MM; "" for anything else.
func FYOfMonth(month string) string {
	t, err := time.Parse("2006-01", month)
	if err != nil {
		return ""
	}
	return strconv.Itoa(FinancialYearOf(t))
}

// FYLabel names a financial year as people write it: 2025 is "2025/26".
func FYLabel(fy string) string {
	y, err := strconv.Atoi(fy)
	if err != nil {
		return fy
	}
	return fy + "/" + twoDigitYear(y+1)
}

func twoDigitYear(y int) string {
	s := strconv.Itoa(y % 100)
	if len(s) < 2 {
		s = "0" + s
	}
	return s
}

// monthAdd is the month n months after YYYY-MM month y-m.
func monthAdd(y, m, n int) string {
	t := (y*12 + m - 1) + n
	s := strconv.Itoa(t%12 + 1)
	if len(s) < 2 {
		s = "0" + s
	}
	return strconv.Itoa(t/12) + "-" + s
}

// MonthRange is the first and last month (YYYY-MM, inclusive) of the
// filter's financial year or quarter; "", "" without one. Call it on a
// checked filter.
func (f LedgerFilter) MonthRange() (from, to string) {
	if f.FY == "" {
		return "", ""
	}
	y, err := strconv.Atoi(f.FY)
	if err != nil {
		return "", ""
	}
	if q, err := strconv.Atoi(f.Quarter); err == nil && q >= 1 && q <= 4 {
		return monthAdd(y, 4, 3*(q-1)), monthAdd(y, 4, 3*(q-1)+2)
	}
	return monthAdd(y, 4, 0), monthAdd(y, 4, 11)
}

// checkPeriod validates the financial year and quarter filters.
func checkPeriod(v *Validation, fy, quarter string) {
	if fy != "" {
		y, err := strconv.Atoi(fy)
		if err != nil || len(fy) != 4 || y < 2000 || y > 2099 {
			v.Add("fy", "fy must be the year a financial year starts in (April), like 2025 for 2025/26")
		}
	}
	if quarter != "" {
		switch {
		case quarter < "1" || quarter > "4" || len(quarter) != 1:
			v.Add("quarter", "quarter must be 1 (April to June), 2, 3 or 4 (January to March)")
		case fy == "":
			v.Add("quarter", "A quarter needs its financial year: give fy too")
		}
	}
}
