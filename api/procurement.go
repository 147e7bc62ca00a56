package api

import (
	"github.com/gofiber/fiber/v2"

	"needmatch/domain"
)

// procurementRoutes are the routes of procurement (#11): directorates,
// contract fields and engagement steps, engagement tiers, clarification
// questions and the public pipeline.
func (s *Server) procurementRoutes() []route {
	officer := []string{domain.RoleOfficer, domain.RoleAdmin}
	signedIn := []string{domain.RoleGroup, domain.RoleSupplier, domain.RoleOfficer, domain.RoleAdmin}
	supplierOrOfficer := []string{domain.RoleSupplier, domain.RoleOfficer, domain.RoleAdmin}
	return []route{
		{"GET", "/directorates", "The council's directorates", signedIn, nil, s.handleDirectorateList},
		{"POST", "/directorates", "Add a directorate (name unique in the council)", officer, directorateBody{}, s.handleDirectorateCreate},
		{"PATCH", "/directorates/:id", "Rename a directorate or make it (in)active", officer, directorateChangeBody{}, s.handleDirectorateUpdate},
		{"PATCH", "/contracts/:id", "Change a contract's fields at its version (the value not after award)", officer, contractChangeBody{}, s.handleContractUpdate},
		{"POST", "/contracts/:id/steps/:key", "Mark an engagement step of the contract's tier done or undone (before tender)", officer, stepBody{}, s.handleContractStep},
		{"GET", "/engagement/tiers", "The council's engagement tiers by contract value, current and past versions", signedIn, nil, s.handleTiersGet},
		{"PUT", "/engagement/tiers", "Set new engagement tiers (a new version)", []string{domain.RoleAdmin}, tiersBody{}, s.handleTiersSet},
		{"POST", "/contracts/:id/questions", "Ask a clarification question on a contract at pre_market or tender", []string{domain.RoleSupplier}, questionBody{}, s.handleQuestionAsk},
		{"GET", "/contracts/:id/questions", "A contract's questions: all with the asker for officers; published and one's own for a supplier", supplierOrOfficer, nil, s.handleContractQuestions},
		{"GET", "/questions", "The council's questions (filter status=waiting|published)", officer, nil, s.handleQuestionList},
		{"POST", "/questions/:id/answer", "Answer and publish a question; a second answer is a dated correction beside the first", officer, questionBody{}, s.handleQuestionAnswer},
		{"GET", "/pipeline", "Public pipeline of ?authority=slug: contracts from pipeline to tender (no personal data)", nil, nil,
			func(c *fiber.Ctx) error { return s.cachedPublic(c, s.handlePipeline) }},
	}
}

type directorateBody struct {
	Name string `json:"name"`
}

type directorateChangeBody struct {
	Name   *string `json:"name"`
	Active *bool   `json:"active"`
}

type datesBody struct {
	PreMarket    string `json:"preMarket"`
	TenderOpens  string `json:"tenderOpens"`
	TenderCloses string `json:"tenderCloses"`
	Award        string `json:"award"`
	Start        string `json:"start"`
	End          string `json:"end"`
}

type prioritiesBody struct {
	Kinds  []string `json:"kinds"`
	Themes []string `json:"themes"`
	Wards  []string `json:"wards"`
}

type contractChangeBody struct {
	Reference         *string         `json:"reference"`
	Title             *string         `json:"title"`
	DirectorateID     *string         `json:"directorateId"`
	ValuePence        *int64          `json:"valuePence"`
	Dates             *datesBody      `json:"dates"`
	Priorities        *prioritiesBody `json:"priorities"`
	ContractManagerID *string         `json:"contractManagerId"`
	Brief             *string         `json:"brief"`
	Version           int64           `json:"version"`
}

type stepBody struct {
	Done bool `json:"done"`
}

type stepDefBody struct {
	Key   string `json:"key"`
	Label string `json:"label"`
}

type tierBody struct {
	Name      string        `json:"name"`
	Label     string        `json:"label"`
	FromPence int64         `json:"fromPence"`
	Steps     []stepDefBody `json:"steps"`
	// KPIsRequired, when absent, is the default of the tier's name.
	KPIsRequired *int `json:"kpisRequired"`
}

type tiersBody struct {
	Tiers []tierBody `json:"tiers"`
}

type questionBody struct {
	Text string `json:"text"`
}

