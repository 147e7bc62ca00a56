package domain

import (
	"context"
	"sort"
	"strings"
	"time"
)

// A supplier registers once, in its home council, and may ask to work in
// other councils of the platform. Each council keeps its own record of the
// organisation (an Organisation whose Home is the home's id), which that
// council's officers approve, reject, suspend or reinstate on their own:
// a suspension by one council binds no other. The supplier's people sign in
// once; the session names the council they work in now (Actor.AuthorityID
// and Actor.OrganisationID are that council's and that record's), so every
// pledge, bid and delivery belongs to one council. Community groups stay in
// one council.

// Membership is one council a supplier works in or has asked to.
type Membership struct {
	Authority      string `json:"authority"`
	Name           string `json:"name"`
	OrganisationID string `json:"organisationId"`
	Status         string `json:"status"`
	// Home is the council it registered in; Current the one it works in now.
	Home    bool `json:"home"`
	Current bool `json:"current"`
}

// homeID is the id of the organisation's home record.
func homeID(o *Organisation) string {
	if o.Home != "" {
		return o.Home
	}
	return o.ID
}

// membershipsOf lists every record of the organisation's home, the home
// first, then by council slug.
func (s *Service) membershipsOf(ctx context.Context, orgID string) ([]*Organisation, error) {
	o, err := s.Store.OrganisationByID(ctx, orgID)
	if err != nil {
		return nil, err
	}
	home := o
	if o.Home != "" {
		if home, err = s.Store.OrganisationByID(ctx, o.Home); err != nil {
			return nil, err
		}
	}
	others, err := s.Store.OrganisationsOfHome(ctx, home.ID)
	if err != nil {
		return nil, err
	}
	sort.SliceStable(others, func(i, j int) bool { return others[i].Authority < others[j].Authority })
	return append([]*Organisation{home}, others...), nil
}

// Memberships lists the councils the supplier works in or asked to.
func (s *Service) Memberships(ctx context.Context, a *Actor) ([]Membership, error) {
	if err := requireRole(a, RoleSupplier); err != nil {
		return nil, err
	}
	orgs, err := s.membershipsOf(ctx, a.OrganisationID)
	if err != nil {
		return nil, err
	}
	out := make([]Membership, 0, len(orgs))
	for _, o := range orgs {
		auth, err := s.Store.AuthorityByID(ctx, o.AuthorityID)
		if err != nil {
			return nil, err
		}
		out = append(out, Membership{Authority: auth.Slug, Name: auth.Name, OrganisationID: o.ID, Status: o.Status, Home: o.Home == "", Current: o.ID == a.OrganisationID})
	}
	return out, nil
}

// JoinCouncil asks for the supplier to work in another council of the
// platform: a pending record of the organisation there, with its name,
// offers, limit and due-diligence details, for that council's officers to
// approve. The event is in that council's chain.
func (s *Service) JoinCouncil(ctx context.Context, a *Actor, slug string) (*Membership, error) {
	if a != nil && a.Role == RoleGroup {
		return nil, Errorf(EFORBIDDEN, "A community group works in one council.")
	}
	if err := requireRole(a, RoleSupplier); err != nil {
		return nil, err
	}
	slug = strings.TrimSpace(slug)
	auth, err := s.PublicAuthority(ctx, slug)
	if ErrorCode(err) == ENOTFOUND {
		return nil, FieldErrorf("authority", "There is no council %q here.", truncateText(slug, 40))
	} else if err != nil {
		return nil, err
	}
	orgs, err := s.membershipsOf(ctx, a.OrganisationID)
	if err != nil {
		return nil, err
	}
	for _, o := range orgs {
		if o.AuthorityID == auth.ID {
			return nil, &Error{Code: ECONFLICT, Field: "authority", Message: "Your organisation already works in " + auth.Name + " (" + o.Status + ")."}
		}
	}
	home, now := orgs[0], s.now()
	if err := s.checkNameFree(ctx, auth, home.Name, "", "organisation.name"); err != nil {
		return nil, err
	}
	o := &Organisation{ID: NewID(), AuthorityID: auth.ID, Authority: auth.Slug, Kind: KindSupplier, Status: OrgPending, Home: home.ID,
		Version: 1, CreatedAt: now, UpdatedAt: now}
	o.takeShared(home)
	o.setName(home.Name)
	ev := NewAuditEvent(auth.ID, a.UserID, "organisation.join", "organisation", o.ID, nil, o, now)
	if err := s.Store.CreateOrganisation(ctx, o, ev); err != nil {
		return nil, nameTakenAs(err, "organisation.name")
	}
	return &Membership{Authority: auth.Slug, Name: auth.Name, OrganisationID: o.ID, Status: o.Status}, nil
}

