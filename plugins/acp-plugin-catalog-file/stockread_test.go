package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/sdk/catalog"
)

// TestReadsBesideAnotherWriter: two plugin processes share one state file
// (replicas), one selling while the other answers ResolveItems from
// several callers at once. Reads without the file lock see whole states
// only, never an older one after a newer one, and the last read sees
// every sale. Run with -race.
func TestReadsBesideAnotherWriter(t *testing.T) {
	t.Parallel()
	const stock, sales, readers = 1000, 30, 4
	ctx := context.Background()
	dir := t.TempDir()
	path := writeFile(t, dir, "products.csv", teeCSV(fmt.Sprint(stock)))
	cfg := configFor(t, map[string]any{"path": path, "reload_interval": "0s"})
	seller, reader := newPlugin(t, cfg), newPlugin(t, cfg)
	done := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, readers)
	for range readers {
		wg.Go(func() {
			last := int64(stock)
			for {
				select {
				case <-done:
					return
				default:
				}
				got, err := availableOf(ctx, reader.Catalog())
				if err != nil {
					errs <- err
					return
				}
				if got > last || got < stock-sales {
					errs <- fmt.Errorf("available = %d after %d: not a whole, newer state", got, last)
					return
				}
				last = got
			}
		})
	}
	for i := range sales {
		key := fmt.Sprintf("order-%d", i)
		resp, err := seller.StockReservations().Reserve(ctx, &catalog.ReserveRequest{Key: key, Lines: []catalog.StockLine{{SKU: "tee-logo", Quantity: 1}}, ExpiresAt: time.Now().Add(time.Hour)})
		if err != nil || !resp.Held {
			t.Fatalf("Reserve(%s) = %+v, %v", key, resp, err)
		}
		if err := seller.StockReservations().Commit(ctx, key); err != nil {
			t.Fatalf("Commit(%s) = %v", key, err)
		}
	}
	close(done)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got := available(t, reader.Catalog()); got != stock-sales {
		t.Errorf("available once every sale is written = %d, want %d", got, stock-sales)
	}
}

// TestReadLapsesDueHolds: a read that finds a hold past its expiry (or a
// finished one past its keeping) lapses it and writes the state file, as
// every read did before reads went without the lock when nothing is due.
func TestReadLapsesDueHolds(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	start := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	testCases := map[string]struct {
		advances  []time.Duration // each followed by a read
		wantAvail int64
		wantState string // the hold's state in the file; "" when forgotten
	}{
		"before its expiry: still held":    {advances: []time.Duration{30 * time.Second}, wantAvail: 2, wantState: "held"},
		"past its expiry: lapsed, written": {advances: []time.Duration{2 * time.Minute}, wantAvail: 5, wantState: "lapsed"},
		"past its keeping: forgotten":      {advances: []time.Duration{2 * time.Minute, keepDone + time.Hour}, wantAvail: 5},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			path := writeFile(t, dir, "products.csv", teeCSV("5"))
			clock := &testClock{now: start}
			p := newClockedPlugin(t, configFor(t, map[string]any{"path": path, "reload_interval": "0s"}), clock)
			resp, err := p.StockReservations().Reserve(ctx, &catalog.ReserveRequest{Key: "a", Lines: []catalog.StockLine{{SKU: "tee-logo", Quantity: 3}}, ExpiresAt: start.Add(time.Minute)})
			if err != nil || !resp.Held {
				t.Fatalf("Reserve = %+v, %v", resp, err)
			}
			var got int64
			for _, d := range tc.advances {
				clock.advance(d)
				got = available(t, p.Catalog())
			}
			if got != tc.wantAvail {
				t.Errorf("available = %d, want %d", got, tc.wantAvail)
			}
			if got := holdStateOnDisk(t, filepath.Join(dir, "products.csv.stock.json"), "a"); got != tc.wantState {
				t.Errorf("the hold in the state file = %q, want %q", got, tc.wantState)
			}
		})
	}
}

// availableOf is available without a *testing.T, for other goroutines.
func availableOf(ctx context.Context, c catalog.Catalog) (int64, error) {
	resp, err := c.ResolveItems(ctx, &catalog.ResolveItemsRequest{Currency: "usd", Items: []catalog.ItemRef{{ID: "tee-logo", Quantity: 1}}})
	if err != nil {
		return 0, err
	}
	if resp.Items[0].Available == nil {
		return -1, nil
	}
	return *resp.Items[0].Available, nil
}

// holdStateOnDisk returns the state of hold key in the state file at
// path, "" when the file does not have it.
func holdStateOnDisk(t *testing.T, path, key string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		Holds map[string]struct {
			State string `json:"state"`
		} `json:"holds"`
	}
	if err := json.Unmarshal(data, &st); err != nil {
		t.Fatal(err)
	}
	return st.Holds[key].State
}
