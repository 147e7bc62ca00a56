package domain

import (
	"context"
	"errors"
	"strings"
	"time"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// Organisation kinds.
const (
	KindGroup    = "group"
	KindSupplier = "supplier"
)

// Organisation statuses.
const (
	OrgPending  = "pending"
	OrgApproved = "approved"
	OrgRejected = "rejected"
	// OrgSuspended is an approved organisation an officer has stopped:
	// it cannot post requests, pledge or bid; its commitments stay.
	OrgSuspended = "suspended"
)

// Organisation is a community group or a supplier. It may post or pledge only
// once an officer of its authority has approved it.
type Organisation struct {
	ID          string `json:"id"`
	AuthorityID string `json:"-"`
	Authority   string `json:"authority"`
	Kind        string `json:"kind"`
	Name        string `json:"name"`
	// NameKey is what makes Name unique in the authority (see NameKey);
	// stores keep it and refuse a second organisation with the same key.
	NameKey string `json:"-"`
	// PendingName is a new name the organisation asked for after it was
	// approved: it keeps Name everywhere until an officer approves it.
	PendingName string `json:"pendingName,omitempty"`
	// NameReason is why an officer refused the last name asked for.
	NameReason string `json:"nameReason,omitempty"`
	Status     string `json:"status"`
	Reason     string `json:"reason,omitempty"`
	// Area is the ward the organisation is based in (optional): the matcher
	// measures a supplier's distance to requests from its centroid.
	Area string `json:"area,omitempty"`
	// Offers are the request kinds a supplier usually gives (optional).
	Offers []string `json:"offers,omitempty"`
	// CommitmentLimitPence caps what a supplier will have approved in all;
	// 0 means no limit. The allocation respects it.
	CommitmentLimitPence int64 `json:"commitmentLimitPence,omitempty"`
	// OrgDetails are the due-diligence details (officers and the
	// organisation itself see them).
	OrgDetails
	// Home is, for a supplier's record in a council other than the one it
	// registered in, the id of the organisation that registered (its home);
	// empty for the home itself. See JoinCouncil.
	Home      string    `json:"home,omitempty"`
	Version   int64     `json:"version"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// NameKey is the form of an organisation name that must be unique in an
// authority: Unicode NFC, case-folded, white space collapsed to one space.
// "Mersey  Build LTD" and "mersey build ltd" have one key.
func NameKey(name string) string {
	folded := cases.Fold().String(norm.NFC.String(name))
	return norm.NFC.String(strings.Join(strings.Fields(folded), " "))
}

// DuplicateNameKey is the key a store gives an organisation that came
// before names were unique and shares its key with an older one (id is the
// newer organisation's): it keeps its name and the database keeps opening,
// while the older organisation keeps the plain key, so no new organisation
// can take that name. A unit separator cannot be part of a valid name.
func DuplicateNameKey(key, id string) string { return key + "\x1f" + id }

// UniqueKey is the key a store writes: NameKey, or the key of Name for an
// organisation built without one.
func (o *Organisation) UniqueKey() string {
	if o.NameKey != "" {
		return o.NameKey
	}
	return NameKey(o.Name)
}

// setName gives the organisation a name and its key.
func (o *Organisation) setName(name string) { o.Name, o.NameKey = name, NameKey(name) }

// NameTaken is the ECONFLICT a store returns when another organisation of
// the authority has the name's key.
func NameTaken() *Error {
	return &Error{Code: ECONFLICT, Field: "organisation.name", Message: "Another organisation in this council already has this name."}
}

// nameTakenAs returns err with its field renamed when it is NameTaken.
func nameTakenAs(err error, field string) error {
	var e *Error
	if errors.As(err, &e) && e.Code == ECONFLICT && e.Field == "organisation.name" && field != e.Field {
		return &Error{Code: ECONFLICT, Field: field, Message: e.Message}
	}
	return err
}

// Rename asks for a new name. A pending or rejected organisation takes it
// at once (an officer reviews it with the organisation); an approved one
// keeps its name until an officer approves the new one. Asking for the
// current name withdraws a waiting one.
func (o *Organisation) Rename(name string, now time.Time) {
	switch {
	case name == o.Name:
		o.PendingName = ""
	case o.Status == OrgApproved:
		o.PendingName, o.NameReason = name, ""
	default:
		o.setName(name)
	}
	o.touch(now)
}

// ApproveName gives the organisation the name it asked for.
func (o *Organisation) ApproveName(now time.Time) error {
	if o.PendingName == "" {
		return Errorf(ECONFLICT, "The organisation has not asked for a new name.")
	}
	o.setName(o.PendingName)
	o.PendingName, o.NameReason = "", ""
	o.touch(now)
	return nil
}

// RejectName refuses the name asked for, with the reason; the name stays.
func (o *Organisation) RejectName(reason string, now time.Time) error {
	if err := checkReason(reason); err != nil {
		return err
	}
	if o.PendingName == "" {
		return Errorf(ECONFLICT, "The organisation has not asked for a new name.")
	}
	o.PendingName, o.NameReason = "", reason
	o.touch(now)
	return nil
}

// Validate checks the organisation's own fields.
func (o *Organisation) Validate() error {
	var v Validation
	checkName(&v, "organisation.name", o.Name, 2, 200)
	if o.Kind != KindGroup && o.Kind != KindSupplier {
		v.Add("role", "role must be group or supplier")
	}
	return v.Err()
}

// Suspend stops an approved organisation, with the reason.
func (o *Organisation) Suspend(reason string, now time.Time) error {
	if err := checkReason(reason); err != nil {
		return err
	}
	if o.Status != OrgApproved {
		return Errorf(ECONFLICT, "Organisation is %s, only an approved organisation can be suspended.", o.Status)
	}
	o.Status, o.Reason = OrgSuspended, reason
	o.touch(now)
	return nil
}

// Reinstate approves a suspended organisation again, with the reason
// (kept in the audit event's after).
func (o *Organisation) Reinstate(reason string, now time.Time) error {
	if err := checkReason(reason); err != nil {
		return err
	}
	if o.Status != OrgSuspended {
		return Errorf(ECONFLICT, "Organisation is %s, only a suspended organisation can be reinstated.", o.Status)
	}
	o.Status, o.Reason = OrgApproved, reason
	o.touch(now)
	return nil
}

// Approve moves a pending organisation to approved.
func (o *Organisation) Approve(now time.Time) error {
	if o.Status != OrgPending {
		return Errorf(ECONFLICT, "Organisation is %s, only a pending organisation can be approved.", o.Status)
	}
	o.Status, o.Reason = OrgApproved, ""
	o.touch(now)
	return nil
}

// Reject moves a pending organisation to rejected, with the reason.
func (o *Organisation) Reject(reason string, now time.Time) error {
	if err := checkReason(reason); err != nil {
		return err
	}
	if o.Status != OrgPending {
		return Errorf(ECONFLICT, "Organisation is %s, only a pending organisation can be rejected.", o.Status)
	}
	o.Status, o.Reason = OrgRejected, reason
	o.touch(now)
	return nil
}

func (o *Organisation) touch(now time.Time) { o.Version++; o.UpdatedAt = now }

// OrganisationFilter selects organisations of one authority.
type OrganisationFilter struct {
	AuthorityID string
	Status      string
	Kind        string
	Page
}

// OrganisationChange is one organisation written by UpdateOrganisations:
// the new state, the version it replaces and its event.
type OrganisationChange struct {
	Org   *Organisation
	Prev  int64
	Event *AuditEvent
}

// OrganisationStore persists organisations.
type OrganisationStore interface {
	// OrganisationByID returns ENOTFOUND when there is none.
	OrganisationByID(ctx context.Context, id string) (*Organisation, error)
	// FindOrganisations lists newest first.
	FindOrganisations(ctx context.Context, f OrganisationFilter) ([]*Organisation, string, error)
	// UpdateOrganisation writes o if the stored version is prev, together with
	// its audit event; ECONFLICT when the version moved on, NameTaken when
	// another organisation of the authority has o's name key.
	UpdateOrganisation(ctx context.Context, o *Organisation, prev int64, ev *AuditEvent) error
	// UpdateOrganisations writes every change (each organisation if its
	// stored version is Prev, with its event) as one: all or none;
	// ECONFLICT or NameTaken as UpdateOrganisation.
	UpdateOrganisations(ctx context.Context, cs []OrganisationChange) error
	// OrganisationByNameKey returns the organisation of the authority whose
	// name has the key; ENOTFOUND when there is none.
	OrganisationByNameKey(ctx context.Context, authorityID, key string) (*Organisation, error)
	// CreateOrganisation inserts an organisation with its event; NameTaken
	// when its name key is another's in its authority.
	CreateOrganisation(ctx context.Context, o *Organisation, ev *AuditEvent) error
	// OrganisationsOfHome lists the organisations whose Home is homeID (a
	// supplier's records in other councils), oldest first.
	OrganisationsOfHome(ctx context.Context, homeID string) ([]*Organisation, error)
}

// checkNameFree refuses a name whose key is the council's own name's or
// another organisation's of the council (not self's), naming field.
func (s *Service) checkNameFree(ctx context.Context, auth *Authority, name, selfID, field string) error {
	key := NameKey(name)
	if key == NameKey(auth.Name) {
		return FieldErrorf(field, "That is the council's name: enter the name of your group or company")
	}
	other, err := s.Store.OrganisationByNameKey(ctx, auth.ID, key)
	switch {
	case ErrorCode(err) == ENOTFOUND:
		return nil
	case err != nil:
		return err
	case other.ID != selfID:
		return nameTakenAs(NameTaken(), field)
	}
	return nil
}

// ListOrganisations lists the organisations of the officer's authority.
func (s *Service) ListOrganisations(ctx context.Context, a *Actor, f OrganisationFilter) ([]*Organisation, string, error) {
	if err := requireRole(a, RoleOfficer, RoleAdmin); err != nil {
		return nil, "", err
	}
	switch f.Status {
	case "", OrgPending, OrgApproved, OrgRejected, OrgSuspended:
	default:
		return nil, "", FieldErrorf("status", "status must be pending, approved, rejected or suspended")
	}
	switch f.Kind {
	case "", KindGroup, KindSupplier:
	default:
		return nil, "", FieldErrorf("kind", "kind must be group or supplier")
	}
	f.AuthorityID = a.AuthorityID
	return s.Store.FindOrganisations(ctx, f)
}

// GetOrganisation returns an organisation the actor may see: its own, or any
// of the authority for officers. Others are ENOTFOUND.
func (s *Service) GetOrganisation(ctx context.Context, a *Actor, id string) (*Organisation, error) {
	if err := requireSignedIn(a); err != nil {
		return nil, err
	}
	o, err := s.Store.OrganisationByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if o.AuthorityID != a.AuthorityID || (!a.IsOfficer() && o.ID != a.OrganisationID) {
		return nil, Errorf(ENOTFOUND, "Organisation not found.")
	}
	return o, nil
}

// decide runs an officer's decision on an organisation of their authority:
// move changes it and names the audit action.
func (s *Service) decide(ctx context.Context, a *Actor, id string, move func(o *Organisation, now time.Time) (string, error)) (*Organisation, error) {
	if err := requireRole(a, RoleOfficer, RoleAdmin); err != nil {
		return nil, err
	}
	o, err := s.GetOrganisation(ctx, a, id)
	if err != nil {
		return nil, err
	}
	before, prev, now := *o, o.Version, s.now()
	action, err := move(o, now)
	if err != nil {
		return nil, err
	}
	ev := NewAuditEvent(o.AuthorityID, a.UserID, action, "organisation", o.ID, &before, o, now)
	if err := s.notify(ctx, ev, o); err != nil {
		return nil, err
	}
	return o, nameTakenAs(s.Store.UpdateOrganisation(ctx, o, prev, ev), "pendingName")
}

// DecideOrganisation approves (reason empty, approve true) or rejects an organisation.
func (s *Service) DecideOrganisation(ctx context.Context, a *Actor, id string, approve bool, reason string) (*Organisation, error) {
	return s.decide(ctx, a, id, func(o *Organisation, now time.Time) (string, error) {
		if approve {
			return "organisation.approve", o.Approve(now)
		}
		return "organisation.reject", o.Reject(reason, now)
	})
}

// DecideOrganisationName approves (approve true) or refuses, with a reason,
// the new name an approved organisation asked for.
func (s *Service) DecideOrganisationName(ctx context.Context, a *Actor, id string, approve bool, reason string) (*Organisation, error) {
	return s.decide(ctx, a, id, func(o *Organisation, now time.Time) (string, error) {
		if !approve {
			return "organisation.name.reject", o.RejectName(reason, now)
		}
		if o.PendingName != "" {
			auth, err := s.Store.AuthorityByID(ctx, o.AuthorityID)
			if err != nil {
				return "", err
			}
			if err := s.checkNameFree(ctx, auth, o.PendingName, o.ID, "pendingName"); err != nil {
				return "", err
			}
		}
		return "organisation.name.approve", o.ApproveName(now)
	})
}

// SuspendOrganisation suspends (suspend true) or reinstates an
// organisation of the officer's council, with a reason either way.
func (s *Service) SuspendOrganisation(ctx context.Context, a *Actor, id string, suspend bool, reason string) (*Organisation, error) {
	return s.decide(ctx, a, id, func(o *Organisation, now time.Time) (string, error) {
		if suspend {
			return "organisation.suspend", o.Suspend(reason, now)
		}
		return "organisation.reinstate", o.Reinstate(reason, now)
	})
}

// ProfileInput changes an organisation's own profile; nil fields stay.
type ProfileInput struct {
	Name                 *string
	Area                 *string
	Offers               *[]string
	CommitmentLimitPence *int64
	// Details, when given, replace all the due-diligence details.
	Details *OrgDetails
	Version *int64
}

// UpdateProfile lets a group or supplier edit its own organisation's name,
// base ward, offers, due-diligence details and (suppliers) commitment limit. A new name must be
// free in the council; an approved organisation's new name waits for an
// officer (PendingName) while the old one stays.
func (s *Service) UpdateProfile(ctx context.Context, a *Actor, id string, in ProfileInput) (*Organisation, error) {
	if err := requireRole(a, RoleGroup, RoleSupplier); err != nil {
		return nil, err
	}
	o, err := s.GetOrganisation(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if in.Version != nil && *in.Version != o.Version {
		return nil, &Error{Code: ECONFLICT, Field: "version", Message: "The organisation was changed by someone else; reload it and try again."}
	}
	before, prev, now := *o, o.Version, s.now()
	var v Validation
	var auth *Authority
	name := ""
	if in.Name != nil {
		name = cleanName(*in.Name)
		checkName(&v, "name", name, 2, 200)
	}
	if in.Name != nil || (in.Area != nil && *in.Area != "") {
		if auth, err = s.Store.AuthorityByID(ctx, o.AuthorityID); err != nil {
			return nil, err
		}
	}
	if in.Area != nil {
		o.Area = *in.Area
		if o.Area != "" {
			if _, ok := auth.Area(o.Area); !ok {
				v.Add("area", "area must be a ward code of %s", auth.Name)
			}
		}
	}
	if in.Offers != nil {
		if len(*in.Offers) > len(RequestKinds) {
			v.Add("offers", "offers lists request kinds, each once")
		}
		seen := map[string]bool{}
		for _, k := range *in.Offers {
			if !ValidKind(k) || seen[k] {
				v.Add("offers", "offers must be distinct kinds among volunteering, goods, funding, advice, jobs, works")
				break
			}
			seen[k] = true
		}
		o.Offers = append([]string(nil), (*in.Offers)...)
	}
	if in.CommitmentLimitPence != nil {
		if o.Kind != KindSupplier && *in.CommitmentLimitPence != 0 {
			v.Add("commitmentLimitPence", "Only suppliers have a commitment limit")
		} else if *in.CommitmentLimitPence < 0 || *in.CommitmentLimitPence > MaxPence {
			v.Add("commitmentLimitPence", "commitmentLimitPence must be from 0 (no limit) to 1000000000000")
		}
		o.CommitmentLimitPence = *in.CommitmentLimitPence
	}
	if in.Details != nil {
		d := *in.Details
		d.check(&v, o.Kind)
		if d.BaseWard != "" {
			if auth == nil {
				if auth, err = s.Store.AuthorityByID(ctx, o.AuthorityID); err != nil {
					return nil, err
				}
			}
			if _, ok := auth.Area(d.BaseWard); !ok {
				v.Add("baseWard", "baseWard must be a ward code of %s", auth.Name)
			}
		}
		o.OrgDetails = d
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if in.Name != nil && name != o.Name {
		if err := s.checkNameFree(ctx, auth, name, o.ID, "name"); err != nil {
			return nil, err
		}
	}
	if in.Name != nil {
		o.Rename(name, now) // touches o
	} else {
		o.touch(now)
	}
	changes := []OrganisationChange{{Org: o, Prev: prev, Event: NewAuditEvent(o.AuthorityID, a.UserID, "organisation.update", "organisation", o.ID, &before, o, now)}}
	copies, err := s.keepCopiesInStep(ctx, a, o, in.Name != nil, now)
	if err != nil {
		return nil, err
	}
	return o, nameTakenAs(s.Store.UpdateOrganisations(ctx, append(changes, copies...)), "name")
}
