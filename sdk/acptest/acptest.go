// Package acptest tests a plugin without the host: it serves the plugin's
// ServeOpts in-process over the real gRPC protocol and connects to it with
// the same client code the host uses, so a test sees exactly what the host
// will see: the wire conversions, the error transport, the config schema
// check.
//
//	p := acptest.New(t, opts, acptest.WithConfig(`{"file": "products.csv"}`))
//	resp, err := p.Catalog().ResolveItems(ctx, req)
package acptest

import (
	"context"
	"testing"
	"time"

	"github.com/hashicorp/go-plugin"

	"github.com/acp-sidecar/acp/sdk/acpplugin"
	"github.com/acp-sidecar/acp/sdk/acpplugin/client"
	"github.com/acp-sidecar/acp/sdk/internal/inprocess"
)

// Option changes how New prepares the plugin.
type Option func(*settings)

type settings struct {
	config []byte
}

// WithConfig sets the JSON configuration block New validates against the
// plugin's schema and sends to Configure, as the host does with
// plugins[].config from acp.yaml. Without it, New configures the plugin
// with no configuration.
func WithConfig(json string) Option {
	return func(s *settings) { s.config = []byte(json) }
}

// Plugin is a plugin served for a test, seen exactly as the host sees it:
// its Info, Configure, CheckHealth, and its capabilities (Catalog, Tax,
// Shipping, Fulfillment; nil when not served).
type Plugin struct {
	*client.Plugin
}

// New serves opts and returns the configured plugin as the host sees it. A
// failure to start or configure fails the test. The plugin stops when the
// test ends.
func New(t testing.TB, opts acpplugin.ServeOpts, options ...Option) *Plugin {
	t.Helper()
	var s settings
	for _, o := range options {
		o(&s)
	}
	p := Start(t, opts)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := p.Configure(ctx, s.config); err != nil {
		t.Fatalf("acptest: %v", err)
	}
	return p
}

// Start serves opts and returns the plugin unconfigured, for tests of
// Configure itself (call p.Configure and check its error).
func Start(t testing.TB, opts acpplugin.ServeOpts) *Plugin {
	t.Helper()
	if err := opts.Validate(); err != nil {
		t.Fatalf("acptest: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	reattach := make(chan *plugin.ReattachConfig, 1)
	closed := make(chan struct{})
	go inprocess.Serve(ctx, opts, reattach, closed)
	var rc *plugin.ReattachConfig
	select {
	case rc = <-reattach:
	case <-time.After(30 * time.Second):
		cancel()
		t.Fatalf("acptest: plugin %q did not start serving within 30s", opts.Name)
	}
	startCtx, stop := context.WithTimeout(ctx, 30*time.Second)
	defer stop()
	p, err := client.Start(startCtx, client.Config{Name: opts.Name, Reattach: rc})
	if err != nil {
		cancel()
		<-closed
		t.Fatalf("acptest: %v", err)
	}
	t.Cleanup(func() {
		p.Kill()
		cancel()
		<-closed
	})
	return &Plugin{Plugin: p}
}
