package host_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/config"
	"github.com/acp-sidecar/acp/core/host"
	"github.com/acp-sidecar/acp/core/ucp"
	"github.com/acp-sidecar/acp/internal/logging"
	"github.com/acp-sidecar/acp/internal/testkit"
	"github.com/acp-sidecar/acp/internal/ucpschema"
)

// ucpDemoConfig is the demo acp.yaml serving UCP, its store in dir, the
// tee's stock 1 (so that one sale sells it out), extra appended (a
// catalog plugin's sections).
func ucpDemoConfig(t *testing.T, dir, extra string) *config.Config {
	t.Helper()
	cfg, err := config.LoadBytes([]byte(demoStoreText(t, dir)+extra), host.ConfigOptions("127.0.0.1:0"))
	if err != nil {
		t.Fatal(err)
	}
	cfg.UCP.Enabled = true
	return cfg
}

// ucpCatalogCall runs a UCP catalog operation of s, checks the answer
// against the schemas and returns its body.
func ucpCatalogCall(t *testing.T, s *server, op, body string) []byte {
	t.Helper()
	operation := host.UCPCatalogOperations(s.host)[op]
	if operation == nil {
		t.Fatalf("the server does not serve %s", op)
	}
	status, out, err := operation(context.Background(), &ucp.Call{RequestID: "req", Body: []byte(body)})
	if err != nil || status != http.StatusOK {
		t.Fatalf("%s %s = %d, %v", op, body, status, err)
	}
	ucpschema.Operation(t, op, status, out)
	return out
}

// ucpCatalogRequests are what the tests ask both catalogs.
var ucpCatalogRequests = [][2]string{
	{"search_catalog", `{"query":"mug"}`},
	{"search_catalog", `{"query":"travel tumbler","pagination":{"limit":1}}`},
	{"search_catalog", `{"filters":{"price":{"max":2500}}}`},
	{"search_catalog", `{"filters":{"categories":["drinkware"],"available":true}}`},
	{"search_catalog", `{"filters":{"available":false}}`},
	{"lookup_catalog", `{"ids":["tumbler-travel","tee-logo","grinder-pro","nope","tumbler-travel-sage"]}`},
	{"get_product", `{"id":"tumbler-travel","selected":[{"name":"Color","label":"Sage"}]}`},
	{"get_product", `{"id":"nope"}`},
}

// availabilityOf returns how search shows the variant sku: its price and
// availability.
func availabilityOf(t *testing.T, s *server, query, sku string) string {
	t.Helper()
	var resp struct {
		Products []struct {
			Variants []struct {
				ID    string `json:"id"`
				Price struct {
					Amount int64 `json:"amount"`
				} `json:"price"`
				Availability struct {
					Available bool   `json:"available"`
					Status    string `json:"status"`
				} `json:"availability"`
			} `json:"variants"`
		} `json:"products"`
	}
	if err := json.Unmarshal(ucpCatalogCall(t, s, "search_catalog", `{"query":"`+query+`"}`), &resp); err != nil {
		t.Fatal(err)
	}
	for _, p := range resp.Products {
		for _, v := range p.Variants {
			if v.ID == sku {
				return fmt.Sprintf("%d %v %s", v.Price.Amount, v.Availability.Available, v.Availability.Status)
			}
		}
	}
	return "not found"
}

// TestUCPCatalogPluginSameAsBuiltIn: the demo catalog served by the
// built-in catalog and by acp-plugin-catalog-file (a real subprocess)
// answers every search, lookup and product request byte for byte the
// same; a price edited in the plugin's file, and the last unit of the tee
// sold through a whole ACP checkout, show in search once the index is
// refreshed, on both.
func TestUCPCatalogPluginSameAsBuiltIn(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	builtIn := startServer(t, ucpDemoConfig(t, filepath.Join(dir, "builtin"), ""))
	sections, path := pluginCatalog(t, dir, demoRows())
	plugin := startServer(t, ucpDemoConfig(t, filepath.Join(dir, "data"), sections))
	for _, r := range ucpCatalogRequests {
		want, got := ucpCatalogCall(t, builtIn, r[0], r[1]), ucpCatalogCall(t, plugin, r[0], r[1])
		if string(want) != string(got) {
			t.Errorf("%s %s:\nbuilt in: %s\nplugin:   %s", r[0], r[1], want, got)
		}
	}
	if got := availabilityOf(t, builtIn, "grinder", "grinder-pro"); got != "8900 false out_of_stock" {
		t.Errorf("the sold-out grinder shows %s", got)
	}

	ctx := context.Background()
	writeRows(t, path, edit(demoRows(), "beans-house-1kg", price(2600)))
	testkit.Eventually(t, 10*time.Second, "the new price of the beans in search", func() bool {
		if err := host.RefreshUCPCatalog(ctx, plugin.host); err != nil {
			t.Fatal(err)
		}
		return availabilityOf(t, plugin, "beans", "beans-house-1kg") == "2600 true in_stock"
	})
	for _, s := range []*server{builtIn, plugin} {
		if got := availabilityOf(t, s, "logo", "tee-logo"); got != "2000 true in_stock" {
			t.Fatalf("the tee before its sale shows %s", got)
		}
		buyLastUnit(t, s.base, "tee-logo")
		if got := availabilityOf(t, s, "logo", "tee-logo"); got != "2000 true in_stock" {
			t.Errorf("the tee right after its sale, before a refresh, shows %s: the index is read per request", got)
		}
		if err := host.RefreshUCPCatalog(ctx, s.host); err != nil {
			t.Fatal(err)
		}
		if got := availabilityOf(t, s, "logo", "tee-logo"); got != "2000 false out_of_stock" {
			t.Errorf("the tee sold out, after a refresh, shows %s", got)
		}
	}
}

