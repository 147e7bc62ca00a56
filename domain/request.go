package domain

import (
	"context"
	"needmatch/matcher"
	"time"
)

// RequestKinds are the kinds of help a request asks for: the matcher's
// kinds, so its fit rules and the requests speak of the same things.
var RequestKinds = []string{matcher.KindVolunteering, matcher.KindGoods, matcher.KindFunding, matcher.KindAdvice, matcher.KindJobs, matcher.KindWorks}

// RequestStatus is where a request is in its life. Partly matched and
// matched are derived from approved pledges when the stored status is
// published (see Derive).
type RequestStatus string

// Request statuses.
const (
	ReqDraft         RequestStatus = "draft"
	ReqSubmitted     RequestStatus = "submitted"
	ReqPublished     RequestStatus = "published"
	ReqRejected      RequestStatus = "rejected"
	ReqPartlyMatched RequestStatus = "partly_matched"
	ReqMatched       RequestStatus = "matched"
	ReqInDelivery    RequestStatus = "in_delivery"
	ReqDelivered     RequestStatus = "delivered"
	ReqClosed        RequestStatus = "closed"
	ReqWithdrawn     RequestStatus = "withdrawn"
	ReqExpired       RequestStatus = "expired"
)

// MaxPence bounds money fields: £10bn.
const MaxPence = 1_000_000_000_000

// Request is a need posted by a community group.
type Request struct {
	ID               string        `json:"id"`
	AuthorityID      string        `json:"-"`
	Authority        string        `json:"authority"`
	OrganisationID   string        `json:"organisationId"`
	OrganisationName string        `json:"organisationName"`
	Title            string        `json:"title"`
	Description      string        `json:"description"`
	Kind             string        `json:"kind"`
	Area             string        `json:"area"`
	AreaName         string        `json:"areaName"`
	Quantity         int64         `json:"quantity"`
	Unit             string        `json:"unit"`
	ValuePence       int64         `json:"valuePence"`
	Deadline         time.Time     `json:"deadline"`
	Safeguarding     bool          `json:"safeguarding"`
	Status           RequestStatus `json:"status"`
	Reason           string        `json:"reason,omitempty"`
	// DeadlineExtended is set once the group has used its one extension
	// of the deadline of an expired request (ExtendDeadline).
	DeadlineExtended bool      `json:"deadlineExtended"`
	Version          int64     `json:"version"`
	CreatedAt        time.Time `json:"createdAt"`
	UpdatedAt        time.Time `json:"updatedAt"`
	// PledgedPence and ApprovedPence are derived from the live pledges.
	PledgedPence  int64 `json:"pledgedPence"`
	ApprovedPence int64 `json:"approvedPence"`
}

// TextLimits are how long a request's title and description may be, in
// characters (trimmed).
type TextLimits struct {
	TitleMin       int `json:"titleMin"`
	TitleMax       int `json:"titleMax"`
	DescriptionMax int `json:"descriptionMax"`
}

// RequestText is the one place these lengths are set: Validate checks them,
// and the app reads them from the council's page to say so on the step
// that asks (it had its own 120 and 4,000, so a title of 150 characters was
// refused by the app and allowed by the API).
var RequestText = TextLimits{TitleMin: 3, TitleMax: 200, DescriptionMax: 5000}

// MaxRequestPence is the most a request of each kind may be worth: a
// community group's need, not a council contract. It stops a slip of the
// keyboard (£99,999,999,999) from becoming a need that no pledge could
// ever meet and that swamps the ledger's figures. Building works cost the
// most, then jobs; advice and volunteering are counted in hours.
var MaxRequestPence = map[string]int64{
	matcher.KindVolunteering: 10_000_000,  // £100,000
	matcher.KindGoods:        25_000_000,  // £250,000
	matcher.KindFunding:      25_000_000,  // £250,000
	matcher.KindAdvice:       10_000_000,  // £100,000
	matcher.KindJobs:         50_000_000,  // £500,000
	matcher.KindWorks:        100_000_000, // £1,000,000
}

// kindWords names each kind in a sentence.
var kindWords = map[string]string{
	matcher.KindVolunteering: "volunteering", matcher.KindGoods: "goods", matcher.KindFunding: "funding",
	matcher.KindAdvice: "advice", matcher.KindJobs: "jobs", matcher.KindWorks: "works",
}

// ValidKind reports whether k is a request kind.
func ValidKind(k string) bool {
	for _, x := range RequestKinds {
		if x == k {
			return true
		}
	}
	return false
}

