package matcher

import (
	"cmp"
	"math"
	"slices"
	"strconv"
)

// BoundKind says how Allocation.Bound was proven.
type BoundKind string

// Bound kinds, from the strongest claim to the weakest.
const (
	// BoundOptimum: the proposal is proven best, and Bound is its objective.
	BoundOptimum BoundKind = "proven_optimum"
	// BoundKnapsack: the best whole-pledge fill of every request, with each
	// supplier's limit priced instead of enforced (a Lagrangian bound).
	BoundKnapsack BoundKind = "knapsack"
	// BoundFlow: the flow optimum with every pledge that can fit allowed to
	// be approved in part.
	BoundFlow BoundKind = "flow"
)

// Work limits of the knapsack bound.
const (
	knapsackRounds    = 24   // subgradient steps at most
	knapsackNodeLimit = 2048 // branch and bound nodes per request and step
)

// knapsack is the Lagrangian relaxation of the suppliers' limits: with a
// price lam[s] >= 0 on each penny of supplier s's limit,
//
//	L(lam) = sum_s lam[s]*limit[s] + sum_r max { sum_p (w_p - lam[s(p)]) x_p }
//
// where each request's maximum is over the amounts its own need allows
// (x_p whole or nothing for an all-or-nothing pledge, 0..cap_p otherwise),
// a knapsack. Any feasible allocation x gives sum w*x <= L(lam), because it
// also keeps every supplier's limit, so every price vector gives a proven
// bound; integer prices keep the arithmetic exact.
type knapsack struct {
	pb       *prob
	reqStart []int32 // the usable pledges of request r are pls[reqStart[r]:reqStart[r+1]]
	pls      []int32
	priced   []int32 // suppliers whose limit can bind
	used     []int64 // per supplier: amount taken by the last evaluation
	// per-request scratch
	items   []ksItem
	choose  []bool
	bestSel []bool
	best    int64
	nodes   int
}

type ksItem struct {
	p       int32
	rw, amt int64
	bin     bool
}

// newKnapsack indexes the usable pledges: those with room (pCap > 0) that
// are partial or fit whole.
func (pb *prob) newKnapsack(usable []bool) *knapsack {
	k := &knapsack{pb: pb, reqStart: make([]int32, len(pb.need)+1), used: make([]int64, len(pb.limit))}
	offered := make([]int64, len(pb.limit))
	for r, pls := range pb.byReq {
		for _, p := range pls {
			if usable[p] {
				k.pls = append(k.pls, p)
				offered[pb.pSup[p]] += pb.pCap[p]
			}
		}
		k.reqStart[r+1] = int32(len(k.pls))
	}
	for s, o := range offered {
		if o > pb.limit[s] {
			k.priced = append(k.priced, int32(s))
		}
	}
	return k
}

// bound runs subgradient steps from the prices start (the flow's dual
// prices) and returns the least L(lam) met; incumbent is the objective of a
// feasible allocation. It stops early once the bound meets the incumbent,
// or when stop says so. ok is false when no bound could be computed exactly
// in int64.
func (k *knapsack) bound(start []int64, incumbent int64, stop func() bool) (best int64, ok bool) {
	pb := k.pb
	lam := make([]float64, len(pb.limit))
	li := make([]int64, len(pb.limit))
	for _, s := range k.priced {
		lam[s] = float64(start[s])
	}
	g := make([]float64, len(pb.limit))
	theta, stale := 1.0, 0
	for round := range knapsackRounds {
		if round > 0 && stop != nil && stop() {
			break
		}
		for _, s := range k.priced {
			li[s] = int64(math.Round(lam[s]))
		}
		l, exact := k.eval(li)
		if !exact {
			break
		}
		if !ok || l < best {
			best, ok, stale = l, true, 0
		} else if stale++; stale >= 2 {
			theta, stale = theta/2, 0
		}
		if best <= incumbent {
			break
		}
		var norm float64
		for _, s := range k.priced {
			g[s] = float64(pb.limit[s] - k.used[s])
			if lam[s] <= 0 && g[s] > 0 {
				g[s] = 0 // the price is already at its floor
			}
			norm += g[s] * g[s]
		}
		if norm == 0 {
			break
		}
		step := theta * float64(l-incumbent) / norm
		for _, s := range k.priced {
			lam[s] = max(0, lam[s]-step*g[s])
		}
	}
	return best, ok
}

// eval returns L(lam) for the integer prices lam >= 0 and leaves in k.used what
// the requests' best fills take from each supplier; exact is false when the
// sum would not fit in int64.
func (k *knapsack) eval(lam []int64) (l int64, exact bool) {
	pb := k.pb
	var total float64
	for s, x := range lam {
		total += float64(x) * float64(pb.limit[s])
	}
	if total > maxTotal {
		return 0, false
	}
	for s, x := range lam {
		l += x * pb.limit[s]
	}
	clear(k.used)
	for r := range pb.need {
		l += k.request(r, lam)
	}
	return l, true
}

