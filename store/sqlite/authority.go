package sqlite

import (
	"context"
	"encoding/json"
	"strings"

	"needmatch/domain"
)

// authorityRow is a row of the authorities table: the store's own form of
// an authority, a column per field and per threshold, its areas and
// weights JSON lists of areaCol and weightsCol.
type authorityRow struct {
	ID, Slug, Name, Code, Areas                 string
	SocialValuePence, ReportingPence, KPIsPence int64
	HorizonYears                                int
	Weights                                     string
	Version                                     int64
	Tiers, Directorates                         string
	PostcodeDistricts                           string
}

// tierSetCol is the stored form of a version of the engagement tiers.
type tierSetCol struct {
	Version int       `json:"version"`
	Tiers   []tierCol `json:"tiers"`
	SetBy   string    `json:"set_by"`
	SetAt   string    `json:"set_at"`
}

// tierCol is the stored form of an engagement tier.
type tierCol struct {
	Name      string    `json:"name"`
	Label     string    `json:"label"`
	FromPence int64     `json:"from_pence"`
	Steps     []stepDef `json:"steps"`
	// KPIsRequired is absent in a version set before KPIs were counted:
	// read as the default of the tier's name.
	KPIsRequired *int `json:"kpis_required,omitempty"`
}

// stepDef is the stored form of an engagement step of a tier.
type stepDef struct {
	Key   string `json:"key"`
	Label string `json:"label"`
}

// directorateCol is the stored form of a directorate.
type directorateCol struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Active bool   `json:"active"`
}

// areaCol is the stored form of an area: its own field names.
type areaCol struct {
	Code      string  `json:"code"`
	Name      string  `json:"name"`
	Lat       float64 `json:"lat"`
	Lon       float64 `json:"lon"`
	Deciles   [10]int `json:"deciles"`
	NeedIndex float64 `json:"need_index"`
}

// weightsCol is the stored form of a version of the matcher weights.
type weightsCol struct {
	Version  int     `json:"version"`
	Need     float64 `json:"need"`
	Fit      float64 `json:"fit"`
	Coverage float64 `json:"coverage"`
	Urgency  float64 `json:"urgency"`
	Distance float64 `json:"distance"`
	Record   float64 `json:"record"`
	SetBy    string  `json:"set_by"`
	SetAt    string  `json:"set_at"`
}

// authorityTable is the authorities table, its columns in authorityRow
// order; an authority never changes its id or slug.
var authorityTable = newTable("authorities", `id, slug, name, code, areas_json, social_value_pence, reporting_pence, kpis_pence, horizon_years, weights_json, version, tiers_json, directorates_json, postcode_districts_json`,
	"id", "slug")

// authorityUpsert inserts an authority or replaces the one with its id.
var authorityUpsert = func() string {
	var set []string
	for _, c := range authorityTable.cols {
		if !authorityTable.fixed[c] {
			set = append(set, c+" = excluded."+c)
		}
	}
	return authorityTable.insertSQL + ` ON CONFLICT(id) DO UPDATE SET ` + strings.Join(set, ", ")
}()

func (r *authorityRow) fields() []any {
	return []any{&r.ID, &r.Slug, &r.Name, &r.Code, &r.Areas, &r.SocialValuePence, &r.ReportingPence, &r.KPIsPence, &r.HorizonYears, &r.Weights, &r.Version, &r.Tiers, &r.Directorates, &r.PostcodeDistricts}
}

func fromAuthority(a *domain.Authority) *authorityRow {
	var areas []areaCol
	if a.Areas != nil {
		areas = make([]areaCol, len(a.Areas))
	}
	for i, ar := range a.Areas {
		areas[i] = areaCol{Code: ar.Code, Name: ar.Name, Lat: ar.Lat, Lon: ar.Lon, Deciles: ar.Deciles, NeedIndex: ar.NeedIndex}
	}
	var weights []weightsCol
	if len(a.Weights) > 0 {
		weights = make([]weightsCol, len(a.Weights))
	}
	for i, w := range a.Weights {
		weights[i] = weightsCol{Version: w.Version, Need: w.Need, Fit: w.Fit, Coverage: w.Coverage, Urgency: w.Urgency, Distance: w.Distance, Record: w.Record,
			SetBy: w.SetBy, SetAt: storeTime(w.SetAt)}
	}
	var tiers []tierSetCol
	for _, ts := range a.Tiers {
		tc := tierSetCol{Version: ts.Version, Tiers: make([]tierCol, len(ts.Tiers)), SetBy: ts.SetBy, SetAt: storeTime(ts.SetAt)}
		for i, t := range ts.Tiers {
			tc.Tiers[i] = tierCol{Name: t.Name, Label: t.Label, FromPence: t.FromPence, Steps: make([]stepDef, len(t.Steps)), KPIsRequired: &t.KPIsRequired}
			for j, st := range t.Steps {
				tc.Tiers[i].Steps[j] = stepDef(st)
			}
		}
		tiers = append(tiers, tc)
	}
	var dirs []directorateCol
	for _, d := range a.Directorates {
		dirs = append(dirs, directorateCol(d))
	}
	return &authorityRow{ID: a.ID, Slug: a.Slug, Name: a.Name, Code: a.Code, Areas: marshal(areas), SocialValuePence: a.Thresholds.SocialValuePence,
		ReportingPence: a.Thresholds.ReportingPence, KPIsPence: a.Thresholds.KPIsPence, HorizonYears: a.HorizonYears, Weights: marshal(weights), Version: a.Version,
		Tiers: marshal(tiers), Directorates: marshal(dirs), PostcodeDistricts: marshal(a.PostcodeDistricts)}
}

