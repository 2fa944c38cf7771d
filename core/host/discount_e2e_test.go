package host_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/acp-sidecar/acp/config"
	"github.com/acp-sidecar/acp/core/host"
)

// rejectionPromotions give the test store a code for every reason the
// config can reject one: the cart (createBody) is two jackets (600) and
// the ebook (999), 1599 in all.
var rejectionPromotions = []config.Promotion{
	{ID: "first10", Name: "10% off, alone", Code: "FIRST10", Kind: "percent_off", Value: 10, Priority: 1},
	{ID: "stack5", Name: "$5 off", Code: "STACK5", Kind: "amount_off", Value: 500, Combinable: true, Priority: 2},
	{ID: "old", Name: "Old", Code: "OLD", Kind: "amount_off", Value: 100, EndsAt: "2020-01-01T00:00:00Z"},
	{ID: "soon", Name: "Soon", Code: "SOON", Kind: "amount_off", Value: 100, StartsAt: "2099-01-01T00:00:00Z"},
	{ID: "big", Name: "Big spender", Code: "BIG", Kind: "amount_off", Value: 100, MinSubtotal: 100000},
	{ID: "soldout", Name: "Sold-out thing", Code: "SOLDOUT", Kind: "percent_off", Value: 50, AppliesTo: "items", Items: []string{"sold-out"}},
}

// discountCreate is createBody negotiating the discount extension with
// codes.
func discountCreate(codes ...string) string {
	list, _ := json.Marshal(codes)
	return `{"line_items":[{"id":"item_123","quantity":2},{"id":"ebook"}],"currency":"usd","capabilities":{"extensions":["discount"],"interventions":{"supported":["3ds"]}},"discounts":{"codes":` + string(list) + `}}`
}

// TestDiscountRejectionsOverHTTP: each reason the config can reject a code
// for (usage limits, which holds wire into the host, are covered in
// core/checkout) gives, under 2026-04-17 and 2026-01-30, the code in
// discounts.rejected with its reason and a warning with the same code at
// $.discounts.codes[i], while the codes that apply still do; an update
// replacing the codes clears the rejections.
func TestDiscountRejectionsOverHTTP(t *testing.T) {
	t.Parallel()
	cfg := loadTestConfig(t, filepath.Join(t.TempDir(), "data"))
	cfg.Promotions = rejectionPromotions
	cfg.SetDefaults(host.ConfigOptions("127.0.0.1:0"))
	s := startServer(t, cfg)
	type rejection struct{ code, reason string }
	cases := map[string]struct {
		codes    []string
		applied  []string
		rejected []rejection
	}{
		"unknown":              {[]string{"NOPE"}, nil, []rejection{{"NOPE", "discount_code_invalid"}}},
		"expired":              {[]string{"OLD"}, nil, []rejection{{"OLD", "discount_code_expired"}}},
		"not yet started":      {[]string{"SOON"}, nil, []rejection{{"SOON", "discount_code_invalid"}}},
		"covers no item":       {[]string{"SOLDOUT"}, nil, []rejection{{"SOLDOUT", "discount_code_invalid"}}},
		"minimum not met":      {[]string{"BIG"}, nil, []rejection{{"BIG", "discount_code_minimum_not_met"}}},
		"not combinable":       {[]string{"FIRST10", "STACK5"}, []string{"FIRST10"}, []rejection{{"STACK5", "discount_code_combination_disallowed"}}},
		"already applied":      {[]string{"first10", "FIRST10"}, []string{"first10"}, []rejection{{"FIRST10", "discount_code_already_applied"}}},
		"several, in order":    {[]string{"NOPE", "STACK5", "OLD", "stack5"}, []string{"STACK5"}, []rejection{{"NOPE", "discount_code_invalid"}, {"OLD", "discount_code_expired"}, {"stack5", "discount_code_already_applied"}}},
		"combinable, alone ok": {[]string{"STACK5"}, []string{"STACK5"}, nil},
	}
	for _, version := range []string{v0417, v0130} {
		for name, c := range cases {
			t.Run(version+"/"+name, func(t *testing.T) {
				t.Parallel()
				validateRequest(t, version, "CheckoutSessionCreateRequest", discountCreate(c.codes...))
				validateRequest(t, version, "CheckoutSessionUpdateRequest", `{"discounts":{"codes":[]}}`)
				created := s.do(t, request{path: "/checkout_sessions", version: version, body: discountCreate(c.codes...)})
				wantStatus(t, created, http.StatusCreated)
				got := decodeSession(t, created.body)
				var applied []string
				for _, a := range got.Discounts.Applied {
					applied = append(applied, a.Code)
				}
				var rejected []rejection
				for _, r := range got.Discounts.Rejected {
					rejected = append(rejected, rejection{r.Code, r.Reason})
				}
				if fmt.Sprint(applied) != fmt.Sprint(c.applied) || fmt.Sprint(rejected) != fmt.Sprint(c.rejected) {
					t.Errorf("applied %v rejected %v, want %v and %v", applied, rejected, c.applied, c.rejected)
				}
				if fmt.Sprint(got.Discounts.Codes) != fmt.Sprint(c.codes) {
					t.Errorf("codes = %v, want them echoed as sent: %v", got.Discounts.Codes, c.codes)
				}
				var warnings []string
				for _, m := range got.Messages {
					if m.Type == "warning" && strings.HasPrefix(m.Code, "discount_code_") {
						warnings = append(warnings, m.Code+" "+m.Param)
					}
				}
				var want []string
				for _, r := range c.rejected {
					for i, code := range c.codes {
						if code == r.code {
							want = append(want, fmt.Sprintf("%s $.discounts.codes[%d]", r.reason, i))
						}
					}
				}
				if fmt.Sprint(warnings) != fmt.Sprint(want) {
					t.Errorf("warnings %v, want %v", warnings, want)
				}
				wantTotalsAddUp(t, got)
				id := created.json(t)["id"].(string)
				cleared := s.do(t, request{path: "/checkout_sessions/" + id, version: version, body: `{"discounts":{"codes":[]}}`})
				wantStatus(t, cleared, http.StatusOK)
				after := decodeSession(t, cleared.body)
				if len(after.Discounts.Codes)+len(after.Discounts.Applied)+len(after.Discounts.Rejected) != 0 || strings.Contains(string(cleared.body), `"discount_code_`) {
					t.Errorf("codes cleared, yet: %s", cleared.body)
				}
			})
		}
	}
}

