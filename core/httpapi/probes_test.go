package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/acp-sidecar/acp/core/httpapi"
)

// TestProbeAnswer checks the one implementation of /healthz and /readyz
// that both listeners serve, a nil readiness included.
func TestProbeAnswer(t *testing.T) {
	t.Parallel()
	notReady := func() (bool, any) { return false, map[string]string{"status": "not_ready"} }
	ready := func() (bool, any) { return true, map[string]string{"status": "ready", "x": "y"} }
	tests := []struct {
		name      string
		path      string
		readiness func() (bool, any)
		status    int
		body      string
		ok        bool
	}{
		{"health", httpapi.HealthzPath, notReady, http.StatusOK, `{"status":"ok"}`, true},
		{"ready without a readiness", httpapi.ReadyzPath, nil, http.StatusOK, `{"status":"ready"}`, true},
		{"ready", httpapi.ReadyzPath, ready, http.StatusOK, `{"status":"ready","x":"y"}`, true},
		{"not ready", httpapi.ReadyzPath, notReady, http.StatusServiceUnavailable, `{"status":"not_ready"}`, true},
		{"another path", "/metrics", ready, 0, "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body, ok := httpapi.ProbeAnswer(tc.path, tc.readiness)
			if status != tc.status || string(body) != tc.body || ok != tc.ok {
				t.Errorf("ProbeAnswer(%s) = %d %s %v, want %d %s %v", tc.path, status, body, ok, tc.status, tc.body, tc.ok)
			}
		})
	}
}
