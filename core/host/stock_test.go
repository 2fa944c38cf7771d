package host_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/acp-sidecar/acp/config"
	"github.com/acp-sidecar/acp/core/host"
)

// stockConfig is the test store with the merchant API on and one more
// item, "limited": a download with stock units in stock, so that a
// session for it is ready for payment as soon as it is created.
func stockConfig(t *testing.T, dir string, stock int64) *config.Config {
	t.Helper()
	cfg := loadTestConfig(t, dir)
	cfg.MerchantAPI.LocalOnlyToken = merchantToken
	cfg.Catalog.Items = append(cfg.Catalog.Items, config.CatalogItem{
		SKU: "limited", Title: "Limited print", UnitPrice: 2500, Stock: &stock, FulfillmentTypes: []string{"digital"},
	})
	return cfg
}

const limitedBody = `{"line_items":[{"id":"limited"}],"currency":"usd","capabilities":{"interventions":{"supported":["3ds"]}}}`

// readyLimited creates a session for one "limited" and checks it is
// ready for payment.
func readyLimited(t *testing.T, s *server) string {
	t.Helper()
	r := s.do(t, request{path: "/checkout_sessions", body: limitedBody})
	wantStatus(t, r, http.StatusCreated)
	if status(t, r) != "ready_for_payment" {
		t.Fatalf("session for limited not ready: %s", r.body)
	}
	return r.json(t)["id"].(string)
}

// stockLevel is the merchant API's view of a SKU's stock.
type stockLevel struct {
	OnHand     int64  `json:"on_hand"`
	Reserved   int64  `json:"reserved"`
	Available  int64  `json:"available"`
	Sold       int64  `json:"sold"`
	FileFigure *int64 `json:"file_figure"`
}

// stockOf reads the SKU's stock through the merchant API.
func (s *server) stockOf(t *testing.T, sku string) stockLevel {
	t.Helper()
	r := s.do(t, request{method: http.MethodGet, path: "/merchant/stock/" + sku, token: merchantToken, noVersion: true})
	wantStatus(t, r, http.StatusOK)
	var l stockLevel
	if err := json.Unmarshal(r.body, &l); err != nil {
		t.Fatalf("stock level: %v\n%s", err, r.body)
	}
	return l
}

func wantStock(t *testing.T, got stockLevel, onHand, reserved, sold int64) {
	t.Helper()
	if got.OnHand != onHand || got.Reserved != reserved || got.Sold != sold || got.Available != max(0, onHand-reserved) {
		t.Fatalf("stock = %+v, want on_hand %d, reserved %d, sold %d, available %d", got, onHand, reserved, sold, max(0, onHand-reserved))
	}
}

// messageCodes returns the codes of a session body's error messages.
func messageCodes(t *testing.T, r response) []string {
	t.Helper()
	var body struct {
		Messages []struct {
			Type string `json:"type"`
			Code string `json:"code"`
		} `json:"messages"`
	}
	if err := json.Unmarshal(r.body, &body); err != nil {
		t.Fatalf("session body: %v", err)
	}
	var out []string
	for _, m := range body.Messages {
		if m.Type == "error" {
			out = append(out, m.Code)
		}
	}
	return out
}

