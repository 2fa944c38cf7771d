package config

import (
	"math"
	"os"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// loadMinimal loads testdata/valid_minimal.yaml, with defaults applied.
func loadMinimal(t *testing.T) *Config {
	t.Helper()
	data, err := os.ReadFile("testdata/valid_minimal.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadBytes(data, testOptions)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestValidateLocalOnlyToken checks which listen addresses accept a
// local-only token.
func TestValidateLocalOnlyToken(t *testing.T) {
	t.Parallel()
	refused := []Problem{{
		Path: "agents[0].local_only_token",
		Message: "the local-only token is refused when listening on a non-loopback address; " +
			"use token_env to read the token from the environment, or listen on 127.0.0.1",
	}}
	tests := map[string]struct {
		listen string
		want   []Problem
	}{
		"IPv4 loopback":           {listen: "127.0.0.1:8080"},
		"other 127/8 address":     {listen: "127.1.2.3:8080"},
		"IPv6 loopback":           {listen: "[::1]:8080"},
		"IPv4-mapped loopback":    {listen: "[::ffff:127.0.0.1]:8080"},
		"localhost":               {listen: "localhost:8080"},
		"localhost, upper case":   {listen: "LOCALHOST:8080"},
		"all IPv4 interfaces":     {listen: "0.0.0.0:8080", want: refused},
		"all interfaces, no host": {listen: ":8080", want: refused},
		"all IPv6 interfaces":     {listen: "[::]:8080", want: refused},
		"private address":         {listen: "192.168.1.10:8080", want: refused},
		"host name":               {listen: "shop.example.com:8080", want: refused},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cfg := loadMinimal(t)
			cfg.Server.Listen = tc.listen
			// TLS ends upstream, so that only the token rule is tested
			// here; TestValidateTLSRequired tests the TLS rule.
			cfg.Server.TLSTerminatedUpstream = true
			if diff := cmp.Diff(tc.want, problemsOf(t, cfg.Validate(testOptions))); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}

// TestValidateRules checks rules the golden files cannot express in YAML,
// such as non-finite numbers, by editing a valid config in Go.
func TestValidateRules(t *testing.T) {
	t.Parallel()
	runEditCases(t, map[string]editCase{
		"valid as loaded": {
			edit: func(*Config) {},
		},
		"webhook to a reserved address": {
			edit: func(c *Config) {
				c.Agents[0].Webhooks = []Webhook{{Name: "w", URL: "https://[64:ff9b::7f00:1]/hooks", SecretEnv: "W_SECRET", Events: WebhookEvents, MaxAttempts: 1, MaxAge: time.Hour}}
			},
			want: []Problem{{Path: "agents[0].webhooks[0].url", Message: "64:ff9b::7f00:1 is an internal address (loopback, private, link-local or reserved); set webhook_delivery.allow_private_networks to allow it"}},
		},
		"metrics on the MCP path": {
			edit: func(c *Config) { c.Metrics.Path = c.MCP.Path },
			want: []Problem{{Path: "metrics.path", Message: `"/mcp" is also mcp.path; choose another path such as /metrics`}},
		},
		"MCP at the root": {
			edit: func(c *Config) { c.MCP.Path = "/" },
			want: []Problem{{Path: "mcp.path", Message: `"/" would shadow every other route; choose a path such as /mcp`}},
		},
		"profiling on loopback": {
			edit: func(c *Config) { c.Profiling.Listen = "127.0.0.1:6060" },
		},
		"profiling on a public address": {
			edit: func(c *Config) { c.Profiling.Listen = "0.0.0.0:6060" },
			want: []Problem{{Path: "profiling.listen", Message: `must be a loopback address such as 127.0.0.1:6060 (profiles show the program's internals), got "0.0.0.0:6060"`}},
		},
		"profiling without a port": {
			edit: func(c *Config) { c.Profiling.Listen = "localhost" },
			want: []Problem{{Path: "profiling.listen", Message: `must be host:port, such as 127.0.0.1:6060, got "localhost"`}},
		},
		"profiling on the server's listener": {
			edit: func(c *Config) { c.Server.Listen = "127.0.0.1:8080"; c.Profiling.Listen = "127.0.0.1:8080" },
			want: []Problem{{Path: "profiling.listen", Message: "is also server.listen; profiles need a listener of their own"}},
		},
		"value-log GC too often": {
			edit: func(c *Config) { c.Store.GCInterval = time.Millisecond },
			want: []Problem{{Path: "store.gc_interval", Message: "must be at least 1s, got 1ms"}},
		},
		"merchant token shared with an agent": {
			edit: func(c *Config) { c.MerchantAPI.LocalOnlyToken = c.Agents[0].LocalOnlyToken },
			want: []Problem{{Path: "merchant_api.local_only_token", Message: "agents[0] uses the same token; every bearer token must be different"}},
		},
		"sku of a discount code's uses": {
			edit: func(c *Config) { c.Catalog.Items[0].SKU = "discount:spring10" },
			want: []Problem{{Path: "catalog.items[0].sku", Message: `"discount:spring10" starts with "discount:", which names a discount code's uses in the stock counts; choose another sku`}},
		},
		"infinite weight": {
			edit: func(c *Config) { c.Catalog.Items[0].Weight = &Weight{Value: math.Inf(1), Unit: "kg"} },
			want: []Problem{{Path: "catalog.items[0].weight.value", Message: "must be greater than 0, got +Inf"}},
		},
		"NaN tax rate": {
			edit: func(c *Config) {
				c.Tax = Tax{Origin: TaxPlace{Country: "US"}, Rates: []TaxRate{{Country: "US", Rate: math.NaN()}}}
			},
			want: []Problem{{Path: "tax.rates[0].rate", Message: "must be a fraction from 0 up to but not including 1, e.g. 0.0725 for 7.25%, got NaN"}},
		},
		"category with a dot": {
			edit: func(c *Config) {
				c.Tax = Tax{Origin: TaxPlace{Country: "US"}, Rates: []TaxRate{{Country: "US", Rate: 0.05, Categories: map[string]float64{"food.hot": 2}}}}
			},
			want: []Problem{{Path: `tax.rates[0].categories["food.hot"]`, Message: "must be a fraction from 0 up to but not including 1, e.g. 0.0725 for 7.25%, got 2"}},
		},
		"upper-case currency without defaults": {
			edit: func(c *Config) { c.Merchant.Currency = "USD" },
			want: []Problem{{Path: "merchant.currency", Message: `"USD" is not an ISO 4217 currency code`}},
		},
		"payment kinds come from the options": {
			edit: func(c *Config) { c.Payments.Handlers[0].Kind = "paypal" },
			want: []Problem{{Path: "payments.handlers[0].kind", Message: `unknown kind "paypal"; this build supports sandbox, stripe`}},
		},
		"stripe needs its settings": {
			edit: func(c *Config) { c.Payments.Handlers[0].Kind = "stripe" },
			want: []Problem{{Path: "payments.handlers[0].stripe", Message: "is required for kind stripe: at least secret_key_env"}},
		},
		"stripe settings checked": {
			edit: func(c *Config) {
				c.Payments.Handlers[0].Kind = "stripe"
				c.Payments.Handlers[0].Stripe = &Stripe{SecretKeyEnv: "1BAD", APIBaseURL: "ftp://x", ThreeDS: &ThreeDS{AcquirerCountry: "USA", DirectoryServer: "discover"}}
			},
			want: []Problem{
				{Path: "payments.handlers[0].stripe.secret_key_env", Message: `must be an environment variable name, got "1BAD"`},
				{Path: "payments.handlers[0].stripe.api_base_url", Message: `must be an absolute http:// or https:// URL, got "ftp://x"`},
				{Path: "payments.handlers[0].stripe.three_ds.acquirer_bin", Message: "is required"},
				{Path: "payments.handlers[0].stripe.three_ds.acquirer_merchant_id", Message: "is required"},
				{Path: "payments.handlers[0].stripe.three_ds.acquirer_country", Message: `must be an ISO 3166-1 alpha-2 code, got "USA"`},
				{Path: "payments.handlers[0].stripe.three_ds.directory_server", Message: `must be one of american_express, mastercard, visa, got "discover"`},
			},
		},
		"stripe over plain http to a remote host": {
			edit: func(c *Config) {
				c.Payments.Handlers[0].Kind = "stripe"
				c.Payments.Handlers[0].Stripe = &Stripe{SecretKeyEnv: "K", APIBaseURL: "http://proxy.example.com"}
			},
			want: []Problem{{Path: "payments.handlers[0].stripe.api_base_url", Message: `must be https (the secret key travels with every call); plain http only for a loopback test server, got "http://proxy.example.com"`}},
		},
		"stripe settings on a sandbox handler": {
			edit: func(c *Config) {
				c.Payments.Handlers[0].Stripe = &Stripe{SecretKeyEnv: "K", APIBaseURL: "https://api.stripe.com"}
			},
			want: []Problem{{Path: "payments.handlers[0].stripe", Message: "is only for kind stripe"}},
		},
		"negative timeouts": {
			edit: func(c *Config) {
				c.Server.WriteTimeout = -1
				c.Server.ShutdownTimeout = 0
			},
			want: []Problem{
				{Path: "server.write_timeout", Message: "must be a positive duration, got -1ns"},
				{Path: "server.shutdown_timeout", Message: "must be a positive duration, got 0s"},
			},
		},
		"public URL with another scheme": {
			edit: func(c *Config) { c.Server.PublicURL = "ftp://127.0.0.1:8080" },
			want: []Problem{{Path: "server.public_url", Message: `must be an absolute http:// or https:// URL, got "ftp://127.0.0.1:8080"`}},
		},
		"pickup option with a location": {
			edit: func(c *Config) {
				c.Catalog.Items[0].FulfillmentTypes = []string{"pickup"}
				c.FulfillmentOptions = append(c.FulfillmentOptions, FulfillmentOption{
					ID: "pickup", Type: "pickup", Title: "Pickup",
					Pickup: &PickupLocation{Name: "Shop", Address: Address{
						Name: "Shop", LineOne: "1 Main St", City: "Springfield", State: "IL", Country: "US", PostalCode: "62701",
					}},
				})
			},
		},
	})
}

// editCase is one edit of the minimal config and the problems it causes.
type editCase struct {
	edit func(*Config)
	want []Problem
}

// runEditCases validates the minimal config after each case's edit.
func runEditCases(t *testing.T, cases map[string]editCase) {
	t.Helper()
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cfg := loadMinimal(t)
			tc.edit(cfg)
			if diff := cmp.Diff(tc.want, problemsOf(t, cfg.Validate(testOptions))); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}

// TestValidateWithoutDefaults checks that Validate does not assume
// defaults: a zero config reports the zero values.
func TestValidateWithoutDefaults(t *testing.T) {
	t.Parallel()
	var c Config
	got := problemsOf(t, c.Validate(testOptions))
	want := []Problem{
		{Path: "server.listen", Message: `invalid address "": expected host:port, e.g. "127.0.0.1:8080" or ":8080"`},
		{Path: "server.tls.min_version", Message: `must be "1.3" (the default) or "1.2", got ""`},
		{Path: "server.max_body_bytes", Message: "must be a positive number of bytes, got 0"},
		{Path: "server.read_timeout", Message: "must be a positive duration, got 0s"},
		{Path: "server.write_timeout", Message: "must be a positive duration, got 0s"},
		{Path: "server.idle_timeout", Message: "must be a positive duration, got 0s"},
		{Path: "server.shutdown_timeout", Message: "must be a positive duration, got 0s"},
		{Path: "server.header_timeout", Message: "must be a positive duration, got 0s"},
		{Path: "api_versions", Message: "at least one API version is required; leave the key out to serve every version this build serves (2026-04-17, 2026-01-30)"},
		{Path: "agents", Message: "at least one agent is required"},
		{Path: "store.driver", Message: `must be one of badger, postgres, got ""`},
		{Path: "store.dir", Message: "is required"},
		{Path: "store.session_lifetime", Message: "must be a positive duration, got 0s"},
		{Path: "store.session_retention", Message: "must be a positive duration, got 0s"},
		{Path: "store.gc_interval", Message: "must be at least 1s, got 0s"},
		{Path: "idempotency.retention", Message: "must be at least 24h (ACP requires idempotency keys to be kept at least 24 hours), got 0s"},
		{Path: "idempotency.lease", Message: "must be from 1s to 10m, got 0s"},
		{Path: "limits.max_line_items", Message: "must be from 1 to 1000, got 0"},
		{Path: "limits.max_quantity", Message: "must be from 1 to 1000000, got 0"},
		{Path: "limits.max_fulfillment_groups", Message: "must be from 1 to 100, got 0"},
		{Path: "limits.rate_limit.burst", Message: "must be at least 1 while rate limiting is enabled, got 0"},
		{Path: "merchant.name", Message: "is required"},
		{Path: "merchant.currency", Message: `is required: the ISO 4217 code of the currency prices are in, e.g. "usd"`},
		{Path: "merchant.order_permalink_template", Message: "is required: the URL of an order's page, with {order_id} where the order id goes"},
		{Path: "capabilities.catalog", Message: `must be "builtin" or the name of a plugin, got ""`},
		{Path: "capabilities.tax", Message: `must be "builtin" or the name of a plugin, got ""`},
		{Path: "capabilities.shipping", Message: `must be "builtin" or the name of a plugin, got ""`},
		{Path: "capabilities.fulfillment", Message: `must be "builtin" or the name of a plugin, got ""`},
		{Path: "catalog.items", Message: "at least one item (under catalog.items or catalog.products) is required, unless a plugin serves the catalog (capabilities.catalog)"},
		{Path: "interventions.enforcement", Message: `must be one of always, conditional, optional, got ""`},
		{Path: "payments.reconcile_after", Message: "must be a positive duration, got 0s"},
		{Path: "payments.handlers", Message: "at least one payment handler is required"},
		{Path: "orders.placement_deadline", Message: "must be a positive duration of at most 96h0m0s, got 0s"},
		{Path: "orders.insights_retention", Message: "must be a duration of at least 24h0m0s, got 0s"},
		{Path: "mcp.path", Message: `must be an absolute path such as /mcp, got ""`},
		{Path: "mcp.error_style", Message: `must be one of tool_error, jsonrpc, got ""`},
		{Path: "webhook_delivery.timeout", Message: "must be from 100ms to 5m, got 0s"},
		{Path: "webhook_delivery.initial_backoff", Message: "must be at least 10ms, got 0s"},
		{Path: "webhook_delivery.workers", Message: "must be from 1 to 256, got 0"},
		{Path: "feed_publishing.delay", Message: "must be at least 100ms, got 0s"},
		{Path: "feed_publishing.batch_size", Message: "must be from 1 to 1000, got 0"},
		{Path: "feed_publishing.timeout", Message: "must be from 100ms to 5m, got 0s"},
		{Path: "feed_publishing.initial_backoff", Message: "must be at least 10ms, got 0s"},
		{Path: "metrics.path", Message: `must be an absolute path such as /metrics, got ""`},
		{Path: "log.level", Message: `must be one of debug, info, warn, error, got ""`},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
}

// TestSetDefaults checks defaults that depend on what was written.
func TestSetDefaults(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		in   Config
		opts Options
		want func(*Config) any
		out  any
	}{
		"supported interventions absent": {
			want: func(c *Config) any { return c.Interventions.Supported },
			out:  []string{"3ds"},
		},
		"supported interventions written as []": {
			in:   Config{Interventions: Interventions{Supported: []string{}}},
			want: func(c *Config) any { return c.Interventions.Supported },
			out:  []string{},
		},
		"public URL for all interfaces": {
			in:   Config{Server: Server{Listen: ":9000"}},
			want: func(c *Config) any { return c.Server.PublicURL },
			out:  "http://localhost:9000",
		},
		"public URL for all IPv6 interfaces with TLS": {
			in:   Config{Server: Server{Listen: "[::]:8443", TLS: TLS{CertFile: "c", KeyFile: "k"}}},
			want: func(c *Config) any { return c.Server.PublicURL },
			out:  "https://localhost:8443",
		},
		"public URL kept when written": {
			in:   Config{Server: Server{PublicURL: "https://acp.example.com"}},
			want: func(c *Config) any { return c.Server.PublicURL },
			out:  "https://acp.example.com",
		},
		"listen override wins": {
			in:   Config{Server: Server{Listen: "127.0.0.1:1"}},
			opts: Options{ListenOverride: "127.0.0.1:2"},
			want: func(c *Config) any { return []string{c.Server.Listen, c.Server.PublicURL} },
			out:  []string{"127.0.0.1:2", "http://127.0.0.1:2"},
		},
		"case normalized": {
			in: Config{
				Merchant:           Merchant{Currency: "EUR"},
				Tax:                Tax{Origin: TaxPlace{Country: "de", Region: "by"}, Rates: []TaxRate{{Country: "de"}}},
				FulfillmentOptions: []FulfillmentOption{{Countries: []string{"de", "At"}, Pickup: &PickupLocation{Address: Address{Country: "de"}}}},
			},
			want: func(c *Config) any {
				return []string{
					c.Merchant.Currency, c.Tax.Origin.Country, c.Tax.Origin.Region, c.Tax.Rates[0].Country,
					c.FulfillmentOptions[0].Countries[0], c.FulfillmentOptions[0].Countries[1], c.FulfillmentOptions[0].Pickup.Address.Country,
				}
			},
			out: []string{"eur", "DE", "BY", "DE", "DE", "AT", "DE"},
		},
		"item defaults": {
			in:   Config{Catalog: Catalog{Items: []CatalogItem{{}}}},
			want: func(c *Config) any { return []any{c.Catalog.Items[0].TaxCategory, c.Catalog.Items[0].FulfillmentTypes} },
			out:  []any{"standard", []string{"shipping"}},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c := tc.in
			c.SetDefaults(tc.opts)
			if diff := cmp.Diff(tc.out, tc.want(&c)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestSetDefaultsCopiesAPIVersions checks that the default api_versions do
// not share the options' slice.
func TestSetDefaultsCopiesAPIVersions(t *testing.T) {
	t.Parallel()
	opts := Options{KnownAPIVersions: []string{"2026-04-17", "2026-01-30"}}
	var c Config
	c.SetDefaults(opts)
	c.APIVersions[0] = "changed"
	if opts.KnownAPIVersions[0] != "2026-04-17" {
		t.Errorf("SetDefaults aliased opts.KnownAPIVersions")
	}
}

// TestCombine checks that a type error hides the validation problems at
// or below its path, and that root causes come first: unknown keys (by
// line), then type errors, then validation problems, these by section.
func TestCombine(t *testing.T) {
	t.Parallel()
	shape := []Problem{
		{Path: "catalog.items[0].unit_price", Message: "type"},
		{Path: "agents", Message: "type"},
		{Path: "zzz", Message: "unknown key", Line: 2},
		{Path: "plugin", Message: "unknown key; did you mean \"plugins\"?", Line: 9},
		{Path: "catalog.itemz", Message: "unknown key", Line: 30},
		{Path: "aaa", Message: "unknown key", Line: 5},
	}
	valid := []Problem{
		{Path: "log.level", Message: "v1"},
		{Path: "catalog.items[0].unit_price", Message: "v2"},
		{Path: "catalog.items[0].unit_price_extra", Message: "v3"},
		{Path: "agents[0].name", Message: "v4"},
		{Path: "server.listen", Message: "v5"},
	}
	want := []Problem{
		{Path: "zzz", Message: "unknown key", Line: 2},
		{Path: "aaa", Message: "unknown key", Line: 5},
		{Path: "plugin", Message: "unknown key; did you mean \"plugins\"?", Line: 9},
		{Path: "catalog.itemz", Message: "unknown key", Line: 30},
		{Path: "agents", Message: "type"},
		{Path: "catalog.items[0].unit_price", Message: "type"},
		{Path: "server.listen", Message: "v5"},
		{Path: "catalog.items[0].unit_price_extra", Message: "v3"},
		{Path: "log.level", Message: "v1"},
	}
	if diff := cmp.Diff(want, combine(shape, problems{list: valid})); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
