package listing

import (
	"context"
	"errors"
	"maps"
	"slices"
	"testing"

	"github.com/acp-sidecar/acp/sdk/acp"
	"github.com/acp-sidecar/acp/sdk/catalog"
)

// listingFunc adapts a function to catalog.Listing.
type listingFunc func(*catalog.ListProductsRequest) (*catalog.ListProductsResponse, error)

func (f listingFunc) ListProducts(_ context.Context, req *catalog.ListProductsRequest) (*catalog.ListProductsResponse, error) {
	return f(req)
}

// TestRead: a listing is read page by page with the same currency and
// since, its removals collected; no listing, or one not offered, is
// ErrNoListing; one breaking the contract wraps ErrBroken. (The feeds'
// tests try every way a listing breaks it.)
func TestRead(t *testing.T) {
	t.Parallel()
	pages := listingFunc(func(req *catalog.ListProductsRequest) (*catalog.ListProductsResponse, error) {
		if req.Currency != "usd" || req.Since != "v1" {
			t.Errorf("asked %+v", req)
		}
		if req.PageToken == "" {
			return &catalog.ListProductsResponse{Changes: true, Products: []catalog.Product{{ID: "a"}}, Removed: []string{"x"}, NextPageToken: "2"}, nil
		}
		return &catalog.ListProductsResponse{Changes: true, Products: []catalog.Product{{ID: "b"}}, Removed: []string{"y"}, ChangeToken: "v2"}, nil
	})
	l, err := Read(context.Background(), pages, "usd", "v1", 1)
	if err != nil || l.Full || l.ChangeToken != "v2" || len(l.Products) != 2 || !slices.Equal(l.Removed, []string{"x", "y"}) {
		t.Errorf("Read = %+v, %v", l, err)
	}
	if _, err := Read(context.Background(), nil, "usd", "", 1); !errors.Is(err, ErrNoListing) {
		t.Errorf("Read of no listing = %v", err)
	}
	notOffered := listingFunc(func(*catalog.ListProductsRequest) (*catalog.ListProductsResponse, error) {
		return nil, acp.ErrNotOffered
	})
	if _, err := Read(context.Background(), notOffered, "usd", "", 1); !errors.Is(err, ErrNoListing) {
		t.Errorf("Read of a listing not offered = %v", err)
	}
	if _, err := Read(context.Background(), pages, "usd", "v1", 0); !errors.Is(err, ErrBroken) {
		t.Errorf("Read of pages larger than asked = %v", err)
	}
}

// TestMovedSKUs: the SKUs whose levels differ, or that one side alone
// controls.
func TestMovedSKUs(t *testing.T) {
	t.Parallel()
	got := MovedSKUs(map[string]int64{"a": 1, "b": 2, "c": 3}, map[string]int64{"a": 1, "b": 0, "d": 4})
	if keys := slices.Sorted(maps.Keys(got)); !slices.Equal(keys, []string{"b", "c", "d"}) {
		t.Errorf("MovedSKUs = %v", keys)
	}
}

// TestUnits: the host's level counts over the catalog's own figure.
func TestUnits(t *testing.T) {
	t.Parallel()
	own := int64(7)
	v := catalog.Variant{Item: catalog.Item{ID: "s", Available: &own}}
	if n := Units(v, map[string]int64{"s": 0}); n == nil || *n != 0 {
		t.Errorf("Units with a level = %v", n)
	}
	if n := Units(v, nil); n == nil || *n != 7 {
		t.Errorf("Units without = %v", n)
	}
}
