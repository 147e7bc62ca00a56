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
//     blocks of about sqrt(m), cyclically from where the previous search
//     stopped, and the most violating arc of the first block that has one
//     enters (block search pricing).
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
// The tree is kept as a parent array, the arc to the parent, the depth, and
// each node's children in a doubly linked sibling list, so that moving a
// node to another parent is O(1) and T2 can be walked with an explicit
// stack.
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

	// arcs
	source, target []int32
	cost, capa     []int64
	flow           []int64
	state          []int8

	// spanning tree
	pi     []int64
	parent []int32 // -1 for the root
	parc   []int32 // the arc joining a node to its parent
	depth  []int32
	child  []int32 // first child, -1 if none
	next   []int32 // next sibling, -1 if last
	prev   []int32 // previous sibling, -1 if first
	stack  []int32

	// block search pricing
	block   int
	nextArc int
}

// newFlowNet makes a network of n nodes (the last is the root) and room for
// m arcs.
func newFlowNet(n, m int) *flowNet {
	g := &flowNet{
		n:      n,
		root:   int32(n - 1),
		source: make([]int32, 0, m),
		target: make([]int32, 0, m),
		cost:   make([]int64, 0, m),
		capa:   make([]int64, 0, m),
		flow:   make([]int64, 0, m),
		state:  make([]int8, 0, m),
		pi:     make([]int64, n),
		parent: make([]int32, n),
		parc:   make([]int32, n),
		depth:  make([]int32, n),
		child:  make([]int32, n),
		next:   make([]int32, n),
		prev:   make([]int32, n),
	}
	for u := range n {
		g.parent[u] = -1
		g.parc[u] = -1
	}
	return g
}

// addArc adds an arc at its lower bound (flow 0) and returns its index.
// A capacity of infCap means the arc is uncapacitated.
func (g *flowNet) addArc(from, to int, capacity, cost int64) int32 {
	e := int32(len(g.source))
	g.source = append(g.source, int32(from))
	g.target = append(g.target, int32(to))
	g.capa = append(g.capa, capacity)
	g.cost = append(g.cost, cost)
	g.flow = append(g.flow, 0)
	g.state = append(g.state, stateLower)
	return e
}

// setTreeArc makes arc e, joining u and the root, u's tree arc with the
// given flow. Every node but the root must get one before solve. (Any
// spanning tree given this way works, as long as it is strongly feasible:
// e may join u to any node, provided the arcs form a tree.)
func (g *flowNet) setTreeArc(u int, e int32, flow int64) {
	p := g.source[e]
	if int(p) == u {
		p = g.target[e]
	}
	g.parent[u] = p
	g.parc[u] = e
	g.flow[e] = flow
	g.state[e] = stateTree
}

