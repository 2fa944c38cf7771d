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
// figures the README's "try a code" step shows.
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
