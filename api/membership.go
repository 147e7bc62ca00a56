package api

import (
	"github.com/gofiber/fiber/v2"

	"needmatch/domain"
)

// membershipRoutes are a supplier's councils: asking to work in another
// council of the platform, and switching the council it works in.
func (s *Server) membershipRoutes() []route {
	supplier := []string{domain.RoleSupplier}
	return []route{
		{"GET", "/me/councils", "The councils the supplier's organisation works in or asked to, with its status in each", supplier, nil, s.handleMembershipList},
		{"POST", "/me/councils", "Ask to work in another council of the platform: its officers approve the organisation there", supplier, councilBody{}, s.handleMembershipCreate},
		{"POST", "/auth/switch", "Work in another council where the organisation is approved: a new access token for that council; with the refresh cookie, the session keeps it across a refresh", supplier, councilBody{}, s.handleAuthSwitch},
	}
}

type councilBody struct {
	Authority string `json:"authority"`
}

func (s *Server) handleMembershipList(c *fiber.Ctx) error {
	ms, err := s.svc.Memberships(c.UserContext(), actor(c))
	if err != nil {
		return err
	}
	return c.JSON(newList(ms, ""))
}

func (s *Server) handleMembershipCreate(c *fiber.Ctx) error {
	var b councilBody
	if err := decode(c, &b); err != nil {
		return err
	}
	m, err := s.svc.JoinCouncil(c.UserContext(), actor(c), b.Authority)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(m)
}

// handleAuthSwitch re-issues the access token for the council asked for,
// after the service has checked the organisation is approved there; with
// the refresh cookie, the session's next refresh token records the council,
// so a refresh keeps it.
func (s *Server) handleAuthSwitch(c *fiber.Ctx) error {
	var b councilBody
	if err := decode(c, &b); err != nil {
		return err
	}
	a := actor(c)
	sw, err := s.svc.SwitchCouncil(c.UserContext(), a, b.Authority, c.Cookies(RefreshCookie), s.cfg.RefreshTTL)
	if domain.ErrorCode(err) == domain.EUNAUTHORIZED {
		s.clearRefreshCookie(c)
	}
	if err != nil {
		return err
	}
	if sw.Refresh != "" {
		s.setRefreshCookie(c, sw.Refresh, sw.Expires)
	}
	_, u, err := s.svc.ActorFor(c.UserContext(), a.UserID)
	if err != nil {
		return err
	}
	tok, err := s.issueAccessTokenIn(a.UserID, sw.Council, s.svc.Now())
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"accessToken": tok, "expiresIn": int(s.cfg.AccessTTL.Seconds()), "tokenType": "Bearer", "user": u,
		"authority": fiber.Map{"slug": sw.Authority.Slug, "name": sw.Authority.Name}})
}
