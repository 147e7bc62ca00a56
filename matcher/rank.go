package matcher

import (
	"slices"
	"time"
)

// RankOptions narrow a ranking of requests.
type RankOptions struct {
	// Filter, when not nil, keeps only the requests for which it is true.
	Filter func(Request) bool
	// Limit, when above 0, returns only the first Limit items. All kept
	// requests are still scored and ordered; only the returned items get
	// their breakdown written out.
	Limit int
}

// PledgeRankOptions narrow a ranking of pledges.
type PledgeRankOptions struct {
	// Filter, when not nil, keeps only the pledges for which it is true.
	Filter func(Pledge) bool
	// Limit, when above 0, returns only the first Limit items.
	Limit int
}

// RankedRequest is one request in a ranking, with its score.
type RankedRequest struct {
	// Index is the request's position in the slice given to RankRequests.
	Index     int    `json:"-"`
	RequestID string `json:"requestId"`
	Score     Score  `json:"score"`
}

// RankedPledge is one pledge in a ranking, with its score.
type RankedPledge struct {
	// Index is the pledge's position in the slice given to RankPledges.
	Index    int    `json:"-"`
	PledgeID string `json:"pledgeId"`
	Score    Score  `json:"score"`
}

type ranked struct {
	total float64
	id    string
	idx   int
}

// before reports whether a ranks before b: higher score, then lower ID, then
// earlier position.
func (a *ranked) before(b *ranked) bool {
	if a.total != b.total {
		return a.total > b.total
	}
	if a.id != b.id {
		return a.id < b.id
	}
	return a.idx < b.idx
}

func compareRanked(a, b ranked) int {
	if a.before(&b) {
		return -1
	}
	if b.before(&a) {
		return 1
	}
	return 0
}

// topRanked returns the first limit items of order in ranking order (all of
// them when limit is 0), selecting with a heap when limit is small.
func topRanked(order []ranked, limit int) []ranked {
	if limit <= 0 || limit >= len(order) {
		slices.SortFunc(order, compareRanked)
		return order
	}
	// heap of the best limit items seen, the worst of them at the root
	h := make([]ranked, 0, limit)
	down := func(i int) {
		for {
			w := i
			if l := 2*i + 1; l < len(h) && h[w].before(&h[l]) {
				w = l
			}
			if r := 2*i + 2; r < len(h) && h[w].before(&h[r]) {
				w = r
			}
			if w == i {
				return
			}
			h[i], h[w] = h[w], h[i]
			i = w
		}
	}
	for k := range order {
		it := &order[k]
		if len(h) < limit {
			h = append(h, *it)
			for i := len(h) - 1; i > 0; {
				p := (i - 1) / 2
				if !h[p].before(&h[i]) {
					break
				}
				h[i], h[p] = h[p], h[i]
				i = p
			}
			continue
		}
		if it.before(&h[0]) {
			h[0] = *it
			down(0)
		}
	}
	slices.SortFunc(h, compareRanked)
	return h
}

// RankRequests scores every request for supplier s (its usual offer,
// Supplier.OfferPence, stands for the pledge) and returns them best first;
// equal scores are ordered by request ID, then by position.
func RankRequests(s Supplier, requests []Request, needs *Needs, w Weights, now time.Time, opt RankOptions) ([]RankedRequest, error) {
	if err := w.Validate(); err != nil {
		return nil, err
	}
	sc := newScorer(s, needs, w, now)
	order := make([]ranked, 0, len(requests))
	for i := range requests {
		r := &requests[i]
		if opt.Filter != nil && !opt.Filter(*r) {
			continue
		}
		f := sc.facts(r, sc.kinds, sc.cats, s.OfferPence, s.OfferPence > 0, false)
		order = append(order, ranked{sc.total(&f), r.ID, i})
	}
	order = topRanked(order, opt.Limit)
	out := make([]RankedRequest, len(order))
	comps := make([]Component, numComponents*len(order))
	for k, o := range order {
		r := &requests[o.idx]
		f := sc.facts(r, sc.kinds, sc.cats, s.OfferPence, s.OfferPence > 0, false)
		c := comps[k*numComponents : (k+1)*numComponents : (k+1)*numComponents]
		sc.fill(c, r, &f)
		out[k] = RankedRequest{Index: o.idx, RequestID: r.ID, Score: Score{Total: o.total, WeightsVersion: sc.ver, Components: c}}
	}
	return out, nil
}

// RankPledges scores every pledge for request r against its supplier (found
// by Pledge.SupplierID in suppliers) and returns them best first; equal
// scores are ordered by pledge ID, then by position. A pledge for another
// request or from an unknown supplier is an error.
func RankPledges(r Request, pledges []Pledge, suppliers []Supplier, needs *Needs, w Weights, now time.Time, opt PledgeRankOptions) ([]RankedPledge, error) {
	if err := w.Validate(); err != nil {
		return nil, err
	}
	bySupplier := make(map[string]int, len(suppliers))
	for i, s := range suppliers {
		if _, dup := bySupplier[s.ID]; dup {
			return nil, invalidf("supplier %s appears twice", s.ID)
		}
		bySupplier[s.ID] = i
	}
	scorers := make(map[string]*scorer)
	type item struct {
		ranked
		sc *scorer
		f  facts
	}
	items := make([]item, 0, len(pledges))
	for i := range pledges {
		p := &pledges[i]
		if p.RequestID != r.ID {
			return nil, invalidf("pledge %s is for request %s, not %s", p.ID, p.RequestID, r.ID)
		}
		if opt.Filter != nil && !opt.Filter(*p) {
			continue
		}
		sc := scorers[p.SupplierID]
		if sc == nil {
			si, ok := bySupplier[p.SupplierID]
			if !ok {
				return nil, invalidf("pledge %s is from unknown supplier %s", p.ID, p.SupplierID)
			}
			sc = newScorer(suppliers[si], needs, w, now)
			scorers[p.SupplierID] = sc
		}
		f := sc.pledgeFacts(p, &r)
		items = append(items, item{ranked{sc.total(&f), p.ID, i}, sc, f})
	}
	slices.SortFunc(items, func(a, b item) int { return compareRanked(a.ranked, b.ranked) })
	if opt.Limit > 0 && len(items) > opt.Limit {
		items = items[:opt.Limit]
	}
	out := make([]RankedPledge, len(items))
	for k := range items {
		it := &items[k]
		out[k] = RankedPledge{Index: it.idx, PledgeID: pledges[it.idx].ID, Score: it.sc.explain(&r, &it.f)}
	}
	return out, nil
}
