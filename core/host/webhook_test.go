package host_test

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/config"
	"github.com/acp-sidecar/acp/core/host"
	"github.com/acp-sidecar/acp/internal/acpschema"
	"github.com/acp-sidecar/acp/internal/testkit"
)

const (
	merchantToken = "test-merchant-local-token-01"
	webhookSecret = "whook-secret-shared-with-the-agent"
	webhookEnv    = "TEST_AGENT_WEBHOOK_SECRET"
)

// receiver is an agent's order event endpoint. It verifies
// Merchant-Signature with its own reading of the spec's rule and a ±300 s
// window, validates each payload against the webhook schema of version,
// and answers as its mode says.
type receiver struct {
	t       *testing.T
	version string
	srv     *httptest.Server
	addr    string
	url     string
	started bool

	mu       sync.Mutex
	mode     string // "ok", "503", "429"
	received []delivery
	attempts int
	changed  chan struct{}
}

// delivery is one accepted event.
type delivery struct {
	requestID string
	eventType string
	data      map[string]any
}

// newReceiver reserves a loopback address; the receiver does not listen
// until start, so deliveries before that are refused connections.
func newReceiver(t *testing.T, version string) *receiver {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &receiver{t: t, version: version, mode: "ok", changed: make(chan struct{}, 1000)}
	r.url = "http://" + ln.Addr().String() + "/agentic_checkout/webhooks/order_events"
	r.addr = ln.Addr().String()
	r.srv = httptest.NewUnstartedServer(http.HandlerFunc(r.serve))
	_ = r.srv.Listener.Close()
	r.srv.Listener = ln
	t.Cleanup(func() {
		if r.started {
			r.srv.Close()
		} else if r.srv.Listener != nil {
			_ = r.srv.Listener.Close()
		}
	})
	return r
}

// startDown makes the address refuse connections until start is called.
func (r *receiver) startDown() {
	_ = r.srv.Listener.Close()
	r.srv.Listener = nil
}

// start listens (again) on the reserved address.
func (r *receiver) start() {
	r.t.Helper()
	if r.srv.Listener == nil {
		ln, err := net.Listen("tcp", r.addr)
		if err != nil {
			r.t.Fatalf("listen again on %s: %v", r.addr, err)
		}
		r.srv.Listener = ln
	}
	r.srv.Start()
	r.started = true
}

