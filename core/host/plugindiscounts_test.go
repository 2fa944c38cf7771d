package host_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/acp-sidecar/acp/config"
	"github.com/acp-sidecar/acp/core/host"
	"github.com/acp-sidecar/acp/internal/testkit"
)

// printsPromotion is a promotion the tests give both ways: 10 % off the
// items of the category prints, automatically.
var printsPromotion = config.Promotion{ID: "prints10", Name: "Prints 10%", Kind: "percent_off", Value: 10, AppliesTo: "categories", Categories: []string{"prints"}}

// sessionIDs matches what differs between two servers' identical
// sessions: ids and times.
var sessionIDs = regexp.MustCompile(`"(id|checkout_session_id|created_at|updated_at|expires_at)":"[^"]*"`)

// codedPromotions are the promotions the tests give both ways with codes:
// the prints' automatic 10 % (made combinable), a WELCOME-style 10 % off
// the order, an amount off the poster, free shipping and an expired code.
var codedPromotions = []config.Promotion{
	{ID: "welcome10", Name: "10% off your order", Code: "WELCOME10", Kind: "percent_off", Value: 10, Combinable: true, Priority: 2},
	{ID: "poster5", Name: "$5 off the poster", Code: "POSTER5", Kind: "amount_off", Value: 500, AppliesTo: "items", Items: []string{"poster"}, Combinable: true, Priority: 1},
	{ID: "shipfree", Name: "Free shipping", Code: "SHIPFREE", Kind: "free_shipping", Combinable: true, Priority: 3},
	{ID: "old", Name: "Old", Code: "OLD", Kind: "amount_off", Value: 100, EndsAt: "2020-01-01T00:00:00Z", Combinable: true},
	{ID: printsPromotion.ID, Name: printsPromotion.Name, Kind: printsPromotion.Kind, Value: printsPromotion.Value, AppliesTo: printsPromotion.AppliesTo, Categories: printsPromotion.Categories, Combinable: true},
}

// promotionFile is a promotion as the catalog-file plugin's promotions
// file spells it.
func promotionFile(p config.Promotion) map[string]any {
	return map[string]any{"id": p.ID, "name": p.Name, "code": p.Code, "kind": p.Kind, "value": p.Value, "applies_to": p.AppliesTo,
		"items": p.Items, "categories": p.Categories, "min_subtotal": p.MinSubtotal, "starts_at": p.StartsAt, "ends_at": p.EndsAt,
		"max_uses": p.MaxUses, "combinable": p.Combinable, "priority": p.Priority}
}

