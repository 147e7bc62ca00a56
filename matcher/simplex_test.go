package matcher

import (
	"math/rand/v2"
	"testing"
)

// starNet builds a network whose first basis is a star on the root (the last
// node): node u with supply b[u] > 0 sends it to the root, a node with
// demand receives it from the root, both through arcs of cost treeCost and
// infinite capacity. The arcs are {from, to, capacity, cost}.
func starNet(b []int64, treeCost int64, arcs [][4]int64) *flowNet {
	n := len(b) + 1
	g := newFlowNet(n, len(arcs)+len(b))
	for _, a := range arcs {
		g.addArc(int(a[0]), int(a[1]), a[2], a[3])
	}
	for u, s := range b {
		if s >= 0 {
			e := g.addArc(u, n-1, infCap, treeCost)
			g.setTreeArc(u, e, s)
		} else {
			e := g.addArc(n-1, u, infCap, treeCost)
			g.setTreeArc(u, e, -s)
		}
	}
	return g
}

// checkOptimalFlow checks that g's flow is feasible for the supplies b (the
// root balancing them) and that its residual network has no negative cycle
// (Bellman-Ford), which is the optimality condition of a min-cost flow.
func checkOptimalFlow(t *testing.T, g *flowNet, b []int64) {
	t.Helper()
	n := g.n
	excess := make([]int64, n)
	var total int64
	for u, s := range b {
		excess[u] = s
		total += s
	}
	excess[n-1] = -total
	for e := range g.arcs {
		f := g.flow[e]
		if f < 0 || f > g.capa[e] {
			t.Fatalf("arc %d: flow %d outside [0,%d]", e, f, g.capa[e])
		}
		excess[g.arcs[e].source] -= f
		excess[g.arcs[e].target] += f
	}
	for u, x := range excess {
		if x != 0 {
			t.Fatalf("node %d: flow not conserved (%d left)", u, x)
		}
	}
	type rarc struct {
		u, v int32
		c    int64
	}
	var res []rarc
	for e := range g.arcs {
		if g.flow[e] < g.capa[e] {
			res = append(res, rarc{g.arcs[e].source, g.arcs[e].target, g.arcs[e].cost})
		}
		if g.flow[e] > 0 {
			res = append(res, rarc{g.arcs[e].target, g.arcs[e].source, -g.arcs[e].cost})
		}
	}
	d := make([]int64, n) // all zero: a virtual source to every node
	for range n {
		changed := false
		for _, a := range res {
			if d[a.u]+a.c < d[a.v] {
				d[a.v] = d[a.u] + a.c
				changed = true
			}
		}
		if !changed {
			return
		}
	}
	t.Fatalf("residual network has a negative cycle: flow not optimal")
}

func TestSimplexTiny(t *testing.T) {
	// Suppliers 0 (limit 5) and 1 (limit 4), requests 2 (need 6) and 3
	// (need 3); weights 0->2 10, 0->3 7, 1->2 8, 1->3 1. The optimum sends
	// 2 on 0->2, 3 on 0->3 and 4 on 1->2: 20+21+32 = 73. The duals
	// u0=2, u1=0, v2=8, v3=5 cover every weight and also add up to
	// 5*2+4*0+6*8+3*5 = 73, which proves it.
	b := []int64{5, 4, -6, -3}
	arcs := [][4]int64{
		{0, 2, 5, -10},
		{0, 3, 3, -7},
		{1, 2, 4, -8},
		{1, 3, 3, -1},
	}
	g := starNet(b, 0, arcs)
	if !g.solve() {
		t.Fatal("unbounded")
	}
	want := []int64{2, 3, 4, 0}
	for e, w := range want {
		if g.flow[e] != w {
			t.Errorf("arc %d flow %d, want %d", e, g.flow[e], w)
		}
	}
	if obj := g.objective(); obj != -73 {
		t.Errorf("objective %d, want -73", obj)
	}
	checkOptimalFlow(t, g, b)
}

