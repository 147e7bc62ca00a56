package matcher

import (
	"math"
	"slices"
)

// Session keeps the flow solution of an allocation so that the proposal
// after a few pledges change starts from it (a warm start) instead of from
// nothing. It holds for problems in which every pledge may be approved in
// part (the flow problem); NewSession and SetPledge refuse a whole pledge
// with ErrInvalid, and the caller then uses Allocate.
//
// How the previous solution is reused: the network simplex keeps its
// spanning tree, flows and potentials. A changed score changes its arc's
// cost (the potentials below the arc move with it when the arc is in the
// tree, so the tree stays a basis); a changed value changes its capacity; a
// new pledge is a new arc at flow 0. When an arc's flow has to fall (its
// capacity fell below it, or it sat at its old capacity), the flow it can no
// longer carry from supplier s to request r is put on a new arc s -> r of
// cost 0 and exactly that capacity, at its upper bound. Such an arc costs
// what the path s -> root -> r through the two slack arcs costs (nothing),
// so it does not change the optimum, and the basis stays feasible. The
// simplex then pivots from there. Only the decisions of the requests and
// suppliers whose amounts changed are written again.
//
// The answer is optimal, with the same objective as Allocate's; when
// several allocations are optimal it may be another of them than Allocate
// would pick, since it depends on where the search started.
type Session struct {
	pb   *prob
	g    *flowNet
	arc  []int32 // pledge -> its arc
	gone []bool  // pledge removed
	// order lists the pledges in the order of Allocation.Decisions
	order  []int32
	pledge map[string]int32
	reqIdx map[string]int32
	supIdx map[string]int32
	x      []int64
	// touchR and touchS mark the requests and suppliers whose decisions
	// must be written again, listed in touched
	touchR, touchS []bool
	touched        []int32 // request r as r, supplier s as -1-s
	lastOrder      []int32 // order when last was made
	last           *Allocation
	// fresh is set when the network has to be built again (after too
	// many artificial arcs, or a warm solve that ran too long)
	fresh       bool
	artificials int
	// limits of the warm solve, past which the network is built again:
	// pivots per arc, and cost-0 arcs piled up (fields so that tests can
	// make them small)
	pivotsPerArc, maxArtificials int
}

// NewSession solves pr from nothing and keeps the solution. It returns an
// error wrapping ErrInvalid for the inputs Allocate refuses, and for a
// whole pledge.
func NewSession(pr Problem) (*Session, *Allocation, error) {
	pb, err := newProb(pr)
	if err != nil {
		return nil, nil, err
	}
	// a session keeps the IDs by index, for the pledges it adds
	pb.pID = make([]string, len(pb.pOrig))
	for p, o := range pb.pOrig {
		pb.pID[p] = pr.Pledges[o].ID
	}
	for p, whole := range pb.pWhole {
		if whole {
			return nil, nil, invalidf("pledge %s must be approved whole: a session needs every pledge partial", pb.pID[p])
		}
	}
	s := &Session{pb: pb, pledge: make(map[string]int32, len(pb.pID)),
		reqIdx: make(map[string]int32, len(pb.reqID)), supIdx: make(map[string]int32, len(pb.supID)),
		order: make([]int32, len(pb.pID)), gone: make([]bool, len(pb.pID)),
		touchR: make([]bool, len(pb.reqID)), touchS: make([]bool, len(pb.supID)),
		pivotsPerArc: warmPivots, maxArtificials: maxArtificials}
	for r, id := range pb.reqID {
		s.reqIdx[id] = int32(r)
	}
	for i, id := range pb.supID {
		s.supIdx[id] = int32(i)
	}
	for p, id := range pb.pID {
		s.pledge[id] = int32(p)
		s.order[pb.pOrig[p]] = int32(p)
	}
	s.build()
	s.readFlows()
	s.last = pb.result(pr, s.outcome())
	s.lastOrder = slices.Clone(s.order)
	return s, s.last, nil
}

// build makes the network of every pledge, request and supplier and solves
// it: nodes are the suppliers, then the requests, then the root; arcs are
// the pledges, then the slack arcs of the first basis.
func (s *Session) build() {
	pb := s.pb
	ns, nr := len(pb.supID), len(pb.reqID)
	g := newFlowNet(ns+nr+1, len(pb.pID)+ns+nr)
	s.arc = slices.Grow(s.arc[:0], len(pb.pID))[:len(pb.pID)]
	for p := range pb.pID {
		s.arc[p] = g.addArc(int(pb.pSup[p]), ns+int(pb.pReq[p]), pb.pCap[p], -pb.pW[p])
	}
	root := ns + nr
	for i := range ns {
		g.setTreeArc(i, g.addArc(i, root, infCap, 0), pb.limit[i])
	}
	for r := range nr {
		g.setTreeArc(ns+r, g.addArc(root, ns+r, infCap, 0), pb.need[r])
	}
	g.solve()
	s.g, s.fresh, s.artificials = g, false, 0
}

