package matcher

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// Request kinds.
const (
	KindVolunteering = "volunteering"
	KindGoods        = "goods"
	KindFunding      = "funding"
	KindAdvice       = "advice"
	KindJobs         = "jobs"
	KindWorks        = "works"
)

// Request is what the matcher needs to know of a community group's request.
type Request struct {
	ID string
	// Title is used in explanations when set.
	Title string
	// Kind is one of the Kind constants; Category is free text (may be
	// empty), compared without regard to case.
	Kind     string
	Category string
	// AreaCode is the code of the request's area (see Needs).
	AreaCode string
	// ValuePence is the whole need; RemainingPence what is still uncovered
	// by approved pledges.
	ValuePence     int64
	RemainingPence int64
	// Deadline is when the need must be met; zero means none.
	Deadline time.Time
}

// Record is a supplier's delivery record, in numbers of pledges.
type Record struct {
	// Pledged counts the supplier's approved pledges whose delivery is due
	// or done (including the verified and the lapsed ones).
	Pledged int
	// Verified counts those delivered and verified.
	Verified int
	// Lapsed counts those that lapsed undelivered.
	Lapsed int
}

// Supplier is what the matcher needs to know of a supplier.
type Supplier struct {
	ID   string
	Name string
	// Kinds and Categories are what the supplier offers; empty when it has
	// not said.
	Kinds      []string
	Categories []string
	// Lat and Lon are the supplier's base; both zero means unknown.
	Lat, Lon float64
	Record   Record
	// OfferPence is the usual size of the supplier's pledges, used for the
	// coverage component when ranking requests for it (0 = unknown); it is
	// counted as all or nothing.
	OfferPence int64
}

// Pledge is what the matcher needs to know of a pledge for scoring.
type Pledge struct {
	ID         string
	RequestID  string
	SupplierID string
	// Kind and Category of the offer; when empty the supplier's are used.
	Kind     string
	Category string
	// ValuePence is the value offered.
	ValuePence int64
	// AllowPartial is true when the supplier accepts approval of part of
	// the pledge (see AllocPledge.AllowPartial); coverage then counts only
	// the part that can be approved.
	AllowPartial bool
}

// Component names, in the order they appear in a Score.
const (
	ComponentNeed     = "need"
	ComponentFit      = "fit"
	ComponentCoverage = "coverage"
	ComponentUrgency  = "urgency"
	ComponentDistance = "distance"
	ComponentRecord   = "record"
)

const numComponents = 6

var componentNames = [numComponents]string{ComponentNeed, ComponentFit, ComponentCoverage, ComponentUrgency, ComponentDistance, ComponentRecord}

// Component is one part of a score.
type Component struct {
	Name string `json:"name"`
	// Weight is the component's weight as set; Value its value in [0,1];
	// Contribution is Weight*Value divided by the sum of the weights, so
	// the contributions add up to the score.
	Weight       float64 `json:"weight"`
	Value        float64 `json:"value"`
	Contribution float64 `json:"contribution"`
	// Explanation says in plain English why the value is what it is.
	Explanation string `json:"explanation"`
}

// Score is a score in [0,1] with its breakdown.
type Score struct {
	Total          float64     `json:"score"`
	WeightsVersion int         `json:"weightsVersion"`
	Components     []Component `json:"components"`
}

// Scoring constants; see the package documentation.
const (
	recordPriorWeight = 4.0
	recordPriorMean   = 0.5
	distanceHalfKm    = 10.0
	urgencyHalfDays   = 30.0
	neutral           = 0.5
)

// ScoringDay is the time scores are computed at for now: the start of its
// day (UTC). Deadlines are dates, so urgency counts whole days to them; and
// pledges scored twice on one day score the same, which is what lets a
// proposal made again after a few changes reuse the scores and the solution
// of the last one (domain's warm start). Scored at the exact time, every
// score moved between two proposals and each was solved cold.
func ScoringDay(now time.Time) time.Time {
	return now.UTC().Truncate(24 * time.Hour)
}

// ScorePledge scores pledge p of supplier s against request r, with the need
// of the request's area from needs, on now's day (ScoringDay).
func ScorePledge(p Pledge, r Request, s Supplier, needs *Needs, w Weights, now time.Time) (Score, error) {
	if err := w.Validate(); err != nil {
		return Score{}, err
	}
	sc := newScorer(s, needs, w, now)
	f := sc.pledgeFacts(&p, &r)
	return sc.explain(&r, &f), nil
}

