package catalog

import "context"

// Func adapts a function to Catalog, for tests and small plugins:
//
//	var c catalog.Catalog = catalog.Func(func(ctx context.Context, req *catalog.ResolveItemsRequest) (*catalog.ResolveItemsResponse, error) { … })
type Func func(ctx context.Context, req *ResolveItemsRequest) (*ResolveItemsResponse, error)

// ResolveItems calls f.
func (f Func) ResolveItems(ctx context.Context, req *ResolveItemsRequest) (*ResolveItemsResponse, error) {
	return f(ctx, req)
}

// Interface guards
var _ Catalog = Func(nil)
