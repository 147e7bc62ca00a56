package domain

import (
	"context"
	"sort"
	"strings"
	"time"
)

// Actor is the signed-in person a service call acts for; nil is anonymous.
type Actor struct {
	UserID         string
	Email          string
	Role           string
	AuthorityID    string
	OrganisationID string
	// EmailUnverified is set for a user who has not verified the address.
	EmailUnverified bool
	// RegionID is a region officer's region.
	RegionID string
}

// IsOfficer reports whether the actor is an officer or admin.
func (a *Actor) IsOfficer() bool {
	return a != nil && (a.Role == RoleOfficer || a.Role == RoleAdmin)
}

// Service holds the rules and the authorisation of every use case. The api
// package only decodes input and encodes output around it.
type Service struct {
	Store Store
	Now   Clock
	// LapseAfter is how long past its due date an undelivered commitment
	// lapses; zero means DefaultLapseAfter.
	LapseAfter time.Duration
	// Observe, when set, is told of every matcher run (metrics).
	Observe MatcherObserver
	// BaseURL is the app's address, for links in mail.
	BaseURL string
	// MailKey signs the unsubscribe links in mail.
	MailKey []byte
	// DefaultAuthority is the slug of the council of a public page that
	// names none; empty means the first council (see DefaultCouncil).
	DefaultAuthority string
	// AuditKey signs the audit checkpoints (NEEDMATCH_AUDIT_KEY); without
	// it no checkpoint job runs.
	AuditKey []byte
	// CheckpointEvery is how often the checkpoint job runs (0:
	// CheckpointEvery).
	CheckpointEvery time.Duration
	// allocations keeps each authority's last allocation for a warm start.
	allocations allocationCache
}

// NewService returns a service over the store with the system clock.
func NewService(s Store) *Service {
	return &Service{Store: s, Now: SystemClock}
}

func (s *Service) now() time.Time { return s.Now() }

func requireSignedIn(a *Actor) error {
	if a == nil {
		return Errorf(EUNAUTHORIZED, "Sign in to do this.")
	}
	return nil
}

func requireRole(a *Actor, roles ...string) error {
	if err := requireSignedIn(a); err != nil {
		return err
	}
	for _, r := range roles {
		if a.Role == r {
			return nil
		}
	}
	return Errorf(EFORBIDDEN, "Your role (%s) may not do this.", a.Role)
}

func actorName(a *Actor) string {
	if a == nil {
		return "anonymous"
	}
	return a.UserID
}

// approvedOrganisation returns the actor's organisation when it is
// approved and the actor's email address verified: the one door to every
// new commitment (posting or submitting a request, pledging, bidding),
// which a suspended organisation or an unverified person cannot pass.
func (s *Service) approvedOrganisation(ctx context.Context, a *Actor) (*Organisation, error) {
	if err := requireVerified(a); err != nil {
		return nil, err
	}
	return s.organisationIn(ctx, a, OrgApproved)
}

// organisationIn returns the actor's organisation when its status is one of
// statuses.
func (s *Service) organisationIn(ctx context.Context, a *Actor, statuses ...string) (*Organisation, error) {
	if a.OrganisationID == "" {
		return nil, Errorf(EFORBIDDEN, "You do not belong to an organisation.")
	}
	o, err := s.Store.OrganisationByID(ctx, a.OrganisationID)
	if err != nil {
		return nil, err
	}
	for _, st := range statuses {
		if o.Status == st {
			return o, nil
		}
	}
	return nil, ErrNotApproved(o)
}

// ErrNotApproved is the EFORBIDDEN of an organisation that may not make a
// new commitment.
func ErrNotApproved(o *Organisation) error {
	if o.Status == OrgSuspended {
		return &Error{Code: EFORBIDDEN, Field: "organisation", Message: "Your organisation is suspended: it cannot post requests, pledge or bid until an officer reinstates it."}
	}
	return &Error{Code: EFORBIDDEN, Field: "organisation", Message: "Your organisation is " + o.Status + ": an officer must approve it first."}
}

// RegisterInput is what a group or supplier gives to sign up.
type RegisterInput struct {
	Email         string
	Password      string
	Name          string
	Role          string
	OrgName       string
	AuthoritySlug string
	// Area is the organisation's base ward (optional).
	Area string
	// Details are the organisation's due-diligence details.
	Details OrgDetails
	// EmailVerified vouches for the address (the seed and the command
	// line): no verification mail, and the account may post at once. The
	// API never sets it.
	EmailVerified bool
}

