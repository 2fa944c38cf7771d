package badgerstore

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// openSmallLog opens a Badger database in a fresh directory with values in
// a value log of 1 MB files, and returns it with its resolved directory.
func openSmallLog(t *testing.T) (*badger.DB, string) {
	t.Helper()
	dir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	db, err := badger.Open(badger.DefaultOptions(dir).WithLogger(nil).WithValueThreshold(valueThreshold).
		WithValueLogFileSize(1 << 20).WithNumVersionsToKeep(1))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db, dir
}

// testValue is key i's value: 16 kB that tell whose they are.
func testValue(i int) []byte {
	return bytes.Repeat(fmt.Appendf(nil, "value %08d;", i), 1<<10)
}

// logResident is the resident size of each value-log file's memory map in
// dir, by file id, from /proc/self/smaps.
func logResident(t *testing.T, dir string) map[int]int64 {
	t.Helper()
	data, err := os.ReadFile("/proc/self/smaps")
	if err != nil {
		t.Fatal(err)
	}
	rss := map[int]int64{}
	fid := -1
	for line := range strings.SplitSeq(string(data), "\n") {
		fields := strings.Fields(line)
		switch {
		case len(fields) > 0 && strings.Contains(fields[0], "-") && !strings.HasSuffix(fields[0], ":"):
			fid = -1
			if len(fields) == 6 && filepath.Dir(fields[5]) == dir && strings.HasSuffix(fields[5], ".vlog") {
				fid, _ = strconv.Atoi(strings.TrimSuffix(filepath.Base(fields[5]), ".vlog"))
			}
		case fid >= 0 && len(fields) >= 2 && fields[0] == "Rss:":
			kb, _ := strconv.ParseInt(fields[1], 10, 64)
			rss[fid] += kb << 10
		}
	}
	return rss
}

// checkValues reads keys from..to-1 back and compares them with testValue.
func checkValues(db *badger.DB, from, to int) error {
	return db.View(func(txn *badger.Txn) error {
		for i := from; i < to; i++ {
			item, err := txn.Get(fmt.Appendf(nil, "k%06d", i))
			if err != nil {
				return fmt.Errorf("key %d: %w", i, err)
			}
			if err := item.Value(func(v []byte) error {
				if !bytes.Equal(v, testValue(i)) {
					return fmt.Errorf("key %d: its value changed", i)
				}
				return nil
			}); err != nil {
				return err
			}
		}
		return nil
	})
}

func putValues(db *badger.DB, from, to int) error {
	for i := from; i < to; i++ {
		if err := db.Update(func(txn *badger.Txn) error { return txn.Set(fmt.Appendf(nil, "k%06d", i), testValue(i)) }); err != nil {
			return fmt.Errorf("put key %d: %w", i, err)
		}
	}
	return nil
}

// trimLog hands back the pages of the older value-log files, whose values
// still read back whole afterwards, while the newest files stay resident.
func TestTrimLog(t *testing.T) {
	t.Parallel()
	db, dir := openSmallLog(t)
	const n = 512 // 8 MB of values: eight files and more
	if err := putValues(db, 0, n); err != nil {
		t.Fatal(err)
	}
	if err := checkValues(db, 0, n); err != nil {
		t.Fatal(err)
	}
	before := logResident(t, dir)
	if len(before) < 8 {
		t.Fatalf("the value log has %d files mapped; want at least 8", len(before))
	}
	newest := 0
	for fid := range before {
		newest = max(newest, fid)
	}
	var written int64
	for fid, rss := range before {
		if fid < newest-2 {
			written += rss
		}
	}
	if written == 0 {
		t.Fatalf("the older value-log files have nothing resident to trim: %v", before)
	}
	const keep = 2 << 20
	// Reclaim is the kernel's: wait for it, within a deadline.
	var after map[int]int64
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if err := trimLog(dir, keep); err != nil {
			t.Fatal(err)
		}
		after = logResident(t, dir)
		var old int64
		for fid, rss := range after {
			if fid < newest-2 {
				old += rss
			}
		}
		if old == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the older value-log files still have %d bytes resident after trimLog: %v (before: %v)", old, after, before)
		}
	}
	if after[newest] == 0 {
		t.Errorf("the newest value-log file was trimmed: %v", after)
	}
	if err := checkValues(db, 0, n); err != nil {
		t.Errorf("after trimLog: %v", err)
	}
}

// trimLog running beside writers, readers and the value-log garbage
// collection (which unmaps files) changes no value.
func TestTrimLogConcurrent(t *testing.T) {
	t.Parallel()
	db, dir := openSmallLog(t)
	if err := putValues(db, 0, 256); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	wg.Go(func() {
		for ctx.Err() == nil {
			if err := trimLog(dir, 1<<20); err != nil {
				t.Error(err)
				return
			}
		}
	})
	wg.Go(func() {
		s := &Store{db: db}
		for ctx.Err() == nil {
			if _, err := s.CollectGarbage(ctx); err != nil {
				t.Error(err)
				return
			}
		}
	})
	errs := make(chan error, 4)
	for w := range 2 {
		wg.Go(func() {
			// Each writer rewrites its own half of the keys, so that the
			// garbage collection has files to rewrite.
			for round := 0; round < 4; round++ {
				for i := w; i < 256; i += 2 {
					if err := putValues(db, i, i+1); err != nil {
						errs <- err
						return
					}
				}
			}
			errs <- nil
		})
		wg.Go(func() {
			for range 8 {
				if err := checkValues(db, 0, 256); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		})
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	cancel()
	wg.Wait()
	if err := checkValues(db, 0, 256); err != nil {
		t.Error(err)
	}
}
