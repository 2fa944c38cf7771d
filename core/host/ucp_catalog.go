package host

import (
	"context"
	"fmt"
	"log/slog"
	"slices"

	"github.com/acp-sidecar/acp/config"
	"github.com/acp-sidecar/acp/core/feed"
	"github.com/acp-sidecar/acp/core/pluginmgr"
	"github.com/acp-sidecar/acp/core/store"
	"github.com/acp-sidecar/acp/core/ucp"
	"github.com/acp-sidecar/acp/core/ucpcatalog"
	"github.com/acp-sidecar/acp/sdk/acpplugin"
	"github.com/acp-sidecar/acp/sdk/catalog"
)

// ucpOffersCapability reports whether acp.yaml offers the UCP capability
// name: UCP is enabled and ucp.capabilities names it, or names none
// (every capability served; see ucpServedCapabilities).
func ucpOffersCapability(cfg *config.Config, name string) bool {
	return cfg.UCP.Enabled && slices.Contains(ucpServedCapabilities(cfg, true), name)
}

// newUCPCatalog builds the index UCP's catalog operations answer from,
// over the catalog's listing (catalogListing: the built-in catalog's or
// the catalog plugin's), the store's stock levels counting when
// trackStock; nil when UCP serves no catalog capability, or when the
// catalog plugin does not list its products (logged as an error: the
// catalog capabilities then cannot be served). Host.Serve refreshes it.
func newUCPCatalog(cfg *config.Config, st store.Store, plugins *pluginmgr.Manager, builtIn catalog.Listing, trackStock bool, logger *slog.Logger) (*ucpcatalog.Index, error) {
	if !ucpOffersCapability(cfg, ucp.CapCatalogSearch) && !ucpOffersCapability(cfg, ucp.CapCatalogLookup) {
		return nil, nil
	}
	listing := catalogListing(cfg, plugins, builtIn)
	if listing == nil {
		p, _ := cfg.PluginFor(config.CapabilityCatalog)
		logger.Error("UCP catalog search and lookup are not served: the catalog plugin does not list its products (it does not announce the optional capability)",
			"plugin", p.Name, "capability", acpplugin.CapabilityListing)
		return nil, nil
	}
	opts := ucpcatalog.Options{Listing: listing, Currency: cfg.Merchant.Currency, Logger: logger.With("component", "ucp_catalog")}
	if trackStock {
		opts.Stock = feed.StoreLevels(st)
	}
	index, err := ucpcatalog.New(opts)
	if err != nil {
		return nil, fmt.Errorf("ucp catalog: %w", err)
	}
	return index, nil
}

// ucpCatalogOperations returns UCP's catalog operations by name
// (search_catalog, lookup_catalog, get_product) for the UCP bindings:
// those of the catalog capabilities acp.yaml offers; none without an
// index.
func ucpCatalogOperations(cfg *config.Config, index *ucpcatalog.Index) map[string]ucp.Operation {
	if index == nil {
		return map[string]ucp.Operation{}
	}
	return index.Operations(func(capability string) bool { return ucpOffersCapability(cfg, capability) })
}

// runUCPCatalog keeps the UCP catalog index fresh until ctx ends; it
// returns at once when there is none.
func (h *Host) runUCPCatalog(ctx context.Context) {
	if h.ucpCatalog != nil {
		h.ucpCatalog.Run(ctx)
	}
}