// Validate checks the request's own fields; the area is checked against the
// authority by the service.
func (r *Request) Validate() error {
	var v Validation
	checkText(&v, "title", r.Title, RequestText.TitleMin, RequestText.TitleMax, true)
	checkTextML(&v, "description", r.Description, 0, RequestText.DescriptionMax, false, true)
	if !ValidKind(r.Kind) {
		v.Add("kind", "Select the kind of help: volunteering, goods, funding, advice, jobs or works")
	}
	if r.Area == "" {
		v.Add("area", "Select the area (ward)")
	}
	if r.Quantity < 1 || r.Quantity > 1_000_000_000 {
		v.Add("quantity", "The quantity must be a whole number from 1 to 1,000,000,000")
	}
	checkText(&v, "unit", r.Unit, 1, 40, true)
	if most, ok := MaxRequestPence[r.Kind]; ok && r.ValuePence > most {
		v.Add("valuePence", "A request for %s can be worth at most %s", kindWords[r.Kind], Pounds(most))
	} else if r.ValuePence < 0 || r.ValuePence > MaxPence {
		v.Add("valuePence", "The value must be from £0 to £10,000,000,000")
	}
	if r.Deadline.IsZero() {
		v.Add("deadline", "Enter the deadline")
	}
	return v.Err()
}

// Editable reports whether the owner may still change the request: a
// draft, a request waiting for an officer, or a rejected one the group
// puts right before resubmitting it.
func (r *Request) Editable() bool {
	return r.Status == ReqDraft || r.Status == ReqSubmitted || r.Status == ReqRejected
}

// Pledgeable reports whether suppliers may pledge to the request.
func (r *Request) Pledgeable() bool { return r.Status == ReqPublished }

// Public reports whether anyone may read the request.
func (r *Request) Public() bool {
	switch r.Status {
	case ReqPublished, ReqPartlyMatched, ReqMatched, ReqInDelivery, ReqDelivered, ReqClosed:
		return true
	}
	return false
}

func (r *Request) move(from []RequestStatus, to RequestStatus, now time.Time) error {
	for _, f := range from {
		if r.Status == f {
			r.Status = to
			r.Version++
			r.UpdatedAt = now
			return nil
		}
	}
	return Errorf(ECONFLICT, "Request is %s and cannot become %s.", r.Status, to)
}

// Submit sends a draft to the officers.
func (r *Request) Submit(now time.Time) error {
	return r.move([]RequestStatus{ReqDraft}, ReqSubmitted, now)
}

// Resubmit sends a rejected request to the officers again. The rejection's
// reason stays on the request, so the officer who decides next reads it
// (Publish clears it, Reject replaces it).
func (r *Request) Resubmit(now time.Time) error {
	return r.move([]RequestStatus{ReqRejected}, ReqSubmitted, now)
}

// Publish makes a submitted request public.
func (r *Request) Publish(now time.Time) error {
	if err := r.move([]RequestStatus{ReqSubmitted}, ReqPublished, now); err != nil {
		return err
	}
	r.Reason = ""
	return nil
}

// Reject refuses a submitted request with a reason.
func (r *Request) Reject(reason string, now time.Time) error {
	if err := checkReason(reason); err != nil {
		return err
	}
	if err := r.move([]RequestStatus{ReqSubmitted}, ReqRejected, now); err != nil {
		return err
	}
	r.Reason = reason
	return nil
}

// Withdraw takes a request back before it is being delivered.
func (r *Request) Withdraw(now time.Time) error {
	return r.move([]RequestStatus{ReqDraft, ReqSubmitted, ReqPublished}, ReqWithdrawn, now)
}

// Derive sets the shown status of a published request from its approved value.
func (r *Request) Derive() {
	if r.Status != ReqPublished || r.ApprovedPence <= 0 {
		return
	}
	if r.ApprovedPence >= r.ValuePence {
		r.Status = ReqMatched
	} else {
		r.Status = ReqPartlyMatched
	}
}

// RequestFilter selects requests of one authority.
type RequestFilter struct {
	AuthorityID    string
	OrganisationID string
	Statuses       []RequestStatus
	Area           string
	Kind           string
	// Text matches title or description, case-insensitively, as plain text.
	Text string
	Page
}

// Page is cursor pagination: After is the last id of the previous page.
type Page struct {
	After string
	Limit int
}

// RequestStore persists requests. Find and ByID fill the derived sums.
type RequestStore interface {
	CreateRequest(ctx context.Context, r *Request, ev *AuditEvent) error
	// UpdateRequest writes r if the stored version is prev; ECONFLICT otherwise.
	UpdateRequest(ctx context.Context, r *Request, prev int64, ev *AuditEvent) error
	// RequestByID returns ENOTFOUND when there is none.
	RequestByID(ctx context.Context, id string) (*Request, error)
	// FindRequests lists newest first and returns the cursor of the next page.
	FindRequests(ctx context.Context, f RequestFilter) ([]*Request, string, error)
}

