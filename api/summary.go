package api

import (
	"html/template"

	"github.com/gofiber/fiber/v2"

	"needmatch/domain"
)

// summaryCSS is the printable summary's only style, allowed by its hash
// (pageCSP): the record's, with the figures side by side and one A4 page.
const summaryCSS = recordCSS + `.figs{display:flex;flex-wrap:wrap;gap:1rem;margin:1rem 0}.fig{border-left:4px solid #1d70b8;padding:.2rem .8rem;min-width:11rem}.fig b{display:block;font-size:1.6rem}h2{margin-top:1.5rem}@page{size:A4;margin:12mm}@media print{h2{break-after:avoid}table{font-size:.85rem}}`

var summaryCSP = pageCSP(summaryCSS)

// summaryYearsHTML is a summary's trend by financial year.
const summaryYearsHTML = `<h2>By financial year</h2>
<table><thead><tr><th scope="col">Year</th><th scope="col">Secured</th><th scope="col">Delivered</th><th scope="col">Verified</th></tr></thead><tbody>
{{range .ByYear}}<tr><th scope="row">{{.Label}}</th><td class="n">{{pounds .ApprovedPence}}</td><td class="n">{{pounds .DeliveredPence}}</td><td class="n">{{pounds .VerifiedPence}}</td></tr>
{{else}}<tr><td colspan="4">No social value recorded yet.</td></tr>{{end}}
</tbody></table>
`

var summaryPage = template.Must(template.New("summary").Funcs(pageFuncs).Parse(`<!doctype html>
<html lang="en-GB"><head><meta charset="utf-8"><title>Social value summary: {{.Name}}</title>
<style>` + summaryCSS + `</style>
</head><body>
<h1>Social value summary: {{.Name}}</h1>
<p>Figures recorded by the council{{if .SinceLabel}} since {{.SinceLabel}}{{end}}, as of {{date .ComputedAt}}.</p>
<div class="figs">
<p class="fig"><b>{{percent .SecuredPercent}}</b>of contract value secured as social value ({{pounds .ContractValuePence}} of contracts)</p>
<p class="fig"><b>{{pounds .SecuredPence}}</b>secured{{if .SinceLabel}} since {{.SinceLabel}}{{end}}</p>
<p class="fig"><b>{{pounds .DeliveredPence}}</b>recorded as delivered, of which {{pounds .VerifiedPence}} verified by the council</p>
<p class="fig"><b>{{with .LocalSpend}}{{percent .LocalPercent}}{{else}}Not recorded{{end}}</b>{{with .LocalSpend}}of spend with local suppliers in {{.Label}} ({{pounds .LocalPence}} of {{pounds .TotalPence}}){{else}}local spend share: the council's payments are not recorded here{{end}}</p>
</div>
` + summaryYearsHTML + `<h2>Contracts with most value secured</h2>
<table><thead><tr><th scope="col">Contract</th><th scope="col">Contract value</th><th scope="col">Secured</th><th scope="col">Share</th><th scope="col">Delivered</th><th scope="col">Verified</th></tr></thead><tbody>
{{range .TopContracts}}<tr><th scope="row">{{.Label}}</th><td class="n">{{if .ContractValuePence}}{{pounds .ContractValuePence}}{{else}}not known{{end}}</td><td class="n">{{pounds .ApprovedPence}}</td><td class="n">{{percent .SecuredPercent}}</td><td class="n">{{pounds .DeliveredPence}}</td><td class="n">{{pounds .VerifiedPence}}</td></tr>
{{else}}<tr><td colspan="6">No contract has social value secured yet.</td></tr>{{end}}
</tbody></table>
<h2>Overdue commitments</h2>
<p>{{with .Overdue}}{{if eq .Count 0}}No commitment is past its due date without verified delivery.{{else}}{{.Count}} {{if eq .Count 1}}commitment is{{else}}commitments are{{end}} past the due date without verified delivery, {{pounds .ValuePence}} committed on them.{{end}}{{end}}</p>
</body></html>
`))

func (s *Server) handleLedgerSummary(c *fiber.Ctx) error {
	sum, err := s.svc.CouncilSummary(c.UserContext(), actor(c))
	if err != nil {
		return err
	}
	return sendSummary(c, summaryPage, sum)
}