// PledgeScorer gives the totals of ScorePledge for many pledges, without
// the explanations, working out what depends on the supplier and on the
// area once: for an allocation, which needs only the totals.
type PledgeScorer struct {
	needs *Needs
	w     Weights
	now   time.Time
	bySup map[string]*scorer
}

// NewPledgeScorer returns a scorer with the weights, or an error wrapping
// ErrInvalid for invalid weights.
func NewPledgeScorer(needs *Needs, w Weights, now time.Time) (*PledgeScorer, error) {
	if err := w.Validate(); err != nil {
		return nil, err
	}
	return &PledgeScorer{needs: needs, w: w, now: now, bySup: map[string]*scorer{}}, nil
}

// Total is ScorePledge(p, r, s, ...).Total. The supplier is read the first
// time its ID is met: pass the same Supplier for the same ID.
func (ps *PledgeScorer) Total(p Pledge, r Request, s Supplier) float64 {
	sc := ps.bySup[s.ID]
	if sc == nil {
		sc = newScorer(s, ps.needs, ps.w, ps.now)
		ps.bySup[s.ID] = sc
	}
	f := sc.pledgeFacts(&p, &r)
	return sc.total(&f)
}

// scorer scores requests for one supplier; it caches what depends on the
// area only.
type scorer struct {
	s        *Supplier
	needs    *Needs
	w        [numComponents]float64
	sumW     float64
	ver      int
	now      time.Time
	nowNanos int64
	kinds    []string
	cats     []string
	areas    map[string]*areaFacts
	last     *areaFacts
	// record value and explanation do not depend on the request
	record     float64
	recordText string
}

type areaFacts struct {
	need     Need
	known    bool
	needV    float64
	distKm   float64 // <0 unknown
	distV    float64
	needText string
	distText string
}

// facts are the component values of one request (and offer).
type facts struct {
	v     [numComponents]float64
	area  *areaFacts
	fit   fitCase
	offer int64
	// partial: the offer may be approved in part
	partial bool
	days    float64
	hasDue  bool
}

type fitCase uint8

const (
	fitUnknown fitCase = iota
	fitKindCategory
	fitKindNoCategory
	fitKindOtherCategory
	fitCategoryOnly
	fitNone
)

var fitValues = [...]float64{fitUnknown: neutral, fitKindCategory: 1, fitKindNoCategory: 0.8, fitKindOtherCategory: 0.6, fitCategoryOnly: 0.3, fitNone: 0}

func newScorer(s Supplier, needs *Needs, w Weights, now time.Time) *scorer {
	now = ScoringDay(now)
	sc := &scorer{s: &s, needs: needs, w: w.values(), ver: w.Version, now: now, nowNanos: now.UnixNano(), areas: map[string]*areaFacts{}}
	for _, x := range sc.w {
		sc.sumW += x
	}
	for _, k := range s.Kinds {
		sc.kinds = append(sc.kinds, strings.ToLower(strings.TrimSpace(k)))
	}
	for _, c := range s.Categories {
		sc.cats = append(sc.cats, strings.ToLower(strings.TrimSpace(c)))
	}
	sc.record, sc.recordText = recordValue(s.Record)
	return sc
}

func (sc *scorer) area(code string) *areaFacts {
	if sc.last != nil && sc.last.need.Code == code {
		return sc.last
	}
	if a, ok := sc.areas[code]; ok {
		sc.last = a
		return a
	}
	a := &areaFacts{distKm: -1, needV: neutral, distV: neutral}
	nd, ok := sc.needs.Lookup(code)
	if !ok {
		nd = Need{Code: code, Name: code}
		if code == "" {
			nd.Name = "the request's area"
		}
	}
	a.need = nd
	if nd.Known {
		a.needV = nd.Index
	}
	a.needText = nd.Explain()
	if (sc.s.Lat != 0 || sc.s.Lon != 0) && (nd.Lat != 0 || nd.Lon != 0) {
		a.distKm = haversineKm(sc.s.Lat, sc.s.Lon, nd.Lat, nd.Lon)
		a.distV = 1 / (1 + a.distKm/distanceHalfKm)
		a.distText = "The supplier's base is " + kmWords(a.distKm) + " from " + nd.Name + distanceWords(a.distKm)
	} else {
		a.distText = "Distance unknown (no location for the supplier or for " + nd.Name + "): counted as neutral."
	}
	sc.areas[code] = a
	return a
}

