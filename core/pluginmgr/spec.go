package pluginmgr

import (
	"errors"
	"time"
)

// Spec is one plugin as the host runs it: acp.yaml's plugins entry with
// its environment resolved and its configuration rendered as JSON.
type Spec struct {
	// Name is the plugin's name in acp.yaml.
	Name string
	// Command and Args start the plugin.
	Command string
	Args    []string
	// Dir is the plugin's working directory (acp.yaml's directory), so
	// that relative paths in its config mean what they mean in acp.yaml.
	Dir string
	// Env is the plugin's whole environment as "KEY=value" pairs: the
	// allowlisted variables of the host that are set.
	Env []string
	// SHA256 pins the binary's hex SHA-256; empty skips the check.
	SHA256 string
	// Config is the plugin's configuration block as JSON.
	Config []byte
	// Capabilities are the capabilities the host uses this plugin for.
	Capabilities []string
	// Timeout is the deadline of each call.
	Timeout time.Duration
	// StartTimeout bounds a start: handshake, info and configure.
	StartTimeout time.Duration
	// HealthInterval is how often health is polled.
	HealthInterval time.Duration
	// InitialBackoff and MaxBackoff bound the wait between failed starts.
	InitialBackoff, MaxBackoff time.Duration
	// CircuitFailures consecutive failed calls open the circuit for
	// CircuitCooldown.
	CircuitFailures int
	CircuitCooldown time.Duration
}

// Errors callers can test for with errors.Is.
var (
	// ErrUnavailable means the plugin cannot take calls now: it is
	// restarting, waiting out its back-off, or its circuit is open.
	ErrUnavailable = errors.New("plugin unavailable")
	// ErrClosed means the manager has been closed.
	ErrClosed = errors.New("plugin manager closed")
)
