package main

import (
	"bytes"
	"context"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/acp-sidecar/acp/sdk/acp"
	"github.com/acp-sidecar/acp/sdk/acptest"
	"github.com/acp-sidecar/acp/sdk/catalog"
)

// productsCSV is a catalog with a product of two variants (one named by
// its options and given the product's description, categories,
// condition and seller, the other with its own title, description,
// categories and seller), a product of one, an item sold on its own in
// two currencies, one sold in euros only and one in any currency.
const productsCSV = `sku,title,description,unit_price,currency,stock,images,categories,product_id,product_title,product_description,product_url,product_images,url,list_price,barcodes,options,condition,availability_status,seller_name,product_categories,product_condition,product_seller_name
tee-red-m,,,2000,usd,3,https://shop.test/img/tee-red.jpg,,tee,Logo T-shirt,Soft cotton.,https://shop.test/tee,https://shop.test/img/tee.jpg|https://shop.test/img/tee-back.jpg,https://shop.test/tee?v=red-m,2500,GTIN:00012345600012;EAN:4006381333931,Color=Red;Size=M,,,,apparel,new,Shop Inc
tee-blue-m,Logo T-shirt (blue),Blue and soft.,2000,usd,,,apparel|sale,tee,,,,,,,,Color=Blue;Size=M,,preorder,Outlet,,,
mug,Classic mug,A mug.,1500,usd,,https://shop.test/img/mug.jpg,kitchen,,,,,,https://shop.test/mug,,UPC:012345678905,,refurbished,,,,,
mug,Classic mug,A mug.,1400,eur,,https://shop.test/img/mug.jpg,kitchen,,,,,,https://shop.test/mug,,UPC:012345678905,,refurbished,,,,,
print,Euro print,,900,eur,,,,,,,,,,,,,,,,,,
ebook,Brewing guide,,999,,,,,guide,Brewing guide,,,,,,,,,discontinued,,,,
`

// productsJSON is productsCSV as JSON.
const productsJSON = `[
  {"sku": "tee-red-m", "unit_price": 2000, "currency": "usd", "stock": 3, "images": ["https://shop.test/img/tee-red.jpg"],
   "product_id": "tee", "product_title": "Logo T-shirt", "product_description": "Soft cotton.",
   "product_url": "https://shop.test/tee", "product_images": ["https://shop.test/img/tee.jpg", "https://shop.test/img/tee-back.jpg"],
   "product_categories": ["apparel"], "product_condition": ["new"], "product_seller_name": "Shop Inc",
   "url": "https://shop.test/tee?v=red-m", "list_price": 2500,
   "barcodes": [{"type": "GTIN", "value": "00012345600012"}, {"type": "EAN", "value": "4006381333931"}],
   "options": [{"name": "Color", "value": "Red"}, {"name": "Size", "value": "M"}]},
  {"sku": "tee-blue-m", "title": "Logo T-shirt (blue)", "description": "Blue and soft.", "unit_price": 2000, "currency": "usd",
   "categories": ["apparel", "sale"], "product_id": "tee", "options": [{"name": "Color", "value": "Blue"}, {"name": "Size", "value": "M"}],
   "availability_status": "preorder", "seller_name": "Outlet"},
  {"sku": "mug", "title": "Classic mug", "description": "A mug.", "unit_price": 1500, "currency": "usd", "images": ["https://shop.test/img/mug.jpg"],
   "categories": ["kitchen"], "url": "https://shop.test/mug", "barcodes": [{"type": "UPC", "value": "012345678905"}], "condition": ["refurbished"]},
  {"sku": "mug", "title": "Classic mug", "description": "A mug.", "unit_price": 1400, "currency": "eur", "images": ["https://shop.test/img/mug.jpg"],
   "categories": ["kitchen"], "url": "https://shop.test/mug", "barcodes": [{"type": "UPC", "value": "012345678905"}], "condition": ["refurbished"]},
  {"sku": "print", "title": "Euro print", "unit_price": 900, "currency": "eur"},
  {"sku": "ebook", "title": "Brewing guide", "unit_price": 999, "product_id": "guide", "product_title": "Brewing guide",
   "availability_status": "discontinued"}
]`

