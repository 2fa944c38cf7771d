// Package acp holds the value types shared by every capability: postal
// addresses, checkout messages with ACP codes and JSONPath parameters,
// failures with their source, and integer rate arithmetic. Money is always
// an int64 in minor units of the request's currency; floating point never
// touches an amount.
package acp

import (
	"math"
	"math/bits"
	"strings"
)

// NormalizeCurrency returns the lower-case form of an ISO 4217 code.
func NormalizeCurrency(code string) string {
	return strings.ToLower(strings.TrimSpace(code))
}

// PPM is the scale of rates held as integer parts per million: 72,500 ppm
// is 7.25 %. Rates are kept in integers so that no float ever touches an
// amount.
const PPM = 1_000_000

// ApplyPPM returns amount × ppm / 1,000,000 rounded half up: the tax at a
// rate of ppm on amount, for example. It is 0 when amount or ppm is not
// positive, never overflows (the product is held in 128 bits), and
// saturates at math.MaxInt64 should the result not fit, which only a rate
// of 100 % or more can cause.
func ApplyPPM(amount, ppm int64) int64 {
	if amount <= 0 || ppm <= 0 {
		return 0
	}
	hi, lo := bits.Mul64(uint64(amount), uint64(ppm))
	lo, carry := bits.Add64(lo, PPM/2, 0)
	hi += carry
	if hi >= PPM {
		return math.MaxInt64
	}
	q, _ := bits.Div64(hi, lo, PPM)
	if q > math.MaxInt64 {
		return math.MaxInt64
	}
	return int64(q)
}
