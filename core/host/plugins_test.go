package host_test

import (
	"fmt"
	"github.com/acp-sidecar/acp/internal/logging"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/config"
	"github.com/acp-sidecar/acp/core/host"
	"github.com/acp-sidecar/acp/core/pluginmgr"
	"github.com/acp-sidecar/acp/internal/pgtest"
	"github.com/acp-sidecar/acp/internal/testkit"
	"github.com/acp-sidecar/acp/internal/ucpschema"
	"github.com/acp-sidecar/acp/sdk/acpplugin"
)

// TestMain reports the ACP and UCP schema checks not made for want of the
// spec files.
func TestMain(m *testing.M) { os.Exit(pgtest.Run(func() int { return ucpschema.Main(m) })) }

// loadConfigWith loads the test config with extra YAML appended, with its
// store in dir.
func loadConfigWith(t testing.TB, dir, extra string) *config.Config {
	t.Helper()
	base, err := os.ReadFile("testdata/acp.test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "acp.yaml")
	if err := os.WriteFile(path, append(base, []byte("\n"+extra)...), 0o600); err != nil {
		t.Fatal(err)
	}
	return loadConfig(t, path, filepath.Join(dir, "data"))
}

// testPluginCatalog configures the test plugin as the catalog: every item
// is a digital item at 250.
func testPluginCatalog(command string, extra ...string) string {
	return fmt.Sprintf(`capabilities: {catalog: t}
plugins:
  - name: t
    command: %s
    config: {price: 250}
    timeout: 500ms
    restart_backoff: {initial: 50ms, max: 200ms}
    # The tests count restarts and 503s, not the circuit breaker's fast
    # failures (core/pluginmgr tests those).
    circuit: {failures: 1000}
%s`, command, strings.Join(extra, "\n"))
}

func pluginPID(t *testing.T, s *server) int {
	t.Helper()
	for _, st := range s.host.Plugins() {
		if st.Name == "t" && st.PID != "" {
			pid, err := strconv.Atoi(st.PID)
			if err != nil {
				t.Fatal(err)
			}
			return pid
		}
	}
	t.Fatalf("plugin t is not running: %+v", s.host.Plugins())
	return 0
}

const pluginCreate = `{"line_items":[{"id":"song","quantity":2}],"currency":"usd","capabilities":{}}`

// A plugin killed mid-run is restarted; requests answer 201 or a quick 503
// meanwhile, never a hang or a 500, and no session is lost. While it
// cannot start, requests that need it get 503 at once and requests that
// do not keep working; /readyz says which capability is down.
func TestPluginKilledMidRun(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	binary := filepath.Join(dir, "testplugin")
	copyExecutable(t, testkit.Binary(t, "testplugin"), binary)
	s := startServer(t, loadConfigWith(t, dir, testPluginCatalog(binary)))

	first := s.do(t, request{path: "/checkout_sessions", body: pluginCreate})
	wantStatus(t, first, http.StatusCreated)
	id := first.json(t)["id"].(string)

	if err := syscall.Kill(pluginPID(t, s), syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			began := time.Now()
			r := s.do(t, request{path: "/checkout_sessions", body: pluginCreate})
			if r.status != http.StatusCreated {
				wantError(t, r, http.StatusServiceUnavailable, "upstream_unavailable", "")
			}
			if elapsed := time.Since(began); elapsed > 5*time.Second {
				t.Errorf("request after the kill took %s", elapsed)
			}
		})
	}
	wg.Wait()
	testkit.Eventually(t, 15*time.Second, "the plugin to come back", func() bool {
		return s.do(t, request{path: "/checkout_sessions", body: pluginCreate}).status == http.StatusCreated
	})
	if st := s.host.Plugins()[0]; st.Restarts < 1 || st.State != pluginmgr.StateRunning {
		t.Errorf("plugin status after the kill = %+v, want running after a restart", st)
	}
	again := s.do(t, request{method: http.MethodGet, path: "/checkout_sessions/" + id})
	wantStatus(t, again, http.StatusOK)
	if string(again.body) != string(first.body) {
		t.Errorf("session changed across the crash:\nbefore %s\nafter  %s", first.body, again.body)
	}

	// Now the plugin cannot start at all.
	writeExecutable(t, binary, "#!/bin/sh\nexit 1\n")
	if err := syscall.Kill(pluginPID(t, s), syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		began := time.Now()
		r := s.do(t, request{path: "/checkout_sessions", body: pluginCreate})
		wantError(t, r, http.StatusServiceUnavailable, "upstream_unavailable", "")
		if elapsed := time.Since(began); elapsed > 2*time.Second {
			t.Errorf("503 while the catalog is down took %s", elapsed)
		}
	}
	wantStatus(t, s.do(t, request{method: http.MethodGet, path: "/checkout_sessions/" + id}), http.StatusOK)
	wantStatus(t, s.do(t, request{method: http.MethodGet, path: "/healthz", noAuth: true, noVersion: true}), http.StatusOK)
	ready := s.do(t, request{method: http.MethodGet, path: "/readyz", noAuth: true, noVersion: true})
	wantStatus(t, ready, http.StatusServiceUnavailable)
	if !strings.Contains(string(ready.body), `"catalog":{"provider":"t","state":"down"}`) ||
		!strings.Contains(string(ready.body), `"tax":{"provider":"builtin","state":"running"}`) {
		t.Errorf("/readyz = %s", ready.body)
	}

	// The binary comes back: the next restart after the back-off succeeds.
	copyExecutable(t, testkit.Binary(t, "testplugin"), binary)
	testkit.Eventually(t, 15*time.Second, "the plugin to come back", func() bool {
		return s.do(t, request{path: "/checkout_sessions", body: pluginCreate}).status == http.StatusCreated
	})
	wantStatus(t, s.do(t, request{method: http.MethodGet, path: "/readyz", noAuth: true, noVersion: true}), http.StatusOK)
}

