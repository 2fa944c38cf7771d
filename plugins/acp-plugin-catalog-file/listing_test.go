package main

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/acp-sidecar/acp/sdk/acp"
	"github.com/acp-sidecar/acp/sdk/acptest"
	"github.com/acp-sidecar/acp/sdk/catalog"
)

// productsCSV is a catalog with a product of two variants (one named by
// its options), a product of one, an item sold on its own in two
// currencies, one sold in euros only and one in any currency.
const productsCSV = `sku,title,description,unit_price,currency,stock,images,categories,product_id,product_title,product_description,product_url,product_images,url,list_price,barcodes,options,condition,availability_status,seller_name
tee-red-m,,,2000,usd,3,https://shop.test/img/tee-red.jpg,apparel,tee,Logo T-shirt,Soft cotton.,https://shop.test/tee,https://shop.test/img/tee.jpg|https://shop.test/img/tee-back.jpg,https://shop.test/tee?v=red-m,2500,GTIN:00012345600012;EAN:4006381333931,Color=Red;Size=M,new,,Shop Inc
tee-blue-m,Logo T-shirt (blue),Blue and soft.,2000,usd,,,apparel,tee,,,,,,,,Color=Blue;Size=M,,preorder,
mug,Classic mug,A mug.,1500,usd,,https://shop.test/img/mug.jpg,kitchen,,,,,,https://shop.test/mug,,UPC:012345678905,,refurbished,,
mug,Classic mug,A mug.,1400,eur,,https://shop.test/img/mug.jpg,kitchen,,,,,,https://shop.test/mug,,UPC:012345678905,,refurbished,,
print,Euro print,,900,eur,,,,,,,,,,,,,,,
ebook,Brewing guide,,999,,,,,guide,Brewing guide,,,,,,,,,discontinued,
`

