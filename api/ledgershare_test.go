package api

import (
	"encoding/csv"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"needmatch/domain"
)

// The Excel-ready ledger: names defused against formulas, numbers left
// as numbers (a negative gap stays a number), pounds with two decimals.
func TestLedgerExcelDefusesNamesOnly(t *testing.T) {
	p := domain.Percent(3825)
	l := &domain.Ledger{Totals: domain.LedgerRow{Label: "Total", ApprovedPence: 100, VerifiedPence: 250, GapPence: -150, ContractValuePence: 123_456_789, SecuredPercent: &p}}
	l.BySupplier = []domain.LedgerRow{{Key: "s1", Label: `=HYPERLINK("x")`, ApprovedPence: 5}, {Key: "s2", Label: "@SUM(1)"}, {Key: "s3", Label: "+44 Ltd"}, {Key: "s4", Label: "-minus"}}
	l.ByMonth = []domain.LedgerRow{{Key: "2026-03", Label: "2026-03", ApprovedPence: 1}}
	app := fiber.New()
	app.Get("/", func(c *fiber.Ctx) error {
		return writeCSV(c, "x.csv", "\uFEFF", ledgerExcelRows(l), func(col int) bool { return col < 2 })
	})
	resp, err := app.Test(httptest.NewRequest("GET", "/", nil))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(b), "\uFEFF"))).ReadAll()
	if err != nil || !strings.HasPrefix(string(b), "\uFEFF") {
		t.Fatalf("csv %q: %v", b, err)
	}
	if got := strings.Join(rows[1], "|"); got != "Total|All social value shown|1234567.89|1.00|0.00|2.50|-1.50|0.00|0.00|38.25||" {
		t.Fatalf("total row = %s", got)
	}
	if rows[2][2] != "" || rows[2][9] != "" {
		t.Fatalf("a row without a contract value has no share: %v", rows[2])
	}
	var names []string
	for _, r := range rows[1:] {
		names = append(names, r[0]+":"+r[1])
	}
	if got := strings.Join(names, "|"); got != `Total:All social value shown|Supplier:'=HYPERLINK("x")|Supplier:'@SUM(1)|Supplier:'+44 Ltd|Supplier:'-minus|Month:March 2026` {
		t.Fatalf("names = %s", got)
	}
}
