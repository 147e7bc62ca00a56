package matcher

import (
	"math"
	"slices"
	"strings"
	"sync"
	"time"
)

// WeightScale turns a score in [0,1] into the integer weight the allocation
// works with: weight = round(score * WeightScale).
const WeightScale = 1_000_000

// AllocRequest is a request as the allocation sees it.
type AllocRequest struct {
	ID string
	// NeedPence is the remaining need: the most that may be approved in
	// total for the request.
	NeedPence int64
}

// AllocSupplier is a supplier as the allocation sees it.
type AllocSupplier struct {
	ID string
	// LimitPence is the supplier's remaining commitment limit: the most that
	// may be approved in total from its pledges.
	LimitPence int64
}

// AllocPledge is a pledge as the allocation sees it.
type AllocPledge struct {
	ID         string
	RequestID  string
	SupplierID string
	// ValuePence is the most that may be approved from the pledge.
	ValuePence int64
	// Score is the pledge's score in [0,1] (see ScorePledge).
	Score float64
	// AllowPartial is true when the supplier accepts approval of part of
	// the pledge; otherwise it is approved whole or not at all.
	AllowPartial bool
}

// Problem is the input of Allocate.
type Problem struct {
	Requests  []AllocRequest
	Suppliers []AllocSupplier
	Pledges   []AllocPledge
}

// Options tune Allocate. The zero value gives the defaults.
type Options struct {
	// ExactWhole is the largest number of whole (not partial) pledges for
	// which Allocate searches exhaustively (branch and bound over flow
	// relaxations) before the local search; 0 means 16, a negative value
	// turns it off.
	ExactWhole int
	// SearchRounds bounds the rounds of local search for whole pledges;
	// 0 means 8.
	SearchRounds int
	// TimeLimit, when above 0, stops the whole-pledge search early. It is
	// the only thing that can make the result depend on the machine's
	// speed (Allocation.TimedOut tells); by default the work is bounded by
	// counts alone.
	TimeLimit time.Duration
}

// Reason says why a pledge was not approved in full.
type Reason string

// Reasons. ReasonNone means approved in full.
const (
	ReasonNone Reason = ""
	// ReasonZeroScore: the score rounds to a weight of 0, so approving it
	// adds nothing.
	ReasonZeroScore Reason = "zero_score"
	// ReasonNoNeed: the request had no remaining need to begin with.
	ReasonNoNeed Reason = "no_need"
	// ReasonNoLimit: the supplier had no commitment room to begin with.
	ReasonNoLimit Reason = "no_limit"
	// ReasonNeedCovered: the request's need is taken up by other pledges.
	ReasonNeedCovered Reason = "need_covered"
	// ReasonSupplierLimit: the supplier's commitment limit is taken up by
	// its other pledges.
	ReasonSupplierLimit Reason = "supplier_limit"
	// ReasonWholeDidNotFit: a whole pledge was bigger than the room left.
	ReasonWholeDidNotFit Reason = "whole_did_not_fit"
	// ReasonNotChosen: left out by the search although it would fit (only
	// when the search was cut short).
	ReasonNotChosen Reason = "not_chosen"
)

// Decision is the proposal for one pledge.
type Decision struct {
	PledgeID      string `json:"pledgeId"`
	RequestID     string `json:"requestId"`
	SupplierID    string `json:"supplierId"`
	ValuePence    int64  `json:"valuePence"`
	ApprovedPence int64  `json:"approvedPence"`
	// Weight is round(score * WeightScale).
	Weight int64 `json:"weight"`
	// Reason and Explanation are set when less than the whole value is
	// approved.
	Reason      Reason `json:"reason,omitempty"`
	Explanation string `json:"explanation,omitempty"`
}

// Allocation is the proposal Allocate returns.
type Allocation struct {
	// Objective is sum(weight * approvedPence).
	Objective int64 `json:"objective"`
	// Bound is the least upper bound Allocate could prove: no allocation
	// can beat it. BoundKind says how it was proven.
	Bound int64 `json:"bound"`
	// BoundKind is BoundOptimum when Objective is proven best (Bound is
	// then Objective), else the relaxation that gave Bound.
	BoundKind BoundKind `json:"boundKind"`
	// Gap is (Bound - Objective) / Bound, 0 when Bound is 0: the proposal
	// is at most that share short of the best possible. GapText says it
	// in words.
	Gap float64 `json:"gap"`
	// Optimal reports that Objective is proven best (Gap is 0).
	Optimal bool `json:"optimal"`
	// TimedOut reports that Options.TimeLimit cut the search short.
	TimedOut bool `json:"timedOut,omitempty"`
	// ApprovedPence is the total approved.
	ApprovedPence int64 `json:"approvedPence"`
	// Decisions has one entry per pledge, in the order of Problem.Pledges.
	Decisions []Decision `json:"decisions"`
}

