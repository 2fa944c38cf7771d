package main

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/acp-sidecar/acp/sdk/acp"
	"github.com/acp-sidecar/acp/sdk/acpplugin"
	"github.com/acp-sidecar/acp/sdk/catalog"
	"github.com/acp-sidecar/acp/sdk/promotion"
)

// version is this plugin's version, reported to the host.
const version = "0.1.0"

// defaultReloadInterval is reload_interval's default.
const defaultReloadInterval = 2 * time.Second

// minReloadInterval is the shortest reload_interval other than 0.
const minReloadInterval = 10 * time.Millisecond

// racyWindow is how close to the time a file was read its modification
// time must be for the file to be read again even though its stat is
// unchanged: an edit made then may have left the stat as it was (git's
// "racy" rule). It covers coarse timestamps (FAT keeps 2s) and small
// clock differences with a network file system.
const racyWindow = 2 * time.Second

// config is the plugin's config block, and its one description: the
// host checks the block against the JSON Schema derived from it
// (acpplugin.ConfigSchemaFor), and Validate adds what the types cannot say.
type config struct {
	Path           string `json:"path" jsonschema:"The catalog file, .csv or .json. A relative path is resolved against the plugin's working directory."`
	ReloadInterval string `json:"reload_interval,omitempty" jsonschema:"How often the file is checked for changes, as a Go duration; default 2s, 0s turns reloading off."`
	Currency       string `json:"currency,omitempty" jsonschema:"ISO 4217 currency of rows without one; optional."`
	StockState     string `json:"stock_state,omitempty" jsonschema:"The file that keeps the stock counts and holds; default the catalog file's path with .stock.json appended. A relative path is resolved against the plugin's working directory."`
	Promotions     string `json:"promotions,omitempty" jsonschema:"A JSON file of promotions with the fields of acp.yaml's promotions; the plugin then decides the discounts (catalog.discounts). A relative path is resolved against the plugin's working directory."`
}

// Validate refuses an empty path and a currency that is not three letters.
func (c config) Validate() error {
	if c.Path == "" {
		return errors.New("path is empty")
	}
	if c.Currency != "" && !isCurrencyCode(acp.NormalizeCurrency(c.Currency)) {
		return fmt.Errorf("currency %q is not a three-letter ISO 4217 code", c.Currency)
	}
	return nil
}

// fileCatalog serves the catalog file and reloads it when it changes.
type fileCatalog struct {
	logger *slog.Logger

	// current is the catalog served; it is replaced whole on reload.
	current atomic.Pointer[content]
	// failure is the last load attempt's error, nil after a success.
	failure atomic.Pointer[loadFailure]

	// mu guards the watcher's stop and stopped, and is held while one
	// watcher is replaced by another, so that two Configure calls never
	// leave two watchers.
	mu      sync.Mutex
	stop    context.CancelFunc
	stopped chan struct{}

	// stock counts the stock and holds it for payment attempts, and the
	// uses of usage-limited discount codes.
	stock *stockBook
	// discounts serves the promotions file, when configured.
	discounts *fileDiscounts
	// listings remembers the states recent listings showed (listing.go).
	listings listingCache

	// stat and read are statFile and readFile, but in tests.
	stat func(path string) (fileStat, error)
	read func(path string) ([]byte, error)
	// describing is acpplugin.Describing, but in tests.
	describing func() bool
}

// loadFailure is a failed load attempt.
type loadFailure struct{ err error }

// Interface guards.
var (
	_ catalog.Catalog = (*fileCatalog)(nil)
	_ catalog.Listing = (*fileCatalog)(nil)
)

// newFileCatalog returns an unconfigured catalog that logs to logger.
func newFileCatalog(logger *slog.Logger) *fileCatalog {
	return &fileCatalog{logger: logger, stock: newStockBook(logger), discounts: &fileDiscounts{}, stat: statFile, read: readFile, describing: acpplugin.Describing}
}

// serveOpts describes the plugin to acpplugin.Serve.
func (c *fileCatalog) serveOpts() acpplugin.ServeOpts {
	return acpplugin.ServeOpts{
		Name:         "acp-plugin-catalog-file",
		Version:      version,
		ConfigSchema: acpplugin.ConfigSchemaFor[config](),
		Configure:    c.Configure,
		CheckHealth:  c.CheckHealth,
		Catalog:      c,
		// Announced as catalog.stock_reservations.
		StockReservations: c.stock,
		// Announced as catalog.discounts; without a promotions file it
		// answers acp.ErrNotOffered.
		Discounts: c.discounts,
		// Announced as catalog.listing.
		Listing: c,
		Logger:  c.logger,
	}
}

