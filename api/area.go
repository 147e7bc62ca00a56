package api

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"needmatch/domain"
)

type areasBody struct {
	CSV string `json:"csv"`
}

func (s *Server) handleAreasImport(c *fiber.Ctx) error {
	var b areasBody
	if err := decode(c, &b); err != nil {
		return err
	}
	areas, err := domain.ParseAreasCSV(strings.NewReader(b.CSV))
	if err != nil {
		return err
	}
	auth, err := s.svc.ImportAreas(c.UserContext(), actor(c), areas)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"slug": auth.Slug, "areas": auth.Areas})
}
