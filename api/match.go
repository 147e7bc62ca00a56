package api

import (
	"context"
	"errors"
	"sort"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"needmatch/domain"
	"needmatch/matcher"
)

// snapshot is what the matcher needs of one authority, read in big pages
// through the same visibility rules as every other read.
type snapshot struct {
	auth      *domain.Authority
	needs     *matcher.Needs
	weights   matcher.Weights
	requests  []*domain.Request
	reqByID   map[string]*domain.Request
	suppliers map[string]*domain.Organisation
	// records and committed are derived from each supplier's pledges.
	records   map[string]matcher.Record
	committed map[string]int64
	offered   []*domain.Pledge
}

func matcherWeights(a *domain.Authority) matcher.Weights {
	w := matcher.DefaultWeights()
	if cur := a.CurrentWeights(); cur != nil {
		w = matcher.Weights{Version: cur.Version, Need: cur.Need, Fit: cur.Fit, Coverage: cur.Coverage, Urgency: cur.Urgency, Distance: cur.Distance, Record: cur.Record}
	}
	return w
}

func matcherAreas(a *domain.Authority) []matcher.Area {
	out := make([]matcher.Area, len(a.Areas))
	for i, ar := range a.Areas {
		out[i] = matcher.Area{Code: ar.Code, Name: ar.Name, Lat: ar.Lat, Lon: ar.Lon, Deciles: ar.Deciles}
		if ar.Deciles == ([10]int{}) {
			v := ar.NeedIndex
			out[i].Override = &v
		}
	}
	return out
}

// loadSnapshot reads the authority's published requests, suppliers and
// pledges. Only officers see every supplier's pledges; for a supplier the
// snapshot holds its own record alone.
func (s *Server) loadSnapshot(ctx context.Context, a *domain.Actor) (*snapshot, error) {
	st := s.svc.Store
	auth, err := st.AuthorityByID(ctx, a.AuthorityID)
	if err != nil {
		return nil, err
	}
	needs, err := matcher.AssessNeeds(matcherAreas(auth))
	if err != nil {
		return nil, domain.Errorf(domain.EINTERNAL, "need data: %v", err)
	}
	sn := &snapshot{auth: auth, needs: needs, weights: matcherWeights(auth), reqByID: map[string]*domain.Request{},
		suppliers: map[string]*domain.Organisation{}, records: map[string]matcher.Record{}, committed: map[string]int64{}}
	sn.requests, err = domain.AllPages(func(p domain.Page) ([]*domain.Request, string, error) {
		return st.FindRequests(ctx, domain.RequestFilter{AuthorityID: auth.ID, Statuses: []string{domain.ReqPublished}, Page: p})
	}, 0)
	if err != nil {
		return nil, err
	}
	for _, r := range sn.requests {
		sn.reqByID[r.ID] = r
	}
	orgs, err := domain.AllPages(func(p domain.Page) ([]*domain.Organisation, string, error) {
		return st.FindOrganisations(ctx, domain.OrganisationFilter{AuthorityID: auth.ID, Kind: domain.KindSupplier, Status: domain.OrgApproved, Page: p})
	}, 0)
	if err != nil {
		return nil, err
	}
	for _, o := range orgs {
		if a.IsOfficer() || o.ID == a.OrganisationID {
			sn.suppliers[o.ID] = o
		}
	}
	pf := domain.PledgeFilter{AuthorityID: auth.ID}
	if !a.IsOfficer() {
		pf.OrganisationID = a.OrganisationID
	}
	pledges, err := domain.AllPages(func(p domain.Page) ([]*domain.Pledge, string, error) {
		pf.Page = p
		return st.FindPledges(ctx, pf)
	}, 0)
	if err != nil {
		return nil, err
	}
	for _, p := range pledges {
		rec := sn.records[p.OrganisationID]
		switch p.Status {
		case domain.PledgeOffered:
			sn.offered = append(sn.offered, p)
		case domain.PledgeApproved, domain.PledgeInDelivery, domain.PledgeDelivered, domain.PledgeConfirmed:
			rec.Pledged++
			sn.committed[p.OrganisationID] += p.ApprovedPence
		case domain.PledgeVerified:
			rec.Pledged++
			rec.Verified++
			sn.committed[p.OrganisationID] += p.ApprovedPence
		case domain.PledgeLapsed:
			rec.Pledged++
			rec.Lapsed++
		}
		sn.records[p.OrganisationID] = rec
	}
	return sn, nil
}

