package host

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/acp-sidecar/acp/config"
	"github.com/acp-sidecar/acp/core/checkout"
	"github.com/acp-sidecar/acp/core/pluginmgr"
	"github.com/acp-sidecar/acp/core/store"
	"github.com/acp-sidecar/acp/sdk/acpplugin"
	"github.com/acp-sidecar/acp/sdk/catalog"
)

// Stock held by a catalog plugin (core/checkout/pluginstock.go). Every
// hold the engine records names its owner, this process's lease owner;
// the process holds the lease "replica/<owner>" while it runs, renewing
// it, so that another process (or this one after a restart) can tell a
// dead owner: its replica lease can be taken.

const (
	// replicaLeaseTTL is how long a replica lease outlives its last
	// renewal: how long after a crash its holds wait to be resolved by
	// another replica. A restarted process resolves them at once (its
	// owner is new, and an embedded store's leases do not survive it).
	replicaLeaseTTL = 30 * time.Second
	// replicaRenewEvery is how often the replica lease is renewed.
	replicaRenewEvery = 10 * time.Second
	// pluginHoldsEvery is how often unfinished plugin holds are resolved.
	pluginHoldsEvery = 10 * time.Second
	// pluginHoldsBatch is how many holds are read at a time; every round
	// walks all of them.
	pluginHoldsBatch = 1000
)

// newStockAttention counts, in acp_stock_attention_total by plugin and
// cause, the catalog-plugin holds the seller must look at (the checkout
// engine logs each at Error).
func newStockAttention(reg prometheus.Registerer) func(provider, cause string) {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "acp_stock_attention_total",
		Help: "Catalog-plugin stock holds the seller must look at, by plugin and cause: commit_refused (the plugin refuses to sell a placed order's units; retried), no_such_hold (it never held them), hold_lapsed (the hold lapsed and the units are gone: the order cannot be fulfilled from stock), renew_short (a pending payment's hold lapsed and its units are gone), no_plugin (a hold recorded for a plugin that does not hold stock now; kept until it does).",
	}, []string{"plugin", "cause"})
	reg.MustRegister(c)
	return func(provider, cause string) { c.WithLabelValues(provider, cause).Inc() }
}

// replicaLeaseName is the lease a live process holds under its owner.
func replicaLeaseName(owner string) string { return "replica/" + owner }

// pluginStock returns the catalog plugin's stock reservations and its
// name when the catalog is a plugin that announces
// catalog.stock_reservations; nil otherwise (the plugins have started).
func pluginStock(cfg *config.Config, plugins *pluginmgr.Manager) (catalog.StockReservations, string) {
	p, ok := cfg.PluginFor(config.CapabilityCatalog)
	if !ok || !plugins.Announces(p.Name, acpplugin.CapabilityStockReservations) {
		return nil, ""
	}
	return plugins.StockReservations(p.Name), p.Name
}

// acquireReplicaLease takes this process's replica lease.
func acquireReplicaLease(ctx context.Context, st store.Store) (store.Lease, error) {
	ctx, cancel := context.WithTimeout(ctx, replicaLeaseTTL+5*time.Second)
	defer cancel()
	l, err := st.Leases().Acquire(ctx, replicaLeaseName(st.Leases().Owner()), replicaLeaseTTL)
	if err != nil {
		return store.Lease{}, fmt.Errorf("take the replica lease: %w", err)
	}
	return l, nil
}

// ownerAlive tells whether the owner of a hold still runs: it does while
// another process holds its replica lease. A lease taken to find out is
// given back at once.
func ownerAlive(leases store.Leases) checkout.OwnerAlive {
	return func(ctx context.Context, owner string) (bool, error) {
		if owner == "" {
			return false, nil
		}
		l, _, ok, err := leases.TryAcquire(ctx, replicaLeaseName(owner), time.Second)
		if err != nil {
			return false, fmt.Errorf("check owner %s: %w", owner, err)
		}
		if !ok {
			return true, nil
		}
		if err := leases.Release(ctx, l); err != nil {
			return false, fmt.Errorf("check owner %s: %w", owner, err)
		}
		return false, nil
	}
}

// keepReplicaLease renews the replica lease until ctx ends, then gives
// it up. A lease lost (the store saw this process as dead) is taken again.
func (h *Host) keepReplicaLease(ctx context.Context) {
	repeat(ctx, replicaRenewEvery, func() {
		err := h.store.Leases().Renew(ctx, &h.replicaLease, replicaLeaseTTL)
		if errors.Is(err, store.ErrLeaseLost) {
			h.logger.Error("the replica lease was lost; taking it again", "owner", h.store.Leases().Owner())
			if l, aerr := acquireReplicaLease(ctx, h.store); aerr == nil {
				h.replicaLease = l
				return
			}
		}
		if err != nil && ctx.Err() == nil {
			h.logger.Warn("renewing the replica lease", "error", err.Error())
		}
	})
	_ = h.store.Leases().Release(context.Background(), h.replicaLease)
}

// resolvePluginHolds resolves unfinished plugin holds now and every
// pluginHoldsEvery until ctx ends.
func (h *Host) resolvePluginHolds(ctx context.Context) {
	round := func() {
		n, err := h.Service.ResolvePluginHolds(ctx, pluginHoldsBatch, ownerAlive(h.store.Leases()))
		if err != nil && ctx.Err() == nil {
			h.logger.Warn("resolving the catalog plugin's stock holds", "resolved", n, "error", err.Error())
		} else if n > 0 {
			h.logger.Info("resolved the catalog plugin's stock holds", "resolved", n)
		}
	}
	round()
	repeat(ctx, pluginHoldsEvery, round)
}
