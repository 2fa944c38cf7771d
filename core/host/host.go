package host

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/acp-sidecar/acp/config"
	"github.com/acp-sidecar/acp/core/acpwire"
	"github.com/acp-sidecar/acp/core/builtin"
	"github.com/acp-sidecar/acp/core/capcache"
	"github.com/acp-sidecar/acp/core/checkout"
	"github.com/acp-sidecar/acp/core/feed"
	"github.com/acp-sidecar/acp/core/httpapi"
	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/orders"
	"github.com/acp-sidecar/acp/core/payment"
	"github.com/acp-sidecar/acp/core/pluginmgr"
	"github.com/acp-sidecar/acp/core/store"
	"github.com/acp-sidecar/acp/core/ucp"
	"github.com/acp-sidecar/acp/core/ucpcatalog"
	"github.com/acp-sidecar/acp/core/webhook"
	"github.com/acp-sidecar/acp/internal/certreload"
	"github.com/acp-sidecar/acp/internal/connlimit"
)

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
	// ucpNegotiator, ucpVerifier and ucpOperations serve UCP's binding
	// (ucp_api.go).
	ucpNegotiator ucp.Negotiator
	ucpVerifier   ucp.RequestVerifier
	ucpOperations map[string]ucp.Operation
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
	store   store.Store
	plugins *pluginmgr.Manager
	app     *fiber.App
	// profilesLn is the profiling listener, open between Listen and the
	// end of Serve.
	profilesLn net.Listener
	// certs serves the TLS certificate, set by Listen when TLS is on.
	certs     *certreload.Reloader
	deliverer *webhook.Deliverer
	// feeds publishes the product feeds; nil when acp.yaml has none.
	feeds *feed.Publisher
	// ucpCatalog is UCP's catalog index (ucp_catalog.go); nil when not served.
	ucpCatalog *ucpcatalog.Index
	// replicaLease is this process's replica lease (pluginstock.go).
	replicaLease store.Lease
	// Hardening (connections.go, probes.go): the metrics registry, the
	// listener metrics, the probe listener and what it serves.
	registry    *prometheus.Registry
	connMetrics *connlimit.Metrics
	probesLn    net.Listener
	ready       func() (bool, any)
	metrics     http.Handler
	// Service is the checkout engine, exposed for tests and tools.
	Service *checkout.Service
}

// New builds the gateway. getenv resolves the secrets acp.yaml names,
// checked first by CheckSecrets (all problems, as *config.Errors).
// Secrets, payment handlers and the checkout API's options, which a bad
// config or environment can make fail, are checked before the plugins start
// and the store opens; the MCP binding's schemas are loaded when the APIs
// are mounted, and a failure there closes what was opened.
func New(cfg *config.Config, logger *slog.Logger, getenv func(string) string, opts ...Option) (*Host, error) {
	o := options{now: time.Now, version: "dev"}
	for _, opt := range opts {
		opt(&o)
	}
	if problems := CheckSecrets(cfg, getenv); len(problems) > 0 {
		return nil, &config.Errors{Problems: problems}
	}
	secrets, err := readSecrets(cfg, logger, getenv)
	if err != nil {
		return nil, err
	}
	ucpTargets, err := ucpWebhookTargets(cfg, secrets.ucp)
	if err != nil {
		return nil, err
	}
	handlers, stripeSecrets, err := paymentHandlers(cfg, getenv, o.stripeHTTPClient)
	if err != nil {
		return nil, err
	}
	registry := newRegistry()
	apiOpts, err := checkoutAPIOptions(cfg, logger, registry, o.now, secrets, handlers)
	if err != nil {
		return nil, err
	}
	// What `acp check` warns of, the log says at every start.
	for _, w := range StoreWarnings(cfg) {
		logger.Warn("doubtful store settings", "path", w.Path, "problem", w.Message)
	}
	// The plugins' tax and shipping answers, reused while they hold.
	answers := capcache.New(capcache.Options{Registerer: registry, Now: o.now})
	plugins, err := startPlugins(cfg, getenv, logger, registry, answers)
	if err != nil {
		return nil, err
	}
	st, err := openStore(cfg, secrets.encryptionKey, getenv, logger, registry)
	if err != nil {
		plugins.Close()
		return nil, err
	}
	trackStock, err := syncStock(context.Background(), cfg, st, o.now())
	if err != nil {
		plugins.Close()
		return nil, errors.Join(err, st.Close())
	}
	builtIn := builtin.NewProductCatalog(builtinProducts(cfg.Catalog))
	feeds, err := newPublisher(cfg, st, feedListing(cfg, plugins, builtIn, logger), trackStock, getenv, logger, registry)
	if err != nil {
		plugins.Close()
		return nil, errors.Join(err, st.Close())
	}
	ucpCatalog, err := newUCPCatalog(cfg, st, plugins, builtIn, trackStock, logger)
	if err != nil {
		plugins.Close()
		return nil, errors.Join(err, st.Close())
	}
	deliverer := newDeliverer(cfg, st, append(slices.Clip(secrets.webhookTargets), ucpTargets...), logger, registry, o.now)
	admin := newAdmin(cfg, st, o.now, deliverer.Notify, orderSystem(cfg, plugins))
	admin.Feeds = feeds
	replica, err := acquireReplicaLease(context.Background(), st)
	if err != nil {
		plugins.Close()
		return nil, errors.Join(err, st.Close())
	}
	insights := newInsightMetrics(registry)
	svc := newEngine(cfg, st, capabilities(cfg, plugins, answers, builtIn, st, o.now), handlers, admin.Orders, o.now, newMoneyReporter(registry), insights, logger, trackStock)
	heldBy, provider := pluginStock(cfg, plugins)
	svc.SetPluginStock(heldBy, provider)
	svc.SetStockAttention(newStockAttention(registry))
	apiOpts.Service, apiOpts.Store, apiOpts.Readiness = svc, st, storeReadiness(st, readiness(cfg, plugins))
	metrics := metricsHandler(cfg, registry)
	api := httpapi.New(apiOpts)
	err = mountUCPProfile(api, cfg, handlers, secrets.ucp.public, ucpCatalog != nil)
	if err == nil {
		err = mountUCP(api, cfg, svc, st, ucpCatalogOperations(cfg, ucpCatalog), handlers, logger, o)
	}
	var app *fiber.App
	if err == nil {
		app, err = mountAPIs(api, cfg, o.version, logger, metrics, secrets.merchantToken, admin, stripeWebhook(stripeSecrets, svc, admin.Orders, logger))
	}
	if err != nil {
		plugins.Close()
		return nil, errors.Join(err, st.Close())
	}
	return &Host{cfg: cfg, logger: logger, store: st, plugins: plugins, app: app, deliverer: deliverer, feeds: feeds, ucpCatalog: ucpCatalog, Service: svc,
		replicaLease: replica, registry: registry, ready: apiOpts.Readiness, metrics: metrics}, nil
}

