package ucpcatalog

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/core/internal/clocktest"
	"github.com/acp-sidecar/acp/core/ucp"
	"github.com/acp-sidecar/acp/internal/testkit"
	"github.com/acp-sidecar/acp/sdk/acp"
	"github.com/acp-sidecar/acp/sdk/catalog"
)

// availability returns the availability of a variant as search shows it.
func (f *fixture) availability(t *testing.T, query, variantID string) string {
	t.Helper()
	m := f.ok(t, "search_catalog", `{"query":"`+query+`"}`)
	for _, p := range m["products"].([]any) {
		for _, v := range p.(map[string]any)["variants"].([]any) {
			if vm := v.(map[string]any); vm["id"] == variantID {
				return mustJSON(t, vm["availability"]) + " " + mustJSON(t, vm["price"].(map[string]any)["amount"])
			}
		}
	}
	t.Fatalf("%s is not found searching %q", variantID, query)
	return ""
}

// TestRefresh: a refresh reads only what the listing says changed, and
// the stock levels: a price edit and the sale of the last unit show in
// search after one refresh, not before; products unchanged keep their
// entries; a removed product is gone.
func TestRefresh(t *testing.T) {
	t.Parallel()
	f := newFixture(t, shop()...)
	f.stock.set("mug", 1)
	ctx := context.Background()
	if err := f.index.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	before := f.index.cur.Load()
	if got := f.availability(t, "mug", "mug"); got != `{"available":true,"status":"in_stock"} 1500` {
		t.Fatalf("the mug = %s", got)
	}
	f.listing.Edit("mug", func(p *catalog.Product) { p.Variants[0].Item.UnitPrice = 1700 })
	f.stock.set("mug", 0) // the last unit sold
	if got := f.availability(t, "mug", "mug"); got != `{"available":true,"status":"in_stock"} 1500` {
		t.Errorf("the mug before a refresh = %s, want it as it was", got)
	}
	calls := f.listing.Calls
	if err := f.index.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if got := f.availability(t, "mug", "mug"); got != `{"available":false,"status":"out_of_stock"} 1700` {
		t.Errorf("the mug after a refresh = %s, want sold out at its new price", got)
	}
	after := f.index.cur.Load()
	if after.entries["runner"] != before.entries["runner"] || after.entries["mug"] == before.entries["mug"] {
		t.Error("the refresh indexed again a product that did not change, or not the one that did")
	}
	if f.listing.Calls != calls+1 {
		t.Errorf("the refresh listed %d pages, want the one page of changes", f.listing.Calls-calls)
	}
	// Only the stock moves: the same entries serve, with the stock now.
	f.stock.set("mug", 4)
	if err := f.index.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if now := f.index.cur.Load(); now.entries["mug"] != after.entries["mug"] {
		t.Error("a stock change indexed the product again")
	}
	if got := f.availability(t, "mug", "mug"); got != `{"available":true,"status":"in_stock"} 1700` {
		t.Errorf("the mug back in stock = %s", got)
	}
	f.listing.Remove("trail")
	if err := f.index.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if got := ids(f.ok(t, "search_catalog", `{"query":"shoes"}`)); !slices.Equal(got, []string{"runner"}) {
		t.Errorf("after the trail shoe was removed: %v", got)
	}
	if got := notFound(f.ok(t, "lookup_catalog", `{"ids":["trail","trail-10"]}`)); len(got) != 2 {
		t.Errorf("the removed product's ids are not found: %v", got)
	}
}

// TestOddProducts: what the listing contract allows but UCP cannot show
// (a product without variants, a variant with a negative price or
// without an id, twice the same variant id) is left out, never an error.
func TestOddProducts(t *testing.T) {
	t.Parallel()
	neg := item("neg", -5)
	f := newFixture(t,
		catalog.Product{ID: "bare", Title: "Bare"},
		catalog.Product{ID: "negative", Title: "Negative", Variants: []catalog.Variant{neg}},
		catalog.Product{ID: "twice", Title: "Twice", Variants: []catalog.Variant{item("t1", 100), item("t1", 200), item("", 300), item("t2", 400)}},
	)
	m := f.ok(t, "search_catalog", `{"filters":{"price":{"min":0}}}`)
	if got := ids(m); !slices.Equal(got, []string{"twice"}) {
		t.Fatalf("products %v, want only twice", got)
	}
	if got := variantIDs(first(t, m)); !slices.Equal(got, []string{"t1", "t2"}) {
		t.Errorf("variants %v", got)
	}
	p := first(t, m)
	if d := mustJSON(t, p["description"]); d != `{"plain":""}` {
		t.Errorf("a product without a description shows %s", d)
	}
}

