package domain

import (
	"context"
	"time"
)

// OpenRequest is a published request as open data: no people, no contact details.
type OpenRequest struct {
	ID         string    `json:"id"`
	Title      string    `json:"title"`
	Kind       string    `json:"kind"`
	Ward       string    `json:"ward"`
	WardName   string    `json:"wardName"`
	Quantity   int64     `json:"quantity"`
	Unit       string    `json:"unit"`
	ValuePence int64     `json:"valuePence"`
	Deadline   time.Time `json:"deadline"`
	Status     string    `json:"status"`
}

// OpenTotal is a verified total of open data.
type OpenTotal struct {
	Key           string `json:"key"`
	Label         string `json:"label"`
	ApprovedPence int64  `json:"approvedPence"`
	VerifiedPence int64  `json:"verifiedPence"`
}

// OpenData is an authority's open data: published requests and verified
// totals, with the council's figure: social value secured as a share of
// the value of the contracts it stands on (see ledgershare.go).
type OpenData struct {
	Authority          string        `json:"authority"`
	Name               string        `json:"name"`
	Licence            string        `json:"licence"`
	GeneratedAt        time.Time     `json:"generatedAt"`
	Filter             OpenPeriod    `json:"filter"`
	Requests           []OpenRequest `json:"requests"`
	ApprovedPence      int64         `json:"approvedPence"`
	VerifiedPence      int64         `json:"verifiedPence"`
	ContractValuePence int64         `json:"contractValuePence"`
	SecuredPercent     *Percent      `json:"securedPercent"`
	ByWard             []OpenTotal   `json:"byWard"`
	ByTheme            []OpenTotal   `json:"byTheme"`
	ByContract         []OpenTotal   `json:"byContract"`
	ByMonth            []OpenTotal   `json:"byMonth"`
	ByYear             []OpenTotal   `json:"byYear"`
}

// OpenPeriod narrows the open data's figures to a financial year (FY,
// YYYY) or one of its quarters, like the ledger's filters.
type OpenPeriod struct {
	FY      string `json:"fy,omitempty"`
	Quarter string `json:"quarter,omitempty"`
}

// OpenDataOf returns an authority's open data (anyone): its figures
// narrowed to the period.
func (s *Service) OpenDataOf(ctx context.Context, slug string, period OpenPeriod) (*OpenData, error) {
	vs := s.Store
	lf := LedgerFilter{FY: period.FY, Quarter: period.Quarter}
	if err := lf.Check(); err != nil {
		return nil, err
	}
	auth, err := s.councilOfPage(ctx, slug)
	if err != nil {
		return nil, err
	}
	od := &OpenData{Authority: auth.Slug, Name: auth.Name, Licence: "Open Government Licence v3.0", GeneratedAt: s.now(), Filter: period, Requests: []OpenRequest{}}
	f := RequestFilter{AuthorityID: auth.ID, Statuses: []RequestStatus{ReqPublished, ReqInDelivery, ReqDelivered, ReqClosed}, Page: Page{Limit: 5000}}
	for {
		rs, next, err := s.Store.FindRequests(ctx, f)
		if err != nil {
			return nil, err
		}
		for _, r := range rs {
			r.Derive()
			od.Requests = append(od.Requests, OpenRequest{ID: r.ID, Title: r.Title, Kind: r.Kind, Ward: r.Area, WardName: r.AreaName, Quantity: r.Quantity,
				Unit: r.Unit, ValuePence: r.ValuePence, Deadline: r.Deadline, Status: string(r.Status)})
		}
		if next == "" {
			break
		}
		f.After = next
	}
	lf.AuthorityID = auth.ID
	l, err := s.ledgerOf(ctx, vs, auth.ID, lf)
	if err != nil {
		return nil, err
	}
	od.ApprovedPence, od.VerifiedPence = l.Totals.ApprovedPence, l.Totals.VerifiedPence
	od.ContractValuePence, od.SecuredPercent = l.Totals.ContractValuePence, l.Totals.SecuredPercent
	open := func(rows []LedgerRow) []OpenTotal {
		out := make([]OpenTotal, 0, len(rows))
		for _, r := range rows {
			out = append(out, OpenTotal{Key: r.Key, Label: r.Label, ApprovedPence: r.ApprovedPence, VerifiedPence: r.VerifiedPence})
		}
		return out
	}
	od.ByWard, od.ByTheme, od.ByContract, od.ByMonth, od.ByYear = open(l.ByWard), open(l.ByTheme), open(l.ByContract), open(l.ByMonth), open(l.ByYear)
	return od, nil
}
