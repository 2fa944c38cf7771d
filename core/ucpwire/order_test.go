package ucpwire

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/ucp"
	"github.com/acp-sidecar/acp/internal/testkit"
	"github.com/acp-sidecar/acp/internal/ucpschema"
	"github.com/acp-sidecar/acp/sdk/acp"
)

// austin is the destination of the spec's order examples.
var austin = &acp.Address{LineOne: "123 Main St", City: "Austin", State: "TX", Country: "US", PostalCode: "78701"}

func orderAt(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// exampleOrders are the orders the spec's examples show, as the model
// holds them, by page: order.md's (shoes delivered and partly refunded,
// shirts backordered) and the REST and MCP bindings' (shoes delivered).
var exampleOrders = map[string]*model.Order{
	"order.md": {
		ID: "order_abc123", CheckoutSessionID: "checkout_xyz789", PermalinkURL: "https://business.example.com/orders/abc123",
		Currency: "usd", Total: 15342, Totals: model.Totals{ItemsBaseAmount: 13000, Subtotal: 13000, Fulfillment: 1200, Tax: 1142, Total: 15342},
		Lines: []model.OrderLine{
			{ID: "li_shoes", ItemID: "prod_shoes", Title: "Running Shoes", UnitPrice: 3000, Ordered: 3, Current: 3, Fulfilled: 3, Subtotal: 9000},
			{ID: "li_shirts", ItemID: "prod_shirts", Title: "Cotton T-Shirt", UnitPrice: 2000, Ordered: 2, Current: 2, Subtotal: 4000},
		},
		Fulfillments: []model.Fulfillment{
			{ID: "exp_1", Type: "shipping", Status: model.FulfillmentDelivered, Lines: []model.LineQuantity{{ID: "li_shoes", Quantity: 3}},
				Destination: austin, Description: "Arrives in 2-3 business days", TrackingNumber: "123456789", TrackingURL: "https://fedex.com/track/123456789",
				Events: []model.FulfillmentEvent{{ID: "evt_1", Type: "delivered", OccurredAt: orderAt("2025-01-08T10:30:00Z"), Description: "Delivered to front door"}}},
			{ID: "exp_2", Type: "shipping", Status: model.FulfillmentPending, Planned: true, Lines: []model.LineQuantity{{ID: "li_shirts", Quantity: 2}},
				Destination: austin, Description: "Backordered - ships Jan 15, arrives in 7-10 days"},
		},
		Adjustments: []model.Adjustment{{ID: "adj_1", Type: model.AdjustmentRefund, Status: model.AdjustmentCompleted, Amount: 3000, Currency: "usd",
			Lines: []model.LineQuantity{{ID: "li_shoes", Quantity: 1}}, OccurredAt: orderAt("2025-01-10T14:30:00Z"), Description: "Defective item"}},
		AmountRefunded: 3000, Agent: "platform", APIVersion: ucp.APIVersion(ucp.Version), UCP: &model.UCPContext{},
	},
	"order-rest.md": {
		ID: "order_abc123", CheckoutSessionID: "checkout_xyz789", PermalinkURL: "https://business.example.com/orders/abc123",
		Currency: "usd", Total: 4104, Totals: model.Totals{ItemsBaseAmount: 3000, Subtotal: 3000, Fulfillment: 800, Tax: 304, Total: 4104},
		Lines: []model.OrderLine{{ID: "li_shoes", ItemID: "prod_shoes", Title: "Running Shoes", UnitPrice: 3000, Ordered: 1, Current: 1, Fulfilled: 1, Subtotal: 3000}},
		Fulfillments: []model.Fulfillment{{ID: "exp_1", Type: "shipping", Status: model.FulfillmentDelivered, Lines: []model.LineQuantity{{ID: "li_shoes", Quantity: 1}},
			Destination: austin, Description: "Delivered", TrackingNumber: "1Z999AA10123456784", TrackingURL: "https://ups.com/track/1Z999AA10123456784",
			Events: []model.FulfillmentEvent{{ID: "evt_1", Type: "delivered", OccurredAt: orderAt("2026-01-08T10:30:00Z"), Description: "Delivered to front door"}}}},
		Agent: "platform", APIVersion: ucp.APIVersion(ucp.Version), UCP: &model.UCPContext{},
	},
}

func init() { exampleOrders["order-mcp.md"] = exampleOrders["order-rest.md"] }

// TestOrderExamples reproduces the order examples of order.md,
// order-rest.md and order-mcp.md (the MCP ones' structured content) from
// the orders they show: every member an example has, the encoder gives
// alike, but for what the model does not keep (a line's total, an
// expectation's fulfillable_on); and the not_found examples whole.
func TestOrderExamples(t *testing.T) {
	t.Parallel()
	for page, o := range exampleOrders {
		t.Run(page, func(t *testing.T) {
			t.Parallel()
			examples := ucpschema.DocExamples(t, page)
			if examples == nil {
				return // counted as a check not made
			}
			var orders, notFound int
			for _, ex := range examples {
				if !ex.JSON {
					continue
				}
				var body map[string]any
				if err := json.Unmarshal(ex.Body, &body); err != nil {
					t.Fatalf("line %d: %v", ex.Line, err)
				}
				if sc, ok := testkit.At(body, "result", "structuredContent").(map[string]any); ok {
					body = sc
				}
				switch {
				case body["checkout_id"] != nil:
					orders++
					got, err := OrderJSON(o, ucp.Version, "")
					if err != nil {
						t.Fatal(err)
					}
					ucpschema.Operation(t, ucp.OpGetOrder, 200, got)
					withoutUnkept(body)
					if diff := subset(body, decode(t, got), "$"); diff != "" {
						t.Errorf("line %d (%s %s): the encoded order differs from the example: %s\nencoded: %s", ex.Line, ex.Heading, ex.Tab, diff, got)
					}
				case testkit.At(body, "messages") != nil && strings.Contains(string(ex.Body), `"not_found"`):
					notFound++
					got := OrderNotFoundJSON(ucp.Version, "")
					ucpschema.Operation(t, ucp.OpGetOrder, 200, got)
					if diff := cmp.Diff(body, decode(t, got)); diff != "" {
						t.Errorf("line %d: not_found (-example +encoded):\n%s", ex.Line, diff)
					}
				}
			}
			if orders != 1 || notFound != 1 {
				t.Errorf("%s: %d order and %d not_found examples reproduced; want 1 of each", page, orders, notFound)
			}
		})
	}
}

// withoutUnkept drops from an example order what the model does not keep:
// a line's total (the order keeps no line's tax) and an expectation's
// fulfillable_on.
func withoutUnkept(order map[string]any) {
	for _, l := range asSlice(order["line_items"]) {
		line := l.(map[string]any)
		var kept []any
		for _, tot := range asSlice(line["totals"]) {
			if tot.(map[string]any)["type"] != "total" {
				kept = append(kept, tot)
			}
		}
		line["totals"] = kept
	}
	for _, e := range asSlice(testkit.At(order, "fulfillment", "expectations")) {
		delete(e.(map[string]any), "fulfillable_on")
	}
}

// subset reports where want (an example) is not part of got: each member
// of an object must be in got with a value of which it is part; arrays
// must be as long and part of got's element by element; other values
// equal. got may have more members (optional ones the example omits).
func subset(want, got any, path string) string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return path + ": not an object"
		}
		for k, v := range w {
			if d := subset(v, g[k], path+"."+k); d != "" {
				return d
			}
		}
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return path + ": not an array of " + itoa(len(w))
		}
		for i := range w {
			if d := subset(w[i], g[i], path+"["+itoa(i)+"]"); d != "" {
				return d
			}
		}
	default:
		if !reflect.DeepEqual(want, got) {
			b, _ := json.Marshal(got)
			return path + ": " + string(b)
		}
	}
	return ""
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func asSlice(v any) []any {
	s, _ := v.([]any)
	return s
}

