package host_test

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/acp-sidecar/acp/core/model"
)

// TestOpenAPIOrderDiscounts checks that an order with discounts, as the
// merchant API shows it (the stored order with its line_items), matches
// the OpenAPI document: its discounts and discount totals are declared.
func TestOpenAPIOrderDiscounts(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	o := model.Order{
		ID: "ord_1", CheckoutSessionID: "cs_1", PermalinkURL: "https://shop.test/orders/ord_1", Status: model.OrderCreated,
		Currency: "usd", Total: 3629, PaymentID: "pi_1", HandlerID: "card", Agent: "agent", APIVersion: "2026-04-17", CreatedAt: start,
		Totals: model.Totals{ItemsBaseAmount: 3999, ItemsDiscount: 400, Discount: 500, FulfillmentDiscount: 500, Subtotal: 3599, Fulfillment: 500, Tax: 30, Total: 3629},
		Discounts: []model.AppliedDiscount{
			{ID: "promo_mugs", Code: "MUGS10", Name: "10% off mugs", PercentOff: 10, Method: "each", Priority: 1, Start: &start, Amount: 400,
				Allocations: []model.DiscountAllocation{{LineID: "li_mug", Amount: 400}}, UsageLimited: true},
			{ID: "promo_freeship", Automatic: true, Name: "Free shipping", Amount: 500, Allocations: []model.DiscountAllocation{{OptionID: "ship", Amount: 500}}},
		},
	}
	data, err := json.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	var view map[string]any
	if err := json.Unmarshal(data, &view); err != nil {
		t.Fatal(err)
	}
	view["line_items"] = []any{}
	data, _ = json.Marshal(view)
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	schema := loadOpenAPI(t).responseSchema(t, "/orders/{id}", "get", 200)
	if err := schema.Validate(v); err != nil {
		t.Errorf("an order with discounts does not match the OpenAPI document: %v\n%s", err, data)
	}
}
