package badgerstore

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/store"
)

func putLevel(t *testing.T, s *Store, l *model.StockLevel) {
	t.Helper()
	if err := s.UpdateStock(context.Background(), []string{l.SKU}, func(tx store.Tx) error { return tx.PutStockLevel(l) }); err != nil {
		t.Fatal(err)
	}
}

func readLevel(t *testing.T, s *Store, sku string) *model.StockLevel {
	t.Helper()
	var l *model.StockLevel
	if err := s.View(context.Background(), func(r store.Reader) (err error) { l, err = r.StockLevel(sku); return err }); err != nil {
		t.Fatal(err)
	}
	return l
}

// TestReserveStockRace: 300 transactions reserving one unit each of a SKU
// with 10 available, plus 300 on another SKU, at once. Each commits at
// its first try (no conflict error reaches the caller) and exactly 10 of
// each get a unit.
func TestReserveStockRace(t *testing.T) {
	t.Parallel()
	s, err := Open(Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, sku := range []string{"a", "b"} {
		putLevel(t, s, &model.StockLevel{SKU: sku, OnHand: 10})
	}
	const n = 300
	var mu sync.Mutex
	granted := map[string]int{}
	var wg sync.WaitGroup
	for i := range 2 * n {
		sku := []string{"a", "b"}[i%2]
		wg.Go(func() {
			err := s.UpdateStock(context.Background(), []string{sku}, func(tx store.Tx) error {
				ok, _, err := tx.ReserveStock(sku, 1)
				if err != nil || !ok {
					return err
				}
				mu.Lock()
				granted[sku]++
				mu.Unlock()
				return tx.PutReservation(&model.Reservation{SessionID: fmt.Sprintf("cs_%d", i), Lines: []model.ReservedLine{{SKU: sku, Quantity: 1}}})
			})
			if err != nil {
				t.Errorf("UpdateStock: %v", err)
			}
		})
	}
	wg.Wait()
	for _, sku := range []string{"a", "b"} {
		if l := readLevel(t, s, sku); granted[sku] != 10 || l.Reserved != 10 || l.Available() != 0 {
			t.Errorf("%s: granted %d, level %+v; want 10 reserved", sku, granted[sku], l)
		}
	}
	var list []*model.Reservation
	if err := s.View(context.Background(), func(r store.Reader) (err error) { list, err = r.Reservations("", 0); return err }); err != nil || len(list) != 20 {
		t.Fatalf("Reservations() = %d, %v; want 20", len(list), err)
	}
}

// TestStockCounts: reserve, sell and release move the counts as the
// contract says; a SKU without a level is not stock-controlled; stock
// changes outside an UpdateStock transaction for the SKU are refused; the
// counts and reservations survive a reopen.
func TestStockCounts(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s, err := Open(Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	putLevel(t, s, &model.StockLevel{SKU: "tee", OnHand: 5})
	steps := []struct {
		name                   string
		change                 func(tx store.Tx) error
		onHand, reserved, sold int64
	}{
		{"reserve 3", func(tx store.Tx) error { return reserve(tx, "tee", 3, true) }, 5, 3, 0},
		{"reserve 3 more: refused", func(tx store.Tx) error { return reserve(tx, "tee", 3, false) }, 5, 3, 0},
		{"sell 2", func(tx store.Tx) error { return tx.SellStock("tee", 2) }, 3, 1, 2},
		{"release 1", func(tx store.Tx) error { return tx.ReleaseStock("tee", 1) }, 3, 0, 2},
		{"reserve all 3", func(tx store.Tx) error { return reserve(tx, "tee", 3, true) }, 3, 3, 2},
	}
	for _, st := range steps {
		if err := s.UpdateStock(ctx, []string{"tee"}, st.change); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if l := readLevel(t, s, "tee"); l.OnHand != st.onHand || l.Reserved != st.reserved || l.Sold != st.sold {
			t.Fatalf("%s: level %+v, want on hand %d, reserved %d, sold %d", st.name, l, st.onHand, st.reserved, st.sold)
		}
	}
	err = s.UpdateStock(ctx, []string{"mug"}, func(tx store.Tx) error {
		if _, _, err := tx.ReserveStock("mug", 1); !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("ReserveStock of a SKU without a level: %v, want ErrNotFound", err)
		}
		return errors.Join(tx.ReleaseStock("mug", 1), tx.SellStock("mug", 1))
	})
	if err != nil {
		t.Fatal(err)
	}
	for name, change := range map[string]func(tx store.Tx) error{
		"reserve": func(tx store.Tx) error { _, _, err := tx.ReserveStock("tee", 1); return err },
		"sell":    func(tx store.Tx) error { return tx.SellStock("tee", 1) },
		"put":     func(tx store.Tx) error { return tx.PutStockLevel(&model.StockLevel{SKU: "tee"}) },
		"delete":  func(tx store.Tx) error { return tx.DeleteStockLevel("tee") },
	} {
		if err := s.Update(ctx, change); err == nil {
			t.Errorf("%s outside UpdateStock succeeded", name)
		}
		if err := s.UpdateStock(ctx, []string{"mug"}, change); err == nil {
			t.Errorf("%s in an UpdateStock for another SKU succeeded", name)
		}
	}
	held := &model.Reservation{SessionID: "cs_1", Attempt: 2, Lines: []model.ReservedLine{{SKU: "tee", Quantity: 3}},
		CreatedAt: time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC), ExpiresAt: time.Date(2026, 12, 7, 6, 0, 0, 0, time.UTC)}
	if err := s.Update(ctx, func(tx store.Tx) error { return tx.PutReservation(held) }); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s, err = Open(Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if l := readLevel(t, s, "tee"); l.OnHand != 3 || l.Reserved != 3 || l.Sold != 2 {
		t.Fatalf("level after reopen: %+v", l)
	}
	var got *model.Reservation
	if err := s.View(ctx, func(r store.Reader) (err error) { got, err = r.Reservation("cs_1"); return err }); err != nil {
		t.Fatal(err)
	}
	if got.Attempt != 2 || len(got.Lines) != 1 || got.Lines[0] != held.Lines[0] || !got.ExpiresAt.Equal(held.ExpiresAt) {
		t.Fatalf("reservation after reopen: %+v", got)
	}
	if err := s.Update(ctx, func(tx store.Tx) error { return tx.DeleteReservation("cs_1") }); err != nil {
		t.Fatal(err)
	}
	err = s.View(ctx, func(r store.Reader) error { _, err := r.Reservation("cs_1"); return err })
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("deleted reservation: %v", err)
	}
}

