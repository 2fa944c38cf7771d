package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/acp-sidecar/acp/core/internal/clocktest"
	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/store"
	"github.com/acp-sidecar/acp/core/store/badgerstore"
	"github.com/acp-sidecar/acp/internal/testkit"
)

const (
	testAgent  = "agent"
	testTarget = "orders"
	testSecret = "whsec_do_not_log"
	// payloadMarker is in every test payload; it must never reach a log
	// line or LastError.
	payloadMarker = "PAYLOAD-MARKER-4711"
)

// openStore opens a Badger store in dir and closes it when the test ends
// (closing twice is not needed: tests that reopen use their own dirs).
func openStore(t *testing.T, dir string) *badgerstore.Store {
	t.Helper()
	st, err := badgerstore.Open(badgerstore.Options{Dir: dir, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	return st
}

func newStore(t *testing.T) *badgerstore.Store {
	t.Helper()
	st := openStore(t, t.TempDir())
	t.Cleanup(func() { _ = st.Close() })
	return st
}

// newEvent returns a pending event for order due at now.
func newEvent(id, target, order string, now time.Time) *model.WebhookEvent {
	return &model.WebhookEvent{
		ID:            id,
		Agent:         testAgent,
		Target:        target,
		OrderID:       order,
		Type:          "order_update",
		APIVersion:    "2026-04-17",
		Payload:       fmt.Appendf(nil, `{"type":"order_update","data":{"type":"order","id":%q,"event":%q,"note":%q}}`, order, id, payloadMarker),
		State:         model.EventPending,
		CreatedAt:     now,
		NextAttemptAt: now,
	}
}

// put writes the events, one transaction each, so they get increasing
// Seqs in argument order.
func put(t *testing.T, st store.Store, events ...*model.WebhookEvent) {
	t.Helper()
	for _, e := range events {
		err := st.Update(context.Background(), func(tx store.Tx) error { return tx.PutWebhookEvent(e) })
		if err != nil {
			t.Fatalf("put event %s: %v", e.ID, err)
		}
	}
}

func list(t *testing.T, st store.Store, state string) []*model.WebhookEvent {
	t.Helper()
	var out []*model.WebhookEvent
	err := st.View(context.Background(), func(r store.Reader) error {
		var err error
		out, err = r.WebhookEvents(state, 0, 1000)
		return err
	})
	if err != nil {
		t.Fatalf("list %s events: %v", state, err)
	}
	return out
}

// logBuffer collects log output safely from many goroutines.
type logBuffer struct{ testkit.Buffer }

// checkNoLeak fails when the log holds the payload or the secret.
func (b *logBuffer) checkNoLeak(t *testing.T) {
	t.Helper()
	out := b.String()
	for _, s := range []string{payloadMarker, testSecret} {
		if strings.Contains(out, s) {
			t.Errorf("log contains %q:\n%s", s, out)
		}
	}
}

// start runs a Deliverer until the test ends; stop cancels it and
// returns Run's error.
func start(t *testing.T, opts Options) (d *Deliverer, logs *logBuffer, stop func() error) {
	t.Helper()
	logs = &logBuffer{}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	if opts.Client == nil {
		opts.Client = NewClient(ClientOptions{Timeout: 5 * time.Second, AllowPrivateNetworks: true})
	}
	if opts.InitialBackoff == 0 {
		opts.InitialBackoff = 10 * time.Millisecond
	}
	if opts.MaxBackoff == 0 {
		opts.MaxBackoff = 50 * time.Millisecond
	}
	if opts.PollInterval == 0 {
		opts.PollInterval = 20 * time.Millisecond
	}
	d = New(opts)
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- d.Run(ctx) }()
	var once sync.Once
	var runErr error
	stop = func() error {
		once.Do(func() {
			cancel()
			runErr = <-errc
		})
		return runErr
	}
	t.Cleanup(func() { _ = stop() })
	return d, logs, stop
}

func target(url string) Target {
	return Target{Agent: testAgent, Name: testTarget, URL: url, Secret: []byte(testSecret), MaxAttempts: 10, MaxAge: time.Hour}
}

// received is one request the test receiver saw.
type received struct {
	id     string
	header http.Header
	body   []byte
	status int
	at     time.Time
}

// receiver is a webhook endpoint whose answers respond decides; n counts
// requests from 1.
type receiver struct {
	mu      sync.Mutex
	n       int
	reqs    []received
	respond func(n int, r *http.Request, w http.ResponseWriter) int
}

// ServeHTTP records the request once its answer is decided, before the
// answer is sent.
func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	rc.n++
	n := rc.n
	rc.mu.Unlock()
	status := http.StatusOK
	if rc.respond != nil {
		status = rc.respond(n, r, w)
	}
	rc.mu.Lock()
	rc.reqs = append(rc.reqs, received{id: r.Header.Get("Request-Id"), header: r.Header.Clone(), body: body, status: status, at: time.Now()})
	rc.mu.Unlock()
	w.WriteHeader(status)
	_, _ = fmt.Fprint(w, `{"received":true}`)
}

