//go:build !unix

package testkit

// lock does nothing where flock is not available: concurrent test
// packages may then build the same binaries twice, each into the same
// place, which go build does atomically per file.
func lock(string) (unlock func(), err error) { return func() {}, nil }