// newRegistry is the registry of the server's metrics, with the Go
// runtime's and the process's.
func newRegistry() *prometheus.Registry {
	registry := prometheus.NewRegistry()
	registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return registry
}

// metricsHandler serves the registry's metrics, or is nil when metrics
// are off.
func metricsHandler(cfg *config.Config, registry *prometheus.Registry) http.Handler {
	if !cfg.Metrics.On() {
		return nil
	}
	return promhttp.HandlerFor(registry, promhttp.HandlerOpts{})
}

// newEngine builds the checkout engine over st, pricing and fulfilling
// through caps and charging through handlers.
// Orders are also what cancels an order whose payment could not be
// captured; money outcomes are logged and counted through reporter,
// cancel reasons and attributed orders through insights.
func newEngine(cfg *config.Config, st store.Store, caps checkout.Capabilities, handlers []payment.Handler, ords *orders.Service,
	now func() time.Time, reporter checkout.MoneyReporter, insights *insightMetrics, logger *slog.Logger, trackStock bool) *checkout.Service {
	capture := map[string]payment.CaptureMethod{}
	for _, h := range cfg.Payments.Handlers {
		capture[h.ID] = payment.CaptureMethod(h.Capture)
	}
	return checkout.New(checkout.Options{
		Store:                  st,
		Capabilities:           caps,
		Handlers:               handlers,
		Currency:               cfg.Merchant.Currency,
		CurrencyExponent:       currencyExponent(cfg),
		SessionLifetime:        cfg.Store.SessionLifetime,
		OrderPermalinkTemplate: cfg.Merchant.OrderPermalinkTemplate,
		Interventions: model.Interventions{
			Supported:   cfg.Interventions.Supported,
			Required:    cfg.Interventions.Required,
			Enforcement: cfg.Interventions.Enforcement,
		},
		Escalation:        engineEscalation(cfg),
		Orders:            ords,
		OrderCanceler:     ords,
		CaptureMethods:    capture,
		PlacementDeadline: cfg.Orders.PlacementDeadline,
		MarketingChannels: marketingChannels(cfg),
		InsightsRetention: cfg.Orders.InsightsRetention,
		CancelReason:      insights.canceled,
		OrderAttributed:   insights.orderAttributed,
		MoneyReporter:     reporter,
		Logger:            logger.With("component", "checkout"),
		Now:               now,
		TrackStock:        trackStock,
	})
}

// Plugins describes the configured plugins as they are now, for tools and
// tests.
func (h *Host) Plugins() []pluginmgr.Status { return h.plugins.Status() }
