package domain

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"needmatch/matcher"
)

// Allocation statuses.
const (
	AllocProposed = "proposed"
	AllocAccepted = "accepted"
)

// Allocation is a matcher proposal of how much of each open pledge to
// approve. An officer reviews it and accepts all or some of it; accepting
// approves the pledges through the normal rules.
type Allocation struct {
	ID             string `json:"id"`
	AuthorityID    string `json:"-"`
	Status         string `json:"status"`
	WeightsVersion int    `json:"weightsVersion"`
	Objective      int64  `json:"objective"`
	Bound          int64  `json:"bound"`
	// BoundKind says how Bound was proven (proven_optimum, knapsack or
	// flow); GapText explains Gap in words for the officer.
	BoundKind     string           `json:"boundKind,omitempty"`
	Gap           float64          `json:"gap"`
	GapText       string           `json:"gapText,omitempty"`
	Optimal       bool             `json:"optimal"`
	ApprovedPence int64            `json:"approvedPence"`
	Items         []AllocationItem `json:"items"`
	CreatedBy     string           `json:"createdBy"`
	CreatedAt     time.Time        `json:"createdAt"`
	AcceptedAt    *time.Time       `json:"acceptedAt,omitempty"`
	Version       int64            `json:"version"`
	// Delta, when set on a proposal being stored, says how its Items
	// differ from those of an earlier proposal stored in full: a store may
	// keep only the delta, and then reads the items back with
	// AllocationDelta.Apply. Reads leave it nil.
	Delta *AllocationDelta `json:"-"`
}

// AllocationItem is the proposal for one pledge, with why it was cut or left out.
type AllocationItem struct {
	PledgeID         string `json:"pledgeId"`
	PledgeVersion    int64  `json:"pledgeVersion"`
	RequestID        string `json:"requestId"`
	RequestTitle     string `json:"requestTitle"`
	OrganisationID   string `json:"organisationId"`
	OrganisationName string `json:"organisationName"`
	ValuePence       int64  `json:"valuePence"`
	ApprovedPence    int64  `json:"approvedPence"`
	// Quantity and Unit are the pledge's; ApprovedQuantity is what the
	// proposed part covers (whole units where the unit is countable).
	Quantity         int64   `json:"quantity"`
	Unit             string  `json:"unit"`
	ApprovedQuantity int64   `json:"approvedQuantity"`
	Score            float64 `json:"score"`
	Reason           string  `json:"reason,omitempty"`
	Explanation      string  `json:"explanation,omitempty"`
}

// AllocationStore persists proposals.
type AllocationStore interface {
	// CreateAllocation stores a proposal with its audit event.
	CreateAllocation(ctx context.Context, a *Allocation, ev *AuditEvent) error
	// AllocationByID returns ENOTFOUND when there is none.
	AllocationByID(ctx context.Context, id string) (*Allocation, error)
	// UpdateAllocation writes a if the stored version is prev; ECONFLICT otherwise.
	UpdateAllocation(ctx context.Context, a *Allocation, prev int64, ev *AuditEvent) error
}

// AcceptResult says which pledges an acceptance approved and which it skipped.
type AcceptResult struct {
	Approved []string      `json:"approved"`
	Skipped  []SkippedItem `json:"skipped"`
}

// SkippedItem is a pledge an acceptance left alone, and why.
type SkippedItem struct {
	PledgeID string `json:"pledgeId"`
	Reason   string `json:"reason"`
}

// SaveAllocation stores a proposal made by the officer.
func (s *Service) SaveAllocation(ctx context.Context, a *Actor, al *Allocation) error {
	if err := requireRole(a, RoleOfficer, RoleAdmin); err != nil {
		return err
	}
	st := s.Store
	now := s.now()
	al.ID, al.AuthorityID, al.Status, al.CreatedBy, al.CreatedAt, al.Version = NewID(), a.AuthorityID, AllocProposed, a.UserID, now, 1
	summary := map[string]any{"objective": al.Objective, "approvedPence": al.ApprovedPence, "pledges": len(al.Items), "weightsVersion": al.WeightsVersion}
	return st.CreateAllocation(ctx, al, NewAuditEvent(al.AuthorityID, a.UserID, "allocation.propose", "allocation", al.ID, nil, summary, now))
}

// GetAllocation returns a proposal of the officer's authority.
func (s *Service) GetAllocation(ctx context.Context, a *Actor, id string) (*Allocation, error) {
	if err := requireRole(a, RoleOfficer, RoleAdmin); err != nil {
		return nil, err
	}
	al, err := s.Store.AllocationByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if al.AuthorityID != a.AuthorityID {
		return nil, Errorf(ENOTFOUND, "Allocation not found.")
	}
	return al, nil
}

