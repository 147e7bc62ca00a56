// Package sqlitetest gives tests outside store/sqlite a data directory
// holding an empty, fully migrated store, copied from one migrated once per
// test binary (see internal/fixture): sqlite.Open on it, or app.New with it
// as DataDir, then skips the migrations, which take seconds under -race.
// The migrations themselves are tested in store/sqlite (upgrade_test.go)
// and run for real once per test binary here.
package sqlitetest

import (
	"testing"

	"needmatch/internal/fixture"
	"needmatch/store/sqlite"
)

// Dir returns a new temporary directory holding an empty, migrated store.
func Dir(tb testing.TB) string {
	tb.Helper()
	return fixture.Dir(tb, "sqlite-empty", func(dir string) error {
		db, err := sqlite.Open(dir)
		if err != nil {
			return err
		}
		return db.Close()
	})
}
