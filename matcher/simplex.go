package matcher

import "math"

// This file is a primal network simplex for min-cost flow, written from the
// textbook description of the method (R. K. Ahuja, T. L. Magnanti and
// J. B. Orlin, "Network Flows: Theory, Algorithms, and Applications",
// Prentice Hall 1993, chapter 11).
//
// A basic solution is a spanning tree T plus, for every non-tree arc, a bound
// (lower: flow 0, upper: flow = capacity). Node potentials pi make the reduced
// cost c_ij - pi(i) + pi(j) of every tree arc zero (pi(root) = 0). One
// iteration (a pivot):
//
//  1. entering arc: an arc at its lower bound with negative reduced cost or
//     at its upper bound with positive reduced cost. The arcs are priced in
//     blocks of a fixed size (0.1*sqrt(m), at least 10), cyclically from
//     where the previous search stopped, and the most violating arc of the
//     first block that has one enters (block search pricing, a partial
//     pricing rule in the family of AMO's candidate list rules).
//  2. the entering arc closes a cycle with the tree paths from its two ends
//     up to their apex (nearest common ancestor, found with the depths). The
//     flow change delta is the least residual capacity around the cycle in
//     the direction the entering arc pushes flow; the leaving arc is the
//     last blocking arc met when the cycle is traversed in that direction
//     from the apex. With that rule a strongly feasible tree (every node can
//     send a positive amount of flow to the root along its tree path) stays
//     strongly feasible, so the method cannot cycle even on degenerate
//     pivots (AMO section 11.6).
//  3. the flow on the cycle changes by delta; removing the leaving arc cuts
//     the tree in two, and the part T2 that does not contain the root is
//     hung again from the entering arc: the tree path from the entering
//     arc's end in T2 up to the old top of T2 is reversed. All potentials in
//     T2 change by the same amount (the entering arc's reduced cost), and
//     the depths in T2 are recomputed, by one depth-first walk of T2.
//
// The tree is kept per node: its parent, the arc to its parent with that
// arc's orientation, capacity and flow (so the walks round a cycle touch
// only node records), its depth, and its children in a doubly linked sibling
// list, so that moving a node to another parent is O(1) and T2 can be walked
// with an explicit stack. The flow of a tree arc lives in its child's record
// and is written back to the arc when the arc leaves the tree or the solve
// ends.
//
// The caller provides the first basis: every node but the root has a tree
// arc to the root with a flow that satisfies the supplies and makes the tree
// strongly feasible (zero flow only on an arc towards the root, no arc at
// capacity unless it points away from the root). No artificial arcs are
// needed.

const infCap = math.MaxInt64

// Bound state of an arc. stateLower and stateUpper are also the sign that
// makes a violating reduced cost negative.
const (
	stateUpper int8 = -1
	stateTree  int8 = 0
	stateLower int8 = 1
)

// flowNet is a network whose initial basis is given by setTreeArc. The root
// is the last node.
type flowNet struct {
	n    int
	root int32

	// arcs: ends and cost packed together for pricing's locality
	arcs  []pricedArc
	capa  []int64
	flow  []int64 // of tree arcs: in node[child].flow until solve ends
	state []int8

	// spanning tree
	pi    []int64
	node  []treeNode
	child []int32 // first child, -1 if none
	next  []int32 // next sibling, -1 if last
	prev  []int32 // previous sibling, -1 if first
	stack []int32

	// block search pricing
	block   int
	nextArc int
	enterRC int64 // reduced cost of the arc findEnteringArc returned
}

// treeNode is a node's place in the spanning tree and the state of its tree
// arc.
type treeNode struct {
	parent int32 // -1 for the root
	arc    int32 // the arc joining the node to its parent
	depth  int32
	up     bool  // arc goes from the node to its parent
	capa   int64 // arc's capacity
	flow   int64 // arc's flow
}

