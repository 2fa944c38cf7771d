package acpwire

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/internal/acpschema"
)

var (
	allVersions     = []string{V20260417, V20260130, V20260116, V20251212, V20250929}
	orderEventTypes = []string{model.EventOrderCreate, model.EventOrderUpdate}
	orderPlacedAt   = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
)

// orderCase is an order in some state, with what its legacy webhook and
// 2026-01-30 session shapes must say about it.
type orderCase struct {
	order func() *model.Order
	// wantLegacyStatus and wantRefunds are the legacy webhook's
	// data.status and data.refunds.
	wantLegacyStatus string
	wantRefunds      []legacyRefundJSON
	// want0130Status is the 2026-01-30 session order's status ("" when
	// it is left out).
	want0130Status string
}

// baseOrder is an order just placed: two mugs to ship and an ebook.
func baseOrder() *model.Order {
	return &model.Order{
		ID: "ord_1", CheckoutSessionID: "cs_1", PermalinkURL: "https://shop.test/orders/ord_1", Status: model.OrderCreated,
		OrderNumber: "1001", Currency: "usd", Total: 4529,
		Totals: model.Totals{ItemsBaseAmount: 3999, Subtotal: 3999, Fulfillment: 500, Tax: 30, Total: 4529},
		Lines: []model.OrderLine{
			{ID: "li_mug", ProductID: "mug", Title: "Classic mug", ImageURL: "https://shop.test/mug.jpg", Ordered: 2, Current: 2, UnitPrice: 1500, Subtotal: 3000},
			{ID: "li_ebook", ProductID: "ebook", Title: "Brewing guide", Ordered: 1, Current: 1, UnitPrice: 999, Subtotal: 999},
		},
		PaymentID: "pi_1", HandlerID: "card", OrderNotes: "Leave at the door", Agent: "agent", APIVersion: V20260417, CreatedAt: orderPlacedAt,
	}
}

func at(hours int) time.Time { return orderPlacedAt.Add(time.Duration(hours) * time.Hour) }

// shipment is a shipping fulfillment of n mugs with tracking and events.
func shipment(status string, n int64) model.Fulfillment {
	f := model.Fulfillment{
		ID: "ful_ship", Type: "shipping", Status: status, Lines: []model.LineQuantity{{ID: "li_mug", Quantity: n}},
		Carrier: "USPS", TrackingNumber: "9400111899223456789012", TrackingURL: "https://tools.usps.com/track?n=9400111899223456789012",
		Events: []model.FulfillmentEvent{
			{ID: "evt_1", Type: "processing", OccurredAt: at(1)},
			{ID: "evt_2", Type: "shipped", OccurredAt: at(20), Description: "Handed to USPS", Location: "San Francisco, CA"},
		},
	}
	if status == model.FulfillmentDelivered {
		f.Events = append(f.Events, model.FulfillmentEvent{ID: "evt_3", Type: "delivered", OccurredAt: at(70), Description: "Left at front door"})
	}
	return f
}

// download is the ebook's digital fulfillment.
func download(status string) model.Fulfillment {
	expires := at(24 * 365)
	return model.Fulfillment{
		ID: "ful_dl", Type: "digital", Status: status, Lines: []model.LineQuantity{{ID: "li_ebook", Quantity: 1}},
		Description: "Sent by email",
		Digital:     &model.DigitalDelivery{AccessURL: "https://shop.test/downloads/ebook?token=abc", LicenseKey: "KEY-123", ExpiresAt: &expires},
		Events:      []model.FulfillmentEvent{{ID: "evt_d1", Type: "delivered", OccurredAt: at(0)}},
	}
}

// delivered is baseOrder with everything delivered.
func delivered() *model.Order {
	o := baseOrder()
	o.Status = model.OrderCompleted
	o.Lines[0].Fulfilled, o.Lines[1].Fulfilled = 2, 1
	o.Fulfillments = []model.Fulfillment{shipment(model.FulfillmentDelivered, 2), download(model.FulfillmentDelivered)}
	return o
}

func adjustment(id, typ, status string, amount int64) model.Adjustment {
	return model.Adjustment{ID: id, Type: typ, Status: status, Amount: amount, Currency: "usd", OccurredAt: at(100)}
}

