// Package config defines acp.yaml, the one file a seller edits, and loads it
// with koanf: strict (unknown keys are errors), with defaults, and validated
// so that every problem is reported with its YAML path.
package config

import (
	"crypto/ed25519"
	"crypto/tls"
	"encoding/json"
	"iter"
	"strconv"
	"strings"
	"time"

	"github.com/acp-sidecar/acp/sdk/catalog"
)

// Config is the whole of acp.yaml.
type Config struct {
	// Server configures the HTTP listener.
	Server Server `koanf:"server"`
	// APIVersions lists the ACP API versions the server accepts, newest
	// first. Default: every version this build serves.
	APIVersions []string `koanf:"api_versions"`
	// Agents lists the agents allowed to call the checkout API.
	Agents []Agent `koanf:"agents"`
	// Store configures the on-disk checkout store.
	Store Store `koanf:"store"`
	// Idempotency configures how long Idempotency-Key values are kept.
	Idempotency Idempotency `koanf:"idempotency"`
	// Limits caps request sizes and rates.
	Limits Limits `koanf:"limits"`
	// Merchant describes the seller.
	Merchant Merchant `koanf:"merchant"`
	// Capabilities says which provider serves each capability: the
	// built-in one, configured below, or a plugin.
	Capabilities Capabilities `koanf:"capabilities"`
	// Plugins are the out-of-process providers capabilities may name.
	Plugins []Plugin `koanf:"plugins"`
	// Catalog is the built-in catalog.
	Catalog Catalog `koanf:"catalog"`
	// Promotions are the built-in discounts: codes and automatic
	// promotions (docs/discounts.md).
	Promotions []Promotion `koanf:"promotions"`
	// Tax is the built-in tax table.
	Tax Tax `koanf:"tax"`
	// FulfillmentOptions are the built-in fulfillment options.
	FulfillmentOptions []FulfillmentOption `koanf:"fulfillment_options"`
	// Interventions are the buyer interventions the seller supports.
	Interventions Interventions `koanf:"interventions"`
	// Escalation hands what the API cannot do (signing in, verifying the
	// buyer's age, options it cannot express, large carts) to the store's
	// own page.
	Escalation Escalation `koanf:"escalation"`
	// Payments configures the payment handlers.
	Payments Payments `koanf:"payments"`
	// Orders configures how paid orders reach the seller's order system.
	Orders Orders `koanf:"orders"`
	// MCP configures the MCP binding of the checkout API.
	MCP MCP `koanf:"mcp"`
	// MerchantAPI configures the store-facing order API.
	MerchantAPI MerchantAPI `koanf:"merchant_api"`
	// WebhookDelivery configures how order events reach agents' webhooks.
	WebhookDelivery WebhookDelivery `koanf:"webhook_delivery"`
	// UCP serves the Universal Commerce Protocol beside ACP, from the same
	// catalog, store and plugins (docs/ucp.md).
	UCP UCP `koanf:"ucp"`
	// Feeds are the agent platforms the catalog is published to as a
	// product feed (docs/feeds.md).
	Feeds []Feed `koanf:"feeds"`
	// FeedPublishing configures how product feeds are published.
	FeedPublishing FeedPublishing `koanf:"feed_publishing"`
	// Metrics configures the Prometheus endpoint.
	Metrics Metrics `koanf:"metrics"`
	// Profiling serves Go's pprof profiles on a separate loopback
	// listener, for finding hot spots. Off unless a listen address is set.
	Profiling Profiling `koanf:"profiling"`
	// Log configures logging.
	Log Log `koanf:"log"`
}

// MerchantAPI configures the order API the store calls (under
// /merchant/orders) to report fulfillments, refunds and cancellations. It
// is off unless a token is set; its token is never an agent's.
type MerchantAPI struct {
	// TokenEnv names the environment variable holding the merchant bearer
	// token.
	TokenEnv string `koanf:"token_env"`
	// LocalOnlyToken is a token written in the file, for the demo store
	// only; accepted only while the server listens on a loopback address.
	LocalOnlyToken string `koanf:"local_only_token"`
}

// On reports whether the merchant API is served.
func (m MerchantAPI) On() bool { return m.TokenEnv != "" || m.LocalOnlyToken != "" }

// WebhookDelivery configures the delivery of order events from the outbox.
type WebhookDelivery struct {
	// Timeout bounds one delivery attempt. Default 10s.
	Timeout time.Duration `koanf:"timeout"`
	// InitialBackoff is the pause after a first failed attempt; it doubles
	// with each further failure, with jitter. Default 1s.
	InitialBackoff time.Duration `koanf:"initial_backoff"`
	// MaxBackoff caps the pause between attempts, Retry-After included.
	// Default 1h.
	MaxBackoff time.Duration `koanf:"max_backoff"`
	// Workers is how many deliveries run at once. Default 4.
	Workers int `koanf:"workers"`
	// AllowPrivateNetworks lets webhooks reach loopback, private and
	// link-local addresses (and use plain http there). Off by default, so
	// that a webhook URL cannot be used to reach internal services.
	AllowPrivateNetworks bool `koanf:"allow_private_networks"`
}

// Feed is one agent platform the catalog is published to, through the
// ACP Feed API.
type Feed struct {
	// Name identifies the target in logs and metrics. Required; unique.
	Name string `koanf:"name"`
	// URL is the platform's Feed API base URL (POST {url}/feeds), without
	// a trailing "/". Required; https, or http only to a loopback host.
	URL string `koanf:"url"`
	// TokenEnv names the environment variable holding the platform's
	// credential. Required.
	TokenEnv string `koanf:"token_env"`
	// Header is the request header carrying the credential, in canonical
	// form. Default Authorization, as "Bearer <token>"; any other header
	// carries the token as it is.
	Header string `koanf:"header"`
	// TargetCountry is the feed's market, an ISO 3166-1 alpha-2 code.
	// Required.
	TargetCountry string `koanf:"target_country"`
	// Mode is how the feed is published: upsert (the default and the one
	// mode the Feed API serves over HTTP).
	Mode string `koanf:"mode"`
	// Filter limits the products published; empty publishes them all.
	Filter FeedFilter `koanf:"filter"`
}

// FeedFilter limits the products a feed target gets. A product is
// published when it passes every condition set.
type FeedFilter struct {
	// Categories keeps products with a variant in one of them.
	Categories []string `koanf:"categories"`
	// ProductIDs keeps only the products listed.
	ProductIDs []string `koanf:"product_ids"`
	// ExcludeProductIDs drops the products listed.
	ExcludeProductIDs []string `koanf:"exclude_product_ids"`
}

