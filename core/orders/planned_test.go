package orders_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/orders"
)

// plannedOrder plans, as a split checkout does at placement, ful_g for
// the 2 mugs; the ebook is in no group.
func plannedOrder(o *model.Order) {
	o.Fulfillments = []model.Fulfillment{{ID: "ful_g", Type: "shipping", Status: model.FulfillmentPending, Planned: true, Lines: []model.LineQuantity{{ID: "li_mug", Quantity: 2}}}}
}

// fulfillmentsOf renders each fulfillment as "<id> <status> <lines>".
func fulfillmentsOf(o *model.Order) []string {
	var out []string
	for _, f := range o.Fulfillments {
		var lines []string
		for _, lq := range f.Lines {
			lines = append(lines, fmt.Sprintf("%s×%d", lq.ID, lq.Quantity))
		}
		out = append(out, fmt.Sprintf("%s %s %s", f.ID, f.Status, strings.Join(lines, ",")))
	}
	return out
}

// The rules of planned fulfillments: one the store has not reported on
// carries nothing (the store may record its own fulfillments instead),
// does not count towards the order's status, shrinks to what the store's
// own fulfillments leave of its lines and is canceled when they leave
// nothing (keeping its lines, to say which items went another way);
// one starting must still fit beside the others.
func TestPlannedFulfillments(t *testing.T) {
	t.Parallel()
	mugs := func(n int64) []model.LineQuantity { return []model.LineQuantity{{ID: "li_mug", Quantity: n}} }
	book := []model.LineQuantity{{ID: "li_book", Quantity: 1}}
	for name, tc := range map[string]struct {
		steps        []orders.FulfillmentInput
		wantErr      string // the last step's error code, if any
		fulfillments []string
		status       string
	}{
		"a planned one alone does not count": {
			steps:        []orders.FulfillmentInput{{ID: "ful_g", Carrier: "UPS"}},
			fulfillments: []string{"ful_g pending li_mug×2"},
			status:       model.OrderCreated,
		},
		"the store ships the planned one": {
			steps:        []orders.FulfillmentInput{{ID: "ful_g", Status: model.FulfillmentShipped}},
			fulfillments: []string{"ful_g shipped li_mug×2"},
			status:       model.OrderProcessing,
		},
		"the store's own fulfillment is not blocked and cancels it": {
			steps:        []orders.FulfillmentInput{{ID: "ful_own", Lines: mugs(2)}},
			fulfillments: []string{"ful_g canceled li_mug×2", "ful_own shipped li_mug×2"},
			status:       model.OrderProcessing,
		},
		"the store's own fulfillment of part shrinks it": {
			steps:        []orders.FulfillmentInput{{ID: "ful_own", Lines: mugs(1)}},
			fulfillments: []string{"ful_g pending li_mug×1", "ful_own shipped li_mug×1"},
			status:       model.OrderProcessing,
		},
		"the order completes without it": {
			steps: []orders.FulfillmentInput{
				{ID: "ful_own", Lines: mugs(2), Status: model.FulfillmentDelivered},
				{ID: "ful_book", Type: "digital", Lines: book},
			},
			fulfillments: []string{"ful_g canceled li_mug×2", "ful_own delivered li_mug×2", "ful_book delivered li_book×1"},
			status:       model.OrderCompleted,
		},
		"starting it after the store fulfilled its lines": {
			steps:        []orders.FulfillmentInput{{ID: "ful_own", Lines: mugs(2)}, {ID: "ful_g", Status: model.FulfillmentShipped}},
			wantErr:      orders.CodeQuantityExceeded,
			fulfillments: []string{"ful_g canceled li_mug×2", "ful_own shipped li_mug×2"},
			status:       model.OrderProcessing,
		},
		"starting it after the store fulfilled part": {
			steps:        []orders.FulfillmentInput{{ID: "ful_own", Lines: mugs(1)}, {ID: "ful_g", Status: model.FulfillmentShipped}},
			fulfillments: []string{"ful_g shipped li_mug×1", "ful_own shipped li_mug×1"},
			status:       model.OrderProcessing,
		},
		"everything left, unnamed, leaves the planned lines out": {
			steps:        []orders.FulfillmentInput{{ID: "ful_rest"}},
			fulfillments: []string{"ful_g canceled li_mug×2", "ful_rest shipped li_mug×2,li_book×1"},
			status:       model.OrderShipped,
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			f := newFixtureWith(t, plannedOrder)
			var err error
			for i, step := range tc.steps {
				_, err = f.svc.Fulfill(ctx, "ord_1", step)
				if err != nil && i < len(tc.steps)-1 {
					t.Fatalf("step %d: %v", i, err)
				}
			}
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("last step: %v", err)
			case tc.wantErr != "":
				wantAPIError(t, err, 409, tc.wantErr, "$.line_items[0].quantity")
			}
			o, err := f.svc.Get(ctx, "ord_1")
			if err != nil {
				t.Fatal(err)
			}
			if got := fulfillmentsOf(o); !slices.Equal(got, tc.fulfillments) || o.Status != tc.status {
				t.Errorf("fulfillments %q, status %s; want %q, %s", got, o.Status, tc.fulfillments, tc.status)
			}
		})
	}
}
