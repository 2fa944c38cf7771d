package main

import (
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/internal/testkit"
)

// TestServeSurvivesSIGHUP runs the real binary on the demo config, which
// serves plain HTTP, sends it SIGHUP (what systemd's reload does) and
// expects it to log that there is nothing to reload, keep answering, and
// still stop cleanly on SIGTERM, surviving a SIGHUP sent while it shuts
// down.
func TestServeSurvivesSIGHUP(t *testing.T) {
	t.Parallel()
	cmd, addr, logs := startDemo(t)
	healthy := func() bool {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}
	testkit.Eventually(t, 15*time.Second, "the server answers /healthz", healthy)

	for range 2 {
		if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
			t.Fatal(err)
		}
	}
	testkit.Eventually(t, 5*time.Second, "the SIGHUP is logged", func() bool {
		return strings.Contains(logs.String(), "nothing to reload")
	})
	if !healthy() {
		t.Fatalf("the server stopped answering after SIGHUP:\n%s", logs.String())
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Process.Signal(syscall.SIGHUP)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("acp serve exited with %v after SIGHUP and SIGTERM\n%s", err, logs.String())
	}
}