// RequestInput is what a group gives to post or edit a request; nil fields
// are left as they are on edit.
type RequestInput struct {
	Title        *string
	Description  *string
	Kind         *string
	Area         *string
	Quantity     *int64
	Unit         *string
	ValuePence   *int64
	Deadline     *time.Time
	Safeguarding *bool
	// Version, when set, must equal the stored version (optimistic lock).
	Version *int64
}

func (in RequestInput) apply(r *Request) {
	if in.Title != nil {
		r.Title = *in.Title
	}
	if in.Description != nil {
		r.Description = *in.Description
	}
	if in.Kind != nil {
		r.Kind = *in.Kind
	}
	if in.Area != nil {
		r.Area = *in.Area
	}
	if in.Quantity != nil {
		r.Quantity = *in.Quantity
	}
	if in.Unit != nil {
		r.Unit = *in.Unit
	}
	if in.ValuePence != nil {
		r.ValuePence = *in.ValuePence
	}
	if in.Deadline != nil {
		r.Deadline = in.Deadline.UTC()
	}
	if in.Safeguarding != nil {
		r.Safeguarding = *in.Safeguarding
	}
}

func (s *Service) checkRequest(ctx context.Context, r *Request, now time.Time, deadlineChanged bool) error {
	var v Validation
	v.merge(r.Validate())
	auth, err := s.Store.AuthorityByID(ctx, r.AuthorityID)
	if err != nil {
		return err
	}
	if r.Area != "" {
		if ar, ok := auth.Area(r.Area); ok {
			r.AreaName = ar.Name
		} else {
			v.Add("area", "Select a ward of %s", auth.Name)
		}
	}
	if deadlineChanged && !r.Deadline.IsZero() {
		v.merge(CheckDate("deadline", r.Deadline, auth.AheadWindow(now)))
	}
	return v.Err()
}

// CreateRequest posts a draft request for the actor's approved group.
func (s *Service) CreateRequest(ctx context.Context, a *Actor, in RequestInput) (*Request, error) {
	if err := requireRole(a, RoleGroup); err != nil {
		return nil, err
	}
	o, err := s.approvedOrganisation(ctx, a)
	if err != nil {
		return nil, err
	}
	now := s.now()
	r := &Request{ID: NewID(), AuthorityID: a.AuthorityID, Authority: o.Authority, OrganisationID: o.ID, OrganisationName: o.Name,
		Status: ReqDraft, Version: 1, CreatedAt: now, UpdatedAt: now}
	in.apply(r)
	if err := s.checkRequest(ctx, r, now, true); err != nil {
		return nil, err
	}
	ev := NewAuditEvent(r.AuthorityID, a.UserID, "request.create", "request", r.ID, nil, r, now)
	return r, s.Store.CreateRequest(ctx, r, ev)
}

// visibleRequest returns a request the actor may read: public ones of any
// authority to anyone, others to their group and the authority's officers.
func (s *Service) visibleRequest(ctx context.Context, a *Actor, id string) (*Request, error) {
	r, err := s.Store.RequestByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if r.Public() && (a == nil || a.AuthorityID == r.AuthorityID) {
		return r, nil
	}
	if a != nil && a.AuthorityID == r.AuthorityID && (a.IsOfficer() || a.OrganisationID == r.OrganisationID) {
		return r, nil
	}
	return nil, Errorf(ENOTFOUND, "Request not found.")
}

// GetRequest returns a request the actor may read.
func (s *Service) GetRequest(ctx context.Context, a *Actor, id string) (*Request, error) {
	r, err := s.visibleRequest(ctx, a, id)
	if err != nil {
		return nil, err
	}
	r.Derive()
	return r, nil
}

