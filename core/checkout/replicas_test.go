package checkout_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/core/acpwire"
	"github.com/acp-sidecar/acp/core/apierr"
	"github.com/acp-sidecar/acp/core/builtin"
	"github.com/acp-sidecar/acp/core/checkout"
	"github.com/acp-sidecar/acp/core/internal/clocktest"
	"github.com/acp-sidecar/acp/core/internal/optional"
	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/orders"
	"github.com/acp-sidecar/acp/core/payment"
	"github.com/acp-sidecar/acp/core/payment/sandbox"
	"github.com/acp-sidecar/acp/core/payment/stripe"
	"github.com/acp-sidecar/acp/core/payment/stripe/stripefake"
	"github.com/acp-sidecar/acp/core/store"
	"github.com/acp-sidecar/acp/core/store/badgerstore"
	"github.com/acp-sidecar/acp/sdk/catalog"
	"github.com/acp-sidecar/acp/sdk/fulfillment"
)

// replicaSet is several engines on ONE store, standing in for replicas on
// one shared database: the store's leases are shared by every engine
// using it, as a database's are by every replica.
type replicaSet struct {
	store   *badgerstore.Store
	engines []*checkout.Service
	clock   *clocktest.Clock
}

// replicaOptions shape a replica set.
type replicaOptions struct {
	n int
	// handler returns engine i's payment handler (id "card").
	handler func(i int) payment.Handler
	// fulfillment returns engine i's order system; builtin when nil.
	fulfillment func(i int) fulfillment.Fulfillment
	// catalog returns engine i's catalog; the test catalog when nil.
	catalog func(i int) catalog.Catalog
	// leaseClock, when set, is the clock the store's leases lapse by.
	leaseClock func() time.Time
	// sessionLease is the engines' session lease.
	sessionLease time.Duration
}

func newReplicas(t *testing.T, o replicaOptions) *replicaSet {
	t.Helper()
	st, err := badgerstore.Open(badgerstore.Options{InMemory: true, LeaseClock: o.leaseClock})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { _ = st.Close() })
	clk := clocktest.New(time.Now())
	rs := &replicaSet{store: st, clock: clk}
	targets := []orders.Target{{Agent: "agent", Name: "hook"}}
	for i := range o.n {
		var ful fulfillment.Fulfillment = builtin.Fulfillment{}
		if o.fulfillment != nil {
			ful = o.fulfillment(i)
		}
		var cat catalog.Catalog = builtin.NewProductCatalog(testCatalog)
		if o.catalog != nil {
			cat = o.catalog(i)
		}
		outbox := orders.NewOutbox(targets, acpwire.EncodeOrderEvent, clk.Now, nil)
		rs.engines = append(rs.engines, checkout.New(checkout.Options{
			Store: st,
			Capabilities: checkout.Capabilities{
				Catalog:     cat,
				Tax:         builtin.NewTax(testTax),
				Shipping:    builtin.NewShipping(testOptions, clk.Now),
				Fulfillment: ful,
			},
			Handlers:               []payment.Handler{o.handler(i)},
			Currency:               "usd",
			SessionLifetime:        6 * time.Hour,
			OrderPermalinkTemplate: "https://shop.test/orders/{order_id}",
			Orders:                 orders.New(st, outbox, clk.Now, ful),
			Now:                    clk.Now,
			SessionLease:           o.sessionLease,
		}))
	}
	return rs
}

