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

// handleMailRetry handles POST /api/v1/mail/:id/retry.
func (s *Server) handleMailRetry(c *fiber.Ctx) error {
	n, err := s.svc.RetryMail(c.UserContext(), actor(c), c.Params("id"))
	if err != nil {
		return err
	}
	return c.JSON(n)
}

// handleEmailSettingsGet handles GET /api/v1/me/email-settings.
func (s *Server) handleEmailSettingsGet(c *fiber.Ctx) error {
	items, err := s.svc.NotificationSettings(c.UserContext(), actor(c))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": items})
}

type emailSettingsBody struct {
	Prefs map[domain.NotifyKind]domain.NotifyPref `json:"prefs"`
}

// handleEmailSettingsPut handles PUT /api/v1/me/email-settings.
func (s *Server) handleEmailSettingsPut(c *fiber.Ctx) error {
	var b emailSettingsBody
	if err := decode(c, &b); err != nil {
		return err
	}
	items, err := s.svc.SetNotificationSettings(c.UserContext(), actor(c), b.Prefs)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": items})
}

type unsubscribeBody struct {
	Token string `json:"token"`
}

// handleUnsubscribe handles POST /api/v1/unsubscribe: a mail's signed
// link turns its kind of mail off, without signing in.
func (s *Server) handleUnsubscribe(c *fiber.Ctx) error {
	var b unsubscribeBody
	if err := decode(c, &b); err != nil {
		return err
	}
	k, err := s.svc.Unsubscribe(c.UserContext(), b.Token)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"kind": k.Kind, "label": k.Label, "pref": domain.PrefOff})
}
