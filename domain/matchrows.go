package domain

import (
	"context"
	"slices"
	"strings"
	"time"

	"needmatch/matcher"
)

// matchRows are the rows a matchSnapshot is made of: the authority's
// published requests, the approved suppliers the actor may see and their
// pledges, each by id. seq is the head of the authority's audit chain read
// before the rows: every change up to it is in them (see
// AuditStore.ChangedSince).
type matchRows struct {
	seq       int64
	requests  map[string]*Request
	suppliers map[string]*Organisation
	pledges   map[string]*Pledge
	// The rest is derived from the rows above on the first snapshot
	// (index) and then adjusted for what catchUp changes, so that a
	// proposal after a few changes neither sorts nor groups every pledge
	// again. list is every pledge, newest first; byReq and bySup the
	// pledges of each request and supplier any pledge names, with the
	// supplier's open total and record.
	indexed bool
	list    []rowPledge
	byReq   map[string]*requestRows
	bySup   map[string]*supplierRows
	marks   int64 // snapshots made, to mark the groups a proposal met
}

// rowPledge is a pledge with the rows of its request and supplier.
type rowPledge struct {
	p   *Pledge
	req *requestRows
	sup *supplierRows
}

// pledgeGroup are the held pledges of one request or supplier, in no
// order, and the mark of the last snapshot whose proposal met it.
type pledgeGroup struct {
	ps   []*Pledge
	mark int64
}

// requestRows are a request's pledges and the request (nil: not
// published, or gone).
type requestRows struct {
	pledgeGroup
	r *Request
}

// supplierRows are a supplier's pledges, the supplier (nil: not an
// approved supplier the rows hold), the approved pence of its open
// commitments and its record. The record was counted at recAt and holds
// until recUntil (for ever when !recEnds); !recMade: to be counted.
type supplierRows struct {
	pledgeGroup
	o                *Organisation
	open             int64
	rec              matcher.Record
	recAt, recUntil  time.Time
	recEnds, recMade bool
}

// maxChangedObjects is how many events since its snapshot a warm proposal
// reads and applies; past it the rows are read again in full.
const maxChangedObjects = 256

// readMatchRows reads the rows of the authority the actor may see (only
// officers see every supplier's pledges), after the head of its audit chain.
func (s *Service) readMatchRows(ctx context.Context, a *Actor, authorityID string) (*matchRows, error) {
	st := s.Store
	seq, _, err := st.AuditHead(ctx, authorityID)
	if err != nil {
		return nil, err
	}
	rows := &matchRows{seq: seq, requests: map[string]*Request{}, suppliers: map[string]*Organisation{}, pledges: map[string]*Pledge{}}
	requests, err := AllPages(func(p Page) ([]*Request, string, error) {
		return st.FindRequests(ctx, RequestFilter{AuthorityID: authorityID, Statuses: []RequestStatus{ReqPublished}, Page: p})
	}, 0)
	if err != nil {
		return nil, err
	}
	for _, r := range requests {
		rows.requests[r.ID] = r
	}
	orgs, err := AllPages(func(p Page) ([]*Organisation, string, error) {
		return st.FindOrganisations(ctx, OrganisationFilter{AuthorityID: authorityID, Kind: KindSupplier, Status: OrgApproved, Page: p})
	}, 0)
	if err != nil {
		return nil, err
	}
	for _, o := range orgs {
		if a.IsOfficer() || o.ID == a.OrganisationID {
			rows.suppliers[o.ID] = o
		}
	}
	pf := PledgeFilter{AuthorityID: authorityID}
	if !a.IsOfficer() {
		pf.OrganisationID = a.OrganisationID
	}
	pledges, err := allPledges(ctx, st, pf)
	if err != nil {
		return nil, err
	}
	for _, p := range pledges {
		rows.pledges[p.ID] = p
	}
	return rows, nil
}

// unchangedObjects are the audit object types whose changes write none of
// the rows of a snapshot (the authority itself is read for every proposal).
// An event of any type not here and not a pledge, request or organisation
// (a contract's award, a delivery) makes a warm proposal read every row.
var unchangedObjects = map[string]bool{"allocation": true, "authority": true, "message": true, "question": true, "notification": true, "user": true}

