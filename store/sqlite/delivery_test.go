package sqlite

import (
	"strings"
	"testing"

	"needmatch/domain"
)

// TestDeliveriesBySourceReadTheSourceIndex checks the plan of the query a
// ledger makes for its imported deliveries not yet verified: of the whole
// authority, a financial year, a quarter, a month and a contract's year,
// it reads deliveries_source in id order, never the deliveries of the
// period (every delivery of a year, with its row, at 200,000 deliveries).
func TestDeliveriesBySourceReadTheSourceIndex(t *testing.T) {
	db, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, f := range []domain.LedgerFilter{
		{AuthorityID: "a"}, {AuthorityID: "a", FY: "2025"}, {AuthorityID: "a", FY: "2025", Quarter: "2"},
		{AuthorityID: "a", Month: "2025-06"}, {AuthorityID: "a", FY: "2025", ContractID: "c"},
	} {
		table, where, args := deliveriesWhere(domain.DeliveryFilter{LedgerFilter: f, Status: domain.DeliveryReported, Source: domain.SourceImport})
		rows, err := db.write.Query(`EXPLAIN QUERY PLAN SELECT `+deliveryTable.list+` FROM `+table+` WHERE `+strings.Join(where, " AND ")+` ORDER BY id DESC LIMIT 101`, args...)
		if err != nil {
			t.Fatalf("%+v: %v", f, err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, notused int
			var detail string
			if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		got := strings.Join(plan, "; ")
		if !strings.Contains(got, "USING INDEX deliveries_source (authority_id=? AND source=? AND status=?)") || strings.Contains(got, "TEMP B-TREE") {
			t.Errorf("%+v: plan %q, want deliveries_source in id order", f, got)
		}
	}
}
