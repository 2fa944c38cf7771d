//go:build unix

package main

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// tryLock reports whether another open file description of path can take
// the lock now, as another process's would.
func tryLock(t *testing.T, path string) bool {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return false
	}
	if err != nil {
		t.Fatal(err)
	}
	_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	return true
}

func TestLockFile(t *testing.T) {
	t.Parallel()
	testCases := map[string]struct {
		prepare func(t *testing.T, path string) // before the lock is taken
	}{
		"created when missing": {},
		"an existing file":     {prepare: func(t *testing.T, path string) { writeFile(t, filepath.Dir(path), filepath.Base(path), "") }},
		"replaced after an earlier lock": {prepare: func(t *testing.T, path string) {
			unlock, err := lockFile(path)
			if err != nil {
				t.Fatal(err)
			}
			unlock()
			if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
			writeFile(t, filepath.Dir(path), filepath.Base(path), "")
		}},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "stock.json.lock")
			if tc.prepare != nil {
				tc.prepare(t, path)
			}
			unlock, err := lockFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if info, err := os.Stat(path); err != nil || info.Mode().Perm()&0o077 != 0 {
				t.Errorf("lock file: %v, %v; want it only the user's", info, err)
			}
			if tryLock(t, path) {
				t.Error("another holder took the lock while it was held")
			}
			unlock()
			if !tryLock(t, path) {
				t.Error("another holder could not take the lock once released")
			}
		})
	}
}

func TestLockFileError(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "missing", "stock.json.lock")
	_, err := lockFile(path)
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("lockFile in a missing directory = %v, want a not-exist error", err)
	}
}
