package host

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"sync"
	"time"

	"github.com/acp-sidecar/acp/core/store"
	"github.com/acp-sidecar/acp/internal/certreload"
)

// Listen opens the configured listener (TLS 1.3 when configured) behind
// the connection limits (connections.go), the profiling listener when
// profiling.listen is set, and the probe listener when
// server.probes_listen is set (probes.go).
func (h *Host) Listen() (net.Listener, error) {
	if addr := h.cfg.Profiling.Listen; addr != "" && h.profilesLn == nil {
		pln, err := net.Listen("tcp", addr)
		if err != nil {
			return nil, fmt.Errorf("profiling.listen: %w", err)
		}
		h.profilesLn = pln
	}
	ln, err := net.Listen("tcp", h.cfg.Server.Listen)
	if err != nil {
		err = fmt.Errorf("listen on %s: %w", h.cfg.Server.Listen, err)
	} else if err = h.listenProbes(); err != nil {
		_ = ln.Close()
	}
	if err != nil {
		if h.profilesLn != nil {
			_ = h.profilesLn.Close()
			h.profilesLn = nil
		}
		return nil, err
	}
	ln = h.limitConnections(ln)
	if !h.cfg.Server.TLS.Enabled() {
		return ln, nil
	}
	// ACP requires TLS 1.3; 1.2 only where server.tls.min_version says so.
	// The certificate is reloaded when its files change, and by ReloadTLS.
	certs, err := certreload.New(h.cfg.Server.TLS.CertFile, h.cfg.Server.TLS.KeyFile, h.logger)
	if err != nil {
		_ = ln.Close()
		return nil, fmt.Errorf("load TLS certificate: %w", err)
	}
	h.certs = certs
	return certs.Listen(ln, &tls.Config{MinVersion: h.cfg.Server.TLS.MinVersion.ID()}), nil
}

// ReloadTLS reloads the TLS certificate and key from their files now (the
// command calls it on SIGHUP). It reports false when Listen serves no TLS,
// so there is nothing to reload; on an error the previous certificate
// stays in use.
func (h *Host) ReloadTLS() (bool, error) {
	if h.certs == nil {
		return false, nil
	}
	return true, h.certs.Reload()
}

// Serve serves on ln until ctx ends, then stops accepting, lets in-flight
// requests finish within the shutdown timeout and closes the store.
func (h *Host) Serve(ctx context.Context, ln net.Listener) error {
	h.logger.Info("serving ACP", "listen", ln.Addr().String(), "public_url", h.cfg.Server.PublicURL,
		"api_versions", h.cfg.APIVersions, "tls", h.cfg.Server.TLS.Enabled(), "store", h.storeName())
	profiles := h.serveProfiles()
	probes := h.serveProbes()
	serveErr := make(chan error, 1)
	go func() { serveErr <- h.app.Listener(ln) }()
	background, stopBackground := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { h.reconcile(background) })
	wg.Go(func() { repeat(background, h.cfg.Store.GCInterval, func() { h.storeUpkeep(background) }) })
	// Both stock sweepers run whatever the stock mode is now: a
	// reservation made before the mode changed (a restart without the
	// plugin's capability, say) is settled the way it was made.
	wg.Go(func() { h.releaseLapsedHolds(background) })
	wg.Go(func() { h.keepReplicaLease(background) })
	wg.Go(func() { h.sweepInsights(background) })
	wg.Go(func() { h.resolvePluginHolds(background) })
	wg.Go(func() { h.plugins.Run(background) })
	wg.Go(func() { h.runUCPCatalog(background) })
	wg.Go(func() {
		if err := h.deliverer.Run(background); err != nil && !errors.Is(err, context.Canceled) {
			h.logger.Error("webhook delivery stopped", "error", err.Error())
		}
	})
	if h.feeds != nil {
		// Beside the deliverer, each replica runs a publisher: the
		// targets' leases make one of them publish each target. Run
		// recovers from a panic in a target's round; it fails only when
		// the publisher ran before (a host serves once).
		wg.Go(func() {
			if err := h.feeds.Run(background); err != nil {
				h.logger.Error("product feed publishing did not start", "error", err.Error())
			}
		})
	}
	if w, ok := h.store.(store.OutboxWatcher); ok {
		// Events committed by the other replicas wake this one's deliverer.
		wg.Go(func() { h.watchOutbox(background, w) })
	}
	var err error
	select {
	case err = <-serveErr:
		if err != nil {
			err = fmt.Errorf("serve: %w", err)
		}
	case <-ctx.Done():
		h.logger.Info("shutting down", "timeout", h.cfg.Server.ShutdownTimeout.String())
		if serr := h.app.ShutdownWithTimeout(h.cfg.Server.ShutdownTimeout); serr != nil {
			err = fmt.Errorf("graceful shutdown: %w", serr)
		}
		<-serveErr
	}
	// The background work ends before the store closes, so that a
	// delivery in flight is recorded.
	stopBackground()
	wg.Wait()
	if profiles != nil {
		_ = profiles.Close()
	}
	h.stopProbes(probes)
	return errors.Join(err, h.Close())
}

