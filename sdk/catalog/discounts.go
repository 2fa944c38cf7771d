package catalog

import (
	"context"
	"time"

	"github.com/acp-sidecar/acp/sdk/acp"
)

// Discounts is the optional capability "catalog.discounts": the store's
// own promotion engine decides which discounts a cart gets, from the codes
// the buyer gave and the promotions that apply by themselves. A catalog
// plugin offers it by handing an implementation to acpplugin; without it
// the host applies the promotions configured in acp.yaml.
//
// The host checks every answer: allocations must add up to each
// discount's amount, and no allocation may exceed what it discounts (a
// line's subtotal, a fulfillment charge). An answer that breaks these
// rules fails the request as the catalog's failure would.
//
// A discount whose uses are limited says so (UsageLimited): the host then
// holds one use of its code in the same hold as the payment attempt's
// stock (StockReservations.Reserve with the code in
// ReserveRequest.DiscountCodes, committed or released with it), so that a
// code limited to n uses is never used more than n times.
type Discounts interface {
	// Evaluate returns the discounts of the cart: one AppliedDiscount per
	// discount given and one RejectedCode per code not applied, in the
	// order of req.Codes. It may return acp.ErrNotOffered (the host then
	// applies no discount and rejects every code as unknown, or applies
	// acp.yaml's promotions, and takes the answer as the plugin's for a
	// second without asking again).
	Evaluate(ctx context.Context, req *DiscountRequest) (*DiscountResponse, error)
}

// DiscountRequest is a priced cart and the codes the buyer gave.
type DiscountRequest struct {
	// Currency is the cart's currency.
	Currency string
	// Codes are the codes as the agent sent them, in order; matching is
	// case-insensitive.
	Codes []string
	// Lines are the cart's found lines.
	Lines []DiscountLine
	// Fulfillment are the selected fulfillment charges, for promotions on
	// shipping.
	Fulfillment []FulfillmentCharge
	// At is the host's time of evaluation, for promotions with a start or
	// an end.
	At time.Time
}

// DiscountLine is one line of the cart as a promotion engine sees it.
type DiscountLine struct {
	// ID is the line item id.
	ID string
	// ItemID is the ACP item id; ProductID the catalog's product id.
	ItemID, ProductID string
	// Categories are the item's categories.
	Categories []string
	// Quantity is the number of units; UnitPrice the price of one.
	Quantity, UnitPrice int64
	// Subtotal is the line's price before discounts, in minor units.
	Subtotal int64
}

// FulfillmentCharge is one selected fulfillment option's charge.
type FulfillmentCharge struct {
	// ID is the selected option's id as the session shows it.
	ID string
	// LineIDs are the lines it carries.
	LineIDs []string
	// Amount is its charge in minor units.
	Amount int64
}

// DiscountResponse is the discounts of a cart.
type DiscountResponse struct {
	// Applied are the discounts given, in the order they apply.
	Applied []AppliedDiscount
	// Rejected has one entry per code not applied.
	Rejected []RejectedCode
	// Messages are further business outcomes.
	Messages acp.Messages
}

// AppliedDiscount is one discount given to the cart.
type AppliedDiscount struct {
	// ID identifies the discount (the promotion's id).
	ID string
	// Code is the code that unlocked it, as the agent sent it; empty for
	// an automatic discount.
	Code string
	// Automatic is true for a discount applied without a code.
	Automatic bool
	// Name is the promotion's display name.
	Name string
	// PercentOff (for display, e.g. 10 for 10 %) or AmountOff (minor
	// units) says what the promotion gives.
	PercentOff float64
	AmountOff  int64
	// Method is "each" (the amount off applies to each line it covers)
	// or "across" (the amount is split across the lines it covers).
	Method string
	// Priority orders the discounts: 1 applies first.
	Priority int
	// Start and End bound the promotion; zero when unbounded.
	Start, End time.Time
	// Amount is the discount's total, in minor units; the sum of
	// Allocations.
	Amount int64
	// Allocations split Amount over the lines and fulfillment charges.
	Allocations []Allocation
	// UsageLimited says the code's uses are counted: the host holds one
	// use with the payment attempt.
	UsageLimited bool
}

// Allocation is the part of a discount given to one line or one
// fulfillment charge: exactly one of LineID and FulfillmentID is set.
type Allocation struct {
	LineID        string
	FulfillmentID string
	Amount        int64
}

// RejectedCode is a code not applied, with why.
type RejectedCode struct {
	// Code is the code as the agent sent it.
	Code string
	// Reason is an ACP discount error code (acp.CodeDiscountCode*, e.g.
	// discount_code_expired).
	Reason string
	// Message explains it to the buyer.
	Message string
}
