package main

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/acp-sidecar/acp/sdk/acp"
	"github.com/acp-sidecar/acp/sdk/acptest"
	"github.com/acp-sidecar/acp/sdk/catalog"
	"github.com/acp-sidecar/acp/sdk/promotion"
)

// promotionsJSON is a promotions file: a limited code, an automatic
// category promotion, a code not started yet and free shipping.
const promotionsJSON = `[
  {"id": "welcome", "name": "Welcome 10%", "code": "WELCOME10", "kind": "percent_off", "value": 10, "max_uses": 1, "priority": 1},
  {"id": "kitchen", "kind": "amount_off", "value": 300, "applies_to": "categories", "categories": ["kitchen"], "combinable": true},
  {"id": "later", "code": "LATER", "kind": "percent_off", "value": 5, "starts_at": "2999-01-01"},
  {"id": "ship", "code": "SHIPFREE", "kind": "free_shipping", "min_subtotal": 2000}
]`

// categoriesCSV is a catalog whose mug is in the kitchen category.
const categoriesCSV = `sku,title,unit_price,stock,categories
mug,Mug,1500,10,kitchen|gifts
tee,Tee,2000,,
`

// promotionsCart is a cart of the catalog above.
func promotionsCart(codes ...string) *catalog.DiscountRequest {
	return &catalog.DiscountRequest{
		Currency: "usd", Codes: codes, At: time.Now().UTC(),
		Lines: []catalog.DiscountLine{
			{ID: "li_1", ItemID: "mug", Categories: []string{"kitchen", "gifts"}, Quantity: 2, UnitPrice: 1500, Subtotal: 3000},
			{ID: "li_2", ItemID: "tee", Quantity: 1, UnitPrice: 2000, Subtotal: 2000},
		},
		Fulfillment: []catalog.FulfillmentCharge{{ID: "ship_std", LineIDs: []string{"li_1", "li_2"}, Amount: 500}},
	}
}

// promotionsPlugin serves categoriesCSV with promotionsJSON in dir.
func promotionsPlugin(t *testing.T, dir string) (*acptest.Plugin, string) {
	t.Helper()
	cfg := configFor(t, map[string]any{
		"path":       writeFile(t, dir, "products.csv", categoriesCSV),
		"promotions": writeFile(t, dir, "promotions.json", promotionsJSON), "reload_interval": "0s",
	})
	return newPlugin(t, cfg), cfg
}

// TestDiscountConformance checks every contract of catalog.discounts on
// the promotions file.
func TestDiscountConformance(t *testing.T) {
	t.Parallel()
	c := newFileCatalog(slog.New(slog.DiscardHandler))
	t.Cleanup(c.Close)
	dir := t.TempDir()
	cfg := configFor(t, map[string]any{
		"path":       writeFile(t, dir, "products.csv", categoriesCSV),
		"promotions": writeFile(t, dir, "promotions.json", promotionsJSON),
	})
	cart := promotionsCart("welcome10", "LATER", "SHIPFREE")
	cart.At = time.Time{}
	acptest.RunDiscountConformance(t, c.serveOpts(), acptest.DiscountSuite{Cart: *cart}, acptest.WithConfig(cfg))
}

// TestCategories: the catalog file's categories reach the host.
func TestCategories(t *testing.T) {
	t.Parallel()
	p, _ := promotionsPlugin(t, t.TempDir())
	items := resolve(t, p, "usd", "mug", "tee")
	if !cmp.Equal(items[0].Categories, []string{"kitchen", "gifts"}) || len(items[1].Categories) != 0 {
		t.Errorf("categories = %v, %v; want [kitchen gifts] and none", items[0].Categories, items[1].Categories)
	}
}

// TestSameAsBuiltIn: the plugin's answer, through the plugin protocol, is
// the promotion engine's over the same promotions, as acp.yaml's would be
// (the host's built-in promotions use the same engine).
func TestSameAsBuiltIn(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p, _ := promotionsPlugin(t, dir)
	promotions, err := loadPromotions(filepath.Join(dir, "promotions.json"))
	if err != nil {
		t.Fatal(err)
	}
	builtIn := promotion.New(promotions, nil)
	for _, codes := range [][]string{nil, {"welcome10"}, {"LATER", "nope", "SHIPFREE"}, {"SHIPFREE", "shipfree"}} {
		req := promotionsCart(codes...)
		req.At = req.At.Truncate(time.Second)
		got, err := p.Discounts().Evaluate(context.Background(), req)
		if err != nil {
			t.Fatalf("Evaluate(%v) = %v", codes, err)
		}
		want, err := builtIn.Evaluate(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("codes %v: the plugin's answer differs from the built-in one (-built-in +plugin):\n%s", codes, diff)
		}
		if err := catalog.CheckDiscounts(req, got); err != nil {
			t.Errorf("codes %v: %v", codes, err)
		}
	}
}

