package builtin

import (
	"context"

	"github.com/acp-sidecar/acp/config"
	"github.com/acp-sidecar/acp/sdk/acp"
	"github.com/acp-sidecar/acp/sdk/catalog"
)

// Catalog serves the SKUs listed under catalog.items.
type Catalog struct {
	items map[string]catalog.Item
}

// Interface guard.
var _ catalog.Catalog = (*Catalog)(nil)

// NewCatalog builds the catalog from validated config items.
func NewCatalog(items []config.CatalogItem) *Catalog {
	c := &Catalog{items: make(map[string]catalog.Item, len(items))}
	for _, it := range items {
		ci := catalog.Item{
			ID:          it.SKU,
			Found:       true,
			Title:       it.Title,
			Description: it.Description,
			Images:      it.Images,
			UnitPrice:   it.UnitPrice,
			TaxCategory: it.TaxCategory,
			Available:   it.Stock,
			MaxPerOrder: it.MaxPerOrder,
		}
		if it.Weight != nil {
			ci.Weight = &acp.Weight{Value: it.Weight.Value, Unit: it.Weight.Unit}
		}
		for _, t := range it.FulfillmentTypes {
			ci.FulfillmentTypes = append(ci.FulfillmentTypes, acp.FulfillmentType(t))
		}
		c.items[it.SKU] = ci
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
