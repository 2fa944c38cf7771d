package pluginmgr

import (
	"slices"

	"github.com/acp-sidecar/acp/sdk/acpplugin"
	"github.com/acp-sidecar/acp/sdk/acpplugin/client"
)

// State is a plugin's condition as /readyz and `acp plugins describe`
// report it.
type State string

// States.
const (
	// StateRunning: the process runs and its last health check passed.
	StateRunning State = "running"
	// StateUnhealthy: the process runs but reports it cannot serve.
	StateUnhealthy State = "unhealthy"
	// StateDown: the process is not running (crashed, or failed to start).
	StateDown State = "down"
	// StateCircuitOpen: calls fail at once after repeated failures.
	StateCircuitOpen State = "circuit_open"
	// StateStopped: the manager was closed.
	StateStopped State = "stopped"
)

// Status describes one plugin.
type Status struct {
	// Name is the plugin's name in acp.yaml.
	Name string `json:"name"`
	// Capabilities are the capabilities it serves for the host.
	Capabilities []string `json:"capabilities"`
	// State is its condition.
	State State `json:"state"`
	// Message explains a state other than running.
	Message string `json:"message,omitempty"`
	// PID identifies the running process.
	PID string `json:"pid,omitempty"`
	// Restarts counts restarts since the host started.
	Restarts int `json:"restarts"`
	// Info is what the plugin reported at its last start.
	Info client.Info `json:"info"`
	// StockControl is, for a plugin serving the host's catalog, "stock
	// control" when it announces catalog.stock_reservations (it holds
	// stock for payment attempts) and "no stock control" when it does
	// not; empty otherwise, or before the plugin started.
	StockControl string `json:"stock_control,omitempty"`
}

// stockControl describes a catalog plugin's stock control (Status's
// StockControl).
func (s Status) stockControl() string {
	if !slices.Contains(s.Capabilities, acpplugin.CapabilityCatalog) || s.Info.SDKVersion == "" && len(s.Info.Capabilities) == 0 {
		return ""
	}
	if s.Info.Serves(acpplugin.CapabilityStockReservations) {
		return "stock control"
	}
	return "no stock control"
}

// Ready reports whether the plugin can take calls.
func (s Status) Ready() bool { return s.State == StateRunning }
