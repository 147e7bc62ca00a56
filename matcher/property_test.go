package matcher

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// sspOptimum is an independent slow exact method: successive shortest paths
// with Bellman-Ford on the residual graph of source -> supplier -> request ->
// sink, augmenting while the cheapest path has negative cost (weights are
// gains, so costs are -weight).
func sspOptimum(pr Problem) int64 {
	reqIdx := map[string]int{}
	supIdx := map[string]int{}
	for i, s := range pr.Suppliers {
		supIdx[s.ID] = i
	}
	for i, r := range pr.Requests {
		reqIdx[r.ID] = i
	}
	ns, nr := len(pr.Suppliers), len(pr.Requests)
	n := ns + nr + 2
	src, snk := n-2, n-1
	type arc struct {
		to       int
		cap      int64
		cost     int64
		rev      int
		original bool
	}
	adj := make([][]arc, n)
	add := func(u, v int, c, cost int64) {
		adj[u] = append(adj[u], arc{v, c, cost, len(adj[v]), true})
		adj[v] = append(adj[v], arc{u, 0, -cost, len(adj[u]) - 1, false})
	}
	for i, s := range pr.Suppliers {
		add(src, i, s.LimitPence, 0)
	}
	for i, r := range pr.Requests {
		add(ns+i, snk, r.NeedPence, 0)
	}
	for _, p := range pr.Pledges {
		w := int64(p.Score*WeightScale + 0.5)
		add(supIdx[p.SupplierID], ns+reqIdx[p.RequestID], p.ValuePence, -w)
	}
	const inf = int64(1) << 62
	var total int64
	for {
		dist := make([]int64, n)
		prevN := make([]int, n)
		prevA := make([]int, n)
		for i := range dist {
			dist[i] = inf
			prevN[i] = -1
		}
		dist[src] = 0
		for it := 0; it < n; it++ {
			changed := false
			for u := range n {
				if dist[u] == inf {
					continue
				}
				for k, a := range adj[u] {
					if a.cap > 0 && dist[u]+a.cost < dist[a.to] {
						dist[a.to] = dist[u] + a.cost
						prevN[a.to], prevA[a.to] = u, k
						changed = true
					}
				}
			}
			if !changed {
				break
			}
		}
		if dist[snk] >= 0 {
			break
		}
		f := inf
		for v := snk; v != src; v = prevN[v] {
			f = min(f, adj[prevN[v]][prevA[v]].cap)
		}
		for v := snk; v != src; v = prevN[v] {
			a := &adj[prevN[v]][prevA[v]]
			a.cap -= f
			adj[v][a.rev].cap += f
		}
		total += -dist[snk] * f
	}
	return total
}

// randomProblem makes a small random instance; whole is the share of
// pledges that must be approved whole.
func randomProblem(rng *rand.Rand, nr, ns, np int, whole float64) Problem {
	var pr Problem
	for i := range nr {
		need := int64(rng.IntN(5)) * int64(rng.IntN(400))
		pr.Requests = append(pr.Requests, AllocRequest{ID: fmt.Sprintf("r%02d", i), NeedPence: need})
	}
	for i := range ns {
		limit := int64(rng.IntN(6)) * int64(rng.IntN(500))
		pr.Suppliers = append(pr.Suppliers, AllocSupplier{ID: fmt.Sprintf("s%02d", i), LimitPence: limit})
	}
	for i := range np {
		score := float64(rng.IntN(11)) / 10
		if rng.IntN(3) == 0 {
			score = float64(rng.IntN(1_000_001)) / WeightScale
		}
		pr.Pledges = append(pr.Pledges, AllocPledge{
			ID:           fmt.Sprintf("p%03d", i),
			RequestID:    pr.Requests[rng.IntN(nr)].ID,
			SupplierID:   pr.Suppliers[rng.IntN(ns)].ID,
			ValuePence:   1 + int64(rng.IntN(600)),
			Score:        score,
			AllowPartial: rng.Float64() >= whole,
		})
	}
	return pr
}

