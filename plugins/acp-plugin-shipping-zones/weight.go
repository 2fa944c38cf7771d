package main

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"

	"github.com/acp-sidecar/acp/sdk/acp"
	"github.com/acp-sidecar/acp/sdk/shipping"
)

// maxWeightValue bounds an item's weight value in any unit; anything
// heavier is a data error, not a parcel.
const maxWeightValue = 1e12

// gramsPer is the exact number of grams in one of each weight unit.
var gramsPer = map[string]*big.Rat{
	"g":  big.NewRat(1, 1),
	"kg": big.NewRat(1000, 1),
	"oz": big.NewRat(28_349_523_125, 1_000_000_000), // 28.349523125 g, exactly
	"lb": big.NewRat(45_359_237, 100_000),           // 453.59237 g, exactly
}

// totalGrams returns the weight of lines in whole grams, rounded up. A
// line without a weight counts as 0 g. Weights are converted from the
// decimal the catalog wrote (2.1 kg is 2100 g, not 2100.0000000000002 g),
// with exact rational arithmetic; a total beyond int64 is math.MaxInt64.
func totalGrams(lines []shipping.Line) (int64, error) {
	total := new(big.Rat)
	for _, l := range lines {
		if l.Weight == nil {
			continue
		}
		g, err := unitGrams(*l.Weight)
		if err != nil {
			return 0, fmt.Errorf("line %s (item %s): %w", l.ID, l.ItemID, err)
		}
		total.Add(total, g.Mul(g, new(big.Rat).SetInt64(max(l.Quantity, 0))))
	}
	// Round up: a parcel of 1000.2 g is above a bracket of 1000 g.
	q, r := new(big.Int).QuoRem(total.Num(), total.Denom(), new(big.Int))
	if r.Sign() > 0 {
		q.Add(q, big.NewInt(1))
	}
	if !q.IsInt64() {
		return math.MaxInt64, nil
	}
	return q.Int64(), nil
}

// unitGrams returns the weight of one unit in grams, exactly.
func unitGrams(w acp.Weight) (*big.Rat, error) {
	factor, ok := gramsPer[strings.ToLower(w.Unit)]
	if !ok {
		return nil, fmt.Errorf("weight unit %q is not one of g, kg, oz, lb", w.Unit)
	}
	if math.IsNaN(w.Value) || w.Value < 0 || w.Value > maxWeightValue {
		return nil, fmt.Errorf("weight %v %s is not a plausible weight", w.Value, w.Unit)
	}
	value, ok := new(big.Rat).SetString(strconv.FormatFloat(w.Value, 'f', -1, 64))
	if !ok {
		return nil, fmt.Errorf("weight %v is not a number", w.Value)
	}
	return value.Mul(value, factor), nil
}