func scanAuthority(row scanner) (*domain.Authority, error) {
	var r authorityRow
	if err := row.Scan(r.fields()...); err != nil {
		return nil, translateNotFound(err, "Council not found.")
	}
	a := &domain.Authority{ID: r.ID, Slug: r.Slug, Name: r.Name, Code: r.Code, HorizonYears: r.HorizonYears, Version: r.Version,
		Thresholds: domain.Thresholds{SocialValuePence: r.SocialValuePence, ReportingPence: r.ReportingPence, KPIsPence: r.KPIsPence}}
	var areas []areaCol
	if err := json.Unmarshal([]byte(r.Areas), &areas); err != nil {
		return nil, err
	}
	if areas != nil {
		a.Areas = make([]domain.Area, len(areas))
	}
	for i, ar := range areas {
		a.Areas[i] = domain.Area{Code: ar.Code, Name: ar.Name, Lat: ar.Lat, Lon: ar.Lon, Deciles: ar.Deciles, NeedIndex: ar.NeedIndex}
	}
	if err := json.Unmarshal([]byte(r.PostcodeDistricts), &a.PostcodeDistricts); err != nil {
		return nil, err
	}
	var weights []weightsCol
	if err := json.Unmarshal([]byte(r.Weights), &weights); err != nil {
		return nil, err
	}
	if len(weights) > 0 {
		a.Weights = make([]domain.Weights, len(weights))
	}
	var l times
	for i, w := range weights {
		a.Weights[i] = domain.Weights{Version: w.Version, Need: w.Need, Fit: w.Fit, Coverage: w.Coverage, Urgency: w.Urgency, Distance: w.Distance, Record: w.Record,
			SetBy: w.SetBy}
		if w.SetAt != "" {
			a.Weights[i].SetAt = l.at(w.SetAt)
		}
	}
	var tiers []tierSetCol
	if err := json.Unmarshal([]byte(r.Tiers), &tiers); err != nil {
		return nil, err
	}
	for _, tc := range tiers {
		ts := domain.TierSet{Version: tc.Version, Tiers: make([]domain.Tier, len(tc.Tiers)), SetBy: tc.SetBy, SetAt: l.at(tc.SetAt)}
		for i, t := range tc.Tiers {
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
	var dirs []directorateCol
	if err := json.Unmarshal([]byte(r.Directorates), &dirs); err != nil {
		return nil, err
	}
	for _, d := range dirs {
		a.Directorates = append(a.Directorates, domain.Directorate(d))
	}
	return a, l.err
}

// PutAuthority inserts or replaces the authority with a.Slug, keeping its id.
func (db *DB) PutAuthority(ctx context.Context, a *domain.Authority) error {
	err := db.tx(ctx, func(tx *wtx) error {
		var id string
		if err := tx.QueryRow(`SELECT id FROM authorities WHERE slug = ?`, a.Slug).Scan(&id); err == nil {
			a.ID = id
		} else if a.ID == "" {
			a.ID = domain.NewID()
		}
		_, err := tx.Exec(authorityUpsert, values(fromAuthority(a).fields())...)
		return err
	})
	db.auths.clear()
	return err
}

// CreateAuthority inserts a new council with its first audit event;
// ECONFLICT when the slug is taken.
func (db *DB) CreateAuthority(ctx context.Context, a *domain.Authority, ev *domain.AuditEvent) error {
	err := db.tx(ctx, func(tx *wtx) error {
		if err := translate(authorityTable.insert(tx, fromAuthority(a).fields())); err != nil {
			return err
		}
		return appendAudit(tx, ev)
	})
	db.auths.clear()
	return err
}

// AuthorityBySlug returns ENOTFOUND when there is none.
func (db *DB) AuthorityBySlug(ctx context.Context, slug string) (*domain.Authority, error) {
	if a, ok := db.auths.get("slug:" + slug); ok {
		return a, nil
	}
	a, err := scanAuthority(db.queryRow(ctx, `SELECT `+authorityTable.list+` FROM authorities WHERE slug = ?`, slug))
	if err == nil {
		db.auths.put("slug:"+slug, a)
	}
	return a, err
}

// AuthorityByID returns ENOTFOUND when there is none.
func (db *DB) AuthorityByID(ctx context.Context, id string) (*domain.Authority, error) {
	if a, ok := db.auths.get("id:" + id); ok {
		return a, nil
	}
	a, err := scanAuthority(db.queryRow(ctx, `SELECT `+authorityTable.list+` FROM authorities WHERE id = ?`, id))
	if err == nil {
		db.auths.put("id:"+id, a)
	}
	return a, err
}

// Authorities lists every authority by slug.
func (db *DB) Authorities(ctx context.Context) ([]*domain.Authority, error) {
	rows, err := db.query(ctx, `SELECT `+authorityTable.list+` FROM authorities ORDER BY slug`)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []*domain.Authority
	for rows.Next() {
		a, err := scanAuthority(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, translate(rows.Err())
}

// UpdateAuthority writes a if the stored version is prev.
func (db *DB) UpdateAuthority(ctx context.Context, a *domain.Authority, prev int64, ev *domain.AuditEvent) error {
	err := db.tx(ctx, func(tx *wtx) error {
		var cur int64
		if err := tx.QueryRow(`SELECT version FROM authorities WHERE id = ?`, a.ID).Scan(&cur); err != nil {
			return translateNotFound(err, "Council not found.")
		}
		if cur != prev {
			return domain.Errorf(domain.ECONFLICT, "The council's settings were changed by someone else; reload and try again.")
		}
		if err := authorityTable.update(tx, a.ID, prev, fromAuthority(a).fields()); err != nil {
			return err
		}
		return appendAudit(tx, ev)
	})
	db.auths.clear()
	return err
}