// FeedPublishing configures how product feeds are published.
type FeedPublishing struct {
	// Delay is how often the catalog is sampled for changes (a catalog
	// plugin's listing polled): at most one upsert per product per delay,
	// and a change undone before the next sample is not sent. A change
	// reaches the platform one to two delays after it is made. Default
	// 5s; at least 100ms (the listing polled ten times a second at most).
	Delay time.Duration `koanf:"delay"`
	// BatchSize is the most products in one upsert. Default 100.
	BatchSize int `koanf:"batch_size"`
	// Timeout bounds one request to a platform. Default 30s.
	Timeout time.Duration `koanf:"timeout"`
	// InitialBackoff is the pause after a first failed request; it doubles
	// with each further failure, with jitter. Default 1s.
	InitialBackoff time.Duration `koanf:"initial_backoff"`
	// MaxBackoff caps the pause between attempts. Default 10m.
	MaxBackoff time.Duration `koanf:"max_backoff"`
	// AllowPrivateNetworks lets feed targets reach loopback, private and
	// link-local addresses, as webhook_delivery's does for webhooks. Off
	// by default.
	AllowPrivateNetworks bool `koanf:"allow_private_networks"`
}

// Metrics configures the Prometheus metrics endpoint.
type Metrics struct {
	// Enabled serves the metrics. Nil (absent) means the default, true;
	// use On to read it.
	Enabled *bool `koanf:"enabled"`
	// Path is where metrics are served. Default /metrics.
	Path string `koanf:"path"`
}

// On reports whether metrics are served.
func (m Metrics) On() bool { return m.Enabled == nil || *m.Enabled }

// Profiling configures the pprof endpoints (/debug/pprof/ on their own
// listener). Profiles show the program's internals and cost CPU while
// taken, so they are off by default and served on a loopback address only.
type Profiling struct {
	// Listen is the loopback host:port the profiles are served on, e.g.
	// 127.0.0.1:6060. Empty (the default) turns profiling off.
	Listen string `koanf:"listen"`
}

// MCP configures the MCP server that offers the checkout operations as
// five tools over MCP Streamable HTTP, on the same listener as REST.
type MCP struct {
	// Enabled turns the MCP endpoint on. Nil (absent) means the default,
	// true; use On to read it.
	Enabled *bool `koanf:"enabled"`
	// Path is where the MCP endpoint is served. Default /mcp.
	Path string `koanf:"path"`
	// ErrorStyle is how ACP errors reach MCP clients: "tool_error" (the
	// default: a tool result with isError true and the ACP error as its
	// structured content) or "jsonrpc" (the ACP MCP binding's JSON-RPC
	// error with code -32000 and the ACP error as its data).
	ErrorStyle string `koanf:"error_style"`
}

// On reports whether the MCP endpoint is enabled.
func (m MCP) On() bool { return m.Enabled == nil || *m.Enabled }

// Server configures the HTTP listener.
type Server struct {
	// Listen is the host:port to listen on. Default 127.0.0.1:8080.
	Listen string `koanf:"listen"`
	// PublicURL is the base URL agents reach the server at. Default
	// http(s)://<listen>.
	PublicURL string `koanf:"public_url"`
	// TLS enables HTTPS when both files are set.
	TLS TLS `koanf:"tls"`
	// TLSTerminatedUpstream says TLS ends at a proxy or ingress in front of
	// the sidecar. Without TLS files, the server may listen on a
	// non-loopback address only when this is true. Default false.
	TLSTerminatedUpstream bool `koanf:"tls_terminated_upstream"`
	// MaxBodyBytes caps a request body. Default 1 MiB.
	MaxBodyBytes int `koanf:"max_body_bytes"`
	// ReadTimeout bounds reading a request. Default 10s.
	ReadTimeout time.Duration `koanf:"read_timeout"`
	// WriteTimeout bounds writing a response. Default 30s.
	WriteTimeout time.Duration `koanf:"write_timeout"`
	// IdleTimeout bounds how long a keep-alive connection waits for its
	// next request. Default 60s.
	IdleTimeout time.Duration `koanf:"idle_timeout"`
	// ShutdownTimeout bounds the graceful drain on SIGINT/SIGTERM. Default 15s.
	ShutdownTimeout time.Duration `koanf:"shutdown_timeout"`
	// HeaderTimeout closes a new connection that sends nothing for this
	// long. Default 5s, or ReadTimeout when shorter.
	HeaderTimeout time.Duration `koanf:"header_timeout"`
	// MaxConnections caps the open connections; 0 derives the cap from
	// the descriptor limit at start.
	MaxConnections int `koanf:"max_connections"`
	// MaxConnectionsPerClient caps the open connections from one client
	// address; 0 derives it from the descriptor limit at start.
	MaxConnectionsPerClient int `koanf:"max_connections_per_client"`
	// ProbesListen, when set, is a host:port where /healthz, /readyz and
	// the metrics are also served, apart from agent traffic.
	ProbesListen string `koanf:"probes_listen"`
	// TrustedProxies lists the IP addresses and CIDR ranges of reverse
	// proxies in front of the server (an ingress): connections from them
	// are not held to MaxConnectionsPerClient, only to MaxConnections.
	TrustedProxies []string `koanf:"trusted_proxies"`
}

// TLS names the certificate and key files for HTTPS.
type TLS struct {
	// CertFile is a PEM certificate chain.
	CertFile string `koanf:"cert_file"`
	// KeyFile is the PEM private key.
	KeyFile string `koanf:"key_file"`
	// MinVersion is the oldest TLS version accepted: "1.3" (the default)
	// or "1.2", which must be written explicitly.
	MinVersion TLSVersion `koanf:"min_version"`
}

// Enabled reports whether TLS is configured.
func (t TLS) Enabled() bool { return t.CertFile != "" || t.KeyFile != "" }

// TLSVersion is a TLS protocol version as written in acp.yaml: "1.2" or
// "1.3". An unquoted number (min_version: 1.2) is accepted as its text.
type TLSVersion string

// The accepted server.tls.min_version values.
const (
	// TLSVersion12 is TLS 1.2, accepted only when written explicitly.
	TLSVersion12 TLSVersion = "1.2"
	// TLSVersion13 is TLS 1.3, the default.
	TLSVersion13 TLSVersion = "1.3"
)

// ID returns the crypto/tls constant for the version (tls.VersionTLS12 or
// tls.VersionTLS13), for tls.Config.MinVersion, or 0 for any other value;
// a validated config never holds another value.
func (v TLSVersion) ID() uint16 {
	switch v {
	case TLSVersion12:
		return tls.VersionTLS12
	case TLSVersion13:
		return tls.VersionTLS13
	}
	return 0
}