// solve runs the network simplex to optimality. It returns false if the
// problem is unbounded (a negative cycle of infinite capacity), which the
// allocation never builds.
func (g *flowNet) solve() bool {
	g.initTree()
	m := len(g.source)
	if m == 0 {
		return true
	}
	g.block = max(int(math.Sqrt(float64(m))), 10)
	g.nextArc = 0
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

// initTree builds the child lists from the parent array, in node order, and
// sets the depths and potentials by a walk from the root.
func (g *flowNet) initTree() {
	for u := range g.n {
		g.child[u], g.next[u], g.prev[u] = -1, -1, -1
	}
	for u := g.n - 1; u >= 0; u-- {
		if int32(u) == g.root {
			continue
		}
		if g.parc[u] < 0 {
			panic("matcher: flowNet node without a tree arc")
		}
		g.attach(int32(u), g.parent[u])
	}
	g.parent[g.root], g.parc[g.root] = -1, -1
	g.depth[g.root], g.pi[g.root] = 0, 0
	seen := 1
	stack := append(g.stack[:0], g.root)
	for len(stack) > 0 {
		u := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for c := g.child[u]; c >= 0; c = g.next[c] {
			g.depth[c] = g.depth[u] + 1
			e := g.parc[c]
			if g.source[e] == c { // c -> u: cost - pi(c) + pi(u) = 0
				g.pi[c] = g.pi[u] + g.cost[e]
			} else { // u -> c: cost - pi(u) + pi(c) = 0
				g.pi[c] = g.pi[u] - g.cost[e]
			}
			stack = append(stack, c)
			seen++
		}
	}
	g.stack = stack
	if seen != g.n {
		panic("matcher: flowNet tree arcs do not form a spanning tree")
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
		g.child[g.parent[v]] = nv
	}
	if nv >= 0 {
		g.prev[nv] = pv
	}
}

// findEnteringArc is the block search: it prices blocks of g.block arcs
// from g.nextArc on and returns the most violating arc of the first block
// that has one, or -1 when no arc violates optimality.
func (g *flowNet) findEnteringArc() int32 {
	m := len(g.source)
	src, tgt, cost, state, pi := g.source[:m], g.target[:m], g.cost[:m], g.state[:m], g.pi
	best, bestV := int32(-1), int64(0)
	left := g.block
	start := g.nextArc
	// Two passes: start..m-1, then 0..start-1.
	for pass := range 2 {
		lo, hi := start, m
		if pass == 1 {
			lo, hi = 0, start
		}
		for e := lo; e < hi; e++ {
			if s := state[e]; s != stateTree {
				rc := cost[e] - pi[src[e]] + pi[tgt[e]]
				if s == stateUpper {
					rc = -rc
				}
				if rc < bestV {
					bestV, best = rc, int32(e)
				}
			}
			left--
			if left == 0 {
				if best >= 0 {
					g.nextArc = e + 1
					if g.nextArc == m {
						g.nextArc = 0
					}
					return best
				}
				left = g.block
			}
		}
	}
	return best
}

// pivot brings arc e into the tree. It returns false if the cycle it
// closes has infinite capacity (the problem is unbounded).
func (g *flowNet) pivot(e int32) bool {
	// Flow is pushed round the cycle from a to b along e, then from b up
	// to the apex, then down from the apex to a.
	a, b := g.source[e], g.target[e]
	if g.state[e] == stateUpper {
		a, b = b, a
	}
	resE := int64(infCap)
	if g.capa[e] != infCap {
		if g.state[e] == stateUpper {
			resE = g.flow[e]
		} else {
			resE = g.capa[e] - g.flow[e]
		}
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
		if g.depth[u] >= g.depth[v] {
			if r := g.residual(u, false); r < aMin {
				aMin, aLeave = r, u
			}
			u = g.parent[u]
		} else {
			if r := g.residual(v, true); r <= bMin {
				bMin, bLeave = r, v
			}
			v = g.parent[v]
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
		if g.state[e] == stateUpper {
			g.flow[e] -= delta
		} else {
			g.flow[e] += delta
		}
		for x := a; x != apex; x = g.parent[x] {
			f := g.parc[x]
			if g.source[f] == x {
				g.flow[f] -= delta
			} else {
				g.flow[f] += delta
			}
		}
		for x := b; x != apex; x = g.parent[x] {
			f := g.parc[x]
			if g.source[f] == x {
				g.flow[f] += delta
			} else {
				g.flow[f] -= delta
			}
		}
	}

	if leave < 0 {
		// e itself blocks: it moves to its other bound, the tree stays.
		g.state[e] = -g.state[e]
		return true
	}

	f := g.parc[leave]
	if g.flow[f] == 0 {
		g.state[f] = stateLower
	} else {
		g.state[f] = stateUpper
	}

	// T2 is the subtree of leave; r is e's end inside it, o the other.
	r, o := b, a
	if onA {
		r, o = a, b
	}
	rc := g.cost[e] - g.pi[g.source[e]] + g.pi[g.target[e]]
	dpi := rc
	if r == g.target[e] {
		dpi = -rc
	}
	g.state[e] = stateTree

	// Reverse the path r .. leave: each node on it becomes the child of
	// the node before it, through the arc that joined them.
	newParent, newArc := o, e
	for x := r; ; {
		oldParent, oldArc := g.parent[x], g.parc[x]
		g.detach(x)
		g.parent[x], g.parc[x] = newParent, newArc
		g.attach(x, newParent)
		if x == leave {
			break
		}
		newParent, newArc = x, oldArc
		x = oldParent
	}

	// Depths and potentials of T2.
	g.depth[r] = g.depth[o] + 1
	g.pi[r] += dpi
	stack := append(g.stack[:0], r)
	for len(stack) > 0 {
		x := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		d := g.depth[x] + 1
		for c := g.child[x]; c >= 0; c = g.next[c] {
			g.depth[c] = d
			g.pi[c] += dpi
			if g.child[c] >= 0 {
				stack = append(stack, c)
			}
		}
	}
	g.stack = stack
	return true
}

// residual is how much more flow the tree arc of x can carry from x to its
// parent (up) or from its parent to x (!up); infCap if unlimited.
func (g *flowNet) residual(x int32, up bool) int64 {
	f := g.parc[x]
	if (g.source[f] == x) == up {
		if g.capa[f] == infCap {
			return infCap
		}
		return g.capa[f] - g.flow[f]
	}
	return g.flow[f]
}

// objective returns sum(cost*flow) over all arcs.
func (g *flowNet) objective() int64 {
	var s int64
	for e, f := range g.flow {
		s += g.cost[e] * f
	}
	return s
}