// Value returns the objective in score-weighted pounds: sum(score * approved
// pounds).
func (a *Allocation) Value() float64 {
	return float64(a.Objective) / WeightScale / 100
}

// prob is a validated problem with requests, suppliers and pledges in ID
// order, referred to by index.
type prob struct {
	reqID, supID []string
	need, limit  []int64
	pID          []string // filled by NewSession only: Allocate reads Problem.Pledges
	pReq, pSup   []int32
	pVal, pW     []int64
	pWhole       []bool
	pOrig        []int32 // index in Problem.Pledges
	// pCap is the most that can go through the pledge:
	// min(value, need, limit), 0 when the weight is 0.
	pCap         []int64
	byReq, bySup [][]int32
	// work is the flow solves' memory, and after the last one the first
	// of the explanations' (see decide)
	work scratch
}

const maxTotal = 1 << 61

// Allocate proposes how much of each pledge to approve so that the sum of
// weight * approved pence is as large as possible, no request gets more than
// its need and no supplier is committed beyond its limit. The answer depends
// only on the problem's content, not on the order of its slices. It returns
// an error wrapping ErrInvalid for duplicate or unknown IDs, negative
// amounts, scores outside [0,1], or totals too large for exact arithmetic.
func Allocate(pr Problem, opt Options) (*Allocation, error) {
	pb, err := newProb(pr)
	if err != nil {
		return nil, err
	}
	if opt.ExactWhole == 0 {
		opt.ExactWhole = 16
	}
	if opt.SearchRounds <= 0 {
		opt.SearchRounds = 8
	}
	var stop func() bool
	if opt.TimeLimit > 0 {
		deadline := time.Now().Add(opt.TimeLimit)
		stop = func() bool { return time.Now().After(deadline) }
	}
	// the decisions (2 MB at 20,000 pledges) are allocated before the
	// solve rather than after: a garbage collection their allocation
	// starts then marks while the flow solve runs, which allocates nothing,
	// instead of while the decisions are written, where every pointer
	// stored takes a write barrier and every allocation an assist (in
	// bench-matcher's runs, whose heap holds little besides the problem,
	// the median CPU at 20,000 pledges went from 6.6-6.7 ms to 5.9-6.3 ms
	// in three comparisons; the same at 5,000 and 100,000)
	dec := make([]Decision, len(pr.Pledges))
	return pb.resultIn(dec, pr, pb.solve(opt, stop)), nil
}

func newProb(pr Problem) (*prob, error) {
	nr, ns, np := len(pr.Requests), len(pr.Suppliers), len(pr.Pledges)
	pb := &prob{
		reqID: make([]string, 0, nr), need: make([]int64, 0, nr),
		supID: make([]string, 0, ns), limit: make([]int64, 0, ns),
		pReq: make([]int32, 0, np), pSup: make([]int32, 0, np),
		pVal: make([]int64, 0, np), pW: make([]int64, 0, np), pWhole: make([]bool, 0, np),
		pOrig: make([]int32, 0, np), pCap: make([]int64, 0, np),
	}
	reqIdx := make(map[string]int32, nr)
	var sumNeed, sumLimit int64
	for k, i := range idOrder(nr, func(i int) string { return pr.Requests[i].ID }) {
		r := pr.Requests[i]
		if r.ID == "" {
			return nil, invalidf("a request has no ID")
		}
		if k > 0 && pb.reqID[k-1] == r.ID {
			return nil, invalidf("request %s appears twice", r.ID)
		}
		if r.NeedPence < 0 || r.NeedPence > maxTotal {
			return nil, invalidf("request %s: need %d pence is out of range", r.ID, r.NeedPence)
		}
		sumNeed += r.NeedPence
		if sumNeed > maxTotal {
			return nil, invalidf("the needs add up to more than can be counted exactly")
		}
		reqIdx[r.ID] = int32(k)
		pb.reqID = append(pb.reqID, r.ID)
		pb.need = append(pb.need, r.NeedPence)
	}
	supIdx := make(map[string]int32, ns)
	for k, i := range idOrder(ns, func(i int) string { return pr.Suppliers[i].ID }) {
		s := pr.Suppliers[i]
		if s.ID == "" {
			return nil, invalidf("a supplier has no ID")
		}
		if k > 0 && pb.supID[k-1] == s.ID {
			return nil, invalidf("supplier %s appears twice", s.ID)
		}
		if s.LimitPence < 0 || s.LimitPence > maxTotal {
			return nil, invalidf("supplier %s: limit %d pence is out of range", s.ID, s.LimitPence)
		}
		sumLimit += s.LimitPence
		if sumLimit > maxTotal {
			return nil, invalidf("the supplier limits add up to more than can be counted exactly")
		}
		supIdx[s.ID] = int32(k)
		pb.supID = append(pb.supID, s.ID)
		pb.limit = append(pb.limit, s.LimitPence)
	}
	// the pledges are checked in two halves at once when there are many
	// (always two, whatever the machine, so the answer cannot depend on
	// it); an error of the first half is the first error in ID order
	order := idOrder(np, func(i int) string { return pr.Pledges[i].ID })
	pb.pReq, pb.pSup = pb.pReq[:np], pb.pSup[:np]
	pb.pVal, pb.pW, pb.pWhole, pb.pOrig, pb.pCap = pb.pVal[:np], pb.pW[:np], pb.pWhole[:np], pb.pOrig[:np], pb.pCap[:np]
	var totals [2]float64
	var errs [2]error
	parts := inParts(np, func(part, lo, hi int) {
		totals[part], errs[part] = pb.pledges(pr, order, lo, hi, reqIdx, supIdx)
	})
	var total float64
	for part := range parts {
		if errs[part] != nil {
			return nil, errs[part]
		}
		total += totals[part]
	}
	if total > maxTotal {
		return nil, invalidf("score times value adds up to more than can be counted exactly")
	}
	return pb, nil
}

