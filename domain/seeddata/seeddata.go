// Package seeddata holds the demo council's figures: Stockport's 21 wards
// (2023 review) with the IMD 2025 deciles of their LSOAs.
package seeddata

import (
	_ "embed"
	"encoding/json"

	"needmatch/domain"
)

//go:embed stockport.json
var stockportJSON []byte

// Stockport returns the demo authority with need indices computed.
func Stockport() (*domain.Authority, error) {
	var a domain.Authority
	if err := json.Unmarshal(stockportJSON, &a); err != nil {
		return nil, err
	}
	for i := range a.Areas {
		a.Areas[i].NeedIndex = domain.NeedIndexFromDeciles(a.Areas[i].Deciles)
	}
	a.Thresholds = domain.DefaultThresholds
	a.HorizonYears = domain.DefaultHorizonYears
	return &a, nil
}
