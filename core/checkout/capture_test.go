package checkout_test

import (
	"context"
	"errors"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/acp-sidecar/acp/core/apierr"
	"github.com/acp-sidecar/acp/core/builtin"
	"github.com/acp-sidecar/acp/core/checkout"
	"github.com/acp-sidecar/acp/core/internal/clocktest"
	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/payment"
	"github.com/acp-sidecar/acp/core/payment/sandbox"
	"github.com/acp-sidecar/acp/core/store"
	"github.com/acp-sidecar/acp/core/store/badgerstore"
	"github.com/acp-sidecar/acp/sdk/acp"
	"github.com/acp-sidecar/acp/sdk/fulfillment"
)

// orderSystem is a fulfillment capability whose answer the test sets:
// nil accepts, an error refuses or fails. Like a real order system it
// keeps the orders it stored: with late set it stores the order, then
// answers too late (the call's deadline passed), and a cancel of an order
// it never stored answers not found. It records the placements, the
// cancels, and the sandbox steps of the attempt at the moment of each.
type orderSystem struct {
	sandbox *sandbox.Handler

	mu            sync.Mutex
	answer        error
	late          bool
	cancelAnswer  error
	orders        map[string]string // order id → "placed" or "canceled"
	placed        []string
	stepsAt       [][]string
	canceled      []string
	stepsAtCancel [][]string
}

func (o *orderSystem) setAnswer(err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.answer = err
}

func (o *orderSystem) setLate(late bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.late = late
}

func (o *orderSystem) setCancelAnswer(err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.cancelAnswer = err
}

// order returns the stored status of the order, "" when it has none.
func (o *orderSystem) order(id string) string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.orders[id]
}

func (o *orderSystem) PlaceOrder(_ context.Context, req *fulfillment.PlaceOrderRequest) (*fulfillment.PlaceOrderResponse, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.placed = append(o.placed, req.OrderID)
	o.stepsAt = append(o.stepsAt, o.sandbox.Steps("cs_"+strings.TrimPrefix(req.OrderID, "ord_")+":attempt:1"))
	if o.answer != nil {
		return nil, o.answer
	}
	if o.orders == nil {
		o.orders = map[string]string{}
	}
	if o.orders[req.OrderID] == "" {
		o.orders[req.OrderID] = "placed"
	}
	if o.late {
		return nil, context.DeadlineExceeded
	}
	return &fulfillment.PlaceOrderResponse{OrderNumber: "N-1"}, nil
}

func (o *orderSystem) CancelOrder(_ context.Context, req *fulfillment.CancelOrderRequest) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.stepsAtCancel = append(o.stepsAtCancel, o.sandbox.Steps("cs_"+strings.TrimPrefix(req.OrderID, "ord_")+":attempt:1"))
	if o.cancelAnswer != nil {
		return o.cancelAnswer
	}
	if o.orders[req.OrderID] == "" {
		return acp.WithReason(acp.Downstream(errors.New("the order intake answered 404")), acp.CodeNotFound)
	}
	o.orders[req.OrderID] = "canceled"
	o.canceled = append(o.canceled, req.OrderID)
	return nil
}

// canceler cancels through the order system and records the order, as
// the orders service does.
type canceler struct {
	system *orderSystem
	st     store.Store
}

func (c canceler) CancelUnpaid(ctx context.Context, orderID, _ string) error {
	if err := c.system.CancelOrder(ctx, &fulfillment.CancelOrderRequest{OrderID: orderID}); err != nil {
		return err
	}
	return c.st.Update(ctx, func(tx store.Tx) error {
		o, err := tx.Order(orderID)
		if err != nil {
			return err
		}
		o.Status = model.OrderCanceled
		return tx.PutOrder(o)
	})
}

// reporter records the money outcomes.
type reporter struct {
	mu  sync.Mutex
	got []checkout.MoneyOutcome
}

func (r *reporter) ReportMoney(_ context.Context, o checkout.MoneyOutcome) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, o)
}

func (r *reporter) outcomes() []checkout.MoneyOutcome {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.got)
}

