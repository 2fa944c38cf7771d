package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/acp-sidecar/acp/sdk/acp"
	"github.com/acp-sidecar/acp/sdk/acptest"
	"github.com/acp-sidecar/acp/sdk/fulfillment"
)

// secret is the signing secret the tests' environment holds.
const secret = "test-secret-0123456789-abcdefghijklmnop"

// getenv is the tests' environment.
func getenv(name string) string {
	if name == "INTAKE_SECRET" {
		return secret
	}
	return ""
}

// received is one request the intake received.
type received struct {
	method, path, query string
	header              http.Header
	body                []byte
}

// answer is how the intake answers one request.
type answer struct {
	status int
	body   string
	header map[string]string
	// hang holds the request until the client gives up on it.
	hang bool
	// drop closes the connection without an answer.
	drop bool
}

// intake is a fake order intake answering from a script; past the end
// of the script it repeats the script's last answer.
type intake struct {
	*httptest.Server
	mu       sync.Mutex
	script   []answer
	requests []received
	// abandoned gets a value whenever a hanging request's client gives up.
	abandoned chan struct{}
}

func newIntake(t *testing.T, script ...answer) *intake {
	t.Helper()
	in := &intake{script: script, abandoned: make(chan struct{}, 16)}
	in.Server = httptest.NewServer(http.HandlerFunc(in.serve))
	t.Cleanup(in.Close)
	return in
}

func (in *intake) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	in.mu.Lock()
	n := len(in.requests)
	in.requests = append(in.requests, received{method: r.Method, path: r.URL.EscapedPath(), query: r.URL.RawQuery, header: r.Header.Clone(), body: body})
	a := answer{status: http.StatusOK}
	if len(in.script) > 0 {
		a = in.script[min(n, len(in.script)-1)]
	}
	in.mu.Unlock()
	switch {
	case a.hang:
		select {
		case <-r.Context().Done():
			in.abandoned <- struct{}{}
		case <-time.After(30 * time.Second):
		}
		return
	case a.drop:
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
		return
	}
	for k, v := range a.header {
		w.Header().Set(k, v)
	}
	w.WriteHeader(a.status)
	io.WriteString(w, a.body)
}

func (in *intake) received() []received {
	in.mu.Lock()
	defer in.mu.Unlock()
	return append([]received{}, in.requests...)
}

// config renders a config block for the intake; extra fields override.
func (in *intake) config(t *testing.T, extra map[string]any) string {
	t.Helper()
	cfg := map[string]any{"url": in.URL + "/acp/orders", "secret_env": "INTAKE_SECRET", "initial_backoff": "1ms"}
	for k, v := range extra {
		cfg[k] = v
	}
	data, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func newPlugin(t *testing.T, cfg string) *acptest.Plugin {
	t.Helper()
	return acptest.New(t, newForwarder(slog.New(slog.DiscardHandler), getenv).serveOpts(), acptest.WithConfig(cfg))
}

// verifySignature checks a request's ACP-Signature the way an intake
// would, independently of the plugin's code.
func verifySignature(t *testing.T, r received) {
	t.Helper()
	header := r.header.Get("ACP-Signature")
	ts, mac, ok := strings.Cut(header, ",")
	if !ok || !strings.HasPrefix(ts, "t=") || !strings.HasPrefix(mac, "v1=") {
		t.Fatalf("ACP-Signature = %q, want t=<unix>,v1=<hex>", header)
	}
	unix, err := strconv.ParseInt(strings.TrimPrefix(ts, "t="), 10, 64)
	if err != nil {
		t.Fatalf("ACP-Signature timestamp: %v", err)
	}
	if skew := time.Since(time.Unix(unix, 0)); skew < -time.Minute || skew > time.Minute {
		t.Errorf("ACP-Signature timestamp is %v away from now", skew)
	}
	h := hmac.New(sha256.New, []byte(secret))
	h.Write([]byte(strings.TrimPrefix(ts, "t=") + "." + string(r.body)))
	got, err := hex.DecodeString(strings.TrimPrefix(mac, "v1="))
	if err != nil || !hmac.Equal(got, h.Sum(nil)) {
		t.Errorf("ACP-Signature %q does not verify for the body", header)
	}
}

// order is a full placement.
func order() *fulfillment.PlaceOrderRequest {
	return &fulfillment.PlaceOrderRequest{
		OrderID: "ord_123", CheckoutSessionID: "cs_456", IdempotencyKey: "idem-789", Currency: "usd",
		Lines: []fulfillment.Line{
			{ID: "li_1", ItemID: "mug-classic", Title: "Classic mug", Quantity: 2, UnitPrice: 1500, Total: 3218},
			{ID: "li_2", ItemID: "guide-brewing-ebook", Title: "Brewing guide", Quantity: 1, UnitPrice: 999, Total: 1071},
		},
		Total:       4789,
		Destination: &acp.Address{Name: "Ada Lovelace", LineOne: "1 Main St", City: "San Francisco", State: "CA", Country: "US", PostalCode: "94111"},
		OptionIDs:   []string{"standard", "email"},
		Buyer:       &fulfillment.Buyer{FirstName: "Ada", LastName: "Lovelace", Email: "ada@example.com"},
	}
}

// wantOrderJSON is order() as the intake must receive it.
const wantOrderJSON = `{
  "order_id": "ord_123",
  "checkout_session_id": "cs_456",
  "currency": "usd",
  "lines": [
    {"id": "li_1", "item_id": "mug-classic", "title": "Classic mug", "quantity": 2, "unit_price": 1500, "total": 3218},
    {"id": "li_2", "item_id": "guide-brewing-ebook", "title": "Brewing guide", "quantity": 1, "unit_price": 999, "total": 1071}
  ],
  "total": 4789,
  "destination": {"name": "Ada Lovelace", "line_one": "1 Main St", "city": "San Francisco", "state": "CA", "country": "US", "postal_code": "94111"},
  "fulfillment_option_ids": ["standard", "email"],
  "buyer": {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com"}
}`

func jsonDiff(t *testing.T, want string, got []byte) string {
	t.Helper()
	var w, g any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("body %q is not JSON: %v", got, err)
	}
	return cmp.Diff(w, g)
}