// Agent is one agent allowed to call the checkout API.
type Agent struct {
	// Name identifies the agent in logs and owns its sessions.
	Name string `koanf:"name"`
	// TokenEnv names the environment variable holding the agent's bearer
	// token. Secrets never live in acp.yaml.
	TokenEnv string `koanf:"token_env"`
	// LocalOnlyToken is a bearer token written in the file itself. It exists
	// for the demo store only and is accepted only while the server listens
	// on a loopback address.
	LocalOnlyToken string `koanf:"local_only_token"`
	// Signature, when set, requires the agent to sign every request with
	// the Signature and Timestamp headers. Nil means requests are not
	// signed.
	Signature *Signature `koanf:"signature"`
	// Webhooks are where the agent's order events are sent: the events of
	// orders placed through this agent's checkouts.
	Webhooks []Webhook `koanf:"webhooks"`
	// UCP says which UCP platform profiles the agent may present, and
	// whether its UCP requests must be signed. Nil means the agent does
	// not call the UCP API.
	UCP *AgentUCP `koanf:"ucp"`
}

// UCP configures the Universal Commerce Protocol binding (release
// 2026-04-08): the business profile at /.well-known/ucp, the REST and MCP
// endpoints and the keys its order webhooks are signed with.
type UCP struct {
	// Enabled serves UCP. Default false.
	Enabled bool `koanf:"enabled"`
	// BasePath is the path the REST endpoints are served under (the
	// profile's rest endpoint is PublicURL + BasePath). Default "/ucp".
	BasePath string `koanf:"base_path"`
	// MCPPath is the path of the MCP endpoint. Default BasePath + "/mcp".
	MCPPath string `koanf:"mcp_path"`
	// PublicURL is the origin agents reach this server at, as written in
	// the business profile (https://shop.example). https, or http only
	// for a loopback host while server.listen is a loopback address.
	// Default: server.public_url (itself derived from server.listen).
	PublicURL string `koanf:"public_url"`
	// Capabilities lists the capabilities offered, by name
	// (dev.ucp.shopping.checkout, …). Default: every capability served.
	Capabilities []string `koanf:"capabilities"`
	// SigningKeys are the business's keys: the first, which must hold
	// its private part when an agent calls UCP, signs order webhooks;
	// every key is published in the profile, so that a key being retired
	// still verifies what it signed.
	SigningKeys []UCPSigningKey `koanf:"signing_keys"`
	// ProfileFetch bounds the fetching and caching of platform profiles.
	ProfileFetch UCPProfileFetch `koanf:"profile_fetch"`
	// SignatureWindow is how far a request signature's created parameter
	// may lie from the server's clock. Default 300s.
	SignatureWindow time.Duration `koanf:"signature_window"`
}

// UCPSigningKey is one of the business's signing keys, an EC P-256 key
// (ES256) as a JWK.
type UCPSigningKey struct {
	// KeyID is the key's kid. Required, unique.
	KeyID string `koanf:"kid"`
	// PrivateKeyEnv names the environment variable holding the private
	// key as a JWK (JSON). Secrets never live in acp.yaml.
	PrivateKeyEnv string `koanf:"private_key_env"`
	// LocalOnlyPrivateKey is a private JWK written in the file itself, for
	// the demo store only; accepted only while the server listens on a
	// loopback address.
	LocalOnlyPrivateKey string `koanf:"local_only_private_key"`
	// PublicKey is a public JWK published without its private key: a
	// retired key kept in the profile while signatures made with it may
	// still be verified.
	PublicKey string `koanf:"public_key"`
}

// UCPProfileFetch bounds platform profile fetches.
type UCPProfileFetch struct {
	// Timeout bounds one fetch. Default 5s.
	Timeout time.Duration `koanf:"timeout"`
	// MinTTL is the shortest time a fetched profile is cached, whatever
	// its Cache-Control says. Default 60s (the spec's floor).
	MinTTL time.Duration `koanf:"min_ttl"`
	// MaxTTL is the longest. Default 1h.
	MaxTTL time.Duration `koanf:"max_ttl"`
	// CacheSize is how many profiles are cached. Default 256.
	CacheSize int `koanf:"cache_size"`
	// MaxBytes caps a profile document. Default 256 KiB.
	MaxBytes int `koanf:"max_bytes"`
}

// AgentUCP is an agent's UCP settings.
type AgentUCP struct {
	// ProfileHosts are the hosts whose profile URLs the agent may present
	// in UCP-Agent; a profile is fetched only from these, and only where
	// the webhook address rules allow. Required unless Profiles covers
	// every profile the agent presents.
	ProfileHosts []string `koanf:"profile_hosts"`
	// Profiles are platform profiles given inline, by URL, never
	// fetched: for the loopback demo, and for platforms whose profile is
	// agreed out of band.
	Profiles []UCPInlineProfile `koanf:"profiles"`
	// RequireSignatures requires every UCP request of the agent to carry
	// a valid RFC 9421 signature made with a key of its profile.
	RequireSignatures bool `koanf:"require_signatures"`
}

// UCPInlineProfile is a platform profile written in acp.yaml.
type UCPInlineProfile struct {
	// URL is the profile URL the agent presents in UCP-Agent.
	URL string `koanf:"url"`
	// Document is the profile (the JSON object a fetch would return),
	// written as YAML.
	Document map[string]any `koanf:"document"`
}

// Webhook is one receiver of an agent's order events.
type Webhook struct {
	// Name identifies the target in logs, metrics and `acp webhooks`;
	// unique within the agent. Required.
	Name string `koanf:"name"`
	// URL is the agent's order event receiver. Required; https, or http
	// only with webhook_delivery.allow_private_networks.
	URL string `koanf:"url"`
	// SecretEnv names the environment variable holding the HMAC secret
	// shared with the agent for Merchant-Signature. Required.
	SecretEnv string `koanf:"secret_env"`
	// Events are the event types sent. Default: order_create and
	// order_update.
	Events []string `koanf:"events"`
	// MaxAttempts is how many times an event is tried before it is
	// dead-lettered. Default 20.
	MaxAttempts int `koanf:"max_attempts"`
	// MaxAge is how long an event is retried before it is dead-lettered.
	// Default 72h.
	MaxAge time.Duration `koanf:"max_age"`
}

// The accepted agents[].signature.scheme values.
const (
	// SchemeHMACSHA256 is an HMAC-SHA256 over the signing input, keyed with
	// a secret shared with the agent.
	SchemeHMACSHA256 = "hmac-sha256"
	// SchemeEd25519 is an Ed25519 signature made with the agent's private
	// key and checked with its public key.
	SchemeEd25519 = "ed25519"
)

