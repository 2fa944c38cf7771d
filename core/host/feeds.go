package host

import (
	"context"
	"fmt"
	"log/slog"
	"slices"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/acp-sidecar/acp/config"
	"github.com/acp-sidecar/acp/core/builtin"
	"github.com/acp-sidecar/acp/core/feed"
	"github.com/acp-sidecar/acp/core/pluginmgr"
	"github.com/acp-sidecar/acp/core/stock"
	"github.com/acp-sidecar/acp/core/store"
	"github.com/acp-sidecar/acp/sdk/acpplugin"
	"github.com/acp-sidecar/acp/sdk/catalog"
)

// feedTargets are acp.yaml's feed targets, each with its platform's
// credential read from the environment (CheckSecrets found it set; the
// CLI's status and push, which send nothing, may run without it).
func feedTargets(cfg *config.Config, getenv func(string) string) []feed.Target {
	out := make([]feed.Target, 0, len(cfg.Feeds))
	for _, f := range cfg.Feeds {
		out = append(out, feedTarget(f, getenv(f.TokenEnv)))
	}
	return out
}

// feedTarget is one of acp.yaml's feed targets with the credential token.
func feedTarget(f config.Feed, token string) feed.Target {
	return feed.Target{
		Name: f.Name, URL: f.URL, Token: token, Header: f.Header, TokenEnv: f.TokenEnv, TargetCountry: f.TargetCountry,
		Filter: feed.Filter{Categories: f.Filter.Categories, ProductIDs: f.Filter.ProductIDs, ExcludeProductIDs: f.Filter.ExcludeProductIDs},
	}
}

// newPublisher builds the publisher of acp.yaml's product feeds
// (feedTargets, their credentials read with getenv) over st, listing the
// catalog with listing (nil: the catalog does not list its products, and
// each target's status says so), the stock levels in st overriding the
// catalog's when trackStock; nil when acp.yaml has no feeds. Its metrics
// go to registry (none when nil).
func newPublisher(cfg *config.Config, st store.Store, listing catalog.Listing, trackStock bool, getenv func(string) string, logger *slog.Logger, registry prometheus.Registerer) (*feed.Publisher, error) {
	if len(cfg.Feeds) == 0 {
		return nil, nil
	}
	p := cfg.FeedPublishing
	publisher, err := feed.New(feed.Options{
		Store: st, Listing: listing, Currency: cfg.Merchant.Currency, TrackStock: trackStock, Targets: feedTargets(cfg, getenv),
		Delay: p.Delay, BatchSize: p.BatchSize, Timeout: p.Timeout, InitialBackoff: p.InitialBackoff, MaxBackoff: p.MaxBackoff,
		AllowPrivateNetworks: p.AllowPrivateNetworks,
		Logger:               logger.With("component", "feeds"),
		Metrics:              feed.NewMetrics(registry),
	})
	if err != nil {
		return nil, fmt.Errorf("feeds: %w", err)
	}
	return publisher, nil
}

// feedListing is what the product feeds list the catalog with
// (catalogListing). When acp.yaml has feeds and the catalog plugin does
// not announce catalog.listing, nothing can be published: that is logged
// as an error, naming the plugin and the capability, and the server
// starts all the same (each target's status says it too).
func feedListing(cfg *config.Config, plugins *pluginmgr.Manager, builtIn catalog.Listing, logger *slog.Logger) catalog.Listing {
	listing := catalogListing(cfg, plugins, builtIn)
	if listing == nil && len(cfg.Feeds) > 0 {
		p, _ := cfg.PluginFor(config.CapabilityCatalog)
		logger.Error("no product feed is published: the catalog plugin does not list its products (it does not announce the optional capability)",
			"plugin", p.Name, "capability", acpplugin.CapabilityListing)
	}
	return listing
}

// FeedExport is what ExportFeed writes.
type FeedExport struct {
	// Target names the feed target of acp.yaml exported for (its market
	// and filter); empty exports every product, without a market.
	Target string
	// FeedID is the feed id metadata.json names. Required.
	FeedID string
	// Dir is the folder the files are written to; Gzip compresses the
	// products file.
	Dir  string
	Gzip bool
	// Stock reads the stock levels of the built-in catalog's
	// stock-controlled items (from the store, or a running server's
	// merchant API).
	Stock feed.StockLevels
}

// ExportFeed writes the whole product feed as files (feed.Export) for
// `acp feed export`, and returns how many products it wrote. The catalog
// is listed from acp.yaml when it is built in, or by the catalog plugin,
// started for the export only, as `acp plugins describe` starts it:
// told that it is only described, so that it changes no state it shares
// with a running server.
func ExportFeed(ctx context.Context, cfg *config.Config, logger *slog.Logger, getenv func(string) string, opts FeedExport) (int, error) {
	target := feed.Target{}
	if opts.Target != "" {
		i := slices.IndexFunc(cfg.Feeds, func(f config.Feed) bool { return f.Name == opts.Target })
		if i < 0 {
			return 0, fmt.Errorf("feeds: no feed target is named %q", opts.Target)
		}
		target = feedTarget(cfg.Feeds[i], "")
	}
	export := feed.ExportOptions{Stock: opts.Stock, Currency: cfg.Merchant.Currency, Target: target, FeedID: opts.FeedID, Dir: opts.Dir, Gzip: opts.Gzip}
	p, ok := cfg.PluginFor(config.CapabilityCatalog)
	if !ok {
		export.Listing, export.TrackStock = builtin.NewProductCatalog(builtinProducts(cfg.Catalog)), stock.Tracked(builtinStock(cfg))
		return feed.Export(ctx, export)
	}
	specs, err := describingSpecs(cfg, getenv)
	if err != nil {
		return 0, err
	}
	specs = slices.DeleteFunc(specs, func(s pluginmgr.Spec) bool { return s.Name != p.Name })
	plugins := pluginmgr.New(pluginmgr.Options{Plugins: specs, Logger: logger})
	defer plugins.Close()
	if err := plugins.Start(ctx); err != nil {
		return 0, err
	}
	if export.Listing = catalogListing(cfg, plugins, nil); export.Listing == nil {
		return 0, fmt.Errorf("the catalog plugin %q does not list its products (it does not announce %s), so there is no feed to export", p.Name, acpplugin.CapabilityListing)
	}
	return feed.Export(ctx, export)
}