// TestUCPCatalogServed: the catalog operations are those of the
// capabilities ucp.capabilities offers, none when UCP is off; a catalog
// plugin that does not list its products serves none, and says so.
func TestUCPCatalogServed(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		edit func(*config.Config)
		want []string
	}{
		"every capability": {func(*config.Config) {}, []string{ucp.OpGetProduct, ucp.OpLookupCatalog, ucp.OpSearchCatalog}},
		"search only":      {func(c *config.Config) { c.UCP.Capabilities = []string{ucp.CapCheckout, ucp.CapCatalogSearch} }, []string{ucp.OpSearchCatalog}},
		"no catalog":       {func(c *config.Config) { c.UCP.Capabilities = []string{ucp.CapCheckout} }, nil},
		"UCP off":          {func(c *config.Config) { c.UCP.Enabled = false }, nil},
		"a plugin not listing": {func(c *config.Config) {
			c.Capabilities.Catalog = "shop"
			c.Plugins = append(c.Plugins, config.Plugin{Name: "shop", Command: testkit.Binary(t, "testplugin"), Config: map[string]any{"price": 100}})
			c.SetDefaults(host.ConfigOptions("127.0.0.1:0"))
		}, nil},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cfg := ucpDemoConfig(t, t.TempDir(), "")
			tc.edit(cfg)
			logs := &testkit.Buffer{}
			h, err := host.New(cfg, logging.New(logs, slog.LevelInfo), func(string) string { return "" })
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = h.Close() })
			var got []string
			for op := range host.UCPCatalogOperations(h) {
				got = append(got, op)
			}
			slices.Sort(got)
			if !slices.Equal(got, tc.want) {
				t.Errorf("operations %v, want %v", got, tc.want)
			}
			if name == "a plugin not listing" && !strings.Contains(logs.String(), "UCP catalog search and lookup are not served") {
				t.Errorf("the log does not say the catalog is not served:\n%s", logs.String())
			}
		})
	}
}

// TestUCPProfileAdvertisesServedCatalogOnly: a catalog plugin that does
// not list its products serves no catalog operation, so the business
// profile does not advertise the catalog capabilities either; the demo's
// built-in catalog advertises both.
func TestUCPProfileAdvertisesServedCatalogOnly(t *testing.T) {
	t.Parallel()
	for name, notListing := range map[string]bool{"built-in catalog": false, "a plugin not listing": true} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cfg := ucpDemoConfig(t, t.TempDir(), "")
			if notListing {
				cfg.Capabilities.Catalog = "shop"
				cfg.Plugins = append(cfg.Plugins, config.Plugin{Name: "shop", Command: testkit.Binary(t, "testplugin"), Config: map[string]any{"price": 100}})
				cfg.SetDefaults(host.ConfigOptions("127.0.0.1:0"))
			}
			r := getProfile(t, startServer(t, cfg))
			var profile struct {
				UCP struct {
					Capabilities map[string]json.RawMessage `json:"capabilities"`
				} `json:"ucp"`
			}
			if err := json.Unmarshal(r.body, &profile); err != nil || r.status != http.StatusOK {
				t.Fatalf("profile: %d %s (%v)", r.status, r.body, err)
			}
			for _, capability := range []string{ucp.CapCatalogSearch, ucp.CapCatalogLookup} {
				if _, ok := profile.UCP.Capabilities[capability]; ok == notListing {
					t.Errorf("%s advertised: %v, want %v", capability, ok, !notListing)
				}
			}
			if _, ok := profile.UCP.Capabilities[ucp.CapCheckout]; !ok {
				t.Errorf("checkout not advertised: %s", r.body)
			}
		})
	}
}