// takeShared copies what the organisation says about itself, the same in
// every council it works in, from another record of it: its offers,
// commitment limit and due-diligence details. What belongs to one council
// stays: its status (approval, suspension), its base ward (a ward of that
// council, Area and BaseWard) and its name's approval there (see
// keepCopiesInStep).
func (o *Organisation) takeShared(from *Organisation) {
	ward := o.BaseWard
	o.Offers = append([]string(nil), from.Offers...)
	o.CommitmentLimitPence = from.CommitmentLimitPence
	o.OrgDetails = from.OrgDetails
	o.BaseWard = ward
}

// keepCopiesInStep brings every other record of a supplier organisation
// in step with o, just edited by its people: the shared details
// (takeShared) and, when renamed is true, the name asked for, which each
// council takes or approves as it does its own records' (Rename), and
// which must be free in each. It returns the changes to write with o's,
// each with its event in its council's chain.
func (s *Service) keepCopiesInStep(ctx context.Context, a *Actor, o *Organisation, renamed bool, now time.Time) ([]OrganisationChange, error) {
	if o.Kind != KindSupplier {
		return nil, nil
	}
	orgs, err := s.membershipsOf(ctx, o.ID)
	if err != nil {
		return nil, err
	}
	name := o.Name
	if o.PendingName != "" {
		name = o.PendingName
	}
	var out []OrganisationChange
	for _, c := range orgs {
		if c.ID == o.ID {
			continue
		}
		before, prev := *c, c.Version
		c.takeShared(o)
		if renamed {
			if name != c.Name {
				auth, err := s.Store.AuthorityByID(ctx, c.AuthorityID)
				if err != nil {
					return nil, err
				}
				if err := s.checkNameFree(ctx, auth, name, c.ID, "name"); err != nil {
					return nil, err
				}
			}
			c.Rename(name, now)
		} else {
			c.touch(now)
		}
		out = append(out, OrganisationChange{Org: c, Prev: prev, Event: NewAuditEvent(c.AuthorityID, a.UserID, "organisation.update", "organisation", c.ID, &before, c, now)})
	}
	return out, nil
}

// ActorIn returns the user's actor working in the council authorityID: its
// own council as ActorFor does; another only for a supplier whose
// organisation has a record there that is approved, or suspended (it still
// reads its own work; every new commitment checks approval). Anything else
// ends the session's claim (EUNAUTHORIZED).
func (s *Service) ActorIn(ctx context.Context, userID, authorityID string) (*Actor, *User, error) {
	a, u, err := s.ActorFor(ctx, userID)
	if err != nil || authorityID == "" || authorityID == a.AuthorityID {
		return a, u, err
	}
	o, err := s.recordIn(ctx, a, authorityID, OrgApproved, OrgSuspended)
	if err != nil {
		return nil, nil, Errorf(EUNAUTHORIZED, "Your organisation no longer works in that council; sign in again.")
	}
	a.AuthorityID, a.OrganisationID = o.AuthorityID, o.ID
	return a, u, nil
}

// recordIn returns the supplier's record in the council when its status is
// one of statuses; ENOTFOUND otherwise.
func (s *Service) recordIn(ctx context.Context, a *Actor, authorityID string, statuses ...string) (*Organisation, error) {
	if a.Role != RoleSupplier || a.OrganisationID == "" {
		return nil, Errorf(ENOTFOUND, "Council not found.")
	}
	orgs, err := s.membershipsOf(ctx, a.OrganisationID)
	if err != nil {
		return nil, err
	}
	for _, o := range orgs {
		if o.AuthorityID != authorityID {
			continue
		}
		for _, st := range statuses {
			if o.Status == st {
				return o, nil
			}
		}
	}
	return nil, Errorf(ENOTFOUND, "Council not found.")
}