type moneyFixture struct {
	svc      *checkout.Service
	st       store.Store
	sandbox  *sandbox.Handler
	system   *orderSystem
	reporter *reporter
	clock    *clocktest.Clock
}

const testDeadline = 10 * time.Minute

func newMoneyFixture(t *testing.T, capture payment.CaptureMethod, wrap ...func(payment.Handler) payment.Handler) *moneyFixture {
	t.Helper()
	return newMoneyFixtureWith(t, capture, nil, wrap...)
}

// newMoneyFixtureWith is newMoneyFixture with its engine options adjusted
// by adjust (when set).
func newMoneyFixtureWith(t *testing.T, capture payment.CaptureMethod, adjust func(*checkout.Options), wrap ...func(payment.Handler) payment.Handler) *moneyFixture {
	t.Helper()
	st, err := badgerstore.Open(badgerstore.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	sb := sandbox.New(sandbox.Config{ID: "card", MerchantID: "acct_test", AcceptedBrands: []string{"visa"}, MerchantName: "Test"})
	system := &orderSystem{sandbox: sb}
	rep := &reporter{}
	var handler payment.Handler = sb
	for _, w := range wrap {
		handler = w(handler)
	}
	clk := clocktest.New(time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC))
	opts := checkout.Options{
		Store: st,
		Capabilities: checkout.Capabilities{
			Catalog: builtin.NewProductCatalog(testCatalog), Tax: builtin.NewTax(testTax),
			Shipping: builtin.NewShipping(testOptions, clk.Now), Fulfillment: system,
		},
		Handlers:               []payment.Handler{handler},
		Currency:               "usd",
		SessionLifetime:        6 * time.Hour,
		OrderPermalinkTemplate: "https://shop.test/orders/{order_id}",
		Interventions:          model.Interventions{Supported: []string{"3ds"}, Enforcement: "conditional"},
		CaptureMethods:         map[string]payment.CaptureMethod{"card": capture},
		PlacementDeadline:      testDeadline,
		OrderCanceler:          canceler{system: system, st: st},
		MoneyReporter:          rep,
		Now:                    clk.Now,
	}
	if adjust != nil {
		adjust(&opts)
	}
	svc := checkout.New(opts)
	return &moneyFixture{svc: svc, st: st, sandbox: sb, system: system, reporter: rep, clock: clk}
}

func (f *moneyFixture) session(t *testing.T) *model.Session {
	t.Helper()
	sess, err := f.svc.Create(context.Background(), "agent", "2026-04-17", checkout.CreateInput{Currency: "usd", Items: []checkout.ItemInput{{ID: "ebook", Quantity: 1}}}, nil)
	if err != nil || sess.Status != model.StatusReadyForPayment {
		t.Fatalf("Create() = %v, %v", sess, err)
	}
	return sess
}

func (f *moneyFixture) complete(sess *model.Session, token string) (*model.Session, error) {
	return f.svc.Complete(context.Background(), "agent", sess.ID, checkout.CompleteInput{Payment: cardPayment(token)}, nil)
}

func key(sess *model.Session, attempt string) string { return sess.ID + ":attempt:" + attempt }

// refusal is a capability failure not marked retryable: a definitive no.
var refusal = acp.WithReason(acp.Downstream(errors.New("the order intake answered 409")), "intake_rejected")

// outage is a retryable capability failure: the order system is down.
var outage = acp.Retryable(acp.Downstream(errors.New("the order intake answered 503")))

// TestAuthorizeThenCapture: with manual capture the attempt is
// authorized, the order placed while the money is only held, then
// captured, once.
func TestAuthorizeThenCapture(t *testing.T) {
	t.Parallel()
	f := newMoneyFixture(t, payment.CaptureManual)
	sess := f.session(t)
	done, err := f.complete(sess, "spt_ok")
	if err != nil || done.Status != model.StatusCompleted {
		t.Fatalf("Complete() = %v, %v", done, err)
	}
	if got := f.sandbox.Steps(key(sess, "1")); !slices.Equal(got, []string{sandbox.StepAuthorize, sandbox.StepCapture}) {
		t.Errorf("steps = %v, want authorize then capture", got)
	}
	if at := f.system.stepsAt; len(at) != 1 || !slices.Equal(at[0], []string{sandbox.StepAuthorize}) {
		t.Errorf("steps when the order was placed = %v, want only the authorization", at)
	}
	if done.Payment.State != model.PaymentCaptured || done.Order.PaymentState != model.PaymentCaptured || done.Payment.CaptureMethod != "manual" {
		t.Errorf("payment %+v, order payment state %q", done.Payment, done.Order.PaymentState)
	}
	if f.sandbox.Charges() != 1 || len(f.reporter.outcomes()) != 0 {
		t.Errorf("charges %d, outcomes %+v", f.sandbox.Charges(), f.reporter.outcomes())
	}
}