func (rc *receiver) requests() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]received(nil), rc.reqs...)
}

// soleRequest is the one request rc received, checked to carry payload.
func soleRequest(t *testing.T, rc *receiver, payload []byte) received {
	t.Helper()
	reqs := rc.requests()
	if len(reqs) != 1 {
		t.Fatalf("receiver got %d requests, want 1", len(reqs))
	}
	if !bytes.Equal(reqs[0].body, payload) {
		t.Errorf("body = %s, want the payload %s", reqs[0].body, payload)
	}
	return reqs[0]
}

func serve(t *testing.T, rc *receiver) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(rc)
	t.Cleanup(srv.Close)
	return srv
}

// metricValue returns a counter's or gauge's value, or a histogram's
// sample count, for the test agent and target tgt, and whether that
// series exists.
func metricValue(t *testing.T, reg *prometheus.Registry, name, tgt string) (float64, bool) {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["agent"] != testAgent || labels["target"] != tgt {
				continue
			}
			switch {
			case m.GetCounter() != nil:
				return m.GetCounter().GetValue(), true
			case m.GetGauge() != nil:
				return m.GetGauge().GetValue(), true
			case m.GetHistogram() != nil:
				return float64(m.GetHistogram().GetSampleCount()), true
			}
		}
	}
	return 0, false
}

// checkMetric fails the test unless the series of name for tgt exists
// and has the value want.
func checkMetric(t *testing.T, reg *prometheus.Registry, name, tgt string, want float64) {
	t.Helper()
	if v, ok := metricValue(t, reg, name, tgt); !ok || v != want {
		t.Errorf("%s{target=%q} = %v (exists: %v), want %v", name, tgt, v, ok, want)
	}
}

// metricIs reports whether the series of name for tgt exists and has the
// value want.
func metricIs(t *testing.T, reg *prometheus.Registry, name, tgt string, want float64) bool {
	t.Helper()
	v, ok := metricValue(t, reg, name, tgt)
	return ok && v == want
}

// checkNoMetric fails the test when the series of name for tgt exists.
func checkNoMetric(t *testing.T, reg *prometheus.Registry, name, tgt string) {
	t.Helper()
	if v, ok := metricValue(t, reg, name, tgt); ok {
		t.Errorf("%s{target=%q} = %v, want no such series", name, tgt, v)
	}
}

func TestDeliverSignedEvent(t *testing.T) {
	st := newStore(t)
	rc := &receiver{}
	srv := serve(t, rc)
	reg := prometheus.NewRegistry()
	e := newEvent("evt_1", testTarget, "ord_1", time.Now())
	put(t, st, e)

	_, logs, _ := start(t, Options{Store: st, Targets: []Target{target(srv.URL + "/agentic_checkout/webhooks/order_events")}, Metrics: NewMetrics(reg)})
	testkit.Eventually(t, 10*time.Second, "the delivery to be recorded", func() bool {
		return metricIs(t, reg, "acp_webhook_delivery_latency_seconds", testTarget, 1)
	})
	if n := len(list(t, st, model.EventPending)); n != 0 {
		t.Errorf("%d events still pending after delivery", n)
	}

	got := soleRequest(t, rc, e.Payload)
	headers := []struct{ name, want string }{
		{"Content-Type", "application/json"},
		{"Request-Id", "evt_1"},
		{"User-Agent", "acp-sidecar"},
	}
	for _, h := range headers {
		if v := got.header.Get(h.name); v != h.want {
			t.Errorf("%s = %q, want %q", h.name, v, h.want)
		}
	}
	ts, err := time.Parse(time.RFC3339, got.header.Get("Timestamp"))
	if err != nil {
		t.Errorf("Timestamp: %v", err)
	} else if d := time.Since(ts); d > 300*time.Second || d < -300*time.Second {
		t.Errorf("Timestamp %v is %v away from now", ts, d)
	}
	if err := testkit.VerifySignature([]byte(testSecret), got.header.Get("Merchant-Signature"), got.body, time.Now(), 300*time.Second); err != nil {
		t.Errorf("Merchant-Signature %q: %v", got.header.Get("Merchant-Signature"), err)
	}
	if n := len(list(t, st, model.EventDead)); n != 0 {
		t.Errorf("%d dead events, want 0", n)
	}

	checkMetric(t, reg, "acp_webhook_events_delivered_total", testTarget, 1)
	checkMetric(t, reg, "acp_webhook_delivery_latency_seconds", testTarget, 1)
	// A counter has a series once it counted something; the gauges show
	// every configured target from the first read of the outbox on.
	checkNoMetric(t, reg, "acp_webhook_attempts_failed_total", testTarget)
	checkNoMetric(t, reg, "acp_webhook_events_dead_lettered_total", testTarget)
	checkMetric(t, reg, "acp_webhook_events_dead", testTarget, 0)
	testkit.Eventually(t, 10*time.Second, "the queued gauge to drop to 0", func() bool {
		return metricIs(t, reg, "acp_webhook_events_queued", testTarget, 0)
	})
	logs.checkNoLeak(t)
}

