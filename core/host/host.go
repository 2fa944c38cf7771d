// Package host wires the gateway together from a validated config: the
// Badger store, the built-in capability providers, the payment handlers,
// the checkout engine and the HTTP API; and runs it until its context ends,
// then shuts down gracefully.
package host

import (
	"context"
	"crypto/subtle"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/acp-sidecar/acp/config"
	"github.com/acp-sidecar/acp/core/acpwire"
	"github.com/acp-sidecar/acp/core/checkout"
	"github.com/acp-sidecar/acp/core/httpapi"
	"github.com/acp-sidecar/acp/core/httpapi/discovery"
	"github.com/acp-sidecar/acp/core/idempotency"
	"github.com/acp-sidecar/acp/core/internal/ratelimit"
	"github.com/acp-sidecar/acp/core/internal/text"
	"github.com/acp-sidecar/acp/core/mcpapi"
	"github.com/acp-sidecar/acp/core/merchantapi"
	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/orders"
	"github.com/acp-sidecar/acp/core/payment"
	"github.com/acp-sidecar/acp/core/payment/sandbox"
	"github.com/acp-sidecar/acp/core/payment/stripe"
	"github.com/acp-sidecar/acp/core/payment/stripe/stripehook"
	"github.com/acp-sidecar/acp/core/pluginmgr"
	"github.com/acp-sidecar/acp/core/signature"
	"github.com/acp-sidecar/acp/core/store"
	"github.com/acp-sidecar/acp/core/store/badgerstore"
	"github.com/acp-sidecar/acp/core/webhook"
	"github.com/acp-sidecar/acp/internal/certreload"
	"github.com/acp-sidecar/acp/sdk/fulfillment"
)

// PaymentKinds are the payment handler kinds this build implements.
var PaymentKinds = []string{"sandbox", "stripe"}

// ConfigOptions returns the options that validate a config for this build.
func ConfigOptions(listenOverride string) config.Options {
	return config.Options{KnownAPIVersions: acpwire.Versions(), PaymentKinds: PaymentKinds, ListenOverride: listenOverride}
}

// Option adjusts how a Host is built.
type Option func(*options)

type options struct {
	now              func() time.Time
	version          string
	stripeHTTPClient *http.Client
}

// WithStripeHTTPClient makes Stripe handlers use client, for tests with a
// short timeout against a fake Stripe.
func WithStripeHTTPClient(client *http.Client) Option {
	return func(o *options) { o.stripeHTTPClient = client }
}

// WithVersion sets the version reported to MCP clients.
func WithVersion(v string) Option {
	return func(o *options) { o.version = v }
}

// WithClock makes the host read time from now instead of time.Now, for
// tests of expiry, leases and signatures.
func WithClock(now func() time.Time) Option {
	return func(o *options) { o.now = now }
}

// Host is a running gateway.
type Host struct {
	cfg     *config.Config
	logger  *slog.Logger
	store   *badgerstore.Store
	plugins *pluginmgr.Manager
	app     *fiber.App
	// profilesLn is the profiling listener, open between Listen and the
	// end of Serve.
	profilesLn net.Listener
	deliverer  *webhook.Deliverer
	// Service is the checkout engine, exposed for tests and tools.
	Service *checkout.Service
}

