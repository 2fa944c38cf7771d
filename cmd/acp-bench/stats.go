package main

import (
	"fmt"
	"math"
	"slices"
)

// series is one figure's value in each round.
type series []float64

// median is the middle value (the mean of the two middle ones for an
// even count); NaN without values.
func (s series) median() float64 {
	if len(s) == 0 {
		return math.NaN()
	}
	v := slices.Clone(s)
	slices.Sort(v)
	if n := len(v); n%2 == 1 {
		return v[n/2]
	} else {
		return (v[n/2-1] + v[n/2]) / 2
	}
}

// spread is the lowest and the highest value.
func (s series) spread() (lo, hi float64) {
	if len(s) == 0 {
		return math.NaN(), math.NaN()
	}
	return slices.Min(s), slices.Max(s)
}

// ratios divides s by base round by round (the A/B pairs).
func (s series) ratios(base series) series {
	out := make(series, 0, len(s))
	for i := range min(len(s), len(base)) {
		out = append(out, s[i]/base[i])
	}
	return out
}

// format writes the median with the given number of decimals and the
// spread in brackets: "0.35 [0.33–0.37]".
func (s series) format(decimals int) string {
	if len(s) == 0 {
		return "–"
	}
	lo, hi := s.spread()
	if len(s) == 1 {
		return fmt.Sprintf("%.*f", decimals, s[0])
	}
	return fmt.Sprintf("%.*f [%.*f–%.*f]", decimals, s.median(), decimals, lo, decimals, hi)
}