// Signature configures how an agent's request signatures are verified.
type Signature struct {
	// Scheme is "hmac-sha256" or "ed25519". Required.
	Scheme string `koanf:"scheme"`
	// SecretEnv names the environment variable holding the shared secret,
	// for scheme hmac-sha256 only. Secrets never live in acp.yaml.
	SecretEnv string `koanf:"secret_env"`
	// PublicKey is the agent's 32-byte Ed25519 public key in base64 (the
	// standard or the URL alphabet, padded or not), for scheme ed25519
	// only. A public key is not a secret, so it is written in the file.
	PublicKey string `koanf:"public_key"`
	// MaxSkew is how far the Timestamp header may be from the server's
	// clock, in either direction. Default 300s; from 1s to 1h.
	MaxSkew time.Duration `koanf:"max_skew"`
}

// Ed25519PublicKey decodes PublicKey. It fails unless PublicKey is base64
// (standard or URL alphabet, padded or not) of exactly 32 bytes; a
// validated ed25519 signature config never fails.
func (s Signature) Ed25519PublicKey() (ed25519.PublicKey, error) {
	return decodeEd25519PublicKey(s.PublicKey)
}

// Store configures the store: Badger on local disk (the default), or a
// PostgreSQL database several replicas share.
type Store struct {
	// Driver is the store: "badger" (default) or "postgres".
	Driver string `koanf:"driver"`
	// Postgres configures the postgres driver.
	Postgres Postgres `koanf:"postgres"`
	// Dir is the Badger directory. Default ./data.
	Dir string `koanf:"dir"`
	// SessionLifetime is how long a checkout session stays open. Default 6h.
	SessionLifetime time.Duration `koanf:"session_lifetime"`
	// SessionRetention is how long a session is kept after it expires
	// before it is deleted. Orders are never deleted. Default 720h (30 days).
	SessionRetention time.Duration `koanf:"session_retention"`
	// GCInterval is how often Badger's value log is garbage-collected, so
	// that the disk space of deleted and expired entries is given back.
	// Default 10m; at least 1s. With the postgres driver, how often the
	// purge job deletes expired idempotency records, one-time keys and
	// sessions past their retention.
	GCInterval time.Duration `koanf:"gc_interval"`
	// EncryptionKeyEnv, when set, names the environment variable holding a
	// 32-byte key, hex-encoded (64 characters), with which Badger encrypts
	// everything it writes (AES-256), payment tokens of open attempts
	// included. A store written with a key can only be opened with it.
	EncryptionKeyEnv string `koanf:"encryption_key_env"`
}

// Store drivers.
const (
	// StoreBadger is the embedded store on local disk.
	StoreBadger = "badger"
	// StorePostgres is a PostgreSQL database several replicas share.
	StorePostgres = "postgres"
)

// Postgres configures the postgres store driver.
type Postgres struct {
	// DSNEnv names the environment variable holding the database's
	// connection string (a secret). Required with the postgres driver.
	DSNEnv string `koanf:"dsn_env"`
	// MaxConns is the connection pool's size per replica. Default 10;
	// from 1 to 1000.
	MaxConns int `koanf:"max_conns"`
	// Schema is the PostgreSQL schema of the store's tables. Default acp.
	Schema string `koanf:"schema"`
	// StatementTimeout ends any statement running longer. Default 10s;
	// at least 100ms.
	StatementTimeout time.Duration `koanf:"statement_timeout"`
	// MigrateOnStart applies pending migrations at start, under an
	// advisory lock. Default false: run `acp migrate`.
	MigrateOnStart bool `koanf:"migrate_on_start"`
}

// Idempotency configures how Idempotency-Key values are kept.
type Idempotency struct {
	// Retention is how long a key and its response are kept. ACP requires
	// at least 24 hours. Default 24h.
	Retention time.Duration `koanf:"retention"`
	// Lease is how long an in-flight request holds its key between two
	// renewals (it renews it every third of that while it runs) before a
	// retry with the same key may take it over. Default 30s; from 1s to
	// 10m.
	Lease time.Duration `koanf:"lease"`
}

// Limits caps what one request may ask for and how often an agent may ask.
type Limits struct {
	// MaxLineItems caps the line items of one checkout session. Default
	// 100; from 1 to 1000.
	MaxLineItems int `koanf:"max_line_items"`
	// MaxQuantity caps the quantity of one line item. Default 100000; from
	// 1 to 1000000.
	MaxQuantity int64 `koanf:"max_quantity"`
	// MaxFulfillmentGroups caps the fulfillment groups of one checkout
	// session: each group is quoted on its own (shipping and tax once
	// per group on every create, update and complete). Default 16; from
	// 1 to 100.
	MaxFulfillmentGroups int `koanf:"max_fulfillment_groups"`
	// RateLimit is the per-agent request rate limit.
	RateLimit RateLimit `koanf:"rate_limit"`
}

// RateLimit is a token bucket per agent: RequestsPerSecond tokens are
// added each second, up to Burst.
type RateLimit struct {
	// RequestsPerSecond is the sustained rate per agent. Nil (absent) means
	// the default, 50; an explicit 0 disables rate limiting. Use PerSecond
	// to read it.
	RequestsPerSecond *float64 `koanf:"requests_per_second"`
	// Burst is how many requests an agent may make at once. Default 100;
	// at least 1 when rate limiting is enabled.
	Burst int `koanf:"burst"`
}

// PerSecond returns the sustained rate per agent: RequestsPerSecond, or
// the default when it is nil. 0 means rate limiting is disabled.
func (r RateLimit) PerSecond() float64 {
	if r.RequestsPerSecond == nil {
		return DefaultRequestsPerSecond
	}
	return *r.RequestsPerSecond
}

// Enabled reports whether requests are rate limited: PerSecond is not 0.
func (r RateLimit) Enabled() bool { return r.PerSecond() != 0 }

// Merchant describes the seller.
type Merchant struct {
	// Name is the store's name.
	Name string `koanf:"name"`
	// Currency is the lower-case ISO 4217 currency the store sells in.
	Currency string `koanf:"currency"`
	// Links are policy and support links shown to buyers.
	Links Links `koanf:"links"`
	// OrderPermalinkTemplate builds an order's permalink; "{order_id}" is
	// replaced by the order id.
	OrderPermalinkTemplate string `koanf:"order_permalink_template"`
	// Locales are the BCP 47 locale tags the store answers in, advertised
	// in the discovery document. Optional.
	Locales []string `koanf:"locales"`
	// DocumentationURL points agents at the seller's ACP documentation, in
	// the discovery document. Optional.
	DocumentationURL string `koanf:"documentation_url"`
	// MarketingConsentOptions are the marketing channels the seller asks
	// buyers to subscribe to (API 2026-04-17): offered in session
	// responses, and the only channels whose consents are kept. Optional.
	MarketingConsentOptions []MarketingConsentOption `koanf:"marketing_consent_options"`
}

