package domain

import (
	"context"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Region is a partnership of councils (STAR Procurement: Stockport,
// Rochdale, Tameside, Trafford). Its region officers read, never write, the
// councils in it side by side; nothing of a council outside it shows.
type Region struct {
	ID   string `json:"id"`
	Slug string `json:"slug"`
	Name string `json:"name"`
	// AuthorityIDs are the member councils, in the order given.
	AuthorityIDs []string  `json:"-"`
	Authorities  []string  `json:"authorities"`
	Version      int64     `json:"version"`
	CreatedAt    time.Time `json:"createdAt"`
}

// Has reports whether the council is a member.
func (r *Region) Has(authorityID string) bool {
	for _, id := range r.AuthorityIDs {
		if id == authorityID {
			return true
		}
	}
	return false
}

// RegionStore persists regions.
type RegionStore interface {
	// CreateRegion inserts r with its event (in PlatformChain); ECONFLICT
	// when the slug is taken.
	CreateRegion(ctx context.Context, r *Region, ev *AuditEvent) error
	// RegionBySlug returns ENOTFOUND when there is none.
	RegionBySlug(ctx context.Context, slug string) (*Region, error)
	// RegionByID returns ENOTFOUND when there is none.
	RegionByID(ctx context.Context, id string) (*Region, error)
	// Regions lists every region by slug.
	Regions(ctx context.Context) ([]*Region, error)
}

// RegionInput is a region to create: its councils by slug.
type RegionInput struct {
	Slug, Name  string
	Authorities []string
}

// CreateRegion groups councils in a region (platform admin; a nil actor is
// the command line).
func (s *Service) CreateRegion(ctx context.Context, a *Actor, in RegionInput) (*Region, error) {
	if a != nil {
		if err := requireRole(a, RolePlatformAdmin); err != nil {
			return nil, err
		}
	}
	in.Slug, in.Name = strings.TrimSpace(in.Slug), cleanName(in.Name)
	var v Validation
	checkSlug(&v, "slug", in.Slug)
	checkName(&v, "name", in.Name, 2, 200)
	if len(in.Authorities) == 0 || len(in.Authorities) > 50 {
		v.Add("authorities", "Give the region 1 to 50 councils")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	now := s.now()
	r := &Region{ID: NewID(), Slug: in.Slug, Name: in.Name, Version: 1, CreatedAt: now}
	for _, slug := range in.Authorities {
		slug = strings.TrimSpace(slug)
		auth, err := s.PublicAuthority(ctx, slug)
		if ErrorCode(err) == ENOTFOUND {
			return nil, FieldErrorf("authorities", "There is no council %q here.", truncateText(slug, 40))
		} else if err != nil {
			return nil, err
		}
		if r.Has(auth.ID) {
			return nil, FieldErrorf("authorities", "%s is named twice.", auth.Name)
		}
		r.AuthorityIDs, r.Authorities = append(r.AuthorityIDs, auth.ID), append(r.Authorities, auth.Slug)
	}
	ev := NewAuditEvent(PlatformChain, platformActor(a), "region.create", "region", r.ID, nil, r, now)
	if err := s.Store.CreateRegion(ctx, r, ev); ErrorCode(err) == ECONFLICT {
		return nil, &Error{Code: ECONFLICT, Field: "slug", Message: sprintf("There is already a region %q.", in.Slug)}
	} else if err != nil {
		return nil, err
	}
	return r, nil
}

// ListRegions lists the regions the actor may read: every one for a
// platform admin, its own for a region officer.
func (s *Service) ListRegions(ctx context.Context, a *Actor) ([]*Region, error) {
	if err := requireRole(a, RolePlatformAdmin, RoleRegionOfficer); err != nil {
		return nil, err
	}
	if a.Role == RoleRegionOfficer {
		r, err := s.Store.RegionByID(ctx, a.RegionID)
		if err != nil {
			return nil, err
		}
		return []*Region{r}, nil
	}
	return s.Store.Regions(ctx)
}

// readableRegion returns the region the actor may read: a region officer
// its own (any other is not found), a platform admin any.
func (s *Service) readableRegion(ctx context.Context, a *Actor, slug string) (*Region, error) {
	if err := requireRole(a, RolePlatformAdmin, RoleRegionOfficer); err != nil {
		return nil, err
	}
	r, err := s.Store.RegionBySlug(ctx, truncateText(slug, 64))
	if err != nil {
		return nil, err
	}
	if a.Role == RoleRegionOfficer && r.ID != a.RegionID {
		return nil, Errorf(ENOTFOUND, "Region not found.")
	}
	return r, nil
}

// RegionCouncil is one council's figures in a region ledger: its ledger's
// totals (secured is approved) with their shares of contract value, its
// local spend share and its overdue commitments.
type RegionCouncil struct {
	Slug   string    `json:"slug"`
	Name   string    `json:"name"`
	Totals LedgerRow `json:"totals"`
	// LocalSpend is the council's spend with local suppliers in the
	// financial year (or quarter) of the filter, else in the latest year
	// with payments, as its summary reports it; nil when none is recorded.
	// The region's is the councils' local pence over their spend.
	LocalSpend *LocalSpendFigure `json:"localSpend"`
	// OverdueCount and OverduePence are the commitments past due without
	// verified delivery, and their approved value.
	OverdueCount int   `json:"overdueCount"`
	OverduePence int64 `json:"overduePence"`
	share        ledgerShare
}

// RegionLedger shows the councils of a region side by side and their sum.
type RegionLedger struct {
	Region   string          `json:"region"`
	Name     string          `json:"name"`
	Councils []RegionCouncil `json:"councils"`
	Sum      RegionCouncil   `json:"sum"`
	// Council is the drill-down: one member council's whole ledger.
	Council    *Ledger   `json:"council,omitempty"`
	ComputedAt time.Time `json:"computedAt"`
}

// GetRegionLedger computes each member council's ledger with the same
// function as the council's own, narrowed to the filter's financial year
// or quarter, and their sum; council, when given, adds that member's
// whole ledger narrowed by f (a council outside the region is not found).
func (s *Service) GetRegionLedger(ctx context.Context, a *Actor, slug, council string, f LedgerFilter) (*RegionLedger, error) {
	r, err := s.readableRegion(ctx, a, slug)
	if err != nil {
		return nil, err
	}
	if err := f.Check(); err != nil {
		return nil, err
	}
	period := LedgerFilter{FY: f.FY, Quarter: f.Quarter}
	out := &RegionLedger{Region: r.Slug, Name: r.Name, Councils: []RegionCouncil{}, ComputedAt: s.now(),
		Sum: RegionCouncil{Name: "All councils of " + r.Name, Totals: LedgerRow{Label: "Total", Units: []LedgerUnits{}}}}
	for _, id := range r.AuthorityIDs {
		auth, err := s.Store.AuthorityByID(ctx, id)
		if err != nil {
			return nil, err
		}
		period.AuthorityID = auth.ID
		l, err := s.ledgerOf(ctx, s.Store, auth.ID, period)
		if err != nil {
			return nil, err
		}
		rc := RegionCouncil{Slug: auth.Slug, Name: auth.Name, Totals: l.Totals, share: l.share}
		if rc.LocalSpend, err = s.periodLocalSpend(ctx, auth.ID, period); err != nil {
			return nil, err
		}
		overdue, err := s.overdueOf(ctx, auth.ID)
		if err != nil {
			return nil, err
		}
		for _, it := range overdue {
			rc.OverdueCount++
			rc.OverduePence += it.Pledge.ApprovedPence
		}
		rc.Totals.Pledges, rc.Totals.Deliveries, rc.Totals.Filter = "", "", period.params()
		out.Councils = append(out.Councils, rc)
		out.Sum.add(rc)
		if council == auth.Slug {
			f.AuthorityID = auth.ID
			if out.Council, err = s.ledgerOf(ctx, s.Store, auth.ID, f); err != nil {
				return nil, err
			}
		}
	}
	if council != "" && out.Council == nil {
		return nil, FieldErrorf("council", "There is no council %q in %s.", truncateText(council, 40), r.Name)
	}
	out.Sum.Totals.Filter = period.params()
	out.Sum.share.apply(&out.Sum.Totals)
	sort.SliceStable(out.Councils, func(i, j int) bool { return out.Councils[i].Name < out.Councils[j].Name })
	return out, nil
}

// periodLocalSpend is a council's local spend figure in the checked
// filter's financial year or quarter, or without one in its latest year
// with payments (nil when none is recorded).
func (s *Service) periodLocalSpend(ctx context.Context, authorityID string, f LedgerFilter) (*LocalSpendFigure, error) {
	fy, _ := strconv.Atoi(f.FY)
	q, _ := strconv.Atoi(f.Quarter)
	ls, err := s.localSpendOf(ctx, authorityID, LocalSpendFilter{FY: fy, Quarter: q})
	if err != nil {
		return nil, err
	}
	if f.FY == "" {
		return latestLocalSpend(ls), nil
	}
	if ls.TotalPence == 0 {
		return nil, nil
	}
	label := FYLabel(f.FY)
	if q != 0 {
		label = "quarter " + f.Quarter + " of " + label
	}
	return &LocalSpendFigure{FY: f.FY, Label: label, TotalPence: ls.TotalPence, LocalPence: ls.LocalPence, LocalPercent: ls.LocalPercent}, nil
}

// add adds a council's money figures to the sum (units of different
// councils' catalogues are not added up: one council's hour is not
// another's); the sum's shares are computed from the summed pence.
func (c *RegionCouncil) add(o RegionCouncil) {
	t, ot := &c.Totals, o.Totals
	t.PledgedPence += ot.PledgedPence
	t.ApprovedPence += ot.ApprovedPence
	t.DeliveredPence += ot.DeliveredPence
	t.ConfirmedPence += ot.ConfirmedPence
	t.VerifiedPence += ot.VerifiedPence
	t.GapPence += ot.GapPence
	t.ImportedPence += ot.ImportedPence
	c.OverdueCount += o.OverdueCount
	c.OverduePence += o.OverduePence
	c.share.plus(o.share)
	c.LocalSpend = c.LocalSpend.plus(o.LocalSpend)
}

// RegionOpenData is a region's open data: each member council's open data
// and the region's verified totals (anyone).
type RegionOpenData struct {
	Region        string      `json:"region"`
	Name          string      `json:"name"`
	Licence       string      `json:"licence"`
	GeneratedAt   time.Time   `json:"generatedAt"`
	ApprovedPence int64       `json:"approvedPence"`
	VerifiedPence int64       `json:"verifiedPence"`
	Councils      []*OpenData `json:"councils"`
}

// RegionOpenDataOf returns a region's open data (anyone), narrowed to the period.
func (s *Service) RegionOpenDataOf(ctx context.Context, slug string, period OpenPeriod) (*RegionOpenData, error) {
	r, err := s.Store.RegionBySlug(ctx, truncateText(slug, 64))
	if err != nil {
		return nil, err
	}
	out := &RegionOpenData{Region: r.Slug, Name: r.Name, Licence: "Open Government Licence v3.0", GeneratedAt: s.now(), Councils: []*OpenData{}}
	for _, slug := range r.Authorities {
		od, err := s.OpenDataOf(ctx, slug, period)
		if err != nil {
			return nil, err
		}
		out.ApprovedPence += od.ApprovedPence
		out.VerifiedPence += od.VerifiedPence
		out.Councils = append(out.Councils, od)
	}
	return out, nil
}
