package domain

import (
	"context"
	"time"
)

// Email verification: a self-registered account proves it reads its mail
// before it can make a commitment (post or submit a request, pledge, bid).
// The link is a reset record (PasswordReset, ResetStore) like a password
// reset's, told apart by hashing: a verification token is kept as the
// SHA-256 of verifyPrefix and the token, a reset token as the SHA-256 of
// the token alone, so neither link opens the other's door; and the resend
// limit counts by verifyPrefix and the user's id, not by the address the
// reset limit counts. Accounts made by the command line, the seed or an
// admin, and every account older than verification, count as verified.

// VerifyValidFor is how long a verification link works.
const VerifyValidFor = 48 * time.Hour

// VerifyMailsPerHour is how many verification mails one account gets in an hour.
const VerifyMailsPerHour = 3

// VerifySubject is the subject of the verification mail.
const VerifySubject = "Confirm your email address for needmatch"

const verifyPrefix = "verify-email:"

func verifyHash(token string) string { return sha256Hex(verifyPrefix + token) }

func verifyKey(userID string) string { return sha256Hex(verifyPrefix + userID) }

// ErrEmailUnverified is the EFORBIDDEN of a signed-in person whose address
// is not verified yet, on field emailVerified.
func ErrEmailUnverified() error {
	return &Error{Code: EFORBIDDEN, Field: "emailVerified",
		Message: "Verify your email address first: open the link we sent you, or ask for a new one. Then you can post requests, pledge and bid."}
}

// requireVerified refuses an actor whose address is not verified: part of
// the one door to every new commitment (approvedOrganisation).
func requireVerified(a *Actor) error {
	if a != nil && a.EmailUnverified {
		return ErrEmailUnverified()
	}
	return nil
}

// verification returns a new link's record for u, and the mail that
// carries the link, to ride on ev.
func (s *Service) verification(u *User, ev *AuditEvent, now time.Time) *PasswordReset {
	token := newToken()
	ev.Notify = append(ev.Notify, s.mail(ev, recipient{u.ID, u.Email, PrefImmediately}, &notice{
		kind: NotifySecurity, subject: VerifySubject,
		lines: []string{"Welcome to needmatch, " + u.Name + ".",
			"Open the link below to confirm that this is your email address. Until you do, you cannot post requests, pledge or bid.",
			"The link works once, for 48 hours. If you did not make an account, ignore this mail."},
		link: "/verify-email?token=" + token,
	}))
	return &PasswordReset{TokenHash: verifyHash(token), EmailKey: verifyKey(u.ID), UserID: u.ID, ExpiresAt: now.Add(VerifyValidFor), CreatedAt: now}
}

// ResendVerification mails the actor a new verification link, at most
// VerifyMailsPerHour an hour; ECONFLICT when the address is verified.
func (s *Service) ResendVerification(ctx context.Context, a *Actor) error {
	if err := requireSignedIn(a); err != nil {
		return err
	}
	u, err := s.Store.UserByID(ctx, a.UserID)
	if err != nil {
		return err
	}
	if !u.EmailUnverified {
		return &Error{Code: ECONFLICT, Field: "emailVerified", Message: "Your email address is already verified."}
	}
	now := s.now()
	n, err := s.Store.CountPasswordResets(ctx, verifyKey(u.ID), now.Add(-time.Hour))
	if err != nil {
		return err
	}
	if n >= VerifyMailsPerHour {
		return &Error{Code: ERATELIMIT, Field: "emailVerified", Message: "We have sent you several links in the last hour. Check your email (and its spam folder), or try again in an hour."}
	}
	ev := NewAuditEvent(u.AuthorityID, u.ID, "user.verify-email-request", "user", u.ID, nil, nil, now)
	return s.Store.CreatePasswordReset(ctx, s.verification(u, ev, now), ev)
}

// VerifyEmail marks the account of a verification link's token verified.
// A token mistyped, used, expired or of a disabled account is EINVALID on
// field token.
func (s *Service) VerifyEmail(ctx context.Context, token string) (*User, error) {
	u, err := s.useLink(ctx, token, verifyHash, &Error{Code: EINVALID, Field: "token", Message: "This verification link is not valid: it was used, it expired, or it was mistyped. Sign in and ask for a new one."})
	if err != nil {
		return nil, err
	}
	now := s.now()
	if !u.EmailUnverified {
		return u, nil
	}
	before, prev := *u, u.Version
	u.EmailUnverified, u.Version, u.UpdatedAt = false, u.Version+1, now
	return u, s.Store.UpdateUser(ctx, u, prev, NewAuditEvent(u.AuthorityID, u.ID, "user.verify-email", "user", u.ID, &before, u, now))
}
