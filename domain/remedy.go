package domain

import (
	"context"
	"slices"
	"strings"
	"time"
)

// Remedy plan statuses: a plan is open until an officer records that it
// was met, not met, or withdrawn.
const (
	RemedyOpen      = "open"
	RemedyMet       = "met"
	RemedyNotMet    = "not_met"
	RemedyWithdrawn = "withdrawn"
)

// Remedy causes.
const (
	CauseOverdueCommitment = "overdue_commitment"
	CauseKPIRating         = "kpi_rating"
)

// Remedy is a remedy plan the council agreed with a contract's supplier:
// what the supplier will do, by when, and which officer checks it, opened
// because a commitment is overdue or a KPI is rated below "approaching
// target". It records what the council decided; the platform applies no
// penalty of its own.
type Remedy struct {
	ID                string         `json:"id"`
	AuthorityID       string         `json:"-"`
	ContractID        string         `json:"contractId"`
	ContractReference string         `json:"contractReference"`
	ContractTitle     string         `json:"contractTitle"`
	OrganisationID    string         `json:"organisationId"`
	OrganisationName  string         `json:"organisationName"`
	Cause             RemedyCause    `json:"cause"`
	Action            string         `json:"action"`
	DueDate           time.Time      `json:"dueDate"`
	CheckerID         string         `json:"checkerId"`
	CheckerName       string         `json:"checkerName"`
	Status            string         `json:"status"`
	History           []RemedyChange `json:"history"`
	Version           int64          `json:"version"`
	CreatedAt         time.Time      `json:"createdAt"`
	UpdatedAt         time.Time      `json:"updatedAt"`
}

// RemedyCause is why a remedy plan was opened: an overdue commitment
// (PledgeID) or a KPI's rating for a year (KPIID, FY, Rating).
type RemedyCause struct {
	Kind         string `json:"kind"`
	PledgeID     string `json:"pledgeId,omitempty"`
	RequestTitle string `json:"requestTitle,omitempty"`
	KPIID        string `json:"kpiId,omitempty"`
	KPIName      string `json:"kpiName,omitempty"`
	FY           int    `json:"fy,omitempty"`
	Rating       string `json:"rating,omitempty"`
}

// RemedyChange is one status of a plan: who set it, when, and why.
type RemedyChange struct {
	Status string    `json:"status"`
	Note   string    `json:"note,omitempty"`
	By     string    `json:"-"`
	ByName string    `json:"byName"`
	At     time.Time `json:"at"`
}

// Move records the plan's outcome (met, not met or withdrawn) on an open
// plan, with who, when and an optional note.
func (r *Remedy) Move(to, note, by, byName string, now time.Time) error {
	if to != RemedyMet && to != RemedyNotMet && to != RemedyWithdrawn {
		return FieldErrorf("status", "status must be met, not_met or withdrawn")
	}
	var v Validation
	note = strings.TrimSpace(note)
	checkTextML(&v, "note", note, 0, 2000, false, true)
	if err := v.Err(); err != nil {
		return err
	}
	if r.Status != RemedyOpen {
		return &Error{Code: ECONFLICT, Field: "status", Message: sprintf("The remedy plan is %s: only an open plan changes.", r.Status)}
	}
	r.Status = to
	r.History = append(slices.Clone(r.History), RemedyChange{Status: to, Note: note, By: by, ByName: byName, At: now})
	r.Version, r.UpdatedAt = r.Version+1, now
	return nil
}

// RemedyFilter selects remedy plans of one authority.
type RemedyFilter struct {
	AuthorityID    string
	ContractID     string
	OrganisationID string
	Page
}

// RemedyStore persists remedy plans.
type RemedyStore interface {
	// CreateRemedy stores r with its audit event.
	CreateRemedy(ctx context.Context, r *Remedy, ev *AuditEvent) error
	// UpdateRemedy writes r if the stored version is prev; ECONFLICT otherwise.
	UpdateRemedy(ctx context.Context, r *Remedy, prev int64, ev *AuditEvent) error
	// RemedyByID returns ENOTFOUND when there is none.
	RemedyByID(ctx context.Context, id string) (*Remedy, error)
	// FindRemedies lists newest first.
	FindRemedies(ctx context.Context, f RemedyFilter) ([]*Remedy, string, error)
}

