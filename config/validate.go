package config

import (
	"errors"
	"fmt"
	"math"
	"net"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Validate checks a config that has had its defaults applied (see
// SetDefaults) and returns *Errors listing every problem, or nil.
func (c *Config) Validate(opts Options) error {
	var ps problems
	c.validate(opts, &ps)
	return ps.err()
}

// validate records every problem, section by section, in field order.
func (c *Config) validate(opts Options, ps *problems) {
	listenHost, listenOK := c.Server.validate(opts, ps)
	validateAPIVersions(c.APIVersions, opts, ps)
	owners := tokenOwners{}
	validateAgents(c.Agents, listenHost, listenOK, owners, ps)
	c.Store.validate(ps)
	c.Idempotency.validate(ps)
	c.Limits.validate(ps)
	c.Merchant.validate(ps)
	c.validatePlugins(ps)
	c.Catalog.validate(c, ps)
	validatePromotions(c.Promotions, c.Catalog.AllItems(), ps)
	c.validatePromotionLimits(ps)
	c.Tax.validate(ps)
	validateFulfillmentOptions(c.FulfillmentOptions, ps)
	c.Interventions.validate(ps)
	c.validateEscalation(ps)
	c.Payments.validate(opts, ps)
	c.Orders.validate(ps)
	c.MCP.validate(ps)
	validateToken("merchant_api", c.MerchantAPI.TokenEnv, c.MerchantAPI.LocalOnlyToken, owners, listenHost, listenOK, ps)
	c.validateWebhooks(ps)
	c.WebhookDelivery.validate(ps)
	c.validateUCP(listenHost, listenOK, ps)
	c.validateFeeds(ps)
	c.FeedPublishing.validate(ps)
	if checkRoutePath("metrics.path", c.Metrics.Path, DefaultMetricsPath, ps) && c.Metrics.On() && c.MCP.On() && c.Metrics.Path == c.MCP.Path {
		ps.add("metrics.path", "%q is also mcp.path; choose another path such as %s", c.Metrics.Path, DefaultMetricsPath)
	}
	c.Profiling.validate(c.Server.Listen, ps)
	c.Log.validate(ps)
}

// mcpErrorStyles are the accepted mcp.error_style values.
var mcpErrorStyles = []string{"tool_error", "jsonrpc"}

// checkRoutePath reports a configurable route path (at key) that is not
// an absolute path or would overlap a fixed route, and says whether it is
// good; example is a good one.
func checkRoutePath(key, path, example string, ps *problems) bool {
	if !strings.HasPrefix(path, "/") || strings.ContainsAny(path, "?#: ") {
		ps.add(key, "must be an absolute path such as %s, got %q", example, path)
		return false
	}
	if path == "/" {
		ps.add(key, `"/" would shadow every other route; choose a path such as %s`, example)
		return false
	}
	for _, route := range []string{"/checkout_sessions", "/healthz", "/readyz", "/.well-known", "/merchant", "/stripe"} {
		if path == route || strings.HasPrefix(path, route+"/") {
			ps.add(key, "%q would shadow the %s routes; choose another path such as %s", path, route, example)
			return false
		}
	}
	return true
}

// validate checks the mcp section.
func (m *MCP) validate(ps *problems) {
	checkRoutePath("mcp.path", m.Path, DefaultMCPPath, ps)
	if !slices.Contains(mcpErrorStyles, m.ErrorStyle) {
		ps.add("mcp.error_style", "must be one of %s, got %q%s", oneOf(mcpErrorStyles), m.ErrorStyle, didYouMean(m.ErrorStyle, mcpErrorStyles))
	}
}

// validate checks the server section and returns the listen host, and
// whether the listen address is valid.
func (s *Server) validate(opts Options, ps *problems) (string, bool) {
	listen := s.Listen
	source := ""
	if opts.ListenOverride != "" {
		listen = opts.ListenOverride
		source = " (from --listen)"
	}
	host, err := checkListen(listen)
	if err != nil {
		ps.add("server.listen", "invalid address %q%s: %v", listen, source, err)
	}
	tls := s.TLS
	switch {
	case tls.CertFile != "" && tls.KeyFile == "":
		ps.add("server.tls.key_file", "is required when server.tls.cert_file is set; set both to serve HTTPS, or neither")
	case tls.CertFile == "" && tls.KeyFile != "":
		ps.add("server.tls.cert_file", "is required when server.tls.key_file is set; set both to serve HTTPS, or neither")
	}
	if tls.MinVersion.ID() == 0 {
		ps.add("server.tls.min_version", `must be "1.3" (the default) or "1.2", got %q`, tls.MinVersion)
	}
	if err == nil && !tls.Enabled() && !isLoopback(host) && !s.TLSTerminatedUpstream {
		ps.add("server.tls", "TLS is not configured and the listen address %q%s is not a loopback address: "+
			"set tls.cert_file and tls.key_file to serve HTTPS, listen on 127.0.0.1, "+
			"or set server.tls_terminated_upstream: true when TLS ends at a proxy or ingress in front of the sidecar",
			listen, source)
	}
	if s.PublicURL != "" {
		if msg := checkHTTPURL(s.PublicURL); msg != "" {
			ps.add("server.public_url", "%s", msg)
		}
	}
	if s.MaxBodyBytes <= 0 {
		ps.add("server.max_body_bytes", "must be a positive number of bytes, got %d", s.MaxBodyBytes)
	}
	for _, d := range []struct {
		key string
		val fmt.Stringer
		pos bool
	}{
		{"server.read_timeout", s.ReadTimeout, s.ReadTimeout > 0},
		{"server.write_timeout", s.WriteTimeout, s.WriteTimeout > 0},
		{"server.idle_timeout", s.IdleTimeout, s.IdleTimeout > 0},
		{"server.shutdown_timeout", s.ShutdownTimeout, s.ShutdownTimeout > 0},
		{"server.header_timeout", s.HeaderTimeout, s.HeaderTimeout > 0},
	} {
		if !d.pos {
			ps.add(d.key, "must be a positive duration, got %s", d.val)
		}
	}
	s.validateConnections(listen, ps)
	return host, err == nil
}

// hostnamePattern matches a DNS host name.
var hostnamePattern = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$`)

// checkListen checks a host:port listen address and returns its host.
func checkListen(listen string) (string, error) {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return "", errors.New(`expected host:port, e.g. "127.0.0.1:8080" or ":8080"`)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return "", fmt.Errorf("port %q is not a number from 0 to 65535", port)
	}
	if host == "" {
		return host, nil
	}
	if _, err := netip.ParseAddr(host); err != nil && !hostnamePattern.MatchString(host) {
		return "", fmt.Errorf("host %q is not an IP address or host name", host)
	}
	return host, nil
}

// isLoopback reports whether a listen host reaches only this machine:
// 127.0.0.0/8, ::1 or localhost. An empty host listens everywhere.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	addr, err := netip.ParseAddr(host)
	return err == nil && addr.Unmap().IsLoopback()
}

// checkHTTPURL returns why s is not an absolute http or https URL, or "".
func checkHTTPURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Sprintf("invalid URL %q: %v", s, errors.Unwrap(err))
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" || u.Opaque != "" {
		return fmt.Sprintf("must be an absolute http:// or https:// URL, got %q", s)
	}
	return ""
}

// checkHTTPURLs checks a list of URLs.
func checkHTTPURLs(path string, urls []string, ps *problems) {
	for i, u := range urls {
		if msg := checkHTTPURL(u); msg != "" {
			ps.add(indexPath(path, i), "%s", msg)
		}
	}
}

// validateAPIVersions checks api_versions against the versions served.
func validateAPIVersions(versions []string, opts Options, ps *problems) {
	if len(versions) == 0 {
		ps.add("api_versions", "at least one API version is required; leave the key out to serve every version this build serves (%s)",
			strings.Join(opts.KnownAPIVersions, ", "))
		return
	}
	seen := map[string]int{}
	for i, v := range versions {
		path := indexPath("api_versions", i)
		if j, dup := seen[v]; dup {
			ps.add(path, "duplicate API version %q (also api_versions[%d])", v, j)
			continue
		}
		seen[v] = i
		if !slices.Contains(opts.KnownAPIVersions, v) {
			ps.add(path, "unknown API version %q; this build serves %s", v, strings.Join(opts.KnownAPIVersions, ", "))
		}
	}
}

// envVarPattern matches an environment variable name.
var envVarPattern = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// minLocalTokenLen is the shortest local_only_token accepted.
const minLocalTokenLen = 16

// validateAgents checks the agents. A local_only_token is refused unless
// the server listens on a loopback address; when the listen address is
// itself invalid, that problem is reported instead.
func validateAgents(agents []Agent, listenHost string, listenOK bool, owners tokenOwners, ps *problems) {
	if len(agents) == 0 {
		ps.add("agents", "at least one agent is required")
		return
	}
	names := map[string]int{}
	secretEnvs := map[string]int{}
	tokenEnvs := map[string]int{}
	for i, a := range agents {
		if _, seen := tokenEnvs[a.TokenEnv]; a.TokenEnv != "" && !seen {
			tokenEnvs[a.TokenEnv] = i
		}
	}
	for i, a := range agents {
		path := indexPath("agents", i)
		switch j, dup := names[a.Name]; {
		case strings.TrimSpace(a.Name) == "":
			ps.add(path+".name", "is required")
		case dup:
			ps.add(path+".name", "duplicate agent name %q (also agents[%d])", a.Name, j)
		default:
			names[a.Name] = i
		}
		if a.TokenEnv == "" && a.LocalOnlyToken == "" {
			ps.add(path, "set token_env to the environment variable holding the agent's bearer token (or local_only_token for a local demo)")
		}
		validateToken(path, a.TokenEnv, a.LocalOnlyToken, owners, listenHost, listenOK, ps)
		if a.Signature != nil {
			a.Signature.validate(path+".signature", secretEnvs, tokenEnvs, i, ps)
		}
	}
}

// tokenOwners records the bearer token settings seen so far (token_env
// names as "env:NAME", local-only tokens as "token:VALUE") by the path of
// their owner, so that no two agents, nor an agent and the merchant API,
// share a token.
type tokenOwners map[string]string

// validateToken checks the bearer token settings of the owner at path:
// token_env, or a local_only_token (refused unless the server listens on
// a loopback address; when the listen address is itself invalid, that
// problem is reported instead). An owner with neither is not checked.
func validateToken(path, tokenEnv, localToken string, owners tokenOwners, listenHost string, listenOK bool, ps *problems) {
	switch {
	case tokenEnv != "" && localToken != "":
		ps.add(path, "set exactly one of token_env or local_only_token, not both")
	case tokenEnv != "":
		switch other, dup := owners["env:"+tokenEnv]; {
		case !envVarPattern.MatchString(tokenEnv):
			ps.add(path+".token_env", "%q is not an environment variable name: use letters, digits and '_', not starting with a digit", tokenEnv)
		case dup:
			ps.add(path+".token_env", "%s uses the same variable %q; every bearer token must be different", other, tokenEnv)
		default:
			owners["env:"+tokenEnv] = path
		}
	case localToken != "":
		tokenPath := path + ".local_only_token"
		if len(localToken) < minLocalTokenLen {
			ps.add(tokenPath, "must be at least %d characters", minLocalTokenLen)
		} else if other, dup := owners["token:"+localToken]; dup {
			ps.add(tokenPath, "%s uses the same token; every bearer token must be different", other)
		} else {
			owners["token:"+localToken] = path
		}
		if listenOK && !isLoopback(listenHost) {
			ps.add(tokenPath, "the local-only token is refused when listening on a non-loopback address; "+
				"use token_env to read the token from the environment, or listen on 127.0.0.1")
		}
	}
}

// storeDrivers are store.driver's values.
var storeDrivers = []string{StoreBadger, StorePostgres}

// schemaPattern is a PostgreSQL schema name that needs no quoting.
var schemaPattern = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)

// validate checks the store section.
func (s *Store) validate(ps *problems) {
	if !slices.Contains(storeDrivers, s.Driver) {
		ps.add("store.driver", "must be one of %s, got %q%s", oneOf(storeDrivers), s.Driver, didYouMean(s.Driver, storeDrivers))
	}
	if s.EncryptionKeyEnv != "" && !envVarPattern.MatchString(s.EncryptionKeyEnv) {
		ps.add("store.encryption_key_env", "must be an environment variable name, got %q", s.EncryptionKeyEnv)
	}
	if strings.TrimSpace(s.Dir) == "" {
		ps.add("store.dir", "is required")
	}
	if s.SessionLifetime <= 0 {
		ps.add("store.session_lifetime", "must be a positive duration, got %s", s.SessionLifetime)
	}
	if s.SessionRetention <= 0 {
		ps.add("store.session_retention", "must be a positive duration, got %s", s.SessionRetention)
	}
	if s.GCInterval < time.Second {
		ps.add("store.gc_interval", "must be at least 1s, got %s", s.GCInterval)
	}
	s.validatePostgres(ps)
}

// validatePostgres checks store.postgres: its DSN variable's name always,
// the rest with the postgres driver only.
func (s *Store) validatePostgres(ps *problems) {
	pg := s.Postgres
	if pg.DSNEnv != "" && !envVarPattern.MatchString(pg.DSNEnv) {
		ps.add("store.postgres.dsn_env", "must be an environment variable name, got %q", pg.DSNEnv)
	}
	if s.Driver != StorePostgres {
		return
	}
	if pg.DSNEnv == "" {
		ps.add("store.postgres.dsn_env", "is required with the postgres driver: the environment variable holding the database's connection string")
	}
	if s.EncryptionKeyEnv != "" {
		ps.add("store.encryption_key_env", "applies to the badger driver only; with postgres, encrypt the database's storage and connections with PostgreSQL's own means")
	}
	if pg.MaxConns < 1 || pg.MaxConns > 1000 {
		ps.add("store.postgres.max_conns", "must be from 1 to 1000, got %d", pg.MaxConns)
	}
	if !schemaPattern.MatchString(pg.Schema) {
		ps.add("store.postgres.schema", "must be a lower-case PostgreSQL name (letters, digits and _, not starting with a digit, at most 63), got %q", pg.Schema)
	}
	if pg.StatementTimeout < 100*time.Millisecond {
		ps.add("store.postgres.statement_timeout", "must be at least 100ms, got %s", pg.StatementTimeout)
	}
}

// validate checks that profiles, when on, are served on a loopback
// host:port other than the server's own.
func (p *Profiling) validate(serverListen string, ps *problems) {
	if p.Listen == "" {
		return
	}
	host, port, err := net.SplitHostPort(p.Listen)
	switch {
	case err != nil || port == "":
		ps.add("profiling.listen", "must be host:port, such as 127.0.0.1:6060, got %q", p.Listen)
	case !isLoopback(host):
		ps.add("profiling.listen", "must be a loopback address such as 127.0.0.1:6060 (profiles show the program's internals), got %q", p.Listen)
	case p.Listen == serverListen && port != "0":
		ps.add("profiling.listen", "is also server.listen; profiles need a listener of their own")
	}
}

// orderIDPlaceholder is replaced by the order id in the permalink template.
const orderIDPlaceholder = "{order_id}"

// validate checks the merchant section.
func (m *Merchant) validate(ps *problems) {
	if strings.TrimSpace(m.Name) == "" {
		ps.add("merchant.name", "is required")
	}
	switch {
	case m.Currency == "":
		ps.add("merchant.currency", `is required: the ISO 4217 code of the currency prices are in, e.g. "usd"`)
	case !IsCurrency(m.Currency):
		ps.add("merchant.currency", "%q is not an ISO 4217 currency code", m.Currency)
	}
	for _, l := range []struct{ key, url string }{
		{"terms_of_use", m.Links.TermsOfUse},
		{"privacy_policy", m.Links.PrivacyPolicy},
		{"return_policy", m.Links.ReturnPolicy},
		{"shipping_policy", m.Links.ShippingPolicy},
		{"contact_us", m.Links.ContactUs},
		{"about_us", m.Links.AboutUs},
		{"faq", m.Links.FAQ},
		{"support", m.Links.Support},
	} {
		if l.url == "" {
			continue
		}
		if msg := checkHTTPURL(l.url); msg != "" {
			ps.add("merchant.links."+l.key, "%s", msg)
		}
	}
	for i, tag := range m.Locales {
		if !localePattern.MatchString(tag) {
			ps.add(fmt.Sprintf("merchant.locales[%d]", i), "must be a BCP 47 tag such as en-US, got %q", tag)
		}
	}
	if m.DocumentationURL != "" {
		if msg := checkHTTPURL(m.DocumentationURL); msg != "" {
			ps.add("merchant.documentation_url", "%s", msg)
		}
	}
	m.validateConsentOptions(ps)
	const path = "merchant.order_permalink_template"
	switch t := m.OrderPermalinkTemplate; {
	case t == "":
		ps.add(path, "is required: the URL of an order's page, with %s where the order id goes", orderIDPlaceholder)
	case !strings.Contains(t, orderIDPlaceholder):
		ps.add(path, "must contain %s where the order id goes, e.g. \"https://shop.example.com/orders/%s\"", orderIDPlaceholder, orderIDPlaceholder)
	default:
		if msg := checkHTTPURL(strings.ReplaceAll(t, orderIDPlaceholder, "ord_1")); msg != "" {
			ps.add(path, "must be an absolute http:// or https:// URL once %s is filled in, got %q", orderIDPlaceholder, t)
		}
	}
}

// MarketingChannels are the marketing consent channels a seller may
// offer: those whose contact ACP defines (the buyer's email, or phone
// number), which the buyer's decision goes to the order system with.
var MarketingChannels = []string{"email", "sms", "whatsapp"}

// validateConsentOptions checks the offered marketing channels: each is
// one of MarketingChannels, named once, says what the buyer consents to,
// and links a privacy policy.
func (m *Merchant) validateConsentOptions(ps *problems) {
	seen := map[string]int{}
	for i, o := range m.MarketingConsentOptions {
		path := indexPath("merchant.marketing_consent_options", i)
		switch j, dup := seen[o.Channel]; {
		case strings.TrimSpace(o.Channel) == "":
			ps.add(path+".channel", "is required: email, sms or whatsapp")
		case strings.TrimSpace(o.Channel) != o.Channel:
			ps.add(path+".channel", "%q has spaces around it; write %q", o.Channel, strings.TrimSpace(o.Channel))
		case !slices.Contains(MarketingChannels, o.Channel):
			ps.add(path+".channel", "unknown channel %q: email, sms or whatsapp, the channels whose contact ACP defines%s", o.Channel, didYouMean(o.Channel, MarketingChannels))
		case dup:
			ps.add(path+".channel", "duplicate channel %q (also merchant.marketing_consent_options[%d])", o.Channel, j)
		default:
			seen[o.Channel] = i
		}
		if strings.TrimSpace(o.DisplayText) == "" {
			ps.add(path+".display_text", "is required: what the buyer consents to receive")
		}
		if o.PrivacyPolicyURL == "" {
			ps.add(path+".privacy_policy_url", "is required")
		} else if msg := checkHTTPURL(o.PrivacyPolicyURL); msg != "" {
			ps.add(path+".privacy_policy_url", "%s", msg)
		}
	}
}

// localePattern is a simple BCP 47 tag: a language and optional subtags.
var localePattern = regexp.MustCompile(`^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$`)

// logLevels are the accepted log.level values.
var logLevels = []string{"debug", "info", "warn", "error"}

// validate checks the log section.
func (l *Log) validate(ps *problems) {
	if !slices.Contains(logLevels, l.Level) {
		ps.add("log.level", "must be one of %s, got %q%s", oneOf(logLevels), l.Level, didYouMean(l.Level, logLevels))
	}
}

// finite reports whether f is neither infinite nor NaN.
func finite(f float64) bool {
	return !math.IsNaN(f) && !math.IsInf(f, 0)
}

// oneOf formats a list of accepted values for a message.
func oneOf(values []string) string {
	return strings.Join(values, ", ")
}
