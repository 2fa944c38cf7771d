package tax

import "context"

// Func adapts a function to Tax, for tests and small plugins.
type Func func(ctx context.Context, req *QuoteRequest) (*QuoteResponse, error)

// Quote calls f.
func (f Func) Quote(ctx context.Context, req *QuoteRequest) (*QuoteResponse, error) {
	return f(ctx, req)
}

// Interface guards
var _ Tax = Func(nil)
