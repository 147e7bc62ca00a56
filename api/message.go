package api

import (
	"github.com/gofiber/fiber/v2"
)

type messageBody struct {
	Body string `json:"body"`
}

func (s *Server) handleMessageList(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	p, err := page(c)
	if err != nil {
		return err
	}
	t, err := s.svc.GetThread(c.UserContext(), actor(c), id, p)
	if err != nil {
		return err
	}
	return c.JSON(t)
}

func (s *Server) handleMessageCreate(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	var b messageBody
	if err := decode(c, &b); err != nil {
		return err
	}
	m, err := s.svc.PostMessage(c.UserContext(), actor(c), id, b.Body)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(m)
}

func (s *Server) handleMessageReport(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	var b reasonBody
	if err := decode(c, &b); err != nil {
		return err
	}
	m, err := s.svc.ReportMessage(c.UserContext(), actor(c), id, b.Reason)
	if err != nil {
		return err
	}
	return c.JSON(m)
}

func (s *Server) handleMessageResolve(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	m, err := s.svc.ResolveMessageReport(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(m)
}

func (s *Server) handleMessageUnread(c *fiber.Ctx) error {
	n, err := s.svc.UnreadMessages(c.UserContext(), actor(c))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"count": n})
}

func (s *Server) handleMessageReported(c *fiber.Ctx) error {
	p, err := page(c)
	if err != nil {
		return err
	}
	items, next, err := s.svc.ReportedMessages(c.UserContext(), actor(c), p)
	if err != nil {
		return err
	}
	return c.JSON(newList(items, next))
}
