package host_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"testing"

	"github.com/acp-sidecar/acp/config"
)

// onceBody creates a session for one "print" with the usage-limited code
// ONCE, the discount extension negotiated.
const onceBody = `{"line_items":[{"id":"print"}],"currency":"usd","capabilities":{"extensions":["discount"],"interventions":{"supported":["3ds"]}},"discounts":{"codes":["ONCE"]}}`

// TestDiscountCodeUsageLimit: a code with max_uses 1 over real HTTP, with
// no item stock-controlled. The first complete takes its use (the
// merchant API shows discount:once sold); a second session that applied
// it while the use was free is re-priced without it on complete, with
// price_change and discount_code_usage_limit_reached and nothing charged,
// and a new session has the code rejected on create.
func TestDiscountCodeUsageLimit(t *testing.T) {
	t.Parallel()
	cfg := loadTestConfig(t, filepath.Join(t.TempDir(), "data"))
	cfg.MerchantAPI.LocalOnlyToken = merchantToken
	cfg.Catalog.Items = append(cfg.Catalog.Items, config.CatalogItem{
		SKU: "print", Title: "Print", UnitPrice: 2000, FulfillmentTypes: []string{"digital"},
	})
	cfg.Promotions = []config.Promotion{{ID: "once", Name: "Once", Code: "once", Kind: "amount_off", Value: 500, MaxUses: 1}}
	s := startServer(t, cfg)
	wantStock(t, s.stockOf(t, "discount:once"), 1, 0, 0)

	create := func() (string, map[string]any) {
		t.Helper()
		r := s.do(t, request{path: "/checkout_sessions", body: onceBody})
		wantStatus(t, r, http.StatusCreated)
		body := r.json(t)
		if status(t, r) != "ready_for_payment" {
			t.Fatalf("session not ready: %s", r.body)
		}
		return body["id"].(string), body
	}
	first, body := create()
	if got := appliedAmount(body); got != 500 {
		t.Fatalf("first session's discount = %d, want 500: %v", got, body["discounts"])
	}
	second, _ := create()

	done := s.do(t, request{path: "/checkout_sessions/" + first + "/complete", body: fmt.Sprintf(completeBody, "spt_ok")})
	if status(t, done) != "completed" {
		t.Fatalf("first complete: %s", done.body)
	}
	wantStock(t, s.stockOf(t, "discount:once"), 0, 0, 1)

	refused := s.do(t, request{path: "/checkout_sessions/" + second + "/complete", body: fmt.Sprintf(completeBody, "spt_ok")})
	wantStatus(t, refused, http.StatusOK)
	if st := status(t, refused); st == "completed" {
		t.Fatalf("second complete used a spent code: %s", refused.body)
	}
	if codes := allMessageCodes(t, refused); !slices.Contains(codes, "price_change") || !slices.Contains(codes, "discount_code_usage_limit_reached") {
		t.Errorf("second complete's messages %v, want price_change and discount_code_usage_limit_reached\n%s", codes, refused.body)
	}
	if _, ok := refused.json(t)["order"]; ok {
		t.Errorf("refused complete has an order: %s", refused.body)
	}
	if got := appliedAmount(refused.json(t)); got != 0 {
		t.Errorf("second session still discounted by %d: %s", got, refused.body)
	}
	if got := totalOf(t, refused.json(t), "subtotal"); got != 2000 {
		t.Errorf("second session's subtotal = %d, want 2000 (without the 500 off): %s", got, refused.body)
	}
	if got, first := totalOf(t, refused.json(t), "total"), totalOf(t, body, "total"); got <= first {
		t.Errorf("second session's total = %d, want more than the discounted %d: %s", got, first, refused.body)
	}
	wantStock(t, s.stockOf(t, "discount:once"), 0, 0, 1)

	orders := s.do(t, request{method: http.MethodGet, path: "/merchant/orders?limit=10", token: merchantToken, noVersion: true})
	var list struct {
		Orders []json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(orders.body, &list); err != nil || len(list.Orders) != 1 {
		t.Errorf("orders = %s (%v), want exactly one", orders.body, err)
	}

	r := s.do(t, request{path: "/checkout_sessions", body: onceBody})
	wantStatus(t, r, http.StatusCreated)
	if codes := allMessageCodes(t, r); !slices.Contains(codes, "discount_code_usage_limit_reached") {
		t.Errorf("a new session with the spent code has messages %v, want discount_code_usage_limit_reached\n%s", codes, r.body)
	}
}

// allMessageCodes returns the codes of a session body's messages, of
// every type.
func allMessageCodes(t *testing.T, r response) []string {
	t.Helper()
	var body struct {
		Messages []struct {
			Code string `json:"code"`
		} `json:"messages"`
	}
	if err := json.Unmarshal(r.body, &body); err != nil {
		t.Fatalf("session body: %v", err)
	}
	var out []string
	for _, m := range body.Messages {
		out = append(out, m.Code)
	}
	return out
}

// appliedAmount adds up the amounts of a session body's applied
// discounts.
func appliedAmount(body map[string]any) int64 {
	d, _ := body["discounts"].(map[string]any)
	applied, _ := d["applied"].([]any)
	var sum int64
	for _, a := range applied {
		m, _ := a.(map[string]any)
		amount, _ := m["amount"].(float64)
		sum += int64(amount)
	}
	return sum
}
