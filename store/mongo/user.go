package mongo

import (
	"context"
	"errors"
	"time"

	"needmatch/domain"

	"go.mongodb.org/mongo-driver/v2/bson"
	driver "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

type userDoc struct {
	ID             string `bson:"_id"`
	AuthorityID    string `bson:"authorityId"`
	Authority      string `bson:"authority"`
	OrganisationID string `bson:"organisationId,omitempty"`
	// RegionID and Region are a region officer's region.
	RegionID     string `bson:"regionId,omitempty"`
	Region       string `bson:"region,omitempty"`
	Email        string `bson:"email"`
	Name         string `bson:"name"`
	Role         string `bson:"role"`
	PasswordHash string `bson:"passwordHash"`
	Disabled     bool   `bson:"disabled"`
	// EmailUnverified is absent for a verified user (and every user older
	// than verification).
	EmailUnverified bool `bson:"emailUnverified,omitempty"`
	// NotifyPrefs maps a kind of mail to the user's choice.
	NotifyPrefs  map[string]string `bson:"notifyPrefs,omitempty"`
	Version      int64             `bson:"version"`
	CreatedAt    time.Time         `bson:"createdAt"`
	UpdatedAt    time.Time         `bson:"updatedAt"`
	PendingAudit *auditDoc         `bson:"pendingAudit,omitempty"`
	// PendingOrg is the organisation of a registration until both are written.
	PendingOrg *organisationDoc `bson:"pendingOrg,omitempty"`
}

func userFromDomain(u *domain.User, ev *domain.AuditEvent) *userDoc {
	d := &userDoc{ID: u.ID, AuthorityID: u.AuthorityID, Authority: u.Authority, OrganisationID: u.OrganisationID, Email: u.Email,
		Name: u.Name, Role: u.Role, PasswordHash: u.PasswordHash, Disabled: u.Disabled, EmailUnverified: u.EmailUnverified, Version: u.Version,
		CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt, PendingAudit: pendingOf(ev), RegionID: u.RegionID, Region: u.Region}
	for k, v := range u.NotifyPrefs {
		if d.NotifyPrefs == nil {
			d.NotifyPrefs = map[string]string{}
		}
		d.NotifyPrefs[string(k)] = string(v)
	}
	return d
}

func (d *userDoc) toDomain() *domain.User {
	u := &domain.User{ID: d.ID, AuthorityID: d.AuthorityID, Authority: d.Authority, OrganisationID: d.OrganisationID, Email: d.Email,
		Name: d.Name, Role: d.Role, PasswordHash: d.PasswordHash, Disabled: d.Disabled, EmailUnverified: d.EmailUnverified, Version: d.Version,
		CreatedAt: d.CreatedAt.UTC(), UpdatedAt: d.UpdatedAt.UTC(), RegionID: d.RegionID, Region: d.Region}
	for k, v := range d.NotifyPrefs {
		if u.NotifyPrefs == nil {
			u.NotifyPrefs = map[domain.NotifyKind]domain.NotifyPref{}
		}
		u.NotifyPrefs[domain.NotifyKind(k)] = domain.NotifyPref(v)
	}
	return u
}

func emailTaken() error { return domain.EmailTaken() }

// Register creates the organisation and its first user with their events
// (evs: the organisation's, then the user's). The user is inserted first, so
// a taken email stops it before anything is written; it carries a copy of
// the organisation until the organisation is in, so that Recover can finish
// a registration cut short.
func (db *DB) Register(ctx context.Context, o *domain.Organisation, u *domain.User, evs []*domain.AuditEvent) error {
	var orgEv, userEv *domain.AuditEvent
	for _, ev := range evs {
		switch {
		case ev == nil:
		case ev.Object == u.ID && userEv == nil:
			userEv = ev
		case orgEv == nil:
			orgEv = ev
		default:
			return domain.Errorf(domain.EINTERNAL, "Register takes one event for the organisation and one for the user.")
		}
	}
	od := organisationFromDomain(o, orgEv)
	answers(ctx, od.PendingAudit) // the first event answers; the user's copy of it carries the key for Recover
	ud := userFromDomain(u, userEv)
	ud.PendingOrg = od
	if _, err := db.users.InsertOne(ctx, ud); err != nil {
		if driver.IsDuplicateKeyError(err) {
			return emailTaken()
		}
		return translate(err)
	}
	// The organisation's insert is the commit point: when it fails, the
	// user goes again.
	if err := db.insertRegisteredOrg(ctx, u.ID, od); err != nil {
		return err
	}
	return db.afterCommit(ctx, "registration "+u.ID, func(ctx context.Context) error {
		if err := db.finish(ctx, db.organisations, o.ID, od.PendingAudit, orgEv); err != nil {
			return err
		}
		if ud.PendingAudit == nil {
			_, err := db.users.UpdateOne(ctx, bson.D{{Key: "_id", Value: u.ID}}, bson.D{{Key: "$unset", Value: bson.D{{Key: "pendingOrg", Value: ""}}}})
			return translate(err)
		}
		return db.finish(ctx, db.users, u.ID, ud.PendingAudit, userEv)
	})
}

// CreateUser creates a user; ECONFLICT when the email is taken.
func (db *DB) CreateUser(ctx context.Context, u *domain.User, ev *domain.AuditEvent) error {
	d := userFromDomain(u, ev)
	answers(ctx, d.PendingAudit)
	if _, err := db.users.InsertOne(ctx, d); err != nil {
		if driver.IsDuplicateKeyError(err) {
			return emailTaken()
		}
		return translate(err)
	}
	return db.complete(ctx, db.users, u.ID, d.PendingAudit, ev)
}

// UpdateUser writes u if the stored version is prev; ECONFLICT otherwise,
// also when the new email is another user's.
func (db *DB) UpdateUser(ctx context.Context, u *domain.User, prev int64, ev *domain.AuditEvent) error {
	d := userFromDomain(u, ev)
	return db.replaceAudited(ctx, db.users, u.ID, prev, d, d.PendingAudit, ev, "User", func(err error) error {
		if driver.IsDuplicateKeyError(err) {
			return emailTaken()
		}
		if internalError(err) {
			// FerretDB: a replace that breaks the unique email index fails
			// with InternalError instead of E11000.
			n, cerr := db.users.CountDocuments(ctx, bson.D{{Key: "email", Value: u.Email}, {Key: "_id", Value: bson.D{{Key: "$ne", Value: u.ID}}}})
			if cerr == nil && n > 0 {
				return emailTaken()
			}
		}
		return translate(err)
	})
}

func (db *DB) user(ctx context.Context, filter bson.D) (*domain.User, error) {
	var d userDoc
	if err := db.users.FindOne(ctx, filter).Decode(&d); err != nil {
		return nil, notFound(err, "User not found.")
	}
	return d.toDomain(), nil
}

// UserByEmail looks up a normalised address; ENOTFOUND when none.
func (db *DB) UserByEmail(ctx context.Context, email string) (*domain.User, error) {
	return db.user(ctx, bson.D{{Key: "email", Value: email}})
}

// UserByID returns ENOTFOUND when there is none.
func (db *DB) UserByID(ctx context.Context, id string) (*domain.User, error) {
	return db.user(ctx, bson.D{{Key: "_id", Value: id}})
}

type refreshTokenDoc struct {
	ID        string    `bson:"_id"`
	Family    string    `bson:"family"`
	UserID    string    `bson:"userId"`
	Council   string    `bson:"council,omitempty"`
	ExpiresAt time.Time `bson:"expiresAt"`
	Used      bool      `bson:"used"`
	Revoked   bool      `bson:"revoked"`
	CreatedAt time.Time `bson:"createdAt"`
}

func refreshTokenFromDomain(t *domain.RefreshToken) *refreshTokenDoc {
	return &refreshTokenDoc{ID: t.ID, Family: t.Family, UserID: t.UserID, Council: t.Council, ExpiresAt: t.ExpiresAt, Used: t.Used, Revoked: t.Revoked, CreatedAt: t.CreatedAt}
}

func (d *refreshTokenDoc) toDomain() *domain.RefreshToken {
	return &domain.RefreshToken{ID: d.ID, Family: d.Family, UserID: d.UserID, Council: d.Council, ExpiresAt: d.ExpiresAt.UTC(), Used: d.Used, Revoked: d.Revoked, CreatedAt: d.CreatedAt.UTC()}
}

// CreateRefreshToken stores a new token.
func (db *DB) CreateRefreshToken(ctx context.Context, t *domain.RefreshToken) error {
	_, err := db.refreshTokens.InsertOne(ctx, refreshTokenFromDomain(t))
	return translate(err)
}

// UseRefreshToken marks an unused, unrevoked token used in one
// find-and-modify and returns it as it was; see domain.UserStore.
func (db *DB) UseRefreshToken(ctx context.Context, id string) (*domain.RefreshToken, error) {
	var d refreshTokenDoc
	err := db.refreshTokens.FindOneAndUpdate(ctx,
		bson.D{{Key: "_id", Value: id}, {Key: "used", Value: false}, {Key: "revoked", Value: false}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "used", Value: true}}}},
		options.FindOneAndUpdate().SetReturnDocument(options.Before)).Decode(&d)
	if err == nil {
		return d.toDomain(), nil
	}
	if !errors.Is(err, driver.ErrNoDocuments) {
		return nil, translate(err)
	}
	if err := db.refreshTokens.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d); err != nil {
		return nil, notFound(err, "Unknown refresh token.")
	}
	return d.toDomain(), domain.Errorf(domain.ECONFLICT, "Refresh token already used.")
}

