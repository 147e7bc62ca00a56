package mongo

import (
	"context"
	"errors"
	"time"

	"needmatch/domain"

	"go.mongodb.org/mongo-driver/v2/bson"
	driver "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

type areaDoc struct {
	Code      string  `bson:"code"`
	Name      string  `bson:"name"`
	Lat       float64 `bson:"lat"`
	Lon       float64 `bson:"lon"`
	Deciles   []int   `bson:"deciles"`
	NeedIndex float64 `bson:"needIndex"`
}

type thresholdsDoc struct {
	SocialValuePence int64 `bson:"socialValuePence"`
	ReportingPence   int64 `bson:"reportingPence"`
	KPIsPence        int64 `bson:"kpisPence"`
}

type weightsDoc struct {
	Version  int       `bson:"version"`
	Need     float64   `bson:"need"`
	Fit      float64   `bson:"fit"`
	Coverage float64   `bson:"coverage"`
	Urgency  float64   `bson:"urgency"`
	Distance float64   `bson:"distance"`
	Record   float64   `bson:"record"`
	SetBy    string    `bson:"setBy,omitempty"`
	SetAt    time.Time `bson:"setAt"`
}

type tierSetDoc struct {
	Version int       `bson:"version"`
	Tiers   []tierDoc `bson:"tiers"`
	SetBy   string    `bson:"setBy,omitempty"`
	SetAt   time.Time `bson:"setAt"`
}

type tierDoc struct {
	Name      string        `bson:"name"`
	Label     string        `bson:"label"`
	FromPence int64         `bson:"fromPence"`
	Steps     []tierStepDoc `bson:"steps"`
	// KPIsRequired is absent in a version set before KPIs were counted:
	// read as the default of the tier's name.
	KPIsRequired *int `bson:"kpisRequired,omitempty"`
}

type tierStepDoc struct {
	Key   string `bson:"key"`
	Label string `bson:"label"`
}

type directorateDoc struct {
	ID     string `bson:"id"`
	Name   string `bson:"name"`
	Active bool   `bson:"active"`
}

type authorityDoc struct {
	ID           string           `bson:"_id"`
	Slug         string           `bson:"slug"`
	Name         string           `bson:"name"`
	Code         string           `bson:"code"`
	Areas        []areaDoc        `bson:"areas"`
	Thresholds   thresholdsDoc    `bson:"thresholds"`
	HorizonYears int              `bson:"horizonYears,omitempty"`
	Weights      []weightsDoc     `bson:"weights"`
	Tiers        []tierSetDoc     `bson:"tiers,omitempty"`
	Directorates []directorateDoc `bson:"directorates,omitempty"`
	// PostcodeDistricts are the council's postcode districts.
	PostcodeDistricts []string  `bson:"postcodeDistricts,omitempty"`
	Version           int64     `bson:"version"`
	PendingAudit      *auditDoc `bson:"pendingAudit,omitempty"`
}

func authorityFromDomain(a *domain.Authority, ev *domain.AuditEvent) *authorityDoc {
	d := &authorityDoc{ID: a.ID, Slug: a.Slug, Name: a.Name, Code: a.Code, Areas: make([]areaDoc, len(a.Areas)),
		Thresholds: thresholdsDoc(a.Thresholds), HorizonYears: a.HorizonYears, Weights: make([]weightsDoc, len(a.Weights)), Version: a.Version, PendingAudit: pendingOf(ev)}
	for i, ar := range a.Areas {
		d.Areas[i] = areaDoc{Code: ar.Code, Name: ar.Name, Lat: ar.Lat, Lon: ar.Lon, Deciles: ar.Deciles[:], NeedIndex: ar.NeedIndex}
	}
	for i, w := range a.Weights {
		d.Weights[i] = weightsDoc(w)
	}
	for _, ts := range a.Tiers {
		td := tierSetDoc{Version: ts.Version, Tiers: make([]tierDoc, len(ts.Tiers)), SetBy: ts.SetBy, SetAt: ts.SetAt}
		for i, t := range ts.Tiers {
			td.Tiers[i] = tierDoc{Name: t.Name, Label: t.Label, FromPence: t.FromPence, Steps: make([]tierStepDoc, len(t.Steps)), KPIsRequired: &t.KPIsRequired}
			for j, st := range t.Steps {
				td.Tiers[i].Steps[j] = tierStepDoc(st)
			}
		}
		d.Tiers = append(d.Tiers, td)
	}
	for _, dir := range a.Directorates {
		d.Directorates = append(d.Directorates, directorateDoc(dir))
	}
	d.PostcodeDistricts = a.PostcodeDistricts
	return d
}

func (d *authorityDoc) toDomain() *domain.Authority {
	a := &domain.Authority{ID: d.ID, Slug: d.Slug, Name: d.Name, Code: d.Code, Areas: make([]domain.Area, len(d.Areas)),
		Thresholds: domain.Thresholds(d.Thresholds), HorizonYears: d.HorizonYears, Version: d.Version}
	for i, ar := range d.Areas {
		a.Areas[i] = domain.Area{Code: ar.Code, Name: ar.Name, Lat: ar.Lat, Lon: ar.Lon, NeedIndex: ar.NeedIndex}
		copy(a.Areas[i].Deciles[:], ar.Deciles)
	}
	if len(d.Weights) > 0 {
		a.Weights = make([]domain.Weights, len(d.Weights))
		for i, w := range d.Weights {
			w.SetAt = w.SetAt.UTC()
			a.Weights[i] = domain.Weights(w)
		}
	}
	for _, td := range d.Tiers {
		ts := domain.TierSet{Version: td.Version, Tiers: make([]domain.Tier, len(td.Tiers)), SetBy: td.SetBy, SetAt: td.SetAt.UTC()}
		for i, t := range td.Tiers {
			ts.Tiers[i] = domain.Tier{Name: t.Name, Label: t.Label, FromPence: t.FromPence, Steps: make([]domain.Step, len(t.Steps)), KPIsRequired: domain.DefaultKPIsRequired(t.Name)}
			if t.KPIsRequired != nil {
				ts.Tiers[i].KPIsRequired = *t.KPIsRequired
			}
			for j, st := range t.Steps {
				ts.Tiers[i].Steps[j] = domain.Step(st)
			}
		}
		a.Tiers = append(a.Tiers, ts)
	}
	for _, dir := range d.Directorates {
		a.Directorates = append(a.Directorates, domain.Directorate(dir))
	}
	a.PostcodeDistricts = d.PostcodeDistricts
	return a
}

// PutAuthority inserts or replaces the authority with a.Slug, keeping its
// id. It writes no audit event (it is how authorities are seeded); an event
// left pending on the authority by UpdateAuthority is completed first.
func (db *DB) PutAuthority(ctx context.Context, a *domain.Authority) error {
	for range maxChainAttempts {
		var st pendingState
		err := db.authorities.FindOne(ctx, bson.D{{Key: "slug", Value: a.Slug}}, options.FindOne().SetProjection(pendingProjection)).Decode(&st)
		switch {
		case err == nil:
			if st.Pending != nil {
				if err := db.flush(ctx, db.authorities, &st); err != nil {
					return err
				}
			}
			a.ID = st.ID
			res, err := db.authorities.ReplaceOne(ctx, bson.D{{Key: "_id", Value: a.ID}, {Key: "pendingAudit", Value: bson.D{{Key: "$exists", Value: false}}}},
				authorityFromDomain(a, nil))
			if err != nil || res.MatchedCount == 1 {
				return translate(err)
			}
			continue // an update came in between: complete its event first
		case !errors.Is(err, driver.ErrNoDocuments):
			return translate(err)
		}
		if a.ID == "" {
			a.ID = domain.NewID()
		}
		_, err = db.authorities.InsertOne(ctx, authorityFromDomain(a, nil))
		if !driver.IsDuplicateKeyError(err) && !internalError(err) {
			return translate(err)
		}
		// Another writer put the same slug at the same time: replace theirs.
	}
	return conflict()
}

// CreateAuthority inserts a new council carrying its first event, then
// chains the event; ECONFLICT when the slug is taken.
func (db *DB) CreateAuthority(ctx context.Context, a *domain.Authority, ev *domain.AuditEvent) error {
	d := authorityFromDomain(a, ev)
	answers(ctx, d.PendingAudit)
	if _, err := db.authorities.InsertOne(ctx, d); driver.IsDuplicateKeyError(err) || internalError(err) {
		return conflict()
	} else if err != nil {
		return translate(err)
	}
	return db.complete(ctx, db.authorities, a.ID, d.PendingAudit, ev)
}

// UpdateAuthority writes a if the stored version is prev, with its audit
// event; ECONFLICT otherwise.
func (db *DB) UpdateAuthority(ctx context.Context, a *domain.Authority, prev int64, ev *domain.AuditEvent) error {
	d := authorityFromDomain(a, ev)
	return db.replaceAudited(ctx, db.authorities, a.ID, prev, d, d.PendingAudit, ev, "Council", nil)
}

func (db *DB) authority(ctx context.Context, filter bson.D) (*domain.Authority, error) {
	var d authorityDoc
	if err := db.authorities.FindOne(ctx, filter).Decode(&d); err != nil {
		return nil, notFound(err, "Council not found.")
	}
	return d.toDomain(), nil
}

// AuthorityBySlug returns ENOTFOUND when there is none.
func (db *DB) AuthorityBySlug(ctx context.Context, slug string) (*domain.Authority, error) {
	return db.authority(ctx, bson.D{{Key: "slug", Value: slug}})
}

// AuthorityByID returns ENOTFOUND when there is none.
func (db *DB) AuthorityByID(ctx context.Context, id string) (*domain.Authority, error) {
	return db.authority(ctx, bson.D{{Key: "_id", Value: id}})
}

// Authorities lists every authority by slug.
func (db *DB) Authorities(ctx context.Context) ([]*domain.Authority, error) {
	return findAll(ctx, db.authorities, bson.D{}, options.Find().SetSort(key("slug")), (*authorityDoc).toDomain)
}
