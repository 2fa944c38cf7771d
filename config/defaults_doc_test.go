package config

import (
	"fmt"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// defaultsYAML sets every optional section to an empty entry, so that the
// defaults inside lists (a plugin's, a webhook's, a signature's) show.
const defaultsYAML = `
server:
  tls:
    cert_file: testdata/tls/cert.pem
    key_file: testdata/tls/key.pem
agents:
  - name: agent
    token_env: AGENT_TOKEN
    signature:
      scheme: hmac-sha256
      secret_env: AGENT_SECRET
    webhooks:
      - name: orders
        url: https://agent.example.com/hooks
        secret_env: HOOK_SECRET
merchant:
  name: Shop
  currency: USD
  order_permalink_template: https://shop.example.com/orders/{order_id}
capabilities:
  tax: tax
plugins:
  - name: tax
    command: /bin/true
catalog:
  items:
    - sku: widget
      title: Widget
      unit_price: 1000
  products:
    - id: gadget
      title: Gadget
      media:
        - url: https://shop.example.com/img/gadget.jpg
      variants:
        - sku: gadget-red
          unit_price: 1000
feeds:
  - name: platform
    url: https://feeds.example.com/acp
    token_env: FEED_TOKEN
    target_country: US
promotions:
  - id: welcome
    code: WELCOME10
    kind: percent_off
    value: 10
fulfillment_options:
  - id: standard
    type: shipping
    title: Standard shipping
payments:
  handlers:
    - id: card
      kind: sandbox
      merchant_id: acct_test
      accepted_brands: [visa]
`

// defaultRow is one row of the documented defaults table.
type defaultRow struct{ keys, value string }

// documentedDefaults reads the "Defaults at a glance" table of
// docs/configuration.md.
func documentedDefaults(t *testing.T) []defaultRow {
	t.Helper()
	data, err := os.ReadFile("../docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(data), "## Defaults at a glance\n")
	if !ok {
		t.Fatal(`docs/configuration.md has no "Defaults at a glance" section`)
	}
	var rows []defaultRow
	for _, line := range strings.Split(section, "\n") {
		if strings.HasPrefix(line, "## ") {
			break
		}
		cells := strings.Split(line, "|")
		if len(cells) != 4 || strings.HasPrefix(cells[1], "---") || strings.TrimSpace(cells[1]) == "Key" {
			continue
		}
		rows = append(rows, defaultRow{strings.TrimSpace(cells[1]), strings.TrimSpace(cells[2])})
	}
	return rows
}

var backticked = regexp.MustCompile("`([^`]*)`")

// rowKeys expands a key cell: "`a.b`, `.c`" is a.b and a.c.
func rowKeys(cell string) []string {
	var keys []string
	for _, m := range backticked.FindAllStringSubmatch(cell, -1) {
		k := m[1]
		if strings.HasPrefix(k, ".") && len(keys) > 0 {
			k = keys[0][:strings.LastIndex(keys[0], ".")] + k
		}
		keys = append(keys, k)
	}
	return keys
}

// lookup follows a documented key ("plugins[].timeout") through a value
// by koanf tags, taking the first element of lists.
func lookup(v reflect.Value, key string) (reflect.Value, bool) {
	for part := range strings.SplitSeq(key, ".") {
		name, list := strings.CutSuffix(part, "[]")
		for v.Kind() == reflect.Pointer {
			if v.IsNil() {
				return v, true
			}
			v = v.Elem()
		}
		field, ok := fieldByTag(v, name)
		if !ok {
			return v, false
		}
		v = field
		if list {
			if v.Len() == 0 {
				return v, false
			}
			v = v.Index(0)
		}
	}
	return v, true
}

func fieldByTag(v reflect.Value, name string) (reflect.Value, bool) {
	if v.Kind() != reflect.Struct {
		return v, false
	}
	for i := range v.NumField() {
		if tagName(v.Type().Field(i)) == name {
			return v.Field(i), true
		}
	}
	return v, false
}

// special are the defaults the table states in words, checked one by one.
var special = map[string]func(*Config) bool{
	"server.public_url":  func(c *Config) bool { return c.Server.PublicURL == "https://127.0.0.1:8080" },
	"api_versions":       func(c *Config) bool { return slices.Equal(c.APIVersions, testOptions.KnownAPIVersions) },
	"merchant_api":       func(c *Config) bool { return !c.MerchantAPI.On() },
	"metrics.enabled":    func(c *Config) bool { return c.Metrics.On() },
	"mcp.enabled":        func(c *Config) bool { return c.MCP.On() },
	"agents[].signature": func(c *Config) bool { return true }, // checked on a config without one below
	// 0 stands for "derived from the open-file limit at start".
	"server.max_connections":            func(c *Config) bool { return c.Server.MaxConnections == 0 },
	"server.max_connections_per_client": func(c *Config) bool { return c.Server.MaxConnectionsPerClient == 0 },
	"server.probes_listen":              func(c *Config) bool { return c.Server.ProbesListen == "" },
	"server.trusted_proxies":            func(c *Config) bool { return len(c.Server.TrustedProxies) == 0 },
	"escalation.continue_url":           func(c *Config) bool { return c.Escalation.ContinueURL == "" },
	"ucp.mcp_path":                      func(c *Config) bool { return c.UCP.MCPPath == c.UCP.BasePath+"/mcp" },
	"ucp.public_url":                    func(c *Config) bool { return c.UCP.PublicURL == c.Server.PublicURL },
	"ucp.capabilities":                  func(c *Config) bool { return slices.Equal(c.UCP.Capabilities, UCPCapabilities) },
	"agents[].ucp":                      func(c *Config) bool { return c.Agents[0].UCP == nil },
	"limits.rate_limit.requests_per_second": func(c *Config) bool {
		return c.Limits.RateLimit.PerSecond() == 50
	},
}

// TestDocumentedDefaults checks the defaults table of
// docs/configuration.md against the code both ways: every documented
// default is what SetDefaults sets, and every key SetDefaults sets is
// documented.
func TestDocumentedDefaults(t *testing.T) {
	t.Parallel()
	cfg, err := LoadBytes([]byte(defaultsYAML), testOptions)
	if err != nil {
		t.Fatal(err)
	}
	// The capabilities' defaults show on a config that sets none.
	minimal, err := Load("testdata/valid_minimal.yaml", testOptions)
	if err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{}
	for _, row := range documentedDefaults(t) {
		for _, key := range rowKeys(row.keys) {
			documented[key] = true
			if check, ok := special[key]; ok {
				if !check(cfg) {
					t.Errorf("%s: the documented default %s is not what the code sets", key, row.value)
				}
				continue
			}
			of := cfg
			if strings.HasPrefix(key, "capabilities.") {
				of = minimal
			}
			v, ok := lookup(reflect.ValueOf(of).Elem(), key)
			if !ok {
				t.Errorf("%s: documented, but no such key", key)
				continue
			}
			m := backticked.FindStringSubmatch(row.value)
			if m == nil {
				t.Errorf("%s: the documented default %q has no value in backticks", key, row.value)
				continue
			}
			if got := renderValue(v); !sameValue(got, m[1]) {
				t.Errorf("%s: documented default %s, the code sets %s", key, m[1], got)
			}
		}
	}
	if minimal.Agents[0].Signature != nil {
		t.Error("agents[].signature: documented as none by default, but set")
	}

	// Every key that defaults change is documented.
	raw, perr := parse([]byte(defaultsYAML))
	if perr != nil {
		t.Fatal(perr)
	}
	var ps problems
	shaped, _ := checkShape("", raw, reflect.TypeFor[Config](), &ps).(map[string]any)
	before, err := decode(shaped)
	if err != nil {
		t.Fatal(err)
	}
	after, err := decode(shaped)
	if err != nil {
		t.Fatal(err)
	}
	after.SetDefaults(testOptions)
	for _, key := range changedKeys("", reflect.ValueOf(before).Elem(), reflect.ValueOf(after).Elem()) {
		if !documented[key] && !documentedBelow(documented, key) {
			t.Errorf("%s: SetDefaults sets it, but the defaults table does not document it", key)
		}
	}
}

// documentedBelow reports whether key is a list or section whose own
// defaults are documented key by key (merchant.currency is normalized,
// not defaulted, and is excluded by changedKeys' caller).
func documentedBelow(documented map[string]bool, key string) bool {
	for k := range documented {
		if strings.HasPrefix(k, key+".") || strings.HasPrefix(k, key+"[].") {
			return true
		}
	}
	return false
}

// normalized are keys SetDefaults rewrites rather than defaults; the
// table's note documents them.
var normalized = []string{"merchant.currency", "plugins[].command", "tax.origin.country", "fulfillment_options[].countries"}

// changedKeys lists the leaf keys whose values differ between a and b.
func changedKeys(prefix string, a, b reflect.Value) []string {
	if slices.Contains(normalized, prefix) {
		return nil
	}
	if a.Type() == durationType || a.Kind() != reflect.Struct && a.Kind() != reflect.Pointer && a.Kind() != reflect.Slice {
		if !reflect.DeepEqual(a.Interface(), b.Interface()) {
			return []string{prefix}
		}
		return nil
	}
	switch a.Kind() {
	case reflect.Pointer:
		if a.IsNil() || b.IsNil() {
			if a.IsNil() != b.IsNil() {
				return []string{prefix}
			}
			return nil
		}
		return changedKeys(prefix, a.Elem(), b.Elem())
	case reflect.Slice:
		if a.Type().Elem().Kind() != reflect.Struct {
			if !reflect.DeepEqual(a.Interface(), b.Interface()) {
				return []string{prefix}
			}
			return nil
		}
		var out []string
		for i := range min(a.Len(), b.Len()) {
			out = append(out, changedKeys(prefix+"[]", a.Index(i), b.Index(i))...)
		}
		return out
	}
	var out []string
	for i := range a.NumField() {
		name := tagName(a.Type().Field(i))
		if name == "" || name == "-" {
			continue
		}
		key := name
		if prefix != "" {
			key = prefix + "." + name
		}
		out = append(out, changedKeys(key, a.Field(i), b.Field(i))...)
	}
	return out
}

// renderValue formats a config value as the table writes it.
func renderValue(v reflect.Value) string {
	if v.Type() == durationType {
		return time.Duration(v.Int()).String()
	}
	switch v.Kind() {
	case reflect.Slice:
		parts := make([]string, v.Len())
		for i := range parts {
			parts[i] = renderValue(v.Index(i))
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case reflect.Pointer:
		if v.IsNil() {
			return "nil"
		}
		return renderValue(v.Elem())
	}
	return fmt.Sprint(v.Interface())
}

// sameValue compares a rendered value with the documented one: durations
// by their length ("300s" is "5m0s"), quoted strings without quotes.
func sameValue(got, doc string) bool {
	if g, err := time.ParseDuration(got); err == nil {
		if d, err := time.ParseDuration(doc); err == nil {
			return g == d
		}
	}
	if g, err := strconv.ParseFloat(got, 64); err == nil {
		if d, err := strconv.ParseFloat(doc, 64); err == nil {
			return g == d
		}
	}
	return got == strings.Trim(doc, `"`)
}
