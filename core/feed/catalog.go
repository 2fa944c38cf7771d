package feed

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
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

// errBrokenListing is wrapped in the error of a listing that breaks the
// catalog.listing contract (sdk/catalog.ListProductsResponse).
var errBrokenListing = errors.New("the catalog's listing broke its contract")

// maxPages bounds the pages of one listing, so that a catalog whose page
// tokens never end cannot hold the publisher forever.
const maxPages = 100000

// entry is one product of a snapshot: the catalog's product, and the
// hash of its feed form with the snapshot's stock. Its body is encoded
// again when it is sent (snapshot.body), so that a snapshot holds one
// form of each product, not three.
type entry struct {
	product catalog.Product
	hash    string
}

// snapshot is the catalog as one listing showed it, with the stock the
// store held then. It is never changed once built, so that every target
// may read it at once.
type snapshot struct {
	// entries are the products by id; ids their ids, sorted.
	entries map[string]*entry
	ids     []string
	// stock is the units available of every stock-controlled SKU.
	stock map[string]int64
	// currency is the store's currency, prices' unit.
	currency string
}

// feedForm returns p in feed form, with the snapshot's stock: a
// variant's units are its SKU's stock level when the store controls it,
// else what the catalog says.
func (s *snapshot) feedForm(p catalog.Product) feedwire.Product {
	return feedwire.FromCatalog(p, s.currency, func(v catalog.Variant) feedwire.Availability {
		units := v.Item.Available
		if n, ok := s.stock[v.Item.ID]; ok {
			units = &n
		}
		return feedwire.VariantAvailability(v.Status, units)
	})
}

// body returns e's product in feed form, encoded, and its hash.
func (s *snapshot) body(e *entry) ([]byte, string, error) {
	return feedwire.Encode(s.feedForm(e.product))
}

