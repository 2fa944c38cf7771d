//go:build unix

package main

import (
	"errors"
	"io/fs"
	"os"
	"syscall"
)

// writable reports whether this process may create files in dir.
func writable(dir string) error {
	return syscall.Access(dir, 0o3) // W_OK|X_OK
}

// freeBytes is the space left for unprivileged files on dir's file system.
func freeBytes(dir string) (uint64, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, err
	}
	// The field types differ by system; both convert.
	return uint64(st.Bavail) * uint64(st.Bsize), nil
}

// storeHeld reports whether a process holds the Badger store in dir:
// Badger takes a flock on the directory itself while it has the store
// open. The lock is tried and, when free, released at once; the store is
// not opened.
func storeHeld(dir string) (bool, error) {
	f, err := os.Open(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	defer f.Close()
	err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	return false, syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
}
