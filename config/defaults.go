package config

import (
	"net"
	"net/netip"
	"net/textproto"
	"slices"
	"strings"
	"time"
)

// Defaults for keys left out of acp.yaml. docs/configuration.md documents each.
const (
	// DefaultListen is server.listen's default: loopback only.
	DefaultListen = "127.0.0.1:8080"
	// DefaultMaxBodyBytes is server.max_body_bytes's default, 1 MiB.
	DefaultMaxBodyBytes = 1 << 20
	// DefaultReadTimeout is server.read_timeout's default.
	DefaultReadTimeout = 10 * time.Second
	// DefaultWriteTimeout is server.write_timeout's default.
	DefaultWriteTimeout = 30 * time.Second
	// DefaultShutdownTimeout is server.shutdown_timeout's default.
	DefaultShutdownTimeout = 15 * time.Second
	// DefaultHeaderTimeout is server.header_timeout's default, unless
	// server.read_timeout is shorter.
	DefaultHeaderTimeout = 5 * time.Second
	// DefaultIdleTimeout is server.idle_timeout's default.
	DefaultIdleTimeout = 60 * time.Second
	// DefaultTLSMinVersion is server.tls.min_version's default.
	DefaultTLSMinVersion = TLSVersion13
	// DefaultSignatureMaxSkew is agents[].signature.max_skew's default.
	DefaultSignatureMaxSkew = 300 * time.Second
	// DefaultStoreDriver is store.driver's default.
	DefaultStoreDriver = StoreBadger
	// DefaultPostgresMaxConns is store.postgres.max_conns's default.
	DefaultPostgresMaxConns = 10
	// DefaultPostgresSchema is store.postgres.schema's default.
	DefaultPostgresSchema = "acp"
	// DefaultPostgresStatementTimeout is store.postgres.statement_timeout's
	// default.
	DefaultPostgresStatementTimeout = 10 * time.Second
	// DefaultStoreDir is store.dir's default.
	DefaultStoreDir = "./data"
	// DefaultSessionLifetime is store.session_lifetime's default.
	DefaultSessionLifetime = 6 * time.Hour
	// DefaultSessionRetention is store.session_retention's default, 30 days.
	DefaultSessionRetention = 720 * time.Hour
	// DefaultGCInterval is how often the value log is garbage-collected.
	DefaultGCInterval = 10 * time.Minute
	// DefaultIdempotencyRetention is idempotency.retention's default, the
	// 24 hours ACP requires keys to be kept at least.
	DefaultIdempotencyRetention = 24 * time.Hour
	// DefaultIdempotencyLease is idempotency.lease's default.
	DefaultIdempotencyLease = 30 * time.Second
	// DefaultMaxLineItems is limits.max_line_items's default.
	DefaultMaxLineItems = 100
	// DefaultMaxQuantity is limits.max_quantity's default.
	DefaultMaxQuantity = 100_000
	// DefaultMaxFulfillmentGroups is limits.max_fulfillment_groups's
	// default.
	DefaultMaxFulfillmentGroups = 16
	// DefaultRequestsPerSecond is limits.rate_limit.requests_per_second's
	// default, per agent.
	DefaultRequestsPerSecond = 50.0
	// DefaultBurst is limits.rate_limit.burst's default, per agent.
	DefaultBurst = 100
	// DefaultTaxCategory is a catalog item's tax_category default, and the
	// category every tax rate's standard rate applies to.
	DefaultTaxCategory = "standard"
	// DefaultEnforcement is interventions.enforcement's default.
	DefaultEnforcement = "conditional"
	// DefaultLogLevel is log.level's default.
	DefaultLogLevel = "info"
	// DefaultStripeAPIBaseURL is payments.handlers[].stripe.api_base_url's
	// default.
	DefaultStripeAPIBaseURL = "https://api.stripe.com"
	// DefaultReconcileAfter is payments.reconcile_after's default.
	DefaultReconcileAfter = time.Minute
	// DefaultPlacementDeadline is orders.placement_deadline's default.
	DefaultPlacementDeadline = 15 * time.Minute
	// DefaultInsightsRetention is orders.insights_retention's default: a
	// year covers affiliate commission and chargeback windows and a
	// yearly reconciliation, and no more.
	DefaultInsightsRetention = 365 * 24 * time.Hour
	// MinInsightsRetention bounds orders.insights_retention from below:
	// the order system and the seller need a day to read them.
	MinInsightsRetention = 24 * time.Hour
	// MaxPlacementDeadline bounds orders.placement_deadline: card
	// authorizations lapse after four days and 18 hours (Visa), seven for most.
	MaxPlacementDeadline = 96 * time.Hour
	// DefaultCapture is payments.handlers[].capture's default.
	DefaultCapture = "manual"
	// DefaultMCPPath is mcp.path's default.
	DefaultMCPPath = "/mcp"
	// DefaultMCPErrorStyle is mcp.error_style's default.
	DefaultMCPErrorStyle = "tool_error"
	// DefaultWebhookMaxAttempts is agents[].webhooks[].max_attempts' default.
	DefaultWebhookMaxAttempts = 20
	// DefaultWebhookMaxAge is agents[].webhooks[].max_age's default.
	DefaultWebhookMaxAge = 72 * time.Hour
	// DefaultWebhookTimeout is webhook_delivery.timeout's default.
	DefaultWebhookTimeout = 10 * time.Second
	// DefaultWebhookInitialBackoff is webhook_delivery.initial_backoff's
	// default.
	DefaultWebhookInitialBackoff = time.Second
	// DefaultWebhookMaxBackoff is webhook_delivery.max_backoff's default.
	DefaultWebhookMaxBackoff = time.Hour
	// DefaultWebhookWorkers is webhook_delivery.workers' default.
	DefaultWebhookWorkers = 4
	// DefaultUCPBasePath is ucp.base_path's default; ucp.mcp_path's is it
	// followed by /mcp.
	DefaultUCPBasePath = "/ucp"
	// DefaultUCPFetchTimeout is ucp.profile_fetch.timeout's default.
	DefaultUCPFetchTimeout = 5 * time.Second
	// DefaultUCPMinTTL is ucp.profile_fetch.min_ttl's default, the
	// spec's floor.
	DefaultUCPMinTTL = time.Minute
	// DefaultUCPMaxTTL is ucp.profile_fetch.max_ttl's default.
	DefaultUCPMaxTTL = time.Hour
	// DefaultUCPCacheSize is ucp.profile_fetch.cache_size's default.
	DefaultUCPCacheSize = 256
	// DefaultUCPMaxBytes is ucp.profile_fetch.max_bytes' default, 256 KiB.
	DefaultUCPMaxBytes = 256 << 10
	// DefaultUCPSignatureWindow is ucp.signature_window's default.
	DefaultUCPSignatureWindow = 300 * time.Second
	// DefaultFeedHeader is feeds[].header's default; the token goes in it
	// as "Bearer <token>".
	DefaultFeedHeader = "Authorization"
	// DefaultFeedDelay is feed_publishing.delay's default.
	DefaultFeedDelay = 5 * time.Second
	// DefaultFeedBatchSize is feed_publishing.batch_size's default.
	DefaultFeedBatchSize = 100
	// DefaultFeedTimeout is feed_publishing.timeout's default.
	DefaultFeedTimeout = 30 * time.Second
	// DefaultFeedInitialBackoff is feed_publishing.initial_backoff's
	// default.
	DefaultFeedInitialBackoff = time.Second
	// DefaultFeedMaxBackoff is feed_publishing.max_backoff's default.
	DefaultFeedMaxBackoff = 10 * time.Minute
	// DefaultMediaType is catalog.products[].media[].type's default.
	DefaultMediaType = "image"
	// DefaultMetricsPath is metrics.path's default.
	DefaultMetricsPath = "/metrics"
	// DefaultPluginTimeout is plugins[].timeout's default.
	DefaultPluginTimeout = 2 * time.Second
	// DefaultPluginStartTimeout is plugins[].start_timeout's default.
	DefaultPluginStartTimeout = 10 * time.Second
	// DefaultPluginHealthInterval is plugins[].health_interval's default.
	DefaultPluginHealthInterval = 15 * time.Second
	// DefaultPluginRestartInitial is plugins[].restart_backoff.initial's
	// default.
	DefaultPluginRestartInitial = 100 * time.Millisecond
	// DefaultPluginRestartMax is plugins[].restart_backoff.max's default,
	// or restart_backoff.initial when that is longer.
	DefaultPluginRestartMax = 30 * time.Second
	// DefaultPluginCircuitFailures is plugins[].circuit.failures' default.
	DefaultPluginCircuitFailures = 5
	// DefaultPluginCircuitCooldown is plugins[].circuit.cooldown's default.
	DefaultPluginCircuitCooldown = 10 * time.Second
)