// TestDemoStoreCodes loads the real demo config (acp.yaml): WELCOME10
// takes 10 % off the order and SPRING5 is rejected as expired, with the
// figures step 7 of the README's walkthrough ("try a code") shows.
func TestDemoStoreCodes(t *testing.T) {
	t.Parallel()
	cfg := loadConfig(t, "../../acp.yaml", filepath.Join(t.TempDir(), "data"))
	s := startServer(t, cfg)
	body := `{"line_items":[{"id":"mug-classic","quantity":2},{"id":"guide-brewing-ebook"}],"currency":"usd","capabilities":{"extensions":["discount"]},"discounts":{"codes":["WELCOME10","SPRING5"]}}`
	for _, version := range []string{v0417, v0130} {
		validateRequest(t, version, "CheckoutSessionCreateRequest", body)
		created := s.do(t, request{path: "/checkout_sessions", version: version, token: demoToken, body: body})
		wantStatus(t, created, http.StatusCreated)
		got := decodeSession(t, created.body)
		if len(got.Discounts.Applied) != 1 || got.Discounts.Applied[0].Code != "WELCOME10" || got.Discounts.Applied[0].Amount != 400 {
			t.Errorf("%s: applied %+v, want WELCOME10 for 400 (10 %% of 3999)", version, got.Discounts.Applied)
		}
		if len(got.Discounts.Rejected) != 1 || got.Discounts.Rejected[0].Code != "SPRING5" || got.Discounts.Rejected[0].Reason != "discount_code_expired" {
			t.Errorf("%s: rejected %+v, want SPRING5 as discount_code_expired", version, got.Discounts.Rejected)
		}
		wantRejectionWarnings(t, got)
		wantTotalsAddUp(t, got)
		if tot := sumTotals(got.Totals); tot["discount"] != 400 || tot["subtotal"] != 3999 {
			t.Errorf("%s: totals %v, want subtotal 3999 and discount 400", version, tot)
		}
	}
}

// autoTenPercent is an automatic promotion: 10 % off the whole order.
var autoTenPercent = config.Promotion{ID: "auto10", Name: "10% off everything", Kind: "percent_off", Value: 10}

// TestLegacyVersionsAutomaticDiscount: under the versions before
// 2026-01-30, which have no discount extension, an automatic promotion
// shows in the version's discount total and the total is after it; the
// session has no discounts member (no codes).
func TestLegacyVersionsAutomaticDiscount(t *testing.T) {
	t.Parallel()
	cfg := loadTestConfig(t, filepath.Join(t.TempDir(), "data"))
	cfg.Promotions = []config.Promotion{autoTenPercent}
	cfg.SetDefaults(host.ConfigOptions("127.0.0.1:0"))
	s := startServer(t, cfg)
	for _, version := range legacyVersions {
		t.Run(version, func(t *testing.T) {
			t.Parallel()
			created := s.do(t, request{path: "/checkout_sessions", version: version, body: legacyCreateBody})
			wantStatus(t, created, http.StatusCreated)
			id := created.json(t)["id"].(string)
			updated := s.do(t, request{path: "/checkout_sessions/" + id, version: version, body: legacyUpdateBody(version)})
			wantStatus(t, updated, http.StatusOK)
			for _, r := range []response{created, updated} {
				m := r.json(t)
				if _, ok := m["discounts"]; ok || strings.Contains(string(r.body), `"codes"`) {
					t.Errorf("a %s session has discounts or codes: %s", version, r.body)
				}
				var sess wireSession
				_ = json.Unmarshal(r.body, &sess)
				tot := sumTotals(sess.Totals)
				// 10 % of the items' 1599, rounded half up.
				if tot["discount"] != 160 || tot["items_base_amount"] != 1599 {
					t.Errorf("totals %v, want items 1599 and discount 160", tot)
				}
				if tot["total"] != tot["subtotal"]-tot["discount"]+tot["fulfillment"]+tot["tax"] {
					t.Errorf("total %d != subtotal %d - discount %d + fulfillment %d + tax %d", tot["total"], tot["subtotal"], tot["discount"], tot["fulfillment"], tot["tax"])
				}
			}
			// Tax is on what is paid: the jackets' 600 less their 60 share
			// and the ebook's 999 less its 100, at 10 %, with the taxable
			// express shipping's 50.
			if tot := sumTotals(decodeSession(t, updated.body).Totals); tot["tax"] != 54+90+50 || tot["total"] != 1599-160+500+194 {
				t.Errorf("tax %d total %d, want 194 and 2133", tot["tax"], tot["total"])
			}
		})
	}
}

