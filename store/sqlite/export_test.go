package sqlite

import (
	"fmt"
	"testing"

	"needmatch/internal/fixture"
)

func sprintf(f string, a ...any) string { return fmt.Sprintf(f, a...) }

// emptyDir is sqlitetest.Dir for this package's own tests (which cannot
// import sqlitetest): a new directory holding an empty, migrated store.
func emptyDir(tb testing.TB) string {
	tb.Helper()
	return fixture.Dir(tb, "sqlite-empty", func(dir string) error {
		db, err := Open(dir)
		if err != nil {
			return err
		}
		return db.Close()
	})
}