func TestPlaceOrder(t *testing.T) {
	t.Parallel()
	in := newIntake(t, answer{status: http.StatusCreated, body: `{"order_number": "1001", "permalink_url": "https://shop.example/orders/1001"}`})
	p := newPlugin(t, in.config(t, nil))
	got, err := p.Fulfillment().PlaceOrder(context.Background(), order())
	if err != nil {
		t.Fatal(err)
	}
	want := &fulfillment.PlaceOrderResponse{OrderNumber: "1001", PermalinkURL: "https://shop.example/orders/1001"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("PlaceOrder() mismatch (-want +got):\n%s", diff)
	}
	reqs := in.received()
	if len(reqs) != 1 {
		t.Fatalf("the intake received %d requests, want 1", len(reqs))
	}
	r := reqs[0]
	if r.method != http.MethodPost || r.path != "/acp/orders" {
		t.Errorf("request = %s %s, want POST /acp/orders", r.method, r.path)
	}
	for name, want := range map[string]string{"Idempotency-Key": "idem-789", "Content-Type": "application/json"} {
		if got := r.header.Get(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	verifySignature(t, r)
	if diff := jsonDiff(t, wantOrderJSON, r.body); diff != "" {
		t.Errorf("body mismatch (-want +got):\n%s", diff)
	}
}

// TestPlaceOrderMinimal checks the body of an order without destination
// or buyer, and every shape of answer the intake may give.
func TestPlaceOrderMinimal(t *testing.T) {
	t.Parallel()
	testCases := map[string]struct {
		answer string
		want   *fulfillment.PlaceOrderResponse
	}{
		"no answer":                 {answer: ``, want: &fulfillment.PlaceOrderResponse{}},
		"numeric order number":      {answer: `{"order_number": 1001}`, want: &fulfillment.PlaceOrderResponse{OrderNumber: "1001"}},
		"not JSON":                  {answer: `thanks!`, want: &fulfillment.PlaceOrderResponse{}},
		"unusable fields ignored":   {answer: `{"order_number": {"n": 1}, "permalink_url": "javascript:alert(1)"}`, want: &fulfillment.PlaceOrderResponse{}},
		"relative permalink":        {answer: `{"order_number": "A-1", "permalink_url": "/orders/A-1"}`, want: &fulfillment.PlaceOrderResponse{OrderNumber: "A-1"}},
		"unknown fields are fine":   {answer: `{"id": 5, "order_number": "7"}`, want: &fulfillment.PlaceOrderResponse{OrderNumber: "7"}},
		"null order number ignored": {answer: `{"order_number": null}`, want: &fulfillment.PlaceOrderResponse{}},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			in := newIntake(t, answer{status: http.StatusOK, body: tc.answer})
			p := newPlugin(t, in.config(t, nil))
			got, err := p.Fulfillment().PlaceOrder(context.Background(), &fulfillment.PlaceOrderRequest{OrderID: "ord_1", Currency: "usd"})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("PlaceOrder() mismatch (-want +got):\n%s", diff)
			}
			reqs := in.received()
			want := `{"order_id": "ord_1", "checkout_session_id": "", "currency": "usd", "lines": [], "total": 0, "fulfillment_option_ids": []}`
			if diff := jsonDiff(t, want, reqs[0].body); diff != "" {
				t.Errorf("body mismatch (-want +got):\n%s", diff)
			}
			if key := reqs[0].header.Get("Idempotency-Key"); key != "ord_1" {
				t.Errorf("Idempotency-Key = %q, want the order id when the request has no key", key)
			}
		})
	}
}