// warmPivots bounds the pivots of a warm solve, per arc (a cold solve of
// the bench instances takes about one for every three arcs); past it the
// network is built again and solved from nothing, which cannot cycle.
const warmPivots = 1

// maxArtificials is how many cost-0 arcs may pile up before the network is
// built again.
const maxArtificials = 1024

// SetPledge adds the pledge, or changes the one with its ID. The request
// and supplier must be in the session's problem.
func (s *Session) SetPledge(ap AllocPledge) error {
	pb := s.pb
	if !ap.AllowPartial {
		return invalidf("pledge %s must be approved whole: a session needs every pledge partial", ap.ID)
	}
	r, ok := s.reqIdx[ap.RequestID]
	if !ok {
		return invalidf("pledge %s is for unknown request %q", ap.ID, ap.RequestID)
	}
	sup, ok := s.supIdx[ap.SupplierID]
	if !ok {
		return invalidf("pledge %s is from unknown supplier %q", ap.ID, ap.SupplierID)
	}
	w, c, err := pb.weighCap(ap, r, sup)
	if err != nil {
		return err
	}
	p, ok := s.pledge[ap.ID]
	if ok && s.gone[p] {
		s.gone[p] = false
		s.order = append(s.order, p)
	}
	if ok && (pb.pReq[p] != r || pb.pSup[p] != sup) {
		// moved to another request or supplier: a new arc
		s.setCap(p, 0)
		s.touch(p)
		pb.pReq[p], pb.pSup[p] = r, sup
		s.arc[p] = s.g.addLiveArc(int(sup), len(pb.supID)+int(r), 0, -w)
		pb.pW[p] = w
	}
	if !ok {
		p = int32(len(pb.pID))
		pb.pID = append(pb.pID, ap.ID)
		pb.pReq, pb.pSup = append(pb.pReq, r), append(pb.pSup, sup)
		pb.pVal, pb.pW, pb.pCap = append(pb.pVal, ap.ValuePence), append(pb.pW, w), append(pb.pCap, 0)
		pb.pWhole, pb.pOrig = append(pb.pWhole, false), append(pb.pOrig, int32(len(s.order)))
		s.pledge[ap.ID] = p
		s.gone = append(s.gone, false)
		s.x = append(s.x, 0)
		s.order = append(s.order, p)
		s.arc = append(s.arc, s.g.addLiveArc(int(sup), len(pb.supID)+int(r), 0, -w))
	}
	pb.pVal[p] = ap.ValuePence
	s.setCost(p, w)
	s.setCap(p, c)
	s.touch(p)
	return nil
}

// RemovePledge takes the pledge out of the problem.
func (s *Session) RemovePledge(id string) error {
	p, ok := s.pledge[id]
	if !ok || s.gone[p] {
		return invalidf("no pledge %s in the session", id)
	}
	s.setCap(p, 0)
	s.gone[p] = true
	s.order = deleteValue(s.order, p)
	s.touch(p)
	return nil
}

// touch marks the request and supplier of pledge p.
func (s *Session) touch(p int32) {
	r, sp := s.pb.pReq[p], s.pb.pSup[p]
	if !s.touchR[r] {
		s.touchR[r] = true
		s.touched = append(s.touched, r)
	}
	if !s.touchS[sp] {
		s.touchS[sp] = true
		s.touched = append(s.touched, -1-sp)
	}
}

func deleteValue(list []int32, v int32) []int32 {
	if i := slices.Index(list, v); i >= 0 {
		return slices.Delete(list, i, i+1)
	}
	return list
}

// weighCap checks a pledge's value and score and returns its weight and
// capacity as newProb computes them.
func (pb *prob) weighCap(ap AllocPledge, r, s int32) (w, c int64, err error) {
	if ap.ID == "" {
		return 0, 0, invalidf("a pledge has no ID")
	}
	if ap.ValuePence < 0 || ap.ValuePence > maxTotal {
		return 0, 0, invalidf("pledge %s: value %d pence is out of range", ap.ID, ap.ValuePence)
	}
	if math.IsNaN(ap.Score) || ap.Score < 0 || ap.Score > 1 {
		return 0, 0, invalidf("pledge %s: score %v is not between 0 and 1", ap.ID, ap.Score)
	}
	w = weightOf(ap.Score)
	c = min(ap.ValuePence, pb.need[r], pb.limit[s])
	if w == 0 {
		c = 0
	}
	return w, c, nil
}