// TestUsageLimitedCode: a code with max_uses 1 is held with the stock
// under the attempt's key; a second attempt cannot hold it while the
// first does, can once it is released, and once an order is placed with
// it the code is used up, also after a restart (the state file keeps the
// count).
func TestUsageLimitedCode(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p, cfg := promotionsPlugin(t, dir)
	ctx := context.Background()
	later := time.Now().Add(time.Hour)
	reserve := func(p *acptest.Plugin, key string) *catalog.ReserveResponse {
		t.Helper()
		resp, err := p.StockReservations().Reserve(ctx, &catalog.ReserveRequest{Key: key, ExpiresAt: later,
			Lines: []catalog.StockLine{{SKU: "mug", Quantity: 1}}, DiscountCodes: []string{"welcome10"}})
		if err != nil {
			t.Fatalf("Reserve(%s) = %v", key, err)
		}
		return resp
	}
	applied := func(p *acptest.Plugin) *catalog.DiscountResponse {
		t.Helper()
		resp, err := p.Discounts().Evaluate(ctx, promotionsCart("welcome10"))
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	if resp := applied(p); len(resp.Applied) == 0 || resp.Applied[0].ID != "welcome" || !resp.Applied[0].UsageLimited {
		t.Fatalf("Evaluate = %+v, want welcome applied, usage-limited", resp)
	}
	if resp := reserve(p, "a"); !resp.Held {
		t.Fatalf("the first hold = %+v, want held", resp)
	}
	if resp := applied(p); len(resp.Applied) == 0 || resp.Applied[0].ID != "welcome" {
		t.Errorf("Evaluate while held = %+v, want still applied (the hold may be the buyer's own)", resp)
	}
	want := []catalog.Shortfall{{SKU: "discount:welcome10"}}
	if resp := reserve(p, "b"); resp.Held || !cmp.Equal(resp.Shortfalls, want) {
		t.Errorf("a second hold = %+v, want the shortfall %v", resp, want)
	}
	if err := p.StockReservations().Release(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if resp := reserve(p, "b"); !resp.Held {
		t.Fatalf("a hold after the release = %+v, want held", resp)
	}
	if err := p.StockReservations().Commit(ctx, "b"); err != nil {
		t.Fatal(err)
	}
	p.Kill()

	again := newPlugin(t, cfg)
	resp := applied(again)
	if len(resp.Applied) != 1 || resp.Applied[0].ID != "kitchen" || len(resp.Rejected) != 1 || resp.Rejected[0].Reason != acp.CodeDiscountCodeUsageLimitReached {
		t.Errorf("Evaluate after the order and a restart = %+v, want only the automatic discount and welcome10 rejected as %s", resp, acp.CodeDiscountCodeUsageLimitReached)
	}
	if resp := reserve(again, "c"); resp.Held {
		t.Errorf("a hold of a used-up code = %+v, want its shortfall", resp)
	}
	state, err := os.ReadFile(filepath.Join(dir, "products.csv.stock.json"))
	if err != nil || !strings.Contains(string(state), `"WELCOME10": {`) {
		t.Errorf("state file = %s, %v; want the code's count", state, err)
	}
}

// TestWithoutPromotions: without a promotions file the plugin announces
// catalog.discounts but answers acp.ErrNotOffered, so the host applies
// acp.yaml's promotions.
func TestWithoutPromotions(t *testing.T) {
	t.Parallel()
	p := newPlugin(t, configFor(t, map[string]any{"path": writeFile(t, t.TempDir(), "products.csv", demoCSV)}))
	_, err := p.Discounts().Evaluate(context.Background(), promotionsCart("WELCOME10"))
	if !isNotOffered(err) {
		t.Errorf("Evaluate = %v, want acp.ErrNotOffered", err)
	}
}

// TestInvalidPromotions: a promotions file that breaks the promotion
// engine's rules (promotion.Check) or the file's own (value, times)
// refuses the configuration, naming each problem.
func TestInvalidPromotions(t *testing.T) {
	t.Parallel()
	testCases := map[string]struct{ file, want string }{
		"not JSON":      {file: `{`, want: "promotions file promotions.json"},
		"unknown field": {file: `[{"id": "a", "kind": "percent_off", "value": 5, "percent": 5}]`, want: `unknown field "percent"`},
		"bad value":     {file: `[{"id": "a", "kind": "percent_off", "value": 150}]`, want: "promotions[0].value"},
		"duplicate code": {file: `[{"id": "a", "code": "X", "kind": "percent_off", "value": 5}, {"id": "b", "code": "x", "kind": "percent_off", "value": 5}]`,
			want: "promotions[1].code"},
		"limited automatic":          {file: `[{"id": "a", "kind": "percent_off", "value": 5, "max_uses": 3}]`, want: "promotions[0].max_uses"},
		"fractional amount":          {file: `[{"id": "a", "kind": "amount_off", "value": 2.5}]`, want: "promotions[0].value: a whole amount of 1 or more"},
		"free shipping with a value": {file: `[{"id": "a", "kind": "free_shipping", "value": 3}]`, want: "promotions[0].value: free_shipping takes no value"},
		"bad time":                   {file: `[{"id": "a", "kind": "percent_off", "value": 5, "ends_at": "tomorrow"}]`, want: "promotions[0].ends_at: must be an RFC 3339 time"},
		"ends before it starts": {file: `[{"id": "a", "kind": "percent_off", "value": 5, "starts_at": "2026-05-01", "ends_at": "2026-04-01"}]`,
			want: "promotions[0].ends_at: must be after starts_at"},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			p := startPlugin(t)
			err := p.Configure(context.Background(), []byte(configFor(t, map[string]any{
				"path": writeFile(t, dir, "products.csv", categoriesCSV), "promotions": writeFile(t, dir, "promotions.json", tc.file),
			})))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Configure = %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func isNotOffered(err error) bool { return errors.Is(err, acp.ErrNotOffered) }
