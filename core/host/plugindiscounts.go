package host

import (
	"github.com/acp-sidecar/acp/config"
	"github.com/acp-sidecar/acp/core/pluginmgr"
	"github.com/acp-sidecar/acp/sdk/acpplugin"
	"github.com/acp-sidecar/acp/sdk/catalog"
)

// discountsProvider returns what decides a cart's discounts: the catalog
// plugin's promotion engine when the catalog is a plugin that announces
// catalog.discounts (supervised, its answers checked), else builtIn, the
// promotions of acp.yaml (nil: no discounts). The plugins have started.
func discountsProvider(cfg *config.Config, plugins *pluginmgr.Manager, builtIn catalog.Discounts) catalog.Discounts {
	if p, ok := cfg.PluginFor(config.CapabilityCatalog); ok && plugins.Announces(p.Name, acpplugin.CapabilityDiscounts) {
		return plugins.Discounts(p.Name)
	}
	return builtIn
}