// TestOrderRefusedReleasesMoney: a definitive refusal voids the
// authorization (or, captured at once, refunds it) and returns the session
// payable with a message asking for a new token; a retryable failure
// keeps the attempt open until the deadline, then releases the same way.
func TestOrderRefusedReleasesMoney(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		capture   payment.CaptureMethod
		answer    error
		deadline  bool
		wantSteps []string
		wantState model.PaymentState
		wantCause string
		wantCode  string
		wantSess  model.Status
	}{
		{"refused, manual", payment.CaptureManual, refusal, false, []string{"authorize", "void"}, model.PaymentVoided, checkout.ReleaseOrderRefused, acp.CodePaymentDeclined, model.StatusReadyForPayment},
		{"refused, immediate", payment.CaptureImmediate, refusal, false, []string{"charge", "refund"}, model.PaymentRefunded, checkout.ReleaseOrderRefused, acp.CodePaymentDeclined, model.StatusReadyForPayment},
		{"out of stock", payment.CaptureManual, acp.WithReason(refusal, acp.CodeOutOfStock), false, []string{"authorize", "void"}, model.PaymentVoided, checkout.ReleaseOutOfStock, acp.CodeOutOfStock, model.StatusNotReadyForPayment},
		{"down past the deadline, manual", payment.CaptureManual, outage, true, []string{"authorize", "void"}, model.PaymentVoided, checkout.ReleaseDeadline, acp.CodePaymentDeclined, model.StatusReadyForPayment},
		{"down past the deadline, immediate", payment.CaptureImmediate, outage, true, []string{"charge", "refund"}, model.PaymentRefunded, checkout.ReleaseDeadline, acp.CodePaymentDeclined, model.StatusReadyForPayment},
		{"plugin gone past the deadline", payment.CaptureManual, context.DeadlineExceeded, true, []string{"authorize", "void"}, model.PaymentVoided, checkout.ReleaseDeadline, acp.CodePaymentDeclined, model.StatusReadyForPayment},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			f := newMoneyFixture(t, tc.capture)
			f.system.setAnswer(tc.answer)
			sess := f.session(t)
			got, err := f.complete(sess, "spt_ok")
			if tc.deadline {
				// Down: the attempt stays open, the money held.
				wantAPIError(t, err, http.StatusServiceUnavailable, apierr.CodeUpstreamUnavailable, "")
				if n, err := f.svc.ReconcileStale(ctx, time.Minute, 10); err != nil || n != 0 {
					t.Fatalf("ReconcileStale() before the deadline = %d, %v", n, err)
				}
				f.clock.Advance(testDeadline / 2)
				if n, _ := f.svc.ReconcileStale(ctx, time.Minute, 10); n != 0 {
					t.Fatalf("settled %d sessions before the deadline", n)
				}
				if open, _ := f.svc.Get(ctx, "agent", sess.ID); open.Status != model.StatusCompleteInProgress || len(f.reporter.outcomes()) != 0 {
					t.Fatalf("before the deadline: %s, outcomes %+v", open.Status, f.reporter.outcomes())
				}
				f.clock.Advance(testDeadline)
				if n, err := f.svc.ReconcileStale(ctx, time.Minute, 10); err != nil || n != 1 {
					t.Fatalf("ReconcileStale() after the deadline = %d, %v", n, err)
				}
				if len(f.system.placed) < 3 {
					t.Errorf("the order was posted %d times; want retries until the deadline", len(f.system.placed))
				}
				got, err = f.svc.Get(ctx, "agent", sess.ID)
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != tc.wantSess || got.Order != nil || got.Payment.State != tc.wantState || got.Payment.Token != "" {
				t.Fatalf("session %s, order %v, payment %+v", got.Status, got.Order, got.Payment)
			}
			if steps := f.sandbox.Steps(key(sess, "1")); !slices.Equal(steps, tc.wantSteps) {
				t.Errorf("steps = %v, want %v", steps, tc.wantSteps)
			}
			if f.sandbox.Charges() != 0 {
				t.Errorf("charges = %d, want 0: the money went back", f.sandbox.Charges())
			}
			msg := got.Messages[len(got.Messages)-1]
			if msg.Type != acp.MessageError || msg.Code != tc.wantCode || !strings.Contains(msg.Content, "new payment token") {
				t.Errorf("message = %+v", msg)
			}
			outs := f.reporter.outcomes()
			if len(outs) != 1 || outs[0].Cause != tc.wantCause || outs[0].State != tc.wantState || outs[0].Err != nil || outs[0].SessionID != sess.ID {
				t.Errorf("outcomes = %+v", outs)
			}
			// Nothing is left to settle, and a new token completes.
			if n, _ := f.svc.ReconcileStale(ctx, 0, 10); n != 0 {
				t.Errorf("a released attempt was reconciled again")
			}
			if tc.wantSess == model.StatusReadyForPayment {
				f.system.setAnswer(nil)
				done, err := f.complete(got, "spt_ok_2")
				if err != nil || done.Status != model.StatusCompleted || done.Payment.Attempt != 2 || f.sandbox.Charges() != 1 {
					t.Fatalf("a new token after the release: %v, %+v, charges %d", err, done, f.sandbox.Charges())
				}
			}
		})
	}
}

