package sqlite

import (
	"context"
	"testing"

	"needmatch/domain"
	"needmatch/store/storetest"
)

// TestFullDiskAndReadOnly: when the file cannot grow (a full disk) or is
// read-only, writes fail with EUNAVAILABLE (503 at the API), nothing is half
// written, and the database stays whole and readable.
func TestFullDiskAndReadOnly(t *testing.T) {
	for name, pragma := range map[string]string{
		"full disk": "PRAGMA max_page_count = %d",
		"read-only": "PRAGMA query_only = 1",
	} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			db, err := Open(emptyDir(t))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			auth := storetest.MustAuthority(t, db, "stockport")
			var pages int
			if err := db.write.QueryRow("PRAGMA page_count").Scan(&pages); err != nil {
				t.Fatal(err)
			}
			q := pragma
			if name == "full disk" {
				q = sprintf(pragma, pages)
			}
			if _, err := db.write.Exec(q); err != nil {
				t.Fatal(err)
			}
			var failed *domain.Request
			for i := 0; i < 500 && failed == nil; i++ {
				r := &domain.Request{ID: domain.NewID(), AuthorityID: auth.ID, OrganisationID: domain.NewID(), Title: "Filling the disk with a long title " + sprintf("%d", i),
					Description: string(make([]byte, 2000)), Kind: "goods", Area: "E05015018", Quantity: 1, Unit: "x", Status: domain.ReqDraft, Version: 1}
				ev := domain.NewAuditEvent(auth.ID, "t", "request.create", "request", r.ID, nil, r, domain.SystemClock())
				err := db.CreateRequest(ctx, r, ev)
				switch domain.ErrorCode(err) {
				case "":
				case domain.EUNAVAILABLE:
					failed = r
				default:
					t.Fatalf("write %d: %v, want EUNAVAILABLE", i, err)
				}
			}
			if failed == nil {
				t.Fatal("no write failed")
			}
			if _, err := db.RequestByID(ctx, failed.ID); domain.ErrorCode(err) != domain.ENOTFOUND {
				t.Fatalf("the refused request is there: %v", err)
			}
			evs, err := db.FindAudit(ctx, domain.AuditFilter{AuthorityID: auth.ID, Object: failed.ID})
			if err != nil || len(evs) != 0 {
				t.Fatalf("the refused request's event is there: %d %v", len(evs), err)
			}
			all, _ := db.FindAudit(ctx, domain.AuditFilter{AuthorityID: auth.ID})
			if b := domain.VerifyChain(auth.ID, all); b != nil {
				t.Fatalf("chain after refused writes: %+v", b)
			}
			var check string
			if err := db.write.QueryRow("PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
				t.Fatalf("integrity_check = %q %v", check, err)
			}
		})
	}
}