// MarketingConsentOption is one marketing channel offered to buyers.
type MarketingConsentOption struct {
	// Channel is the channel: email, sms or whatsapp (MarketingChannels),
	// the channels whose contact ACP defines.
	Channel string `koanf:"channel"`
	// DisplayText says what the buyer consents to receive.
	DisplayText string `koanf:"display_text"`
	// PrivacyPolicyURL is the policy governing the contact's use.
	PrivacyPolicyURL string `koanf:"privacy_policy_url"`
}

// Links are the seller's policy and support links, by ACP link type.
type Links struct {
	// TermsOfUse is the URL of the terms of use.
	TermsOfUse string `koanf:"terms_of_use"`
	// PrivacyPolicy is the URL of the privacy policy.
	PrivacyPolicy string `koanf:"privacy_policy"`
	// ReturnPolicy is the URL of the return and refund policy.
	ReturnPolicy string `koanf:"return_policy"`
	// ShippingPolicy is the URL of the shipping policy.
	ShippingPolicy string `koanf:"shipping_policy"`
	// ContactUs is the URL of the contact page.
	ContactUs string `koanf:"contact_us"`
	// AboutUs is the URL of the about page.
	AboutUs string `koanf:"about_us"`
	// FAQ is the URL of the frequently asked questions.
	FAQ string `koanf:"faq"`
	// Support is the URL of the customer support page.
	Support string `koanf:"support"`
}

// Builtin is the provider name of the built-in providers, configured in
// acp.yaml itself (catalog, tax, fulfillment_options); a capability's
// default. No plugin may take this name.
const Builtin = "builtin"

// The capability names, as written under capabilities.
const (
	// CapabilityCatalog resolves items: titles, prices and stock.
	CapabilityCatalog = "catalog"
	// CapabilityTax quotes taxes.
	CapabilityTax = "tax"
	// CapabilityShipping quotes fulfillment options.
	CapabilityShipping = "shipping"
	// CapabilityFulfillment places and cancels orders in the seller's
	// system.
	CapabilityFulfillment = "fulfillment"
)

// Capabilities says which provider serves each capability: Builtin (the
// default) or the name of an entry of plugins. A seller switches a
// capability between the two by editing this one value.
type Capabilities struct {
	// Catalog serves the catalog; built in, it is catalog.items and
	// catalog.products.
	Catalog string `koanf:"catalog"`
	// Tax serves tax quotes; built in, it is the tax table.
	Tax string `koanf:"tax"`
	// Shipping serves fulfillment options; built in, it is
	// fulfillment_options.
	Shipping string `koanf:"shipping"`
	// Fulfillment places orders; built in, it accepts every order.
	Fulfillment string `koanf:"fulfillment"`
}

// CapabilityUse is one capability and the provider serving it.
type CapabilityUse struct {
	// Capability is one of the Capability* names.
	Capability string
	// Provider is Builtin or the name of the plugin serving it.
	Provider string
}

// Each returns every capability with its provider, always in the order
// catalog, tax, shipping, fulfillment.
func (c Capabilities) Each() []CapabilityUse {
	return []CapabilityUse{
		{CapabilityCatalog, c.Catalog},
		{CapabilityTax, c.Tax},
		{CapabilityShipping, c.Shipping},
		{CapabilityFulfillment, c.Fulfillment},
	}
}

// provider returns the provider of a capability by name, or "" for a name
// that is no capability.
func (c Capabilities) provider(capability string) string {
	for _, u := range c.Each() {
		if u.Capability == capability {
			return u.Provider
		}
	}
	return ""
}

// PluginFor returns the plugin serving a capability (one of the
// Capability* names) and true, or nil and false when the capability is
// served built in. In a validated config every capability is either.
func (c *Config) PluginFor(capability string) (*Plugin, bool) {
	name := c.Capabilities.provider(capability)
	if name == "" || name == Builtin {
		return nil, false
	}
	for i := range c.Plugins {
		if c.Plugins[i].Name == name {
			return &c.Plugins[i], true
		}
	}
	return nil, false
}

// PluginUse is a plugin and the capabilities it serves.
type PluginUse struct {
	// Plugin points into Config.Plugins.
	Plugin *Plugin
	// Capabilities are the Capability* names it serves, in the order of
	// Capabilities.Each; never empty.
	Capabilities []string
}

// UsedPlugins returns the plugins that serve at least one capability, in
// the order of plugins, each with the capabilities it serves. In a
// validated config that is every plugin: one serving nothing is a problem.
func (c *Config) UsedPlugins() []PluginUse {
	var out []PluginUse
	for i := range c.Plugins {
		p := &c.Plugins[i]
		var caps []string
		for _, u := range c.Capabilities.Each() {
			if u.Provider == p.Name && p.Name != Builtin {
				caps = append(caps, u.Capability)
			}
		}
		if len(caps) > 0 {
			out = append(out, PluginUse{Plugin: p, Capabilities: caps})
		}
	}
	return out
}

// Plugin is an out-of-process provider: a binary the host starts and
// talks to over gRPC (hashicorp/go-plugin), serving the capabilities that
// name it.
type Plugin struct {
	// Name identifies the plugin under capabilities, in logs and metrics:
	// a lower-case letter, then up to 62 lower-case letters, digits, '_'
	// and '-'. Unique; "builtin" is reserved. Required.
	Name string `koanf:"name"`
	// Command is the path of the plugin binary. Load resolves a relative
	// path against the directory of the config file (and keeps a "./"
	// so that it is never looked up in PATH); LoadBytes keeps it as
	// written. Required.
	Command string `koanf:"command"`
	// Args are the command's arguments. Optional.
	Args []string `koanf:"args"`
	// SHA256 is the SHA-256 digest of the binary, 64 hex digits, lower-
	// cased by SetDefaults; when set, the host checks it before every
	// start. Optional.
	SHA256 string `koanf:"sha256"`
	// Env names the host environment variables passed to the plugin; the
	// plugin sees no other variable of the host's environment. Optional.
	Env []string `koanf:"env"`
	// Config is the plugin's own settings, sent to it as a JSON object and
	// validated by the host against the JSON Schema the plugin declares.
	// Nested mappings and lists are kept as written; unquoted dates and
	// timestamps become strings. Nil when absent; use ConfigJSON to send
	// it.
	Config map[string]any `koanf:"config"`
	// Timeout is the deadline of one call. Default 2s; at most 5m.
	Timeout time.Duration `koanf:"timeout"`
	// StartTimeout bounds a start: the handshake, the info call and the
	// configure call. Default 10s.
	StartTimeout time.Duration `koanf:"start_timeout"`
	// HealthInterval is how often the host checks the plugin's health.
	// Default 15s; at least 1s.
	HealthInterval time.Duration `koanf:"health_interval"`
	// RestartBackoff paces starts that fail: a plugin that exits is
	// restarted at once, and while starts keep failing the wait between
	// them grows from Initial to Max.
	RestartBackoff Backoff `koanf:"restart_backoff"`
	// Circuit stops calling a failing plugin for a while.
	Circuit Circuit `koanf:"circuit"`
	// Dir is the directory the plugin runs in, so that relative paths in
	// its config mean what they mean in acp.yaml: Load sets it to the
	// config file's directory; with LoadBytes it is empty (the current
	// directory). Not read from the file.
	Dir string `koanf:"-"`
}

