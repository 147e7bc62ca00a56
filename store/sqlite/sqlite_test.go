package sqlite_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"needmatch/domain"
	"needmatch/store/sqlite"
	"needmatch/store/sqlite/sqlitetest"
	"needmatch/store/storetest"
)

var harness = storetest.Harness{New: func(t *testing.T) domain.Store {
	db, err := sqlite.Open(sqlitetest.Dir(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}}

func TestConformance(t *testing.T) { storetest.Run(t, harness) }

func TestLedgerConformance(t *testing.T) { storetest.RunLedger(t, harness) }

// TestLegacyDuplicateNames: a database from before names were unique (its
// name keys NULL after the migrations) with two organisations of one name
// still opens: the
// older keeps the name's key, the newer gets a duplicate key, and nobody
// new can take the name.
func TestLegacyDuplicateNames(t *testing.T) {
	ctx := context.Background()
	dir := sqlitetest.Dir(t)
	db, err := sqlite.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	a := storetest.MustAuthority(t, db, "stockport")
	now := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	var ids []string
	for i, name := range []string{"Mersey Build Ltd", "Placeholder"} {
		o := &domain.Organisation{ID: domain.NewID(), AuthorityID: a.ID, Authority: a.Slug, Kind: domain.KindSupplier, Name: name, Status: domain.OrgApproved, Version: 1, CreatedAt: now, UpdatedAt: now}
		u := &domain.User{ID: domain.NewID(), AuthorityID: a.ID, Authority: a.Slug, OrganisationID: o.ID, Email: fmt.Sprintf("s%d@example.org", i), Name: "S", Role: domain.RoleSupplier, Version: 1, CreatedAt: now, UpdatedAt: now}
		if err := db.Register(ctx, o, u, nil); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, o.ID)
	}
	db.Close()
	// Make it what the migrations make of the old form: no name keys, and
	// both organisations named alike.
	raw, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "needmatch.db"))
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`DROP INDEX organisations_name`, `UPDATE organisations SET name_key = NULL, name = 'Mersey Build Ltd'`} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	raw.Close()
	db, err = sqlite.Open(dir)
	if err != nil {
		t.Fatalf("a database with duplicate names does not open: %v", err)
	}
	defer db.Close()
	for id, want := range map[string]string{ids[0]: "mersey build ltd", ids[1]: domain.DuplicateNameKey("mersey build ltd", ids[1])} {
		if o, err := db.OrganisationByID(ctx, id); err != nil || o.NameKey != want || o.Name != "Mersey Build Ltd" {
			t.Fatalf("organisation %s = %+v, %v; want key %q", id, o, err, want)
		}
	}
	o := &domain.Organisation{ID: domain.NewID(), AuthorityID: a.ID, Authority: a.Slug, Kind: domain.KindGroup, Name: "MERSEY BUILD LTD", Status: domain.OrgPending, Version: 1, CreatedAt: now, UpdatedAt: now}
	u := &domain.User{ID: domain.NewID(), AuthorityID: a.ID, Authority: a.Slug, OrganisationID: o.ID, Email: "new@example.org", Name: "N", Role: domain.RoleGroup, Version: 1, CreatedAt: now, UpdatedAt: now}
	if err := db.Register(ctx, o, u, nil); domain.ErrorCode(err) != domain.ECONFLICT {
		t.Fatalf("a new organisation took a legacy name: %v", err)
	}
}

// TestAllocationDeltaStoresTheDifferences checks that a proposal with a
// delta is stored as the delta alone (the items it sets and the pledges
// gone), not as every item again.
func TestAllocationDeltaStoresTheDifferences(t *testing.T) {
	ctx := context.Background()
	dir := sqlitetest.Dir(t)
	db, err := sqlite.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	a := storetest.MustAuthority(t, db, "stockport")
	now := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	var items []domain.AllocationItem
	for i := range 100 {
		items = append(items, domain.AllocationItem{PledgeID: fmt.Sprintf("p%03d", 100-i), ValuePence: 1000, ApprovedPence: 500, Score: 1 - float64(i)/100})
	}
	base := &domain.Allocation{ID: domain.NewID(), AuthorityID: a.ID, Status: domain.AllocProposed, Version: 1, CreatedAt: now, Items: items}
	ev := func(id string) *domain.AuditEvent {
		return domain.NewAuditEvent(a.ID, "u", "allocation.propose", "allocation", id, nil, map[string]string{"id": id}, now)
	}
	if err := db.CreateAllocation(ctx, base, ev(base.ID)); err != nil {
		t.Fatal(err)
	}
	next := &domain.Allocation{ID: domain.NewID(), AuthorityID: a.ID, Status: domain.AllocProposed, Version: 1, CreatedAt: now, Items: append([]domain.AllocationItem{}, items[1:]...)}
	next.Items[4].ApprovedPence = 1000
	next.Delta = &domain.AllocationDelta{BaseID: base.ID, Set: []domain.AllocationItem{next.Items[4]}, Gone: []string{items[0].PledgeID}}
	if err := db.CreateAllocation(ctx, next, ev(next.ID)); err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "needmatch.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var baseID, itemsJSON, goneJSON string
	if err := raw.QueryRow(`SELECT base_id, items_json, gone_json FROM allocations WHERE id = ?`, next.ID).Scan(&baseID, &itemsJSON, &goneJSON); err != nil {
		t.Fatal(err)
	}
	var set []map[string]any
	if err := json.Unmarshal([]byte(itemsJSON), &set); err != nil || baseID != base.ID || len(set) != 1 || set[0]["pledge"] != items[5].PledgeID || goneJSON != `["p100"]` {
		t.Fatalf("stored base %q items %s gone %s (%v)", baseID, itemsJSON, goneJSON, err)
	}
}
