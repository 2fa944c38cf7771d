package host_test

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/internal/testkit"
)

// hold opens n connections to addr that send nothing, closed at the end
// of the test.
func hold(t *testing.T, addr string, n int) {
	t.Helper()
	for range n {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.Close() })
	}
}

// openConnections waits until the API listener counts n open connections,
// read from the metrics on the probe listener.
func openConnections(t *testing.T, s *server, n int) {
	t.Helper()
	want := "acp_listener_open_connections " + strconv.Itoa(n)
	testkit.Eventually(t, 5*time.Second, want, func() bool {
		resp, err := http.Get("http://" + s.host.ProbesAddr() + "/metrics")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		return strings.Contains(string(data), "\n"+want+"\n")
	})
}

// A connection over the caps is answered with a flat ACP 503, valid
// against the schema, with Retry-After; the probe listener answers
// /healthz, /readyz and the metrics apart from the API listener, and the
// metrics count the refusal.
func TestConnectionCapsAndProbes(t *testing.T) {
	t.Parallel()
	cfg := loadTestConfig(t, t.TempDir())
	cfg.Server.MaxConnections, cfg.Server.MaxConnectionsPerClient = 2, 1
	cfg.Server.ProbesListen = "127.0.0.1:0"
	s := startServer(t, cfg)
	addr := strings.TrimPrefix(s.base, "http://")

	hold(t, addr, 1)
	openConnections(t, s, 1)
	r := rawExchange(t, addr, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
	wantFlatError(t, r, http.StatusServiceUnavailable, "too_many_connections")
	if r.header.Get("Retry-After") != "1" {
		t.Errorf("Retry-After = %q, want 1", r.header.Get("Retry-After"))
	}

	probes := "http://" + s.host.ProbesAddr()
	wantFlatError(t, rawExchange(t, s.host.ProbesAddr(), "POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"), http.StatusNotFound, "not_found")
	for path, want := range map[string]string{"/healthz": `"status":"ok"`, "/readyz": "", "/metrics": `acp_listener_refused_connections_total{limit="client_limit"} 1`} {
		resp, err := http.Get(probes + path)
		if err != nil {
			t.Fatalf("GET %s on the probe listener: %v", path, err)
		}
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(data), want) {
			t.Errorf("GET %s on the probe listener: %d %s, want 200 with %s", path, resp.StatusCode, data, want)
		}
		if path == "/readyz" && !json.Valid(data) {
			t.Errorf("/readyz is not JSON: %s", data)
		}
	}
}

// Connections from a trusted proxy are not held to the per-client cap,
// only to the total.
func TestConnectionCapsTrustedProxy(t *testing.T) {
	t.Parallel()
	cfg := loadTestConfig(t, t.TempDir())
	cfg.Server.MaxConnections, cfg.Server.MaxConnectionsPerClient = 3, 1
	cfg.Server.TrustedProxies = []string{"127.0.0.0/8"}
	cfg.Server.ProbesListen = "127.0.0.1:0"
	s := startServer(t, cfg)
	addr := strings.TrimPrefix(s.base, "http://")

	hold(t, addr, 2)
	openConnections(t, s, 2)
	wantStatus(t, rawExchange(t, addr, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"), http.StatusOK)
	hold(t, addr, 1)
	openConnections(t, s, 3)
	wantFlatError(t, rawExchange(t, addr, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"), http.StatusServiceUnavailable, "too_many_connections")
}

// The probe listener has caps of its own: a client holding 8 connections
// to it gets the flat 503 on the next one. The listener accepts in the
// kernel's order, so the held connections take their slots first.
func TestProbeListenerCaps(t *testing.T) {
	t.Parallel()
	cfg := loadTestConfig(t, t.TempDir())
	cfg.Server.ProbesListen = "127.0.0.1:0"
	s := startServer(t, cfg)

	hold(t, s.host.ProbesAddr(), 8)
	wantFlatError(t, rawExchange(t, s.host.ProbesAddr(), "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"), http.StatusServiceUnavailable, "too_many_connections")
}
