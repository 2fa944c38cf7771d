//go:build unix

package testkit

import (
	"fmt"
	"os"
	"syscall"
)

// lock takes an exclusive lock on path, waiting for other processes'.
func lock(path string) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("testkit: lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("testkit: lock %s: %w", path, err)
	}
	return func() { f.Close() }, nil
}
