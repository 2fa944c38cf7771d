package host

import (
	"encoding/json"
	"fmt"
	"log/slog"

	"github.com/gofiber/fiber/v2"

	"github.com/acp-sidecar/acp/config"
	"github.com/acp-sidecar/acp/core/httpapi"
	"github.com/acp-sidecar/acp/core/payment"
	"github.com/acp-sidecar/acp/core/ucpprofile"
)

// ucpProfilePath is where the business profile is served.
const ucpProfilePath = "/.well-known/ucp"

// mountUCPProfile serves the business profile at /.well-known/ucp, public
// and cacheable, when UCP is enabled: built from acp.yaml's ucp section,
// the payment handlers that describe themselves for UCP and the public
// signing keys.
func mountUCPProfile(api *httpapi.API, cfg *config.Config, handlers []payment.Handler, publicKeys []json.RawMessage) error {
	if !cfg.UCP.Enabled {
		return nil
	}
	var offered []payment.UCPHandler
	for _, h := range handlers {
		if d, ok := h.(payment.UCPDescriber); ok {
			if uh, ok := d.UCPHandler(); ok {
				offered = append(offered, uh)
			}
		}
	}
	body, err := ucpprofile.BusinessProfile(ucpprofile.Business{
		PublicURL:       cfg.UCP.PublicURL,
		BasePath:        cfg.UCP.BasePath,
		MCPPath:         cfg.UCP.MCPPath,
		Capabilities:    cfg.UCP.Capabilities,
		PaymentHandlers: offered,
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

// newUCPNegotiator builds the resolver of platform profiles from acp.yaml:
// each agent's profile hosts and inline profiles, the fetch and cache
// bounds, the capabilities offered, and the webhook address rules
// (webhook_delivery.allow_private_networks) for fetches and order webhook
// URLs. A malformed inline profile is an error (acp check reports it
// first).
func newUCPNegotiator(cfg *config.Config, logger *slog.Logger) (*ucpprofile.Resolver, error) {
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
		Capabilities:         cfg.UCP.Capabilities,
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
