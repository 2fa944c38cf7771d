package main

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/sdk/acp"
	"github.com/acp-sidecar/acp/sdk/acptest"
	"github.com/acp-sidecar/acp/sdk/catalog"
)

// teeCSV is a catalog whose one item has stock figure n.
func teeCSV(n string) string {
	return "sku,title,unit_price,stock\ntee-logo,Logo T-shirt,2000," + n + "\n"
}

// available resolves tee-logo through the plugin and returns its
// Available figure (-1 when unlimited).
func available(t *testing.T, c catalog.Catalog) int64 {
	t.Helper()
	resp, err := c.ResolveItems(context.Background(), &catalog.ResolveItemsRequest{Currency: "usd", Items: []catalog.ItemRef{{ID: "tee-logo", Quantity: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Items[0].Available == nil {
		return -1
	}
	return *resp.Items[0].Available
}

// TestStockSurvivesARestart checks that what a plugin acknowledged (a
// sale, a live hold) is in its state file for the next process, and
// the catalog file's figure rule: the same figure keeps the sales, a
// changed one is a restock, none ends stock control.
func TestStockSurvivesARestart(t *testing.T) {
	t.Parallel()
	testCases := map[string]struct {
		figure string // the catalog's figure at the restart
		want   int64  // tee-logo's available after it
	}{
		"the same figure keeps the sale and the hold":   {figure: "5", want: 5 - 1 - 2},
		"a changed figure is a restock; the hold stays": {figure: "8", want: 8 - 2},
		"no figure: not stock-controlled":               {figure: "", want: -1},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			path := writeFile(t, dir, "products.csv", teeCSV("5"))
			cfg := configFor(t, map[string]any{"path": path, "reload_interval": "0s"})
			first := newPlugin(t, cfg)
			ctx := context.Background()
			later := time.Now().Add(time.Hour)
			for key, qty := range map[string]int64{"sold": 1, "held": 2} {
				resp, err := first.StockReservations().Reserve(ctx, &catalog.ReserveRequest{Key: key, Lines: []catalog.StockLine{{SKU: "tee-logo", Quantity: qty}}, ExpiresAt: later})
				if err != nil || !resp.Held {
					t.Fatalf("Reserve(%s) = %+v, %v", key, resp, err)
				}
			}
			if err := first.StockReservations().Commit(ctx, "sold"); err != nil {
				t.Fatal(err)
			}
			if got := available(t, first.Catalog()); got != 2 {
				t.Fatalf("available before the restart = %d, want 2", got)
			}
			first.Kill()

			writeFile(t, dir, "products.csv", teeCSV(tc.figure))
			second := newPlugin(t, cfg)
			if got := available(t, second.Catalog()); got != tc.want {
				t.Errorf("available after the restart = %d, want %d", got, tc.want)
			}
			if err := second.StockReservations().Commit(ctx, "sold"); err != nil {
				t.Errorf("a repeated Commit after the restart: %v", err)
			}
			if _, err := os.Stat(filepath.Join(dir, "products.csv.stock.json")); err != nil {
				t.Errorf("state file: %v", err)
			}
			leftovers, _ := filepath.Glob(filepath.Join(dir, ".*.tmp"))
			if len(leftovers) > 0 {
				t.Errorf("temporary files left behind: %v", leftovers)
			}
		})
	}
}

// TestStockStateRefusals checks that a state file the plugin cannot
// trust refuses the configuration instead of starting from zero sales.
func TestStockStateRefusals(t *testing.T) {
	t.Parallel()
	testCases := map[string]struct {
		state string
		want  string
	}{
		"not JSON":     {state: "{", want: "stock state"},
		"newer format": {state: `{"version": 99}`, want: "newer"},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			path := writeFile(t, dir, "products.csv", teeCSV("5"))
			writeFile(t, dir, "products.csv.stock.json", tc.state)
			p := startPlugin(t)
			err := p.Configure(context.Background(), []byte(configFor(t, map[string]any{"path": path, "reload_interval": "0s"})))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Configure = %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

// testClock is a settable clock for the stock book.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// newClockedPlugin serves the file catalog of cfg on clock.
func newClockedPlugin(t *testing.T, cfg string, clock *testClock) *acptest.Plugin {
	t.Helper()
	c := newFileCatalog(slog.New(slog.DiscardHandler))
	c.stock.now = clock.Now
	t.Cleanup(c.Close)
	return acptest.New(t, c.serveOpts(), acptest.WithConfig(cfg))
}

// TestHoldExpiry checks the hold's expiry rules: a repeated Reserve
// extends it; a lapsed hold is committed only while its units still fit,
// refused with ErrHoldLapsed otherwise; a key never held is refused with
// ErrNoSuchHold; a released lapsed key is not held again.
func TestHoldExpiry(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	start := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	reserve := func(t *testing.T, p *acptest.Plugin, key string, qty int64, until time.Time) bool {
		t.Helper()
		resp, err := p.StockReservations().Reserve(ctx, &catalog.ReserveRequest{Key: key, Lines: []catalog.StockLine{{SKU: "tee-logo", Quantity: qty}}, ExpiresAt: until})
		if err != nil {
			t.Fatalf("Reserve(%s) = %v", key, err)
		}
		return resp.Held
	}
	for name, tc := range map[string]struct {
		run func(t *testing.T, p *acptest.Plugin, clock *testClock)
	}{
		"a repeated Reserve extends the hold": {run: func(t *testing.T, p *acptest.Plugin, clock *testClock) {
			reserve(t, p, "a", 3, start.Add(time.Minute))
			reserve(t, p, "a", 3, start.Add(time.Hour))
			clock.advance(30 * time.Minute)
			if got := available(t, p.Catalog()); got != 2 {
				t.Fatalf("available past the first expiry = %d, want 2 (still held)", got)
			}
			if reserve(t, p, "b", 3, start.Add(time.Hour)) {
				t.Fatal("a second hold of 3 fitted beside the extended one")
			}
		}},
		"a lapsed hold whose units fit is sold": {run: func(t *testing.T, p *acptest.Plugin, clock *testClock) {
			reserve(t, p, "a", 3, start.Add(time.Minute))
			clock.advance(2 * time.Minute)
			if err := p.StockReservations().Commit(ctx, "a"); err != nil {
				t.Fatalf("Commit of a lapsed hold that fits = %v", err)
			}
			if got := available(t, p.Catalog()); got != 2 {
				t.Fatalf("available = %d, want 2", got)
			}
		}},
		"a lapsed hold whose units were taken is refused": {run: func(t *testing.T, p *acptest.Plugin, clock *testClock) {
			reserve(t, p, "a", 3, start.Add(time.Minute))
			clock.advance(2 * time.Minute)
			if !reserve(t, p, "b", 4, start.Add(time.Hour)) {
				t.Fatal("the lapsed hold's units did not go back")
			}
			err := p.StockReservations().Commit(ctx, "a")
			if !catalog.IsHoldLapsed(err) {
				t.Fatalf("Commit of a lapsed hold that no longer fits = %v, want ErrHoldLapsed", err)
			}
			if got := available(t, p.Catalog()); got != 1 {
				t.Fatalf("available after the refused commit = %d, want 1 (never oversold)", got)
			}
		}},
		"a key never held": {run: func(t *testing.T, p *acptest.Plugin, _ *testClock) {
			if err := p.StockReservations().Commit(ctx, "nobody"); !catalog.IsNoSuchHold(err) {
				t.Fatalf("Commit of a key never held = %v, want ErrNoSuchHold", err)
			}
		}},
		"a released lapsed key is not held again": {run: func(t *testing.T, p *acptest.Plugin, clock *testClock) {
			reserve(t, p, "a", 3, start.Add(time.Minute))
			clock.advance(2 * time.Minute)
			if err := p.StockReservations().Release(ctx, "a"); err != nil {
				t.Fatal(err)
			}
			_, err := p.StockReservations().Reserve(ctx, &catalog.ReserveRequest{Key: "a", Lines: []catalog.StockLine{{SKU: "tee-logo", Quantity: 3}}, ExpiresAt: start.Add(time.Hour)})
			if err == nil || available(t, p.Catalog()) != 5 {
				t.Fatalf("Reserve after Release = %v, available %d; want an error and 5", err, available(t, p.Catalog()))
			}
		}},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			path := writeFile(t, dir, "products.csv", teeCSV("5"))
			clock := &testClock{now: start}
			p := newClockedPlugin(t, configFor(t, map[string]any{"path": path, "reload_interval": "0s"}), clock)
			tc.run(t, p, clock)
		})
	}
}

// TestStateErrorsAreRetryable: a state file the plugin cannot read while
// it runs (a passing disk error) fails the call as retryable, so that the
// host asks again instead of giving the hold up.
func TestStateErrorsAreRetryable(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	path := writeFile(t, dir, "products.csv", teeCSV("5"))
	p := newPlugin(t, configFor(t, map[string]any{"path": path, "reload_interval": "0s"}))
	resp, err := p.StockReservations().Reserve(ctx, &catalog.ReserveRequest{Key: "a", Lines: []catalog.StockLine{{SKU: "tee-logo", Quantity: 1}}, ExpiresAt: time.Now().Add(time.Hour)})
	if err != nil || !resp.Held {
		t.Fatalf("Reserve = %+v, %v", resp, err)
	}
	state := filepath.Join(dir, "products.csv.stock.json")
	good, err := os.ReadFile(state)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, "products.csv.stock.json", "{")
	err = p.StockReservations().Commit(ctx, "a")
	var e *acp.Error
	if !errors.As(err, &e) || !e.Retryable {
		t.Fatalf("Commit with an unreadable state = %v, want a retryable error", err)
	}
	writeFile(t, dir, "products.csv.stock.json", string(good))
	if err := p.StockReservations().Commit(ctx, "a"); err != nil {
		t.Fatalf("Commit once the state reads again = %v", err)
	}
}

// TestReadOnlyCatalogWithoutStock: a catalog without stock figures in a
// folder the plugin cannot write (a Kubernetes ConfigMap) configures, and
// writes no state: the reservation calls answer "not offered".
func TestReadOnlyCatalogWithoutStock(t *testing.T) {
	t.Parallel()
	if os.Geteuid() == 0 {
		t.Log("running as root: the folder stays writable, so only the absence of the state file is checked")
	}
	dir := t.TempDir()
	path := writeFile(t, dir, "products.csv", teeCSV(""))
	if err := os.Chmod(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.Chmod(dir, 0o755) })
	p := newPlugin(t, configFor(t, map[string]any{"path": path, "reload_interval": "0s"}))
	if got := available(t, p.Catalog()); got != -1 {
		t.Errorf("available = %d, want unlimited", got)
	}
	_, err := p.StockReservations().Reserve(context.Background(), &catalog.ReserveRequest{Key: "a", Lines: []catalog.StockLine{{SKU: "tee-logo", Quantity: 1}}, ExpiresAt: time.Now().Add(time.Hour)})
	if !errors.Is(err, acp.ErrNotOffered) {
		t.Errorf("Reserve = %v, want ErrNotOffered", err)
	}
	if files, _ := filepath.Glob(filepath.Join(dir, "*.stock.json*")); len(files) > 0 {
		t.Errorf("state files written: %v", files)
	}
}

