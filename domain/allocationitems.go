package domain

import (
	"slices"
	"time"

	"needmatch/matcher"
)

// maxDeltaShare: a proposal is stored as its differences from the last one
// stored in full (AllocationDelta) while fewer than one item in
// maxDeltaShare (and at least minDelta) differ from it; past that it is
// stored in full and becomes the base of the next.
const (
	maxDeltaShare = 10
	minDelta      = 64
)

// heldItems are the items of an authority's last proposal, each with the
// rows it was made from, so that the next proposal makes again only the
// items of pledges whose rows changed (held rows are replaced, never
// changed in place, when they change: see catchUp) and explains again only
// the decisions that changed. Every item is made again when the scoring
// inputs (the council's areas and weights, the time) differ.
type heldItems struct {
	byID map[string]*heldItem
	// order are the last proposal's items in itemOrder, each placed by
	// its key, and items their finals, as proposed; rounding is what
	// rounding to whole units took off the matcher's total in them
	order    []*heldItem
	items    []AllocationItem
	rounding int64
	areas    []Area
	weights  matcher.Weights
	scored   time.Time
	gen      int64 // the proposal being made
	seen     int   // held items offered in it
	// changed are the pledges whose item was made again in this proposal
	// or that left it; set are those of them the matcher weighs
	changed []string
	set     []matcher.AllocPledge
	// moved are the items made again in this proposal or dropped from
	// it, and redecided those decided again: their places in order and
	// items are made again
	moved, redecided []*heldItem
	// decided are the items of the last decisions, in their order (spare:
	// the ones before, to reuse)
	decidedItems, spare []*heldItem
	// offered and offeredItems are the pledges offered in the last
	// proposal (newest first, as sn.pledges) and their items; next are this
	// proposal's, and at its pledge in offered
	offered, nextOffered []*Pledge
	offeredItems, next   []*heldItem
	at                   int
	// base is the last proposal stored in full ("" for none known);
	// sinceBase are the pledges whose item may differ from its
	base      string
	sinceBase map[string]bool
}

// heldItem is one pledge's item.
type heldItem struct {
	p   *Pledge
	r   *Request
	o   *Organisation
	rec matcher.Record
	// item is the item before the matcher's decision, final as proposed
	// from the decision d
	item, final AllocationItem
	d           matcher.Decision
	decided     bool
	fresh       bool  // item made again in this proposal
	gen         int64 // the last proposal that offered the pledge
	// key is the item's place in heldItems.order, and round what its
	// rounding counts in heldItems.rounding
	key   itemKey
	round int64
}

// heldItems starts a proposal from the snapshot sn scored at now.
func (e *warmAllocation) heldItems(sn *matchSnapshot, now time.Time) *heldItems {
	h := &e.held
	if h.byID == nil || !h.scored.Equal(now) || h.weights != sn.weights || !slices.Equal(h.areas, sn.auth.Areas) {
		*h = heldItems{byID: make(map[string]*heldItem, len(sn.pledges)), areas: slices.Clone(sn.auth.Areas), weights: sn.weights, scored: now, gen: h.gen}
	}
	h.gen++
	h.seen, h.changed, h.set, h.at = 0, nil, nil, 0
	h.moved, h.redecided = h.moved[:0], h.redecided[:0]
	h.nextOffered, h.next = h.nextOffered[:0], h.next[:0]
	return h
}

// done ends the making of the proposal's items: this proposal's offered
// pledges are the next one's to find items by.
func (h *heldItems) done() {
	h.offered, h.nextOffered = h.nextOffered, h.offered
	h.offeredItems, h.next = h.next, h.offeredItems
}

// pledges are the matcher's pledges of the proposal's items (all but
// those in a bid), in the order they were offered.
func (h *heldItems) pledges() []matcher.AllocPledge {
	ps := make([]matcher.AllocPledge, 0, len(h.offeredItems))
	for _, it := range h.offeredItems {
		if it.p.BidID == "" {
			ps = append(ps, it.allocPledge())
		}
	}
	return ps
}

