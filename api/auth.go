package api

import (
	"crypto/rand"
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/golang-jwt/jwt/v5"

	"needmatch/domain"
)

// RefreshCookie is the name of the HttpOnly refresh-token cookie.
const RefreshCookie = "needmatch_refresh"

type accessClaims struct {
	Typ string `json:"typ"`
	// Council is the id of the council a supplier works in now, when it is
	// not its home council (see domain.ActorIn).
	Council string `json:"council,omitempty"`
	jwt.RegisteredClaims
}

// IssueAccessToken signs a short-lived access token for the user in its
// home council.
func (s *Server) IssueAccessToken(userID string, now time.Time) (string, error) {
	return s.issueAccessTokenIn(userID, "", now)
}

// issueAccessTokenIn signs an access token for the user working in the
// council (its home council when "").
func (s *Server) issueAccessTokenIn(userID, council string, now time.Time) (string, error) {
	jti := make([]byte, 16)
	_, _ = rand.Read(jti)
	claims := accessClaims{Typ: "access", Council: council, RegisteredClaims: jwt.RegisteredClaims{
		Issuer: s.cfg.Issuer, Audience: jwt.ClaimStrings{s.cfg.Audience}, Subject: userID,
		IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(s.cfg.AccessTTL)),
		ID: hex.EncodeToString(jti),
	}}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(s.cfg.Secret)
}

