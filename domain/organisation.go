package domain

import (
	"context"
	"time"
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
)

// Organisation is a community group or a supplier. It may post or pledge only
// once an officer of its authority has approved it.
type Organisation struct {
	ID          string `json:"id"`
	AuthorityID string `json:"-"`
	Authority   string `json:"authority"`
	Kind        string `json:"kind"`
	Name        string `json:"name"`
	Status      string `json:"status"`
	Reason      string `json:"reason,omitempty"`
	// Area is the ward the organisation is based in (optional): the matcher
	// measures a supplier's distance to requests from its centroid.
	Area string `json:"area,omitempty"`
	// Offers are the request kinds a supplier usually gives (optional).
	Offers []string `json:"offers,omitempty"`
	// CommitmentLimitPence caps what a supplier will have approved in all;
	// 0 means no limit. The allocation respects it.
	CommitmentLimitPence int64     `json:"commitmentLimitPence,omitempty"`
	Version              int64     `json:"version"`
	CreatedAt            time.Time `json:"createdAt"`
	UpdatedAt            time.Time `json:"updatedAt"`
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

// OrganisationStore persists organisations.
type OrganisationStore interface {
	// OrganisationByID returns ENOTFOUND when there is none.
	OrganisationByID(ctx context.Context, id string) (*Organisation, error)
	// FindOrganisations lists newest first.
	FindOrganisations(ctx context.Context, f OrganisationFilter) ([]*Organisation, string, error)
	// UpdateOrganisation writes o if the stored version is prev, together with
	// its audit event; ECONFLICT when the version moved on.
	UpdateOrganisation(ctx context.Context, o *Organisation, prev int64, ev *AuditEvent) error
}

// ListOrganisations lists the organisations of the officer's authority.
func (s *Service) ListOrganisations(ctx context.Context, a *Actor, f OrganisationFilter) ([]*Organisation, string, error) {
	if err := requireRole(a, RoleOfficer, RoleAdmin); err != nil {
		return nil, "", err
	}
	switch f.Status {
	case "", OrgPending, OrgApproved, OrgRejected:
	default:
		return nil, "", FieldErrorf("status", "status must be pending, approved or rejected")
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

// DecideOrganisation approves (reason empty, approve true) or rejects an organisation.
func (s *Service) DecideOrganisation(ctx context.Context, a *Actor, id string, approve bool, reason string) (*Organisation, error) {
	if err := requireRole(a, RoleOfficer, RoleAdmin); err != nil {
		return nil, err
	}
	o, err := s.GetOrganisation(ctx, a, id)
	if err != nil {
		return nil, err
	}
	before, prev, now := *o, o.Version, s.now()
	action := "organisation.approve"
	if approve {
		err = o.Approve(now)
	} else {
		action = "organisation.reject"
		err = o.Reject(reason, now)
	}
	if err != nil {
		return nil, err
	}
	ev := NewAuditEvent(o.AuthorityID, a.UserID, action, "organisation", o.ID, &before, o, now)
	return o, s.Store.UpdateOrganisation(ctx, o, prev, ev)
}

// ProfileInput changes an organisation's own profile; nil fields stay.
type ProfileInput struct {
	Name                 *string
	Area                 *string
	Offers               *[]string
	CommitmentLimitPence *int64
	Version              *int64
}

// UpdateProfile lets a group or supplier edit its own organisation's name,
// base ward, offers and (suppliers) commitment limit.
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
	if in.Name != nil {
		o.Name = cleanName(*in.Name)
	}
	if in.Area != nil {
		o.Area = *in.Area
		if o.Area != "" {
			auth, err := s.Store.AuthorityByID(ctx, o.AuthorityID)
			if err != nil {
				return nil, err
			}
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
	checkName(&v, "name", o.Name, 2, 200)
	if err := v.Err(); err != nil {
		return nil, err
	}
	o.touch(now)
	ev := NewAuditEvent(o.AuthorityID, a.UserID, "organisation.update", "organisation", o.ID, &before, o, now)
	return o, s.Store.UpdateOrganisation(ctx, o, prev, ev)
}
