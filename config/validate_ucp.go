package config

import (
	"cmp"
	"fmt"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/acp-sidecar/acp/internal/ucpdoc"
)

// UCPCapabilities are the UCP capabilities this build serves, ucp.capabilities'
// values and its default; an extension after the capability it extends.
var UCPCapabilities = []string{
	"dev.ucp.shopping.checkout",
	"dev.ucp.shopping.fulfillment",
	"dev.ucp.shopping.discount",
	"dev.ucp.shopping.order",
	"dev.ucp.shopping.catalog.search",
	"dev.ucp.shopping.catalog.lookup",
}

// ucpExtends maps each UCP extension served to the capability it extends.
var ucpExtends = map[string]string{
	"dev.ucp.shopping.fulfillment": "dev.ucp.shopping.checkout",
	"dev.ucp.shopping.discount":    "dev.ucp.shopping.checkout",
}

// ucpRESTRoutes are the route prefixes the UCP REST binding serves under
// ucp.base_path.
var ucpRESTRoutes = []string{"/checkout-sessions", "/orders", "/catalog"}

// minUCPTTL is the spec's floor on how long a platform profile is cached.
const minUCPTTL = time.Minute

// validateUCP checks the ucp section, when enabled, and every agent's ucp
// settings.
func (c *Config) validateUCP(listenHost string, listenOK bool, ps *problems) {
	u := &c.UCP
	anyAgent := false
	for i, a := range c.Agents {
		if a.UCP == nil {
			continue
		}
		anyAgent = true
		path := indexPath("agents", i) + ".ucp"
		if !u.Enabled {
			ps.addCrossRef(path, "the agent calls UCP, but ucp.enabled is false; enable UCP or remove the agent's ucp section")
			continue
		}
		c.validateAgentUCP(path, a.UCP, ps)
	}
	if !u.Enabled {
		return
	}
	c.validateUCPPaths(ps)
	c.validateUCPPublicURL(listenHost, listenOK, ps)
	validateUCPCapabilities(u.Capabilities, ps)
	validateUCPSigningKeys(u.SigningKeys, anyAgent, listenHost, listenOK, ps)
	f := u.ProfileFetch
	if f.Timeout < 100*time.Millisecond || f.Timeout > time.Minute {
		ps.add("ucp.profile_fetch.timeout", "must be from 100ms to 1m, got %s", f.Timeout)
	}
	if f.MinTTL < minUCPTTL {
		ps.add("ucp.profile_fetch.min_ttl", "must be at least 1m (the spec's floor: profiles are cached at least 60 seconds), got %s", f.MinTTL)
	}
	if f.MaxTTL < f.MinTTL {
		ps.add("ucp.profile_fetch.max_ttl", "must be at least min_ttl (%s), got %s", f.MinTTL, f.MaxTTL)
	}
	if f.CacheSize < 1 || f.CacheSize > 100_000 {
		ps.add("ucp.profile_fetch.cache_size", "must be from 1 to 100000, got %d", f.CacheSize)
	}
	if f.MaxBytes < 1<<10 || f.MaxBytes > 16<<20 {
		ps.add("ucp.profile_fetch.max_bytes", "must be from 1024 (1 KiB) to 16777216 (16 MiB), got %d", f.MaxBytes)
	}
	if u.SignatureWindow < 10*time.Second || u.SignatureWindow > time.Hour {
		ps.add("ucp.signature_window", "must be from 10s to 1h, got %s", u.SignatureWindow)
	}
}

// validateUCPPaths checks ucp.base_path and ucp.mcp_path: route paths
// that overlap neither each other nor the other configurable routes.
func (c *Config) validateUCPPaths(ps *problems) {
	u := &c.UCP
	others := map[string]string{}
	if c.MCP.On() {
		others["mcp.path"] = c.MCP.Path
	}
	if c.Metrics.On() {
		others["metrics.path"] = c.Metrics.Path
	}
	overlaps := func(a, b string) bool {
		return a == b || strings.HasPrefix(a, b+"/") || strings.HasPrefix(b, a+"/")
	}
	check := func(key, path, example string) bool {
		if !checkRoutePath(key, path, example, ps) {
			return false
		}
		if strings.HasSuffix(path, "/") {
			ps.add(key, "must not end with /, got %q", path)
			return false
		}
		for _, other := range []string{"mcp.path", "metrics.path"} {
			if p, on := others[other]; on && overlaps(path, p) {
				ps.add(key, "%q overlaps %s (%q); choose another path such as %s", path, other, p, example)
				return false
			}
		}
		return true
	}
	baseOK := check("ucp.base_path", u.BasePath, DefaultUCPBasePath)
	if !check("ucp.mcp_path", u.MCPPath, DefaultUCPBasePath+"/mcp") || !baseOK {
		return
	}
	if u.MCPPath == u.BasePath {
		ps.add("ucp.mcp_path", "is also ucp.base_path; the MCP endpoint needs a path of its own, such as %s/mcp", u.BasePath)
		return
	}
	for _, route := range ucpRESTRoutes {
		if r := u.BasePath + route; overlaps(u.MCPPath, r) {
			ps.add("ucp.mcp_path", "%q would shadow the UCP REST routes under %s; choose another path such as %s/mcp", u.MCPPath, r, u.BasePath)
			return
		}
	}
}

