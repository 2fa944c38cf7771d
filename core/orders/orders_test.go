package orders_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/acp-sidecar/acp/core/acpwire"
	"github.com/acp-sidecar/acp/core/apierr"
	"github.com/acp-sidecar/acp/core/internal/clocktest"
	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/orders"
	"github.com/acp-sidecar/acp/core/store"
	"github.com/acp-sidecar/acp/core/store/badgerstore"
	"github.com/acp-sidecar/acp/sdk/acp"
	"github.com/acp-sidecar/acp/sdk/fulfillment"
)

type fixture struct {
	st     store.Store
	svc    *orders.Service
	outbox *orders.Outbox
	clock  *clocktest.Clock
	woken  int
}

// newFixture stores one order of agent "agent" (created under 2026-04-17)
// with two lines: 2 mugs (li_mug) and 1 ebook (li_book), and its
// session. The agent has two webhook targets: "all" and "creates" (which
// takes order_create only).
func newFixture(t *testing.T) *fixture {
	t.Helper()
	return newFixtureWith(t, nil)
}

// newFixtureWith is newFixture with the order adjusted by edit (when set)
// before it is placed.
func newFixtureWith(t *testing.T, edit func(*model.Order)) *fixture {
	t.Helper()
	st, err := badgerstore.Open(badgerstore.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	f := &fixture{st: st, clock: clocktest.New(time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC))}
	targets := []orders.Target{
		{Agent: "agent", Name: "all"},
		{Agent: "agent", Name: "creates", Events: []string{model.EventOrderCreate}},
		{Agent: "other", Name: "all"},
	}
	f.outbox = orders.NewOutbox(targets, acpwire.EncodeOrderEvent, f.clock.Now, func() { f.woken++ })
	f.svc = orders.New(st, f.outbox, f.clock.Now, nil)
	o := &model.Order{
		ID: "ord_1", CheckoutSessionID: "cs_1", PermalinkURL: "https://shop.test/orders/ord_1", Status: model.OrderCreated,
		Currency: "usd", Total: 3000, PaymentID: "pay_1", Agent: "agent", APIVersion: acpwire.V20260417,
		Totals: model.Totals{Subtotal: 2500, Fulfillment: 500, Total: 3000},
		Lines: []model.OrderLine{
			{ID: "li_mug", Title: "Mug", Ordered: 2, Current: 2, UnitPrice: 1000, Subtotal: 2000},
			{ID: "li_book", Title: "Ebook", Ordered: 1, Current: 1, UnitPrice: 500, Subtotal: 500},
		},
		CreatedAt: f.clock.Now(),
	}
	if edit != nil {
		edit(o)
	}
	err = st.Update(context.Background(), func(tx store.Tx) error {
		if err := tx.PutSession(&model.Session{ID: "cs_1", Agent: "agent", Status: model.StatusCompleted, ExpiresAt: f.clock.Now().Add(time.Hour), Order: o}); err != nil {
			return err
		}
		return f.svc.Placed(tx, o)
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// events returns the pending events' types and order statuses, per
// target, in outbox order.
func (f *fixture) events(t *testing.T) []string {
	t.Helper()
	list, err := orders.Events(context.Background(), f.st, model.EventPending, 100)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range list {
		var body struct {
			Type string `json:"type"`
			Data struct {
				Status string `json:"status"`
			} `json:"data"`
		}
		if err := json.Unmarshal(e.Payload, &body); err != nil {
			t.Fatal(err)
		}
		out = append(out, e.Target+":"+body.Type+":"+body.Data.Status)
	}
	return out
}

func wantAPIError(t *testing.T, err error, status int, code, param string) {
	t.Helper()
	var ae *apierr.Error
	if !errors.As(err, &ae) || ae.Status != status || ae.Code != code || ae.Param != param {
		t.Fatalf("error = %v, want %d %s at %q", err, status, code, param)
	}
}

func TestPlacedEnqueuesCreateForEachTarget(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	want := []string{"all:order_create:created", "creates:order_create:created"}
	if diff := cmp.Diff(want, f.events(t)); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}

func TestLifecycleEmitsOrderedUpdates(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	steps := []struct {
		name       string
		do         func() (*model.Order, error)
		wantStatus string
		wantFilled map[string]int64
	}{
		{"ship one mug", func() (*model.Order, error) {
			return f.svc.Fulfill(ctx, "ord_1", orders.FulfillmentInput{ID: "ful_a", Lines: []model.LineQuantity{{ID: "li_mug", Quantity: 1}}, Carrier: "USPS", TrackingNumber: "94001"})
		}, model.OrderProcessing, map[string]int64{"li_mug": 1, "li_book": 0}},
		{"ship the rest", func() (*model.Order, error) {
			return f.svc.Fulfill(ctx, "ord_1", orders.FulfillmentInput{ID: "ful_b", TrackingURL: "https://track.test/2"})
		}, model.OrderShipped, map[string]int64{"li_mug": 2, "li_book": 1}},
		{"deliver the first", func() (*model.Order, error) {
			return f.svc.Fulfill(ctx, "ord_1", orders.FulfillmentInput{ID: "ful_a", Status: model.FulfillmentDelivered, Event: &orders.EventInput{Location: "Porch"}})
		}, model.OrderShipped, map[string]int64{"li_mug": 2, "li_book": 1}},
		{"deliver the second", func() (*model.Order, error) {
			return f.svc.Fulfill(ctx, "ord_1", orders.FulfillmentInput{ID: "ful_b", Status: model.FulfillmentDelivered})
		}, model.OrderCompleted, map[string]int64{"li_mug": 2, "li_book": 1}},
		{"partial refund", func() (*model.Order, error) {
			return f.svc.Adjust(ctx, "ord_1", orders.AdjustmentInput{ID: "re_1", Amount: 1000, Lines: []model.LineQuantity{{ID: "li_mug", Quantity: 1}}})
		}, model.OrderCompleted, map[string]int64{"li_mug": 2, "li_book": 1}},
	}
	for _, step := range steps {
		o, err := step.do()
		if err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		if o.Status != step.wantStatus {
			t.Errorf("%s: status = %s, want %s", step.name, o.Status, step.wantStatus)
		}
		for _, l := range o.Lines {
			if l.Fulfilled != step.wantFilled[l.ID] {
				t.Errorf("%s: %s fulfilled = %d, want %d", step.name, l.ID, l.Fulfilled, step.wantFilled[l.ID])
			}
		}
	}
	o, _ := f.svc.Get(ctx, "ord_1")
	if o.AmountRefunded != 1000 || len(o.Fulfillments[0].Events) != 2 || o.Fulfillments[0].Events[1].Location != "Porch" {
		t.Errorf("order = %+v", o)
	}
	want := []string{
		"all:order_create:created", "creates:order_create:created",
		"all:order_update:processing", "all:order_update:shipped", "all:order_update:shipped",
		"all:order_update:completed", "all:order_update:completed",
	}
	if diff := cmp.Diff(want, f.events(t)); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	// The session's copy of the order follows.
	_ = f.st.View(ctx, func(r store.Reader) error {
		sess, err := r.Session("cs_1")
		if err != nil || sess.Order.Status != model.OrderCompleted || sess.Order.AmountRefunded != 1000 {
			t.Errorf("session order = %+v, %v", sess.Order, err)
		}
		return nil
	})
	if f.woken != len(steps) {
		t.Errorf("deliverer woken %d times, want %d", f.woken, len(steps))
	}
}

// TestRefusedChangesChangeNothing: invalid operations are flat errors and
// leave the order and the outbox as they were.
func TestRefusedChangesChangeNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	if _, err := f.svc.Adjust(ctx, "ord_1", orders.AdjustmentInput{ID: "re_1", Amount: 2000}); err != nil {
		t.Fatal(err)
	}
	before, _ := f.svc.Get(ctx, "ord_1")
	events := f.events(t)
	cases := []struct {
		name          string
		do            func() error
		status        int
		code, param   string
		cancelOrderTo bool
	}{
		{"over-refund", func() error {
			_, err := f.svc.Adjust(ctx, "ord_1", orders.AdjustmentInput{Amount: 1001})
			return err
		}, http.StatusConflict, orders.CodeAmountExceeded, "$.amount", false},
		{"refund raised past the total", func() error {
			_, err := f.svc.Adjust(ctx, "ord_1", orders.AdjustmentInput{ID: "re_1", Amount: 3001})
			return err
		}, http.StatusConflict, orders.CodeAmountExceeded, "$.amount", false},
		{"zero refund", func() error {
			_, err := f.svc.Adjust(ctx, "ord_1", orders.AdjustmentInput{})
			return err
		}, http.StatusBadRequest, apierr.CodeInvalid, "$.amount", false},
		{"dispute reported by the store", func() error {
			_, err := f.svc.Adjust(ctx, "ord_1", orders.AdjustmentInput{Type: "dispute", Amount: 1})
			return err
		}, http.StatusBadRequest, apierr.CodeInvalid, "$.type", false},
		{"ship more than ordered", func() error {
			_, err := f.svc.Fulfill(ctx, "ord_1", orders.FulfillmentInput{Lines: []model.LineQuantity{{ID: "li_mug", Quantity: 1}, {ID: "li_mug", Quantity: 2}}})
			return err
		}, http.StatusConflict, orders.CodeQuantityExceeded, "$.line_items[1].quantity", false},
		{"quantities that would overflow", func() error {
			_, err := f.svc.Fulfill(ctx, "ord_1", orders.FulfillmentInput{Lines: []model.LineQuantity{{ID: "li_mug", Quantity: 1}, {ID: "li_mug", Quantity: math.MaxInt64}}})
			return err
		}, http.StatusConflict, orders.CodeQuantityExceeded, "$.line_items[1].quantity", false},
		{"refund that would overflow", func() error {
			_, err := f.svc.Adjust(ctx, "ord_1", orders.AdjustmentInput{Amount: math.MaxInt64})
			return err
		}, http.StatusConflict, orders.CodeAmountExceeded, "$.amount", false},
		{"unknown line", func() error {
			_, err := f.svc.Fulfill(ctx, "ord_1", orders.FulfillmentInput{Lines: []model.LineQuantity{{ID: "li_nope", Quantity: 1}}})
			return err
		}, http.StatusBadRequest, apierr.CodeInvalid, "$.line_items[0].id", false},
		{"status foreign to the type", func() error {
			_, err := f.svc.Fulfill(ctx, "ord_1", orders.FulfillmentInput{Type: "digital", Status: model.FulfillmentInTransit})
			return err
		}, http.StatusBadRequest, apierr.CodeInvalid, "$.status", false},
		{"relative tracking URL", func() error {
			_, err := f.svc.Fulfill(ctx, "ord_1", orders.FulfillmentInput{TrackingURL: "/track/1"})
			return err
		}, http.StatusBadRequest, apierr.CodeInvalid, "$.tracking_url", false},
		{"unknown order", func() error {
			_, err := f.svc.Cancel(ctx, "ord_nope", orders.CancelInput{})
			return err
		}, http.StatusNotFound, apierr.CodeNotFound, "", false},
	}
	for _, tc := range cases {
		wantAPIError(t, tc.do(), tc.status, tc.code, tc.param)
	}
	after, _ := f.svc.Get(ctx, "ord_1")
	if diff := cmp.Diff(before, after); diff != "" {
		t.Errorf("order changed (-before +after):\n%s", diff)
	}
	if diff := cmp.Diff(events, f.events(t)); diff != "" {
		t.Errorf("events changed (-before +after):\n%s", diff)
	}
}

func TestRepeatedRequestsSendNothingNew(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	for range 2 {
		if _, err := f.svc.Fulfill(ctx, "ord_1", orders.FulfillmentInput{ID: "ful_1", Carrier: "UPS"}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Adjust(ctx, "ord_1", orders.AdjustmentInput{ID: "re_1", Amount: 100}); err != nil {
			t.Fatal(err)
		}
	}
	o, _ := f.svc.Get(ctx, "ord_1")
	if len(o.Fulfillments) != 1 || len(o.Adjustments) != 1 {
		t.Errorf("order = %+v, want one fulfillment and one refund", o)
	}
	if got := len(f.events(t)); got != 4 {
		t.Errorf("%d events, want 2 creates and 2 updates", got)
	}
}

func TestCancel(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("nothing shipped", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		if _, err := f.svc.Fulfill(ctx, "ord_1", orders.FulfillmentInput{ID: "ful_1", Status: model.FulfillmentPending}); err != nil {
			t.Fatal(err)
		}
		o, err := f.svc.Cancel(ctx, "ord_1", orders.CancelInput{Reason: "out_of_stock"})
		if err != nil {
			t.Fatal(err)
		}
		if o.Status != model.OrderCanceled || o.Lines[0].Current != 0 || o.Fulfillments[0].Status != model.FulfillmentCanceled {
			t.Errorf("order = %+v", o)
		}
		last := o.Adjustments[len(o.Adjustments)-1]
		if last.Type != model.AdjustmentCancellation || len(last.Lines) != 2 || last.Reason != "out_of_stock" {
			t.Errorf("cancellation = %+v", last)
		}
		again, err := f.svc.Cancel(ctx, "ord_1", orders.CancelInput{})
		if err != nil || len(again.Adjustments) != len(o.Adjustments) {
			t.Errorf("cancel again = %+v, %v; want the order unchanged", again, err)
		}
		_, err = f.svc.Fulfill(ctx, "ord_1", orders.FulfillmentInput{})
		wantAPIError(t, err, http.StatusConflict, orders.CodeOrderCanceled, "")
	})
	t.Run("partly shipped", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		if _, err := f.svc.Fulfill(ctx, "ord_1", orders.FulfillmentInput{Lines: []model.LineQuantity{{ID: "li_mug", Quantity: 1}}}); err != nil {
			t.Fatal(err)
		}
		o, err := f.svc.Cancel(ctx, "ord_1", orders.CancelInput{})
		if err != nil {
			t.Fatal(err)
		}
		if o.Status != model.OrderShipped || o.Lines[0].Current != 1 || o.Lines[1].Current != 0 || o.Lines[1].Status() != "removed" {
			t.Errorf("order = %+v, want what was shipped kept", o)
		}
	})
	t.Run("all shipped", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		if _, err := f.svc.Fulfill(ctx, "ord_1", orders.FulfillmentInput{}); err != nil {
			t.Fatal(err)
		}
		_, err := f.svc.Cancel(ctx, "ord_1", orders.CancelInput{})
		wantAPIError(t, err, http.StatusConflict, orders.CodeAlreadyFulfilled, "")
		_, err = f.svc.Fulfill(ctx, "ord_1", orders.FulfillmentInput{})
		wantAPIError(t, err, http.StatusConflict, orders.CodeNothingToShip, "$.line_items")
	})
}