// watchOutbox wakes the deliverer whenever any process sharing the store
// commits a webhook event, until ctx ends; a watch that fails is started
// again after a pause (the deliverer polls meanwhile).
func (h *Host) watchOutbox(ctx context.Context, w store.OutboxWatcher) {
	for ctx.Err() == nil {
		err := w.WatchOutbox(ctx, h.deliverer.Notify)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			h.logger.Warn("watching the webhook outbox; polling until the watch is back", "error", err.Error())
		}
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}

// serveProfiles serves Go's pprof profiles on the profiling listener
// Listen opened, if any, and returns the server to close at shutdown.
func (h *Host) serveProfiles() *http.Server {
	ln := h.profilesLn
	if ln == nil {
		return nil
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	h.logger.Warn("serving pprof profiles; turn profiling off when done", "listen", ln.Addr().String())
	return srv
}

// reconcile settles, every payments.reconcile_after, the payments whose
// outcome stayed unknown that long, until ctx ends.
func (h *Host) reconcile(ctx context.Context) {
	every := h.cfg.Payments.ReconcileAfter
	repeat(ctx, every, func() {
		settled, err := h.Service.ReconcileStale(ctx, every, 100)
		if err != nil {
			h.logger.Warn("settling unresolved payments", "settled", settled, "error", err.Error())
		} else if settled > 0 {
			h.logger.Info("settled unresolved payments", "settled", settled)
		}
	})
}

// lapsedHoldsInterval is how often the stock held by payment attempts
// whose session expired is given back.
const lapsedHoldsInterval = time.Minute

// lapsedHoldsPage is how many reservations are read at a time.
const lapsedHoldsPage = 1000

// releaseLapsedHolds gives back, every lapsedHoldsInterval, the stock
// held by payment attempts whose session expired, until ctx ends.
func (h *Host) releaseLapsedHolds(ctx context.Context) {
	repeat(ctx, lapsedHoldsInterval, func() {
		released, err := h.Service.ReleaseLapsedHolds(ctx, lapsedHoldsPage)
		if err != nil {
			h.logger.Warn("releasing the stock of expired payment attempts", "released", released, "error", err.Error())
		} else if released > 0 {
			h.logger.Info("released the stock of expired payment attempts", "released", released)
		}
	})
}

// repeat runs fn every interval until ctx ends.
func repeat(ctx context.Context, interval time.Duration, fn func()) {
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
			fn()
		}
	}
}

// Close stops the plugins and closes the store. Serve calls it; call it
// directly only when Serve was never called.
func (h *Host) Close() error {
	if h.profilesLn != nil {
		_ = h.profilesLn.Close()
	}
	h.stopProbes(nil)
	h.plugins.Close()
	if err := h.store.Close(); err != nil {
		return err
	}
	h.logger.Info("store closed")
	return nil
}
