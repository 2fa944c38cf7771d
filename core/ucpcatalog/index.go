package ucpcatalog

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/acp-sidecar/acp/core/internal/listing"
	"github.com/acp-sidecar/acp/core/ucp"
	"github.com/acp-sidecar/acp/sdk/catalog"
)

// What New takes for Options' fields that are zero.
const (
	defaultInterval = 5 * time.Second
	defaultPageSize = 500
)

// Options configure an Index.
type Options struct {
	// Listing lists the catalog's products: the built-in catalog or the
	// catalog plugin's catalog.listing. Required.
	Listing catalog.Listing
	// Currency is the store's currency: the listing is asked for prices
	// in it, and they are shown in it.
	Currency string
	// Stock reads the units available of every SKU whose stock the host
	// controls (the store's stock levels); nil when the host controls
	// none (the catalog's own Item.Available then counts).
	Stock func(ctx context.Context) (map[string]int64, error)
	// Interval is how often Run refreshes the index. Default 5s.
	Interval time.Duration
	// PageSize is the most products asked for per page of the listing.
	// Default 500.
	PageSize int
	// Logger logs the refreshes that fail; nil logs nothing.
	Logger *slog.Logger
	// Now reads the clock; nil is time.Now.
	Now func() time.Time
}

// Index is the host's copy of the catalog's listing, searched and looked
// up by the catalog operations. Its methods may be called at once from
// any goroutine.
type Index struct {
	opts Options
	// cur is the latest snapshot; nil until the first refresh succeeded.
	cur atomic.Pointer[snapshot]

	// mu serializes refreshes, and guards what they keep.
	mu sync.Mutex
	// token is the change token of the listing cur was built from.
	token string
	// failedAt is when the last refresh failed, and failure why; zero
	// and nil after a success.
	failedAt time.Time
	failure  error
}