// Register creates a pending organisation and its first user.
//
// Registration must not tell who has an account: when the address is taken,
// Register returns no user, no organisation and no error, after the same
// work (the password is hashed either way), and writes only a verification
// record whose token went nowhere (its mail rode on the event that rolled
// back). Its caller answers both the same way; the person who has the
// account signs in.
//
// A new account is unverified (unless in.EmailVerified): its verification
// mail rides on the user's registration event, written with the account.
func (s *Service) Register(ctx context.Context, in RegisterInput) (*User, *Organisation, error) {
	var v Validation
	if in.Role != RoleGroup && in.Role != RoleSupplier {
		v.Add("role", "role must be group or supplier")
	}
	if err := CheckPassword(in.Password); err != nil {
		v.Add("password", "%s", ErrorMessage(err))
	}
	if strings.TrimSpace(in.AuthoritySlug) == "" {
		v.Add("organisation.authority", "Enter the council (authority)")
	}
	now := s.now()
	u := &User{ID: NewID(), Email: NormaliseEmail(in.Email), Name: cleanName(in.Name), Role: in.Role, CreatedAt: now, UpdatedAt: now, Version: 1}
	if in.Email != strings.TrimSpace(in.Email) || u.Email == "" {
		u.Email = in.Email
	}
	if err := u.Validate(); err != nil {
		v.fields = append(v.fields, err.(*Error).Fields...)
	}
	o := &Organisation{ID: NewID(), Kind: in.Role, Name: cleanName(in.OrgName), Area: strings.TrimSpace(in.Area), Status: OrgPending, Version: 1, CreatedAt: now, UpdatedAt: now,
		OrgDetails: in.Details}
	if err := o.Validate(); err != nil {
		v.fields = append(v.fields, err.(*Error).Fields...)
	}
	o.OrgDetails.check(&v, o.Kind)
	if err := v.Err(); err != nil {
		return nil, nil, err
	}
	auth, err := s.Store.AuthorityBySlug(ctx, in.AuthoritySlug)
	if ErrorCode(err) == ENOTFOUND {
		return nil, nil, FieldErrorf("organisation.authority", "There is no council with the name %q here.", in.AuthoritySlug)
	} else if err != nil {
		return nil, nil, err
	}
	if _, ok := auth.Area(o.Area); o.Area != "" && !ok {
		return nil, nil, FieldErrorf("area", "Select a ward of %s", auth.Name)
	}
	o.NameKey = NameKey(o.Name)
	if err := s.checkNameFree(ctx, auth, o.Name, "", "organisation.name"); err != nil {
		return nil, nil, err
	}
	hash, err := HashPassword(in.Password)
	if err != nil {
		return nil, nil, err
	}
	u.PasswordHash, u.AuthorityID, u.Authority, u.OrganisationID = hash, auth.ID, auth.Slug, o.ID
	u.EmailUnverified = !in.EmailVerified
	o.AuthorityID, o.Authority = auth.ID, auth.Slug
	evs := []*AuditEvent{
		NewAuditEvent(auth.ID, u.ID, "organisation.register", "organisation", o.ID, nil, o, now),
		NewAuditEvent(auth.ID, u.ID, "user.register", "user", u.ID, nil, u, now),
	}
	if u.EmailUnverified {
		if err := s.Store.CreatePasswordReset(ctx, s.verification(u, evs[1], now), nil); err != nil {
			return nil, nil, err
		}
	}
	if err := s.Store.Register(ctx, o, u, evs); isEmailTaken(err) {
		return nil, nil, nil
	} else if err != nil {
		return nil, nil, err
	}
	return u, o, nil
}

// StaffUserInput is a person to create on the command line; Name defaults
// to the email.
type StaffUserInput struct {
	Email, Password, Name, Role string
	// AuthoritySlug names the council of an officer or admin.
	AuthoritySlug string
	// RegionSlug names the region of a region officer.
	RegionSlug string
}

// CreateStaffUser creates an officer or admin of a council, a region
// officer of a region, or a platform admin (command line only). A council's
// people are audited in its chain, the platform's in PlatformChain.
func (s *Service) CreateStaffUser(ctx context.Context, in StaffUserInput) (*User, error) {
	now := s.now()
	u := &User{ID: NewID(), Email: NormaliseEmail(in.Email), Role: in.Role, CreatedAt: now, UpdatedAt: now, Version: 1}
	chain := PlatformChain
	switch in.Role {
	case RoleOfficer, RoleAdmin:
		auth, err := s.Store.AuthorityBySlug(ctx, in.AuthoritySlug)
		if err != nil {
			return nil, err
		}
		u.AuthorityID, u.Authority, chain = auth.ID, auth.Slug, auth.ID
	case RoleRegionOfficer:
		r, err := s.Store.RegionBySlug(ctx, in.RegionSlug)
		if ErrorCode(err) == ENOTFOUND {
			return nil, FieldErrorf("region", "There is no region %q here.", truncateText(in.RegionSlug, 40))
		} else if err != nil {
			return nil, err
		}
		u.RegionID, u.Region = r.ID, r.Slug
	case RolePlatformAdmin:
	default:
		return nil, FieldErrorf("role", "role must be officer, admin, region_officer or platform_admin")
	}
	if err := CheckPassword(in.Password); err != nil {
		return nil, err
	}
	if u.Name = cleanName(in.Name); u.Name == "" {
		u.Name = in.Email
	}
	if err := u.Validate(); err != nil {
		return nil, err
	}
	var err error
	if u.PasswordHash, err = HashPassword(in.Password); err != nil {
		return nil, err
	}
	ev := NewAuditEvent(chain, "cli", "user.create", "user", u.ID, nil, u, now)
	return u, s.Store.CreateUser(ctx, u, ev)
}