var orderCases = map[string]orderCase{
	"just created": {
		order:            baseOrder,
		wantLegacyStatus: "created", wantRefunds: []legacyRefundJSON{}, want0130Status: "confirmed",
	},
	"partially shipped": {
		order: func() *model.Order {
			o := baseOrder()
			o.Status = model.OrderProcessing
			o.Lines[0].Fulfilled = 1
			o.Fulfillments = []model.Fulfillment{shipment(model.FulfillmentShipped, 1)}
			return o
		},
		wantLegacyStatus: "confirmed", wantRefunds: []legacyRefundJSON{}, want0130Status: "processing",
	},
	"shipped": {
		order: func() *model.Order {
			o := baseOrder()
			o.Status = model.OrderShipped
			o.Lines[0].Fulfilled, o.Lines[1].Fulfilled = 2, 1
			o.Fulfillments = []model.Fulfillment{shipment(model.FulfillmentInTransit, 2), download(model.FulfillmentDelivered)}
			return o
		},
		wantLegacyStatus: "shipped", wantRefunds: []legacyRefundJSON{}, want0130Status: "shipped",
	},
	"fully delivered": {
		order:            delivered,
		wantLegacyStatus: "fulfilled", wantRefunds: []legacyRefundJSON{}, want0130Status: "delivered",
	},
	"partially refunded": {
		order: func() *model.Order {
			o := delivered()
			refund := adjustment("re_1", model.AdjustmentRefund, model.AdjustmentCompleted, 1500)
			refund.Lines, refund.Description, refund.Reason = []model.LineQuantity{{ID: "li_mug", Quantity: 1}}, "Chipped mug", "defective"
			o.Adjustments = []model.Adjustment{refund, adjustment("re_2", model.AdjustmentRefund, model.AdjustmentPending, 200)}
			o.AmountRefunded = 1500
			return o
		},
		wantLegacyStatus: "fulfilled", wantRefunds: []legacyRefundJSON{{Type: "original_payment", Amount: 1500}}, want0130Status: "delivered",
	},
	"fully refunded": {
		order: func() *model.Order {
			o := delivered()
			o.Adjustments = []model.Adjustment{
				adjustment("re_1", model.AdjustmentRefund, model.AdjustmentFailed, 4529),
				adjustment("re_2", model.AdjustmentRefund, model.AdjustmentCompleted, 4029),
				adjustment("cr_1", model.AdjustmentCredit, model.AdjustmentCompleted, 500),
				adjustment("dp_1", model.AdjustmentDispute, model.AdjustmentPending, 4529),
			}
			o.Adjustments[2].Currency = "" // the order's currency applies
			o.AmountRefunded = 4029
			return o
		},
		wantLegacyStatus: "fulfilled",
		wantRefunds:      []legacyRefundJSON{{Type: "original_payment", Amount: 4029}, {Type: "store_credit", Amount: 500}},
		want0130Status:   "delivered",
	},
	"canceled": {
		order: func() *model.Order {
			o := baseOrder()
			o.Status = model.OrderCanceled
			o.Lines[0].Current, o.Lines[1].Current = 0, 0
			cancellation := adjustment("can_1", model.AdjustmentCancellation, model.AdjustmentCompleted, 0)
			cancellation.Lines = []model.LineQuantity{{ID: "li_mug", Quantity: 2}, {ID: "li_ebook", Quantity: 1}}
			cancellation.Reason = "buyer_request"
			o.Adjustments = []model.Adjustment{cancellation, adjustment("re_1", model.AdjustmentRefund, model.AdjustmentCompleted, 4529)}
			o.AmountRefunded = 4529
			return o
		},
		wantLegacyStatus: "canceled", wantRefunds: []legacyRefundJSON{{Type: "original_payment", Amount: 4529}},
	},
	"digital only": {
		order: func() *model.Order {
			o := baseOrder()
			o.Status = model.OrderCompleted
			o.Lines = o.Lines[1:]
			o.Lines[0].Fulfilled = 1
			o.Totals = model.Totals{ItemsBaseAmount: 999, Subtotal: 999, Tax: 50, Total: 1049}
			o.Total = 1049
			o.Fulfillments = []model.Fulfillment{download(model.FulfillmentDelivered)}
			return o
		},
		wantLegacyStatus: "fulfilled", wantRefunds: []legacyRefundJSON{}, want0130Status: "delivered",
	},
	"manual review, local delivery": {
		order: func() *model.Order {
			o := baseOrder()
			o.Status = model.OrderManualReview
			o.Fulfillments = []model.Fulfillment{{ID: "ful_local", Type: "local_delivery", Status: model.FulfillmentPending,
				Lines: []model.LineQuantity{{ID: "li_mug", Quantity: 2}, {ID: "li_gone", Quantity: 0}}}}
			return o
		},
		wantLegacyStatus: "manual_review", wantRefunds: []legacyRefundJSON{}, want0130Status: "confirmed",
	},
	"relative urls": {
		order: func() *model.Order {
			o := baseOrder()
			o.Status = model.OrderShipped
			o.Lines[0].ImageURL = "/images/mug.jpg"
			o.Lines[0].Fulfilled, o.Lines[1].Fulfilled = 2, 1
			ship, dl := shipment(model.FulfillmentShipped, 2), download(model.FulfillmentDelivered)
			ship.TrackingURL = "track?n=1"
			dl.Digital = &model.DigitalDelivery{AccessURL: "downloads/ebook"}
			o.Fulfillments = []model.Fulfillment{ship, dl}
			return o
		},
		wantLegacyStatus: "shipped", wantRefunds: []legacyRefundJSON{}, want0130Status: "shipped",
	},
	"confirmed": {
		order: func() *model.Order {
			o := baseOrder()
			o.Status = model.OrderConfirmed
			return o
		},
		wantLegacyStatus: "confirmed", wantRefunds: []legacyRefundJSON{}, want0130Status: "confirmed",
	},
	"unknown status": {
		order: func() *model.Order {
			o := baseOrder()
			o.Status = "on_hold"
			return o
		},
		wantLegacyStatus: "confirmed", wantRefunds: []legacyRefundJSON{}, want0130Status: "confirmed",
	},
	"stored before line tracking": {
		order: func() *model.Order {
			return &model.Order{ID: "ord_old", CheckoutSessionID: "cs_old", PermalinkURL: "https://shop.test/orders/ord_old", Currency: "usd", Total: 1869}
		},
		wantLegacyStatus: "created", wantRefunds: []legacyRefundJSON{}, want0130Status: "confirmed",
	},
}

