package domain

import (
	"context"
	"math"
	"sort"
	"time"

	"needmatch/matcher"
)

// Bid statuses.
const (
	BidDraft        = "draft"
	BidSubmitted    = "submitted"
	BidAwarded      = "awarded"
	BidUnsuccessful = "unsuccessful"
	BidWithdrawn    = "withdrawn"
)

// Bid is a supplier's bid on a contract; its pledges carry its BidID.
type Bid struct {
	ID                string     `json:"id"`
	AuthorityID       string     `json:"-"`
	ContractID        string     `json:"contractId"`
	ContractReference string     `json:"contractReference"`
	OrganisationID    string     `json:"organisationId"`
	OrganisationName  string     `json:"organisationName"`
	Status            string     `json:"status"`
	SubmittedAt       *time.Time `json:"submittedAt,omitempty"`
	Version           int64      `json:"version"`
	CreatedAt         time.Time  `json:"createdAt"`
	UpdatedAt         time.Time  `json:"updatedAt"`
	// Derived when read through the service.
	Pledges    []*Pledge      `json:"pledges,omitempty"`
	Compliance *BidCompliance `json:"compliance,omitempty"`
	// Figures are set for officers comparing the bids of a contract; its
	// fields show beside the bid's own.
	*BidFigures
}

// BidFigures are what an officer compares bids by: the social value
// offered by the bid's live pledges, as a percentage of the contract value
// (2 decimals), the distinct published requests covered, the score and the
// wards reached. The score is the matcher's score of each live pledge
// against its request (whose need component is the need index of the
// request's ward, see package matcher), averaged weighted by the pledge's
// value and rounded to 4 decimals; 0 with no live pledge.
type BidFigures struct {
	SocialValuePence       int64     `json:"socialValuePence"`
	PercentOfContractValue float64   `json:"percentOfContractValue"`
	RequestCount           int       `json:"requestCount"`
	Score                  float64   `json:"score"`
	Wards                  []WardRef `json:"wards"`
}

// WardRef names a ward.
type WardRef struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// PercentOf is part as a percentage of whole, rounded to 2 decimals.
func PercentOf(part, whole int64) float64 {
	if whole <= 0 {
		return 0
	}
	return math.Round(float64(part)*10000/float64(whole)) / 100
}

// BidCompliance is the "at least three requests" check of a bid.
type BidCompliance struct {
	Compliant        bool   `json:"compliant"`
	DistinctRequests int    `json:"distinctRequests"`
	MinRequests      int    `json:"minRequests"`
	PledgedPence     int64  `json:"pledgedPence"`
	Reason           string `json:"reason,omitempty"`
}

// CheckBid counts the distinct published requests among the bid's live
// pledges. requests maps request id to request.
func CheckBid(rules *ContractRules, pledges []*Pledge, requests map[string]*Request) *BidCompliance {
	c := &BidCompliance{MinRequests: rules.MinRequests}
	seen := map[string]bool{}
	for _, p := range pledges {
		if !p.Live() {
			continue
		}
		c.PledgedPence += p.ValuePence
		if r := requests[p.RequestID]; r != nil && r.Public() && !seen[r.ID] {
			seen[r.ID] = true
		}
	}
	c.DistinctRequests = len(seen)
	c.Compliant = c.DistinctRequests >= c.MinRequests
	if !c.Compliant {
		c.Reason = sprintf("The bid pledges to %d distinct published requests; this contract needs at least %d.", c.DistinctRequests, c.MinRequests)
	}
	return c
}

func (b *Bid) move(from []string, to string, now time.Time) error {
	for _, f := range from {
		if b.Status == f {
			b.Status, b.Version, b.UpdatedAt = to, b.Version+1, now
			return nil
		}
	}
	return Errorf(ECONFLICT, "Bid is %s and cannot become %s.", b.Status, to)
}

// Submit sends a draft bid; the caller checks compliance first.
func (b *Bid) Submit(now time.Time) error {
	if err := b.move([]string{BidDraft}, BidSubmitted, now); err != nil {
		return err
	}
	t := now
	b.SubmittedAt = &t
	return nil
}

// Withdraw takes a bid back before award.
func (b *Bid) Withdraw(now time.Time) error {
	return b.move([]string{BidDraft, BidSubmitted}, BidWithdrawn, now)
}

// BidFilter selects bids of one authority.
type BidFilter struct {
	AuthorityID    string
	ContractID     string
	OrganisationID string
	Page
}

