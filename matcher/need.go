package matcher

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
)

// ErrInvalid is wrapped by every error the package returns for bad input, so
// callers can test it with errors.Is and report a client error.
var ErrInvalid = errors.New("matcher: invalid input")

func invalidf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...)
}

// Area is a ward (or other area) with its deprivation figures.
type Area struct {
	// Code is the area's code, for example the ONS ward code E05015018.
	Code string
	// Name is the area's name, used in explanations.
	Name string
	// Lat and Lon are the centroid; both zero means unknown.
	Lat, Lon float64
	// Deciles[i] is the number of the area's LSOAs in national IMD decile
	// i+1 (decile 1 = the 10% most deprived in England).
	Deciles [10]int
	// Override, when not nil, replaces the computed need index with the
	// authority's own figure in [0,1].
	Override *float64
}

// Need is the assessed need of one area.
type Need struct {
	// Code and Name are the area's (Name falls back to Code).
	Code string
	Name string
	// Lat and Lon are the area's centroid; both zero means unknown.
	Lat, Lon float64
	// Index is the need index in [0,1], 1 the most need.
	Index float64
	// Known is false when the area has neither LSOA figures nor an
	// override; Index is then 0 and scores use a neutral 0.5.
	Known bool
	// Overridden reports that Index is the authority's own figure.
	Overridden bool
	// LSOAs is the number of LSOAs in the area.
	LSOAs int
	// Deprived10 and Deprived20 count the LSOAs among the 10% and 20% most
	// deprived in England (deciles 1, and 1-2).
	Deprived10, Deprived20 int
	// MeanDecile is the mean IMD decile of the LSOAs (0 when none).
	MeanDecile float64
	// Rank is the area's place by need among the areas assessed together
	// (1 = most need; equal indices share a rank); Of is how many areas
	// with a known need were assessed.
	Rank, Of int
}

// NeedIndex returns the need index of a decile histogram,
// 0.5*share(deciles 1-2) + 0.5*(10-mean decile)/9, rounded to 4 decimal
// places; ok is false when the histogram is empty.
func NeedIndex(deciles [10]int) (index float64, ok bool) {
	n, sum := 0, 0
	for i, c := range deciles {
		n += c
		sum += c * (i + 1)
	}
	if n == 0 {
		return 0, false
	}
	share := float64(deciles[0]+deciles[1]) / float64(n)
	mean := float64(sum) / float64(n)
	v := 0.5*share + 0.5*(10-mean)/9
	return clamp01(math.Round(v*10000) / 10000), true
}

// Needs is the assessed need of a set of areas, looked up by code.
type Needs struct {
	list   []Need // by rank, then code
	byCode map[string]int
}

// AssessNeeds computes the need of every area and ranks them. Codes must be
// unique and non-empty, decile counts non-negative and overrides in [0,1].
func AssessNeeds(areas []Area) (*Needs, error) {
	ns := &Needs{list: make([]Need, 0, len(areas)), byCode: make(map[string]int, len(areas))}
	seen := make(map[string]bool, len(areas))
	for i, a := range areas {
		if a.Code == "" {
			return nil, invalidf("area %d has no code", i+1)
		}
		if seen[a.Code] {
			return nil, invalidf("area %s appears twice", a.Code)
		}
		seen[a.Code] = true
		nd := Need{Code: a.Code, Name: a.Name, Lat: a.Lat, Lon: a.Lon}
		if nd.Name == "" {
			nd.Name = a.Code
		}
		sum := 0
		for d, c := range a.Deciles {
			if c < 0 {
				return nil, invalidf("area %s has a negative count in decile %d", a.Code, d+1)
			}
			nd.LSOAs += c
			sum += c * (d + 1)
		}
		nd.Deprived10 = a.Deciles[0]
		nd.Deprived20 = a.Deciles[0] + a.Deciles[1]
		if nd.LSOAs > 0 {
			nd.MeanDecile = float64(sum) / float64(nd.LSOAs)
		}
		nd.Index, nd.Known = NeedIndex(a.Deciles)
		if a.Override != nil {
			v := *a.Override
			if math.IsNaN(v) || v < 0 || v > 1 {
				return nil, invalidf("area %s: need figure %v is not between 0 and 1", a.Code, v)
			}
			nd.Index, nd.Known, nd.Overridden = v, true, true
		}
		ns.list = append(ns.list, nd)
	}
	sort.Slice(ns.list, func(i, j int) bool {
		a, b := &ns.list[i], &ns.list[j]
		if a.Known != b.Known {
			return a.Known
		}
		if a.Index != b.Index {
			return a.Index > b.Index
		}
		return a.Code < b.Code
	})
	known := 0
	for _, nd := range ns.list {
		if nd.Known {
			known++
		}
	}
	for i := range ns.list {
		nd := &ns.list[i]
		if !nd.Known {
			continue
		}
		nd.Of = known
		if i > 0 && ns.list[i-1].Known && ns.list[i-1].Index == nd.Index {
			nd.Rank = ns.list[i-1].Rank
		} else {
			nd.Rank = i + 1
		}
	}
	for i, nd := range ns.list {
		ns.byCode[nd.Code] = i
	}
	return ns, nil
}

// Lookup returns the need of the area with the given code. A nil Needs
// knows no area.
func (ns *Needs) Lookup(code string) (Need, bool) {
	if ns == nil {
		return Need{}, false
	}
	i, ok := ns.byCode[code]
	if !ok {
		return Need{}, false
	}
	return ns.list[i], true
}

// All returns every area's need, most need first (ties by code).
func (ns *Needs) All() []Need {
	if ns == nil {
		return nil
	}
	return append([]Need(nil), ns.list...)
}

// Explain describes the need of the area in plain English.
func (nd Need) Explain() string {
	if !nd.Known {
		return "No deprivation figures for " + nd.Name + ": local need counted as neutral."
	}
	level := needLevel(nd.Index)
	rank := ""
	if nd.Of > 1 {
		rank = " It ranks " + ordinal(nd.Rank) + " of " + strconv.Itoa(nd.Of) + " areas by need."
	}
	if nd.Overridden {
		return level + " local need in " + nd.Name + ": the authority's own figure is " +
			strconv.FormatFloat(nd.Index, 'f', 2, 64) + " on a scale of 0 to 1." + rank
	}
	return level + " local need: " + strconv.Itoa(nd.Deprived20) + " of " + strconv.Itoa(nd.LSOAs) +
		" neighbourhoods in " + nd.Name + " are among the 20% most deprived in England" +
		" (average decile " + strconv.FormatFloat(nd.MeanDecile, 'f', 1, 64) + " of 10)." + rank
}

func needLevel(v float64) string {
	switch {
	case v >= 0.6:
		return "High"
	case v >= 0.3:
		return "Moderate"
	default:
		return "Low"
	}
}

func ordinal(n int) string {
	s := strconv.Itoa(n)
	if n%100 >= 11 && n%100 <= 13 {
		return s + "th"
	}
	switch n % 10 {
	case 1:
		return s + "st"
	case 2:
		return s + "nd"
	case 3:
		return s + "rd"
	}
	return s + "th"
}

func clamp01(v float64) float64 {
	if v < 0 || math.IsNaN(v) {
		return 0
	}
	if v > 1 {
		return 1
	}
	return v
}
