package builtin

import (
	"context"

	"github.com/acp-sidecar/acp/sdk/catalog"
)

// Catalog serves the SKUs listed under catalog.items.
type Catalog struct {
	items map[string]catalog.Item
}

// Interface guard.
var _ catalog.Catalog = (*Catalog)(nil)

// NewCatalog builds the catalog from items, each found under its ID (the
// caller need not set Found).
func NewCatalog(items []catalog.Item) *Catalog {
	c := &Catalog{items: make(map[string]catalog.Item, len(items))}
	for _, it := range items {
		it.Found = true
		c.items[it.ID] = it
	}
	return c
}

// ResolveItems looks every item up; unknown ids come back with Found false.
func (c *Catalog) ResolveItems(_ context.Context, req *catalog.ResolveItemsRequest) (*catalog.ResolveItemsResponse, error) {
	resp := &catalog.ResolveItemsResponse{Items: make([]catalog.Item, len(req.Items))}
	for i, ref := range req.Items {
		item, ok := c.items[ref.ID]
		if !ok {
			resp.Items[i] = catalog.Item{ID: ref.ID}
			continue
		}
		resp.Items[i] = item
	}
	return resp, nil
}
