package domain

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"time"
)

// A password reset is a one-time link mailed to the account's address. The
// link's token is kept only as its SHA-256; it is valid for ResetValidFor
// and once. Asking for one answers the same whether or not the account
// exists, after the same work: every request writes one reset record (for
// an unknown address, or one past the per-account limit, a record no token
// opens), so neither the answer nor its time tells who has an account.

// ResetValidFor is how long a reset link works.
const ResetValidFor = 30 * time.Minute

// ResetsPerHour is how many reset mails one address gets in an hour.
const ResetsPerHour = 3

// PasswordReset is one reset link as stored.
type PasswordReset struct {
	// TokenHash is the hex SHA-256 of the link's token.
	TokenHash string
	// EmailKey is the hex SHA-256 of the normalised address asked for.
	EmailKey string
	// UserID is empty for a request no link may use.
	UserID    string
	ExpiresAt time.Time
	CreatedAt time.Time
	Used      bool
}

// ResetStore keeps password resets.
type ResetStore interface {
	// CreatePasswordReset writes r, with ev (and its notification) when
	// not nil, together.
	CreatePasswordReset(ctx context.Context, r *PasswordReset, ev *AuditEvent) error
	// CountPasswordResets counts the resets asked for the address key since.
	CountPasswordResets(ctx context.Context, emailKey string, since time.Time) (int, error)
	// UsePasswordReset marks the unused reset with tokenHash used and
	// returns it; ENOTFOUND when there is none or it was used.
	UsePasswordReset(ctx context.Context, tokenHash string) (*PasswordReset, error)
}

func sha256Hex(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// newToken returns a random URL-safe token of 256 bits.
func newToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// RequestPasswordReset mails a reset link to the account with the address,
// if there is one and it has not had ResetsPerHour links in the last hour.
// It answers nil either way; only a store failure is an error.
func (s *Service) RequestPasswordReset(ctx context.Context, email string) error {
	addr := NormaliseEmail(email)
	now := s.now()
	token := newToken()
	r := &PasswordReset{TokenHash: sha256Hex(token), EmailKey: sha256Hex(addr), ExpiresAt: now.Add(ResetValidFor), CreatedAt: now}
	n, err := s.Store.CountPasswordResets(ctx, r.EmailKey, now.Add(-time.Hour))
	if err != nil {
		return err
	}
	u, err := s.Store.UserByEmail(ctx, addr)
	if err != nil && ErrorCode(err) != ENOTFOUND {
		return err
	}
	var ev *AuditEvent
	if u != nil && !u.Disabled && n < ResetsPerHour {
		r.UserID = u.ID
		ev = NewAuditEvent(u.AuthorityID, u.ID, "user.password-reset-request", "user", u.ID, nil, nil, now)
		ev.Notify = append(ev.Notify, s.mail(ev, recipient{u.ID, u.Email, PrefImmediately}, &notice{
			kind: NotifySecurity, subject: "Reset your needmatch password",
			lines: []string{"Someone (we hope you) asked to reset the password of your needmatch account.",
				"The link below works once, for 30 minutes. If you did not ask, ignore this mail: your password stays as it is."},
			link: "/reset-password?token=" + token,
		}))
	}
	return s.Store.CreatePasswordReset(ctx, r, ev)
}

// ResetPassword sets a new password with a reset link's token and revokes
// every refresh token of the account, so every session signs in again.
func (s *Service) ResetPassword(ctx context.Context, token, password string) (*User, error) {
	if err := CheckPassword(password); err != nil {
		return nil, &Error{Code: EINVALID, Field: "password", Message: ErrorMessage(err)}
	}
	hash, err := HashPassword(password)
	if err != nil {
		return nil, err
	}
	u, err := s.useLink(ctx, token, sha256Hex, &Error{Code: EINVALID, Field: "token", Message: "This reset link is not valid: it was used, it expired, or it was mistyped. Ask for a new one."})
	if err != nil {
		return nil, err
	}
	now := s.now()
	before, prev := *u, u.Version
	// The link came by mail: opening it proves the address, as a
	// verification link does (an invited admin's first password).
	u.PasswordHash, u.EmailUnverified, u.Version, u.UpdatedAt = hash, false, u.Version+1, now
	if err := s.Store.UpdateUser(ctx, u, prev, NewAuditEvent(u.AuthorityID, u.ID, "user.password-reset", "user", u.ID, &before, u, now)); err != nil {
		return nil, err
	}
	return u, s.Store.RevokeUserRefreshTokens(ctx, u.ID)
}

// useLink spends the mailed link whose token is stored as hash(token) (a
// reset or a verification) and returns its enabled account; bad when the
// token is mistyped, used, expired, for no account or a disabled one.
func (s *Service) useLink(ctx context.Context, token string, hash func(string) string, bad *Error) (*User, error) {
	if len(token) < 20 || len(token) > 100 {
		return nil, bad
	}
	r, err := s.Store.UsePasswordReset(ctx, hash(token))
	if ErrorCode(err) == ENOTFOUND {
		return nil, bad
	} else if err != nil {
		return nil, err
	}
	if r.UserID == "" || !s.now().Before(r.ExpiresAt) {
		return nil, bad
	}
	u, err := s.Store.UserByID(ctx, r.UserID)
	if ErrorCode(err) == ENOTFOUND || (err == nil && u.Disabled) {
		return nil, bad
	} else if err != nil {
		return nil, err
	}
	return u, nil
}
