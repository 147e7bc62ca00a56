package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"needmatch/domain"
)

var _ domain.IdempotencyStore = (*DB)(nil)

// idempotencyCols are the idempotency table's columns after its key: the
// record's fields, the answer's body as bytes (NULL until there is one) and
// the creation time as RFC 3339 text.
const idempotencyCols = `fingerprint, done, status, content_type, body, created_at`

// ClaimIdempotency stores r unless the user already used the key.
func (db *DB) ClaimIdempotency(ctx context.Context, r *domain.IdempotencyRecord) (*domain.IdempotencyRecord, error) {
	var existing *domain.IdempotencyRecord
	err := db.tx(ctx, func(tx *wtx) error {
		e := &domain.IdempotencyRecord{UserID: r.UserID, Key: r.Key}
		var created string
		err := tx.QueryRow(`SELECT `+idempotencyCols+` FROM idempotency WHERE user_id = ? AND key = ?`, r.UserID, r.Key).Scan(
			&e.Fingerprint, &e.Done, &e.Status, &e.ContentType, &e.Body, &created)
		if err == nil {
			if e.CreatedAt, err = loadTime(created); err != nil {
				return err
			}
			if !e.Stale(r.CreatedAt) {
				existing = e
				return domain.Errorf(domain.ECONFLICT, "Idempotency key already used.")
			}
			_, err = tx.Exec(`DELETE FROM idempotency WHERE user_id = ? AND key = ?`, r.UserID, r.Key)
			if err != nil {
				return err
			}
		} else if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		_, err = tx.Exec(`INSERT INTO idempotency (user_id, key, `+idempotencyCols+`) VALUES (?,?,?,?,?,?,?,?)`,
			r.UserID, r.Key, r.Fingerprint, r.Done, r.Status, r.ContentType, r.Body, storeTime(r.CreatedAt))
		return err
	})
	return existing, err
}

// CompleteIdempotency records the answer.
func (db *DB) CompleteIdempotency(ctx context.Context, r *domain.IdempotencyRecord) error {
	return db.tx(ctx, func(tx *wtx) error {
		_, err := tx.Exec(`UPDATE idempotency SET fingerprint = ?, done = ?, status = ?, content_type = ?, body = ?, created_at = ? WHERE user_id = ? AND key = ?`,
			r.Fingerprint, r.Done, r.Status, r.ContentType, r.Body, storeTime(r.CreatedAt), r.UserID, r.Key)
		return err
	})
}

// ReleaseIdempotency forgets a claimed key, unless a change answered it.
func (db *DB) ReleaseIdempotency(ctx context.Context, userID, key string) error {
	return db.tx(ctx, func(tx *wtx) error {
		_, err := tx.Exec(`DELETE FROM idempotency WHERE user_id = ? AND key = ? AND done = 0`, userID, key)
		return err
	})
}

// PurgeIdempotency deletes answers and claims past their time. Times are
// compared by SQLite's julianday, which reads RFC 3339 with any offset.
func (db *DB) PurgeIdempotency(ctx context.Context, doneBefore, claimBefore time.Time) (int64, error) {
	return db.purge(ctx, `DELETE FROM idempotency WHERE (done = 1 AND julianday(created_at) < julianday(?)) OR (done = 0 AND julianday(created_at) < julianday(?))`,
		storeTime(doneBefore), storeTime(claimBefore))
}

// purge runs one DELETE and says how many rows went.
func (db *DB) purge(ctx context.Context, q string, args ...any) (int64, error) {
	var n int64
	err := db.tx(ctx, func(tx *wtx) error {
		res, err := tx.Exec(q, args...)
		if err == nil {
			n, err = res.RowsAffected()
		}
		return err
	})
	return n, err
}

// idempotencyDoc is the document the first release kept for a record (the
// API's JSON of it then): the body in base64, as encoding/json writes bytes.
// Frozen here for migration 0014, whatever the domain's record becomes.
type idempotencyDoc struct {
	Fingerprint string `json:"fingerprint"`
	Done        bool   `json:"done"`
	Status      int    `json:"status"`
	ContentType string `json:"contentType"`
	Body        []byte `json:"body"`
	CreatedAt   string `json:"createdAt"`
}

// migrateIdempotencyColumns is migration 0014: idempotency records in the
// store's own columns, the answer's body a BLOB. It is Go because SQLite
// cannot decode the documents' base64. The new table takes the old one's
// place (no trigger reads it, so a plain rename).
func migrateIdempotencyColumns(tx *sql.Tx) error {
	if _, err := tx.Exec(`CREATE TABLE idempotency_new (user_id TEXT NOT NULL, key TEXT NOT NULL, fingerprint TEXT NOT NULL, done INTEGER NOT NULL,
		status INTEGER NOT NULL, content_type TEXT NOT NULL, body BLOB, created_at TEXT NOT NULL, PRIMARY KEY (user_id, key))`); err != nil {
		return err
	}
	insert, err := tx.Prepare(`INSERT INTO idempotency_new (user_id, key, ` + idempotencyCols + `) VALUES (?,?,?,?,?,?,?,?)`)
	if err != nil {
		return err
	}
	defer insert.Close()
	rows, err := tx.Query(`SELECT user_id, key, doc FROM idempotency`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var user, key, doc string
		if err := rows.Scan(&user, &key, &doc); err != nil {
			return err
		}
		var d idempotencyDoc
		if err := json.Unmarshal([]byte(doc), &d); err != nil {
			return fmt.Errorf("idempotency record %s of %s: %w", key, user, err)
		}
		if _, err := insert.Exec(user, key, d.Fingerprint, d.Done, d.Status, d.ContentType, d.Body, d.CreatedAt); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	rows.Close()
	for _, q := range []string{`DROP TABLE idempotency`, `ALTER TABLE idempotency_new RENAME TO idempotency`} {
		if _, err := tx.Exec(q); err != nil {
			return err
		}
	}
	return nil
}