func checkFeasible(t *testing.T, pr Problem, a *Allocation) {
	t.Helper()
	need, limit := capacities(pr)
	var obj int64
	for i, d := range a.Decisions {
		p := pr.Pledges[i]
		if d.PledgeID != p.ID {
			t.Fatalf("decision %d is for %s, want %s", i, d.PledgeID, p.ID)
		}
		if d.ApprovedPence < 0 || d.ApprovedPence > p.ValuePence {
			t.Fatalf("pledge %s approved %d of %d", p.ID, d.ApprovedPence, p.ValuePence)
		}
		if !p.AllowPartial && d.ApprovedPence != 0 && d.ApprovedPence != p.ValuePence {
			t.Fatalf("whole pledge %s approved %d of %d", p.ID, d.ApprovedPence, p.ValuePence)
		}
		if (d.ApprovedPence < p.ValuePence) != (d.Reason != ReasonNone) {
			t.Fatalf("pledge %s approved %d of %d with reason %q", p.ID, d.ApprovedPence, p.ValuePence, d.Reason)
		}
		need[p.RequestID] -= d.ApprovedPence
		limit[p.SupplierID] -= d.ApprovedPence
		obj += d.Weight * d.ApprovedPence
	}
	for id, v := range need {
		if v < 0 {
			t.Fatalf("request %s over-approved by %d", id, -v)
		}
	}
	for id, v := range limit {
		if v < 0 {
			t.Fatalf("supplier %s over its limit by %d", id, -v)
		}
	}
	if obj != a.Objective {
		t.Fatalf("objective %d, decisions add up to %d", a.Objective, obj)
	}
}

func TestFlowMatchesSuccessiveShortestPaths(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const instances = 3000
	for i := range instances {
		pr := randomProblem(rng, 1+rng.IntN(8), 1+rng.IntN(6), rng.IntN(25), 0)
		a, err := Allocate(pr, Options{})
		if err != nil {
			t.Fatal(err)
		}
		checkFeasible(t, pr, a)
		want := sspOptimum(pr)
		if a.Objective != want || a.Bound != want || !a.Optimal {
			t.Fatalf("instance %d: objective %d bound %d optimal %v, successive shortest paths %d\n%+v", i, a.Objective, a.Bound, a.Optimal, want, pr)
		}
	}
	t.Logf("%d random all-partial instances: network simplex optimum equals successive shortest paths on all", instances)
}

func TestFlowMatchesSuccessiveShortestPathsLarger(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const instances = 300
	for i := range instances {
		pr := randomProblem(rng, 10+rng.IntN(30), 5+rng.IntN(20), 50+rng.IntN(250), 0)
		a, err := Allocate(pr, Options{})
		if err != nil {
			t.Fatal(err)
		}
		checkFeasible(t, pr, a)
		if want := sspOptimum(pr); a.Objective != want {
			t.Fatalf("instance %d: objective %d, successive shortest paths %d", i, a.Objective, want)
		}
	}
	t.Logf("%d random all-partial instances of up to 300 pledges: equal optimum on all", instances)
}

// bruteWhole is the best objective over every choice of whole pledges, with
// the partial pledges placed optimally around them (by sspOptimum).
func bruteWhole(pr Problem) int64 {
	need, limit := capacities(pr)
	var whole, partial []AllocPledge
	for _, p := range pr.Pledges {
		if p.AllowPartial {
			partial = append(partial, p)
		} else {
			whole = append(whole, p)
		}
	}
	best := int64(-1)
	var rec func(i int, obj int64)
	rec = func(i int, obj int64) {
		if i == len(whole) {
			if len(partial) > 0 {
				rest := Problem{Pledges: partial}
				for _, r := range pr.Requests {
					rest.Requests = append(rest.Requests, AllocRequest{r.ID, need[r.ID]})
				}
				for _, s := range pr.Suppliers {
					rest.Suppliers = append(rest.Suppliers, AllocSupplier{s.ID, limit[s.ID]})
				}
				obj += sspOptimum(rest)
			}
			best = max(best, obj)
			return
		}
		p := whole[i]
		if p.ValuePence <= need[p.RequestID] && p.ValuePence <= limit[p.SupplierID] {
			need[p.RequestID] -= p.ValuePence
			limit[p.SupplierID] -= p.ValuePence
			rec(i+1, obj+int64(p.Score*WeightScale+0.5)*p.ValuePence)
			need[p.RequestID] += p.ValuePence
			limit[p.SupplierID] += p.ValuePence
		}
		rec(i+1, obj)
	}
	rec(0, 0)
	return best
}

