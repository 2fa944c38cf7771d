package stock

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/core/apierr"
	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/store"
	"github.com/acp-sidecar/acp/core/store/badgerstore"
)

func figure(n int64) *int64 { return &n }

// openStore opens an in-memory store, closed when the test ends.
func openStore(t *testing.T) *badgerstore.Store {
	t.Helper()
	st, err := badgerstore.Open(badgerstore.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

// TestSync walks acp.yaml's figures through the starts of a server: the
// first figure is on hand; sales count against it; the same figure again
// keeps the counts; a new figure is a restock from then on; no figure (or
// no item) ends stock control; held units stay held throughout.
func TestSync(t *testing.T) {
	t.Parallel()
	st := openStore(t)
	ctx := context.Background()
	start := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	sell := func(sku string, n int64) {
		t.Helper()
		err := st.UpdateStock(ctx, []string{sku}, func(tx store.Tx) error {
			if ok, _, err := tx.ReserveStock(sku, n); err != nil || !ok {
				return errors.Join(err, errors.New("not reserved"))
			}
			return tx.SellStock(sku, n)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	hold := func(sku string, n int64) {
		t.Helper()
		if err := st.UpdateStock(ctx, []string{sku}, func(tx store.Tx) error { _, _, err := tx.ReserveStock(sku, n); return err }); err != nil {
			t.Fatal(err)
		}
	}
	steps := []struct {
		name   string
		before func()
		items  []FileItem
		want   map[string]model.StockLevel // OnHand, Reserved, Sold, FileFigure, SetAt
	}{
		{"first start", nil, []FileItem{{"mug", figure(50)}, {"tee", figure(5)}, {"ebook", nil}},
			map[string]model.StockLevel{"mug": {OnHand: 50, FileFigure: figure(50)}, "tee": {OnHand: 5, FileFigure: figure(5)}}},
		{"same figures after sales", func() { sell("mug", 8); hold("tee", 2) }, []FileItem{{"mug", figure(50)}, {"tee", figure(5)}},
			map[string]model.StockLevel{"mug": {OnHand: 42, Sold: 8, FileFigure: figure(50)}, "tee": {OnHand: 5, Reserved: 2, FileFigure: figure(5)}}},
		{"restock by the file", nil, []FileItem{{"mug", figure(60)}, {"tee", figure(5)}},
			map[string]model.StockLevel{"mug": {OnHand: 60, FileFigure: figure(60)}, "tee": {OnHand: 5, Reserved: 2, FileFigure: figure(5)}}},
		{"figure removed, item removed", nil, []FileItem{{"mug", nil}},
			map[string]model.StockLevel{}},
		{"figure back", nil, []FileItem{{"tee", figure(3)}},
			map[string]model.StockLevel{"tee": {OnHand: 3, FileFigure: figure(3)}}},
	}
	for i, step := range steps {
		if step.before != nil {
			step.before()
		}
		now := start.Add(time.Duration(i) * time.Hour)
		if err := Sync(ctx, st, step.items, now); err != nil {
			t.Fatalf("%s: Sync: %v", step.name, err)
		}
		levels, err := Levels(ctx, st)
		if err != nil {
			t.Fatal(err)
		}
		if len(levels) != len(step.want) {
			t.Fatalf("%s: %d levels, want %d", step.name, len(levels), len(step.want))
		}
		for _, l := range levels {
			w, ok := step.want[l.SKU]
			if !ok || l.OnHand != w.OnHand || l.Reserved != w.Reserved || l.Sold != w.Sold || *l.FileFigure != *w.FileFigure {
				t.Fatalf("%s: level %+v (file figure %d), want %+v", step.name, l, *l.FileFigure, w)
			}
		}
	}
}

// TestSetAndAdjust: set and adjust keep on hand at or above what is held,
// and refuse a SKU that is not stock-controlled.
// TestSyncFloorsAtReserved: a new figure never puts fewer units on hand
// than running attempts hold; the figure itself is recorded as applied.
func TestSyncFloorsAtReserved(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	start := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name       string
		reserved   int64
		figure     int64
		wantOnHand int64
	}{
		{"below the held units", 3, 1, 3},
		{"zero with units held", 3, 0, 3},
		{"equal to the held units", 3, 3, 3},
		{"above the held units", 3, 10, 10},
		{"nothing held", 0, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st := openStore(t)
			if err := Sync(ctx, st, []FileItem{{"tee", figure(5)}}, start); err != nil {
				t.Fatal(err)
			}
			if tc.reserved > 0 {
				err := st.UpdateStock(ctx, []string{"tee"}, func(tx store.Tx) error {
					if ok, _, err := tx.ReserveStock("tee", tc.reserved); err != nil || !ok {
						return errors.Join(err, errors.New("not reserved"))
					}
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
			}
			if err := Sync(ctx, st, []FileItem{{"tee", figure(tc.figure)}}, start.Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
			l, err := Level(ctx, st, "tee")
			if err != nil {
				t.Fatal(err)
			}
			if l.OnHand != tc.wantOnHand || l.Reserved != tc.reserved || l.OnHand < l.Reserved || l.FileFigure == nil || *l.FileFigure != tc.figure {
				t.Errorf("level = on hand %d, reserved %d, file figure %v; want on hand %d, reserved %d, figure %d",
					l.OnHand, l.Reserved, l.FileFigure, tc.wantOnHand, tc.reserved, tc.figure)
			}
		})
	}
}

func TestSetAndAdjust(t *testing.T) {
	t.Parallel()
	st := openStore(t)
	ctx := context.Background()
	now := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	if err := Sync(ctx, st, []FileItem{{"tee", figure(5)}}, now); err != nil {
		t.Fatal(err)
	}
	if err := st.UpdateStock(ctx, []string{"tee"}, func(tx store.Tx) error { _, _, err := tx.ReserveStock("tee", 2); return err }); err != nil {
		t.Fatal(err)
	}
	testCases := []struct {
		name       string
		change     func() (*model.StockLevel, error)
		wantStatus int
		wantOnHand int64
	}{
		{"set", func() (*model.StockLevel, error) { return Set(ctx, st, "tee", 9, now) }, 0, 9},
		{"adjust down", func() (*model.StockLevel, error) { return Adjust(ctx, st, "tee", -4, now) }, 0, 5},
		{"adjust up", func() (*model.StockLevel, error) { return Adjust(ctx, st, "tee", 1, now) }, 0, 6},
		{"set below the held units", func() (*model.StockLevel, error) { return Set(ctx, st, "tee", 1, now) }, http.StatusConflict, 6},
		{"adjust below zero", func() (*model.StockLevel, error) { return Adjust(ctx, st, "tee", -7, now) }, http.StatusBadRequest, 6},
		{"set negative", func() (*model.StockLevel, error) { return Set(ctx, st, "tee", -1, now) }, http.StatusBadRequest, 6},
		{"unknown SKU", func() (*model.StockLevel, error) { return Set(ctx, st, "mug", 1, now) }, http.StatusNotFound, 6},
	}
	for _, tc := range testCases {
		l, err := tc.change()
		var ae *apierr.Error
		switch {
		case tc.wantStatus == 0 && (err != nil || l.OnHand != tc.wantOnHand || l.Reserved != 2):
			t.Fatalf("%s: %+v, %v; want on hand %d", tc.name, l, err, tc.wantOnHand)
		case tc.wantStatus != 0 && (!errors.As(err, &ae) || ae.Status != tc.wantStatus):
			t.Fatalf("%s: error %v, want status %d", tc.name, err, tc.wantStatus)
		}
		if got, err := Level(ctx, st, "tee"); err != nil || got.OnHand != tc.wantOnHand {
			t.Fatalf("%s: level %+v, %v; want on hand %d", tc.name, got, err, tc.wantOnHand)
		}
	}
}