// wantProducts are productsCSV's products in dollars, as acp.yaml's
// catalog.products builds the same data: the product's own fields, its
// variants with theirs, completed by catalog.CompleteProduct with the
// product's categories, condition and seller; the mug, sold on its own,
// by catalog.ItemProduct.
func wantProducts() []catalog.Product {
	shipping := []acp.FulfillmentType{acp.FulfillmentShipping}
	ebook := catalog.CompleteProduct(catalog.Product{ID: "guide", Title: "Brewing guide", Variants: []catalog.Variant{{
		Item:   catalog.Item{ID: "ebook", Found: true, Title: "Brewing guide", UnitPrice: 999, TaxCategory: "standard", FulfillmentTypes: shipping},
		Status: catalog.StatusDiscontinued,
	}}}, catalog.ProductDefaults{})
	mug := catalog.ItemProduct(catalog.Variant{
		Item: catalog.Item{ID: "mug", Found: true, Title: "Classic mug", Description: "A mug.", Images: []string{"https://shop.test/img/mug.jpg"},
			UnitPrice: 1500, TaxCategory: "standard", FulfillmentTypes: shipping, Categories: []string{"kitchen"}},
		URL: "https://shop.test/mug", Barcodes: []catalog.Barcode{{Type: "UPC", Value: "012345678905"}}, Condition: []string{"refurbished"},
	})
	tee := catalog.CompleteProduct(catalog.Product{
		ID: "tee", Title: "Logo T-shirt", Description: catalog.Description{Plain: "Soft cotton."}, URL: "https://shop.test/tee",
		Media: []catalog.Media{{Type: "image", URL: "https://shop.test/img/tee.jpg"}, {Type: "image", URL: "https://shop.test/img/tee-back.jpg"}},
		Variants: []catalog.Variant{{
			Item: catalog.Item{ID: "tee-red-m", Found: true, Images: []string{"https://shop.test/img/tee-red.jpg"}, UnitPrice: 2000,
				TaxCategory: "standard", Available: ptr(3), FulfillmentTypes: shipping},
			URL: "https://shop.test/tee?v=red-m", ListPrice: 2500,
			Barcodes: []catalog.Barcode{{Type: "GTIN", Value: "00012345600012"}, {Type: "EAN", Value: "4006381333931"}},
			Options:  []catalog.VariantOption{{Name: "Color", Value: "Red"}, {Name: "Size", Value: "M"}},
		}, {
			Item: catalog.Item{ID: "tee-blue-m", Found: true, Title: "Logo T-shirt (blue)", Description: "Blue and soft.", UnitPrice: 2000,
				TaxCategory: "standard", FulfillmentTypes: shipping, Categories: []string{"apparel", "sale"}},
			Options: []catalog.VariantOption{{Name: "Color", Value: "Blue"}, {Name: "Size", Value: "M"}}, Status: catalog.StatusPreorder,
			Seller: &catalog.Seller{Name: "Outlet"},
		}},
	}, catalog.ProductDefaults{Categories: []string{"apparel"}, Condition: []string{"new"}, Seller: &catalog.Seller{Name: "Shop Inc"}})
	return []catalog.Product{ebook, mug, tee}
}

// list lists the whole catalog in currency, in pages of size.
func list(t *testing.T, p *acptest.Plugin, currency, since string, size int) (products []catalog.Product, last *catalog.ListProductsResponse) {
	t.Helper()
	req := &catalog.ListProductsRequest{Currency: currency, Since: since, PageSize: size}
	for {
		resp, err := p.Listing().ListProducts(context.Background(), req)
		if err != nil {
			t.Fatalf("ListProducts(%+v) = %v", req, err)
		}
		if len(resp.Products) > size {
			t.Fatalf("a page of %d products, want at most %d", len(resp.Products), size)
		}
		products = append(products, resp.Products...)
		if resp.NextPageToken == "" {
			return products, resp
		}
		if resp.ChangeToken != "" {
			t.Errorf("a page before the last has the change token %q", resp.ChangeToken)
		}
		req.PageToken = resp.NextPageToken
	}
}