func TestWholeAgainstBruteForce(t *testing.T) {
	for _, tc := range []struct {
		name string
		opt  Options
	}{{"default", Options{}}, {"local search only", Options{ExactWhole: -1}}} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(5, 6))
			const instances = 2000
			optimal, withWhole := 0, 0
			worst := 0.0
			kinds := map[BoundKind]int{}
			for i := range instances {
				np := 1 + rng.IntN(15)
				share := 0.5 + rng.Float64()/2
				if i%2 == 0 {
					share = 1
				}
				pr := randomProblem(rng, 1+rng.IntN(5), 1+rng.IntN(4), np, share)
				a, err := Allocate(pr, tc.opt)
				if err != nil {
					t.Fatal(err)
				}
				checkFeasible(t, pr, a)
				want := bruteWhole(pr)
				if a.Objective > want {
					t.Fatalf("instance %d: objective %d beats brute force %d", i, a.Objective, want)
				}
				if a.Bound < want {
					t.Fatalf("instance %d: bound %d below brute force %d", i, a.Bound, want)
				}
				if a.Optimal && a.Objective != want {
					t.Fatalf("instance %d: claims optimal %d, brute force %d", i, a.Objective, want)
				}
				if a.Optimal != (a.Bound == a.Objective) || a.Optimal != (a.BoundKind == BoundOptimum) || a.Optimal != (a.Gap == 0) {
					t.Fatalf("instance %d: optimal %v, bound %d (%s), objective %d, gap %v", i, a.Optimal, a.Bound, a.BoundKind, a.Objective, a.Gap)
				}
				kinds[a.BoundKind]++
				withWhole++
				if a.Objective == want {
					optimal++
				} else if gap := float64(want-a.Objective) / float64(want); gap > worst {
					worst = gap
				}
			}
			t.Logf("%d whole-pledge instances (1-15 pledges): optimal on %d (%.2f%%), worst gap to brute force %.4f%%; bounds %v",
				withWhole, optimal, 100*float64(optimal)/float64(withWhole), 100*worst, kinds)
			if tc.opt.ExactWhole < 0 && kinds[BoundKnapsack] == 0 {
				t.Errorf("the knapsack bound was never the best bound: the test does not exercise it")
			}
			if tc.opt.ExactWhole == 0 && optimal != withWhole {
				t.Errorf("the exhaustive search should be optimal on every small instance")
			}
		})
	}
}

// TestKnapsackBoundAgainstBruteForce checks that every price vector gives a
// bound no allocation beats: the flow's dual prices, random prices, and the
// subgradient's best, on small random instances solved by brute force.
func TestKnapsackBoundAgainstBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	tighter := 0
	for i := range 1500 {
		pr := randomProblem(rng, 1+rng.IntN(5), 1+rng.IntN(4), 1+rng.IntN(15), 0.5+rng.Float64()/2)
		want := bruteWhole(pr)
		pb, err := newProb(pr)
		if err != nil {
			t.Fatal(err)
		}
		pb.index()
		var active []int32
		usable := make([]bool, len(pb.pReq))
		for p := range pb.pReq {
			if pb.pCap[p] > 0 && (!pb.pWhole[p] || pb.pVal[p] <= pb.pCap[p]) {
				active = append(active, int32(p))
				usable[p] = true
			}
		}
		price := make([]int64, len(pb.limit))
		flow := pb.transportPriced(pb.need, pb.limit, active, pb.pCap, make([]int64, len(pb.pReq)), price)
		k := pb.newKnapsack(usable)
		lam := make([]int64, len(pb.limit))
		for try := range 20 {
			for s := range lam {
				switch {
				case try == 0:
					lam[s] = price[s]
				case try == 1:
					lam[s] = 0
				default:
					lam[s] = rng.Int64N(WeightScale + 1)
				}
			}
			if l, ok := k.eval(lam); !ok || l < want {
				t.Fatalf("instance %d, prices %v: bound %d (%v) below the optimum %d", i, lam, l, ok, want)
			}
		}
		kb, ok := k.bound(price, 0, nil)
		if !ok || kb < want {
			t.Fatalf("instance %d: subgradient bound %d (%v) below the optimum %d", i, kb, ok, want)
		}
		if kb < flow {
			tighter++
		}
	}
	t.Logf("1500 instances: the knapsack bound was tighter than the flow bound on %d", tighter)
	if tighter == 0 {
		t.Error("the knapsack bound was never tighter: the test does not exercise it")
	}
}

