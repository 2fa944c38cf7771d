package httpapi_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/acp-sidecar/acp/core/acpwire"
	"github.com/acp-sidecar/acp/core/internal/clocktest"
	"github.com/acp-sidecar/acp/core/payment/sandbox"
	"github.com/acp-sidecar/acp/core/store/badgerstore"
	"github.com/acp-sidecar/acp/internal/acpschema"
	"github.com/acp-sidecar/acp/sdk/catalog"
)

// sharedStore is one store for several apps, standing in for replicas on
// one database (its leases are shared by every app using it).
func sharedStore(t *testing.T) *badgerstore.Store {
	t.Helper()
	st, err := badgerstore.Open(badgerstore.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

// TestSameKeyOnTwoReplicas: while a request holds its key on one
// replica, the same key on another replica gets 409
// idempotency_in_flight with Retry-After; once the first answered, the
// other replica replays its answer byte for byte.
func TestSameKeyOnTwoReplicas(t *testing.T) {
	t.Parallel()
	schema := acpschema.For(t, acpwire.V20260417)
	st := sharedStore(t)
	sb := sandbox.New(sandbox.Config{ID: "card", MerchantID: "acct_1", AcceptedBrands: []string{"visa"}})
	g := &gate{entered: make(chan struct{}), open: make(chan struct{})}
	g.armed.Store(true)
	a := newAppWith(t, appOptions{handler: sb, gate: g, store: st})
	b := newAppWith(t, appOptions{handler: sb, store: st})
	create := `{"line_items":[{"id":"ebook"}],"currency":"usd","capabilities":{}}`

	type answer struct {
		status int
		header http.Header
		body   string
	}
	first := make(chan answer, 1)
	go func() {
		status, header, body := call(t, a, "/checkout_sessions", "shared-1", create)
		first <- answer{status, header, body}
	}()
	<-g.entered // replica a is mid-flight, holding the key

	status, header, body := call(t, b, "/checkout_sessions", "shared-1", create)
	schema.Response(t, acpschema.ErrorAnswer, []byte(body))
	if status != http.StatusConflict || !strings.Contains(body, `"idempotency_in_flight"`) || header.Get("Retry-After") == "" {
		t.Fatalf("replica b during a's request = %d %s Retry-After %q, want 409 idempotency_in_flight with Retry-After", status, body, header.Get("Retry-After"))
	}
	close(g.open)
	got := <-first
	schema.Response(t, acpschema.AnySession, []byte(got.body))
	if got.status != http.StatusCreated || got.header.Get("Idempotent-Replayed") != "" {
		t.Fatalf("replica a = %d %v %s, want a fresh 201", got.status, got.header, got.body)
	}
	status, header, body = call(t, b, "/checkout_sessions", "shared-1", create)
	if status != http.StatusCreated || header.Get("Idempotent-Replayed") != "true" || body != got.body {
		t.Fatalf("replica b after a answered = %d %v %s, want a's answer replayed:\n%s", status, header, body, got.body)
	}
}

// TestConcurrentSameKeyCompletesOnReplicas: 20 completes with one key,
// sent at once to two replicas: one runs, every other one gets 409
// idempotency_in_flight with Retry-After or its answer replayed, and the
// payment is charged once.
func TestConcurrentSameKeyCompletesOnReplicas(t *testing.T) {
	t.Parallel()
	schema := acpschema.For(t, acpwire.V20260417)
	st := sharedStore(t)
	sb := sandbox.New(sandbox.Config{ID: "card", MerchantID: "acct_1", AcceptedBrands: []string{"visa"}})
	apps := []*fiber.App{newAppWith(t, appOptions{handler: sb, store: st}), newAppWith(t, appOptions{handler: sb, store: st})}
	status, _, body := call(t, apps[0], "/checkout_sessions", "c1", `{"line_items":[{"id":"ebook"}],"currency":"usd","capabilities":{}}`)
	if status != http.StatusCreated {
		t.Fatalf("create = %d %s", status, body)
	}
	id := body[strings.Index(body, `"id":"`)+6:]
	id = id[:strings.Index(id, `"`)]
	complete := `{"payment_data":{"handler_id":"card","instrument":{"type":"card","credential":{"type":"spt","token":"spt_ok"}}}}`

	const calls = 20
	type answer struct {
		status int
		header http.Header
		body   string
	}
	answers := make([]answer, calls)
	var wg sync.WaitGroup
	for i := range calls {
		wg.Go(func() {
			status, header, body := call(t, apps[i%2], "/checkout_sessions/"+id+"/complete", "pay-1", complete)
			answers[i] = answer{status, header, body}
		})
	}
	wg.Wait()
	fresh := ""
	for i, a := range answers {
		switch {
		case a.status == http.StatusOK && a.header.Get("Idempotent-Replayed") == "":
			schema.Response(t, acpschema.CompletedSession, []byte(a.body))
			if fresh != "" {
				t.Errorf("complete %d ran too: two fresh answers for one key", i)
			}
			fresh = a.body
		case a.status == http.StatusOK:
		case a.status == http.StatusConflict && strings.Contains(a.body, `"idempotency_in_flight"`) && a.header.Get("Retry-After") != "":
			schema.Response(t, acpschema.ErrorAnswer, []byte(a.body))
		default:
			t.Errorf("complete %d = %d %v %s", i, a.status, a.header, a.body)
		}
	}
	if fresh == "" {
		t.Fatal("no complete ran")
	}
	for i, a := range answers {
		if a.status == http.StatusOK && a.body != fresh {
			t.Errorf("complete %d replayed %s, want the fresh answer %s", i, a.body, fresh)
		}
	}
	if n := sb.Charges(); n != 1 {
		t.Errorf("charges = %d, want 1", n)
	}
}

// stepGate holds each of the first len(steps) catalog calls until its
// step's open channel closes, signalling entered first.
type stepGate struct {
	catalog.Catalog
	calls atomic.Int32
	steps []gateStep
}

type gateStep struct{ entered, open chan struct{} }

func (g *stepGate) ResolveItems(ctx context.Context, req *catalog.ResolveItemsRequest) (*catalog.ResolveItemsResponse, error) {
	if n := int(g.calls.Add(1)); n <= len(g.steps) {
		g.steps[n-1].entered <- struct{}{}
		<-g.steps[n-1].open
	}
	return g.Catalog.ResolveItems(ctx, req)
}

// TestTakenOverRequestIsFenced: a request whose key lease lapsed (its
// process stalled) and was taken over by a retry on another replica,
// which still runs, stores nothing when it comes back: it answers 409
// idempotency_in_flight, and the retry's answer is the key's.
func TestTakenOverRequestIsFenced(t *testing.T) {
	t.Parallel()
	schema := acpschema.For(t, acpwire.V20260417)
	clock := clocktest.New(time.Now())
	st, err := badgerstore.Open(badgerstore.Options{InMemory: true, LeaseClock: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	sb := sandbox.New(sandbox.Config{ID: "card", MerchantID: "acct_1", AcceptedBrands: []string{"visa"}})
	g := &stepGate{steps: []gateStep{{make(chan struct{}), make(chan struct{})}, {make(chan struct{}), make(chan struct{})}}}
	wrap := func(c catalog.Catalog) catalog.Catalog { g.Catalog = c; return g }
	a := newAppWith(t, appOptions{handler: sb, store: st, wrap: wrap, now: clock.Now})
	b := newAppWith(t, appOptions{handler: sb, store: st, wrap: func(c catalog.Catalog) catalog.Catalog { return g }, now: clock.Now})
	create := `{"line_items":[{"id":"ebook"}],"currency":"usd","capabilities":{}}`

	type answer struct {
		status int
		header http.Header
		body   string
	}
	send := func(app *fiber.App) chan answer {
		out := make(chan answer, 1)
		go func() {
			status, header, body := call(t, app, "/checkout_sessions", "taken-1", create)
			out <- answer{status, header, body}
		}()
		return out
	}
	first := send(a)
	<-g.steps[0].entered // a runs the request, holding the key
	clock.Advance(31 * time.Second)
	retry := send(b)
	<-g.steps[1].entered // b took the key over and runs the retry

	close(g.steps[0].open)
	got := <-first
	schema.Response(t, acpschema.ErrorAnswer, []byte(got.body))
	if got.status != http.StatusConflict || !strings.Contains(got.body, `"idempotency_in_flight"`) || got.header.Get("Retry-After") == "" {
		t.Fatalf("the stalled request = %d %s, want 409 idempotency_in_flight with Retry-After", got.status, got.body)
	}
	close(g.steps[1].open)
	won := <-retry
	schema.Response(t, acpschema.AnySession, []byte(won.body))
	if won.status != http.StatusCreated {
		t.Fatalf("the retry = %d %s, want 201", won.status, won.body)
	}
	status, header, body := call(t, a, "/checkout_sessions", "taken-1", create)
	if status != http.StatusCreated || header.Get("Idempotent-Replayed") != "true" || body != won.body {
		t.Fatalf("the key afterwards = %d %v %s, want the retry's answer replayed", status, header, body)
	}
}