// refusingRelease is a payment handler whose processor refuses to give
// money back: voids and refunds are refused.
type refusingRelease struct{ payment.Handler }

func (refusingRelease) Void(context.Context, *payment.SettleRequest) error {
	return &payment.Refusal{Op: "void", Reason: "the processor refused"}
}

func (refusingRelease) Refund(context.Context, *payment.SettleRequest) error {
	return &payment.Refusal{Op: "refund", Reason: "the processor refused"}
}

// TestReleaseRefusedCancelsSession: when the order is refused and the
// processor then refuses to give the money back, the money stays where it
// is and is raised to the seller, and the session is canceled, so that it
// can never be paid a second time.
func TestReleaseRefusedCancelsSession(t *testing.T) {
	t.Parallel()
	for _, capture := range []payment.CaptureMethod{payment.CaptureManual, payment.CaptureImmediate} {
		t.Run(string(capture), func(t *testing.T) {
			t.Parallel()
			f := newMoneyFixture(t, capture, func(h payment.Handler) payment.Handler { return refusingRelease{h} })
			f.system.setAnswer(refusal)
			sess := f.session(t)
			got, err := f.complete(sess, "spt_ok")
			if err != nil || got.Status != model.StatusCanceled || got.Order != nil {
				t.Fatalf("Complete() = %+v, %v; want the session canceled without an order", got, err)
			}
			if got.Payment.State == model.PaymentVoided || got.Payment.State == model.PaymentRefunded {
				t.Errorf("payment state %s, want the money where the processor left it", got.Payment.State)
			}
			outs := f.reporter.outcomes()
			if len(outs) != 1 || outs[0].Err == nil {
				t.Errorf("outcomes = %+v, want one raised to the seller", outs)
			}
			f.system.setAnswer(nil)
			if _, err := f.complete(got, "spt_ok_2"); err == nil {
				t.Fatal("a second complete of the session succeeded; want it refused")
			}
			if n := len(f.sandbox.Steps(key(sess, "2"))); n != 0 {
				t.Errorf("a second attempt reached the processor (%d steps)", n)
			}
		})
	}
}

