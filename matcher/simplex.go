package matcher

import "math"

// This file is a primal network simplex for min-cost flow. Its spanning tree
// bookkeeping (parent, pred, thread, reverse thread, subtree sizes and last
// successors) and its block search pivot rule follow LEMON's NetworkSimplex
// (lemon/network_simplex.h, Boost Software License 1.0), reduced to what the
// allocation needs: every node already has a tree arc to the root, so no
// artificial arcs are added.

const infCap = math.MaxInt64

const (
	stateUpper int8 = -1
	stateTree  int8 = 0
	stateLower int8 = 1

	dirUp   int8 = 1  // pred arc goes from the node to its parent
	dirDown int8 = -1 // pred arc goes from the parent to the node
)

// flowNet is a network whose initial basis is given: node root is the last
// node, and for every other node u, arc treeArc[u] joins u and root and
// carries an initial flow that satisfies the supplies, strongly feasible
// (a zero flow only on an arc from u to root with room left).
type flowNet struct {
	n, m   int
	root   int32
	source []int32
	target []int32
	cap    []int64
	cost   []int64
	flow   []int64
	state  []int8
	pi     []int64

	parent, pred, thread, revThread, succNum, lastSucc []int32
	predDir                                            []int8
	dirtyRevs                                          []int32

	blockSize int
	// search is the number of arcs the pivot rule scans (the first ones);
	// the others are artificial and never enter the basis again.
	search  int
	nextArc int

	inArc                      int32
	join, uIn, vIn, uOut, vOut int32
	delta                      int64
	pivots                     int
}

// newFlowNet makes a network of n nodes (the last is the root) and room for
// m arcs.
func newFlowNet(n, m int) *flowNet {
	g := &flowNet{n: n, root: int32(n - 1)}
	g.source = make([]int32, 0, m)
	g.target = make([]int32, 0, m)
	g.cap = make([]int64, 0, m)
	g.cost = make([]int64, 0, m)
	g.flow = make([]int64, 0, m)
	g.state = make([]int8, 0, m)
	g.pi = make([]int64, n)
	g.parent = make([]int32, n)
	g.pred = make([]int32, n)
	g.thread = make([]int32, n)
	g.revThread = make([]int32, n)
	g.succNum = make([]int32, n)
	g.lastSucc = make([]int32, n)
	g.predDir = make([]int8, n)
	return g
}

// addArc adds an arc at its lower bound (flow 0) and returns its index.
func (g *flowNet) addArc(from, to int, capacity, cost int64) int32 {
	g.source = append(g.source, int32(from))
	g.target = append(g.target, int32(to))
	g.cap = append(g.cap, capacity)
	g.cost = append(g.cost, cost)
	g.flow = append(g.flow, 0)
	g.state = append(g.state, stateLower)
	g.m++
	return int32(g.m - 1)
}

// setTreeArc makes arc e, joining u and the root, u's tree arc with the
// given flow. Every node but the root must get one before solve.
func (g *flowNet) setTreeArc(u int, e int32, flow int64) {
	g.state[e] = stateTree
	g.flow[e] = flow
	g.pred[u] = e
	if g.source[e] == int32(u) {
		g.predDir[u] = dirUp
	} else {
		g.predDir[u] = dirDown
	}
}

// solve runs the network simplex to optimality. It returns false if the
// problem is unbounded (a negative cycle of infinite capacity), which the
// allocation never builds.
func (g *flowNet) solve() bool {
	n := g.n
	root := g.root
	g.parent[root] = -1
	g.pred[root] = -1
	g.thread[root] = 0
	g.revThread[0] = root
	g.succNum[root] = int32(n)
	g.lastSucc[root] = root - 1
	g.pi[root] = 0
	for u := int32(0); u < root; u++ {
		g.parent[u] = root
		g.thread[u] = u + 1
		g.revThread[u+1] = u
		g.succNum[u] = 1
		g.lastSucc[u] = u
		e := g.pred[u]
		// reduced cost of the tree arc is 0: cost + pi[source] - pi[target]
		if g.predDir[u] == dirUp {
			g.pi[u] = -g.cost[e]
		} else {
			g.pi[u] = g.cost[e]
		}
	}
	if n == 1 {
		g.thread[root] = root
		g.revThread[root] = root
	}
	if g.search == 0 {
		g.search = g.m
	}
	g.blockSize = max(int(math.Sqrt(float64(g.search))), 10)
	g.nextArc = 0
	for g.findEnteringArc() {
		g.findJoinNode()
		change := g.findLeavingArc()
		if g.delta == infCap {
			return false
		}
		g.changeFlow(change)
		if change {
			g.updateTreeStructure()
			g.updatePotential()
		}
		g.pivots++
	}
	return true
}

