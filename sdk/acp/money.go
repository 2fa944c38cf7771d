// Package acp holds the value types shared by every capability: money in
// integer minor units, postal addresses and checkout messages with ACP codes
// and JSONPath parameters.
package acp

import (
	"fmt"
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