// FeedModeUpsert is feeds[].mode's one value, and its default: products
// are sent as upserts through the Feed API.
const FeedModeUpsert = "upsert"

// WebhookEvents are the order event types a webhook can receive.
var WebhookEvents = []string{"order_create", "order_update"}

// SetDefaults fills in every key left out (zero or nil) and normalizes
// case: the currency and plugin digests are lower-cased, country and tax
// region codes (a feed's target country among them) are upper-cased.
// opts.ListenOverride, when set, replaces server.listen first, so that the
// public URL defaults to the address actually listened on.
// A nil list is absent and gets its default; an empty, non-nil list was
// written as [] and stays empty.
func (c *Config) SetDefaults(opts Options) {
	c.Server.setDefaults(opts)
	if c.APIVersions == nil {
		c.APIVersions = slices.Clone(opts.KnownAPIVersions)
	}
	for i := range c.Agents {
		if sig := c.Agents[i].Signature; sig != nil && sig.MaxSkew == 0 {
			sig.MaxSkew = DefaultSignatureMaxSkew
		}
		for j := range c.Agents[i].Webhooks {
			c.Agents[i].Webhooks[j].setDefaults()
		}
	}
	c.WebhookDelivery.setDefaults()
	c.UCP.setDefaults(c.Server.PublicURL)
	for i := range c.Feeds {
		c.Feeds[i].setDefaults()
	}
	c.FeedPublishing.setDefaults()
	if c.Metrics.Path == "" {
		c.Metrics.Path = DefaultMetricsPath
	}
	c.Store.setDefaults()
	c.Idempotency.setDefaults()
	c.Limits.setDefaults()
	c.Merchant.Currency = strings.ToLower(c.Merchant.Currency)
	c.Capabilities.setDefaults()
	for i := range c.Plugins {
		c.Plugins[i].setDefaults()
	}
	for _, item := range c.Catalog.items() {
		if item.TaxCategory == "" {
			item.TaxCategory = DefaultTaxCategory
		}
		if item.FulfillmentTypes == nil {
			item.FulfillmentTypes = []string{"shipping"}
		}
	}
	for i := range c.Catalog.Products {
		for j := range c.Catalog.Products[i].Media {
			if m := &c.Catalog.Products[i].Media[j]; m.Type == "" {
				m.Type = DefaultMediaType
			}
		}
	}
	for i := range c.Promotions {
		if c.Promotions[i].AppliesTo == "" {
			c.Promotions[i].AppliesTo = "order"
		}
	}
	c.Tax.Origin.Country = strings.ToUpper(c.Tax.Origin.Country)
	c.Tax.Origin.Region = strings.ToUpper(c.Tax.Origin.Region)
	for i := range c.Tax.Rates {
		c.Tax.Rates[i].Country = strings.ToUpper(c.Tax.Rates[i].Country)
		c.Tax.Rates[i].Region = strings.ToUpper(c.Tax.Rates[i].Region)
	}
	for i := range c.FulfillmentOptions {
		opt := &c.FulfillmentOptions[i]
		for j := range opt.Countries {
			opt.Countries[j] = strings.ToUpper(opt.Countries[j])
		}
		if opt.Pickup != nil {
			opt.Pickup.Address.Country = strings.ToUpper(opt.Pickup.Address.Country)
		}
	}
	if c.Interventions.Supported == nil {
		c.Interventions.Supported = []string{"3ds"}
	}
	if c.Interventions.Enforcement == "" {
		c.Interventions.Enforcement = DefaultEnforcement
	}
	if c.Log.Level == "" {
		c.Log.Level = DefaultLogLevel
	}
	if c.Payments.ReconcileAfter == 0 {
		c.Payments.ReconcileAfter = DefaultReconcileAfter
	}
	if c.Orders.PlacementDeadline == 0 {
		c.Orders.PlacementDeadline = DefaultPlacementDeadline
	}
	if c.Orders.InsightsRetention == 0 {
		c.Orders.InsightsRetention = DefaultInsightsRetention
	}
	for i := range c.Payments.Handlers {
		if c.Payments.Handlers[i].Capture == "" {
			c.Payments.Handlers[i].Capture = DefaultCapture
		}
	}
	for _, h := range c.Payments.Handlers {
		if h.Stripe != nil && h.Stripe.APIBaseURL == "" {
			h.Stripe.APIBaseURL = DefaultStripeAPIBaseURL
		}
		if h.Stripe != nil && h.Stripe.ThreeDS != nil {
			h.Stripe.ThreeDS.AcquirerCountry = strings.ToUpper(h.Stripe.ThreeDS.AcquirerCountry)
		}
	}
	if c.MCP.Path == "" {
		c.MCP.Path = DefaultMCPPath
	}
	if c.MCP.ErrorStyle == "" {
		c.MCP.ErrorStyle = DefaultMCPErrorStyle
	}
}

