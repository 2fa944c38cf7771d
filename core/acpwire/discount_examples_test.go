package acpwire

import (
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/internal/acpschema"
)

// discountExamples are the spec's discount extension examples, in each
// version's examples/discount-extension folder.
var discountExamples = []string{
	"automatic-discount.json", "order-level-discount.json", "percentage-discount-with-allocations.json",
	"rejected-discount-code.json", "stacked-discounts.json",
}

// TestDiscountExampleRequests decodes every discount example's request,
// made valid as ACP-NOTES §12 says (the required capabilities, listing the
// discount extension, and, for the schema, items without quantity, §12
// #1): the codes are the example's, in order.
func TestDiscountExampleRequests(t *testing.T) {
	t.Parallel()
	for _, version := range []string{V20260417, V20260130} {
		c, _ := New(version, testSeller, DefaultLimits)
		for _, file := range discountExamples {
			ex := acpschema.Examples(t, version, "discount-extension/"+file)
			if ex == nil {
				continue
			}
			var req map[string]any
			if err := json.Unmarshal(ex["request"], &req); err != nil {
				t.Fatalf("%s %s: %v", version, file, err)
			}
			if _, ok := req["capabilities"]; !ok {
				req["capabilities"] = map[string]any{"extensions": []any{"discount"}}
			}
			body, _ := json.Marshal(req)
			in, err := c.DecodeCreate(body)
			if err != nil {
				t.Fatalf("%s %s: %v", version, file, err)
			}
			var want struct {
				Discounts struct {
					Codes []string `json:"codes"`
				} `json:"discounts"`
			}
			_ = json.Unmarshal(ex["request"], &want)
			if !reflect.DeepEqual(in.DiscountCodes, want.Discounts.Codes) || !reflect.DeepEqual(in.Extensions, []string{"discount"}) {
				t.Errorf("%s %s: codes %v extensions %v, want %v", version, file, in.DiscountCodes, in.Extensions, want.Discounts.Codes)
			}
			for _, it := range req["line_items"].([]any) {
				delete(it.(map[string]any), "quantity")
			}
			body, _ = json.Marshal(req)
			acpschema.For(t, version).Def(t, "CheckoutSessionCreateRequest", body)
		}
	}
}

// exampleResponse is the part of an example response the encoder's
// discounts come from.
type exampleResponse struct {
	Currency  string `json:"currency"`
	LineItems []struct {
		ID   string `json:"id"`
		Item struct {
			ID string `json:"id"`
		} `json:"item"`
		Quantity   int64 `json:"quantity"`
		UnitAmount int64 `json:"unit_amount"`
	} `json:"line_items"`
	FulfillmentOptions []struct {
		ID string `json:"id"`
	} `json:"fulfillment_options"`
	Discounts discountsJSON `json:"discounts"`
}

// TestDiscountExampleResponses builds, for every discount example, the
// session the engine leaves with the example's discounts (model fields
// only), encodes it, validates it, and compares its discounts member with
// the example's. The model has no coupon id of its own (the coupon is the
// promotion: its id is the applied discount's) and every checkout
// discount applies once, so those two coupon members are the encoder's.
func TestDiscountExampleResponses(t *testing.T) {
	t.Parallel()
	for _, version := range []string{V20260417, V20260130} {
		c, _ := New(version, testSeller, DefaultLimits)
		for _, file := range discountExamples {
			ex := acpschema.Examples(t, version, "discount-extension/"+file)
			if ex == nil {
				continue
			}
			var resp exampleResponse
			if err := json.Unmarshal(ex["response"], &resp); err != nil {
				t.Fatalf("%s %s: %v", version, file, err)
			}
			s := baseDiscountSession()
			s.Lines, s.Options, s.Selected, s.TaxBreakdown = nil, s.Options[:1], nil, nil
			s.Currency = resp.Currency
			var base int64
			for _, l := range resp.LineItems {
				amount := l.UnitAmount * l.Quantity
				base += amount
				s.Lines = append(s.Lines, model.Line{ID: l.ID, ItemID: l.Item.ID, Quantity: l.Quantity, Found: true, UnitAmount: l.UnitAmount,
					BaseAmount: amount, Subtotal: amount, Total: amount})
			}
			d := &model.Discounts{Negotiated: true, Codes: resp.Discounts.Codes}
			var items, order int64
			for _, a := range resp.Discounts.Applied {
				m := model.AppliedDiscount{ID: a.ID, Code: a.Code, Automatic: a.Automatic, Name: a.Coupon.Name, Method: a.Method, Priority: a.Priority, Amount: a.Amount}
				if a.Coupon.PercentOff != nil {
					m.PercentOff = *a.Coupon.PercentOff
				}
				if a.Coupon.AmountOff != nil {
					m.AmountOff = *a.Coupon.AmountOff
				}
				for _, al := range a.Allocations {
					if al.Path == fulfillmentAllocationPath {
						m.Allocations = append(m.Allocations, model.DiscountAllocation{OptionID: resp.FulfillmentOptions[0].ID, Amount: al.Amount})
						order += al.Amount
						continue
					}
					i, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(al.Path, "$.line_items["), "]"))
					if err != nil {
						t.Fatalf("%s %s: allocation path %q", version, file, al.Path)
					}
					m.Allocations = append(m.Allocations, model.DiscountAllocation{LineID: resp.LineItems[i].ID, Amount: al.Amount})
					s.Lines[i].Discount += al.Amount
					s.Lines[i].Subtotal -= al.Amount
					s.Lines[i].Total -= al.Amount
					items += al.Amount
				}
				if len(a.Allocations) == 0 {
					order += a.Amount // not allocated: an order-level discount
				}
				d.Applied = append(d.Applied, m)
			}
			for _, r := range resp.Discounts.Rejected {
				d.Rejected = append(d.Rejected, model.RejectedDiscount(r))
			}
			s.Discounts = d
			s.Totals = model.Totals{ItemsBaseAmount: base, ItemsDiscount: items, Discount: order, Subtotal: base - items, Total: base - items - order}
			data, err := c.EncodeSession(s)
			if err != nil {
				t.Fatal(err)
			}
			validateSession(t, version, data)
			var got struct {
				Discounts discountsJSON `json:"discounts"`
				Totals    []totalJSON   `json:"totals"`
			}
			if err := json.Unmarshal(data, &got); err != nil {
				t.Fatal(err)
			}
			want := resp.Discounts
			for i := range want.Applied {
				want.Applied[i].Coupon.ID, want.Applied[i].Coupon.Duration = want.Applied[i].ID, "once"
			}
			if !reflect.DeepEqual(got.Discounts, want) {
				gotJSON, _ := json.Marshal(got.Discounts)
				wantJSON, _ := json.Marshal(want)
				t.Errorf("%s %s: discounts\n%s\nwant\n%s", version, file, gotJSON, wantJSON)
			}
			checkTotalsAddUp(t, s, got.Totals, nil)
		}
	}
}