// TestProducts: rows that share a product_id are one product, listed as
// acp.yaml's products list the same data, in CSV and JSON alike, and
// ResolveItems answers each variant's completed item (the red tee named
// by its options, with its product's description).
func TestProducts(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for name, path := range map[string]string{
		"csv":  writeFile(t, dir, "products.csv", productsCSV),
		"json": writeFile(t, dir, "products.json", productsJSON),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p := newPlugin(t, configFor(t, map[string]any{"path": path, "reload_interval": "0s"}))
			for _, size := range []int{1, 2, 10} {
				got, last := list(t, p, "USD", "", size)
				if diff := cmp.Diff(wantProducts(), got); diff != "" {
					t.Errorf("pages of %d: listing mismatch (-want +got):\n%s", size, diff)
				}
				if last.Changes || last.ChangeToken == "" {
					t.Errorf("pages of %d: the last page says Changes %v, change token %q; want the whole catalog and a token", size, last.Changes, last.ChangeToken)
				}
			}
			var wantItems []catalog.Item
			var ids []string
			for _, pr := range wantProducts() {
				for _, v := range pr.Variants {
					wantItems, ids = append(wantItems, v.Item), append(ids, v.Item.ID)
				}
			}
			if diff := cmp.Diff(wantItems, resolve(t, p, "usd", ids...)); diff != "" {
				t.Errorf("ResolveItems() mismatch with the listing (-want +got):\n%s", diff)
			}
			if red := wantItems[2]; red.Title != "Logo T-shirt - Red / M" || red.Description != "Soft cotton." || red.ProductID != "tee" {
				t.Errorf("the red tee = %+v, want it named by its options, with its product's description", red)
			}
		})
	}
}

// TestListingCurrencies: a listing holds the variants served in its
// currency, and items of any currency; a product with none is not listed.
func TestListingCurrencies(t *testing.T) {
	t.Parallel()
	path := writeFile(t, t.TempDir(), "products.csv", productsCSV)
	p := newPlugin(t, configFor(t, map[string]any{"path": path, "reload_interval": "0s"}))
	testCases := map[string][]string{
		"eur": {"guide", "mug", "print"},
		"jpy": {"guide"},
	}
	for currency, want := range testCases {
		got, _ := list(t, p, currency, "", 10)
		var ids []string
		for _, pr := range got {
			ids = append(ids, pr.ID)
		}
		if !cmp.Equal(ids, want) {
			t.Errorf("products in %s = %v, want %v", currency, ids, want)
		}
		if currency == "eur" && got[1].Variants[0].Item.UnitPrice != 1400 {
			t.Errorf("the mug in euros = %+v, want 1400", got[1].Variants[0].Item)
		}
	}
}

// TestListingConformance checks every contract of the listing, on a
// catalog of products, items sold on their own and several currencies.
func TestListingConformance(t *testing.T) {
	t.Parallel()
	c := newFileCatalog(slog.New(slog.DiscardHandler))
	t.Cleanup(c.Close)
	path := writeFile(t, t.TempDir(), "products.csv", productsCSV)
	acptest.RunListingConformance(t, c.serveOpts(), acptest.ListingSuite{PageSize: 2},
		acptest.WithConfig(configFor(t, map[string]any{"path": path, "reload_interval": "0s"})))
}