// TestCaptureRefusedCancelsOrder: a capture refused after the order system
// accepted the order cancels the order there and here, and is reported.
func TestCaptureRefusedCancelsOrder(t *testing.T) {
	t.Parallel()
	f := newMoneyFixture(t, payment.CaptureManual)
	sess := f.session(t)
	done, err := f.complete(sess, "spt"+sandbox.CaptureFailSuffix)
	if err != nil || done.Status != model.StatusCompleted || done.Order == nil {
		t.Fatalf("Complete() = %+v, %v", done, err)
	}
	if done.Payment.State != model.PaymentCaptureFailed || len(messagesAt(done, "", acp.CodePaymentDeclined, "$.payment_data")) == 0 {
		t.Errorf("payment %+v, messages %+v", done.Payment, done.Messages)
	}
	if !slices.Equal(f.system.canceled, []string{done.Order.ID}) {
		t.Errorf("order system cancellations = %v, want %s", f.system.canceled, done.Order.ID)
	}
	var stored *model.Order
	_ = f.st.View(context.Background(), func(r store.Reader) error { stored, err = r.Order(done.Order.ID); return err })
	if stored == nil || stored.Status != model.OrderCanceled || stored.PaymentState != model.PaymentCaptureFailed {
		t.Errorf("stored order = %+v", stored)
	}
	if f.sandbox.Charges() != 0 {
		t.Errorf("charges = %d", f.sandbox.Charges())
	}
	outs := f.reporter.outcomes()
	if len(outs) != 1 || outs[0].Cause != "capture_refused" || outs[0].State != model.PaymentCaptureFailed || outs[0].Err != nil {
		t.Errorf("outcomes = %+v", outs)
	}
}

// TestCaptureUnknownResumesWithoutReplacing: an authorization whose order
// was accepted but whose capture did not answer is resumed by the next
// complete with the capture alone: the order is not placed again.
func TestCaptureUnknownResumesWithoutReplacing(t *testing.T) {
	t.Parallel()
	f := newMoneyFixture(t, payment.CaptureManual)
	failing := &failingCapture{Handler: f.sandbox, failures: 1}
	f.svc = checkout.New(checkout.Options{
		Store: f.st, Capabilities: checkout.Capabilities{Catalog: builtin.NewProductCatalog(testCatalog), Tax: builtin.NewTax(testTax), Shipping: builtin.NewShipping(testOptions, f.clock.Now), Fulfillment: f.system},
		Handlers: []payment.Handler{failing}, Currency: "usd", SessionLifetime: time.Hour, Now: f.clock.Now,
		Interventions: model.Interventions{Enforcement: "conditional"}, PlacementDeadline: testDeadline,
	})
	sess := f.session(t)
	_, err := f.complete(sess, "spt_ok")
	wantAPIError(t, err, http.StatusServiceUnavailable, apierr.CodePaymentUnavailable, "")
	// Long past the deadline: an accepted order is captured, never voided.
	f.clock.Advance(2 * testDeadline)
	done, err := f.complete(sess, "spt_ok")
	if err != nil || done.Status != model.StatusCompleted || done.Payment.State != model.PaymentCaptured {
		t.Fatalf("resumed: %+v, %v", done, err)
	}
	if len(f.system.placed) != 1 || !slices.Equal(f.sandbox.Steps(key(sess, "1")), []string{"authorize", "capture"}) {
		t.Errorf("placements %v, steps %v", f.system.placed, f.sandbox.Steps(key(sess, "1")))
	}
}

// failingCapture fails the first captures with an unknown outcome.
type failingCapture struct {
	payment.Handler
	mu       sync.Mutex
	failures int
}

func (f *failingCapture) Capture(ctx context.Context, req *payment.SettleRequest) error {
	f.mu.Lock()
	fail := f.failures > 0
	f.failures--
	f.mu.Unlock()
	if fail {
		return errors.New("processor unreachable")
	}
	return f.Handler.Capture(ctx, req)
}

// settleRecorder records every capture, void and refund.
type settleRecorder struct {
	payment.Handler
	mu    sync.Mutex
	calls []string
}

func (r *settleRecorder) record(op string, req *payment.SettleRequest) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, op+" "+req.PaymentID)
}

func (r *settleRecorder) Capture(ctx context.Context, req *payment.SettleRequest) error {
	r.record("capture", req)
	return r.Handler.Capture(ctx, req)
}

