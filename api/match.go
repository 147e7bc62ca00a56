package api

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"needmatch/domain"
)

func (s *Server) handleMatchRequests(c *fiber.Ctx) error {
	limit, err := limitParam(c)
	if err != nil {
		return err
	}
	offset := 0
	if cur := c.Query("cursor"); cur != "" {
		n, err := parseInt(cur)
		if err != nil {
			return domain.FieldErrorf("cursor", "cursor is not one this API gave out")
		}
		offset = int(n)
	}
	items, next, err := s.svc.RankRequests(c.UserContext(), actor(c), domain.RankFilter{Kind: c.Query("kind"), Area: c.Query("area"), Text: c.Query("text"), Offset: offset, Limit: limit,
		Contract: c.Query("contract")})
	if err != nil {
		return err
	}
	return c.JSON(newList(items, next))
}

func (s *Server) handleRankedPledges(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	items, err := s.svc.RankPledges(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(newList(items, ""))
}

type allocationBody struct {
	// TimeLimitMs bounds the whole-pledge search (default 2,000, at most 30,000).
	TimeLimitMs int64 `json:"timeLimitMs"`
}

func (s *Server) handleAllocationCreate(c *fiber.Ctx) error {
	var b allocationBody
	if len(c.Body()) > 0 {
		if err := decode(c, &b); err != nil {
			return err
		}
	}
	if b.TimeLimitMs < 0 || b.TimeLimitMs > 30_000 {
		return domain.FieldErrorf("timeLimitMs", "timeLimitMs must be from 0 to 30000")
	}
	al, err := s.svc.ProposeAllocation(c.UserContext(), actor(c), time.Duration(b.TimeLimitMs)*time.Millisecond)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(al)
}

func (s *Server) handleAllocationGet(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	al, err := s.svc.GetAllocation(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(al)
}

type acceptBody struct {
	PledgeIDs []string `json:"pledgeIds"`
}

func (s *Server) handleAllocationAccept(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	var b acceptBody
	if len(c.Body()) > 0 {
		if err := decode(c, &b); err != nil {
			return err
		}
	}
	if len(b.PledgeIDs) > 100_000 {
		return domain.FieldErrorf("pledgeIds", "Too many pledge ids")
	}
	res, err := s.svc.AcceptAllocation(c.UserContext(), actor(c), id, b.PledgeIDs)
	if err != nil {
		return err
	}
	return c.JSON(res)
}

func itoa(n int) string { return i64(int64(n)) }

func (s *Server) handleAllocationDeclineLeftOut(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	res, err := s.svc.DeclineLeftOut(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(res)
}
