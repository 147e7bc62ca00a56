package api

import (
	"github.com/gofiber/fiber/v2"

	"needmatch/domain"
)

// weightsBody is a new set of the council's matcher weights.
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
