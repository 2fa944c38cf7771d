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

// builtinProducts turns acp.yaml's catalog into the built-in catalog's
// products, by the rules every catalog of the project follows: each item
// of catalog.items a product of its own (catalog.ItemProduct), then each
// of catalog.products with what it gives its variants
// (catalog.CompleteProduct).
func builtinProducts(cat config.Catalog) []catalog.Product {
	out := make([]catalog.Product, 0, len(cat.Items)+len(cat.Products))
	for _, it := range cat.Items {
		out = append(out, catalog.ItemProduct(builtinVariant(it)))
	}
	for _, p := range cat.Products {
		product := catalog.Product{ID: p.ID, Title: p.Title, Description: catalog.Description{Plain: p.Description}, URL: p.URL}
		for _, m := range p.Media {
			product.Media = append(product.Media, catalog.Media{Type: m.Type, URL: m.URL, AltText: m.AltText})
		}
		for _, v := range p.Variants {
			product.Variants = append(product.Variants, builtinVariant(v))
		}
		defaults := catalog.ProductDefaults{Categories: p.Categories, Condition: p.Condition}
		if s := p.Seller; s != nil {
			defaults.Seller = &catalog.Seller{Name: s.Name}
			for _, l := range s.Links {
				defaults.Seller.Links = append(defaults.Seller.Links, catalog.SellerLink{Type: l.Type, Title: l.Title, URL: l.URL})
			}
		}
		out = append(out, catalog.CompleteProduct(product, defaults))
	}
	return out
}

// builtinVariant turns one SKU of acp.yaml into a variant: its item, as
// checkout resolves it, and its feed fields.
func builtinVariant(it config.CatalogItem) catalog.Variant {
	v := catalog.Variant{
		Item: catalog.Item{
			ID:          it.SKU,
			Title:       it.Title,
			Description: it.Description,
			Images:      it.Images,
			UnitPrice:   it.UnitPrice,
			TaxCategory: it.TaxCategory,
			MaxPerOrder: it.MaxPerOrder,
			Escalation:  itemEscalation(it),
			Categories:  it.Categories,
		},
		URL:       it.URL,
		ListPrice: it.ListPrice,
		Options:   it.VariantOptions(),
		Condition: it.Condition,
		Status:    it.AvailabilityStatus,
	}
	if it.Weight != nil {
		v.Item.Weight = &acp.Weight{Value: it.Weight.Value, Unit: it.Weight.Unit}
	}
	for _, t := range it.FulfillmentTypes {
		v.Item.FulfillmentTypes = append(v.Item.FulfillmentTypes, acp.FulfillmentType(t))
	}
	for _, b := range it.Barcodes {
		v.Barcodes = append(v.Barcodes, catalog.Barcode{Type: b.Type, Value: b.Value})
	}
	return v
}

// stockItems are acp.yaml's SKUs (config.Catalog.AllItems) as stock
// control sees them.
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
	items := builtinStock(cfg)
	if err := stock.Sync(ctx, st, items, now); err != nil {
		return false, fmt.Errorf("apply acp.yaml's stock figures: %w", err)
	}
	return stock.Tracked(items), nil
}

// builtinStock is what the built-in catalog counts as stock: acp.yaml's
// SKUs, and its promotion codes with max_uses.
func builtinStock(cfg *config.Config) []stock.FileItem {
	return append(stockItems(cfg.Catalog.AllItems()), stock.DiscountItems(codeLimits(cfg.Promotions))...)
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