// TestRetriesKeepPerOrderOrder: the receiver is down (connection
// refused), then answers 503, then 429 with Retry-After, then accepts;
// every event is delivered once, and an order's events never overtake
// each other.
func TestRetriesKeepPerOrderOrder(t *testing.T) {
	st := newStore(t)
	// Reserve a loopback port with nothing listening on it yet.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()

	now := time.Now()
	events := []*model.WebhookEvent{
		newEvent("a1", testTarget, "ord_a", now),
		newEvent("b1", testTarget, "ord_b", now),
		newEvent("a2", testTarget, "ord_a", now),
		newEvent("b2", testTarget, "ord_b", now),
		newEvent("a3", testTarget, "ord_a", now),
	}
	put(t, st, events...)
	queueOf := map[string][]string{"ord_a": {"a1", "a2", "a3"}, "ord_b": {"b1", "b2"}}
	orderOf := map[string]string{"a1": "ord_a", "a2": "ord_a", "a3": "ord_a", "b1": "ord_b", "b2": "ord_b"}

	tgt := target("http://" + addr + "/hook")
	tgt.MaxAttempts = 100
	_, logs, _ := start(t, Options{Store: st, Targets: []Target{tgt}, InitialBackoff: 20 * time.Millisecond, MaxBackoff: 2 * time.Second, Workers: 4})

	var refused *model.WebhookEvent
	testkit.Eventually(t, 10*time.Second, "a refused connection to be recorded", func() bool {
		for _, e := range list(t, st, model.EventPending) {
			if e.Attempts > 0 {
				refused = e
				return true
			}
		}
		return false
	})
	if refused.LastStatus != 0 || !strings.Contains(refused.LastError, "refused") {
		t.Errorf("after a refused connection: LastStatus %d, LastError %q", refused.LastStatus, refused.LastError)
	}
	if refused.ID != "a1" && refused.ID != "b1" {
		t.Errorf("event %s was attempted before its order's first event", refused.ID)
	}

	rc := &receiver{respond: func(n int, _ *http.Request, w http.ResponseWriter) int {
		switch n {
		case 1:
			return http.StatusServiceUnavailable
		case 2:
			w.Header().Set("Retry-After", "1")
			return http.StatusTooManyRequests
		}
		return http.StatusOK
	}}
	srv := httptest.NewUnstartedServer(rc)
	ln, err = net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listen again on %s: %v", addr, err)
	}
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)

	testkit.Eventually(t, 10*time.Second, "every event to be delivered", func() bool { return len(list(t, st, model.EventPending)) == 0 })
	if dead := list(t, st, model.EventDead); len(dead) != 0 {
		t.Fatalf("%d events went dead, first %+v", len(dead), dead[0])
	}

	reqs := rc.requests()
	accepted := map[string]int{}
	next := map[string]int{} // per order: index of the next event due
	var throttled *received
	for i, r := range reqs {
		order := orderOf[r.id]
		if want := queueOf[order][next[order]]; r.id != want {
			t.Errorf("request %d carried %s while %s of %s was not delivered yet", i+1, r.id, want, order)
		}
		if r.status == http.StatusOK {
			accepted[r.id]++
			next[order]++
		}
		if r.status == http.StatusTooManyRequests {
			throttled = &reqs[i]
		} else if throttled != nil && r.id == throttled.id {
			if gap := r.at.Sub(throttled.at); gap < time.Second-50*time.Millisecond {
				t.Errorf("retry of %s came %v after a 429 with Retry-After: 1", r.id, gap)
			}
			throttled = nil
		}
	}
	for _, e := range events {
		if accepted[e.ID] != 1 {
			t.Errorf("event %s accepted %d times, want 1", e.ID, accepted[e.ID])
		}
	}
	if len(reqs) != len(events)+2 {
		t.Errorf("receiver got %d requests, want %d (every event once, plus the 503 and the 429)", len(reqs), len(events)+2)
	}
	logs.checkNoLeak(t)
}