// greedyObjective is the objective of the simplest allocation: pledges by
// weight, best first, each approved in full if it fits, a partial one as
// much as fits.
func greedyObjective(pr Problem) int64 {
	need, limit := capacities(pr)
	order := make([]int, len(pr.Pledges))
	for i := range order {
		order[i] = i
	}
	weight := func(i int) int64 { return int64(math.Round(pr.Pledges[i].Score * WeightScale)) }
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(weight(b), weight(a)) })
	var obj int64
	for _, i := range order {
		p := pr.Pledges[i]
		room := min(need[p.RequestID], limit[p.SupplierID])
		amt := min(p.ValuePence, room)
		if !p.AllowPartial && amt < p.ValuePence {
			amt = 0
		}
		if amt <= 0 {
			continue
		}
		need[p.RequestID] -= amt
		limit[p.SupplierID] -= amt
		obj += weight(i) * amt
	}
	return obj
}

// TestWholeFeasibleAndBeatsGreedy checks the whole-pledge search on
// instances too big for brute force, shaped like scripts/bench-matcher's
// (pledges 10% to 120% of their request's need, suppliers' limits 30% to
// 120% of what they pledged): every allocation keeps every need and limit,
// approves whole pledges whole, and is never worse than the greedy one.
func TestWholeFeasibleAndBeatsGreedy(t *testing.T) {
	for seed := range uint64(12) {
		rng := rand.New(rand.NewPCG(seed, 77))
		nr, ns, np := 40+rng.IntN(160), 10+rng.IntN(50), 200+rng.IntN(800)
		whole := 1.0
		if seed%3 == 2 {
			whole = 0.7
		}
		var pr Problem
		for i := range nr {
			pr.Requests = append(pr.Requests, AllocRequest{ID: fmt.Sprintf("r%03d", i), NeedPence: 20_000 + rng.Int64N(5_000_000)})
		}
		pledged := make([]int64, ns)
		for i := range np {
			r, s := rng.IntN(nr), rng.IntN(ns)
			v := pr.Requests[r].NeedPence * int64(10+rng.IntN(111)) / 100
			pledged[s] += v
			pr.Pledges = append(pr.Pledges, AllocPledge{ID: fmt.Sprintf("p%04d", i), RequestID: pr.Requests[r].ID,
				SupplierID: fmt.Sprintf("s%03d", s), ValuePence: v, Score: 0.2 + 0.75*rng.Float64(),
				AllowPartial: rng.Float64() >= whole})
		}
		for s := range ns {
			pr.Suppliers = append(pr.Suppliers, AllocSupplier{ID: fmt.Sprintf("s%03d", s), LimitPence: pledged[s] * int64(30+rng.IntN(91)) / 100})
		}
		a, err := Allocate(pr, Options{})
		if err != nil {
			t.Fatal(err)
		}
		checkFeasible(t, pr, a)
		if g := greedyObjective(pr); a.Objective < g {
			t.Errorf("seed %d (%d x %d x %d): objective %d below the greedy %d", seed, nr, ns, np, a.Objective, g)
		}
		if a.Bound < a.Objective {
			t.Errorf("seed %d: bound %d below objective %d", seed, a.Bound, a.Objective)
		}
	}
}

// capacities maps each request to its need and each supplier to its limit.
func capacities(pr Problem) (need, limit map[string]int64) {
	need, limit = map[string]int64{}, map[string]int64{}
	for _, r := range pr.Requests {
		need[r.ID] = r.NeedPence
	}
	for _, s := range pr.Suppliers {
		limit[s.ID] = s.LimitPence
	}
	return need, limit
}
