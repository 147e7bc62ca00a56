package sqlite

import (
	"time"

	"context"
	"encoding/json"

	"needmatch/domain"
)

// userRow is a row of the users table: the store's own form of a user, one
// column per field (times as RFC 3339 text).
type userRow struct {
	ID, AuthorityID, Authority, OrganisationID, Email, Name, Role, PasswordHash string
	Disabled                                                                    bool
	Version                                                                     int64
	CreatedAt, UpdatedAt                                                        string
	// NotifyPrefs is a JSON object of kind to choice.
	NotifyPrefs string
	// EmailUnverified is 1 until a self-registered user verifies.
	EmailUnverified bool
	// RegionID and Region are a region officer's region.
	RegionID, Region string
}

// userTable is the users table, its columns in userRow order; a user never
// changes its authority or creation time.
var userTable = newTable("users", `id, authority_id, authority_slug, organisation_id, email, name, role, password_hash, disabled, version, created_at, updated_at, notify_prefs, email_unverified, region_id, region_slug`,
	"id", "authority_id", "authority_slug", "created_at", "region_id", "region_slug")

func (r *userRow) fields() []any {
	return []any{&r.ID, &r.AuthorityID, &r.Authority, &r.OrganisationID, &r.Email, &r.Name, &r.Role, &r.PasswordHash, &r.Disabled, &r.Version, &r.CreatedAt, &r.UpdatedAt, &r.NotifyPrefs, &r.EmailUnverified, &r.RegionID, &r.Region}
}

func fromUser(u *domain.User) *userRow {
	return &userRow{ID: u.ID, AuthorityID: u.AuthorityID, Authority: u.Authority, OrganisationID: u.OrganisationID, Email: u.Email, Name: u.Name, Role: u.Role,
		PasswordHash: u.PasswordHash, Disabled: u.Disabled, Version: u.Version, CreatedAt: storeTime(u.CreatedAt), UpdatedAt: storeTime(u.UpdatedAt),
		NotifyPrefs: marshal(prefsOf(u.NotifyPrefs)), EmailUnverified: u.EmailUnverified, RegionID: u.RegionID, Region: u.Region}
}

// prefsOf is the stored form of a user's mail choices.
func prefsOf(m map[domain.NotifyKind]domain.NotifyPref) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		out[string(k)] = string(v)
	}
	return out
}

// insertUser inserts u; EmailTaken when the email is another user's.
func insertUser(tx *wtx, u *domain.User) error {
	err := translate(userTable.insert(tx, fromUser(u).fields()))
	if domain.ErrorCode(err) == domain.ECONFLICT {
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
		if err := userTable.update(tx, u.ID, prev, fromUser(u).fields()); err != nil {
			return err
		}
		return appendAudit(tx, ev)
	})
}

func scanUser(row scanner) (*domain.User, error) {
	var r userRow
	if err := row.Scan(r.fields()...); err != nil {
		return nil, translateNotFound(err, "User not found.")
	}
	u := &domain.User{ID: r.ID, AuthorityID: r.AuthorityID, Authority: r.Authority, OrganisationID: r.OrganisationID, Email: r.Email, Name: r.Name, Role: r.Role,
		PasswordHash: r.PasswordHash, Disabled: r.Disabled, EmailUnverified: r.EmailUnverified, Version: r.Version, RegionID: r.RegionID, Region: r.Region}
	var l times
	u.CreatedAt, u.UpdatedAt = l.at(r.CreatedAt), l.at(r.UpdatedAt)
	var prefs map[string]string
	if err := json.Unmarshal([]byte(r.NotifyPrefs), &prefs); err != nil {
		return nil, err
	}
	for k, v := range prefs {
		if u.NotifyPrefs == nil {
			u.NotifyPrefs = map[domain.NotifyKind]domain.NotifyPref{}
		}
		u.NotifyPrefs[domain.NotifyKind(k)] = domain.NotifyPref(v)
	}
	return u, l.err
}

// UserByEmail looks up a normalised address.
func (db *DB) UserByEmail(ctx context.Context, email string) (*domain.User, error) {
	return scanUser(db.queryRow(ctx, `SELECT `+userTable.list+` FROM users WHERE email = ?`, email))
}

// UserByID returns ENOTFOUND when there is none.
func (db *DB) UserByID(ctx context.Context, id string) (*domain.User, error) {
	return scanUser(db.queryRow(ctx, `SELECT `+userTable.list+` FROM users WHERE id = ?`, id))
}

// CreateRefreshToken stores a new token.
func (db *DB) CreateRefreshToken(ctx context.Context, t *domain.RefreshToken) error {
	return db.tx(ctx, func(tx *wtx) error {
		_, err := tx.Exec(`INSERT INTO refresh_tokens (id, family, user_id, council, used, revoked, expires_at, created_at) VALUES (?,?,?,?,0,0,?,?)`,
			t.ID, t.Family, t.UserID, t.Council, storeTime(t.ExpiresAt), storeTime(t.CreatedAt))
		return translate(err)
	})
}

// UseRefreshToken marks an unused token used; see domain.UserStore.
func (db *DB) UseRefreshToken(ctx context.Context, id string) (*domain.RefreshToken, error) {
	var t domain.RefreshToken
	err := db.tx(ctx, func(tx *wtx) error {
		var expires, created string
		if err := tx.QueryRow(`SELECT id, family, user_id, council, used, revoked, expires_at, created_at FROM refresh_tokens WHERE id = ?`, id).Scan(
			&t.ID, &t.Family, &t.UserID, &t.Council, &t.Used, &t.Revoked, &expires, &created); err != nil {
			return translateNotFound(err, "Unknown refresh token.")
		}
		var l times
		t.ExpiresAt, t.CreatedAt = l.at(expires), l.at(created)
		if l.err != nil {
			return l.err
		}
		if t.Used || t.Revoked {
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

// PurgeRefreshTokens deletes refresh tokens that expired before t.
func (db *DB) PurgeRefreshTokens(ctx context.Context, expiredBefore time.Time) (int64, error) {
	return db.purge(ctx, `DELETE FROM refresh_tokens WHERE julianday(expires_at) < julianday(?)`, storeTime(expiredBefore))
}

// FindUsers lists the users of an authority, newest id first.
func (db *DB) FindUsers(ctx context.Context, f domain.UserFilter) ([]*domain.User, string, error) {
	return findPage(ctx, db, "users", userTable.list, []string{"authority_id = ?"}, []any{f.AuthorityID}, f.Page, scanUser, func(u *domain.User) string { return u.ID })
}

// CountStaff counts the enabled admins and officers of an authority.
func (db *DB) CountStaff(ctx context.Context, authorityID string) (admins, officers int, err error) {
	err = db.queryRow(ctx, `SELECT COALESCE(SUM(role = ?), 0), COALESCE(SUM(role = ?), 0) FROM users WHERE authority_id = ? AND disabled = 0 AND role IN (?, ?)`,
		domain.RoleAdmin, domain.RoleOfficer, authorityID, domain.RoleAdmin, domain.RoleOfficer).Scan(&admins, &officers)
	return admins, officers, translate(err)
}

// UsersOfOrganisation lists the users of an organisation, oldest first.
func (db *DB) UsersOfOrganisation(ctx context.Context, organisationID string) ([]*domain.User, error) {
	rows, err := db.query(ctx, `SELECT `+userTable.list+` FROM users WHERE organisation_id = ? ORDER BY id`, organisationID)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []*domain.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, translate(rows.Err())
}
