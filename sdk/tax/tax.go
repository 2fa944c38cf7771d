// Package tax defines the tax capability: quoting taxes for a priced cart
// and its destination.
package tax

import (
	"context"
	"time"

	"github.com/acp-sidecar/acp/sdk/acp"
)

// Tax quotes the taxes of a priced cart. Calls are batched per checkout.
type Tax interface {
	// Quote returns the tax of every line and of the fulfillment charge.
	Quote(ctx context.Context, req *QuoteRequest) (*QuoteResponse, error)
}

// QuoteRequest is a priced cart to tax.
type QuoteRequest struct {
	// Currency is the cart's currency.
	Currency string
	// Destination is where the goods go; nil when the buyer gave no address
	// yet (providers then use the seller's origin).
	Destination *acp.Address
	// Lines are the cart's lines after discounts.
	Lines []Line
	// Fulfillment is the total fulfillment charge in minor units.
	Fulfillment int64
	// Group is set when the checkout is split into fulfillment groups
	// (protocol 1.2): the host then asks once per group, and Destination,
	// Lines and Fulfillment are the group's own, so a plugin that ignores
	// Group taxes each destination correctly. Nil for a checkout that is
	// not split.
	Group *acp.FulfillmentGroup
}

// Line is one taxable line.
type Line struct {
	// ID is the line item id.
	ID string
	// Amount is the taxable amount in minor units.
	Amount int64
	// TaxCategory names the tax treatment ("standard" when empty).
	TaxCategory string
}

// QuoteResponse carries the taxes of a cart.
type QuoteResponse struct {
	// Lines has one entry per request line, in the same order.
	Lines []LineTax
	// Fulfillment is the tax on the fulfillment charge.
	Fulfillment int64
	// Breakdown splits the cart's total tax by jurisdiction.
	Breakdown []Jurisdiction
	// Messages are business outcomes, such as an address the seller cannot
	// tax.
	Messages acp.Messages
	// MaxAge is how long the host may reuse this answer for a
	// byte-identical request (protocol 1.5), like HTTP's max-age. Zero,
	// the default, means never reused; so does a negative value, which
	// the conformance suite flags. An answer that depends on anything
	// besides the request and the plugin's configuration, such as stock
	// or the time, must leave it zero or keep it short. It travels in
	// whole milliseconds (less is zero), and the host caps it (see
	// sdk/proto/CAPABILITIES.md).
	MaxAge time.Duration
}

// LineTax is the tax of one line.
type LineTax struct {
	// ID echoes the line id.
	ID string
	// Amount is the tax in minor units.
	Amount int64
}

// Jurisdiction is one part of a tax breakdown.
type Jurisdiction struct {
	// Name names the jurisdiction, e.g. "US-CA".
	Name string
	// Rate is the rate as a fraction (0.0725 for 7.25 %). It is for display
	// only: amounts are always integers.
	Rate float64
	// Amount is the tax collected for it, in minor units.
	Amount int64
}
