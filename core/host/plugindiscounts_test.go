package host_test

import (
	"encoding/json"
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

// TestPluginDiscountsSameAsBuiltIn: a session priced with the catalog
// plugin's discounts (acp-plugin-catalog-file with a promotions file) is
// the session the same promotion in acp.yaml gives with the built-in
// catalog, and both are discounted.
func TestPluginDiscountsSameAsBuiltIn(t *testing.T) {
	t.Parallel()
	stock := int64(5)
	builtIn := loadTestConfig(t, filepath.Join(t.TempDir(), "data"))
	builtIn.Catalog.Items = append(builtIn.Catalog.Items, config.CatalogItem{
		SKU: "limited", Title: "Limited print", UnitPrice: 2500, Stock: &stock, FulfillmentTypes: []string{"digital"}, Categories: []string{"prints"},
	})
	builtIn.Promotions = []config.Promotion{printsPromotion}
	builtIn.SetDefaults(host.ConfigOptions("127.0.0.1:0"))

	dir := t.TempDir()
	csv := filepath.Join(dir, "products.csv")
	if err := os.WriteFile(csv, []byte("sku,title,unit_price,stock,fulfillment_types,categories\nlimited,Limited print,2500,5,digital,prints\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	promotions, err := json.Marshal([]map[string]any{{"id": printsPromotion.ID, "name": printsPromotion.Name, "kind": printsPromotion.Kind,
		"value": printsPromotion.Value, "applies_to": printsPromotion.AppliesTo, "categories": printsPromotion.Categories}})
	if err != nil {
		t.Fatal(err)
	}
	promotionsPath := filepath.Join(dir, "promotions.json")
	if err := os.WriteFile(promotionsPath, promotions, 0o600); err != nil {
		t.Fatal(err)
	}
	plugin := loadTestConfig(t, filepath.Join(dir, "data"))
	plugin.Capabilities.Catalog = "catalog"
	plugin.Plugins = append(plugin.Plugins, config.Plugin{
		Name: "catalog", Command: testkit.Binary(t, "acp-plugin-catalog-file"),
		Config: map[string]any{"path": csv, "reload_interval": "0s", "promotions": promotionsPath},
	})
	plugin.SetDefaults(host.ConfigOptions("127.0.0.1:0"))

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
}
