package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"

	"needmatch/domain"
)

var _ domain.IdempotencyStore = (*DB)(nil)

// ClaimIdempotency stores r unless the user already used the key.
func (db *DB) ClaimIdempotency(ctx context.Context, r *domain.IdempotencyRecord) (*domain.IdempotencyRecord, error) {
	var existing *domain.IdempotencyRecord
	err := db.tx(ctx, func(tx *wtx) error {
		var doc string
		err := tx.QueryRow(`SELECT doc FROM idempotency WHERE user_id = ? AND key = ?`, r.UserID, r.Key).Scan(&doc)
		if err == nil {
			existing = &domain.IdempotencyRecord{}
			if err := json.Unmarshal([]byte(doc), existing); err != nil {
				return err
			}
			return domain.Errorf(domain.ECONFLICT, "Idempotency key already used.")
		} else if err != sql.ErrNoRows {
			return err
		}
		_, err = tx.Exec(`INSERT INTO idempotency (user_id, key, created_at, doc) VALUES (?,?,?,?)`, r.UserID, r.Key, r.CreatedAt.UnixMilli(), marshal(r))
		return err
	})
	return existing, err
}

// CompleteIdempotency records the answer.
func (db *DB) CompleteIdempotency(ctx context.Context, r *domain.IdempotencyRecord) error {
	return db.tx(ctx, func(tx *wtx) error {
		_, err := tx.Exec(`UPDATE idempotency SET doc = ? WHERE user_id = ? AND key = ?`, marshal(r), r.UserID, r.Key)
		return err
	})
}

// ReleaseIdempotency forgets a claimed key.
func (db *DB) ReleaseIdempotency(ctx context.Context, userID, key string) error {
	return db.tx(ctx, func(tx *wtx) error {
		_, err := tx.Exec(`DELETE FROM idempotency WHERE user_id = ? AND key = ?`, userID, key)
		return err
	})
}
