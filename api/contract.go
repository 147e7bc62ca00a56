package api

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"needmatch/domain"
)

type contractBody struct {
	Reference         string         `json:"reference"`
	Title             string         `json:"title"`
	Directorate       string         `json:"directorate"`
	DirectorateID     string         `json:"directorateId"`
	ValuePence        int64          `json:"valuePence"`
	Stage             string         `json:"stage"`
	Dates             datesBody      `json:"dates"`
	Priorities        prioritiesBody `json:"priorities"`
	ContractManagerID string         `json:"contractManagerId"`
	Brief             string         `json:"brief"`
}

type stageBody struct {
	Stage string `json:"stage"`
}

type awardBody struct {
	BidID   string `json:"bidId"`
	DueDate string `json:"dueDate"`
}

func (s *Server) handleContractCreate(c *fiber.Ctx) error {
	var b contractBody
	if err := decode(c, &b); err != nil {
		return err
	}
	ct, err := s.svc.CreateContract(c.UserContext(), actor(c), domain.ContractInput{Reference: b.Reference, Title: b.Title,
		Directorate: b.Directorate, DirectorateID: b.DirectorateID, ValuePence: b.ValuePence, Stage: b.Stage, Dates: domain.ContractDates(b.Dates),
		Priorities: domain.Priorities(b.Priorities), ContractManagerID: b.ContractManagerID, Brief: b.Brief})
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(ct)
}

func (s *Server) handleContractList(c *fiber.Ctx) error {
	p, err := page(c)
	if err != nil {
		return err
	}
	f := domain.ContractFilter{Stage: c.Query("stage"), DirectorateID: c.Query("directorate"), Page: p}
	if wantCSV(c) {
		items, err := everyPage(func(p domain.Page) ([]*domain.Contract, string, error) {
			f.Page = p
			return s.svc.ListContracts(c.UserContext(), actor(c), f)
		})
		if err != nil {
			return err
		}
		rows := [][]string{{"id", "reference", "title", "directorate", "value_pence", "stage", "social_value", "reporting", "kpis", "tier", "awarded_to", "created_at"}}
		for _, ct := range items {
			rows = append(rows, []string{ct.ID, ct.Reference, ct.Title, ct.Directorate, i64(ct.ValuePence), ct.Stage, yes(ct.Rules.SocialValue), yes(ct.Rules.Reporting), yes(ct.Rules.KPIs),
				ct.Tier.Name, ct.AwardedToName, ts(ct.CreatedAt)})
		}
		return sendCSV(c, "contracts.csv", rows)
	}
	items, next, err := s.svc.ListContracts(c.UserContext(), actor(c), f)
	if err != nil {
		return err
	}
	return c.JSON(newList(items, next))
}

func (s *Server) handleContractGet(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	ct, err := s.svc.GetContract(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(ct)
}

func (s *Server) handleContractStage(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	var b stageBody
	if err := decode(c, &b); err != nil {
		return err
	}
	ct, err := s.svc.MoveContract(c.UserContext(), actor(c), id, b.Stage)
	if err != nil {
		return err
	}
	return c.JSON(ct)
}

func (s *Server) handleContractAward(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	var b awardBody
	if err := decode(c, &b); err != nil {
		return err
	}
	due, err := parseTime("dueDate", b.DueDate)
	if err != nil {
		return err
	}
	res, err := s.svc.AwardContract(c.UserContext(), actor(c), id, b.BidID, due)
	if err != nil {
		return err
	}
	return c.JSON(res)
}

func (s *Server) handleBidCreate(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	b, err := s.svc.CreateBid(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(b)
}

func (s *Server) handleBidList(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	p, err := page(c)
	if err != nil {
		return err
	}
	if wantCSV(c) {
		items, err := everyPage(func(p domain.Page) ([]*domain.Bid, string, error) {
			return s.svc.ListBids(c.UserContext(), actor(c), id, p)
		})
		if err != nil {
			return err
		}
		rows := [][]string{{"id", "contract_reference", "supplier", "status", "submitted_at", "created_at"}}
		for _, b := range items {
			sub := ""
			if b.SubmittedAt != nil {
				sub = ts(*b.SubmittedAt)
			}
			rows = append(rows, []string{b.ID, b.ContractReference, b.OrganisationName, b.Status, sub, ts(b.CreatedAt)})
		}
		return sendCSV(c, "bids.csv", rows)
	}
	items, next, err := s.svc.ListBids(c.UserContext(), actor(c), id, p)
	if err != nil {
		return err
	}
	return c.JSON(newList(items, next))
}

func (s *Server) handleBidGet(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	b, err := s.svc.GetBid(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(b)
}

func (s *Server) moveBid(c *fiber.Ctx, move string) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	b, err := s.svc.MoveBid(c.UserContext(), actor(c), id, move)
	if err != nil {
		return err
	}
	return c.JSON(b)
}

func (s *Server) handleBidSubmit(c *fiber.Ctx) error   { return s.moveBid(c, domain.BidSubmit) }
func (s *Server) handleBidWithdraw(c *fiber.Ctx) error { return s.moveBid(c, domain.BidWithdraw) }

func i64(n int64) string { return strconv.FormatInt(n, 10) }

func yes(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
