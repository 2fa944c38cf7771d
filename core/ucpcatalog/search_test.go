package ucpcatalog

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/acp-sidecar/acp/sdk/catalog"
)

// TestSearch: queries rank by where their words are found, filters
// narrow the products and their variants, and the most relevant variant
// comes first.
func TestSearch(t *testing.T) {
	t.Parallel()
	f := newFixture(t, shop()...)
	tests := map[string]struct {
		body         string
		want         []string
		wantVariants []string // of the first product, when set
	}{
		"title words":               {body: `{"query":"blue running shoes"}`, want: []string{"runner", "trail"}},
		"a word in a description":   {body: `{"query":"coffee"}`, want: []string{"mug"}},
		"a prefix":                  {body: `{"query":"stonew"}`, want: []string{"mug"}},
		"case and punctuation":      {body: `{"query":"LOGO, t-shirt!"}`, want: []string{"tee"}},
		"nothing matches":           {body: `{"query":"bicycle"}`, want: []string{}},
		"an option value":           {body: `{"query":"red"}`, want: []string{"runner"}, wantVariants: []string{"runner-Red-10", "runner-Blue-10", "runner-Blue-12", "runner-Green-10"}},
		"a category path":           {body: `{"filters":{"categories":["footwear"]}}`, want: []string{"runner", "trail"}},
		"a category leaf":           {body: `{"filters":{"categories":["Footwear > Trail","Kitchen"]}}`, want: []string{"mug", "trail"}},
		"a category prefix is not":  {body: `{"filters":{"categories":["Foot"]}}`, want: []string{}},
		"a price range":             {body: `{"query":"shoes","filters":{"price":{"max":13000}}}`, want: []string{"runner"}, wantVariants: []string{"runner-Blue-10", "runner-Red-10", "runner-Green-10"}},
		"a price floor":             {body: `{"filters":{"price":{"min":14000}}}`, want: []string{"runner", "trail"}, wantVariants: []string{"runner-Blue-12"}},
		"price in the store's one":  {body: `{"filters":{"price":{"min":1600,"max":2000}},"context":{"currency":"USD"}}`, want: []string{"tee"}},
		"available only":            {body: `{"query":"green","filters":{"available":true}}`, want: []string{"runner"}, wantVariants: []string{"runner-Blue-10", "runner-Blue-12", "runner-Red-10"}},
		"unavailable only":          {body: `{"filters":{"available":false}}`, want: []string{"runner"}, wantVariants: []string{"runner-Green-10"}},
		"sold out ranks after":      {body: `{"query":"runner"}`, want: []string{"runner"}, wantVariants: []string{"runner-Blue-10", "runner-Blue-12", "runner-Red-10", "runner-Green-10"}},
		"browse by filter, by id":   {body: `{"filters":{"price":{"min":0}}}`, want: []string{"mug", "runner", "tee", "trail"}},
		"filters and query combine": {body: `{"query":"shoes","filters":{"categories":["Kitchen"]}}`, want: []string{}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			m := f.ok(t, "search_catalog", tc.body)
			if got := ids(m); !slices.Equal(got, tc.want) {
				t.Fatalf("products %v, want %v", got, tc.want)
			}
			if tc.wantVariants != nil {
				if got := variantIDs(first(t, m)); !slices.Equal(got, tc.wantVariants) {
					t.Errorf("variants %v, want %v", got, tc.wantVariants)
				}
			}
			if len(tc.want) == 0 && m["messages"] != nil {
				t.Errorf("an empty search has messages %v, want none (index.md, Empty Search)", m["messages"])
			}
		})
	}
}