// CreateBid opens the supplier's draft bid on a contract at tender.
func (s *Service) CreateBid(ctx context.Context, a *Actor, contractID string) (*Bid, error) {
	if err := requireRole(a, RoleSupplier); err != nil {
		return nil, err
	}
	o, err := s.approvedOrganisation(ctx, a)
	if err != nil {
		return nil, err
	}
	c, vs, err := s.visibleContract(ctx, a, contractID)
	if err != nil {
		return nil, err
	}
	if c.Stage != StageTender {
		return nil, Errorf(ECONFLICT, "Contract is %s: bids are taken at tender.", c.Stage)
	}
	now := s.now()
	b := &Bid{ID: NewID(), AuthorityID: c.AuthorityID, ContractID: c.ID, ContractReference: c.Reference, OrganisationID: o.ID, OrganisationName: o.Name,
		Status: BidDraft, Version: 1, CreatedAt: now, UpdatedAt: now}
	ev := NewAuditEvent(b.AuthorityID, a.UserID, "bid.create", "bid", b.ID, nil, b, now)
	if err := vs.CreateBid(ctx, b, ev); err != nil {
		if ErrorCode(err) == ECONFLICT {
			return nil, Errorf(ECONFLICT, "Your organisation already has a bid on this contract.")
		}
		return nil, err
	}
	return b, nil
}

