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
	catlisting "github.com/acp-sidecar/acp/core/internal/listing"
	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/store"
	"github.com/acp-sidecar/acp/sdk/catalog"
)

// errNoListing is why nothing is published from a catalog that does not
// list its products (no catalog.listing capability).
var errNoListing = fmt.Errorf("%w, so there is no feed to publish", catlisting.ErrNoListing)

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
		return feedwire.VariantAvailability(v.Status, catlisting.Units(v, s.stock))
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

// read returns the catalog now: the listing since token (the whole
// catalog when token is empty or prev is nil), applied to prev, and the
// ChangeToken of the listing. A product is converted again only when the
// listing shows it changed or its stock changed since prev; prev itself
// is returned when nothing changed.
func (r *reader) read(ctx context.Context, prev *snapshot, token string) (*snapshot, string, error) {
	if prev == nil {
		token = ""
	}
	l, err := catlisting.Read(ctx, r.listing, r.currency, token, r.pageSize)
	if errors.Is(err, catlisting.ErrNoListing) {
		return nil, "", errNoListing
	}
	if err != nil {
		return nil, "", err
	}
	if l.Full && token != "" && l.ChangeToken == token {
		// The whole catalog again, in the state the token names: nothing
		// changed (a catalog that always lists everything).
		l.Products, l.Full = nil, false
	}
	stock, err := r.stock(ctx)
	if err != nil {
		return nil, "", err
	}
	s := &snapshot{stock: stock, currency: r.currency}
	if l.Full {
		s.entries = make(map[string]*entry, len(l.Products))
		for _, p := range l.Products {
			if s.entries[p.ID], err = s.entry(p); err != nil {
				return nil, "", err
			}
		}
		s.ids = slices.Sorted(maps.Keys(s.entries))
		return s, l.ChangeToken, nil
	}
	// The changes: the products listed, those whose stock moved, and the
	// ids removed that prev has.
	todo := l.Products
	if moved := catlisting.MovedSKUs(prev.stock, stock); len(moved) > 0 {
		listed := make(map[string]bool, len(l.Products))
		for _, p := range l.Products {
			listed[p.ID] = true
		}
		for id, e := range prev.entries {
			if !listed[id] && slices.ContainsFunc(e.product.Variants, func(v catalog.Variant) bool { return moved[v.Item.ID] }) {
				todo = append(todo, e.product)
			}
		}
	}
	gone := slices.DeleteFunc(slices.Clone(l.Removed), func(id string) bool { return prev.entries[id] == nil })
	if len(todo) == 0 && len(gone) == 0 {
		// Nothing changed: the same snapshot serves on.
		return prev, l.ChangeToken, nil
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
	return s, l.ChangeToken, nil
}

// StockLevels returns the units available of every stock-controlled SKU.
type StockLevels func(ctx context.Context) (map[string]int64, error)

// LevelsOf returns the StockLevels that lists the levels with list and
// takes each one's SKU and units available with of: the stock levels of
// the store (StoreLevels) or of a running server's merchant API.
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

// StoreLevels reads the stock levels of st: the units available of
// every stock-controlled SKU.
func StoreLevels(st store.Store) StockLevels {
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
