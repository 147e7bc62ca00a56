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

type profileBody struct {
	Name                 *string   `json:"name"`
	Area                 *string   `json:"area"`
	Offers               *[]string `json:"offers"`
	CommitmentLimitPence *int64    `json:"commitmentLimitPence"`
	SocialValueLead      *leadBody `json:"socialValueLead"`
	Version              *int64    `json:"version"`
}

// leadBody is a supplier's social value lead; all fields empty remove it.
type leadBody struct {
	Name  string `json:"name"`
	Role  string `json:"role"`
	Email string `json:"email"`
	Phone string `json:"phone"`
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
		CommitmentLimitPence: b.CommitmentLimitPence, SocialValueLead: (*domain.Contact)(b.SocialValueLead), Version: b.Version})
	if err != nil {
		return err
	}
	return c.JSON(o)
}
