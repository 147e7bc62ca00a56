package api

import (
	"github.com/gofiber/fiber/v2"

	"needmatch/domain"
)

// handleMailList handles GET /api/v1/mail: the council's outbox ("Sent
// mail"), newest first, for an admin.
func (s *Server) handleMailList(c *fiber.Ctx) error {
	p, err := page(c)
	if err != nil {
		return err
	}
	items, next, err := s.svc.ListMail(c.UserContext(), actor(c), domain.NotificationFilter{Status: domain.NotificationStatus(c.Query("status")), Page: p})
	if err != nil {
		return err
	}
	return c.JSON(newList(items, next))
}