// AcceptAllocation approves the proposal's pledges (all, or those listed)
// through the normal rules: each approval checks the pledge's version as of
// the proposal, so a pledge changed since is skipped and reported.
func (s *Service) AcceptAllocation(ctx context.Context, a *Actor, id string, only []string) (*AcceptResult, error) {
	al, err := s.GetAllocation(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if al.Status != AllocProposed {
		return nil, Errorf(ECONFLICT, "This allocation was already accepted.")
	}
	want := map[string]bool{}
	for _, p := range only {
		want[p] = true
	}
	inProposal := map[string]bool{}
	for _, it := range al.Items {
		inProposal[it.PledgeID] = true
	}
	for _, p := range only {
		if !inProposal[p] {
			return nil, FieldErrorf("pledgeIds", "Pledge %s is not in this allocation.", truncateID(p))
		}
	}
	// Approve first, then mark the proposal accepted: a request that dies
	// part way leaves the proposal proposed, and accepting it again (the
	// retry, with its key or without) approves the rest. Marked first, it
	// was left accepted with pledges still offered, and a second accept
	// was refused. Each approval checks the pledge's version as of the
	// proposal, so a pledge is approved once however many accepts run; the
	// approvals answer no key (see withoutKey), the mark does.
	res := &AcceptResult{Approved: []string{}, Skipped: []SkippedItem{}}
	quiet := withoutKey(ctx)
	for _, it := range al.Items {
		if it.ApprovedPence <= 0 || (len(want) > 0 && !want[it.PledgeID]) {
			continue
		}
		_, err := s.MovePledge(quiet, a, it.PledgeID, PledgeDecision{Move: PledgeApprove, AmountPence: it.ApprovedPence, ExpectVersion: it.PledgeVersion})
		switch ErrorCode(err) {
		case "":
			res.Approved = append(res.Approved, it.PledgeID)
		case EINTERNAL, EUNAVAILABLE:
			return res, err
		default:
			if approvedBefore(ctx, s.Store, it) {
				res.Approved = append(res.Approved, it.PledgeID) // by an accept of this proposal that did not finish
				continue
			}
			res.Skipped = append(res.Skipped, SkippedItem{PledgeID: it.PledgeID, Reason: ErrorMessage(err)})
		}
	}
	before, prev, now := *al, al.Version, s.now()
	al.Status, al.AcceptedAt, al.Version = AllocAccepted, &now, al.Version+1
	summary := map[string]any{"status": al.Status, "pledges": only}
	err = s.Store.UpdateAllocation(ctx, al, prev, NewAuditEvent(al.AuthorityID, a.UserID, "allocation.accept", "allocation", al.ID, map[string]any{"status": before.Status}, summary, now))
	if ErrorCode(err) == ECONFLICT {
		// another officer's accept of the same proposal marked it: its
		// approvals and these are one each
		if cur, gerr := s.GetAllocation(ctx, a, id); gerr == nil && cur.Status == AllocAccepted {
			return res, nil
		}
	}
	if err != nil {
		return nil, err
	}
	return res, nil
}

// approvedBefore reports whether the item's pledge is approved for exactly
// the item's amount, one change after the proposal's version: what an
// earlier accept of the same proposal left.
func approvedBefore(ctx context.Context, st Store, it AllocationItem) bool {
	p, err := st.PledgeByID(ctx, it.PledgeID)
	return err == nil && p.Status == PledgeApproved && p.ApprovedPence == it.ApprovedPence && p.Version == it.PledgeVersion+1
}

func truncateID(s string) string {
	if len(s) > 30 {
		return s[:30]
	}
	return s
}

// DeclineResult says which pledges a decline of those left out declined
// and which it left alone, and why.
type DeclineResult struct {
	Declined []string      `json:"declined"`
	Skipped  []SkippedItem `json:"skipped"`
}

// LeftOut reports whether an accepted allocation left the item out: it
// proposed none of the pledge, and not because the pledge waits for a
// bid's award.
func (it AllocationItem) LeftOut() bool {
	return it.ApprovedPence <= 0 && it.Reason != ReasonInBid
}

// DeclineLeftOut declines, in one step, the offered pledges an accepted
// allocation left out, each with the reason the allocation gave, each
// through the normal rules and with its own audit event. A pledge that is
// no longer offered is skipped and reported, so a second call declines
// nothing again.
func (s *Service) DeclineLeftOut(ctx context.Context, a *Actor, id string) (*DeclineResult, error) {
	al, err := s.GetAllocation(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if al.Status != AllocAccepted {
		return nil, Errorf(ECONFLICT, "Accept the allocation first: only then are the pledges it left out declined.")
	}
	res := &DeclineResult{Declined: []string{}, Skipped: []SkippedItem{}}
	// Each decline is its own change, and a retry declines those still
	// offered: the first decline must not answer the key (see withoutKey).
	ctx = withoutKey(ctx)
	for _, it := range al.Items {
		if !it.LeftOut() {
			continue
		}
		p, err := s.Store.PledgeByID(ctx, it.PledgeID)
		if ErrorCode(err) == ENOTFOUND {
			continue
		} else if err != nil {
			return res, err
		}
		if p.Status != PledgeOffered {
			res.Skipped = append(res.Skipped, SkippedItem{PledgeID: it.PledgeID, Reason: sprintf("The pledge is %s already.", p.Status)})
			continue
		}
		_, err = s.MovePledge(ctx, a, it.PledgeID, PledgeDecision{Move: PledgeDecline, Reason: leftOutReason(it), ExpectVersion: p.Version})
		switch ErrorCode(err) {
		case "":
			res.Declined = append(res.Declined, it.PledgeID)
		case EINTERNAL, EUNAVAILABLE:
			return res, err
		default:
			res.Skipped = append(res.Skipped, SkippedItem{PledgeID: it.PledgeID, Reason: ErrorMessage(err)})
		}
	}
	return res, nil
}

// leftOutReason is the decline's reason for a pledge an allocation left
// out: the allocation's own explanation, within a reason's length.
func leftOutReason(it AllocationItem) string {
	why := strings.TrimSpace(it.Explanation)
	if why == "" {
		why = "The matcher's allocation gave the need to other pledges."
	}
	r := []rune("Not in the allocation the council accepted. " + why)
	if len(r) > 2000 {
		r = r[:2000]
	}
	return string(r)
}

// maxWarmChanges is how many pledges may differ from the previous proposal
// of an authority for the next one to start from its solution; past it, or
// when any request's need or supplier's limit differs, the proposal is
// solved from nothing.
const maxWarmChanges = 32

// maxWarmAuthorities bounds the authorities whose last solution is kept.
const maxWarmAuthorities = 8

// allocationCache keeps, per authority, the matcher session of its last
// proposal (every pledge partial), so that a proposal after a few pledges
// changed reuses that solution (a warm start), with the proposal's items
// (heldItems). What changed is found from the rows themselves: a held row
// is replaced when it changes (catchUp), so an item whose rows are the same
// objects is as it was, and its pledge as the session holds it; the
// requests' needs and suppliers' limits are compared in full. The changes
// are applied to the session, or it is dropped and the problem solved from
// nothing; a proposal that fails part way drops everything (forget).
type allocationCache struct {
	mu   sync.Mutex
	byAu map[string]*warmAllocation
	tick int64
}

// warmAllocation is one authority's session and the problem it holds.
type warmAllocation struct {
	mu   sync.Mutex
	used int64 // cache tick of the last use, to drop the oldest
	// rows are the officer's rows of the authority as of the last
	// proposal, caught up with the audit chain by the next (nil: none).
	rows    *matchRows
	session *matcher.Session
	need    map[string]int64 // request -> need
	limit   map[string]int64 // supplier -> limit
	// requests and suppliers are the problem's, in its order
	requests  []matcher.AllocRequest
	suppliers []matcher.AllocSupplier
	pledges   map[string]matcher.AllocPledge
	// held are the items of the last proposal
	held heldItems
}

// entry returns the authority's entry, making it and dropping the least
// recently used one when the cache is full.
func (c *allocationCache) entry(authorityID string) *warmAllocation {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byAu == nil {
		c.byAu = map[string]*warmAllocation{}
	}
	c.tick++
	e := c.byAu[authorityID]
	if e == nil {
		if len(c.byAu) >= maxWarmAuthorities {
			oldest := ""
			for id, o := range c.byAu {
				if oldest == "" || o.used < c.byAu[oldest].used {
					oldest = id
				}
			}
			delete(c.byAu, oldest)
		}
		e = &warmAllocation{}
		c.byAu[authorityID] = e
	}
	e.used = c.tick
	return e
}

// problem is a matcher problem whose pledges (n of them; whole: some must
// be approved whole) are made by pledges only when it is solved from
// nothing: a warm proposal needs only those that changed.
type problem struct {
	matcher.Problem
	n       int
	whole   bool
	pledges func() []matcher.AllocPledge
}

// allocate solves pr for the authority, from its previous solution when
// only a few pledges changed, and calls use with the result; the caller
// holds e.mu, so no other proposal of the authority can change it. set are
// the pledges of pr that may differ from the previous problem's, out those
// of the previous problem that may not be in pr; every other pledge of pr
// is as it was. The result has the objective a solve from nothing has (the
// flow optimum); when a pledge must be approved whole it is solved from
// nothing by matcher.Allocate with opt. warm reports that the previous
// solution was reused.
func (e *warmAllocation) allocate(prob problem, set []matcher.AllocPledge, out []string, opt matcher.Options, use func(*matcher.Allocation)) (warm bool, err error) {
	if !prob.whole && e.session != nil {
		if res := e.warm(prob, set, out); res != nil {
			use(res)
			return true, nil
		}
	}
	pr := prob.Problem
	pr.Pledges = prob.pledges()
	if prob.whole {
		e.session = nil
		res, err := matcher.Allocate(pr, opt)
		if err != nil {
			return false, err
		}
		use(res)
		return false, nil
	}
	s, res, err := matcher.NewSession(pr)
	if err != nil {
		e.session = nil
		return false, err
	}
	e.keep(s, pr)
	use(res)
	return false, nil
}

// keep stores the session and the problem it was built from.
func (e *warmAllocation) keep(s *matcher.Session, pr matcher.Problem) {
	e.session = s
	e.need = make(map[string]int64, len(pr.Requests))
	for _, r := range pr.Requests {
		e.need[r.ID] = r.NeedPence
	}
	e.limit = make(map[string]int64, len(pr.Suppliers))
	for _, s := range pr.Suppliers {
		e.limit[s.ID] = s.LimitPence
	}
	e.requests, e.suppliers = pr.Requests, pr.Suppliers
	e.pledges = make(map[string]matcher.AllocPledge, len(pr.Pledges))
	for _, p := range pr.Pledges {
		e.pledges[p.ID] = p
	}
}

// warm applies to the session the pledges of set that differ from those it
// holds and removes those of out it holds, and proposes again. It returns
// nil, leaving the session untouched, when the requests or suppliers
// differ from the problem it holds or more than maxWarmChanges pledges do;
// it drops the session if the matcher refuses a change, or if the session
// would not then hold exactly pr's pledges.
func (e *warmAllocation) warm(pr problem, set []matcher.AllocPledge, out []string) *matcher.Allocation {
	if len(pr.Requests) != len(e.need) || len(pr.Suppliers) != len(e.limit) {
		return nil
	}
	// mostly they come in the same order as before: compared in step, the
	// maps are needed only from the first that differs
	if !slices.Equal(pr.Requests, e.requests) {
		for _, r := range pr.Requests {
			if n, ok := e.need[r.ID]; !ok || n != r.NeedPence {
				return nil
			}
		}
		e.requests = pr.Requests
	}
	if !slices.Equal(pr.Suppliers, e.suppliers) {
		for _, s := range pr.Suppliers {
			if l, ok := e.limit[s.ID]; !ok || l != s.LimitPence {
				return nil
			}
		}
		e.suppliers = pr.Suppliers
	}
	var changed []matcher.AllocPledge
	for _, p := range set {
		if old, ok := e.pledges[p.ID]; !ok || old != p {
			changed = append(changed, p)
		}
	}
	var gone []string
	for _, id := range out {
		if _, ok := e.pledges[id]; ok {
			gone = append(gone, id)
		}
	}
	if len(changed)+len(gone) > maxWarmChanges {
		return nil
	}
	slices.Sort(gone) // the same changes in the same order every time
	for _, p := range changed {
		if err := e.session.SetPledge(p); err != nil {
			e.session = nil
			return nil
		}
		e.pledges[p.ID] = p
	}
	for _, id := range gone {
		if err := e.session.RemovePledge(id); err != nil {
			e.session = nil
			return nil
		}
		delete(e.pledges, id)
	}
	if len(e.pledges) != pr.n {
		e.session = nil // not pr's pledges: solve from nothing
		return nil
	}
	return e.session.Allocate()
}

// heldSnapshot returns the officer's snapshot of the authority from the
// rows of its last proposal, caught up with what changed since (see
// catchUp), or from rows read in full when it has none or cannot catch
// up. Either way it is the snapshot loadSnapshot would make now.
func (s *Service) heldSnapshot(ctx context.Context, a *Actor, e *warmAllocation, now time.Time) (*matchSnapshot, error) {
	auth, err := s.Store.AuthorityByID(ctx, a.AuthorityID)
	if err != nil {
		return nil, err
	}
	start, ok := time.Now(), false
	if e.rows != nil {
		if ok, err = s.catchUp(ctx, auth.ID, e.rows); err != nil {
			return nil, err
		}
	}
	if ok {
		s.observe("snapshot_caught_up", start)
	} else {
		if e.rows, err = s.readMatchRows(ctx, a, auth.ID); err != nil {
			return nil, err
		}
		s.observe("snapshot_read", start)
	}
	return e.rows.snapshot(auth, now)
}
