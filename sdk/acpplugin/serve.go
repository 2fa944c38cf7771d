package acpplugin

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"syscall"
	"time"

	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	"github.com/acp-sidecar/acp/sdk/catalog"
	"github.com/acp-sidecar/acp/sdk/fulfillment"
	"github.com/acp-sidecar/acp/sdk/internal/grpcwire"
	"github.com/acp-sidecar/acp/sdk/internal/inprocess"
	pb "github.com/acp-sidecar/acp/sdk/internal/pb/acp/plugin/v1"
	"github.com/acp-sidecar/acp/sdk/shipping"
	"github.com/acp-sidecar/acp/sdk/tax"
)

// ServeOpts describes a plugin: who it is, how it is configured, and the
// capabilities it serves. Leave a capability nil when the plugin does not
// serve it; at least one must be set.
type ServeOpts struct {
	// Name identifies the plugin in the host's logs and in
	// `acp plugins describe`.
	Name string
	// Version is the plugin's own version.
	Version string
	// ConfigSchema is a JSON Schema (draft 2020-12 unless it says
	// otherwise) for the plugin's block under plugins[].config in
	// acp.yaml. The host validates the block against it before calling
	// Configure and refuses to start on a mismatch. Empty means the plugin
	// takes no configuration. "format" is an annotation only (as the
	// draft's default says): check formats in Configure.
	ConfigSchema string
	// Configure receives the validated configuration block as JSON, once
	// after every start and before any capability call. Use DecodeConfig.
	// An error stops the host from using the plugin.
	Configure func(ctx context.Context, config []byte) error
	// CheckHealth reports whether the plugin can serve, typically by
	// reaching its backend; the host polls it and reports the result on
	// /readyz. Nil means always healthy while the process runs.
	CheckHealth func(ctx context.Context) error

	// Catalog serves the catalog capability.
	Catalog catalog.Catalog
	// StockReservations serves the optional capability
	// catalog.stock_reservations: the catalog holds its own stock for
	// payment attempts. It needs Catalog.
	StockReservations catalog.StockReservations
	// Discounts serves the optional capability catalog.discounts: the
	// store's own promotion engine decides the discounts of a cart. It
	// needs Catalog.
	Discounts catalog.Discounts
	// Listing serves the optional capability catalog.listing: the catalog
	// lists its products, with their variants, for product feeds. It
	// needs Catalog.
	Listing catalog.Listing
	// Tax serves the tax capability.
	Tax tax.Tax
	// Shipping serves the shipping capability.
	Shipping shipping.Shipping
	// Fulfillment serves the fulfillment capability.
	Fulfillment fulfillment.Fulfillment

	// Logger receives the SDK's own messages, such as a recovered panic.
	// Nil means Logger().
	Logger *slog.Logger
}

func init() {
	inprocess.Serve = func(ctx context.Context, opts any, reattach chan<- *plugin.ReattachConfig, closed chan<- struct{}) {
		opts.(ServeOpts).serve(&plugin.ServeTestConfig{Context: ctx, ReattachConfigCh: reattach, CloseCh: closed})
	}
}

// Capabilities lists the capabilities the options serve, in the fixed
// order catalog, catalog.stock_reservations, catalog.discounts,
// catalog.listing, tax, shipping, fulfillment.
func (o ServeOpts) Capabilities() []string {
	var out []string
	for _, c := range []struct {
		name   string
		served bool
	}{
		{CapabilityCatalog, o.Catalog != nil},
		{CapabilityStockReservations, o.Catalog != nil && o.StockReservations != nil},
		{CapabilityDiscounts, o.Catalog != nil && o.Discounts != nil},
		{CapabilityListing, o.Catalog != nil && o.Listing != nil},
		{CapabilityTax, o.Tax != nil},
		{CapabilityShipping, o.Shipping != nil},
		{CapabilityFulfillment, o.Fulfillment != nil},
	} {
		if c.served {
			out = append(out, c.name)
		}
	}
	return out
}

// Serve runs the plugin until the host stops it. It never returns in
// normal use (the host kills the process); it exits the process with
// status 1 when the options are invalid or when it is run by hand rather
// than by the host. Plugins must never write to stdout: it carries the
// handshake. Log with Logger() instead.
func Serve(opts ServeOpts) { opts.serve(nil) }

// serve serves the options: over the process's standard streams for the
// host, or in-process (for acptest) when test is set.
func (opts ServeOpts) serve(test *plugin.ServeTestConfig) {
	provider, err := opts.provider()
	if err != nil {
		fmt.Fprintf(os.Stderr, "acp plugin: %v\n", err)
		os.Exit(1)
	}
	if test == nil {
		// The standard library's loggers (log and slog's default) write
		// through Logger too, so their lines reach the host at their
		// level instead of as unlevelled text.
		slog.SetDefault(Logger())
		exitWithHost(Logger())
	}
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig:  Handshake,
		VersionedPlugins: map[int]plugin.PluginSet{ProtocolMajor: {grpcwire.PluginName: &grpcwire.Plugin{Provider: provider}}},
		GRPCServer: func(o []grpc.ServerOption) *grpc.Server {
			return grpc.NewServer(provider.ServerOptions(o)...)
		},
		Logger: newHCLogger(stderr, test != nil),
		Test:   test,
	})
}