// pledgeFacts is facts for pledge p against request r: the offer's kind
// and category are the pledge's where it gives them, else the supplier's.
func (sc *scorer) pledgeFacts(p *Pledge, r *Request) facts {
	kinds, cats := sc.kinds, sc.cats
	if p.Kind != "" {
		kinds = []string{strings.ToLower(p.Kind)}
	}
	if p.Category != "" {
		cats = []string{strings.ToLower(p.Category)}
	}
	return sc.facts(r, kinds, cats, p.ValuePence, true, p.AllowPartial)
}

// kmWords says a distance to a tenth of a km; under 0.05 km, which would
// read "0.0 km", it says "less than 0.1 km".
func kmWords(km float64) string {
	if km < 0.05 {
		return "less than 0.1 km"
	}
	return strconv.FormatFloat(km, 'f', 1, 64) + " km"
}

func distanceWords(km float64) string {
	switch {
	case km < 5:
		return ": close by."
	case km < 20:
		return ": within reach."
	default:
		return ": far away, so it scores less."
	}
}

// facts computes the component values of offer (kinds, cats, value) against
// request r; hasOffer false means no amount is known, partial that the offer
// may be approved in part.
func (sc *scorer) facts(r *Request, kinds, cats []string, offer int64, hasOffer, partial bool) facts {
	var f facts
	f.area = sc.area(r.AreaCode)
	f.v[0] = f.area.needV
	f.fit = fitOf(r, kinds, cats)
	f.v[1] = fitValues[f.fit]
	f.offer, f.partial = offer, partial
	switch {
	case r.RemainingPence <= 0:
		f.v[2] = 0
	case !hasOffer || offer <= 0:
		f.v[2] = neutral
	case offer <= r.RemainingPence:
		f.v[2] = float64(offer) / float64(r.RemainingPence)
	case partial:
		f.v[2] = 1 // the part that can be approved meets the whole need
	default:
		f.v[2] = float64(r.RemainingPence) / float64(offer)
	}
	if !r.Deadline.IsZero() {
		f.hasDue = true
		f.days = float64(r.Deadline.UnixNano()-sc.nowNanos) / float64(24*time.Hour)
		if f.days < 0 {
			f.v[3] = 0
		} else {
			f.v[3] = 1 / (1 + f.days/urgencyHalfDays)
		}
	} else {
		f.v[3] = neutral
	}
	f.v[4] = f.area.distV
	f.v[5] = sc.record
	return f
}

func (sc *scorer) total(f *facts) float64 {
	t := 0.0
	for i, v := range f.v {
		t += sc.w[i] * v
	}
	return clamp01(t / sc.sumW)
}

func fitOf(r *Request, kinds, cats []string) fitCase {
	if len(kinds) == 0 && len(cats) == 0 {
		return fitUnknown
	}
	kind := containsFold(kinds, r.Kind)
	cat := r.Category != "" && containsFold(cats, r.Category)
	switch {
	case kind && cat:
		return fitKindCategory
	case kind && (r.Category == "" || len(cats) == 0):
		return fitKindNoCategory
	case kind:
		return fitKindOtherCategory
	case cat:
		return fitCategoryOnly
	}
	return fitNone
}

// containsFold reports whether lower-cased list holds s, ignoring case.
func containsFold(list []string, s string) bool {
	for _, x := range list {
		if len(x) == len(s) && (x == s || strings.EqualFold(x, s)) {
			return true
		}
	}
	return false
}

// explain turns facts into a Score with its breakdown.
func (sc *scorer) explain(r *Request, f *facts) Score {
	comps := make([]Component, numComponents)
	sc.fill(comps, r, f)
	return Score{Total: sc.total(f), WeightsVersion: sc.ver, Components: comps}
}

func (sc *scorer) fill(comps []Component, r *Request, f *facts) {
	texts := [numComponents]string{
		f.area.needText,
		sc.fitText(r, f.fit),
		coverageText(r, f),
		urgencyText(f),
		f.area.distText,
		sc.recordText,
	}
	for i := range comps {
		comps[i] = Component{Name: componentNames[i], Weight: sc.w[i], Value: f.v[i],
			Contribution: sc.w[i] * f.v[i] / sc.sumW, Explanation: texts[i]}
	}
}

