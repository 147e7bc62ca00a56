package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/csv"
	"html/template"
	"time"

	"github.com/gofiber/fiber/v2"

	"needmatch/domain"
)

// valueRoutes are the social value ledger's routes: measures, contracts
// and bids, deliveries and evidence, the ledger, overdue commitments,
// supplier records and open data.
func (s *Server) valueRoutes() []route {
	officer := []string{domain.RoleOfficer, domain.RoleAdmin}
	signedIn := []string{domain.RoleGroup, domain.RoleSupplier, domain.RoleOfficer, domain.RoleAdmin}
	supplier := []string{domain.RoleSupplier}
	group := []string{domain.RoleGroup}
	supplierOrOfficer := []string{domain.RoleSupplier, domain.RoleOfficer, domain.RoleAdmin}
	return []route{
		{"GET", "/measures", "The council's measures catalogue: current, or ?version=N (?format=csv)", signedIn, nil, s.handleMeasuresGet},
		{"GET", "/measures/versions", "Every version of the council's measures catalogue", officer, nil, s.handleMeasureVersions},
		{"POST", "/measures/import", "Import the council's measures from CSV as a new catalogue version (all or nothing)", []string{domain.RoleAdmin}, measuresImportBody{}, s.handleMeasuresImport},
		{"POST", "/contracts", "Add a contract (pre_market or tender)", officer, contractBody{}, s.handleContractCreate},
		{"GET", "/contracts", "Contracts of the council (filter stage; ?format=csv)", signedIn, nil, s.handleContractList},
		{"GET", "/contracts/:id", "One contract with the social value rules that apply", signedIn, nil, s.handleContractGet},
		{"POST", "/contracts/:id/stage", "Move a contract to tender, live or closed", officer, stageBody{}, s.handleContractStage},
		{"POST", "/contracts/:id/award", "Award a contract to a submitted, compliant bid: its pledges become commitments due on dueDate", officer, awardBody{}, s.handleContractAward},
		{"POST", "/contracts/:id/bids", "Open the supplier's bid on a contract at tender", supplier, nil, s.handleBidCreate},
		{"GET", "/contracts/:id/bids", "Bids on a contract: all for officers, its own for a supplier (?format=csv)", supplierOrOfficer, nil, s.handleBidList},
		{"GET", "/bids/:id", "One bid with its pledges and the three-requests check", supplierOrOfficer, nil, s.handleBidGet},
		{"POST", "/bids/:id/submit", "Submit one's own bid (needs pledges to at least three published requests)", supplier, nil, s.handleBidSubmit},
		{"POST", "/bids/:id/withdraw", "Withdraw one's own bid before award", supplier, nil, s.handleBidWithdraw},
		{"POST", "/evidence", "Upload an evidence file (multipart/form-data, field file; PDF, PNG, JPEG or text; at most 10 MiB)", supplier, nil, s.handleEvidenceUpload},
		{"GET", "/evidence/:id", "An evidence file's record", signedIn, nil, s.handleEvidenceGet},
		{"GET", "/evidence/:id/file", "An evidence file's content", signedIn, nil, s.handleEvidenceFile},
		{"POST", "/pledges/:id/deliveries", "Report delivery against one's own approved pledge", supplier, deliveryBody{}, s.handleDeliveryCreate},
		{"GET", "/deliveries", "Deliveries the caller may see (filters pledge, status and the ledger's; ?format=csv)", signedIn, nil, s.handleDeliveryList},
		{"GET", "/deliveries/:id", "One delivery", signedIn, nil, s.handleDeliveryGet},
		{"POST", "/deliveries/:id/confirm", "The group confirms a delivery to its request", group, nil, s.handleDeliveryConfirm},
		{"POST", "/deliveries/:id/dispute", "The group disputes a delivery, with a reason", group, reasonBody{}, s.handleDeliveryDispute},
		{"POST", "/deliveries/:id/verify", "An officer verifies a delivery (reason required when the group has not confirmed)", officer, optionalReasonBody{}, s.handleDeliveryVerify},
		{"POST", "/deliveries/:id/reject", "An officer rejects a delivery, with a reason", officer, reasonBody{}, s.handleDeliveryReject},
		{"GET", "/ledger", "The social value ledger by contract, supplier, directorate, ward, theme, month and financial year, with shares of contract value (filters, fy, quarter; ?format=csv, or excel: pounds and names)", signedIn, nil, s.handleLedger},
		{"GET", "/ledger/pledges", "The pledges behind a ledger figure (the ledger's filters, status; ?format=csv)", signedIn, nil, s.handleLedgerPledges},
		{"GET", "/ledger/summary", "The council's one-page summary: secured as a share of contract value, totals since the first year, trend by financial year, top contracts, overdue (?format=html: printable page)", officer, nil, s.handleLedgerSummary},
		{"GET", "/overdue", "Commitments past due without verified delivery, oldest first, with their age (?format=csv)", officer, nil, s.handleOverdue},
		{"GET", "/suppliers/:id/record", "A supplier's record of delivered and verified social value (?format=csv or html)", supplierOrOfficer, nil, s.handleSupplierRecord},
		{"GET", "/opendata", "Open data: published requests and verified totals of ?authority=slug, secured as a share of contract value (fy, quarter; no personal data)", nil, nil,
			func(c *fiber.Ctx) error { return s.cachedPublic(c, s.handleOpenData) }},
	}
}