func (s *Server) setDefaults(opts Options) {
	if opts.ListenOverride != "" {
		s.Listen = opts.ListenOverride
	}
	if s.Listen == "" {
		s.Listen = DefaultListen
	}
	if s.PublicURL == "" {
		s.PublicURL = defaultPublicURL(s.Listen, s.TLS.Enabled())
	}
	if s.MaxBodyBytes == 0 {
		s.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if s.ReadTimeout == 0 {
		s.ReadTimeout = DefaultReadTimeout
	}
	if s.WriteTimeout == 0 {
		s.WriteTimeout = DefaultWriteTimeout
	}
	if s.IdleTimeout == 0 {
		s.IdleTimeout = DefaultIdleTimeout
	}
	if s.TLS.MinVersion == "" {
		s.TLS.MinVersion = DefaultTLSMinVersion
	}
	if s.ShutdownTimeout == 0 {
		s.ShutdownTimeout = DefaultShutdownTimeout
	}
	if s.HeaderTimeout == 0 {
		s.HeaderTimeout = DefaultHeaderTimeout
		if s.ReadTimeout > 0 {
			s.HeaderTimeout = min(s.HeaderTimeout, s.ReadTimeout)
		}
	}
}

func (w *Webhook) setDefaults() {
	if w.Events == nil {
		w.Events = slices.Clone(WebhookEvents)
	}
	if w.MaxAttempts == 0 {
		w.MaxAttempts = DefaultWebhookMaxAttempts
	}
	if w.MaxAge == 0 {
		w.MaxAge = DefaultWebhookMaxAge
	}
}

// setDefaults fills the ucp section's defaults; the public URL is the
// server's (itself derived from server.listen when not set).
func (u *UCP) setDefaults(serverPublicURL string) {
	if u.BasePath == "" {
		u.BasePath = DefaultUCPBasePath
	}
	if u.MCPPath == "" {
		u.MCPPath = u.BasePath + "/mcp"
	}
	if u.PublicURL == "" {
		u.PublicURL = serverPublicURL
	}
	if u.Capabilities == nil {
		u.Capabilities = slices.Clone(UCPCapabilities)
	}
	f := &u.ProfileFetch
	if f.Timeout == 0 {
		f.Timeout = DefaultUCPFetchTimeout
	}
	if f.MinTTL == 0 {
		f.MinTTL = DefaultUCPMinTTL
	}
	if f.MaxTTL == 0 {
		f.MaxTTL = DefaultUCPMaxTTL
	}
	if f.CacheSize == 0 {
		f.CacheSize = DefaultUCPCacheSize
	}
	if f.MaxBytes == 0 {
		f.MaxBytes = DefaultUCPMaxBytes
	}
	if u.SignatureWindow == 0 {
		u.SignatureWindow = DefaultUCPSignatureWindow
	}
}

func (d *WebhookDelivery) setDefaults() {
	if d.Timeout == 0 {
		d.Timeout = DefaultWebhookTimeout
	}
	if d.InitialBackoff == 0 {
		d.InitialBackoff = DefaultWebhookInitialBackoff
	}
	if d.MaxBackoff == 0 {
		d.MaxBackoff = DefaultWebhookMaxBackoff
	}
	if d.Workers == 0 {
		d.Workers = DefaultWebhookWorkers
	}
}

// setDefaults fills a feed target's defaults, writes its header name in
// canonical form (so that "authorization" carries "Bearer <token>" as
// Authorization does) and drops the URL's trailing "/"s (the Feed API's
// paths are appended to it).
func (f *Feed) setDefaults() {
	f.TargetCountry = strings.ToUpper(f.TargetCountry)
	f.URL = strings.TrimRight(f.URL, "/")
	if f.Header == "" {
		f.Header = DefaultFeedHeader
	}
	f.Header = textproto.CanonicalMIMEHeaderKey(f.Header)
	if f.Mode == "" {
		f.Mode = FeedModeUpsert
	}
}

func (p *FeedPublishing) setDefaults() {
	if p.Delay == 0 {
		p.Delay = DefaultFeedDelay
	}
	if p.BatchSize == 0 {
		p.BatchSize = DefaultFeedBatchSize
	}
	if p.Timeout == 0 {
		p.Timeout = DefaultFeedTimeout
	}
	if p.InitialBackoff == 0 {
		p.InitialBackoff = DefaultFeedInitialBackoff
	}
	if p.MaxBackoff == 0 {
		p.MaxBackoff = DefaultFeedMaxBackoff
	}
}

// setDefaults serves every capability left out (or written as "") built in.
func (c *Capabilities) setDefaults() {
	for _, p := range []*string{&c.Catalog, &c.Tax, &c.Shipping, &c.Fulfillment} {
		if *p == "" {
			*p = Builtin
		}
	}
}

// setDefaults fills in a plugin's timings and lower-cases its digest.
func (p *Plugin) setDefaults() {
	p.SHA256 = strings.ToLower(p.SHA256)
	if p.Timeout == 0 {
		p.Timeout = DefaultPluginTimeout
	}
	if p.StartTimeout == 0 {
		p.StartTimeout = DefaultPluginStartTimeout
	}
	if p.HealthInterval == 0 {
		p.HealthInterval = DefaultPluginHealthInterval
	}
	if p.RestartBackoff.Initial == 0 {
		p.RestartBackoff.Initial = DefaultPluginRestartInitial
	}
	if p.RestartBackoff.Max == 0 {
		p.RestartBackoff.Max = max(DefaultPluginRestartMax, p.RestartBackoff.Initial)
	}
	if p.Circuit.Failures == 0 {
		p.Circuit.Failures = DefaultPluginCircuitFailures
	}
	if p.Circuit.Cooldown == 0 {
		p.Circuit.Cooldown = DefaultPluginCircuitCooldown
	}
}

func (s *Store) setDefaults() {
	if s.Driver == "" {
		s.Driver = DefaultStoreDriver
	}
	if s.Postgres.MaxConns == 0 {
		s.Postgres.MaxConns = DefaultPostgresMaxConns
	}
	if s.Postgres.Schema == "" {
		s.Postgres.Schema = DefaultPostgresSchema
	}
	if s.Postgres.StatementTimeout == 0 {
		s.Postgres.StatementTimeout = DefaultPostgresStatementTimeout
	}
	if s.Dir == "" {
		s.Dir = DefaultStoreDir
	}
	if s.SessionLifetime == 0 {
		s.SessionLifetime = DefaultSessionLifetime
	}
	if s.SessionRetention == 0 {
		s.SessionRetention = DefaultSessionRetention
	}
	if s.GCInterval == 0 {
		s.GCInterval = DefaultGCInterval
	}
}

func (in *Idempotency) setDefaults() {
	if in.Retention == 0 {
		in.Retention = DefaultIdempotencyRetention
	}
	if in.Lease == 0 {
		in.Lease = DefaultIdempotencyLease
	}
}

// setDefaults fills in the limits. requests_per_second is the exception to
// "0 is the same as absent": only an absent (nil) rate gets the default,
// since an explicit 0 disables rate limiting.
func (l *Limits) setDefaults() {
	if l.MaxLineItems == 0 {
		l.MaxLineItems = DefaultMaxLineItems
	}
	if l.MaxQuantity == 0 {
		l.MaxQuantity = DefaultMaxQuantity
	}
	if l.MaxFulfillmentGroups == 0 {
		l.MaxFulfillmentGroups = DefaultMaxFulfillmentGroups
	}
	if l.RateLimit.RequestsPerSecond == nil {
		rps := DefaultRequestsPerSecond
		l.RateLimit.RequestsPerSecond = &rps
	}
	if l.RateLimit.Burst == 0 {
		l.RateLimit.Burst = DefaultBurst
	}
}

// defaultPublicURL is http(s)://<listen>. When listen has no host or an
// unspecified one (":8080", "0.0.0.0:8080", "[::]:8080"), which is no
// address a client can use, localhost stands in for it. It is empty when
// listen is not host:port; validation reports that.
func defaultPublicURL(listen string, tls bool) string {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return ""
	}
	if addr, err := netip.ParseAddr(host); host == "" || (err == nil && addr.IsUnspecified()) {
		host = "localhost"
	}
	scheme := "http"
	if tls {
		scheme = "https"
	}
	// An IPv6 zone ("fe80::1%eth0") is escaped as URLs require.
	return scheme + "://" + net.JoinHostPort(strings.ReplaceAll(host, "%", "%25"), port)
}