// setCost gives pledge p weight w.
func (s *Session) setCost(p int32, w int64) {
	s.pb.pW[p] = w
	s.g.setCost(s.arc[p], -w)
}

// setCap gives pledge p capacity c, moving the flow it can no longer carry
// to a cost-0 arc at its upper bound.
func (s *Session) setCap(p int32, c int64) {
	s.pb.pCap[p] = c
	if moved := s.g.setCapa(s.arc[p], c); moved > 0 {
		pb := s.pb
		e := s.g.addLiveArc(int(pb.pSup[p]), len(pb.supID)+int(pb.pReq[p]), moved, 0)
		s.g.state[e], s.g.flow[e] = stateUpper, moved
		s.artificials++
	}
}

// Allocate re-solves from the previous solution and returns the proposal
// for the session's pledges as they now are.
func (s *Session) Allocate() *Allocation {
	if s.artificials > s.maxArtificials {
		s.fresh = true
	}
	if !s.fresh && !s.g.resume(s.pivotsPerArc*len(s.g.arcs)) {
		s.fresh = true
	}
	if s.fresh {
		s.rebuild()
	}
	// the decisions to write again: those of the requests and suppliers
	// whose amounts changed, and of the changed pledges
	for p, e := range s.arc {
		if f := s.g.flow[e]; f != s.x[p] {
			s.x[p] = f
			s.touch(int32(p))
		}
	}
	s.last = s.decide()
	s.lastOrder = append(s.lastOrder[:0], s.order...)
	for _, k := range s.touched {
		if k >= 0 {
			s.touchR[k] = false
		} else {
			s.touchS[-1-k] = false
		}
	}
	s.touched = s.touched[:0]
	return s.last
}

// rebuild drops the network and solves the session's pledges from nothing.
func (s *Session) rebuild() {
	pb := s.pb
	for p := range pb.pCap {
		if s.gone[p] {
			pb.pCap[p] = 0
		}
	}
	s.build()
}

// readFlows reads the pledges' flows off the network.
func (s *Session) readFlows() {
	s.x = slices.Grow(s.x[:0], len(s.arc))[:len(s.arc)]
	for p, e := range s.arc {
		s.x[p] = s.g.flow[e]
	}
}

func (s *Session) outcome() outcome {
	var obj int64
	for p, v := range s.x {
		obj += s.pb.pW[p] * v
	}
	return outcome{x: s.x, obj: obj, bound: obj, kind: BoundOptimum, optimal: true}
}

// decide writes the allocation, taking the decisions of the pledges of
// untouched requests and suppliers from the previous one.
func (s *Session) decide() *Allocation {
	pb := s.pb
	out := s.outcome()
	a := &Allocation{Objective: out.obj, Bound: out.obj, BoundKind: BoundOptimum, Optimal: true,
		Decisions: make([]Decision, len(s.order))}
	reqRes := slices.Clone(pb.need)
	supRes := slices.Clone(pb.limit)
	for p, v := range s.x {
		reqRes[pb.pReq[p]] -= v
		supRes[pb.pSup[p]] -= v
		a.ApprovedPence += v
	}
	// order is lastOrder less the pledges removed since, then the pledges
	// added (or added again) since: walking both in step finds each kept
	// pledge's previous decision
	prev, prevOrder := s.last.Decisions, s.lastOrder
	j := 0
	var buf []byte
	for i, p := range s.order {
		for j < len(prevOrder) && prevOrder[j] != p {
			j++
		}
		r, sp := pb.pReq[p], pb.pSup[p]
		if j < len(prevOrder) {
			j++
			if !s.touchR[r] && !s.touchS[sp] {
				a.Decisions[i] = prev[j-1]
				continue
			}
		}
		d := &a.Decisions[i]
		d.PledgeID, d.RequestID, d.SupplierID = pb.pID[p], pb.reqID[r], pb.supID[sp]
		d.ValuePence, d.ApprovedPence, d.Weight = pb.pVal[p], s.x[p], pb.pW[p]
		if s.x[p] < pb.pVal[p] {
			d.Reason, buf = pb.reason(buf[:0], int(p), s.x[p], reqRes[r], supRes[sp])
			d.Explanation = string(buf)
		}
	}
	return a
}
