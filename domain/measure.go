package domain

import (
	"context"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Measure is a unit of social value with its proxy value in pence per unit.
type Measure struct {
	Code       string `json:"code"`
	Name       string `json:"name"`
	Unit       string `json:"unit"`
	ProxyPence int64  `json:"proxyPence"`
	Theme      string `json:"theme"`
	Source     string `json:"source"`
}

// Catalogue is one version of an authority's measures. A new import makes
// a new version; old versions are kept so that a pledge valued with one can
// always be explained, whatever the proxies are today.
type Catalogue struct {
	ID          string `json:"id"`
	AuthorityID string `json:"-"`
	Version     int    `json:"version"`
	// Example marks the shipped example catalogue: its values are
	// illustrations, not official proxies.
	Example   bool      `json:"example"`
	Label     string    `json:"label"`
	Measures  []Measure `json:"measures"`
	CreatedBy string    `json:"createdBy"`
	CreatedAt time.Time `json:"createdAt"`
}

// Measure returns the measure with the code, or false.
func (c *Catalogue) Measure(code string) (Measure, bool) {
	for _, m := range c.Measures {
		if m.Code == code {
			return m, true
		}
	}
	return Measure{}, false
}

// ExampleLabel is the label of the shipped example catalogue.
const ExampleLabel = "EXAMPLE VALUES ONLY: not official proxy values. An admin loads the council's own catalogue (Measures, Import CSV)."

const exampleSource = "Example for trying needmatch; not an official proxy (the national TOMs values are licensed and not shipped)."

// ExampleMeasures is the small example catalogue seeded for each authority.
var ExampleMeasures = []Measure{
	{Code: "EX-VOL-HOUR", Name: "Volunteering hour (example)", Unit: "hour", ProxyPence: 17_00, Theme: "social", Source: exampleSource},
	{Code: "EX-DONATION", Name: "Money donated (example)", Unit: "£", ProxyPence: 1_00, Theme: "social", Source: exampleSource},
	{Code: "EX-EQUIPMENT", Name: "Equipment or goods donated, at £ value (example)", Unit: "£ of equipment", ProxyPence: 1_00, Theme: "social", Source: exampleSource},
	{Code: "EX-ADVICE-HOUR", Name: "Expert advice hour (example)", Unit: "hour", ProxyPence: 95_00, Theme: "growth", Source: exampleSource},
	{Code: "EX-APPRENTICE-WEEK", Name: "Apprenticeship week (example)", Unit: "week", ProxyPence: 250_00, Theme: "jobs", Source: exampleSource},
	{Code: "EX-LOCAL-JOB", Name: "Local job created, one year (example)", Unit: "job", ProxyPence: 25_000_00, Theme: "jobs", Source: exampleSource},
}

var measureCodeRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$`)

// MaxProxyPence bounds a proxy value: £1m per unit.
const MaxProxyPence = 100_000_000

func (m *Measure) check(v *Validation) {
	if !measureCodeRE.MatchString(m.Code) {
		v.Add("code", "code must be 1 to 40 letters, digits, dots, dashes or underscores")
	}
	checkText(v, "name", m.Name, 2, 200, true)
	checkText(v, "unit", m.Unit, 1, 40, true)
	checkText(v, "theme", m.Theme, 1, 60, true)
	checkText(v, "source", m.Source, 0, 500, false)
	if m.ProxyPence < 1 || m.ProxyPence > MaxProxyPence {
		v.Add("proxy", "the proxy value must be from £0.01 to £1,000,000 per unit")
	}
}

// ParsePounds reads an amount in pounds ("17", "17.5", "£1,017.08") into
// pence exactly, without floating point.
func ParsePounds(s string) (int64, bool) {
	s = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(s), "£"))
	s = strings.ReplaceAll(s, ",", "")
	whole, frac, hasDot := strings.Cut(s, ".")
	if whole == "" || len(whole) > 12 || (hasDot && (len(frac) < 1 || len(frac) > 2)) {
		return 0, false
	}
	for _, part := range []string{whole, frac} {
		for _, c := range part {
			if c < '0' || c > '9' {
				return 0, false
			}
		}
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return 0, false
	}
	p := int64(0)
	if frac != "" {
		p, _ = strconv.ParseInt(frac, 10, 64)
		if len(frac) == 1 {
			p *= 10
		}
	}
	return w*100 + p, true
}

// ParseMeasuresCSV reads a catalogue. The header names the columns: code,
// name, unit, theme, source (optional) and the proxy either in pounds
// (proxy_gbp, e.g. 17.08) or in pence (proxy_pence). Every bad row is
// reported with its line number; any error means nothing is imported.
func ParseMeasuresCSV(r io.Reader) ([]Measure, error) {
	sh, err := newSheet(r, 2<<20, "code", "name", "unit", "theme")
	if err != nil {
		return nil, err
	}
	gbp, pence := sh.has("proxy_gbp"), sh.has("proxy_pence")
	if gbp == pence {
		sh.v.Add("csv", "line 1: the header needs one proxy column: \"proxy_gbp\" (pounds, like 17.08) or \"proxy_pence\" (whole pence)")
	}
	if err := sh.v.Err(); err != nil {
		return nil, err
	}
	var out []Measure
	seen := map[string]int{}
	n := sh.each(1000, "measures", func(line int, get func(string) string, rv *Validation) {
		m := Measure{Code: get("code"), Name: get("name"), Unit: get("unit"), Theme: strings.ToLower(get("theme")), Source: get("source")}
		var ok bool
		if gbp {
			if m.ProxyPence, ok = ParsePounds(get("proxy_gbp")); !ok {
				rv.Add("proxy_gbp", "proxy_gbp must be an amount in pounds like 17.08 (got %q)", truncateText(get("proxy_gbp"), 20))
			}
		} else {
			n, err := strconv.ParseInt(get("proxy_pence"), 10, 64)
			if err != nil {
				rv.Add("proxy_pence", "proxy_pence must be a whole number of pence (got %q)", truncateText(get("proxy_pence"), 20))
			}
			m.ProxyPence = n
		}
		if rv.Err() == nil {
			m.check(rv)
		}
		if prev, dup := seen[m.Code]; dup && m.Code != "" {
			rv.Add("code", "code %s is also on line %d", m.Code, prev)
		}
		seen[m.Code] = line
		if rv.Err() == nil {
			out = append(out, m)
		}
	})
	if err := sh.done(n, "measures"); err != nil {
		return nil, err
	}
	return out, nil
}

func truncateText(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

// MeasureStore persists measure catalogues.
type MeasureStore interface {
	// CreateCatalogue stores a new version with its audit event; ECONFLICT
	// when the authority already has that version.
	CreateCatalogue(ctx context.Context, c *Catalogue, ev *AuditEvent) error
	// CurrentCatalogue returns the newest version; ENOTFOUND when none.
	CurrentCatalogue(ctx context.Context, authorityID string) (*Catalogue, error)
	// CatalogueVersion returns one version; ENOTFOUND when there is none.
	CatalogueVersion(ctx context.Context, authorityID string, version int) (*Catalogue, error)
	// Catalogues lists every version, newest first, without their measures.
	Catalogues(ctx context.Context, authorityID string) ([]*Catalogue, error)
}

// SeedExampleMeasures gives an authority the example catalogue as its
// version 1 when it has none; it reports whether it created one.
func (s *Service) SeedExampleMeasures(ctx context.Context, authorityID string) (bool, error) {
	vs := s.Store
	if _, err := vs.CurrentCatalogue(ctx, authorityID); err == nil {
		return false, nil
	} else if ErrorCode(err) != ENOTFOUND {
		return false, err
	}
	now := s.now()
	c := &Catalogue{ID: NewID(), AuthorityID: authorityID, Version: 1, Example: true, Label: ExampleLabel,
		Measures: append([]Measure(nil), ExampleMeasures...), CreatedBy: "seed", CreatedAt: now}
	ev := NewAuditEvent(authorityID, "seed", "measures.import", "catalogue", c.ID, nil, c, now)
	if err := vs.CreateCatalogue(ctx, c, ev); err != nil {
		if ErrorCode(err) == ECONFLICT {
			return false, nil // seeded at the same moment by another process
		}
		return false, err
	}
	return true, nil
}

// GetCatalogue returns the actor's authority's catalogue: the current one
// when version is 0.
func (s *Service) GetCatalogue(ctx context.Context, a *Actor, version int) (*Catalogue, error) {
	if err := requireSignedIn(a); err != nil {
		return nil, err
	}
	vs := s.Store
	if version < 0 {
		return nil, FieldErrorf("version", "version must be a catalogue version (1, 2, ...)")
	}
	var c *Catalogue
	var err error
	if version == 0 {
		c, err = vs.CurrentCatalogue(ctx, a.AuthorityID)
	} else {
		c, err = vs.CatalogueVersion(ctx, a.AuthorityID, version)
	}
	if ErrorCode(err) == ENOTFOUND {
		return nil, Errorf(ENOTFOUND, "The council has no measures catalogue (version %d); an admin can import one.", version)
	}
	return c, err
}

// ListCatalogues lists the versions of the officer's authority's catalogue.
func (s *Service) ListCatalogues(ctx context.Context, a *Actor) ([]*Catalogue, error) {
	if err := requireRole(a, RoleOfficer, RoleAdmin); err != nil {
		return nil, err
	}
	vs := s.Store
	return vs.Catalogues(ctx, a.AuthorityID)
}

// ImportMeasures makes the admin's CSV the authority's next catalogue
// version, all or nothing. Pledges already valued keep their version.
func (s *Service) ImportMeasures(ctx context.Context, a *Actor, csvText, label string) (*Catalogue, error) {
	if err := requireRole(a, RoleAdmin); err != nil {
		return nil, err
	}
	vs := s.Store
	var v Validation
	checkText(&v, "label", label, 0, 200, false)
	if err := v.Err(); err != nil {
		return nil, err
	}
	ms, err := ParseMeasuresCSV(strings.NewReader(csvText))
	if err != nil {
		return nil, err
	}
	next := 1
	if cur, err := vs.CurrentCatalogue(ctx, a.AuthorityID); err == nil {
		next = cur.Version + 1
	} else if ErrorCode(err) != ENOTFOUND {
		return nil, err
	}
	if strings.TrimSpace(label) == "" {
		label = "Imported by " + a.Email
	}
	now := s.now()
	c := &Catalogue{ID: NewID(), AuthorityID: a.AuthorityID, Version: next, Label: strings.TrimSpace(label), Measures: ms, CreatedBy: a.UserID, CreatedAt: now}
	ev := NewAuditEvent(a.AuthorityID, a.UserID, "measures.import", "catalogue", c.ID, nil, c, now)
	if err := vs.CreateCatalogue(ctx, c, ev); err != nil {
		if ErrorCode(err) == ECONFLICT {
			return nil, Errorf(ECONFLICT, "Another import made version %d at the same time; import again.", next)
		}
		return nil, err
	}
	return c, nil
}
