package mongo

import (
	"context"
	"regexp"
	"time"

	"needmatch/domain"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// requestDoc holds a request without its derived sums, which are computed
// from the pledges at read time.
type requestDoc struct {
	ID               string    `bson:"_id"`
	AuthorityID      string    `bson:"authorityId"`
	Authority        string    `bson:"authority"`
	OrganisationID   string    `bson:"organisationId"`
	OrganisationName string    `bson:"organisationName"`
	Title            string    `bson:"title"`
	Description      string    `bson:"description"`
	Kind             string    `bson:"kind"`
	Area             string    `bson:"area"`
	AreaName         string    `bson:"areaName"`
	Quantity         int64     `bson:"quantity"`
	Unit             string    `bson:"unit"`
	ValuePence       int64     `bson:"valuePence"`
	Deadline         time.Time `bson:"deadline"`
	Safeguarding     bool      `bson:"safeguarding"`
	Status           string    `bson:"status"`
	Reason           string    `bson:"reason,omitempty"`
	DeadlineExtended bool      `bson:"deadlineExtended,omitempty"`
	Version          int64     `bson:"version"`
	CreatedAt        time.Time `bson:"createdAt"`
	UpdatedAt        time.Time `bson:"updatedAt"`
	PendingAudit     *auditDoc `bson:"pendingAudit,omitempty"`
}

func requestFromDomain(r *domain.Request, ev *domain.AuditEvent) *requestDoc {
	return &requestDoc{ID: r.ID, AuthorityID: r.AuthorityID, Authority: r.Authority, OrganisationID: r.OrganisationID,
		OrganisationName: r.OrganisationName, Title: r.Title, Description: r.Description, Kind: r.Kind, Area: r.Area, AreaName: r.AreaName,
		Quantity: r.Quantity, Unit: r.Unit, ValuePence: r.ValuePence, Deadline: r.Deadline, Safeguarding: r.Safeguarding,
		Status: string(r.Status), Reason: r.Reason, DeadlineExtended: r.DeadlineExtended, Version: r.Version, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, PendingAudit: pendingOf(ev)}
}

func (d *requestDoc) toDomain() *domain.Request {
	return &domain.Request{ID: d.ID, AuthorityID: d.AuthorityID, Authority: d.Authority, OrganisationID: d.OrganisationID,
		OrganisationName: d.OrganisationName, Title: d.Title, Description: d.Description, Kind: d.Kind, Area: d.Area, AreaName: d.AreaName,
		Quantity: d.Quantity, Unit: d.Unit, ValuePence: d.ValuePence, Deadline: d.Deadline.UTC(), Safeguarding: d.Safeguarding,
		Status: domain.RequestStatus(d.Status), Reason: d.Reason, DeadlineExtended: d.DeadlineExtended, Version: d.Version, CreatedAt: d.CreatedAt.UTC(), UpdatedAt: d.UpdatedAt.UTC()}
}

// CreateRequest inserts r with its audit event.
func (db *DB) CreateRequest(ctx context.Context, r *domain.Request, ev *domain.AuditEvent) error {
	d := requestFromDomain(r, ev)
	return db.insertAudited(ctx, db.requests, r.ID, d, d.PendingAudit, ev)
}

// UpdateRequest writes r if the stored version is prev; ECONFLICT otherwise.
func (db *DB) UpdateRequest(ctx context.Context, r *domain.Request, prev int64, ev *domain.AuditEvent) error {
	d := requestFromDomain(r, ev)
	return db.replaceAudited(ctx, db.requests, r.ID, prev, d, d.PendingAudit, ev, "Request", nil)
}

// RequestByID returns ENOTFOUND when there is none.
func (db *DB) RequestByID(ctx context.Context, id string) (*domain.Request, error) {
	var d requestDoc
	if err := db.requests.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d); err != nil {
		return nil, notFound(err, "Request not found.")
	}
	r := d.toDomain()
	return r, db.fillSums(ctx, []*domain.Request{r})
}

// FindRequests lists newest first. The text filter is the user's text
// matched literally (regexp.QuoteMeta) and case-insensitively in the title
// or the description.
func (db *DB) FindRequests(ctx context.Context, f domain.RequestFilter) ([]*domain.Request, string, error) {
	filter := bson.D{{Key: "authorityId", Value: f.AuthorityID}}
	filter = eq(filter, "organisationId", f.OrganisationID)
	switch len(f.Statuses) {
	case 0:
	case 1:
		filter = append(filter, bson.E{Key: "status", Value: f.Statuses[0]})
	default:
		filter = append(filter, bson.E{Key: "status", Value: bson.D{{Key: "$in", Value: f.Statuses}}})
	}
	filter = eq(filter, "area", f.Area)
	filter = eq(filter, "kind", f.Kind)
	if f.Text != "" {
		re := bson.D{{Key: "$regex", Value: regexp.QuoteMeta(f.Text)}, {Key: "$options", Value: "i"}}
		filter = append(filter, bson.E{Key: "$or", Value: bson.A{
			bson.D{{Key: "title", Value: re}},
			bson.D{{Key: "description", Value: re}},
		}})
	}
	items, next, err := findPage(ctx, db.requests, filter, f.Page, (*requestDoc).toDomain, func(r *domain.Request) string { return r.ID })
	if err != nil {
		return nil, "", err
	}
	return items, next, db.fillSums(ctx, items)
}

// deadPledge lists the pledge statuses that no longer count towards a request.
var deadPledge = bson.A{domain.PledgeDeclined, domain.PledgeWithdrawn, domain.PledgeLapsed}

// fillSums sets the derived pledged and approved totals from the live
// pledges, summed in Go (FerretDB's $group gets two accumulators wrong).
func (db *DB) fillSums(ctx context.Context, rs []*domain.Request) error {
	if len(rs) == 0 {
		return nil
	}
	byID := make(map[string]*domain.Request, len(rs))
	ids := make(bson.A, 0, len(rs))
	for _, r := range rs {
		byID[r.ID] = r
		ids = append(ids, r.ID)
	}
	cur, err := db.pledges.Find(ctx,
		bson.D{{Key: "requestId", Value: bson.D{{Key: "$in", Value: ids}}}, {Key: "status", Value: bson.D{{Key: "$nin", Value: deadPledge}}}},
		options.Find().SetProjection(bson.D{{Key: "_id", Value: 0}, {Key: "requestId", Value: 1}, {Key: "valuePence", Value: 1}, {Key: "approvedPence", Value: 1}}))
	if err != nil {
		return translate(err)
	}
	defer cur.Close(ctx)
	for cur.Next(ctx) {
		var p struct {
			RequestID     string `bson:"requestId"`
			ValuePence    int64  `bson:"valuePence"`
			ApprovedPence int64  `bson:"approvedPence"`
		}
		if err := cur.Decode(&p); err != nil {
			return translate(err)
		}
		if r := byID[p.RequestID]; r != nil {
			r.PledgedPence += p.ValuePence
			r.ApprovedPence += p.ApprovedPence
		}
	}
	return translate(cur.Err())
}
