//go:build unix

package testkit

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// lock takes an exclusive lock on path, waiting for other processes'.
func lock(path string) (unlock func(), err error) {
	return flock(path, syscall.LOCK_EX)
}

// lockShared opens path and takes a shared lock on it, waiting for an
// exclusive one to be released; any number of processes hold it at once.
// Closing the file releases it.
func lockShared(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("testkit: lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_SH); err != nil {
		f.Close()
		return nil, &lockError{path: path, err: err}
	}
	return f, nil
}

// tryLock takes an exclusive lock on path if no process holds any lock
// on it; ok is false, and nothing is held, when one does.
func tryLock(path string) (unlock func(), ok bool, err error) {
	unlock, err = flock(path, syscall.LOCK_EX|syscall.LOCK_NB)
	if err != nil {
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, false, nil
		}
		return nil, false, err
	}
	return unlock, true, nil
}

// lockError is a failed flock, with its errno for tryLock.
type lockError struct {
	path string
	err  error
}

func (e *lockError) Error() string { return fmt.Sprintf("testkit: lock %s: %v", e.path, e.err) }
func (e *lockError) Unwrap() error { return e.err }

// flock opens path and takes how lock on it; unlock closes the file,
// which releases the lock.
func flock(path string, how int) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("testkit: lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), how); err != nil {
		f.Close()
		return nil, &lockError{path: path, err: err}
	}
	return func() { f.Close() }, nil
}