// TestRecordProcessorAdjustment: refunds reported again or out of order
// are recorded once, and the cumulative refunded amount never goes down.
func TestRecordProcessorAdjustment(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	for _, amount := range []int64{800, 300, 800} {
		if _, err := f.svc.RecordProcessorAdjustment(ctx, "pay_1", model.Adjustment{ID: "ch_1:refunds", Type: "refund", Status: "completed", Amount: amount, Currency: "usd"}); err != nil {
			t.Fatal(err)
		}
	}
	o, err := f.svc.RecordProcessorAdjustment(ctx, "pay_1", model.Adjustment{ID: "dp_1", Type: "dispute", Status: "pending", Amount: 1099, Currency: "usd"})
	if err != nil || len(o.Adjustments) != 2 || o.AmountRefunded != 800 {
		t.Fatalf("order = %+v, %v; want one refund of 800 and one dispute", o, err)
	}
	if got := len(f.events(t)); got != 4 {
		t.Errorf("%d events, want 2 creates, then an update for the refund and one for the dispute", got)
	}
	if _, err := f.svc.RecordProcessorAdjustment(ctx, "pay_unknown", model.Adjustment{ID: "x"}); !errors.Is(err, orders.ErrUnknownPayment) {
		t.Errorf("unknown payment: %v", err)
	}
}