// TestChangeToken: the change token stays while nothing changes and
// changes with the stock (a hold, selling the last unit) and with the
// file's content; asked since the current token the listing says nothing
// changed, since a recent token of the same file it lists what changed,
// since an unknown one or one of other content the whole catalog.
func TestChangeToken(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := writeFile(t, dir, "products.csv", teeCSV("1"))
	p := newPlugin(t, configFor(t, map[string]any{"path": path, "reload_interval": "10ms"}))
	ctx := context.Background()
	token := func() string {
		t.Helper()
		_, last := list(t, p, "usd", "", 10)
		return last.ChangeToken
	}
	tee := func(since string) (*catalog.ListProductsResponse, int64) {
		t.Helper()
		got, last := list(t, p, "usd", since, 10)
		if len(got) != 1 {
			return last, -1
		}
		return last, *got[0].Variants[0].Item.Available
	}
	first := token()
	if again := token(); again != first {
		t.Fatalf("the change token changed from %q to %q with nothing changed", first, again)
	}
	if last, n := tee(first); !last.Changes || n != -1 || last.ChangeToken != first {
		t.Errorf("since the current token: %+v, want no change and nothing listed", last)
	}
	if last, n := tee("cf2-unknown"); last.Changes || n != 1 {
		t.Errorf("since an unknown token: %+v, %d available; want the whole catalog, 1 available", last, n)
	}

	resp, err := p.StockReservations().Reserve(ctx, &catalog.ReserveRequest{Key: "k", Lines: []catalog.StockLine{{SKU: "tee-logo", Quantity: 1}}, ExpiresAt: time.Now().Add(time.Hour)})
	if err != nil || !resp.Held {
		t.Fatalf("Reserve = %+v, %v", resp, err)
	}
	held := token()
	if held == first {
		t.Error("holding the last unit left the change token as it was")
	}
	if err := p.StockReservations().Commit(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	last, n := tee(first)
	if !last.Changes || n != 0 {
		t.Errorf("since the token before the sale: %+v, %d available; want the tee as a change, at 0", last, n)
	}
	sold := last.ChangeToken
	if sold == first {
		t.Error("selling the last unit left the change token as it was")
	}

	// The same content written again changes nothing; other content does.
	writeFile(t, dir, "products.csv", teeCSV("1"))
	time.Sleep(50 * time.Millisecond) // a few polls
	if got := token(); got != sold {
		t.Errorf("the same file written again changed the token from %q to %q", sold, got)
	}
	writeFile(t, dir, "products.csv", strings.Replace(teeCSV("1"), "Logo T-shirt", "Logo tee", 1))
	waitFor(t, "the new title", func() bool { return resolve(t, p, "usd", "tee-logo")[0].Title == "Logo tee" })
	if got := token(); got == sold {
		t.Error("a new title left the change token as it was")
	}
	if last, n := tee(sold); last.Changes || n != 0 {
		t.Errorf("since a token of the previous file: %+v, %d available; want the whole catalog, the tee still sold out", last, n)
	}
}

// threeTeesCSV is a catalog of three products, one variant each, with
// stock.
const threeTeesCSV = "sku,title,unit_price,stock,product_id,product_title,options\n" +
	"tee-a,,2000,2,a,Tee A,Size=M\ntee-b,,2000,2,b,Tee B,Size=M\ntee-c,,2000,2,c,Tee C,Size=M\n"

// TestListingAfterASale: since the token of the listing before a sale,
// the listing holds only the product sold, at its new availability,
// under a new token; since that one, nothing changed. A poll with nothing
// changed reads no sku: the state listed is remembered.
func TestListingAfterASale(t *testing.T) {
	t.Parallel()
	c := newFileCatalog(slog.New(slog.DiscardHandler))
	t.Cleanup(c.Close)
	path := writeFile(t, t.TempDir(), "products.csv", threeTeesCSV)
	p := acptest.New(t, c.serveOpts(), acptest.WithConfig(configFor(t, map[string]any{"path": path, "reload_interval": "0s"})))
	ctx := context.Background()
	all, before := list(t, p, "usd", "", 2)
	if len(all) != 3 || before.Changes {
		t.Fatalf("the first listing = %d products, Changes %v; want the whole catalog of 3", len(all), before.Changes)
	}
	remembered := func() []*listedState {
		c.listings.mu.Lock()
		defer c.listings.mu.Unlock()
		return slices.Clone(c.listings.states)
	}
	states := remembered()
	if _, last := list(t, p, "usd", before.ChangeToken, 2); !last.Changes || last.ChangeToken != before.ChangeToken {
		t.Errorf("a poll with nothing changed = %+v, want no change", last)
	}
	if got := remembered(); len(got) != 1 || len(states) != 1 || got[0] != states[0] {
		t.Errorf("a poll with nothing changed read the stock again: states %p, then %p", states, got)
	}

	if resp, err := p.StockReservations().Reserve(ctx, &catalog.ReserveRequest{Key: "k", Lines: []catalog.StockLine{{SKU: "tee-b", Quantity: 1}}, ExpiresAt: time.Now().Add(time.Hour)}); err != nil || !resp.Held {
		t.Fatalf("Reserve = %+v, %v", resp, err)
	}
	if err := p.StockReservations().Commit(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	got, after := list(t, p, "usd", before.ChangeToken, 2)
	if !after.Changes || len(got) != 1 || got[0].ID != "b" || *got[0].Variants[0].Item.Available != 1 || after.ChangeToken == before.ChangeToken {
		t.Errorf("since the token before the sale: %d products %+v, last page %+v; want only b, at 1, as a change under a new token", len(got), got, after)
	}
	if _, again := list(t, p, "usd", after.ChangeToken, 2); !again.Changes || again.ChangeToken != after.ChangeToken {
		t.Errorf("since the token after the sale: %+v, want no change", again)
	}
	whole, _ := list(t, p, "usd", "", 2)
	if diff := cmp.Diff(map[string]int64{"a": 2, "b": 1, "c": 2}, availability(whole)); diff != "" {
		t.Errorf("the whole catalog after the sale (-want +got):\n%s", diff)
	}
}

// availability is what can be held of each listed product's first
// variant, by product id.
func availability(products []catalog.Product) map[string]int64 {
	out := map[string]int64{}
	for _, p := range products {
		out[p.ID] = *p.Variants[0].Item.Available
	}
	return out
}

// TestListingPagesShowOneState: the pages of a listing show the state its
// first page did. Stock that moves between pages is listed at the first
// page's figures under the first page's token (the next poll lists what
// moved); a page asked again after a restart, with nothing changed, is
// answered as before; a process that does not remember the listing's
// state, which the catalog left, and a file reloaded with other content
// between pages refuse the next page token as stale.
func TestListingPagesShowOneState(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	path := writeFile(t, dir, "products.csv", threeTeesCSV)
	cfg := configFor(t, map[string]any{"path": path, "reload_interval": "10ms"})
	p := newPlugin(t, cfg)
	page := func(p *acptest.Plugin, since, token string) (*catalog.ListProductsResponse, error) {
		return p.Listing().ListProducts(ctx, &catalog.ListProductsRequest{Currency: "usd", Since: since, PageToken: token, PageSize: 1})
	}
	first, err := page(p, "", "")
	if err != nil || first.NextPageToken == "" {
		t.Fatalf("the first page = %+v, %v", first, err)
	}

	// A restarted plugin, nothing changed: the same page.
	again := newPlugin(t, cfg)
	second, err := page(p, "", first.NextPageToken)
	if err != nil {
		t.Fatal(err)
	}
	if restarted, err := page(again, "", first.NextPageToken); err != nil || !cmp.Equal(restarted, second) {
		t.Errorf("page 2 after a restart = %+v, %v; want %+v", restarted, err, second)
	}

	// The stock moves: the pages go on at the first page's figures.
	if resp, err := p.StockReservations().Reserve(ctx, &catalog.ReserveRequest{Key: "k", Lines: []catalog.StockLine{{SKU: "tee-c", Quantity: 2}}, ExpiresAt: time.Now().Add(time.Hour)}); err != nil || !resp.Held {
		t.Fatalf("Reserve = %+v, %v", resp, err)
	}
	third, err := page(p, "", second.NextPageToken)
	if err != nil || len(third.Products) != 1 || *third.Products[0].Variants[0].Item.Available != 2 || third.NextPageToken != "" {
		t.Fatalf("page 3 after a hold of c = %+v, %v; want c at the listing's 2, the last page", third, err)
	}
	if moved, last := list(t, p, "usd", third.ChangeToken, 10); !last.Changes || len(moved) != 1 || moved[0].ID != "c" || *moved[0].Variants[0].Item.Available != 0 {
		t.Errorf("since the listing's token: %+v, %+v; want c, at 0", moved, last)
	}
	if remembered, err := page(again, "", second.NextPageToken); err != nil || !cmp.Equal(remembered, third) {
		t.Errorf("page 3 in the plugin restarted before the hold = %+v, %v; want %+v (it remembers the listing's state)", remembered, err, third)
	}
	if _, err := page(newPlugin(t, cfg), "", second.NextPageToken); err == nil || !strings.Contains(err.Error(), errStalePage.Error()) {
		t.Errorf("page 3 in a plugin restarted after the hold = %v, want it refused as stale", err)
	}

	// The file changes between pages: the listing's next page is stale.
	first, err = page(p, "", "")
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, "products.csv", strings.Replace(threeTeesCSV, "tee-b,,2000", "tee-b,,2100", 1))
	waitFor(t, "the new price", func() bool { return resolve(t, p, "usd", "tee-b")[0].UnitPrice == 2100 })
	if resp, err := page(p, "", first.NextPageToken); err == nil || !strings.Contains(err.Error(), "the page token is stale") {
		t.Errorf("page 2 after a reload = %+v, %v; want it refused as stale", resp, err)
	}
}

// TestListingRequests: a page token the plugin did not give, one of a
// listing since another token, one of a state never listed, and a page
// size below 1 are refused with a clear error.
func TestListingRequests(t *testing.T) {
	t.Parallel()
	path := writeFile(t, t.TempDir(), "products.csv", productsCSV)
	p := newPlugin(t, configFor(t, map[string]any{"path": path, "reload_interval": "0s"}))
	for name, tc := range map[string]struct {
		req     catalog.ListProductsRequest
		wantErr string
	}{
		"page size 0":     {req: catalog.ListProductsRequest{Currency: "usd"}, wantErr: "the page size must be at least 1, got 0"},
		"a made-up token": {req: catalog.ListProductsRequest{Currency: "usd", PageSize: 1, PageToken: "page-2"}, wantErr: "the page token is not one this plugin gave"},
		"a token of no one": {req: catalog.ListProductsRequest{Currency: "usd", PageSize: 1, PageToken: pageToken{token: "v9-x", after: "mug"}.encode()},
			wantErr: "the page token is not one this plugin gave"},
		"another since": {req: catalog.ListProductsRequest{Currency: "usd", PageSize: 1, PageToken: pageToken{token: "cf2-a", since: "cf2-b", after: "mug"}.encode()},
			wantErr: "the page token continues a listing since another change token"},
		"a state never listed": {req: catalog.ListProductsRequest{Currency: "usd", PageSize: 1, PageToken: pageToken{token: "cf2-a", after: "mug"}.encode()},
			wantErr: "the page token is stale"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if _, err := p.Listing().ListProducts(context.Background(), &tc.req); err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("ListProducts() = %v, want an error containing %q", err, tc.wantErr)
			}
		})
	}
}

