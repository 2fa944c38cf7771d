// Package shipping defines the shipping capability: quoting the fulfillment
// options available for a cart and its destination.
package shipping

import (
	"context"
	"time"

	"github.com/acp-sidecar/acp/sdk/acp"
)

// Shipping quotes fulfillment options. Calls are batched per checkout.
type Shipping interface {
	// Quote returns every option that can fulfill some of the cart's lines.
	// An address the seller cannot ship to is a message, not an error.
	Quote(ctx context.Context, req *QuoteRequest) (*QuoteResponse, error)
}

// QuoteRequest is a cart to quote fulfillment for.
type QuoteRequest struct {
	// Currency is the cart's currency.
	Currency string
	// Destination is the buyer's address; nil when not given yet.
	Destination *acp.Address
	// Lines are the cart's lines.
	Lines []Line
	// Group is set when the checkout is split into fulfillment groups
	// (protocol 1.2): the host then asks once per group, and Destination
	// and Lines are the group's own, so a plugin that ignores Group quotes
	// each group correctly. Options should be of the group's Type; the host
	// drops those that are not. Nil for a checkout that is not split.
	Group *acp.FulfillmentGroup
}

// Line is one line of the cart as shipping sees it.
type Line struct {
	// ID is the line item id.
	ID string
	// ItemID is the ACP item id.
	ItemID string
	// Quantity is the number of units.
	Quantity int64
	// Subtotal is the line's price after discounts, in minor units.
	Subtotal int64
	// Weight is the unit weight, when known.
	Weight *acp.Weight
	// FulfillmentTypes lists how the item can be fulfilled.
	FulfillmentTypes []acp.FulfillmentType
}

// QuoteResponse lists the options for a cart.
type QuoteResponse struct {
	// Options are the available options, cheapest first is not required.
	Options []Option
	// Messages are business outcomes; an unshippable destination should be
	// an error message with code region_restricted.
	Messages acp.Messages
	// MaxAge is how long the host may reuse this answer for a
	// byte-identical request (protocol 1.5), like HTTP's max-age. Zero,
	// the default, means never reused; so does a negative value, which
	// the conformance suite flags. An answer that depends on anything
	// besides the request and the plugin's configuration, such as stock
	// or the time (delivery dates counted from today), must leave it
	// zero or keep it short. It travels in whole milliseconds (less is
	// zero), and the host caps it (see sdk/proto/CAPABILITIES.md).
	MaxAge time.Duration
}

// Option is one way to fulfill some lines of the cart.
type Option struct {
	// ID is the option id, stable across calls for the same cart.
	ID string
	// Type is the fulfillment type.
	Type acp.FulfillmentType
	// Title is the display title.
	Title string
	// Description is an optional longer text.
	Description string
	// Carrier names the carrier, for shipping.
	Carrier string
	// LineIDs are the lines this option can fulfill.
	LineIDs []string
	// Amount is the price of the option for those lines, in minor units.
	Amount int64
	// EarliestDelivery and LatestDelivery bound the delivery time; zero when
	// unknown.
	EarliestDelivery, LatestDelivery time.Time
	// Pickup describes the pickup location, for pickup options.
	Pickup *PickupLocation
}

// PickupLocation is where a pickup option is collected.
type PickupLocation struct {
	// Name is the location's name.
	Name string
	// Address is the location's address.
	Address acp.Address
	// Phone is an optional phone number.
	Phone string
	// Instructions are optional pickup instructions.
	Instructions string
}