// RevokeRefreshFamily revokes every token of the family.
func (db *DB) RevokeRefreshFamily(ctx context.Context, family string) error {
	_, err := db.refreshTokens.UpdateMany(ctx, bson.D{{Key: "family", Value: family}}, bson.D{{Key: "$set", Value: bson.D{{Key: "revoked", Value: true}}}})
	return translate(err)
}

// RevokeUserRefreshTokens revokes every token of the user.
func (db *DB) RevokeUserRefreshTokens(ctx context.Context, userID string) error {
	_, err := db.refreshTokens.UpdateMany(ctx, bson.D{{Key: "userId", Value: userID}}, bson.D{{Key: "$set", Value: bson.D{{Key: "revoked", Value: true}}}})
	return translate(err)
}

// PurgeRefreshTokens deletes refresh tokens that expired before t.
func (db *DB) PurgeRefreshTokens(ctx context.Context, expiredBefore time.Time) (int64, error) {
	res, err := db.refreshTokens.DeleteMany(ctx, bson.D{{Key: "expiresAt", Value: bson.D{{Key: "$lt", Value: expiredBefore}}}})
	if err != nil {
		return 0, translate(err)
	}
	return res.DeletedCount, nil
}

// FindUsers lists the users of an authority, newest id first.
func (db *DB) FindUsers(ctx context.Context, f domain.UserFilter) ([]*domain.User, string, error) {
	return findPage(ctx, db.users, bson.D{{Key: "authorityId", Value: f.AuthorityID}}, f.Page, (*userDoc).toDomain, func(u *domain.User) string { return u.ID })
}

// CountStaff counts the enabled admins and officers of an authority: one
// count per role (no $group: FerretDB answers a second accumulator wrong).
func (db *DB) CountStaff(ctx context.Context, authorityID string) (admins, officers int, err error) {
	count := func(role string) (int, error) {
		n, err := db.users.CountDocuments(ctx, bson.D{{Key: "authorityId", Value: authorityID}, {Key: "role", Value: role},
			{Key: "disabled", Value: bson.D{{Key: "$ne", Value: true}}}})
		return int(n), translate(err)
	}
	if admins, err = count(domain.RoleAdmin); err != nil {
		return 0, 0, err
	}
	officers, err = count(domain.RoleOfficer)
	return admins, officers, err
}
