package api

import (
	"strings"
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
	items, next, err := s.svc.RankRequests(c.UserContext(), actor(c), domain.RankFilter{Kind: c.Query("kind"), Area: c.Query("area"), Text: c.Query("text"), Offset: offset, Limit: limit})
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

type weightsBody struct {
	Need     float64 `json:"need"`
	Fit      float64 `json:"fit"`
	Coverage float64 `json:"coverage"`
	Urgency  float64 `json:"urgency"`
	Distance float64 `json:"distance"`
	Record   float64 `json:"record"`
}

func (s *Server) handleWeightsGet(c *fiber.Ctx) error {
	w, err := s.svc.GetWeights(c.UserContext(), actor(c))
	if err != nil {
		return err
	}
	return c.JSON(w)
}

func (s *Server) handleWeightsSet(c *fiber.Ctx) error {
	var b weightsBody
	if err := decode(c, &b); err != nil {
		return err
	}
	w, err := s.svc.SetWeights(c.UserContext(), actor(c), domain.Weights{Need: b.Need, Fit: b.Fit, Coverage: b.Coverage, Urgency: b.Urgency,
		Distance: b.Distance, Record: b.Record})
	if err != nil {
		return err
	}
	return c.JSON(w)
}

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

type profileBody struct {
	Name                 *string   `json:"name"`
	Area                 *string   `json:"area"`
	Offers               *[]string `json:"offers"`
	CommitmentLimitPence *int64    `json:"commitmentLimitPence"`
	Version              *int64    `json:"version"`
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
		CommitmentLimitPence: b.CommitmentLimitPence, Version: b.Version})
	if err != nil {
		return err
	}
	return c.JSON(o)
}

func itoa(n int) string { return i64(int64(n)) }