func TestDeadLetter(t *testing.T) {
	tests := []struct {
		name string
		// status answers every request.
		status      int
		maxAttempts int
		// eventTarget, when set, names a target that is not configured.
		eventTarget string
		// age is how old the event is.
		age time.Duration
		// url, when set, replaces the receiver's URL.
		url string
		// client, when set, replaces the loopback-allowing client.
		client       func() *http.Client
		wantAttempts int
		wantRequests int
		wantStatus   int
		wantErr      string
	}{
		{name: "400 after three attempts", status: http.StatusBadRequest, maxAttempts: 10, wantAttempts: 3, wantRequests: 3, wantStatus: 400, wantErr: "HTTP 400 Bad Request (code bad_payload)"},
		{name: "403 with MaxAttempts below three", status: http.StatusForbidden, maxAttempts: 1, wantAttempts: 1, wantRequests: 1, wantStatus: 403, wantErr: "HTTP 403"},
		{name: "redirect is not followed", status: http.StatusFound, maxAttempts: 10, wantAttempts: 3, wantRequests: 3, wantStatus: 302, wantErr: "redirects are not followed"},
		{name: "5xx until MaxAttempts", status: http.StatusInternalServerError, maxAttempts: 4, wantAttempts: 4, wantRequests: 4, wantStatus: 500, wantErr: "HTTP 500"},
		{name: "older than MaxAge", status: http.StatusServiceUnavailable, maxAttempts: 10, age: 2 * time.Hour, wantAttempts: 1, wantRequests: 1, wantStatus: 503, wantErr: "HTTP 503"},
		{name: "malformed target URL", url: "http://[::1/hook?token=abc", maxAttempts: 10, wantAttempts: 3, wantErr: "cannot build the webhook request"},
		{name: "target no longer configured", status: http.StatusOK, maxAttempts: 10, eventTarget: "removed", wantErr: targetGoneMessage},
		{
			name: "forbidden address", status: http.StatusOK, maxAttempts: 10, wantAttempts: 1, wantErr: ErrForbiddenAddress.Error(),
			client: func() *http.Client { return NewClient(ClientOptions{Timeout: 5 * time.Second}) },
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st := newStore(t)
			rc := &receiver{respond: func(_ int, _ *http.Request, w http.ResponseWriter) int {
				if tc.status == http.StatusFound {
					w.Header().Set("Location", "/elsewhere")
				}
				if tc.status >= 400 {
					// An error body that echoes the payload: only its
					// code may be kept.
					w.Header().Set("Content-Type", "application/json")
				}
				return tc.status
			}}
			rc2 := &codeReceiver{receiver: rc, code: "bad_payload"}
			srv := httptest.NewServer(rc2)
			t.Cleanup(srv.Close)

			eventTarget := testTarget
			if tc.eventTarget != "" {
				eventTarget = tc.eventTarget
			}
			e := newEvent("evt_dead", eventTarget, "ord_1", time.Now().Add(-tc.age))
			put(t, st, e)
			tgt := target(srv.URL + "/hook")
			if tc.url != "" {
				tgt.URL = tc.url
			}
			tgt.MaxAttempts = tc.maxAttempts
			var client *http.Client
			if tc.client != nil {
				client = tc.client()
			}
			reg := prometheus.NewRegistry()
			_, logs, _ := start(t, Options{Store: st, Targets: []Target{tgt}, Client: client, Metrics: NewMetrics(reg)})

			testkit.Eventually(t, 10*time.Second, "the dead-letter warning", func() bool {
				return strings.Contains(logs.String(), "webhook event dead-lettered")
			})
			dead := list(t, st, model.EventDead)
			if len(dead) != 1 {
				t.Fatalf("%d dead events, want 1", len(dead))
			}
			if n := len(list(t, st, model.EventPending)); n != 0 {
				t.Errorf("%d events still pending", n)
			}
			got := dead[0]
			if got.ID != e.ID || got.Seq != e.Seq || got.State != model.EventDead || !bytes.Equal(got.Payload, e.Payload) {
				t.Errorf("dead event = id %s seq %d state %s, want id %s seq %d state dead with its payload", got.ID, got.Seq, got.State, e.ID, e.Seq)
			}
			if got.Attempts != tc.wantAttempts || got.LastStatus != tc.wantStatus || !strings.Contains(got.LastError, tc.wantErr) {
				t.Errorf("dead event: Attempts %d, LastStatus %d, LastError %q; want %d, %d, containing %q",
					got.Attempts, got.LastStatus, got.LastError, tc.wantAttempts, tc.wantStatus, tc.wantErr)
			}
			if tc.eventTarget != "" && got.LastError != targetGoneMessage {
				t.Errorf("LastError = %q, want exactly %q", got.LastError, targetGoneMessage)
			}
			for _, leak := range []string{payloadMarker, testSecret, srv.URL, "token=abc"} {
				if strings.Contains(got.LastError, leak) {
					t.Errorf("LastError %q contains %q", got.LastError, leak)
				}
			}
			if n := len(rc.requests()); n != tc.wantRequests {
				t.Errorf("receiver got %d requests, want %d", n, tc.wantRequests)
			}
			checkMetric(t, reg, "acp_webhook_events_dead_lettered_total", eventTarget, 1)
			// The dead gauge is recounted on the deliverer's next read
			// of the outbox, after the dead-lettering.
			testkit.Eventually(t, 10*time.Second, "the dead gauge to count the event", func() bool {
				return metricIs(t, reg, "acp_webhook_events_dead", eventTarget, 1)
			})
			if tc.wantAttempts > 0 {
				checkMetric(t, reg, "acp_webhook_attempts_failed_total", eventTarget, float64(tc.wantAttempts))
			} else {
				checkNoMetric(t, reg, "acp_webhook_attempts_failed_total", eventTarget)
			}
			logs.checkNoLeak(t)
		})
	}
}

