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