// parseAccessToken checks signature (HS256 only), expiry, not-before,
// issuer, audience and type, and returns the subject and the council.
func (s *Server) parseAccessToken(tok string) (string, string, error) {
	var claims accessClaims
	_, err := jwt.ParseWithClaims(tok, &claims, func(*jwt.Token) (any, error) { return s.cfg.Secret, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithExpirationRequired(), jwt.WithIssuer(s.cfg.Issuer), jwt.WithAudience(s.cfg.Audience),
		jwt.WithIssuedAt(), jwt.WithLeeway(5*time.Second))
	if err != nil || claims.Typ != "access" || claims.Subject == "" || claims.ID == "" {
		return "", "", domain.Errorf(domain.EUNAUTHORIZED, "The access token is not valid; sign in again.")
	}
	return claims.Subject, claims.Council, nil
}

// authenticate sets the actor when a bearer token is present. A token that
// is present but bad is refused outright rather than treated as anonymous.
func (s *Server) authenticate(c *fiber.Ctx) error {
	h := c.Get(fiber.HeaderAuthorization)
	if h == "" {
		return c.Next()
	}
	tok, ok := strings.CutPrefix(h, "Bearer ")
	if !ok {
		return domain.Errorf(domain.EUNAUTHORIZED, "Use an Authorization: Bearer token.")
	}
	sub, council, err := s.parseAccessToken(strings.TrimSpace(tok))
	if err != nil {
		return err
	}
	a, _, err := s.svc.ActorIn(c.UserContext(), sub, council)
	if err != nil {
		return err
	}
	c.Locals("actor", a)
	return c.Next()
}

func actor(c *fiber.Ctx) *domain.Actor {
	a, _ := c.Locals("actor").(*domain.Actor)
	return a
}

type registerBody struct {
	Email        string  `json:"email"`
	Password     string  `json:"password"`
	Name         string  `json:"name"`
	Role         string  `json:"role"`
	Organisation orgBody `json:"organisation"`
}

type orgBody struct {
	Name      string `json:"name"`
	Authority string `json:"authority"`
	// Area is the base ward (optional).
	Area string `json:"area"`
	domain.OrgDetails
}

// RegisteredMessage is the whole answer to a registration that passed its
// checks, whether an account was created or the address already had one:
// the answer must not tell who has an account.
const RegisteredMessage = "If this address can be used, your account is created: sign in to continue. " +
	"If you already have an account with this address, sign in with your password."

func (s *Server) handleAuthRegister(c *fiber.Ctx) error {
	var b registerBody
	if err := decode(c, &b); err != nil {
		return err
	}
	if _, _, err := s.svc.Register(c.UserContext(), domain.RegisterInput{
		Email: b.Email, Password: b.Password, Name: b.Name, Role: b.Role, OrgName: b.Organisation.Name, AuthoritySlug: b.Organisation.Authority,
		Area: b.Organisation.Area, Details: b.Organisation.OrgDetails,
	}); err != nil {
		return err
	}
	return c.Status(fiber.StatusAccepted).JSON(fiber.Map{"status": "received", "message": RegisteredMessage})
}

type loginBody struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

func (s *Server) handleAuthLogin(c *fiber.Ctx) error {
	var b loginBody
	if err := decode(c, &b); err != nil {
		return err
	}
	var v domain.Validation
	if strings.TrimSpace(b.Email) == "" {
		v.Add("email", "Enter your email address")
	}
	if b.Password == "" {
		v.Add("password", "Enter your password")
	}
	if err := v.Err(); err != nil {
		return err
	}
	if err := s.allowLoginAccount(c, b.Email); err != nil {
		return err
	}
	u, err := s.svc.Authenticate(c.UserContext(), b.Email, b.Password)
	if err != nil {
		return err
	}
	body, err := s.startSession(c, u, "", "")
	if err != nil {
		return err
	}
	return c.JSON(body)
}

// startSession issues an access token and a new refresh token of family
// for the user working in the council (its id; "" for its own).
func (s *Server) startSession(c *fiber.Ctx, u *domain.User, family, council string) (fiber.Map, error) {
	now := s.svc.Now()
	access, err := s.issueAccessTokenIn(u.ID, council, now)
	if err != nil {
		return nil, err
	}
	raw, expires, err := s.svc.IssueRefreshToken(c.UserContext(), u.ID, family, council, s.cfg.RefreshTTL)
	if err != nil {
		return nil, err
	}
	s.setRefreshCookie(c, raw, expires)
	return fiber.Map{"accessToken": access, "expiresIn": int(s.cfg.AccessTTL.Seconds()), "tokenType": "Bearer", "user": u}, nil
}

func (s *Server) setRefreshCookie(c *fiber.Ctx, value string, expires time.Time) {
	c.Cookie(&fiber.Cookie{Name: RefreshCookie, Value: value, Path: "/api/v1/auth", Expires: expires,
		HTTPOnly: true, Secure: true, SameSite: fiber.CookieSameSiteStrictMode})
}

// handleAuthRefresh continues the session in the council it works in:
// authority names it, and left (with notice) the council the session had to
// leave because the organisation is no longer approved there.
func (s *Server) handleAuthRefresh(c *fiber.Ctx) error {
	r, err := s.svc.UseRefreshToken(c.UserContext(), c.Cookies(RefreshCookie))
	if domain.ErrorCode(err) == domain.EUNAUTHORIZED {
		s.clearRefreshCookie(c)
	}
	if err != nil {
		return err
	}
	body, err := s.startSession(c, r.User, r.Family, r.Council)
	if err != nil {
		return err
	}
	if r.Authority != nil {
		body["authority"] = fiber.Map{"slug": r.Authority.Slug, "name": r.Authority.Name}
	}
	if r.Left != nil {
		body["left"] = fiber.Map{"slug": r.Left.Slug, "name": r.Left.Name}
		body["notice"] = r.Notice
	}
	return c.JSON(body)
}

func (s *Server) clearRefreshCookie(c *fiber.Ctx) {
	s.setRefreshCookie(c, "", time.Unix(0, 0))
}

func (s *Server) handleAuthLogout(c *fiber.Ctx) error {
	if err := s.svc.EndSession(c.UserContext(), c.Cookies(RefreshCookie)); err != nil {
		return err
	}
	s.clearRefreshCookie(c)
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Server) handleMe(c *fiber.Ctx) error {
	a := actor(c)
	_, u, err := s.svc.ActorFor(c.UserContext(), a.UserID)
	if err != nil {
		return err
	}
	if a.AuthorityID == "" { // a platform admin or a region officer
		return c.JSON(fiber.Map{"user": u, "organisation": nil, "authority": nil, "region": u.Region})
	}
	auth, err := s.svc.AuthorityOf(c.UserContext(), a)
	if err != nil {
		return err
	}
	var org *domain.Organisation
	if a.OrganisationID != "" {
		if org, err = s.svc.GetOrganisation(c.UserContext(), a, a.OrganisationID); err != nil {
			return err
		}
	}
	return c.JSON(fiber.Map{"user": u, "organisation": org, "authority": fiber.Map{"slug": auth.Slug, "name": auth.Name}})
}

func (s *Server) handleAuthorityGet(c *fiber.Ctx) error {
	a, err := s.svc.PublicAuthority(c.UserContext(), c.Params("slug"))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"slug": a.Slug, "name": a.Name, "code": a.Code, "areas": a.Areas, "thresholds": a.Thresholds, "maxRequestPence": domain.MaxRequestPence, "requestText": domain.RequestText})
}

func parseInt(s string) (int64, error) { return strconv.ParseInt(s, 10, 64) }
