// Package client is the host's side of the plugin protocol: it starts a
// plugin process (or attaches to one that a test or a debugger started),
// checks who it is, configures it and hands out its capabilities as the
// SDK's interfaces. A capability the plugin does not announce is not handed
// out, and a capability's RPC it answers UNIMPLEMENTED returns
// acp.ErrNotOffered (sdk/proto/CAPABILITIES.md). Supervision (deadlines, restarts, circuit
// breaking) is the host's job and is not done here. Plugin authors do not need this
// package; acptest uses it to test plugins exactly as the host calls them.
package client

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"

	"github.com/acp-sidecar/acp/sdk/acpplugin"
	"github.com/acp-sidecar/acp/sdk/catalog"
	"github.com/acp-sidecar/acp/sdk/fulfillment"
	"github.com/acp-sidecar/acp/sdk/internal/grpcwire"
	"github.com/acp-sidecar/acp/sdk/shipping"
	"github.com/acp-sidecar/acp/sdk/tax"
)

// Config says how to reach a plugin.
type Config struct {
	// Name is the plugin's name in acp.yaml, used in errors.
	Name string
	// Command and Args start the plugin process. Ignored with Reattach.
	Command string
	Args    []string
	// Dir is the process's working directory; empty means the host's.
	Dir string
	// Env is the plugin's whole environment, as "KEY=value" pairs. The
	// host's own environment is never passed on; the host's process id is
	// added as acpplugin.EnvHostPID.
	Env []string
	// SHA256 is the expected hex SHA-256 of the binary at Command, checked
	// before the process starts; empty skips the check.
	SHA256 string
	// StartTimeout bounds the handshake. Zero means one minute.
	StartTimeout time.Duration
	// Logger receives go-plugin's messages and the plugin's log lines.
	// Nil discards them.
	Logger hclog.Logger
	// Stderr, when set, receives the plugin's raw stderr as well.
	Stderr io.Writer
	// Reattach attaches to a plugin already serving in-process (as acptest
	// serves one) instead of starting Command.
	Reattach *plugin.ReattachConfig
}

// Info is what a plugin says about itself.
type Info struct {
	// Name is the plugin's own name.
	Name string `json:"name"`
	// Version is the plugin's own version.
	Version string `json:"version"`
	// SDKVersion is the version of the SDK it was built with.
	SDKVersion string `json:"sdk_version"`
	// ProtocolMinor is the protocol minor version it was built with.
	ProtocolMinor uint32 `json:"protocol_minor"`
	// Capabilities lists the capabilities it serves.
	Capabilities []string `json:"capabilities"`
	// ConfigSchema is the JSON Schema of its configuration block.
	ConfigSchema string `json:"config_schema"`
}

// Serves reports whether the plugin announces capability. Names this
// host does not know are kept and ignored.
func (i Info) Serves(capability string) bool { return slices.Contains(i.Capabilities, capability) }

// Plugin is a started, identified plugin.
type Plugin struct {
	name      string
	client    *plugin.Client
	remote    *grpcwire.Remote
	socketDir string

	catalog     catalog.Catalog
	stock       catalog.StockReservations
	discounts   catalog.Discounts
	listing     catalog.Listing
	tax         tax.Tax
	shipping    shipping.Shipping
	fulfillment fulfillment.Fulfillment
	// Info is what the plugin reported at start.
	Info Info
}

// ErrChecksum means the plugin binary is not the one acp.yaml pins.
var ErrChecksum = errors.New("plugin binary does not match its sha256")