func (r *receiver) setMode(mode string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.mode = mode
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(req.Body)
	if err != nil {
		http.Error(w, "read", http.StatusBadRequest)
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.attempts++
	defer func() { r.changed <- struct{}{} }()
	if err := testkit.VerifySignature([]byte(webhookSecret), req.Header.Get("Merchant-Signature"), body, time.Now(), 300*time.Second); err != nil {
		r.t.Errorf("delivery with a bad signature: %v", err)
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = io.WriteString(w, `{"type":"invalid_request","code":"invalid_signature","message":"bad signature"}`)
		return
	}
	switch r.mode {
	case "503":
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	case "429":
		w.Header().Set("Retry-After", "1")
		w.WriteHeader(http.StatusTooManyRequests)
		return
	}
	if ct := req.Header.Get("Content-Type"); ct != "application/json" {
		r.t.Errorf("Content-Type = %q", ct)
	}
	acpschema.Webhook(r.t, r.version).Event(r.t, body)
	var event struct {
		Type string         `json:"type"`
		Data map[string]any `json:"data"`
	}
	if err := json.Unmarshal(body, &event); err != nil {
		r.t.Errorf("payload is not JSON: %v", err)
	}
	id := req.Header.Get("Request-Id")
	for _, d := range r.received {
		if d.requestID == id {
			// At-least-once: a repeat is acknowledged and not counted.
			_, _ = fmt.Fprintf(w, `{"received":true,"request_id":%q}`, id)
			return
		}
	}
	r.received = append(r.received, delivery{requestID: id, eventType: event.Type, data: event.Data})
	_, _ = fmt.Fprintf(w, `{"received":true,"request_id":%q}`, id)
}

// waitUntil waits until done holds for the receiver's state, re-checking
// after every request it serves.
func (r *receiver) waitUntil(what string, done func(received []delivery, attempts int) bool) []delivery {
	r.t.Helper()
	deadline := time.After(15 * time.Second)
	for {
		r.mu.Lock()
		got, attempts := append([]delivery(nil), r.received...), r.attempts
		r.mu.Unlock()
		if done(got, attempts) {
			return got
		}
		select {
		case <-r.changed:
		case <-deadline:
			r.t.Fatalf("no %s within 15s: %d attempts, received %+v", what, attempts, got)
		}
	}
}

// waitFor waits until the receiver has accepted n events.
func (r *receiver) waitFor(n int) []delivery {
	r.t.Helper()
	return r.waitUntil(fmt.Sprintf("%d events", n), func(got []delivery, _ int) bool { return len(got) >= n })
}

// waitAttempts waits until the receiver has been tried n times in all.
func (r *receiver) waitAttempts(n int) {
	r.t.Helper()
	r.waitUntil(fmt.Sprintf("%d attempts", n), func(_ []delivery, attempts int) bool { return attempts >= n })
}

// webhookConfig is the test store with test-agent's order events going to
// url, quick retries, and the merchant API on.
func webhookConfig(t *testing.T, dir, url string) (*config.Config, map[string]string) {
	t.Helper()
	cfg := loadTestConfig(t, dir)
	cfg.Agents[0].Webhooks = []config.Webhook{{
		Name: "orders", URL: url, SecretEnv: webhookEnv, Events: config.WebhookEvents, MaxAttempts: 50, MaxAge: time.Hour,
	}}
	cfg.WebhookDelivery = config.WebhookDelivery{
		Timeout: 2 * time.Second, InitialBackoff: 20 * time.Millisecond, MaxBackoff: 300 * time.Millisecond, Workers: 4, AllowPrivateNetworks: true,
	}
	cfg.MerchantAPI.LocalOnlyToken = merchantToken
	return cfg, map[string]string{webhookEnv: webhookSecret}
}

// merchant calls the merchant API.
func (s *server) merchant(t *testing.T, method, path, body string) response {
	t.Helper()
	return s.do(t, request{method: method, path: "/merchant/orders" + path, body: body, token: merchantToken, noKey: true, noVersion: true})
}

// completeOrder runs a checkout to completion under version and returns
// the order id.
func completeOrder(t *testing.T, s *server, version string) string {
	t.Helper()
	create, update, complete := createBody, addressBody, fmt.Sprintf(completeBody, "spt_ok")
	if version != v0417 && version != v0130 {
		create, update, complete = legacyCreateBody, legacyUpdateBody(version), fmt.Sprintf(legacyComplete, "spt_ok")
	}
	created := s.do(t, request{path: "/checkout_sessions", version: version, body: create})
	wantStatus(t, created, http.StatusCreated)
	id := created.json(t)["id"].(string)
	wantStatus(t, s.do(t, request{path: "/checkout_sessions/" + id, version: version, body: update}), http.StatusOK)
	done := s.do(t, request{path: "/checkout_sessions/" + id + "/complete", version: version, body: complete})
	wantStatus(t, done, http.StatusOK)
	return "ord_" + strings.TrimPrefix(id, "cs_")
}

// TestOrderLifecycleWebhooks: completing a checkout sends order_create;
// shipping, a partial refund, a full refund and a cancellation through the
// merchant API each send order_update, in order, with the order's state
// at that step, in the shape of the version the checkout was created
// under.
func TestOrderLifecycleWebhooks(t *testing.T) {
	t.Parallel()
	for _, version := range []string{v0417, v0130, v0929} {
		t.Run(version, func(t *testing.T) {
			t.Parallel()
			recv := newReceiver(t, version)
			recv.start()
			cfg, env := webhookConfig(t, t.TempDir(), recv.url)
			s := startServerEnv(t, cfg, env)
			orderID := completeOrder(t, s, version)

			steps := []struct{ path, body string }{
				{"/" + orderID + "/fulfillments", `{"line_items":[{"id":"li_item_123","quantity":2}],"carrier":"USPS","tracking_number":"9400111899223456789012","tracking_url":"https://tools.usps.com/t/9400111899223456789012"}`},
				{"/" + orderID + "/adjustments", `{"amount":300,"reason":"damaged","line_items":[{"id":"li_item_123","quantity":1}]}`},
				{"/" + orderID + "/adjustments", `{"id":"re_rest","amount":%d}`},
				{"/" + orderID + "/cancel", `{"reason":"customer_request"}`},
			}
			order := s.merchant(t, http.MethodGet, "/"+orderID, "")
			wantStatus(t, order, http.StatusOK)
			total := int64(order.json(t)["total"].(float64))
			for i, step := range steps {
				body := step.body
				if strings.Contains(body, "%d") {
					body = fmt.Sprintf(body, total-300)
				}
				r := s.merchant(t, http.MethodPost, step.path, body)
				wantStatus(t, r, http.StatusOK)
				recv.waitFor(i + 2) // one event at a time keeps the steps apart
			}
			got := recv.waitFor(5)
			type view struct{ typ, status, refunded string }
			var seen []view
			for _, d := range got {
				v := view{typ: d.eventType, status: fmt.Sprint(d.data["status"])}
				if version == v0417 {
					for _, tot := range asSlice(d.data["totals"]) {
						if m := tot.(map[string]any); m["type"] == "amount_refunded" {
							v.refunded = fmt.Sprint(m["amount"])
						}
					}
					if d.data["id"] != orderID {
						t.Errorf("event order id = %v, want %s", d.data["id"], orderID)
					}
				} else {
					var sum float64
					for _, rf := range asSlice(d.data["refunds"]) {
						sum += rf.(map[string]any)["amount"].(float64)
					}
					if sum > 0 {
						v.refunded = fmt.Sprint(sum)
					}
				}
				seen = append(seen, v)
			}
			full := strconv.FormatInt(total, 10)
			want := []view{
				{"order_create", "created", ""},
				{"order_update", "processing", ""},
				{"order_update", "processing", "300"},
				{"order_update", "processing", full},
				{"order_update", "shipped", full},
			}
			if version != v0417 {
				// The closed legacy status enum: processing reads confirmed.
				for i := range want {
					want[i].status = strings.NewReplacer("processing", "confirmed").Replace(want[i].status)
				}
			}
			for i := range want {
				if i >= len(seen) || seen[i] != want[i] {
					t.Fatalf("events = %+v\nwant   %+v", seen, want)
				}
			}
			ids := map[string]bool{}
			for _, d := range got {
				if d.requestID == "" || ids[d.requestID] {
					t.Errorf("Request-Id %q missing or reused", d.requestID)
				}
				ids[d.requestID] = true
			}
		})
	}
}

// TestMerchantAPIRefusals: a bad token, an over-refund and shipping more
// than ordered are flat 4xx errors, change nothing and send nothing.
func TestMerchantAPIRefusals(t *testing.T) {
	t.Parallel()
	recv := newReceiver(t, v0417)
	recv.start()
	cfg, env := webhookConfig(t, t.TempDir(), recv.url)
	s := startServerEnv(t, cfg, env)
	orderID := completeOrder(t, s, v0417)
	recv.waitFor(1)
	before := s.merchant(t, http.MethodGet, "/"+orderID, "")

	cases := []struct {
		name, token, path, body string
		status                  int
		code, param             string
	}{
		{"agent token", testToken, "/" + orderID + "/cancel", "", http.StatusUnauthorized, "unauthorized", ""},
		{"no token", "-", "/" + orderID + "/cancel", "", http.StatusUnauthorized, "unauthorized", ""},
		{"over-refund", merchantToken, "/" + orderID + "/adjustments", `{"amount":999999}`, http.StatusConflict, "amount_exceeded", "$.amount"},
		{"ship more than ordered", merchantToken, "/" + orderID + "/fulfillments", `{"line_items":[{"id":"li_item_123","quantity":3}]}`, http.StatusConflict, "quantity_exceeded", "$.line_items[0].quantity"},
		{"unknown field", merchantToken, "/" + orderID + "/fulfillments", `{"tracking_numbr":"1"}`, http.StatusBadRequest, "invalid", "$.tracking_numbr"},
		{"wrong type", merchantToken, "/" + orderID + "/adjustments", `{"amount":"3.00"}`, http.StatusBadRequest, "invalid_type", "$.amount"},
		{"not JSON", merchantToken, "/" + orderID + "/adjustments", `{"amount":`, http.StatusBadRequest, "invalid_json", "$"},
		{"unknown order", merchantToken, "/ord_nope/cancel", "", http.StatusNotFound, "not_found", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := request{path: "/merchant/orders" + tc.path, body: tc.body, token: tc.token, noKey: true, noVersion: true}
			if tc.token == "-" {
				r.noAuth = true
			}
			wantError(t, s.do(t, r), tc.status, tc.code, tc.param)
		})
	}
	after := s.merchant(t, http.MethodGet, "/"+orderID, "")
	if string(before.body) != string(after.body) {
		t.Errorf("order changed:\n%s\n%s", before.body, after.body)
	}
	// An event is written in the transaction of its change, so a wrongly
	// sent one would be pending now or already received.
	pending := s.do(t, request{method: http.MethodGet, path: "/merchant/webhooks/events?state=pending", token: merchantToken, noVersion: true})
	wantStatus(t, pending, http.StatusOK)
	if strings.Contains(string(pending.body), "order_update") {
		t.Errorf("a refused request queued an event: %s", pending.body)
	}
	recv.mu.Lock()
	n := len(recv.received)
	recv.mu.Unlock()
	if n != 1 {
		t.Errorf("%d events delivered, want only order_create", n)
	}
}