// findEnteringArc is the block search pivot rule: scan blocks of about
// sqrt(m) arcs from where the last search stopped and take the most
// violating arc of the first block that has one.
func (g *flowNet) findEnteringArc() bool {
	var minC int64
	cnt := g.blockSize
	m := g.search
	src, tgt, cost, state, pi := g.source[:m], g.target[:m], g.cost[:m], g.state[:m], g.pi
	e := g.nextArc
	for k := 0; k < m; k++ {
		if st := state[e]; st != stateTree {
			c := int64(st) * (cost[e] + pi[src[e]] - pi[tgt[e]])
			if c < minC {
				minC = c
				g.inArc = int32(e)
			}
		}
		e++
		if e == m {
			e = 0
		}
		cnt--
		if cnt == 0 {
			if minC < 0 {
				g.nextArc = e
				return true
			}
			cnt = g.blockSize
		}
	}
	if minC < 0 {
		g.nextArc = e
		return true
	}
	return false
}

func (g *flowNet) findJoinNode() {
	u := g.source[g.inArc]
	v := g.target[g.inArc]
	for u != v {
		if g.succNum[u] < g.succNum[v] {
			u = g.parent[u]
		} else {
			v = g.parent[v]
		}
	}
	g.join = u
}

func (g *flowNet) findLeavingArc() bool {
	in := g.inArc
	var first, second int32
	if g.state[in] == stateLower {
		first, second = g.source[in], g.target[in]
	} else {
		first, second = g.target[in], g.source[in]
	}
	g.delta = g.cap[in]
	result := 0
	for u := first; u != g.join; u = g.parent[u] {
		e := g.pred[u]
		d := g.flow[e]
		if g.predDir[u] == dirDown {
			if c := g.cap[e]; c == infCap {
				d = infCap
			} else {
				d = c - d
			}
		}
		if d < g.delta {
			g.delta = d
			g.uOut = u
			result = 1
		}
	}
	for u := second; u != g.join; u = g.parent[u] {
		e := g.pred[u]
		d := g.flow[e]
		if g.predDir[u] == dirUp {
			if c := g.cap[e]; c == infCap {
				d = infCap
			} else {
				d = c - d
			}
		}
		if d <= g.delta {
			g.delta = d
			g.uOut = u
			result = 2
		}
	}
	if result == 1 {
		g.uIn, g.vIn = first, second
	} else {
		g.uIn, g.vIn = second, first
	}
	return result != 0
}

func (g *flowNet) changeFlow(change bool) {
	in := g.inArc
	if g.delta > 0 {
		val := int64(g.state[in]) * g.delta
		g.flow[in] += val
		for u := g.source[in]; u != g.join; u = g.parent[u] {
			g.flow[g.pred[u]] -= int64(g.predDir[u]) * val
		}
		for u := g.target[in]; u != g.join; u = g.parent[u] {
			g.flow[g.pred[u]] += int64(g.predDir[u]) * val
		}
	}
	if change {
		g.state[in] = stateTree
		out := g.pred[g.uOut]
		if g.flow[out] == 0 {
			g.state[out] = stateLower
		} else {
			g.state[out] = stateUpper
		}
	} else {
		g.state[in] = -g.state[in]
	}
}

