package api

import (
	"github.com/gofiber/fiber/v2"

	"needmatch/domain"
)

type reasonBody struct {
	Reason string `json:"reason"`
}

func (s *Server) handleOrganisationList(c *fiber.Ctx) error {
	p, err := page(c)
	if err != nil {
		return err
	}
	items, next, err := s.svc.ListOrganisations(c.UserContext(), actor(c), domain.OrganisationFilter{Status: c.Query("status"), Kind: c.Query("kind"), Page: p})
	if err != nil {
		return err
	}
	return c.JSON(newList(items, next))
}

func (s *Server) handleOrganisationGet(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	o, err := s.svc.GetOrganisation(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(o)
}

func (s *Server) handleOrganisationApprove(c *fiber.Ctx) error {
	return s.decideOrganisation(c, true)
}

func (s *Server) handleOrganisationReject(c *fiber.Ctx) error {
	return s.decideOrganisation(c, false)
}

func (s *Server) decideOrganisation(c *fiber.Ctx, approve bool) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	var b reasonBody
	if !approve {
		if err := decode(c, &b); err != nil {
			return err
		}
	}
	o, err := s.svc.DecideOrganisation(c.UserContext(), actor(c), id, approve, b.Reason)
	if err != nil {
		return err
	}
	return c.JSON(o)
}