// parallelMin is the number of pledges from which Allocate checks the input
// and writes the decisions in two halves at once.
const parallelMin = 50_000

// inParts calls f(0, 0, n), or, from parallelMin on, f(0, 0, n/2) and
// f(1, n/2, n) at once (always two, whatever the machine, so the answer
// cannot depend on it). It returns the number of parts. Below parallelMin
// no goroutine is started, and above it only one: handing work to another
// goroutine and waiting for it wakes a thread, and the scheduler's threads
// spin looking for work, which on a busy machine costs CPU time the size of
// a small Allocate's.
func inParts(n int, f func(part, lo, hi int)) int {
	if n < parallelMin {
		f(0, 0, n)
		return 1
	}
	var wg sync.WaitGroup
	wg.Go(func() { f(1, n/2, n) })
	f(0, 0, n/2)
	wg.Wait()
	return 2
}

// pledges checks and records the pledges order[lo:hi] (in ID order) at
// their places lo..hi-1 and returns the sum of their weight times capacity.
func (pb *prob) pledges(pr Problem, order []int32, lo, hi int, reqIdx, supIdx map[string]int32) (float64, error) {
	var total float64
	for k := lo; k < hi; k++ {
		i := order[k]
		p := &pr.Pledges[i]
		if p.ID == "" {
			return 0, invalidf("a pledge has no ID")
		}
		if k > 0 && pr.Pledges[order[k-1]].ID == p.ID {
			return 0, invalidf("pledge %s appears twice", p.ID)
		}
		r, ok := reqIdx[p.RequestID]
		if !ok {
			return 0, invalidf("pledge %s is for unknown request %q", p.ID, p.RequestID)
		}
		s, ok := supIdx[p.SupplierID]
		if !ok {
			return 0, invalidf("pledge %s is from unknown supplier %q", p.ID, p.SupplierID)
		}
		if p.ValuePence < 0 || p.ValuePence > maxTotal {
			return 0, invalidf("pledge %s: value %d pence is out of range", p.ID, p.ValuePence)
		}
		if math.IsNaN(p.Score) || p.Score < 0 || p.Score > 1 {
			return 0, invalidf("pledge %s: score %v is not between 0 and 1", p.ID, p.Score)
		}
		w := weightOf(p.Score)
		c := min(p.ValuePence, pb.need[r], pb.limit[s])
		if w == 0 {
			c = 0
		}
		total += float64(w) * float64(c)
		pb.pReq[k], pb.pSup[k], pb.pVal[k] = r, s, p.ValuePence
		pb.pW[k], pb.pWhole[k], pb.pOrig[k], pb.pCap[k] = w, !p.AllowPartial, i, c
	}
	return total, nil
}

// weightOf is the integer weight of a score.
func weightOf(score float64) int64 { return int64(math.Round(score * WeightScale)) }

// idOrder returns the positions 0..n-1 ordered by id (then position).
func idOrder(n int, id func(int) string) []int32 {
	order := make([]int32, n)
	sorted := true
	for i := range order {
		order[i] = int32(i)
		if i > 0 && id(i-1) > id(i) {
			sorted = false
		}
	}
	if !sorted {
		slices.SortStableFunc(order, func(a, b int32) int { return strings.Compare(id(int(a)), id(int(b))) })
	}
	return order
}

