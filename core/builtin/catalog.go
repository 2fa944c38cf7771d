package builtin

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/acp-sidecar/acp/sdk/catalog"
)

// Catalog serves acp.yaml's catalog: each variant's item by its id
// (catalog.Catalog), and the products in the order they are written
// (catalog.Listing).
type Catalog struct {
	products []catalog.Product
	items    map[string]catalog.Item
	// changeToken identifies the catalog's content.
	changeToken string
}

// Interface guards.
var (
	_ catalog.Catalog = (*Catalog)(nil)
	_ catalog.Listing = (*Catalog)(nil)
)

// NewProductCatalog builds the catalog from products, as they will be
// listed: completed by the caller (catalog.CompleteProduct,
// catalog.ItemProduct). Each variant's Item is what ResolveItems answers
// for its id; the caller need not set Found. Variant ids are unique across
// the products.
func NewProductCatalog(products []catalog.Product) *Catalog {
	c := &Catalog{products: make([]catalog.Product, len(products)), items: map[string]catalog.Item{}}
	for i, p := range products {
		variants := make([]catalog.Variant, len(p.Variants))
		for j, v := range p.Variants {
			v.Item.Found = true
			c.items[v.Item.ID] = v.Item
			variants[j] = v
		}
		p.Variants = variants
		c.products[i] = p
	}
	c.changeToken = contentHash(c.products)
	return c
}

// contentHash is a hash of the products' content: the same for the same
// products, different when anything listed differs.
func contentHash(products []catalog.Product) string {
	h := sha256.New()
	// Products hold strings, numbers, slices and pointers to structs
	// only, which always encode; a hash.Hash never fails to write.
	_ = json.NewEncoder(h).Encode(products)
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// ResolveItems looks every item up; unknown ids come back with Found false.
func (c *Catalog) ResolveItems(_ context.Context, req *catalog.ResolveItemsRequest) (*catalog.ResolveItemsResponse, error) {
	resp := &catalog.ResolveItemsResponse{Items: make([]catalog.Item, len(req.Items))}
	for i, ref := range req.Items {
		item, ok := c.items[ref.ID]
		if !ok {
			resp.Items[i] = catalog.Item{ID: ref.ID}
			continue
		}
		resp.Items[i] = item
	}
	return resp, nil
}

// errPageToken is the error of a page token this catalog did not issue.
var errPageToken = errors.New("invalid page token")

// ListProducts lists the whole catalog, in configuration order, PageSize
// products a page, unless Since is the catalog's ChangeToken: the
// catalog is as it was (it changes only with the configuration, which
// builds a new one), so the answer is Changes with nothing listed. The
// products listed are copies the caller may change. The variants' items
// leave Available nil: the built-in catalog keeps no stock (the host's
// stock control does). A page token is the offset of the page's first
// product, tied to the catalog's content, so that a listing does not
// continue across a change of the configuration.
func (c *Catalog) ListProducts(_ context.Context, req *catalog.ListProductsRequest) (*catalog.ListProductsResponse, error) {
	if req.PageSize < 1 {
		return nil, fmt.Errorf("list products: page size %d, want at least 1", req.PageSize)
	}
	if req.Since == c.changeToken && req.PageToken == "" {
		return &catalog.ListProductsResponse{Changes: true, ChangeToken: c.changeToken}, nil
	}
	offset := 0
	if req.PageToken != "" {
		var err error
		if offset, err = c.parsePageToken(req.PageToken); err != nil {
			return nil, fmt.Errorf("list products: %w", err)
		}
	}
	end := min(offset+req.PageSize, len(c.products))
	resp := &catalog.ListProductsResponse{Products: make([]catalog.Product, 0, end-offset)}
	for _, p := range c.products[offset:end] {
		resp.Products = append(resp.Products, cloneProduct(p))
	}
	if end < len(c.products) {
		resp.NextPageToken = strconv.Itoa(end) + "@" + c.changeToken
	} else {
		resp.ChangeToken = c.changeToken
	}
	return resp, nil
}

// parsePageToken returns the offset a page token of this catalog holds.
func (c *Catalog) parsePageToken(token string) (int, error) {
	at, hash, ok := strings.Cut(token, "@")
	offset, err := strconv.Atoi(at)
	switch {
	case !ok || err != nil || offset < 1 || offset >= len(c.products):
		return 0, fmt.Errorf("%w %q", errPageToken, token)
	case hash != c.changeToken:
		return 0, fmt.Errorf("%w %q: the catalog changed since the listing began; list it again from the start", errPageToken, token)
	}
	return offset, nil
}

// cloneProduct copies p and everything it points to, so that no change to
// the copy reaches the catalog.
func cloneProduct(p catalog.Product) catalog.Product {
	p.Media = slices.Clone(p.Media)
	p.Variants = slices.Clone(p.Variants)
	for i := range p.Variants {
		v := &p.Variants[i]
		v.Item.Images = slices.Clone(v.Item.Images)
		v.Item.Weight = clonePtr(v.Item.Weight)
		v.Item.Available = clonePtr(v.Item.Available)
		v.Item.FulfillmentTypes = slices.Clone(v.Item.FulfillmentTypes)
		v.Item.Escalation = clonePtr(v.Item.Escalation)
		v.Item.Categories = slices.Clone(v.Item.Categories)
		v.Barcodes = slices.Clone(v.Barcodes)
		v.Options = slices.Clone(v.Options)
		v.Condition = slices.Clone(v.Condition)
		v.Seller = cloneSeller(v.Seller)
		v.Marketplace = cloneSeller(v.Marketplace)
	}
	return p
}

// cloneSeller copies s and its links; nil stays nil.
func cloneSeller(s *catalog.Seller) *catalog.Seller {
	c := clonePtr(s)
	if c != nil {
		c.Links = slices.Clone(c.Links)
	}
	return c
}

// clonePtr copies the value p points to; nil stays nil.
func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	c := *p
	return &c
}
