package checkout_test

import (
	"context"
	"sync"
	"testing"

	"github.com/acp-sidecar/acp/core/builtin"
	"github.com/acp-sidecar/acp/core/checkout"
	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/sdk/acp"
	"github.com/acp-sidecar/acp/sdk/catalog"
	"github.com/acp-sidecar/acp/sdk/fulfillment"
)

// placedOrders is the built-in order system, keeping the placement
// requests it was given.
type placedOrders struct {
	builtin.Fulfillment
	mu   sync.Mutex
	reqs []*fulfillment.PlaceOrderRequest
}

func (p *placedOrders) PlaceOrder(ctx context.Context, req *fulfillment.PlaceOrderRequest) (*fulfillment.PlaceOrderResponse, error) {
	p.mu.Lock()
	p.reqs = append(p.reqs, req)
	p.mu.Unlock()
	return p.Fulfillment.PlaceOrder(ctx, req)
}

// TestOneProductID checks that the session's lines, the order's lines and
// the placement the order system receives carry the same product id: the
// catalog's product id, or the item id for an item the catalog groups
// under no product.
func TestOneProductID(t *testing.T) {
	t.Parallel()
	items := []catalog.Item{
		{ID: "ebook-en", ProductID: "ebook", Title: "Ebook (English)", UnitPrice: 999, TaxCategory: "standard", FulfillmentTypes: []acp.FulfillmentType{"digital"}},
		{ID: "poster", Title: "Poster", UnitPrice: 1200, TaxCategory: "standard", FulfillmentTypes: []acp.FulfillmentType{"digital"}},
	}
	orders := &placedOrders{}
	f := newFixtureWith(t, func(o *checkout.Options) {
		o.Capabilities.Catalog = builtin.NewCatalog(items)
		o.Capabilities.Fulfillment = orders
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
	for _, l := range done.Lines {
		byLine[l.ID] = l.ItemID
	}
	for _, ol := range done.Order.Lines {
		if ol.ProductID != want[byLine[ol.ID]] {
			t.Errorf("order line %s product id = %q, want %q", ol.ID, ol.ProductID, want[byLine[ol.ID]])
		}
	}
	orders.mu.Lock()
	defer orders.mu.Unlock()
	if len(orders.reqs) != 1 {
		t.Fatalf("placements = %d, want 1", len(orders.reqs))
	}
	for _, l := range orders.reqs[0].Lines {
		if l.ProductID != want[l.ItemID] {
			t.Errorf("placed line %s product id = %q, want %q", l.ItemID, l.ProductID, want[l.ItemID])
		}
	}
}
