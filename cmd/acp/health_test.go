package main

import (
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestHealthProbe runs the real server on the demo config and probes it
// with acp health: 0 while it serves (live and ready), 1 once it stopped,
// 2 for a URL that is not one.
func TestHealthProbe(t *testing.T) {
	t.Parallel()
	cmd, addr, logs := startDemo(t)

	url := "http://" + addr
	deadline := time.Now().Add(15 * time.Second)
	for {
		code, _, _ := runCLI("health", "--url", url, "--timeout", "1s")
		if code == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the probe never passed:\n%s", logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if code, stdout, stderr := runCLI("health", "--url", url, "--ready"); code != 0 || !strings.Contains(stdout, "/readyz: 200 OK") {
		t.Errorf("ready probe of a healthy server: exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("acp serve: %v\n%s", err, logs.String())
	}
	if code, _, stderr := runCLI("health", "--url", url, "--timeout", "1s"); code != 1 || !strings.Contains(stderr, "connection refused") {
		t.Errorf("probe of a stopped server: exit %d, stderr %q; want 1 and the reason", code, stderr)
	}
	if code, _, _ := runCLI("health", "--url", "ftp://x"); code != 2 {
		t.Errorf("probe of a non-HTTP URL: exit %d, want 2", code)
	}
}
