package acptest

import (
	"cmp"
	"context"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/sdk/acpplugin"
	"github.com/acp-sidecar/acp/sdk/catalog"
)

// The contracts of the optional capability catalog.listing.
const (
	ContractListingPages        = "listing: pages hold at most PageSize products, cover every product exactly once, all say Changes alike, and only the last has a ChangeToken"
	ContractListingWhole        = "listing: a whole listing (Changes false) removes nothing: what it does not list is no longer sold"
	ContractListingPageRetry    = "listing: the same PageToken asked again answers the same page"
	ContractListingUniqueIDs    = "listing: product ids and variant ids are unique across the catalog"
	ContractListingVariants     = "listing: every product passes catalog.CheckProduct: an id, at least one variant, variants told apart"
	ContractListingItems        = "listing: each variant's Item is what ResolveItems answers for its id, in its product"
	ContractListingStatuses     = "listing: a variant's Status is empty or one of catalog.VariantStatuses"
	ContractListingUnchanged    = "listing: asked since the last ChangeToken with nothing changed, it answers no change under the same ChangeToken, or the whole catalog again"
	ContractListingUnknownSince = "listing: an unknown Since lists the whole catalog"
)

// ListingSuite says how to list a catalog.
type ListingSuite struct {
	// Currency is the store's currency; "usd" when empty.
	Currency string
	// PageSize is the page size of the paged listing, small enough that
	// the catalog takes several pages; 2 when zero. The suite also lists
	// the catalog with pages of 1000, as a reference.
	PageSize int
}

// referencePageSize is the page size of the listing the others are
// compared with.
const referencePageSize = 1000

// maxPages bounds one listing, so that a plugin that never ends its
// listing fails the suite instead of hanging it.
const maxPages = 100000