// allocPledge is the item's pledge for the matcher.
func (it *heldItem) allocPledge() matcher.AllocPledge {
	return matcher.AllocPledge{ID: it.p.ID, RequestID: it.r.ID, SupplierID: it.o.ID, ValuePence: it.p.ValuePence, Score: it.item.Score, AllowPartial: it.p.AllowPartial}
}

// forget drops what the authority's entry holds: the next proposal is made
// from nothing.
func (e *warmAllocation) forget() {
	e.held = heldItems{}
	e.session = nil
}

// item returns the held item of pledge p of request r by supplier o (of
// record rec), marked fresh when it has to be made again.
func (h *heldItems) item(p *Pledge, r *Request, o *Organisation, rec matcher.Record) *heldItem {
	// the last proposal's offered pledges, newest first as sn.pledges,
	// are walked in step: a map look-up only for a pledge not among them
	var it *heldItem
	for h.at < len(h.offered) && h.offered[h.at] != p && h.offered[h.at].ID > p.ID {
		h.at++
	}
	if h.at < len(h.offered) && h.offered[h.at].ID == p.ID {
		it = h.offeredItems[h.at]
		h.at++
	} else if it = h.byID[p.ID]; it == nil {
		it = &heldItem{}
		h.byID[p.ID] = it
	}
	h.nextOffered, h.next = append(h.nextOffered, p), append(h.next, it)
	it.gen = h.gen
	h.seen++
	it.fresh = it.p != p || it.r != r || it.o != o || it.rec != rec
	if it.fresh {
		it.p, it.r, it.o, it.rec, it.decided = p, r, o, rec, false
		h.changed = append(h.changed, p.ID)
		h.moved = append(h.moved, it)
	}
	return it
}

// sweep drops the items of pledges this proposal did not offer.
func (h *heldItems) sweep() {
	if h.seen == len(h.byID) {
		return
	}
	for id, it := range h.byID {
		if it.gen != h.gen {
			delete(h.byID, id)
			h.changed = append(h.changed, id)
			h.moved = append(h.moved, it)
		}
	}
}

// out are the pledges that may have left the matcher's problem: those gone
// and those now in a bid.
func (h *heldItems) out() []string {
	var out []string
	for _, id := range h.changed {
		if it := h.byID[id]; it == nil || it.item.Reason == ReasonInBid {
			out = append(out, id)
		}
	}
	return out
}

// decideAll makes the items of the decisions' pledges from them, except
// those made from the same decision already. The items of the last
// decisions, mostly in the same order, are walked in step: a map look-up
// only for a pledge out of step.
func (h *heldItems) decideAll(ds []matcher.Decision) {
	last, j := h.decidedItems, 0
	if cap(h.spare) < len(ds) {
		h.spare = make([]*heldItem, len(ds))
	}
	h.decidedItems, h.spare = h.spare[:len(ds)], last
	for i := range ds {
		d := &ds[i]
		if j+1 < len(last) && last[j].item.PledgeID != d.PledgeID && last[j+1].item.PledgeID == d.PledgeID {
			j++ // the pledge before was removed
		}
		var it *heldItem
		if j < len(last) && last[j].item.PledgeID == d.PledgeID && last[j].gen == h.gen {
			it = last[j]
			j++
		} else if it = h.byID[d.PledgeID]; it == nil {
			h.decidedItems[i] = nil
			continue
		}
		h.decidedItems[i] = it
		if !it.decided || it.d != *d {
			h.decide(it, *d)
		}
	}
}

// decide makes the item it from d.
func (h *heldItems) decide(it *heldItem, d matcher.Decision) {
	it.d, it.decided = d, true
	f := it.item
	f.ApprovedPence, f.Reason, f.Explanation = d.ApprovedPence, string(d.Reason), namesIn(d.Explanation, &f)
	roundWholeUnits(&f, it.p)
	it.final = f
	h.redecided = append(h.redecided, it)
	if h.sinceBase != nil {
		h.sinceBase[d.PledgeID] = true
	}
}

