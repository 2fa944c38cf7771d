//go:build !unix

package main

import "os"

// writable reports whether this process may create files in dir, by
// creating and removing one.
func writable(dir string) error {
	f, err := os.CreateTemp(dir, ".acp-check-*")
	if err != nil {
		return err
	}
	f.Close()
	return os.Remove(f.Name())
}

// freeBytes is not measured on this system.
func freeBytes(string) (uint64, error) { return ^uint64(0), nil }

// storeHeld is not detected on this system: Badger's own lock refuses a
// second server when it opens the store.
func storeHeld(string) (bool, error) { return false, nil }