func TestSimplexSlack(t *testing.T) {
	// One supplier with more than the request needs: the rest stays on
	// the slack arc; a pledge arc of positive cost is not used.
	b := []int64{10, -4}
	g := starNet(b, 0, [][4]int64{{0, 1, 10, -3}, {0, 1, 10, 2}})
	if !g.solve() {
		t.Fatal("unbounded")
	}
	if g.flow[0] != 4 || g.flow[1] != 0 || g.objective() != -12 {
		t.Errorf("flows %v objective %d", g.flow, g.objective())
	}
	checkOptimalFlow(t, g, b)
}

func TestSimplexNoArcs(t *testing.T) {
	g := newFlowNet(1, 0)
	if !g.solve() || g.objective() != 0 {
		t.Fatal("empty network")
	}
}

func TestSimplexDegenerate(t *testing.T) {
	// Every supply equals every demand and every capacity: many pivots
	// change no flow. The strongly feasible tree must still reach the
	// optimum (no cycling).
	const k = 6
	b := make([]int64, 2*k)
	var arcs [][4]int64
	for i := range k {
		b[i], b[k+i] = 1, -1
		for j := range k {
			arcs = append(arcs, [4]int64{int64(i), int64(k + j), 1, -int64((i*j)%3 + 1)})
		}
	}
	g := starNet(b, 0, arcs)
	if !g.solve() {
		t.Fatal("unbounded")
	}
	checkOptimalFlow(t, g, b)
	// Zero supplies, zero-capacity arcs and zero-cost ties.
	b = []int64{0, 0, 0, 0}
	arcs = [][4]int64{{0, 1, 0, -5}, {1, 2, 3, 0}, {2, 0, 3, -1}, {2, 3, 2, 0}, {3, 2, 2, 0}, {4, 1, 3, 0}}
	g = starNet(b, 0, arcs)
	if !g.solve() {
		t.Fatal("unbounded")
	}
	checkOptimalFlow(t, g, b)
	if g.objective() != -3 {
		t.Errorf("objective %d, want -3 (cycle root->1->2->0->root)", g.objective())
	}
}

func TestSimplexInfiniteCapacity(t *testing.T) {
	// Uncapacitated arcs with flow through them and a bounded optimum.
	b := []int64{7, 0, -7}
	arcs := [][4]int64{{0, 1, infCap, -2}, {1, 2, infCap, -3}, {0, 2, 5, -4}}
	g := starNet(b, 0, arcs)
	if !g.solve() {
		t.Fatal("unbounded")
	}
	checkOptimalFlow(t, g, b)
	if g.flow[0] != 7 || g.flow[1] != 7 || g.flow[2] != 0 || g.objective() != -35 {
		t.Errorf("flows %v objective %d", g.flow, g.objective())
	}

	// A negative cycle of infinite capacity: unbounded.
	g = starNet([]int64{0, 0}, 0, [][4]int64{{0, 1, infCap, -1}, {1, 0, infCap, 0}})
	if g.solve() {
		t.Error("negative cycle of infinite capacity: want unbounded")
	}
	// The same cycle with one finite arc is bounded.
	b = []int64{0, 0}
	g = starNet(b, 0, [][4]int64{{0, 1, infCap, -1}, {1, 0, 9, 0}})
	if !g.solve() {
		t.Fatal("unbounded")
	}
	checkOptimalFlow(t, g, b)
	if g.objective() != -9 {
		t.Errorf("objective %d, want -9", g.objective())
	}
}

func TestSimplexRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	for i := range 2000 {
		n := 1 + rng.IntN(12)
		b := make([]int64, n)
		for u := range b {
			b[u] = int64(rng.IntN(9)) - 4
		}
		var arcs [][4]int64
		for range rng.IntN(4 * n) {
			u, v := rng.IntN(n+1), rng.IntN(n+1)
			if u == v {
				continue
			}
			capacity := int64(rng.IntN(6))
			cost := int64(rng.IntN(11)) - 5
			if rng.IntN(5) == 0 {
				capacity, cost = infCap, int64(rng.IntN(4)) // no negative infinite cycle
			}
			arcs = append(arcs, [4]int64{int64(u), int64(v), capacity, cost})
		}
		// Costly slack arcs (big M) or free ones.
		treeCost := int64(0)
		if i%2 == 1 {
			treeCost = 20
		}
		g := starNet(b, treeCost, arcs)
		solveChecked(t, g)
		checkOptimalFlow(t, g, b)
		// With the normal block size too; same input, same flows.
		h, h2 := starNet(b, treeCost, arcs), starNet(b, treeCost, arcs)
		if !h.solve() || !h2.solve() {
			t.Fatalf("instance %d: unbounded", i)
		}
		checkOptimalFlow(t, h, b)
		if h.objective() != g.objective() {
			t.Fatalf("instance %d: objective %d, with small blocks %d", i, h.objective(), g.objective())
		}
		for e := range h.flow {
			if h.flow[e] != h2.flow[e] {
				t.Fatalf("instance %d: not deterministic", i)
			}
		}
	}
}

// solveChecked runs the simplex like solve, checking the spanning tree after
// every pivot: consistent parents, children and depths, zero reduced cost on
// tree arcs, and strong feasibility (every node can send a positive amount of
// flow to the root along its tree path).
func solveChecked(t *testing.T, g *flowNet) {
	t.Helper()
	g.prepare()
	defer g.storeTreeFlows()
	g.block = 3
	checkTree(t, g)
	for pivots := 0; ; pivots++ {
		e := g.findEnteringArc()
		if e < 0 {
			return
		}
		if !g.pivot(e) {
			t.Fatal("unbounded")
		}
		checkTree(t, g)
		if pivots > 100_000 {
			t.Fatal("too many pivots: cycling?")
		}
	}
}

func checkTree(t *testing.T, g *flowNet) {
	t.Helper()
	seen := 0
	for u := range g.n {
		for c := g.child[u]; c >= 0; c = g.next[c] {
			if g.node[c].parent != int32(u) {
				t.Fatalf("node %d in the children of %d, parent %d", c, u, g.node[c].parent)
			}
			seen++
		}
		if int32(u) == g.root {
			continue
		}
		tn := g.node[u]
		e, p := tn.arc, tn.parent
		if g.state[e] != stateTree {
			t.Fatalf("tree arc %d of node %d not in state tree", e, u)
		}
		up := g.arcs[e].source == int32(u) && g.arcs[e].target == p
		down := g.arcs[e].source == p && g.arcs[e].target == int32(u)
		if !up && !down || up != tn.up || tn.capa != g.capa[e] {
			t.Fatalf("arc %d does not join %d and its parent %d as recorded", e, u, p)
		}
		if tn.depth != g.node[p].depth+1 {
			t.Fatalf("node %d depth %d, parent's %d", u, tn.depth, g.node[p].depth)
		}
		if rc := g.arcs[e].cost - g.pi[g.arcs[e].source] + g.pi[g.arcs[e].target]; rc != 0 {
			t.Fatalf("tree arc %d reduced cost %d", e, rc)
		}
		if tn.flow < 0 || tn.flow > tn.capa {
			t.Fatalf("tree arc %d flow %d outside [0,%d]", e, tn.flow, tn.capa)
		}
		if up && tn.flow == tn.capa || down && tn.flow == 0 {
			t.Fatalf("tree not strongly feasible at arc %d (flow %d of %d)", e, tn.flow, tn.capa)
		}
	}
	if seen != g.n-1 {
		t.Fatalf("%d nodes in child lists, want %d", seen, g.n-1)
	}
	tree := 0
	for _, s := range g.state {
		if s == stateTree {
			tree++
		}
	}
	if tree != g.n-1 {
		t.Fatalf("%d tree arcs, want %d", tree, g.n-1)
	}
}
