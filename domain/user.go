package domain

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"
)

// Roles.
const (
	RoleGroup    = "group"
	RoleSupplier = "supplier"
	RoleOfficer  = "officer"
	RoleAdmin    = "admin"
)

// User is a person who signs in. Group and supplier users belong to an
// organisation; officers and admins to their authority alone.
type User struct {
	ID             string `json:"id"`
	AuthorityID    string `json:"-"`
	Authority      string `json:"authority"`
	OrganisationID string `json:"organisationId,omitempty"`
	// RegionID is a region officer's region (no other role has one).
	RegionID string `json:"-"`
	// Region is the region's slug.
	Region       string `json:"region,omitempty"`
	Email        string `json:"email"`
	Name         string `json:"name"`
	Role         string `json:"role"`
	PasswordHash string `json:"-"`
	Disabled     bool   `json:"disabled,omitempty"`
	// EmailUnverified marks a self-registered account that has not opened
	// its verification link yet (VerifyEmail); JSON shows it as
	// emailVerified. The zero value is verified: accounts made by the
	// command line, the seed or an admin, and every older account.
	EmailUnverified bool `json:"-"`
	// NotifyPrefs is the user's choice per kind of mail (absent: immediately).
	NotifyPrefs map[NotifyKind]NotifyPref `json:"-"`
	Version     int64                     `json:"-"`
	CreatedAt   time.Time                 `json:"createdAt"`
	UpdatedAt   time.Time                 `json:"-"`
}

// MarshalJSON writes the user with emailVerified.
func (u User) MarshalJSON() ([]byte, error) {
	type plain User
	return json.Marshal(struct {
		plain
		EmailVerified bool `json:"emailVerified"`
	}{plain(u), !u.EmailUnverified})
}

// NormaliseEmail trims an address, puts it in Unicode NFC and lower-cases it
// for lookup and uniqueness. The whole address is lower-cased, not only the
// domain: accounts have always been kept that way, and no council expects
// two mailboxes that differ only in case.
func NormaliseEmail(s string) string { return strings.ToLower(norm.NFC.String(strings.TrimSpace(s))) }

// Validate checks the user's own fields (not the password).
func (u *User) Validate() error {
	var v Validation
	checkEmail(&v, "email", u.Email)
	checkName(&v, "name", u.Name, 1, 200)
	switch u.Role {
	case RoleGroup, RoleSupplier, RoleOfficer, RoleAdmin, RolePlatformAdmin, RoleRegionOfficer:
	default:
		v.Add("role", "role is not one of group, supplier, officer, admin, platform_admin, region_officer")
	}
	return v.Err()
}

// RefreshToken is one link of a rotating refresh-token chain (family).
// Using a token marks it used; using a used token revokes the family.
type RefreshToken struct {
	ID     string `json:"id"`
	Family string `json:"family"`
	UserID string `json:"userId"`
	// Council is the id of the council the session works in when it is not
	// the user's own (a supplier that switched council; see SwitchCouncil).
	Council   string    `json:"council,omitempty"`
	ExpiresAt time.Time `json:"expiresAt"`
	Used      bool      `json:"used"`
	Revoked   bool      `json:"revoked"`
	CreatedAt time.Time `json:"createdAt"`
}

// UserFilter selects the users of one authority.
type UserFilter struct {
	AuthorityID string
	Page
}

// UserStore persists users and refresh tokens.
type UserStore interface {
	// Register creates the organisation and its first user, both or neither,
	// with their audit events. EmailTaken when the email is taken.
	Register(ctx context.Context, o *Organisation, u *User, evs []*AuditEvent) error
	// CreateUser creates a user; EmailTaken when the email is taken.
	CreateUser(ctx context.Context, u *User, ev *AuditEvent) error
	// UpdateUser writes u if the stored version is prev; ECONFLICT otherwise.
	UpdateUser(ctx context.Context, u *User, prev int64, ev *AuditEvent) error
	// UserByEmail looks up a normalised address; ENOTFOUND when none.
	UserByEmail(ctx context.Context, email string) (*User, error)
	// UserByID returns ENOTFOUND when there is none.
	UserByID(ctx context.Context, id string) (*User, error)
	// FindUsers lists the users of an authority, newest id first, and
	// returns the cursor of the next page.
	FindUsers(ctx context.Context, f UserFilter) ([]*User, string, error)
	// CountStaff counts the enabled admins and officers of an authority
	// (0 and 0 for an unknown one), without reading its other users.
	CountStaff(ctx context.Context, authorityID string) (admins, officers int, err error)
	// UsersOfOrganisation lists the users of an organisation, oldest first.
	UsersOfOrganisation(ctx context.Context, organisationID string) ([]*User, error)

	// CreateRefreshToken stores a new token.
	CreateRefreshToken(ctx context.Context, t *RefreshToken) error
	// UseRefreshToken atomically marks an unused, unrevoked token used and
	// returns it as it was. A token already used or revoked returns it with
	// ECONFLICT (the caller revokes the family); an unknown one ENOTFOUND.
	UseRefreshToken(ctx context.Context, id string) (*RefreshToken, error)
	// RevokeRefreshFamily revokes every token of the family.
	RevokeRefreshFamily(ctx context.Context, family string) error
	// RevokeUserRefreshTokens revokes every token of the user.
	RevokeUserRefreshTokens(ctx context.Context, userID string) error
}