// orderEvents counts the pending order events of type typ for order.
func (rs *replicaSet) orderEvents(t *testing.T, orderID, typ string) int {
	t.Helper()
	n := 0
	err := rs.store.View(context.Background(), func(r store.Reader) error {
		evs, err := r.WebhookEvents(model.EventPending, 0, 1000)
		for _, e := range evs {
			if e.OrderID == orderID && e.Type == typ {
				n++
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// orderCount counts the stored orders.
func (rs *replicaSet) orderCount(t *testing.T) int {
	t.Helper()
	var list []*model.Order
	err := rs.store.View(context.Background(), func(r store.Reader) error {
		var err error
		list, err = r.Orders("", 1000)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return len(list)
}

// processor is a payment processor shared by replicas: handler returns
// engine i's handler (id "card") and check asserts that the session's
// payment moved once (one charge or PaymentIntent, one capture).
type processor func(t *testing.T) (handler func(i int) payment.Handler, check func(t *testing.T, sessionID string))

// processors are the sandbox and stripe-go against the fake Stripe.
func processors() map[string]processor {
	return map[string]processor{
		"sandbox": func(t *testing.T) (func(int) payment.Handler, func(*testing.T, string)) {
			sb := sandbox.New(sandbox.Config{ID: "card", MerchantID: "acct_test", AcceptedBrands: []string{"visa"}})
			return func(int) payment.Handler { return sb }, func(t *testing.T, id string) {
				if got := sb.Charges(); got != 1 {
					t.Errorf("charges = %d, want 1", got)
				}
				if got := fmt.Sprint(sb.Steps(id + ":attempt:1")); got != "[authorize capture]" {
					t.Errorf("steps of attempt 1 = %s, want [authorize capture]", got)
				}
				if got := sb.Steps(id + ":attempt:2"); got != nil {
					t.Errorf("a second attempt ran: %v", got)
				}
			}
		},
		"fake stripe": func(t *testing.T) (func(int) payment.Handler, func(*testing.T, string)) {
			fake := stripefake.Start(t, stripefake.Options{})
			return func(int) payment.Handler {
					// Each replica has its own client; the processor is shared.
					zero := int64(0)
					h, err := stripe.New(stripe.Config{
						ID: "card", DisplayName: "Card", MerchantID: "acct_123", AcceptedBrands: []string{"visa"},
						SecretKey: stripefake.SecretKey, StripeVersion: "2026-04-22.preview", APIBaseURL: fake.URL,
						HTTPClient: &http.Client{Timeout: 10 * time.Second}, MaxNetworkRetries: &zero,
					})
					if err != nil {
						t.Fatalf("stripe handler: %v", err)
					}
					return h
				}, func(t *testing.T, id string) {
					pis := fake.PaymentIntents()
					if len(pis) != 1 {
						t.Fatalf("%d PaymentIntents, want 1", len(pis))
					}
					if pis[0].Captures != 1 || pis[0].Status != "succeeded" {
						t.Errorf("PaymentIntent: %d captures, status %s; want 1 and succeeded", pis[0].Captures, pis[0].Status)
					}
				}
		},
	}
}

// TestReplicasChargeOnce: 50 concurrent completes of one session spread
// over three engines sharing one store charge once, place one order and
// write one order_create event, with the sandbox and with stripe-go
// against the fake Stripe (one PaymentIntent, one capture).
func TestReplicasChargeOnce(t *testing.T) {
	t.Parallel()
	for name, setup := range processors() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			handler, check := setup(t)
			rs := newReplicas(t, replicaOptions{n: 3, handler: handler})
			ctx := context.Background()
			sess, err := rs.engines[0].Create(ctx, "agent", "2026-04-17", checkout.CreateInput{Currency: "usd", Items: []checkout.ItemInput{{ID: "ebook", Quantity: 1}}}, nil)
			if err != nil || sess.Status != model.StatusReadyForPayment {
				t.Fatalf("create = %v, %v", sess, err)
			}
			const calls = 50
			var wg sync.WaitGroup
			results := make([]*model.Session, calls)
			errs := make([]error, calls)
			for i := range calls {
				wg.Go(func() {
					results[i], errs[i] = rs.engines[i%len(rs.engines)].Complete(ctx, "agent", sess.ID,
						checkout.CompleteInput{Payment: cardPayment("spt_ok_replicas")}, nil)
				})
			}
			wg.Wait()
			completed := 0
			for i := range calls {
				var ae *apierr.Error
				switch {
				case errs[i] == nil && results[i].Status == model.StatusCompleted:
					completed++
				case errors.As(errs[i], &ae) && ae.Code == apierr.CodeSessionCompleted:
				default:
					t.Errorf("complete %d = %v, %v; want the completed session or session_completed", i, results[i], errs[i])
				}
			}
			if completed != 1 {
				t.Errorf("%d completes answered completed, want 1 (the others: session_completed)", completed)
			}
			if n := rs.orderCount(t); n != 1 {
				t.Errorf("%d orders, want 1", n)
			}
			if n := rs.orderEvents(t, "ord_"+sess.ID[len("cs_"):], "order_create"); n != 1 {
				t.Errorf("%d order_create events, want 1", n)
			}
			check(t, sess.ID)
		})
	}
}

// gatedFulfillment blocks PlaceOrder until open is closed, once entered
// is signalled.
type gatedFulfillment struct {
	builtin.Fulfillment
	entered chan struct{}
	open    chan struct{}
}

func (g *gatedFulfillment) PlaceOrder(ctx context.Context, req *fulfillment.PlaceOrderRequest) (*fulfillment.PlaceOrderResponse, error) {
	close(g.entered)
	<-g.open
	return g.Fulfillment.PlaceOrder(ctx, req)
}

// gatedHandler blocks Charge until open is closed, once entered is
// signalled.
type gatedHandler struct {
	payment.Handler
	entered chan struct{}
	open    chan struct{}
}

func (g *gatedHandler) Charge(ctx context.Context, req *payment.ChargeRequest) (*payment.ChargeResult, error) {
	close(g.entered)
	<-g.open
	return g.Handler.Charge(ctx, req)
}

// TestLapsedLeaseIsFenced: engine A stalls past its session lease (its
// renewals did not run: the lease clock jumps), in the payment call or in
// the order placement; engine B takes the session over, resumes the
// recorded attempt (no new one) and completes it. When A resumes, its
// late commit is refused by the fencing check and it answers with B's
// stored outcome; the money moved once (sandbox: one charge; fake
// Stripe: one PaymentIntent, one capture) and one order exists.
func TestLapsedLeaseIsFenced(t *testing.T) {
	t.Parallel()
	for name, setup := range processors() {
		for _, stallIn := range []string{"charge", "placement"} {
			t.Run(name+"/"+stallIn, func(t *testing.T) {
				t.Parallel()
				leaseClock := clocktest.New(time.Now())
				handler, check := setup(t)
				entered, open := make(chan struct{}), make(chan struct{})
				rs := newReplicas(t, replicaOptions{
					n: 2,
					handler: func(i int) payment.Handler {
						if i == 0 && stallIn == "charge" {
							return &gatedHandler{Handler: handler(i), entered: entered, open: open}
						}
						return handler(i)
					},
					fulfillment: func(i int) fulfillment.Fulfillment {
						if i == 0 && stallIn == "placement" {
							return &gatedFulfillment{entered: entered, open: open}
						}
						return builtin.Fulfillment{}
					},
					leaseClock: leaseClock.Now,
					// Long in real time, so that no renewal runs during the
					// test: the lease clock alone decides when a lease lapses.
					sessionLease: time.Hour,
				})
				id := testLapsedLease(t, rs, leaseClock, entered, open)
				check(t, id)
			})
		}
	}
}

// testLapsedLease runs the takeover of TestLapsedLeaseIsFenced and
// returns the session's id.
func testLapsedLease(t *testing.T, rs *replicaSet, leaseClock *clocktest.Clock, entered, open chan struct{}) string {
	t.Helper()
	ctx := context.Background()
	a, b := rs.engines[0], rs.engines[1]
	sess, err := a.Create(ctx, "agent", "2026-04-17", checkout.CreateInput{Currency: "usd", Items: []checkout.ItemInput{{ID: "ebook", Quantity: 1}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	in := checkout.CompleteInput{Payment: cardPayment("spt_ok_stall")}
	type answer struct {
		sess *model.Session
		err  error
	}
	late := make(chan answer, 1)
	go func() {
		s, err := a.Complete(ctx, "agent", sess.ID, in, nil)
		late <- answer{s, err}
	}()
	<-entered // A holds the session, in its payment call or its placement

	// While A's lease lasts, B waits for it rather than deciding.
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	_, err = b.Complete(short, "agent", sess.ID, in, nil)
	cancel()
	if err == nil {
		t.Fatal("B completed while A held the session")
	}

	leaseClock.Advance(2 * time.Hour) // A stalled past its lease
	won, err := b.Complete(ctx, "agent", sess.ID, in, nil)
	if err != nil || won.Status != model.StatusCompleted || won.Payment.Attempt != 1 {
		t.Fatalf("B's complete = %+v, %v; want completed by attempt 1 (resumed, not a new one)", won, err)
	}

	close(open) // A resumes: its call answers, then it tries to commit
	got := <-late
	if got.err != nil || got.sess.Status != model.StatusCompleted || got.sess.Order == nil || got.sess.Order.ID != won.Order.ID ||
		!got.sess.UpdatedAt.Equal(won.UpdatedAt) {
		t.Fatalf("A's late answer = %+v, %v; want B's stored outcome", got.sess, got.err)
	}
	if n := rs.orderCount(t); n != 1 {
		t.Errorf("%d orders, want 1", n)
	}
	if n := rs.orderEvents(t, won.Order.ID, "order_create"); n != 1 {
		t.Errorf("%d order_create events, want 1", n)
	}
	return sess.ID
}

// stallingCatalog runs stall, once armed, inside its next call: a
// plugin call during which the calling engine stalls.
type stallingCatalog struct {
	catalog.Catalog
	stall func()
}

func (c *stallingCatalog) ResolveItems(ctx context.Context, req *catalog.ResolveItemsRequest) (*catalog.ResolveItemsResponse, error) {
	if c.stall != nil {
		stall := c.stall
		c.stall = nil
		stall()
	}
	return c.Catalog.ResolveItems(ctx, req)
}

// TestLapsedLeaseRefusesUpdate: an update whose engine stalled in a
// plugin call past its lease, while another engine took the session over
// and canceled it, is not stored: it answers a retryable 409 and the
// winner's change stands.
func TestLapsedLeaseRefusesUpdate(t *testing.T) {
	t.Parallel()
	leaseClock := clocktest.New(time.Now())
	sb := sandbox.New(sandbox.Config{ID: "card", MerchantID: "acct_test", AcceptedBrands: []string{"visa"}})
	stalling := &stallingCatalog{Catalog: builtin.NewProductCatalog(testCatalog)}
	rs := newReplicas(t, replicaOptions{
		n: 2, handler: func(int) payment.Handler { return sb }, leaseClock: leaseClock.Now, sessionLease: time.Hour,
		catalog: func(i int) catalog.Catalog {
			if i == 0 {
				return stalling
			}
			return builtin.NewProductCatalog(testCatalog)
		},
	})
	ctx := context.Background()
	sess, err := rs.engines[1].Create(ctx, "agent", "2026-04-17", checkout.CreateInput{Currency: "usd", Items: []checkout.ItemInput{{ID: "ebook", Quantity: 1}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var winner error
	stalling.stall = func() {
		leaseClock.Advance(2 * time.Hour)
		_, winner = rs.engines[1].Cancel(ctx, "agent", sess.ID, checkout.CancelInput{}, nil)
	}
	_, err = rs.engines[0].Update(ctx, "agent", sess.ID, checkout.UpdateInput{OrderNotes: optional.Value[string]{Set: true, V: "late notes"}}, nil)
	if winner != nil {
		t.Fatalf("the winner's cancel = %v", winner)
	}
	var ae *apierr.Error
	if !errors.As(err, &ae) || ae.Status != http.StatusConflict || ae.RetryAfterSeconds == 0 {
		t.Fatalf("the stalled update = %v, want a retryable 409", err)
	}
	var stored *model.Session
	if err := rs.store.View(ctx, func(r store.Reader) error {
		var err error
		stored, err = r.Session(sess.ID)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if stored.Status != model.StatusCanceled || stored.OrderNotes != "" {
		t.Errorf("stored session: %s, notes %q; want the winner's cancel only", stored.Status, stored.OrderNotes)
	}
}

// TestSweepersSkipHeldSessions: the payment reconciler and the sweep of
// lapsed stock holds leave a session alone while another call (on any
// replica) holds its lease, and settle it once the lease is released.
func TestSweepersSkipHeldSessions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for name, tc := range map[string]struct {
		// prepare leaves work for the sweeper and returns its session id
		// and a check that the work is (done) or is not (!done) done.
		prepare func(t *testing.T, f *fixture) (string, func(done bool) error)
		sweep   func(f *fixture) (int, error)
	}{
		"reconciler": {
			prepare: func(t *testing.T, f *fixture) (string, func(bool) error) {
				f.flaky.failures = 1
				sess := f.create(t, checkout.CreateInput{Items: []checkout.ItemInput{{ID: "ebook", Quantity: 1}}})
				_, err := f.svc.Complete(ctx, "agent", sess.ID, checkout.CompleteInput{Payment: checkout.PaymentInput{HandlerID: "flaky", InstrumentType: "card", Token: "spt_ok"}}, nil)
				wantAPIError(t, err, http.StatusServiceUnavailable, apierr.CodePaymentUnavailable, "")
				f.clock.Advance(2 * time.Minute)
				return sess.ID, func(done bool) error {
					got, err := f.svc.Get(ctx, "agent", sess.ID)
					if err != nil || (got.Status == model.StatusCompleted) != done {
						return fmt.Errorf("session %s, %v; want completed %v", got.Status, err, done)
					}
					return nil
				}
			},
			sweep: func(f *fixture) (int, error) { return f.svc.ReconcileStale(ctx, time.Minute, 10) },
		},
		"lapsed stock holds": {
			prepare: func(t *testing.T, f *fixture) (string, func(bool) error) {
				err := f.store.UpdateStock(ctx, []string{"ebook"}, func(tx store.Tx) error {
					if _, _, err := tx.ReserveStock("ebook", 1); err != nil {
						return err
					}
					return tx.PutReservation(&model.Reservation{SessionID: "cs_gone", Attempt: 1,
						Lines: []model.ReservedLine{{SKU: "ebook", Quantity: 1}}, ExpiresAt: f.clock.Now().Add(-1)})
				})
				if err != nil {
					t.Fatal(err)
				}
				return "cs_gone", func(done bool) error {
					if l := f.level(t, "ebook"); (l.Reserved == 0) != done {
						return fmt.Errorf("level %+v; want released %v", l, done)
					}
					return nil
				}
			},
			sweep: func(f *fixture) (int, error) { return f.svc.ReleaseLapsedHolds(ctx, 10) },
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := newStockFixture(t)
			id, check := tc.prepare(t, f)
			// Another replica's call holds the session.
			l, _, ok, err := f.store.Leases().TryAcquire(ctx, "session/"+id, time.Hour)
			if err != nil || !ok {
				t.Fatalf("TryAcquire = %v, %v", ok, err)
			}
			if n, err := tc.sweep(f); err != nil || n != 0 {
				t.Fatalf("sweep while the session is held = %d, %v; want 0", n, err)
			}
			if err := check(false); err != nil {
				t.Fatalf("a held session was swept: %v", err)
			}
			if err := f.store.Leases().Release(ctx, l); err != nil {
				t.Fatal(err)
			}
			if n, err := tc.sweep(f); err != nil || n != 1 {
				t.Fatalf("sweep once released = %d, %v; want 1", n, err)
			}
			if err := check(true); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// losingLeases are a store's leases whose renewals, once lose is set,
// report the lease lost, as a shared database does once another replica
// took it over.
type losingLeases struct {
	store.Leases
	lose *atomic.Bool
}

func (l losingLeases) Renew(ctx context.Context, lease *store.Lease, ttl time.Duration) error {
	if l.lose.Load() {
		return fmt.Errorf("renew lease %s: %w", lease.Name, store.ErrLeaseLost)
	}
	return l.Leases.Renew(ctx, lease, ttl)
}

// losingStore is a store whose lease renewals fail once lose is set.
type losingStore struct {
	*badgerstore.Store
	lose *atomic.Bool
}

func (s losingStore) Leases() store.Leases { return losingLeases{s.Store.Leases(), s.lose} }

// waitingFulfillment's PlaceOrder sets lose, then waits for its context
// to end, as an order system call that takes long, and reports why it
// ended.
type waitingFulfillment struct {
	builtin.Fulfillment
	lose  *atomic.Bool
	cause chan error
}

func (w *waitingFulfillment) PlaceOrder(ctx context.Context, _ *fulfillment.PlaceOrderRequest) (*fulfillment.PlaceOrderResponse, error) {
	w.lose.Store(true)
	select {
	case <-ctx.Done():
		w.cause <- context.Cause(ctx)
		return nil, ctx.Err()
	case <-time.After(10 * time.Second):
		w.cause <- errors.New("the placement was never canceled")
		return nil, errors.New("order system unreachable")
	}
}

// TestLostRenewalStopsTheWork: when a renewal of the session's lease
// reports it lost during a long order placement, the call's work is
// canceled (its context ends with ErrLeaseLost) and the complete answers
// with the stored state: the attempt still in progress, so a retryable
// 409 session_in_progress.
func TestLostRenewalStopsTheWork(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	// The lease clock stands still: the lease never lapses by itself,
	// only a renewal reports it lost.
	st, err := badgerstore.Open(badgerstore.Options{InMemory: true, LeaseClock: clocktest.New(time.Now()).Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	sb := sandbox.New(sandbox.Config{ID: "card", MerchantID: "acct_test", AcceptedBrands: []string{"visa"}})
	lose := new(atomic.Bool)
	ful := &waitingFulfillment{lose: lose, cause: make(chan error, 1)}
	svc := checkout.New(checkout.Options{
		Store: losingStore{st, lose},
		Capabilities: checkout.Capabilities{
			Catalog: builtin.NewProductCatalog(testCatalog), Tax: builtin.NewTax(testTax),
			Shipping: builtin.NewShipping(testOptions, nil), Fulfillment: ful,
		},
		Handlers:        []payment.Handler{sb},
		Currency:        "usd",
		SessionLifetime: time.Hour,
		// Renewed every 10 ms: the first renewal once the placement
		// began finds the lease lost.
		SessionLease: 30 * time.Millisecond,
	})
	sess, err := svc.Create(ctx, "agent", "2026-04-17", checkout.CreateInput{Currency: "usd", Items: []checkout.ItemInput{{ID: "ebook", Quantity: 1}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = svc.Complete(ctx, "agent", sess.ID, checkout.CompleteInput{Payment: cardPayment("spt_ok")}, nil)
	wantAPIError(t, err, http.StatusConflict, apierr.CodeSessionInProgress, "")
	if cause := <-ful.cause; !errors.Is(cause, store.ErrLeaseLost) {
		t.Fatalf("the placement's context ended with %v, want ErrLeaseLost", cause)
	}
	var stored *model.Session
	if err := st.View(ctx, func(r store.Reader) error {
		var err error
		stored, err = r.Session(sess.ID)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if stored.Status != model.StatusCompleteInProgress || stored.Payment.State != model.PaymentAuthorized || sb.Charges() != 0 {
		t.Fatalf("stored %s, payment %s, charges %d; want the authorized attempt left for the next holder", stored.Status, stored.Payment.State, sb.Charges())
	}
}

// panickingCatalog panics in ResolveItems while armed, as a buggy plugin
// client or handler would; the HTTP server recovers such panics.
type panickingCatalog struct {
	catalog.Catalog
	armed atomic.Bool
}

func (p *panickingCatalog) ResolveItems(ctx context.Context, req *catalog.ResolveItemsRequest) (*catalog.ResolveItemsResponse, error) {
	if p.armed.Load() {
		panic("catalog double panics")
	}
	return p.Catalog.ResolveItems(ctx, req)
}

// TestPanicReleasesTheSessionLease: a call that panics while it holds
// the session's lease (recovered further up, as Fiber does) gives the
// lease back, so that the next call on the session is not refused as busy.
func TestPanicReleasesTheSessionLease(t *testing.T) {
	t.Parallel()
	cat := &panickingCatalog{Catalog: builtin.NewProductCatalog(testCatalog)}
	f := newFixtureWith(t, func(o *checkout.Options) {
		o.Capabilities.Catalog = cat
		o.SessionLease = time.Hour // only a release frees it within the test
	})
	ctx := context.Background()
	sess := f.create(t, checkout.CreateInput{Items: []checkout.ItemInput{{ID: "mug", Quantity: 1}}})
	cat.armed.Store(true)
	func() {
		defer func() {
			if recover() == nil {
				t.Fatal("Update() did not panic")
			}
		}()
		_, _ = f.svc.Update(ctx, "agent", sess.ID, checkout.UpdateInput{OrderNotes: optional.Of("ring twice")}, nil)
	}()
	cat.armed.Store(false)
	if _, _, ok, err := f.store.Leases().TryAcquire(ctx, "session/"+sess.ID, time.Second); err != nil || !ok {
		t.Fatalf("the session's lease after a recovered panic: taken %v, %v; want free", ok, err)
	}
}