// TestEncodeOrderEvent encodes every order case for every version and
// event type, validates the body against that version's webhook schema,
// and checks the legacy mapping values.
func TestEncodeOrderEvent(t *testing.T) {
	t.Parallel()
	for name, tc := range orderCases {
		for _, version := range allVersions {
			t.Run(name+"/"+version, func(t *testing.T) {
				t.Parallel()
				v := acpschema.Webhook(t, version)
				for _, eventType := range orderEventTypes {
					o := tc.order()
					body, err := EncodeOrderEvent(version, eventType, o)
					if err != nil {
						t.Fatal(err)
					}
					v.Event(t, body)
					if version == V20260417 {
						checkEvent0417(t, eventType, o, body)
						continue
					}
					var got struct {
						Type string               `json:"type"`
						Data legacyEventOrderJSON `json:"data"`
					}
					if err := json.Unmarshal(body, &got); err != nil {
						t.Fatal(err)
					}
					want := legacyEventOrderJSON{Type: "order", CheckoutSessionID: o.CheckoutSessionID, PermalinkURL: o.PermalinkURL, Status: tc.wantLegacyStatus, Refunds: tc.wantRefunds}
					if got.Type != eventType || !reflect.DeepEqual(got.Data, want) {
						t.Errorf("%s event = %s %+v\nwant %s %+v", eventType, got.Type, got.Data, eventType, want)
					}
				}
			})
		}
	}
}

// checkEvent0417 checks a 2026-04-17 event: its data is the session's
// order plus "type": "order", without the JSON-Schema-only order notes.
func checkEvent0417(t *testing.T, eventType string, o *model.Order, body []byte) {
	t.Helper()
	var got struct {
		Type string         `json:"type"`
		Data map[string]any `json:"data"`
	}
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	if got.Type != eventType || got.Data["type"] != "order" || got.Data["id"] != o.ID || got.Data["status"] == nil {
		t.Errorf("event = %s", body)
	}
	if strings.Contains(string(body), "order_notes") {
		t.Errorf("webhook carries the JSON-Schema-only order_notes: %s", body)
	}
	session := encodeOrder0417(o, true)
	session.Type = "order"
	if session.Confirmation != nil {
		session.Confirmation.OrderNotes = ""
	}
	var want map[string]any
	_ = json.Unmarshal(mustJSON(session), &want)
	if !reflect.DeepEqual(got.Data, want) {
		t.Errorf("webhook order differs from the session's:\n%v\n%v", got.Data, want)
	}
}