func TestRetries(t *testing.T) {
	t.Parallel()
	ok := answer{status: http.StatusOK, body: `{"order_number": "1001"}`}
	testCases := map[string]struct {
		script       []answer
		extra        map[string]any
		wantAttempts int
		// wantErr is "" for success, else "retryable" or "final".
		wantErr string
	}{
		"503 then success":             {script: []answer{{status: 503}, {status: 503}, ok}, wantAttempts: 3},
		"429, 408, 425 are retried":    {script: []answer{{status: 429, header: map[string]string{"Retry-After": "0"}}, {status: 408}, {status: 425}, ok}, extra: map[string]any{"max_attempts": 4}, wantAttempts: 4},
		"dropped connection retried":   {script: []answer{{drop: true}, ok}, wantAttempts: 2},
		"attempt timeout retried":      {script: []answer{{hang: true}, ok}, extra: map[string]any{"timeout": "100ms"}, wantAttempts: 2},
		"400 is not retried":           {script: []answer{{status: 400, body: `{"error": "unknown sku"}`}}, wantAttempts: 1, wantErr: "final"},
		"404 is not retried":           {script: []answer{{status: 404}}, wantAttempts: 1, wantErr: "final"},
		"a redirect is not followed":   {script: []answer{{status: 307, header: map[string]string{"Location": "https://elsewhere.example/"}}}, wantAttempts: 1, wantErr: "final"},
		"exhausted retries":            {script: []answer{{status: 500}}, wantAttempts: 3, wantErr: "retryable"},
		"max_attempts 1 never retries": {script: []answer{{status: 502}, ok}, extra: map[string]any{"max_attempts": 1}, wantAttempts: 1, wantErr: "retryable"},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			in := newIntake(t, tc.script...)
			p := newPlugin(t, in.config(t, tc.extra))
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			got, err := p.Fulfillment().PlaceOrder(ctx, order())
			reqs := in.received()
			if len(reqs) != tc.wantAttempts {
				t.Errorf("the intake received %d requests, want %d", len(reqs), tc.wantAttempts)
			}
			for _, r := range reqs {
				if key := r.header.Get("Idempotency-Key"); key != "idem-789" {
					t.Errorf("Idempotency-Key = %q on a retry, want idem-789", key)
				}
				if string(r.body) != string(reqs[0].body) {
					t.Errorf("a retry's body differs from the first:\n%s\n%s", r.body, reqs[0].body)
				}
				verifySignature(t, r)
			}
			if tc.wantErr == "" {
				if err != nil || got.OrderNumber != "1001" {
					t.Errorf("PlaceOrder() = %+v, %v; want order 1001", got, err)
				}
				return
			}
			var e *acp.Error
			if !errors.As(err, &e) || e.Source != acp.SourceDownstream || e.Retryable != (tc.wantErr == "retryable") {
				t.Errorf("PlaceOrder() error = %#v, want a %s downstream failure", err, tc.wantErr)
			}
		})
	}
}

