package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

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