// Configure loads the file and starts watching it. An unreadable or
// invalid file refuses the configuration.
func (c *fileCatalog) Configure(_ context.Context, raw []byte) error {
	var cfg config
	if err := acpplugin.DecodeConfig(raw, &cfg); err != nil {
		return err
	}
	format, err := formatOf(cfg.Path)
	if err != nil {
		return err
	}
	interval := defaultReloadInterval
	if cfg.ReloadInterval != "" {
		d, err := time.ParseDuration(cfg.ReloadInterval)
		if err != nil || (d != 0 && d < minReloadInterval) {
			return fmt.Errorf("reload_interval must be a duration such as 2s, at least %v, or 0s to turn reloading off, got %q", minReloadInterval, cfg.ReloadInterval)
		}
		interval = d
	}
	currency := acp.NormalizeCurrency(cfg.Currency)
	readAt := time.Now()
	st, err := c.stat(cfg.Path)
	if err != nil {
		return fmt.Errorf("catalog file: %w", err)
	}
	data, err := c.read(cfg.Path)
	if err != nil {
		return err
	}
	loaded, err := parseItems(cfg.Path, format, data, currency)
	if err != nil {
		return err
	}
	seen := fileVersion{stat: st, sum: loaded.sum, readAt: readAt}
	var promotions []promotion.Promotion
	if cfg.Promotions != "" {
		if promotions, err = loadPromotions(cfg.Promotions); err != nil {
			return err
		}
	}
	statePath := cfg.StockState
	if statePath == "" {
		statePath = statePathFor(cfg.Path)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stopWatcher()
	if c.describing() {
		// `acp plugins describe`, maybe beside a running server sharing
		// the state file: check it, change nothing.
		if err := c.stock.inspect(statePath); err != nil {
			return err
		}
	} else if err := c.stock.open(statePath, loaded.items, codeLimits(promotions)); err != nil {
		return err
	}
	c.discounts.set(promotions, c.stock)
	c.current.Store(loaded)
	c.failure.Store(nil)
	c.logger.Info("catalog loaded", "file", filepath.Base(cfg.Path), "items", len(loaded.items), "products", len(loaded.products))
	c.warn(cfg.Path, loaded)
	if interval > 0 {
		ctx, stop := context.WithCancel(context.Background())
		c.stop, c.stopped = stop, make(chan struct{})
		go c.watch(ctx, c.stopped, interval, cfg.Path, format, currency, seen)
	}
	return nil
}

// Close stops watching the file, if it is watched.
func (c *fileCatalog) Close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stopWatcher()
}

// stopWatcher stops the watcher, if one runs, and waits for it to end.
// c.mu must be held (the watcher never takes it).
func (c *fileCatalog) stopWatcher() {
	if c.stop == nil {
		return
	}
	c.stop()
	<-c.stopped
	c.stop, c.stopped = nil, nil
}

// fileStat is what tells a changed file from the one last read: its
// modification time and size and, where the system gives them (see
// sysStat), its device, inode and status-change time, so that a file
// replaced by another, or edited and given its old mtime back, is seen.
type fileStat struct {
	modTime  int64 // Unix nanoseconds
	size     int64
	dev, ino uint64
	ctime    int64 // Unix nanoseconds
}

func statFile(path string) (fileStat, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return fileStat{}, err
	}
	st := fileStat{modTime: fi.ModTime().UnixNano(), size: fi.Size()}
	sysStat(fi, &st)
	return st, nil
}

// fileVersion is what the watcher knows of the file last read.
type fileVersion struct {
	stat fileStat
	// sum is the SHA-256 of the content read.
	sum [sha256.Size]byte
	// readAt is when the file was read (just before its stat was taken).
	readAt time.Time
}

// racy reports whether the file may have changed since it was read with
// its stat unchanged: its mtime is within racyWindow of readAt (or
// after it), so an edit made since may have kept the same mtime.
func (v fileVersion) racy() bool {
	return v.stat.modTime > v.readAt.Add(-racyWindow).UnixNano()
}