// builtInAndPlugin returns two stores selling the limited print (digital)
// and a poster (shipped) with promotions: one with the built-in catalog
// and promotions in acp.yaml, one with acp-plugin-catalog-file serving
// the same items and promotions.
func builtInAndPlugin(t *testing.T, promotions []config.Promotion) (builtIn, plugin *config.Config) {
	t.Helper()
	stock, posters := int64(5), int64(5)
	builtIn = loadTestConfig(t, filepath.Join(t.TempDir(), "data"))
	builtIn.Catalog.Items = append(builtIn.Catalog.Items,
		config.CatalogItem{SKU: "limited", Title: "Limited print", UnitPrice: 2500, Stock: &stock, FulfillmentTypes: []string{"digital"}, Categories: []string{"prints"}},
		config.CatalogItem{SKU: "poster", Title: "Poster", UnitPrice: 1500, Stock: &posters, FulfillmentTypes: []string{"shipping"}, Categories: []string{"posters"}},
	)
	builtIn.Promotions = promotions
	builtIn.SetDefaults(host.ConfigOptions("127.0.0.1:0"))

	dir := t.TempDir()
	csv := filepath.Join(dir, "products.csv")
	if err := os.WriteFile(csv, []byte("sku,title,unit_price,stock,fulfillment_types,categories\nlimited,Limited print,2500,5,digital,prints\nposter,Poster,1500,5,shipping,posters\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var file []map[string]any
	for _, p := range promotions {
		file = append(file, promotionFile(p))
	}
	data, err := json.Marshal(file)
	if err != nil {
		t.Fatal(err)
	}
	promotionsPath := filepath.Join(dir, "promotions.json")
	if err := os.WriteFile(promotionsPath, data, 0o600); err != nil {
		t.Fatal(err)
	}
	plugin = loadTestConfig(t, filepath.Join(dir, "data"))
	plugin.Capabilities.Catalog = "catalog"
	plugin.Plugins = append(plugin.Plugins, config.Plugin{
		Name: "catalog", Command: testkit.Binary(t, "acp-plugin-catalog-file"),
		Config: map[string]any{"path": csv, "reload_interval": "0s", "promotions": promotionsPath},
	})
	plugin.SetDefaults(host.ConfigOptions("127.0.0.1:0"))
	return builtIn, plugin
}

// TestPluginDiscountsSameAsBuiltIn: a session priced with the catalog
// plugin's discounts (acp-plugin-catalog-file with a promotions file) is
// the session the same promotions in acp.yaml give with the built-in
// catalog, and both are discounted: without codes (the automatic
// promotion), and with codes under 2026-04-17 and 2026-01-30 (a percent
// off the order, an amount off an item, free shipping, an unknown and an
// expired code), on create and after the update choosing shipping.
func TestPluginDiscountsSameAsBuiltIn(t *testing.T) {
	t.Parallel()
	t.Run("automatic", func(t *testing.T) {
		t.Parallel()
		builtIn, plugin := builtInAndPlugin(t, []config.Promotion{printsPromotion})
		var bodies [2]string
		for i, cfg := range []*config.Config{builtIn, plugin} {
			s := startServer(t, cfg)
			r := s.do(t, request{path: "/checkout_sessions", body: limitedBody})
			wantStatus(t, r, http.StatusCreated)
			bodies[i] = sessionIDs.ReplaceAllString(string(r.body), `"$1":"-"`)
		}
		if bodies[0] != bodies[1] {
			t.Errorf("the plugin's session differs from the built-in one:\nbuilt-in: %s\nplugin:   %s", bodies[0], bodies[1])
		}
		if !regexp.MustCompile(`"type":"items_discount","display_text":"[^"]*","amount":250`).MatchString(bodies[1]) {
			t.Errorf("the session shows no discount of 250: %s", bodies[1])
		}
	})
	t.Run("codes", func(t *testing.T) {
		t.Parallel()
		builtIn, plugin := builtInAndPlugin(t, codedPromotions)
		servers := [2]*server{startServer(t, builtIn), startServer(t, plugin)}
		create := `{"line_items":[{"id":"limited"},{"id":"poster"}],"currency":"usd","capabilities":{"extensions":["discount"]},"discounts":{"codes":["welcome10","POSTER5","NOPE","SHIPFREE","OLD"]}}`
		update := `{"fulfillment_details":{"name":"Ada","email":"ada@example.com","address":{"name":"Ada","line_one":"1 Test St","city":"San Francisco","state":"CA","country":"US","postal_code":"94131"}},"selected_fulfillment_options":[{"type":"shipping","option_id":"fulfillment_option_456","item_ids":["li_poster"]}]}`
		for _, version := range []string{v0417, v0130} {
			validateRequest(t, version, "CheckoutSessionCreateRequest", create)
			validateRequest(t, version, "CheckoutSessionUpdateRequest", update)
			var created, updated [2]string
			for i, s := range servers {
				c := s.do(t, request{path: "/checkout_sessions", version: version, body: create})
				wantStatus(t, c, http.StatusCreated)
				u := s.do(t, request{path: "/checkout_sessions/" + c.json(t)["id"].(string), version: version, body: update})
				wantStatus(t, u, http.StatusOK)
				created[i] = sessionIDs.ReplaceAllString(string(c.body), `"$1":"-"`)
				updated[i] = sessionIDs.ReplaceAllString(string(u.body), `"$1":"-"`)
			}
			if created[0] != created[1] || updated[0] != updated[1] {
				t.Errorf("%s: the plugin's sessions differ from the built-in ones:\nbuilt-in: %s\nplugin:   %s\nbuilt-in: %s\nplugin:   %s", version, created[0], created[1], updated[0], updated[1])
			}
			got := decodeSession(t, []byte(updated[1]))
			var applied, rejected []string
			for _, a := range got.Discounts.Applied {
				applied = append(applied, fmt.Sprintf("%s:%d", a.Code, a.Amount))
			}
			for _, r := range got.Discounts.Rejected {
				rejected = append(rejected, r.Code+":"+r.Reason)
			}
			// POSTER5 first: 500 off the poster (1000 left); WELCOME10:
			// 10 % of 2500 + 1000 = 350; SHIPFREE: the express 500; then
			// the prints' 10 % of the 2250 left of the print: 225.
			want := "[POSTER5:500 welcome10:350 SHIPFREE:500 :225] [NOPE:discount_code_invalid OLD:discount_code_expired]"
			if fmt.Sprint(applied, " ", rejected) != want {
				t.Errorf("%s: applied %v rejected %v, want %s", version, applied, rejected, want)
			}
			wantRejectionWarnings(t, got)
			wantTotalsAddUp(t, got)
		}
	})
}
