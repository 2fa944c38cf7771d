package httpapi_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/acp-sidecar/acp/core/acpwire"
	"github.com/acp-sidecar/acp/core/builtin"
	"github.com/acp-sidecar/acp/core/checkout"
	"github.com/acp-sidecar/acp/core/httpapi"
	"github.com/acp-sidecar/acp/core/idempotency"
	"github.com/acp-sidecar/acp/core/internal/clocktest"
	"github.com/acp-sidecar/acp/core/payment"
	"github.com/acp-sidecar/acp/core/payment/sandbox"
	"github.com/acp-sidecar/acp/core/store/badgerstore"
	"github.com/acp-sidecar/acp/sdk/acp"
	"github.com/acp-sidecar/acp/sdk/catalog"
)

// unreachable fails the first n charges as an unreachable processor would.
type unreachable struct {
	*sandbox.Handler
	failures atomic.Int32
}

func (u *unreachable) Charge(ctx context.Context, req *payment.ChargeRequest) (*payment.ChargeResult, error) {
	if u.failures.Add(-1) >= 0 {
		return nil, errors.New("connection refused")
	}
	return u.Handler.Charge(ctx, req)
}

// gate blocks the catalog while closed, to hold a request mid-flight.
type gate struct {
	catalog.Catalog
	entered chan struct{}
	open    chan struct{}
	armed   atomic.Bool
}

func (g *gate) ResolveItems(ctx context.Context, req *catalog.ResolveItemsRequest) (*catalog.ResolveItemsResponse, error) {
	if g.armed.CompareAndSwap(true, false) {
		g.entered <- struct{}{}
		<-g.open
	}
	return g.Catalog.ResolveItems(ctx, req)
}

type appOptions struct {
	handler payment.Handler
	gate    *gate
	now     func() time.Time
	// wrap, when set, wraps the catalog (after gate).
	wrap func(catalog.Catalog) catalog.Catalog
	// store, when set, is the store the app uses (replicas share one);
	// a new in-memory store when nil.
	store *badgerstore.Store
	// extend, when set, adds routes to the API before it is sealed.
	extend func(*httpapi.API, *checkout.Service)
}

func newApp(t *testing.T, handler payment.Handler) *fiber.App {
	t.Helper()
	return newAppWith(t, appOptions{handler: handler})
}

func newAppWith(t *testing.T, o appOptions) *fiber.App {
	t.Helper()
	handler := o.handler
	st := o.store
	if st == nil {
		var err error
		st, err = badgerstore.Open(badgerstore.Options{InMemory: true, LeaseClock: o.now})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = st.Close() })
	}
	var cat catalog.Catalog = builtin.NewProductCatalog([]catalog.Product{catalog.ItemProduct(catalog.Variant{Item: catalog.Item{
		ID: "ebook", Title: "Ebook", UnitPrice: 500, FulfillmentTypes: []acp.FulfillmentType{"digital"},
	}})})
	if o.gate != nil {
		o.gate.Catalog = cat
		cat = o.gate
	}
	if o.wrap != nil {
		cat = o.wrap(cat)
	}
	svc := checkout.New(checkout.Options{
		Store: st,
		Capabilities: checkout.Capabilities{
			Catalog:     cat,
			Tax:         builtin.NewTax(builtin.TaxTable{}),
			Shipping:    builtin.NewShipping([]builtin.ShippingOption{{ID: "email", Type: "digital", Title: "Email"}}, nil),
			Fulfillment: builtin.Fulfillment{},
		},
		Handlers:               []payment.Handler{handler},
		Currency:               "usd",
		SessionLifetime:        time.Hour,
		OrderPermalinkTemplate: "https://shop.test/orders/{order_id}",
	})
	codec, _ := acpwire.New(acpwire.V20260417, acpwire.Seller{Handlers: []payment.Descriptor{handler.Descriptor()}}, acpwire.DefaultLimits)
	api := httpapi.New(httpapi.Options{
		Service:      svc,
		Codecs:       map[string]acpwire.Codec{acpwire.V20260417: codec},
		Versions:     []string{acpwire.V20260417},
		Agents:       []httpapi.Agent{{Name: "agent", Token: "token-0123456789"}},
		Logger:       slog.New(slog.NewJSONHandler(io.Discard, nil)),
		MaxBodyBytes: 1 << 20,
		Store:        st,
		Idempotency:  idempotency.Policy{Retention: 24 * time.Hour, Lease: 30 * time.Second},
		Now:          o.now,
	})
	if o.extend != nil {
		o.extend(api, svc)
	}
	return api.App()
}

func call(t *testing.T, app *fiber.App, path, key, body string) (int, http.Header, string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer token-0123456789")
	req.Header.Set("API-Version", acpwire.V20260417)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", key)
	resp, err := app.Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(data)
}

