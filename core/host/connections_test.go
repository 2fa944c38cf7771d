package host_test

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

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

	held, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	time.Sleep(100 * time.Millisecond) // accepted before the next one
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