func (sn *snapshot) supplier(o *domain.Organisation) matcher.Supplier {
	sup := matcher.Supplier{ID: o.ID, Name: o.Name, Kinds: o.Offers, Record: sn.records[o.ID]}
	if ar, ok := sn.auth.Area(o.Area); ok {
		sup.Lat, sup.Lon = ar.Lat, ar.Lon
	}
	return sup
}

func matcherRequest(r *domain.Request) matcher.Request {
	return matcher.Request{ID: r.ID, Title: r.Title, Kind: r.Kind, AreaCode: r.Area, ValuePence: r.ValuePence,
		RemainingPence: max(0, r.ValuePence-r.ApprovedPence), Deadline: r.Deadline}
}

func matcherError(err error) error {
	if errors.Is(err, matcher.ErrInvalid) {
		return domain.Errorf(domain.EINTERNAL, "matcher refused its input: %v", err)
	}
	return err
}

// rankedRequest is one item of GET /matches/requests.
type rankedRequest struct {
	Request   *domain.Request     `json:"request"`
	Score     float64             `json:"score"`
	Weights   int                 `json:"weightsVersion"`
	Breakdown []matcher.Component `json:"breakdown"`
}

func (s *Server) handleMatchRequests(c *fiber.Ctx) error {
	a := actor(c)
	limit, err := limitParam(c)
	if err != nil {
		return err
	}
	kind, area, text := c.Query("kind"), c.Query("area"), strings.ToLower(c.Query("text"))
	if kind != "" && !domain.ValidKind(kind) {
		return domain.FieldErrorf("kind", "kind must be one of volunteering, goods, funding, advice, jobs, works")
	}
	if len(text) > 200 {
		return domain.FieldErrorf("text", "text must be 200 characters or fewer")
	}
	offset := 0
	if cur := c.Query("cursor"); cur != "" {
		n, err := parseInt(cur)
		if err != nil || n < 0 || n > 1_000_000 {
			return domain.FieldErrorf("cursor", "cursor is not one this API gave out")
		}
		offset = int(n)
	}
	if limit == 0 {
		limit = 50
	}
	sn, err := s.loadSnapshot(c.UserContext(), a)
	if err != nil {
		return err
	}
	org, ok := sn.suppliers[a.OrganisationID]
	if !ok {
		return domain.Errorf(domain.EFORBIDDEN, "Your organisation must be approved before requests are ranked for it.")
	}
	reqs := make([]matcher.Request, len(sn.requests))
	for i, r := range sn.requests {
		reqs[i] = matcherRequest(r)
	}
	ranked, err := matcher.RankRequests(sn.supplier(org), reqs, sn.needs, sn.weights, s.svc.Now(), matcher.RankOptions{
		Limit: offset + limit + 1,
		Filter: func(r matcher.Request) bool {
			if kind != "" && r.Kind != kind || area != "" && r.AreaCode != area {
				return false
			}
			if text != "" {
				full := sn.reqByID[r.ID]
				return strings.Contains(strings.ToLower(full.Title), text) || strings.Contains(strings.ToLower(full.Description), text)
			}
			return true
		},
	})
	if err != nil {
		return matcherError(err)
	}
	s.metrics.Inc("needmatch_matcher_runs_total", "kind", "rank_requests")
	items := []rankedRequest{}
	next := ""
	for i := offset; i < len(ranked) && len(items) < limit; i++ {
		r := sn.requests[ranked[i].Index]
		r.Derive()
		items = append(items, rankedRequest{Request: r, Score: ranked[i].Score.Total, Weights: ranked[i].Score.WeightsVersion, Breakdown: ranked[i].Score.Components})
	}
	if len(ranked) > offset+limit {
		next = itoa(offset + limit)
	}
	return c.JSON(fiber.Map{"items": items, "next": next})
}

// rankedPledge is one item of GET /requests/:id/ranked-pledges.
type rankedPledge struct {
	Pledge    *domain.Pledge      `json:"pledge"`
	Score     float64             `json:"score"`
	Weights   int                 `json:"weightsVersion"`
	Breakdown []matcher.Component `json:"breakdown"`
}

