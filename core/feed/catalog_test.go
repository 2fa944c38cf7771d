package feed

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/acp-sidecar/acp/core/builtin"
	"github.com/acp-sidecar/acp/core/store"
	"github.com/acp-sidecar/acp/internal/acpschema"
	"github.com/acp-sidecar/acp/internal/feedtest"
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
			ID: "tee", Title: "Logo T-shirt", Description: catalog.Description{Plain: "Soft."}, URL: "https://shop.example/tee",
			Variants: []catalog.Variant{
				{Item: catalog.Item{ID: "tee-s", UnitPrice: 2000}, Options: []catalog.VariantOption{{Name: "Size", Value: "S"}}},
				{Item: catalog.Item{ID: "tee-m", UnitPrice: 2000}, Options: []catalog.VariantOption{{Name: "Size", Value: "M"}}},
			},
		}, catalog.ProductDefaults{})
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
		if s := p.targets[0].s; s.idle != first {
			t.Error("a round with nothing changed went through the catalog")
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
		}, "comes back"},
		"page tokens in a circle": {func(req *catalog.ListProductsRequest) (*catalog.ListProductsResponse, error) {
			return &catalog.ListProductsResponse{NextPageToken: map[string]string{"": "a", "a": "b", "b": "a"}[req.PageToken]}, nil
		}, "comes back"},
		"changes when asked for the whole catalog": {func(*catalog.ListProductsRequest) (*catalog.ListProductsResponse, error) {
			return &catalog.ListProductsResponse{Changes: true, Products: []catalog.Product{product("p01", 100)}, ChangeToken: "v1"}, nil
		}, "asked for the whole catalog, it answered with changes only"},
		"a page larger than asked for": {func(*catalog.ListProductsRequest) (*catalog.ListProductsResponse, error) {
			return &catalog.ListProductsResponse{Products: products(11)}, nil
		}, "11 products, more than the 10"},
		"a product without an id": {func(*catalog.ListProductsRequest) (*catalog.ListProductsResponse, error) {
			return &catalog.ListProductsResponse{Products: []catalog.Product{{Title: "No id"}}}, nil
		}, "no id"},
		"a product on two pages": {func(req *catalog.ListProductsRequest) (*catalog.ListProductsResponse, error) {
			if req.PageToken == "" {
				return &catalog.ListProductsResponse{Products: products(2), NextPageToken: "2"}, nil
			}
			return &catalog.ListProductsResponse{Products: products(1)}, nil
		}, `"p01" is listed twice`},
		"a product listed and removed": {func(*catalog.ListProductsRequest) (*catalog.ListProductsResponse, error) {
			return &catalog.ListProductsResponse{Changes: true, Products: products(1), Removed: []string{"p01"}}, nil
		}, "both listed and removed"},
	}
	for name, tc := range tests {
		r := &reader{listing: tc.listing, currency: "usd", pageSize: 10}
		if _, _, err := r.read(context.Background(), nil, ""); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: read = %v, want an error saying %q", name, err, tc.want)
		}
	}
}

// TestOddListings: a listing that keeps its contract with odd products
// (no variants, no description, a negative price, no change token) is
// read, and a whole listing without a change token is read again whole.
func TestOddListings(t *testing.T) {
	t.Parallel()
	odd := []catalog.Product{
		{ID: "bare"},
		{ID: "negative", Variants: []catalog.Variant{{Item: catalog.Item{ID: "neg", UnitPrice: -5, Available: ptr[int64](-3)}}}},
	}
	calls := 0
	r := &reader{listing: listingFunc(func(req *catalog.ListProductsRequest) (*catalog.ListProductsResponse, error) {
		calls++
		if req.Since != "" {
			t.Errorf("asked since %q, a token never given", req.Since)
		}
		return &catalog.ListProductsResponse{Products: odd}, nil
	}), currency: "usd", pageSize: 10}
	snap, token, err := r.read(context.Background(), nil, "")
	if err != nil || token != "" || !slices.Equal(snap.ids, []string{"bare", "negative"}) {
		t.Fatalf("read = %+v, %q, %v", snap, token, err)
	}
	for _, id := range snap.ids {
		body, _, err := snap.body(snap.entries[id])
		if err != nil {
			t.Errorf("%s: %v", id, err)
		}
		acpschema.Feed(t, feedtest.Version).Def(t, "Product", body)
	}
	if _, _, err := r.read(context.Background(), snap, token); err != nil || calls != 2 {
		t.Errorf("read again = %v after %d calls", err, calls)
	}
}

// TestNoChangeToken: a catalog whose listing gives no change token is
// published, read whole every round, and that is logged once.
func TestNoChangeToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t, newStore(t))
	e.opts.Listing = listingFunc(func(req *catalog.ListProductsRequest) (*catalog.ListProductsResponse, error) {
		return &catalog.ListProductsResponse{Products: products(2)}, nil
	})
	p := e.publisher()
	for range 3 {
		round(p)
	}
	if got := e.sentIDs(0); !slices.Equal(got, []string{"p01", "p02"}) {
		t.Errorf("sent %v", got)
	}
	if n := strings.Count(e.logs.String(), "gives no change token"); n != 1 {
		t.Errorf("the missing change token was logged %d times, want once:\n%s", n, e.logs)
	}
}