func decode(t *testing.T, data []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("%v: %s", err, data)
	}
	return m
}

// TestOrderJSON: how the model maps onto the order entity where the
// examples do not show it, each body valid against order.json.
func TestOrderJSON(t *testing.T) {
	t.Parallel()
	at := orderAt("2026-12-06T12:00:00Z")
	base := func() *model.Order {
		return &model.Order{
			ID: "ord_1", CheckoutSessionID: "cs_1", PermalinkURL: "https://shop.test/orders/ord_1", OrderNumber: "1001", Currency: "gbp",
			Total: 4820, Totals: model.Totals{ItemsBaseAmount: 3900, ItemsDiscount: 300, Discount: 600, FulfillmentDiscount: 500, Subtotal: 3600, Fulfillment: 500, Tax: 720, Total: 4820},
			Lines: []model.OrderLine{
				{ID: "li_mug", ItemID: "mug", ProductID: "prod_mug", Title: "Mug", ImageURL: "https://shop.test/mug.png", Ordered: 2, Current: 1, Fulfilled: 1, UnitPrice: 1500, Subtotal: 3000},
				{ID: "li_book", ProductID: "prod_book", Title: "Ebook", ImageURL: "/relative.png", Ordered: 1, Current: 0, UnitPrice: 900, Subtotal: 900},
				{ID: "li_bare", Title: "Bare", Ordered: 1, Current: 1, UnitPrice: 0, Subtotal: 0},
			},
			Fulfillments: []model.Fulfillment{
				{ID: "ful_2", Type: "local_delivery", Status: model.FulfillmentShipped, Lines: []model.LineQuantity{{ID: "li_mug", Quantity: 1}, {ID: "li_bare", Quantity: 0}},
					Carrier: "Royal Mail", TrackingNumber: "RM1", TrackingURL: "not a url",
					Destination: &acp.Address{Name: "Ada King Lovelace", LineOne: "1 Way", LineTwo: "Flat 2", City: "London", Country: "GB", PostalCode: "N1"},
					Events: []model.FulfillmentEvent{
						{ID: "fev_b", Type: "shipped", OccurredAt: at.Add(2 * time.Hour), Location: "Leeds"},
						{ID: "fev_c", Type: "in_transit", OccurredAt: at.Add(3 * time.Hour), Description: "On its way", Location: "York"},
					}},
				{ID: "ful_1", Type: "digital", Status: model.FulfillmentCanceled, Lines: []model.LineQuantity{{ID: "li_book", Quantity: 1}},
					Events: []model.FulfillmentEvent{{ID: "fev_a", Type: "canceled", OccurredAt: at.Add(time.Hour)}}},
			},
			Adjustments: []model.Adjustment{
				{ID: "adj_cancel", Type: model.AdjustmentCancellation, Status: model.AdjustmentCompleted, Lines: []model.LineQuantity{{ID: "li_mug", Quantity: 1}, {ID: "li_book", Quantity: 1}},
					Reason: "out_of_stock", OccurredAt: at.Add(4 * time.Hour)},
				{ID: "re_1", Type: model.AdjustmentRefund, Status: model.AdjustmentPending, Amount: 2400, OccurredAt: at.Add(5 * time.Hour)},
			},
			Agent: "gemini", APIVersion: "ucp/2026-04-08", CreatedAt: at,
			UCP: &model.UCPContext{Capabilities: map[string]string{ucp.CapOrder: "2026-01-11"}},
		}
	}
	full := map[string]any{
		"ucp":           map[string]any{"version": "2026-04-08", "capabilities": map[string]any{ucp.CapOrder: []any{map[string]any{"version": "2026-04-08"}}}},
		"id":            "ord_1",
		"label":         "1001",
		"checkout_id":   "cs_1",
		"permalink_url": "https://shop.test/orders/ord_1",
		"currency":      "GBP",
		"line_items": []any{
			map[string]any{"id": "li_mug", "item": map[string]any{"id": "mug", "title": "Mug", "price": 1500.0, "image_url": "https://shop.test/mug.png"},
				"quantity": map[string]any{"original": 2.0, "total": 1.0, "fulfilled": 1.0},
				"totals":   []any{map[string]any{"type": "subtotal", "amount": 3000.0}}, "status": "fulfilled"},
			map[string]any{"id": "li_book", "item": map[string]any{"id": "prod_book", "title": "Ebook", "price": 900.0},
				"quantity": map[string]any{"original": 1.0, "total": 0.0, "fulfilled": 0.0},
				"totals":   []any{map[string]any{"type": "subtotal", "amount": 900.0}}, "status": "removed"},
			map[string]any{"id": "li_bare", "item": map[string]any{"id": "li_bare", "title": "Bare", "price": 0.0},
				"quantity": map[string]any{"original": 1.0, "total": 1.0, "fulfilled": 0.0},
				"totals":   []any{map[string]any{"type": "subtotal", "amount": 0.0}}, "status": "processing"},
		},
		"fulfillment": map[string]any{
			"expectations": []any{map[string]any{
				"id": "ful_2", "line_items": []any{map[string]any{"id": "li_mug", "quantity": 1.0}}, "method_type": "shipping",
				"destination": map[string]any{"street_address": "1 Way", "extended_address": "Flat 2", "address_locality": "London",
					"address_country": "GB", "postal_code": "N1", "first_name": "Ada King", "last_name": "Lovelace"},
			}},
			"events": []any{
				map[string]any{"id": "fev_a", "occurred_at": "2026-12-06T13:00:00Z", "type": "canceled", "line_items": []any{map[string]any{"id": "li_book", "quantity": 1.0}}},
				map[string]any{"id": "fev_b", "occurred_at": "2026-12-06T14:00:00Z", "type": "shipped", "line_items": []any{map[string]any{"id": "li_mug", "quantity": 1.0}},
					"tracking_number": "RM1", "carrier": "Royal Mail", "description": "Leeds"},
				map[string]any{"id": "fev_c", "occurred_at": "2026-12-06T15:00:00Z", "type": "in_transit", "line_items": []any{map[string]any{"id": "li_mug", "quantity": 1.0}},
					"tracking_number": "RM1", "carrier": "Royal Mail", "description": "On its way (York)"},
			},
		},
		"adjustments": []any{
			map[string]any{"id": "adj_cancel", "type": "cancellation", "occurred_at": "2026-12-06T16:00:00Z", "status": "completed",
				"line_items": []any{map[string]any{"id": "li_mug", "quantity": -1.0}, map[string]any{"id": "li_book", "quantity": -1.0}}, "description": "out_of_stock"},
			map[string]any{"id": "re_1", "type": "refund", "occurred_at": "2026-12-06T17:00:00Z", "status": "pending",
				"totals": []any{map[string]any{"type": "total", "amount": -2400.0}}},
		},
		"totals": []any{
			map[string]any{"type": "subtotal", "amount": 3900.0},
			map[string]any{"type": "items_discount", "amount": -300.0},
			map[string]any{"type": "discount", "amount": -600.0},
			map[string]any{"type": "fulfillment", "amount": 500.0},
			map[string]any{"type": "tax", "amount": 720.0},
			map[string]any{"type": "total", "amount": 4820.0},
		},
	}
	tests := map[string]struct {
		edit func(*model.Order)
		want func(map[string]any)
	}{
		"every mapping": {},
		"an order placed over ACP, its totals unknown": {
			edit: func(o *model.Order) {
				o.APIVersion, o.UCP, o.OrderNumber, o.Totals = "2026-04-17", nil, "", model.Totals{}
			},
			want: func(m map[string]any) {
				delete(m, "label")
				m["totals"] = []any{map[string]any{"type": "subtotal", "amount": 3900.0}, map[string]any{"type": "total", "amount": 4820.0}}
			},
		},
		"nothing happened yet": {
			edit: func(o *model.Order) { o.Fulfillments, o.Adjustments = nil, nil },
			want: func(m map[string]any) {
				m["fulfillment"] = map[string]any{"expectations": []any{}, "events": []any{}}
				m["adjustments"] = []any{}
			},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			o := base()
			if tc.edit != nil {
				tc.edit(o)
			}
			want := decode(t, mustJSON(t, full))
			if tc.want != nil {
				tc.want(want)
			}
			got, err := OrderJSON(o, "", "2026-04-08")
			if err != nil {
				t.Fatal(err)
			}
			ucpschema.Response(t, "shopping/order.json", got)
			ucpschema.Operation(t, ucp.OpGetOrder, 200, got)
			if diff := cmp.Diff(want, decode(t, got)); diff != "" {
				t.Errorf("order (-want +got):\n%s", diff)
			}
		})
	}
	if _, err := OrderJSON(nil, "", ""); err == nil {
		t.Error("OrderJSON(nil) = nil error")
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestOrderEventJSON: an event's body is the order entity, valid against
// order.json, with the event's id and creation time beside its members,
// and the ucp member of the version the order's checkout negotiated.
func TestOrderEventJSON(t *testing.T) {
	t.Parallel()
	o := exampleOrders["order.md"]
	o2 := *o
	o2.UCP = &model.UCPContext{Capabilities: map[string]string{ucp.CapOrder: "2026-01-11"}}
	created := time.Date(2026, 1, 15, 12, 0, 0, 987, time.FixedZone("CET", 3600))
	body, err := OrderEventJSON(&o2, "evt_123", created)
	if err != nil {
		t.Fatal(err)
	}
	ucpschema.Response(t, "shopping/order.json", body)
	got := decode(t, body)
	if got["event_id"] != "evt_123" || got["created_time"] != "2026-01-15T11:00:00Z" || got["id"] != "order_abc123" {
		t.Errorf("event body = %s; want event evt_123 of order order_abc123 created 2026-01-15T11:00:00Z", body)
	}
	if v := testkit.At(got, "ucp", "capabilities", ucp.CapOrder); !reflect.DeepEqual(v, []any{map[string]any{"version": "2026-01-11"}}) || testkit.At(got, "ucp", "version") != "2026-04-08" {
		t.Errorf("event ucp = %v; want release 2026-04-08 with the order capability at the negotiated 2026-01-11", got["ucp"])
	}
	entity, err := OrderJSON(&o2, "2026-04-08", "2026-01-11")
	if err != nil {
		t.Fatal(err)
	}
	delete(got, "event_id")
	delete(got, "created_time")
	if diff := cmp.Diff(decode(t, entity), got); diff != "" {
		t.Errorf("event body besides event_id and created_time (-entity +event):\n%s", diff)
	}
	for name, call := range map[string]func() ([]byte, error){
		"no order":    func() ([]byte, error) { return OrderEventJSON(nil, "evt_1", created) },
		"no event id": func() ([]byte, error) { return OrderEventJSON(o, "", created) },
	} {
		if b, err := call(); err == nil {
			t.Errorf("%s: %s, nil error", name, b)
		}
	}
}

// FuzzOrderJSON: whatever the model holds, the encoder never panics and
// gives JSON.
func FuzzOrderJSON(f *testing.F) {
	f.Add("ord_1", "usd", "shipping", "https://x.test/t", int64(3), int64(1), int64(-5), "refund")
	f.Add("", "", "", "::", int64(0), int64(0), int64(0), "")
	f.Fuzz(func(t *testing.T, id, currency, typ, url string, qty, fulfilled, amount int64, adjType string) {
		o := &model.Order{ID: id, Currency: currency, Total: amount,
			Lines:        []model.OrderLine{{ID: id, ImageURL: url, Ordered: qty, Current: qty, Fulfilled: fulfilled}},
			Fulfillments: []model.Fulfillment{{ID: id, Type: typ, TrackingURL: url, Lines: []model.LineQuantity{{ID: id, Quantity: qty}}, Events: []model.FulfillmentEvent{{ID: id}}}},
			Adjustments:  []model.Adjustment{{ID: id, Type: adjType, Amount: amount, Lines: []model.LineQuantity{{ID: id, Quantity: qty}}}},
		}
		for _, enc := range []func() ([]byte, error){
			func() ([]byte, error) { return OrderJSON(o, "", "") },
			func() ([]byte, error) { return OrderEventJSON(o, "evt_1", time.Time{}) },
		} {
			b, err := enc()
			if err != nil || !json.Valid(b) {
				t.Fatalf("%s, %v", b, err)
			}
		}
	})
}
