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
// migrations/NNNN_name.sql, or a Go function in goMigrations where SQL
// cannot do the work, applied in order when the store opens, each in its
// own transaction together with its row in schema_migrations. A migration,
// once released, is never edited: a change is a new one.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// migration is one numbered schema change: SQL, or a Go function.
type migration struct {
	version int
	name    string
	sql     string
	fn      func(*sql.Tx) error
}

// goMigrations are the migrations that need Go, by version; they number
// with the SQL files.
var goMigrations = map[int]migration{
	14: {name: "idempotency_columns", fn: migrateIdempotencyColumns},
}

// migrations lists the embedded and the Go migrations in version order;
// the numbers run from 1 without a gap or a repeat.
func migrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrationFiles, "migrations")
	if err != nil {
		return nil, err
	}
	byVersion := map[int]migration{}
	for _, e := range entries {
		num, name, ok := strings.Cut(strings.TrimSuffix(e.Name(), ".sql"), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v < 1 {
			return nil, fmt.Errorf("migration %s: want NNNN_name.sql", e.Name())
		}
		if _, dup := byVersion[v]; dup {
			return nil, fmt.Errorf("migration %s: a second migration %04d", e.Name(), v)
		}
		b, err := migrationFiles.ReadFile("migrations/" + e.Name())
		if err != nil {
			return nil, err
		}
		byVersion[v] = migration{version: v, name: name, sql: string(b)}
	}
	for v, m := range goMigrations {
		if _, dup := byVersion[v]; dup {
			return nil, fmt.Errorf("migration %04d_%s: a file has its number", v, m.name)
		}
		m.version = v
		byVersion[v] = m
	}
	out := make([]migration, 0, len(byVersion))
	for v := 1; v <= len(byVersion); v++ {
		m, ok := byVersion[v]
		if !ok {
			return nil, fmt.Errorf("migration %04d is missing: the numbers run from 1 without a gap", v)
		}
		out = append(out, m)
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
	if m.fn != nil {
		err = m.fn(tx)
	} else {
		_, err = tx.Exec(m.sql)
	}
	if err != nil {
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
