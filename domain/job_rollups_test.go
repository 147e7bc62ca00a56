package domain_test

import (
	"slices"
	"testing"

	"needmatch/domain"
	"needmatch/store/sqlite"
)

// The ledger rollups job runs only for a store that needs it: SQLite keeps
// its rollups in each change's transaction, so its job would take a lease
// and record a run every 5 s to do nothing; a store without that promise
// (here SQLite seen only as a domain.Store, as MongoDB is) keeps the job.
func TestRollupJobOnlyWhereNeeded(t *testing.T) {
	db, err := sqlite.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	names := func(s domain.Store) []string {
		var out []string
		for _, j := range domain.NewService(s).Jobs() {
			out = append(out, j.Name)
		}
		return out
	}
	if got := names(db); slices.Contains(got, "ledger rollups") || !slices.Contains(got, "recover") {
		t.Fatalf("jobs on SQLite = %v, want no ledger rollups job (and the others)", got)
	}
	if got := names(struct{ domain.Store }{db}); !slices.Contains(got, "ledger rollups") {
		t.Fatalf("jobs on a store that refreshes = %v, want the ledger rollups job", got)
	}
}
