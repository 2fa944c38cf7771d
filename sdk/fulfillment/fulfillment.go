// Package fulfillment defines the fulfillment capability: placing an order in
// the seller's order system once payment succeeded, and canceling it.
package fulfillment

import (
	"context"
	"time"

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
	//
	// Not found is final: the host releases the payment on it. An order
	// system that answered not found to the cancel of an order id must
	// therefore refuse (an error not marked retryable) any later
	// PlaceOrder with that id, including a placement it was still
	// processing when the cancel came, so that no order is kept whose
	// payment was released. A cancel that keeps failing retryably is
	// asked again for one more placement deadline, then left to the
	// seller.
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

	// The fields below arrived in protocol 1.2; an older host leaves them
	// unset.

	// Groups are the checkout's fulfillment groups when it was split
	// (several destinations or methods); empty otherwise, when Destination
	// and OptionIDs describe the single fulfillment.
	Groups []Group
	// OrderNotes are the buyer's notes for the order, when given.
	OrderNotes string
	// Attribution is the affiliate attribution the agent reported: the
	// first touch (at create) and the last touch (at complete), each when
	// given. Tokens in it are credentials: never log them.
	Attribution []Attribution
	// MarketingConsents are the buyer's marketing decisions for the
	// channels the seller offered, each with the contact it applies to.
	// A channel not listed keeps the buyer's current subscription.
	MarketingConsents []MarketingConsent
	// RiskSignals are the agent's signals about the buyer's session, for
	// the seller's fraud checks; nil when none were sent.
	RiskSignals *RiskSignals
	// RecipientName, RecipientEmail and RecipientPhone are the checkout's
	// fulfillment contact (who receives the items at Destination), each
	// when given; a split checkout's groups carry their own. They are
	// personal data: pass them to the order system, never to logs.
	RecipientName, RecipientEmail, RecipientPhone string

	// The field below arrived in protocol 1.3; an older host leaves it
	// unset.

	// Discounts are the discounts applied to the checkout (codes and
	// automatic promotions), each with where its amount was taken off;
	// empty when none. Total is already after them.
	Discounts []Discount
}

// Discount is one discount applied to an order.
type Discount struct {
	// ID identifies the promotion that gave it.
	ID string
	// Code is the code the buyer gave; empty for an automatic promotion.
	Code string
	// Name is the discount's name as the buyer saw it.
	Name string
	// Automatic is set when no code was needed.
	Automatic bool
	// Amount is what the discount took off in total, in minor units: the
	// sum of its allocations.
	Amount int64
	// Allocations are where Amount was taken off.
	Allocations []DiscountAllocation
}

// DiscountAllocation is the part of a discount taken off one order line
// or one fulfillment option's charge: exactly one of LineID and OptionID
// is set.
type DiscountAllocation struct {
	// LineID is the order line (Line.ID) discounted.
	LineID string
	// OptionID is the fulfillment option whose charge was discounted.
	OptionID string
	// Amount is the part taken off, in minor units.
	Amount int64
}

// Group is one fulfillment group of a split checkout.
type Group struct {
	// ID is the group's id, as the agent named it.
	ID string
	// Type is how the group is fulfilled.
	Type acp.FulfillmentType
	// LineIDs are the order lines in the group.
	LineIDs []string
	// Destination is the group's delivery address, when it has one.
	Destination *acp.Address
	// RecipientName, RecipientEmail and RecipientPhone are the group's
	// contact, when given. They are personal data.
	RecipientName, RecipientEmail, RecipientPhone string
	// LocationID is the seller's location for a pickup or local delivery.
	LocationID string
	// Instructions are the buyer's instructions for the group.
	Instructions string
	// OptionID is the fulfillment option selected for the group.
	OptionID string
	// Amount is the group's fulfillment charge, in minor units.
	Amount int64
}

// Attribution is one affiliate attribution touch.
type Attribution struct {
	// Touchpoint is "first" (reported at create) or "last" (at complete).
	Touchpoint string
	// Provider names the attribution provider.
	Provider string
	// Token is the provider's attribution token: a credential.
	Token string
	// PublisherID, CampaignID, CreativeID and SubID identify the source.
	PublisherID, CampaignID, CreativeID, SubID string
	// SourceType is url, platform or unknown; SourceURL is set for url.
	SourceType, SourceURL string
	// IssuedAt and ExpiresAt bound the claim; zero when not given.
	IssuedAt, ExpiresAt time.Time
	// Metadata holds the provider's flat metadata, values as JSON text.
	Metadata map[string]string
}

// MarketingConsent is the buyer's decision for one offered channel.
type MarketingConsent struct {
	// Channel is the channel, such as "email" or "sms".
	Channel string
	// OptedIn is the buyer's decision.
	OptedIn bool
	// Contact is the address or number the decision applies to. It is
	// personal data.
	Contact string
}

// RiskSignals are the agent's signals about the buyer's session.
type RiskSignals struct {
	// IPAddress, UserAgent and AcceptLanguage describe the buyer's client.
	IPAddress, UserAgent, AcceptLanguage string
	// SessionID and DeviceFingerprint are the agent's identifiers.
	SessionID, DeviceFingerprint string
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
	// ProductID is the catalog's product id (the item id for an item with
	// no product grouping); since protocol 1.2.
	ProductID string
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