// TestProductProblems checks that every kind of bad product or feed field
// is refused, naming where, in CSV and JSON.
func TestProductProblems(t *testing.T) {
	t.Parallel()
	header := "sku,title,unit_price,product_id,product_title,product_description,product_url,product_images,url,list_price,barcodes,options,condition,availability_status\n"
	testCases := map[string]invalidFile{
		"product field without product_id": {name: "a.csv", data: header + "mug,Mug,100,,Mugs,,,,,,,,,\n",
			wantErr: []string{"line 2: product_title needs product_id"}},
		"titles disagree": {name: "a.csv", data: header + "a,,100,tee,Tee,,,,,,,Color=Red,,\nb,,100,tee,T-shirt,,,,,,,Color=Blue,,\n",
			wantErr: []string{`line 3: product_title "T-shirt" differs from "Tee" (line 2): a product's fields must agree across its rows`}},
		"images disagree": {name: "a.csv", data: header + "a,A,100,tee,,,,https://i.test/1.jpg,,,,,,\nb,B,100,tee,,,,https://i.test/2.jpg,,,,,,\n",
			wantErr: []string{`line 3: product_images "https://i.test/2.jpg" differs from "https://i.test/1.jpg" (line 2)`}},
		"no title anywhere": {name: "a.csv", data: header + "a,,100,tee,,,,,,,,,,\n",
			wantErr: []string{`line 2: title is required: give the row a title, or its product "tee" a product_title`}},
		"no title, no product": {name: "a.csv", data: header + "a,,100,,,,,,,,,,,\n", wantErr: []string{"line 2: title is required"}},
		"same options": {name: "a.csv", data: header + "a,A,100,tee,,,,,,,,Color=Red,,\nb,B,100,tee,,,,,,,,Color=Red,,\n",
			wantErr: []string{`line 3: product "tee": variants "a" and "b" have the same options Color=Red: options tell a product's variants apart (also line 2)`}},
		"same title from the product": {name: "a.csv", data: header + "a,,100,tee,Tee,,,,,,,,,\nb,,100,tee,,,,,,,,,,\n",
			wantErr: []string{`line 3: product "tee": variants "a" and "b" have the same title "Tee": give each its own title or options (also line 2)`}},
		"same title in one currency": {name: "a.csv", data: "sku,title,unit_price,currency,product_id,url\na,Tee,100,usd,tee,https://shop.test/a\nb,Tee,100,eur,tee,\nc,Tee,90,eur,tee,\n",
			wantErr: []string{`line 4: product "tee": variants "b" and "c" have the same title "Tee": give each its own title or options (also line 3)`}},
		"JSON product column without product_id": {name: "a.json", data: `[{"sku": "a", "title": "A", "unit_price": 1, "product_condition": ["new"]}]`,
			wantErr: []string{"item [0]: product_condition needs product_id"}},
		"JSON empty product condition": {name: "a.json", data: `[{"sku": "a", "title": "A", "unit_price": 1, "product_id": "p", "product_condition": [""]}]`,
			wantErr: []string{"item [0]: product_condition: a condition is empty"}},
		"JSON product categories disagree": {name: "a.json", data: `[{"sku": "a", "title": "A", "unit_price": 1, "product_id": "p", "product_categories": ["x", "y"]},
			{"sku": "b", "title": "B", "unit_price": 1, "product_id": "p", "product_categories": ["x"]}]`,
			wantErr: []string{`item [1]: product_categories "x" differs from "x|y" (item [0])`}},
		"relative urls": {name: "a.csv", data: header + "a,A,100,tee,,,/tee,/tee.jpg,/a,,,,,\n",
			wantErr: []string{`product_url "/tee" is not an absolute`, `product image "/tee.jpg" is not an absolute`, `url "/a" is not an absolute`}},
		"negative list price":  {name: "a.csv", data: header + "a,A,100,,,,,,,-5,,,,\n", wantErr: []string{"list_price must be 0 (none) or more, got -5"}},
		"list price not money": {name: "a.csv", data: header + "a,A,100,,,,,,,12.50,,,,\n", wantErr: []string{`list_price: "12.50" is not an integer`}},
		"barcode without type": {name: "a.csv", data: header + "a,A,100,,,,,,,,00012345600012,,,\n",
			wantErr: []string{`barcodes: "00012345600012" is not TYPE:VALUE, such as GTIN:00012345600012`}},
		"option without value": {name: "a.csv", data: header + "a,A,100,,,,,,,,,Color=;Size=M,,\n",
			wantErr: []string{`options: "Color=" is not NAME=VALUE, such as Color=Red`}},
		"option twice": {name: "a.csv", data: header + "a,A,100,,,,,,,,,Color=Red;Color=Blue,,\n", wantErr: []string{`options: option "Color" is given twice`}},
		"derived status": {name: "a.csv", data: header + "a,A,100,,,,,,,,,,,in_stock\n",
			wantErr: []string{`availability_status must be one of preorder, backorder, discontinued (in or out of stock comes from the stock figure), got "in_stock"`}},
		"JSON empty barcode": {name: "a.json", data: `[{"sku": "a", "title": "A", "unit_price": 1, "barcodes": [{"type": "GTIN", "value": ""}]}]`,
			wantErr: []string{`item [0]: barcodes: a barcode needs a type and a value, got type "GTIN" and value ""`}},
		"JSON option field": {name: "a.json", data: `[{"sku": "a", "title": "A", "unit_price": 1, "options": [{"name": "Color", "colour": "Red"}]}]`,
			wantErr: []string{"item [0]", `unknown field "colour"`}},
		"JSON empty condition": {name: "a.json", data: `[{"sku": "a", "title": "A", "unit_price": 1, "condition": [""]}]`,
			wantErr: []string{"item [0]: condition: a condition is empty"}},
	}
	checkInvalidFiles(t, testCases)
}