// RemedyInput is what an officer gives to open a remedy plan: the cause
// (an overdue commitment's PledgeID, or a KPI and year), the action, its
// due date and the officer who checks it.
type RemedyInput struct {
	PledgeID, KPIID string
	FY              int
	Action          string
	DueDate         time.Time
	CheckerID       string
}

// remedyCause checks that the cause in in allows a remedy plan on c now:
// a commitment of the contract's supplier on the contract that is overdue
// (past due without verified delivery, or lapsed), or a KPI whose current
// rating for the year is requires improvement or inadequate. ECONFLICT
// names why not.
func (s *Service) remedyCause(ctx context.Context, c *Contract, in RemedyInput, now time.Time) (RemedyCause, error) {
	switch {
	case (in.PledgeID == "") == (in.KPIID == ""):
		return RemedyCause{}, FieldErrorf("pledgeId", "Give the overdue commitment (pledgeId) or the KPI rated below approaching target (kpiId and fy), one of them")
	case in.PledgeID != "":
		bad := FieldErrorf("pledgeId", "pledgeId must be a commitment of the contract's supplier on this contract")
		if !ValidID(in.PledgeID) {
			return RemedyCause{}, bad
		}
		p, err := s.Store.PledgeByID(ctx, in.PledgeID)
		if ErrorCode(err) == ENOTFOUND || (err == nil && (p.ContractID != c.ID || p.OrganisationID != c.AwardedTo || p.AuthorityID != c.AuthorityID)) {
			return RemedyCause{}, bad
		} else if err != nil {
			return RemedyCause{}, err
		}
		overdue := p.Status == PledgeLapsed || (IsOpenCommitment(p.Status) && p.DueDate != nil && p.DueDate.Before(now))
		if !overdue {
			due := "no due date"
			if p.DueDate != nil {
				due = "due " + longDate(*p.DueDate)
			}
			return RemedyCause{}, &Error{Code: ECONFLICT, Field: "pledgeId", Message: sprintf(
				"The commitment “%s” is not overdue (%s, %s): a remedy plan needs an overdue commitment or a KPI rated requires improvement or inadequate.", p.RequestTitle, p.Status, due)}
		}
		return RemedyCause{Kind: CauseOverdueCommitment, PledgeID: p.ID, RequestTitle: p.RequestTitle}, nil
	default:
		i := slices.IndexFunc(c.KPIs, func(k KPI) bool { return k.ID == in.KPIID })
		if i < 0 {
			return RemedyCause{}, FieldErrorf("kpiId", "kpiId must be the id of one of the contract's KPIs")
		}
		r := c.CurrentRating(in.KPIID, in.FY)
		if r == nil || !BelowApproaching(r.Rating) {
			got := "not rated"
			if r != nil {
				got = "rated " + strings.ReplaceAll(r.Rating, "_", " ")
			}
			return RemedyCause{}, &Error{Code: ECONFLICT, Field: "kpiId", Message: sprintf(
				"The KPI “%s” is %s for %d: a remedy plan needs a KPI rated requires improvement or inadequate, or an overdue commitment.", c.KPIs[i].Name, got, in.FY)}
		}
		return RemedyCause{Kind: CauseKPIRating, KPIID: in.KPIID, KPIName: c.KPIs[i].Name, FY: in.FY, Rating: r.Rating}, nil
	}
}