// TestNotReady: before the index was ever read, a request reads it;
// while the listing fails, requests are answered 503 with Retry-After,
// the listing asked at most once per interval; once it answers, the
// index serves, and a later failure keeps the last catalog read.
func TestNotReady(t *testing.T) {
	t.Parallel()
	clock := clocktest.New(time.Now())
	f := newFixture(t, shop()...)
	f.index.opts.Now = clock.Now
	f.listing.Err = errors.New("the catalog's database is down")
	for range 3 {
		status, _, err := f.call(t, "search_catalog", `{"query":"mug"}`, nil)
		if err == nil || status != http.StatusServiceUnavailable || err.RetryAfterSeconds != 5 || strings.Contains(err.Content, "database") {
			t.Fatalf("= %d, %v; want a 503 with Retry-After 5 that does not tell the cause", status, err)
		}
	}
	if f.listing.Calls != 1 {
		t.Errorf("the listing was asked %d times within an interval, want once", f.listing.Calls)
	}
	clock.Advance(5 * time.Second)
	f.listing.Err = nil
	if got := ids(f.ok(t, "search_catalog", `{"query":"mug"}`)); !slices.Equal(got, []string{"mug"}) {
		t.Errorf("once the listing answers: %v", got)
	}
	f.listing.Err = acp.ErrNotOffered
	if err := f.index.Refresh(context.Background()); err == nil || !strings.Contains(err.Error(), "does not list") {
		t.Errorf("Refresh of a listing not offered = %v", err)
	}
	if got := ids(f.ok(t, "search_catalog", `{"query":"mug"}`)); !slices.Equal(got, []string{"mug"}) {
		t.Errorf("after a failed refresh: %v, want the last catalog read", got)
	}
}

// TestRun: Run reads the catalog at once and again every interval until
// its context ends.
func TestRun(t *testing.T) {
	t.Parallel()
	f := newFixture(t, shop()...)
	f.index.opts.Interval = 10 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { f.index.Run(ctx); close(done) }()
	testkit.Eventually(t, 5*time.Second, "the first read", func() bool { return f.index.cur.Load() != nil })
	f.listing.Edit("mug", func(p *catalog.Product) { p.Title = "Espresso cup" })
	testkit.Eventually(t, 5*time.Second, "the edit read", func() bool {
		return len(ids(f.ok(t, "search_catalog", `{"query":"espresso"}`))) == 1
	})
	cancel()
	<-done
}

// TestNew: an index needs a listing and a currency.
func TestNew(t *testing.T) {
	t.Parallel()
	if _, err := New(Options{Currency: "usd"}); err == nil {
		t.Error("New without a listing succeeded")
	}
	if _, err := New(Options{Listing: newFixture(t).listing, Currency: "dollars"}); err == nil {
		t.Error("New with a currency that is not one succeeded")
	}
}

// TestCapabilityNotNegotiated: a platform that did not negotiate the
// operation's capability gets a 200 whose ucp.status is error with an
// unrecoverable capabilities_incompatible message (overview.md,
// "Negotiation failure"); one that did gets its negotiated versions.
func TestCapabilityNotNegotiated(t *testing.T) {
	t.Parallel()
	f := newFixture(t, shop()...)
	onlySearch := &ucp.Platform{Version: "2026-04-08", Capabilities: map[string]string{ucp.CapCatalogSearch: "2026-04-08"}}
	for op, body := range map[string]string{"lookup_catalog": `{"ids":["mug"]}`, "get_product": `{"id":"mug"}`} {
		status, m, err := f.call(t, op, body, onlySearch)
		if err != nil || status != http.StatusOK {
			t.Fatalf("%s = %d, %v", op, status, err)
		}
		if got := mustJSON(t, m["ucp"]); got != `{"capabilities":{},"status":"error","version":"2026-04-08"}` {
			t.Errorf("%s: ucp = %s", op, got)
		}
		if got := mustJSON(t, m["messages"]); !strings.Contains(got, `"code":"capabilities_incompatible"`) || !strings.Contains(got, `"severity":"unrecoverable"`) {
			t.Errorf("%s: messages = %s", op, got)
		}
		if m["product"] != nil || len(ids(m)) != 0 {
			t.Errorf("%s answered products: %v", op, m)
		}
	}
	_, m, _ := f.call(t, "search_catalog", `{"query":"mug"}`, onlySearch)
	if got := mustJSON(t, m["ucp"]); got != `{"capabilities":{"dev.ucp.shopping.catalog.search":[{"version":"2026-04-08"}]},"version":"2026-04-08"}` {
		t.Errorf("search: ucp = %s", got)
	}
	ops := f.index.Operations(func(c string) bool { return c == ucp.CapCatalogLookup })
	if _, ok := ops[ucp.OpSearchCatalog]; ok || len(ops) != 2 || ops[ucp.OpGetProduct] == nil || ops[ucp.OpLookupCatalog] == nil {
		t.Errorf("Operations of lookup alone = %v", ops)
	}
}
