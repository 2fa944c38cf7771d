package main

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/acp-sidecar/acp/sdk/acp"
	"github.com/acp-sidecar/acp/sdk/catalog"
)

// changeTokenPrefix starts every change token of this plugin: the
// version of what the token is made of.
const changeTokenPrefix = "cf1-"

// ListProducts lists the catalog's products served in the request's
// currency, by id, a page at a time (catalog.Listing). A listing is
// always the whole catalog, except that a first page asked since the
// current change token answers at once that nothing changed. The change
// token is made of the catalog file's content, the currency and the
// stock of every stock-controlled sku, so it changes whenever the listing
// would: the file reloaded with other content, a hold, a sale, a release
// or a lapsed hold. A listing continued after a change still ends with
// the token of its first page, so that the host lists again.
func (c *fileCatalog) ListProducts(_ context.Context, req *catalog.ListProductsRequest) (*catalog.ListProductsResponse, error) {
	cur := c.current.Load()
	if cur == nil {
		return nil, errors.New("list products: catalog not configured")
	}
	if req.PageSize < 1 {
		return nil, fmt.Errorf("list products: the page size must be at least 1, got %d", req.PageSize)
	}
	currency := acp.NormalizeCurrency(req.Currency)
	var token, after string
	var avail map[string]int64
	first := req.PageToken == ""
	if first {
		var err error
		if avail, err = c.stock.Available(cur.skus); err != nil {
			return nil, err
		}
		if token = changeToken(cur.version, currency, cur.skus, avail); req.Since == token {
			return &catalog.ListProductsResponse{Changes: true, ChangeToken: token}, nil
		}
	} else {
		var ok bool
		if token, after, ok = decodePageToken(req.PageToken); !ok {
			return nil, errors.New("list products: the page token is not one this plugin gave")
		}
	}
	resp := &catalog.ListProductsResponse{}
	i := 0
	if after != "" {
		i = sort.Search(len(cur.products), func(i int) bool { return cur.products[i].id > after })
	}
	var skus []string
	for ; i < len(cur.products); i++ {
		p, ok := cur.products[i].in(currency)
		if !ok {
			continue
		}
		if len(resp.Products) == req.PageSize {
			resp.NextPageToken = pageToken(token, resp.Products[len(resp.Products)-1].ID)
			break
		}
		resp.Products = append(resp.Products, p)
		for _, v := range p.Variants {
			skus = append(skus, v.Item.ID)
		}
	}
	if !first {
		var err error
		if avail, err = c.stock.Available(skus); err != nil {
			return nil, err
		}
	}
	for _, p := range resp.Products {
		for j := range p.Variants {
			withAvailable(&p.Variants[j].Item, avail)
		}
	}
	if resp.NextPageToken == "" {
		resp.ChangeToken = token
	}
	return resp, nil
}

// changeToken identifies what a listing in currency shows: the catalog's
// version and what can be held of each of its skus that avail counts.
func changeToken(version, currency string, skus []string, avail map[string]int64) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00", version, currency)
	for _, sku := range skus {
		if n, ok := avail[sku]; ok {
			fmt.Fprintf(h, "%s\x00%d\x00", sku, n)
		}
	}
	return changeTokenPrefix + hex.EncodeToString(h.Sum(nil))
}

// pageToken continues a listing whose change token is token after the
// product after.
func pageToken(token, after string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(token + "\n" + after))
}

// decodePageToken reads a page token; ok is false when it is not one
// pageToken made.
func decodePageToken(s string) (token, after string, ok bool) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return "", "", false
	}
	token, after, ok = strings.Cut(string(raw), "\n")
	return token, after, ok && strings.HasPrefix(token, changeTokenPrefix) && after != ""
}
