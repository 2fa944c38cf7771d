package host

import (
	"context"
	"fmt"
	"time"

	"github.com/acp-sidecar/acp/config"
	"github.com/acp-sidecar/acp/core/builtin"
	"github.com/acp-sidecar/acp/core/stock"
	"github.com/acp-sidecar/acp/core/store"
	"github.com/acp-sidecar/acp/sdk/acp"
	"github.com/acp-sidecar/acp/sdk/catalog"
	"github.com/acp-sidecar/acp/sdk/promotion"
	"github.com/acp-sidecar/acp/sdk/shipping"
)

// builtinCatalog turns acp.yaml's catalog.items into the built-in
// catalog's items.
func builtinCatalog(items []config.CatalogItem) []catalog.Item {
	out := make([]catalog.Item, len(items))
	for i, it := range items {
		out[i] = catalog.Item{
			ID:          it.SKU,
			Title:       it.Title,
			Description: it.Description,
			Images:      it.Images,
			UnitPrice:   it.UnitPrice,
			TaxCategory: it.TaxCategory,
			MaxPerOrder: it.MaxPerOrder,
			Escalation:  itemEscalation(it),
			Categories:  it.Categories,
		}
		if it.Weight != nil {
			out[i].Weight = &acp.Weight{Value: it.Weight.Value, Unit: it.Weight.Unit}
		}
		for _, t := range it.FulfillmentTypes {
			out[i].FulfillmentTypes = append(out[i].FulfillmentTypes, acp.FulfillmentType(t))
		}
	}
	return out
}

// stockItems are acp.yaml's catalog items as stock control sees them.
func stockItems(items []config.CatalogItem) []stock.FileItem {
	out := make([]stock.FileItem, len(items))
	for i, it := range items {
		out[i] = stock.FileItem{SKU: it.SKU, Stock: it.Stock}
	}
	return out
}

// syncStock applies acp.yaml's stock figures to the store when the
// built-in catalog serves (a catalog plugin keeps its own stock), and
// reports whether stock is controlled: some item has a figure, or some
// promotion code has max_uses (its uses are counted as stock). Items
// without one are never counted against, so a catalog without figures
// runs the checkout with no reservations at all.
func syncStock(ctx context.Context, cfg *config.Config, st store.Store, now time.Time) (bool, error) {
	if _, ok := cfg.PluginFor(config.CapabilityCatalog); ok {
		return false, nil
	}
	items := append(stockItems(cfg.Catalog.Items), stock.DiscountItems(codeLimits(cfg.Promotions))...)
	if err := stock.Sync(ctx, st, items, now); err != nil {
		return false, fmt.Errorf("apply acp.yaml's stock figures: %w", err)
	}
	return stock.Tracked(items), nil
}

// codeLimits are the usage limits of acp.yaml's promotions with a code
// and max_uses, counted as stock (stock.DiscountItems).
func codeLimits(promotions []config.Promotion) []stock.CodeLimit {
	var out []stock.CodeLimit
	for _, p := range promotions {
		if p.Code == "" || p.MaxUses <= 0 {
			continue
		}
		out = append(out, stock.CodeLimit{Code: p.Code, MaxUses: &p.MaxUses})
	}
	return out
}

// builtinTax turns acp.yaml's tax into the built-in tax table.
func builtinTax(t config.Tax) builtin.TaxTable {
	table := builtin.TaxTable{ShippingTaxable: t.ShippingTaxable, Origin: acp.Address{Country: t.Origin.Country, State: t.Origin.Region}}
	for _, r := range t.Rates {
		table.Rates = append(table.Rates, builtin.TaxRate{Country: r.Country, Region: r.Region, Rate: r.Rate, Categories: r.Categories})
	}
	return table
}

// builtinShipping turns acp.yaml's fulfillment_options into the built-in
// shipping's options.
func builtinShipping(options []config.FulfillmentOption) []builtin.ShippingOption {
	out := make([]builtin.ShippingOption, len(options))
	for i, opt := range options {
		out[i] = builtin.ShippingOption{
			ID: opt.ID, Type: acp.FulfillmentType(opt.Type), Title: opt.Title, Description: opt.Description, Carrier: opt.Carrier,
			Price:     builtin.PriceRule{Flat: opt.Price.Flat, PerItem: opt.Price.PerItem, FreeOver: opt.Price.FreeOver},
			Countries: opt.Countries,
		}
		if d := opt.DeliveryDays; d != nil {
			out[i].DeliveryDays = &builtin.DayRange{Min: d.Min, Max: d.Max}
		}
		if p := opt.Pickup; p != nil {
			out[i].Pickup = &shipping.PickupLocation{
				Name: p.Name,
				Address: acp.Address{
					Name: p.Address.Name, LineOne: p.Address.LineOne, LineTwo: p.Address.LineTwo, City: p.Address.City,
					State: p.Address.State, Country: p.Address.Country, PostalCode: p.Address.PostalCode,
				},
				Phone:        p.Phone,
				Instructions: p.Instructions,
			}
		}
	}
	return out
}

// builtinPromotions are acp.yaml's promotions as the built-in discounts
// take them.
func builtinPromotions(list []config.Promotion) []promotion.Promotion {
	out := make([]promotion.Promotion, len(list))
	for i, p := range list {
		out[i] = p.ForEngine()
	}
	return out
}