// Switched is a supplier's session moved to another council.
type Switched struct {
	Authority *Authority
	// Council is the id the session's access token carries: "" for the
	// home council.
	Council string
	// Refresh is the session's next refresh token, which records the
	// council so that a refresh keeps it, and Expires its expiry; empty when
	// the switch was asked without the session's refresh token.
	Refresh string
	Expires time.Time
}

// SwitchCouncil moves the supplier to the council slug when its
// organisation is approved there now (EFORBIDDEN on field authority when
// not). Given the session's raw refresh token, it spends it and continues
// the chain with a token that records the council: a refresh, or a page
// load, keeps working there (see UseRefreshToken).
func (s *Service) SwitchCouncil(ctx context.Context, a *Actor, slug, refresh string, ttl time.Duration) (*Switched, error) {
	if err := requireRole(a, RoleSupplier); err != nil {
		return nil, err
	}
	auth, err := s.PublicAuthority(ctx, strings.TrimSpace(slug))
	if ErrorCode(err) == ENOTFOUND {
		return nil, FieldErrorf("authority", "There is no council %q here.", truncateText(slug, 40))
	} else if err != nil {
		return nil, err
	}
	if _, err := s.recordIn(ctx, a, auth.ID, OrgApproved); ErrorCode(err) == ENOTFOUND {
		return nil, &Error{Code: EFORBIDDEN, Field: "authority", Message: "Your organisation is not approved to work in " + auth.Name + "."}
	} else if err != nil {
		return nil, err
	}
	home, _, err := s.ActorFor(ctx, a.UserID)
	if err != nil {
		return nil, err
	}
	sw := &Switched{Authority: auth, Council: auth.ID}
	if auth.ID == home.AuthorityID {
		sw.Council = ""
	}
	if refresh == "" {
		return sw, nil
	}
	r, err := s.UseRefreshToken(ctx, refresh)
	if err != nil {
		return nil, err
	}
	if r.User.ID != a.UserID {
		return nil, sessionEnded()
	}
	if sw.Refresh, sw.Expires, err = s.IssueRefreshToken(ctx, a.UserID, r.Family, sw.Council, ttl); err != nil {
		return nil, err
	}
	return sw, nil
}

// CouncilRecord is a supplier's verified figures in one council.
type CouncilRecord struct {
	Authority      string `json:"authority"`
	Name           string `json:"name"`
	Verified       int    `json:"verified"`
	Pledged        int    `json:"pledged"`
	ApprovedPence  int64  `json:"approvedPence"`
	DeliveredPence int64  `json:"deliveredPence"`
	VerifiedPence  int64  `json:"verifiedPence"`
}

// councilRecords computes the organisation's record in every council it
// works in, each marked by council, with DeliveryRecordOf.
func (s *Service) councilRecords(ctx context.Context, orgID string) ([]CouncilRecord, error) {
	orgs, err := s.membershipsOf(ctx, orgID)
	if err != nil {
		return nil, err
	}
	out := []CouncilRecord{}
	for _, o := range orgs {
		if o.Status != OrgApproved && o.Status != OrgSuspended {
			continue
		}
		auth, err := s.Store.AuthorityByID(ctx, o.AuthorityID)
		if err != nil {
			return nil, err
		}
		r, err := s.DeliveryRecordOf(ctx, o.AuthorityID, o.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, CouncilRecord{Authority: auth.Slug, Name: auth.Name, Verified: r.Verified, Pledged: r.Pledged,
			ApprovedPence: r.ApprovedPence, DeliveredPence: r.DeliveredPence, VerifiedPence: r.VerifiedPence})
	}
	return out, nil
}

// peopleOf lists the users of an organisation: a supplier's record in
// another council has none of its own, so its home's people are its people.
func (s *Service) peopleOf(ctx context.Context, orgID string) ([]*User, error) {
	users, err := s.Store.UsersOfOrganisation(ctx, orgID)
	if err != nil || len(users) > 0 {
		return users, err
	}
	o, err := s.Store.OrganisationByID(ctx, orgID)
	if ErrorCode(err) == ENOTFOUND || (err == nil && o.Home == "") {
		return users, nil
	} else if err != nil {
		return nil, err
	}
	return s.Store.UsersOfOrganisation(ctx, o.Home)
}
