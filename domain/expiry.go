package domain

import (
	"context"
	"time"
)

// Expire ends a published request whose deadline has passed while it is
// not fully matched: it leaves the public list and takes no more pledges;
// the pledges already approved go on to delivery.
func (r *Request) Expire(now time.Time) error {
	if r.Deadline.After(now) {
		return Errorf(ECONFLICT, "The request's deadline has not passed.")
	}
	if r.ValuePence > 0 && r.ApprovedPence >= r.ValuePence {
		return Errorf(ECONFLICT, "The request is fully matched: it does not expire.")
	}
	return r.move([]RequestStatus{ReqPublished}, ReqExpired, now)
}

// ExtendDeadline publishes an expired request again with a later
// deadline; a group may do this once per request.
func (r *Request) ExtendDeadline(deadline, now time.Time) error {
	if r.Status != ReqExpired {
		return Errorf(ECONFLICT, "Only an expired request's deadline can be extended; this one is %s.", r.Status)
	}
	if r.DeadlineExtended {
		return &Error{Code: ECONFLICT, Field: "deadline", Message: "The deadline of this request was extended once already: post a new request instead, or close this one."}
	}
	if !deadline.After(now) {
		return FieldErrorf("deadline", "The new deadline must be in the future")
	}
	if err := r.move([]RequestStatus{ReqExpired}, ReqPublished, now); err != nil {
		return err
	}
	r.Deadline, r.DeadlineExtended = deadline.UTC(), true
	return nil
}

// Close ends an expired request for good: the group needs no more.
func (r *Request) Close(now time.Time) error {
	return r.move([]RequestStatus{ReqExpired}, ReqClosed, now)
}

// ExpireRequests expires, in every council, the published requests past
// their deadline that are not fully matched, each with its audit event by
// the system, and returns how many it expired. A request changed at the
// same moment is left for the next run.
func (s *Service) ExpireRequests(ctx context.Context, now time.Time) (int, error) {
	auths, err := s.Store.Authorities(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, auth := range auths {
		rs, err := AllPages(func(p Page) ([]*Request, string, error) {
			return s.Store.FindRequests(ctx, RequestFilter{AuthorityID: auth.ID, Statuses: []RequestStatus{ReqPublished}, Page: p})
		}, 0)
		if err != nil {
			return n, err
		}
		for _, r := range rs {
			before, prev := *r, r.Version
			if r.Expire(now) != nil {
				continue
			}
			ev := NewAuditEvent(r.AuthorityID, "system", "request.expire", "request", r.ID, &before, r, now)
			switch err := s.Store.UpdateRequest(ctx, r, prev, ev); ErrorCode(err) {
			case "":
				n++
			case ECONFLICT, ENOTFOUND:
			default:
				return n, err
			}
		}
	}
	return n, nil
}

// ExtendRequest publishes the group's expired request again with a new
// deadline (once per request).
func (s *Service) ExtendRequest(ctx context.Context, a *Actor, id string, deadline time.Time) (*Request, error) {
	r, err := s.ownRequest(ctx, a, id)
	if err != nil {
		return nil, err
	}
	auth, err := s.Store.AuthorityByID(ctx, r.AuthorityID)
	if err != nil {
		return nil, err
	}
	before, prev, now := *r, r.Version, s.now()
	if err := CheckDate("deadline", deadline, auth.AheadWindow(now)); err != nil {
		return nil, err
	}
	if err := r.ExtendDeadline(deadline, now); err != nil {
		return nil, err
	}
	ev := NewAuditEvent(r.AuthorityID, a.UserID, "request.extend", "request", r.ID, &before, r, now)
	if err := s.Store.UpdateRequest(ctx, r, prev, ev); err != nil {
		return nil, err
	}
	r.Derive()
	return r, nil
}

// CloseRequest closes the group's expired request.
func (s *Service) CloseRequest(ctx context.Context, a *Actor, id string) (*Request, error) {
	r, err := s.ownRequest(ctx, a, id)
	if err != nil {
		return nil, err
	}
	before, prev, now := *r, r.Version, s.now()
	if err := r.Close(now); err != nil {
		return nil, err
	}
	ev := NewAuditEvent(r.AuthorityID, a.UserID, "request.close", "request", r.ID, &before, r, now)
	return r, s.Store.UpdateRequest(ctx, r, prev, ev)
}