// New builds the gateway. getenv resolves agents' token variables.
func New(cfg *config.Config, logger *slog.Logger, getenv func(string) string, opts ...Option) (*Host, error) {
	o := options{now: time.Now, version: "dev"}
	for _, opt := range opts {
		opt(&o)
	}
	agents, err := resolveAgents(cfg, logger, getenv)
	if err != nil {
		return nil, err
	}
	limiter, err := ratelimit.New(cfg.Limits.RateLimit.PerSecond(), cfg.Limits.RateLimit.Burst)
	if err != nil {
		return nil, fmt.Errorf("limits.rate_limit: %w", err)
	}
	handlers, webhookSecrets, err := paymentHandlers(cfg, getenv, o.stripeHTTPClient)
	if err != nil {
		return nil, err
	}
	key, err := encryptionKey(cfg.Store.EncryptionKeyEnv, getenv)
	if err != nil {
		return nil, err
	}
	targets, err := webhookTargets(cfg, getenv)
	if err != nil {
		return nil, err
	}
	merchantToken, err := readToken("merchant_api", cfg.MerchantAPI.TokenEnv, cfg.MerchantAPI.LocalOnlyToken, getenv, logger, "user", "merchant API", "listen", cfg.Server.Listen)
	if err != nil {
		return nil, err
	}
	for i, a := range agents {
		if merchantToken != "" && subtle.ConstantTimeCompare([]byte(merchantToken), []byte(a.Token)) == 1 {
			return nil, fmt.Errorf("merchant_api: the merchant token is the same as agents[%d]'s token; each needs its own", i)
		}
	}
	seller := acpwire.Seller{Links: links(cfg.Merchant.Links)}
	for _, h := range handlers {
		seller.Handlers = append(seller.Handlers, h.Descriptor())
	}
	codecs := map[string]acpwire.Codec{}
	for _, v := range cfg.APIVersions {
		codec, ok := acpwire.New(v, seller, acpwire.Limits{MaxLineItems: cfg.Limits.MaxLineItems, MaxQuantity: cfg.Limits.MaxQuantity})
		if !ok {
			return nil, fmt.Errorf("api version %s is not served by this build", v)
		}
		codecs[v] = codec
	}
	doc, err := discovery.Document(discovery.Seller{
		Versions:         cfg.APIVersions,
		APIBaseURL:       cfg.Server.PublicURL,
		MCP:              cfg.MCP.On(),
		Interventions:    cfg.Interventions.Supported,
		Currencies:       []string{cfg.Merchant.Currency},
		Locales:          cfg.Merchant.Locales,
		DocumentationURL: cfg.Merchant.DocumentationURL,
		Orders:           len(targets) > 0,
	})
	if err != nil {
		return nil, err
	}
	var mcpHandler func(httpapi.Dispatcher) http.Handler
	if cfg.MCP.On() {
		build, err := mcpapi.New(mcpapi.Options{
			ErrorStyle:   cfg.MCP.ErrorStyle,
			Version:      o.version,
			MaxBodyBytes: int64(cfg.Server.MaxBodyBytes),
			Logger:       logger.With("component", "mcp"),
		})
		if err != nil {
			return nil, err
		}
		mcpHandler = build
	}
	registry := prometheus.NewRegistry()
	registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	plugins, err := newPlugins(cfg, getenv, logger, registry)
	if err != nil {
		return nil, err
	}
	// Plugins start before the store opens: a plugin that cannot start,
	// serve what acp.yaml maps to it or take its config stops the server.
	if err := plugins.Start(context.Background()); err != nil {
		return nil, err
	}
	// The store is opened last, once nothing else can fail.
	st, err := openStore(cfg, key, logger)
	if err != nil {
		plugins.Close()
		return nil, err
	}
	caps := capabilities(cfg, plugins, o.now)
	deliverer := webhook.New(webhook.Options{
		Store:   st,
		Targets: targets,
		Client: webhook.NewClient(webhook.ClientOptions{
			Timeout: cfg.WebhookDelivery.Timeout, AllowPrivateNetworks: cfg.WebhookDelivery.AllowPrivateNetworks,
		}),
		Logger:         logger.With("component", "webhooks"),
		Metrics:        webhook.NewMetrics(registry),
		Now:            o.now,
		InitialBackoff: cfg.WebhookDelivery.InitialBackoff,
		MaxBackoff:     cfg.WebhookDelivery.MaxBackoff,
		Workers:        cfg.WebhookDelivery.Workers,
	})
	admin := newAdmin(cfg, st, o.now, deliverer.Notify, orderSystem(cfg, plugins))
	svc := checkout.New(checkout.Options{
		Store:                  st,
		Capabilities:           caps,
		Handlers:               handlers,
		Currency:               cfg.Merchant.Currency,
		SessionLifetime:        cfg.Store.SessionLifetime,
		OrderPermalinkTemplate: cfg.Merchant.OrderPermalinkTemplate,
		Interventions: model.Interventions{
			Supported:   cfg.Interventions.Supported,
			Required:    cfg.Interventions.Required,
			Enforcement: cfg.Interventions.Enforcement,
		},
		Orders: admin.Orders,
		Now:    o.now,
	})
	apiOpts := httpapi.Options{
		Service:       svc,
		Readiness:     readiness(cfg, plugins),
		Codecs:        codecs,
		Versions:      cfg.APIVersions,
		Agents:        agents,
		Logger:        logger,
		MaxBodyBytes:  cfg.Server.MaxBodyBytes,
		ReadTimeout:   cfg.Server.ReadTimeout,
		WriteTimeout:  cfg.Server.WriteTimeout,
		IdleTimeout:   cfg.Server.IdleTimeout,
		Store:         st,
		Idempotency:   idempotency.Policy{Retention: cfg.Idempotency.Retention, Lease: cfg.Idempotency.Lease},
		RateLimit:     limiter,
		Discovery:     doc,
		MCPPath:       cfg.MCP.Path,
		MCP:           mcpHandler,
		StripeWebhook: stripeWebhook(webhookSecrets, svc, admin.Orders, logger),
		Registerer:    registry,
		Now:           o.now,
	}
	if cfg.MerchantAPI.On() {
		apiOpts.Merchant = func(r fiber.Router) { merchantapi.Routes(r, admin) }
		apiOpts.MerchantToken = merchantToken
	}
	if cfg.Metrics.On() {
		apiOpts.MetricsPath = cfg.Metrics.Path
		apiOpts.Metrics = promhttp.HandlerFor(registry, promhttp.HandlerOpts{})
	}
	return &Host{cfg: cfg, logger: logger, store: st, plugins: plugins, app: httpapi.New(apiOpts), deliverer: deliverer, Service: svc}, nil
}