// ConfigJSON returns Config as a JSON object, "{}" when it is nil. It
// fails only for values YAML cannot produce; a loaded config never fails.
//
// A number written with a decimal point or an exponent in YAML (15.00,
// 1e3) stays one in JSON (15.0, 1000.0), even when its value is whole, so
// that a plugin decoding an integer field (money in minor units above all)
// refuses it instead of reading 15.00 dollars as 15 cents.
func (p Plugin) ConfigJSON() ([]byte, error) {
	if p.Config == nil {
		return []byte("{}"), nil
	}
	return json.Marshal(keepDecimals(p.Config))
}

// keepDecimals returns v with every float64 replaced by a JSON number that
// has a decimal point or an exponent.
func keepDecimals(v any) any {
	switch v := v.(type) {
	case float64:
		text := strconv.FormatFloat(v, 'g', -1, 64)
		if !strings.ContainsAny(text, ".eE") {
			text += ".0"
		}
		return json.Number(text)
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = keepDecimals(e)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = keepDecimals(e)
		}
		return out
	default:
		return v
	}
}

// Backoff is an exponential backoff: Initial, doubling up to Max.
type Backoff struct {
	// Initial is the first pause. Default 100ms.
	Initial time.Duration `koanf:"initial"`
	// Max caps the pause; at least Initial. Default 30s.
	Max time.Duration `koanf:"max"`
}

// Circuit is a circuit breaker: after Failures consecutive failed calls
// the circuit opens and calls fail at once, until Cooldown has passed and
// one trial call is let through.
type Circuit struct {
	// Failures is how many consecutive failures open the circuit. Default
	// 5; at least 1.
	Failures int `koanf:"failures"`
	// Cooldown is how long the circuit stays open before a trial call.
	// Default 10s.
	Cooldown time.Duration `koanf:"cooldown"`
}

// Catalog is the built-in catalog.
type Catalog struct {
	// Items are the SKUs for sale. A flat item is a product with one
	// variant, the item itself, in a product feed.
	Items []CatalogItem `koanf:"items"`
	// Products group variants (each a SKU for sale) under one product,
	// for product feeds; optional.
	Products []CatalogProduct `koanf:"products"`
}

// AllItems returns every SKU for sale: the flat items, then every
// product's variants, in file order.
func (c Catalog) AllItems() []CatalogItem {
	var out []CatalogItem
	for _, it := range c.items() {
		out = append(out, *it)
	}
	return out
}

// items yields every SKU for sale in AllItems' order, with its YAML path
// ("catalog.items[0]", "catalog.products[1].variants[0]").
func (c *Catalog) items() iter.Seq2[string, *CatalogItem] {
	return func(yield func(string, *CatalogItem) bool) {
		for i := range c.Items {
			if !yield(indexPath("catalog.items", i), &c.Items[i]) {
				return
			}
		}
		for i := range c.Products {
			for j := range c.Products[i].Variants {
				if !yield(indexPath(indexPath("catalog.products", i)+".variants", j), &c.Products[i].Variants[j]) {
					return
				}
			}
		}
	}
}

// CatalogProduct is one product of the built-in catalog: what a shopper
// sees as one thing to buy, in variants (a colour, a size) that are each a
// SKU for sale.
type CatalogProduct struct {
	// ID is the product's id, stable over time: letters, digits, '.',
	// '_', ':' and '-'. Required.
	ID string `koanf:"id"`
	// Title is the product's name. Required.
	Title string `koanf:"title"`
	// Description is the product's longer text, optional.
	Description string `koanf:"description"`
	// URL is the product's page on the store's site, optional.
	URL string `koanf:"url"`
	// Media are the product's images and other media, optional.
	Media []CatalogMedia `koanf:"media"`
	// Categories apply to every variant that names none of its own.
	Categories []string `koanf:"categories"`
	// Condition applies to every variant that states none of its own,
	// such as [new].
	Condition []string `koanf:"condition"`
	// Seller names who sells the product, for feeds; optional.
	Seller *CatalogSeller `koanf:"seller"`
	// Variants are the product's SKUs for sale, at least one.
	Variants []CatalogItem `koanf:"variants"`
}

// CatalogMedia is one image, video or 3D model of a product.
type CatalogMedia struct {
	// Type is image (the default), video or model.
	Type string `koanf:"type"`
	// URL is the asset's absolute http(s) URL. Required.
	URL string `koanf:"url"`
	// AltText describes the asset, optional.
	AltText string `koanf:"alt_text"`
}

// CatalogSeller names who sells a product.
type CatalogSeller struct {
	// Name is the seller's or brand's name.
	Name string `koanf:"name"`
	// Links are the seller's policy pages, optional.
	Links []CatalogLink `koanf:"links"`
}

// CatalogLink is one of a seller's pages.
type CatalogLink struct {
	// Type is the page's kind, such as refund_policy or shipping_policy.
	Type string `koanf:"type"`
	// Title is the link's label, optional.
	Title string `koanf:"title"`
	// URL is the page's absolute http(s) URL.
	URL string `koanf:"url"`
}

// Barcode is a machine-readable code of a SKU.
type Barcode struct {
	// Type is the scheme, such as GTIN, UPC or EAN.
	Type string `koanf:"type"`
	// Value is the code.
	Value string `koanf:"value"`
}

// VariantOption is one option that sets a variant apart.
type VariantOption struct {
	// Name is the option, such as Color.
	Name string `koanf:"name"`
	// Value is the variant's value, such as Red.
	Value string `koanf:"value"`
}