// pricedArc is an arc's ends and cost, what pricing reads of it.
type pricedArc struct {
	source, target int32
	cost           int64
}

// newFlowNet makes a network of n nodes (the last is the root) and room for
// m arcs.
func newFlowNet(n, m int) *flowNet {
	var s scratch
	s.reset(flowNetWords(n, m))
	return newFlowNetIn(&s, n, m)
}

// flowNetWords is the scratch newFlowNetIn takes.
func flowNetWords(n, m int) int {
	return words[pricedArc](m) + 2*words[int64](m) + words[int8](m) + words[int64](n) + words[treeNode](n) + 4*words[int32](n)
}

// newFlowNetIn is newFlowNet with the arrays carved from s (see
// flowNetWords). Arcs added past m, and a stack deeper than n (which the
// walks never need), go to new arrays.
func newFlowNetIn(s *scratch, n, m int) *flowNet {
	g := &flowNet{
		n:     n,
		root:  int32(n - 1),
		arcs:  carve[pricedArc](s, m)[:0],
		capa:  carve[int64](s, m)[:0],
		flow:  carve[int64](s, m)[:0],
		state: carve[int8](s, m)[:0],
		pi:    carve[int64](s, n),
		node:  carve[treeNode](s, n),
		child: carve[int32](s, n),
		next:  carve[int32](s, n),
		prev:  carve[int32](s, n),
		stack: carve[int32](s, n)[:0],
	}
	for u := range g.node {
		g.node[u].parent, g.node[u].arc = -1, -1
	}
	return g
}

// addArc adds an arc at its lower bound (flow 0) and returns its index.
// A capacity of infCap means the arc is uncapacitated.
func (g *flowNet) addArc(from, to int, capacity, cost int64) int32 {
	e := int32(len(g.arcs))
	g.arcs = append(g.arcs, pricedArc{int32(from), int32(to), cost})
	g.capa = append(g.capa, capacity)
	g.flow = append(g.flow, 0)
	g.state = append(g.state, stateLower)
	return e
}

// setTreeArc makes arc e, joining u and the root, u's tree arc with the
// given flow. Every node but the root must get one before solve. (Any
// spanning tree given this way works, as long as it is strongly feasible:
// e may join u to any node, provided the arcs form a tree.)
func (g *flowNet) setTreeArc(u int, e int32, flow int64) {
	p := g.arcs[e].source
	if int(p) == u {
		p = g.arcs[e].target
	}
	g.node[u].parent = p
	g.node[u].arc = e
	g.flow[e] = flow
	g.state[e] = stateTree
}

// solve runs the network simplex to optimality. It returns false if the
// problem is unbounded (a negative cycle of infinite capacity), which the
// allocation never builds.
func (g *flowNet) solve() bool {
	g.prepare()
	defer g.storeTreeFlows()
	for {
		e := g.findEnteringArc()
		if e < 0 {
			return true
		}
		if !g.pivot(e) {
			return false
		}
	}
}

// blockFactor times sqrt(m) is the pricing block size (at least blockMin).
// Small blocks price fewer arcs per pivot at the cost of more pivots; on
// the allocation networks pivots are cheap, so small blocks win. Counted on
// the bench-matcher instances (seed 1), 0.03 against 0.1: at 1,000,000
// pledges 20.7 million arcs priced instead of 38.1 million for 165,194
// pivots instead of 128,685 (the pivots' tree walks total under a million
// steps either way), CPU time of the solve 420 ms instead of 618 ms; at
// 100,000 pledges 1.56 million instead of 3.21 million; at 20,000 0.29
// million instead of 0.40 million; at 5,000 the same (the block is
// blockMin).
const (
	blockFactor = 0.03
	blockMin    = 10
)

// prepare sets up the first tree and the pricing.
func (g *flowNet) prepare() {
	g.initTree()
	g.block = max(int(blockFactor*math.Sqrt(float64(len(g.arcs)))), blockMin)
	g.nextArc = 0
}