// OpenAdmin opens the configured store for the order and webhook commands
// of the CLI, which run while no server holds the store. Events their
// changes cause are written to the outbox for the server to deliver when
// it next runs. Close the returned store when done.
//
// A cancellation goes to the fulfillment capability first; when a plugin
// serves it, the plugin is started for that call only.
func OpenAdmin(cfg *config.Config, logger *slog.Logger, getenv func(string) string) (*merchantapi.Local, io.Closer, error) {
	key, err := encryptionKey(cfg.Store.EncryptionKeyEnv, getenv)
	if err != nil {
		return nil, nil, err
	}
	plugins, err := newPlugins(cfg, getenv, logger, nil)
	if err != nil {
		return nil, nil, err
	}
	st, err := openStore(cfg, key, logger)
	if err != nil {
		return nil, nil, err
	}
	return newAdmin(cfg, st, time.Now, nil, orderSystem(cfg, plugins)), closerFunc(func() error {
		plugins.Close()
		return st.Close()
	}), nil
}

// closerFunc adapts a function to io.Closer.
type closerFunc func() error

// Close calls f.
func (f closerFunc) Close() error { return f() }

func openStore(cfg *config.Config, key []byte, logger *slog.Logger) (*badgerstore.Store, error) {
	return badgerstore.Open(badgerstore.Options{Dir: cfg.Store.Dir, SessionRetention: cfg.Store.SessionRetention, EncryptionKey: key, Logger: logger})
}

// newAdmin builds the order service over st, with an outbox for the
// configured webhook targets.
func newAdmin(cfg *config.Config, st store.Store, now func() time.Time, wake func(), orderSystem fulfillment.Fulfillment) *merchantapi.Local {
	var targets []orders.Target
	for _, a := range cfg.Agents {
		for _, w := range a.Webhooks {
			targets = append(targets, orders.Target{Agent: a.Name, Name: w.Name, Events: w.Events})
		}
	}
	outbox := orders.NewOutbox(targets, acpwire.EncodeOrderEvent, now, wake)
	return &merchantapi.Local{Store: st, Orders: orders.New(st, outbox, now, orderSystem), Outbox: outbox}
}

// webhookTargets reads the webhook secrets from the environment.
func webhookTargets(cfg *config.Config, getenv func(string) string) ([]webhook.Target, error) {
	var out []webhook.Target
	for i, a := range cfg.Agents {
		for j, w := range a.Webhooks {
			secret := getenv(w.SecretEnv)
			if secret == "" {
				return nil, fmt.Errorf("agents[%d].webhooks[%d].secret_env: environment variable %s is not set or empty", i, j, w.SecretEnv)
			}
			out = append(out, webhook.Target{Agent: a.Name, Name: w.Name, URL: w.URL, Secret: []byte(secret), MaxAttempts: w.MaxAttempts, MaxAge: w.MaxAge})
		}
	}
	return out, nil
}

