package listingtest

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/acp-sidecar/acp/sdk/catalog"
)

// Listing is an in-memory catalog.listing: it keeps a version per change
// and answers a listing since a version it knows with the changes alone.
type Listing struct {
	// Mu guards the listing; tests hold it to change Err or Panicking
	// while the listing is read.
	Mu       sync.Mutex
	version  int
	products map[string]catalog.Product
	changed  map[string]int // product id: version of its last change
	removed  map[string]int // product id: version of its removal
	// Err, when set, is every ListProducts' answer.
	Err error
	// Calls counts the calls of ListProducts.
	Calls int
	// Panicking makes ListProducts panic, as a bug would.
	Panicking bool
}

// New returns a listing of products.
func New(products ...catalog.Product) *Listing {
	l := &Listing{products: map[string]catalog.Product{}, changed: map[string]int{}, removed: map[string]int{}}
	for _, p := range products {
		l.Set(p)
	}
	return l
}

// Set adds or replaces a product.
func (l *Listing) Set(p catalog.Product) {
	l.Mu.Lock()
	defer l.Mu.Unlock()
	l.version++
	l.products[p.ID] = p
	l.changed[p.ID] = l.version
	delete(l.removed, p.ID)
}

// Edit changes a product in place.
func (l *Listing) Edit(id string, fn func(*catalog.Product)) {
	l.Mu.Lock()
	p := l.products[id]
	p.Variants = slices.Clone(p.Variants)
	l.Mu.Unlock()
	fn(&p)
	l.Set(p)
}

// Remove removes a product.
func (l *Listing) Remove(id string) {
	l.Mu.Lock()
	defer l.Mu.Unlock()
	l.version++
	delete(l.products, id)
	delete(l.changed, id)
	l.removed[id] = l.version
}

// Get returns a product as the catalog has it.
func (l *Listing) Get(id string) catalog.Product {
	l.Mu.Lock()
	defer l.Mu.Unlock()
	return l.products[id]
}

// Products returns every product the catalog has, by id.
func (l *Listing) Products() map[string]catalog.Product {
	l.Mu.Lock()
	defer l.Mu.Unlock()
	return maps.Clone(l.products)
}

// ListProducts keeps the listing contract as a real catalog must: a page
// token names the version the listing started at and the last product
// id of the page before, so that the pages do not shift when products
// come and go meanwhile, and the change token is the version the
// listing started at, so that a product changed while it was paged
// through is listed again next time.
func (l *Listing) ListProducts(_ context.Context, req *catalog.ListProductsRequest) (*catalog.ListProductsResponse, error) {
	l.Mu.Lock()
	defer l.Mu.Unlock()
	l.Calls++
	if l.Panicking {
		panic("a bug in the listing")
	}
	if l.Err != nil {
		return nil, l.Err
	}
	start, after := l.version, ""
	if req.PageToken != "" {
		v, id, ok := strings.Cut(req.PageToken, "/")
		n, err := strconv.Atoi(v)
		if !ok || err != nil {
			return nil, fmt.Errorf("not a page token: %q", req.PageToken)
		}
		start, after = n, id
	}
	resp := &catalog.ListProductsResponse{}
	ids := slices.Sorted(maps.Keys(l.products))
	if since, err := strconv.Atoi(strings.TrimPrefix(req.Since, "v")); err == nil && strings.HasPrefix(req.Since, "v") && since <= l.version {
		resp.Changes = true
		ids = slices.DeleteFunc(ids, func(id string) bool { return l.changed[id] <= since })
		if req.PageToken == "" {
			for _, id := range slices.Sorted(maps.Keys(l.removed)) {
				if l.removed[id] > since {
					resp.Removed = append(resp.Removed, id)
				}
			}
		}
	}
	ids = slices.DeleteFunc(ids, func(id string) bool { return id <= after })
	page := ids[:min(req.PageSize, len(ids))]
	for _, id := range page {
		resp.Products = append(resp.Products, l.products[id])
	}
	if len(page) < len(ids) {
		resp.NextPageToken = fmt.Sprintf("%d/%s", start, page[len(page)-1])
	} else {
		resp.ChangeToken = "v" + strconv.Itoa(start)
	}
	return resp, nil
}
