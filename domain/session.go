package domain

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"log/slog"
	"time"
)

// A session is a rotating chain (family) of opaque refresh tokens. The
// store keeps only each token's SHA-256, so a copy of the database holds no
// usable token; a token used twice means someone holds a copy, and the
// whole chain ends.

// refreshID is what the store keeps of a refresh token.
func refreshID(raw string) string {
	h := sha256.Sum256([]byte(raw))
	return hex.EncodeToString(h[:])
}

func sessionEnded() error {
	return Errorf(EUNAUTHORIZED, "Your session has ended; sign in again.")
}

// IssueRefreshToken starts (family "") or continues a session of the user
// working in the council (its id; "" is the user's own) and returns the raw
// token for the client and when it expires.
func (s *Service) IssueRefreshToken(ctx context.Context, userID, family, council string, ttl time.Duration) (string, time.Time, error) {
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return "", time.Time{}, err
	}
	if family == "" {
		family = NewID()
	}
	raw := base64.RawURLEncoding.EncodeToString(secret)
	now := s.now()
	t := &RefreshToken{ID: refreshID(raw), Family: family, UserID: userID, Council: council, ExpiresAt: now.Add(ttl), CreatedAt: now}
	if err := s.Store.CreateRefreshToken(ctx, t); err != nil {
		return "", time.Time{}, err
	}
	return raw, t.ExpiresAt, nil
}

// Resumed is what a spent refresh token continues: the session's user, its
// chain and the council it works in.
type Resumed struct {
	User   *User
	Family string
	// Council is the id of the council the session works in, "" for the
	// user's own; Authority is that council (nil for a user of none).
	Council   string
	Authority *Authority
	// Left is the council the session was in when the organisation may no
	// longer work there (its record is no longer approved): the session is
	// back in its home council and Notice says so.
	Left   *Authority
	Notice string
}

// UseRefreshToken spends a raw refresh token and returns its session;
// EUNAUTHORIZED when it is unknown, expired, already used (which ends its
// whole chain) or its user is disabled. A supplier's session keeps the
// council it switched to while its organisation is approved there; when it
// no longer is (suspended, say), the session goes back to the home council
// and says so (Resumed.Left).
func (s *Service) UseRefreshToken(ctx context.Context, raw string) (*Resumed, error) {
	if raw == "" || len(raw) > 100 {
		return nil, sessionEnded()
	}
	t, err := s.Store.UseRefreshToken(ctx, refreshID(raw))
	switch ErrorCode(err) {
	case "":
	case ECONFLICT:
		if t != nil {
			slog.Warn("refresh token reuse; revoking its chain", "user", t.UserID)
			if rerr := s.Store.RevokeRefreshFamily(ctx, t.Family); rerr != nil {
				return nil, rerr
			}
		}
		return nil, sessionEnded()
	case ENOTFOUND:
		return nil, sessionEnded()
	default:
		return nil, err
	}
	if !t.ExpiresAt.After(s.now()) {
		return nil, sessionEnded()
	}
	a, u, err := s.ActorFor(ctx, t.UserID)
	if err != nil {
		return nil, err
	}
	r := &Resumed{User: u, Family: t.Family}
	if t.Council != "" && t.Council != a.AuthorityID {
		if _, err := s.recordIn(ctx, a, t.Council, OrgApproved); err == nil {
			r.Council = t.Council
		} else if ErrorCode(err) != ENOTFOUND {
			return nil, err
		} else if r.Left, err = s.Store.AuthorityByID(ctx, t.Council); err != nil && ErrorCode(err) != ENOTFOUND {
			return nil, err
		}
	}
	if id := cmp.Or(r.Council, a.AuthorityID); id != "" {
		if r.Authority, err = s.Store.AuthorityByID(ctx, id); err != nil {
			return nil, err
		}
	}
	if r.Left != nil && r.Authority != nil {
		r.Notice = "Your organisation is no longer approved to work in " + r.Left.Name + ": you are working in " + r.Authority.Name + "."
	}
	return r, nil
}

// EndSession revokes the chain of a raw refresh token (sign out); an
// unknown token ends nothing and is no error.
func (s *Service) EndSession(ctx context.Context, raw string) error {
	if raw == "" || len(raw) > 100 {
		return nil
	}
	t, err := s.Store.UseRefreshToken(ctx, refreshID(raw))
	if t != nil {
		return s.Store.RevokeRefreshFamily(ctx, t.Family)
	}
	if err != nil && ErrorCode(err) != ENOTFOUND {
		return err
	}
	return nil
}

// Ready reports whether the store answers.
func (s *Service) Ready(ctx context.Context) error { return s.Store.Ping(ctx) }

// AuthorityOf returns the actor's council.
func (s *Service) AuthorityOf(ctx context.Context, a *Actor) (*Authority, error) {
	if err := requireSignedIn(a); err != nil {
		return nil, err
	}
	return s.Store.AuthorityByID(ctx, a.AuthorityID)
}

// PublicAuthority returns a council by its slug (anyone).
func (s *Service) PublicAuthority(ctx context.Context, slug string) (*Authority, error) {
	if len(slug) > 64 {
		return nil, Errorf(ENOTFOUND, "Council not found.")
	}
	return s.Store.AuthorityBySlug(ctx, slug)
}

// ClaimIdempotency, CompleteIdempotency and ReleaseIdempotency keep a
// user's Idempotency-Key records (see IdempotencyStore).
func (s *Service) ClaimIdempotency(ctx context.Context, r *IdempotencyRecord) (*IdempotencyRecord, error) {
	return s.Store.ClaimIdempotency(ctx, r)
}

// CompleteIdempotency records the answer of a claimed key.
func (s *Service) CompleteIdempotency(ctx context.Context, r *IdempotencyRecord) error {
	return s.Store.CompleteIdempotency(ctx, r)
}

// ReleaseIdempotency forgets a claimed key whose request failed on our side.
func (s *Service) ReleaseIdempotency(ctx context.Context, userID, key string) error {
	return s.Store.ReleaseIdempotency(ctx, userID, key)
}
