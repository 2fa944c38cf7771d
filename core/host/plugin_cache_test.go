package host_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/config"
	"github.com/acp-sidecar/acp/core/pluginmgr"
	"github.com/acp-sidecar/acp/internal/testkit"
)

// startPluginsStore serves examples/plugins-store with its store in dir,
// orders going to a test intake, each plugin's config changed by change
// when set.
func startPluginsStore(t *testing.T, dir string, change func(*config.Config)) *server {
	t.Helper()
	intakeServer := httptest.NewServer(&intake{t: t})
	t.Cleanup(intakeServer.Close)
	cfg := pluginsStore(t, dir, intakeServer.URL)
	if change != nil {
		change(cfg)
	}
	return startServerEnv(t, cfg, map[string]string{"ACP_ORDER_INTAKE_SECRET": intakeSecret})
}

// wantMetrics fails the test for each line /metrics does not show.
func wantMetrics(t *testing.T, s *server, lines ...string) {
	t.Helper()
	text := getText(t, s.base+"/metrics")
	for _, line := range lines {
		if !metricLine(text, line) {
			t.Errorf("/metrics lacks %s", line)
		}
	}
}

// pluginCalls is the acp_plugin_calls_total line of n answered calls.
func pluginCalls(plugin, rpc string, n int) string {
	return fmt.Sprintf(`acp_plugin_calls_total{outcome="ok",plugin=%q,rpc=%q} %d`, plugin, rpc, n)
}

// cacheLookups is the acp_plugin_cache_requests_total line of n lookups.
func cacheLookups(plugin, outcome string, n int) string {
	return fmt.Sprintf(`acp_plugin_cache_requests_total{capability=%q,outcome=%q,plugin=%q} %d`, plugin, outcome, plugin, n)
}

// createSame creates the demo cart n times on s and checks that every
// session is the first one's, schema-valid (request validates it); it
// returns the sessions.
func createSame(t *testing.T, s *server, n int) []map[string]any {
	t.Helper()
	var out []map[string]any
	for i := range n {
		r := s.do(t, request{path: "/checkout_sessions", body: demoCreate, token: demoToken})
		wantStatus(t, r, http.StatusCreated)
		out = append(out, r.json(t))
		if diff := sessionDiff(out[i], out[0]); diff != "" {
			t.Errorf("create %d differs from the first:\n%s", i, diff)
		}
	}
	return out
}

// TestPluginAnswersReused: identical creates on the plugins store ask the
// tax and shipping plugins once each (their answers hold 5 minutes), and
// every create answers the same schema-valid session; the catalog, whose
// answers carry the stock, is asked every time. Two identical updates to
// an address ask once more each, for the new destination.
func TestPluginAnswersReused(t *testing.T) {
	t.Parallel()
	s := startPluginsStore(t, t.TempDir(), nil)
	const n = 5
	sessions := createSame(t, s, n)
	wantMetrics(t, s,
		pluginCalls("tax", "tax.Quote", 1), pluginCalls("shipping", "shipping.Quote", 1),
		pluginCalls("catalog", "catalog.ResolveItems", n),
		cacheLookups("tax", "miss", 1), cacheLookups("tax", "hit", n-1),
		cacheLookups("shipping", "miss", 1), cacheLookups("shipping", "hit", n-1))

	var updated map[string]any
	for i, sess := range sessions[:2] {
		r := s.do(t, request{path: "/checkout_sessions/" + sess["id"].(string), body: demoUpdate, token: demoToken})
		wantStatus(t, r, http.StatusOK)
		if i == 0 {
			updated = r.json(t)
		} else if diff := sessionDiff(r.json(t), updated); diff != "" {
			t.Errorf("the second update differs from the first:\n%s", diff)
		}
	}
	wantMetrics(t, s,
		pluginCalls("tax", "tax.Quote", 2), pluginCalls("shipping", "shipping.Quote", 2),
		cacheLookups("tax", "miss", 2), cacheLookups("tax", "hit", n),
		cacheLookups("shipping", "miss", 2), cacheLookups("shipping", "hit", n))
}

// pluginPIDOf is the process id of the named plugin, running.
func pluginPIDOf(t *testing.T, s *server, name string) int {
	t.Helper()
	for _, st := range s.host.Plugins() {
		if st.Name == name && st.PID != "" {
			pid, err := strconv.Atoi(st.PID)
			if err != nil {
				t.Fatal(err)
			}
			return pid
		}
	}
	t.Fatalf("plugin %s is not running: %+v", name, s.host.Plugins())
	return 0
}

// TestPluginRestartForgetsAnswers: a plugin's restart drops the answers
// the host kept of it (the others' stay), and a new config (a host
// restarted on a changed acp.yaml) is never answered from the old one's.
func TestPluginRestartForgetsAnswers(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	quickHealth := func(cfg *config.Config) {
		for i := range cfg.Plugins {
			cfg.Plugins[i].HealthInterval = time.Second // the health check restarts a killed plugin
		}
	}
	s := startPluginsStore(t, dir, quickHealth)
	before := createSame(t, s, 2)
	wantMetrics(t, s, pluginCalls("tax", "tax.Quote", 1), pluginCalls("shipping", "shipping.Quote", 1))

	if err := syscall.Kill(pluginPIDOf(t, s, "tax"), syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, 30*time.Second, "the tax plugin to be restarted", func() bool {
		return metricLine(getText(t, s.base+"/metrics"), `acp_plugin_restarts_total{plugin="tax"} 1`) &&
			slices.ContainsFunc(s.host.Plugins(), func(st pluginmgr.Status) bool { return st.Name == "tax" && st.Ready() })
	})
	after := createSame(t, s, 2)
	if diff := sessionDiff(after[0], before[0]); diff != "" {
		t.Errorf("the restarted plugin answers otherwise:\n%s", diff)
	}
	// The restarted tax plugin was asked again, once; shipping, not
	// restarted, answered from what the host kept.
	wantMetrics(t, s, pluginCalls("tax", "tax.Quote", 2), pluginCalls("shipping", "shipping.Quote", 1),
		cacheLookups("tax", "miss", 2), cacheLookups("tax", "hit", 2), cacheLookups("shipping", "hit", 3))
	s.stop()

	// The same store with fulfillment now taxed: the first create after
	// the change says so.
	changed := startPluginsStore(t, dir, func(cfg *config.Config) {
		for i := range cfg.Plugins {
			if cfg.Plugins[i].Name == "tax" {
				cfg.Plugins[i].Config["shipping_taxable"] = true
			}
		}
	})
	r := changed.do(t, request{path: "/checkout_sessions", body: demoCreate, token: demoToken})
	wantStatus(t, r, http.StatusCreated)
	if old, now := totalOf(t, before[0], "tax"), totalOf(t, r.json(t), "tax"); now <= old {
		t.Errorf("tax after shipping became taxable = %d, want more than the %d before", now, old)
	}
}
