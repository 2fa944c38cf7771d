package badgerstore

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// residentLog is how much of the value log, newest files first, the store
// leaves mapped in memory. Badger reads and writes its value-log files
// through memory maps that it keeps for as long as a file exists, so every
// page written or read stays in the process's resident set (as file
// cache, which the kernel reclaims only under memory pressure) and the
// resident set grows with the store: 100,000 sessions left 360 MB of them.
// The newest files hold what the checkouts under way read back (a session
// is read by its update and its complete, seconds to minutes after its
// create); older ones are read rarely, so their pages are handed back to
// the kernel (trimLog) and read from disk again when asked for.
const residentLog = 64 << 20

// logMapping is one value-log file's memory map, as /proc/self/maps lists
// it.
type logMapping struct {
	fid        int
	start, end uintptr
}

// logMappings reads the memory maps of the value-log files in dir from a
// /proc/<pid>/maps listing, newest file first. dir must be absolute and
// clean, as the listing's paths are.
func logMappings(maps io.Reader, dir string) ([]logMapping, error) {
	var out []logMapping
	sc := bufio.NewScanner(maps)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		line := sc.Bytes()
		slash := bytes.IndexByte(line, '/')
		if slash < 0 {
			continue
		}
		// A file deleted since (a value-log file the garbage collection
		// replaced) shows as "<path> (deleted)" and fails the suffix test.
		path := string(line[slash:])
		name, ok := strings.CutSuffix(filepath.Base(path), ".vlog")
		if !ok || filepath.Dir(path) != dir {
			continue
		}
		fid, err := strconv.Atoi(name)
		if err != nil {
			continue
		}
		addrs, _, _ := bytes.Cut(line, []byte{' '})
		from, to, ok := bytes.Cut(addrs, []byte{'-'})
		if !ok {
			return nil, fmt.Errorf("unreadable mapping %q", line)
		}
		start, err1 := strconv.ParseUint(string(from), 16, 64)
		end, err2 := strconv.ParseUint(string(to), 16, 64)
		if err1 != nil || err2 != nil || end <= start {
			return nil, fmt.Errorf("unreadable mapping %q", line)
		}
		out = append(out, logMapping{fid: fid, start: uintptr(start), end: uintptr(end)})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read the memory maps: %w", err)
	}
	slices.SortStableFunc(out, func(a, b logMapping) int { return b.fid - a.fid })
	return out, nil
}

// beyondResident is the mappings past the first keep bytes, newest first:
// those whose pages trimLog hands back. The newest file, the one Badger
// writes to (whose mapping Badger resizes when it rotates the file), is
// always kept.
func beyondResident(maps []logMapping, keep uintptr) []logMapping {
	var kept uintptr
	for i, m := range maps {
		kept += m.end - m.start
		if i > 0 && kept > keep {
			return maps[i:]
		}
	}
	return nil
}
