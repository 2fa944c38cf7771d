package badgerstore

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// trimLog hands the pages of the value-log files beyond the newest keep
// bytes (residentLog in the store) back to the kernel with
// madvise(MADV_PAGEOUT), which keeps their contents (it writes dirty pages
// back first, and Badger synced each of these files when it rotated it):
// a later read faults them in from disk again.
// MADV_PAGEOUT never loses data whatever memory it is given, so a file
// that the garbage collection unmaps meanwhile is harmless. dir is the
// store's absolute directory.
func trimLog(dir string, keep uintptr) error {
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		return fmt.Errorf("read the memory maps: %w", err)
	}
	maps, err := logMappings(f, dir)
	f.Close()
	if err != nil {
		return err
	}
	for _, m := range beyondResident(maps, keep) {
		if _, _, errno := unix.Syscall(unix.SYS_MADVISE, m.start, m.end-m.start, unix.MADV_PAGEOUT); errno != 0 {
			return fmt.Errorf("hand back the pages of value-log file %d: %w", m.fid, errno)
		}
	}
	return nil
}