func (s *Server) handleRankedPledges(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	a := actor(c)
	r, err := s.svc.GetRequest(c.UserContext(), a, id)
	if err != nil {
		return err
	}
	sn, err := s.loadSnapshot(c.UserContext(), a)
	if err != nil {
		return err
	}
	var pledges []matcher.Pledge
	var full []*domain.Pledge
	sups := []matcher.Supplier{}
	seen := map[string]bool{}
	for _, p := range sn.offered {
		o, ok := sn.suppliers[p.OrganisationID]
		if p.RequestID != r.ID || !ok {
			continue
		}
		pledges = append(pledges, matcher.Pledge{ID: p.ID, RequestID: p.RequestID, SupplierID: p.OrganisationID, ValuePence: p.ValuePence})
		full = append(full, p)
		if !seen[o.ID] {
			seen[o.ID] = true
			sups = append(sups, sn.supplier(o))
		}
	}
	ranked, err := matcher.RankPledges(matcherRequest(r), pledges, sups, sn.needs, sn.weights, s.svc.Now(), matcher.PledgeRankOptions{})
	if err != nil {
		return matcherError(err)
	}
	s.metrics.Inc("needmatch_matcher_runs_total", "kind", "rank_pledges")
	items := make([]rankedPledge, len(ranked))
	for i, rp := range ranked {
		items[i] = rankedPledge{Pledge: full[rp.Index], Score: rp.Score.Total, Weights: rp.Score.WeightsVersion, Breakdown: rp.Score.Components}
	}
	return c.JSON(fiber.Map{"items": items, "next": ""})
}

type allocationBody struct {
	// TimeLimitMs bounds the whole-pledge search (default 2,000, at most 30,000).
	TimeLimitMs int64 `json:"timeLimitMs"`
}

func (s *Server) handleAllocationCreate(c *fiber.Ctx) error {
	var b allocationBody
	if len(c.Body()) > 0 {
		if err := decode(c, &b); err != nil {
			return err
		}
	}
	if b.TimeLimitMs < 0 || b.TimeLimitMs > 30_000 {
		return domain.FieldErrorf("timeLimitMs", "timeLimitMs must be from 0 to 30000")
	}
	if b.TimeLimitMs == 0 {
		b.TimeLimitMs = 2000
	}
	a := actor(c)
	sn, err := s.loadSnapshot(c.UserContext(), a)
	if err != nil {
		return err
	}
	pr := matcher.Problem{}
	needReq := map[string]bool{}
	supSeen := map[string]bool{}
	var items []domain.AllocationItem
	now := s.svc.Now()
	for _, p := range sn.offered {
		r, okR := sn.reqByID[p.RequestID]
		o, okS := sn.suppliers[p.OrganisationID]
		if !okR || !okS {
			continue // the request is no longer published, or the supplier no longer approved
		}
		sc, err := matcher.ScorePledge(matcher.Pledge{ID: p.ID, RequestID: r.ID, SupplierID: o.ID, ValuePence: p.ValuePence}, matcherRequest(r), sn.supplier(o), sn.needs, sn.weights, now)
		if err != nil {
			return matcherError(err)
		}
		pr.Pledges = append(pr.Pledges, matcher.AllocPledge{ID: p.ID, RequestID: r.ID, SupplierID: o.ID, ValuePence: p.ValuePence, Score: sc.Total, AllowPartial: p.AllowPartial})
		items = append(items, domain.AllocationItem{PledgeID: p.ID, PledgeVersion: p.Version, RequestID: r.ID, RequestTitle: r.Title,
			OrganisationID: o.ID, OrganisationName: o.Name, ValuePence: p.ValuePence, Score: sc.Total})
		if !needReq[r.ID] {
			needReq[r.ID] = true
			pr.Requests = append(pr.Requests, matcher.AllocRequest{ID: r.ID, NeedPence: max(0, r.ValuePence-r.ApprovedPence)})
		}
		if !supSeen[o.ID] {
			supSeen[o.ID] = true
			limit := int64(domain.MaxPence)
			if o.CommitmentLimitPence > 0 {
				limit = max(0, o.CommitmentLimitPence-sn.committed[o.ID])
			}
			pr.Suppliers = append(pr.Suppliers, matcher.AllocSupplier{ID: o.ID, LimitPence: limit})
		}
	}
	start := time.Now()
	res, err := matcher.Allocate(pr, matcher.Options{TimeLimit: time.Duration(b.TimeLimitMs) * time.Millisecond})
	if err != nil {
		return matcherError(err)
	}
	s.metrics.Inc("needmatch_matcher_runs_total", "kind", "allocate")
	s.metrics.Observe("needmatch_matcher_duration_seconds", time.Since(start), "kind", "allocate")
	byID := map[string]matcher.Decision{}
	for _, d := range res.Decisions {
		byID[d.PledgeID] = d
	}
	// The matcher speaks of ids; officers read titles and names.
	names := strings.NewReplacer(func() []string {
		var pairs []string
		for _, it := range items {
			pairs = append(pairs, "request "+it.RequestID, "“"+it.RequestTitle+"”", "supplier "+it.OrganisationID, it.OrganisationName)
		}
		return pairs
	}()...)
	for i := range items {
		d := byID[items[i].PledgeID]
		items[i].ApprovedPence, items[i].Reason, items[i].Explanation = d.ApprovedPence, string(d.Reason), names.Replace(d.Explanation)
	}
	sort.SliceStable(items, func(i, j int) bool { return items[i].Score > items[j].Score })
	al := &domain.Allocation{WeightsVersion: sn.weights.Version, Objective: res.Objective, Bound: res.Bound, Gap: res.Gap,
		Optimal: res.Optimal, ApprovedPence: res.ApprovedPence, Items: items}
	if al.Items == nil {
		al.Items = []domain.AllocationItem{}
	}
	if err := s.svc.SaveAllocation(c.UserContext(), a, al); err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(al)
}