// TestSearchShape: a product found is shown with its prices in minor
// units of the upper-case currency, its price ranges, options,
// categories, media, and variants whose id and sku are the checkout item
// id, with their availability from the host's stock.
func TestSearchShape(t *testing.T) {
	t.Parallel()
	f := newFixture(t, shop()...)
	m := f.ok(t, "search_catalog", `{"query":"runner"}`)
	p := first(t, m)
	want := map[string]string{
		"price_range":  `{"max":{"amount":15000,"currency":"USD"},"min":{"amount":12000,"currency":"USD"}}`,
		"categories":   `[{"taxonomy":"merchant","value":"Footwear > Running"}]`,
		"options":      `[{"name":"Color","values":[{"label":"Blue"},{"label":"Red"},{"label":"Green"}]},{"name":"Size","values":[{"label":"10"},{"label":"12"}]}]`,
		"media":        `[{"alt_text":"Runner","type":"image","url":"https://shop.test/runner.jpg"}]`,
		"description":  `{"plain":"Lightweight running shoes with responsive cushioning."}`,
		"url":          `"https://shop.test/runner"`,
		"variants.0":   `{"availability":{"available":true,"status":"in_stock"},"barcodes":[{"type":"UPC","value":"0001Blue10"}],"categories":[{"taxonomy":"merchant","value":"Footwear > Running"}],"description":{"plain":"Lightweight running shoes with responsive cushioning."},"id":"runner-Blue-10","options":[{"label":"Blue","name":"Color"},{"label":"10","name":"Size"}],"price":{"amount":12000,"currency":"USD"},"sku":"runner-Blue-10","title":"Blue Runner Pro - Blue / 10"}`,
		"variants.3.a": `{"available":false,"status":"out_of_stock"}`,
	}
	got := map[string]any{
		"price_range": p["price_range"], "categories": p["categories"], "options": p["options"], "media": p["media"],
		"description": p["description"], "url": p["url"], "variants.0": p["variants"].([]any)[0],
		"variants.3.a": p["variants"].([]any)[3].(map[string]any)["availability"],
	}
	for k, w := range want {
		if g := mustJSON(t, got[k]); g != w {
			t.Errorf("%s = %s, want %s", k, g, w)
		}
	}
	if p["list_price_range"] != nil {
		t.Errorf("list_price_range = %v for a product on no sale", p["list_price_range"])
	}
	tee := first(t, f.ok(t, "search_catalog", `{"query":"logo"}`))
	if g := mustJSON(t, tee["list_price_range"]); g != `{"max":{"amount":2500,"currency":"USD"},"min":{"amount":2500,"currency":"USD"}}` {
		t.Errorf("the tee's list_price_range = %s", g)
	}
	if g := mustJSON(t, tee["variants"].([]any)[0].(map[string]any)["list_price"]); g != `{"amount":2500,"currency":"USD"}` {
		t.Errorf("the tee's list_price = %s", g)
	}
	if g := mustJSON(t, m["ucp"]); g != `{"capabilities":{"dev.ucp.shopping.catalog.search":[{"version":"2026-04-08"}]},"version":"2026-04-08"}` {
		t.Errorf("ucp = %s", g)
	}
	if g := mustJSON(t, m["pagination"]); g != `{"has_next_page":false,"total_count":1}` {
		t.Errorf("pagination = %s", g)
	}
}

// TestSearchIgnoredFilters: a filter the catalog does not know, and a
// price filter in another currency, are ignored with an info message.
func TestSearchIgnoredFilters(t *testing.T) {
	t.Parallel()
	f := newFixture(t, shop()...)
	m := f.ok(t, "search_catalog", `{"query":"mug","filters":{"brand":"Acme","price":{"max":1}},"context":{"currency":"EUR"}}`)
	if got := ids(m); !slices.Equal(got, []string{"mug"}) {
		t.Errorf("products %v, want the mug (no filter applied)", got)
	}
	msgs := mustJSON(t, m["messages"])
	for _, want := range []string{`"path":"$.filters.brand"`, `"path":"$.filters.price"`, `"code":"filter_ignored"`, `"type":"info"`} {
		if !strings.Contains(msgs, want) {
			t.Errorf("messages %s lack %s", msgs, want)
		}
	}
}

// TestSearchBadInput: a request the catalog cannot read is a 400
// invalid_request saying what is wrong, never a 5xx or a panic.
func TestSearchBadInput(t *testing.T) {
	t.Parallel()
	f := newFixture(t, shop()...)
	other := f.ok(t, "search_catalog", `{"query":"shoes","pagination":{"limit":1}}`)["pagination"].(map[string]any)["cursor"].(string)
	tests := map[string]struct{ body, want string }{
		"not JSON":               {`{"query":`, "not valid"},
		"an array":               {`["shoes"]`, "JSON object"},
		"empty":                  {``, "JSON object"},
		"two objects":            {`{"query":"a"}{"query":"b"}`, "one JSON object"},
		"no input":               {`{}`, "needs a query or a filter"},
		"a query of no word":     {`{"query":"  ?! "}`, "a query with a word"},
		"a query not a string":   {`{"query":5}`, "query must be of JSON type string"},
		"a long query":           {`{"query":"` + strings.Repeat("a", MaxQueryLength+1) + `"}`, "more than 512"},
		"limit 0":                {`{"query":"mug","pagination":{"limit":0}}`, "at least 1"},
		"limit not integer":      {`{"query":"mug","pagination":{"limit":2.5}}`, "integer"},
		"price above its floor":  {`{"filters":{"price":{"min":10,"max":5}}}`, "min 10 is above max 5"},
		"a negative price":       {`{"filters":{"price":{"min":-1}}}`, "0 or more"},
		"a price not integer":    {`{"filters":{"price":{"max":15.5}}}`, "integer amounts"},
		"categories not strings": {`{"filters":{"categories":"Kitchen"}}`, "array of strings"},
		"available not boolean":  {`{"filters":{"available":"yes"}}`, "boolean"},
		"filters not an object":  {`{"filters":[1]}`, "filters must be an object"},
		"context not an object":  {`{"query":"mug","context":"US"}`, "context must be an object"},
		"a cursor made up":       {`{"query":"mug","pagination":{"cursor":"xyz"}}`, "not a cursor this catalog gave"},
		"another search's":       {`{"query":"mug","pagination":{"cursor":"` + other + `"}}`, "another search"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			status, _, err := f.call(t, "search_catalog", tc.body, nil)
			if err == nil || status != http.StatusBadRequest || err.Code != CodeInvalidRequest || !strings.Contains(err.Content, tc.want) {
				t.Errorf("= %d, %v; want a 400 %s saying %q", status, err, CodeInvalidRequest, tc.want)
			}
		})
	}
}

