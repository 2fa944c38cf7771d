package host

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"

	"github.com/gofiber/fiber/v2"

	"github.com/acp-sidecar/acp/config"
	"github.com/acp-sidecar/acp/core/httpapi"
	"github.com/acp-sidecar/acp/core/payment"
	"github.com/acp-sidecar/acp/core/ucp"
	"github.com/acp-sidecar/acp/core/ucpprofile"
)

// ucpProfilePath is where the business profile is served.
const ucpProfilePath = "/.well-known/ucp"

// mountUCPProfile serves the business profile at /.well-known/ucp, public
// and cacheable, when UCP is enabled: built from acp.yaml's ucp section,
// the payment handlers that describe themselves for UCP and the public
// signing keys. The catalog capabilities are advertised only when
// catalogServed (a catalog plugin that lists no products cannot serve
// them).
func mountUCPProfile(api *httpapi.API, cfg *config.Config, handlers []payment.Handler, publicKeys []json.RawMessage, catalogServed bool) error {
	if !cfg.UCP.Enabled {
		return nil
	}
	body, err := ucpprofile.BusinessProfile(ucpprofile.Business{
		PublicURL:       cfg.UCP.PublicURL,
		BasePath:        cfg.UCP.BasePath,
		MCPPath:         cfg.UCP.MCPPath,
		Capabilities:    ucpServedCapabilities(cfg, catalogServed),
		PaymentHandlers: ucpHandlers(handlers),
		SigningKeys:     publicKeys,
	})
	if err != nil {
		return fmt.Errorf("ucp: business profile: %w", err)
	}
	api.Mount(ucpProfilePath, func(r fiber.Router) {
		r.Get("", func(c *fiber.Ctx) error {
			c.Set(fiber.HeaderCacheControl, ucpprofile.BusinessCacheControl)
			c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
			return c.Send(body)
		})
	})
	return nil
}

// ucpServedCapabilities are the capabilities the business offers, and so
// both advertises in its profile and negotiates with platforms:
// ucp.capabilities, without the catalog ones unless catalogServed (a
// catalog plugin that lists no products cannot serve them).
func ucpServedCapabilities(cfg *config.Config, catalogServed bool) []string {
	capabilities := cfg.UCP.Capabilities
	if len(capabilities) == 0 {
		capabilities = ucpprofile.Served
	}
	if catalogServed {
		return capabilities
	}
	return slices.DeleteFunc(slices.Clone(capabilities), func(name string) bool {
		return name == ucp.CapCatalogSearch || name == ucp.CapCatalogLookup
	})
}

// newUCPNegotiator builds the resolver of platform profiles from acp.yaml:
// each agent's profile hosts and inline profiles, the fetch and cache
// bounds, the capabilities offered (ucpServedCapabilities: those the
// profile advertises), and the webhook address rules
// (webhook_delivery.allow_private_networks) for fetches and order webhook
// URLs. A malformed inline profile is an error (acp check reports it
// first).
func newUCPNegotiator(cfg *config.Config, catalogServed bool, logger *slog.Logger) (*ucpprofile.Resolver, error) {
	agents := map[string]ucpprofile.AgentPolicy{}
	for _, a := range cfg.Agents {
		if a.UCP == nil {
			continue
		}
		policy := ucpprofile.AgentPolicy{ProfileHosts: a.UCP.ProfileHosts, Profiles: map[string]json.RawMessage{}}
		for _, p := range a.UCP.Profiles {
			doc, err := json.Marshal(p.Document)
			if err != nil {
				return nil, fmt.Errorf("agent %s: ucp profile %s: %w", a.Name, p.URL, err)
			}
			policy.Profiles[p.URL] = doc
		}
		agents[a.Name] = policy
	}
	f := cfg.UCP.ProfileFetch
	r, err := ucpprofile.NewResolver(ucpprofile.Options{
		Agents:               agents,
		Capabilities:         ucpServedCapabilities(cfg, catalogServed),
		Timeout:              f.Timeout,
		MinTTL:               f.MinTTL,
		MaxTTL:               f.MaxTTL,
		CacheSize:            f.CacheSize,
		MaxBytes:             int64(f.MaxBytes),
		AllowPrivateNetworks: cfg.WebhookDelivery.AllowPrivateNetworks,
		Logger:               logger.With("component", "ucp-profiles"),
	})
	if err != nil {
		return nil, fmt.Errorf("ucp: %w", err)
	}
	return r, nil
}
