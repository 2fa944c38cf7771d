package acpschema

import (
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"syscall"
	"testing"
)

// Main runs a package's tests and returns their exit code; call it from
// TestMain (os.Exit(acpschema.Main(m))) in every package that validates.
// When schema checks were not made for want of the spec files it prints
// one line saying how many and how to get the files.
//
// `go test ./...` shows nothing a passing package prints, so the line goes
// where the go command writes its own results when that can be done
// without garbling them: on Linux, to the go command's standard output
// when that is a terminal, a pipe or a file opened for appending. Under
// -v or -json, or anywhere else, it goes to this binary's standard output.
// A cached result runs no tests and prints no line.
func Main(m *testing.M) int {
	code := m.Run()
	if n := NotMade(); n > 0 {
		w, closeW := noticeWriter()
		fmt.Fprintf(w, "acpschema: %s: %d ACP schema checks not made: the spec files are absent (%s)\n", testedPackage(), n, fetchHint)
		closeW()
	}
	return code
}

// testedPackage is the import path of the package under test.
func testedPackage() string {
	if info, ok := debug.ReadBuildInfo(); ok {
		return strings.TrimSuffix(info.Path, ".test")
	}
	return "this package"
}

// noticeWriter returns where the not-made line is seen, and how to close
// it.
func noticeWriter() (io.Writer, func()) {
	stdout := func() (io.Writer, func()) { return os.Stdout, func() {} }
	if f := flag.Lookup("test.v"); f != nil && f.Value.String() != "false" || runtime.GOOS != "linux" {
		return stdout() // -v or -json: this binary's output is shown
	}
	parent := os.Getppid()
	comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", parent))
	if err != nil || strings.TrimSpace(string(comm)) != "go" {
		return stdout()
	}
	f, err := os.OpenFile(fmt.Sprintf("/proc/%d/fd/1", parent), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return stdout()
	}
	info, err := f.Stat()
	if err != nil || info.Mode().IsRegular() && !openedForAppend(parent) {
		// The go command writes a regular file at its own offset: a
		// line appended here would be overwritten.
		f.Close()
		return stdout()
	}
	return f, func() { f.Close() }
}

// openedForAppend reports whether the process's standard output was
// opened with O_APPEND, from /proc/<pid>/fdinfo/1.
func openedForAppend(pid int) bool {
	info, err := os.ReadFile(fmt.Sprintf("/proc/%d/fdinfo/1", pid))
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(info), "\n") {
		if octal, ok := strings.CutPrefix(line, "flags:"); ok {
			var flags int
			if _, err := fmt.Sscanf(strings.TrimSpace(octal), "%o", &flags); err == nil {
				return flags&syscall.O_APPEND != 0
			}
		}
	}
	return false
}
