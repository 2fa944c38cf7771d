package checkout_test

import (
	"context"
	"sync"
	"testing"

	"github.com/acp-sidecar/acp/core/checkout"
	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/sdk/fulfillment"
	"github.com/acp-sidecar/acp/sdk/promotion"
)

// placeRecorder is an order system that keeps every placement request.
type placeRecorder struct {
	mu   sync.Mutex
	reqs []*fulfillment.PlaceOrderRequest
}

func (p *placeRecorder) PlaceOrder(_ context.Context, req *fulfillment.PlaceOrderRequest) (*fulfillment.PlaceOrderResponse, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.reqs = append(p.reqs, req)
	return &fulfillment.PlaceOrderResponse{OrderNumber: "N-1"}, nil
}

func (p *placeRecorder) CancelOrder(context.Context, *fulfillment.CancelOrderRequest) error {
	return nil
}

// TestPlaceOrderCarriesDiscounts: the order system receives the
// session's applied discounts (a code's item-level one and the free
// shipping), each with its allocations, and a total already after them.
func TestPlaceOrderCarriesDiscounts(t *testing.T) {
	t.Parallel()
	rec := &placeRecorder{}
	f := newFixtureWith(t, func(o *checkout.Options) {
		o.Capabilities.Discounts = promotion.New(testPromotions, nil)
		o.Capabilities.Fulfillment = rec
	})
	sess := f.create(t, withCodes("MUGS20", "SHIPMUGS"))
	if len(sess.Discounts.Applied) != 2 {
		t.Fatalf("applied = %+v, want MUGS20 and SHIPMUGS", sess.Discounts.Applied)
	}
	got, err := f.svc.Complete(context.Background(), "agent", sess.ID, checkout.CompleteInput{Payment: cardPayment("spt_ok")}, nil)
	if err != nil || got.Status != model.StatusCompleted {
		t.Fatalf("Complete() = %v, %v", got, err)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.reqs) != 1 {
		t.Fatalf("placed %d orders, want 1", len(rec.reqs))
	}
	req := rec.reqs[0]
	if req.Total != got.Totals.Total {
		t.Errorf("placed total %d, want the discounted %d", req.Total, got.Totals.Total)
	}
	if len(req.Discounts) != len(got.Discounts.Applied) {
		t.Fatalf("placed discounts %+v, want those of %+v", req.Discounts, got.Discounts.Applied)
	}
	for i, d := range req.Discounts {
		a := got.Discounts.Applied[i]
		if d.ID != a.ID || d.Code != a.Code || d.Name != a.Name || d.Automatic != a.Automatic || d.Amount != a.Amount || d.Amount == 0 || len(d.Allocations) != len(a.Allocations) {
			t.Fatalf("placed discount %d = %+v, want %+v", i, d, a)
		}
		var sum int64
		for j, al := range d.Allocations {
			m := a.Allocations[j]
			if al.LineID != m.LineID || al.OptionID != m.OptionID || al.Amount != m.Amount {
				t.Errorf("placed discount %d allocation %d = %+v, want %+v", i, j, al, m)
			}
			sum += al.Amount
		}
		if sum != d.Amount {
			t.Errorf("placed discount %d: allocations add up to %d, not %d", i, sum, d.Amount)
		}
	}
	if req.Discounts[0].Code != "MUGS20" || req.Discounts[0].Allocations[0].LineID == "" ||
		req.Discounts[1].Code != "SHIPMUGS" || req.Discounts[1].Allocations[0].OptionID == "" {
		t.Errorf("placed discounts %+v, want MUGS20 on a line, then SHIPMUGS on a fulfillment option", req.Discounts)
	}
}
