package api

import (
	"github.com/gofiber/fiber/v2"
)

// councilRoutes tell the app which councils the platform has and which
// one a public page that names none shows.
func (s *Server) councilRoutes() []route {
	return []route{
		{"GET", "/councils", "The councils of the platform (slug and name) and the default council of a public page that names none", nil, nil, s.handleCouncilList},
	}
}

func (s *Server) handleCouncilList(c *fiber.Ctx) error {
	l, err := s.svc.PublicCouncils(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(l)
}