// request solves request r's knapsack under the prices lam: exactly by
// branch and bound when that takes at most knapsackNodeLimit nodes, else it
// returns the knapsack's fractional bound. It adds the amounts of the best
// fill found to k.used.
func (k *knapsack) request(r int, lam []int64) int64 {
	pb := k.pb
	k.items = k.items[:0]
	for _, p := range k.pls[k.reqStart[r]:k.reqStart[r+1]] {
		rw := pb.pW[p] - lam[pb.pSup[p]]
		if rw <= 0 {
			continue
		}
		it := ksItem{p: p, rw: rw, amt: pb.pCap[p], bin: pb.pWhole[p]}
		if it.bin {
			it.amt = pb.pVal[p]
		}
		k.items = append(k.items, it)
	}
	if len(k.items) == 0 {
		return 0
	}
	slices.SortFunc(k.items, func(a, b ksItem) int { return cmp.Or(cmp.Compare(b.rw, a.rw), cmp.Compare(a.p, b.p)) })
	k.choose = resizeBools(k.choose, len(k.items))
	k.bestSel = resizeBools(k.bestSel, len(k.items))
	k.best, k.nodes = -1, 0
	need := pb.need[r]
	root := k.greedy(0, need, nil)
	k.dfs(0, need, 0)
	val := k.best
	if k.nodes > knapsackNodeLimit {
		val = root
	}
	room := need
	for i := range k.items {
		if k.items[i].bin && k.bestSel[i] {
			room -= k.items[i].amt
			k.used[pb.pSup[k.items[i].p]] += k.items[i].amt
		}
	}
	k.greedy(len(k.items), room, k.used)
	return val
}

// dfs decides the whole items from i on with room left and val gained.
func (k *knapsack) dfs(i int, room, val int64) {
	k.nodes++
	if k.nodes > knapsackNodeLimit {
		return
	}
	for i < len(k.items) && !k.items[i].bin {
		i++
	}
	ub := val + k.greedy(i, room, nil)
	if ub <= k.best {
		return
	}
	if i == len(k.items) {
		k.best = ub
		copy(k.bestSel, k.choose)
		return
	}
	it := &k.items[i]
	if it.amt <= room {
		k.choose[i] = true
		k.dfs(i+1, room-it.amt, val+it.rw*it.amt)
		k.choose[i] = false
	}
	k.dfs(i+1, room, val)
}

// greedy is the best value of the partial items and of the whole items from
// i on taken fractionally, best first, in room; with i past the last item
// it is the exact best fill of the partial items. When used is not nil it
// adds the amounts taken to it.
func (k *knapsack) greedy(i int, room int64, used []int64) int64 {
	var v int64
	for j := range k.items {
		if room == 0 {
			break
		}
		it := &k.items[j]
		if it.bin && j < i {
			continue
		}
		a := min(it.amt, room)
		v += it.rw * a
		room -= a
		if used != nil {
			used[k.pb.pSup[it.p]] += a
		}
	}
	return v
}

// GapText explains Gap and Bound to a council officer in one or two
// sentences.
func (a *Allocation) GapText() string {
	if a.Optimal {
		return "This proposal is proven best: no other allocation gives more value."
	}
	b := make([]byte, 0, 256)
	b = append(b, "This proposal is within "...)
	b = appendPercentUp(b, a.Gap)
	b = append(b, " of the best possible: no allocation can give more than "...)
	b = appendValue(b, a.Bound)
	b = append(b, " of value (score times pounds approved), and this one gives "...)
	b = appendValue(b, a.Objective)
	b = append(b, ". "...)
	switch a.BoundKind {
	case BoundKnapsack:
		b = append(b, "That limit comes from the best all-or-nothing choice for each request on its own, with the suppliers' commitment limits priced in."...)
	default:
		b = append(b, "That limit counts every pledge as if it could be approved in part."...)
	}
	if a.TimedOut {
		b = append(b, " The search stopped at its time limit."...)
	}
	return string(b)
}

// appendPercentUp appends 100*f rounded up to two significant decimals, so
// that "within" stays true.
func appendPercentUp(b []byte, f float64) []byte {
	pct := 100 * f
	switch {
	case pct < 0.01:
		return append(b, "0.01%"...)
	case pct < 1:
		return append(strconv.AppendFloat(b, math.Ceil(pct*100)/100, 'f', 2, 64), '%')
	}
	return append(strconv.AppendFloat(b, math.Ceil(pct*10)/10, 'f', 1, 64), '%')
}

// appendValue appends an objective (weight times pence) as score times
// pounds, rounded to whole pounds, with thousands separators.
func appendValue(b []byte, obj int64) []byte {
	pounds := (obj + WeightScale*100/2) / (WeightScale * 100)
	return appendPounds(b, pounds*100) // whole pounds: no pence shown
}