// proposal returns the items in itemOrder, and how much rounding to whole
// units took off the matcher's approved total. When few items moved, the
// last proposal's order and items are cut and spliced where they did and
// the items decided again written in place, rather than every item copied
// from its own heldItem.
func (h *heldItems) proposal() ([]AllocationItem, int64) {
	if h.sinceBase != nil {
		for _, id := range h.changed {
			h.sinceBase[id] = true
		}
	}
	if many := max(64, len(h.order)/16); h.order == nil || len(h.moved) > many || len(h.redecided) > many {
		h.placeAll()
	} else {
		h.splice()
		for _, it := range h.redecided {
			if i, ok := h.place(it); ok {
				h.items[i] = it.final
				h.count(it)
			}
		}
	}
	items := make([]AllocationItem, len(h.items))
	copy(items, h.items)
	return items, h.rounding
}

// placeAll makes the order and items from every held item.
func (h *heldItems) placeAll() {
	kept := make([]*heldItem, 0, len(h.byID))
	for _, it := range h.order {
		if it.gen == h.gen && !it.fresh { // offered now, and held by id (sweep)
			kept = append(kept, it)
		}
	}
	var fresh []*heldItem
	for _, it := range h.moved {
		if it.gen == h.gen {
			fresh = append(fresh, it)
		}
	}
	byOrder := func(a, b *heldItem) int { return itemOrder(&a.item, &b.item) }
	slices.SortFunc(fresh, byOrder)
	h.order = mergeSorted(kept, fresh, byOrder)
	h.items, h.rounding = make([]AllocationItem, len(h.order)), 0
	for i, it := range h.order {
		it.key, it.round = keyOf(&it.item), 0
		h.items[i] = it.final
		h.count(it)
	}
}

// splice takes the moved items out of the order and items, and puts those
// still offered back at their new places.
func (h *heldItems) splice() {
	if len(h.moved) == 0 {
		return
	}
	// found by their old keys, placed by their new ones, keyed again
	// when all are placed
	type placing struct {
		it  *heldItem
		key itemKey
	}
	var cut []int
	var fresh []placing
	for _, it := range h.moved {
		i, ok := h.place(it)
		if ok && it.gen == h.gen && keyOf(&it.item) == it.key {
			h.items[i] = it.final // made again, in the same place
			h.count(it)
			continue
		}
		if ok {
			cut = append(cut, i)
			h.rounding -= it.round
			it.round = 0
		}
		if it.gen == h.gen {
			fresh = append(fresh, placing{it, keyOf(&it.item)})
		}
	}
	if len(cut) == 0 && len(fresh) == 0 {
		return
	}
	if len(cut) == 1 && len(fresh) == 1 && h.order[cut[0]] == fresh[0].it {
		h.move(cut[0], fresh[0].key)
		return
	}
	slices.Sort(cut)
	slices.SortFunc(fresh, func(a, b placing) int { return a.key.cmp(b.key) })
	n := len(h.order) - len(cut) + len(fresh)
	order, items := make([]*heldItem, 0, n), make([]AllocationItem, 0, n)
	at := 0 // the next of the old order to copy
	upTo := func(end int) {
		for len(cut) > 0 && cut[0] < end {
			order, items = append(order, h.order[at:cut[0]]...), append(items, h.items[at:cut[0]]...)
			at, cut = cut[0]+1, cut[1:]
		}
		order, items = append(order, h.order[at:end]...), append(items, h.items[at:end]...)
		at = end
	}
	for _, f := range fresh {
		// before the first of the old order that comes after it
		end, _ := slices.BinarySearchFunc(h.order, f.key, func(e *heldItem, k itemKey) int { return e.key.cmp(k) })
		upTo(max(end, at))
		order, items = append(order, f.it), append(items, f.it.final)
	}
	upTo(len(h.order))
	h.order, h.items = order, items
	for _, f := range fresh {
		f.it.key = f.key
		h.count(f.it)
	}
}