// TestDiscountedOrder completes a checkout with a code under 2026-04-17:
// the complete answer's order, the order_create webhook and the merchant
// API's order (checked against docs/merchant-api.openapi.yaml) all carry
// the discount.
func TestDiscountedOrder(t *testing.T) {
	t.Parallel()
	recv := newReceiver(t, v0417)
	recv.start()
	cfg, env := webhookConfig(t, t.TempDir(), recv.url)
	cfg.Promotions = []config.Promotion{{ID: "save10", Name: "10% off", Code: "SAVE10", Kind: "percent_off", Value: 10}}
	cfg.SetDefaults(host.ConfigOptions("127.0.0.1:0"))
	s := startServerEnv(t, cfg, env)
	create := discountCreate("SAVE10")
	validateRequest(t, v0417, "CheckoutSessionCreateRequest", create)
	created := s.do(t, request{path: "/checkout_sessions", body: create})
	wantStatus(t, created, http.StatusCreated)
	id := created.json(t)["id"].(string)
	validateRequest(t, v0417, "CheckoutSessionUpdateRequest", addressBody)
	wantStatus(t, s.do(t, request{path: "/checkout_sessions/" + id, body: addressBody}), http.StatusOK)
	complete := fmt.Sprintf(completeBody, "spt_ok")
	validateRequest(t, v0417, "CheckoutSessionCompleteRequest", complete)
	done := s.do(t, request{path: "/checkout_sessions/" + id + "/complete", body: complete})
	wantStatus(t, done, http.StatusOK)
	var answer struct {
		Order struct {
			Totals []wireTotal `json:"totals"`
		} `json:"order"`
	}
	if err := json.Unmarshal(done.body, &answer); err != nil {
		t.Fatal(err)
	}
	// 10 % of the items' 1599, rounded half up; tax on what is paid
	// (docs/discounts.md): 194; total 1599 - 160 + 500 + 194.
	wantOrderTotals := func(where string, totals []wireTotal) {
		t.Helper()
		tot := sumTotals(totals)
		if tot["discount"] != 160 || tot["total"] != 2133 || tot["subtotal"] != 1599 || tot["tax"] != 194 {
			t.Errorf("%s totals %v, want subtotal 1599, discount 160, tax 194, total 2133", where, tot)
		}
	}
	wantOrderTotals("the complete answer's order", answer.Order.Totals)
	got := recv.waitFor(1)
	if got[0].eventType != "order_create" {
		t.Fatalf("first event %s, want order_create", got[0].eventType)
	}
	data, _ := json.Marshal(got[0].data)
	var event struct {
		Totals []wireTotal `json:"totals"`
	}
	if err := json.Unmarshal(data, &event); err != nil {
		t.Fatal(err)
	}
	wantOrderTotals("the order_create webhook's", event.Totals)

	m := &merchantClient{t: t, base: s.base, api: loadOpenAPI(t), checked: map[string]bool{}}
	status, body := m.call(http.MethodGet, "/orders/ord_"+strings.TrimPrefix(id, "cs_"), "", merchantToken)
	if status != http.StatusOK {
		t.Fatalf("merchant order: %d", status)
	}
	raw, _ := json.Marshal(body)
	var order struct {
		Total     int64            `json:"total"`
		Totals    map[string]int64 `json:"totals"`
		Discounts []struct {
			Code        string  `json:"code"`
			PercentOff  float64 `json:"percent_off"`
			Amount      int64   `json:"amount"`
			Allocations []struct {
				LineID string `json:"line_id"`
				Amount int64  `json:"amount"`
			} `json:"allocations"`
		} `json:"discounts"`
	}
	if err := json.Unmarshal(raw, &order); err != nil {
		t.Fatal(err)
	}
	if order.Total != 2133 || order.Totals["discount"] != 160 || len(order.Discounts) != 1 {
		t.Fatalf("merchant order: %s", raw)
	}
	d := order.Discounts[0]
	if d.Code != "SAVE10" || d.PercentOff != 10 || d.Amount != 160 || len(d.Allocations) != 2 ||
		d.Allocations[0].LineID != "li_item_123" || d.Allocations[0].Amount != 60 || d.Allocations[1].LineID != "li_ebook" || d.Allocations[1].Amount != 100 {
		t.Errorf("merchant order discounts: %s", raw)
	}
}