// readToken returns the bearer token configured at path: read from the
// environment variable tokenEnv, or the local-only token written in the
// file (config accepts that only on a loopback listener), with a warning
// naming its user. It returns "" when neither is set.
func readToken(path, tokenEnv, localToken string, getenv func(string) string, logger *slog.Logger, user ...any) (string, error) {
	if tokenEnv == "" {
		if localToken != "" {
			logger.Warn("a local-only demo token written in the config file is in use; it is accepted only because the server listens on a loopback address", user...)
		}
		return localToken, nil
	}
	token := getenv(tokenEnv)
	if token == "" {
		return "", fmt.Errorf("%s.token_env: environment variable %s is not set or empty", path, tokenEnv)
	}
	return token, nil
}

// Listen opens the configured listener (TLS 1.3 when configured), and the
// profiling listener when profiling.listen is set.
func (h *Host) Listen() (net.Listener, error) {
	if addr := h.cfg.Profiling.Listen; addr != "" && h.profilesLn == nil {
		pln, err := net.Listen("tcp", addr)
		if err != nil {
			return nil, fmt.Errorf("profiling.listen: %w", err)
		}
		h.profilesLn = pln
	}
	ln, err := net.Listen("tcp", h.cfg.Server.Listen)
	if err != nil {
		if h.profilesLn != nil {
			_ = h.profilesLn.Close()
			h.profilesLn = nil
		}
		return nil, fmt.Errorf("listen on %s: %w", h.cfg.Server.Listen, err)
	}
	if !h.cfg.Server.TLS.Enabled() {
		return ln, nil
	}
	// ACP requires TLS 1.3; 1.2 only where server.tls.min_version says so.
	// The certificate is reloaded when its files change, and on SIGHUP.
	tlsLn, err := certreload.Listen(ln, h.cfg.Server.TLS.CertFile, h.cfg.Server.TLS.KeyFile, &tls.Config{MinVersion: h.cfg.Server.TLS.MinVersion.ID()}, h.logger)
	if err != nil {
		_ = ln.Close()
		return nil, fmt.Errorf("load TLS certificate: %w", err)
	}
	return tlsLn, nil
}

// Serve serves on ln until ctx ends, then stops accepting, lets in-flight
// requests finish within the shutdown timeout and closes the store.
func (h *Host) Serve(ctx context.Context, ln net.Listener) error {
	h.logger.Info("serving ACP", "listen", ln.Addr().String(), "public_url", h.cfg.Server.PublicURL,
		"api_versions", h.cfg.APIVersions, "tls", h.cfg.Server.TLS.Enabled(), "store", h.cfg.Store.Dir)
	profiles := h.serveProfiles()
	serveErr := make(chan error, 1)
	go func() { serveErr <- h.app.Listener(ln) }()
	background, stopBackground := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { h.reconcile(background) })
	wg.Go(func() { h.collectGarbage(background) })
	wg.Go(func() { h.plugins.Run(background) })
	wg.Go(func() {
		if err := h.deliverer.Run(background); err != nil && !errors.Is(err, context.Canceled) {
			h.logger.Error("webhook delivery stopped", "error", err.Error())
		}
	})
	var err error
	select {
	case err = <-serveErr:
		if err != nil {
			err = fmt.Errorf("serve: %w", err)
		}
	case <-ctx.Done():
		h.logger.Info("shutting down", "timeout", h.cfg.Server.ShutdownTimeout.String())
		if serr := h.app.ShutdownWithTimeout(h.cfg.Server.ShutdownTimeout); serr != nil {
			err = fmt.Errorf("graceful shutdown: %w", serr)
		}
		<-serveErr
	}
	// The background work ends before the store closes, so that a
	// delivery in flight is recorded.
	stopBackground()
	wg.Wait()
	if profiles != nil {
		_ = profiles.Close()
	}
	return errors.Join(err, h.Close())
}

