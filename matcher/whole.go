package matcher

import (
	"cmp"
	"math/rand/v2"
	"slices"
)

// Work limits of the whole-pledge search; see Options.
const (
	exactNodeWork  = 4_000_000  // arcs x nodes of the exhaustive search
	blockNodeLimit = 4096       // branch and bound nodes per block
	searchNodeWork = 24_000_000 // block items x nodes of the whole search, all moves
	perturbFactor  = 3          // forced insertions per pledge
)

// outcome is what solve found.
type outcome struct {
	x          []int64 // approved amount of every pledge, by index
	obj, bound int64
	kind       BoundKind
	optimal    bool
	timedOut   bool // stop cut the search short
}

// solve allocates, and proves the best bound it can within the work limits.
func (pb *prob) solve(opt Options, stop func() bool) outcome {
	np := len(pb.pReq)
	x := make([]int64, np)
	// a whole pledge bigger than its need or its supplier's limit is out of
	// every feasible allocation, so the relaxations leave it out too
	active := make([]int32, 0, np)
	for p := range np {
		if pb.pCap[p] > 0 && (!pb.pWhole[p] || pb.pVal[p] <= pb.pCap[p]) {
			active = append(active, int32(p))
		}
	}
	price := make([]int64, len(pb.limit))
	bound := pb.transportPriced(pb.need, pb.limit, active, pb.pCap, x, price)
	fractional, wholeCount := false, 0
	for _, p := range active {
		if pb.pWhole[p] {
			wholeCount++
			if x[p] != 0 && x[p] != pb.pVal[p] {
				fractional = true
			}
		}
	}
	if !fractional {
		return outcome{x: x, obj: bound, bound: bound, kind: BoundOptimum, optimal: true}
	}
	pb.index()
	s := pb.newSearch(x, active, stop)
	s.run(opt.SearchRounds)
	out := outcome{x: s.x, obj: s.obj, bound: bound, kind: BoundFlow, timedOut: s.stopped}
	if out.obj < out.bound && opt.ExactWhole > 0 && wholeCount <= opt.ExactWhole {
		ex := pb.newExact(active, out.obj, exactNodeWork/max(len(active), 1))
		ex.branch()
		if ex.found {
			out.x, out.obj = ex.best, ex.bestObj
		}
		if ex.complete {
			out.bound = out.obj
		}
	}
	if out.obj < out.bound {
		usable := make([]bool, np)
		for _, p := range active {
			usable[p] = true
		}
		if kb, ok := pb.newKnapsack(usable).bound(price, out.obj, stop); ok && kb < out.bound {
			out.bound, out.kind = kb, BoundKnapsack
		}
	}
	if out.obj == out.bound {
		out.bound, out.kind, out.optimal = out.obj, BoundOptimum, true
	}
	return out
}

// search is the local search for whole pledges.
type search struct {
	pb             *prob
	x              []int64
	reqRes, supRes []int64
	stop           func() bool
	stopped        bool
	work           int
	obj            int64
	logging        bool
	undo           []undoEntry
	inQueue        []bool
	banned         []bool // pledges a drop move keeps out while it repairs
	// each request's and supplier's pledges, best weight first
	reqPls, supPls [][]int32
	// block scratch: group of each request or supplier (by stamp)
	grpStamp []int32
	grpOf    []int32
	stamp    int32
	newX     []int64
	gl       []int64
	changed  []int32
	// block scratch
	items   []blockItem
	order   []int32 // items by weight, best first
	bins    []int32 // binary items in branching order
	binPos  []int32 // item -> position in bins, -1 for continuous
	groups  []int64
	gscr    []int64
	choose  []bool
	bestSel []bool
	nodes   int
	best    int64
}

type blockItem struct {
	p   int32
	w   int64
	amt int64
	g   int32
	bin bool
}