// validateUCPPublicURL checks ucp.public_url: an origin, https unless the
// server listens on loopback and the URL names a loopback host (the demo).
func (c *Config) validateUCPPublicURL(listenHost string, listenOK bool, ps *problems) {
	const key = "ucp.public_url"
	raw := c.UCP.PublicURL
	if msg := checkHTTPURL(raw); msg != "" {
		ps.add(key, "%s", msg)
		return
	}
	u, _ := url.Parse(raw) // checkHTTPURL parsed it
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" || strings.Trim(u.Path, "/") != "" {
		ps.add(key, "must be an origin such as https://shop.example.com, without a path, query or user information, got %q", raw)
		return
	}
	if u.Scheme == "https" {
		return
	}
	if !isLoopback(u.Hostname()) || !listenOK || !isLoopback(listenHost) {
		ps.add(key, "must be https (platforms reach UCP over HTTPS only), got %q; plain http is accepted only for a loopback host while server.listen is a loopback address", raw)
	}
}

// validateUCPCapabilities checks ucp.capabilities: known, named once, at
// least one, and every extension with its parent.
func validateUCPCapabilities(names []string, ps *problems) {
	if len(names) == 0 {
		ps.add("ucp.capabilities", "at least one capability is required; leave the key out to offer every one served (%s)", oneOf(UCPCapabilities))
		return
	}
	seen := map[string]int{}
	for i, name := range names {
		path := indexPath("ucp.capabilities", i)
		switch j, dup := seen[name]; {
		case !slices.Contains(UCPCapabilities, name):
			ps.add(path, "unknown capability %q; this build serves %s%s", name, oneOf(UCPCapabilities), didYouMean(name, UCPCapabilities))
		case dup:
			ps.add(path, "duplicate capability %q (also ucp.capabilities[%d])", name, j)
		default:
			seen[name] = i
		}
	}
	for i, name := range names {
		if parent, ok := ucpExtends[name]; ok && !slices.Contains(names, parent) {
			ps.addCrossRef(indexPath("ucp.capabilities", i), "%s extends %s, which is not offered; add it", name, parent)
		}
	}
}

// validateUCPSigningKeys checks ucp.signing_keys: distinct kids, exactly
// one of private_key_env, local_only_private_key and public_key, EC P-256
// JWKs, local-only keys only on loopback, and a private first key (it
// signs the order webhooks) when an agent calls UCP.
func validateUCPSigningKeys(keys []UCPSigningKey, anyAgent bool, listenHost string, listenOK bool, ps *problems) {
	if anyAgent && len(keys) == 0 {
		ps.add("ucp.signing_keys", "at least one key is required when an agent calls UCP: the first signs order webhooks")
	}
	kids := map[string]int{}
	for i, k := range keys {
		path := indexPath("ucp.signing_keys", i)
		switch j, dup := kids[k.KeyID]; {
		case strings.TrimSpace(k.KeyID) == "":
			ps.add(path+".kid", "is required: the key's id, as signatures name it")
		case dup:
			ps.add(path+".kid", "duplicate kid %q (also ucp.signing_keys[%d])", k.KeyID, j)
		default:
			kids[k.KeyID] = i
		}
		set := 0
		for _, v := range []string{k.PrivateKeyEnv, k.LocalOnlyPrivateKey, k.PublicKey} {
			if v != "" {
				set++
			}
		}
		if set != 1 {
			ps.add(path, "set exactly one of private_key_env, local_only_private_key (a local demo) or public_key (a retired key), got %d", set)
			continue
		}
		switch {
		case k.PrivateKeyEnv != "":
			if !envVarPattern.MatchString(k.PrivateKeyEnv) {
				ps.add(path+".private_key_env", "%q is not an environment variable name", k.PrivateKeyEnv)
			}
		case k.LocalOnlyPrivateKey != "":
			checkUCPJWK(path+".local_only_private_key", k.KeyID, k.LocalOnlyPrivateKey, true, ps)
			if listenOK && !isLoopback(listenHost) {
				ps.add(path+".local_only_private_key", "the local-only key is refused when listening on a non-loopback address; "+
					"use private_key_env to read the key from the environment, or listen on 127.0.0.1")
			}
		default:
			checkUCPJWK(path+".public_key", k.KeyID, k.PublicKey, false, ps)
			if i == 0 && anyAgent {
				ps.add(path, "the first key signs order webhooks and needs its private part: give it private_key_env (public_key is for a retired key listed after it)")
			}
		}
	}
}