// Start starts (or attaches to) a plugin, completes the handshake and asks
// it to describe itself. The caller must Kill the plugin when done.
func Start(ctx context.Context, cfg Config) (*Plugin, error) {
	logger := cfg.Logger
	if logger == nil {
		logger = hclog.NewNullLogger()
	}
	// The last words a plugin wrote before failing its handshake (a bad
	// flag, a missing file) go into the start error.
	lastWords := &tailWriter{max: 512}
	stderr := io.Writer(lastWords)
	if cfg.Stderr != nil {
		stderr = io.MultiWriter(cfg.Stderr, lastWords)
	}
	set := plugin.PluginSet{grpcwire.PluginName: &grpcwire.Plugin{}}
	cc := &plugin.ClientConfig{
		HandshakeConfig: acpplugin.Handshake,
		// Plugins is what a reattached plugin is dispensed from;
		// VersionedPlugins is what a started one negotiates.
		Plugins:          set,
		VersionedPlugins: map[int]plugin.PluginSet{acpplugin.ProtocolMajor: set},
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		Logger:           logger,
		StartTimeout:     cfg.StartTimeout,
		Stderr:           stderr,
		// What plugin code writes to os.Stderr after Serve starts (not
		// through Logger) arrives here.
		SyncStderr: logger.StandardWriter(&hclog.StandardLoggerOptions{}),
	}
	var socketDir string
	if cfg.Reattach != nil {
		cc.Reattach = cfg.Reattach
	} else {
		// The plugin listens on a Unix socket in a directory only this
		// user can enter, so no other user can connect to it whatever the
		// umask. That is the protection go-plugin's AutoMTLS gives against
		// other users (against this user it gives none: the client
		// certificate travels in the plugin's environment), without
		// AutoMTLS's cost on every call (a fifth of the throughput of a
		// checkout served by plugins on a 2-core machine).
		var err error
		socketDir, err = os.MkdirTemp("", "acp-plugin-")
		if err != nil {
			return nil, fmt.Errorf("plugin %q: socket directory: %w", cfg.Name, err)
		}
		cmd := exec.Command(cfg.Command, cfg.Args...)
		cmd.Env = append(append([]string{}, cfg.Env...), plugin.EnvUnixSocketDir+"="+socketDir,
			acpplugin.EnvHostPID+"="+strconv.Itoa(os.Getpid()))
		cmd.Dir = cfg.Dir
		cc.Cmd = cmd
		cc.SkipHostEnv = true
		if cfg.SHA256 != "" {
			sum, err := hex.DecodeString(cfg.SHA256)
			if err != nil {
				_ = os.RemoveAll(socketDir)
				return nil, fmt.Errorf("plugin %q: sha256 %q is not hex: %w", cfg.Name, cfg.SHA256, err)
			}
			cc.SecureConfig = &plugin.SecureConfig{Checksum: sum, Hash: sha256.New()}
		}
	}
	c := plugin.NewClient(cc)
	p, err := dispense(ctx, cfg.Name, c)
	if err != nil {
		c.Kill()
		if words := lastWords.String(); words != "" {
			err = fmt.Errorf("%w (the plugin wrote: %s)", err, words)
		}
		_ = os.RemoveAll(socketDir)
		return nil, err
	}
	p.socketDir = socketDir
	return p, nil
}

func dispense(ctx context.Context, name string, c *plugin.Client) (*Plugin, error) {
	proto, err := c.Client()
	if err != nil {
		if errors.Is(err, plugin.ErrChecksumsDoNotMatch) {
			return nil, fmt.Errorf("plugin %q: %w", name, ErrChecksum)
		}
		return nil, fmt.Errorf("plugin %q: handshake: %w", name, err)
	}
	raw, err := proto.Dispense(grpcwire.PluginName)
	if err != nil {
		return nil, fmt.Errorf("plugin %q: dispense: %w", name, err)
	}
	remote, ok := raw.(*grpcwire.Remote)
	if !ok {
		return nil, fmt.Errorf("plugin %q: dispensed %T, not an ACP plugin", name, raw)
	}
	info, err := remote.GetInfo(ctx)
	if err != nil {
		return nil, fmt.Errorf("plugin %q: get info: %w", name, err)
	}
	p := &Plugin{name: name, client: c, remote: remote, Info: Info{
		Name: info.GetName(), Version: info.GetVersion(), SDKVersion: info.GetSdkVersion(),
		ProtocolMinor: info.GetProtocolMinor(), Capabilities: info.GetCapabilities(), ConfigSchema: info.GetConfigSchema(),
	}}
	// The capabilities are looked up once here, not on every call.
	if p.Info.Serves(acpplugin.CapabilityCatalog) {
		p.catalog = remote.Catalog()
	}
	if p.Info.Serves(acpplugin.CapabilityStockReservations) {
		p.stock = remote.StockReservations()
	}
	if p.Info.Serves(acpplugin.CapabilityDiscounts) {
		p.discounts = remote.Discounts()
	}
	if p.Info.Serves(acpplugin.CapabilityListing) {
		p.listing = remote.Listing()
	}
	if p.Info.Serves(acpplugin.CapabilityTax) {
		p.tax = remote.Tax()
	}
	if p.Info.Serves(acpplugin.CapabilityShipping) {
		p.shipping = remote.Shipping()
	}
	if p.Info.Serves(acpplugin.CapabilityFulfillment) {
		p.fulfillment = remote.Fulfillment()
	}
	return p, nil
}