// TestEncodeOrderEventErrors: unknown versions, event types outside a
// closed enum, and no order are refused; 2026-04-17's event type is open.
func TestEncodeOrderEventErrors(t *testing.T) {
	t.Parallel()
	testCases := map[string]struct {
		version, eventType string
		order              *model.Order
		wantErr            string
	}{
		"unknown version":        {"2026-02-01", model.EventOrderCreate, baseOrder(), "unknown API version"},
		"no version":             {"", model.EventOrderCreate, baseOrder(), "unknown API version"},
		"legacy other event":     {V20260130, "order_refund", baseOrder(), "defines only the event types"},
		"legacy no event":        {V20250929, "", baseOrder(), "defines only the event types"},
		"no event type":          {V20260417, "", baseOrder(), "no event type"},
		"no order":               {V20260417, model.EventOrderCreate, nil, "no order"},
		"open event type 0417":   {V20260417, "order_refund", baseOrder(), ""},
		"legacy order_update ok": {V20251212, model.EventOrderUpdate, baseOrder(), ""},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			body, err := EncodeOrderEvent(tc.version, tc.eventType, tc.order)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				acpschema.Webhook(t, tc.version).Event(t, body)
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) || body != nil {
				t.Errorf("EncodeOrderEvent() = %s, %v; want an error with %q", body, err, tc.wantErr)
			}
		})
	}
}

// sessionOrder0417 is the order of a 2026-04-17 session response, decoded.
type sessionOrder0417 struct {
	Status       string `json:"status"`
	Confirmation *struct {
		ConfirmationNumber string `json:"confirmation_number"`
		OrderNotes         string `json:"order_notes"`
	} `json:"confirmation"`
	LineItems []struct {
		ID       string `json:"id"`
		Title    string `json:"title"`
		ImageURL string `json:"image_url"`
		Quantity struct {
			Ordered   *int64 `json:"ordered"`
			Current   *int64 `json:"current"`
			Fulfilled *int64 `json:"fulfilled"`
		} `json:"quantity"`
		UnitPrice int64  `json:"unit_price"`
		Subtotal  int64  `json:"subtotal"`
		Status    string `json:"status"`
	} `json:"line_items"`
	Fulfillments []struct {
		ID              string `json:"id"`
		Type            string `json:"type"`
		TrackingURL     string `json:"tracking_url"`
		DigitalDelivery *struct {
			AccessURL string `json:"access_url"`
		} `json:"digital_delivery"`
		LineItems []json.RawMessage `json:"line_items"`
		Events    []json.RawMessage `json:"events"`
	} `json:"fulfillments"`
	Adjustments []struct {
		ID       string `json:"id"`
		Amount   int64  `json:"amount"`
		Currency string `json:"currency"`
	} `json:"adjustments"`
	Totals []totalJSON `json:"totals"`
}

// members0130 are the members of 2026-01-30's Order this server sends.
var members0130 = []string{"id", "checkout_session_id", "order_number", "permalink_url", "status", "confirmation"}

// TestSessionOrders encodes completed sessions carrying each order case
// under 2026-04-17 and 2026-01-30, validates them against the version's
// CheckoutSessionWithOrder, and checks that the 2026-04-17 order says
// what the model says (line quantities and statuses, totals) and that
// 2026-01-30 keeps to its closed Order.
func TestSessionOrders(t *testing.T) {
	t.Parallel()
	for name, tc := range orderCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			o := tc.order()
			s := testSession()
			s.Status, s.Order = model.StatusCompleted, o

			for _, version := range []string{V20260417, V20260130} {
				c, _ := New(version, testSeller, DefaultLimits)
				data, err := c.EncodeSession(s)
				if err != nil {
					t.Fatal(err)
				}
				acpschema.For(t, version).Response(t, acpschema.CompletedSession, data)
				var resp struct {
					Order json.RawMessage `json:"order"`
				}
				if err := json.Unmarshal(data, &resp); err != nil {
					t.Fatal(err)
				}
				if version == V20260130 {
					var got map[string]any
					_ = json.Unmarshal(resp.Order, &got)
					status, _ := got["status"].(string)
					if status != tc.want0130Status || strings.Contains(string(resp.Order), "order_notes") {
						t.Errorf("2026-01-30 order = %s, want status %q and no order notes", resp.Order, tc.want0130Status)
					}
					for member := range got {
						if !slices.Contains(members0130, member) {
							t.Errorf("2026-01-30 order has %s: %s", member, resp.Order)
						}
					}
					continue
				}
				checkSessionOrder0417(t, o, resp.Order)
			}
		})
	}
}

