package listing

import (
	"context"
	"errors"
	"fmt"

	"github.com/acp-sidecar/acp/sdk/acp"
	"github.com/acp-sidecar/acp/sdk/catalog"
)

// ErrNoListing is why nothing is read from a catalog that does not list
// its products (no catalog.listing capability, or a listing that answers
// acp.ErrNotOffered).
var ErrNoListing = errors.New("the catalog does not list its products (no catalog.listing capability)")

// ErrBroken is wrapped in the error of a listing that breaks the
// catalog.listing contract (sdk/catalog.ListProductsResponse).
var ErrBroken = errors.New("the catalog's listing broke its contract")

// MaxPages bounds the pages of one listing, so that a catalog whose page
// tokens never end cannot hold its reader forever.
const MaxPages = 100000

// Listed is what one listing gave.
type Listed struct {
	// Products are the products it gave, Removed the ids it removed
	// (only when it listed changes).
	Products []catalog.Product
	Removed  []string
	// Full is set when it is the whole catalog.
	Full bool
	// ChangeToken is the listing's change token, empty when it gave none.
	ChangeToken string
}

// Read pages through one listing of l in currency since the change token
// since (empty: the whole catalog), pageSize products a page, checking
// that it keeps the catalog.listing contract: pages no larger than asked
// for, agreeing on whether they list changes only, each product with an
// id and listed once, no product both listed and removed, no page token
// twice, and the whole catalog when asked for it. A listing that breaks
// it is an error wrapping ErrBroken, never a partial catalog.
func Read(ctx context.Context, l catalog.Listing, currency, since string, pageSize int) (Listed, error) {
	if l == nil {
		return Listed{}, ErrNoListing
	}
	var out Listed
	broken := func(format string, args ...any) (Listed, error) {
		return Listed{}, fmt.Errorf("list the catalog's products: %w: "+format, append([]any{ErrBroken}, args...)...)
	}
	seen := map[string]bool{}
	pages := map[string]bool{}
	page := ""
	for n := 0; ; n++ {
		if n == MaxPages {
			return Listed{}, fmt.Errorf("list the catalog's products: more than %d pages", MaxPages)
		}
		resp, err := l.ListProducts(ctx, &catalog.ListProductsRequest{Currency: currency, Since: since, PageToken: page, PageSize: pageSize})
		if errors.Is(err, acp.ErrNotOffered) {
			return Listed{}, ErrNoListing
		}
		if err != nil {
			return Listed{}, fmt.Errorf("list the catalog's products: %w", err)
		}
		switch {
		case resp == nil:
			return broken("the catalog answered nothing")
		case n == 0:
			out.Full = !resp.Changes
		case out.Full == resp.Changes:
			return broken("the pages of one listing disagree on whether it lists changes only")
		}
		if len(resp.Products) > pageSize {
			return broken("a page holds %d products, more than the %d asked for", len(resp.Products), pageSize)
		}
		for _, p := range resp.Products {
			switch {
			case p.ID == "":
				return broken("a product has no id")
			case seen[p.ID]:
				return broken("product %q is listed twice", p.ID)
			}
			seen[p.ID] = true
		}
		out.Products = append(out.Products, resp.Products...)
		if !out.Full {
			out.Removed = append(out.Removed, resp.Removed...)
		}
		if resp.NextPageToken == "" {
			out.ChangeToken = resp.ChangeToken
			break
		}
		if pages[resp.NextPageToken] || resp.NextPageToken == page {
			return broken("the page token %q comes back", resp.NextPageToken)
		}
		pages[resp.NextPageToken] = true
		page = resp.NextPageToken
	}
	for _, id := range out.Removed {
		if seen[id] {
			return broken("product %q is both listed and removed", id)
		}
	}
	if !out.Full && since == "" {
		return broken("asked for the whole catalog, it answered with changes only")
	}
	return out, nil
}

// MovedSKUs returns the SKUs whose available units differ between the
// stock levels a and b, or that only one of them controls.
func MovedSKUs(a, b map[string]int64) map[string]bool {
	moved := map[string]bool{}
	for sku, n := range a {
		if m, ok := b[sku]; !ok || m != n {
			moved[sku] = true
		}
	}
	for sku := range b {
		if _, ok := a[sku]; !ok {
			moved[sku] = true
		}
	}
	return moved
}

// Availability is whether a variant can be bought and its status, from
// the status its catalog sets (Variant.Status) and its units in stock
// (nil: not counted):
//
//   - discontinued is not available;
//   - preorder and backorder are available, whatever the stock;
//   - without a status, a variant with units left (or not counted) is
//     in_stock, one with none out_of_stock;
//   - any other status is kept, with the availability the stock gives.
func Availability(status string, units *int64) (available bool, effective string) {
	inStock := units == nil || *units > 0
	switch status {
	case catalog.StatusDiscontinued:
		return false, status
	case catalog.StatusPreorder, catalog.StatusBackorder:
		return true, status
	case "":
		if inStock {
			return true, catalog.StatusInStock
		}
		return false, catalog.StatusOutOfStock
	}
	return inStock, status
}

// Units is a variant's units in stock: its SKU's level in stock when the
// host controls it there, else what the catalog says (nil: not counted).
func Units(v catalog.Variant, stock map[string]int64) *int64 {
	if n, ok := stock[v.Item.ID]; ok {
		return &n
	}
	return v.Item.Available
}