// catchUp brings an officer's rows up to the head of the authority's audit
// chain by reading again only the objects its events since rows.seq are
// about: a pledge with its request, a request or an organisation with its
// pledges. It reports false, leaving rows as they were, when it cannot
// know what changed (too many events, an event of another kind, a chain
// behind the rows'); the caller then reads every row.
func (s *Service) catchUp(ctx context.Context, authorityID string, rows *matchRows) (bool, error) {
	st := s.Store
	head, _, err := st.AuditHead(ctx, authorityID)
	if err != nil || head == rows.seq {
		return err == nil, err
	}
	if head < rows.seq {
		return false, nil
	}
	changes, err := st.ChangedSince(ctx, authorityID, rows.seq, maxChangedObjects+1)
	if err != nil || len(changes) > maxChangedObjects {
		return false, err
	}
	pledgeIDs, requestIDs, orgIDs := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, c := range changes {
		switch {
		case c.ObjectType == "pledge":
			pledgeIDs[c.Object] = true
		case c.ObjectType == "request":
			requestIDs[c.Object] = true
		case c.ObjectType == "organisation":
			orgIDs[c.Object] = true
		case !unchangedObjects[c.ObjectType]:
			return false, nil
		}
	}
	// Read everything first, so that rows stay as they were on an error.
	pledges := map[string]*Pledge{} // nil: gone from the authority
	for id := range pledgeIDs {
		p, err := st.PledgeByID(ctx, id)
		if err != nil && ErrorCode(err) != ENOTFOUND {
			return false, err
		}
		if err == nil && p.AuthorityID == authorityID {
			pledges[id] = p
			requestIDs[p.RequestID] = true
		} else {
			pledges[id] = nil
		}
		if old := rows.pledges[id]; old != nil {
			requestIDs[old.RequestID] = true
		}
	}
	rows.index()
	for _, f := range []struct {
		ids  map[string]bool
		of   func(string) PledgeFilter
		held func(string) []*Pledge
	}{
		{requestIDs, func(id string) PledgeFilter { return PledgeFilter{AuthorityID: authorityID, RequestID: id} }, func(id string) []*Pledge {
			if g := rows.byReq[id]; g != nil {
				return g.ps
			}
			return nil
		}},
		{orgIDs, func(id string) PledgeFilter { return PledgeFilter{AuthorityID: authorityID, OrganisationID: id} }, func(id string) []*Pledge {
			if g := rows.bySup[id]; g != nil {
				return g.ps
			}
			return nil
		}},
	} {
		for id := range f.ids {
			ps, err := allPledges(ctx, st, f.of(id))
			if err != nil {
				return false, err
			}
			for _, p := range f.held(id) {
				if _, ok := pledges[p.ID]; !ok {
					pledges[p.ID] = nil
				}
			}
			for _, p := range ps {
				pledges[p.ID] = p
			}
		}
	}
	requests := map[string]*Request{}
	for id := range requestIDs {
		r, err := st.RequestByID(ctx, id)
		if err != nil && ErrorCode(err) != ENOTFOUND {
			return false, err
		}
		if err == nil && r.AuthorityID == authorityID && r.Status == ReqPublished {
			requests[id] = r
		} else {
			requests[id] = nil
		}
	}
	orgs := map[string]*Organisation{}
	for id := range orgIDs {
		o, err := st.OrganisationByID(ctx, id)
		if err != nil && ErrorCode(err) != ENOTFOUND {
			return false, err
		}
		if err == nil && o.AuthorityID == authorityID && o.Kind == KindSupplier && o.Status == OrgApproved {
			orgs[id] = o
		} else {
			orgs[id] = nil
		}
	}
	// the groups see the new requests and suppliers
	put(rows.requests, requests, func(id string, r *Request) {
		if rq := rows.byReq[id]; rq != nil {
			rq.r = r
		}
	})
	put(rows.suppliers, orgs, func(id string, o *Organisation) {
		if su := rows.bySup[id]; su != nil {
			su.o = o
		}
	})
	rows.setPledges(pledges)
	rows.seq = head
	return true, nil
}

// put sets the values of changed in m, deleting those that are nil, and
// tells each to also.
func put[T any](m map[string]*T, changed map[string]*T, also func(string, *T)) {
	for id, v := range changed {
		also(id, v)
		if v == nil {
			delete(m, id)
		} else {
			m[id] = v
		}
	}
}