// watch reloads the file at path whenever it changes, until ctx ends.
// seen is the version last read. A file whose stat differs from seen's,
// or whose stat is the same but racy, is read again; its catalog is
// parsed again only when its content differs.
func (c *fileCatalog) watch(ctx context.Context, stopped chan<- struct{}, interval time.Duration, path string, format format, currency string, seen fileVersion) {
	defer close(stopped)
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
		readAt := time.Now()
		st, err := c.stat(path)
		if err != nil {
			// Forget the last version: the file, once back, is read
			// again even if it comes back unchanged.
			seen = fileVersion{}
			c.fail(fmt.Errorf("catalog file: %w", err))
			continue
		}
		if st == seen.stat && !seen.racy() {
			continue
		}
		data, err := c.read(path)
		if err != nil {
			seen = fileVersion{}
			c.fail(err)
			continue
		}
		sum := sha256.Sum256(data)
		unchanged := sum == seen.sum
		seen = fileVersion{stat: st, sum: sum, readAt: readAt}
		if unchanged {
			// The same content gives the same catalog, or the same
			// problems, as last time.
			continue
		}
		loaded, err := parseItems(path, format, data, currency)
		if err != nil {
			c.fail(err)
			continue
		}
		if err := c.stock.apply(loaded.items); err != nil {
			// Retried at the next tick: the file is read again.
			seen = fileVersion{}
			c.fail(err)
			continue
		}
		c.current.Store(loaded)
		c.failure.Store(nil)
		c.logger.Info("catalog reloaded", "file", filepath.Base(path), "items", len(loaded.items), "products", len(loaded.products))
		c.warn(path, loaded)
	}
}

// warn logs what the catalog file at path holds that this release takes
// in another way than the file may mean (products.go).
func (c *fileCatalog) warn(path string, loaded *content) {
	for _, w := range loaded.warnings {
		c.logger.Warn("catalog file: taken in another way than it may mean", "file", filepath.Base(path), "warning", w)
	}
}

// fail records a failed load attempt, logging it unless it repeats the
// previous one.
func (c *fileCatalog) fail(err error) {
	prev := c.failure.Swap(&loadFailure{err: err})
	if prev == nil || prev.err.Error() != err.Error() {
		c.logger.Error("catalog reload failed; keeping the previous catalog", "error", err.Error())
	}
}

// CheckHealth fails while the last load attempt failed.
func (c *fileCatalog) CheckHealth(context.Context) error {
	if f := c.failure.Load(); f != nil {
		return fmt.Errorf("serving the previous catalog: last reload failed: %w", f.err)
	}
	if c.current.Load() == nil {
		return errors.New("not configured")
	}
	return nil
}

// ResolveItems looks every item up in the request's currency; an item not
// in the file in that currency comes back with Found false. An item is
// answered completed as its product lists it (products.go), and a
// stock-controlled item's Available is what can still be held of it.
func (c *fileCatalog) ResolveItems(_ context.Context, req *catalog.ResolveItemsRequest) (*catalog.ResolveItemsResponse, error) {
	cur := c.current.Load()
	if cur == nil {
		return nil, errors.New("catalog not configured")
	}
	currency := acp.NormalizeCurrency(req.Currency)
	resp := &catalog.ResolveItemsResponse{Items: make([]catalog.Item, len(req.Items))}
	skus := make([]string, len(req.Items))
	for i, ref := range req.Items {
		it, ok := cur.items.lookup(ref.ID, currency)
		if !ok {
			it = catalog.Item{ID: ref.ID}
		}
		resp.Items[i], skus[i] = it, ref.ID
	}
	_, avail, err := c.stock.snapshot(skus)
	if err != nil {
		return nil, err
	}
	for i := range resp.Items {
		setAvailable(&resp.Items[i], avail[i])
	}
	return resp, nil
}

// setAvailable sets a found stock-controlled item's Available to n, what
// can still be held of it, unless n is -1 (its stock is not counted).
func setAvailable(it *catalog.Item, n int64) {
	if it.Found && it.Available != nil && n >= 0 {
		it.Available = &n
	}
}

func main() {
	acpplugin.Serve(newFileCatalog(acpplugin.Logger()).serveOpts())
}
