package domain

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"sort"
	"strings"
	"time"

	"needmatch/matcher"
)

// The matcher's use cases: ranking requests for a supplier, ranking the
// pledges of a request for an officer, and proposing an allocation. The
// service reads a matchSnapshot of the council under the same visibility rules
// as every other read and hands plain values to the pure matcher package.

// ScoreComponent is one part of a score with its explanation in words.
type ScoreComponent = matcher.Component

// MatcherObserver is told of every matcher run (for metrics); nil is none.
type MatcherObserver func(kind string, took time.Duration)

// RankedRequest is a published request ranked for a supplier.
type RankedRequest struct {
	Request   *Request         `json:"request"`
	Score     float64          `json:"score"`
	Weights   int              `json:"weightsVersion"`
	Breakdown []ScoreComponent `json:"breakdown"`
	// MatchesPriorities, set when ranking for a contract, says whether the
	// request is of a kind or in a ward the contract gives priority to.
	MatchesPriorities *bool `json:"matchesPriorities,omitempty"`
}

// RankedPledge is an offered pledge ranked for its request.
type RankedPledge struct {
	Pledge    *Pledge          `json:"pledge"`
	Score     float64          `json:"score"`
	Weights   int              `json:"weightsVersion"`
	Breakdown []ScoreComponent `json:"breakdown"`
}

// RankFilter narrows the requests ranked for a supplier; Offset and Limit
// page through the ranking (Limit 0 is 50).
type RankFilter struct {
	Kind, Area, Text string
	Offset, Limit    int
	// Contract, when set, ranks for a bid on that contract: the requests
	// that match its priorities come first (see Priorities.Matches).
	Contract string
	// PublishedAfter, when set, keeps the requests published (or
	// republished) after it: a published request's UpdatedAt.
	PublishedAfter time.Time
}

// matchSnapshot is what the matcher needs of one authority.
type matchSnapshot struct {
	auth      *Authority
	needs     *matcher.Needs
	weights   matcher.Weights
	reqByID   map[string]*Request // published
	suppliers map[string]*Organisation
	// pledges are every pledge, newest first, each with the rows of its
	// request and supplier; bySup are those of each supplier, with its
	// open total and record (see matchRows)
	pledges []rowPledge
	bySup   map[string]*supplierRows
	// mark is the snapshot's: a proposal marks the groups it met with it
	mark int64
}

// requests are the published requests in the stores' order, newest
// (greatest id) first.
func (sn *matchSnapshot) requests() []*Request {
	rs := make([]*Request, 0, len(sn.reqByID))
	for _, r := range sn.reqByID {
		rs = append(rs, r)
	}
	slices.SortFunc(rs, func(a, b *Request) int { return strings.Compare(b.ID, a.ID) })
	return rs
}

// record is the supplier's record as of the snapshot.
func (sn *matchSnapshot) record(id string) matcher.Record {
	if su := sn.bySup[id]; su != nil {
		return su.rec
	}
	return matcher.Record{}
}

func matcherWeights(a *Authority) matcher.Weights {
	w := matcher.DefaultWeights()
	if cur := a.CurrentWeights(); cur != nil {
		w = matcher.Weights{Version: cur.Version, Need: cur.Need, Fit: cur.Fit, Coverage: cur.Coverage, Urgency: cur.Urgency, Distance: cur.Distance, Record: cur.Record}
	}
	return w
}

func weightsOf(w matcher.Weights) Weights {
	return Weights{Version: w.Version, Need: w.Need, Fit: w.Fit, Coverage: w.Coverage, Urgency: w.Urgency, Distance: w.Distance, Record: w.Record}
}

