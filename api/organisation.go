package api

import (
	"context"

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
	return decideOrganisation(c, true, s.svc.DecideOrganisation)
}

func (s *Server) handleOrganisationReject(c *fiber.Ctx) error {
	return decideOrganisation(c, false, s.svc.DecideOrganisation)
}

func (s *Server) handleOrganisationNameApprove(c *fiber.Ctx) error {
	return decideOrganisation(c, true, s.svc.DecideOrganisationName)
}

func (s *Server) handleOrganisationNameReject(c *fiber.Ctx) error {
	return decideOrganisation(c, false, s.svc.DecideOrganisationName)
}

func (s *Server) handleOrganisationSuspend(c *fiber.Ctx) error {
	return suspendOrganisation(c, true, s.svc.SuspendOrganisation)
}

func (s *Server) handleOrganisationReinstate(c *fiber.Ctx) error {
	return suspendOrganisation(c, false, s.svc.SuspendOrganisation)
}

// suspendOrganisation calls suspend with the body's reason for the
// organisation of the path.
func suspendOrganisation(c *fiber.Ctx, on bool, suspend func(context.Context, *domain.Actor, string, bool, string) (*domain.Organisation, error)) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	var b reasonBody
	if err := decode(c, &b); err != nil {
		return err
	}
	o, err := suspend(c.UserContext(), actor(c), id, on, b.Reason)
	if err != nil {
		return err
	}
	return c.JSON(o)
}

// decideOrganisation calls decide (approve, or reject with the body's reason)
// for the organisation of the path.
func decideOrganisation(c *fiber.Ctx, approve bool, decide func(context.Context, *domain.Actor, string, bool, string) (*domain.Organisation, error)) error {
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
	o, err := decide(c.UserContext(), actor(c), id, approve, b.Reason)
	if err != nil {
		return err
	}
	return c.JSON(o)
}

// profileBody is a profile change; any due-diligence field given replaces
// them all (the form sends the whole set).
type profileBody struct {
	Name                 *string   `json:"name"`
	Area                 *string   `json:"area"`
	Offers               *[]string `json:"offers"`
	CommitmentLimitPence *int64    `json:"commitmentLimitPence"`
	Version              *int64    `json:"version"`
	*domain.OrgDetails
}

func (s *Server) handleOrganisationUpdate(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	var b profileBody
	if err := decode(c, &b); err != nil {
		return err
	}
	o, err := s.svc.UpdateProfile(c.UserContext(), actor(c), id, domain.ProfileInput{Name: b.Name, Area: b.Area, Offers: b.Offers,
		CommitmentLimitPence: b.CommitmentLimitPence, Version: b.Version, Details: b.OrgDetails})
	if err != nil {
		return err
	}
	return c.JSON(o)
}
