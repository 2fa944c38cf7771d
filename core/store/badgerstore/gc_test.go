package badgerstore

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/dgraph-io/badger/v4"
)

// CollectGarbage gives the value log's space back and keeps live values
// whole. The values go to the value log (as in the store), in small files;
// closing with CompactL0OnClose and reopening makes Badger compact the
// deletions and record which files are mostly garbage, which a running
// store's compactions do in their own time.
func TestCollectGarbage(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	opts := badger.DefaultOptions(dir).WithLogger(nil).WithValueThreshold(valueThreshold).
		WithValueLogFileSize(1 << 20).WithNumVersionsToKeep(1).WithCompactL0OnClose(true)
	db, err := badger.Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	value := bytes.Repeat([]byte("x"), 32<<10)
	for i := range 256 {
		if err := db.Update(func(txn *badger.Txn) error { return txn.Set(fmt.Appendf(nil, "k%03d", i), value) }); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 256 {
		if i%8 == 0 {
			continue // a few survive, and must still read back whole
		}
		if err := db.Update(func(txn *badger.Txn) error { return txn.Delete(fmt.Appendf(nil, "k%03d", i)) }); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if db, err = badger.Open(opts); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s := &Store{db: db}
	before := valueLogBytes(t, dir)
	rewritten, err := s.CollectGarbage(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	after := valueLogBytes(t, dir)
	if rewritten == 0 || after >= before {
		t.Errorf("CollectGarbage rewrote %d files, value log %d -> %d bytes; want space given back", rewritten, before, after)
	}
	for i := 0; i < 256; i += 8 {
		err := db.View(func(txn *badger.Txn) error {
			item, err := txn.Get(fmt.Appendf(nil, "k%03d", i))
			if err != nil {
				return err
			}
			return item.Value(func(v []byte) error {
				if !bytes.Equal(v, value) {
					return fmt.Errorf("value changed")
				}
				return nil
			})
		})
		if err != nil {
			t.Errorf("k%03d after GC: %v", i, err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if n, err := s.CollectGarbage(ctx); n != 0 || err != nil {
		t.Errorf("CollectGarbage after its context ended = %d, %v; want 0, nil", n, err)
	}
}

// valueLogBytes is the size of the value-log files in dir.
func valueLogBytes(t *testing.T, dir string) int64 {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.vlog"))
	if err != nil {
		t.Fatal(err)
	}
	var total int64
	for _, f := range files {
		info, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		total += info.Size()
	}
	return total
}