// index derives the rows' list and groups from their maps, once.
func (rows *matchRows) index() {
	if rows.indexed {
		return
	}
	rows.indexed = true
	rows.byReq, rows.bySup = map[string]*requestRows{}, map[string]*supplierRows{}
	ps := make([]*Pledge, 0, len(rows.pledges))
	for _, p := range rows.pledges {
		ps = append(ps, p)
	}
	slices.SortFunc(ps, func(a, b *Pledge) int { return strings.Compare(b.ID, a.ID) })
	rows.list = make([]rowPledge, len(ps))
	for i, p := range ps {
		rows.list[i] = rows.add(p)
	}
}

// add puts p in the groups of its request and supplier.
func (rows *matchRows) add(p *Pledge) rowPledge {
	rq := rows.byReq[p.RequestID]
	if rq == nil {
		rq = &requestRows{r: rows.requests[p.RequestID]}
		rows.byReq[p.RequestID] = rq
	}
	su := rows.bySup[p.OrganisationID]
	if su == nil {
		su = &supplierRows{o: rows.suppliers[p.OrganisationID]}
		rows.bySup[p.OrganisationID] = su
	}
	rq.ps = append(rq.ps, p)
	su.ps = append(su.ps, p)
	su.recMade = false
	if IsOpenCommitment(p.Status) {
		su.open += p.ApprovedPence
	}
	return rowPledge{p: p, req: rq, sup: su}
}

// remove takes p out of the groups of its request and supplier.
func (rows *matchRows) remove(p *Pledge) {
	rq, su := rows.byReq[p.RequestID], rows.bySup[p.OrganisationID]
	rq.ps = without(rq.ps, p)
	su.ps = without(su.ps, p)
	su.recMade = false
	if IsOpenCommitment(p.Status) {
		su.open -= p.ApprovedPence
	}
}

// without removes p from ps, whose order does not matter.
func without(ps []*Pledge, p *Pledge) []*Pledge {
	if i := slices.Index(ps, p); i >= 0 {
		ps[i] = ps[len(ps)-1]
		ps[len(ps)-1] = nil
		ps = ps[:len(ps)-1]
	}
	return ps
}

// setPledges puts the changed pledges in the rows (nil: gone).
func (rows *matchRows) setPledges(changed map[string]*Pledge) {
	for id, p := range changed {
		if rows.indexed {
			if old := rows.pledges[id]; old != nil {
				rows.remove(old)
			}
			// the list is newest (greatest) id first
			i, found := slices.BinarySearchFunc(rows.list, id, func(rp rowPledge, id string) int { return strings.Compare(id, rp.p.ID) })
			switch {
			case p != nil && found:
				rows.list[i] = rows.add(p)
			case p != nil:
				rows.list = slices.Insert(rows.list, i, rows.add(p))
			case found:
				rows.list = slices.Delete(rows.list, i, i+1)
			}
		}
		if p == nil {
			delete(rows.pledges, id)
		} else {
			rows.pledges[id] = p
		}
	}
}

// count makes the supplier's record as of now, unless the one it has
// holds then.
func (su *supplierRows) count(now time.Time) {
	if su.recMade && !now.Before(su.recAt) && (!su.recEnds || !now.After(su.recUntil)) {
		return
	}
	n, until, ends := countRecord(su.ps, now)
	su.rec = matcher.Record{Pledged: n.Due, Verified: n.Verified, Lapsed: n.Lapsed}
	su.recAt, su.recUntil, su.recEnds, su.recMade = now, until, ends, true
}

// snapshot makes the matcher's snapshot of the rows as of now. Pledges
// come in the stores' order (newest id first), so a snapshot of rows
// caught up equals one of rows read in full. The snapshot shares the
// rows' lists and maps: it is read, never written, and only until the
// rows change.
func (rows *matchRows) snapshot(auth *Authority, now time.Time) (*matchSnapshot, error) {
	needs, err := matcher.AssessNeeds(matcherAreas(auth))
	if err != nil {
		return nil, matcherError(err)
	}
	rows.index()
	for _, su := range rows.bySup {
		su.count(now)
	}
	rows.marks++
	return &matchSnapshot{auth: auth, needs: needs, weights: matcherWeights(auth), reqByID: rows.requests,
		suppliers: rows.suppliers, pledges: rows.list, bySup: rows.bySup, mark: rows.marks}, nil
}