// CatalogItem is one SKU. Its SKU is the ACP item id agents send.
type CatalogItem struct {
	// SKU is the item id: letters, digits, '.', '_', ':' and '-'.
	SKU string `koanf:"sku"`
	// Title is the item's name shown to buyers.
	Title string `koanf:"title"`
	// Description is an optional longer text shown to buyers.
	Description string `koanf:"description"`
	// Images are absolute http(s) URLs of product images.
	Images []string `koanf:"images"`
	// UnitPrice is in minor units of merchant.currency.
	UnitPrice int64 `koanf:"unit_price"`
	// TaxCategory selects a category rate in tax.rates; default "standard".
	TaxCategory string `koanf:"tax_category"`
	// Weight is the unit weight, optional.
	Weight *Weight `koanf:"weight"`
	// Stock is the quantity on hand when the figure was written; sales
	// count against it from then on, and a changed figure is a restock
	// (docs/stock.md). Absent means unlimited: not stock-controlled.
	Stock *int64 `koanf:"stock"`
	// MaxPerOrder caps the quantity per order; 0 means no cap.
	MaxPerOrder int64 `koanf:"max_per_order"`
	// Categories are the item's categories, for promotions limited to
	// some.
	Categories []string `koanf:"categories"`
	// FulfillmentTypes lists how the SKU can be fulfilled: shipping,
	// digital, pickup, local_delivery. Default [shipping].
	FulfillmentTypes []string `koanf:"fulfillment_types"`
	// AgeRestricted escalates a cart holding the SKU to the store's page,
	// where the buyer's age is verified (age_verification_required).
	AgeRestricted bool `koanf:"age_restricted"`
	// RequiresSignIn escalates a cart holding the SKU to the store's
	// page, where the buyer signs in (requires_sign_in).
	RequiresSignIn bool `koanf:"requires_sign_in"`
	// RequiresOptions escalates a cart holding the SKU to the store's
	// page, where the buyer chooses options the API cannot express
	// (unsupported).
	RequiresOptions bool `koanf:"requires_options"`
	// ContinueURL is the SKU's own page for an escalated cart, a template
	// like escalation.continue_url; empty uses escalation.continue_url.
	ContinueURL string `koanf:"continue_url"`
	// URL is the SKU's own page on the store's site, for feeds; optional.
	URL string `koanf:"url"`
	// ListPrice is the "compare at" price in minor units, above
	// unit_price while the SKU is on sale; 0 (the default) means none.
	ListPrice int64 `koanf:"list_price"`
	// Barcodes are the SKU's GTIN, UPC or EAN codes, for feeds; optional.
	Barcodes []Barcode `koanf:"barcodes"`
	// Options say what sets a product's variant apart, such as
	// {name: Color, value: Red}; optional.
	Options []VariantOption `koanf:"options"`
	// Condition lists the SKU's conditions for feeds, such as [new];
	// optional.
	Condition []string `koanf:"condition"`
	// AvailabilityStatus overrides the status feeds derive from stock:
	// preorder, backorder or discontinued; optional.
	AvailabilityStatus string `koanf:"availability_status"`
}

// VariantOptions returns the item's options as the catalog's, nil when
// it has none.
func (it CatalogItem) VariantOptions() []catalog.VariantOption {
	var out []catalog.VariantOption
	for _, o := range it.Options {
		out = append(out, catalog.VariantOption{Name: o.Name, Value: o.Value})
	}
	return out
}

// Escalates reports whether the item hands its carts to the store's page.
func (it CatalogItem) Escalates() bool {
	return it.AgeRestricted || it.RequiresSignIn || it.RequiresOptions
}

// Escalation hands purchases the API cannot complete to the store's own
// page: the session's status becomes requires_escalation with a
// continue_url (not_ready_for_payment with the URL in the message under
// API versions before 2026-01-30), and complete refuses to charge it.
// Items escalate by their flags under catalog.items (or a product's
// variants), or when a catalog plugin says so.
type Escalation struct {
	// ContinueURL is the store page where the buyer finishes: an absolute
	// http(s) URL in which "{checkout_session_id}" and "{item_id}" (the
	// escalated item, empty for the cart total rule) are replaced.
	// Required when max_cart_total is set or a catalog item escalates
	// without its own continue_url. Default: none.
	ContinueURL string `koanf:"continue_url"`
	// MaxCartTotal escalates a cart whose total (tax and fulfillment
	// included) is above it, in minor units of merchant.currency, the one
	// currency sessions use. 0, the default, sets no limit.
	MaxCartTotal int64 `koanf:"max_cart_total"`
}

// Weight is a unit weight.
type Weight struct {
	// Value is the weight in Unit; it must be greater than 0.
	Value float64 `koanf:"value"`
	// Unit is g, kg, oz or lb.
	Unit string `koanf:"unit"`
}

// Tax is the built-in tax table.
type Tax struct {
	// ShippingTaxable says whether fulfillment charges are taxed at the
	// destination's standard rate.
	ShippingTaxable bool `koanf:"shipping_taxable"`
	// Origin is where the seller is; carts with no destination address
	// (digital goods) are taxed there.
	Origin TaxPlace `koanf:"origin"`
	// Rates are the tax rates by country and region. The most specific
	// match wins: country+region over country alone.
	Rates []TaxRate `koanf:"rates"`
}

// TaxPlace is a country and optional region.
type TaxPlace struct {
	// Country is the ISO 3166-1 alpha-2 country code, e.g. "US".
	Country string `koanf:"country"`
	// Region is the state or province code, e.g. "CA"; optional.
	Region string `koanf:"region"`
}

// TaxRate is a rate for a country and optional region.
type TaxRate struct {
	// Country is the ISO 3166-1 alpha-2 country code the rate applies to.
	Country string `koanf:"country"`
	// Region is the state or province code; empty matches the whole country.
	Region string `koanf:"region"`
	// Rate is the standard rate as a fraction: 0.0725 for 7.25 %.
	Rate float64 `koanf:"rate"`
	// Categories override the rate for tax categories, e.g. {books: 0}.
	Categories map[string]float64 `koanf:"categories"`
}

// FulfillmentOption is one built-in fulfillment option.
type FulfillmentOption struct {
	// ID identifies the option to agents; unique among the options.
	ID string `koanf:"id"`
	// Type is shipping, digital, pickup or local_delivery.
	Type string `koanf:"type"`
	// Title is the option's name shown to buyers.
	Title string `koanf:"title"`
	// Description is an optional longer text shown to buyers.
	Description string `koanf:"description"`
	// Carrier names the carrier, e.g. "USPS"; optional.
	Carrier string `koanf:"carrier"`
	// Price is how the option is priced.
	Price PriceRule `koanf:"price"`
	// DeliveryDays is the delivery window in days from now.
	DeliveryDays *DayRange `koanf:"delivery_days"`
	// Countries limits the option to these ISO 3166-1 alpha-2 countries;
	// empty means everywhere. Ignored for digital options.
	Countries []string `koanf:"countries"`
	// Pickup is the pickup location; required for pickup options.
	Pickup *PickupLocation `koanf:"pickup"`
}

// PriceRule prices a fulfillment option for the lines it carries: Flat +
// PerItem × units, and free when the lines' subtotal reaches FreeOver.
type PriceRule struct {
	// Flat is a fixed charge in minor units.
	Flat int64 `koanf:"flat"`
	// PerItem is added per unit, in minor units.
	PerItem int64 `koanf:"per_item"`
	// FreeOver makes the option free when the carried lines' subtotal is at
	// least this amount; 0 disables it.
	FreeOver int64 `koanf:"free_over"`
}