// serveProfiles serves Go's pprof profiles on the profiling listener
// Listen opened, if any, and returns the server to close at shutdown.
func (h *Host) serveProfiles() *http.Server {
	ln := h.profilesLn
	if ln == nil {
		return nil
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	h.logger.Warn("serving pprof profiles; turn profiling off when done", "listen", ln.Addr().String())
	return srv
}

// Plugins describes the configured plugins as they are now, for tools and
// tests.
func (h *Host) Plugins() []pluginmgr.Status { return h.plugins.Status() }

// reconcile settles, every payments.reconcile_after, the payments whose
// outcome stayed unknown that long, until ctx ends.
func (h *Host) reconcile(ctx context.Context) {
	every := h.cfg.Payments.ReconcileAfter
	repeat(ctx, every, func() {
		settled, err := h.Service.ReconcileStale(ctx, every, 100)
		if err != nil {
			h.logger.Warn("settling unresolved payments", "settled", settled, "error", err.Error())
		} else if settled > 0 {
			h.logger.Info("settled unresolved payments", "settled", settled)
		}
	})
}

// collectGarbage runs the value-log garbage collection every
// store.gc_interval until ctx ends.
func (h *Host) collectGarbage(ctx context.Context) {
	repeat(ctx, h.cfg.Store.GCInterval, func() {
		rewritten, err := h.store.CollectGarbage(ctx)
		if err != nil {
			h.logger.Warn("store garbage collection", "error", err.Error())
		} else if rewritten > 0 {
			h.logger.Info("store garbage collected", "value_log_files_rewritten", rewritten)
		}
	})
}

// repeat runs fn every interval until ctx ends.
func repeat(ctx context.Context, interval time.Duration, fn func()) {
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
			fn()
		}
	}
}

// Close stops the plugins and closes the store. Serve calls it; call it
// directly only when Serve was never called.
func (h *Host) Close() error {
	if h.profilesLn != nil {
		_ = h.profilesLn.Close()
	}
	h.plugins.Close()
	if err := h.store.Close(); err != nil {
		return err
	}
	h.logger.Info("store closed")
	return nil
}

func resolveAgents(cfg *config.Config, logger *slog.Logger, getenv func(string) string) ([]httpapi.Agent, error) {
	var agents []httpapi.Agent
	for i, a := range cfg.Agents {
		token, err := readToken(fmt.Sprintf("agents[%d]", i), a.TokenEnv, a.LocalOnlyToken, getenv, logger, "agent", a.Name, "listen", cfg.Server.Listen)
		if err != nil {
			return nil, err
		}
		verifier, err := verifierFor(a.Signature, getenv)
		if err != nil {
			return nil, fmt.Errorf("agents[%d].signature: %w", i, err)
		}
		agents = append(agents, httpapi.Agent{Name: a.Name, Token: token, Verifier: verifier})
	}
	return agents, nil
}

// verifierFor builds an agent's signature verifier; nil when the agent
// does not sign.
func verifierFor(sig *config.Signature, getenv func(string) string) (*signature.Verifier, error) {
	if sig == nil {
		return nil, nil
	}
	switch signature.Scheme(sig.Scheme) {
	case signature.HMACSHA256:
		secret := getenv(sig.SecretEnv)
		if secret == "" {
			return nil, fmt.Errorf("environment variable %s is not set or empty", sig.SecretEnv)
		}
		return signature.NewHMAC([]byte(secret), sig.MaxSkew)
	case signature.Ed25519:
		pub, err := sig.Ed25519PublicKey()
		if err != nil {
			return nil, err
		}
		return signature.NewEd25519(pub, sig.MaxSkew)
	}
	return nil, fmt.Errorf("unknown scheme %q", sig.Scheme)
}

