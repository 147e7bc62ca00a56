package matcher

import "math"

// Weights are the weights of the score's components. They are relative: the
// score divides by their sum. Version identifies a set of weights so a past
// score can be explained with the weights of its day.
type Weights struct {
	Version  int     `json:"version"`
	Need     float64 `json:"need"`
	Fit      float64 `json:"fit"`
	Coverage float64 `json:"coverage"`
	Urgency  float64 `json:"urgency"`
	Distance float64 `json:"distance"`
	Record   float64 `json:"record"`
}

// DefaultWeights returns the weights used when an authority has set none:
// need 0.30, fit 0.20, coverage 0.15, record 0.15, urgency 0.10,
// distance 0.10, version 1.
func DefaultWeights() Weights {
	return Weights{Version: 1, Need: 0.30, Fit: 0.20, Coverage: 0.15, Urgency: 0.10, Distance: 0.10, Record: 0.15}
}

// Validate checks that every weight is a finite non-negative number, that
// they do not all vanish, and that the version is positive.
func (w Weights) Validate() error {
	if w.Version < 1 {
		return invalidf("weights version must be 1 or more")
	}
	vals := w.values()
	sum := 0.0
	for i, v := range vals {
		if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
			return invalidf("weight %s must be a finite number of 0 or more", componentNames[i])
		}
		sum += v
	}
	if !(sum > 0) || math.IsInf(sum, 0) {
		return invalidf("at least one weight must be above 0")
	}
	return nil
}

func (w Weights) values() [numComponents]float64 {
	return [numComponents]float64{w.Need, w.Fit, w.Coverage, w.Urgency, w.Distance, w.Record}
}
