package fulfillment

import (
	"context"
	"errors"
)

// Funcs is a Fulfillment made of functions, for tests and small plugins.
// A method whose function is nil fails with ErrNotImplemented.
type Funcs struct {
	// PlaceOrderFunc serves PlaceOrder.
	PlaceOrderFunc func(ctx context.Context, req *PlaceOrderRequest) (*PlaceOrderResponse, error)
	// CancelOrderFunc serves CancelOrder.
	CancelOrderFunc func(ctx context.Context, req *CancelOrderRequest) error
}

// ErrNotImplemented is the failure of a Funcs method whose function is nil.
var ErrNotImplemented = errors.New("fulfillment: method not implemented")

// PlaceOrder calls f.PlaceOrderFunc.
func (f Funcs) PlaceOrder(ctx context.Context, req *PlaceOrderRequest) (*PlaceOrderResponse, error) {
	if f.PlaceOrderFunc == nil {
		return nil, ErrNotImplemented
	}
	return f.PlaceOrderFunc(ctx, req)
}

// CancelOrder calls f.CancelOrderFunc.
func (f Funcs) CancelOrder(ctx context.Context, req *CancelOrderRequest) error {
	if f.CancelOrderFunc == nil {
		return ErrNotImplemented
	}
	return f.CancelOrderFunc(ctx, req)
}

// Interface guards
var _ Fulfillment = Funcs{}
