package api

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"needmatch/domain"
)

type measuresImportBody struct {
	CSV   string `json:"csv"`
	Label string `json:"label"`
}

func (s *Server) handleMeasuresGet(c *fiber.Ctx) error {
	version := 0
	if v := c.Query("version"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return domain.FieldErrorf("version", "version must be a catalogue version (1, 2, ...)")
		}
		version = n
	}
	cat, err := s.svc.GetCatalogue(c.UserContext(), actor(c), version)
	if err != nil {
		return err
	}
	if wantCSV(c) {
		rows := [][]string{{"code", "name", "unit", "proxy_pence", "theme", "source"}}
		for _, m := range cat.Measures {
			rows = append(rows, []string{m.Code, m.Name, m.Unit, strconv.FormatInt(m.ProxyPence, 10), m.Theme, m.Source})
		}
		return sendCSV(c, "measures-v"+strconv.Itoa(cat.Version)+".csv", rows)
	}
	return c.JSON(cat)
}

func (s *Server) handleMeasureVersions(c *fiber.Ctx) error {
	items, err := s.svc.ListCatalogues(c.UserContext(), actor(c))
	if err != nil {
		return err
	}
	return c.JSON(newList(items, ""))
}

func (s *Server) handleMeasuresImport(c *fiber.Ctx) error {
	var b measuresImportBody
	if err := decode(c, &b); err != nil {
		return err
	}
	cat, err := s.svc.ImportMeasures(c.UserContext(), actor(c), b.CSV, b.Label)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(cat)
}
