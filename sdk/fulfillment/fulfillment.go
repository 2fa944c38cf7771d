// Package fulfillment defines the fulfillment capability: placing an order in
// the seller's order system once payment succeeded, and canceling it.
package fulfillment

import (
	"context"

	"github.com/acp-sidecar/acp/sdk/acp"
)

// Fulfillment places and cancels orders in the seller's system.
type Fulfillment interface {
	// PlaceOrder records a paid order. It must be idempotent on
	// IdempotencyKey: a retry returns the first result. The buyer's
	// payment is only authorized while it runs and is captured once it
	// succeeds. An error not marked acp.Retryable refuses the order for
	// good: the host releases the payment (with reason "out_of_stock",
	// set by acp.WithReason, the buyer is told an item ran out). A
	// retryable error keeps the payment held and the call is repeated
	// until the host's placement deadline.
	PlaceOrder(ctx context.Context, req *PlaceOrderRequest) (*PlaceOrderResponse, error)
	// CancelOrder cancels an order placed earlier; a repeated cancel
	// succeeds. The host also cancels an order whose placement it gave up
	// at its placement deadline (the last answer was unknown), before it
	// releases the payment: an order system that never stored the order
	// answers an error with reason acp.CodeNotFound (acp.WithReason), not
	// retryable, which the host counts as canceled. Any other error not
	// marked retryable refuses the cancel: the payment then stays held
	// and the seller is alerted.
	CancelOrder(ctx context.Context, req *CancelOrderRequest) error
}

// PlaceOrderRequest describes a paid order.
type PlaceOrderRequest struct {
	// OrderID is the host's order id.
	OrderID string
	// CheckoutSessionID is the session the order comes from.
	CheckoutSessionID string
	// IdempotencyKey is stable for every retry of this placement.
	IdempotencyKey string
	// Currency is the order's currency.
	Currency string
	// Lines are the ordered lines.
	Lines []Line
	// Total is the amount charged, in minor units.
	Total int64
	// Destination is the delivery address, when any.
	Destination *acp.Address
	// OptionIDs are the selected fulfillment option ids.
	OptionIDs []string
	// Buyer is the buyer's contact, when the agent gave it. It is personal
	// data: pass it to the order system, never to logs.
	Buyer *Buyer
}

// Buyer is the buyer's contact.
type Buyer struct {
	// FirstName is the buyer's first name.
	FirstName string
	// LastName is the buyer's last name.
	LastName string
	// Email is the buyer's email address.
	Email string
	// PhoneNumber is the buyer's phone number, when given.
	PhoneNumber string
}

// Line is one ordered line.
type Line struct {
	// ID is the line item id.
	ID string
	// ItemID is the ACP item id.
	ItemID string
	// Title is the display name.
	Title string
	// Quantity is the number of units.
	Quantity int64
	// UnitPrice is the unit price in minor units.
	UnitPrice int64
	// Total is the line total including tax, in minor units.
	Total int64
}

// PlaceOrderResponse is the seller's view of a placed order.
type PlaceOrderResponse struct {
	// OrderNumber is the human-readable order number, when the seller has one.
	OrderNumber string
	// PermalinkURL overrides the configured permalink template, when set.
	PermalinkURL string
}

// CancelOrderRequest asks to cancel an order.
type CancelOrderRequest struct {
	// OrderID is the host's order id.
	OrderID string
	// Reason is a free-text reason.
	Reason string
}