// markDead moves a pending webhook event to the dead ones, as delivery
// does after its last attempt (20, answered 503).
func markDead(t *testing.T, st store.Store, ev *model.WebhookEvent) {
	t.Helper()
	err := st.Update(context.Background(), func(tx store.Tx) error {
		if err := tx.DeleteWebhookEvent(ev); err != nil {
			return err
		}
		ev.State, ev.Attempts, ev.LastStatus = model.EventDead, 20, 503
		return tx.PutWebhookEvent(ev)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestRequeue: a dead event goes back to the queue with the order as it
// is now and its id kept; an unknown id is refused.
func TestRequeue(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	pending, _ := orders.Events(ctx, f.st, model.EventPending, 10)
	dead := pending[0]
	markDead(t, f.st, dead)
	if _, err := f.svc.Fulfill(ctx, "ord_1", orders.FulfillmentInput{}); err != nil {
		t.Fatal(err)
	}
	_, err := f.outbox.Requeue(ctx, f.st, []string{dead.ID, "evt_unknown"})
	wantAPIError(t, err, http.StatusNotFound, apierr.CodeNotFound, "")
	if still, _ := orders.Events(ctx, f.st, model.EventDead, 10); len(still) != 1 {
		t.Errorf("a refused re-queue moved events: %d dead left, want 1", len(still))
	}
	n, err := f.outbox.Requeue(ctx, f.st, nil)
	if err != nil || n != 1 {
		t.Fatalf("requeue = %d, %v", n, err)
	}
	want := []string{"creates:order_create:created", "all:order_update:shipped", "all:order_create:shipped"}
	if diff := cmp.Diff(want, f.events(t)); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	list, _ := orders.Events(ctx, f.st, model.EventPending, 10)
	if back := list[2]; back.ID != dead.ID || back.Attempts != 0 || back.Seq <= list[1].Seq {
		t.Errorf("requeued event = %+v", back)
	}
	if deadNow, _ := orders.Events(ctx, f.st, model.EventDead, 10); len(deadNow) != 0 {
		t.Errorf("dead events left: %d", len(deadNow))
	}
}

// TestFailedFulfillmentRevertsStatus: when the only fulfillment fails, the
// order no longer claims to be shipped.
func TestFailedFulfillmentRevertsStatus(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	if o, err := f.svc.Fulfill(ctx, "ord_1", orders.FulfillmentInput{ID: "ful_1"}); err != nil || o.Status != model.OrderShipped {
		t.Fatalf("ship = %+v, %v", o, err)
	}
	o, err := f.svc.Fulfill(ctx, "ord_1", orders.FulfillmentInput{ID: "ful_1", Status: model.FulfillmentFailed})
	if err != nil || o.Status != model.OrderConfirmed || o.Lines[0].Fulfilled != 0 || o.Fulfillments[0].Events[1].Type != "undeliverable" {
		t.Fatalf("after failure = %+v, %v", o, err)
	}
	// The items can go out again in a new fulfillment.
	if o, err := f.svc.Fulfill(ctx, "ord_1", orders.FulfillmentInput{}); err != nil || o.Status != model.OrderShipped {
		t.Fatalf("ship again = %+v, %v", o, err)
	}
}

// TestRequeueManyPages: re-queuing every dead event works past one
// transaction's page.
func TestRequeueManyPages(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	const n = 250
	err := f.st.Update(ctx, func(tx store.Tx) error {
		for i := range n {
			e := &model.WebhookEvent{ID: fmt.Sprintf("evt_%d", i), Agent: "agent", Target: "all", OrderID: "ord_1", Type: model.EventOrderUpdate, APIVersion: acpwire.V20260417, State: model.EventDead}
			if err := tx.PutWebhookEvent(e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := f.outbox.Requeue(ctx, f.st, []string{"evt_7", "evt_249"}); err != nil || got != 2 {
		t.Fatalf("requeue two = %d, %v", got, err)
	}
	if got, err := f.outbox.Requeue(ctx, f.st, nil); err != nil || got != n-2 {
		t.Fatalf("requeue all = %d, %v", got, err)
	}
	if pending, _ := orders.Events(ctx, f.st, model.EventPending, 1000); len(pending) != n+2 {
		t.Errorf("%d pending, want %d", len(pending), n+2)
	}
}

// orderSystem is a fulfillment capability whose CancelOrder answers err
// and records what it was asked.
type orderSystem struct {
	err      error
	canceled []fulfillment.CancelOrderRequest
}

func (o *orderSystem) PlaceOrder(context.Context, *fulfillment.PlaceOrderRequest) (*fulfillment.PlaceOrderResponse, error) {
	return &fulfillment.PlaceOrderResponse{}, nil
}

func (o *orderSystem) CancelOrder(_ context.Context, req *fulfillment.CancelOrderRequest) error {
	o.canceled = append(o.canceled, *req)
	return o.err
}

// A cancellation goes to the order system first; a refusal (409) or an
// outage (503) changes nothing here.
func TestCancelGoesToTheOrderSystemFirst(t *testing.T) {
	t.Parallel()
	testCases := map[string]struct {
		err        error
		wantStatus int
		wantCode   string
	}{
		"accepted":  {wantStatus: http.StatusOK},
		"refused":   {err: acp.Downstream(errors.New("already shipped")), wantStatus: http.StatusConflict, wantCode: orders.CodeCancelRefused},
		"down":      {err: acp.Retryable(errors.New("intake answered 503")), wantStatus: http.StatusServiceUnavailable, wantCode: apierr.CodeUpstreamUnavailable},
		"transport": {err: errors.New("plugin unavailable"), wantStatus: http.StatusServiceUnavailable, wantCode: apierr.CodeUpstreamUnavailable},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			system := &orderSystem{err: tc.err}
			svc := orders.New(f.st, f.outbox, f.clock.Now, system)
			before := f.events(t)
			o, err := svc.Cancel(context.Background(), "ord_1", orders.CancelInput{Reason: "customer_request"})
			if len(system.canceled) != 1 || system.canceled[0] != (fulfillment.CancelOrderRequest{OrderID: "ord_1", Reason: "customer_request"}) {
				t.Errorf("order system asked %+v, want one cancel of ord_1", system.canceled)
			}
			if tc.wantStatus == http.StatusOK {
				if err != nil || o.Status != model.OrderCanceled {
					t.Fatalf("Cancel() = %+v, %v", o, err)
				}
				return
			}
			var ae *apierr.Error
			if !errors.As(err, &ae) || ae.Status != tc.wantStatus || ae.Code != tc.wantCode {
				t.Fatalf("Cancel() error = %v, want %d %s", err, tc.wantStatus, tc.wantCode)
			}
			got, err := svc.Get(context.Background(), "ord_1")
			if err != nil || got.Status != model.OrderCreated {
				t.Errorf("order after a failed cancel = %+v, %v; want it unchanged", got, err)
			}
			if diff := cmp.Diff(before, f.events(t)); diff != "" {
				t.Errorf("events changed (-before +after):\n%s", diff)
			}
		})
	}
}