// entry returns p as an entry of s.
func (s *snapshot) entry(p catalog.Product) (*entry, error) {
	_, hash, err := feedwire.Encode(s.feedForm(p))
	if err != nil {
		return nil, err
	}
	return &entry{product: p, hash: hash}, nil
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

// listed is what one listing gave.
type listed struct {
	// products are the products it gave, removed the ids it removed.
	products []catalog.Product
	removed  []string
	// full is set when it is the whole catalog; next is its ChangeToken.
	full bool
	next string
}

// read returns the catalog now: the listing since token (the whole
// catalog when token is empty or prev is nil), applied to prev, and the
// ChangeToken of the listing. A product is converted again only when the
// listing shows it changed or its stock changed since prev; prev itself
// is returned when nothing changed.
func (r *reader) read(ctx context.Context, prev *snapshot, token string) (*snapshot, string, error) {
	if r.listing == nil {
		return nil, "", errNoListing
	}
	if prev == nil {
		token = ""
	}
	l, err := r.list(ctx, token)
	if err != nil {
		return nil, "", err
	}
	if !l.full && token == "" {
		return nil, "", fmt.Errorf("list the catalog's products: %w: asked for the whole catalog, it answered with changes only", errBrokenListing)
	}
	if l.full && token != "" && l.next == token {
		// The whole catalog again, in the state the token names: nothing
		// changed (a catalog that always lists everything).
		l.products, l.full = nil, false
	}
	stock, err := r.stock(ctx)
	if err != nil {
		return nil, "", err
	}
	s := &snapshot{stock: stock, currency: r.currency}
	if l.full {
		s.entries = make(map[string]*entry, len(l.products))
		for _, p := range l.products {
			if s.entries[p.ID], err = s.entry(p); err != nil {
				return nil, "", err
			}
		}
		s.ids = slices.Sorted(maps.Keys(s.entries))
		return s, l.next, nil
	}
	// The changes: the products listed, those whose stock moved, and the
	// ids removed that prev has.
	todo := l.products
	if moved := movedSKUs(prev.stock, stock); len(moved) > 0 {
		listed := make(map[string]bool, len(l.products))
		for _, p := range l.products {
			listed[p.ID] = true
		}
		for id, e := range prev.entries {
			if !listed[id] && slices.ContainsFunc(e.product.Variants, func(v catalog.Variant) bool { return moved[v.Item.ID] }) {
				todo = append(todo, e.product)
			}
		}
	}
	gone := slices.DeleteFunc(slices.Clone(l.removed), func(id string) bool { return prev.entries[id] == nil })
	if len(todo) == 0 && len(gone) == 0 {
		// Nothing changed: the same snapshot serves on.
		return prev, l.next, nil
	}
	s.entries, s.ids = maps.Clone(prev.entries), prev.ids
	for _, id := range gone {
		delete(s.entries, id)
	}
	added := false
	for _, p := range todo {
		added = added || s.entries[p.ID] == nil
		if s.entries[p.ID], err = s.entry(p); err != nil {
			return nil, "", err
		}
	}
	if added || len(gone) > 0 {
		s.ids = slices.Sorted(maps.Keys(s.entries))
	}
	return s, l.next, nil
}

// list pages through one listing since token, checking that it keeps
// the catalog.listing contract: pages no larger than asked for, agreeing
// on whether they list changes only, each product with an id and listed
// once, no product both listed and removed, no page token twice.
func (r *reader) list(ctx context.Context, token string) (listed, error) {
	var l listed
	broken := func(format string, args ...any) (listed, error) {
		return listed{}, fmt.Errorf("list the catalog's products: %w: "+format, append([]any{errBrokenListing}, args...)...)
	}
	seen := map[string]bool{}
	pages := map[string]bool{}
	page := ""
	for n := 0; ; n++ {
		if n == maxPages {
			return listed{}, fmt.Errorf("list the catalog's products: more than %d pages", maxPages)
		}
		resp, err := r.listing.ListProducts(ctx, &catalog.ListProductsRequest{Currency: r.currency, Since: token, PageToken: page, PageSize: r.pageSize})
		if errors.Is(err, acp.ErrNotOffered) {
			return listed{}, errNoListing
		}
		if err != nil {
			return listed{}, fmt.Errorf("list the catalog's products: %w", err)
		}
		switch {
		case resp == nil:
			return broken("the catalog answered nothing")
		case n == 0:
			l.full = !resp.Changes
		case l.full == resp.Changes:
			return broken("the pages of one listing disagree on whether it lists changes only")
		}
		if len(resp.Products) > r.pageSize {
			return broken("a page holds %d products, more than the %d asked for", len(resp.Products), r.pageSize)
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
		l.products = append(l.products, resp.Products...)
		if !l.full {
			l.removed = append(l.removed, resp.Removed...)
		}
		if resp.NextPageToken == "" {
			l.next = resp.ChangeToken
			break
		}
		if pages[resp.NextPageToken] || resp.NextPageToken == page {
			return broken("the page token %q comes back", resp.NextPageToken)
		}
		pages[resp.NextPageToken] = true
		page = resp.NextPageToken
	}
	for _, id := range l.removed {
		if seen[id] {
			return broken("product %q is both listed and removed", id)
		}
	}
	return l, nil
}

// StockLevels returns the units available of every stock-controlled SKU.
type StockLevels func(ctx context.Context) (map[string]int64, error)

// LevelsOf returns the StockLevels that lists the levels with list and
// takes each one's SKU and units available with of: the stock levels of
// the store (storeLevels) or of a running server's merchant API.
func LevelsOf[L any](list func(context.Context) ([]L, error), of func(L) (sku string, available int64)) StockLevels {
	return func(ctx context.Context) (map[string]int64, error) {
		levels, err := list(ctx)
		if err != nil {
			return nil, err
		}
		out := make(map[string]int64, len(levels))
		for _, l := range levels {
			sku, available := of(l)
			out[sku] = available
		}
		return out, nil
	}
}

// storeLevels reads the stock levels from st.
func storeLevels(st store.Store) StockLevels {
	return LevelsOf(func(ctx context.Context) ([]*model.StockLevel, error) {
		return store.Read(ctx, st, func(rd store.Reader) ([]*model.StockLevel, error) { return rd.StockLevels() })
	}, func(l *model.StockLevel) (string, int64) { return l.SKU, l.Available() })
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

// catalogCache shares one snapshot among the targets of a process: it
// reads the catalog again when its snapshot is older than maxAge, or was
// read before a moment a target asks for.
type catalogCache struct {
	reader *reader
	maxAge time.Duration
	now    func() time.Time
	log    *slog.Logger

	mu    sync.Mutex
	cur   *snapshot
	token string
	// at is when the last read started.
	at  time.Time
	err error
	// tokenless is set once a listing came without a change token (and
	// that was logged).
	tokenless bool
}

// get returns a snapshot at most maxAge old whose reading started at
// notBefore or later, reading the catalog when the last one is older. A
// failed read is remembered the same way, so that a broken catalog is
// asked once per delay, not once per target.
func (c *catalogCache) get(ctx context.Context, notBefore time.Time) (*snapshot, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.at.IsZero() && !c.at.Before(notBefore) && c.now().Sub(c.at) < c.maxAge {
		if c.err != nil {
			return nil, c.err
		}
		return c.cur, nil
	}
	started := c.now()
	s, token, err := c.reader.read(ctx, c.cur, c.token)
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	c.at, c.err = started, err
	if err != nil {
		return nil, err
	}
	c.cur, c.token = s, token
	if token == "" && !c.tokenless {
		c.tokenless = true
		c.log.Warn("the catalog's listing gives no change token: the whole catalog is read and converted again every delay")
	}
	return s, nil
}
