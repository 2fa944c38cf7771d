package builtin_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/acp-sidecar/acp/core/builtin"
	"github.com/acp-sidecar/acp/sdk/catalog"
)

// testProducts are a flat item and two products of two variants, one
// variant without a title of its own, completed as the host completes
// acp.yaml's.
func testProducts() []catalog.Product {
	tee := catalog.Product{ID: "tee", Title: "Logo tee", Description: catalog.Description{Plain: "Cotton."}, Variants: []catalog.Variant{
		{Item: catalog.Item{ID: "tee-red", UnitPrice: 2000}, Options: []catalog.VariantOption{{Name: "Color", Value: "Red"}}},
		{Item: catalog.Item{ID: "tee-blue", Title: "Blue tee", UnitPrice: 2100}, Options: []catalog.VariantOption{{Name: "Color", Value: "Blue"}}},
	}}
	mug := catalog.Product{ID: "mug", Title: "Mug", Variants: []catalog.Variant{
		{Item: catalog.Item{ID: "mug-s", Title: "Mug, small", UnitPrice: 900}},
		{Item: catalog.Item{ID: "mug-l", Title: "Mug, large", UnitPrice: 1100}},
	}}
	return []catalog.Product{
		catalog.ItemProduct(catalog.Variant{Item: catalog.Item{ID: "ebook", Title: "Ebook", UnitPrice: 999}}),
		catalog.CompleteProduct(tee, catalog.ProductDefaults{Categories: []string{"apparel"}}),
		catalog.CompleteProduct(mug, catalog.ProductDefaults{}),
	}
}

// listAll lists c page by page and returns the pages' product ids, the
// pages, and the change token of the last page.
func listAll(t *testing.T, c *builtin.Catalog, pageSize int) (ids []string, pages [][]catalog.Product, changeToken string) {
	t.Helper()
	token := ""
	for range 100 {
		resp, err := c.ListProducts(context.Background(), &catalog.ListProductsRequest{Currency: "usd", PageToken: token, PageSize: pageSize})
		if err != nil {
			t.Fatalf("ListProducts(page token %q): %v", token, err)
		}
		if resp.Changes || len(resp.Removed) > 0 {
			t.Errorf("page %d: Changes %v, Removed %v; want the whole catalog", len(pages), resp.Changes, resp.Removed)
		}
		if len(resp.Products) > pageSize {
			t.Errorf("page %d holds %d products, more than the page size %d", len(pages), len(resp.Products), pageSize)
		}
		pages = append(pages, resp.Products)
		for _, p := range resp.Products {
			ids = append(ids, p.ID)
			for _, v := range p.Variants {
				if !v.Item.Found || v.Item.Available != nil {
					t.Errorf("variant %s: Found %v, Available %v; want found, availability left to the host", v.Item.ID, v.Item.Found, v.Item.Available)
				}
			}
		}
		if resp.NextPageToken == "" {
			return ids, pages, resp.ChangeToken
		}
		if resp.ChangeToken != "" {
			t.Errorf("page %d has a change token before the last page", len(pages))
		}
		token = resp.NextPageToken
	}
	t.Fatal("the listing does not end")
	return nil, nil, ""
}

// TestCatalogListing checks that every page size lists every product once,
// in the order given, each page at most the page size, and that the
// change token is the same for the same products and differs when one
// changes.
func TestCatalogListing(t *testing.T) {
	t.Parallel()
	want := []string{"ebook", "tee", "mug"}
	c := builtin.NewProductCatalog(testProducts())
	tokens := map[string]bool{}
	for _, size := range []int{1, 2, 3, 50} {
		ids, pages, token := listAll(t, c, size)
		if diff := cmp.Diff(want, ids); diff != "" {
			t.Errorf("page size %d: products (-want +got):\n%s", size, diff)
		}
		if wantPages := (len(want) + size - 1) / size; len(pages) != wantPages {
			t.Errorf("page size %d: %d pages, want %d", size, len(pages), wantPages)
		}
		tokens[token] = true
	}
	if len(tokens) != 1 || tokens[""] {
		t.Errorf("change tokens %v; want one, the same on every listing", tokens)
	}
	_, _, again := listAll(t, builtin.NewProductCatalog(testProducts()), 2)
	if !tokens[again] {
		t.Errorf("change token %q of the same products built again; want %v", again, tokens)
	}
	changed := testProducts()
	changed[1].Variants[0].Item.UnitPrice++
	if _, _, other := listAll(t, builtin.NewProductCatalog(changed), 2); tokens[other] {
		t.Errorf("a changed price keeps the change token %q", other)
	}
	if _, _, empty := listAll(t, builtin.NewProductCatalog(nil), 10); empty == "" {
		t.Error("an empty catalog lists no change token")
	}
}

