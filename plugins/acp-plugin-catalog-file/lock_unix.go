//go:build unix

package main

import (
	"fmt"
	"os"
	"syscall"
)

// lockFile takes an exclusive advisory lock on path (created if need be),
// waiting for another process to give it up, and returns its release.
//
// Every stock read and change takes it (ResolveItems among them), so it
// works on the bare descriptor: an *os.File adds to each call an
// allocation, a finalizer and the runtime poller's attempt to register a
// regular file (fcntl and epoll_ctl calls), which took about a tenth of
// the catalog plugin's CPU samples under create load, ten times the lock
// itself. The descriptor is still opened and closed on every call, so a
// lock file removed or replaced between two calls is opened anew.
func lockFile(path string) (unlock func(), err error) {
	var fd int
	for {
		fd, err = syscall.Open(path, syscall.O_RDWR|syscall.O_CREAT|syscall.O_CLOEXEC, 0o600)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, &os.PathError{Op: "open", Path: path, Err: err})
	}
	for {
		err = syscall.Flock(fd, syscall.LOCK_EX)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		_ = syscall.Close(fd)
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return func() {
		_ = syscall.Flock(fd, syscall.LOCK_UN)
		_ = syscall.Close(fd)
	}, nil
}
