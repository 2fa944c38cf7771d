// Package catalog defines the catalog capability: resolving the items of a
// checkout to their current titles, prices, stock and fulfillment types.
package catalog

import (
	"context"

	"github.com/acp-sidecar/acp/sdk/acp"
)

// Catalog resolves the items of a checkout. Calls are batched per checkout:
// one call carries every item of the cart.
type Catalog interface {
	// ResolveItems returns one Item per requested ItemRef, in request order.
	// An unknown item is a successful call with Found false; only a failure
	// to reach the backend is an error.
	ResolveItems(ctx context.Context, req *ResolveItemsRequest) (*ResolveItemsResponse, error)
}

// ResolveItemsRequest asks for the current state of a cart's items.
type ResolveItemsRequest struct {
	// Currency is the session's currency; prices must be in it.
	Currency string
	// Items are the requested items in cart order.
	Items []ItemRef
}

// ItemRef names an item and how many of it the buyer wants.
type ItemRef struct {
	// ID is the ACP item id (the seller's SKU or variant id).
	ID string
	// Quantity is the requested quantity, at least 1.
	Quantity int64
}

// ResolveItemsResponse carries one Item per requested ItemRef.
type ResolveItemsResponse struct {
	// Items has exactly one entry per request item, in the same order.
	Items []Item
	// Messages are extra business outcomes; their Param is a JSONPath into
	// the checkout session (for item i, "$.line_items[i]...").
	Messages acp.Messages
}

// Item is the seller's current view of one purchasable item.
type Item struct {
	// ID echoes the requested item id.
	ID string
	// Found is false when the seller does not sell this id.
	Found bool
	// Title is the display name.
	Title string
	// Description is an optional longer text.
	Description string
	// Images are absolute image URLs.
	Images []string
	// UnitPrice is the price of one unit in minor units of the request currency.
	UnitPrice int64
	// TaxCategory names the tax treatment ("standard" when empty).
	TaxCategory string
	// Weight is the unit weight, when known.
	Weight *acp.Weight
	// Available is the quantity in stock; nil means unlimited.
	Available *int64
	// MaxPerOrder caps the quantity per order; 0 means no cap.
	MaxPerOrder int64
	// FulfillmentTypes lists how the item can be fulfilled.
	FulfillmentTypes []acp.FulfillmentType
	// ProductID is the seller's product id, when different from ID.
	ProductID string
	// Escalation, when set, says the item cannot be bought through the
	// API: the buyer must finish on the seller's own page (protocol 1.2).
	Escalation *Escalation
	// Categories are the item's categories, for promotions limited to
	// some (protocol 1.3).
	Categories []string
}

// Escalation hands a purchase over to the seller's own page, for what the
// API cannot do: signing in, verifying the buyer's age, choosing options
// the API cannot express.
type Escalation struct {
	// Code is the ACP message code that says why, one of EscalationCodes:
	// acp.CodeRequiresSignIn, acp.CodeAgeVerificationRequired,
	// acp.CodeUnsupported for options the API cannot express,
	// acp.CodeRegionRestricted or acp.CodeApprovalRequired. The host
	// refuses any other code as a broken catalog answer.
	Code string
	// Reason is shown to the buyer; empty uses the host's text for Code.
	Reason string
	// ContinueURL is the page where the buyer goes on, an absolute http(s)
	// URL in which the host fills in {checkout_session_id} and {item_id};
	// empty uses the host's configured escalation URL.
	ContinueURL string
}