// TestDeadline checks that the plugin never waits past the call's
// deadline: neither in a pause between attempts nor in an attempt.
func TestDeadline(t *testing.T) {
	t.Parallel()
	t.Run("no pause past the deadline", func(t *testing.T) {
		t.Parallel()
		in := newIntake(t, answer{status: 503})
		p := newPlugin(t, in.config(t, map[string]any{"initial_backoff": "1m"}))
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		start := time.Now()
		_, err := p.Fulfillment().PlaceOrder(ctx, order())
		if elapsed := time.Since(start); elapsed > 4*time.Second {
			t.Errorf("PlaceOrder() took %v: it waited for the deadline instead of giving up", elapsed)
		}
		var e *acp.Error
		if !errors.As(err, &e) || !e.Retryable || e.Source != acp.SourceDownstream || !strings.Contains(err.Error(), "deadline") {
			t.Errorf("PlaceOrder() error = %v, want a retryable downstream failure naming the deadline", err)
		}
		if n := len(in.received()); n != 1 {
			t.Errorf("the intake received %d requests, want 1", n)
		}
	})
	t.Run("an attempt ends with the call", func(t *testing.T) {
		t.Parallel()
		in := newIntake(t, answer{hang: true})
		p := newPlugin(t, in.config(t, map[string]any{"timeout": "1m"}))
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		if _, err := p.Fulfillment().PlaceOrder(ctx, order()); err == nil {
			t.Error("PlaceOrder() = nil error past the deadline")
		}
		select {
		case <-in.abandoned:
		case <-time.After(10 * time.Second):
			t.Error("the plugin did not abandon its request when the call's deadline passed")
		}
	})
}

// TestDeadlineBudget checks that the attempts share the call's deadline
// when it is shorter than timeout × max_attempts (the host's default
// call deadline, 2s, is shorter than the default timeout, 5s): the first
// attempt must leave time for the others, and the call fails as a
// retryable downstream failure the host receives before its deadline.
func TestDeadlineBudget(t *testing.T) {
	t.Parallel()
	testCases := map[string]struct {
		deadline     time.Duration
		extra        map[string]any
		wantAttempts int
	}{
		"300ms, 3 attempts": {deadline: 300 * time.Millisecond, extra: map[string]any{"max_attempts": 3}, wantAttempts: 2},
		// The host's default call deadline with the plugin's defaults:
		// 5s timeout, 3 attempts, 250ms backoff.
		"host and plugin defaults": {deadline: 2 * time.Second, extra: map[string]any{"initial_backoff": "250ms"}, wantAttempts: 3},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			in := newIntake(t, answer{hang: true})
			p := newPlugin(t, in.config(t, tc.extra))
			ctx, cancel := context.WithTimeout(context.Background(), tc.deadline)
			defer cancel()
			_, err := p.Fulfillment().PlaceOrder(ctx, order())
			if n := len(in.received()); n < tc.wantAttempts {
				t.Errorf("the intake received %d requests, want at least %d within the call's deadline", n, tc.wantAttempts)
			}
			var e *acp.Error
			if !errors.As(err, &e) || !e.Retryable || e.Source != acp.SourceDownstream || e.Reason != reasonUnavailable {
				t.Errorf("PlaceOrder() error = %#v, want a retryable downstream failure with reason %s", err, reasonUnavailable)
			}
		})
	}
}

func TestAttemptTimeout(t *testing.T) {
	t.Parallel()
	ms := time.Millisecond
	testCases := map[string]struct {
		avail   time.Duration
		left    int
		backoff time.Duration
		want    time.Duration
	}{
		// 1900ms less pauses of 250ms and 500ms, in three.
		"host defaults, first attempt": {avail: 1900 * ms, left: 3, backoff: 250 * ms, want: 1150 * ms / 3},
		"last attempt takes the rest":  {avail: 400 * ms, left: 1, backoff: time.Second, want: 400 * ms},
		// 1m pauses leave no room for a second attempt: plan for one.
		"pauses longer than the call": {avail: 5 * time.Second, left: 3, backoff: time.Minute, want: 5 * time.Second},
		// Three shares of 30ms are too short: two of 45ms too; one.
		"too short to share": {avail: 90 * ms, left: 3, backoff: 0, want: 90 * ms},
		"two fit, not three": {avail: 120 * ms, left: 3, backoff: 0, want: 60 * ms},
		"pauses capped":      {avail: 40 * time.Second, left: 4, backoff: 8 * time.Second, want: (40*time.Second - 8*time.Second - 10*time.Second - 10*time.Second) / 4},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if got := attemptTimeout(tc.avail, tc.left, tc.backoff); got != tc.want {
				t.Errorf("attemptTimeout(%v, %d, %v) = %v, want %v", tc.avail, tc.left, tc.backoff, got, tc.want)
			}
		})
	}
}

// noDeadline hides its context's deadline, so that the plugin cannot plan
// around it and the deadline passes during an attempt.
type noDeadline struct{ context.Context }

func (noDeadline) Deadline() (time.Time, bool) { return time.Time{}, false }