// productsJSON is productsCSV as JSON.
const productsJSON = `[
  {"sku": "tee-red-m", "unit_price": 2000, "currency": "usd", "stock": 3, "images": ["https://shop.test/img/tee-red.jpg"],
   "categories": ["apparel"], "product_id": "tee", "product_title": "Logo T-shirt", "product_description": "Soft cotton.",
   "product_url": "https://shop.test/tee", "product_images": ["https://shop.test/img/tee.jpg", "https://shop.test/img/tee-back.jpg"],
   "url": "https://shop.test/tee?v=red-m", "list_price": 2500,
   "barcodes": [{"type": "GTIN", "value": "00012345600012"}, {"type": "EAN", "value": "4006381333931"}],
   "options": [{"name": "Color", "value": "Red"}, {"name": "Size", "value": "M"}], "condition": ["new"], "seller_name": "Shop Inc"},
  {"sku": "tee-blue-m", "title": "Logo T-shirt (blue)", "description": "Blue and soft.", "unit_price": 2000, "currency": "usd",
   "categories": ["apparel"], "product_id": "tee", "options": [{"name": "Color", "value": "Blue"}, {"name": "Size", "value": "M"}],
   "availability_status": "preorder"},
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
// variants with theirs, completed by catalog.CompleteProduct; the mug,
// sold on its own, by catalog.ItemProduct.
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
				TaxCategory: "standard", Available: ptr(3), FulfillmentTypes: shipping, Categories: []string{"apparel"}},
			URL: "https://shop.test/tee?v=red-m", ListPrice: 2500,
			Barcodes:  []catalog.Barcode{{Type: "GTIN", Value: "00012345600012"}, {Type: "EAN", Value: "4006381333931"}},
			Options:   []catalog.VariantOption{{Name: "Color", Value: "Red"}, {Name: "Size", Value: "M"}},
			Condition: []string{"new"}, Seller: &catalog.Seller{Name: "Shop Inc"},
		}, {
			Item: catalog.Item{ID: "tee-blue-m", Found: true, Title: "Logo T-shirt (blue)", Description: "Blue and soft.", UnitPrice: 2000,
				TaxCategory: "standard", FulfillmentTypes: shipping, Categories: []string{"apparel"}},
			Options: []catalog.VariantOption{{Name: "Color", Value: "Blue"}, {Name: "Size", Value: "M"}}, Status: catalog.StatusPreorder,
		}},
	}, catalog.ProductDefaults{Description: "Soft cotton."})
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
// changed, since an older or unknown one it lists the whole catalog.
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
	if last, n := tee("cf1-unknown"); last.Changes || n != 1 {
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
	if last.Changes || n != 0 {
		t.Errorf("since the token before the sale: %+v, %d available; want the whole catalog with the tee at 0", last, n)
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
}

// TestListingRequests: a page token the plugin did not give and a page
// size below 1 are refused with a clear error.
func TestListingRequests(t *testing.T) {
	t.Parallel()
	path := writeFile(t, t.TempDir(), "products.csv", productsCSV)
	p := newPlugin(t, configFor(t, map[string]any{"path": path, "reload_interval": "0s"}))
	for name, tc := range map[string]struct {
		req     catalog.ListProductsRequest
		wantErr string
	}{
		"page size 0":       {req: catalog.ListProductsRequest{Currency: "usd"}, wantErr: "the page size must be at least 1, got 0"},
		"a made-up token":   {req: catalog.ListProductsRequest{Currency: "usd", PageSize: 1, PageToken: "page-2"}, wantErr: "the page token is not one this plugin gave"},
		"a token of no one": {req: catalog.ListProductsRequest{Currency: "usd", PageSize: 1, PageToken: pageToken("v9-x", "mug")}, wantErr: "the page token is not one this plugin gave"},
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
	testCases := map[string]struct {
		name, data string
		wantErr    []string
	}{
		"product field without product_id": {name: "a.csv", data: header + "mug,Mug,100,,Mugs,,,,,,,,,\n",
			wantErr: []string{"line 2: product_title needs product_id"}},
		"titles disagree": {name: "a.csv", data: header + "a,,100,tee,Tee,,,,,,,Color=Red,,\nb,,100,tee,T-shirt,,,,,,,Color=Blue,,\n",
			wantErr: []string{`line 3: product_title "T-shirt" differs from "Tee" (line 2): a product's fields must agree across its rows`}},
		"images disagree": {name: "a.csv", data: header + "a,A,100,tee,,,,https://i.test/1.jpg,,,,,,\nb,B,100,tee,,,,https://i.test/2.jpg,,,,,,\n",
			wantErr: []string{`line 3: product_images "https://i.test/2.jpg" differs from "https://i.test/1.jpg" (line 2)`}},
		"no title anywhere": {name: "a.csv", data: header + "a,,100,tee,,,,,,,,,,\n",
			wantErr: []string{`line 2: title is required: give the row a title, or its product "tee" a product_title`}},
		"no title, no product": {name: "a.csv", data: header + "a,,100,,,,,,,,,,,\n", wantErr: []string{"line 2: title is required"}},
		"a sku in two products": {name: "a.csv", data: "sku,title,unit_price,currency,product_id\na,A,100,usd,p\na,A,90,eur,q\n",
			wantErr: []string{`line 3: sku "a" has product_id "q" here and "p" on line 2`}},
		"a product id that is a sku sold on its own": {name: "a.csv", data: header + "tee,Tee,100,,,,,,,,,,,\ntee-red,Red tee,100,tee,,,,,,,,,,\n",
			wantErr: []string{`line 3: product id "tee" is both the sku of an item sold on its own and a product_id (also line 2)`}},
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
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			path := writeFile(t, t.TempDir(), tc.name, tc.data)
			err := startPlugin(t).Configure(context.Background(), []byte(configFor(t, map[string]any{"path": path})))
			if err == nil {
				t.Fatal("Configure() = nil, want an error")
			}
			for _, want := range tc.wantErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("Configure() = %v, want it to contain %q", err, want)
				}
			}
		})
	}
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
