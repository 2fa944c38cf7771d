package acpwire

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/core/builtin"
	"github.com/acp-sidecar/acp/core/checkout"
	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/payment"
	"github.com/acp-sidecar/acp/core/payment/sandbox"
	"github.com/acp-sidecar/acp/core/store/badgerstore"
	"github.com/acp-sidecar/acp/internal/acpschema"
	"github.com/acp-sidecar/acp/sdk/acp"
	"github.com/acp-sidecar/acp/sdk/catalog"
)

// TestOneProductIDOnTheWire checks, from request body to response body,
// that a session's line items and its order's line items (in the complete
// answer and in the order webhook) carry the same product id: the
// catalog's, or the item id for an item with no product grouping.
func TestOneProductIDOnTheWire(t *testing.T) {
	t.Parallel()
	digital := []acp.FulfillmentType{acp.FulfillmentDigital}
	svc := wireEngine(t, []catalog.Product{
		catalog.CompleteProduct(catalog.Product{ID: "ebook", Title: "Ebook", Variants: []catalog.Variant{
			{Item: catalog.Item{ID: "ebook-en", Title: "Ebook", UnitPrice: 999, FulfillmentTypes: digital}},
		}}, catalog.ProductDefaults{}),
		catalog.ItemProduct(catalog.Variant{Item: catalog.Item{ID: "poster", Title: "Poster", UnitPrice: 1200, FulfillmentTypes: digital}}),
	})
	c, _ := New(V20260417, testSeller, DefaultLimits)
	ctx := context.Background()
	in, err := c.DecodeCreate([]byte(`{"currency":"usd","capabilities":{},"line_items":[{"id":"ebook-en"},{"id":"poster","quantity":2}]}`))
	if err != nil {
		t.Fatal(err)
	}
	sess, err := svc.Create(ctx, "agent", V20260417, in, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"ebook-en": "ebook", "poster": "poster"}
	created := encodeChecked(t, c, acpschema.AnySession, sess)
	for _, l := range lineItems(t, created, "line_items") {
		if l.ProductID != want[l.SKU] {
			t.Errorf("session line %s product_id = %q, want %q", l.SKU, l.ProductID, want[l.SKU])
		}
	}
	complete, err := c.DecodeComplete([]byte(`{"payment_data":{"handler_id":"card","instrument":{"type":"card","credential":{"type":"spt","token":"spt_ok"}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	done, err := svc.Complete(ctx, "agent", sess.ID, complete, nil)
	if err != nil || done.Status != model.StatusCompleted {
		t.Fatalf("Complete() = %v, %v", done, err)
	}
	completed := encodeChecked(t, c, acpschema.CompletedSession, done)
	bySession := map[string]string{}
	for _, l := range lineItems(t, completed, "line_items") {
		bySession[l.ID] = l.ProductID
	}
	event, err := EncodeOrderEvent(V20260417, model.EventOrderCreate, done.Order)
	if err != nil {
		t.Fatal(err)
	}
	acpschema.Webhook(t, V20260417).Event(t, event)
	var webhook struct {
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(event, &webhook); err != nil {
		t.Fatal(err)
	}
	for name, order := range map[string]json.RawMessage{
		"complete answer": mustMember(t, completed, "order"),
		"order webhook":   webhook.Data,
	} {
		lines := lineItems(t, order, "line_items")
		if len(lines) != len(bySession) {
			t.Fatalf("%s has %d lines, want %d: %s", name, len(lines), len(bySession), order)
		}
		for _, l := range lines {
			if l.ProductID == "" || l.ProductID != bySession[l.ID] {
				t.Errorf("%s line %s product_id = %q, session line has %q", name, l.ID, l.ProductID, bySession[l.ID])
			}
		}
	}
}

// wireLine is what TestOneProductIDOnTheWire reads of a line item.
type wireLine struct {
	ID        string `json:"id"`
	ProductID string `json:"product_id"`
	SKU       string `json:"sku"`
}

// encodeChecked encodes s with c and validates the answer.
func encodeChecked(t *testing.T, c Codec, answer acpschema.Answer, s *model.Session) []byte {
	t.Helper()
	data, err := c.EncodeSession(s)
	if err != nil {
		t.Fatal(err)
	}
	acpschema.For(t, c.Version()).Response(t, answer, data)
	return data
}

// mustMember returns the raw member of a JSON object.
func mustMember(t *testing.T, body []byte, member string) json.RawMessage {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil || m[member] == nil {
		t.Fatalf("no %s in %s (%v)", member, body, err)
	}
	return m[member]
}

// lineItems decodes the line items at member of a JSON object.
func lineItems(t *testing.T, body []byte, member string) []wireLine {
	t.Helper()
	var lines []wireLine
	if err := json.Unmarshal(mustMember(t, body, member), &lines); err != nil {
		t.Fatal(err)
	}
	return lines
}

// wireEngine is a checkout engine over a built-in catalog of products,
// with digital delivery, no tax and the sandbox card handler.
func wireEngine(t *testing.T, products []catalog.Product) *checkout.Service {
	t.Helper()
	st, err := badgerstore.Open(badgerstore.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return checkout.New(checkout.Options{
		Store: st,
		Capabilities: checkout.Capabilities{
			Catalog:     builtin.NewProductCatalog(products),
			Tax:         builtin.NewTax(builtin.TaxTable{}),
			Shipping:    builtin.NewShipping([]builtin.ShippingOption{{ID: "email", Type: "digital", Title: "Email"}}, time.Now),
			Fulfillment: builtin.Fulfillment{},
		},
		Handlers:               []payment.Handler{sandbox.New(sandbox.Config{ID: "card", MerchantID: "acct_test", AcceptedBrands: []string{"visa"}})},
		Currency:               "usd",
		SessionLifetime:        time.Hour,
		OrderPermalinkTemplate: "https://shop.test/orders/{order_id}",
	})
}
