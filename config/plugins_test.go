package config

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// loadPlugins loads testdata/valid_plugins.yaml with Load.
func loadPlugins(t *testing.T) *Config {
	t.Helper()
	cfg, err := Load("testdata/valid_plugins.yaml", testOptions)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// pluginConfig is testdata/valid_minimal.yaml with one plugin, named p and
// serving fulfillment, whose command is command.
func pluginConfig(t *testing.T, command string) []byte {
	t.Helper()
	data, err := os.ReadFile("testdata/valid_minimal.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return append(data, []byte("capabilities:\n  fulfillment: p\nplugins:\n  - name: p\n    command: '"+command+"'\n")...)
}

// TestLoadPluginCommand checks that Load resolves a relative command
// against the config file's directory, and that an absolute command, or
// any command given to LoadBytes, stays as written.
func TestLoadPluginCommand(t *testing.T) {
	t.Parallel()
	abs := filepath.Join(t.TempDir(), "bin", "acp-plugin-abs")
	tests := map[string]struct {
		command string
		bytes   bool // LoadBytes instead of Load
		want    func(dir string) string
	}{
		"dot-slash relative": {
			command: "./bin/acp-plugin-shop",
			want:    func(dir string) string { return filepath.Join(dir, "bin", "acp-plugin-shop") },
		},
		"relative without dot": {
			command: "bin/acp-plugin-shop",
			want:    func(dir string) string { return filepath.Join(dir, "bin", "acp-plugin-shop") },
		},
		"bare name": {
			command: "acp-plugin-shop",
			want:    func(dir string) string { return filepath.Join(dir, "acp-plugin-shop") },
		},
		"parent directory": {
			command: "../plugins/acp-plugin-shop",
			want:    func(dir string) string { return filepath.Join(filepath.Dir(dir), "plugins", "acp-plugin-shop") },
		},
		"absolute": {
			command: abs,
			want:    func(string) string { return abs },
		},
		"LoadBytes keeps a relative path": {
			command: "./bin/acp-plugin-shop",
			bytes:   true,
			want:    func(string) string { return "./bin/acp-plugin-shop" },
		},
		"LoadBytes keeps a bare name": {
			command: "acp-plugin-shop",
			bytes:   true,
			want:    func(string) string { return "acp-plugin-shop" },
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(t.TempDir(), "etc", "acp")
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			data := pluginConfig(t, tc.command)
			var cfg *Config
			var err error
			if tc.bytes {
				cfg, err = LoadBytes(data, testOptions)
			} else {
				path := filepath.Join(dir, "acp.yaml")
				if err := os.WriteFile(path, data, 0o644); err != nil {
					t.Fatal(err)
				}
				cfg, err = Load(path, testOptions)
			}
			if err != nil {
				t.Fatal(err)
			}
			if got, want := cfg.Plugins[0].Command, tc.want(dir); got != want {
				t.Errorf("command = %q, want %q", got, want)
			}
			wantDir := dir
			if tc.bytes {
				wantDir = ""
			}
			if got := cfg.Plugins[0].Dir; got != wantDir {
				t.Errorf("dir = %q, want %q (the config file's directory)", got, wantDir)
			}
		})
	}
}

// TestResolvePluginCommands checks that a command resolved against the
// working directory keeps a "./", so that it is never looked up in PATH.
func TestResolvePluginCommands(t *testing.T) {
	t.Parallel()
	sep := string(filepath.Separator)
	tests := map[string]struct{ dir, command, want string }{
		"bare name in the working directory":    {".", "acp-plugin-shop", "." + sep + "acp-plugin-shop"},
		"dot-slash in the working directory":    {".", "./acp-plugin-shop", "." + sep + "acp-plugin-shop"},
		"subdirectory of the working directory": {".", "bin/acp-plugin-shop", filepath.Join("bin", "acp-plugin-shop")},
		"relative config directory":             {"conf", "acp-plugin-shop", filepath.Join("conf", "acp-plugin-shop")},
		"empty command left for validation":     {"conf", "", ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c := Config{Plugins: []Plugin{{Command: tc.command}}}
			c.resolvePluginCommands(tc.dir)
			if got := c.Plugins[0].Command; got != tc.want {
				t.Errorf("command = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestLoadPluginConfig checks that a plugin's free-form config survives
// loading whole: nested mappings and lists, keys containing dots, null,
// and an unquoted date as the string it was written as.
func TestLoadPluginConfig(t *testing.T) {
	t.Parallel()
	cfg := loadPlugins(t)
	want := map[string]any{
		"base_url":      "https://api.shop.example.com",
		"feature.flags": []any{"fast_sync", "2"},
		"warehouses": []any{
			map[string]any{"id": "oak", "priority": 1, "ratio": 0.5},
			map[string]any{"id": "sfo", "closed": true},
		},
		"since":   "2026-01-30",
		"nothing": nil,
		"nested":  map[string]any{"deeper": map[string]any{"a.b": map[string]any{"c": 1}}},
	}
	if diff := cmp.Diff(want, cfg.Plugins[0].Config); diff != "" {
		t.Errorf("config (-want +got):\n%s", diff)
	}
	got, err := cfg.Plugins[0].ConfigJSON()
	if err != nil {
		t.Fatal(err)
	}
	wantJSON := `{"base_url":"https://api.shop.example.com","feature.flags":["fast_sync","2"],` +
		`"nested":{"deeper":{"a.b":{"c":1}}},"nothing":null,"since":"2026-01-30",` +
		`"warehouses":[{"id":"oak","priority":1,"ratio":0.5},{"closed":true,"id":"sfo"}]}`
	if string(got) != wantJSON {
		t.Errorf("ConfigJSON = %s\nwant %s", got, wantJSON)
	}
	if got, err := cfg.Plugins[1].ConfigJSON(); err != nil || string(got) != "{}" {
		t.Errorf("ConfigJSON of an absent config = %s, %v; want {}", got, err)
	}
}

// TestCapabilityWiring checks what a host wiring the capabilities reads:
// each capability's provider in a fixed order, the plugin serving each,
// and the plugins in use with what they serve.
func TestCapabilityWiring(t *testing.T) {
	t.Parallel()
	cfg := loadPlugins(t)
	wantEach := []CapabilityUse{
		{CapabilityCatalog, "shop"},
		{CapabilityTax, "tax-service"},
		{CapabilityShipping, "shop"},
		{CapabilityFulfillment, Builtin},
	}
	if diff := cmp.Diff(wantEach, cfg.Capabilities.Each()); diff != "" {
		t.Errorf("Each (-want +got):\n%s", diff)
	}
	for _, tc := range []struct {
		capability string
		want       string // plugin name; "" for none
	}{
		{CapabilityCatalog, "shop"},
		{CapabilityTax, "tax-service"},
		{CapabilityShipping, "shop"},
		{CapabilityFulfillment, ""},
		{"payments", ""},
	} {
		p, ok := cfg.PluginFor(tc.capability)
		if ok != (tc.want != "") || ok && p.Name != tc.want || !ok && p != nil {
			t.Errorf("PluginFor(%q) = %v, %v; want plugin %q", tc.capability, p, ok, tc.want)
		}
	}
	if p, _ := cfg.PluginFor(CapabilityCatalog); p != &cfg.Plugins[0] {
		t.Errorf("PluginFor does not point into Config.Plugins")
	}
	var got []string
	for _, u := range cfg.UsedPlugins() {
		got = append(got, u.Plugin.Name+":"+strings.Join(u.Capabilities, ","))
	}
	if diff := cmp.Diff([]string{"shop:catalog,shipping", "tax-service:tax"}, got); diff != "" {
		t.Errorf("UsedPlugins (-want +got):\n%s", diff)
	}
	if used := loadMinimal(t).UsedPlugins(); used != nil {
		t.Errorf("UsedPlugins of a config without plugins = %v, want nil", used)
	}
}

// TestValidatePluginRules checks plugin and capability rules at their
// bounds, and those the golden files cannot express, by editing
// testdata/valid_plugins.yaml in Go.
func TestValidatePluginRules(t *testing.T) {
	t.Parallel()
	tests := map[string]editCase{
		"valid as loaded": {edit: func(*Config) {}},
		"bounds accepted": {
			edit: func(c *Config) {
				p := &c.Plugins[1]
				p.Timeout, p.StartTimeout, p.HealthInterval = MaxPluginTimeout, time.Nanosecond, MinPluginHealthInterval
				p.RestartBackoff = Backoff{Initial: time.Nanosecond, Max: time.Nanosecond}
				p.Circuit = Circuit{Failures: 1, Cooldown: time.Nanosecond}
			},
		},
		"bounds exceeded": {
			edit: func(c *Config) {
				p := &c.Plugins[1]
				p.Timeout, p.StartTimeout, p.HealthInterval = MaxPluginTimeout+1, 0, MinPluginHealthInterval-1
				p.RestartBackoff = Backoff{Initial: 2, Max: 1}
				p.Circuit = Circuit{Failures: 0, Cooldown: 0}
			},
			want: []Problem{
				{Path: "plugins[1].timeout", Message: "must be a positive duration of at most 5m, got 5m0.000000001s"},
				{Path: "plugins[1].start_timeout", Message: "must be a positive duration, got 0s"},
				{Path: "plugins[1].health_interval", Message: "must be at least 1s, got 999.999999ms"},
				{Path: "plugins[1].restart_backoff.max", Message: "must be at least initial (2ns), got 1ns"},
				{Path: "plugins[1].circuit.failures", Message: "must be at least 1, got 0"},
				{Path: "plugins[1].circuit.cooldown", Message: "must be a positive duration, got 0s"},
			},
		},
		"upper-case digest without defaults": {
			edit: func(c *Config) {
				c.Plugins[1].SHA256 = "9F2C4A1B7E3D5C6F8A9B0C1D2E3F405162738495A6B7C8D9E0F1A2B3C4D5E6F7"
			},
			want: []Problem{{Path: "plugins[1].sha256", Message: `must be the SHA-256 digest of the plugin binary as 64 hexadecimal digits (as sha256sum prints it), got "9F2C4A1B7E3D5C6F8A9B0C1D2E3F405162738495A6B7C8D9E0F1A2B3C4D5E6F7"`}},
		},
		"empty capability without defaults": {
			edit: func(c *Config) { c.Capabilities.Fulfillment = "" },
			want: []Problem{{Path: "capabilities.fulfillment", Message: `must be "builtin" or the name of a plugin, got ""`}},
		},
		"a typo in a capability is the one problem": {
			edit: func(c *Config) { c.Capabilities.Tax = "tax-servce" },
			want: []Problem{{Path: "capabilities.tax", Message: `no plugin named "tax-servce" (configured: shop, tax-service); did you mean "tax-service"?`}},
		},
		"tax back to builtin leaves its plugin unused": {
			edit: func(c *Config) { c.Capabilities.Tax = Builtin },
			want: []Problem{{Path: "plugins[1]", Message: `plugin "tax-service" serves no capability; name it under capabilities or remove it`}},
		},
		"catalog back to builtin requires items": {
			edit: func(c *Config) { c.Capabilities.Catalog = Builtin },
			want: []Problem{{Path: "catalog.items", Message: "at least one item (under catalog.items or catalog.products) is required, unless a plugin serves the catalog (capabilities.catalog)"}},
		},
		"shipping back to builtin checks items against options": {
			edit: func(c *Config) {
				c.Capabilities.Shipping = Builtin
				c.Catalog.Items = []CatalogItem{{SKU: "w", Title: "W", TaxCategory: "reduced", FulfillmentTypes: []string{"shipping"}}}
			},
			want: []Problem{{Path: "catalog.items[0].fulfillment_types[0]", Message: `no fulfillment_options entry has type "shipping": add one, or remove "shipping" from this item`}},
		},
		"a plugin may serve every capability": {
			edit: func(c *Config) {
				c.Capabilities = Capabilities{Catalog: "shop", Tax: "shop", Shipping: "shop", Fulfillment: "shop"}
				c.Plugins = c.Plugins[:1]
			},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cfg := loadPlugins(t)
			tc.edit(cfg)
			if diff := cmp.Diff(tc.want, problemsOf(t, cfg.Validate(testOptions))); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}

// TestSetDefaultsPlugins checks the capability and plugin defaults.
func TestSetDefaultsPlugins(t *testing.T) {
	t.Parallel()
	c := Config{
		Capabilities: Capabilities{Tax: "p"},
		Plugins: []Plugin{
			{Name: "p", SHA256: "ABCdef"},
			{Name: "q", Timeout: time.Second, RestartBackoff: Backoff{Initial: time.Minute}},
		},
	}
	c.SetDefaults(Options{})
	want := Config{
		Capabilities: Capabilities{Catalog: Builtin, Tax: "p", Shipping: Builtin, Fulfillment: Builtin},
		Plugins: []Plugin{{
			Name: "p", SHA256: "abcdef",
			Timeout: DefaultPluginTimeout, StartTimeout: DefaultPluginStartTimeout, HealthInterval: DefaultPluginHealthInterval,
			RestartBackoff: Backoff{Initial: DefaultPluginRestartInitial, Max: DefaultPluginRestartMax},
			Circuit:        Circuit{Failures: DefaultPluginCircuitFailures, Cooldown: DefaultPluginCircuitCooldown},
		}, {
			Name:    "q",
			Timeout: time.Second, StartTimeout: DefaultPluginStartTimeout, HealthInterval: DefaultPluginHealthInterval,
			// max follows an initial longer than its default.
			RestartBackoff: Backoff{Initial: time.Minute, Max: time.Minute},
			Circuit:        Circuit{Failures: DefaultPluginCircuitFailures, Cooldown: DefaultPluginCircuitCooldown},
		}},
	}
	if diff := cmp.Diff(want.Capabilities, c.Capabilities); diff != "" {
		t.Errorf("capabilities (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want.Plugins, c.Plugins); diff != "" {
		t.Errorf("plugins (-want +got):\n%s", diff)
	}
}

// TestConfigJSONKeepsDecimals checks that a decimal written in YAML stays
// a decimal for the plugin, so that money written as 15.00 is refused by
// an integer field rather than read as 15 minor units.
func TestConfigJSONKeepsDecimals(t *testing.T) {
	t.Parallel()
	testCases := map[string]struct {
		value any
		want  string
	}{
		"integer":            {value: 1500, want: `{"v":1500}`},
		"whole decimal":      {value: 15.00, want: `{"v":15.0}`},
		"fraction":           {value: 0.0725, want: `{"v":0.0725}`},
		"large whole number": {value: 1e21, want: `{"v":1e+21}`},
		"nested in a list":   {value: []any{map[string]any{"flat": 5.0}}, want: `{"v":[{"flat":5.0}]}`},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got, err := Plugin{Config: map[string]any{"v": tc.value}}.ConfigJSON()
			if err != nil || string(got) != tc.want {
				t.Errorf("ConfigJSON() = %s, %v; want %s", got, err, tc.want)
			}
			var into struct{ V any }
			if err := json.Unmarshal(got, &into); err != nil {
				t.Errorf("not JSON: %v", err)
			}
		})
	}
	var money struct {
		Price int64 `json:"price"`
	}
	got, _ := Plugin{Config: map[string]any{"price": 15.00}}.ConfigJSON()
	if err := json.Unmarshal(got, &money); err == nil {
		t.Errorf("15.00 decoded into an integer price as %d", money.Price)
	}
}
