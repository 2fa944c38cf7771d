package ucpcatalog

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"sync"
	"testing"

	"github.com/acp-sidecar/acp/core/ucp"
	"github.com/acp-sidecar/acp/internal/listingtest"
	"github.com/acp-sidecar/acp/sdk/catalog"
)

// option is a variant option.
func option(name, value string) catalog.VariantOption {
	return catalog.VariantOption{Name: name, Value: value}
}

// item is a variant sold at price in categories.
func item(id string, price int64, categories ...string) catalog.Variant {
	return catalog.Variant{Item: catalog.Item{ID: id, UnitPrice: price, Categories: categories, Found: true}}
}

// shoe is a variant of the runner in a colour and size.
func shoe(color, size string, price int64) catalog.Variant {
	v := item("runner-"+color+"-"+size, price, "Footwear > Running")
	v.Options = []catalog.VariantOption{option("Color", color), option("Size", size)}
	v.Barcodes = []catalog.Barcode{{Type: "UPC", Value: "0001" + color + size}}
	return v
}

// shop is the test catalog: a running shoe in colours and sizes (the
// Green 10 stock-controlled, the Blue 11 not made), a trail shoe, a mug
// sold on its own (its product id is its SKU) with a barcode, and a tee
// on sale.
func shop() []catalog.Product {
	mug := item("mug", 1500, "Kitchen")
	mug.Item.Title, mug.Item.Description = "Classic mug", "A stoneware mug for coffee."
	mug.Item.Images = []string{"https://shop.test/mug.jpg"}
	mug.Barcodes = []catalog.Barcode{{Type: "UPC", Value: "012345678905"}}
	tee := item("tee-logo", 2000, "Apparel")
	tee.ListPrice = 2500
	products := []catalog.Product{
		catalog.CompleteProduct(catalog.Product{
			ID: "runner", Title: "Blue Runner Pro", Description: catalog.Description{Plain: "Lightweight running shoes with responsive cushioning."},
			URL: "https://shop.test/runner", Media: []catalog.Media{{Type: "image", URL: "https://shop.test/runner.jpg", AltText: "Runner"}},
			Variants: []catalog.Variant{shoe("Blue", "10", 12000), shoe("Blue", "12", 15000), shoe("Red", "10", 12000), shoe("Green", "10", 12000)},
		}, catalog.ProductDefaults{}),
		catalog.CompleteProduct(catalog.Product{
			ID: "trail", Title: "Trail Blazer X", Description: catalog.Description{Plain: "Trail shoes with superior traction."},
			Variants: []catalog.Variant{item("trail-10", 15000, "Footwear > Trail")},
		}, catalog.ProductDefaults{}),
		catalog.ItemProduct(mug),
		catalog.CompleteProduct(catalog.Product{ID: "tee", Title: "Logo T-shirt", Variants: []catalog.Variant{tee}}, catalog.ProductDefaults{}),
	}
	return products
}

// levels is a settable set of stock levels.
type levels struct {
	mu  sync.Mutex
	m   map[string]int64
	err error
}

// set sets sku's units available.
func (l *levels) set(sku string, n int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.m[sku] = n
}

// read is the Options.Stock of the levels.
func (l *levels) read(context.Context) (map[string]int64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return maps.Clone(l.m), l.err
}

// fixture is an index over a listing of products, with stock levels.
type fixture struct {
	listing *listingtest.Listing
	stock   *levels
	index   *Index
}

// newFixture returns an index of products whose stock the host
// controls for the Green 10 only: sold out.
func newFixture(t testing.TB, products ...catalog.Product) *fixture {
	t.Helper()
	f := &fixture{listing: listingtest.New(products...), stock: &levels{m: map[string]int64{"runner-Green-10": 0}}}
	index, err := New(Options{Listing: f.listing, Currency: "usd", Stock: f.stock.read, PageSize: 7})
	if err != nil {
		t.Fatal(err)
	}
	f.index = index
	return f
}

// call runs operation op with body as platform (nil: none), checks the
// answer against the schemas, and returns the status and the decoded
// body; a protocol error is returned as err.
func (f *fixture) call(t testing.TB, op string, body string, platform *ucp.Platform) (int, map[string]any, *ucp.Error) {
	t.Helper()
	ops := f.index.Operations(func(string) bool { return true })
	status, out, err := ops[op](context.Background(), &ucp.Call{Platform: platform, RequestID: "req-1", Body: []byte(body)})
	if err != nil {
		var ue *ucp.Error
		if !errors.As(err, &ue) {
			t.Fatalf("%s %s: a non-protocol error %v", op, body, err)
		}
		if ue.Status < 400 || ue.Status >= 500 && ue.Status != http.StatusServiceUnavailable {
			t.Fatalf("%s %s: status %d for %v", op, body, ue.Status, ue)
		}
		return ue.Status, nil, ue
	}
	checkResponse(t, op, status, out)
	var m map[string]any
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatalf("%s: the answer is not JSON: %v", op, err)
	}
	return status, m, nil
}

// ok runs op and fails unless it answers 200.
func (f *fixture) ok(t testing.TB, op, body string) map[string]any {
	t.Helper()
	status, m, err := f.call(t, op, body, nil)
	if err != nil || status != http.StatusOK {
		t.Fatalf("%s %s = %d, %v; want 200", op, body, status, err)
	}
	return m
}

// ids returns the ids of a response's products.
func ids(m map[string]any) []string {
	out := []string{}
	products, _ := m["products"].([]any)
	for _, p := range products {
		out = append(out, p.(map[string]any)["id"].(string))
	}
	return out
}

// variantIDs returns the ids of a product's variants.
func variantIDs(p any) []string {
	out := []string{}
	for _, v := range p.(map[string]any)["variants"].([]any) {
		out = append(out, v.(map[string]any)["id"].(string))
	}
	return out
}

// first returns a response's first product.
func first(t testing.TB, m map[string]any) map[string]any {
	t.Helper()
	products, _ := m["products"].([]any)
	if len(products) == 0 {
		t.Fatalf("no product in %v", m)
	}
	return products[0].(map[string]any)
}
