package orders_test

import (
	"context"
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/acp-sidecar/acp/core/acpwire"
	"github.com/acp-sidecar/acp/core/internal/clocktest"
	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/orders"
	"github.com/acp-sidecar/acp/core/store"
	"github.com/acp-sidecar/acp/core/store/badgerstore"
	"github.com/acp-sidecar/acp/core/store/pgstore"
	"github.com/acp-sidecar/acp/core/ucpwire"
	"github.com/acp-sidecar/acp/internal/pgtest"
	"github.com/acp-sidecar/acp/internal/ucpschema"
)

const ucpWebhookURL = "https://platform.test/webhooks/ucp/orders"

// ucpStores opens each real store on a fresh directory or database.
var ucpStores = map[string]func(t *testing.T) store.Store{
	"badger": func(t *testing.T) store.Store {
		st, err := badgerstore.Open(badgerstore.Options{Dir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = st.Close() })
		return st
	},
	"postgres": func(t *testing.T) store.Store {
		st, err := pgstore.Open(context.Background(), pgstore.Options{DSN: pgtest.DSN(t), MigrateOnStart: true})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = st.Close() })
		return st
	},
}

// ucpFixture places, on st, order ord_u of agent "agent" made over UCP
// (two mugs, one ebook) whose platform gave webhookURL, with an outbox
// that has the agent's ACP targets too ("all" and "creates").
func ucpFixture(t *testing.T, st store.Store, webhookURL string) *fixture {
	t.Helper()
	f := &fixture{st: st, clock: clocktest.New(time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC))}
	targets := []orders.Target{{Agent: "agent", Name: "all"}, {Agent: "agent", Name: "creates", Events: []string{model.EventOrderCreate}}}
	f.outbox = orders.NewOutbox(targets, acpwire.EncodeOrderEvent, f.clock.Now, func() { f.woken++ }).WithUCP(ucpwire.OrderEventJSON)
	f.svc = orders.New(st, f.outbox, f.clock.Now, nil)
	ucp := &model.UCPContext{Profile: "https://platform.test/.well-known/ucp", OrderWebhookURL: webhookURL,
		Capabilities: map[string]string{"dev.ucp.shopping.checkout": "2026-04-08", "dev.ucp.shopping.order": "2026-04-08"}}
	o := &model.Order{
		ID: "ord_u", CheckoutSessionID: "cs_u", PermalinkURL: "https://shop.test/orders/ord_u", Status: model.OrderCreated,
		Currency: "usd", Total: 3000, PaymentID: "pay_u", Agent: "agent", APIVersion: "ucp/2026-04-08", UCP: ucp,
		Totals: model.Totals{ItemsBaseAmount: 2500, Subtotal: 2500, Fulfillment: 500, Total: 3000},
		Lines: []model.OrderLine{
			{ID: "li_mug", ItemID: "mug", Title: "Mug", Ordered: 2, Current: 2, UnitPrice: 1000, Subtotal: 2000},
			{ID: "li_book", ItemID: "ebook", Title: "Ebook", Ordered: 1, Current: 1, UnitPrice: 500, Subtotal: 500},
		},
		CreatedAt: f.clock.Now(),
	}
	err := st.Update(context.Background(), func(tx store.Tx) error {
		sess := &model.Session{ID: "cs_u", Agent: "agent", APIVersion: o.APIVersion, Status: model.StatusCompleted,
			ExpiresAt: f.clock.Now().Add(time.Hour), UCP: ucp, Order: o.SessionCopy()}
		if err := tx.PutSession(sess); err != nil {
			return err
		}
		return f.svc.Placed(tx, o)
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// ucpOrderSeen is what a UCP event body tells of the order.
type ucpOrderSeen struct {
	ID        string `json:"id"`
	EventID   string `json:"event_id"`
	LineItems []struct {
		ID       string `json:"id"`
		Quantity struct {
			Total     int64 `json:"total"`
			Fulfilled int64 `json:"fulfilled"`
		} `json:"quantity"`
		Status string `json:"status"`
	} `json:"line_items"`
	Fulfillment struct {
		Events []struct {
			Type string `json:"type"`
		} `json:"events"`
	} `json:"fulfillment"`
	Adjustments []struct {
		Type   string `json:"type"`
		Totals []struct {
			Amount int64 `json:"amount"`
		} `json:"totals"`
	} `json:"adjustments"`
}

// summary is one line per event: its type, then what the body shows
// of the order (each line's total/fulfilled and status, the fulfillment
// event types and the adjustments).
func (s ucpOrderSeen) summary(eventType string) string {
	out := eventType
	for _, l := range s.LineItems {
		out += " " + l.ID + "=" + itoa(l.Quantity.Fulfilled) + "/" + itoa(l.Quantity.Total) + ":" + l.Status
	}
	out += " events["
	for _, e := range s.Fulfillment.Events {
		out += e.Type + ";"
	}
	out += "] adjustments["
	for _, a := range s.Adjustments {
		out += a.Type
		for _, tot := range a.Totals {
			out += itoa(tot.Amount)
		}
		out += ";"
	}
	return out + "]"
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestUCPOrderEvents: on both stores, a UCP order's placement and every
// change after it (shipping, delivery, a refund, a cancellation of the
// rest) each enqueue one UCP event for the platform's webhook URL, in
// order, each with the full order as it was then; the agent's ACP targets
// get none.
func TestUCPOrderEvents(t *testing.T) {
	t.Parallel()
	for name, open := range ucpStores {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			f := ucpFixture(t, open(t), ucpWebhookURL)
			steps := []func() (*model.Order, error){
				func() (*model.Order, error) {
					return f.svc.Fulfill(ctx, "ord_u", orders.FulfillmentInput{ID: "ful_1", Lines: []model.LineQuantity{{ID: "li_mug", Quantity: 1}},
						Carrier: "USPS", TrackingNumber: "9400", TrackingURL: "https://track.test/9400"})
				},
				func() (*model.Order, error) {
					return f.svc.Fulfill(ctx, "ord_u", orders.FulfillmentInput{ID: "ful_1", Status: model.FulfillmentDelivered})
				},
				func() (*model.Order, error) {
					return f.svc.Adjust(ctx, "ord_u", orders.AdjustmentInput{ID: "re_1", Amount: 1000, Lines: []model.LineQuantity{{ID: "li_mug", Quantity: 1}}})
				},
				func() (*model.Order, error) {
					return f.svc.Cancel(ctx, "ord_u", orders.CancelInput{Reason: "out_of_stock"})
				},
			}
			for i, step := range steps {
				f.clock.Advance(time.Minute)
				if _, err := step(); err != nil {
					t.Fatalf("step %d: %v", i, err)
				}
			}
			list, err := orders.Events(ctx, f.st, model.EventPending, 100)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			var lastSeq uint64
			for _, e := range list {
				if e.Agent != "agent" || e.Target != model.TargetUCP || e.Protocol != model.ProtocolUCP || e.URL != ucpWebhookURL ||
					e.OrderID != "ord_u" || e.APIVersion != "ucp/2026-04-08" {
					t.Errorf("event %s = %+v; want agent's UCP event for %s", e.ID, e, ucpWebhookURL)
				}
				if e.Seq <= lastSeq {
					t.Errorf("event %s has Seq %d after %d", e.ID, e.Seq, lastSeq)
				}
				lastSeq = e.Seq
				var seen ucpOrderSeen
				if err := json.Unmarshal(e.Payload, &seen); err != nil {
					t.Fatalf("event %s: %v", e.ID, err)
				}
				if seen.ID != "ord_u" || seen.EventID != e.ID {
					t.Errorf("event %s's body names order %q and event %q", e.ID, seen.ID, seen.EventID)
				}
				checkUCPOrderBody(t, e.Payload)
				got = append(got, seen.summary(e.Type))
			}
			want := []string{
				"order_create li_mug=0/2:processing li_book=0/1:processing events[] adjustments[]",
				"order_update li_mug=1/2:partial li_book=0/1:processing events[shipped;] adjustments[]",
				"order_update li_mug=1/2:partial li_book=0/1:processing events[shipped;delivered;] adjustments[]",
				"order_update li_mug=1/2:partial li_book=0/1:processing events[shipped;delivered;] adjustments[refund-1000;]",
				"order_update li_mug=1/1:fulfilled li_book=0/0:removed events[shipped;delivered;] adjustments[refund-1000;cancellation;]",
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("UCP events (-want +got):\n%s", diff)
			}
		})
	}
}

// TestUCPOrderWithoutWebhook: a UCP order whose platform gave no order
// webhook URL makes no event at all, UCP or ACP.
func TestUCPOrderWithoutWebhook(t *testing.T) {
	t.Parallel()
	f := ucpFixture(t, ucpStores["badger"](t), "")
	if _, err := f.svc.Fulfill(context.Background(), "ord_u", orders.FulfillmentInput{}); err != nil {
		t.Fatal(err)
	}
	if list, _ := orders.Events(context.Background(), f.st, model.EventPending, 10); len(list) != 0 {
		t.Errorf("events = %+v; want none", list)
	}
}

// TestACPOrderBesideUCP: with UCP events on, an order placed over ACP
// still goes to the agent's ACP targets only, in ACP's shape.
func TestACPOrderBesideUCP(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.outbox.WithUCP(ucpwire.OrderEventJSON)
	if _, err := f.svc.Fulfill(context.Background(), "ord_1", orders.FulfillmentInput{}); err != nil {
		t.Fatal(err)
	}
	want := []string{"all:order_create:created", "creates:order_create:created", "all:order_update:shipped"}
	if diff := cmp.Diff(want, f.events(t)); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}

// TestRequeueUCPEvent: on both stores, a dead UCP event goes back to the
// queue with its id, target and URL, its body the order as it is now in
// UCP's shape, carrying the event's id and the re-queue's time.
func TestRequeueUCPEvent(t *testing.T) {
	t.Parallel()
	for name, open := range ucpStores {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			f := ucpFixture(t, open(t), ucpWebhookURL)
			pending, err := orders.Events(ctx, f.st, model.EventPending, 10)
			if err != nil || len(pending) != 1 {
				t.Fatalf("pending = %v, %v", pending, err)
			}
			dead := pending[0]
			markDead(t, f.st, dead)
			f.clock.Advance(time.Hour)
			if _, err := f.svc.Fulfill(ctx, "ord_u", orders.FulfillmentInput{}); err != nil {
				t.Fatal(err)
			}
			if n, err := f.outbox.Requeue(ctx, f.st, []string{dead.ID}); err != nil || n != 1 {
				t.Fatalf("requeue = %d, %v", n, err)
			}
			list, err := orders.Events(ctx, f.st, model.EventPending, 10)
			if err != nil || len(list) != 2 {
				t.Fatalf("pending after requeue = %v, %v", list, err)
			}
			back := list[1]
			if back.ID != dead.ID || back.Type != model.EventOrderCreate || back.Target != model.TargetUCP || back.Protocol != model.ProtocolUCP ||
				back.URL != ucpWebhookURL || back.Attempts != 0 || back.Seq <= list[0].Seq {
				t.Errorf("re-queued event = %+v", back)
			}
			var body struct {
				EventID     string `json:"event_id"`
				CreatedTime string `json:"created_time"`
				ucpOrderSeen
			}
			if err := json.Unmarshal(back.Payload, &body); err != nil {
				t.Fatal(err)
			}
			checkUCPOrderBody(t, back.Payload)
			if body.EventID != dead.ID || body.CreatedTime != f.clock.Now().UTC().Format(time.RFC3339) {
				t.Errorf("re-queued body's event_id %q, created_time %q; want %q at %s", body.EventID, body.CreatedTime, dead.ID, f.clock.Now())
			}
			if got := body.summary(back.Type); got != "order_create li_mug=2/2:fulfilled li_book=1/1:fulfilled events[shipped;] adjustments[]" {
				t.Errorf("re-queued body shows %s; want the order as it is now", got)
			}
		})
	}
}

// checkUCPOrderBody validates an event body against UCP's order schema
// (the webhook's request body is the order entity).
func checkUCPOrderBody(t *testing.T, body []byte) {
	t.Helper()
	ucpschema.Response(t, "shopping/order.json", body)
}