// TestContextError checks, without the wire (which turns a context error
// into a gRPC status), that a call ended by its context fails as a
// retryable downstream failure that still wraps the context's error.
func TestContextError(t *testing.T) {
	t.Parallel()
	testCases := map[string]struct {
		ctx  func() (context.Context, context.CancelFunc)
		want error
	}{
		"deadline passed": {
			ctx: func() (context.Context, context.CancelFunc) {
				ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
				return noDeadline{ctx}, cancel
			},
			want: context.DeadlineExceeded,
		},
		"canceled": {
			ctx: func() (context.Context, context.CancelFunc) {
				ctx, cancel := context.WithCancel(context.Background())
				time.AfterFunc(200*time.Millisecond, cancel)
				return ctx, cancel
			},
			want: context.Canceled,
		},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			in := newIntake(t, answer{hang: true})
			f := newForwarder(slog.New(slog.DiscardHandler), getenv)
			if err := f.Configure(context.Background(), []byte(in.config(t, map[string]any{"timeout": "1m"}))); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := tc.ctx()
			defer cancel()
			_, err := f.PlaceOrder(ctx, order())
			var e *acp.Error
			if !errors.Is(err, tc.want) || !errors.As(err, &e) || !e.Retryable || e.Source != acp.SourceDownstream || e.Reason != reasonUnavailable {
				t.Errorf("PlaceOrder() error = %#v, want a retryable downstream failure (%s) wrapping %v", err, reasonUnavailable, tc.want)
			}
		})
	}
}

func TestCancelOrder(t *testing.T) {
	t.Parallel()
	testCases := map[string]struct {
		cancelURL string // a path and query on the intake; "" for the default
		orderID   string
		wantPath  string
		wantQuery string
	}{
		"default URL":          {orderID: "ord_123", wantPath: "/acp/orders/ord_123/cancel"},
		"template":             {cancelURL: "/cancel?order={order_id}&v=1", orderID: "ord_123", wantPath: "/cancel", wantQuery: "order=ord_123&v=1"},
		"id escaped in a path": {orderID: "ord/1 2&x=y", wantPath: "/acp/orders/ord%2F1%202%26x%3Dy/cancel"},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			in := newIntake(t, answer{status: http.StatusServiceUnavailable}, answer{status: http.StatusNoContent})
			extra := map[string]any{}
			if tc.cancelURL != "" {
				extra["cancel_url"] = in.URL + tc.cancelURL
			}
			p := newPlugin(t, in.config(t, extra))
			if err := p.Fulfillment().CancelOrder(context.Background(), &fulfillment.CancelOrderRequest{OrderID: tc.orderID, Reason: "buyer asked"}); err != nil {
				t.Fatal(err)
			}
			reqs := in.received()
			if len(reqs) != 2 {
				t.Fatalf("the intake received %d requests, want 2 (a 503, then success)", len(reqs))
			}
			r := reqs[1]
			if r.method != http.MethodPost || r.path != tc.wantPath || r.query != tc.wantQuery {
				t.Errorf("request = %s %s?%s, want POST %s?%s", r.method, r.path, r.query, tc.wantPath, tc.wantQuery)
			}
			if key := r.header.Get("Idempotency-Key"); key != "cancel:"+tc.orderID {
				t.Errorf("Idempotency-Key = %q, want %q", key, "cancel:"+tc.orderID)
			}
			verifySignature(t, r)
			want, _ := json.Marshal(map[string]string{"order_id": tc.orderID, "reason": "buyer asked"})
			if diff := jsonDiff(t, string(want), r.body); diff != "" {
				t.Errorf("body mismatch (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("refused", func(t *testing.T) {
		t.Parallel()
		in := newIntake(t, answer{status: http.StatusConflict})
		p := newPlugin(t, in.config(t, nil))
		err := p.Fulfillment().CancelOrder(context.Background(), &fulfillment.CancelOrderRequest{OrderID: "ord_1"})
		var e *acp.Error
		if !errors.As(err, &e) || e.Retryable || e.Source != acp.SourceDownstream || !strings.Contains(err.Error(), "409") {
			t.Errorf("CancelOrder() = %v, want a final downstream failure naming 409", err)
		}
		if e != nil && e.Reason == acp.CodeNotFound {
			t.Errorf("a 409 answered reason %q", e.Reason)
		}
	})
	t.Run("unknown order", func(t *testing.T) {
		t.Parallel()
		in := newIntake(t, answer{status: http.StatusNotFound})
		p := newPlugin(t, in.config(t, nil))
		err := p.Fulfillment().CancelOrder(context.Background(), &fulfillment.CancelOrderRequest{OrderID: "ord_1"})
		var e *acp.Error
		if !errors.As(err, &e) || e.Retryable || e.Reason != acp.CodeNotFound {
			t.Errorf("CancelOrder() = %v, want a final failure with reason %q", err, acp.CodeNotFound)
		}
	})
}

func TestCheckHealth(t *testing.T) {
	t.Parallel()
	testCases := map[string]struct {
		status      int
		noHealthURL bool
		wantHealthy bool
	}{
		"2xx":           {status: http.StatusNoContent, wantHealthy: true},
		"503":           {status: http.StatusServiceUnavailable},
		"redirect":      {status: http.StatusFound},
		"no health_url": {noHealthURL: true, wantHealthy: true},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			in := newIntake(t, answer{status: tc.status})
			extra := map[string]any{"health_url": in.URL + "/health"}
			if tc.noHealthURL {
				extra = nil
			}
			p := newPlugin(t, in.config(t, extra))
			healthy, msg, err := p.CheckHealth(context.Background())
			if err != nil || healthy != tc.wantHealthy {
				t.Errorf("CheckHealth() = %v %q %v, want healthy %v", healthy, msg, err, tc.wantHealthy)
			}
			if reqs := in.received(); !tc.noHealthURL && (len(reqs) != 1 || reqs[0].method != http.MethodGet || reqs[0].path != "/health") {
				t.Errorf("the intake received %+v, want one GET /health", reqs)
			}
		})
	}
}

