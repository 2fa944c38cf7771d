package host

import (
	"context"
	"errors"

	"github.com/acp-sidecar/acp/config"
	"github.com/acp-sidecar/acp/core/pluginmgr"
	"github.com/acp-sidecar/acp/sdk/acp"
	"github.com/acp-sidecar/acp/sdk/acpplugin"
	"github.com/acp-sidecar/acp/sdk/catalog"
)

// discountsProvider returns what decides a cart's discounts: the catalog
// plugin's promotion engine when the catalog is a plugin that announces
// catalog.discounts (supervised), else builtIn, the promotions of acp.yaml
// (nil: no discounts). A plugin that announces it but answers
// acp.ErrNotOffered (it offers discounts only for some stores) leaves the
// cart to builtIn. The plugins have started.
func discountsProvider(cfg *config.Config, plugins *pluginmgr.Manager, builtIn catalog.Discounts) catalog.Discounts {
	p, ok := cfg.PluginFor(config.CapabilityCatalog)
	if !ok || !plugins.Announces(p.Name, acpplugin.CapabilityDiscounts) {
		return builtIn
	}
	if builtIn == nil {
		return plugins.Discounts(p.Name)
	}
	return discountsOrElse{first: plugins.Discounts(p.Name), otherwise: builtIn}
}

// discountsOrElse asks first, and otherwise when first does not offer
// discounts.
type discountsOrElse struct{ first, otherwise catalog.Discounts }

func (d discountsOrElse) Evaluate(ctx context.Context, req *catalog.DiscountRequest) (*catalog.DiscountResponse, error) {
	resp, err := d.first.Evaluate(ctx, req)
	if errors.Is(err, acp.ErrNotOffered) {
		return d.otherwise.Evaluate(ctx, req)
	}
	return resp, err
}
