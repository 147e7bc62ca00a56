package main

import (
	"database/sql"
	"errors"

	_ "modernc.org/sqlite"
)

func errorsAs(err error, target any) bool { return errors.As(err, target) }

// execSQL changes the database file behind the store's back, as an
// attacker with file access would.
func execSQL(path, q string) error {
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.Exec(q)
	return err
}

// querySQL reads one integer from the database file.
func querySQL(path, q string, dst *int) error {
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		return err
	}
	defer db.Close()
	return db.QueryRow(q).Scan(dst)
}
