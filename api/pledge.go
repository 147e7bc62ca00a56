package api

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"needmatch/domain"
)

type pledgeBody struct {
	Offer        string `json:"offer"`
	Quantity     int64  `json:"quantity"`
	Unit         string `json:"unit"`
	ValuePence   int64  `json:"valuePence"`
	AllowPartial bool   `json:"allowPartial"`
	MeasureCode  string `json:"measureCode"`
	BidID        string `json:"bidId"`
	// SafeguardingConfirmed: the people doing the work have the checks a
	// safeguarding request needs (for example DBS).
	SafeguardingConfirmed bool `json:"safeguardingConfirmed"`
}

type approveBody struct {
	AmountPence int64 `json:"amountPence"`
	Version     int64 `json:"version"`
	// Override approves beyond the request's value, with a reason.
	Override bool   `json:"override"`
	Reason   string `json:"reason"`
}

func (s *Server) handlePledgeCreate(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	var b pledgeBody
	if err := decode(c, &b); err != nil {
		return err
	}
	p, err := s.svc.CreatePledge(c.UserContext(), actor(c), id, domain.PledgeInput{
		Offer: b.Offer, Quantity: b.Quantity, Unit: b.Unit, ValuePence: b.ValuePence, AllowPartial: b.AllowPartial,
		MeasureCode: b.MeasureCode, BidID: b.BidID, SafeguardingConfirmed: b.SafeguardingConfirmed,
	})
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(p)
}

func (s *Server) handlePledgeList(c *fiber.Ctx) error {
	p, err := page(c)
	if err != nil {
		return err
	}
	f := domain.PledgeFilter{Status: domain.PledgeStatus(c.Query("status")), RequestID: c.Query("request"), Page: p}
	if c.Query("format") == "csv" {
		all, err := everyPage(func(p domain.Page) ([]*domain.Pledge, string, error) {
			f.Page = p
			return s.svc.ListPledges(c.UserContext(), actor(c), f)
		})
		if err != nil {
			return err
		}
		rows := [][]string{{"id", "created_at", "request_id", "request", "supplier", "offer", "quantity", "unit", "value_pence", "allow_partial", "approved_pence", "status"}}
		for _, pl := range all {
			rows = append(rows, []string{pl.ID, ts(pl.CreatedAt), pl.RequestID, pl.RequestTitle, pl.OrganisationName, pl.Offer, i64(pl.Quantity), pl.Unit,
				i64(pl.ValuePence), strconv.FormatBool(pl.AllowPartial), i64(pl.ApprovedPence), string(pl.Status)})
		}
		return sendCSV(c, "pledges.csv", rows)
	}
	items, next, err := s.svc.ListPledges(c.UserContext(), actor(c), f)
	if err != nil {
		return err
	}
	return c.JSON(newList(items, next))
}

func (s *Server) handlePledgeGet(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	p, err := s.svc.GetPledge(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(p)
}

// movePledge decodes the optional body (an empty body is allowed where
// every field is optional) and applies the move.
func (s *Server) movePledge(c *fiber.Ctx, move domain.PledgeMove) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	d := domain.PledgeDecision{Move: move}
	switch move {
	case domain.PledgeApprove:
		var b approveBody
		if len(c.Body()) > 0 {
			if err := decode(c, &b); err != nil {
				return err
			}
		}
		d.AmountPence, d.ExpectVersion, d.Override, d.Reason = b.AmountPence, b.Version, b.Override, b.Reason
	case domain.PledgeDecline, domain.PledgeAskRelease, domain.PledgeRefuseRelease:
		var b reasonBody
		if err := decode(c, &b); err != nil {
			return err
		}
		d.Reason = b.Reason
	case domain.PledgeRelease:
		var b noteBody
		if len(c.Body()) > 0 {
			if err := decode(c, &b); err != nil {
				return err
			}
		}
		d.Reason = b.Note
	}
	p, err := s.svc.MovePledge(c.UserContext(), actor(c), id, d)
	if err != nil {
		return err
	}
	return c.JSON(p)
}

func (s *Server) handlePledgeApprove(c *fiber.Ctx) error {
	return s.movePledge(c, domain.PledgeApprove)
}
func (s *Server) handlePledgeDecline(c *fiber.Ctx) error {
	return s.movePledge(c, domain.PledgeDecline)
}
func (s *Server) handlePledgeWithdraw(c *fiber.Ctx) error {
	return s.movePledge(c, domain.PledgeWithdraw)
}
func (s *Server) handlePledgeAskRelease(c *fiber.Ctx) error {
	return s.movePledge(c, domain.PledgeAskRelease)
}
func (s *Server) handlePledgeRelease(c *fiber.Ctx) error {
	return s.movePledge(c, domain.PledgeRelease)
}
func (s *Server) handlePledgeRefuseRelease(c *fiber.Ctx) error {
	return s.movePledge(c, domain.PledgeRefuseRelease)
}

// noteBody is an optional note with a decision.
type noteBody struct {
	Note string `json:"note"`
}

func (s *Server) handlePledgeConfirmSafeguarding(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	p, err := s.svc.ConfirmSafeguarding(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(p)
}