// visibleBid returns a bid the actor may see: the supplier's own, or any of
// the authority for officers.
func (s *Service) visibleBid(ctx context.Context, a *Actor, id string) (*Bid, ValueStore, error) {
	if err := requireSignedIn(a); err != nil {
		return nil, nil, err
	}
	vs := s.Store
	b, err := vs.BidByID(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if b.AuthorityID != a.AuthorityID || !(a.IsOfficer() || (a.Role == RoleSupplier && a.OrganisationID == b.OrganisationID)) {
		return nil, nil, Errorf(ENOTFOUND, "Bid not found.")
	}
	return b, vs, nil
}

// bidPledges loads the bid's pledges and checks compliance.
func (s *Service) fillBid(ctx context.Context, b *Bid, c *Contract) error {
	ps, err := allPledges(ctx, s.Store, PledgeFilter{AuthorityID: b.AuthorityID, OrganisationID: b.OrganisationID})
	if err != nil {
		return err
	}
	b.Pledges = b.Pledges[:0]
	reqs := map[string]*Request{}
	for _, p := range ps {
		if p.BidID != b.ID {
			continue
		}
		b.Pledges = append(b.Pledges, p)
		if _, ok := reqs[p.RequestID]; !ok {
			r, err := s.Store.RequestByID(ctx, p.RequestID)
			if err != nil && ErrorCode(err) != ENOTFOUND {
				return err
			}
			reqs[p.RequestID] = r
		}
	}
	sort.Slice(b.Pledges, func(i, j int) bool { return b.Pledges[i].ID < b.Pledges[j].ID })
	if c.Rules == nil {
		if err := s.withRules(ctx, c); err != nil {
			return err
		}
	}
	b.Compliance = CheckBid(c.Rules, b.Pledges, reqs)
	return nil
}

// GetBid returns a bid with its pledges and compliance.
func (s *Service) GetBid(ctx context.Context, a *Actor, id string) (*Bid, error) {
	b, vs, err := s.visibleBid(ctx, a, id)
	if err != nil {
		return nil, err
	}
	c, err := vs.ContractByID(ctx, b.ContractID)
	if err != nil {
		return nil, err
	}
	return b, s.fillBid(ctx, b, c)
}

// ListBids lists the bids on a contract: all for officers, its own for a supplier.
func (s *Service) ListBids(ctx context.Context, a *Actor, contractID string, p Page) ([]*Bid, string, error) {
	if err := requireRole(a, RoleSupplier, RoleOfficer, RoleAdmin); err != nil {
		return nil, "", err
	}
	c, vs, err := s.visibleContract(ctx, a, contractID)
	if err != nil {
		return nil, "", err
	}
	f := BidFilter{AuthorityID: c.AuthorityID, ContractID: c.ID, Page: p}
	if !a.IsOfficer() {
		f.OrganisationID = a.OrganisationID
	}
	bids, next, err := vs.FindBids(ctx, f)
	if err != nil || !a.IsOfficer() {
		return bids, next, err
	}
	return bids, next, s.bidFigures(ctx, c, bids)
}

// bidFigures sets the figures of bids on c (see BidFigures).
func (s *Service) bidFigures(ctx context.Context, c *Contract, bids []*Bid) error {
	if len(bids) == 0 {
		return nil
	}
	auth, err := s.Store.AuthorityByID(ctx, c.AuthorityID)
	if err != nil {
		return err
	}
	needs, err := matcher.AssessNeeds(matcherAreas(auth))
	if err != nil {
		return matcherError(err)
	}
	now := s.now()
	sn := &matchSnapshot{auth: auth, needs: needs, weights: matcherWeights(auth)}
	for _, b := range bids {
		if err := s.fillBid(ctx, b, c); err != nil {
			return err
		}
		org, err := s.Store.OrganisationByID(ctx, b.OrganisationID)
		if err != nil {
			return err
		}
		all, err := allPledges(ctx, s.Store, PledgeFilter{AuthorityID: c.AuthorityID, OrganisationID: b.OrganisationID})
		if err != nil {
			return err
		}
		n := CountRecord(all, now)
		sup := sn.supplier(org, matcher.Record{Pledged: n.Due, Verified: n.Verified, Lapsed: n.Lapsed})
		f := &BidFigures{SocialValuePence: b.Compliance.PledgedPence, RequestCount: b.Compliance.DistinctRequests, Wards: []WardRef{}}
		f.PercentOfContractValue = PercentOf(f.SocialValuePence, c.ValuePence)
		var weighted, total float64
		wards := map[string]bool{}
		for _, p := range b.Pledges {
			if !p.Live() {
				continue
			}
			r, err := s.Store.RequestByID(ctx, p.RequestID)
			if ErrorCode(err) == ENOTFOUND {
				continue
			} else if err != nil {
				return err
			}
			sc, err := matcher.ScorePledge(matcherPledge(p), matcherRequest(r), sup, needs, sn.weights, now)
			if err != nil {
				return matcherError(err)
			}
			weighted += sc.Total * float64(p.ValuePence)
			total += float64(p.ValuePence)
			if !wards[r.Area] {
				wards[r.Area] = true
				ar, _ := auth.Area(r.Area)
				f.Wards = append(f.Wards, WardRef{Code: r.Area, Name: ar.Name})
			}
		}
		if total > 0 {
			f.Score = math.Round(weighted/total*10000) / 10000
		}
		sort.Slice(f.Wards, func(i, j int) bool { return f.Wards[i].Code < f.Wards[j].Code })
		b.BidFigures = f
		b.Pledges = nil
	}
	return nil
}

// Bid transitions.
const (
	BidSubmit   = "submit"
	BidWithdraw = "withdraw"
)

// MoveBid submits or withdraws the supplier's own bid. A bid is submitted
// only when compliant.
func (s *Service) MoveBid(ctx context.Context, a *Actor, id, move string) (*Bid, error) {
	if err := requireRole(a, RoleSupplier); err != nil {
		return nil, err
	}
	b, vs, err := s.visibleBid(ctx, a, id)
	if err != nil {
		return nil, err
	}
	c, err := vs.ContractByID(ctx, b.ContractID)
	if err != nil {
		return nil, err
	}
	if c.Stage != StageTender {
		return nil, Errorf(ECONFLICT, "Contract is %s: bids can change only at tender.", c.Stage)
	}
	if err := s.fillBid(ctx, b, c); err != nil {
		return nil, err
	}
	pledges, compliance := b.Pledges, b.Compliance
	b.Pledges, b.Compliance = nil, nil
	before, prev, now := *b, b.Version, s.now()
	switch move {
	case BidSubmit:
		if _, err := s.approvedOrganisation(ctx, a); err != nil {
			return nil, err
		}
		if !compliance.Compliant {
			return nil, &Error{Code: EUNPROCESSABLE, Field: "pledges", Message: compliance.Reason}
		}
		err = b.Submit(now)
	case BidWithdraw:
		err = b.Withdraw(now)
	default:
		err = Errorf(EINVALID, "Unknown action %q.", move)
	}
	if err != nil {
		return nil, err
	}
	ev := NewAuditEvent(b.AuthorityID, a.UserID, "bid."+move, "bid", b.ID, &before, b, now)
	if err := vs.UpdateBid(ctx, b, prev, ev); err != nil {
		return nil, err
	}
	b.Pledges, b.Compliance = pledges, compliance
	return b, nil
}

func allBids(ctx context.Context, vs ContractStore, f BidFilter) ([]*Bid, error) {
	return AllPages(func(p Page) ([]*Bid, string, error) {
		f.Page = p
		return vs.FindBids(ctx, f)
	}, 0)
}
