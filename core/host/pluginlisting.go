package host

import (
	"github.com/acp-sidecar/acp/config"
	"github.com/acp-sidecar/acp/core/pluginmgr"
	"github.com/acp-sidecar/acp/sdk/acpplugin"
	"github.com/acp-sidecar/acp/sdk/catalog"
)

// catalogListing returns what lists the catalog's products for product
// feeds: builtIn when the catalog is built in; the catalog plugin's
// listing (supervised) when acp.yaml maps the catalog to a plugin that
// announces catalog.listing; nil, no listing and so no feed, when the
// plugin does not. The listing of a plugin that announces it may still
// answer acp.ErrNotOffered. The plugins have started.
func catalogListing(cfg *config.Config, plugins *pluginmgr.Manager, builtIn catalog.Listing) catalog.Listing {
	p, ok := cfg.PluginFor(config.CapabilityCatalog)
	switch {
	case !ok:
		return builtIn
	case !plugins.Announces(p.Name, acpplugin.CapabilityListing):
		return nil
	}
	return plugins.Listing(p.Name)
}
