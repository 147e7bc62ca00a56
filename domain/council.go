package domain

import (
	"context"
	"sort"
	"strings"
	"time"
)

// Council is a council as the platform admin sees it: the authority and
// how many enabled admins and officers it has (a new council has none until
// the platform admin invites its first admin).
type Council struct {
	Authority *Authority
	Admins    int
	Officers  int
	// Staff are its officers and admins by name (CouncilOf only).
	Staff []*User
}

// InviteValidFor is how long the link of an invitation to run a council
// works; after it the person asks for a password reset link, which works
// as well.
const InviteValidFor = 7 * 24 * time.Hour

// AdminInvite is the first (or another) admin of a council, named by the
// platform admin.
type AdminInvite struct {
	Email, Name string
}

// ListCouncils lists every council with its number of admins and officers
// (platform admin): one count per council, none of its users read.
func (s *Service) ListCouncils(ctx context.Context, a *Actor) ([]Council, error) {
	auths, err := s.ListAuthorities(ctx, a)
	if err != nil {
		return nil, err
	}
	out := make([]Council, 0, len(auths))
	for _, auth := range auths {
		c := Council{Authority: auth}
		if c.Admins, c.Officers, err = s.Store.CountStaff(ctx, auth.ID); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// CouncilOf returns one council with its officers and admins (platform
// admin).
func (s *Service) CouncilOf(ctx context.Context, a *Actor, slug string) (*Council, error) {
	if err := requireRole(a, RolePlatformAdmin); err != nil {
		return nil, err
	}
	auth, err := s.Store.AuthorityBySlug(ctx, truncateText(slug, 64))
	if err != nil {
		return nil, err
	}
	return s.council(ctx, auth)
}

func (s *Service) council(ctx context.Context, auth *Authority) (*Council, error) {
	us, err := AllPages(func(p Page) ([]*User, string, error) {
		return s.Store.FindUsers(ctx, UserFilter{AuthorityID: auth.ID, Page: p})
	}, 0)
	if err != nil {
		return nil, err
	}
	c := &Council{Authority: auth, Staff: []*User{}}
	for _, u := range us {
		if u.Role != RoleOfficer && u.Role != RoleAdmin {
			continue
		}
		c.Staff = append(c.Staff, u)
		switch {
		case u.Disabled:
		case u.Role == RoleAdmin:
			c.Admins++
		default:
			c.Officers++
		}
	}
	sort.SliceStable(c.Staff, func(i, j int) bool { return strings.ToLower(c.Staff[i].Name) < strings.ToLower(c.Staff[j].Name) })
	return c, nil
}

// InviteCouncilAdmin makes an admin of a council (platform admin), audited
// in that council's chain. The account has no password anyone knows and
// its address is unverified: the invitation mail, riding on the event,
// carries a one-time link to choose a password, and opening it verifies
// the address (ResetPassword), as a self-registered person's verification
// link does. A taken address is ECONFLICT on field email.
func (s *Service) InviteCouncilAdmin(ctx context.Context, a *Actor, slug string, in AdminInvite) (*User, error) {
	if err := requireRole(a, RolePlatformAdmin); err != nil {
		return nil, err
	}
	auth, err := s.Store.AuthorityBySlug(ctx, truncateText(slug, 64))
	if err != nil {
		return nil, err
	}
	now := s.now()
	u := &User{ID: NewID(), AuthorityID: auth.ID, Authority: auth.Slug, Email: NormaliseEmail(in.Email), Name: cleanName(in.Name), Role: RoleAdmin,
		EmailUnverified: true, CreatedAt: now, UpdatedAt: now, Version: 1}
	if err := u.Validate(); err != nil {
		return nil, err
	}
	if u.PasswordHash, err = HashPassword(newToken()); err != nil {
		return nil, err
	}
	ev := NewAuditEvent(auth.ID, a.UserID, "user.invite", "user", u.ID, nil, u, now)
	token := newToken()
	ev.Notify = append(ev.Notify, s.mail(ev, recipient{u.ID, u.Email, PrefImmediately}, &notice{
		kind: NotifySecurity, subject: "You are invited to run " + auth.Name + " on needmatch",
		lines: []string{"Hello " + u.Name + ".",
			"You have been made an admin of " + auth.Name + " on needmatch: you load its wards and need figures, its measures and thresholds, and look after its officers.",
			"Open the link below to choose your password; opening it also confirms your email address. The link works once, for 7 days. After that, ask for a password reset link on the sign-in page.",
			"If you did not expect this mail, ignore it."},
		link: "/reset-password?token=" + token,
	}))
	reset := &PasswordReset{TokenHash: sha256Hex(token), EmailKey: sha256Hex(u.Email), UserID: u.ID, ExpiresAt: now.Add(InviteValidFor), CreatedAt: now}
	if err := s.Store.CreatePasswordReset(ctx, reset, nil); err != nil {
		return nil, err
	}
	if err := s.Store.CreateUser(ctx, u, ev); err != nil {
		return nil, err
	}
	return u, nil
}
