package api

import (
	"github.com/gofiber/fiber/v2"

	"needmatch/domain"
)

type adminInviteBody struct {
	Email string `json:"email"`
	Name  string `json:"name"`
}

func viewCouncil(c *domain.Council) authorityView {
	v := viewAuthority(c.Authority)
	v.Admins, v.Officers, v.Staff = c.Admins, c.Officers, c.Staff
	return v
}

func (s *Server) handleAuthorityStaff(c *fiber.Ctx) error {
	council, err := s.svc.CouncilOf(c.UserContext(), actor(c), c.Params("slug"))
	if err != nil {
		return err
	}
	return c.JSON(viewCouncil(council))
}

func (s *Server) handleAuthorityAdminInvite(c *fiber.Ctx) error {
	var b adminInviteBody
	if err := decode(c, &b); err != nil {
		return err
	}
	u, err := s.svc.InviteCouncilAdmin(c.UserContext(), actor(c), c.Params("slug"), domain.AdminInvite{Email: b.Email, Name: b.Name})
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(u)
}