func (sc *scorer) fitText(r *Request, c fitCase) string {
	kind := r.Kind
	if kind == "" {
		kind = "unspecified"
	}
	switch c {
	case fitKindCategory:
		return "Good fit: the supplier offers " + kind + " in " + r.Category + ", as requested."
	case fitKindNoCategory:
		return "Good fit: the supplier offers " + kind + ", as requested."
	case fitKindOtherCategory:
		return "Partial fit: the supplier offers " + kind + ", but not in " + r.Category + "."
	case fitCategoryOnly:
		return "Weak fit: the supplier works in " + r.Category + " but does not offer " + kind + "."
	case fitNone:
		return "Poor fit: the supplier does not offer " + kind + "."
	}
	return "The supplier has not said what it offers: fit counted as neutral."
}

func coverageText(r *Request, f *facts) string {
	switch {
	case r.RemainingPence <= 0:
		return "Nothing is left to cover: the request's need is already met."
	case f.offer <= 0:
		return "No amount offered yet: coverage counted as neutral (" + Pounds(r.RemainingPence) + " still needed)."
	case f.offer <= r.RemainingPence:
		pct := int(math.Round(100 * float64(f.offer) / float64(r.RemainingPence)))
		return "Covers " + Pounds(f.offer) + " of the " + Pounds(r.RemainingPence) + " still needed (" + strconv.Itoa(pct) + "%)."
	case f.partial:
		return "Covers all of the " + Pounds(r.RemainingPence) + " still needed: the supplier offers " + Pounds(f.offer) +
			" and allows part of it to be approved, so only what is needed would be taken."
	}
	return "Offers " + Pounds(f.offer) + ", all or nothing, against the " + Pounds(r.RemainingPence) +
		" still needed: only that much of it would meet the need, so it scores less."
}

func urgencyText(f *facts) string {
	if !f.hasDue {
		return "No deadline: urgency counted as neutral."
	}
	d := f.days
	switch {
	case d < 0:
		return "The deadline has passed."
	case d < 1:
		return "Very urgent: the deadline is within a day."
	}
	days := strconv.Itoa(int(d)) + " days"
	if int(d) == 1 {
		days = "1 day"
	}
	switch {
	case d <= 7:
		return "Very urgent: the deadline is in " + days + "."
	case d <= 30:
		return "Urgent: the deadline is in " + days + "."
	case d <= 90:
		return "Not pressing: the deadline is in " + days + "."
	}
	return "No hurry: the deadline is in " + days + "."
}

func recordValue(rec Record) (float64, string) {
	p, v, l := max(rec.Pledged, 0), max(rec.Verified, 0), max(rec.Lapsed, 0)
	v = min(v, p)
	val := (float64(v) + recordPriorWeight*recordPriorMean) / (float64(p+l) + recordPriorWeight)
	if p == 0 && l == 0 {
		return val, "New supplier with no delivery record yet: counted as neutral."
	}
	words := "a mixed record"
	switch {
	case val >= 0.7:
		words = "a good record"
	case val < 0.4:
		words = "a poor record"
	}
	txt := "Delivered and verified " + strconv.Itoa(v) + " of " + strconv.Itoa(p) + " pledges due"
	if l > 0 {
		txt += ", " + strconv.Itoa(l) + " lapsed"
	}
	return val, txt + ": " + words + "."
}

// haversineKm is the great-circle distance in km between two points.
func haversineKm(lat1, lon1, lat2, lon2 float64) float64 {
	const r = 6371.0088
	rad := math.Pi / 180
	dLat := (lat2 - lat1) * rad
	dLon := (lon2 - lon1) * rad
	a := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * r * math.Asin(math.Min(1, math.Sqrt(a)))
}

// Pounds formats pence as pounds with thousands separators: £1,234.50,
// and £3,500 for whole pounds.
func Pounds(pence int64) string {
	return string(appendPounds(make([]byte, 0, 24), pence))
}

func appendPounds(b []byte, pence int64) []byte {
	if pence < 0 {
		b = append(b, '-')
		pence = -pence
	}
	b = append(b, "£"...)
	var digits [20]byte
	whole := strconv.AppendInt(digits[:0], pence/100, 10)
	for i, c := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b = append(b, ',')
		}
		b = append(b, c)
	}
	p := pence % 100
	if p == 0 {
		return b // whole pounds read as £3,500, not £3,500.00
	}
	return append(b, '.', byte('0'+p/10), byte('0'+p%10))
}
