// Command acp-plugin-hello is the smallest complete ACP catalog plugin: it
// sells one item, "hello-mug", at the price set in its acp.yaml config
// block, in integer minor units of the store's currency.
package main

import (
	"context"
	"fmt"
	"sync/atomic"

	"github.com/acp-sidecar/acp/sdk/acp"
	"github.com/acp-sidecar/acp/sdk/acpplugin"
	"github.com/acp-sidecar/acp/sdk/catalog"
)

// config is the plugin's block under plugins[].config in acp.yaml, and
// its one description: the host checks the block against the JSON Schema
// derived from it (acpplugin.ConfigSchemaFor) before Configure decodes it.
type config struct {
	Price int64 `json:"price" jsonschema:"price of one mug, in minor units of the store's currency"`
}

// Validate refuses what the schema cannot: a negative price.
func (c config) Validate() error {
	if c.Price < 0 {
		return fmt.Errorf("price %d is negative", c.Price)
	}
	return nil
}

// hello is the catalog: one mug at price minor units.
type hello struct{ price atomic.Int64 }

// configure reads {"price": 1500} from the plugin's config block.
func (h *hello) configure(_ context.Context, raw []byte) error {
	var cfg config
	if err := acpplugin.DecodeConfig(raw, &cfg); err != nil {
		return err
	}
	h.price.Store(cfg.Price)
	return nil
}

// ResolveItems answers one item per requested item: the mug, or Found
// false for any other id, which the host reports to the agent.
func (h *hello) ResolveItems(_ context.Context, req *catalog.ResolveItemsRequest) (*catalog.ResolveItemsResponse, error) {
	resp := &catalog.ResolveItemsResponse{Items: make([]catalog.Item, len(req.Items))}
	for i, ref := range req.Items {
		resp.Items[i] = catalog.Item{ID: ref.ID}
		if ref.ID == "hello-mug" {
			resp.Items[i] = catalog.Item{ID: ref.ID, Found: true, Title: "Hello mug", UnitPrice: h.price.Load(),
				FulfillmentTypes: []acp.FulfillmentType{acp.FulfillmentShipping}}
		}
	}
	return resp, nil
}

// serveOpts describes the plugin; main serves it, the test calls it.
func serveOpts() acpplugin.ServeOpts {
	h := &hello{}
	return acpplugin.ServeOpts{Name: "hello", Version: "0.1.0", ConfigSchema: acpplugin.ConfigSchemaFor[config](), Configure: h.configure, Catalog: h}
}

func main() { acpplugin.Serve(serveOpts()) }
