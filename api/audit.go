package api

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"needmatch/domain"
)

func (s *Server) handleAuditList(c *fiber.Ctx) error {
	f := domain.AuditFilter{Object: c.Query("object"), Limit: 100}
	if cur := c.Query("cursor"); cur != "" {
		n, err := strconv.ParseInt(cur, 10, 64)
		if err != nil || n < 0 {
			return domain.FieldErrorf("cursor", "cursor is not one this API gave out")
		}
		f.AfterSeq = n
	}
	if l := c.Query("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 500 {
			return domain.FieldErrorf("limit", "limit must be a whole number from 1 to 500")
		}
		f.Limit = n
	}
	items, err := s.svc.ListAuditInWords(c.UserContext(), actor(c), f)
	if err != nil {
		return err
	}
	next := ""
	if len(items) == f.Limit {
		next = strconv.FormatInt(items[len(items)-1].Seq, 10)
	}
	return c.JSON(newList(items, next))
}

func (s *Server) handleAuditSearch(c *fiber.Ctx) error {
	items, err := s.svc.FindAuditObjects(c.UserContext(), actor(c), c.Query("q"))
	if err != nil {
		return err
	}
	return c.JSON(newList(items, ""))
}
