package api

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"needmatch/domain"
)

type deliveryBody struct {
	Quantity    int64    `json:"quantity"`
	Date        string   `json:"date"`
	Notes       string   `json:"notes"`
	EvidenceIDs []string `json:"evidenceIds"`
}

type optionalReasonBody struct {
	Reason string `json:"reason"`
}

func (s *Server) handleDeliveryCreate(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	var b deliveryBody
	if err := decode(c, &b); err != nil {
		return err
	}
	date, err := parseTime("date", b.Date)
	if err != nil {
		return err
	}
	d, err := s.svc.ReportDelivery(c.UserContext(), actor(c), id, domain.DeliveryInput{Quantity: b.Quantity, Date: date, Notes: b.Notes, EvidenceIDs: b.EvidenceIDs})
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(d)
}

func (s *Server) handleDeliveryList(c *fiber.Ctx) error {
	p, err := page(c)
	if err != nil {
		return err
	}
	f := domain.DeliveryFilter{LedgerFilter: ledgerFilter(c), PledgeID: c.Query("pledge"), Status: c.Query("status"), Page: p}
	if wantCSV(c) {
		items, err := everyPage(func(p domain.Page) ([]*domain.Delivery, string, error) {
			f.Page = p
			return s.svc.ListDeliveries(c.UserContext(), actor(c), f)
		})
		if err != nil {
			return err
		}
		return sendCSV(c, "deliveries.csv", deliveryRows(items))
	}
	items, next, err := s.svc.ListDeliveries(c.UserContext(), actor(c), f)
	if err != nil {
		return err
	}
	return c.JSON(newList(items, next))
}

func deliveryRows(items []*domain.Delivery) [][]string {
	rows := [][]string{{"id", "date", "pledge_id", "request", "ward", "supplier", "contract_id", "measure", "theme", "quantity", "unit", "value_pence", "status", "confirmed", "evidence_sha256", "reason", "source"}}
	for _, d := range items {
		ev := ""
		for i, h := range d.EvidenceHashes {
			if i > 0 {
				ev += " "
			}
			ev += h
		}
		rows = append(rows, []string{d.ID, d.Date.Format(time.DateOnly), d.PledgeID, d.RequestTitle, d.Area, d.OrganisationName, d.ContractID, d.MeasureCode, d.Theme,
			i64(d.Quantity), d.Unit, i64(d.ValuePence), d.Status, yes(d.Confirmed), ev, d.Reason, domain.SourceOf(d.Source)})
	}
	return rows
}

func (s *Server) handleDeliveryGet(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	d, err := s.svc.GetDelivery(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(d)
}

// moveDelivery reads the reason: required to dispute and reject, optional
// to verify (required there when the group has not confirmed), none to confirm.
func (s *Server) moveDelivery(c *fiber.Ctx, move string) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	var b optionalReasonBody
	if len(c.Body()) > 0 || move == domain.DeliveryDispute || move == domain.DeliveryReject {
		if err := decode(c, &b); err != nil {
			return err
		}
	}
	d, err := s.svc.MoveDelivery(c.UserContext(), actor(c), id, move, b.Reason)
	if err != nil {
		return err
	}
	return c.JSON(d)
}

func (s *Server) handleDeliveryConfirm(c *fiber.Ctx) error {
	return s.moveDelivery(c, domain.DeliveryConfirm)
}
func (s *Server) handleDeliveryDispute(c *fiber.Ctx) error {
	return s.moveDelivery(c, domain.DeliveryDispute)
}
func (s *Server) handleDeliveryVerify(c *fiber.Ctx) error {
	return s.moveDelivery(c, domain.DeliveryVerify)
}
func (s *Server) handleDeliveryReject(c *fiber.Ctx) error {
	return s.moveDelivery(c, domain.DeliveryReject)
}