// checkSessionOrder0417 is the round trip: the 2026-04-17 session order
// decoded again equals the model.
func checkSessionOrder0417(t *testing.T, o *model.Order, raw json.RawMessage) {
	t.Helper()
	var got sessionOrder0417
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	wantStatus := o.Status
	if wantStatus == "" {
		wantStatus = model.OrderCreated
	}
	if got.Status != wantStatus {
		t.Errorf("status = %q, want %q", got.Status, wantStatus)
	}
	if o.OrderNumber != "" && (got.Confirmation == nil || got.Confirmation.ConfirmationNumber != o.OrderNumber || got.Confirmation.OrderNotes != o.OrderNotes) {
		t.Errorf("confirmation = %+v, want number %q and notes %q", got.Confirmation, o.OrderNumber, o.OrderNotes)
	}
	if len(got.LineItems) != len(o.Lines) {
		t.Fatalf("line_items = %s, want %d", raw, len(o.Lines))
	}
	for i, l := range o.Lines {
		g := got.LineItems[i]
		q := g.Quantity
		if g.ID != l.ID || g.Title != l.Title || g.ImageURL != absoluteURL(l.ImageURL) || g.UnitPrice != l.UnitPrice || g.Subtotal != l.Subtotal || g.Status != l.Status() ||
			q.Ordered == nil || *q.Ordered != l.Ordered || q.Current == nil || *q.Current != l.Current || q.Fulfilled == nil || *q.Fulfilled != l.Fulfilled {
			t.Errorf("line item %d = %+v, want %+v with status %s", i, g, l, l.Status())
		}
	}
	wantTotals := map[string]int64{"total": o.Total}
	if o.Totals != (model.Totals{}) {
		wantTotals["subtotal"], wantTotals["fulfillment"], wantTotals["tax"] = o.Totals.Subtotal, o.Totals.Fulfillment, o.Totals.Tax
	}
	if o.AmountRefunded > 0 {
		wantTotals["amount_refunded"] = o.AmountRefunded
	}
	gotTotals := map[string]int64{}
	for _, tot := range got.Totals {
		gotTotals[tot.Type] = tot.Amount
	}
	wantLast := "total"
	if o.AmountRefunded > 0 {
		wantLast = "amount_refunded"
	}
	if !reflect.DeepEqual(gotTotals, wantTotals) || got.Totals[len(got.Totals)-1].Type != wantLast {
		t.Errorf("totals = %+v, want %v", got.Totals, wantTotals)
	}
	if len(got.Fulfillments) != len(o.Fulfillments) || len(got.Adjustments) != len(o.Adjustments) {
		t.Fatalf("fulfillments/adjustments = %s", raw)
	}
	for i, f := range o.Fulfillments {
		g := got.Fulfillments[i]
		wantType := f.Type
		if wantType == "local_delivery" {
			wantType = "shipping"
		}
		var wantRefs int
		for _, lq := range f.Lines {
			if lq.Quantity > 0 {
				wantRefs++
			}
		}
		wantAccess := ""
		if f.Digital != nil {
			wantAccess = absoluteURL(f.Digital.AccessURL)
		}
		gotAccess := ""
		if g.DigitalDelivery != nil {
			gotAccess = g.DigitalDelivery.AccessURL
		}
		if g.ID != f.ID || g.Type != wantType || len(g.LineItems) != wantRefs || len(g.Events) != len(f.Events) ||
			g.TrackingURL != absoluteURL(f.TrackingURL) || gotAccess != wantAccess {
			t.Errorf("fulfillment %d = %+v, want %+v", i, g, f)
		}
	}
	for i, a := range o.Adjustments {
		if g := got.Adjustments[i]; g.ID != a.ID || g.Amount != a.Amount || g.Currency != "usd" {
			t.Errorf("adjustment %d = %+v, want %+v in usd", i, g, a)
		}
	}
}

// absoluteURL is what the order carries of a URL: it when it starts with
// https://, nothing otherwise (the test data uses no other schemes).
func absoluteURL(s string) string {
	if strings.HasPrefix(s, "https://") {
		return s
	}
	return ""
}