// TestStaleTempsRemoved: temporary state files a crash left are removed
// when the plugin opens the state.
func TestStaleTempsRemoved(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := writeFile(t, dir, "products.csv", teeCSV("5"))
	stale := filepath.Join(dir, ".products.csv.stock.json.12345.tmp")
	if err := os.WriteFile(stale, []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	newPlugin(t, configFor(t, map[string]any{"path": path, "reload_interval": "0s"}))
	if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("stale temporary file: %v, want removed", err)
	}
}

// TestDescribeWritesNothing: started by `acp plugins describe` (or `acp
// feed export`), the plugin checks the state file but applies no figure
// (a restock) and writes nothing, not even the lock file, and answers
// the counts the file holds; a state file it cannot read is still
// refused.
func TestDescribeWritesNothing(t *testing.T) {
	t.Parallel()
	describe := func(t *testing.T, cfg string) error {
		t.Helper()
		c := newFileCatalog(slog.New(slog.DiscardHandler))
		c.describing = func() bool { return true }
		t.Cleanup(c.Close)
		return acptest.Start(t, c.serveOpts()).Configure(context.Background(), []byte(cfg))
	}
	t.Run("a restock is not applied", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		path := writeFile(t, dir, "products.csv", teeCSV("5"))
		cfg := configFor(t, map[string]any{"path": path, "reload_interval": "0s"})
		server := newPlugin(t, cfg)
		state := filepath.Join(dir, "products.csv.stock.json")
		before, err := os.ReadFile(state)
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, dir, "products.csv", teeCSV("9"))
		if err := describe(t, cfg); err != nil {
			t.Fatalf("Configure while describing = %v", err)
		}
		after, err := os.ReadFile(state)
		if err != nil || string(after) != string(before) {
			t.Fatalf("the state file changed while describing (%v):\n%s\nwas\n%s", err, after, before)
		}
		if got := available(t, server.Catalog()); got != 5 {
			t.Errorf("the server's available = %d, want 5 (untouched)", got)
		}
	})
	t.Run("the counts as the state file holds them", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		path := writeFile(t, dir, "products.csv", teeCSV("5"))
		cfg := configFor(t, map[string]any{"path": path, "reload_interval": "0s"})
		server := newPlugin(t, cfg)
		ctx := context.Background()
		for key, qty := range map[string]int64{"sold": 1, "held": 2} {
			resp, err := server.StockReservations().Reserve(ctx, &catalog.ReserveRequest{Key: key, Lines: []catalog.StockLine{{SKU: "tee-logo", Quantity: qty}}, ExpiresAt: time.Now().Add(time.Hour)})
			if err != nil || !resp.Held {
				t.Fatalf("Reserve(%s) = %+v, %v", key, resp, err)
			}
		}
		if err := server.StockReservations().Commit(ctx, "sold"); err != nil {
			t.Fatal(err)
		}
		state := filepath.Join(dir, "products.csv.stock.json")
		before, err := os.ReadFile(state)
		if err != nil {
			t.Fatal(err)
		}
		c := newFileCatalog(slog.New(slog.DiscardHandler))
		c.describing = func() bool { return true }
		t.Cleanup(c.Close)
		described := acptest.Start(t, c.serveOpts())
		if err := described.Configure(ctx, []byte(cfg)); err != nil {
			t.Fatalf("Configure while describing = %v", err)
		}
		resp, err := described.Listing().ListProducts(ctx, &catalog.ListProductsRequest{Currency: "usd", PageSize: 10})
		if err != nil || len(resp.Products) != 1 || resp.Products[0].Variants[0].Item.Available == nil || *resp.Products[0].Variants[0].Item.Available != 2 {
			t.Fatalf("the described plugin's listing = %+v, %v; want tee-logo with 5 - 1 sold - 2 held = 2 available", resp, err)
		}
		if got := available(t, described.Catalog()); got != 2 {
			t.Errorf("the described plugin's available = %d, want 2", got)
		}
		after, err := os.ReadFile(state)
		if err != nil || string(after) != string(before) {
			t.Errorf("the state file changed while describing (%v)", err)
		}
	})
	t.Run("no state file, none written", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		path := writeFile(t, dir, "products.csv", teeCSV("5"))
		if err := describe(t, configFor(t, map[string]any{"path": path, "reload_interval": "0s"})); err != nil {
			t.Fatalf("Configure while describing = %v", err)
		}
		if files, _ := filepath.Glob(filepath.Join(dir, "*.stock.json*")); len(files) > 0 {
			t.Errorf("files written while describing: %v", files)
		}
	})
	t.Run("an unreadable state is refused", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		path := writeFile(t, dir, "products.csv", teeCSV("5"))
		writeFile(t, dir, "products.csv.stock.json", "{")
		if err := describe(t, configFor(t, map[string]any{"path": path, "reload_interval": "0s"})); err == nil {
			t.Error("Configure while describing accepted an unreadable state file")
		}
	})
}