// Authenticate checks an email and password. An unknown email, a wrong
// password and a disabled account give the same error after the same work.
func (s *Service) Authenticate(ctx context.Context, email, password string) (*User, error) {
	bad := Errorf(EUNAUTHORIZED, "The email address or password is not right.")
	u, err := s.Store.UserByEmail(ctx, NormaliseEmail(email))
	if err != nil && ErrorCode(err) != ENOTFOUND {
		return nil, err
	}
	if u == nil {
		CheckPasswordHash(dummyHash(), password)
		return nil, bad
	}
	if !CheckPasswordHash(u.PasswordHash, password) || u.Disabled {
		return nil, bad
	}
	return u, nil
}

// ActorFor loads the user behind a token and returns it as an actor;
// a disabled or missing user is EUNAUTHORIZED.
func (s *Service) ActorFor(ctx context.Context, userID string) (*Actor, *User, error) {
	u, err := s.Store.UserByID(ctx, userID)
	if ErrorCode(err) == ENOTFOUND || (err == nil && u.Disabled) {
		return nil, nil, Errorf(EUNAUTHORIZED, "Your session is no longer valid; sign in again.")
	} else if err != nil {
		return nil, nil, err
	}
	return &Actor{UserID: u.ID, Email: u.Email, Role: u.Role, AuthorityID: u.AuthorityID, OrganisationID: u.OrganisationID, EmailUnverified: u.EmailUnverified, RegionID: u.RegionID}, u, nil
}

// SetUserDisabled disables or enables a user of the admin's authority.
func (s *Service) SetUserDisabled(ctx context.Context, a *Actor, userID string, disabled bool) (*User, error) {
	if a != nil && a.Role != RoleAdmin {
		return nil, Errorf(EFORBIDDEN, "Only an admin may disable users.")
	}
	if a != nil && a.UserID == userID {
		return nil, Errorf(ECONFLICT, "You cannot disable your own account.")
	}
	u, err := s.Store.UserByID(ctx, userID)
	if err != nil {
		return nil, err
	}
	if a != nil && u.AuthorityID != a.AuthorityID {
		return nil, Errorf(ENOTFOUND, "User not found.")
	}
	if u.Disabled == disabled {
		return u, nil // nothing changes, nothing to audit
	}
	before := *u
	prev := u.Version
	u.Disabled, u.Version, u.UpdatedAt = disabled, u.Version+1, s.now()
	action := "user.enable"
	if disabled {
		action = "user.disable"
	}
	if err := s.Store.UpdateUser(ctx, u, prev, NewAuditEvent(u.AuthorityID, actorName(a), action, "user", u.ID, &before, u, u.UpdatedAt)); err != nil {
		return nil, err
	}
	if disabled {
		return u, s.Store.RevokeUserRefreshTokens(ctx, u.ID)
	}
	return u, nil
}

// StaffName is an officer or admin of the council as other officers see
// them: enough to choose a contract manager, nothing more.
type StaffName struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Role string `json:"role"`
}

// ListOfficers lists the enabled officers and admins of the caller's
// council (officers and admins), by name: the people a contract may name as
// its manager.
func (s *Service) ListOfficers(ctx context.Context, a *Actor) ([]StaffName, error) {
	if err := requireRole(a, RoleOfficer, RoleAdmin); err != nil {
		return nil, err
	}
	us, err := AllPages(func(p Page) ([]*User, string, error) {
		return s.Store.FindUsers(ctx, UserFilter{AuthorityID: a.AuthorityID, Page: p})
	}, 0)
	if err != nil {
		return nil, err
	}
	out := []StaffName{}
	for _, u := range us {
		if (u.Role == RoleOfficer || u.Role == RoleAdmin) && !u.Disabled {
			out = append(out, StaffName{ID: u.ID, Name: u.Name, Role: u.Role})
		}
	}
	sort.Slice(out, func(i, j int) bool { return strings.ToLower(out[i].Name) < strings.ToLower(out[j].Name) })
	return out, nil
}

// ListUsers lists the users of the admin's authority, newest first.
func (s *Service) ListUsers(ctx context.Context, a *Actor, p Page) ([]*User, string, error) {
	if err := requireRole(a, RoleAdmin); err != nil {
		return nil, "", err
	}
	return s.Store.FindUsers(ctx, UserFilter{AuthorityID: a.AuthorityID, Page: p})
}