// codeReceiver wraps a receiver and writes an ACP error body, echoing the
// request body, for 4xx and 5xx answers.
type codeReceiver struct {
	*receiver
	code string
}

func (c *codeReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	rec := httptest.NewRecorder()
	c.receiver.ServeHTTP(rec, r)
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	if rec.Code >= 400 {
		_ = json.NewEncoder(w).Encode(map[string]string{"type": "invalid_request", "code": c.code, "message": "cannot take " + string(body)})
	}
}

func TestQueueMovesOnAfterDeadLetter(t *testing.T) {
	st := newStore(t)
	rc := &receiver{respond: func(_ int, r *http.Request, _ http.ResponseWriter) int {
		if r.Header.Get("Request-Id") == "first" {
			return http.StatusUnprocessableEntity
		}
		return http.StatusOK
	}}
	srv := serve(t, rc)
	now := time.Now()
	put(t, st, newEvent("first", testTarget, "ord_1", now), newEvent("second", testTarget, "ord_1", now))
	start(t, Options{Store: st, Targets: []Target{target(srv.URL)}})

	testkit.Eventually(t, 10*time.Second, "the outbox to drain", func() bool { return len(list(t, st, model.EventPending)) == 0 })
	var ids []string
	for _, r := range rc.requests() {
		ids = append(ids, r.id)
	}
	if want := "first first first second"; strings.Join(ids, " ") != want {
		t.Errorf("requests = %v, want %s", ids, want)
	}
	if dead := list(t, st, model.EventDead); len(dead) != 1 || dead[0].ID != "first" || dead[0].LastStatus != 422 {
		t.Errorf("dead events = %+v, want only first with status 422", dead)
	}
}

func TestResumeAfterRestart(t *testing.T) {
	dir := t.TempDir()
	st := openStore(t, dir)
	down := &receiver{respond: func(int, *http.Request, http.ResponseWriter) int { return http.StatusBadGateway }}
	srv := serve(t, down)
	e := newEvent("evt_resume", testTarget, "ord_1", time.Now())
	put(t, st, e)

	_, _, stop := start(t, Options{Store: st, Targets: []Target{target(srv.URL)}})
	testkit.Eventually(t, 10*time.Second, "a failed attempt to be recorded", func() bool {
		p := list(t, st, model.EventPending)
		return len(p) == 1 && p[0].Attempts > 0
	})
	if err := stop(); err != nil {
		t.Fatalf("Run returned %v after cancel, want nil", err)
	}
	if err := st.Close(); err != nil {
		t.Fatalf("close store: %v", err)
	}

	st = openStore(t, dir)
	t.Cleanup(func() { _ = st.Close() })
	pending := list(t, st, model.EventPending)
	if len(pending) != 1 || pending[0].ID != e.ID || pending[0].Attempts == 0 || pending[0].LastStatus != http.StatusBadGateway {
		t.Fatalf("after restart, pending = %+v; want %s with its failed attempt recorded", pending, e.ID)
	}
	up := &receiver{}
	srv2 := serve(t, up)
	start(t, Options{Store: st, Targets: []Target{target(srv2.URL)}})
	testkit.Eventually(t, 10*time.Second, "delivery after the restart", func() bool { return len(list(t, st, model.EventPending)) == 0 })
	reqs := up.requests()
	if len(reqs) != 1 || reqs[0].id != e.ID || !bytes.Equal(reqs[0].body, e.Payload) {
		t.Errorf("after restart the receiver got %+v, want %s once", reqs, e.ID)
	}
}