func (pb *prob) newSearch(lp []int64, active []int32, stop func() bool) *search {
	s := &search{pb: pb, x: slices.Clone(lp), stop: stop, banned: make([]bool, len(lp))}
	byWeight := func(a, b int32) int { return cmp.Or(cmp.Compare(pb.pW[b], pb.pW[a]), cmp.Compare(a, b)) }
	s.reqPls = make([][]int32, len(pb.byReq))
	for r, pls := range pb.byReq {
		s.reqPls[r] = slices.SortedFunc(slices.Values(pls), byWeight)
	}
	s.supPls = make([][]int32, len(pb.bySup))
	for u, pls := range pb.bySup {
		s.supPls[u] = slices.SortedFunc(slices.Values(pls), byWeight)
	}
	n := max(len(pb.need), len(pb.limit))
	s.grpStamp = make([]int32, n)
	s.grpOf = make([]int32, n)
	// keep whole pledges the flow approved in full, drop the cut ones
	type cand struct {
		p    int32
		frac float64
	}
	var cands []cand
	for _, p := range active {
		if !pb.pWhole[p] || s.x[p] == pb.pVal[p] {
			continue
		}
		if pb.pVal[p] <= pb.pCap[p] {
			cands = append(cands, cand{p, float64(s.x[p]) / float64(pb.pVal[p])})
		}
		s.x[p] = 0
	}
	s.reqRes = slices.Clone(pb.need)
	s.supRes = slices.Clone(pb.limit)
	for p, v := range s.x {
		s.reqRes[pb.pReq[p]] -= v
		s.supRes[pb.pSup[p]] -= v
		s.obj += pb.pW[p] * v
	}
	// then add the others greedily: most approved by the flow, then by weight
	slices.SortFunc(cands, func(a, b cand) int {
		return cmp.Or(cmp.Compare(b.frac, a.frac), cmp.Compare(pb.pW[b.p], pb.pW[a.p]), cmp.Compare(a.p, b.p))
	})
	for _, c := range cands {
		s.tryAdd(c.p)
	}
	for _, p := range active {
		if pb.pWhole[p] && s.x[p] == 0 && pb.pVal[p] <= pb.pCap[p] {
			s.tryAdd(p)
		}
	}
	return s
}

func (s *search) tryAdd(p int32) {
	pb := s.pb
	v, r, u := pb.pVal[p], pb.pReq[p], pb.pSup[p]
	if s.x[p] == 0 && v <= s.reqRes[r] && v <= s.supRes[u] {
		s.set(p, v)
	}
}

func (s *search) objective() int64 {
	var o int64
	for p, v := range s.x {
		o += s.pb.pW[p] * v
	}
	return o
}

// set changes the amount of pledge p, keeping the residuals and the
// objective, and logs the old amount while a move is on trial.
func (s *search) set(p int32, v int64) {
	pb := s.pb
	d := v - s.x[p]
	if s.logging {
		s.undo = append(s.undo, undoEntry{p, s.x[p]})
	}
	s.x[p] = v
	s.reqRes[pb.pReq[p]] -= d
	s.supRes[pb.pSup[p]] -= d
	s.obj += pb.pW[p] * d
}

type undoEntry struct {
	p   int32
	old int64
}

// rollback undoes every change logged since the move began.
func (s *search) rollback() {
	s.logging = false
	for i := len(s.undo) - 1; i >= 0; i-- {
		s.set(s.undo[i].p, s.undo[i].old)
	}
	s.undo = s.undo[:0]
}

func (s *search) halted() bool {
	if s.stopped {
		return true
	}
	if s.work > searchNodeWork {
		return true
	}
	if s.stop != nil && s.stop() {
		s.stopped = true
	}
	return s.stopped
}

// run alternates block local search with an exact re-solve of the partial
// pledges until neither improves, then drops each approved whole pledge in
// turn, tries forced insertions, and drops again (a third pass found
// nothing on the benchmarks).
func (s *search) run(rounds int) {
	pb := s.pb
	nr, ns := len(pb.need), len(pb.limit)
	var partial []int32
	for p := range pb.pReq {
		if !pb.pWhole[p] && pb.pCap[p] > 0 {
			partial = append(partial, int32(p))
		}
	}
	for range rounds {
		improved := s.localSearch(nr, ns)
		if s.resolvePartial(partial) {
			improved = true
		}
		if !improved || s.halted() {
			break
		}
	}
	s.drop()
	s.perturb(perturbFactor * len(pb.pReq))
	s.drop()
	s.resolvePartial(partial)
}

