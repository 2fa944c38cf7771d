package feed

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/store"
	"github.com/acp-sidecar/acp/core/store/badgerstore"
	"github.com/acp-sidecar/acp/core/store/pgstore"
	"github.com/acp-sidecar/acp/internal/acpschema"
	"github.com/acp-sidecar/acp/internal/feedtest"
	"github.com/acp-sidecar/acp/internal/listingtest"
	"github.com/acp-sidecar/acp/internal/pgtest"
	"github.com/acp-sidecar/acp/internal/testkit"
	"github.com/acp-sidecar/acp/sdk/catalog"
)

func TestMain(m *testing.M) {
	os.Exit(pgtest.Run(func() int { return acpschema.Main(m) }))
}

const (
	testToken = "feed-token-do-not-log"
	// bodyMarker is in every test product's description: it must never
	// reach a log line or a stored error.
	bodyMarker = "BODY-MARKER-4711"
	targetName = "chatgpt"
)

// newStore opens a Badger store in a temporary folder.
func newStore(t *testing.T) store.Store {
	t.Helper()
	st, err := badgerstore.Open(badgerstore.Options{Dir: t.TempDir(), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

// openPostgres opens a store on the database of dsn.
func openPostgres(t *testing.T, dsn string) store.Store {
	t.Helper()
	st, err := pgstore.Open(context.Background(), pgstore.Options{DSN: dsn, MigrateOnStart: true, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("open PostgreSQL store: %v", err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

// eachStore runs fn in a parallel subtest on Badger and on PostgreSQL
// (a fresh database).
func eachStore(t *testing.T, fn func(t *testing.T, st store.Store)) {
	t.Helper()
	for name, open := range map[string]func(t *testing.T) store.Store{
		"badger":   newStore,
		"postgres": func(t *testing.T) store.Store { return openPostgres(t, pgtest.DSN(t)) },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fn(t, open(t))
		})
	}
}

// listing is the in-memory catalog.listing the tests publish from.
type listing = listingtest.Listing

// newListing returns a listing of products.
func newListing(products ...catalog.Product) *listing { return listingtest.New(products...) }

func ptr[T any](v T) *T { return &v }

// product is a catalog product with variants named id-<suffix>, each at
// price and unlimited unless stock-controlled.
func product(id string, price int64, suffixes ...string) catalog.Product {
	p := catalog.Product{
		ID:          id,
		Title:       "Product " + id,
		Description: catalog.Description{Plain: "About " + id + " " + bodyMarker},
		URL:         "https://shop.example/p/" + id,
	}
	if len(suffixes) == 0 {
		suffixes = []string{"a"}
	}
	for _, s := range suffixes {
		p.Variants = append(p.Variants, catalog.Variant{
			Item:    catalog.Item{ID: id + "-" + s, Found: true, UnitPrice: price, Categories: []string{"cat-" + id}},
			Options: []catalog.VariantOption{{Name: "Size", Value: strings.ToUpper(s)}},
		})
	}
	return catalog.CompleteProduct(p, catalog.ProductDefaults{})
}

// products returns n products p01..pNN.
func products(n int) []catalog.Product {
	var out []catalog.Product
	for i := 1; i <= n; i++ {
		out = append(out, product(fmt.Sprintf("p%02d", i), int64(1000+i)))
	}
	return out
}

// env is one test's store, catalog, platform and publisher options.
type env struct {
	t       *testing.T
	st      store.Store
	listing *listing
	srv     *feedtest.Server
	logs    *testkit.Buffer
	opts    Options
}

func newEnv(t *testing.T, st store.Store, catalogProducts ...catalog.Product) *env {
	t.Helper()
	e := &env{
		t:       t,
		st:      st,
		listing: newListing(catalogProducts...),
		srv:     feedtest.New(t, feedtest.Options{Token: testToken, FeedUpdateIDs: true}),
		logs:    &testkit.Buffer{},
	}
	e.opts = Options{
		Store:      st,
		Listing:    e.listing,
		Currency:   "usd",
		TrackStock: true,
		Targets:    []Target{{Name: targetName, URL: e.srv.URL(), Token: testToken, TargetCountry: "US"}},
		// Every round reads the catalog again.
		Delay:                time.Nanosecond,
		BatchSize:            100,
		Timeout:              5 * time.Second,
		InitialBackoff:       time.Hour,
		MaxBackoff:           time.Hour,
		AllowPrivateNetworks: true,
		PageSize:             3,
		Logger:               slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	t.Cleanup(func() { e.checkNoLeak() })
	return e
}

// publisher returns a new publisher of e's options.
func (e *env) publisher() *Publisher {
	e.t.Helper()
	p, err := New(e.opts)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { stopAll(p) })
	return p
}

// stopAll gives every target's lease up, as a publisher whose Run
// returned does.
func stopAll(p *Publisher) {
	for _, t := range p.targets {
		t.drop(context.Background())
	}
}

// round runs one round of every target of p.
func round(p *Publisher) {
	for _, t := range p.targets {
		t.tick(context.Background())
	}
}

// checkNoLeak fails when the log holds the credential or a body.
func (e *env) checkNoLeak() {
	out := e.logs.String()
	for _, s := range []string{testToken, bodyMarker} {
		if strings.Contains(out, s) {
			e.t.Errorf("the log holds %q:\n%s", s, out)
		}
	}
}

// record returns the target's record.
func (e *env) record(name string) *model.FeedTarget {
	e.t.Helper()
	rec, err := store.Read(context.Background(), e.st, func(r store.Reader) (*model.FeedTarget, error) { return r.FeedTarget(name) })
	if err != nil {
		e.t.Fatalf("read feed target %s: %v", name, err)
	}
	for _, s := range []string{testToken, bodyMarker} {
		if strings.Contains(rec.LastError, s) {
			e.t.Errorf("LastError holds %q: %s", s, rec.LastError)
		}
	}
	return rec
}

// accepted returns the target's product records by id.
func (e *env) accepted(name string) map[string]*model.FeedProduct {
	e.t.Helper()
	out := map[string]*model.FeedProduct{}
	err := e.st.View(context.Background(), func(r store.Reader) error {
		after := ""
		for {
			page, err := r.FeedProducts(name, after, 100)
			if err != nil {
				return err
			}
			for _, p := range page {
				out[p.ProductID] = p
				after = p.ProductID
			}
			if len(page) < 100 {
				return nil
			}
		}
	})
	if err != nil {
		e.t.Fatalf("read feed products: %v", err)
	}
	return out
}

// sentIDs returns the ids of the products of the accepted upserts from
// the n-th on, in order.
func (e *env) sentIDs(from int) []string {
	var ids []string
	for _, s := range e.srv.Accepted()[from:] {
		ids = append(ids, s.ID)
	}
	return ids
}

// wireProduct is what the tests read of a product body.
type wireProduct struct {
	ID       string `json:"id"`
	Title    string `json:"title"`
	Variants []struct {
		ID           string                 `json:"id"`
		Price        struct{ Amount int64 } `json:"price"`
		Availability struct {
			Available bool   `json:"available"`
			Status    string `json:"status"`
		} `json:"availability"`
	} `json:"variants"`
}

func decode(t *testing.T, body []byte) wireProduct {
	t.Helper()
	var p wireProduct
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
	return p
}

// variants sums a body's variants up as id=status.
func variants(t *testing.T, body []byte) string {
	t.Helper()
	var parts []string
	for _, v := range decode(t, body).Variants {
		parts = append(parts, v.ID+"="+v.Availability.Status)
	}
	return strings.Join(parts, ",")
}

// setStock sets a SKU's stock on hand.
func setStock(t *testing.T, st store.Store, sku string, onHand int64) {
	t.Helper()
	err := st.UpdateStock(context.Background(), []string{sku}, func(tx store.Tx) error {
		return tx.PutStockLevel(&model.StockLevel{SKU: sku, OnHand: onHand, SetAt: time.Now(), UpdatedAt: time.Now()})
	})
	if err != nil {
		t.Fatalf("set stock of %s: %v", sku, err)
	}
}

// reserve holds (qty > 0) or gives back (qty < 0) units of a SKU, as a
// payment attempt does.
func reserve(t *testing.T, st store.Store, sku string, qty int64) {
	t.Helper()
	err := st.UpdateStock(context.Background(), []string{sku}, func(tx store.Tx) error {
		if qty < 0 {
			return tx.ReleaseStock(sku, -qty)
		}
		ok, _, err := tx.ReserveStock(sku, qty)
		if err == nil && !ok {
			err = fmt.Errorf("not enough stock of %s", sku)
		}
		return err
	})
	if err != nil {
		t.Fatalf("reserve %d of %s: %v", qty, sku, err)
	}
}
