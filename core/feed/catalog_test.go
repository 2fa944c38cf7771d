package feed

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/acp-sidecar/acp/core/builtin"
	"github.com/acp-sidecar/acp/core/store"
	"github.com/acp-sidecar/acp/sdk/acp"
	"github.com/acp-sidecar/acp/sdk/catalog"
)

// TestBuiltinCatalog publishes the built-in catalog, which lists the
// whole catalog every time under a token naming its content: an
// unchanged catalog is not converted again, and the host's stock levels
// decide availability.
func TestBuiltinCatalog(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, st store.Store) {
		tee := catalog.CompleteProduct(catalog.Product{
			ID: "tee", Title: "Logo T-shirt", URL: "https://shop.example/tee",
			Variants: []catalog.Variant{
				{Item: catalog.Item{ID: "tee-s", UnitPrice: 2000}, Options: []catalog.VariantOption{{Name: "Size", Value: "S"}}},
				{Item: catalog.Item{ID: "tee-m", UnitPrice: 2000}, Options: []catalog.VariantOption{{Name: "Size", Value: "M"}}},
			},
		}, catalog.ProductDefaults{Description: "Soft."})
		mug := catalog.ItemProduct(catalog.Variant{Item: catalog.Item{ID: "mug", Title: "Mug", UnitPrice: 1500}})
		e := newEnv(t, st)
		e.opts.Listing = builtin.NewProductCatalog([]catalog.Product{tee, mug})
		setStock(t, st, "tee-m", 1)
		p := e.publisher()
		round(p)
		if got := e.sentIDs(0); len(got) != 2 {
			t.Fatalf("sent %v, want both products", got)
		}
		first := p.catalog.cur
		round(p)
		if p.catalog.cur != first {
			t.Error("an unchanged catalog was converted again")
		}
		reserve(t, st, "tee-m", 1)
		round(p)
		sent := e.srv.Accepted()[2:]
		if len(sent) != 1 || variants(t, sent[0].Body) != "tee-s=in_stock,tee-m=out_of_stock" {
			t.Fatalf("sent %v, want tee with tee-m out of stock", e.sentIDs(2))
		}
	})
}

// listingFunc is a catalog.Listing answering with a function.
type listingFunc func(req *catalog.ListProductsRequest) (*catalog.ListProductsResponse, error)

func (f listingFunc) ListProducts(_ context.Context, req *catalog.ListProductsRequest) (*catalog.ListProductsResponse, error) {
	return f(req)
}

// TestBrokenListings: a listing that breaks its contract is an error,
// never a partial catalog or an endless loop.
func TestBrokenListings(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		listing listingFunc
		want    string
	}{
		"a failure": {func(*catalog.ListProductsRequest) (*catalog.ListProductsResponse, error) {
			return nil, errors.New("catalog down")
		}, "catalog down"},
		"not offered": {func(*catalog.ListProductsRequest) (*catalog.ListProductsResponse, error) {
			return nil, fmt.Errorf("rpc: %w", acp.ErrNotOffered)
		}, "does not list its products"},
		"no answer": {func(*catalog.ListProductsRequest) (*catalog.ListProductsResponse, error) { return nil, nil }, "answered nothing"},
		"pages disagree": {func(req *catalog.ListProductsRequest) (*catalog.ListProductsResponse, error) {
			if req.PageToken == "" {
				return &catalog.ListProductsResponse{NextPageToken: "2"}, nil
			}
			return &catalog.ListProductsResponse{Changes: true}, nil
		}, "disagree"},
		"a page token that repeats": {func(*catalog.ListProductsRequest) (*catalog.ListProductsResponse, error) {
			return &catalog.ListProductsResponse{NextPageToken: "again"}, nil
		}, "its own"},
	}
	for name, tc := range tests {
		r := &reader{listing: tc.listing, currency: "usd", pageSize: 10}
		if _, _, err := r.read(context.Background(), nil, ""); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: read = %v, want an error saying %q", name, err, tc.want)
		}
	}
}