// TestStockRace: 200 completes racing for an item with 5 in stock, each on
// its own ready session, through the real HTTP server. Exactly 5 complete;
// the other 195 are answered with the session not ready for payment and
// an out_of_stock or low_stock message, never a 5xx; the sandbox charged 5
// times; nothing is left on hand or held.
func TestStockRace(t *testing.T) {
	t.Parallel()
	const sessions, inStock = 200, 5
	s := startServer(t, stockConfig(t, t.TempDir(), inStock))
	ids := make([]string, sessions)
	for i := range ids {
		ids[i] = readyLimited(t, s)
	}
	results := fire(t, sessions, func(i int) response {
		return s.do(t, request{path: "/checkout_sessions/" + ids[i] + "/complete", body: fmt.Sprintf(completeBody, "spt_ok")})
	})
	completed, refused := 0, 0
	for i, r := range results {
		if r.status != http.StatusOK {
			t.Errorf("complete %d: status %d\n%s", i, r.status, r.body)
			continue
		}
		switch st := status(t, r); st {
		case "completed":
			completed++
		case "not_ready_for_payment":
			codes := messageCodes(t, r)
			if len(codes) != 1 || (codes[0] != "out_of_stock" && codes[0] != "low_stock") {
				t.Errorf("refused complete %d has error messages %v, want one out_of_stock or low_stock\n%s", i, codes, r.body)
			}
			if bytes.Contains(r.body, []byte(`"order"`)) {
				t.Errorf("refused complete %d has an order: %s", i, r.body)
			}
			refused++
		default:
			t.Errorf("complete %d: status %q\n%s", i, st, r.body)
		}
	}
	if completed != inStock || refused != sessions-inStock {
		t.Fatalf("completed %d, refused %d; want %d and %d", completed, refused, inStock, sessions-inStock)
	}
	if got := s.charges(t); got != inStock {
		t.Fatalf("sandbox charges = %d, want %d", got, inStock)
	}
	wantStock(t, s.stockOf(t, "limited"), 0, 0, inStock)
	orders := s.do(t, request{method: http.MethodGet, path: "/merchant/orders?limit=100", token: merchantToken, noVersion: true})
	var list struct {
		Data []json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(orders.body, &list); err != nil || len(list.Data) != inStock {
		t.Fatalf("orders: %d (err %v), want %d\n%s", len(list.Data), err, inStock, orders.body)
	}
	// A new session sees the item sold out.
	r := s.do(t, request{path: "/checkout_sessions", body: limitedBody})
	wantStatus(t, r, http.StatusCreated)
	if status(t, r) != "not_ready_for_payment" || !bytes.Contains(r.body, []byte(`"available_quantity":0`)) {
		t.Fatalf("session after the sell-out: %s", r.body)
	}
	if codes := messageCodes(t, r); len(codes) != 1 || codes[0] != "out_of_stock" {
		t.Fatalf("session after the sell-out: error messages %v", codes)
	}
}

// TestStockReleased: a running attempt holds its unit (an attempt waiting
// for 3DS counts against the stock), and gives it back when the session
// is canceled or updated, when the payment is declined, and when the
// session expires with the attempt still waiting.
func TestStockReleased(t *testing.T) {
	t.Parallel()
	clock := newTestClock()
	cfg := stockConfig(t, t.TempDir(), 1)
	s := startServer(t, cfg, host.WithClock(clock.Now))
	threeDS := func(id string) {
		t.Helper()
		r := s.do(t, request{path: "/checkout_sessions/" + id + "/complete", body: fmt.Sprintf(completeBody, "spt_card_3ds")})
		wantStatus(t, r, http.StatusOK)
		if status(t, r) != "authentication_required" {
			t.Fatalf("3ds complete: %s", r.body)
		}
	}

	// Held while waiting for 3DS: another session sees it out of stock.
	waiting := readyLimited(t, s)
	threeDS(waiting)
	wantStock(t, s.stockOf(t, "limited"), 1, 1, 0)
	other := s.do(t, request{path: "/checkout_sessions", body: limitedBody})
	if status(t, other) != "not_ready_for_payment" {
		t.Fatalf("second session while the unit is held: %s", other.body)
	}
	// Cancel of the unpaid session gives it back.
	canceled := s.do(t, request{path: "/checkout_sessions/" + waiting + "/cancel"})
	wantStatus(t, canceled, http.StatusOK)
	wantStock(t, s.stockOf(t, "limited"), 1, 0, 0)

	// An update while waiting for 3DS ends the attempt and gives it back.
	updating := readyLimited(t, s)
	threeDS(updating)
	wantStock(t, s.stockOf(t, "limited"), 1, 1, 0)
	updated := s.do(t, request{path: "/checkout_sessions/" + updating, body: `{"line_items":[{"id":"limited"}]}`})
	if status(t, updated) != "ready_for_payment" {
		t.Fatalf("update while waiting for 3DS: %s", updated.body)
	}
	wantStock(t, s.stockOf(t, "limited"), 1, 0, 0)

	// A decline gives it back.
	declined := s.do(t, request{path: "/checkout_sessions/" + readyLimited(t, s) + "/complete", body: fmt.Sprintf(completeBody, "spt_card_decline")})
	if status(t, declined) != "ready_for_payment" || !bytes.Contains(declined.body, []byte(`"payment_declined"`)) {
		t.Fatalf("declined: %s", declined.body)
	}
	wantStock(t, s.stockOf(t, "limited"), 1, 0, 0)

	// An attempt whose session expires while it waits gives it back.
	lapsed := readyLimited(t, s)
	threeDS(lapsed)
	released, err := s.host.Service.ReleaseLapsedHolds(context.Background(), 100)
	if err != nil || released != 0 {
		t.Fatalf("ReleaseLapsedHolds before the expiry = %d, %v; want 0", released, err)
	}
	wantStock(t, s.stockOf(t, "limited"), 1, 1, 0)
	clock.Advance(cfg.Store.SessionLifetime + time.Second)
	released, err = s.host.Service.ReleaseLapsedHolds(context.Background(), 100)
	if err != nil || released != 1 {
		t.Fatalf("ReleaseLapsedHolds after the expiry = %d, %v; want 1", released, err)
	}
	wantStock(t, s.stockOf(t, "limited"), 1, 0, 0)
	if got := s.do(t, request{method: http.MethodGet, path: "/checkout_sessions/" + lapsed}); status(t, got) != "expired" {
		t.Fatalf("lapsed session: %s", got.body)
	}
	if got := s.charges(t); got != 0 {
		t.Fatalf("sandbox charges = %d, want 0", got)
	}
}

// TestStockRestartAndRestock: every count survives a restart; a changed
// figure in acp.yaml is a restock from then on, an unchanged one is not;
// the merchant API sets and adjusts the stock within what is held.
func TestStockRestartAndRestock(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	first := startServer(t, stockConfig(t, dir, 3))
	done := first.do(t, request{path: "/checkout_sessions/" + readyLimited(t, first) + "/complete", body: fmt.Sprintf(completeBody, "spt_ok")})
	if status(t, done) != "completed" {
		t.Fatalf("complete: %s", done.body)
	}
	held := first.do(t, request{path: "/checkout_sessions/" + readyLimited(t, first) + "/complete", body: fmt.Sprintf(completeBody, "spt_card_3ds")})
	if status(t, held) != "authentication_required" {
		t.Fatalf("3ds complete: %s", held.body)
	}
	heldID := held.json(t)["id"].(string)
	wantStock(t, first.stockOf(t, "limited"), 2, 1, 1)
	first.stop()

	second := startServer(t, stockConfig(t, dir, 3))
	wantStock(t, second.stockOf(t, "limited"), 2, 1, 1)
	second.stop()

	// The seller restocks by editing the file: 10 on hand from now.
	third := startServer(t, stockConfig(t, dir, 10))
	wantStock(t, third.stockOf(t, "limited"), 10, 1, 0)
	merchantPost := func(path, body string) response {
		return third.do(t, request{path: "/merchant/stock/limited" + path, body: body, token: merchantToken, noKey: true, noVersion: true})
	}
	wantStatus(t, merchantPost("", `{"on_hand":4}`), http.StatusOK)
	wantStatus(t, merchantPost("/adjust", `{"delta":-1}`), http.StatusOK)
	wantStock(t, third.stockOf(t, "limited"), 3, 1, 0)
	wantError(t, merchantPost("/adjust", `{"delta":-3}`), http.StatusConflict, "invalid", "")
	wantError(t, merchantPost("", `{"on_hand":-1}`), http.StatusBadRequest, "invalid", "$.on_hand")
	wantError(t, merchantPost("", `{}`), http.StatusBadRequest, "missing", "$.on_hand")
	wantError(t, third.do(t, request{path: "/merchant/stock/ebook", body: `{"on_hand":4}`, token: merchantToken, noKey: true, noVersion: true}),
		http.StatusNotFound, "not_found", "")
	// The attempt held across the restarts gives its unit back when its
	// session is canceled.
	wantStatus(t, third.do(t, request{path: "/checkout_sessions/" + heldID + "/cancel"}), http.StatusOK)
	wantStock(t, third.stockOf(t, "limited"), 3, 0, 0)
	if r := third.do(t, request{path: "/checkout_sessions/" + readyLimited(t, third) + "/complete", body: fmt.Sprintf(completeBody, "spt_ok")}); status(t, r) != "completed" {
		t.Fatalf("complete after the restock: %s", r.body)
	}
	third.stop()

	// The same figure again is no restock: the counts since are kept.
	fourth := startServer(t, stockConfig(t, dir, 10))
	wantStock(t, fourth.stockOf(t, "limited"), 2, 0, 1)
	fourth.stop()

	// Without a figure the item is not stock-controlled any more.
	cfg := stockConfig(t, dir, 0)
	cfg.Catalog.Items[len(cfg.Catalog.Items)-1].Stock = nil
	fifth := startServer(t, cfg)
	wantError(t, fifth.do(t, request{method: http.MethodGet, path: "/merchant/stock/limited", token: merchantToken, noVersion: true}), http.StatusNotFound, "not_found", "")
	if r := fifth.do(t, request{path: "/checkout_sessions", body: limitedBody}); status(t, r) != "ready_for_payment" || bytes.Contains(r.body, []byte("available_quantity")) {
		t.Fatalf("uncontrolled item: %s", r.body)
	}
}

// TestStockMatchesOpenAPI checks every answer of the stock endpoints,
// successes and refusals, against docs/merchant-api.openapi.yaml.
func TestStockMatchesOpenAPI(t *testing.T) {
	t.Parallel()
	s := startServer(t, stockConfig(t, t.TempDir(), 2))
	api := loadOpenAPI(t)
	check := func(method, path, templ, body string, want int) {
		t.Helper()
		r := s.do(t, request{method: method, path: "/merchant" + path, body: body, token: merchantToken, noKey: true, noVersion: true})
		if r.status != want {
			t.Fatalf("%s %s = %d, want %d\n%s", method, path, r.status, want, r.body)
		}
		v, err := jsonschema.UnmarshalJSON(bytes.NewReader(r.body))
		if err != nil {
			t.Fatalf("%s %s: not JSON: %s", method, path, r.body)
		}
		if err := api.responseSchema(t, templ, strings.ToLower(method), r.status).Validate(v); err != nil {
			t.Errorf("%s %s: %d: the answer does not match the OpenAPI document: %v\n%s", method, path, r.status, err, r.body)
		}
	}
	check("GET", "/stock", "/stock", "", http.StatusOK)
	check("GET", "/stock/limited", "/stock/{sku}", "", http.StatusOK)
	check("GET", "/stock/ebook", "/stock/{sku}", "", http.StatusNotFound)
	check("POST", "/stock/limited", "/stock/{sku}", `{"on_hand":7}`, http.StatusOK)
	check("POST", "/stock/limited", "/stock/{sku}", `{"on_hand":-7}`, http.StatusBadRequest)
	check("POST", "/stock/limited/adjust", "/stock/{sku}/adjust", `{"delta":-2}`, http.StatusOK)
	check("POST", "/stock/limited/adjust", "/stock/{sku}/adjust", `{"delta":"x"}`, http.StatusBadRequest)
	threeDS := s.do(t, request{path: "/checkout_sessions/" + readyLimited(t, s) + "/complete", body: fmt.Sprintf(completeBody, "spt_card_3ds")})
	if status(t, threeDS) != "authentication_required" {
		t.Fatalf("3ds complete: %s", threeDS.body)
	}
	check("POST", "/stock/limited", "/stock/{sku}", `{"on_hand":0}`, http.StatusConflict)
}

// TestVariantStock: a product's variant is a SKU for sale like a flat
// item: checkout resolves it by its sku, named after its product and
// options, and its stock figure is stock-controlled.
func TestVariantStock(t *testing.T) {
	t.Parallel()
	cfg := loadTestConfig(t, t.TempDir())
	cfg.MerchantAPI.LocalOnlyToken = merchantToken
	one := int64(1)
	cfg.Catalog.Products = append(cfg.Catalog.Products, config.CatalogProduct{
		ID: "print", Title: "Art print", Variants: []config.CatalogItem{{
			SKU: "print-a3", UnitPrice: 2500, Stock: &one, FulfillmentTypes: []string{"digital"}, TaxCategory: config.DefaultTaxCategory,
			Options: []config.VariantOption{{Name: "Size", Value: "A3"}},
		}},
	})
	s := startServer(t, cfg)
	if got := s.stockOf(t, "print-a3"); got.FileFigure == nil || *got.FileFigure != 1 || got.Available != 1 {
		t.Fatalf("stock of the variant = %+v, want the file's figure 1 available", got)
	}
	r := s.do(t, request{path: "/checkout_sessions", body: `{"line_items":[{"id":"print-a3","quantity":2}],"currency":"usd","capabilities":{}}`})
	wantStatus(t, r, http.StatusCreated)
	if !bytes.Contains(r.body, []byte(`"Art print - A3"`)) || !bytes.Contains(r.body, []byte(`"available_quantity":1`)) {
		t.Fatalf("session for two of a variant with one in stock: %s", r.body)
	}
	if codes := messageCodes(t, r); len(codes) != 1 || codes[0] != "low_stock" && codes[0] != "out_of_stock" {
		t.Fatalf("session for two of a variant with one in stock: error messages %v\n%s", codes, r.body)
	}
}