func (r *settleRecorder) Void(ctx context.Context, req *payment.SettleRequest) error {
	r.record("void", req)
	return r.Handler.Void(ctx, req)
}

func (r *settleRecorder) Refund(ctx context.Context, req *payment.SettleRequest) error {
	r.record("refund", req)
	return r.Handler.Refund(ctx, req)
}

// TestUpgradeLeavesCapturedPaymentsAlone: the sessions and orders of the
// fixture store written by the release before authorize-then-capture
// were captured at once. After the upgrade the completed ones are never
// captured, voided or refunded, and the attempt still in progress is
// finished as it began: charged at once, not authorized.
func TestUpgradeLeavesCapturedPaymentsAlone(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	work := t.TempDir()
	if err := os.CopyFS(work, os.DirFS("../store/badgerstore/testdata/format0")); err != nil {
		t.Fatal(err)
	}
	st, err := badgerstore.Open(badgerstore.Options{Dir: work})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	read := func() (sess *model.Session, full, fresh *model.Order) {
		t.Helper()
		err := st.View(ctx, func(r store.Reader) error {
			var err error
			if sess, err = r.Session("cs_completed"); err != nil {
				return err
			}
			if full, err = r.Order("ord_full"); err != nil {
				return err
			}
			fresh, err = r.Order("ord_new")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return sess, full, fresh
	}
	sessBefore, fullBefore, freshBefore := read()
	if sessBefore.Payment.CaptureMethod != "" || fullBefore.PaymentState != "" {
		t.Fatalf("the fixture's payment already says how it was taken: %+v %q", sessBefore.Payment, fullBefore.PaymentState)
	}

	sb := sandbox.New(sandbox.Config{ID: "stripe", MerchantID: "acct_test", AcceptedBrands: []string{"visa"}})
	rec := &settleRecorder{Handler: sb}
	clk := clocktest.New(time.Date(2026, 12, 8, 12, 0, 0, 0, time.UTC))
	svc := checkout.New(checkout.Options{
		Store: st,
		Capabilities: checkout.Capabilities{Catalog: builtin.NewProductCatalog(testCatalog), Tax: builtin.NewTax(testTax),
			Shipping: builtin.NewShipping(testOptions, clk.Now), Fulfillment: builtin.Fulfillment{}},
		Handlers: []payment.Handler{rec}, Currency: "gbp", SessionLifetime: 6 * time.Hour, Now: clk.Now,
		Interventions:  model.Interventions{Supported: []string{"3ds"}, Enforcement: "conditional"},
		CaptureMethods: map[string]payment.CaptureMethod{"stripe": payment.CaptureManual},
	})
	// The reconciler settles everything in progress, long past any
	// deadline; a complete of the completed session is refused.
	if n, err := svc.ReconcileStale(ctx, 0, 10); err != nil || n != 1 {
		t.Fatalf("ReconcileStale() = %d, %v; want the one attempt in progress settled", n, err)
	}
	_, err = svc.Complete(ctx, "openai", "cs_completed", checkout.CompleteInput{Payment: checkout.PaymentInput{HandlerID: "stripe", InstrumentType: "card", Token: "spt_x"}}, nil)
	wantAPIError(t, err, http.StatusBadRequest, apierr.CodeSessionCompleted, "")

	if len(rec.calls) != 0 {
		t.Errorf("captures, voids or refunds after the upgrade: %v", rec.calls)
	}
	if steps := sb.Steps("cs_in_progress:attempt:2"); !slices.Equal(steps, []string{sandbox.StepCharge}) {
		t.Errorf("the attempt in progress went through %v, want a charge at once, as it began", steps)
	}
	sessAfter, fullAfter, freshAfter := read()
	if diff := cmp.Diff(sessBefore, sessAfter); diff != "" {
		t.Errorf("the completed session changed (-before +after):\n%s", diff)
	}
	if diff := cmp.Diff(fullBefore, fullAfter); diff != "" {
		t.Errorf("order ord_full changed (-before +after):\n%s", diff)
	}
	if diff := cmp.Diff(freshBefore, freshAfter); diff != "" {
		t.Errorf("order ord_new changed (-before +after):\n%s", diff)
	}
}