// TestNotifyAndClock: with a long poll interval, Notify wakes the
// deliverer, a delivered event's successor goes at once, and an event is
// not sent before its NextAttemptAt on the injected clock.
func TestNotifyAndClock(t *testing.T) {
	st := newStore(t)
	rc := &receiver{}
	srv := serve(t, rc)
	clock := clocktest.New(time.Now())
	d, _, _ := start(t, Options{Store: st, Targets: []Target{target(srv.URL)}, Now: clock.Now, PollInterval: time.Hour})

	later := newEvent("later", testTarget, "ord_2", clock.Now())
	later.NextAttemptAt = clock.Now().Add(time.Minute)
	put(t, st, newEvent("one", testTarget, "ord_1", clock.Now()), newEvent("two", testTarget, "ord_1", clock.Now()),
		newEvent("three", testTarget, "ord_1", clock.Now()), later)
	d.Notify()
	testkit.Eventually(t, 10*time.Second, "the due events", func() bool { return len(rc.requests()) == 3 })
	// A marker due now, in a queue of its own: the scan that sends it
	// sees "later" too, so once the marker has arrived "later" has been
	// passed over, with no sleep to guess how long a scan takes.
	put(t, st, newEvent("marker", testTarget, "ord_3", clock.Now()))
	d.Notify()
	testkit.Eventually(t, 10*time.Second, "the marker", func() bool { return len(rc.requests()) == 4 })
	if reqs := rc.requests(); reqs[3].id != "marker" {
		t.Fatalf("fourth request = %s before the clock reached later's NextAttemptAt, want the marker", reqs[3].id)
	}
	testkit.Eventually(t, 10*time.Second, "the marker to be recorded", func() bool { return len(list(t, st, model.EventPending)) == 1 })
	if pending := list(t, st, model.EventPending); pending[0].ID != later.ID || pending[0].Attempts != 0 {
		t.Fatalf("pending = %+v, want later, never attempted", pending)
	}

	clock.Advance(time.Minute)
	d.Notify()
	testkit.Eventually(t, 10*time.Second, "the event due later", func() bool { return len(rc.requests()) == 5 })
	reqs := rc.requests()
	if reqs[4].id != "later" {
		t.Errorf("fifth request = %s, want later", reqs[4].id)
	}
	if err := testkit.VerifySignature([]byte(testSecret), reqs[4].header.Get("Merchant-Signature"), reqs[4].body, clock.Now(), 0); err != nil {
		t.Errorf("signature is not made at the injected clock's time: %v", err)
	}
	testkit.Eventually(t, 10*time.Second, "the outbox to drain", func() bool { return len(list(t, st, model.EventPending)) == 0 })
}

// TestWorkersBound: never more deliveries in flight than Workers, and
// never two of one queue.
func TestWorkersBound(t *testing.T) {
	st := newStore(t)
	var mu sync.Mutex
	inFlight, peak := 0, 0
	perOrder := map[string]int{}
	rc := &receiver{respond: func(_ int, r *http.Request, _ http.ResponseWriter) int {
		order := strings.SplitN(r.Header.Get("Request-Id"), "-", 2)[0]
		mu.Lock()
		inFlight++
		perOrder[order]++
		peak = max(peak, inFlight)
		twice := perOrder[order] > 1
		mu.Unlock()
		time.Sleep(10 * time.Millisecond)
		mu.Lock()
		inFlight--
		perOrder[order]--
		mu.Unlock()
		if twice {
			t.Errorf("two deliveries of order %s at once", order)
		}
		return http.StatusOK
	}}
	srv := serve(t, rc)
	now := time.Now()
	var events []*model.WebhookEvent
	for i := range 3 {
		for o := range 6 {
			events = append(events, newEvent(fmt.Sprintf("o%d-%d", o, i), testTarget, fmt.Sprintf("o%d", o), now))
		}
	}
	put(t, st, events...)
	start(t, Options{Store: st, Targets: []Target{target(srv.URL)}, Workers: 2})
	testkit.Eventually(t, 10*time.Second, "the outbox to drain", func() bool { return len(list(t, st, model.EventPending)) == 0 })
	if len(rc.requests()) != len(events) {
		t.Errorf("receiver got %d requests, want %d", len(rc.requests()), len(events))
	}
	if peak > 2 {
		t.Errorf("%d deliveries in flight at once, want at most 2", peak)
	}
}

