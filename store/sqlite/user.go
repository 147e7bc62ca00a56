package sqlite

import (
	"context"
	"encoding/json"
	"time"

	"needmatch/domain"
)

// userRow stores the fields the domain type keeps out of its JSON.
type userRow struct {
	domain.User
	AuthorityID  string    `json:"authorityId"`
	PasswordHash string    `json:"passwordHash"`
	Version      int64     `json:"version"`
	UpdatedAt    time.Time `json:"updatedAt"`
}

func userDoc(u *domain.User) string {
	return marshal(userRow{User: *u, AuthorityID: u.AuthorityID, PasswordHash: u.PasswordHash, Version: u.Version, UpdatedAt: u.UpdatedAt})
}

// insertUser inserts u; EmailTaken when the email is another user's.
func insertUser(tx *wtx, u *domain.User) error {
	_, err := tx.Exec(`INSERT INTO users (id, authority_id, email, version, doc) VALUES (?,?,?,?,?)`, u.ID, u.AuthorityID, u.Email, u.Version, userDoc(u))
	if err = translate(err); domain.ErrorCode(err) == domain.ECONFLICT {
		return domain.EmailTaken()
	}
	return err
}

// Register creates the organisation and its first user in one transaction.
func (db *DB) Register(ctx context.Context, o *domain.Organisation, u *domain.User, evs []*domain.AuditEvent) error {
	return db.tx(ctx, func(tx *wtx) error {
		if err := insertOrganisation(tx, o); err != nil {
			return err
		}
		if err := insertUser(tx, u); err != nil {
			return err
		}
		for _, ev := range evs {
			if err := appendAudit(tx, ev); err != nil {
				return err
			}
		}
		return nil
	})
}

// CreateUser creates a user; ECONFLICT when the email is taken.
func (db *DB) CreateUser(ctx context.Context, u *domain.User, ev *domain.AuditEvent) error {
	return db.tx(ctx, func(tx *wtx) error {
		if err := insertUser(tx, u); err != nil {
			return err
		}
		return appendAudit(tx, ev)
	})
}

// UpdateUser writes u if the stored version is prev.
func (db *DB) UpdateUser(ctx context.Context, u *domain.User, prev int64, ev *domain.AuditEvent) error {
	return db.tx(ctx, func(tx *wtx) error {
		if err := casUpdate(tx, "users", u.ID, prev, "version = ?, doc = ?", u.Version, userDoc(u)); err != nil {
			return err
		}
		return appendAudit(tx, ev)
	})
}

func scanUser(row scanner) (*domain.User, error) {
	var doc string
	if err := row.Scan(&doc); err != nil {
		return nil, translateNotFound(err, "User not found.")
	}
	var r userRow
	if err := json.Unmarshal([]byte(doc), &r); err != nil {
		return nil, err
	}
	u := r.User
	u.AuthorityID, u.PasswordHash, u.Version, u.UpdatedAt = r.AuthorityID, r.PasswordHash, r.Version, r.UpdatedAt
	return &u, nil
}

// UserByEmail looks up a normalised address.
func (db *DB) UserByEmail(ctx context.Context, email string) (*domain.User, error) {
	return scanUser(db.queryRow(ctx, `SELECT doc FROM users WHERE email = ?`, email))
}

// UserByID returns ENOTFOUND when there is none.
func (db *DB) UserByID(ctx context.Context, id string) (*domain.User, error) {
	return scanUser(db.queryRow(ctx, `SELECT doc FROM users WHERE id = ?`, id))
}

// CreateRefreshToken stores a new token.
func (db *DB) CreateRefreshToken(ctx context.Context, t *domain.RefreshToken) error {
	return db.tx(ctx, func(tx *wtx) error {
		_, err := tx.Exec(`INSERT INTO refresh_tokens (id, family, user_id, used, revoked, doc) VALUES (?,?,?,0,0,?)`, t.ID, t.Family, t.UserID, marshal(t))
		return translate(err)
	})
}

// UseRefreshToken marks an unused token used; see domain.UserStore.
func (db *DB) UseRefreshToken(ctx context.Context, id string) (*domain.RefreshToken, error) {
	var t domain.RefreshToken
	err := db.tx(ctx, func(tx *wtx) error {
		var doc string
		var used, revoked bool
		if err := tx.QueryRow(`SELECT doc, used, revoked FROM refresh_tokens WHERE id = ?`, id).Scan(&doc, &used, &revoked); err != nil {
			return translateNotFound(err, "Unknown refresh token.")
		}
		if err := json.Unmarshal([]byte(doc), &t); err != nil {
			return err
		}
		t.Used, t.Revoked = used, revoked
		if used || revoked {
			return domain.Errorf(domain.ECONFLICT, "Refresh token already used.")
		}
		_, err := tx.Exec(`UPDATE refresh_tokens SET used = 1 WHERE id = ?`, id)
		return err
	})
	if err != nil && domain.ErrorCode(err) != domain.ECONFLICT {
		return nil, err
	}
	return &t, err
}

// RevokeRefreshFamily revokes every token of the family.
func (db *DB) RevokeRefreshFamily(ctx context.Context, family string) error {
	return db.tx(ctx, func(tx *wtx) error {
		_, err := tx.Exec(`UPDATE refresh_tokens SET revoked = 1 WHERE family = ?`, family)
		return err
	})
}

// RevokeUserRefreshTokens revokes every token of the user.
func (db *DB) RevokeUserRefreshTokens(ctx context.Context, userID string) error {
	return db.tx(ctx, func(tx *wtx) error {
		_, err := tx.Exec(`UPDATE refresh_tokens SET revoked = 1 WHERE user_id = ?`, userID)
		return err
	})
}
