package host

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

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
// cart to builtIn, and is not asked again for discountsNotOfferedHold.
// The plugins have started.
func discountsProvider(cfg *config.Config, plugins *pluginmgr.Manager, builtIn catalog.Discounts) catalog.Discounts {
	p, ok := cfg.PluginFor(config.CapabilityCatalog)
	if !ok || !plugins.Announces(p.Name, acpplugin.CapabilityDiscounts) {
		return builtIn
	}
	plugin := &notOfferedFor{next: plugins.Discounts(p.Name), hold: discountsNotOfferedHold, now: time.Now}
	if builtIn == nil {
		return plugin
	}
	return discountsOrElse{first: plugin, otherwise: builtIn}
}

// discountsNotOfferedHold is how long the host takes a catalog plugin's
// acp.ErrNotOffered answer to Evaluate as the answer to the next ones. A
// plugin gives it for its store (acp-plugin-catalog-file without a
// promotions file), and every pricing of every checkout would otherwise
// ask again: a round trip to the plugin per create, update and complete.
// A promotions file added while the plugin runs takes effect within it.
const discountsNotOfferedHold = time.Second

// notOfferedFor is next, a plugin's discounts, answering acp.ErrNotOffered
// without asking for hold after the plugin answered it. Any other answer
// is next's, every time.
type notOfferedFor struct {
	next catalog.Discounts
	hold time.Duration
	now  func() time.Time
	// until is when the last acp.ErrNotOffered answer stops holding, in
	// Unix nanoseconds (zero: none holds).
	until atomic.Int64
}

// Evaluate asks the plugin unless its acp.ErrNotOffered answer holds.
func (d *notOfferedFor) Evaluate(ctx context.Context, req *catalog.DiscountRequest) (*catalog.DiscountResponse, error) {
	if d.now().UnixNano() < d.until.Load() {
		return nil, fmt.Errorf("%w: the catalog plugin answered that less than %s ago", acp.ErrNotOffered, d.hold)
	}
	resp, err := d.next.Evaluate(ctx, req)
	if errors.Is(err, acp.ErrNotOffered) {
		d.until.Store(d.now().Add(d.hold).UnixNano())
	}
	return resp, err
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
