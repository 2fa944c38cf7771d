package host

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/google/go-cmp/cmp"

	"github.com/acp-sidecar/acp/config"
	"github.com/acp-sidecar/acp/core/builtin"
	"github.com/acp-sidecar/acp/internal/testkit"
	"github.com/acp-sidecar/acp/sdk/catalog"
)

// builtInListing stands for the built-in catalog's listing.
type builtInListing struct{}

func (builtInListing) ListProducts(context.Context, *catalog.ListProductsRequest) (*catalog.ListProductsResponse, error) {
	return &catalog.ListProductsResponse{}, nil
}

// TestCatalogListing: the listing the host publishes feeds from is the
// built-in catalog's when the catalog is built in, the catalog plugin's
// when it announces catalog.listing (acp-plugin-catalog-file, run as a
// real subprocess), and none when it does not (the test plugin).
func TestCatalogListing(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	csv := filepath.Join(dir, "products.csv")
	if err := os.WriteFile(csv, []byte("sku,title,unit_price,stock,product_id,product_title,options\n"+
		"tee-red,,2000,3,tee,Logo T-shirt,Color=Red\ntee-blue,,2000,,tee,,Color=Blue\nmug,Mug,1500,,,,\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	testCases := map[string]struct {
		plugin      *config.Plugin
		wantBuiltIn bool
		wantNone    bool
		wantIDs     []string
	}{
		"built-in catalog": {wantBuiltIn: true},
		"a catalog plugin that lists": {
			plugin:  &config.Plugin{Name: "shop", Command: testkit.Binary(t, "acp-plugin-catalog-file"), Config: map[string]any{"path": csv, "reload_interval": "0s"}},
			wantIDs: []string{"mug", "tee"},
		},
		"a catalog plugin that does not list": {
			plugin:   &config.Plugin{Name: "shop", Command: testkit.Binary(t, "testplugin"), Config: map[string]any{"price": 100}},
			wantNone: true,
		},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cfg, err := config.Load("testdata/acp.test.yaml", ConfigOptions("127.0.0.1:0"))
			if err != nil {
				t.Fatal(err)
			}
			if tc.plugin != nil {
				cfg.Capabilities.Catalog = tc.plugin.Name
				cfg.Plugins = append(cfg.Plugins, *tc.plugin)
				cfg.SetDefaults(ConfigOptions("127.0.0.1:0"))
			}
			plugins, err := startPlugins(cfg, func(string) string { return "" }, slog.New(slog.DiscardHandler), prometheus.NewRegistry(), nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(plugins.Close)
			got := catalogListing(cfg, plugins, builtInListing{})
			switch {
			case tc.wantBuiltIn:
				if got != (builtInListing{}) {
					t.Errorf("catalogListing() = %#v, want the built-in listing", got)
				}
				return
			case tc.wantNone:
				if got != nil {
					t.Errorf("catalogListing() = %#v, want none", got)
				}
				return
			}
			resp, err := got.ListProducts(context.Background(), &catalog.ListProductsRequest{Currency: "usd", PageSize: 10})
			if err != nil {
				t.Fatalf("ListProducts() = %v", err)
			}
			var ids []string
			for _, p := range resp.Products {
				ids = append(ids, p.ID)
			}
			if !slices.Equal(ids, tc.wantIDs) || resp.Changes || resp.ChangeToken == "" {
				t.Fatalf("ListProducts() = %+v, want the whole catalog %v with a change token", resp, tc.wantIDs)
			}
			if tee := resp.Products[1]; len(tee.Variants) != 2 || tee.Variants[0].Item.Title != "Logo T-shirt - Red" || *tee.Variants[0].Item.Available != 3 {
				t.Errorf("the product tee = %+v, want two variants, the first titled by its option with 3 in stock", tee)
			}
			again, err := got.ListProducts(context.Background(), &catalog.ListProductsRequest{Currency: "usd", PageSize: 10, Since: resp.ChangeToken})
			if err != nil || !again.Changes || len(again.Products) != 0 || again.ChangeToken != resp.ChangeToken {
				t.Errorf("ListProducts() since the last change token = %+v, %v; want no change", again, err)
			}
		})
	}
}