// checkUCPJWK checks a signing key written in acp.yaml: an EC P-256 JWK,
// private or public as wanted, whose kid, when it has one, is kid.
func checkUCPJWK(path, kid, raw string, private bool, ps *problems) {
	data, _, err := ucpdoc.WithKeyID([]byte(raw), cmp.Or(kid, "-"))
	if err != nil {
		// ParseJWK says what is wrong with it.
		data = []byte(raw)
	}
	jwk, err := ucpdoc.ParseJWK(data)
	switch {
	case err != nil:
		ps.add(path, "is not a usable JWK: %v", err)
	case jwk.KeyType != "EC" || jwk.Curve != "P-256":
		ps.add(path, "must be an EC P-256 key (ES256), got %s %s", jwk.KeyType, jwk.Curve)
	case kid != "" && jwk.KeyID != kid:
		ps.add(path, "has kid %q, but the entry's kid is %q; make them the same", jwk.KeyID, kid)
	case private && !jwk.Private:
		ps.add(path, "is a public key; a local-only key holds the private part (d) too")
	case !private && jwk.Private:
		ps.add(path, "holds the private part (d); public_key takes the public key only: remove d")
	}
}

// validateAgentUCP checks an agent's ucp section (UCP being enabled).
func (c *Config) validateAgentUCP(path string, a *AgentUCP, ps *problems) {
	if len(a.ProfileHosts) == 0 && len(a.Profiles) == 0 {
		ps.add(path, "set profile_hosts (the hosts the agent's platform profile may be fetched from) or profiles (profiles written here), or both")
	}
	allowPrivate := c.WebhookDelivery.AllowPrivateNetworks
	hosts := map[string]int{}
	for i, h := range a.ProfileHosts {
		hp := indexPath(path+".profile_hosts", i)
		lower := strings.ToLower(h)
		switch j, dup := hosts[lower]; {
		case !isHostName(h):
			ps.add(hp, "must be a host name or IP address such as platform.example.com, without a scheme, port or path, got %q", h)
			continue
		case dup:
			ps.add(hp, "duplicate host %q (also profile_hosts[%d])", h, j)
			continue
		}
		hosts[lower] = i
		if !allowPrivate {
			if msg := checkPublicHost(h, "webhook_delivery.allow_private_networks"); msg != "" {
				ps.add(hp, "%s", msg)
			}
		}
	}
	urls := map[string]int{}
	for i, p := range a.Profiles {
		pp := indexPath(path+".profiles", i)
		switch j, dup := urls[p.URL]; {
		case p.URL == "":
			ps.add(pp+".url", "is required: the profile URL the agent presents in UCP-Agent")
		case dup:
			ps.add(pp+".url", "duplicate profile URL (also profiles[%d])", j)
		default:
			urls[p.URL] = i
			if u, err := url.Parse(p.URL); err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil {
				ps.add(pp+".url", "must be an absolute https:// URL without user information, got %q", p.URL)
			}
		}
		c.validateInlineProfile(pp+".document", p.Document, a.RequireSignatures, ps)
	}
}

// validateInlineProfile checks a platform profile written in acp.yaml by
// the rules fetched ones are held to, and the order webhook URL it gives
// by the webhook rules.
func (c *Config) validateInlineProfile(path string, doc map[string]any, requireSignatures bool, ps *problems) {
	if doc == nil {
		ps.add(path, "is required: the platform's profile, as the platform would serve it (ucp and signing_keys)")
		return
	}
	p, err := ucpdoc.CheckPlatform(doc)
	if err != nil {
		if inv, ok := err.(*ucpdoc.Invalid); ok {
			for _, pr := range inv.Problems {
				at := path
				if pr.Path != "" {
					at += "." + pr.Path
				}
				ps.add(at, "%s", pr.Message)
			}
		}
		return
	}
	if requireSignatures && len(p.SigningKeys) == 0 {
		ps.addCrossRef(path+".signing_keys", "require_signatures is set, so the profile needs signing keys to verify the agent's requests with")
	}
	for i, e := range p.Capabilities["dev.ucp.shopping.order"] {
		raw, ok := e.Config["webhook_url"]
		if !ok {
			continue
		}
		wp := fmt.Sprintf(`%s.ucp.capabilities["dev.ucp.shopping.order"][%d].config.webhook_url`, path, i)
		s, isString := raw.(string)
		if !isString {
			ps.add(wp, "must be a string URL")
			continue
		}
		if msg := checkWebhookURL(s, c.WebhookDelivery.AllowPrivateNetworks); msg != "" {
			ps.add(wp, "%s", msg)
		}
	}
}

// isHostName reports whether s is a bare host name or IP address.
func isHostName(s string) bool {
	if _, err := netip.ParseAddr(s); err == nil {
		return true
	}
	return hostnamePattern.MatchString(s)
}
