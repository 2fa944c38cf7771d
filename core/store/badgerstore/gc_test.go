package badgerstore

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/dgraph-io/badger/v4"
)

// CollectGarbage runs Badger's value-log GC to the end without harming
// live data. (Which files Badger rewrites depends on discard statistics
// its compactions gather in the background, so how much space comes back
// in a short test is not deterministic, and not asserted.) The store is
// opened with small value-log files and a small value threshold so that
// the values do go to the value log.
func TestCollectGarbageKeepsLiveData(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	opts := badger.DefaultOptions(dir).WithLogger(nil).WithValueThreshold(1 << 10).WithValueLogFileSize(1 << 20).WithNumVersionsToKeep(1)
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
	defer db.Close()
	s := &Store{db: db}
	before := valueLogBytes(t, dir)
	rewritten, err := s.CollectGarbage()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("value log %d -> %d bytes, %d files rewritten", before, valueLogBytes(t, dir), rewritten)
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