// DayRange is a delivery window in days.
type DayRange struct {
	// Min is the earliest delivery, in days from now.
	Min int `koanf:"min"`
	// Max is the latest delivery, in days from now; at least Min.
	Max int `koanf:"max"`
}

// PickupLocation is where a pickup option is collected.
type PickupLocation struct {
	// Name is the location's name, e.g. the shop's name.
	Name string `koanf:"name"`
	// Address is where the location is.
	Address Address `koanf:"address"`
	// Phone is an optional contact number.
	Phone string `koanf:"phone"`
	// Instructions are optional collection instructions.
	Instructions string `koanf:"instructions"`
}

// Address is a postal address in the config.
type Address struct {
	// Name is the addressee, e.g. the business name.
	Name string `koanf:"name"`
	// LineOne is the first street address line.
	LineOne string `koanf:"line_one"`
	// LineTwo is an optional second street address line.
	LineTwo string `koanf:"line_two"`
	// City is the city or locality.
	City string `koanf:"city"`
	// State is the state, province or region.
	State string `koanf:"state"`
	// Country is the ISO 3166-1 alpha-2 country code, e.g. "US".
	Country string `koanf:"country"`
	// PostalCode is the postal or ZIP code.
	PostalCode string `koanf:"postal_code"`
}

// Interventions are the buyer interventions the seller supports and
// requires, negotiated with each agent's declared capabilities.
type Interventions struct {
	// Supported are the interventions the seller can run: 3ds, biometric,
	// address_verification. Default [3ds].
	Supported []string `koanf:"supported"`
	// Required are interventions every session requires: 3ds, biometric.
	Required []string `koanf:"required"`
	// Enforcement is always, conditional or optional. Default conditional.
	Enforcement string `koanf:"enforcement"`
}

// Payments configures the payment handlers.
type Payments struct {
	// Handlers are advertised to agents in this order.
	Handlers []PaymentHandler `koanf:"handlers"`
	// ReconcileAfter is how long a payment's outcome may stay unknown
	// (the processor did not answer) before the server settles it by
	// itself, asking the processor again with the same idempotency key; it
	// is also how often it looks. Default 1m.
	ReconcileAfter time.Duration `koanf:"reconcile_after"`
}

// Orders configures how paid orders reach the seller's order system.
type Orders struct {
	// PlacementDeadline is how long an authorized payment waits for the
	// order system to accept its order (retried by the reconciler) before
	// the authorization is voided and the agent is told to pay again.
	// Default 15m; at most 96h (card authorizations lapse after four to
	// seven days).
	PlacementDeadline time.Duration `koanf:"placement_deadline"`
	// InsightsRetention is how long an order keeps what the agent told
	// about the purchase beyond the cart (affiliate attribution, marketing
	// consents, risk signals): after it they are erased from the order.
	// Default 8760h (365 days).
	InsightsRetention time.Duration `koanf:"insights_retention"`
}

// PaymentHandler is one payment handler.
type PaymentHandler struct {
	// ID is what agents send as payment_data.handler_id.
	ID string `koanf:"id"`
	// Kind selects the implementation: "sandbox" (no money moves) or
	// "stripe" (Stripe SharedPaymentTokens, configured under stripe).
	Kind string `koanf:"kind"`
	// DisplayName is shown to buyers.
	DisplayName string `koanf:"display_name"`
	// MerchantID is advertised as config.merchant_id.
	MerchantID string `koanf:"merchant_id"`
	// AcceptedBrands are the card brands accepted.
	AcceptedBrands []string `koanf:"accepted_brands"`
	// Capture is when the money is taken: "manual" (the default)
	// authorizes on complete and captures once the order system accepted
	// the order; "immediate" captures on complete and refunds a refused
	// order.
	Capture string `koanf:"capture"`
	// Stripe configures a handler of kind stripe; required for it.
	Stripe *Stripe `koanf:"stripe"`
	// UCP, when set, offers the handler over UCP as well
	// (validate_payments_ucp.go).
	UCP *PaymentHandlerUCP `koanf:"ucp"`
}

// Stripe configures a Stripe payment handler. Its merchant_id is the
// Stripe account id (acct_…).
type Stripe struct {
	// SecretKeyEnv names the environment variable holding the Stripe
	// secret key. Required.
	SecretKeyEnv string `koanf:"secret_key_env"`
	// WebhookSecretEnv names the environment variable holding the signing
	// secret of the Stripe webhook endpoint (/stripe/webhooks); without it
	// Stripe's events are not accepted.
	WebhookSecretEnv string `koanf:"webhook_secret_env"`
	// APIVersion, when set, is sent as Stripe-Version.
	APIVersion string `koanf:"api_version"`
	// CheckToken retrieves the granted token before charging and reports a
	// clear decline for an expired, used or too small token.
	CheckToken bool `koanf:"check_token"`
	// APIBaseURL is Stripe's API, or an egress proxy. Default
	// https://api.stripe.com.
	APIBaseURL string `koanf:"api_base_url"`
	// MaxNetworkRetries is how often a failed Stripe call is retried with
	// the same idempotency key before the outcome counts as unknown. Nil
	// (absent) means 2.
	MaxNetworkRetries *int64 `koanf:"max_network_retries"`
	// ThreeDS is what the seller returns as ACP authentication_metadata
	// when Stripe asks for 3D Secure. Without it a 3DS request declines.
	ThreeDS *ThreeDS `koanf:"three_ds"`
}

// ThreeDS is the seller's 3D Secure acquirer data.
type ThreeDS struct {
	// AcquirerBIN is the acquirer's BIN (at most 11 characters).
	AcquirerBIN string `koanf:"acquirer_bin"`
	// AcquirerCountry is the acquirer's ISO 3166-1 alpha-2 country.
	AcquirerCountry string `koanf:"acquirer_country"`
	// AcquirerMerchantID is the merchant id at the acquirer (at most 35).
	AcquirerMerchantID string `koanf:"acquirer_merchant_id"`
	// RequestorID is the optional 3DS requestor id (at most 35).
	RequestorID string `koanf:"requestor_id"`
	// DirectoryServer is american_express, mastercard or visa.
	DirectoryServer string `koanf:"directory_server"`
	// External passes a successful ACP authentication_result to Stripe as
	// external 3DS data; unverified against live Stripe, so off by default.
	External bool `koanf:"external"`
}

// Log configures logging.
type Log struct {
	// Level is debug, info, warn or error. Default info.
	Level string `koanf:"level"`
}
