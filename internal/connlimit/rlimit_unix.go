//go:build unix

package connlimit

import "syscall"

// DescriptorLimit returns the process's soft limit on open files
// (RLIMIT_NOFILE), which the Go runtime raises to the hard limit at
// start; 0 when it cannot be read or is unlimited.
func DescriptorLimit() uint64 {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return 0
	}
	// RLIM_INFINITY is all ones, whether Cur is signed or not.
	if cur := uint64(rl.Cur); cur != ^uint64(0) {
		return cur
	}
	return 0
}