// storeTreeFlows writes the flows of the tree arcs back to the arcs.
func (g *flowNet) storeTreeFlows() {
	for u := range g.node {
		if t := &g.node[u]; t.arc >= 0 && int32(u) != g.root {
			g.flow[t.arc] = t.flow
		}
	}
}

// initTree fills the node records from the tree arcs, builds the child
// lists in node order, and sets the depths and potentials by a walk from
// the root.
func (g *flowNet) initTree() {
	for u := range g.n {
		g.child[u], g.next[u], g.prev[u] = -1, -1, -1
	}
	for u := g.n - 1; u >= 0; u-- {
		if int32(u) == g.root {
			continue
		}
		t := &g.node[u]
		if t.arc < 0 {
			panic("matcher: flowNet node without a tree arc")
		}
		t.up = g.arcs[t.arc].source == int32(u)
		t.capa, t.flow = g.capa[t.arc], g.flow[t.arc]
		g.attach(int32(u), t.parent)
	}
	g.node[g.root] = treeNode{parent: -1, arc: -1}
	g.pi[g.root] = 0
	seen := 1
	stack := append(g.stack[:0], g.root)
	for len(stack) > 0 {
		u := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for c := g.child[u]; c >= 0; c = g.next[c] {
			t := &g.node[c]
			t.depth = g.node[u].depth + 1
			if t.up { // c -> u: cost - pi(c) + pi(u) = 0
				g.pi[c] = g.pi[u] + g.arcs[t.arc].cost
			} else { // u -> c: cost - pi(u) + pi(c) = 0
				g.pi[c] = g.pi[u] - g.arcs[t.arc].cost
			}
			stack = append(stack, c)
			seen++
		}
	}
	g.keepStack(stack)
	if seen != g.n {
		panic("matcher: flowNet tree arcs do not form a spanning tree")
	}
}

// keepStack keeps stack's array for the next walk. It stores only a grown
// one: a pointer stored into g while the garbage collector marks takes a
// write barrier, and the walk ends every pivot.
func (g *flowNet) keepStack(stack []int32) {
	if cap(stack) != cap(g.stack) {
		g.stack = stack[:0]
	}
}

// attach makes v the first child of p.
func (g *flowNet) attach(v, p int32) {
	f := g.child[p]
	g.next[v] = f
	g.prev[v] = -1
	if f >= 0 {
		g.prev[f] = v
	}
	g.child[p] = v
}

// detach removes v from its parent's child list.
func (g *flowNet) detach(v int32) {
	pv, nv := g.prev[v], g.next[v]
	if pv >= 0 {
		g.next[pv] = nv
	} else {
		g.child[g.node[v].parent] = nv
	}
	if nv >= 0 {
		g.prev[nv] = pv
	}
}

// findEnteringArc is the block search: it prices blocks of g.block arcs
// from g.nextArc on and returns the most violating arc of the first block
// that has one, or -1 when no arc violates optimality.
func (g *flowNet) findEnteringArc() int32 {
	m := len(g.arcs)
	arcs, state, pi := g.arcs[:m], g.state[:m], g.pi
	best, bestV, bestRC := int32(-1), int64(0), int64(0)
	left := g.block
	start := g.nextArc
	// Two passes: start..m-1, then 0..start-1.
	for pass := range 2 {
		lo, hi := start, m
		if pass == 1 {
			lo, hi = 0, start
		}
		for e := lo; e < hi; e++ {
			// the state is the sign that makes a violating reduced cost
			// negative, and 0 for a tree arc: no branch on it
			a := &arcs[e]
			s := int64(state[e])
			if v := s * (a.cost - pi[a.source] + pi[a.target]); v < bestV {
				bestV, bestRC, best = v, s*v, int32(e)
			}
			left--
			if left == 0 {
				if best >= 0 {
					g.nextArc = e + 1
					if g.nextArc == m {
						g.nextArc = 0
					}
					g.enterRC = bestRC
					return best
				}
				left = g.block
			}
		}
	}
	g.enterRC = bestRC
	return best
}

