package host

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/acp-sidecar/acp/config"
	"github.com/acp-sidecar/acp/core/builtin"
	"github.com/acp-sidecar/acp/core/capcache"
	"github.com/acp-sidecar/acp/core/checkout"
	"github.com/acp-sidecar/acp/core/pluginmgr"
	"github.com/acp-sidecar/acp/core/stock"
	"github.com/acp-sidecar/acp/core/store"
	"github.com/acp-sidecar/acp/sdk/acpplugin"
	"github.com/acp-sidecar/acp/sdk/catalog"
	"github.com/acp-sidecar/acp/sdk/fulfillment"
	"github.com/acp-sidecar/acp/sdk/promotion"
)

// pluginSpecs turns acp.yaml's plugins into what the manager runs: the
// command made absolute (so a later change of directory cannot change
// which binary runs), the allowlisted variables that are set, and the
// config block as JSON.
func pluginSpecs(cfg *config.Config, getenv func(string) string) ([]pluginmgr.Spec, error) {
	var specs []pluginmgr.Spec
	for _, use := range cfg.UsedPlugins() {
		p := use.Plugin
		command, err := filepath.Abs(p.Command)
		if err != nil {
			return nil, fmt.Errorf("plugin %q: command %s: %w", p.Name, p.Command, err)
		}
		raw, err := p.ConfigJSON()
		if err != nil {
			return nil, fmt.Errorf("plugin %q: config: %w", p.Name, err)
		}
		var env []string
		for _, name := range p.Env {
			if v := getenv(name); v != "" {
				env = append(env, name+"="+v)
			}
		}
		specs = append(specs, pluginmgr.Spec{
			Name: p.Name, Command: command, Args: p.Args, Dir: p.Dir, Env: env, SHA256: p.SHA256, Config: raw,
			Capabilities: use.Capabilities, Timeout: p.Timeout, StartTimeout: p.StartTimeout, HealthInterval: p.HealthInterval,
			InitialBackoff: p.RestartBackoff.Initial, MaxBackoff: p.RestartBackoff.Max,
			CircuitFailures: p.Circuit.Failures, CircuitCooldown: p.Circuit.Cooldown,
		})
	}
	return specs, nil
}

// newPlugins prepares (without starting) the plugin manager for cfg.
// answers, when set, forgets a plugin's answers each time it starts.
func newPlugins(cfg *config.Config, getenv func(string) string, logger *slog.Logger, reg prometheus.Registerer, answers *capcache.Cache) (*pluginmgr.Manager, error) {
	specs, err := pluginSpecs(cfg, getenv)
	if err != nil {
		return nil, err
	}
	opts := pluginmgr.Options{Plugins: specs, Logger: logger, Registerer: reg}
	if answers != nil {
		opts.OnStart = answers.Forget
	}
	return pluginmgr.New(opts), nil
}

// startPlugins starts the plugins acp.yaml uses. They start before the
// store opens: a plugin that cannot start, serve what acp.yaml maps to it
// or take its config stops the server. Each start of a plugin's process
// (its restarts included) forgets its answers kept in answers.
func startPlugins(cfg *config.Config, getenv func(string) string, logger *slog.Logger, reg prometheus.Registerer, answers *capcache.Cache) (*pluginmgr.Manager, error) {
	plugins, err := newPlugins(cfg, getenv, logger, reg, answers)
	if err != nil {
		return nil, err
	}
	if err := plugins.Start(context.Background()); err != nil {
		return nil, err
	}
	return plugins, nil
}

