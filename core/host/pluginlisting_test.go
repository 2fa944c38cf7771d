package host

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/acp-sidecar/acp/config"
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
			plugins, err := startPlugins(cfg, func(string) string { return "" }, slog.New(slog.DiscardHandler), prometheus.NewRegistry())
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
