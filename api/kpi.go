package api

import (
	"github.com/gofiber/fiber/v2"

	"needmatch/domain"
)

// kpiRoutes are the routes of contract management after award (#12):
// KPIs and their yearly ratings, remedy plans and quarterly returns.
func (s *Server) kpiRoutes() []route {
	officer := []string{domain.RoleOfficer, domain.RoleAdmin}
	supplierOrOfficer := []string{domain.RoleSupplier, domain.RoleOfficer, domain.RoleAdmin}
	return []route{
		{"PUT", "/contracts/:id/kpis", "Record the contract's KPIs before award, at its version (the tier's kpisRequired are needed to award)", officer, kpisBody{}, s.handleContractKPIs},
		{"POST", "/contracts/:id/ratings", "Rate a KPI for a financial year (good, approaching_target, requires_improvement, inadequate); a second rating is a dated correction", officer, ratingBody{}, s.handleKPIRate},
		{"POST", "/contracts/:id/reporting", "Turn a live contract's quarterly returns on or off", officer, reportingBody{}, s.handleContractReporting},
		{"GET", "/contracts/:id/returns", "A contract's returns, the quarters due and the supplier's commitments (officers and the contract's supplier)", supplierOrOfficer, nil, s.handleContractReturns},
		{"POST", "/contracts/:id/returns", "The supplier's return for a quarter: per commitment, deliveries reported since the last return and a note", []string{domain.RoleSupplier}, returnBody{}, s.handleReturnSubmit},
		{"GET", "/returns/due", "Returns due and not sent: a supplier's own; the council's for officers (?mine=true: contracts one manages)", supplierOrOfficer, nil, s.handleReturnsDue},
		{"GET", "/contracts/:id/remedies", "A contract's remedy plans (officers and the contract's supplier)", supplierOrOfficer, nil, s.handleContractRemedies},
		{"POST", "/contracts/:id/remedies", "Open a remedy plan for an overdue commitment or a KPI rated below approaching target", officer, remedyBody{}, s.handleRemedyOpen},
		{"POST", "/remedies/:id/status", "Record a remedy plan's outcome: met, not_met or withdrawn", officer, remedyStatusBody{}, s.handleRemedyStatus},
	}
}

type kpiBody struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Target      string `json:"target"`
	Unit        string `json:"unit"`
	HowMeasured string `json:"howMeasured"`
}

type kpisBody struct {
	KPIs    []kpiBody `json:"kpis"`
	Version int64     `json:"version"`
}

type ratingBody struct {
	KPIID  string `json:"kpiId"`
	FY     int    `json:"fy"`
	Rating string `json:"rating"`
	Note   string `json:"note"`
}

type reportingBody struct {
	Quarterly bool `json:"quarterly"`
}

type returnLineBody struct {
	PledgeID    string   `json:"pledgeId"`
	DeliveryIDs []string `json:"deliveryIds"`
	Note        string   `json:"note"`
}

type returnBody struct {
	FY      int              `json:"fy"`
	Quarter int              `json:"quarter"`
	Lines   []returnLineBody `json:"lines"`
}

type remedyBody struct {
	PledgeID  string `json:"pledgeId"`
	KPIID     string `json:"kpiId"`
	FY        int    `json:"fy"`
	Action    string `json:"action"`
	DueDate   string `json:"dueDate"`
	CheckerID string `json:"checkerId"`
}

type remedyStatusBody struct {
	Status string `json:"status"`
	Note   string `json:"note"`
}

// withBody reads the :id and decodes the JSON body into b.
func withBody(c *fiber.Ctx, b any) (string, error) {
	id, err := idParam(c)
	if err != nil {
		return "", err
	}
	return id, decode(c, b)
}

func (s *Server) handleContractKPIs(c *fiber.Ctx) error {
	var b kpisBody
	id, err := withBody(c, &b)
	if err != nil {
		return err
	}
	in := make([]domain.KPIInput, len(b.KPIs))
	for i, k := range b.KPIs {
		in[i] = domain.KPIInput(k)
	}
	ct, err := s.svc.SetContractKPIs(c.UserContext(), actor(c), id, in, b.Version)
	if err != nil {
		return err
	}
	return c.JSON(ct)
}

func (s *Server) handleKPIRate(c *fiber.Ctx) error {
	var b ratingBody
	id, err := withBody(c, &b)
	if err != nil {
		return err
	}
	r, err := s.svc.RateKPI(c.UserContext(), actor(c), id, domain.RatingInput{KPIID: b.KPIID, FY: b.FY, Rating: b.Rating, Note: b.Note})
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(r)
}

func (s *Server) handleContractReporting(c *fiber.Ctx) error {
	var b reportingBody
	id, err := withBody(c, &b)
	if err != nil {
		return err
	}
	ct, err := s.svc.SetContractReporting(c.UserContext(), actor(c), id, b.Quarterly)
	if err != nil {
		return err
	}
	return c.JSON(ct)
}

func (s *Server) handleContractReturns(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	rs, err := s.svc.GetContractReturns(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(rs)
}

func (s *Server) handleReturnSubmit(c *fiber.Ctx) error {
	var b returnBody
	id, err := withBody(c, &b)
	if err != nil {
		return err
	}
	in := domain.ReturnInput{FY: b.FY, Quarter: b.Quarter, Lines: make([]domain.ReturnLineInput, len(b.Lines))}
	for i, l := range b.Lines {
		in.Lines[i] = domain.ReturnLineInput(l)
	}
	r, err := s.svc.SubmitReturn(c.UserContext(), actor(c), id, in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(r)
}

func (s *Server) handleReturnsDue(c *fiber.Ctx) error {
	mine := c.Query("mine")
	if mine != "" && mine != "true" && mine != "false" {
		return domain.FieldErrorf("mine", "mine must be true or false")
	}
	rs, err := s.svc.DueReturns(c.UserContext(), actor(c), mine == "true")
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": rs})
}

func (s *Server) handleContractRemedies(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	rs, err := s.svc.ContractRemedies(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": rs})
}

func (s *Server) handleRemedyOpen(c *fiber.Ctx) error {
	var b remedyBody
	id, err := withBody(c, &b)
	if err != nil {
		return err
	}
	due, err := parseTime("dueDate", b.DueDate)
	if err != nil {
		return err
	}
	r, err := s.svc.OpenRemedy(c.UserContext(), actor(c), id, domain.RemedyInput{PledgeID: b.PledgeID, KPIID: b.KPIID, FY: b.FY, Action: b.Action,
		DueDate: due, CheckerID: b.CheckerID})
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(r)
}

func (s *Server) handleRemedyStatus(c *fiber.Ctx) error {
	var b remedyStatusBody
	id, err := withBody(c, &b)
	if err != nil {
		return err
	}
	r, err := s.svc.MoveRemedy(c.UserContext(), actor(c), id, b.Status, b.Note)
	if err != nil {
		return err
	}
	return c.JSON(r)
}
