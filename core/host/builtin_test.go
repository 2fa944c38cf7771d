package host

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/acp-sidecar/acp/config"
	"github.com/acp-sidecar/acp/core/builtin"
	"github.com/acp-sidecar/acp/sdk/acp"
	"github.com/acp-sidecar/acp/sdk/acpplugin"
	"github.com/acp-sidecar/acp/sdk/acptest"
	"github.com/acp-sidecar/acp/sdk/catalog"
	"github.com/acp-sidecar/acp/sdk/fulfillment"
	"github.com/acp-sidecar/acp/sdk/shipping"
	"github.com/acp-sidecar/acp/sdk/tax"
)

// The built-in providers, built from the demo store's acp.yaml as New builds
// them: the conversion from acp.yaml's types and the providers together.

// demo loads the demo store's acp.yaml, whose catalog, tax table and
// fulfillment options the built-in providers serve.
func demo(t *testing.T) *config.Config {
	t.Helper()
	cfg, err := config.Load("../../acp.yaml", ConfigOptions("127.0.0.1:0"))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

var (
	sanFrancisco = acp.Address{Name: "Ada", LineOne: "1 Market St", City: "San Francisco", State: "CA", Country: "US", PostalCode: "94105"}
	now          = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
)

// TestConformance holds the built-in providers to the contracts the host
// enforces on plugins: they serve the same interfaces, so they are served
// here exactly as a plugin would be.
func TestConformance(t *testing.T) {
	t.Parallel()
	cfg := demo(t)
	opts := acpplugin.ServeOpts{
		Name:        "builtin",
		Catalog:     builtin.NewProductCatalog(builtinProducts(cfg.Catalog)),
		Tax:         builtin.NewTax(builtinTax(cfg.Tax)),
		Shipping:    builtin.NewShipping(builtinShipping(cfg.FulfillmentOptions), func() time.Time { return now }),
		Fulfillment: builtin.Fulfillment{},
	}
	t.Run("catalog", func(t *testing.T) {
		acptest.RunCatalogConformance(t, opts, acptest.CatalogSuite{Sold: []string{"mug-classic", "beans-house-1kg", "grinder-pro"}})
	})
	t.Run("tax", func(t *testing.T) { acptest.RunTaxConformance(t, opts, acptest.TaxSuite{Destination: sanFrancisco}) })
	t.Run("shipping", func(t *testing.T) {
		acptest.RunShippingConformance(t, opts, acptest.ShippingSuite{Destination: sanFrancisco})
	})
	t.Run("fulfillment", func(t *testing.T) { acptest.RunFulfillmentConformance(t, opts, acptest.FulfillmentSuite{}) })
}

// TestCatalog checks the built-in catalog of the demo store: an item and
// a product's variant resolve by their skus, the variant completed by its
// product (named after it and its options, with its description,
// categories and id).
func TestCatalog(t *testing.T) {
	t.Parallel()
	c := builtin.NewProductCatalog(builtinProducts(demo(t).Catalog))
	resp, err := c.ResolveItems(context.Background(), &catalog.ResolveItemsRequest{Currency: "usd",
		Items: []catalog.ItemRef{{ID: "nope", Quantity: 1}, {ID: "guide-brewing-ebook", Quantity: 1}, {ID: "tumbler-travel-sage", Quantity: 1}, {ID: "tumbler-travel", Quantity: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	want := []catalog.Item{
		{ID: "nope"},
		{ID: "guide-brewing-ebook", Found: true, Title: resp.Items[1].Title, Description: resp.Items[1].Description, UnitPrice: 999,
			TaxCategory: resp.Items[1].TaxCategory, FulfillmentTypes: []acp.FulfillmentType{acp.FulfillmentDigital}, ProductID: "guide-brewing-ebook"},
		{ID: "tumbler-travel-sage", Found: true, Title: "Travel tumbler - Sage", Description: resp.Items[2].Description, UnitPrice: 2800,
			TaxCategory: config.DefaultTaxCategory, Weight: &acp.Weight{Value: 320, Unit: "g"}, FulfillmentTypes: []acp.FulfillmentType{acp.FulfillmentShipping},
			ProductID: "tumbler-travel", Categories: []string{"drinkware"}},
		{ID: "tumbler-travel"}, // a product's id is no item
	}
	if diff := cmp.Diff(want, resp.Items); diff != "" {
		t.Errorf("ResolveItems() mismatch (-want +got):\n%s", diff)
	}
	if resp.Items[2].Description == "" {
		t.Error("the variant does not have its product's description")
	}
}

// TestBuiltinProducts checks how acp.yaml's catalog becomes the built-in
// catalog's products: each flat item a product of its own, then each
// product with its media, its variants' feed fields, and what it gives
// the variants that say nothing of their own.
func TestBuiltinProducts(t *testing.T) {
	t.Parallel()
	seller := &config.CatalogSeller{Name: "Shop", Links: []config.CatalogLink{{Type: "refund_policy", Title: "Returns", URL: "https://shop.example.com/returns"}}}
	got := builtinProducts(config.Catalog{
		Items: []config.CatalogItem{{SKU: "ebook", Title: "Ebook", Description: "A book.", Images: []string{"https://cdn.example.com/ebook.jpg"},
			UnitPrice: 999, URL: "https://shop.example.com/ebook", AvailabilityStatus: catalog.StatusPreorder}},
		Products: []config.CatalogProduct{{
			ID: "tee", Title: "Tee", Description: "Cotton.", URL: "https://shop.example.com/tee",
			Media:      []config.CatalogMedia{{Type: "image", URL: "https://cdn.example.com/tee.jpg", AltText: "Front"}},
			Categories: []string{"apparel"}, Condition: []string{"new"}, Seller: seller,
			Variants: []config.CatalogItem{
				{SKU: "tee-red", UnitPrice: 2000, ListPrice: 2500, Barcodes: []config.Barcode{{Type: "GTIN", Value: "0001"}},
					Options: []config.VariantOption{{Name: "Color", Value: "Red"}}},
				{SKU: "tee-used", Title: "Tee, worn once", UnitPrice: 900, Categories: []string{"outlet"}, Condition: []string{"used"}},
			},
		}},
	})
	wantSeller := &catalog.Seller{Name: "Shop", Links: []catalog.SellerLink{{Type: "refund_policy", Title: "Returns", URL: "https://shop.example.com/returns"}}}
	want := []catalog.Product{
		{ID: "ebook", Title: "Ebook", Description: catalog.Description{Plain: "A book."}, URL: "https://shop.example.com/ebook",
			Media: []catalog.Media{{Type: "image", URL: "https://cdn.example.com/ebook.jpg"}},
			Variants: []catalog.Variant{{Item: catalog.Item{ID: "ebook", Title: "Ebook", Description: "A book.", Images: []string{"https://cdn.example.com/ebook.jpg"},
				UnitPrice: 999, ProductID: "ebook"}, URL: "https://shop.example.com/ebook", Status: catalog.StatusPreorder}}},
		{ID: "tee", Title: "Tee", Description: catalog.Description{Plain: "Cotton."}, URL: "https://shop.example.com/tee",
			Media: []catalog.Media{{Type: "image", URL: "https://cdn.example.com/tee.jpg", AltText: "Front"}},
			Variants: []catalog.Variant{
				{Item: catalog.Item{ID: "tee-red", Title: "Tee - Red", Description: "Cotton.", UnitPrice: 2000, ProductID: "tee", Categories: []string{"apparel"}},
					ListPrice: 2500, Barcodes: []catalog.Barcode{{Type: "GTIN", Value: "0001"}}, Options: []catalog.VariantOption{{Name: "Color", Value: "Red"}},
					Condition: []string{"new"}, Seller: wantSeller},
				{Item: catalog.Item{ID: "tee-used", Title: "Tee, worn once", Description: "Cotton.", UnitPrice: 900, ProductID: "tee", Categories: []string{"outlet"}},
					Condition: []string{"used"}, Seller: wantSeller},
			}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("builtinProducts (-want +got):\n%s", diff)
	}
}

func TestTax(t *testing.T) {
	t.Parallel()
	tx := builtin.NewTax(builtinTax(demo(t).Tax))
	testCases := map[string]struct {
		dest     *acp.Address
		category string
		want     int64
	}{
		"California, 7.25 %":         {dest: &sanFrancisco, want: 73},
		"California food is exempt":  {dest: &sanFrancisco, category: "food", want: 0},
		"New York, 4 %":              {dest: &acp.Address{Country: "US", State: "NY"}, want: 40},
		"another state, the country": {dest: &acp.Address{Country: "US", State: "TX"}, want: 50},
		"no address, the origin":     {dest: nil, want: 73},
		"another country, no tax":    {dest: &acp.Address{Country: "FR"}, want: 0},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			resp, err := tx.Quote(context.Background(), &tax.QuoteRequest{Currency: "usd", Destination: tc.dest,
				Lines: []tax.Line{{ID: "li_1", Amount: 1000, TaxCategory: tc.category}}})
			if err != nil {
				t.Fatal(err)
			}
			if got := resp.Lines[0].Amount; got != tc.want {
				t.Errorf("tax on 10.00 = %d, want %d", got, tc.want)
			}
		})
	}
}

func TestShippingOffersOnlyWhatLinesAllow(t *testing.T) {
	t.Parallel()
	s := builtin.NewShipping(builtinShipping(demo(t).FulfillmentOptions), func() time.Time { return now })
	resp, err := s.Quote(context.Background(), &shipping.QuoteRequest{Currency: "usd", Destination: &sanFrancisco, Lines: []shipping.Line{
		{ID: "li_1", ItemID: "guide-brewing-ebook", Quantity: 1, Subtotal: 999, FulfillmentTypes: []acp.FulfillmentType{acp.FulfillmentDigital}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Options) == 0 {
		t.Fatal("no option for a download")
	}
	for _, o := range resp.Options {
		if o.Type != acp.FulfillmentDigital || !cmp.Equal(o.LineIDs, []string{"li_1"}) {
			t.Errorf("option %+v offered for a download", o)
		}
	}
}

func TestFulfillmentNumbersFromTheOrderID(t *testing.T) {
	t.Parallel()
	f := builtin.Fulfillment{}
	for range 2 { // a retry gives the same number
		resp, err := f.PlaceOrder(context.Background(), &fulfillment.PlaceOrderRequest{OrderID: "ord_abcdefghijklmn"})
		if err != nil || resp.OrderNumber != "ABCDEFGHIJ" {
			t.Errorf("PlaceOrder() = %+v, %v; want order number ABCDEFGHIJ", resp, err)
		}
	}
	if err := f.CancelOrder(context.Background(), &fulfillment.CancelOrderRequest{OrderID: "ord_1"}); err != nil {
		t.Errorf("CancelOrder() = %v", err)
	}
}
