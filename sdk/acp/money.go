// Package acp holds the value types shared by every capability: money in
// integer minor units, postal addresses and checkout messages with ACP codes
// and JSONPath parameters.
package acp

import (
	"fmt"
	"math"
	"math/bits"
	"strings"
)

// Money is an amount in integer minor units (cents for USD, yen for JPY)
// together with its lower-case ISO 4217 currency code. Floating point is never
// used for money anywhere in the SDK or the host.
type Money struct {
	// Amount is the value in minor units.
	Amount int64 `json:"amount"`
	// Currency is the lower-case ISO 4217 code, e.g. "usd".
	Currency string `json:"currency"`
}

// String renders the money for logs and messages, e.g. "1500 usd".
func (m Money) String() string {
	return fmt.Sprintf("%d %s", m.Amount, m.Currency)
}

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