// RunListingConformance serves opts as New does and checks every contract
// of the optional capability catalog.listing (catalog.Listing), each in a
// subtest named after it. It lists the configured catalog several times,
// asks every page of one listing twice, and resolves every variant
// through the catalog; nothing may change the catalog while it runs.
func RunListingConformance(t *testing.T, opts acpplugin.ServeOpts, suite ListingSuite, options ...Option) {
	t.Helper()
	if opts.Listing == nil || opts.Catalog == nil {
		t.Fatal("acptest: RunListingConformance needs ServeOpts.Catalog and ServeOpts.Listing")
	}
	p := New(t, opts, options...)
	if !p.Info.Serves(acpplugin.CapabilityListing) {
		t.Fatalf("acptest: the plugin does not announce %s", acpplugin.CapabilityListing)
	}
	currency := currencyOr(suite.Currency)
	pageSize := cmp.Or(suite.PageSize, 2)
	list := func(since string, size int) (listing, error) {
		l, err := listAll(p.Listing(), &catalog.ListProductsRequest{Currency: currency, Since: since, PageSize: size})
		if err != nil {
			return nil, fmt.Errorf("listing since %q in pages of %d: %w", since, size, err)
		}
		return l, nil
	}
	all, err := list("", referencePageSize)
	if err != nil {
		t.Fatalf("acptest: %v", err)
	}
	if len(all.products()) == 0 {
		t.Fatal("acptest: the configured catalog lists no product: give the suite a catalog to list")
	}
	whole := sortedIDs(all.products())
	paged, pagedErr := list("", pageSize)
	listings := []namedListing{{"the reference listing", all, referencePageSize}}
	if pagedErr == nil {
		listings = append(listings, namedListing{"the paged listing", paged, pageSize})
	}
	check(t, ContractListingPages, func(c *contract) {
		if pagedErr != nil {
			c.broke("%v", pagedErr)
		}
		for _, l := range listings {
			for i, page := range l.l {
				if len(page.Products) > l.size {
					c.broke("%s: page %d holds %d products, more than PageSize %d", l.what, i+1, len(page.Products), l.size)
				}
				if page.Changes != l.l[0].Changes {
					c.broke("%s: page %d says Changes %v, page 1 %v", l.what, i+1, page.Changes, l.l[0].Changes)
				}
				if i < len(l.l)-1 && page.ChangeToken != "" {
					c.broke("%s: page %d of %d has the ChangeToken %q; only the last page has one", l.what, i+1, len(l.l), page.ChangeToken)
				}
			}
			if l.l.last().ChangeToken == "" {
				c.broke("%s: the last page has no ChangeToken", l.what)
			}
			if l.l[0].Changes {
				c.broke("%s: a listing without Since says Changes true; it is the whole catalog", l.what)
			}
		}
		if got := sortedIDs(paged.products()); pagedErr == nil && !slices.Equal(got, whole) {
			c.broke("pages of %d list the products %v, pages of %d list %v", pageSize, got, referencePageSize, whole)
		}
	})
	check(t, ContractListingWhole, func(c *contract) {
		for _, l := range listings {
			for i, page := range l.l {
				if !page.Changes && len(page.Removed) > 0 {
					c.broke("%s: page %d says Changes false but removes %v", l.what, i+1, page.Removed)
				}
			}
		}
	})
	check(t, ContractListingPageRetry, func(c *contract) { checkPageRetry(c, p.Listing(), currency, pageSize) })
	check(t, ContractListingUniqueIDs, func(c *contract) {
		products, variants := map[string]int{}, map[string]string{}
		for _, pr := range all.products() {
			if products[pr.ID]++; products[pr.ID] == 2 {
				c.broke("product id %q is listed more than once", pr.ID)
			}
			for _, v := range pr.Variants {
				if other, dup := variants[v.Item.ID]; dup {
					c.broke("variant id %q is in product %q and in product %q", v.Item.ID, other, pr.ID)
				}
				variants[v.Item.ID] = pr.ID
			}
		}
	})
	check(t, ContractListingVariants, func(c *contract) {
		for _, pr := range all.products() {
			if err := catalog.CheckProduct(pr); err != nil {
				c.broke("%v", err)
			}
		}
	})
	check(t, ContractListingItems, func(c *contract) { checkListedItems(c, p, currency, all.products()) })
	check(t, ContractListingStatuses, func(c *contract) {
		for _, pr := range all.products() {
			for _, v := range pr.Variants {
				if v.Status != "" && !slices.Contains(catalog.VariantStatuses, v.Status) {
					c.broke("variant %q of product %q has Status %q; set only one of %v (the host derives the others from stock)",
						v.Item.ID, pr.ID, v.Status, catalog.VariantStatuses)
				}
			}
		}
	})
	check(t, ContractListingUnchanged, func(c *contract) {
		since := all.last().ChangeToken
		again, err := list(since, referencePageSize)
		if err != nil {
			c.broke("%v", err)
			return
		}
		switch last := again.last(); {
		case again[0].Changes && (len(again.products()) > 0 || len(again.removed()) > 0):
			c.broke("since %q, with nothing changed, the listing says Changes true with products %v and removed %v",
				since, sortedIDs(again.products()), again.removed())
		case again[0].Changes && last.ChangeToken == "":
			c.broke("since %q, with nothing changed, the listing says no change without a ChangeToken: answer the same token", since)
		case again[0].Changes && last.ChangeToken != since:
			c.broke("since %q, with nothing changed, the listing says no change under another ChangeToken %q: answer the same token", since, last.ChangeToken)
		case !again[0].Changes && !slices.Equal(sortedIDs(again.products()), whole):
			c.broke("since %q, with nothing changed, the listing is not a change listing but lists %v of the catalog's %v",
				since, sortedIDs(again.products()), whole)
		}
	})
	check(t, ContractListingUnknownSince, func(c *contract) {
		since := fmt.Sprintf("acptest-unknown-%d", time.Now().UnixNano())
		l, err := list(since, referencePageSize)
		if err != nil {
			c.broke("%v", err)
			return
		}
		if l[0].Changes || !slices.Equal(sortedIDs(l.products()), whole) {
			c.broke("since the unknown token %q the listing says Changes %v and lists %v; want the whole catalog %v",
				since, l[0].Changes, sortedIDs(l.products()), whole)
		}
	})
	checkDeadline(t, func(ctx context.Context) error {
		_, err := opts.Listing.ListProducts(ctx, &catalog.ListProductsRequest{Currency: currency, PageSize: referencePageSize})
		return err
	})
}

// checkPageRetry lists the catalog in pages of size, asking every page
// twice in a row, as the host does when a call fails on the way back,
// and reports a page answered differently the second time.
func checkPageRetry(c *contract, l catalog.Listing, currency string, size int) {
	c.t.Helper()
	req := catalog.ListProductsRequest{Currency: currency, PageSize: size}
	for n := 1; n <= maxPages; n++ {
		first, err := l.ListProducts(context.Background(), &req)
		if err != nil {
			c.broke("page %d (PageToken %q): %v", n, req.PageToken, err)
			return
		}
		again, err := l.ListProducts(context.Background(), &req)
		if err != nil {
			c.broke("page %d, asked again with the same PageToken %q, fails: %v", n, req.PageToken, err)
			return
		}
		if !reflect.DeepEqual(first, again) {
			c.broke("page %d, asked again with the same PageToken %q, answers another page: products %v and next page %q, then products %v and next page %q",
				n, req.PageToken, sortedIDs(first.Products), first.NextPageToken, sortedIDs(again.Products), again.NextPageToken)
			return
		}
		if first.NextPageToken == "" || first.NextPageToken == req.PageToken {
			return // ContractListingPages reports a listing that never ends
		}
		req.PageToken = first.NextPageToken
	}
}