// drop takes out each approved whole pledge in turn, keeps it out while
// the block search repairs its request and supplier and whatever that
// frees in turn (an ejection chain: another pledge takes the room, which
// frees room elsewhere), and keeps the result when the objective rose.
// The forced insertions of perturb miss these chains: they make room by
// evicting the lowest weights, not the pledge whose removal pays.
func (s *search) drop() (improved bool) {
	pb := s.pb
	nr := int32(len(pb.need))
	var queue []int32
	for p := range pb.pReq {
		if s.halted() {
			return false
		}
		if !pb.pWhole[p] || s.x[p] == 0 {
			continue
		}
		before := s.obj
		s.logging = true
		s.undo = s.undo[:0]
		s.set(int32(p), 0)
		s.banned[p] = true
		// its request and supplier, and the blocks that their freed room
		// may let improve
		b1, b2 := pb.pReq[p], nr+pb.pSup[p]
		queue = s.queueFreed(append(queue[:0], b1, b2), b1)
		queue = s.queueFreed(queue, b2)
		s.work += 16
		s.improveBlocks(queue)
		s.banned[p] = false
		if s.obj <= before {
			s.rollback()
		} else {
			s.logging = false
			s.undo = s.undo[:0]
			improved = true
		}
	}
	return improved
}

// queueFreed appends to queue the blocks that room freed at block b (a
// request r as r, a supplier u as nr+u) may let improve: for each pledge
// left out there that the room now fits, the block of its other side.
func (s *search) queueFreed(queue []int32, b int32) []int32 {
	pb := s.pb
	nr := int32(len(pb.need))
	if b < nr {
		for _, q := range s.reqPls[b] {
			if s.x[q] == 0 && !s.banned[q] && (!pb.pWhole[q] || pb.pVal[q] <= s.reqRes[b]) {
				queue = append(queue, nr+pb.pSup[q])
			}
		}
		return queue
	}
	u := b - nr
	for _, q := range s.supPls[u] {
		if s.x[q] == 0 && !s.banned[q] && (!pb.pWhole[q] || pb.pVal[q] <= s.supRes[u]) {
			queue = append(queue, pb.pReq[q])
		}
	}
	return queue
}

// resolvePartial re-solves the partial pledges exactly by network simplex
// around the whole ones and reports whether that improved the objective.
func (s *search) resolvePartial(partial []int32) bool {
	pb := s.pb
	if len(partial) == 0 || s.halted() {
		return false
	}
	need := slices.Clone(s.reqRes)
	limit := slices.Clone(s.supRes)
	var before int64
	for _, p := range partial {
		need[pb.pReq[p]] += s.x[p]
		limit[pb.pSup[p]] += s.x[p]
		before += pb.pW[p] * s.x[p]
	}
	out := make([]int64, len(pb.pReq))
	if pb.transport(need, limit, partial, pb.pCap, out) <= before {
		return false
	}
	for _, p := range partial {
		s.set(p, out[p])
	}
	return true
}