// TestPluginProductsSameAsBuiltIn: the same products written in
// acp.yaml's catalog and in acp-plugin-catalog-file's file (a product of
// two variants, one named by its options and given the product's
// description, and an item sold on its own) list the same products, and
// checkout resolves the same items.
func TestPluginProductsSameAsBuiltIn(t *testing.T) {
	t.Parallel()
	cfg, err := config.Load("testdata/acp.test.yaml", ConfigOptions("127.0.0.1:0"))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Catalog.Items = []config.CatalogItem{{
		SKU: "mug", Title: "Classic mug", Description: "A mug.", UnitPrice: 1500, Images: []string{"https://shop.test/img/mug.jpg"},
		Categories: []string{"kitchen"}, URL: "https://shop.test/mug", Barcodes: []config.Barcode{{Type: "UPC", Value: "012345678905"}},
		Condition: []string{"refurbished"},
	}}
	cfg.Catalog.Products = []config.CatalogProduct{{
		ID: "tee", Title: "Logo T-shirt", Description: "Soft cotton.", URL: "https://shop.test/tee",
		Media: []config.CatalogMedia{{URL: "https://shop.test/img/tee.jpg"}},
		Variants: []config.CatalogItem{{
			SKU: "tee-red-m", UnitPrice: 2000, ListPrice: 2500, Images: []string{"https://shop.test/img/tee-red.jpg"},
			Options: []config.VariantOption{{Name: "Color", Value: "Red"}, {Name: "Size", Value: "M"}}, URL: "https://shop.test/tee?v=red-m",
			Barcodes: []config.Barcode{{Type: "GTIN", Value: "00012345600012"}}, Condition: []string{"new"},
		}, {
			SKU: "tee-blue-m", Title: "Logo T-shirt (blue)", Description: "Blue.", UnitPrice: 2000, AvailabilityStatus: catalog.StatusPreorder,
			Options: []config.VariantOption{{Name: "Color", Value: "Blue"}, {Name: "Size", Value: "M"}},
		}},
	}}
	cfg.SetDefaults(ConfigOptions("127.0.0.1:0"))
	builtIn := builtin.NewProductCatalog(builtinProducts(cfg.Catalog))

	csv := filepath.Join(t.TempDir(), "products.csv")
	if err := os.WriteFile(csv, []byte("sku,title,description,unit_price,images,categories,url,list_price,barcodes,options,condition,availability_status,product_id,product_title,product_description,product_url,product_images\n"+
		"mug,Classic mug,A mug.,1500,https://shop.test/img/mug.jpg,kitchen,https://shop.test/mug,,UPC:012345678905,,refurbished,,,,,,\n"+
		"tee-red-m,,,2000,https://shop.test/img/tee-red.jpg,,https://shop.test/tee?v=red-m,2500,GTIN:00012345600012,Color=Red;Size=M,new,,tee,Logo T-shirt,Soft cotton.,https://shop.test/tee,https://shop.test/img/tee.jpg\n"+
		"tee-blue-m,Logo T-shirt (blue),Blue.,2000,,,,,,Color=Blue;Size=M,,preorder,tee,,,,\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg.Capabilities.Catalog = "shop"
	cfg.Plugins = append(cfg.Plugins, config.Plugin{Name: "shop", Command: testkit.Binary(t, "acp-plugin-catalog-file"), Config: map[string]any{"path": csv, "reload_interval": "0s"}})
	cfg.SetDefaults(ConfigOptions("127.0.0.1:0"))
	plugins, err := startPlugins(cfg, func(string) string { return "" }, slog.New(slog.DiscardHandler), prometheus.NewRegistry(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(plugins.Close)
	fromPlugin := catalogListing(cfg, plugins, builtIn)

	ctx := context.Background()
	byID := func(l catalog.Listing) map[string]catalog.Product {
		t.Helper()
		resp, err := l.ListProducts(ctx, &catalog.ListProductsRequest{Currency: "usd", PageSize: 10})
		if err != nil || resp.NextPageToken != "" {
			t.Fatalf("ListProducts() = %+v, %v; want one page", resp, err)
		}
		out := map[string]catalog.Product{}
		for _, p := range resp.Products {
			out[p.ID] = p
		}
		return out
	}
	want := byID(builtIn)
	if diff := cmp.Diff(want, byID(fromPlugin)); diff != "" {
		t.Errorf("the plugin's products differ from acp.yaml's (-acp.yaml +plugin):\n%s", diff)
	}
	if red := want["tee"].Variants[0].Item; red.Title != "Logo T-shirt - Red / M" || red.Description != "Soft cotton." {
		t.Errorf("the red tee = %+v, want it named by its options, with its product's description", red)
	}
	req := &catalog.ResolveItemsRequest{Currency: "usd", Items: []catalog.ItemRef{{ID: "mug", Quantity: 1}, {ID: "tee-red-m", Quantity: 1}, {ID: "tee-blue-m", Quantity: 1}}}
	wantItems, err := builtIn.ResolveItems(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	gotItems, err := plugins.Catalog("shop").ResolveItems(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(wantItems, gotItems); diff != "" {
		t.Errorf("the plugin's items differ from acp.yaml's (-acp.yaml +plugin):\n%s", diff)
	}
}
