package feed

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/acp-sidecar/acp/core/feedwire"
	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/store"
	"github.com/acp-sidecar/acp/sdk/catalog"
)

// Names of the files Export writes.
const (
	MetadataFile = "metadata.json"
	ProductsFile = "products.jsonl"
)

// ExportOptions configure Export.
type ExportOptions struct {
	// Store holds the stock levels, and the target's feed id. It may be
	// nil when Stock and FeedID are given.
	Store store.Store
	// Stock, when not nil, reads the stock levels instead of Store (from
	// a running server's merchant API, say).
	Stock StockLevels
	// Listing lists the catalog's products.
	Listing catalog.Listing
	// Currency is the store's currency.
	Currency string
	// TrackStock is set when the host controls stock (Options.TrackStock).
	TrackStock bool
	// Target is the target exported for: its name (whose recorded feed
	// id metadata.json names), market and filter.
	Target Target
	// FeedID is the feed id metadata.json names; the target's recorded
	// FeedID when empty.
	FeedID string
	// Dir is the folder the files are written to; it is created when
	// missing.
	Dir string
	// Gzip compresses the products file (products.jsonl.gz).
	Gzip bool
	// PageSize is the most products asked for per page of the listing;
	// 500 when zero.
	PageSize int
}

// Export writes the target's whole feed as files, for a platform's full
// replacement ingestion: products.jsonl (one Product per line, by id,
// gzipped to products.jsonl.gz when asked, and the other of the two
// removed, so that no stale products file is left beside), then
// metadata.json (FeedMetadata: the feed id, the market, now as
// updated_at), from one reading of the catalog. Each file appears whole
// or not at all, readable by all (0644), and metadata.json only once the
// products are written, durably. It returns how many products it wrote.
func Export(ctx context.Context, opts ExportOptions) (int, error) {
	if !currencyPattern.MatchString(opts.Currency) {
		return 0, fmt.Errorf("export the feed: the currency %q is not an ISO 4217 code", opts.Currency)
	}
	if err := checkCountry(opts.Target.TargetCountry); err != nil {
		return 0, fmt.Errorf("export the feed: %w", err)
	}
	if opts.PageSize <= 0 {
		opts.PageSize = defaultPageSize
	}
	feedID := opts.FeedID
	if feedID == "" {
		if opts.Store == nil {
			return 0, errors.New("export the feed: no feed id given, and no store to read the target's from")
		}
		rec, err := store.Read(ctx, opts.Store, func(r store.Reader) (*model.FeedTarget, error) { return r.FeedTarget(opts.Target.Name) })
		switch {
		case errors.Is(err, store.ErrNotFound):
		case err != nil:
			return 0, fmt.Errorf("export the feed: read feed target %s: %w", opts.Target.Name, err)
		default:
			feedID = rec.FeedID
		}
		if feedID == "" {
			return 0, fmt.Errorf("export the feed: feed target %s has no feed id yet (it was never published); give one", opts.Target.Name)
		}
	}
	levels := opts.Stock
	if levels == nil && opts.Store != nil {
		levels = StoreLevels(opts.Store)
	}
	if levels == nil && opts.TrackStock {
		return 0, errors.New("export the feed: no store and no stock levels to read")
	}
	r := &reader{listing: opts.Listing, levels: levels, currency: opts.Currency, trackStock: opts.TrackStock, pageSize: opts.PageSize}
	snap, _, err := r.read(ctx, nil, "")
	if err != nil {
		return 0, fmt.Errorf("export the feed: %w", err)
	}
	if err := os.MkdirAll(opts.Dir, 0o755); err != nil {
		return 0, fmt.Errorf("export the feed: %w", err)
	}
	name, stale := ProductsFile, ProductsFile+".gz"
	if opts.Gzip {
		name, stale = stale, name
	}
	keep := opts.Target.Filter.compile()
	n := 0
	err = writeFile(opts.Dir, name, func(w io.Writer) error {
		var gz *gzip.Writer
		if opts.Gzip {
			gz = gzip.NewWriter(w)
			w = gz
		}
		for _, id := range snap.ids {
			e := snap.entries[id]
			if !keep.keeps(e.product) {
				continue
			}
			body, _, err := snap.body(e)
			if err != nil {
				return err
			}
			if _, err := w.Write(append(body, '\n')); err != nil {
				return err
			}
			n++
		}
		if gz != nil {
			return gz.Close()
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("export the feed: %w", err)
	}
	if err := os.Remove(filepath.Join(opts.Dir, stale)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return 0, fmt.Errorf("export the feed: remove the stale %s: %w", stale, err)
	}
	meta := feedwire.FeedMetadata{ID: feedID, TargetCountry: opts.Target.TargetCountry, UpdatedAt: time.Now().UTC().Format(time.RFC3339)}
	err = writeFile(opts.Dir, MetadataFile, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(meta)
	})
	if err != nil {
		return 0, fmt.Errorf("export the feed: %w", err)
	}
	return n, nil
}

// exportMode is the mode of the files Export writes: a platform's
// uploader, under another user, may read them.
const exportMode = 0o644

// writeFile writes dir/name through write: into a temporary file that
// is synced, given exportMode and renamed over name once whole; the
// folder is synced then, so that the rename (and any removal before it)
// survives a crash.
func writeFile(dir, name string, write func(io.Writer) error) error {
	f, err := os.CreateTemp(dir, "."+name+".*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	bw := bufio.NewWriter(f)
	if err := write(bw); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := os.Chmod(f.Name(), exportMode); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := os.Rename(f.Name(), filepath.Join(dir, name)); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := syncDir(dir); err != nil {
		return fmt.Errorf("write %s: sync the folder: %w", name, err)
	}
	return nil
}

// syncDir syncs the folder dir, making the renames in it durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
