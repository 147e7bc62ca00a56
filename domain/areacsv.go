package domain

import (
	"fmt"
	"io"
	"math"
	"strconv"
)

// ParseAreasCSV reads an authority's own areas. The header names the
// columns: code, name, lat, lon, and either need (an index from 0 to 1) or
// d1..d10 (the LSOAs of the area in each national IMD decile). Every bad row
// is reported with its line number; any error means nothing is imported.
func ParseAreasCSV(r io.Reader) ([]Area, error) {
	sh, err := newSheet(r, 5<<20, "code", "name", "lat", "lon")
	if err != nil {
		return nil, err
	}
	hasNeed, hasDeciles := sh.has("need"), true
	for i := 1; i <= 10; i++ {
		hasDeciles = hasDeciles && sh.has(fmt.Sprintf("d%d", i))
	}
	if !hasNeed && !hasDeciles {
		sh.v.Add("csv", "line 1: the header needs a \"need\" column or \"d1\" to \"d10\"")
	}
	if err := sh.v.Err(); err != nil {
		return nil, err
	}
	var areas []Area
	seen := map[string]int{}
	n := sh.each(5000, "areas", func(line int, get func(string) string, rv *Validation) {
		ar := Area{Code: get("code"), Name: get("name")}
		checkText(rv, "code", ar.Code, 1, 20, true)
		checkText(rv, "name", ar.Name, 1, 100, true)
		if prevLine, dup := seen[ar.Code]; dup && ar.Code != "" {
			rv.Add("code", "code %s is also on line %d", ar.Code, prevLine)
		}
		seen[ar.Code] = line
		num := func(name string, lo, hi float64) float64 {
			x, err := strconv.ParseFloat(get(name), 64)
			if err != nil || math.IsNaN(x) || x < lo || x > hi {
				rv.Add(name, "%s must be a number from %g to %g", name, lo, hi)
			}
			return x
		}
		ar.Lat, ar.Lon = num("lat", -90, 90), num("lon", -180, 180)
		if hasDeciles {
			for i := 0; i < 10; i++ {
				n, err := strconv.Atoi(get(fmt.Sprintf("d%d", i+1)))
				if err != nil || n < 0 || n > 10000 {
					rv.Add("d", "d%d must be a whole number of LSOAs from 0", i+1)
					break
				}
				ar.Deciles[i] = n
			}
			ar.NeedIndex = NeedIndexFromDeciles(ar.Deciles)
		}
		if hasNeed && get("need") != "" {
			ar.NeedIndex = num("need", 0, 1)
		}
		if rv.Err() == nil {
			areas = append(areas, ar)
		}
	})
	if err := sh.done(n, "areas"); err != nil {
		return nil, err
	}
	return areas, nil
}