func (g *flowNet) updateTreeStructure() {
	parent, thread, revThread, succNum, lastSucc := g.parent, g.thread, g.revThread, g.succNum, g.lastSucc
	uIn, vIn, uOut, join := g.uIn, g.vIn, g.uOut, g.join
	oldRevThread := revThread[uOut]
	oldSuccNum := succNum[uOut]
	oldLastSucc := lastSucc[uOut]
	vOut := parent[uOut]
	g.vOut = vOut

	if uIn == uOut {
		parent[uIn] = vIn
		g.pred[uIn] = g.inArc
		if uIn == g.source[g.inArc] {
			g.predDir[uIn] = dirUp
		} else {
			g.predDir[uIn] = dirDown
		}
		if thread[vIn] != uOut {
			after := thread[oldLastSucc]
			thread[oldRevThread] = after
			revThread[after] = oldRevThread
			after = thread[vIn]
			thread[vIn] = uOut
			revThread[uOut] = vIn
			thread[oldLastSucc] = after
			revThread[after] = oldLastSucc
		}
	} else {
		var threadContinue int32
		if oldRevThread == vIn {
			threadContinue = thread[oldLastSucc]
		} else {
			threadContinue = thread[vIn]
		}
		stem := uIn
		parStem := vIn
		last := lastSucc[uIn]
		after := thread[last]
		thread[vIn] = uIn
		dirty := g.dirtyRevs[:0]
		dirty = append(dirty, vIn)
		for stem != uOut {
			nextStem := parent[stem]
			thread[last] = nextStem
			dirty = append(dirty, last)
			before := revThread[stem]
			thread[before] = after
			revThread[after] = before
			parent[stem] = parStem
			parStem = stem
			stem = nextStem
			if lastSucc[stem] == lastSucc[parStem] {
				last = revThread[parStem]
			} else {
				last = lastSucc[stem]
			}
			after = thread[last]
		}
		parent[uOut] = parStem
		thread[last] = threadContinue
		revThread[threadContinue] = last
		lastSucc[uOut] = last
		if oldRevThread != vIn {
			thread[oldRevThread] = after
			revThread[after] = oldRevThread
		}
		for _, u := range dirty {
			revThread[thread[u]] = u
		}
		g.dirtyRevs = dirty
		var tmpSc int32
		tmpLs := lastSucc[uOut]
		for u, p := uOut, parent[uOut]; u != uIn; u, p = p, parent[p] {
			g.pred[u] = g.pred[p]
			g.predDir[u] = -g.predDir[p]
			tmpSc += succNum[u] - succNum[p]
			succNum[u] = tmpSc
			lastSucc[p] = tmpLs
		}
		g.pred[uIn] = g.inArc
		if uIn == g.source[g.inArc] {
			g.predDir[uIn] = dirUp
		} else {
			g.predDir[uIn] = dirDown
		}
		succNum[uIn] = oldSuccNum
	}

	upLimitOut := int32(-1)
	if lastSucc[join] == vIn {
		upLimitOut = join
	}
	lastSuccOut := lastSucc[uOut]
	for u := vIn; u != -1 && lastSucc[u] == vIn; u = parent[u] {
		lastSucc[u] = lastSuccOut
	}
	if join != oldRevThread && vIn != oldRevThread {
		for u := vOut; u != upLimitOut && lastSucc[u] == oldLastSucc; u = parent[u] {
			lastSucc[u] = oldRevThread
		}
	} else if lastSuccOut != oldLastSucc {
		for u := vOut; u != upLimitOut && lastSucc[u] == oldLastSucc; u = parent[u] {
			lastSucc[u] = lastSuccOut
		}
	}
	for u := vIn; u != join; u = parent[u] {
		succNum[u] += oldSuccNum
	}
	for u := vOut; u != join; u = parent[u] {
		succNum[u] -= oldSuccNum
	}
}

func (g *flowNet) updatePotential() {
	sigma := g.pi[g.vIn] - g.pi[g.uIn] - int64(g.predDir[g.uIn])*g.cost[g.inArc]
	end := g.thread[g.lastSucc[g.uIn]]
	pi, thread := g.pi, g.thread
	for u := g.uIn; u != end; u = thread[u] {
		pi[u] += sigma
	}
}

// objective returns sum(cost*flow) over all arcs.
func (g *flowNet) objective() int64 {
	var s int64
	for e := 0; e < g.m; e++ {
		s += g.cost[e] * g.flow[e]
	}
	return s
}
