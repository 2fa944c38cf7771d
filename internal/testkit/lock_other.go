//go:build !unix

package testkit

import "os"

// lock does nothing where flock is not available: concurrent test
// packages may then build the same binaries twice, each into the same
// place, which go build does atomically per file.
func lock(string) (unlock func(), err error) { return func() {}, nil }

// lockShared only opens path where flock is not available.
func lockShared(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
}

// tryLock never succeeds where flock is not available, so that prune
// removes nothing another process may be using.
func tryLock(string) (unlock func(), ok bool, err error) { return nil, false, nil }