// ListRequests lists requests: public ones of the authority for anyone; a
// group's own (mine) in any status; all of the authority for officers.
func (s *Service) ListRequests(ctx context.Context, a *Actor, authoritySlug string, mine bool, f RequestFilter) ([]*Request, string, error) {
	if f.Kind != "" && !ValidKind(f.Kind) {
		return nil, "", FieldErrorf("kind", "kind must be one of volunteering, goods, funding, advice, jobs, works")
	}
	var v Validation
	checkText(&v, "text", f.Text, 0, 200, false)
	checkText(&v, "area", f.Area, 0, 20, false)
	if err := v.Err(); err != nil {
		return nil, "", err
	}
	public := []RequestStatus{ReqPublished}
	switch {
	case a != nil:
		f.AuthorityID = a.AuthorityID
	default:
		auth, err := s.councilOfPage(ctx, authoritySlug)
		if err != nil {
			return nil, "", err
		}
		f.AuthorityID = auth.ID
	}
	var status RequestStatus
	if len(f.Statuses) == 1 {
		status = f.Statuses[0]
	}
	switch {
	case mine:
		if err := requireRole(a, RoleGroup); err != nil {
			return nil, "", err
		}
		f.OrganisationID = a.OrganisationID
	case a.IsOfficer():
	default:
		if status != "" && status != ReqPublished {
			return nil, "", FieldErrorf("status", "Only published requests are listed publicly.")
		}
		f.Statuses = public
	}
	items, next, err := s.Store.FindRequests(ctx, f)
	for _, r := range items {
		r.Derive()
	}
	return items, next, err
}

// ownRequest loads a request of the actor's group for a change.
func (s *Service) ownRequest(ctx context.Context, a *Actor, id string) (*Request, error) {
	if err := requireRole(a, RoleGroup); err != nil {
		return nil, err
	}
	r, err := s.visibleRequest(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if r.OrganisationID != a.OrganisationID {
		return nil, Errorf(EFORBIDDEN, "Only the group that posted this request may change it.")
	}
	return r, nil
}

// UpdateRequest edits the group's own request while it is a draft,
// submitted, or rejected (to be resubmitted).
func (s *Service) UpdateRequest(ctx context.Context, a *Actor, id string, in RequestInput) (*Request, error) {
	r, err := s.ownRequest(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if in.Version != nil && *in.Version != r.Version {
		return nil, &Error{Code: ECONFLICT, Field: "version", Message: "The request was changed by someone else; reload it and try again."}
	}
	if !r.Editable() {
		return nil, Errorf(ECONFLICT, "A %s request can no longer be edited.", r.Status)
	}
	before, prev, now := *r, r.Version, s.now()
	in.apply(r)
	if err := s.checkRequest(ctx, r, now, in.Deadline != nil); err != nil {
		return nil, err
	}
	r.Version, r.UpdatedAt = r.Version+1, now
	ev := NewAuditEvent(r.AuthorityID, a.UserID, "request.update", "request", r.ID, &before, r, now)
	return r, s.Store.UpdateRequest(ctx, r, prev, ev)
}

// RequestMove is a move on a request (MoveRequest).
type RequestMove string

// Request transitions.
const (
	RequestSubmit   RequestMove = "submit"
	RequestPublish  RequestMove = "publish"
	RequestReject   RequestMove = "reject"
	RequestWithdraw RequestMove = "withdraw"
	// RequestResubmit sends a rejected request back to the officers.
	RequestResubmit RequestMove = "resubmit"
)

// MoveRequest submits or resubmits (owner), publishes or rejects
// (officer) or withdraws (owner or officer) a request.
func (s *Service) MoveRequest(ctx context.Context, a *Actor, id string, move RequestMove, reason string) (*Request, error) {
	if err := requireSignedIn(a); err != nil {
		return nil, err
	}
	var r *Request
	var err error
	switch {
	case move == RequestSubmit || move == RequestResubmit || (move == RequestWithdraw && !a.IsOfficer()):
		r, err = s.ownRequest(ctx, a, id)
	default:
		if err := requireRole(a, RoleOfficer, RoleAdmin); err != nil {
			return nil, err
		}
		r, err = s.visibleRequest(ctx, a, id)
	}
	if err != nil {
		return nil, err
	}
	if move == RequestSubmit || move == RequestResubmit {
		if _, err := s.approvedOrganisation(ctx, a); err != nil {
			return nil, err
		}
	}
	before, prev, now := *r, r.Version, s.now()
	switch move {
	case RequestSubmit:
		err = r.Submit(now)
	case RequestResubmit:
		err = r.Resubmit(now)
	case RequestPublish:
		err = r.Publish(now)
	case RequestReject:
		err = r.Reject(reason, now)
	case RequestWithdraw:
		err = r.Withdraw(now)
	default:
		err = Errorf(EINVALID, "Unknown action %q.", move)
	}
	if err != nil {
		return nil, err
	}
	ev := NewAuditEvent(r.AuthorityID, a.UserID, "request."+string(move), "request", r.ID, &before, r, now)
	if err := s.notify(ctx, ev, r); err != nil {
		return nil, err
	}
	if err := s.Store.UpdateRequest(ctx, r, prev, ev); err != nil {
		return nil, err
	}
	r.Derive()
	return r, nil
}
