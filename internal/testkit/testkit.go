// Package testkit holds what the host module's tests share: the binaries
// they run (the acp command, the first-party plugins, the test plugin),
// built once per source tree for every package and every run; a
// goroutine-safe buffer for log output; polling until a condition
// holds; an MCP client session with a bearer token; walking decoded
// JSON; a testing.TB recording the errors of checks under test; and
// fresh EC keys as JWKs.
package testkit

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"
)

// Buffer is a bytes.Buffer safe for concurrent writers, such as a logger
// and a plugin's stderr goroutine.
type Buffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends p.
func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns everything written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Eventually polls cond every few milliseconds until it holds, and fails
// the test, naming what, when it does not within timeout.
func Eventually(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for wait := time.Millisecond; !cond(); wait = min(2*wait, 50*time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, timeout)
		}
		time.Sleep(wait)
	}
}

// Recorder is a testing.TB that records errors instead of failing, for
// testing checks that report through a testing.TB.
type Recorder struct {
	testing.TB
	failed bool
	msg    string
}

// Helper does nothing: the recorder is no test of its own.
func (r *Recorder) Helper() {}

// Errorf records an error.
func (r *Recorder) Errorf(format string, _ ...any) {
	r.failed = true
	r.msg += strings.TrimSpace(format) + " "
}

// Failed reports whether an error was recorded.
func (r *Recorder) Failed() bool { return r.failed }

// Messages returns the formats of the errors recorded.
func (r *Recorder) Messages() string { return r.msg }
