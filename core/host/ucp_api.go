package host

import (
	"cmp"
	"log/slog"
	"maps"

	"github.com/acp-sidecar/acp/config"
	"github.com/acp-sidecar/acp/core/checkout"
	"github.com/acp-sidecar/acp/core/httpapi"
	"github.com/acp-sidecar/acp/core/httpsig"
	"github.com/acp-sidecar/acp/core/payment"
	"github.com/acp-sidecar/acp/core/store"
	"github.com/acp-sidecar/acp/core/ucp"
	"github.com/acp-sidecar/acp/core/ucpapi"
	"github.com/acp-sidecar/acp/core/ucpwire"
	"github.com/acp-sidecar/acp/sdk/catalog"
)

// WithUCPNegotiator makes the UCP binding negotiate with platforms
// through n instead of acp.yaml's profiles, for tests with a fixed
// platform.
func WithUCPNegotiator(n ucp.Negotiator) Option {
	return func(o *options) { o.ucpNegotiator = n }
}

// WithUCPVerifier makes the UCP binding check request signatures with v
// instead of core/httpsig's verifier, for tests.
func WithUCPVerifier(v ucp.RequestVerifier) Option {
	return func(o *options) { o.ucpVerifier = v }
}

// WithUCPOperations serves the non-checkout UCP operations ops (by
// operation name) beside, or instead of, the host's own, for tests.
func WithUCPOperations(ops map[string]ucp.Operation) Option {
	return func(o *options) { o.ucpOperations = ops }
}

// mountUCP mounts UCP's REST binding on api when acp.yaml enables UCP:
// the same engine (with its store, stock, promotions and payment
// handlers), agents, rate limits and idempotency as ACP's endpoints; the
// platform profiles resolved and negotiated by newUCPNegotiator, request
// signatures verified by core/httpsig, Get Order served from st and the
// catalog operations given (ucpCatalogOperations).
func mountUCP(api *httpapi.API, cfg *config.Config, svc *checkout.Service, st store.Store, catalogOps map[string]ucp.Operation,
	handlers []payment.Handler, logger *slog.Logger, o options) error {
	if !cfg.UCP.Enabled {
		return nil
	}
	negotiator := o.ucpNegotiator
	if negotiator == nil {
		resolver, err := newUCPNegotiator(cfg, len(catalogOps) > 0, logger)
		if err != nil {
			return err
		}
		negotiator = resolver
	}
	verifier := o.ucpVerifier
	if verifier == nil {
		verifier = httpsig.NewVerifier(httpsig.VerifierOptions{Window: cfg.UCP.SignatureWindow, Now: o.now})
	}
	signed := map[string]bool{}
	for _, a := range cfg.Agents {
		if a.UCP != nil && a.UCP.RequireSignatures {
			signed[a.Name] = true
		}
	}
	operations := map[string]ucp.Operation{ucp.OpGetOrder: ucpapi.GetOrder(st)}
	maps.Copy(operations, catalogOps)
	maps.Copy(operations, o.ucpOperations)
	codec, err := ucpwire.New(ucpBusiness(cfg, handlers, logger), ucpwire.Limits{
		MaxLineItems: cfg.Limits.MaxLineItems, MaxQuantity: cfg.Limits.MaxQuantity, MaxFulfillmentMethods: cfg.Limits.MaxFulfillmentGroups,
	})
	if err != nil {
		return err
	}
	mcp, err := mountUCPMCP(api, cfg, o.version, logger)
	if err != nil {
		return err
	}
	mcp.rest, err = ucpapi.Mount(api, cfg.UCP.BasePath, ucpapi.Options{
		Service:      svc,
		Codec:        codec,
		Negotiator:   negotiator,
		Verifier:     verifier,
		SignedAgents: signed,
		Operations:   operations,
		Logger:       logger.With("component", "ucp"),
	})
	return err
}

// ucpBusiness is what UCP checkout responses show of the business: the
// payment handlers offered over UCP, the policy links under UCP's type
// names, the escalation page as every session's continue_url, and a
// storefront page for answers without a session.
func ucpBusiness(cfg *config.Config, handlers []payment.Handler, logger *slog.Logger) ucpwire.Business {
	b := ucpwire.Business{
		Storefront: cmp.Or(cfg.Merchant.Links.AboutUs, cfg.Merchant.Links.Support, cfg.Merchant.Links.ContactUs, cfg.UCP.PublicURL),
		Handlers:   ucpHandlers(handlers),
	}
	l := cfg.Merchant.Links
	for _, link := range []ucpwire.Link{
		{Type: "terms_of_service", URL: l.TermsOfUse},
		{Type: "privacy_policy", URL: l.PrivacyPolicy},
		{Type: "refund_policy", URL: l.ReturnPolicy},
		{Type: "shipping_policy", URL: l.ShippingPolicy},
		{Type: "faq", URL: l.FAQ},
		{Type: "contact_us", URL: l.ContactUs, Title: "Contact us"},
		{Type: "about_us", URL: l.AboutUs, Title: "About us"},
		{Type: "support", URL: l.Support, Title: "Support"},
	} {
		if link.URL != "" {
			b.Links = append(b.Links, link)
		}
	}
	if template := cfg.Escalation.ContinueURL; template != "" {
		b.ContinueURL = func(sessionID string) string {
			page, err := catalog.ExpandContinueURL(template, sessionID, "")
			if err != nil {
				logger.Warn("escalation.continue_url cannot name a session's page", "error", err.Error())
			}
			return page
		}
	}
	return b
}

// ucpHandlers are the payment handlers offered over UCP, described for
// its payment_handlers registry, in advertising order.
func ucpHandlers(handlers []payment.Handler) []payment.UCPHandler {
	var offered []payment.UCPHandler
	for _, h := range handlers {
		if d, ok := h.(payment.UCPDescriber); ok {
			if uh, ok := d.UCPHandler(); ok {
				offered = append(offered, uh)
			}
		}
	}
	return offered
}