var regionSummaryPage = template.Must(template.New("region-summary").Funcs(pageFuncs).Parse(`<!doctype html>
<html lang="en-GB"><head><meta charset="utf-8"><title>Social value summary: {{.Name}}</title>
<style>` + summaryCSS + `</style>
</head><body>
<h1>Social value summary: {{.Name}}</h1>
<p>Figures recorded by the councils of the region{{if .Total.SinceLabel}} since {{.Total.SinceLabel}}{{end}}, as of {{date .ComputedAt}}, added up from each council's own summary.</p>
{{with .Total}}<div class="figs">
<p class="fig"><b>{{percent .SecuredPercent}}</b>of contract value secured as social value ({{pounds .ContractValuePence}} of contracts)</p>
<p class="fig"><b>{{pounds .SecuredPence}}</b>secured{{if .SinceLabel}} since {{.SinceLabel}}{{end}}</p>
<p class="fig"><b>{{pounds .DeliveredPence}}</b>recorded as delivered, of which {{pounds .VerifiedPence}} verified by the councils</p>
<p class="fig"><b>{{with .LocalSpend}}{{percent .LocalPercent}}{{else}}Not recorded{{end}}</b>{{with .LocalSpend}}of spend with local suppliers in {{.Label}} ({{pounds .LocalPence}} of {{pounds .TotalPence}}){{else}}local spend share: no council's payments are recorded here{{end}}</p>
</div>{{end}}
<h2>By council</h2>
<table><thead><tr><th scope="col">Council</th><th scope="col">Secured</th><th scope="col">Share of contract value</th><th scope="col">Delivered</th><th scope="col">Verified</th><th scope="col">Local spend share</th><th scope="col">Overdue</th></tr></thead><tbody>
{{range .Councils}}<tr><th scope="row">{{.Name}}</th>{{template "figures" .}}</tr>
{{end}}{{with .Total}}<tr><th scope="row">All councils</th>{{template "figures" .}}</tr>{{end}}
</tbody></table>
` + summaryYearsHTML + `<h2>Contracts with most value secured</h2>
<table><thead><tr><th scope="col">Contract</th><th scope="col">Council</th><th scope="col">Contract value</th><th scope="col">Secured</th><th scope="col">Share</th><th scope="col">Verified</th></tr></thead><tbody>
{{range .TopContracts}}<tr><th scope="row">{{.Label}}</th><td>{{.CouncilName}}</td><td class="n">{{if .ContractValuePence}}{{pounds .ContractValuePence}}{{else}}not known{{end}}</td><td class="n">{{pounds .ApprovedPence}}</td><td class="n">{{percent .SecuredPercent}}</td><td class="n">{{pounds .VerifiedPence}}</td></tr>
{{else}}<tr><td colspan="6">No contract has social value secured yet.</td></tr>{{end}}
</tbody></table>
</body></html>
{{define "figures"}}<td class="n">{{pounds .SecuredPence}}</td><td class="n">{{percent .SecuredPercent}}</td><td class="n">{{pounds .DeliveredPence}}</td><td class="n">{{pounds .VerifiedPence}}</td><td class="n">{{with .LocalSpend}}{{percent .LocalPercent}} ({{.Label}}){{else}}not recorded{{end}}</td><td class="n">{{.Overdue.Count}} ({{pounds .Overdue.ValuePence}})</td>{{end}}
`))

func (s *Server) handleRegionSummary(c *fiber.Ctx) error {
	sum, err := s.svc.GetRegionSummary(c.UserContext(), actor(c), c.Params("slug"))
	if err != nil {
		return err
	}
	return sendSummary(c, regionSummaryPage, sum)
}

// sendSummary answers a summary as JSON or, with ?format=html, as its
// printable page.
func sendSummary(c *fiber.Ctx, page *template.Template, sum any) error {
	switch c.Query("format") {
	case "html":
		return sendPage(c, page, summaryCSP, sum)
	case "", "json":
		return c.JSON(sum)
	}
	return domain.FieldErrorf("format", "format must be json or html")
}