// perturb is a ruin and recreate search: it forces a left-out whole pledge
// in (chosen by a generator with a fixed seed, so runs repeat), evicting the
// lowest-weight pledges of its request and supplier to make room, lets the
// block search repair around it, and keeps the result unless the objective
// fell.
func (s *search) perturb(iters int) {
	pb := s.pb
	var cands []int32
	for p := range pb.pReq {
		if pb.pWhole[p] && pb.pCap[p] > 0 && pb.pVal[p] <= pb.pCap[p] {
			cands = append(cands, int32(p))
		}
	}
	if len(cands) == 0 {
		return
	}
	nr := int32(len(pb.need))
	rng := rand.New(rand.NewPCG(uint64(len(cands)), 0x70657274))
	var dirty []int32
	for range iters {
		if s.halted() {
			return
		}
		p := cands[rng.IntN(len(cands))]
		if s.x[p] != 0 {
			continue
		}
		before := s.obj
		s.logging = true
		s.undo = s.undo[:0]
		r, u, v := pb.pReq[p], pb.pSup[p], pb.pVal[p]
		dirty = append(dirty[:0], r, nr+u)
		dirty = s.evict(pb.byReq[r], v-s.reqRes[r], p, dirty, func(q int32) int32 { return nr + pb.pSup[q] })
		dirty = s.evict(pb.bySup[u], v-s.supRes[u], p, dirty, func(q int32) int32 { return pb.pReq[q] })
		s.set(p, v)
		s.work += 16
		s.improveBlocks(dirty)
		if s.obj < before {
			s.rollback()
		} else {
			s.logging = false
			s.undo = s.undo[:0]
		}
	}
}

// evict frees at least room pence among pls (but pledge keep), lowest
// weight first, and adds the other side's block of each evicted pledge to
// dirty.
func (s *search) evict(pls []int32, room int64, keep int32, dirty []int32, other func(int32) int32) []int32 {
	pb := s.pb
	for room > 0 {
		q := int32(-1)
		for _, c := range pls {
			if c != keep && s.x[c] > 0 && (q < 0 || pb.pW[c] < pb.pW[q]) {
				q = c
			}
		}
		if q < 0 {
			return dirty
		}
		cut := s.x[q]
		if !pb.pWhole[q] {
			cut = min(cut, room)
		}
		s.set(q, s.x[q]-cut)
		room -= cut
		dirty = append(dirty, other(q))
	}
	return dirty
}

// localSearch re-optimises, one block at a time, the pledges of a request
// (block r) or of a supplier (block nr+s) with everything else fixed, until
// no block improves.
func (s *search) localSearch(nr, ns int) bool {
	queue := make([]int32, 0, nr+ns)
	for b := range nr + ns {
		queue = append(queue, int32(b))
	}
	return s.improveBlocks(queue)
}

// improveBlocks runs the block local search from the blocks in queue
// (requests as r, suppliers as nr+s).
func (s *search) improveBlocks(queue []int32) bool {
	nr, ns := len(s.pb.need), len(s.pb.limit)
	if len(s.inQueue) != nr+ns {
		s.inQueue = make([]bool, nr+ns)
	}
	inQueue := s.inQueue
	for _, b := range queue {
		inQueue[b] = true
	}
	improved := false
	for head := 0; head < len(queue); head++ {
		if s.halted() {
			break
		}
		b := queue[head]
		inQueue[b] = false
		var pls []int32
		isReq := int(b) < nr
		if isReq {
			pls = s.reqPls[b]
		} else {
			pls = s.supPls[int(b)-nr]
		}
		changed := s.block(pls, isReq)
		if len(changed) == 0 {
			continue
		}
		improved = true
		for _, p := range changed {
			var o int32
			if isReq {
				o = int32(nr) + s.pb.pSup[p]
			} else {
				o = s.pb.pReq[p]
			}
			if !inQueue[o] {
				inQueue[o] = true
				queue = append(queue, o)
			}
		}
		if head > 4*(nr+ns) {
			// compact the queue
			queue = slices.Clone(queue[head+1:])
			head = -1
		}
	}
	for _, b := range queue {
		inQueue[b] = false
	}
	return improved
}