// hostCheckInterval is how often a plugin checks that its host still
// runs.
const hostCheckInterval = 500 * time.Millisecond

// EnvHostPID names the environment variable in which the host passes its
// process id to the plugins it starts (sdk/acpplugin/client does), so
// that a plugin can tell its host is gone even when the host died before
// the plugin first looked at its parent.
const EnvHostPID = "ACP_HOST_PID"

// EnvDescribing names the environment variable the host sets ("1") when
// it starts a plugin only to describe it (`acp plugins describe`) or to
// read its catalog (`acp feed export`), maybe beside a running server
// using the same files: Configure should then check its configuration
// without changing any state it shares, and the plugin answer reads
// without writing.
const EnvDescribing = "ACP_PLUGIN_DESCRIBING"

// Describing reports whether the host started this plugin only to
// describe it (EnvDescribing).
func Describing() bool { return os.Getenv(EnvDescribing) == "1" }

// exitWithHost ends the plugin process once the host process that started
// it is gone (killed, say, with SIGKILL, which gives it no chance to stop
// its plugins): the process's parent then changes, or the host's process
// (EnvHostPID) no longer runs. A plugin outliving its host would keep its
// files and connections, and go on with what it holds in memory beside
// the plugin the restarted host starts.
func exitWithHost(logger *slog.Logger) {
	parent := os.Getppid()
	host := hostPID(os.Getenv(EnvHostPID))
	gone := func() bool { return hostGone(parent, os.Getppid(), host, processRuns) }
	if gone() {
		logger.Error("the host process is gone; the plugin exits")
		os.Exit(1)
	}
	if parent <= 1 && host == 0 {
		return // started by init, or a system without parents
	}
	go func() {
		for range time.Tick(hostCheckInterval) {
			if gone() {
				logger.Error("the host process is gone; the plugin exits")
				os.Exit(1)
			}
		}
	}()
}

// hostPID parses EnvHostPID's value; 0 when unset or invalid.
func hostPID(v string) int {
	pid, err := strconv.Atoi(v)
	if err != nil || pid <= 1 {
		return 0
	}
	return pid
}

// hostGone reports whether the host is gone: the parent the plugin started
// with (first) changed, or the host's process (host, 0 when unknown) is
// not the parent and no longer runs. The host is not always the parent (a
// wrapper script may start the plugin), so a live host process that is
// not the parent counts as there.
func hostGone(first, now, host int, runs func(pid int) bool) bool {
	if first > 1 && now != first {
		return true
	}
	return host != 0 && now != host && !runs(host)
}

// processRuns reports whether a process with pid exists (signal 0).
func processRuns(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	return !errors.Is(p.Signal(syscall.Signal(0)), os.ErrProcessDone)
}

// Validate reports options Serve would refuse: no name, or no capability.
func (o ServeOpts) Validate() error {
	if o.Name == "" {
		return fmt.Errorf("ServeOpts.Name is empty")
	}
	if len(o.Capabilities()) == 0 {
		return fmt.Errorf("plugin %q serves no capability: set one of Catalog, Tax, Shipping or Fulfillment", o.Name)
	}
	if o.StockReservations != nil && o.Catalog == nil {
		return fmt.Errorf("plugin %q: StockReservations extends the catalog capability: set Catalog too", o.Name)
	}
	if o.Discounts != nil && o.Catalog == nil {
		return fmt.Errorf("plugin %q: Discounts extends the catalog capability: set Catalog too", o.Name)
	}
	if o.Listing != nil && o.Catalog == nil {
		return fmt.Errorf("plugin %q: Listing extends the catalog capability: set Catalog too", o.Name)
	}
	return nil
}

func (o ServeOpts) provider() (*grpcwire.Provider, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	logger := o.Logger
	if logger == nil {
		logger = Logger()
	}
	return &grpcwire.Provider{
		Info: &pb.GetInfoResponse{
			Name: o.Name, Version: o.Version, SdkVersion: SDKVersion, ProtocolMinor: ProtocolMinor,
			Capabilities: o.Capabilities(), ConfigSchema: o.ConfigSchema,
		},
		Configure:         o.Configure,
		CheckHealth:       o.CheckHealth,
		Catalog:           o.Catalog,
		StockReservations: o.StockReservations,
		Discounts:         o.Discounts,
		Listing:           o.Listing,
		Tax:               o.Tax,
		Shipping:          o.Shipping,
		Fulfillment:       o.Fulfillment,
		OnPanic: func(method string, value any, stack []byte) {
			logger.Error("handler panicked", "method", method, "panic", fmt.Sprint(value), "stack", string(stack))
		},
	}, nil
}
