package api

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"needmatch/domain"
)

// importRoutes are the imports of live and older contracts and of the
// council's payments, and the local spend figures.
func (s *Server) importRoutes() []route {
	officer := []string{domain.RoleOfficer, domain.RoleAdmin}
	return []route{
		{"POST", "/imports/contracts", "Import live and older contracts with their commitments and deliveries so far from CSV (all or nothing; again changes nothing)", officer, csvBody{}, s.handleImportContracts},
		{"POST", "/imports/payments", "Import the council's payments to suppliers from CSV (all or nothing; again changes nothing)", officer, csvBody{}, s.handleImportPayments},
		{"GET", "/ledger/local-spend", "Share of spend with suppliers based in the council area by financial year, directorate and contract, and of contracts awarded (fy, quarter, directorate, contract)", officer, nil, s.handleLocalSpend},
	}
}

// csvBody carries a CSV file as text.
type csvBody struct {
	CSV string `json:"csv"`
}

func (s *Server) handleImportContracts(c *fiber.Ctx) error {
	var b csvBody
	if err := decode(c, &b); err != nil {
		return err
	}
	rows, err := domain.ParseContractsCSV(strings.NewReader(b.CSV))
	if err != nil {
		return err
	}
	res, err := s.svc.ImportContracts(c.UserContext(), actor(c), rows)
	if err != nil {
		return err
	}
	return c.JSON(res)
}

func (s *Server) handleImportPayments(c *fiber.Ctx) error {
	var b csvBody
	if err := decode(c, &b); err != nil {
		return err
	}
	rows, err := domain.ParsePaymentsCSV(strings.NewReader(b.CSV))
	if err != nil {
		return err
	}
	res, err := s.svc.ImportPayments(c.UserContext(), actor(c), rows)
	if err != nil {
		return err
	}
	return c.JSON(res)
}

func (s *Server) handleLocalSpend(c *fiber.Ctx) error {
	f := domain.LocalSpendFilter{DirectorateID: c.Query("directorate"), ContractID: c.Query("contract")}
	for _, q := range []struct {
		name string
		dst  *int
	}{{"fy", &f.FY}, {"quarter", &f.Quarter}} {
		if v := c.Query(q.name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				return domain.FieldErrorf(q.name, "%s must be a whole number", q.name)
			}
			*q.dst = n
		}
	}
	ls, err := s.svc.LocalSpend(c.UserContext(), actor(c), f)
	if err != nil {
		return err
	}
	return c.JSON(ls)
}
