package host

import (
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/acp-sidecar/acp/config"
	"github.com/acp-sidecar/acp/core/acpwire"
	"github.com/acp-sidecar/acp/core/httpapi"
	"github.com/acp-sidecar/acp/core/httpapi/discovery"
	"github.com/acp-sidecar/acp/core/idempotency"
	"github.com/acp-sidecar/acp/core/internal/ratelimit"
	"github.com/acp-sidecar/acp/core/mcpapi"
	"github.com/acp-sidecar/acp/core/merchantapi"
	"github.com/acp-sidecar/acp/core/payment"
)

// checkoutAPIOptions are the checkout API's settings from acp.yaml, built
// (and checked) before anything starts; New adds the engine, the store and
// readiness once they exist.
func checkoutAPIOptions(cfg *config.Config, logger *slog.Logger, registry prometheus.Registerer, now func() time.Time, secrets secrets, handlers []payment.Handler) (httpapi.Options, error) {
	limiter, err := ratelimit.New(cfg.Limits.RateLimit.PerSecond(), cfg.Limits.RateLimit.Burst)
	if err != nil {
		return httpapi.Options{}, fmt.Errorf("limits.rate_limit: %w", err)
	}
	seller := acpwire.Seller{Links: links(cfg.Merchant.Links), ConsentOptions: consentOptions(cfg)}
	for _, h := range handlers {
		seller.Handlers = append(seller.Handlers, h.Descriptor())
	}
	codecs := map[string]acpwire.Codec{}
	for _, v := range cfg.APIVersions {
		codec, ok := acpwire.New(v, seller, acpwire.Limits{
			MaxLineItems: cfg.Limits.MaxLineItems, MaxQuantity: cfg.Limits.MaxQuantity, MaxFulfillmentGroups: cfg.Limits.MaxFulfillmentGroups,
		})
		if !ok {
			return httpapi.Options{}, fmt.Errorf("api version %s is not served by this build", v)
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
		Orders:           len(secrets.webhookTargets) > 0,
	})
	if err != nil {
		return httpapi.Options{}, fmt.Errorf("discovery document: %w", err)
	}
	return httpapi.Options{
		Codecs:       codecs,
		Versions:     cfg.APIVersions,
		Agents:       secrets.agents,
		Logger:       logger,
		MaxBodyBytes: cfg.Server.MaxBodyBytes,
		ReadTimeout:  cfg.Server.ReadTimeout,
		WriteTimeout: cfg.Server.WriteTimeout,
		IdleTimeout:  cfg.Server.IdleTimeout,
		Idempotency:  idempotency.Policy{Retention: cfg.Idempotency.Retention, Lease: cfg.Idempotency.Lease},
		RateLimit:    limiter,
		Discovery:    doc,
		Registerer:   registry,
		Now:          now,
	}, nil
}

// mountAPIs mounts on the checkout API the APIs served beside it: the MCP
// binding (behind the agents' tokens, over the checkout API's
// dispatcher), the merchant API (behind its own token), Stripe's webhook
// (verified by Stripe's signature) and metrics; it returns the app with
// every route.
func mountAPIs(api *httpapi.API, cfg *config.Config, version string, logger *slog.Logger, metrics http.Handler, merchantToken string, admin *merchantapi.Local, stripeHook fiber.Handler) (*fiber.App, error) {
	if cfg.MCP.On() {
		mcp, err := mcpapi.New(mcpapi.Options{
			ErrorStyle:   cfg.MCP.ErrorStyle,
			Version:      version,
			MaxBodyBytes: int64(cfg.Server.MaxBodyBytes),
			Logger:       logger.With("component", "mcp"),
		}, api)
		if err != nil {
			return nil, fmt.Errorf("mcp: %w", err)
		}
		// The MCP endpoint authenticates at the HTTP level like REST; each
		// tool call is then dispatched through the REST stack.
		api.Mount(cfg.MCP.Path, func(r fiber.Router) { r.All("", adaptor.HTTPHandler(mcp)) }, api.AgentsOnly())
		api.EncodeErrorsAt(cfg.MCP.Path, mcpapi.EncodeError)
	}
	if cfg.MerchantAPI.On() {
		api.Mount("/merchant", func(r fiber.Router) {
			merchantapi.Routes(r, admin)
			merchantapi.StockRoutes(r, admin)
			merchantapi.SessionRoutes(r, admin)
			merchantapi.FeedRoutes(r, admin)
		}, httpapi.TokenOnly("merchant", merchantToken), httpapi.JSONBodies)
	}
	if stripeHook != nil {
		api.Mount("/stripe/webhooks", func(r fiber.Router) { r.Post("", stripeHook) })
	}
	if metrics != nil {
		api.Mount(cfg.Metrics.Path, func(r fiber.Router) { r.Get("", adaptor.HTTPHandler(metrics)) })
	}
	return api.App(), nil
}

// links are the seller links acp.yaml sets, in the order ACP lists them.
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
