package builtin

import (
	"context"
	"strings"

	"github.com/acp-sidecar/acp/sdk/fulfillment"
)

// Fulfillment accepts every paid order: the order lives in the gateway's
// own store. Its order number is derived from the order id.
type Fulfillment struct{}

// Interface guard.
var _ fulfillment.Fulfillment = Fulfillment{}

// PlaceOrder returns an order number derived from the order id, so a retry
// returns the same number.
func (Fulfillment) PlaceOrder(_ context.Context, req *fulfillment.PlaceOrderRequest) (*fulfillment.PlaceOrderResponse, error) {
	id := strings.TrimPrefix(req.OrderID, "ord_")
	if len(id) > 10 {
		id = id[:10]
	}
	return &fulfillment.PlaceOrderResponse{OrderNumber: strings.ToUpper(id)}, nil
}

// CancelOrder has nothing to undo.
func (Fulfillment) CancelOrder(context.Context, *fulfillment.CancelOrderRequest) error {
	return nil
}
