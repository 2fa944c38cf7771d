package pluginmgr

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/acp-sidecar/acp/sdk/catalog"
	"github.com/acp-sidecar/acp/sdk/fulfillment"
	"github.com/acp-sidecar/acp/sdk/shipping"
	"github.com/acp-sidecar/acp/sdk/tax"
)

// Options configure a Manager.
type Options struct {
	// Plugins are the plugins to run.
	Plugins []Spec
	// Logger receives the manager's and the plugins' log lines.
	Logger *slog.Logger
	// Registerer, when set, receives the plugin metrics.
	Registerer prometheus.Registerer
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// OnStart, when set, is called with a plugin's name each time its
	// process has started and taken its configuration (the first start
	// and every restart), before the calls waiting for that start go on.
	// The host forgets the plugin's cached answers there.
	OnStart func(plugin string)
}

// Manager runs the configured plugins.
type Manager struct {
	supervisors []*supervisor
	byName      map[string]*supervisor
}

// New prepares the plugins without starting any: a plugin starts at
// Start, or at its first call.
func New(opts Options) *Manager {
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	m := &Manager{byName: map[string]*supervisor{}}
	met := newMetrics(opts.Registerer)
	for _, spec := range opts.Plugins {
		s := newSupervisor(spec, logger.With("component", "plugins"), met, now)
		s.onStart = opts.OnStart
		m.supervisors = append(m.supervisors, s)
		m.byName[spec.Name] = s
	}
	return m
}

// Start starts every plugin, concurrently, and checks each one's health
// once. It fails (after stopping those it started) when any plugin cannot
// start, serve its capabilities or accept its configuration: a server
// must not come up with a broken acp.yaml.
func (m *Manager) Start(ctx context.Context) error {
	if err := m.startAll(ctx); err != nil {
		m.Close()
		return fmt.Errorf("start plugins: %w", err)
	}
	return nil
}

// Describe starts every plugin, checks its health, reports each one's
// status (a plugin that could not start is down, with the reason) and
// stops them all again. It is `acp plugins describe`.
func (m *Manager) Describe(ctx context.Context) []Status {
	_ = m.startAll(ctx)
	defer m.Close()
	return m.Status()
}

// startAll starts every plugin concurrently, through the same shared
// start as a call's, and returns their failures.
func (m *Manager) startAll(ctx context.Context) error {
	errs := make([]error, len(m.supervisors))
	var wg sync.WaitGroup
	for i, s := range m.supervisors {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(ctx, s.spec.StartTimeout)
			defer cancel()
			errs[i] = s.startNow(ctx)
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Run polls each plugin's health (restarting those that are down) until
// ctx ends.
func (m *Manager) Run(ctx context.Context) {
	var wg sync.WaitGroup
	for _, s := range m.supervisors {
		wg.Go(func() {
			for {
				// Jitter keeps plugins from being polled in lockstep.
				wait := jitter(s.spec.HealthInterval)
				select {
				case <-ctx.Done():
					return
				case <-time.After(wait):
					s.checkHealth(ctx)
				}
			}
		})
	}
	<-ctx.Done()
	wg.Wait()
}

// Status describes every plugin, in acp.yaml order.
func (m *Manager) Status() []Status {
	out := make([]Status, len(m.supervisors))
	for i, s := range m.supervisors {
		out[i] = s.status()
	}
	return out
}

// Close stops every plugin. Calls after Close fail with ErrClosed.
func (m *Manager) Close() {
	var wg sync.WaitGroup
	for _, s := range m.supervisors {
		wg.Go(s.close)
	}
	wg.Wait()
}

// Catalog returns the named plugin's catalog, supervised.
func (m *Manager) Catalog(plugin string) catalog.Catalog { return supervisedCatalog{m.byName[plugin]} }

// StockReservations returns the named plugin's optional stock
// reservations, supervised: its calls return acp.ErrNotOffered when the
// plugin does not announce catalog.stock_reservations.
func (m *Manager) StockReservations(plugin string) catalog.StockReservations {
	return supervisedStock{m.byName[plugin]}
}

// Discounts returns the named plugin's optional promotion engine,
// supervised: its calls return acp.ErrNotOffered when the plugin does not
// announce catalog.discounts.
func (m *Manager) Discounts(plugin string) catalog.Discounts {
	return supervisedDiscounts{m.byName[plugin]}
}

// Listing returns the named plugin's optional product listing,
// supervised: its calls return acp.ErrNotOffered when the plugin does not
// announce catalog.listing.
func (m *Manager) Listing(plugin string) catalog.Listing {
	return supervisedListing{m.byName[plugin]}
}

// Announces reports whether the named plugin announced capability when it
// last started.
func (m *Manager) Announces(plugin, capability string) bool {
	s, ok := m.byName[plugin]
	if !ok {
		return false
	}
	return s.status().Info.Serves(capability)
}

// Tax returns the named plugin's tax capability, supervised.
func (m *Manager) Tax(plugin string) tax.Tax { return supervisedTax{m.byName[plugin]} }

// Shipping returns the named plugin's shipping capability, supervised.
func (m *Manager) Shipping(plugin string) shipping.Shipping {
	return supervisedShipping{m.byName[plugin]}
}

// Fulfillment returns the named plugin's fulfillment capability,
// supervised.
func (m *Manager) Fulfillment(plugin string) fulfillment.Fulfillment {
	return supervisedFulfillment{m.byName[plugin]}
}
