package config

import (
	"crypto/elliptic"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/acp-sidecar/acp/internal/testkit"
)

// ucpJWK makes a fresh EC key on c as a JWK string, with kid when not
// empty and its private part when private.
func ucpJWK(t testing.TB, c elliptic.Curve, kid string, private bool) string {
	t.Helper()
	b, err := json.Marshal(testkit.ECJWK(t, c, kid, private))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// ucpProfileDoc is a valid inline platform profile, as acp.yaml decodes it.
func ucpProfileDoc() map[string]any {
	const v = "2026-04-08"
	return map[string]any{"ucp": map[string]any{
		"version": v,
		"services": map[string]any{"dev.ucp.shopping": []any{map[string]any{
			"version": v, "transport": "rest", "spec": "https://ucp.dev/2026-04-08/specification/overview",
			"schema": "https://ucp.dev/2026-04-08/services/shopping/rest.openapi.json",
		}}},
		"capabilities": map[string]any{
			"dev.ucp.shopping.checkout": []any{map[string]any{"version": v, "spec": "https://ucp.dev/s", "schema": "https://ucp.dev/c.json"}},
			"dev.ucp.shopping.order": []any{map[string]any{"version": v, "spec": "https://ucp.dev/s", "schema": "https://ucp.dev/o.json",
				"config": map[string]any{"webhook_url": "https://platform.example.com/hooks"}}},
		},
		"payment_handlers": map[string]any{},
	}}
}

// withUCP turns UCP on in the minimal config, with a local-only key, and
// gives its agent an inline profile and a profile host.
func withUCP(t testing.TB, c *Config) {
	c.UCP.Enabled = true
	c.UCP.SigningKeys = []UCPSigningKey{{KeyID: "k1", LocalOnlyPrivateKey: ucpJWK(t, elliptic.P256(), "k1", true)}}
	c.Agents[0].UCP = &AgentUCP{
		ProfileHosts: []string{"platform.example.com"},
		Profiles:     []UCPInlineProfile{{URL: "https://platform.example.com/profile.json", Document: ucpProfileDoc()}},
	}
}

// order is the inline profile's order capability entry.
func order(c *Config) map[string]any {
	caps := c.Agents[0].UCP.Profiles[0].Document["ucp"].(map[string]any)["capabilities"].(map[string]any)
	return caps["dev.ucp.shopping.order"].([]any)[0].(map[string]any)
}

// TestValidateUCP checks each rule of the ucp section and of an agent's
// ucp settings.
func TestValidateUCP(t *testing.T) {
	t.Parallel()
	p := func(path, msg string) []Problem { return []Problem{{Path: path, Message: msg}} }
	publicKey := ucpJWK(t, elliptic.P256(), "old", false)
	tests := map[string]struct {
		edit func(c *Config)
		want []Problem
	}{
		"valid":                   {edit: func(*Config) {}},
		"disabled, no agent uses": {edit: func(c *Config) { c.UCP.Enabled = false; c.Agents[0].UCP = nil; c.UCP.PublicURL = "ftp://x" }},
		"agent needs UCP enabled": {edit: func(c *Config) { c.UCP.Enabled = false },
			want: p("agents[0].ucp", "the agent calls UCP, but ucp.enabled is false; enable UCP or remove the agent's ucp section")},
		"relative base path": {edit: func(c *Config) { c.UCP.BasePath = "ucp" },
			want: p("ucp.base_path", `must be an absolute path such as /ucp, got "ucp"`)},
		"base path with a slash": {edit: func(c *Config) { c.UCP.BasePath = "/ucp/" },
			want: p("ucp.base_path", `must not end with /, got "/ucp/"`)},
		"base path on a fixed route": {edit: func(c *Config) { c.UCP.BasePath = "/.well-known/ucp" },
			want: p("ucp.base_path", `"/.well-known/ucp" would shadow the /.well-known routes; choose another path such as /ucp`)},
		"base path over ACP's MCP": {edit: func(c *Config) { c.UCP.BasePath = "/mcp" },
			want: p("ucp.base_path", `"/mcp" overlaps mcp.path ("/mcp"); choose another path such as /ucp`)},
		"MCP path over metrics": {edit: func(c *Config) { c.UCP.MCPPath = "/metrics/ucp" },
			want: p("ucp.mcp_path", `"/metrics/ucp" overlaps metrics.path ("/metrics"); choose another path such as /ucp/mcp`)},
		"MCP path is the base path": {edit: func(c *Config) { c.UCP.MCPPath = "/ucp" },
			want: p("ucp.mcp_path", "is also ucp.base_path; the MCP endpoint needs a path of its own, such as /ucp/mcp")},
		"MCP path under a REST route": {edit: func(c *Config) { c.UCP.MCPPath = "/ucp/orders/mcp" },
			want: p("ucp.mcp_path", `"/ucp/orders/mcp" would shadow the UCP REST routes under /ucp/orders; choose another path such as /ucp/mcp`)},
		"public URL over http on a public host": {edit: func(c *Config) { c.UCP.PublicURL = "http://shop.example.com" },
			want: p("ucp.public_url", `must be https (platforms reach UCP over HTTPS only), got "http://shop.example.com"; plain http is accepted only for a loopback host while server.listen is a loopback address`)},
		"public URL over http while listening publicly": {edit: func(c *Config) {
			c.Server.Listen, c.Server.TLSTerminatedUpstream = "0.0.0.0:8080", true
			c.UCP.SigningKeys[0] = UCPSigningKey{KeyID: "k1", PrivateKeyEnv: "UCP_KEY"}
			c.Agents[0].LocalOnlyToken, c.Agents[0].TokenEnv = "", "AGENT_TOKEN"
		}, want: p("ucp.public_url", `must be https (platforms reach UCP over HTTPS only), got "http://127.0.0.1:8080"; plain http is accepted only for a loopback host while server.listen is a loopback address`)},
		"public URL with a path": {edit: func(c *Config) { c.UCP.PublicURL = "https://shop.example.com/store" },
			want: p("ucp.public_url", `must be an origin such as https://shop.example.com, without a path, query or user information, got "https://shop.example.com/store"`)},
		"public URL https": {edit: func(c *Config) { c.UCP.PublicURL = "https://shop.example.com" }},
		"no capabilities": {edit: func(c *Config) { c.UCP.Capabilities = []string{} },
			want: p("ucp.capabilities", "at least one capability is required; leave the key out to offer every one served (dev.ucp.shopping.checkout, dev.ucp.shopping.fulfillment, dev.ucp.shopping.discount, dev.ucp.shopping.order, dev.ucp.shopping.catalog.search, dev.ucp.shopping.catalog.lookup)")},
		"unknown capability": {edit: func(c *Config) { c.UCP.Capabilities = []string{"dev.ucp.shopping.checkout", "dev.ucp.shopping.ordr"} },
			want: p("ucp.capabilities[1]", `unknown capability "dev.ucp.shopping.ordr"; this build serves dev.ucp.shopping.checkout, dev.ucp.shopping.fulfillment, dev.ucp.shopping.discount, dev.ucp.shopping.order, dev.ucp.shopping.catalog.search, dev.ucp.shopping.catalog.lookup; did you mean "dev.ucp.shopping.order"?`)},
		"duplicate capability": {edit: func(c *Config) {
			c.UCP.Capabilities = []string{"dev.ucp.shopping.checkout", "dev.ucp.shopping.checkout"}
		},
			want: p("ucp.capabilities[1]", `duplicate capability "dev.ucp.shopping.checkout" (also ucp.capabilities[0])`)},
		"extension without its parent": {edit: func(c *Config) { c.UCP.Capabilities = []string{"dev.ucp.shopping.discount"} },
			want: p("ucp.capabilities[0]", "dev.ucp.shopping.discount extends dev.ucp.shopping.checkout, which is not offered; add it")},
		"no signing key": {edit: func(c *Config) { c.UCP.SigningKeys = nil },
			want: p("ucp.signing_keys", "at least one key is required when an agent calls UCP: the first signs order webhooks")},
		"no signing key, no agent": {edit: func(c *Config) { c.UCP.SigningKeys = nil; c.Agents[0].UCP = nil }},
		"key without kid": {edit: func(c *Config) { c.UCP.SigningKeys[0].KeyID = "" },
			want: p("ucp.signing_keys[0].kid", "is required: the key's id, as signatures name it")},
		"kid differs from the JWK's": {edit: func(c *Config) { c.UCP.SigningKeys[0].KeyID = "k2" },
			want: p("ucp.signing_keys[0].local_only_private_key", `has kid "k1", but the entry's kid is "k2"; make them the same`)},
		"duplicate kid": {edit: func(c *Config) {
			c.UCP.SigningKeys = append(c.UCP.SigningKeys, UCPSigningKey{KeyID: "k1", PrivateKeyEnv: "UCP_KEY"})
		}, want: p("ucp.signing_keys[1].kid", `duplicate kid "k1" (also ucp.signing_keys[0])`)},
		"two sources": {edit: func(c *Config) { c.UCP.SigningKeys[0].PrivateKeyEnv = "UCP_KEY" },
			want: p("ucp.signing_keys[0]", "set exactly one of private_key_env, local_only_private_key (a local demo) or public_key (a retired key), got 2")},
		"no source": {edit: func(c *Config) { c.UCP.SigningKeys[0].LocalOnlyPrivateKey = "" },
			want: p("ucp.signing_keys[0]", "set exactly one of private_key_env, local_only_private_key (a local demo) or public_key (a retired key), got 0")},
		"bad variable name": {edit: func(c *Config) { c.UCP.SigningKeys[0] = UCPSigningKey{KeyID: "k1", PrivateKeyEnv: "1KEY"} },
			want: p("ucp.signing_keys[0].private_key_env", `"1KEY" is not an environment variable name`)},
		"local-only key on a public listener": {edit: func(c *Config) {
			c.Server.Listen, c.Server.TLSTerminatedUpstream = "0.0.0.0:8080", true
			c.UCP.PublicURL = "https://shop.example.com"
			c.Agents[0].LocalOnlyToken, c.Agents[0].TokenEnv = "", "AGENT_TOKEN"
		}, want: p("ucp.signing_keys[0].local_only_private_key", "the local-only key is refused when listening on a non-loopback address; use private_key_env to read the key from the environment, or listen on 127.0.0.1")},
		"local-only key without d": {edit: func(c *Config) { c.UCP.SigningKeys[0].LocalOnlyPrivateKey = ucpJWK(t, elliptic.P256(), "", false) },
			want: p("ucp.signing_keys[0].local_only_private_key", "is a public key; a local-only key holds the private part (d) too")},
		"local-only key on P-384": {edit: func(c *Config) { c.UCP.SigningKeys[0].LocalOnlyPrivateKey = ucpJWK(t, elliptic.P384(), "", true) },
			want: p("ucp.signing_keys[0].local_only_private_key", "must be an EC P-256 key (ES256), got EC P-384")},
		"key not JSON": {edit: func(c *Config) { c.UCP.SigningKeys[0].LocalOnlyPrivateKey = "not json" },
			want: p("ucp.signing_keys[0].local_only_private_key", "is not a usable JWK: must be a JSON object (a JWK)")},
		"retired public key after the signer": {edit: func(c *Config) {
			c.UCP.SigningKeys = append(c.UCP.SigningKeys, UCPSigningKey{KeyID: "old", PublicKey: publicKey})
		}},
		"public key holding d": {edit: func(c *Config) {
			c.UCP.SigningKeys = append(c.UCP.SigningKeys, UCPSigningKey{KeyID: "old", PublicKey: ucpJWK(t, elliptic.P256(), "old", true)})
		}, want: p("ucp.signing_keys[1].public_key", "holds the private part (d); public_key takes the public key only: remove d")},
		"public key first": {edit: func(c *Config) { c.UCP.SigningKeys[0] = UCPSigningKey{KeyID: "old", PublicKey: publicKey} },
			want: p("ucp.signing_keys[0]", "the first key signs order webhooks and needs its private part: give it private_key_env (public_key is for a retired key listed after it)")},
		"fetch bounds": {edit: func(c *Config) {
			c.UCP.ProfileFetch = UCPProfileFetch{Timeout: time.Millisecond, MinTTL: 30 * time.Second, MaxTTL: 10 * time.Second, CacheSize: 0, MaxBytes: 10}
			c.UCP.SignatureWindow = time.Second
		}, want: []Problem{
			{Path: "ucp.profile_fetch.timeout", Message: "must be from 100ms to 1m, got 1ms"},
			{Path: "ucp.profile_fetch.min_ttl", Message: "must be at least 1m (the spec's floor: profiles are cached at least 60 seconds), got 30s"},
			{Path: "ucp.profile_fetch.max_ttl", Message: "must be at least min_ttl (30s), got 10s"},
			{Path: "ucp.profile_fetch.cache_size", Message: "must be from 1 to 100000, got 0"},
			{Path: "ucp.profile_fetch.max_bytes", Message: "must be from 1024 (1 KiB) to 16777216 (16 MiB), got 10"},
			{Path: "ucp.signature_window", Message: "must be from 10s to 1h, got 1s"},
		}},
		"agent with neither hosts nor profiles": {edit: func(c *Config) { c.Agents[0].UCP = &AgentUCP{} },
			want: p("agents[0].ucp", "set profile_hosts (the hosts the agent's platform profile may be fetched from) or profiles (profiles written here), or both")},
		"profile host with a scheme": {edit: func(c *Config) { c.Agents[0].UCP.ProfileHosts = []string{"https://platform.example.com"} },
			want: p("agents[0].ucp.profile_hosts[0]", `must be a host name or IP address such as platform.example.com, without a scheme, port or path, got "https://platform.example.com"`)},
		"duplicate profile host": {edit: func(c *Config) {
			c.Agents[0].UCP.ProfileHosts = []string{"platform.example.com", "Platform.example.com"}
		},
			want: p("agents[0].ucp.profile_hosts[1]", `duplicate host "Platform.example.com" (also profile_hosts[0])`)},
		"internal profile host": {edit: func(c *Config) { c.Agents[0].UCP.ProfileHosts = []string{"10.0.0.7"} },
			want: p("agents[0].ucp.profile_hosts[0]", "10.0.0.7 is an internal address (loopback, private, link-local or reserved); set webhook_delivery.allow_private_networks to allow it")},
		"internal profile host allowed": {edit: func(c *Config) {
			c.Agents[0].UCP.ProfileHosts = []string{"127.0.0.1"}
			c.WebhookDelivery.AllowPrivateNetworks = true
		}},
		"inline profile without URL": {edit: func(c *Config) { c.Agents[0].UCP.Profiles[0].URL = "" },
			want: p("agents[0].ucp.profiles[0].url", "is required: the profile URL the agent presents in UCP-Agent")},
		"inline profile over http": {edit: func(c *Config) { c.Agents[0].UCP.Profiles[0].URL = "http://platform.example.com/p" },
			want: p("agents[0].ucp.profiles[0].url", `must be an absolute https:// URL without user information, got "http://platform.example.com/p"`)},
		"inline profile twice": {edit: func(c *Config) {
			c.Agents[0].UCP.Profiles = append(c.Agents[0].UCP.Profiles, UCPInlineProfile{URL: c.Agents[0].UCP.Profiles[0].URL, Document: ucpProfileDoc()})
		}, want: p("agents[0].ucp.profiles[1].url", "duplicate profile URL (also profiles[0])")},
		"inline profile without document": {edit: func(c *Config) { c.Agents[0].UCP.Profiles[0].Document = nil },
			want: p("agents[0].ucp.profiles[0].document", "is required: the platform's profile, as the platform would serve it (ucp and signing_keys)")},
		"inline profile breaking the rules": {edit: func(c *Config) {
			delete(c.Agents[0].UCP.Profiles[0].Document["ucp"].(map[string]any), "payment_handlers")
			delete(order(c), "spec")
		}, want: []Problem{
			{Path: `agents[0].ucp.profiles[0].document.ucp.capabilities["dev.ucp.shopping.order"][0].spec`, Message: "is required: an absolute URL"},
			{Path: "agents[0].ucp.profiles[0].document.ucp.payment_handlers", Message: "is required (an object, possibly empty)"},
		}},
		"inline profile's webhook to an internal address": {edit: func(c *Config) {
			order(c)["config"] = map[string]any{"webhook_url": "https://169.254.169.254/hooks"}
		}, want: p(`agents[0].ucp.profiles[0].document.ucp.capabilities["dev.ucp.shopping.order"][0].config.webhook_url`,
			"169.254.169.254 is an internal address (loopback, private, link-local or reserved); set webhook_delivery.allow_private_networks to allow it")},
		"signatures required, profile without keys": {edit: func(c *Config) { c.Agents[0].UCP.RequireSignatures = true },
			want: p("agents[0].ucp.profiles[0].document.signing_keys", "require_signatures is set, so the profile needs signing keys to verify the agent's requests with")},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cfg := loadMinimal(t)
			withUCP(t, cfg)
			cfg.UCP.setDefaults(cfg.Server.PublicURL)
			tc.edit(cfg)
			if diff := cmp.Diff(tc.want, problemsOf(t, cfg.Validate(testOptions))); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}

// TestLoadUCPInlineProfileDates checks that a version written as an
// unquoted YAML date is read as the date it is.
func TestLoadUCPInlineProfileDates(t *testing.T) {
	t.Parallel()
	cfg, err := Load("../acp.yaml", testOptions)
	if err != nil {
		t.Fatal(err)
	}
	doc := cfg.Agents[0].UCP.Profiles[0].Document
	if v := doc["ucp"].(map[string]any)["version"]; v != "2026-04-08" {
		t.Errorf("quoted version read as %#v", v)
	}
	data := []byte(`agents:
  - name: a
    local_only_token: test-agent-local-token
    ucp:
      profiles:
        - url: https://p.example/profile
          document:
            ucp:
              version: 2026-04-08
              services: {}
              payment_handlers: {}
ucp:
  enabled: true
  signing_keys:
    - kid: k1
      private_key_env: UCP_KEY
merchant: {name: S, currency: USD, order_permalink_template: "https://s.example/o/{order_id}"}
catalog: {items: [{sku: w, title: W, unit_price: 1}]}
fulfillment_options: [{id: s, type: shipping, title: S}]
payments: {handlers: [{id: card, kind: sandbox, merchant_id: m, accepted_brands: [visa]}]}
`)
	cfg, err = LoadBytes(data, testOptions)
	if err != nil {
		t.Fatal(err)
	}
	if v := cfg.Agents[0].UCP.Profiles[0].Document["ucp"].(map[string]any)["version"]; v != "2026-04-08" {
		t.Errorf("unquoted version read as %#v", v)
	}
}