// residual is how much more flow x's tree arc can carry from x to its
// parent (up) or from its parent to x (!up); infCap if unlimited.
func (t *treeNode) residual(up bool) int64 {
	if t.up == up {
		if t.capa == infCap {
			return infCap
		}
		return t.capa - t.flow
	}
	return t.flow
}

// pivot brings arc e, whose reduced cost is g.enterRC, into the tree. It
// returns false if the cycle it closes has infinite capacity (the problem
// is unbounded).
func (g *flowNet) pivot(e int32) bool {
	nodes := g.node
	// Flow is pushed round the cycle from a to b along e, then from b up
	// to the apex, then down from the apex to a.
	a, b := g.arcs[e].source, g.arcs[e].target
	lower := g.state[e] == stateLower
	resE := int64(infCap)
	if lower {
		if g.capa[e] != infCap {
			resE = g.capa[e] - g.flow[e]
		}
	} else {
		a, b = b, a
		resE = g.flow[e]
	}

	// Walk up from a and b to the apex. On a's side flow goes down the
	// tree (parent -> node), on b's side up (node -> parent). The cycle,
	// traversed from the apex, meets a's side from the apex down to a,
	// then e, then b's side from b up to the apex; the leaving arc is the
	// last blocking arc in that order: on a's side the blocking arc
	// nearest a (strict <, walking up from a), on b's side the one nearest
	// the apex (<=, walking up from b), and b's side after e after a's.
	aMin, bMin := int64(infCap), int64(infCap)
	aLeave, bLeave := int32(-1), int32(-1)
	u, v := a, b
	for u != v {
		tu, tv := &nodes[u], &nodes[v]
		if tu.depth >= tv.depth {
			if r := tu.residual(false); r < aMin {
				aMin, aLeave = r, u
			}
			u = tu.parent
		} else {
			if r := tv.residual(true); r <= bMin {
				bMin, bLeave = r, v
			}
			v = tv.parent
		}
	}
	apex := u

	delta, leave, onA := aMin, aLeave, true
	if resE <= delta {
		delta, leave = resE, -1
	}
	if bMin <= delta {
		delta, leave, onA = bMin, bLeave, false
	}
	if delta == infCap {
		return false
	}

	if delta > 0 {
		if lower {
			g.flow[e] += delta
		} else {
			g.flow[e] -= delta
		}
		for x := a; x != apex; {
			t := &nodes[x]
			if t.up {
				t.flow -= delta
			} else {
				t.flow += delta
			}
			x = t.parent
		}
		for x := b; x != apex; {
			t := &nodes[x]
			if t.up {
				t.flow += delta
			} else {
				t.flow -= delta
			}
			x = t.parent
		}
	}

	if leave < 0 {
		// e itself blocks: it moves to its other bound, the tree stays.
		g.state[e] = -g.state[e]
		return true
	}

	tl := &nodes[leave]
	g.flow[tl.arc] = tl.flow
	if tl.flow == 0 {
		g.state[tl.arc] = stateLower
	} else {
		g.state[tl.arc] = stateUpper
	}

	// T2 is the subtree of leave; r is e's end inside it, o the other.
	r, o := b, a
	if onA {
		r, o = a, b
	}
	dpi := g.enterRC // r = source: pi(r) += rc makes e's reduced cost 0
	if r == g.arcs[e].target {
		dpi = -dpi
	}
	g.state[e] = stateTree

	// Reverse the path r .. leave: each node on it becomes the child of
	// the node before it, through the arc that joined them (which now
	// points the other way relative to its child).
	in := treeNode{parent: o, arc: e, up: r == g.arcs[e].source, capa: g.capa[e], flow: g.flow[e]}
	for x := r; ; {
		old := nodes[x]
		g.detach(x)
		t := &nodes[x]
		t.parent, t.arc, t.up, t.capa, t.flow = in.parent, in.arc, in.up, in.capa, in.flow
		g.attach(x, in.parent)
		if x == leave {
			break
		}
		in = treeNode{parent: x, arc: old.arc, up: !old.up, capa: old.capa, flow: old.flow}
		x = old.parent
	}

	// Depths and potentials of T2.
	nodes[r].depth = nodes[o].depth + 1
	g.pi[r] += dpi
	stack := append(g.stack[:0], r)
	for len(stack) > 0 {
		x := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		d := nodes[x].depth + 1
		for c := g.child[x]; c >= 0; c = g.next[c] {
			nodes[c].depth = d
			g.pi[c] += dpi
			if g.child[c] >= 0 {
				stack = append(stack, c)
			}
		}
	}
	g.keepStack(stack)
	return true
}