func TestConfigure(t *testing.T) {
	t.Parallel()
	testCases := map[string]struct {
		config  string
		wantErr string
	}{
		"valid": {config: `{"url": "https://shop.example/acp/orders", "cancel_url": "https://shop.example/acp/orders/{order_id}/cancel",
			"health_url": "http://127.0.0.1:8081/health", "secret_env": "INTAKE_SECRET", "timeout": "3s", "max_attempts": 5, "initial_backoff": "100ms"}`},
		"no config":                {config: ``, wantErr: "does not match the plugin's schema"},
		"no url":                   {config: `{"secret_env": "INTAKE_SECRET"}`, wantErr: "does not match the plugin's schema"},
		"no secret_env":            {config: `{"url": "https://shop.example/o"}`, wantErr: "does not match the plugin's schema"},
		"ftp url":                  {config: `{"url": "ftp://shop.example/o", "secret_env": "INTAKE_SECRET"}`, wantErr: `url: must be an http or https URL, got scheme "ftp"`},
		"url without host":         {config: `{"url": "https:///orders", "secret_env": "INTAKE_SECRET"}`, wantErr: "url: must be an absolute URL with a host"},
		"cancel_url not http":      {config: `{"url": "https://shop.example/o", "cancel_url": "mailto:x@example.com", "secret_env": "INTAKE_SECRET"}`, wantErr: `cancel_url: must be an http or https URL, got scheme "mailto"`},
		"health_url with fragment": {config: `{"url": "https://shop.example/o", "health_url": "https://shop.example/h#x", "secret_env": "INTAKE_SECRET"}`, wantErr: "health_url: must not have a fragment"},
		"secret not set":           {config: `{"url": "https://shop.example/o", "secret_env": "NOT_SET"}`, wantErr: "the environment variable NOT_SET is not set or empty"},
		"secret_env not a name":    {config: `{"url": "https://shop.example/o", "secret_env": "my secret"}`, wantErr: "secret_env is not the name of an environment variable"},
		"empty secret_env":         {config: `{"url": "https://shop.example/o", "secret_env": ""}`, wantErr: "secret_env is not the name of an environment variable"},
		"the secret as secret_env": {config: `{"url": "https://shop.example/o", "secret_env": "` + secret + `"}`, wantErr: "secret_env is not the name of an environment variable"},
		"secret_env from a digit":  {config: `{"url": "https://shop.example/o", "secret_env": "1SECRET"}`, wantErr: "secret_env is not the name of an environment variable"},
		"max_attempts 0":           {config: `{"url": "https://shop.example/o", "secret_env": "INTAKE_SECRET", "max_attempts": 0}`, wantErr: "max_attempts must be 1 to 10, got 0"},
		"max_attempts 11":          {config: `{"url": "https://shop.example/o", "secret_env": "INTAKE_SECRET", "max_attempts": 11}`, wantErr: "max_attempts must be 1 to 10, got 11"},
		"max_attempts 1.5":         {config: `{"url": "https://shop.example/o", "secret_env": "INTAKE_SECRET", "max_attempts": 1.5}`, wantErr: "does not match the plugin's schema"},
		"every problem reported":   {config: `{"url": "ftp://shop.example/o", "secret_env": "INTAKE SECRET", "max_attempts": 0}`, wantErr: `url: must be an http or https URL, got scheme "ftp"; secret_env is not the name`},
		"bad timeout":              {config: `{"url": "https://shop.example/o", "secret_env": "INTAKE_SECRET", "timeout": "soon"}`, wantErr: `timeout must be a positive duration such as 5s, got "soon"`},
		"negative backoff":         {config: `{"url": "https://shop.example/o", "secret_env": "INTAKE_SECRET", "initial_backoff": "-1s"}`, wantErr: "initial_backoff must be a positive duration"},
		"unknown key":              {config: `{"url": "https://shop.example/o", "secret_env": "INTAKE_SECRET", "secret": "x"}`, wantErr: "does not match the plugin's schema"},
		// Plain http only to this machine: orders carry the buyer's
		// contact and address.
		"http url to a remote host":       {config: `{"url": "http://shop.example/o", "secret_env": "INTAKE_SECRET"}`, wantErr: `url: plain http is allowed only to a loopback host`},
		"HTTP url to a remote IP":         {config: `{"url": "HTTP://10.0.0.5:8090/o", "secret_env": "INTAKE_SECRET"}`, wantErr: `url: plain http is allowed only to a loopback host`},
		"http cancel_url remote":          {config: `{"url": "https://shop.example/o", "cancel_url": "http://shop.example/o/{order_id}/cancel", "secret_env": "INTAKE_SECRET"}`, wantErr: `cancel_url: plain http is allowed only to a loopback host`},
		"http health_url remote":          {config: `{"url": "https://shop.example/o", "health_url": "http://shop.example/health", "secret_env": "INTAKE_SECRET"}`, wantErr: `health_url: plain http is allowed only to a loopback host`},
		"http to a name under localhost":  {config: `{"url": "http://127.0.0.1.nip.io/o", "secret_env": "INTAKE_SECRET"}`, wantErr: `url: plain http is allowed only to a loopback host`},
		"http to a hex loopback spelling": {config: `{"url": "http://0x7f.1/o", "secret_env": "INTAKE_SECRET"}`, wantErr: `url: plain http is allowed only to a loopback host`},
		"http to 127.0.0.1":               {config: `{"url": "http://127.0.0.1:8090/acp/orders", "secret_env": "INTAKE_SECRET"}`},
		"http to 127.1.2.3":               {config: `{"url": "http://127.1.2.3/o", "secret_env": "INTAKE_SECRET"}`},
		"http to ::1":                     {config: `{"url": "http://[::1]:8090/o", "cancel_url": "http://[::1]:8090/c/{order_id}", "health_url": "http://[::1]:8090/h", "secret_env": "INTAKE_SECRET"}`},
		"http to localhost":               {config: `{"url": "http://LocalHost:8090/o", "health_url": "http://localhost./h", "secret_env": "INTAKE_SECRET"}`},
		"https to anywhere":               {config: `{"url": "https://10.0.0.5/o", "cancel_url": "HTTPS://shop.example/c", "health_url": "https://shop.example/h", "secret_env": "INTAKE_SECRET"}`},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p := acptest.Start(t, newForwarder(slog.New(slog.DiscardHandler), getenv).serveOpts())
			err := p.Configure(context.Background(), []byte(tc.config))
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Errorf("Configure() = %v, want error containing %q", err, tc.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), secret) {
				t.Errorf("Configure() error reveals the secret: %v", err)
			}
		})
	}
}

func TestRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 6, 15, 0, 0, 0, time.UTC)
	testCases := map[string]struct {
		value string
		want  time.Duration
	}{
		"absent":       {value: "", want: 0},
		"seconds":      {value: "3", want: 3 * time.Second},
		"capped":       {value: "86400", want: maxRetryAfter},
		"negative":     {value: "-5", want: 0},
		"HTTP date":    {value: now.Add(10 * time.Second).Format(http.TimeFormat), want: 10 * time.Second},
		"date passed":  {value: now.Add(-time.Hour).Format(http.TimeFormat), want: 0},
		"not a header": {value: "soon", want: 0},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if got := retryAfter(tc.value, now); got != tc.want {
				t.Errorf("retryAfter(%q) = %v, want %v", tc.value, got, tc.want)
			}
		})
	}
}

// TestPlaceOrderSplit checks the body of an order whose checkout was
// split into fulfillment groups (protocol 1.2), with product ids and the
// checkout's fulfillment contact.
func TestPlaceOrderSplit(t *testing.T) {
	t.Parallel()
	in := newIntake(t, answer{status: http.StatusCreated})
	p := newPlugin(t, in.config(t, nil))
	req := order()
	req.Lines[0].ProductID = "mug"
	req.Lines[1].ProductID = "guide-brewing-ebook"
	req.OptionIDs = []string{"gift/express", "email"}
	req.Groups = []fulfillment.Group{
		{ID: "gift", Type: acp.FulfillmentShipping, LineIDs: []string{"li_1"}, RecipientName: "Grace", RecipientPhone: "+12125550100",
			Destination:  &acp.Address{Name: "Grace", LineOne: "2 Broadway", City: "New York", State: "NY", Country: "US", PostalCode: "10004"},
			Instructions: "Doorman", OptionID: "express", Amount: 1700},
		{ID: "read", Type: acp.FulfillmentDigital, LineIDs: []string{"li_2"}, OptionID: "email"},
	}
	req.RecipientName, req.RecipientEmail, req.RecipientPhone = "Ada L.", "ada.home@example.com", "+14155550100"
	if _, err := p.Fulfillment().PlaceOrder(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	want := strings.NewReplacer(
		`"item_id": "mug-classic",`, `"item_id": "mug-classic", "product_id": "mug",`,
		`"item_id": "guide-brewing-ebook",`, `"item_id": "guide-brewing-ebook", "product_id": "guide-brewing-ebook",`,
		`["standard", "email"]`, `["gift/express", "email"]`,
		`"email": "ada@example.com"}`, `"email": "ada@example.com"},
  "recipient": {"name": "Ada L.", "email": "ada.home@example.com", "phone_number": "+14155550100"},
  "fulfillment_groups": [
    {"id": "gift", "type": "shipping", "line_ids": ["li_1"],
     "destination": {"name": "Grace", "line_one": "2 Broadway", "city": "New York", "state": "NY", "country": "US", "postal_code": "10004"},
     "recipient": {"name": "Grace", "phone_number": "+12125550100"}, "instructions": "Doorman", "fulfillment_option_id": "express", "amount": 1700},
    {"id": "read", "type": "digital", "line_ids": ["li_2"], "fulfillment_option_id": "email", "amount": 0}
  ]`,
	).Replace(wantOrderJSON)
	if diff := jsonDiff(t, want, in.received()[0].body); diff != "" {
		t.Errorf("body mismatch (-want +got):\n%s", diff)
	}
}

// TestPlaceOrderDiscounts checks the body of an order with discounts
// (protocol 1.3): each with its code (none when automatic), name, amount
// and allocations to lines and fulfillment options.
func TestPlaceOrderDiscounts(t *testing.T) {
	t.Parallel()
	in := newIntake(t, answer{status: http.StatusCreated})
	p := newPlugin(t, in.config(t, nil))
	req := order()
	req.Discounts = []fulfillment.Discount{
		{ID: "spring", Code: "SPRING10", Name: "Spring 10%", Amount: 300, Allocations: []fulfillment.DiscountAllocation{{LineID: "li_1", Amount: 300}}},
		{ID: "freeship", Name: "Free shipping", Automatic: true, Amount: 500, Allocations: []fulfillment.DiscountAllocation{{OptionID: "standard", Amount: 500}}},
	}
	if _, err := p.Fulfillment().PlaceOrder(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	want := strings.Replace(wantOrderJSON, `"email": "ada@example.com"}`, `"email": "ada@example.com"},
  "discounts": [
    {"id": "spring", "code": "SPRING10", "name": "Spring 10%", "automatic": false, "amount": 300,
     "allocations": [{"line_id": "li_1", "amount": 300}]},
    {"id": "freeship", "name": "Free shipping", "automatic": true, "amount": 500,
     "allocations": [{"fulfillment_option_id": "standard", "amount": 500}]}
  ]`, 1)
	if diff := jsonDiff(t, want, in.received()[0].body); diff != "" {
		t.Errorf("body mismatch (-want +got):\n%s", diff)
	}
}
