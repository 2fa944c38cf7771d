package ucpwire

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/payment"
	"github.com/acp-sidecar/acp/core/ucp"
	"github.com/acp-sidecar/acp/internal/testkit"
	"github.com/acp-sidecar/acp/internal/ucpschema"
	"github.com/acp-sidecar/acp/sdk/acp"
)

// full negotiated checkout with both extensions; bare only checkout.
var (
	full = &ucp.Platform{Profile: "https://p.test/ucp", Version: ucp.Version, Capabilities: map[string]string{
		ucp.CapCheckout: ucp.Version, ucp.CapFulfillment: ucp.Version, ucp.CapDiscount: ucp.Version, ucp.CapOrder: ucp.Version}}
	bare = &ucp.Platform{Profile: "https://p.test/ucp", Version: ucp.Version, Capabilities: map[string]string{ucp.CapCheckout: ucp.Version}}
)

func testCodec(t *testing.T) *Codec {
	t.Helper()
	c, err := New(Business{
		Handlers: []payment.UCPHandler{{Name: "dev.ucp.processor_tokenizer", ID: "tok_1", Version: ucp.Version,
			AvailableInstruments: []map[string]any{{"type": "card"}}, Config: map[string]any{"merchant_id": "m1"}}},
		Links:       []Link{{Type: "terms_of_service", URL: "https://shop.test/terms"}},
		ContinueURL: func(id string) string { return "https://shop.test/checkout/" + id },
		Storefront:  "https://shop.test/",
	}, Limits{MaxLineItems: 3, MaxQuantity: 10, MaxFulfillmentMethods: 3})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// session is a split checkout: one line shipped by group g1 with two
// options (express selected), a 10% code and free shipping allocated.
func session() *model.Session {
	avail := int64(5)
	when := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	return &model.Session{
		ID: "cs_1", APIVersion: ucp.APIVersion(ucp.Version), Status: model.StatusReadyForPayment, Currency: "usd", ExpiresAt: when,
		Buyer: &model.Buyer{FirstName: "Jane", LastName: "Doe", Email: "jane@example.com"},
		Lines: []model.Line{{ID: "li_a", ItemID: "a", Quantity: 2, Found: true, Name: "Shirt", Images: []string{"https://shop.test/a.jpg"},
			Available: &avail, UnitAmount: 1000, BaseAmount: 2000, Discount: 200, Subtotal: 1800, Tax: 180, Total: 1980}},
		Groups: []model.FulfillmentGroup{{ID: "g1", LineIDs: []string{"li_a"}, Type: acp.FulfillmentShipping,
			Details: &model.FulfillmentDetails{Name: "Jane Doe", Address: &acp.Address{Name: "Jane Doe", LineOne: "1 Main St", City: "LA", State: "CA", Country: "US", PostalCode: "90001"}}}},
		Options: []model.FulfillmentOption{
			{ID: "g1/std", GroupID: "g1", Type: acp.FulfillmentShipping, Title: "Standard", LineIDs: []string{"li_a"}, Amount: 100, EarliestDelivery: &when},
			{ID: "g1/exp", GroupID: "g1", Type: acp.FulfillmentShipping, Title: "Express", LineIDs: []string{"li_a"}, Amount: 500},
		},
		Selected: []model.SelectedOption{{Type: acp.FulfillmentShipping, OptionID: "g1/exp", LineIDs: []string{"li_a"}, Amount: 500}},
		Totals:   model.Totals{ItemsBaseAmount: 2000, ItemsDiscount: 200, Discount: 500, FulfillmentDiscount: 500, Subtotal: 1800, Fulfillment: 500, Tax: 180, Total: 1980},
		Discounts: &model.Discounts{Negotiated: true, Codes: []string{"TEN", "BAD"}, Applied: []model.AppliedDiscount{
			{ID: "ten", Code: "TEN", Name: "10% off", Method: "each", Priority: 1, Amount: 200, Allocations: []model.DiscountAllocation{{LineID: "li_a", Amount: 200}}},
			{ID: "ship", Automatic: true, Name: "Free shipping", Method: "across", Amount: 500, Allocations: []model.DiscountAllocation{{OptionID: "g1/exp", Amount: 300}, {OptionID: "g1/std", Amount: 200}}},
		}},
		Messages: acp.Messages{{Type: acp.MessageWarning, Code: "discount_code_invalid", Param: "$.discounts.codes[1]", Content: "Code BAD is not valid.", Resolution: acp.ResolutionRecoverable}},
	}
}

func TestEncodeSession(t *testing.T) {
	c := testCodec(t)
	body, err := c.EncodeSession(session(), full)
	if err != nil {
		t.Fatal(err)
	}
	ucpschema.Response(t, "shopping/fulfillment.json#/$defs/dev.ucp.shopping.checkout", body)
	ucpschema.Response(t, "shopping/discount.json#/$defs/dev.ucp.shopping.checkout", body)
	m := decode(t, body)
	checks := []struct {
		path []any
		want any
	}{
		{[]any{"ucp", "status"}, "success"},
		{[]any{"ucp", "capabilities", ucp.CapCheckout, 0, "version"}, ucp.Version},
		{[]any{"ucp", "capabilities", ucp.CapDiscount, 0, "version"}, ucp.Version},
		{[]any{"ucp", "capabilities", ucp.CapOrder}, nil}, // not relevant to a checkout response
		{[]any{"ucp", "payment_handlers", "dev.ucp.processor_tokenizer", 0, "id"}, "tok_1"},
		{[]any{"status"}, "ready_for_complete"},
		{[]any{"currency"}, "USD"},
		{[]any{"expires_at"}, "2026-05-01T00:00:00Z"},
		{[]any{"continue_url"}, "https://shop.test/checkout/cs_1"},
		{[]any{"buyer", "first_name"}, "Jane"},
		{[]any{"line_items", 0, "item", "title"}, "Shirt"},
		{[]any{"line_items", 0, "item", "price"}, 1000.0},
		{[]any{"line_items", 0, "item", "image_url"}, "https://shop.test/a.jpg"},
		{[]any{"line_items", 0, "totals", 1}, map[string]any{"type": "items_discount", "amount": -200.0}},
		{[]any{"totals", 0, "amount"}, 2000.0},
		{[]any{"totals", 1, "amount"}, -200.0},
		{[]any{"totals", 2}, map[string]any{"type": "discount", "display_text": "Order discount", "amount": -500.0}},
		{[]any{"totals", 3, "type"}, "fulfillment"},
		{[]any{"totals", 5, "amount"}, 1980.0},
		{[]any{"fulfillment", "methods", 0, "id"}, "g1"},
		{[]any{"fulfillment", "methods", 0, "selected_destination_id"}, "dest_g1"},
		{[]any{"fulfillment", "methods", 0, "destinations", 0, "address_locality"}, "LA"},
		{[]any{"fulfillment", "methods", 0, "destinations", 0, "last_name"}, "Doe"},
		{[]any{"fulfillment", "methods", 0, "groups", 0, "selected_option_id"}, "exp"},
		{[]any{"fulfillment", "methods", 0, "groups", 0, "options", 0, "id"}, "std"},
		{[]any{"fulfillment", "methods", 0, "groups", 0, "options", 0, "earliest_fulfillment_time"}, "2026-05-01T00:00:00Z"},
		{[]any{"fulfillment", "methods", 0, "groups", 0, "options", 1, "totals", 0, "amount"}, 500.0},
		{[]any{"discounts", "codes"}, []any{"TEN", "BAD"}},
		{[]any{"discounts", "applied", 0}, map[string]any{"code": "TEN", "title": "10% off", "amount": 200.0, "method": "each", "priority": 1.0,
			"allocations": []any{map[string]any{"path": "$.line_items[0]", "amount": 200.0}}}},
		{[]any{"discounts", "applied", 1, "automatic"}, true},
		{[]any{"discounts", "applied", 1, "allocations"}, []any{map[string]any{"path": "$.totals.shipping", "amount": 500.0}}},
		{[]any{"messages", 0}, map[string]any{"type": "warning", "code": "discount_code_invalid", "path": "$.discounts.codes[1]", "content": "Code BAD is not valid."}},
		{[]any{"links", 0, "type"}, "terms_of_service"},
	}
	for _, ch := range checks {
		if diff := cmp.Diff(ch.want, testkit.At(m, ch.path...)); diff != "" {
			t.Errorf("%v (-want +got):\n%s", ch.path, diff)
		}
	}
	var sum float64
	for _, tot := range m["totals"].([]any) {
		if tot.(map[string]any)["type"] != "total" {
			sum += tot.(map[string]any)["amount"].(float64)
		}
	}
	if sum != 1980 {
		t.Errorf("totals add up to %v, not the total", sum)
	}

	bareBody, err := c.EncodeSession(session(), bare)
	if err != nil {
		t.Fatal(err)
	}
	ucpschema.Response(t, "shopping/checkout.json", bareBody)
	bm := decode(t, bareBody)
	if bm["fulfillment"] != nil || bm["discounts"] != nil || testkit.At(bm, "ucp", "capabilities", ucp.CapFulfillment) != nil {
		t.Errorf("extensions not negotiated are encoded: %s", bareBody)
	}
}

// TestEncodeSessionURIs: the members checkout.json types as URIs never
// carry a relative or malformed one: a line's image is left out, an
// order's permalink falls back to the storefront.
func TestEncodeSessionURIs(t *testing.T) {
	c := testCodec(t)
	tests := []struct {
		image, permalink     string
		wantImage, wantOrder any
	}{
		{"https://shop.test/a.jpg", "https://shop.test/orders/1", "https://shop.test/a.jpg", "https://shop.test/orders/1"},
		{"/img/a.jpg", "/orders/1", nil, "https://shop.test/"},
		{"a.jpg", "", nil, "https://shop.test/"},
		{"%zz", "http://[::1", nil, "https://shop.test/"},
	}
	for _, tt := range tests {
		t.Run(tt.image, func(t *testing.T) {
			s := session()
			s.Status = model.StatusCompleted
			s.Lines[0].Images = []string{tt.image}
			s.Order = &model.Order{ID: "ord_1", PermalinkURL: tt.permalink}
			body, err := c.EncodeSession(s, full)
			if err != nil {
				t.Fatal(err)
			}
			ucpschema.Response(t, "shopping/checkout.json", body)
			m := decode(t, body)
			if got := testkit.At(m, "line_items", 0, "item", "image_url"); got != tt.wantImage {
				t.Errorf("image_url = %v, want %v", got, tt.wantImage)
			}
			if got := testkit.At(m, "order", "permalink_url"); got != tt.wantOrder {
				t.Errorf("order.permalink_url = %v, want %v", got, tt.wantOrder)
			}
		})
	}
}

// TestStatusMapping: every engine status has its UCP status, and the
// escalations carry continue_url and an error requiring the buyer.
func TestStatusMapping(t *testing.T) {
	c := testCodec(t)
	tests := []struct {
		status      model.Status
		edit        func(*model.Session)
		want        string
		continueURL string
		code        string
	}{
		{model.StatusNotReadyForPayment, nil, "incomplete", "https://shop.test/checkout/cs_1", ""},
		{model.StatusReadyForPayment, nil, "ready_for_complete", "https://shop.test/checkout/cs_1", ""},
		{model.StatusRequiresEscalation, func(s *model.Session) {
			s.ContinueURL = "https://shop.test/sign-in"
			s.Messages = append(s.Messages, acp.Message{Type: acp.MessageError, Code: "requires_sign_in", Param: "$.line_items[0]", Content: "Sign in.", Resolution: acp.ResolutionBuyerInput})
		}, "requires_escalation", "https://shop.test/sign-in", "requires_sign_in"},
		{model.StatusRequiresEscalation, nil, "requires_escalation", "https://shop.test/checkout/cs_1", "requires_escalation"},
		{model.StatusAuthenticationRequired, nil, "requires_escalation", "https://shop.test/checkout/cs_1", "requires_3ds"},
		{model.StatusAuthenticationRequired, func(s *model.Session) {
			s.ContinueURL = "https://psp.test/challenge/1"
		}, "requires_escalation", "https://psp.test/challenge/1", "requires_3ds"},
		{model.StatusCompleteInProgress, nil, "complete_in_progress", "https://shop.test/checkout/cs_1", ""},
		{model.StatusCompleted, func(s *model.Session) {
			s.Order = &model.Order{ID: "ord_1", PermalinkURL: "https://shop.test/orders/ord_1", OrderNumber: "1001"}
		}, "completed", "", ""},
		{model.StatusCanceled, nil, "canceled", "", ""},
		{model.StatusExpired, nil, "canceled", "", ""},
	}
	for _, tt := range tests {
		t.Run(string(tt.status)+"/"+tt.want+"/"+tt.code, func(t *testing.T) {
			s := session()
			s.Status = tt.status
			if tt.edit != nil {
				tt.edit(s)
			}
			body, err := c.EncodeSession(s, full)
			if err != nil {
				t.Fatal(err)
			}
			ucpschema.Response(t, "shopping/fulfillment.json#/$defs/dev.ucp.shopping.checkout", body)
			m := decode(t, body)
			if m["status"] != tt.want || testkit.At(m, "continue_url") != nilIfEmpty(tt.continueURL) {
				t.Fatalf("status %v continue_url %v, want %s %q", m["status"], m["continue_url"], tt.want, tt.continueURL)
			}
			if tt.code != "" {
				msgs, _ := m["messages"].([]any)
				last, _ := msgs[len(msgs)-1].(map[string]any)
				if last["code"] != tt.code || last["severity"] != "requires_buyer_input" {
					t.Errorf("last message = %v, want %s requiring the buyer", last, tt.code)
				}
			}
			if tt.want == "completed" && (testkit.At(m, "order", "id") != "ord_1" || testkit.At(m, "order", "label") != "1001") {
				t.Errorf("order = %v", m["order"])
			}
		})
	}
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// TestMessages: severities, codes and paths of engine messages.
func TestMessages(t *testing.T) {
	tests := []struct {
		in     acp.Message
		status string
		want   messageJSON
	}{
		{acp.Message{Type: acp.MessageError, Code: "missing", Param: "$.fulfillment_details.address", Content: "x", Resolution: acp.ResolutionBuyerInput}, "incomplete",
			messageJSON{Type: "error", Code: "missing", Path: "$.fulfillment.methods", Content: "x", Severity: "recoverable"}},
		{acp.Message{Type: acp.MessageError, Code: "region_restricted", Param: "$.fulfillment_groups[1].fulfillment_details.address", Content: "x", Resolution: acp.ResolutionBuyerInput}, "requires_escalation",
			messageJSON{Type: "error", Code: "address_undeliverable", Path: "$.fulfillment.methods[1]", Content: "x", Severity: "requires_buyer_input"}},
		{acp.Message{Type: acp.MessageError, Code: "payment_declined", Param: "$.payment_data", Content: "x", Resolution: acp.ResolutionRecoverable}, "ready_for_complete",
			messageJSON{Type: "error", Code: "payment_failed", Path: "$.payment", Content: "x", Severity: "recoverable"}},
		{acp.Message{Type: acp.MessageError, Code: "out_of_stock", Param: "$.line_items[0].item.id", Content: "x"}, "incomplete",
			messageJSON{Type: "error", Code: "out_of_stock", Path: "$.line_items[0].item.id", Content: "x", Severity: "recoverable"}},
		{acp.Message{Type: acp.MessageError, Code: "approval_required", Content: "x", Resolution: acp.ResolutionBuyerReview}, "requires_escalation",
			messageJSON{Type: "error", Code: "approval_required", Content: "x", Severity: "requires_buyer_review"}},
		{acp.Message{Type: acp.MessageInfo, Param: "$.capabilities.interventions", Content: "x"}, "incomplete",
			messageJSON{Type: "info", Content: "x"}},
		{acp.Message{Type: acp.MessageWarning, Code: "low_stock", Param: "$.selected_fulfillment_options[0]", Content: "x"}, "incomplete",
			messageJSON{Type: "warning", Code: "low_stock", Path: "$.fulfillment.methods", Content: "x"}},
	}
	for _, tt := range tests {
		got := messages(&model.Session{Messages: acp.Messages{tt.in}}, tt.status)
		if diff := cmp.Diff([]messageJSON{tt.want}, got); diff != "" {
			t.Errorf("%+v (-want +got):\n%s", tt.in, diff)
		}
	}
}

// TestUnavailable: the error_response of a create none of whose items can
// be bought.
func TestUnavailable(t *testing.T) {
	c := testCodec(t)
	zero, some := int64(0), int64(1)
	tests := []struct {
		lines []model.Line
		want  string
	}{
		{[]model.Line{{Found: true, Available: &zero}}, "out_of_stock"},
		{[]model.Line{{Found: false}, {Found: true, Available: &zero}}, "item_unavailable"},
		{[]model.Line{{Found: true, Available: &zero}, {Found: true, Available: &some}}, ""},
		{[]model.Line{{Found: true}}, ""},
		{nil, ""},
	}
	for i, tt := range tests {
		u := Unavailability(&model.Session{Lines: tt.lines})
		if (u == nil) != (tt.want == "") {
			t.Fatalf("%d: Unavailability = %v, want %q", i, u, tt.want)
		}
		if u == nil {
			continue
		}
		body := c.EncodeUnavailable(u)
		ucpschema.Response(t, "shopping/types/error_response.json", body)
		if !strings.Contains(string(body), `"code":"`+tt.want+`"`) || !strings.Contains(string(body), `"continue_url":"https://shop.test/"`) {
			t.Errorf("%d: %s", i, body)
		}
	}
	body := c.EncodeIncompatible("no checkout")
	ucpschema.Response(t, "shopping/types/error_response.json", body)
}