// block solves the block of pledges pls exactly (within a node limit) and
// applies the result if it is strictly better; it returns the pledges whose
// amounts changed.
func (s *search) block(pls []int32, isReq bool) []int32 {
	pb := s.pb
	if len(pls) == 0 {
		return nil
	}
	hasBin := false
	for _, p := range pls {
		if pb.pWhole[p] {
			hasBin = true
			break
		}
	}
	if !hasBin {
		return nil // partial-only blocks are left to the exact re-solve
	}
	// main capacity and groups (the other side of each pledge)
	var mainCap int64
	other := func(p int32) int32 { return pb.pReq[p] }
	res := s.reqRes
	if isReq {
		mainCap = pb.need[pb.pReq[pls[0]]]
		other = func(p int32) int32 { return pb.pSup[p] }
		res = s.supRes
	} else {
		mainCap = pb.limit[pb.pSup[pls[0]]]
	}
	s.items = s.items[:0]
	s.groups = s.groups[:0]
	s.stamp++
	var cur int64
	for _, p := range pls { // pls is sorted best weight first
		if s.banned[p] {
			continue // out, at 0, while a drop move repairs around it
		}
		o := other(p)
		if s.grpStamp[o] != s.stamp {
			s.grpStamp[o] = s.stamp
			s.grpOf[o] = int32(len(s.groups))
			s.groups = append(s.groups, res[o])
		}
		g := s.grpOf[o]
		s.groups[g] += s.x[p]
		cur += pb.pW[p] * s.x[p]
		amt := pb.pCap[p]
		if pb.pWhole[p] {
			amt = pb.pVal[p]
		}
		s.items = append(s.items, blockItem{p: p, w: pb.pW[p], amt: amt, g: g, bin: pb.pWhole[p]})
	}
	items := s.items
	// items are in weight order already
	s.order = s.order[:0]
	for i := range items {
		s.order = append(s.order, int32(i))
	}
	s.bins = s.bins[:0]
	s.binPos = s.binPos[:0]
	for range items {
		s.binPos = append(s.binPos, -1)
	}
	for _, i := range s.order {
		it := &items[i]
		if it.bin && it.amt <= mainCap && it.amt <= s.groups[it.g] {
			s.binPos[i] = int32(len(s.bins))
			s.bins = append(s.bins, i)
		}
	}
	s.choose = resizeBools(s.choose, len(s.bins))
	s.bestSel = resizeBools(s.bestSel, len(s.bins))
	s.best = cur
	s.nodes = 0
	found := false
	s.gl = append(s.gl[:0], s.groups...)
	gl := s.gl
	s.dfs(0, mainCap, gl, 0, &found)
	s.work += s.nodes * len(items)
	if !found {
		return nil
	}
	// apply: chosen binaries, then continuous items greedily
	s.newX = append(s.newX[:0], make([]int64, len(items))...)
	newX := s.newX
	mainLeft := mainCap
	copy(gl, s.groups)
	for k, i := range s.bins {
		if s.bestSel[k] {
			it := &items[i]
			newX[i] = it.amt
			mainLeft -= it.amt
			gl[it.g] -= it.amt
		}
	}
	for _, i := range s.order {
		it := &items[i]
		if it.bin {
			continue
		}
		a := min(it.amt, mainLeft, gl[it.g])
		if a > 0 {
			newX[i] = a
			mainLeft -= a
			gl[it.g] -= a
		}
	}
	s.changed = s.changed[:0]
	for i := range items {
		p := items[i].p
		if newX[i] != s.x[p] {
			s.set(p, newX[i])
			s.changed = append(s.changed, p)
		}
	}
	return s.changed
}

func resizeBools(b []bool, n int) []bool {
	if cap(b) < n {
		return make([]bool, n)
	}
	b = b[:n]
	clear(b)
	return b
}

// dfs branches on binary k (in s.bins order) with mainLeft and groupLeft
// room left and val gained so far.
func (s *search) dfs(k int, mainLeft int64, groupLeft []int64, val int64, found *bool) {
	s.nodes++
	if s.nodes > blockNodeLimit {
		return
	}
	ub := val + s.greedy(k, mainLeft, groupLeft)
	if ub <= s.best {
		return
	}
	if k == len(s.bins) {
		s.best = ub
		copy(s.bestSel, s.choose)
		*found = true
		return
	}
	it := &s.items[s.bins[k]]
	if it.amt <= mainLeft && it.amt <= groupLeft[it.g] {
		s.choose[k] = true
		groupLeft[it.g] -= it.amt
		s.dfs(k+1, mainLeft-it.amt, groupLeft, val+it.w*it.amt, found)
		groupLeft[it.g] += it.amt
		s.choose[k] = false
	}
	s.dfs(k+1, mainLeft, groupLeft, val, found)
}