// capabilities picks, for each capability, the built-in provider (the
// catalog builtIn) or the plugin acp.yaml maps it to. A plugin's tax and
// shipping answers go through answers, which reuses an answer for an
// identical request while the plugin's MaxAge allows (plugin protocol
// 1.5); the built-in providers run in process and are not cached, nor is
// a catalog plugin, whose answers carry the stock. The built-in
// promotions count their codes' uses in st (syncStock writes the limits).
func capabilities(cfg *config.Config, plugins *pluginmgr.Manager, answers *capcache.Cache, builtIn *builtin.Catalog, st store.Store, now func() time.Time) checkout.Capabilities {
	caps := checkout.Capabilities{
		Catalog:     builtIn,
		Tax:         builtin.NewTax(builtinTax(cfg.Tax)),
		Shipping:    builtin.NewShipping(builtinShipping(cfg.FulfillmentOptions), now),
		Fulfillment: builtin.Fulfillment{},
	}
	if p, ok := cfg.PluginFor(config.CapabilityCatalog); ok {
		caps.Catalog = plugins.Catalog(p.Name)
	}
	if p, ok := cfg.PluginFor(config.CapabilityTax); ok {
		caps.Tax = answers.Tax(p.Name, plugins.Tax(p.Name))
	}
	if p, ok := cfg.PluginFor(config.CapabilityShipping); ok {
		caps.Shipping = answers.Shipping(p.Name, plugins.Shipping(p.Name))
	}
	if p, ok := cfg.PluginFor(config.CapabilityFulfillment); ok {
		caps.Fulfillment = plugins.Fulfillment(p.Name)
	}
	var promotions catalog.Discounts
	if len(cfg.Promotions) > 0 {
		promotions = promotion.New(builtinPromotions(cfg.Promotions), stock.UsesLeftIn(st))
	}
	caps.Discounts = discountsProvider(cfg, plugins, promotions)
	return caps
}

// orderSystem is the fulfillment plugin cancellations go to first, or nil
// when fulfillment is built in: the sidecar's own store is then the order
// system, with nothing to tell.
func orderSystem(cfg *config.Config, plugins *pluginmgr.Manager) fulfillment.Fulfillment {
	if p, ok := cfg.PluginFor(config.CapabilityFulfillment); ok {
		return plugins.Fulfillment(p.Name)
	}
	return nil
}

// readiness reports, for /readyz, each capability's provider and whether
// it can serve. Built-in providers always can. Plugin messages stay out of
// the (unauthenticated) body; they are in the log and in
// `acp plugins describe`.
func readiness(cfg *config.Config, plugins *pluginmgr.Manager) func() (bool, any) {
	return func() (bool, any) {
		states := map[string]pluginmgr.Status{}
		for _, st := range plugins.Status() {
			states[st.Name] = st
		}
		type capabilityState struct {
			Provider string `json:"provider"`
			State    string `json:"state"`
		}
		ready := true
		detail := map[string]capabilityState{}
		for _, use := range cfg.Capabilities.Each() {
			if use.Provider == config.Builtin || use.Provider == "" {
				detail[use.Capability] = capabilityState{Provider: config.Builtin, State: string(pluginmgr.StateRunning)}
				continue
			}
			st := states[use.Provider]
			ready = ready && st.Ready()
			detail[use.Capability] = capabilityState{Provider: use.Provider, State: string(st.State)}
		}
		status := "ready"
		if !ready {
			status = "not_ready"
		}
		return ready, map[string]any{"status": status, "capabilities": detail}
	}
}

// DescribePlugins starts each plugin acp.yaml configures, as the server
// would, reports what it says about itself and its health, and stops it
// again. It is `acp plugins describe`; a running server is not disturbed:
// each plugin is told it is only described (acpplugin.EnvDescribing), so
// that it changes no state it shares with the server.
func DescribePlugins(ctx context.Context, cfg *config.Config, logger *slog.Logger, getenv func(string) string) ([]pluginmgr.Status, error) {
	specs, err := describingSpecs(cfg, getenv)
	if err != nil {
		return nil, err
	}
	return pluginmgr.New(pluginmgr.Options{Plugins: specs, Logger: logger}).Describe(ctx), nil
}

// describingSpecs are pluginSpecs, each plugin told that it is only
// described (acpplugin.EnvDescribing).
func describingSpecs(cfg *config.Config, getenv func(string) string) ([]pluginmgr.Spec, error) {
	specs, err := pluginSpecs(cfg, getenv)
	if err != nil {
		return nil, err
	}
	for i := range specs {
		specs[i].Env = append(specs[i].Env, acpplugin.EnvDescribing+"=1")
	}
	return specs, nil
}