// TestNoRescanPerDelivery: a finished worker is replaced with the next
// queue of the last read of the outbox, which is read again only once
// everything is idle.
func TestNoRescanPerDelivery(t *testing.T) {
	st := newStore(t)
	now := time.Now()
	for o := range 6 {
		put(t, st, newEvent(fmt.Sprintf("o%d-0", o), testTarget, fmt.Sprintf("o%d", o), now))
	}
	rc := &receiver{}
	srv := serve(t, rc)
	counted := &scanCounter{Store: st}
	reg := prometheus.NewRegistry()
	start(t, Options{Store: counted, Targets: []Target{target(srv.URL)}, Metrics: NewMetrics(reg), Workers: 1, PollInterval: time.Hour})
	testkit.Eventually(t, 10*time.Second, "the outbox to drain", func() bool { return len(list(t, st, model.EventPending)) == 0 })
	// The read after the last delivery sets the gauge to zero.
	testkit.Eventually(t, 10*time.Second, "the queued gauge to drop to 0", func() bool {
		return metricIs(t, reg, "acp_webhook_events_queued", testTarget, 0)
	})
	if n := len(rc.requests()); n != 6 {
		t.Errorf("receiver got %d requests, want 6", n)
	}
	if n := counted.scans.Load(); n != 2 {
		t.Errorf("the outbox was read %d times, want 2 (at the start, and once idle)", n)
	}
}

// scanCounter is a store that counts the reads of the pending outbox from
// its start.
type scanCounter struct {
	store.Store
	scans atomic.Int32
}

func (s *scanCounter) View(ctx context.Context, fn func(store.Reader) error) error {
	return s.Store.View(ctx, func(r store.Reader) error { return fn(&scanCountingReader{Reader: r, c: s}) })
}

type scanCountingReader struct {
	store.Reader
	c *scanCounter
}

func (r *scanCountingReader) WebhookEvents(state string, afterSeq uint64, limit int) ([]*model.WebhookEvent, error) {
	if state == model.EventPending && afterSeq == 0 && limit == pageSize {
		r.c.scans.Add(1)
	}
	return r.Reader.WebhookEvents(state, afterSeq, limit)
}