// manyProducts returns n products p000… each of one variant, every
// third with "shoe" in its title.
func manyProducts(n int) []catalog.Product {
	out := make([]catalog.Product, n)
	for i := range out {
		title := fmt.Sprintf("Thing %d", i)
		if i%3 == 0 {
			title = fmt.Sprintf("Shoe %d", i)
		}
		v := item(fmt.Sprintf("sku%03d", i), int64(100+i), "Stuff")
		out[i] = catalog.CompleteProduct(catalog.Product{ID: fmt.Sprintf("p%03d", i), Title: title, Description: catalog.Description{Plain: "A thing of the shop."}, Variants: []catalog.Variant{v}}, catalog.ProductDefaults{})
	}
	return out
}

// pages searches body page by page with limit, calling between after
// each page, and returns every product id seen, in order.
func (f *fixture) pages(t *testing.T, query string, limit int, between func(page int)) ([]string, int) {
	t.Helper()
	var seen []string
	cursor, total := "", -1
	for page := 0; ; page++ {
		body := fmt.Sprintf(`{"query":%q,"pagination":{"limit":%d`, query, limit)
		if cursor != "" {
			body += fmt.Sprintf(`,"cursor":%q`, cursor)
		}
		m := f.ok(t, "search_catalog", body+"}}")
		got := ids(m)
		if len(got) > min(limit, MaxLimit) {
			t.Fatalf("page %d holds %d products, more than %d", page, len(got), limit)
		}
		seen = append(seen, got...)
		p := m["pagination"].(map[string]any)
		if n := int(p["total_count"].(float64)); total < 0 {
			total = n
		}
		if p["has_next_page"] != true {
			return seen, total
		}
		cursor = p["cursor"].(string)
		if between != nil {
			between(page)
		}
		if page > 1000 {
			t.Fatal("paging does not end")
		}
	}
}

// TestSearchPaging: paging through a search with a cursor gives every
// product found once, in ranking order, whatever the page size (clamped
// to MaxLimit); products removed or added while paging neither shift nor
// repeat the ones that stay.
func TestSearchPaging(t *testing.T) {
	t.Parallel()
	f := newFixture(t, manyProducts(200)...)
	all, total := f.pages(t, "shoe", 1000, nil)
	if len(all) != 67 || total != 67 {
		t.Fatalf("%d products over the pages (total_count %d), want the 67 shoes", len(all), total)
	}
	if !slices.IsSorted(all) {
		t.Errorf("the shoes, all scoring the same, are not in id order: %v", all)
	}
	for _, limit := range []int{1, 7, 10, 66, 67} {
		if got, _ := f.pages(t, "shoe", limit, nil); !slices.Equal(got, all) {
			t.Errorf("limit %d: %v, want %v", limit, got, all)
		}
	}
	if got, _ := f.pages(t, "shoe", 50, nil); len(got) != 67 {
		t.Errorf("limit 50 gave %d", len(got))
	}
	// A product removed and one added while paging.
	removed, added := false, false
	got, _ := f.pages(t, "shoe", 10, func(page int) {
		if page != 2 {
			return
		}
		f.listing.Remove("p000")              // on a page already seen
		f.listing.Remove("p198")              // on a page not seen yet
		f.listing.Set(manyProducts(300)[297]) // a shoe after the cursor
		if err := f.index.Refresh(t.Context()); err != nil {
			t.Fatal(err)
		}
		removed, added = true, true
	})
	if !removed || !added {
		t.Fatal("the catalog was not changed while paging")
	}
	want := append(slices.DeleteFunc(slices.Clone(all), func(id string) bool { return id == "p198" }), "p297")
	if !slices.Equal(got, want) {
		t.Errorf("paging while the catalog changes: %v, want %v", got, want)
	}
}
