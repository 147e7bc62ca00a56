package matcher

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"testing"
)

// MustStockport loads the 21 Stockport wards of testdata/stockport.json (a
// copy of the demo seed data: IMD 2025 deciles of each ward's LSOAs).
func MustStockport(tb testing.TB) []Area {
	tb.Helper()
	b, err := os.ReadFile("testdata/stockport.json")
	if err != nil {
		tb.Fatal(err)
	}
	var f struct {
		Areas []struct {
			Code    string  `json:"code"`
			Name    string  `json:"name"`
			Lat     float64 `json:"lat"`
			Lon     float64 `json:"lon"`
			Deciles [10]int `json:"deciles"`
		} `json:"areas"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		tb.Fatal(err)
	}
	var areas []Area
	for _, a := range f.Areas {
		areas = append(areas, Area{Code: a.Code, Name: a.Name, Lat: a.Lat, Lon: a.Lon, Deciles: a.Deciles})
	}
	return areas
}

func MustNeeds(tb testing.TB, areas []Area) *Needs {
	tb.Helper()
	ns, err := AssessNeeds(areas)
	if err != nil {
		tb.Fatal(err)
	}
	return ns
}

func TestNeedIndexStockport(t *testing.T) {
	areas := MustStockport(t)
	if len(areas) != 21 {
		t.Fatalf("got %d wards, want 21", len(areas))
	}
	ns := MustNeeds(t, areas)
	all := ns.All()
	most, least := all[0], all[len(all)-1]
	// Brinnington & Stockport Central: deciles 6,1,1 -> share 7/8, mean 11/8;
	// 0.5*0.875 + 0.5*(10-1.375)/9 = 0.91667.
	if most.Code != "E05015018" || most.Index != 0.9167 || most.Rank != 1 || most.Of != 21 ||
		most.LSOAs != 8 || most.Deprived20 != 7 || most.Deprived10 != 6 || math.Abs(most.MeanDecile-1.375) > 1e-9 {
		t.Errorf("most need = %+v, want Brinnington & Stockport Central, 0.9167, mean decile 1.375", most)
	}
	// Bramhall South & Woodford: deciles 9 once, 10 seven times -> mean 9.875,
	// share 0; 0.5*(10-9.875)/9 = 0.00694.
	if least.Code != "E05015015" || least.Index != 0.0069 || least.Rank != 21 || math.Abs(least.MeanDecile-9.875) > 1e-9 {
		t.Errorf("least need = %+v, want Bramhall South & Woodford, 0.0069, mean decile 9.875", least)
	}
	for i := 1; i < len(all); i++ {
		if all[i].Index > all[i-1].Index {
			t.Errorf("%s (%v) ranked after %s (%v)", all[i].Name, all[i].Index, all[i-1].Name, all[i-1].Index)
		}
		if all[i].Index < 0 || all[i].Index > 1 {
			t.Errorf("%s: index %v outside [0,1]", all[i].Name, all[i].Index)
		}
	}
	got := most.Explain()
	want := "High local need: 7 of 8 neighbourhoods in Brinnington & Stockport Central are among the 20% most deprived in England (average decile 1.4 of 10). It ranks 1st of 21 areas by need."
	if got != want {
		t.Errorf("explanation\n got %q\nwant %q", got, want)
	}
}

func TestNeedIndexFormula(t *testing.T) {
	for _, tc := range []struct {
		name    string
		deciles [10]int
		want    float64
		ok      bool
	}{
		{"all most deprived", [10]int{5}, 1, true},
		{"all least deprived", [10]int{9: 4}, 0, true},
		{"middle", [10]int{4: 1, 5: 1}, 0.25, true},             // share 0, mean 5.5 -> 0.5*4.5/9
		{"half in decile 2", [10]int{1: 1, 9: 1}, 0.4722, true}, // share .5, mean 6 -> .25 + .2222
		{"empty", [10]int{}, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := NeedIndex(tc.deciles)
			if got != tc.want || ok != tc.ok {
				t.Errorf("NeedIndex(%v) = %v, %v; want %v, %v", tc.deciles, got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestNeedOverrideAndUnknown(t *testing.T) {
	v := 0.42
	ns := MustNeeds(t, []Area{
		{Code: "A", Name: "Alpha", Deciles: [10]int{9: 3}, Override: &v},
		{Code: "B", Name: "Beta"},
		{Code: "C", Name: "Gamma", Deciles: [10]int{0: 1}},
	})
	a, _ := ns.Lookup("A")
	if a.Index != 0.42 || !a.Overridden || a.Rank != 2 || a.Of != 2 {
		t.Errorf("override: %+v", a)
	}
	b, _ := ns.Lookup("B")
	if b.Known || b.Rank != 0 {
		t.Errorf("unknown area: %+v", b)
	}
	if _, ok := ns.Lookup("Z"); ok {
		t.Error("found an area that is not there")
	}
	if got := a.Explain(); got != "Moderate local need in Alpha: the authority's own figure is 0.42 on a scale of 0 to 1. It ranks 2nd of 2 areas by need." {
		t.Errorf("override explanation %q", got)
	}
}

func TestAssessNeedsInvalid(t *testing.T) {
	bad, nan := 1.5, math.NaN()
	for _, tc := range []struct {
		name  string
		areas []Area
	}{
		{"no code", []Area{{Name: "x"}}},
		{"duplicate", []Area{{Code: "A"}, {Code: "A"}}},
		{"negative count", []Area{{Code: "A", Deciles: [10]int{-1}}}},
		{"override above 1", []Area{{Code: "A", Override: &bad}}},
		{"override NaN", []Area{{Code: "A", Override: &nan}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := AssessNeeds(tc.areas); !errors.Is(err, ErrInvalid) {
				t.Errorf("err = %v, want ErrInvalid", err)
			}
		})
	}
}