// TestProductFieldsOnOneRow: a product's fields may be written on one of
// its rows and left empty on the others.
func TestProductFieldsOnOneRow(t *testing.T) {
	t.Parallel()
	path := writeFile(t, t.TempDir(), "products.csv", "sku,unit_price,product_id,product_title,options\n"+
		"tee-s,2000,tee,,Size=S\ntee-m,2000,tee,Logo T-shirt,Size=M\n")
	p := newPlugin(t, configFor(t, map[string]any{"path": path, "reload_interval": "0s"}))
	if got := resolve(t, p, "usd", "tee-s", "tee-m"); got[0].Title != "Logo T-shirt - S" || got[1].Title != "Logo T-shirt - M" {
		t.Errorf("titles = %q, %q; want both named after the product", got[0].Title, got[1].Title)
	}
}

// syncBuffer is a bytes.Buffer safe for concurrent writes, for a logger.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestEarlierReleaseFiles: files the previous release accepted, in which
// product_id only named an item's product, still load, with a warning
// naming the rows taken in another way than they may mean, and checkout
// resolves their items with the product ids the file gives.
func TestEarlierReleaseFiles(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		data string
		// listed are the product ids and their variants in each currency.
		listed       map[string]map[string][]string
		productIDs   map[string]string // "sku/currency" → its ProductID
		wantWarnings []string
	}{
		"a product id that is a sku sold on its own": {
			data:         "sku,title,unit_price,product_id\ntee,Tee,100,\ntee-red,Red tee,100,tee\n",
			listed:       map[string]map[string][]string{"usd": {"tee": {"tee", "tee-red"}}},
			productIDs:   map[string]string{"tee/usd": "tee", "tee-red/usd": "tee"},
			wantWarnings: []string{`line 2: sku \"tee\" has no product_id, but other rows name it as their product_id: it is listed as a variant of product \"tee\"`},
		},
		"a sku in two products": {
			data: "sku,title,unit_price,currency,product_id\na,A,100,usd,p\na,A,90,eur,q\n",
			listed: map[string]map[string][]string{
				"usd": {"p": {"a"}},
				"eur": {"q": {"a"}},
			},
			productIDs:   map[string]string{"a/usd": "p", "a/eur": "q"},
			wantWarnings: []string{`line 3: sku \"a\" is a variant of product \"q\" here and of \"p\" on line 2: each currency lists it in its own row's product`},
		},
		"variants told apart by their skus only": {
			data:         "sku,title,unit_price,product_id\ntee-s,Logo tee,100,tee\ntee-m,Logo tee,100,tee\nmug,Mug,50,\n",
			listed:       map[string]map[string][]string{"usd": {"mug": {"mug"}}},
			productIDs:   map[string]string{"tee-s/usd": "tee", "tee-m/usd": "tee", "mug/usd": "mug"},
			wantWarnings: []string{`line 3: product \"tee\": variants \"tee-s\" and \"tee-m\" have the same title \"Logo tee\": give each its own title or options (also line 2); the product is left out of the listing`},
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var logs syncBuffer
			c := newFileCatalog(slog.New(slog.NewTextHandler(&logs, nil)))
			t.Cleanup(c.Close)
			path := writeFile(t, t.TempDir(), "products.csv", tc.data)
			p := acptest.New(t, c.serveOpts(), acptest.WithConfig(configFor(t, map[string]any{"path": path, "reload_interval": "0s"})))
			for currency, want := range tc.listed {
				got, _ := list(t, p, currency, "", 10)
				listed := map[string][]string{}
				for _, pr := range got {
					for _, v := range pr.Variants {
						listed[pr.ID] = append(listed[pr.ID], v.Item.ID)
					}
				}
				if diff := cmp.Diff(want, listed); diff != "" {
					t.Errorf("listed in %s (-want +got):\n%s", currency, diff)
				}
			}
			for key, want := range tc.productIDs {
				sku, currency, _ := strings.Cut(key, "/")
				if got := resolve(t, p, currency, sku)[0]; !got.Found || got.ProductID != want {
					t.Errorf("%s in %s resolves to %+v, want product id %q", sku, currency, got, want)
				}
			}
			for _, want := range tc.wantWarnings {
				if !strings.Contains(logs.String(), want) {
					t.Errorf("the log does not warn %s:\n%s", want, logs.String())
				}
			}
		})
	}
}
