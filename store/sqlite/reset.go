package sqlite

import (
	"context"
	"time"

	"needmatch/domain"
)

// CreatePasswordReset writes a reset and its event together.
func (db *DB) CreatePasswordReset(ctx context.Context, r *domain.PasswordReset, ev *domain.AuditEvent) error {
	return db.tx(ctx, func(tx *wtx) error {
		if _, err := tx.Exec(`INSERT INTO password_resets (token_hash, email_key, user_id, expires_at, created_at, used) VALUES (?,?,?,?,?,?)`,
			r.TokenHash, r.EmailKey, r.UserID, micros(r.ExpiresAt), micros(r.CreatedAt), r.Used); err != nil {
			return translate(err)
		}
		return appendAudit(tx, ev)
	})
}

// CountPasswordResets counts the resets asked for an address since.
func (db *DB) CountPasswordResets(ctx context.Context, emailKey string, since time.Time) (int, error) {
	var n int
	err := db.queryRow(ctx, `SELECT COUNT(*) FROM password_resets WHERE email_key = ? AND created_at >= ?`, emailKey, micros(since)).Scan(&n)
	return n, translate(err)
}

// UsePasswordReset marks an unused reset used and returns it.
func (db *DB) UsePasswordReset(ctx context.Context, tokenHash string) (*domain.PasswordReset, error) {
	r := &domain.PasswordReset{TokenHash: tokenHash}
	err := db.tx(ctx, func(tx *wtx) error {
		var expires, created int64
		if err := tx.QueryRow(`UPDATE password_resets SET used = 1 WHERE token_hash = ? AND used = 0 RETURNING email_key, user_id, expires_at, created_at`, tokenHash).Scan(
			&r.EmailKey, &r.UserID, &expires, &created); err != nil {
			return translateNotFound(err, "No such reset link.")
		}
		r.ExpiresAt, r.CreatedAt, r.Used = fromMicros(expires), fromMicros(created), true
		return nil
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}
