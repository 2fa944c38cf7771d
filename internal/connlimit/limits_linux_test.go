//go:build linux

package connlimit

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// TestLimits dials from several 127/8 addresses, which Linux routes to
// its loopback interface.
func TestLimits(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	l, conns := listen(t, Options{Limits: Limits{MaxConns: 3, MaxConnsPerClient: 2}, Refusal: []byte(refusal), Metrics: m})

	a1, a2 := dialFrom(t, l, "127.0.0.2"), dialFrom(t, l, "127.0.0.2")
	first := receive(t, conns)
	receive(t, conns)
	if refused(t, a1) || refused(t, a2) {
		t.Fatal("connections within the client cap were refused")
	}
	if a3 := dialFrom(t, l, "127.0.0.2"); !refused(t, a3) {
		t.Error("third connection from one client was admitted, want refused at the client cap of 2")
	}
	b1 := dialFrom(t, l, "127.0.0.3")
	receive(t, conns)
	if refused(t, b1) {
		t.Fatal("another client's connection was refused below the server cap")
	}
	if c1 := dialFrom(t, l, "127.0.0.4"); !refused(t, c1) {
		t.Error("fourth connection was admitted, want refused at the server cap of 3")
	}
	// A closed connection gives its slot back.
	_ = first.Close()
	_ = first.Close() // a second Close must not free a second slot
	dialFrom(t, l, "127.0.0.4")
	receive(t, conns)
	if c2 := dialFrom(t, l, "127.0.0.5"); !refused(t, c2) {
		t.Error("a double Close freed two slots")
	}
	if got := value(t, reg, "acp_listener_refused_connections_total", reasonClient); got != 1 {
		t.Errorf("client_limit refusals = %v, want 1", got)
	}
	if got := value(t, reg, "acp_listener_refused_connections_total", reasonServer); got != 2 {
		t.Errorf("server_limit refusals = %v, want 2", got)
	}
	if got := value(t, reg, "acp_listener_open_connections", ""); got != 3 {
		t.Errorf("open connections = %v, want 3", got)
	}
}
