package pluginmgr

import (
	"context"

	"github.com/acp-sidecar/acp/sdk/acp"
	"github.com/acp-sidecar/acp/sdk/acpplugin"
	"github.com/acp-sidecar/acp/sdk/acpplugin/client"
	"github.com/acp-sidecar/acp/sdk/catalog"
	"github.com/acp-sidecar/acp/sdk/fulfillment"
	"github.com/acp-sidecar/acp/sdk/shipping"
	"github.com/acp-sidecar/acp/sdk/tax"
)

// The supervised capabilities. Reads (ResolveItems, the quotes) are
// idempotent and retried once; PlaceOrder and CancelOrder are not retried
// here: the agent's next complete (or the merchant's next cancel) repeats
// them with the same idempotency key. An optional capability is supervised
// the same way, under its own name: a plugin that does not announce it is
// not called and the caller gets acp.ErrNotOffered
// (sdk/proto/CAPABILITIES.md).

type supervisedCatalog struct{ s *supervisor }

func (c supervisedCatalog) ResolveItems(ctx context.Context, req *catalog.ResolveItemsRequest) (resp *catalog.ResolveItemsResponse, err error) {
	err = c.s.call(ctx, acpplugin.CapabilityCatalog, "catalog.ResolveItems", true, func(ctx context.Context, p *client.Plugin) error {
		resp, err = p.Catalog().ResolveItems(ctx, req)
		return err
	})
	if err == nil {
		defaultFulfillmentTypes(resp)
	}
	return resp, err
}

// DefaultFulfillmentTypes returns, as a new slice, what an item a catalog
// plugin finds can be fulfilled by when the plugin names no fulfillment
// type: shipping, as for an item of acp.yaml's catalog without
// fulfillment_types. Without it such an item could not be bought at all.
func DefaultFulfillmentTypes() []acp.FulfillmentType {
	return []acp.FulfillmentType{acp.FulfillmentShipping}
}

// defaultFulfillmentTypes gives every found item without fulfillment
// types the default ones.
func defaultFulfillmentTypes(resp *catalog.ResolveItemsResponse) {
	if resp == nil {
		return
	}
	for i := range resp.Items {
		if it := &resp.Items[i]; it.Found && len(it.FulfillmentTypes) == 0 {
			it.FulfillmentTypes = DefaultFulfillmentTypes()
		}
	}
}

// supervisedStock is the optional capability catalog.stock_reservations.
// Its calls are idempotent by key, so they are retried like reads.
type supervisedStock struct{ s *supervisor }

func (c supervisedStock) Reserve(ctx context.Context, req *catalog.ReserveRequest) (resp *catalog.ReserveResponse, err error) {
	err = c.s.call(ctx, acpplugin.CapabilityStockReservations, "catalog.Reserve", true, func(ctx context.Context, p *client.Plugin) error {
		resp, err = p.StockReservations().Reserve(ctx, req)
		return err
	})
	return resp, err
}

func (c supervisedStock) Commit(ctx context.Context, key string) error {
	return c.s.call(ctx, acpplugin.CapabilityStockReservations, "catalog.CommitStock", true, func(ctx context.Context, p *client.Plugin) error {
		return p.StockReservations().Commit(ctx, key)
	})
}

func (c supervisedStock) Release(ctx context.Context, key string) error {
	return c.s.call(ctx, acpplugin.CapabilityStockReservations, "catalog.ReleaseStock", true, func(ctx context.Context, p *client.Plugin) error {
		return p.StockReservations().Release(ctx, key)
	})
}

// supervisedDiscounts is the optional capability catalog.discounts. An
// evaluation changes nothing, so it is retried like a read. (The checkout
// engine checks every answer, the plugin's as the built-in one's.)
type supervisedDiscounts struct{ s *supervisor }

func (c supervisedDiscounts) Evaluate(ctx context.Context, req *catalog.DiscountRequest) (resp *catalog.DiscountResponse, err error) {
	err = c.s.call(ctx, acpplugin.CapabilityDiscounts, "catalog.EvaluateDiscounts", true, func(ctx context.Context, p *client.Plugin) error {
		resp, err = p.Discounts().Evaluate(ctx, req)
		return err
	})
	return resp, err
}

// supervisedListing is the optional capability catalog.listing. A
// listing changes nothing, so it is retried like a read.
type supervisedListing struct{ s *supervisor }

func (c supervisedListing) ListProducts(ctx context.Context, req *catalog.ListProductsRequest) (resp *catalog.ListProductsResponse, err error) {
	err = c.s.call(ctx, acpplugin.CapabilityListing, "catalog.ListProducts", true, func(ctx context.Context, p *client.Plugin) error {
		resp, err = p.Listing().ListProducts(ctx, req)
		return err
	})
	return resp, err
}

type supervisedTax struct{ s *supervisor }

func (c supervisedTax) Quote(ctx context.Context, req *tax.QuoteRequest) (resp *tax.QuoteResponse, err error) {
	err = c.s.call(ctx, acpplugin.CapabilityTax, "tax.Quote", true, func(ctx context.Context, p *client.Plugin) error {
		resp, err = p.Tax().Quote(ctx, req)
		return err
	})
	return resp, err
}

type supervisedShipping struct{ s *supervisor }

func (c supervisedShipping) Quote(ctx context.Context, req *shipping.QuoteRequest) (resp *shipping.QuoteResponse, err error) {
	err = c.s.call(ctx, acpplugin.CapabilityShipping, "shipping.Quote", true, func(ctx context.Context, p *client.Plugin) error {
		resp, err = p.Shipping().Quote(ctx, req)
		return err
	})
	return resp, err
}

type supervisedFulfillment struct{ s *supervisor }

func (c supervisedFulfillment) PlaceOrder(ctx context.Context, req *fulfillment.PlaceOrderRequest) (resp *fulfillment.PlaceOrderResponse, err error) {
	err = c.s.call(ctx, acpplugin.CapabilityFulfillment, "fulfillment.PlaceOrder", false, func(ctx context.Context, p *client.Plugin) error {
		resp, err = p.Fulfillment().PlaceOrder(ctx, req)
		return err
	})
	return resp, err
}

func (c supervisedFulfillment) CancelOrder(ctx context.Context, req *fulfillment.CancelOrderRequest) error {
	return c.s.call(ctx, acpplugin.CapabilityFulfillment, "fulfillment.CancelOrder", false, func(ctx context.Context, p *client.Plugin) error {
		return p.Fulfillment().CancelOrder(ctx, req)
	})
}
