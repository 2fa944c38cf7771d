package acp

// FulfillmentType is how an item reaches the buyer.
type FulfillmentType string

// Fulfillment types, as ACP defines them.
const (
	FulfillmentShipping      FulfillmentType = "shipping"
	FulfillmentDigital       FulfillmentType = "digital"
	FulfillmentPickup        FulfillmentType = "pickup"
	FulfillmentLocalDelivery FulfillmentType = "local_delivery"
)

// FulfillmentTypes lists every fulfillment type in a stable order.
var FulfillmentTypes = []FulfillmentType{FulfillmentShipping, FulfillmentDigital, FulfillmentPickup, FulfillmentLocalDelivery}

// Valid reports whether t is one of the ACP fulfillment types.
func (t FulfillmentType) Valid() bool {
	for _, known := range FulfillmentTypes {
		if t == known {
			return true
		}
	}
	return false
}

// NeedsAddress reports whether the buyer's address is needed to fulfill
// items of this type (shipping and local delivery).
func (t FulfillmentType) NeedsAddress() bool {
	return t == FulfillmentShipping || t == FulfillmentLocalDelivery
}

// Weight is an item's weight.
type Weight struct {
	// Value is the weight in Unit.
	Value float64 `json:"value"`
	// Unit is one of g, kg, oz, lb.
	Unit string `json:"unit"`
}

// FulfillmentGroup is one group of a split checkout: lines that go to one
// destination by one kind of fulfillment. ACP calls it a fulfillment group
// (since 2026-01-30). A checkout that is not split has none.
type FulfillmentGroup struct {
	// ID is the group's id, as the agent named it.
	ID string
	// Type is how the group's lines are fulfilled (ACP's destination_type).
	Type FulfillmentType
	// LocationID names the seller's location for a pickup or a local
	// delivery, when the agent chose one.
	LocationID string
	// Instructions are the buyer's fulfillment instructions for the group.
	Instructions string
}