// greedy is the best value of the continuous items and the binaries from k
// on, taken fractionally, best weight first; once k covers every binary it
// is the exact value of the continuous items.
func (s *search) greedy(k int, mainLeft int64, groupLeft []int64) int64 {
	s.gscr = append(s.gscr[:0], groupLeft...)
	gl := s.gscr
	var v int64
	for _, i := range s.order {
		if mainLeft == 0 {
			break
		}
		it := &s.items[i]
		if it.bin {
			if pos := s.binPos[i]; pos < int32(k) {
				continue
			}
		}
		a := min(it.amt, mainLeft, gl[it.g])
		if a > 0 {
			v += it.w * a
			mainLeft -= a
			gl[it.g] -= a
		}
	}
	return v
}

// exact is a branch and bound over the whole pledges, each node solving the
// flow relaxation of the undecided ones.
type exact struct {
	pb        *prob
	active    []int32
	decided   []int8 // per pledge: 0 undecided, 1 in, -1 out
	need      []int64
	limit     []int64
	fixedObj  int64
	best      []int64
	bestObj   int64
	found     bool
	nodes     int
	nodeLimit int
	complete  bool
	tmp       []int64
	caps      []int64
}

func (pb *prob) newExact(active []int32, incumbent int64, nodeLimit int) *exact {
	np := len(pb.pReq)
	ex := &exact{pb: pb, active: active, decided: make([]int8, np), need: slices.Clone(pb.need),
		limit: slices.Clone(pb.limit), bestObj: incumbent, nodeLimit: max(nodeLimit, 64), complete: true,
		tmp: make([]int64, np), caps: slices.Clone(pb.pCap)}
	for _, p := range active {
		if pb.pWhole[p] && pb.pVal[p] > pb.pCap[p] {
			ex.decided[p] = -1 // can never fit whole
		}
	}
	return ex
}

func (ex *exact) branch() {
	pb := ex.pb
	ex.nodes++
	if ex.nodes > ex.nodeLimit {
		ex.complete = false
		return
	}
	pls := make([]int32, 0, len(ex.active))
	for _, p := range ex.active {
		if ex.decided[p] != 0 {
			continue
		}
		if pb.pWhole[p] && (pb.pVal[p] > ex.need[pb.pReq[p]] || pb.pVal[p] > ex.limit[pb.pSup[p]]) {
			continue // cannot fit here: out in this subtree
		}
		pls = append(pls, p)
	}
	relax := ex.fixedObj + pb.transport(ex.need, ex.limit, pls, ex.caps, ex.tmp)
	if relax <= ex.bestObj {
		return
	}
	var frac int32 = -1
	for _, p := range pls {
		if pb.pWhole[p] && ex.tmp[p] != 0 && ex.tmp[p] != pb.pVal[p] {
			frac = p
			break
		}
	}
	if frac < 0 {
		ex.bestObj = relax
		ex.found = true
		ex.best = make([]int64, len(pb.pReq))
		for _, p := range pls {
			ex.best[p] = ex.tmp[p]
		}
		for _, p := range ex.active {
			if ex.decided[p] == 1 {
				ex.best[p] = pb.pVal[p]
			}
		}
		return
	}
	v, r, s := pb.pVal[frac], pb.pReq[frac], pb.pSup[frac]
	ex.decided[frac] = 1
	ex.need[r] -= v
	ex.limit[s] -= v
	ex.fixedObj += pb.pW[frac] * v
	ex.branch()
	ex.fixedObj -= pb.pW[frac] * v
	ex.need[r] += v
	ex.limit[s] += v
	ex.decided[frac] = -1
	ex.branch()
	ex.decided[frac] = 0
}
