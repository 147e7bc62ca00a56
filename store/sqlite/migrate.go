package sqlite

import (
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"time"
)

// The schema changes are numbered migrations embedded in the binary:
// migrations/NNNN_name.sql, applied in order when the store opens, each in
// its own transaction together with its row in schema_migrations. A
// migration, once released, is never edited: a change is a new one.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// migration is one numbered schema change.
type migration struct {
	version int
	name    string
	sql     string
}

// migrations lists the embedded migrations in version order; the numbers
// run from 1 without a gap.
func migrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrationFiles, "migrations")
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, e := range entries { // ReadDir sorts by name
		num, name, ok := strings.Cut(strings.TrimSuffix(e.Name(), ".sql"), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v != len(out)+1 {
			return nil, fmt.Errorf("migration %s: want NNNN_name.sql numbered %d", e.Name(), len(out)+1)
		}
		b, err := migrationFiles.ReadFile("migrations/" + e.Name())
		if err != nil {
			return nil, err
		}
		out = append(out, migration{v, name, string(b)})
	}
	return out, nil
}

const migrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`

// migrate brings the database to the newest migration. A database made
// before schema_migrations existed (the first release ran its schema on
// every start) has the first release's tables: it is recorded as at
// version 1, without running that migration again.
func migrate(w *sql.DB, now func() time.Time) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	tx, err := w.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var hasTable, firstRelease bool
	if err := tx.QueryRow(`SELECT EXISTS (SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'),
		EXISTS (SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'authorities')`).Scan(&hasTable, &firstRelease); err != nil {
		return err
	}
	if _, err := tx.Exec(migrationsTable); err != nil {
		return err
	}
	if !hasTable && firstRelease {
		if err := record(tx, ms[0], now); err != nil {
			return err
		}
	}
	var current int
	if err := tx.QueryRow(`SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	if current > len(ms) {
		return fmt.Errorf("the database is at schema version %d, newer than this program's %d: run a newer needmatch", current, len(ms))
	}
	for _, m := range ms[current:] {
		if err := apply(w, m, now); err != nil {
			return fmt.Errorf("migration %04d_%s: %w", m.version, m.name, err)
		}
	}
	return nil
}

func apply(w *sql.DB, m migration, now func() time.Time) error {
	tx, err := w.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.Exec(m.sql); err != nil {
		return err
	}
	if err := record(tx, m, now); err != nil {
		return err
	}
	return tx.Commit()
}

func record(tx *sql.Tx, m migration, now func() time.Time) error {
	_, err := tx.Exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?,?,?)`, m.version, m.name, now().UTC().Format(time.RFC3339Nano))
	return err
}