// index builds the lists of useful pledges by request and by supplier.
func (pb *prob) index() {
	if pb.byReq != nil {
		return
	}
	nReq := make([]int32, len(pb.need)+1)
	nSup := make([]int32, len(pb.limit)+1)
	for p, c := range pb.pCap {
		if c > 0 {
			nReq[pb.pReq[p]+1]++
			nSup[pb.pSup[p]+1]++
		}
	}
	for i := 1; i < len(nReq); i++ {
		nReq[i] += nReq[i-1]
	}
	for i := 1; i < len(nSup); i++ {
		nSup[i] += nSup[i-1]
	}
	flatR := make([]int32, nReq[len(nReq)-1])
	flatS := make([]int32, nSup[len(nSup)-1])
	pb.byReq = make([][]int32, len(pb.need))
	pb.bySup = make([][]int32, len(pb.limit))
	for r := range pb.byReq {
		pb.byReq[r] = flatR[nReq[r]:nReq[r]:nReq[r+1]]
	}
	for s := range pb.bySup {
		pb.bySup[s] = flatS[nSup[s]:nSup[s]:nSup[s+1]]
	}
	for p, c := range pb.pCap {
		if c > 0 {
			r, s := pb.pReq[p], pb.pSup[p]
			pb.byReq[r] = append(pb.byReq[r], int32(p))
			pb.bySup[s] = append(pb.bySup[s], int32(p))
		}
	}
}

// transport solves the flow problem over the pledges in pls, each with
// capacity caps[p], under the given needs and limits. It writes the optimal
// flow of each pledge in pls to out and returns sum(weight*flow).
func (pb *prob) transport(need, limit []int64, pls []int32, caps []int64, out []int64) int64 {
	return pb.transportPriced(need, limit, pls, caps, out, nil)
}

// transportPriced is transport that also writes, when price is not nil, the
// optimal dual price of each supplier's limit (in weight units per penny,
// >= 0; 0 for a supplier with no useful pledge in pls).
func (pb *prob) transportPriced(need, limit []int64, pls []int32, caps []int64, out, price []int64) int64 {
	clear(price)
	// Nodes: suppliers, then requests, in index order, then the root; arcs
	// in pledge order, then the slack arcs of the first basis. The arrays
	// are carved from pb.work, sized for every request and supplier.
	nr, ns := len(need), len(limit)
	pb.work.reset(2*words[int32](nr) + 2*words[int32](ns) + words[bool](ns) + words[int32](len(pls)) +
		flowNetWords(nr+ns+1, len(pls)+nr+ns))
	reqNode := carve[int32](&pb.work, nr)
	supNode := carve[int32](&pb.work, ns)
	supUsed := carve[bool](&pb.work, ns)
	arcs := carve[int32](&pb.work, len(pls))[:0] // the pledges that can carry flow
	for _, p := range pls {
		out[p] = 0
		r, s := pb.pReq[p], pb.pSup[p]
		if caps[p] > 0 && need[r] > 0 && limit[s] > 0 {
			supUsed[s] = true
			reqNode[r] = 1
			arcs = append(arcs, p)
		}
	}
	if len(arcs) == 0 {
		return 0
	}
	sups, reqs := carve[int32](&pb.work, ns)[:0], carve[int32](&pb.work, nr)[:0]
	for s := range limit {
		if supUsed[s] {
			supNode[s] = int32(len(sups))
			sups = append(sups, int32(s))
		}
	}
	for r, used := range reqNode {
		if used != 0 {
			reqs = append(reqs, int32(r))
		}
	}
	for i, r := range reqs {
		reqNode[r] = int32(len(sups) + i)
	}
	n := len(sups) + len(reqs) + 1
	root := n - 1
	g := newFlowNetIn(&pb.work, n, len(arcs)+n-1)
	for _, p := range arcs {
		r, s := pb.pReq[p], pb.pSup[p]
		g.addArc(int(supNode[s]), int(reqNode[r]), min(caps[p], need[r], limit[s]), -pb.pW[p])
	}
	for i, s := range sups {
		e := g.addArc(i, root, infCap, 0)
		g.setTreeArc(i, e, limit[s])
	}
	for i, r := range reqs {
		u := len(sups) + i
		e := g.addArc(root, u, infCap, 0)
		g.setTreeArc(u, e, need[r])
	}
	g.solve()
	for i, s := range sups {
		if price != nil {
			// the reduced cost -pi(s) + pi(root) of the arc s -> root is
			// >= 0 at the optimum, and pi(root) = 0
			price[s] = -g.pi[i]
		}
	}
	var obj int64
	for k, p := range arcs {
		out[p] = g.flow[k]
		obj += pb.pW[p] * g.flow[k]
	}
	return obj
}