// TestWebhooksSurviveOutages: while the receiver refuses connections, then
// answers 503, then 429 with Retry-After (which core/webhook's tests show
// is honoured; here max_backoff caps it), events wait; once it is back
// every event arrives, each order's in order.
func TestWebhooksSurviveOutages(t *testing.T) {
	t.Parallel()
	recv := newReceiver(t, v0417)
	recv.startDown()
	cfg, env := webhookConfig(t, t.TempDir(), recv.url)
	s := startServerEnv(t, cfg, env)
	first := completeOrder(t, s, v0417)
	second := completeOrder(t, s, v0417)
	wantStatus(t, s.merchant(t, http.MethodPost, "/"+first+"/fulfillments", `{}`), http.StatusOK)
	wantStatus(t, s.merchant(t, http.MethodPost, "/"+second+"/adjustments", `{"amount":100}`), http.StatusOK)
	wantStatus(t, s.merchant(t, http.MethodPost, "/"+first+"/adjustments", `{"amount":100}`), http.StatusOK)
	// The first event is retried while connections are refused.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		events := s.do(t, request{method: http.MethodGet, path: "/merchant/webhooks/events?state=pending", token: merchantToken, noVersion: true})
		if strings.Contains(string(events.body), `"attempts":2`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no retried event while the receiver was down: %s", events.body)
		}
	}

	recv.setMode("503")
	recv.start()
	recv.waitAttempts(3)
	recv.setMode("429")
	recv.waitAttempts(6)
	recv.setMode("ok")
	got := recv.waitFor(5)

	perOrder := map[string][]string{}
	for _, d := range got {
		id := d.data["id"].(string)
		status := d.data["status"].(string)
		refunded := ""
		for _, tot := range asSlice(d.data["totals"]) {
			if m := tot.(map[string]any); m["type"] == "amount_refunded" {
				refunded = fmt.Sprint(m["amount"])
			}
		}
		perOrder[id] = append(perOrder[id], d.eventType+":"+status+":"+refunded)
	}
	want := map[string][]string{
		first:  {"order_create:created:", "order_update:shipped:", "order_update:shipped:100"},
		second: {"order_create:created:", "order_update:created:100"},
	}
	for id, w := range want {
		if strings.Join(perOrder[id], " ") != strings.Join(w, " ") {
			t.Errorf("order %s events = %v, want %v", id, perOrder[id], w)
		}
	}
}

