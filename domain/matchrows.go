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
	// ids are the ids of pledges, newest first (nil: to be sorted again)
	ids []string
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
	for _, f := range []struct {
		ids map[string]bool
		of  func(string) PledgeFilter
		in  func(*Pledge) string
	}{
		{requestIDs, func(id string) PledgeFilter { return PledgeFilter{AuthorityID: authorityID, RequestID: id} }, func(p *Pledge) string { return p.RequestID }},
		{orgIDs, func(id string) PledgeFilter { return PledgeFilter{AuthorityID: authorityID, OrganisationID: id} }, func(p *Pledge) string { return p.OrganisationID }},
	} {
		for id := range f.ids {
			ps, err := allPledges(ctx, st, f.of(id))
			if err != nil {
				return false, err
			}
			for _, p := range rows.pledges {
				if f.in(p) == id {
					if _, ok := pledges[p.ID]; !ok {
						pledges[p.ID] = nil
					}
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
	for id, p := range pledges {
		if _, held := rows.pledges[id]; held != (p != nil) {
			rows.ids = nil // a pledge came or went
		}
	}
	put(rows.pledges, pledges)
	put(rows.requests, requests)
	put(rows.suppliers, orgs)
	rows.seq = head
	return true, nil
}

// put sets the values of changed in m, deleting those that are nil.
func put[T any](m map[string]*T, changed map[string]*T) {
	for id, v := range changed {
		if v == nil {
			delete(m, id)
		} else {
			m[id] = v
		}
	}
}

// snapshot makes the matcher's snapshot of the rows as of now. Requests and
// pledges come in the stores' order (newest id first), so a snapshot of
// rows caught up equals one of rows read in full.
func (rows *matchRows) snapshot(auth *Authority, now time.Time) (*matchSnapshot, error) {
	needs, err := matcher.AssessNeeds(matcherAreas(auth))
	if err != nil {
		return nil, matcherError(err)
	}
	sn := &matchSnapshot{auth: auth, needs: needs, weights: matcherWeights(auth), reqByID: make(map[string]*Request, len(rows.requests)),
		suppliers: make(map[string]*Organisation, len(rows.suppliers)), records: map[string]matcher.Record{}, open: map[string]int64{}}
	sn.requests = make([]*Request, 0, len(rows.requests))
	for id, r := range rows.requests {
		sn.requests = append(sn.requests, r)
		sn.reqByID[id] = r
	}
	slices.SortFunc(sn.requests, func(a, b *Request) int { return strings.Compare(b.ID, a.ID) })
	for id, o := range rows.suppliers {
		sn.suppliers[id] = o
	}
	if rows.ids == nil {
		rows.ids = make([]string, 0, len(rows.pledges))
		for id := range rows.pledges {
			rows.ids = append(rows.ids, id)
		}
		slices.SortFunc(rows.ids, func(a, b string) int { return strings.Compare(b, a) })
	}
	bySupplier := map[string][]*Pledge{}
	for _, id := range rows.ids {
		p := rows.pledges[id]
		bySupplier[p.OrganisationID] = append(bySupplier[p.OrganisationID], p)
		if p.Status == PledgeOffered {
			sn.offered = append(sn.offered, p)
		}
		if IsOpenCommitment(p.Status) {
			sn.open[p.OrganisationID] += p.ApprovedPence
		}
	}
	for id, ps := range bySupplier {
		n := CountRecord(ps, now)
		sn.records[id] = matcher.Record{Pledged: n.Due, Verified: n.Verified, Lapsed: n.Lapsed}
	}
	return sn, nil
}
