package feed

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/acp-sidecar/acp/core/feedwire"
	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/store"
	"github.com/acp-sidecar/acp/sdk/acp"
	"github.com/acp-sidecar/acp/sdk/catalog"
)

// errNoListing is why nothing is published from a catalog that does not
// list its products (no catalog.listing capability).
var errNoListing = errors.New("the catalog does not list its products (no catalog.listing capability), so there is no feed to publish")

// maxPages bounds the pages of one listing, so that a catalog whose page
// tokens never end cannot hold the publisher forever.
const maxPages = 100000

// entry is one product of a snapshot in feed form.
type entry struct {
	// product is the catalog's product; wire its feed form, body and
	// hash its canonical encoding.
	product catalog.Product
	wire    feedwire.Product
	body    []byte
	hash    string
}

// snapshot is the catalog as one listing showed it, with the stock the
// store held then, in feed form. It is never changed once built, so that
// every target may read it at once.
type snapshot struct {
	// entries are the products by id; ids their ids, sorted.
	entries map[string]*entry
	ids     []string
	// stock is the units available of every stock-controlled SKU.
	stock map[string]int64
}

// reader reads the catalog through its listing, and the stock levels
// through levels.
type reader struct {
	listing    catalog.Listing
	levels     StockLevels
	currency   string
	trackStock bool
	pageSize   int
}

// read returns the catalog now: the listing since token (the whole
// catalog when token is empty or prev is nil), applied to prev, and the
// ChangeToken of the listing. A product is converted again only when the
// listing shows it changed or its stock changed since prev.
func (r *reader) read(ctx context.Context, prev *snapshot, token string) (*snapshot, string, error) {
	if r.listing == nil {
		return nil, "", errNoListing
	}
	if prev == nil {
		token = ""
	}
	changed, removed, full, next, err := r.list(ctx, token)
	if err != nil {
		return nil, "", err
	}
	if full && token != "" && next == token {
		// The whole catalog again, in the state the token names: nothing
		// changed (a catalog that always lists everything).
		changed, full = nil, false
	}
	stock, err := r.stock(ctx)
	if err != nil {
		return nil, "", err
	}
	s := &snapshot{entries: map[string]*entry{}, stock: stock}
	if !full {
		maps.Copy(s.entries, prev.entries)
		for _, id := range removed {
			delete(s.entries, id)
		}
	}
	// Convert what the listing gave, and what it did not give whose
	// stock moved.
	todo := map[string]catalog.Product{}
	for _, p := range changed {
		todo[p.ID] = p
	}
	if !full {
		moved := movedSKUs(prev.stock, stock)
		for id, e := range s.entries {
			if _, ok := todo[id]; ok {
				continue
			}
			if slices.ContainsFunc(e.product.Variants, func(v catalog.Variant) bool { return moved[v.Item.ID] }) {
				todo[id] = e.product
			}
		}
	}
	for id, p := range todo {
		e, err := r.entry(p, stock)
		if err != nil {
			return nil, "", err
		}
		s.entries[id] = e
	}
	if !full && len(todo) == 0 && len(removed) == 0 {
		// Nothing changed: the same snapshot serves on.
		return prev, next, nil
	}
	s.ids = slices.Sorted(maps.Keys(s.entries))
	return s, next, nil
}

// list pages through one listing since token: the products it gave, the
// ids it removed, whether it is the whole catalog, and its ChangeToken.
func (r *reader) list(ctx context.Context, token string) (products []catalog.Product, removed []string, full bool, next string, err error) {
	page := ""
	for n := 0; ; n++ {
		if n == maxPages {
			return nil, nil, false, "", fmt.Errorf("list the catalog's products: more than %d pages", maxPages)
		}
		resp, err := r.listing.ListProducts(ctx, &catalog.ListProductsRequest{Currency: r.currency, Since: token, PageToken: page, PageSize: r.pageSize})
		if errors.Is(err, acp.ErrNotOffered) {
			return nil, nil, false, "", errNoListing
		}
		if err != nil {
			return nil, nil, false, "", fmt.Errorf("list the catalog's products: %w", err)
		}
		if resp == nil {
			return nil, nil, false, "", errors.New("list the catalog's products: the catalog answered nothing")
		}
		if n == 0 {
			full = !resp.Changes
		} else if full == resp.Changes {
			return nil, nil, false, "", errors.New("list the catalog's products: the pages of one listing disagree on whether it lists changes only")
		}
		products = append(products, resp.Products...)
		removed = append(removed, resp.Removed...)
		if resp.NextPageToken == "" {
			return products, removed, full, resp.ChangeToken, nil
		}
		if resp.NextPageToken == page {
			return nil, nil, false, "", errors.New("list the catalog's products: a page's next page token is its own")
		}
		page = resp.NextPageToken
	}
}

// StockLevels returns the units available of every stock-controlled SKU.
type StockLevels func(ctx context.Context) (map[string]int64, error)

// storeLevels reads the stock levels from st.
func storeLevels(st store.Store) StockLevels {
	return func(ctx context.Context) (map[string]int64, error) {
		levels, err := store.Read(ctx, st, func(rd store.Reader) ([]*model.StockLevel, error) { return rd.StockLevels() })
		if err != nil {
			return nil, err
		}
		out := make(map[string]int64, len(levels))
		for _, l := range levels {
			out[l.SKU] = l.Available()
		}
		return out, nil
	}
}

// stock returns the units available of every stock-controlled SKU, when
// the host controls stock.
func (r *reader) stock(ctx context.Context) (map[string]int64, error) {
	if !r.trackStock {
		return map[string]int64{}, nil
	}
	out, err := r.levels(ctx)
	if err != nil {
		return nil, fmt.Errorf("read the stock levels: %w", err)
	}
	return out, nil
}

// movedSKUs returns the SKUs whose available units differ between a and
// b, or that only one of them controls.
func movedSKUs(a, b map[string]int64) map[string]bool {
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

// entry converts p with the stock: a variant's units are its SKU's
// stock level when the store controls it, else what the catalog says.
func (r *reader) entry(p catalog.Product, stock map[string]int64) (*entry, error) {
	wire := feedwire.FromCatalog(p, r.currency, func(v catalog.Variant) feedwire.Availability {
		units := v.Item.Available
		if n, ok := stock[v.Item.ID]; ok {
			units = &n
		}
		return feedwire.VariantAvailability(v.Status, units)
	})
	body, hash, err := feedwire.Encode(wire)
	if err != nil {
		return nil, err
	}
	return &entry{product: p, wire: wire, body: body, hash: hash}, nil
}

// catalogCache shares one snapshot among the targets of a process: it
// reads the catalog again when its snapshot is older than maxAge.
type catalogCache struct {
	reader *reader
	maxAge time.Duration
	now    func() time.Time

	mu    sync.Mutex
	cur   *snapshot
	token string
	at    time.Time
	err   error
}

// get returns a snapshot at most maxAge old, reading the catalog when the
// last one is older. A failed read is remembered for maxAge too, so that
// a broken catalog is asked once per delay, not once per target.
func (c *catalogCache) get(ctx context.Context) (*snapshot, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.at.IsZero() && c.now().Sub(c.at) < c.maxAge {
		return c.cur, c.err
	}
	s, token, err := c.reader.read(ctx, c.cur, c.token)
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	c.at, c.err = c.now(), err
	if err == nil {
		c.cur, c.token = s, token
	}
	return s, err
}
