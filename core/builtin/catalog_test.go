package builtin_test

import (
	"context"
	"reflect"
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

// touch sets every value reachable from v: each string to str, each
// number to n and each bool to true, making each empty slice one element
// long and each nil pointer point to a new value first, so that a field
// added to the products later is set too.
func touch(t *testing.T, v reflect.Value, str string, n int64) {
	t.Helper()
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		touch(t, v.Elem(), str, n)
	case reflect.Slice:
		if v.Len() == 0 {
			v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		}
		for i := range v.Len() {
			touch(t, v.Index(i), str, n)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			touch(t, v.Field(i), str, n)
		}
	case reflect.String:
		v.SetString(str)
	case reflect.Int, reflect.Int64:
		v.SetInt(n)
	case reflect.Float64:
		v.SetFloat(float64(n))
	case reflect.Bool:
		v.SetBool(true)
	default:
		t.Fatalf("touch: a %s (%s) in a product; teach touch and the catalog's copy about it", v.Kind(), v.Type())
	}
}

// touchedProduct is a product with every field set.
func touchedProduct(t *testing.T) catalog.Product {
	var p catalog.Product
	touch(t, reflect.ValueOf(&p).Elem(), "a", 1)
	return p
}

// TestCatalogListsCopies checks that changing every value of a listed
// product, through every slice and pointer, changes nothing the catalog
// lists next.
func TestCatalogListsCopies(t *testing.T) {
	t.Parallel()
	c := builtin.NewProductCatalog([]catalog.Product{touchedProduct(t)})
	list := func() []catalog.Product {
		resp, err := c.ListProducts(context.Background(), &catalog.ListProductsRequest{Currency: "usd", PageSize: 10})
		if err != nil {
			t.Fatal(err)
		}
		return resp.Products
	}
	first := list()
	touch(t, reflect.ValueOf(first), "changed", 2)
	if diff := cmp.Diff([]catalog.Product{touchedProduct(t)}, list()); diff != "" {
		t.Errorf("a change to a listed product reached the catalog (-want +got):\n%s", diff)
	}
}

// TestCatalogListingSince checks that a listing since the catalog's own
// change token answers that nothing changed, with nothing listed and the
// same token, and that one since any other token lists the whole
// catalog.
func TestCatalogListingSince(t *testing.T) {
	t.Parallel()
	c := builtin.NewProductCatalog(testProducts())
	_, _, token := listAll(t, c, 10)
	resp, err := c.ListProducts(context.Background(), &catalog.ListProductsRequest{Currency: "usd", Since: token, PageSize: 10})
	if err != nil || !resp.Changes || len(resp.Products) != 0 || len(resp.Removed) != 0 || resp.NextPageToken != "" || resp.ChangeToken != token {
		t.Errorf("ListProducts(since the current token) = %+v, %v; want Changes, nothing listed, change token %q", resp, err, token)
	}
	for _, since := range []string{"another-token", token + "x"} {
		resp, err := c.ListProducts(context.Background(), &catalog.ListProductsRequest{Currency: "usd", Since: since, PageSize: 10})
		if err != nil || resp.Changes || len(resp.Products) != 3 || resp.ChangeToken != token {
			t.Errorf("ListProducts(since %q) = %+v, %v; want the whole catalog", since, resp, err)
		}
	}
}