// TestFiveHundredsAreNotStored: a complete that fails with 503 (the
// processor unreachable) is not stored under its key; the retry with the
// same key is processed afresh, resumes the same payment attempt and
// charges once.
func TestFiveHundredsAreNotStored(t *testing.T) {
	t.Parallel()
	h := &unreachable{Handler: sandbox.New(sandbox.Config{ID: "card", MerchantID: "acct_1", AcceptedBrands: []string{"visa"}})}
	h.failures.Store(1)
	app := newApp(t, h)
	status, _, body := call(t, app, "/checkout_sessions", "c1", `{"line_items":[{"id":"ebook"}],"currency":"usd","capabilities":{}}`)
	if status != http.StatusCreated {
		t.Fatalf("create = %d %s", status, body)
	}
	id := body[strings.Index(body, `"id":"`)+6:]
	id = id[:strings.Index(id, `"`)]
	complete := `{"payment_data":{"handler_id":"card","instrument":{"type":"card","credential":{"type":"spt","token":"spt_ok"}}}}`

	status, header, body := call(t, app, "/checkout_sessions/"+id+"/complete", "k1", complete)
	if status != http.StatusServiceUnavailable || !strings.Contains(body, `"payment_unavailable"`) || header.Get("Retry-After") == "" {
		t.Fatalf("first complete = %d %s %v, want 503 payment_unavailable with Retry-After", status, body, header)
	}
	status, header, body = call(t, app, "/checkout_sessions/"+id+"/complete", "k1", complete)
	if status != http.StatusOK || header.Get("Idempotent-Replayed") != "" || !strings.Contains(body, `"status":"completed"`) {
		t.Fatalf("retry = %d %s %v, want a fresh 200 completed", status, body, header)
	}
	status, header, _ = call(t, app, "/checkout_sessions/"+id+"/complete", "k1", complete)
	if status != http.StatusOK || header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("third call = %d %v, want the stored 200 replayed", status, header)
	}
	if got := h.Charges(); got != 1 {
		t.Fatalf("charges = %d, want 1", got)
	}
}

// TestHungRequestLeaseIsTakenOver: while a request holds its key, a retry
// gets 409 idempotency_in_flight with Retry-After; once the lease has run
// out (the request hung, or its process died) a retry takes the key over.
func TestHungRequestLeaseIsTakenOver(t *testing.T) {
	t.Parallel()
	clock := clocktest.New(time.Now())
	g := &gate{entered: make(chan struct{}), open: make(chan struct{})}
	g.armed.Store(true)
	app := newAppWith(t, appOptions{handler: sandbox.New(sandbox.Config{ID: "card", MerchantID: "acct_1", AcceptedBrands: []string{"visa"}}), gate: g, now: clock.Now})
	create := `{"line_items":[{"id":"ebook"}],"currency":"usd","capabilities":{}}`

	type answer struct {
		status int
		header http.Header
		body   string
	}
	first := make(chan answer)
	go func() {
		status, header, body := call(t, app, "/checkout_sessions", "hung-1", create)
		first <- answer{status, header, body}
	}()
	<-g.entered // the first request is now mid-flight, holding its key

	status, header, body := call(t, app, "/checkout_sessions", "hung-1", create)
	if status != http.StatusConflict || !strings.Contains(body, `"idempotency_in_flight"`) || header.Get("Retry-After") != "30" {
		t.Fatalf("retry during the request = %d %s Retry-After %q, want 409 idempotency_in_flight after 30", status, body, header.Get("Retry-After"))
	}
	clock.Advance(31 * time.Second)
	status, _, body = call(t, app, "/checkout_sessions", "hung-1", create)
	if status != http.StatusCreated {
		t.Fatalf("retry after the lease = %d %s, want a fresh 201", status, body)
	}
	// The hung request finishes after the retry answered the key: its own
	// session is not committed and it returns the retry's answer.
	close(g.open)
	got := <-first
	if got.status != http.StatusCreated || got.body != body || got.header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("the hung request answered %d %v %s, want the retry's answer replayed:\n%s", got.status, got.header, got.body, body)
	}
}

// TestRetryLaterAnswersAreNotStored: an answer that asks the client to
// retry later (409 session_in_progress with Retry-After) is not final, so
// it is not stored under its key: the retry with the same key gets the
// answer of the moment.
func TestRetryLaterAnswersAreNotStored(t *testing.T) {
	t.Parallel()
	h := &unreachable{Handler: sandbox.New(sandbox.Config{ID: "card", MerchantID: "acct_1", AcceptedBrands: []string{"visa"}})}
	h.failures.Store(1)
	app := newApp(t, h)
	_, _, body := call(t, app, "/checkout_sessions", "c1", `{"line_items":[{"id":"ebook"}],"currency":"usd","capabilities":{}}`)
	id := body[strings.Index(body, `"id":"`)+6:]
	id = id[:strings.Index(id, `"`)]
	complete := `{"payment_data":{"handler_id":"card","instrument":{"type":"card","credential":{"type":"spt","token":"spt_ok"}}}}`
	if status, _, _ := call(t, app, "/checkout_sessions/"+id+"/complete", "k1", complete); status != http.StatusServiceUnavailable {
		t.Fatalf("first complete = %d, want 503", status)
	}
	status, header, body := call(t, app, "/checkout_sessions/"+id+"/cancel", "x1", "")
	if status != http.StatusConflict || header.Get("Retry-After") == "" || !strings.Contains(body, "session_in_progress") {
		t.Fatalf("cancel during the payment = %d %v %s", status, header, body)
	}
	if status, _, _ := call(t, app, "/checkout_sessions/"+id+"/complete", "k1", complete); status != http.StatusOK {
		t.Fatalf("resumed complete = %d", status)
	}
	status, header, body = call(t, app, "/checkout_sessions/"+id+"/cancel", "x1", "")
	if status != http.StatusMethodNotAllowed || header.Get("Idempotent-Replayed") != "" {
		t.Fatalf("cancel retried with the same key = %d %v %s, want a fresh 405", status, header, body)
	}
}