// wantCSV reports whether the caller asked for ?format=csv.
func wantCSV(c *fiber.Ctx) bool { return c.Query("format") == "csv" }

// sendCSV writes rows as a CSV download; text cells that a spreadsheet
// would run as formulas are defused.
func sendCSV(c *fiber.Ctx, name string, rows [][]string) error {
	return writeCSV(c, name, "", rows, func(int) bool { return true })
}

// writeCSV writes rows after prefix as a CSV download, defusing the text
// cells of the columns safe says (after the header row).
func writeCSV(c *fiber.Ctx, name, prefix string, rows [][]string, safe func(col int) bool) error {
	var buf bytes.Buffer
	buf.WriteString(prefix)
	w := csv.NewWriter(&buf)
	for i, r := range rows {
		if i > 0 {
			for j := range r {
				if safe(j) {
					r[j] = domain.CSVSafe(r[j])
				}
			}
		}
		_ = w.Write(r)
	}
	w.Flush()
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	return c.Send(buf.Bytes())
}

// everyPage reads every page of a listing for an export (at most 100,000 rows).
func everyPage[T any](fetch func(domain.Page) ([]T, string, error)) ([]T, error) {
	return domain.AllPages(fetch, 100_000)
}

func ts(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// ledgerFilter reads the ledger's query filters.
func ledgerFilter(c *fiber.Ctx) domain.LedgerFilter {
	return domain.LedgerFilter{ContractID: c.Query("contract"), SupplierID: c.Query("supplier"), Area: c.Query("ward"), Theme: c.Query("theme"),
		Month: c.Query("month"), MeasureCode: c.Query("measure"), FY: c.Query("fy"), Quarter: c.Query("quarter")}
}

func (s *Server) handleLedger(c *fiber.Ctx) error {
	l, err := s.svc.Ledger(c.UserContext(), actor(c), ledgerFilter(c))
	if err != nil {
		return err
	}
	switch c.Query("format") {
	case "", "json":
		return c.JSON(l)
	case "excel":
		return writeCSV(c, "social-value-ledger.csv", "\uFEFF", ledgerExcelRows(l), func(col int) bool { return col < 2 })
	case "csv":
	default:
		return domain.FieldErrorf("format", "format must be json, csv or excel")
	}
	rows := [][]string{{"dimension", "key", "label", "pledged_pence", "approved_pence", "delivered_pence", "confirmed_pence", "verified_pence", "gap_pence", "measure", "unit", "pledged_units", "approved_units", "delivered_units", "confirmed_units", "verified_units", "gap_units", "records"}}
	add := func(dim string, r domain.LedgerRow) {
		rows = append(rows, []string{dim, r.Key, r.Label, i64(r.PledgedPence), i64(r.ApprovedPence), i64(r.DeliveredPence), i64(r.ConfirmedPence), i64(r.VerifiedPence), i64(r.GapPence), "", "", "", "", "", "", "", "", r.Deliveries})
		for _, u := range r.Units {
			rows = append(rows, []string{dim, r.Key, r.Label, "", "", "", "", "", "", u.MeasureCode, u.Unit, i64(u.Pledged), i64(u.Approved), i64(u.Delivered), i64(u.Confirmed), i64(u.Verified), i64(u.Gap), ""})
		}
	}
	add("total", l.Totals)
	for _, dim := range domain.LedgerDims {
		for _, r := range l.Rows(dim) {
			add(dim, r)
		}
	}
	return sendCSV(c, "ledger.csv", rows)
}

// excelViews names the ledger's dimensions in the Excel-ready CSV.
var excelViews = map[string]string{domain.DimContract: "Contract", domain.DimSupplier: "Supplier", domain.DimDirectorate: "Directorate",
	domain.DimWard: "Ward", domain.DimTheme: "Theme", domain.DimMonth: "Month", domain.DimYear: "Financial year"}

// ledgerExcelRows is the ledger for people with a spreadsheet: one row per
// ledger row, names rather than ids or codes, pounds with two decimals,
// shares of contract value in per cent (empty when the contract value is
// unknown). Only the two name columns are text.
func ledgerExcelRows(l *domain.Ledger) [][]string {
	rows := [][]string{{"Breakdown", "Name", "Contract value (£)", "Secured (£)", "Delivered (£)", "Verified (£)", "Secured, not yet verified (£)",
		"Pledged (£)", "Confirmed by the group (£)", "Secured (% of contract value)", "Delivered (% of contract value)", "Verified (% of contract value)"}}
	pct := func(p *domain.Percent) string {
		if p == nil {
			return ""
		}
		return p.Decimal()
	}
	add := func(view, name string, r domain.LedgerRow) {
		cv := ""
		if r.ContractValuePence > 0 {
			cv = poundsDecimal(r.ContractValuePence)
		}
		rows = append(rows, []string{view, name, cv, poundsDecimal(r.ApprovedPence), poundsDecimal(r.DeliveredPence), poundsDecimal(r.VerifiedPence),
			poundsDecimal(r.GapPence), poundsDecimal(r.PledgedPence), poundsDecimal(r.ConfirmedPence), pct(r.SecuredPercent), pct(r.DeliveredPercent), pct(r.VerifiedPercent)})
	}
	add("Total", "All social value shown", l.Totals)
	for _, dim := range domain.LedgerViews {
		for _, r := range l.Rows(dim) {
			name := r.Label
			if dim == domain.DimMonth {
				if t, err := time.Parse("2006-01", r.Key); err == nil {
					name = t.Format("January 2006")
				}
			}
			add(excelViews[dim], name, r)
		}
	}
	return rows
}

// poundsDecimal writes pence as pounds with two decimals and no symbol or
// separators, which a spreadsheet reads as a number: 123456 is 1234.56.
func poundsDecimal(p int64) string {
	sign := ""
	if p < 0 {
		sign, p = "-", -p
	}
	return sign + i64(p/100) + "." + twoDigits(p%100)
}

func (s *Server) handleLedgerPledges(c *fiber.Ctx) error {
	p, err := page(c)
	if err != nil {
		return err
	}
	f := domain.LedgerPledgeFilter{LedgerFilter: ledgerFilter(c), Status: domain.PledgeStatus(c.Query("status")), Page: p}
	if wantCSV(c) {
		items, err := everyPage(func(p domain.Page) ([]*domain.Pledge, string, error) {
			f.Page = p
			return s.svc.ListLedgerPledges(c.UserContext(), actor(c), f)
		})
		if err != nil {
			return err
		}
		return sendCSV(c, "pledges.csv", pledgeRows(items))
	}
	items, next, err := s.svc.ListLedgerPledges(c.UserContext(), actor(c), f)
	if err != nil {
		return err
	}
	return c.JSON(newList(items, next))
}

func pledgeRows(items []*domain.Pledge) [][]string {
	rows := [][]string{{"id", "created_at", "request", "ward", "supplier", "contract_id", "bid_id", "measure", "theme", "catalogue_version", "quantity", "unit", "value_pence", "approved_pence", "status", "due_date"}}
	for _, p := range items {
		due := ""
		if p.DueDate != nil {
			due = p.DueDate.Format(time.DateOnly)
		}
		cv := ""
		if p.CatalogueVersion > 0 {
			cv = i64(int64(p.CatalogueVersion))
		}
		rows = append(rows, []string{p.ID, ts(p.CreatedAt), p.RequestTitle, p.Area, p.OrganisationName, p.ContractID, p.BidID, p.MeasureCode, p.Theme, cv,
			i64(p.Quantity), p.Unit, i64(p.ValuePence), i64(p.ApprovedPence), string(p.Status), due})
	}
	return rows
}

func (s *Server) handleOverdue(c *fiber.Ctx) error {
	items, err := s.svc.Overdue(c.UserContext(), actor(c))
	if err != nil {
		return err
	}
	if wantCSV(c) {
		rows := [][]string{{"pledge_id", "request", "ward", "supplier", "contract_id", "status", "approved_pence", "due_date", "days_overdue", "lapses_on"}}
		for _, it := range items {
			lapses := ""
			if it.LapsesOn != nil {
				lapses = it.LapsesOn.Format(time.DateOnly)
			}
			p := it.Pledge
			rows = append(rows, []string{p.ID, p.RequestTitle, p.Area, p.OrganisationName, p.ContractID, string(p.Status), i64(p.ApprovedPence), it.DueDate.Format(time.DateOnly), i64(int64(it.DaysOverdue)), lapses})
		}
		return sendCSV(c, "overdue.csv", rows)
	}
	return c.JSON(newList(items, ""))
}

// recordCSS is the printable record's only style. The page's own
// Content-Security-Policy allows exactly this text by its hash, so no
// inline style is allowed in general.
const recordCSS = `body{font-family:system-ui,sans-serif;margin:2rem;color:#0b0c0c}table{border-collapse:collapse;width:100%}th,td{border:1px solid #b1b4b6;padding:.3rem .5rem;text-align:left}td.n{text-align:right}@media print{body{margin:0}}`

var recordCSP = pageCSP(recordCSS)

// pageCSP is the Content-Security-Policy of a printable page served by Go:
// nothing but its one style sheet, allowed by its hash.
func pageCSP(css string) string {
	h := sha256.Sum256([]byte(css))
	return "default-src 'none'; style-src 'sha256-" + base64.StdEncoding.EncodeToString(h[:]) + "'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
}

// pageFuncs are the printable pages' template functions.
var pageFuncs = template.FuncMap{
	"pounds": func(p int64) string {
		sign := ""
		if p < 0 {
			sign, p = "-", -p
		}
		return sign + "£" + groupThousands(p/100) + "." + twoDigits(p%100)
	},
	"date": func(t time.Time) string { return t.Format("2 January 2006") },
	"percent": func(p *domain.Percent) string {
		if p == nil {
			return "not known"
		}
		return p.Decimal() + "%"
	},
}

// sendPage writes a printable page with its own Content-Security-Policy.
func sendPage(c *fiber.Ctx, page *template.Template, csp string, data any) error {
	var buf bytes.Buffer
	if err := page.Execute(&buf, data); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	c.Set("Content-Security-Policy", csp)
	return c.Send(buf.Bytes())
}

var recordPage = template.Must(template.New("record").Funcs(pageFuncs).Parse(`<!doctype html>
<html lang="en-GB"><head><meta charset="utf-8"><title>Social value record: {{.OrganisationName}}</title>
<style>` + recordCSS + `</style>
</head><body>
<h1>Social value record: {{.OrganisationName}}</h1>
<p>Delivered and verified social value recorded by the council, as of {{date .ComputedAt}}.</p>
<table><tbody>
<tr><th scope="row">Commitments (approved pledges)</th><td class="n">{{.Pledged}}</td></tr>
<tr><th scope="row">Verified in full</th><td class="n">{{.Verified}}</td></tr>
<tr><th scope="row">Lapsed undelivered</th><td class="n">{{.Lapsed}}</td></tr>
<tr><th scope="row">Value approved</th><td class="n">{{pounds .ApprovedPence}}</td></tr>
<tr><th scope="row">Value delivered (reported)</th><td class="n">{{pounds .DeliveredPence}}</td></tr>
<tr><th scope="row">Value verified by the council</th><td class="n">{{pounds .VerifiedPence}}</td></tr>
{{if gt .ImportedPence 0}}<tr><th scope="row">Imported, not verified here</th><td class="n">{{pounds .ImportedPence}}</td></tr>{{end}}
</tbody></table>
<h2>Verified deliveries</h2>
<table><thead><tr><th>Date</th><th>Request</th><th>Ward</th><th>Measure</th><th>Quantity</th><th>Value</th></tr></thead><tbody>
{{range .Deliveries}}<tr><td>{{date .Date}}</td><td>{{.RequestTitle}}{{if eq .Source "import"}} (imported){{end}}</td><td>{{.Area}}</td><td>{{.MeasureCode}}</td><td class="n">{{.Quantity}} {{.Unit}}</td><td class="n">{{pounds .ValuePence}}</td></tr>
{{else}}<tr><td colspan="6">No verified deliveries yet.</td></tr>{{end}}
</tbody></table>
</body></html>
`))

func groupThousands(n int64) string {
	s := i64(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func twoDigits(n int64) string {
	if n < 10 {
		return "0" + i64(n)
	}
	return i64(n)
}

func (s *Server) handleSupplierRecord(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	r, err := s.svc.SupplierRecord(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	switch c.Query("format") {
	case "csv":
		rows := deliveryRows(r.Deliveries)
		rows = append(rows, []string{"total verified", "", "", "", "", r.OrganisationName, "", "", "", "", "", i64(r.VerifiedPence), "", "", "", "", ""})
		return sendCSV(c, "social-value-record.csv", rows)
	case "html":
		return sendPage(c, recordPage, recordCSP, r)
	case "", "json":
		return c.JSON(r)
	}
	return domain.FieldErrorf("format", "format must be json, csv or html")
}

func (s *Server) handleOpenData(c *fiber.Ctx) error {
	slug := c.Query("authority")
	od, err := s.svc.OpenDataOf(c.UserContext(), slug, domain.OpenPeriod{FY: c.Query("fy"), Quarter: c.Query("quarter")})
	if err != nil {
		return err
	}
	return c.JSON(od)
}