// TestCatalogListingBadRequests checks that a page token the catalog did
// not issue, one of a catalog since changed, and a page size below 1 are
// errors.
func TestCatalogListingBadRequests(t *testing.T) {
	t.Parallel()
	c := builtin.NewProductCatalog(testProducts())
	first, err := c.ListProducts(context.Background(), &catalog.ListProductsRequest{PageSize: 1})
	if err != nil || first.NextPageToken == "" {
		t.Fatalf("ListProducts(first page) = %+v, %v", first, err)
	}
	changed := testProducts()
	changed[0].Title = "Another ebook"
	for name, tc := range map[string]struct {
		c        *builtin.Catalog
		token    string
		pageSize int
	}{
		"not a token":               {c: c, token: "next", pageSize: 1},
		"offset past the end":       {c: c, token: "3@" + first.NextPageToken[2:], pageSize: 1},
		"offset 0":                  {c: c, token: "0@" + first.NextPageToken[2:], pageSize: 1},
		"negative offset":           {c: c, token: "-1@" + first.NextPageToken[2:], pageSize: 1},
		"no catalog hash":           {c: c, token: "1", pageSize: 1},
		"of another catalog":        {c: builtin.NewProductCatalog(changed), token: first.NextPageToken, pageSize: 1},
		"page size 0, first page":   {c: c, pageSize: 0},
		"page size 0, a next page":  {c: c, token: first.NextPageToken, pageSize: 0},
		"negative page size":        {c: c, pageSize: -1},
		"a good token, then a typo": {c: c, token: first.NextPageToken + "x", pageSize: 1},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			resp, err := tc.c.ListProducts(context.Background(), &catalog.ListProductsRequest{PageToken: tc.token, PageSize: tc.pageSize})
			if err == nil {
				t.Errorf("ListProducts(page token %q, page size %d) = %+v; want an error", tc.token, tc.pageSize, resp)
			}
		})
	}
}

// TestCatalogResolvesVariants checks that ResolveItems answers a variant
// by its id with the item its product's listing shows: named after the
// product when it has no title, with the product's id and what the
// product gives it.
func TestCatalogResolvesVariants(t *testing.T) {
	t.Parallel()
	c := builtin.NewProductCatalog(testProducts())
	resp, err := c.ResolveItems(context.Background(), &catalog.ResolveItemsRequest{Currency: "usd", Items: []catalog.ItemRef{
		{ID: "tee-red", Quantity: 1}, {ID: "tee-blue", Quantity: 1}, {ID: "ebook", Quantity: 1}, {ID: "tee", Quantity: 1},
	}})
	if err != nil {
		t.Fatal(err)
	}
	want := []catalog.Item{
		{ID: "tee-red", Found: true, Title: "Logo tee - Red", Description: "Cotton.", UnitPrice: 2000, ProductID: "tee", Categories: []string{"apparel"}},
		{ID: "tee-blue", Found: true, Title: "Blue tee", Description: "Cotton.", UnitPrice: 2100, ProductID: "tee", Categories: []string{"apparel"}},
		{ID: "ebook", Found: true, Title: "Ebook", UnitPrice: 999, ProductID: "ebook"},
		{ID: "tee"}, // a product's id is no item
	}
	if diff := cmp.Diff(want, resp.Items); diff != "" {
		t.Errorf("ResolveItems (-want +got):\n%s", diff)
	}
	_, pages, _ := listAll(t, c, 10)
	if diff := cmp.Diff(want[:2], []catalog.Item{pages[0][1].Variants[0].Item, pages[0][1].Variants[1].Item}); diff != "" {
		t.Errorf("the listing's variants differ from ResolveItems (-resolved +listed):\n%s", diff)
	}
}

// TestNewCatalogItems checks that a catalog of items alone lists each as
// a product of its own, under its product id when it names one.
func TestNewCatalogItems(t *testing.T) {
	t.Parallel()
	c := builtin.NewCatalog([]catalog.Item{{ID: "ebook-en", ProductID: "ebook", Title: "Ebook"}, {ID: "poster", Title: "Poster"}})
	_, pages, _ := listAll(t, c, 10)
	var got [][2]string
	for _, p := range pages[0] {
		got = append(got, [2]string{p.ID, p.Variants[0].Item.ProductID})
	}
	if diff := cmp.Diff([][2]string{{"ebook", "ebook"}, {"poster", "poster"}}, got); diff != "" {
		t.Errorf("products and their variants' product ids (-want +got):\n%s", diff)
	}
	resp, err := c.ResolveItems(context.Background(), &catalog.ResolveItemsRequest{Items: []catalog.ItemRef{{ID: "ebook-en", Quantity: 1}}})
	if err != nil || resp.Items[0].ProductID != "ebook" || !resp.Items[0].Found {
		t.Errorf("ResolveItems(ebook-en) = %+v, %v; want found, in product ebook", resp, err)
	}
}
