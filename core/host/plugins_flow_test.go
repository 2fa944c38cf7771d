package host_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/config"
	"github.com/acp-sidecar/acp/internal/testkit"
)

const intakeSecret = "intake-secret-for-tests-0123456789abcdef"

// intake is the store's order-intake endpoint as the order-forward plugin
// calls it. It checks each request's signature with its own HMAC code.
type intake struct {
	t       *testing.T
	mu      sync.Mutex
	calls   []intakeCall
	failing atomic.Bool
}

type intakeCall struct {
	path, key string
	body      map[string]any
}

func (in *intake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	ts, sig, _ := strings.Cut(strings.TrimPrefix(r.Header.Get("ACP-Signature"), "t="), ",v1=")
	mac := hmac.New(sha256.New, []byte(intakeSecret))
	fmt.Fprintf(mac, "%s.%s", ts, body)
	unix, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || !hmac.Equal([]byte(sig), []byte(hex.EncodeToString(mac.Sum(nil)))) || time.Since(time.Unix(unix, 0)).Abs() > 5*time.Minute {
		in.t.Errorf("intake: bad signature %q on %s", r.Header.Get("ACP-Signature"), r.URL.Path)
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	if in.failing.Load() {
		http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
		return
	}
	var decoded map[string]any
	if err := json.Unmarshal(body, &decoded); err != nil {
		in.t.Errorf("intake: body is not JSON: %s", body)
	}
	in.mu.Lock()
	in.calls = append(in.calls, intakeCall{path: r.URL.Path, key: r.Header.Get("Idempotency-Key"), body: decoded})
	n := len(in.calls)
	in.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"order_number": "SHOP-%d"}`, 1000+n)
}

func (in *intake) received() []intakeCall {
	in.mu.Lock()
	defer in.mu.Unlock()
	return append([]intakeCall{}, in.calls...)
}

// pluginsStore loads examples/plugins-store/acp.yaml with the plugins this
// test built, orders forwarded to intakeURL and the catalog's stock state
// in dir.
func pluginsStore(t testing.TB, dir, intakeURL string) *config.Config {
	t.Helper()
	cfg := loadConfig(t, "../../examples/plugins-store/acp.yaml", dir)
	for i := range cfg.Plugins {
		p := &cfg.Plugins[i]
		p.Command = testkit.Binary(t, filepath.Base(p.Command))
		switch p.Name {
		case "orders":
			p.Config["url"] = intakeURL + "/acp/orders"
		case "catalog":
			// The stock counts of each test's own, never the example's
			// folder: tests must not share counts or write into the repo.
			p.Config["stock_state"] = filepath.Join(dir, "products.csv.stock.json")
		}
	}
	unlimited := 0.0
	cfg.Limits.RateLimit.RequestsPerSecond = &unlimited
	return cfg
}

// The whole checkout with every capability served by a plugin process
// answers exactly what the built-in providers answer for the same store,
// and the order reaches the store's order system, signed; a cancellation
// goes there first.
func TestAllPluginsFlow(t *testing.T) {
	t.Parallel()
	in := &intake{t: t}
	intakeServer := httptest.NewServer(in)
	defer intakeServer.Close()
	plugins := startServerEnv(t, pluginsStore(t, t.TempDir(), intakeServer.URL), map[string]string{"ACP_ORDER_INTAKE_SECRET": intakeSecret})
	builtin := startServer(t, loadConfig(t, "../../acp.yaml", t.TempDir()))

	ready := plugins.do(t, request{method: http.MethodGet, path: "/readyz", noAuth: true, noVersion: true})
	wantStatus(t, ready, http.StatusOK)
	for _, c := range []string{"catalog", "tax", "shipping", "fulfillment"} {
		if !strings.Contains(string(ready.body), fmt.Sprintf(`"%s":{"provider":`, c)) || strings.Contains(string(ready.body), `"provider":"builtin"`) {
			t.Errorf("/readyz = %s, want every capability served by a plugin", ready.body)
		}
	}

	steps := []struct {
		name, path, body string
		status           int
	}{
		{"create", "/checkout_sessions", `{"line_items":[{"id":"mug-classic","quantity":2},{"id":"guide-brewing-ebook"},{"id":"beans-house-1kg"},{"id":"no-such-sku"}],"currency":"usd","capabilities":{}}`, http.StatusCreated},
		{"update to California with express", "/checkout_sessions/{id}", demoUpdate, http.StatusOK},
		{"update to Canada", "/checkout_sessions/{id}", `{"fulfillment_details":{"name":"Ada","address":{"name":"Ada","line_one":"1 Main St","city":"Toronto","state":"ON","country":"CA","postal_code":"M5V 2T6"}}}`, http.StatusOK},
		{"update to France", "/checkout_sessions/{id}", `{"fulfillment_details":{"name":"Ada","address":{"name":"Ada","line_one":"1 rue de Rivoli","city":"Paris","state":"IDF","country":"FR","postal_code":"75001"}}}`, http.StatusOK},
		{"drop the unknown item, back to California", "/checkout_sessions/{id}", `{"line_items":[{"id":"mug-classic","quantity":2},{"id":"guide-brewing-ebook"},{"id":"beans-house-1kg"}],` + demoUpdate[1:], http.StatusOK},
	}
	var pluginID, builtinID string
	for _, step := range steps {
		p := plugins.do(t, request{path: strings.Replace(step.path, "{id}", pluginID, 1), body: step.body, token: demoToken})
		b := builtin.do(t, request{path: strings.Replace(step.path, "{id}", builtinID, 1), body: step.body, token: demoToken})
		wantStatus(t, p, step.status)
		wantStatus(t, b, step.status)
		pm, bm := p.json(t), b.json(t)
		pluginID, builtinID = pm["id"].(string), bm["id"].(string)
		if diff := sessionDiff(pm, bm); diff != "" {
			t.Errorf("%s: plugins and built-in answers differ:\n%s", step.name, diff)
		}
	}

	complete := plugins.do(t, request{path: "/checkout_sessions/" + pluginID + "/complete", body: demoComplete, token: demoToken})
	wantStatus(t, complete, http.StatusOK)
	order := complete.json(t)["order"].(map[string]any)
	orderID := order["id"].(string)
	calls := in.received()
	if len(calls) != 1 || calls[0].path != "/acp/orders" || calls[0].key != "place:"+orderID || calls[0].body["order_id"] != orderID ||
		calls[0].body["checkout_session_id"] != pluginID || len(calls[0].body["lines"].([]any)) != 3 {
		t.Fatalf("intake received %+v, want one placement of %s", calls, orderID)
	}

	// The order system is down: the cancel is refused and nothing changes.
	in.failing.Store(true)
	refused := plugins.do(t, request{method: http.MethodPost, path: "/merchant/orders/" + orderID + "/cancel", body: `{"reason":"customer_request"}`,
		token: "demo-merchant-local-token", noKey: true, noVersion: true})
	wantError(t, refused, http.StatusServiceUnavailable, "upstream_unavailable", "")
	shown := plugins.do(t, request{method: http.MethodGet, path: "/merchant/orders/" + orderID, token: "demo-merchant-local-token", noVersion: true})
	if wantStatus(t, shown, http.StatusOK); shown.json(t)["status"] == "canceled" {
		t.Fatalf("order canceled although the order system refused: %s", shown.body)
	}
	in.failing.Store(false)
	canceled := plugins.do(t, request{method: http.MethodPost, path: "/merchant/orders/" + orderID + "/cancel", body: `{"reason":"customer_request"}`,
		token: "demo-merchant-local-token", noKey: true, noVersion: true})
	wantStatus(t, canceled, http.StatusOK)
	if canceled.json(t)["status"] != "canceled" {
		t.Errorf("order after cancel = %s", canceled.body)
	}
	calls = in.received()
	if last := calls[len(calls)-1]; len(calls) != 2 || last.path != "/acp/orders/"+orderID+"/cancel" || last.key != "cancel:"+orderID || last.body["reason"] != "customer_request" {
		t.Errorf("intake received %+v, want the cancellation of %s last", calls, orderID)
	}
}

// sessionDiff compares the parts of two checkout sessions that the
// capabilities decide: status, line items, fulfillment options, totals
// and messages. Ids, timestamps and links differ between two servers.
func sessionDiff(got, want map[string]any) string {
	var diffs []string
	for _, key := range []string{"status", "currency", "line_items", "fulfillment_options", "selected_fulfillment_options", "totals", "messages"} {
		g, _ := json.Marshal(got[key])
		w, _ := json.Marshal(want[key])
		if string(g) != string(w) {
			diffs = append(diffs, fmt.Sprintf("%s:\n  plugins  %s\n  built-in %s", key, g, w))
		}
	}
	return strings.Join(diffs, "\n")
}
