package checkout_test

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/acp-sidecar/acp/core/builtin"
	"github.com/acp-sidecar/acp/core/checkout"
	"github.com/acp-sidecar/acp/core/merchantapi"
	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/orders"
	"github.com/acp-sidecar/acp/sdk/acp"
	"github.com/acp-sidecar/acp/sdk/catalog"
)

// TestOneProductID checks that the session's lines, the order's lines,
// the placement the order system receives and the merchant API's order
// (lines and line_items) carry the same product id: the catalog's product
// id, or the item id for an item the catalog groups under no product.
func TestOneProductID(t *testing.T) {
	t.Parallel()
	products := []catalog.Product{
		catalog.CompleteProduct(catalog.Product{ID: "ebook", Title: "Ebook", Variants: []catalog.Variant{{Item: catalog.Item{
			ID: "ebook-en", Title: "Ebook (English)", UnitPrice: 999, TaxCategory: "standard", FulfillmentTypes: []acp.FulfillmentType{"digital"},
		}}}}, catalog.ProductDefaults{}),
		catalog.ItemProduct(catalog.Variant{Item: catalog.Item{
			ID: "poster", Title: "Poster", UnitPrice: 1200, TaxCategory: "standard", FulfillmentTypes: []acp.FulfillmentType{"digital"},
		}}),
	}
	placed := &placedOrders{}
	f := newFixtureWith(t, func(o *checkout.Options) {
		o.Capabilities.Catalog = builtin.NewProductCatalog(products)
		o.Capabilities.Fulfillment = placed
	})
	sess := f.create(t, checkout.CreateInput{Items: []checkout.ItemInput{{ID: "ebook-en", Quantity: 1}, {ID: "poster", Quantity: 2}}})
	want := map[string]string{"ebook-en": "ebook", "poster": "poster"}
	for _, l := range sess.Lines {
		if l.ProductID != want[l.ItemID] {
			t.Errorf("session line %s product id = %q, want %q", l.ItemID, l.ProductID, want[l.ItemID])
		}
	}
	done, err := f.svc.Complete(context.Background(), "agent", sess.ID, checkout.CompleteInput{Payment: cardPayment("spt_ok")}, nil)
	if err != nil || done.Status != model.StatusCompleted || done.Order == nil {
		t.Fatalf("Complete() = %+v, %v", done, err)
	}
	byLine := map[string]string{}
	for _, l := range merchantOrderLines(t, f, done.Order.ID) {
		if l.ProductID != want[l.ItemID(done.Lines)] {
			t.Errorf("merchant API line %s product_id = %q, want %q", l.ID, l.ProductID, want[l.ItemID(done.Lines)])
		}
	}
	for _, l := range done.Lines {
		byLine[l.ID] = l.ItemID
	}
	for _, ol := range done.Order.Lines {
		if ol.ProductID != want[byLine[ol.ID]] {
			t.Errorf("order line %s product id = %q, want %q", ol.ID, ol.ProductID, want[byLine[ol.ID]])
		}
	}
	placed.mu.Lock()
	defer placed.mu.Unlock()
	if len(placed.reqs) != 1 {
		t.Fatalf("placements = %d, want 1", len(placed.reqs))
	}
	for _, l := range placed.reqs[0].Lines {
		if l.ProductID != want[l.ItemID] {
			t.Errorf("placed line %s product id = %q, want %q", l.ItemID, l.ProductID, want[l.ItemID])
		}
	}
}

// merchantLine is what TestOneProductID reads of a merchant API order
// line (in lines and in line_items).
type merchantLine struct {
	ID        string `json:"id"`
	ProductID string `json:"product_id"`
}

// ItemID returns the item id of the session line the order line is.
func (l merchantLine) ItemID(lines []model.Line) string {
	for _, sl := range lines {
		if sl.ID == l.ID {
			return sl.ItemID
		}
	}
	return ""
}

// merchantOrderLines serves the merchant API over f's store on loopback
// and returns the lines and line_items of its answer for order id.
func merchantOrderLines(t *testing.T, f *fixture, id string) []merchantLine {
	t.Helper()
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	merchantapi.Routes(app.Group("/merchant"), &merchantapi.Local{Store: f.store, Orders: orders.New(f.store, nil, time.Now, nil)})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = app.Listener(ln) }()
	t.Cleanup(func() { _ = app.Shutdown() })
	resp, err := http.Get("http://" + ln.Addr().String() + "/merchant/orders/" + id)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var view struct {
		Lines     []merchantLine `json:"lines"`
		LineItems []merchantLine `json:"line_items"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&view); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET order %s: %d, %v", id, resp.StatusCode, err)
	}
	if len(view.Lines) == 0 || len(view.Lines) != len(view.LineItems) {
		t.Fatalf("merchant API order %s has lines %+v and line_items %+v", id, view.Lines, view.LineItems)
	}
	return append(view.Lines, view.LineItems...)
}