// objective returns sum(cost*flow) over all arcs.
func (g *flowNet) objective() int64 {
	var s int64
	for e, f := range g.flow {
		s += g.arcs[e].cost * f
	}
	return s
}

// The methods below change a solved network in place so that resume can
// start from its tree (see Session).

// treeChild returns the node whose tree arc is e, or -1 if e is not in the
// tree.
func (g *flowNet) treeChild(e int32) int32 {
	if g.state[e] != stateTree {
		return -1
	}
	if u := g.arcs[e].source; g.node[u].arc == e && u != g.root {
		return u
	}
	return g.arcs[e].target
}

// addLiveArc adds an arc at flow 0 after solve, for resume to price.
func (g *flowNet) addLiveArc(from, to int, capacity, cost int64) int32 {
	return g.addArc(from, to, capacity, cost)
}

// setCost changes arc e's cost. When e is in the tree the potentials of
// the subtree it hangs move with it, so that tree arcs keep a reduced cost
// of 0.
func (g *flowNet) setCost(e int32, cost int64) {
	d := cost - g.arcs[e].cost
	if d == 0 {
		return
	}
	g.arcs[e].cost = cost
	u := g.treeChild(e)
	if u < 0 {
		return
	}
	if !g.node[u].up { // parent -> u: cost - pi(parent) + pi(u) = 0
		d = -d
	}
	g.pi[u] += d
	stack := append(g.stack[:0], u)
	for len(stack) > 0 {
		x := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for c := g.child[x]; c >= 0; c = g.next[c] {
			g.pi[c] += d
			stack = append(stack, c)
		}
	}
	g.keepStack(stack)
}

// setCapa changes arc e's capacity and returns the flow the arc no longer
// carries: the caller must send it from e's source to its target another
// way (Session puts it on a new arc at its upper bound). An arc that sat at
// its old capacity goes to flow 0, since a basis has no arc between its
// bounds outside the tree.
func (g *flowNet) setCapa(e int32, capacity int64) int64 {
	if capacity == g.capa[e] {
		return 0
	}
	g.capa[e] = capacity
	switch g.state[e] {
	case stateLower:
		return 0
	case stateUpper:
		f := g.flow[e]
		g.flow[e], g.state[e] = 0, stateLower
		return f
	}
	t := &g.node[g.treeChild(e)]
	t.capa = capacity
	if t.flow <= capacity {
		return 0
	}
	moved := t.flow - capacity
	t.flow, g.flow[e] = capacity, capacity
	return moved
}

// resume runs the network simplex from the present tree. It returns false,
// leaving the network unusable, after maxPivots pivots (a changed network
// may have lost the strongly feasible tree that rules out cycling) or if the
// problem is unbounded.
func (g *flowNet) resume(maxPivots int) bool {
	defer g.storeTreeFlows()
	for range maxPivots {
		e := g.findEnteringArc()
		if e < 0 {
			return true
		}
		if !g.pivot(e) {
			return false
		}
	}
	return false
}