func (s *Server) handleAllocationGet(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	al, err := s.svc.GetAllocation(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(al)
}

type acceptBody struct {
	PledgeIDs []string `json:"pledgeIds"`
}

func (s *Server) handleAllocationAccept(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	var b acceptBody
	if len(c.Body()) > 0 {
		if err := decode(c, &b); err != nil {
			return err
		}
	}
	if len(b.PledgeIDs) > 100_000 {
		return domain.FieldErrorf("pledgeIds", "Too many pledge ids")
	}
	res, err := s.svc.AcceptAllocation(c.UserContext(), actor(c), id, b.PledgeIDs)
	if err != nil {
		return err
	}
	return c.JSON(res)
}

type weightsBody struct {
	Need     float64 `json:"need"`
	Fit      float64 `json:"fit"`
	Coverage float64 `json:"coverage"`
	Urgency  float64 `json:"urgency"`
	Distance float64 `json:"distance"`
	Record   float64 `json:"record"`
}

func (s *Server) handleWeightsGet(c *fiber.Ctx) error {
	a := actor(c)
	auth, err := s.svc.Store.AuthorityByID(c.UserContext(), a.AuthorityID)
	if err != nil {
		return err
	}
	hist := auth.Weights
	if hist == nil {
		hist = []domain.Weights{}
	}
	return c.JSON(fiber.Map{"current": matcherWeights(auth), "history": hist, "defaults": matcher.DefaultWeights()})
}

func (s *Server) handleWeightsSet(c *fiber.Ctx) error {
	var b weightsBody
	if err := decode(c, &b); err != nil {
		return err
	}
	auth, err := s.svc.SetWeights(c.UserContext(), actor(c), domain.Weights{Need: b.Need, Fit: b.Fit, Coverage: b.Coverage, Urgency: b.Urgency,
		Distance: b.Distance, Record: b.Record}, matcher.DefaultWeights().Version)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"current": matcherWeights(auth), "history": auth.Weights})
}

type areasBody struct {
	CSV string `json:"csv"`
}

func (s *Server) handleAreasImport(c *fiber.Ctx) error {
	var b areasBody
	if err := decode(c, &b); err != nil {
		return err
	}
	areas, err := domain.ParseAreasCSV(strings.NewReader(b.CSV))
	if err != nil {
		return err
	}
	auth, err := s.svc.ImportAreas(c.UserContext(), actor(c), areas)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"slug": auth.Slug, "areas": auth.Areas})
}

type profileBody struct {
	Name                 *string   `json:"name"`
	Area                 *string   `json:"area"`
	Offers               *[]string `json:"offers"`
	CommitmentLimitPence *int64    `json:"commitmentLimitPence"`
	Version              *int64    `json:"version"`
}

func (s *Server) handleOrganisationUpdate(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	var b profileBody
	if err := decode(c, &b); err != nil {
		return err
	}
	o, err := s.svc.UpdateProfile(c.UserContext(), actor(c), id, domain.ProfileInput{Name: b.Name, Area: b.Area, Offers: b.Offers,
		CommitmentLimitPence: b.CommitmentLimitPence, Version: b.Version})
	if err != nil {
		return err
	}
	return c.JSON(o)
}

func itoa(n int) string { return i64(int64(n)) }