// reserve reserves qty of sku and checks the answer is want.
func reserve(tx store.Tx, sku string, qty int64, want bool) error {
	ok, _, err := tx.ReserveStock(sku, qty)
	if err == nil && ok != want {
		err = fmt.Errorf("ReserveStock(%s, %d) = %v, want %v", sku, qty, ok, want)
	}
	return err
}

// TestStockLevelCache: read-only transactions take a level decoded before
// from the same value, and never a stale one: a level written, deleted or
// recreated since reads as it is now; a caller changing the level it got
// changes nothing the next reader gets; and a read-write transaction
// reads its own writes, even when the cache holds the level it started
// from at the version its own writes read with.
func TestStockLevelCache(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, err := Open(Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	figure := int64(10)
	putLevel(t, s, &model.StockLevel{SKU: "mug", OnHand: 10, FileFigure: &figure})
	first := readLevel(t, s, "mug")
	first.OnHand, *first.FileFigure = 99, 99
	if again := readLevel(t, s, "mug"); again.OnHand != 10 || again.FileFigure == nil || *again.FileFigure != 10 {
		t.Fatalf("after the first reader changed its level, the next one read %+v (file figure %v)", again, again.FileFigure)
	}
	// The level is cached at the version the next transaction reads at:
	// reserving twice in one transaction must count both.
	err = s.UpdateStock(ctx, []string{"mug"}, func(tx store.Tx) error {
		for range 2 {
			if ok, _, err := tx.ReserveStock("mug", 1); err != nil || !ok {
				return fmt.Errorf("reserve: %v, %w", ok, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if l := readLevel(t, s, "mug"); l.Reserved != 2 || l.OnHand != 10 {
		t.Fatalf("after two reservations in one transaction: %+v, want 2 reserved of 10", l)
	}
	if err := s.UpdateStock(ctx, []string{"mug"}, func(tx store.Tx) error { return tx.DeleteStockLevel("mug") }); err != nil {
		t.Fatal(err)
	}
	if err := s.View(ctx, func(r store.Reader) error { _, err := r.StockLevel("mug"); return err }); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a deleted level reads %v, want ErrNotFound", err)
	}
	putLevel(t, s, &model.StockLevel{SKU: "mug", OnHand: 3})
	if l := readLevel(t, s, "mug"); l.OnHand != 3 || l.Reserved != 0 || l.FileFigure != nil {
		t.Fatalf("a level set again reads %+v, want 3 on hand", l)
	}
}

// TestStockLevelCacheConcurrently: while 8 goroutines reserve units one
// transaction at a time, 8 others read the level in read-only
// transactions, through the cache: a reader never sees the reserved
// count go down, and once the writers are done every reader sees them
// all. Run with -race, it also catches the cache's entries shared
// unsafely.
func TestStockLevelCacheConcurrently(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, err := Open(Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	putLevel(t, s, &model.StockLevel{SKU: "mug", OnHand: 1000})
	const writers, each, readers = 8, 25, 8
	var writing, reading sync.WaitGroup
	done := make(chan struct{})
	for range writers {
		writing.Go(func() {
			for range each {
				err := s.UpdateStock(ctx, []string{"mug"}, func(tx store.Tx) error {
					_, _, err := tx.ReserveStock("mug", 1)
					return err
				})
				if err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	for range readers {
		reading.Go(func() {
			seen := int64(0)
			for {
				select {
				case <-done:
					if l := readLevel(t, s, "mug"); l.Reserved != writers*each {
						t.Errorf("after the writers: %+v, want %d reserved", l, writers*each)
					}
					return
				default:
				}
				l := readLevel(t, s, "mug")
				if l.Reserved < seen {
					t.Errorf("reserved went from %d down to %d", seen, l.Reserved)
					return
				}
				seen = l.Reserved
				l.Reserved = -1 // a caller's change, which no other reader may see
			}
		})
	}
	writing.Wait()
	close(done)
	reading.Wait()
}

// TestCopyLevelCoversEveryField: copyLevel copies the one field of a
// level that holds memory of its own (FileFigure); a field added to
// model.StockLevel that holds memory (a pointer, slice or map) must be
// copied there too, and fails this test until it is listed.
func TestCopyLevelCoversEveryField(t *testing.T) {
	t.Parallel()
	copied := map[string]bool{"FileFigure": true}
	typ := reflect.TypeFor[model.StockLevel]()
	for i := range typ.NumField() {
		f := typ.Field(i)
		switch f.Type.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Map, reflect.Interface:
			if !copied[f.Name] {
				t.Errorf("model.StockLevel.%s holds memory of its own: copy it in copyLevel and list it here", f.Name)
			}
		}
	}
}