func (s *Server) handleDirectorateList(c *fiber.Ctx) error {
	ds, err := s.svc.ListDirectorates(c.UserContext(), actor(c))
	if err != nil {
		return err
	}
	return c.JSON(newList(ds, ""))
}

func (s *Server) handleDirectorateCreate(c *fiber.Ctx) error {
	var b directorateBody
	if err := decode(c, &b); err != nil {
		return err
	}
	d, err := s.svc.CreateDirectorate(c.UserContext(), actor(c), b.Name)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(d)
}

func (s *Server) handleDirectorateUpdate(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	var b directorateChangeBody
	if err := decode(c, &b); err != nil {
		return err
	}
	d, err := s.svc.UpdateDirectorate(c.UserContext(), actor(c), id, domain.DirectorateChange{Name: b.Name, Active: b.Active})
	if err != nil {
		return err
	}
	return c.JSON(d)
}

func (s *Server) handleContractUpdate(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	var b contractChangeBody
	if err := decode(c, &b); err != nil {
		return err
	}
	ch := domain.ContractChange{Reference: b.Reference, Title: b.Title, DirectorateID: b.DirectorateID, ValuePence: b.ValuePence,
		ContractManagerID: b.ContractManagerID, Brief: b.Brief, Version: b.Version}
	if b.Dates != nil {
		d := domain.ContractDates(*b.Dates)
		ch.Dates = &d
	}
	if b.Priorities != nil {
		p := domain.Priorities(*b.Priorities)
		ch.Priorities = &p
	}
	ct, err := s.svc.UpdateContract(c.UserContext(), actor(c), id, ch)
	if err != nil {
		return err
	}
	return c.JSON(ct)
}

func (s *Server) handleContractStep(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	key := c.Params("key")
	var b stepBody
	if err := decode(c, &b); err != nil {
		return err
	}
	ct, err := s.svc.SetContractStep(c.UserContext(), actor(c), id, key, b.Done)
	if err != nil {
		return err
	}
	return c.JSON(ct)
}

func (s *Server) handleTiersGet(c *fiber.Ctx) error {
	t, err := s.svc.GetTiers(c.UserContext(), actor(c))
	if err != nil {
		return err
	}
	return c.JSON(t)
}

func (s *Server) handleTiersSet(c *fiber.Ctx) error {
	var b tiersBody
	if err := decode(c, &b); err != nil {
		return err
	}
	tiers := make([]domain.Tier, len(b.Tiers))
	for i, t := range b.Tiers {
		tiers[i] = domain.Tier{Name: t.Name, Label: t.Label, FromPence: t.FromPence, Steps: make([]domain.Step, len(t.Steps)), KPIsRequired: domain.DefaultKPIsRequired(t.Name)}
		if t.KPIsRequired != nil {
			tiers[i].KPIsRequired = *t.KPIsRequired
		}
		for j, st := range t.Steps {
			tiers[i].Steps[j] = domain.Step(st)
		}
	}
	t, err := s.svc.SetTiers(c.UserContext(), actor(c), tiers)
	if err != nil {
		return err
	}
	return c.JSON(t)
}

func (s *Server) handleQuestionAsk(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	var b questionBody
	if err := decode(c, &b); err != nil {
		return err
	}
	q, err := s.svc.AskQuestion(c.UserContext(), actor(c), id, b.Text)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(q)
}

func (s *Server) handleContractQuestions(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	qs, err := s.svc.ListContractQuestions(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(newList(qs, ""))
}

func (s *Server) handleQuestionList(c *fiber.Ctx) error {
	qs, err := s.svc.ListQuestions(c.UserContext(), actor(c), c.Query("status"))
	if err != nil {
		return err
	}
	return c.JSON(newList(qs, ""))
}

func (s *Server) handleQuestionAnswer(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	var b questionBody
	if err := decode(c, &b); err != nil {
		return err
	}
	q, err := s.svc.AnswerQuestion(c.UserContext(), actor(c), id, b.Text)
	if err != nil {
		return err
	}
	return c.JSON(q)
}

func (s *Server) handlePipeline(c *fiber.Ctx) error {
	items, err := s.svc.Pipeline(c.UserContext(), c.Query("authority"))
	if err != nil {
		return err
	}
	return c.JSON(newList(items, ""))
}
