package matcher

import (
	"cmp"
	"math"
	"slices"
	"strings"
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
	// Bound is the flow optimum with every pledge allowed to be partial: no
	// allocation can beat it. It equals Objective when every pledge allows
	// partial approval.
	Bound int64 `json:"bound"`
	// Gap is (Bound - Objective) / Bound, 0 when Bound is 0.
	Gap float64 `json:"gap"`
	// Optimal reports that Objective is proven best: Gap is 0 or the
	// search was exhaustive.
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
	pID          []string
	pReq, pSup   []int32
	pVal, pW     []int64
	pWhole       []bool
	pOrig        []int // index in Problem.Pledges
	// pCap is the most that can go through the pledge:
	// min(value, need, limit), 0 when the weight is 0.
	pCap []int64
	byReq, bySup [][]int32
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
	x, bound, objective, optimal, timedOut := pb.solve(opt, stop)
	return pb.result(pr, x, bound, objective, optimal, timedOut), nil
}

func newProb(pr Problem) (*prob, error) {
	pb := &prob{}
	reqIdx := make(map[string]int32, len(pr.Requests))
	reqs := slices.Clone(pr.Requests)
	slices.SortFunc(reqs, func(a, b AllocRequest) int { return strings.Compare(a.ID, b.ID) })
	var sumNeed, sumLimit int64
	for i, r := range reqs {
		if r.ID == "" {
			return nil, invalidf("a request has no ID")
		}
		if i > 0 && reqs[i-1].ID == r.ID {
			return nil, invalidf("request %s appears twice", r.ID)
		}
		if r.NeedPence < 0 || r.NeedPence > maxTotal {
			return nil, invalidf("request %s: need %d pence is out of range", r.ID, r.NeedPence)
		}
		sumNeed += r.NeedPence
		if sumNeed > maxTotal {
			return nil, invalidf("the needs add up to more than can be counted exactly")
		}
		reqIdx[r.ID] = int32(i)
		pb.reqID = append(pb.reqID, r.ID)
		pb.need = append(pb.need, r.NeedPence)
	}
	supIdx := make(map[string]int32, len(pr.Suppliers))
	sups := slices.Clone(pr.Suppliers)
	slices.SortFunc(sups, func(a, b AllocSupplier) int { return strings.Compare(a.ID, b.ID) })
	for i, s := range sups {
		if s.ID == "" {
			return nil, invalidf("a supplier has no ID")
		}
		if i > 0 && sups[i-1].ID == s.ID {
			return nil, invalidf("supplier %s appears twice", s.ID)
		}
		if s.LimitPence < 0 || s.LimitPence > maxTotal {
			return nil, invalidf("supplier %s: limit %d pence is out of range", s.ID, s.LimitPence)
		}
		sumLimit += s.LimitPence
		if sumLimit > maxTotal {
			return nil, invalidf("the supplier limits add up to more than can be counted exactly")
		}
		supIdx[s.ID] = int32(i)
		pb.supID = append(pb.supID, s.ID)
		pb.limit = append(pb.limit, s.LimitPence)
	}
	order := make([]int, len(pr.Pledges))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int {
		return cmp.Or(strings.Compare(pr.Pledges[a].ID, pr.Pledges[b].ID), cmp.Compare(a, b))
	})
	pb.byReq = make([][]int32, len(reqs))
	pb.bySup = make([][]int32, len(sups))
	var total float64
	for k, i := range order {
		p := pr.Pledges[i]
		if p.ID == "" {
			return nil, invalidf("a pledge has no ID")
		}
		if k > 0 && pb.pID[k-1] == p.ID {
			return nil, invalidf("pledge %s appears twice", p.ID)
		}
		r, ok := reqIdx[p.RequestID]
		if !ok {
			return nil, invalidf("pledge %s is for unknown request %q", p.ID, p.RequestID)
		}
		s, ok := supIdx[p.SupplierID]
		if !ok {
			return nil, invalidf("pledge %s is from unknown supplier %q", p.ID, p.SupplierID)
		}
		if p.ValuePence < 0 || p.ValuePence > maxTotal {
			return nil, invalidf("pledge %s: value %d pence is out of range", p.ID, p.ValuePence)
		}
		if math.IsNaN(p.Score) || p.Score < 0 || p.Score > 1 {
			return nil, invalidf("pledge %s: score %v is not between 0 and 1", p.ID, p.Score)
		}
		w := int64(math.Round(p.Score * WeightScale))
		c := min(p.ValuePence, pb.need[r], pb.limit[s])
		if w == 0 {
			c = 0
		}
		total += float64(w) * float64(c)
		pb.pID = append(pb.pID, p.ID)
		pb.pReq = append(pb.pReq, r)
		pb.pSup = append(pb.pSup, s)
		pb.pVal = append(pb.pVal, p.ValuePence)
		pb.pW = append(pb.pW, w)
		pb.pWhole = append(pb.pWhole, !p.AllowPartial)
		pb.pOrig = append(pb.pOrig, i)
		pb.pCap = append(pb.pCap, c)
		if c > 0 {
			pb.byReq[r] = append(pb.byReq[r], int32(k))
			pb.bySup[s] = append(pb.bySup[s], int32(k))
		}
	}
	if total > maxTotal {
		return nil, invalidf("score times value adds up to more than can be counted exactly")
	}
	return pb, nil
}

// transport solves the flow problem over the pledges in pls, each with
// capacity caps[p], under the given needs and limits. It writes the optimal
// flow of each pledge in pls to out and returns sum(weight*flow).
func (pb *prob) transport(need, limit []int64, pls []int32, caps []int64, out []int64) int64 {
	reqNode := make([]int32, len(need))
	supNode := make([]int32, len(limit))
	for i := range reqNode {
		reqNode[i] = -1
	}
	for i := range supNode {
		supNode[i] = -1
	}
	// number the nodes in pledge order, so numbering is deterministic
	var reqs, sups []int32
	for _, p := range pls {
		out[p] = 0
		r, s := pb.pReq[p], pb.pSup[p]
		if caps[p] <= 0 || need[r] <= 0 || limit[s] <= 0 {
			continue
		}
		if supNode[s] < 0 {
			supNode[s] = int32(len(sups))
			sups = append(sups, s)
		}
		if reqNode[r] < 0 {
			reqNode[r] = 0
			reqs = append(reqs, r)
		}
	}
	for i, r := range reqs {
		reqNode[r] = int32(len(sups) + i)
	}
	n := len(sups) + len(reqs) + 1
	if n == 1 {
		return 0
	}
	root := n - 1
	arcs := make([]int32, 0, len(pls))
	g := newFlowNet(n, len(pls)+n-1)
	for _, p := range pls {
		r, s := pb.pReq[p], pb.pSup[p]
		if caps[p] <= 0 || need[r] <= 0 || limit[s] <= 0 {
			continue
		}
		c := min(caps[p], need[r], limit[s])
		g.addArc(int(supNode[s]), int(reqNode[r]), c, -pb.pW[p])
		arcs = append(arcs, p)
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
	var obj int64
	for k, p := range arcs {
		out[p] = g.flow[k]
		obj += pb.pW[p] * g.flow[k]
	}
	return obj
}