// paymentHandlers builds the configured payment handlers, reading the
// Stripe secrets from the environment, and returns the signing secrets of
// the Stripe webhook endpoints.
func paymentHandlers(cfg *config.Config, getenv func(string) string, stripeClient *http.Client) ([]payment.Handler, []string, error) {
	var out []payment.Handler
	var webhookSecrets []string
	for i, h := range cfg.Payments.Handlers {
		switch h.Kind {
		case "sandbox":
			out = append(out, sandbox.New(sandbox.Config{
				ID: h.ID, DisplayName: h.DisplayName, MerchantID: h.MerchantID,
				AcceptedBrands: h.AcceptedBrands, MerchantName: cfg.Merchant.Name,
			}))
		case "stripe":
			path := fmt.Sprintf("payments.handlers[%d].stripe", i)
			key := getenv(h.Stripe.SecretKeyEnv)
			if key == "" {
				return nil, nil, fmt.Errorf("%s.secret_key_env: environment variable %s is not set or empty", path, h.Stripe.SecretKeyEnv)
			}
			if env := h.Stripe.WebhookSecretEnv; env != "" {
				secret := getenv(env)
				if !strings.HasPrefix(secret, "whsec_") {
					return nil, nil, fmt.Errorf("%s.webhook_secret_env: environment variable %s must hold the endpoint's signing secret (whsec_…)", path, env)
				}
				webhookSecrets = append(webhookSecrets, secret)
			}
			handler, err := stripe.New(stripe.Config{
				ID: h.ID, DisplayName: h.DisplayName, MerchantID: h.MerchantID, AcceptedBrands: h.AcceptedBrands,
				SecretKey: key, StripeVersion: h.Stripe.APIVersion, CheckToken: h.Stripe.CheckToken, APIBaseURL: h.Stripe.APIBaseURL,
				AuthenticationMetadata: authenticationMetadata(h.Stripe.ThreeDS, cfg.Merchant.Name),
				External3DS:            h.Stripe.ThreeDS != nil && h.Stripe.ThreeDS.External,
				HTTPClient:             stripeClient,
				MaxNetworkRetries:      h.Stripe.MaxNetworkRetries,
			})
			if err != nil {
				return nil, nil, fmt.Errorf("%s: %w", path, err)
			}
			out = append(out, handler)
		}
	}
	return out, webhookSecrets, nil
}

// encryptionKey reads the store's encryption key: 64 hex characters.
func encryptionKey(env string, getenv func(string) string) ([]byte, error) {
	if env == "" {
		return nil, nil
	}
	key, err := hex.DecodeString(getenv(env))
	if err != nil || len(key) != 32 {
		return nil, fmt.Errorf("store.encryption_key_env: environment variable %s must hold a 32-byte key as 64 hex characters", env)
	}
	return key, nil
}

// stripeWebhook is the /stripe/webhooks handler, or nil when no Stripe
// handler has a webhook secret.
func stripeWebhook(secrets []string, svc *checkout.Service, orders *orders.Service, logger *slog.Logger) fiber.Handler {
	if len(secrets) == 0 {
		return nil
	}
	return stripehook.New(secrets, svc, orders, logger.With("component", "stripe-webhooks")).Serve
}

// authenticationMetadata is the ACP authentication_metadata a Stripe
// handler returns when 3D Secure is needed; nil without three_ds.
func authenticationMetadata(t *config.ThreeDS, merchantName string) json.RawMessage {
	if t == nil {
		return nil
	}
	details := map[string]any{
		"acquirer_bin":         t.AcquirerBIN,
		"acquirer_country":     t.AcquirerCountry,
		"acquirer_merchant_id": t.AcquirerMerchantID,
		"merchant_name":        text.Truncate(merchantName, 40),
	}
	if t.RequestorID != "" {
		details["requestor_id"] = t.RequestorID
	}
	data, _ := json.Marshal(map[string]any{"acquirer_details": details, "directory_server": t.DirectoryServer}) // maps of strings always marshal
	return data
}

func links(l config.Links) []acpwire.Link {
	var out []acpwire.Link
	for _, link := range []acpwire.Link{
		{Type: "terms_of_use", URL: l.TermsOfUse},
		{Type: "privacy_policy", URL: l.PrivacyPolicy},
		{Type: "return_policy", URL: l.ReturnPolicy},
		{Type: "shipping_policy", URL: l.ShippingPolicy},
		{Type: "contact_us", URL: l.ContactUs},
		{Type: "about_us", URL: l.AboutUs},
		{Type: "faq", URL: l.FAQ},
		{Type: "support", URL: l.Support},
	} {
		if link.URL != "" {
			out = append(out, link)
		}
	}
	return out
}
