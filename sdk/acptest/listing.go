package acptest

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/sdk/acpplugin"
	"github.com/acp-sidecar/acp/sdk/catalog"
)

// The contracts of the optional capability catalog.listing.
const (
	ContractListingPages        = "listing: pages hold at most PageSize products, cover every product exactly once, all say Changes alike, and the last has a ChangeToken"
	ContractListingUniqueIDs    = "listing: product ids and variant ids are unique across the catalog"
	ContractListingVariants     = "listing: every product has an id and at least one variant"
	ContractListingItems        = "listing: each variant's Item is what ResolveItems answers for its id, in its product"
	ContractListingStatuses     = "listing: a variant's Status is empty or one of catalog.VariantStatuses"
	ContractListingUnchanged    = "listing: asked since the last ChangeToken with nothing changed, it answers no change or the whole catalog again"
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
// subtest named after it. It lists the configured catalog several times
// and resolves every variant through the catalog; nothing may change the
// catalog while it runs.
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
	list := func(since string, size int) listing {
		t.Helper()
		l, err := listAll(p.Listing(), &catalog.ListProductsRequest{Currency: currency, Since: since, PageSize: size})
		if err != nil {
			t.Fatalf("acptest: listing the catalog (since %q, pages of %d): %v", since, size, err)
		}
		return l
	}
	all := list("", referencePageSize)
	if len(all.products()) == 0 {
		t.Fatal("acptest: the configured catalog lists no product: give the suite a catalog to list")
	}
	paged := list("", pageSize)
	check(t, ContractListingPages, func(c *contract) {
		for _, l := range []struct {
			what string
			l    listing
			size int
		}{{"the paged listing", paged, pageSize}, {"the reference listing", all, referencePageSize}} {
			for i, page := range l.l {
				if len(page.Products) > l.size {
					c.broke("%s: page %d holds %d products, more than PageSize %d", l.what, i+1, len(page.Products), l.size)
				}
				if page.Changes != l.l[0].Changes {
					c.broke("%s: page %d says Changes %v, page 1 %v", l.what, i+1, page.Changes, l.l[0].Changes)
				}
			}
			if l.l.last().ChangeToken == "" {
				c.broke("%s: the last page has no ChangeToken", l.what)
			}
			if l.l[0].Changes {
				c.broke("%s: a listing without Since says Changes true; it is the whole catalog", l.what)
			}
		}
		if got, want := sortedIDs(paged.products()), sortedIDs(all.products()); !slices.Equal(got, want) {
			c.broke("pages of %d list the products %v, pages of %d list %v", pageSize, got, referencePageSize, want)
		}
	})
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
		for i, pr := range all.products() {
			if pr.ID == "" {
				c.broke("product %d has no id", i)
			}
			if len(pr.Variants) == 0 {
				c.broke("product %q has no variant", pr.ID)
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
	whole := sortedIDs(all.products())
	check(t, ContractListingUnchanged, func(c *contract) {
		since := all.last().ChangeToken
		again := list(since, referencePageSize)
		switch first := again[0]; {
		case first.Changes && (len(again.products()) > 0 || len(again.removed()) > 0):
			c.broke("since %q, with nothing changed, the listing says Changes true with products %v and removed %v",
				since, sortedIDs(again.products()), again.removed())
		case !first.Changes && !slices.Equal(sortedIDs(again.products()), whole):
			c.broke("since %q, with nothing changed, the listing is not a change listing but lists %v of the catalog's %v",
				since, sortedIDs(again.products()), whole)
		}
	})
	check(t, ContractListingUnknownSince, func(c *contract) {
		since := fmt.Sprintf("acptest-unknown-%d", time.Now().UnixNano())
		l := list(since, referencePageSize)
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

// checkListedItems resolves every listed variant through the catalog,
// quantity 1, and reports each one whose Item differs in what a feed
// shows and checkout charges, or whose product ids disagree.
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
			for _, d := range []struct {
				field        string
				listed, resp any
			}{
				{"Found", true, got.Found},
				{"Title", v.item.Title, got.Title},
				{"UnitPrice", v.item.UnitPrice, got.UnitPrice},
				{"Available", deref(v.item.Available), deref(got.Available)},
				{"Categories", fmt.Sprint(v.item.Categories), fmt.Sprint(got.Categories)},
				{"product id", v.product, cmp.Or(got.ProductID, got.ID)},
			} {
				if d.listed != d.resp {
					c.broke("variant %q of product %q: listed with %s %v, but ResolveItems answers %v", v.item.ID, v.product, d.field, d.listed, d.resp)
				}
			}
			if !v.item.Found || v.item.ProductID != v.product {
				c.broke("variant %q of product %q: its Item says Found %v and ProductID %q; want Found and the product's id", v.item.ID, v.product, v.item.Found, v.item.ProductID)
			}
		}
	}
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