func matcherAreas(a *Authority) []matcher.Area {
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

// matcherError keeps the matcher's words for the log: the client is told
// only that the matcher could not run.
func matcherError(err error) error {
	if errors.Is(err, matcher.ErrInvalid) {
		return &Error{Code: EINTERNAL, Message: "matcher refused its input: " + err.Error()}
	}
	return err
}

func (s *Service) observe(kind string, start time.Time) {
	if s.Observe != nil {
		s.Observe(kind, time.Since(start))
	}
}

// loadSnapshot reads the authority's published requests, suppliers and
// pledges. Only officers see every supplier's pledges; for a supplier the
// matchSnapshot holds its own record alone.
func (s *Service) loadSnapshot(ctx context.Context, a *Actor, now time.Time) (*matchSnapshot, error) {
	auth, err := s.Store.AuthorityByID(ctx, a.AuthorityID)
	if err != nil {
		return nil, err
	}
	rows, err := s.readMatchRows(ctx, a, auth.ID)
	if err != nil {
		return nil, err
	}
	return rows.snapshot(auth, now)
}

func (sn *matchSnapshot) supplier(o *Organisation, rec matcher.Record) matcher.Supplier {
	sup := matcher.Supplier{ID: o.ID, Name: o.Name, Kinds: o.Offers, Record: rec}
	if ar, ok := sn.auth.Area(o.Area); ok {
		sup.Lat, sup.Lon = ar.Lat, ar.Lon
	}
	return sup
}

func matcherRequest(r *Request) matcher.Request {
	return matcher.Request{ID: r.ID, Title: r.Title, Kind: r.Kind, AreaCode: r.Area, ValuePence: r.ValuePence,
		RemainingPence: max(0, r.ValuePence-r.ApprovedPence), Deadline: r.Deadline}
}

func matcherPledge(p *Pledge) matcher.Pledge {
	return matcher.Pledge{ID: p.ID, RequestID: p.RequestID, SupplierID: p.OrganisationID, ValuePence: p.ValuePence, AllowPartial: p.AllowPartial}
}

// RankRequests ranks the published requests for the actor's approved
// supplier, best first, with each score explained.
func (s *Service) RankRequests(ctx context.Context, a *Actor, f RankFilter) ([]RankedRequest, string, error) {
	return s.rankRequests(ctx, a, f, s.now())
}

// rankRequests ranks as of now (the weekly digest ranks at its own time).
func (s *Service) rankRequests(ctx context.Context, a *Actor, f RankFilter, now time.Time) ([]RankedRequest, string, error) {
	if err := requireRole(a, RoleSupplier); err != nil {
		return nil, "", err
	}
	if f.Kind != "" && !ValidKind(f.Kind) {
		return nil, "", FieldErrorf("kind", "kind must be one of volunteering, goods, funding, advice, jobs, works")
	}
	if len(f.Text) > 200 {
		return nil, "", FieldErrorf("text", "text must be 200 characters or fewer")
	}
	if f.Offset < 0 || f.Offset > 1_000_000 {
		return nil, "", FieldErrorf("cursor", "cursor is not one this API gave out")
	}
	if f.Limit == 0 {
		f.Limit = 50
	}
	text := strings.ToLower(f.Text)
	var prio *Priorities
	if f.Contract != "" {
		if !ValidID(f.Contract) {
			return nil, "", FieldErrorf("contract", "contract must be the id of a contract open to suppliers")
		}
		c, _, err := s.visibleContract(ctx, a, f.Contract)
		if err != nil {
			return nil, "", err
		}
		prio = &c.Priorities
	}
	limit := f.Offset + f.Limit + 1
	if prio != nil {
		limit = 0 // every request, so that the matching ones can go first
	}
	sn, err := s.loadSnapshot(ctx, a, now)
	if err != nil {
		return nil, "", err
	}
	org, ok := sn.suppliers[a.OrganisationID]
	if !ok {
		return nil, "", Errorf(EFORBIDDEN, "Your organisation must be approved before requests are ranked for it.")
	}
	requests := sn.requests()
	reqs := make([]matcher.Request, len(requests))
	for i, r := range requests {
		reqs[i] = matcherRequest(r)
	}
	start := time.Now()
	ranked, err := matcher.RankRequests(sn.supplier(org, sn.record(org.ID)), reqs, sn.needs, sn.weights, now, matcher.RankOptions{
		Limit: limit,
		Filter: func(r matcher.Request) bool {
			if f.Kind != "" && r.Kind != f.Kind || f.Area != "" && r.AreaCode != f.Area {
				return false
			}
			if !f.PublishedAfter.IsZero() && !sn.reqByID[r.ID].UpdatedAt.After(f.PublishedAfter) {
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
		return nil, "", matcherError(err)
	}
	s.observe("rank_requests", start)
	matches := func(rr matcher.RankedRequest) bool {
		r := requests[rr.Index]
		return prio != nil && prio.Matches(r.Kind, r.Area)
	}
	if prio != nil {
		sort.SliceStable(ranked, func(i, j int) bool { return matches(ranked[i]) && !matches(ranked[j]) })
	}
	items := []RankedRequest{}
	for i := f.Offset; i < len(ranked) && len(items) < f.Limit; i++ {
		r := requests[ranked[i].Index]
		r.Derive()
		item := RankedRequest{Request: r, Score: ranked[i].Score.Total, Weights: ranked[i].Score.WeightsVersion, Breakdown: ranked[i].Score.Components}
		if prio != nil {
			m := matches(ranked[i])
			item.MatchesPriorities = &m
		}
		items = append(items, item)
	}
	next := ""
	if len(ranked) > f.Offset+f.Limit {
		next = sprintf("%d", f.Offset+f.Limit)
	}
	return items, next, nil
}

// RankPledges ranks the offered pledges of a request for an officer.
func (s *Service) RankPledges(ctx context.Context, a *Actor, requestID string) ([]RankedPledge, error) {
	if err := requireRole(a, RoleOfficer, RoleAdmin); err != nil {
		return nil, err
	}
	r, err := s.GetRequest(ctx, a, requestID)
	if err != nil {
		return nil, err
	}
	sn, err := s.loadSnapshot(ctx, a, s.now())
	if err != nil {
		return nil, err
	}
	var pledges []matcher.Pledge
	var full []*Pledge
	sups := []matcher.Supplier{}
	seen := map[string]bool{}
	for _, rp := range sn.pledges {
		p := rp.p
		if p.Status != PledgeOffered || p.RequestID != r.ID {
			continue
		}
		o, ok := sn.suppliers[p.OrganisationID]
		if !ok {
			continue
		}
		pledges = append(pledges, matcherPledge(p))
		full = append(full, p)
		if !seen[o.ID] {
			seen[o.ID] = true
			sups = append(sups, sn.supplier(o, rp.sup.rec))
		}
	}
	start := time.Now()
	ranked, err := matcher.RankPledges(matcherRequest(r), pledges, sups, sn.needs, sn.weights, s.now(), matcher.PledgeRankOptions{})
	if err != nil {
		return nil, matcherError(err)
	}
	s.observe("rank_pledges", start)
	items := make([]RankedPledge, len(ranked))
	for i, rp := range ranked {
		items[i] = RankedPledge{Pledge: full[rp.Index], Score: rp.Score.Total, Weights: rp.Score.WeightsVersion, Breakdown: rp.Score.Components}
	}
	return items, nil
}

// Allocation item reasons the service adds to the matcher's.
const ReasonInBid = "in_bid"

// ProposeAllocation proposes how much of each offered pledge to approve,
// within the requests' remaining needs and the suppliers' limits, and
// stores the proposal. A pledge made inside a bid cannot be approved on its
// own (the award commits it), so it is left out and says so.
func (s *Service) ProposeAllocation(ctx context.Context, a *Actor, timeLimit time.Duration) (*Allocation, error) {
	if err := requireRole(a, RoleOfficer, RoleAdmin); err != nil {
		return nil, err
	}
	if timeLimit < 0 || timeLimit > 30*time.Second {
		return nil, FieldErrorf("timeLimitMs", "timeLimitMs must be from 0 to 30000")
	}
	if timeLimit == 0 {
		timeLimit = 2 * time.Second
	}
	// One proposal of an authority at a time: it holds the rows and the
	// matcher session of the last one.
	warmth := s.allocations.entry(a.AuthorityID)
	warmth.mu.Lock()
	defer warmth.mu.Unlock()
	sn, err := s.heldSnapshot(ctx, a, warmth, s.now())
	if err != nil {
		return nil, err
	}
	// Held items are kept for the day the scores are made on: the next
	// proposal that day reuses those of unchanged pledges.
	now := matcher.ScoringDay(s.now())
	scorer, err := matcher.NewPledgeScorer(sn.needs, sn.weights, now)
	if err != nil {
		return nil, matcherError(err)
	}
	held := warmth.heldItems(sn, now)
	done := false
	defer func() {
		if !done {
			warmth.forget() // the held items may be part made
		}
	}()
	pr := problem{pledges: held.pledges}
	sups := map[string]matcher.Supplier{}
	for _, rp := range sn.pledges {
		p, r, o := rp.p, rp.req.r, rp.sup.o
		if p.Status != PledgeOffered || r == nil || o == nil {
			continue // not offered, the request is no longer published, or the supplier no longer approved
		}
		h := held.item(p, r, o, rp.sup.rec)
		if h.fresh {
			sup, ok := sups[o.ID]
			if !ok {
				sup = sn.supplier(o, rp.sup.rec)
				sups[o.ID] = sup
			}
			score := scorer.Total(matcherPledge(p), matcherRequest(r), sup)
			h.item = AllocationItem{PledgeID: p.ID, PledgeVersion: p.Version, RequestID: r.ID, RequestTitle: r.Title,
				OrganisationID: o.ID, OrganisationName: o.Name, ValuePence: p.ValuePence, Score: score}
			if p.BidID != "" {
				h.item.Reason = ReasonInBid
				h.item.Explanation = sprintf("Left out: this pledge is part of %s's bid on a contract, so it becomes a commitment only if that bid wins the award.", o.Name)
				h.final = h.item
			}
		}
		if p.BidID != "" {
			continue
		}
		pr.n++
		pr.whole = pr.whole || !p.AllowPartial
		if h.fresh {
			held.set = append(held.set, h.allocPledge())
		}
		if rp.req.mark != sn.mark {
			rp.req.mark = sn.mark
			pr.Requests = append(pr.Requests, matcher.AllocRequest{ID: r.ID, NeedPence: max(0, r.ValuePence-r.ApprovedPence)})
		}
		if rp.sup.mark != sn.mark {
			rp.sup.mark = sn.mark
			limit := int64(MaxPence)
			if o.CommitmentLimitPence > 0 {
				limit = max(0, o.CommitmentLimitPence-rp.sup.open)
			}
			pr.Suppliers = append(pr.Suppliers, matcher.AllocSupplier{ID: o.ID, LimitPence: limit})
		}
	}
	held.done()
	held.sweep()
	start := time.Now()
	var res *matcher.Allocation
	warm, err := warmth.allocate(pr, held.set, held.out(), matcher.Options{TimeLimit: timeLimit}, func(r *matcher.Allocation) {
		// the session may write its decisions again on the next proposal
		summary := *r
		summary.Decisions = nil
		res = &summary
		held.decideAll(r.Decisions)
	})
	if err != nil {
		return nil, matcherError(err)
	}
	if warm {
		s.observe("allocate_warm", start)
	} else {
		s.observe("allocate", start)
	}
	items, rounding := held.proposal()
	al := &Allocation{WeightsVersion: sn.weights.Version, Objective: res.Objective, Bound: res.Bound, BoundKind: string(res.BoundKind), Gap: res.Gap,
		GapText: res.GapText(), Optimal: res.Optimal, ApprovedPence: res.ApprovedPence + rounding, Items: items, Delta: held.delta()}
	if err := s.SaveAllocation(ctx, a, al); err != nil {
		return nil, err
	}
	held.saved(al.ID, al.Delta)
	done = true
	return al, nil
}

// itemOrder orders a proposal's items: best score first, then the
// pledges the matcher weighed before those in a bid, then newest pledge
// (greatest id) first. Stores put items kept as a delta back in this order
// (AllocationDelta.Apply).
func itemOrder(a, b *AllocationItem) int {
	return keyOf(a).cmp(keyOf(b))
}

// itemKey is what itemOrder orders an item by.
type itemKey struct {
	score    float64
	inBid    bool
	pledgeID string
}

func keyOf(it *AllocationItem) itemKey {
	return itemKey{score: it.Score, inBid: it.Reason == ReasonInBid, pledgeID: it.PledgeID}
}

func (a itemKey) cmp(b itemKey) int {
	if c := cmp.Compare(b.score, a.score); c != 0 {
		return c
	}
	if a.inBid != b.inBid {
		if a.inBid {
			return 1
		}
		return -1
	}
	return strings.Compare(b.pledgeID, a.pledgeID)
}

// namesIn puts the request's title and the supplier's name in place of
// their ids in the matcher's explanation of the item (the matcher speaks of
// ids, officers read titles and names; an explanation names only its own
// request and supplier).
func namesIn(explanation string, it *AllocationItem) string {
	if explanation == "" {
		return ""
	}
	req, sup := "request "+it.RequestID, "supplier "+it.OrganisationID
	var b strings.Builder
	for s := explanation; ; {
		i, j := strings.Index(s, req), strings.Index(s, sup)
		switch {
		case i < 0 && j < 0:
			b.WriteString(s)
			return b.String()
		case j < 0 || (i >= 0 && i < j):
			b.WriteString(s[:i])
			b.WriteString("“" + it.RequestTitle + "”")
			s = s[i+len(req):]
		default:
			b.WriteString(s[:j])
			b.WriteString(it.OrganisationName)
			s = s[j+len(sup):]
		}
	}
}

// MatcherWeights are a council's current weights, their history and the defaults.
type MatcherWeights struct {
	Current  Weights   `json:"current"`
	History  []Weights `json:"history"`
	Defaults Weights   `json:"defaults"`
}

// GetWeights returns the officer's council's matcher weights.
func (s *Service) GetWeights(ctx context.Context, a *Actor) (*MatcherWeights, error) {
	if err := requireRole(a, RoleOfficer, RoleAdmin); err != nil {
		return nil, err
	}
	auth, err := s.Store.AuthorityByID(ctx, a.AuthorityID)
	if err != nil {
		return nil, err
	}
	return weightsView(auth), nil
}

func weightsView(auth *Authority) *MatcherWeights {
	hist := auth.Weights
	if hist == nil {
		hist = []Weights{}
	}
	return &MatcherWeights{Current: weightsOf(matcherWeights(auth)), History: hist, Defaults: weightsOf(matcher.DefaultWeights())}
}

// roundWholeUnits sets the item's quantities from its pledge and, where the
// proposal approves part of a pledge in a countable unit, rounds the part
// down to whole units (WholeUnitsPence) and says so in the explanation; a
// part in money is left as it is, and says that too.
func roundWholeUnits(it *AllocationItem, p *Pledge) {
	it.Quantity, it.Unit = p.Quantity, p.Unit
	if it.ApprovedPence <= 0 || it.ApprovedPence >= p.ValuePence {
		it.ApprovedQuantity = approvedUnitsAt(p, it.ApprovedPence)
		return
	}
	whole := p.WholeUnitsPence(it.ApprovedPence)
	it.ApprovedQuantity = approvedUnitsAt(p, whole)
	switch {
	case !Countable(p.Unit):
		it.Explanation = strings.TrimSpace(it.Explanation + sprintf(" The part is not rounded: %s is an amount of money, not counted in whole units.", p.Unit))
	case whole != it.ApprovedPence:
		it.Explanation = strings.TrimSpace(it.Explanation + sprintf(" Rounded down from %s to %s, the value of %d whole %s of the %d pledged: %s are counted in whole units.",
			Pounds(it.ApprovedPence), Pounds(whole), it.ApprovedQuantity, p.Unit, p.Quantity, p.Unit))
		it.ApprovedPence = whole
	default:
		it.Explanation = strings.TrimSpace(it.Explanation + sprintf(" That is %d whole %s of the %d pledged.", it.ApprovedQuantity, p.Unit, p.Quantity))
	}
}

// approvedUnitsAt is ApprovedUnits of p were amount approved.
func approvedUnitsAt(p *Pledge, amount int64) int64 {
	q := *p
	q.ApprovedPence = amount
	return q.ApprovedUnits()
}