// A call to a plugin that hangs ends at its deadline with a 503.
func TestPluginHangs(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := startServer(t, loadConfigWith(t, dir, testPluginCatalog(testkit.Binary(t, "testplugin"))))
	began := time.Now()
	r := s.do(t, request{path: "/checkout_sessions", body: `{"line_items":[{"id":"hang"}],"currency":"usd","capabilities":{}}`})
	elapsed := time.Since(began)
	wantError(t, r, http.StatusServiceUnavailable, "upstream_unavailable", "")
	if elapsed < 500*time.Millisecond || elapsed > 5*time.Second {
		t.Errorf("hanging call answered after %s, want about its 500ms timeout", elapsed)
	}
	wantStatus(t, s.do(t, request{path: "/checkout_sessions", body: pluginCreate}), http.StatusCreated)
}

// A plugin sees only the variables its allowlist names, never the rest of
// the host's environment (the Stripe key above all).
func TestPluginEnvironment(t *testing.T) {
	t.Setenv("ACP_HOST_PROCESS_ONLY", "host")
	dir := t.TempDir()
	cfg := loadConfigWith(t, dir, testPluginCatalog(testkit.Binary(t, "testplugin"), "    env: [ACP_PLUGIN_ALLOWED, ACP_PLUGIN_UNSET]"))
	s := startServerEnv(t, cfg, map[string]string{"ACP_PLUGIN_ALLOWED": "yes", "STRIPE_SECRET_KEY": "sk_test_secret"})
	r := s.do(t, request{path: "/checkout_sessions", body: `{"line_items":[{"id":"env:ACP_PLUGIN_ALLOWED"},{"id":"env:STRIPE_SECRET_KEY"},{"id":"env:ACP_HOST_PROCESS_ONLY"},{"id":"env:PATH"},{"id":"env:ACP_PLUGIN_UNSET"}],"currency":"usd","capabilities":{}}`})
	wantStatus(t, r, http.StatusCreated)
	body := string(r.body)
	if !strings.Contains(body, `"yes"`) {
		t.Errorf("the allowlisted variable did not reach the plugin: %s", body)
	}
	for i := 1; i <= 4; i++ {
		if !strings.Contains(body, fmt.Sprintf(`"param":"$.line_items[%d].item.id"`, i)) {
			t.Errorf("line %d: the plugin saw a variable it was not given: %s", i, body)
		}
	}
	if strings.Contains(body, "sk_test_secret") || strings.Contains(body, `"host"`) {
		t.Errorf("host variables reached the plugin: %s", body)
	}
}

// A server does not start with a plugin it cannot trust or configure; the
// error names the plugin.
func TestPluginStartRefused(t *testing.T) {
	t.Parallel()
	binary := testkit.Binary(t, "testplugin")
	testCases := map[string]struct {
		yaml    string
		wantErr string
	}{
		"sha256 mismatch": {
			yaml:    testPluginCatalog(binary, "    sha256: "+strings.Repeat("ab", 32)),
			wantErr: "does not match its sha256",
		},
		"config refused by the plugin's schema": {
			yaml:    strings.Replace(testPluginCatalog(binary), "config: {price: 250}", "config: {price: -5}", 1),
			wantErr: "config does not match the plugin's schema",
		},
		"capability the plugin does not serve": {
			yaml:    strings.Replace(testPluginCatalog(binary), "capabilities: {catalog: t}", "capabilities: {catalog: t, tax: t}", 1),
			wantErr: "does not serve the tax capability",
		},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			yaml := tc.yaml
			cfg := loadConfigWith(t, dir, yaml)
			h, err := host.New(cfg, logging.New(io.Discard, slog.LevelError), func(string) string { return "" })
			if err == nil {
				_ = h.Close()
				t.Fatal("host.New() succeeded")
			}
			if !strings.Contains(err.Error(), `plugin "t"`) || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("host.New() = %v, want an error naming plugin \"t\" and saying %q", err, tc.wantErr)
			}
			if _, statErr := os.Stat(filepath.Join(dir, "data")); statErr == nil {
				t.Error("the store was opened although the plugins did not start")
			}
		})
	}
}

func copyExecutable(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	writeExecutable(t, to, string(data))
}

// writeExecutable replaces path atomically, so a start never runs a
// half-written file.
func writeExecutable(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path+".tmp", []byte(content), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(path+".tmp", path); err != nil {
		t.Fatal(err)
	}
}

// acp.yaml names capabilities as the SDK's plugins report them; the host
// matches the two as strings.
func TestCapabilityNamesMatchTheSDK(t *testing.T) {
	t.Parallel()
	for cfgName, sdkName := range map[string]string{
		config.CapabilityCatalog:     acpplugin.CapabilityCatalog,
		config.CapabilityTax:         acpplugin.CapabilityTax,
		config.CapabilityShipping:    acpplugin.CapabilityShipping,
		config.CapabilityFulfillment: acpplugin.CapabilityFulfillment,
	} {
		if cfgName != sdkName {
			t.Errorf("config names a capability %q, the SDK %q", cfgName, sdkName)
		}
	}
}