// TestConcurrentOperatorDelete: an event deleted from the outbox while its
// attempt is in flight is not resurrected by the failure being recorded.
func TestConcurrentOperatorDelete(t *testing.T) {
	st := newStore(t)
	e := newEvent("evt_gone", testTarget, "ord_1", time.Now())
	put(t, st, e)
	arrived, deleted := make(chan struct{}), make(chan struct{})
	rc := &receiver{respond: func(n int, _ *http.Request, _ http.ResponseWriter) int {
		if n == 1 {
			close(arrived)
			<-deleted
		}
		return http.StatusServiceUnavailable
	}}
	srv := serve(t, rc)
	// The deliverer writes to the store only to record an outcome.
	recorded := make(chan error, 1)
	watched := &updateHook{Store: st, after: func(err error) {
		select {
		case recorded <- err:
		default: // a second write is caught by the checks below
		}
	}}
	_, _, stop := start(t, Options{Store: watched, Targets: []Target{target(srv.URL)}})

	select {
	case <-arrived:
	case <-time.After(10 * time.Second):
		t.Fatal("timed out waiting for the attempt")
	}
	if err := st.Update(context.Background(), func(tx store.Tx) error { return tx.DeleteWebhookEvent(e) }); err != nil {
		t.Fatalf("operator delete: %v", err)
	}
	close(deleted)
	select {
	case err := <-recorded:
		if err != nil {
			t.Errorf("recording the failed attempt: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("timed out waiting for the failed attempt to be recorded")
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if p, d := list(t, st, model.EventPending), list(t, st, model.EventDead); len(p)+len(d) != 0 {
		t.Errorf("deleted event came back: pending %+v, dead %+v", p, d)
	}
	if n := len(rc.requests()); n != 1 {
		t.Errorf("receiver got %d requests, want 1", n)
	}
}

// updateHook is a store that calls after with the result of every Update.
type updateHook struct {
	store.Store
	after func(error)
}

func (s *updateHook) Update(ctx context.Context, fn func(store.Tx) error) error {
	err := s.Store.Update(ctx, fn)
	s.after(err)
	return err
}

func TestPostForbiddenAddress(t *testing.T) {
	rc := &receiver{}
	srv := serve(t, rc)
	d := New(Options{Store: newStore(t), Client: NewClient(ClientOptions{})})
	e := newEvent("evt", testTarget, "ord", time.Now())
	_, _, _, err := d.post(context.Background(), target(srv.URL+"/hook?token=abc"), e, time.Now())
	if !errors.Is(err, ErrForbiddenAddress) {
		t.Fatalf("post error = %v, want ErrForbiddenAddress", err)
	}
	if strings.Contains(err.Error(), "token=abc") {
		t.Errorf("error %q repeats the URL", err)
	}
	if len(rc.requests()) != 0 {
		t.Error("the receiver was reached")
	}
}

func TestBackoff(t *testing.T) {
	tests := []struct {
		name       string
		attempts   int
		retryAfter time.Duration
		low, high  time.Duration
	}{
		{"first failure", 1, 0, 50 * time.Millisecond, 100 * time.Millisecond},
		{"second failure doubles", 2, 0, 100 * time.Millisecond, 200 * time.Millisecond},
		{"fourth failure", 4, 0, 400 * time.Millisecond, 800 * time.Millisecond},
		{"capped", 5, 0, 500 * time.Millisecond, time.Second},
		{"many attempts do not overflow", 500, 0, 500 * time.Millisecond, time.Second},
		{"Retry-After is a minimum", 1, 700 * time.Millisecond, 700 * time.Millisecond, 700 * time.Millisecond},
		{"Retry-After below the backoff", 4, 10 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond},
		{"Retry-After capped at MaxBackoff", 1, time.Hour, time.Second, time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := New(Options{InitialBackoff: 100 * time.Millisecond, MaxBackoff: time.Second})
			d.jitter = func(int64) int64 { return 0 }
			if got := d.backoff(tc.attempts, tc.retryAfter); got != tc.low {
				t.Errorf("backoff with no jitter = %v, want %v", got, tc.low)
			}
			d.jitter = func(n int64) int64 { return n - 1 }
			if got := d.backoff(tc.attempts, tc.retryAfter); got != tc.high {
				t.Errorf("backoff with full jitter = %v, want %v", got, tc.high)
			}
			d.jitter = rand.Int64N
			for range 100 {
				if got := d.backoff(tc.attempts, tc.retryAfter); got < tc.low || got > tc.high {
					t.Fatalf("backoff = %v, want within [%v, %v]", got, tc.low, tc.high)
				}
			}
		})
	}
}

func TestMetricsNilAndReregister(t *testing.T) {
	var m *Metrics
	m.observeDelivered("a", "t", 1)
	m.observeFailed("a", "t")
	m.observeDeadLettered("a", "t")
	m.setQueued(map[labelKey]int{{"a", "t"}: 1})
	m.setDead(nil)

	reg := prometheus.NewRegistry()
	first := NewMetrics(reg)
	second := NewMetrics(reg) // must not panic
	second.observeFailed(testAgent, testTarget)
	checkMetric(t, reg, "acp_webhook_attempts_failed_total", testTarget, 1)
	first.observeFailed(testAgent, testTarget)
	// Two: one collector shared.
	checkMetric(t, reg, "acp_webhook_attempts_failed_total", testTarget, 2)
}

func TestRunWithoutStore(t *testing.T) {
	if err := New(Options{}).Run(context.Background()); err == nil {
		t.Error("Run without a store returned nil")
	}
}

func TestGaugesDropToZero(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	m.setQueued(map[labelKey]int{{testAgent, testTarget}: 3})
	if v, ok := metricValue(t, reg, "acp_webhook_events_queued", testTarget); !ok || v != 3 {
		t.Fatalf("queued = %v (exists: %v), want 3", v, ok)
	}
	m.setQueued(map[labelKey]int{})
	// After the queue emptied.
	checkMetric(t, reg, "acp_webhook_events_queued", testTarget, 0)

	// Dead-lettering counts, but only a recount sets the gauge.
	m.observeDeadLettered(testAgent, "removed")
	checkMetric(t, reg, "acp_webhook_events_dead_lettered_total", "removed", 1)
	checkNoMetric(t, reg, "acp_webhook_events_dead", "removed")
	m.setDead(map[labelKey]int{{testAgent, "removed"}: 1})
	if v, ok := metricValue(t, reg, "acp_webhook_events_dead", "removed"); !ok || v != 1 {
		t.Fatalf("dead = %v (exists: %v), want 1", v, ok)
	}
	m.setDead(map[labelKey]int{}) // an operator deleted it
	// After the recount.
	checkMetric(t, reg, "acp_webhook_events_dead", "removed", 0)
}
