package domain

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// ParseAreasCSV reads an authority's own areas. The header names the
// columns: code, name, lat, lon, and either need (an index from 0 to 1) or
// d1..d10 (the LSOAs of the area in each national IMD decile). Every bad row
// is reported with its line number; any error means nothing is imported.
func ParseAreasCSV(r io.Reader) ([]Area, error) {
	cr := csv.NewReader(io.LimitReader(r, 5<<20))
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = false
	head, err := cr.Read()
	if err != nil {
		return nil, FieldErrorf("csv", "line 1: the file has no header row")
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = i
	}
	var v Validation
	for _, need := range []string{"code", "name", "lat", "lon"} {
		if _, ok := col[need]; !ok {
			v.Add("csv", "line 1: the header has no %q column", need)
		}
	}
	_, hasNeed := col["need"]
	hasDeciles := true
	for i := 1; i <= 10; i++ {
		if _, ok := col[fmt.Sprintf("d%d", i)]; !ok {
			hasDeciles = false
		}
	}
	if !hasNeed && !hasDeciles {
		v.Add("csv", "line 1: the header needs a \"need\" column or \"d1\" to \"d10\"")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	var areas []Area
	seen := map[string]int{}
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			v.Add("csv", "line %d: %v", line, err)
			break
		}
		get := func(name string) string {
			if i, ok := col[name]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		ar := Area{Code: get("code"), Name: get("name")}
		var rv Validation
		checkText(&rv, "code", ar.Code, 1, 20, true)
		checkText(&rv, "name", ar.Name, 1, 100, true)
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
		if err := rv.Err(); err != nil {
			for _, f := range err.(*Error).Fields {
				v.Add("csv", "line %d: %s", line, f.Detail)
			}
			continue
		}
		areas = append(areas, ar)
		if len(areas) > 5000 {
			v.Add("csv", "line %d: more than 5,000 areas", line)
			break
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if len(areas) == 0 {
		return nil, FieldErrorf("csv", "The file has no areas")
	}
	return areas, nil
}
