package api

import (
	"github.com/gofiber/fiber/v2"

	"needmatch/domain"
)

type requestBody struct {
	Title        *string `json:"title"`
	Description  *string `json:"description"`
	Kind         *string `json:"kind"`
	Area         *string `json:"area"`
	Quantity     *int64  `json:"quantity"`
	Unit         *string `json:"unit"`
	ValuePence   *int64  `json:"valuePence"`
	Deadline     *string `json:"deadline"`
	Safeguarding *bool   `json:"safeguarding"`
	Version      *int64  `json:"version"`
}

func (b *requestBody) input() (domain.RequestInput, error) {
	in := domain.RequestInput{Title: b.Title, Description: b.Description, Kind: b.Kind, Area: b.Area, Quantity: b.Quantity,
		Unit: b.Unit, ValuePence: b.ValuePence, Safeguarding: b.Safeguarding, Version: b.Version}
	if b.Deadline != nil {
		t, err := parseTime("deadline", *b.Deadline)
		if err != nil {
			return in, err
		}
		in.Deadline = &t
	}
	return in, nil
}

func (s *Server) handleRequestCreate(c *fiber.Ctx) error {
	var b requestBody
	if err := decode(c, &b); err != nil {
		return err
	}
	if b.Version != nil {
		return domain.FieldErrorf("version", "version cannot be set on a new request")
	}
	in, err := b.input()
	if err != nil {
		return err
	}
	r, err := s.svc.CreateRequest(c.UserContext(), actor(c), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(r)
}

func (s *Server) handleRequestUpdate(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	var b requestBody
	if err := decode(c, &b); err != nil {
		return err
	}
	in, err := b.input()
	if err != nil {
		return err
	}
	r, err := s.svc.UpdateRequest(c.UserContext(), actor(c), id, in)
	if err != nil {
		return err
	}
	return c.JSON(r)
}

func (s *Server) handleRequestList(c *fiber.Ctx) error {
	p, err := page(c)
	if err != nil {
		return err
	}
	f := domain.RequestFilter{Area: c.Query("area"), Kind: c.Query("kind"), Text: c.Query("text"), Page: p}
	if st := c.Query("status"); st != "" {
		f.Statuses = []domain.RequestStatus{domain.RequestStatus(st)}
	}
	mine := false
	switch c.Query("mine") {
	case "", "false":
	case "true":
		mine = true
	default:
		return domain.FieldErrorf("mine", "mine must be true or false")
	}
	auth := c.Query("authority")
	if c.Query("format") == "csv" {
		all, err := everyPage(func(p domain.Page) ([]*domain.Request, string, error) {
			f.Page = p
			return s.svc.ListRequests(c.UserContext(), actor(c), auth, mine, f)
		})
		if err != nil {
			return err
		}
		rows := [][]string{{"id", "created_at", "title", "kind", "ward", "ward_name", "organisation", "quantity", "unit", "value_pence", "deadline", "status", "pledged_pence", "approved_pence"}}
		for _, r := range all {
			rows = append(rows, []string{r.ID, ts(r.CreatedAt), r.Title, r.Kind, r.Area, r.AreaName, r.OrganisationName, i64(r.Quantity), r.Unit,
				i64(r.ValuePence), ts(r.Deadline), string(r.Status), i64(r.PledgedPence), i64(r.ApprovedPence)})
		}
		return sendCSV(c, "requests.csv", rows)
	}
	items, next, err := s.svc.ListRequests(c.UserContext(), actor(c), auth, mine, f)
	if err != nil {
		return err
	}
	return c.JSON(newList(items, next))
}

func (s *Server) handleRequestGet(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	r, err := s.svc.GetRequest(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	c.Locals(pageAuthorityLocal, r.AuthorityID)
	return c.JSON(r)
}

func (s *Server) moveRequest(c *fiber.Ctx, move domain.RequestMove, withReason bool) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	var b reasonBody
	if withReason {
		if err := decode(c, &b); err != nil {
			return err
		}
	}
	r, err := s.svc.MoveRequest(c.UserContext(), actor(c), id, move, b.Reason)
	if err != nil {
		return err
	}
	return c.JSON(r)
}

func (s *Server) handleRequestSubmit(c *fiber.Ctx) error {
	return s.moveRequest(c, domain.RequestSubmit, false)
}

func (s *Server) handleRequestResubmit(c *fiber.Ctx) error {
	return s.moveRequest(c, domain.RequestResubmit, false)
}

func (s *Server) handleRequestPublish(c *fiber.Ctx) error {
	return s.moveRequest(c, domain.RequestPublish, false)
}

func (s *Server) handleRequestReject(c *fiber.Ctx) error {
	return s.moveRequest(c, domain.RequestReject, true)
}

func (s *Server) handleRequestWithdraw(c *fiber.Ctx) error {
	return s.moveRequest(c, domain.RequestWithdraw, false)
}

// extendBody is an expired request's new deadline.
type extendBody struct {
	Deadline string `json:"deadline"`
}

func (s *Server) handleRequestExtend(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	var b extendBody
	if err := decode(c, &b); err != nil {
		return err
	}
	t, err := parseTime("deadline", b.Deadline)
	if err != nil {
		return err
	}
	r, err := s.svc.ExtendRequest(c.UserContext(), actor(c), id, t)
	if err != nil {
		return err
	}
	return c.JSON(r)
}

func (s *Server) handleRequestClose(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	r, err := s.svc.CloseRequest(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(r)
}