// Configure validates config (JSON; nil or empty means no configuration)
// against the plugin's declared schema and sends it to the plugin.
func (p *Plugin) Configure(ctx context.Context, config []byte) error {
	if err := ValidateConfig(p.Info.ConfigSchema, config); err != nil {
		return fmt.Errorf("plugin %q: %w", p.name, err)
	}
	if err := p.remote.Configure(ctx, config); err != nil {
		return fmt.Errorf("plugin %q: configure: %w", p.name, err)
	}
	return nil
}

// CheckHealth asks the plugin whether it can serve. A nil error with a
// non-empty message means the plugin runs but reports itself unhealthy.
func (p *Plugin) CheckHealth(ctx context.Context) (healthy bool, message string, err error) {
	resp, err := p.remote.CheckHealth(ctx)
	if err != nil {
		return false, "", fmt.Errorf("plugin %q: check health: %w", p.name, err)
	}
	return resp.GetHealthy(), resp.GetMessage(), nil
}

// Catalog returns the plugin's catalog, or nil when it serves none.
func (p *Plugin) Catalog() catalog.Catalog { return p.catalog }

// StockReservations returns the plugin's stock reservations, or nil when
// it does not announce catalog.stock_reservations.
func (p *Plugin) StockReservations() catalog.StockReservations { return p.stock }

// Discounts returns the plugin's promotion engine, or nil when it does
// not announce catalog.discounts.
func (p *Plugin) Discounts() catalog.Discounts { return p.discounts }

// Listing returns the plugin's product listing, or nil when it does not
// announce catalog.listing.
func (p *Plugin) Listing() catalog.Listing { return p.listing }

// Tax returns the plugin's tax capability, or nil when it serves none.
func (p *Plugin) Tax() tax.Tax { return p.tax }

// Shipping returns the plugin's shipping capability, or nil when it
// serves none.
func (p *Plugin) Shipping() shipping.Shipping { return p.shipping }

// Fulfillment returns the plugin's fulfillment capability, or nil when it
// serves none.
func (p *Plugin) Fulfillment() fulfillment.Fulfillment { return p.fulfillment }

// Exited reports whether the plugin process has exited.
func (p *Plugin) Exited() bool { return p.client.Exited() }

// ID identifies the running plugin (its process id when started here).
func (p *Plugin) ID() string { return p.client.ID() }

// Kill stops the plugin, gracefully first, then by force, and removes
// its socket directory.
func (p *Plugin) Kill() {
	p.client.Kill()
	if p.socketDir != "" {
		_ = os.RemoveAll(p.socketDir)
	}
}

// tailWriter keeps the last max bytes written to it.
type tailWriter struct {
	mu  sync.Mutex
	max int
	buf []byte
}

// Write keeps the tail of p.
func (w *tailWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	if over := len(w.buf) - w.max; over > 0 {
		w.buf = w.buf[over:]
	}
	return len(p), nil
}

// String returns the tail on one line.
func (w *tailWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return strings.Join(strings.Fields(string(w.buf)), " ")
}
