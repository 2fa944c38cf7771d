package shipping

import "context"

// Func adapts a function to Shipping, for tests and small plugins.
type Func func(ctx context.Context, req *QuoteRequest) (*QuoteResponse, error)

// Quote calls f.
func (f Func) Quote(ctx context.Context, req *QuoteRequest) (*QuoteResponse, error) {
	return f(ctx, req)
}

// Interface guards
var _ Shipping = Func(nil)