// move moves the item at c of the order to its place by its new key k,
// shifting only the items between.
func (h *heldItems) move(c int, k itemKey) {
	it := h.order[c]
	end, _ := slices.BinarySearchFunc(h.order, k, func(e *heldItem, k itemKey) int { return e.key.cmp(k) })
	if end > c {
		end-- // the items after c up to its place move back one
		copy(h.order[c:end], h.order[c+1:end+1])
		copy(h.items[c:end], h.items[c+1:end+1])
	} else {
		copy(h.order[end+1:c+1], h.order[end:c])
		copy(h.items[end+1:c+1], h.items[end:c])
	}
	h.order[end], h.items[end], it.key = it, it.final, k
	h.count(it)
}

// place finds the item in the order by the key it was placed with.
func (h *heldItems) place(it *heldItem) (int, bool) {
	i, ok := slices.BinarySearchFunc(h.order, it.key, func(e *heldItem, k itemKey) int { return e.key.cmp(k) })
	return i, ok && h.order[i] == it
}

// count puts the item's rounding in the proposal's in place of what it
// counted before.
func (h *heldItems) count(it *heldItem) {
	h.rounding -= it.round
	it.round = 0
	if it.decided {
		it.round = it.final.ApprovedPence - it.d.ApprovedPence
	}
	h.rounding += it.round
}

// mergeSorted merges two lists sorted by cmp, a's first among equals.
func mergeSorted[T any](a, b []T, cmp func(T, T) int) []T {
	out := make([]T, 0, len(a)+len(b))
	for len(a) > 0 && len(b) > 0 {
		if cmp(b[0], a[0]) < 0 {
			out, b = append(out, b[0]), b[1:]
		} else {
			out, a = append(out, a[0]), a[1:]
		}
	}
	return append(append(out, a...), b...)
}

// delta is this proposal as its differences from the base, or nil when it
// is to be stored in full.
func (h *heldItems) delta() *AllocationDelta {
	if h.base == "" || h.sinceBase == nil || len(h.sinceBase) > max(minDelta, len(h.order)/maxDeltaShare) {
		return nil
	}
	d := &AllocationDelta{BaseID: h.base, Set: []AllocationItem{}, Gone: []string{}}
	for id := range h.sinceBase {
		if it := h.byID[id]; it != nil {
			d.Set = append(d.Set, it.final)
		} else {
			d.Gone = append(d.Gone, id)
		}
	}
	slices.SortFunc(d.Set, func(a, b AllocationItem) int { return itemOrder(&a, &b) })
	slices.Sort(d.Gone)
	return d
}

// saved records that the proposal with delta d was stored as id: stored
// in full, it is the next one's base.
func (h *heldItems) saved(id string, d *AllocationDelta) {
	if d == nil {
		h.base, h.sinceBase = id, map[string]bool{}
	}
}

// AllocationDelta is a proposal kept as its differences from an earlier
// proposal of the authority stored in full (BaseID): its items are the
// base's, less those of the pledges in Gone, with those in Set put in
// place of the base's items of the same pledges or added.
type AllocationDelta struct {
	BaseID string
	Set    []AllocationItem
	Gone   []string
}

// Apply returns the items of the proposal the delta keeps, given the
// base's items, in the order a proposal has them (itemOrder).
func (d *AllocationDelta) Apply(base []AllocationItem) []AllocationItem {
	drop := make(map[string]bool, len(d.Set)+len(d.Gone))
	for _, id := range d.Gone {
		drop[id] = true
	}
	set := slices.Clone(d.Set)
	for _, it := range set {
		drop[it.PledgeID] = true
	}
	kept := make([]AllocationItem, 0, len(base))
	for _, it := range base {
		if !drop[it.PledgeID] {
			kept = append(kept, it)
		}
	}
	byOrder := func(a, b AllocationItem) int { return itemOrder(&a, &b) }
	slices.SortFunc(set, byOrder)
	return mergeSorted(kept, set, byOrder)
}