// checkListedItems resolves every listed variant through the catalog,
// quantity 1, and reports each one whose Item differs in any field from
// what ResolveItems answers (an empty ProductID there is the item's own
// id), or that is not Found with its product's id.
func checkListedItems(c *contract, p *Plugin, currency string, products []catalog.Product) {
	c.t.Helper()
	type listed struct {
		product string
		item    catalog.Item
	}
	var variants []listed
	for _, pr := range products {
		for _, v := range pr.Variants {
			variants = append(variants, listed{pr.ID, v.Item})
		}
	}
	for chunk := range slices.Chunk(variants, 100) {
		req := &catalog.ResolveItemsRequest{Currency: currency}
		for _, v := range chunk {
			req.Items = append(req.Items, catalog.ItemRef{ID: v.item.ID, Quantity: 1})
		}
		resp, err := p.Catalog().ResolveItems(context.Background(), req)
		if err != nil || len(resp.Items) != len(chunk) {
			c.broke("ResolveItems of %d listed variants answered %v", len(chunk), err)
			return
		}
		for i, v := range chunk {
			got := resp.Items[i]
			got.ProductID = cmp.Or(got.ProductID, got.ID)
			for _, d := range itemDiffs(v.item, got) {
				c.broke("variant %q of product %q: listed with %s %s, but ResolveItems answers %s", v.item.ID, v.product, d.field, d.a, d.b)
			}
			if !v.item.Found || v.item.ProductID != v.product {
				c.broke("variant %q of product %q: its Item says Found %v and ProductID %q; want Found and the product's id", v.item.ID, v.product, v.item.Found, v.item.ProductID)
			}
		}
	}
}

// fieldDiff is one field in which two items differ, each value shown.
type fieldDiff struct{ field, a, b string }

// itemDiffs compares a and b field by field with reflect.DeepEqual (a
// nil and an empty slice alike), and returns the fields that differ.
func itemDiffs(a, b catalog.Item) []fieldDiff {
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	var out []fieldDiff
	for i := range va.NumField() {
		fa, fb := va.Field(i), vb.Field(i)
		if fa.Kind() == reflect.Slice && fa.Len() == 0 && fb.Len() == 0 {
			continue
		}
		if !reflect.DeepEqual(fa.Interface(), fb.Interface()) {
			out = append(out, fieldDiff{va.Type().Field(i).Name, show(fa), show(fb)})
		}
	}
	return out
}

// show formats a field's value: strings quoted, pointers by what they
// point to.
func show(v reflect.Value) string {
	switch {
	case v.Kind() == reflect.Pointer && v.IsNil():
		return "nil"
	case v.Kind() == reflect.Pointer:
		return show(v.Elem())
	case v.Kind() == reflect.String:
		return strconv.Quote(v.String())
	}
	return fmt.Sprintf("%+v", v.Interface())
}

// namedListing is a listing in pages of size, named for reports.
type namedListing struct {
	what string
	l    listing
	size int
}

// listing is the pages of one listing, in order.
type listing []*catalog.ListProductsResponse

// listAll lists the catalog from the first page to the last.
func listAll(l catalog.Listing, first *catalog.ListProductsRequest) (listing, error) {
	var out listing
	req := *first
	seen := map[string]bool{}
	for range maxPages {
		resp, err := l.ListProducts(context.Background(), &req)
		if err != nil {
			return out, fmt.Errorf("page %d: %w", len(out)+1, err)
		}
		out = append(out, resp)
		if resp.NextPageToken == "" {
			return out, nil
		}
		if seen[resp.NextPageToken] {
			return out, fmt.Errorf("page %d: the NextPageToken %q came before: the listing would never end", len(out), resp.NextPageToken)
		}
		seen[resp.NextPageToken] = true
		req.PageToken = resp.NextPageToken
	}
	return out, fmt.Errorf("the listing did not end after %d pages", maxPages)
}

// last is the listing's last page.
func (l listing) last() *catalog.ListProductsResponse { return l[len(l)-1] }

// products are the products of every page.
func (l listing) products() []catalog.Product {
	var out []catalog.Product
	for _, page := range l {
		out = append(out, page.Products...)
	}
	return out
}

// removed are the removed ids of every page.
func (l listing) removed() []string {
	var out []string
	for _, page := range l {
		out = append(out, page.Removed...)
	}
	return out
}

// sortedIDs are the products' ids, sorted, repeats kept.
func sortedIDs(products []catalog.Product) []string {
	ids := make([]string, len(products))
	for i, p := range products {
		ids[i] = p.ID
	}
	slices.Sort(ids)
	return ids
}
