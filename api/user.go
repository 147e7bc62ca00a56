package api

import (
	"github.com/gofiber/fiber/v2"
)

func (s *Server) handleUserDisable(c *fiber.Ctx) error { return s.setUserDisabled(c, true) }
func (s *Server) handleUserEnable(c *fiber.Ctx) error  { return s.setUserDisabled(c, false) }

func (s *Server) setUserDisabled(c *fiber.Ctx, disabled bool) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	u, err := s.svc.SetUserDisabled(c.UserContext(), actor(c), id, disabled)
	if err != nil {
		return err
	}
	return c.JSON(u)
}

func (s *Server) handleUserList(c *fiber.Ctx) error {
	p, err := page(c)
	if err != nil {
		return err
	}
	items, next, err := s.svc.ListUsers(c.UserContext(), actor(c), p)
	if err != nil {
		return err
	}
	return c.JSON(newList(items, next))
}

func (s *Server) handleOfficerList(c *fiber.Ctx) error {
	items, err := s.svc.ListOfficers(c.UserContext(), actor(c))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": items})
}