// New returns an empty Index over opts' listing; Refresh or Run fills
// it. It fails without a listing or a currency.
func New(opts Options) (*Index, error) {
	if opts.Listing == nil {
		return nil, errors.New("ucp catalog: no listing")
	}
	if len(opts.Currency) != 3 {
		return nil, fmt.Errorf("ucp catalog: the currency %q is not an ISO 4217 code", opts.Currency)
	}
	if opts.Interval <= 0 {
		opts.Interval = defaultInterval
	}
	if opts.PageSize <= 0 {
		opts.PageSize = defaultPageSize
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Index{opts: opts}, nil
}

// Run refreshes the index at once, then every Interval, until ctx is
// done. A refresh that fails is logged (once per distinct error, and its
// recovery) and the index keeps serving what it last read.
func (x *Index) Run(ctx context.Context) {
	tick := time.NewTicker(x.opts.Interval)
	defer tick.Stop()
	for {
		x.refreshLogged(ctx)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// refreshLogged refreshes the index and logs a change of its outcome.
func (x *Index) refreshLogged(ctx context.Context) {
	before := x.lastFailure()
	err := x.Refresh(ctx)
	switch {
	case ctx.Err() != nil:
	case err != nil && (before == nil || before.Error() != err.Error()):
		x.opts.Logger.Warn("the UCP catalog index could not be refreshed; it serves what it last read", "error", err.Error())
	case err == nil && before != nil:
		x.opts.Logger.Info("the UCP catalog index is refreshed again")
	}
}

// lastFailure is why the last refresh failed; nil after a success.
func (x *Index) lastFailure() error {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.failure
}

// Refresh reads what changed in the catalog since the last refresh (the
// whole catalog the first time, or when the listing does not recognise
// its change token) and the stock levels, and indexes again only the
// products that changed. On an error the index is left as it was.
func (x *Index) Refresh(ctx context.Context) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.refresh(ctx)
}

// refresh is Refresh under x.mu: it reads and records the outcome.
func (x *Index) refresh(ctx context.Context) error {
	err := x.read(ctx)
	if err != nil {
		x.failedAt, x.failure = x.opts.Now(), err
	} else {
		x.failedAt, x.failure = time.Time{}, nil
	}
	return err
}

// read reads the listing and the stock levels into a new snapshot.
func (x *Index) read(ctx context.Context) error {
	prev := x.cur.Load()
	token := x.token
	if prev == nil {
		token = ""
	}
	l, err := listing.Read(ctx, x.opts.Listing, x.opts.Currency, token, x.opts.PageSize)
	if err != nil {
		return fmt.Errorf("ucp catalog: %w", err)
	}
	if l.Full && token != "" && l.ChangeToken == token {
		// The whole catalog again, in the state the token names.
		l.Products, l.Full = nil, false
	}
	stock := map[string]int64{}
	if x.opts.Stock != nil {
		if stock, err = x.opts.Stock(ctx); err != nil {
			return fmt.Errorf("ucp catalog: read the stock levels: %w", err)
		}
	}
	next := &snapshot{stock: stock, currency: strings.ToUpper(x.opts.Currency)}
	switch {
	case l.Full:
		next.entries = make(map[string]*entry, len(l.Products))
	case len(l.Products) == 0 && len(l.Removed) == 0:
		// No product changed: the same entries, with the stock now.
		next.entries, next.ids, next.variants, next.codes = prev.entries, prev.ids, prev.variants, prev.codes
		x.cur.Store(next)
		x.token = l.ChangeToken
		return nil
	default:
		next.entries = maps.Clone(prev.entries)
		for _, id := range l.Removed {
			delete(next.entries, id)
		}
	}
	for _, p := range l.Products {
		if e := newEntry(p); e != nil {
			next.entries[p.ID] = e
		} else {
			delete(next.entries, p.ID)
		}
	}
	next.index()
	x.cur.Store(next)
	x.token = l.ChangeToken
	return nil
}

// snapshot is the catalog as one refresh read it. It is never changed
// once stored, so that any number of requests read it at once.
type snapshot struct {
	// entries are the products by id; ids their ids, sorted.
	entries map[string]*entry
	ids     []string
	// variants finds a variant by its id (its SKU); codes by a barcode
	// value (possibly several).
	variants map[string]variantRef
	codes    map[string][]variantRef
	// stock is the units available of every SKU the host controls.
	stock map[string]int64
	// currency is the prices' currency, upper-cased.
	currency string
}

// variantRef names a variant of a snapshot: its product's entry and its
// index in the entry's variants.
type variantRef struct {
	entry *entry
	i     int
}

// index builds s's ids and lookup maps from its entries.
func (s *snapshot) index() {
	s.ids = slices.Sorted(maps.Keys(s.entries))
	s.variants = make(map[string]variantRef, len(s.ids))
	s.codes = map[string][]variantRef{}
	for _, id := range s.ids {
		e := s.entries[id]
		for i, v := range e.product.Variants {
			ref := variantRef{entry: e, i: i}
			if _, dup := s.variants[v.Item.ID]; !dup {
				s.variants[v.Item.ID] = ref
			}
			for _, b := range v.Barcodes {
				s.codes[b.Value] = append(s.codes[b.Value], ref)
			}
		}
	}
}

// available returns whether v can be bought now and its status.
func (s *snapshot) available(v catalog.Variant) (bool, string) {
	return listing.Availability(v.Status, listing.Units(v, s.stock))
}

// errNotReady is the answer while the index has never been read.
func (x *Index) errNotReady(cause error) *ucp.Error {
	return &ucp.Error{
		Status: http.StatusServiceUnavailable, Code: "catalog_unavailable",
		Content:           "the catalog is not available yet; try again shortly",
		RetryAfterSeconds: max(1, int(x.opts.Interval/time.Second)), Cause: cause,
	}
}

// snapshot returns the index's latest snapshot. Before the first
// successful refresh it refreshes the index itself, unless a refresh
// failed less than an Interval ago: then, as when this one fails, the
// answer is a 503 *ucp.Error.
func (x *Index) snapshot(ctx context.Context) (*snapshot, error) {
	if s := x.cur.Load(); s != nil {
		return s, nil
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if s := x.cur.Load(); s != nil {
		return s, nil
	}
	if x.failure != nil && x.opts.Now().Sub(x.failedAt) < x.opts.Interval {
		return nil, x.errNotReady(x.failure)
	}
	if err := x.refresh(ctx); err != nil {
		return nil, x.errNotReady(err)
	}
	return x.cur.Load(), nil
}