// TestWebhookDeliveredAfterRestart: an event written but not delivered
// when the server stops is delivered by the next server on the same
// store.
func TestWebhookDeliveredAfterRestart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	recv := newReceiver(t, v0417)
	recv.setMode("503")
	recv.start()
	cfg, env := webhookConfig(t, dir, recv.url)
	first := startServerEnv(t, cfg, env)
	orderID := completeOrder(t, first, v0417)
	recv.waitAttempts(1)
	first.stop()

	recv.setMode("ok")
	cfg, env = webhookConfig(t, dir, recv.url)
	second := startServerEnv(t, cfg, env)
	got := recv.waitFor(1)
	if got[0].eventType != "order_create" || got[0].data["id"] != orderID {
		t.Errorf("delivered %+v, want order_create of %s", got[0], orderID)
	}

	// With webhooks configured, discovery advertises the orders service.
	doc := second.do(t, request{method: http.MethodGet, path: "/.well-known/acp.json", noAuth: true, noVersion: true})
	acpschema.For(t, v0417).Def(t, "DiscoveryResponse", doc.body)
	if !strings.Contains(string(doc.body), `"services":["checkout","orders"]`) {
		t.Errorf("discovery: %s", doc.body)
	}
	// The delivery shows in the metrics, beside the HTTP metrics, once the
	// deliverer has recorded the receiver's answer.
	var metrics response
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		metrics = second.do(t, request{method: http.MethodGet, path: "/metrics", noAuth: true, noVersion: true})
		wantStatus(t, metrics, http.StatusOK)
		if strings.Contains(string(metrics.body), "acp_webhook_events_delivered_total{") {
			break
		}
	}
	for _, line := range []string{
		`acp_webhook_events_delivered_total{agent="test-agent",target="orders"} 1`,
		`acp_webhook_events_queued{agent="test-agent",target="orders"}`,
		`acp_http_requests_total{method="GET",route="/.well-known/acp.json",status="200"} 1`,
	} {
		if !strings.Contains(string(metrics.body), line) {
			t.Errorf("metrics lack %q", line)
		}
	}
}

// TestMerchantTokenNeverAnAgents: a merchant token read from the
// environment that equals an agent's token is refused at start.
func TestMerchantTokenNeverAnAgents(t *testing.T) {
	t.Parallel()
	cfg := loadTestConfig(t, t.TempDir())
	cfg.MerchantAPI.TokenEnv = "TEST_MERCHANT_TOKEN"
	_, err := host.New(cfg, slog.New(slog.DiscardHandler), func(name string) string {
		return map[string]string{"TEST_MERCHANT_TOKEN": otherToken}[name]
	})
	if err == nil || !strings.Contains(err.Error(), "agents[1]'s token") {
		t.Fatalf("host.New() error = %v, want the shared token refused", err)
	}
}