// OpenRemedy opens a remedy plan on an awarded, live or closed contract
// (officer) when a commitment is overdue or a KPI is rated below
// approaching target; ECONFLICT otherwise, naming why. Audited.
func (s *Service) OpenRemedy(ctx context.Context, a *Actor, contractID string, in RemedyInput) (*Remedy, error) {
	if err := requireRole(a, RoleOfficer, RoleAdmin); err != nil {
		return nil, err
	}
	c, _, err := s.visibleContract(ctx, a, contractID)
	if err != nil {
		return nil, err
	}
	if !c.afterAward() {
		return nil, Errorf(ECONFLICT, "Contract is %s: a remedy plan is for a contract awarded to a supplier.", c.Stage)
	}
	auth, err := s.Store.AuthorityByID(ctx, c.AuthorityID)
	if err != nil {
		return nil, err
	}
	now := s.now()
	var v Validation
	action := strings.TrimSpace(in.Action)
	checkTextML(&v, "action", action, 3, 2000, true, true)
	v.merge(CheckDate("dueDate", in.DueDate, auth.AheadWindow(now)))
	if err := v.Err(); err != nil {
		return nil, err
	}
	checker, err := s.officerName(ctx, c.AuthorityID, in.CheckerID, "checkerId", "The plan is checked by an officer of the council.")
	if err != nil {
		return nil, err
	}
	if checker == "" {
		return nil, FieldErrorf("checkerId", "Choose the officer of the council who checks the plan")
	}
	cause, err := s.remedyCause(ctx, c, in, now)
	if err != nil {
		return nil, err
	}
	u, err := s.Store.UserByID(ctx, a.UserID)
	if err != nil {
		return nil, err
	}
	r := &Remedy{ID: NewID(), AuthorityID: c.AuthorityID, ContractID: c.ID, ContractReference: c.Reference, ContractTitle: c.Title,
		OrganisationID: c.AwardedTo, OrganisationName: c.AwardedToName, Cause: cause, Action: action, DueDate: in.DueDate.UTC(),
		CheckerID: in.CheckerID, CheckerName: checker, Status: RemedyOpen,
		History: []RemedyChange{{Status: RemedyOpen, By: a.UserID, ByName: u.Name, At: now}}, Version: 1, CreatedAt: now, UpdatedAt: now}
	ev := NewAuditEvent(r.AuthorityID, a.UserID, "remedy.open", "remedy", r.ID, nil, r, now)
	if err := s.Store.CreateRemedy(ctx, r, ev); err != nil {
		return nil, err
	}
	return r, nil
}

// MoveRemedy records a remedy plan's outcome: met, not_met or withdrawn
// (officer), with who and when. Audited.
func (s *Service) MoveRemedy(ctx context.Context, a *Actor, id, status, note string) (*Remedy, error) {
	if err := requireRole(a, RoleOfficer, RoleAdmin); err != nil {
		return nil, err
	}
	r, err := s.Store.RemedyByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if r.AuthorityID != a.AuthorityID {
		return nil, Errorf(ENOTFOUND, "Remedy plan not found.")
	}
	u, err := s.Store.UserByID(ctx, a.UserID)
	if err != nil {
		return nil, err
	}
	before, prev, now := *r, r.Version, s.now()
	if err := r.Move(status, note, a.UserID, u.Name, now); err != nil {
		return nil, err
	}
	ev := NewAuditEvent(r.AuthorityID, a.UserID, "remedy."+status, "remedy", r.ID, &before, r, now)
	if err := s.Store.UpdateRemedy(ctx, r, prev, ev); err != nil {
		return nil, err
	}
	return r, nil
}

// ContractRemedies lists a contract's remedy plans, newest first, to
// officers and to the contract's supplier.
func (s *Service) ContractRemedies(ctx context.Context, a *Actor, contractID string) ([]*Remedy, error) {
	if err := requireRole(a, RoleSupplier, RoleOfficer, RoleAdmin); err != nil {
		return nil, err
	}
	c, err := s.contractOfSupplier(ctx, a, contractID)
	if err != nil {
		return nil, err
	}
	return s.remedies(ctx, RemedyFilter{AuthorityID: c.AuthorityID, ContractID: c.ID})
}

func (s *Service) remedies(ctx context.Context, f RemedyFilter) ([]*Remedy, error) {
	rs, err := AllPages(func(p Page) ([]*Remedy, string, error) {
		f.Page = p
		return s.Store.FindRemedies(ctx, f)
	}, 0)
	if rs == nil {
		rs = []*Remedy{}
	}
	return rs, err
}
