package api

import (
	"github.com/gofiber/fiber/v2"

	"needmatch/domain"
)

// platformRoutes are the platform's own routes: councils and regions (a
// platform admin), and the read-only region view (a region officer).
func (s *Server) platformRoutes() []route {
	platform := []string{domain.RolePlatformAdmin}
	regionReaders := []string{domain.RolePlatformAdmin, domain.RoleRegionOfficer}
	return []route{
		{"POST", "/authorities", "Create a council with the default thresholds, tiers and example measures (platform admin)", platform, authorityBody{}, s.handleAuthorityCreate},
		{"GET", "/authorities", "Every council of the platform (platform admin)", platform, nil, s.handleAuthorityList},
		{"POST", "/regions", "Group councils in a region (partnership) (platform admin)", platform, regionBody{}, s.handleRegionCreate},
		{"GET", "/regions", "The regions the caller may read: all for a platform admin, its own for a region officer", regionReaders, nil, s.handleRegionList},
		{"GET", "/regions/:slug/ledger", "The region's councils side by side (secured, delivered, verified, share of contract value, local spend share, overdue) and their sum, narrowed by ?fy and ?quarter; ?council=slug adds that council's whole ledger (read only)", regionReaders, nil, s.handleRegionLedger},
		{"GET", "/regions/:slug/summary", "The region's one-page summary: each council's summary figures side by side and the region's totals, trend by financial year, top ten contracts across the region (?format=html: printable page)", regionReaders, nil, s.handleRegionSummary},
		{"GET", "/regions/:slug/opendata", "Open data of a region: each member council's open data and the region's totals (no personal data)", nil, nil,
			func(c *fiber.Ctx) error { return s.cachedRegion(c, s.handleRegionOpenData) }},
		{"GET", "/authorities/:slug/staff", "A council with its admins and officers (platform admin)", platform, nil, s.handleAuthorityStaff},
		{"POST", "/authorities/:slug/admins", "Invite a council's admin: a mail with a one-time link to choose a password, which verifies the address (platform admin)", platform, adminInviteBody{}, s.handleAuthorityAdminInvite},
	}
}

type authorityBody struct {
	Slug string `json:"slug"`
	Name string `json:"name"`
	Code string `json:"code"`
}

type regionBody struct {
	Slug        string   `json:"slug"`
	Name        string   `json:"name"`
	Authorities []string `json:"authorities"`
}

// authorityView is a council as the platform admin sees it in a list:
// Admins and Officers count its enabled staff; Staff lists them on the
// council's own page.
type authorityView struct {
	ID       string         `json:"id"`
	Slug     string         `json:"slug"`
	Name     string         `json:"name"`
	Code     string         `json:"code"`
	Areas    int            `json:"areas"`
	Admins   int            `json:"admins"`
	Officers int            `json:"officers"`
	Staff    []*domain.User `json:"staff,omitempty"`
}

func viewAuthority(a *domain.Authority) authorityView {
	return authorityView{ID: a.ID, Slug: a.Slug, Name: a.Name, Code: a.Code, Areas: len(a.Areas)}
}

func (s *Server) handleAuthorityCreate(c *fiber.Ctx) error {
	var b authorityBody
	if err := decode(c, &b); err != nil {
		return err
	}
	a, err := s.svc.CreateAuthority(c.UserContext(), actor(c), domain.AuthorityInput{Slug: b.Slug, Name: b.Name, Code: b.Code})
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(viewAuthority(a))
}

func (s *Server) handleAuthorityList(c *fiber.Ctx) error {
	cs, err := s.svc.ListCouncils(c.UserContext(), actor(c))
	if err != nil {
		return err
	}
	out := make([]authorityView, len(cs))
	for i := range cs {
		out[i] = viewCouncil(&cs[i])
	}
	return c.JSON(newList(out, ""))
}

func (s *Server) handleRegionCreate(c *fiber.Ctx) error {
	var b regionBody
	if err := decode(c, &b); err != nil {
		return err
	}
	r, err := s.svc.CreateRegion(c.UserContext(), actor(c), domain.RegionInput{Slug: b.Slug, Name: b.Name, Authorities: b.Authorities})
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(r)
}

func (s *Server) handleRegionList(c *fiber.Ctx) error {
	rs, err := s.svc.ListRegions(c.UserContext(), actor(c))
	if err != nil {
		return err
	}
	return c.JSON(newList(rs, ""))
}

func (s *Server) handleRegionLedger(c *fiber.Ctx) error {
	l, err := s.svc.GetRegionLedger(c.UserContext(), actor(c), c.Params("slug"), c.Query("council"), ledgerFilter(c))
	if err != nil {
		return err
	}
	return c.JSON(l)
}

func (s *Server) handleRegionOpenData(c *fiber.Ctx) error {
	od, err := s.svc.RegionOpenDataOf(c.UserContext(), c.Params("slug"), domain.OpenPeriod{FY: c.Query("fy"), Quarter: c.Query("quarter")})
	if err != nil {
		return err
	}
	return c.JSON(od)
}
