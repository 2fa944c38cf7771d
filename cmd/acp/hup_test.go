package main

import (
	"crypto/tls"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
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
	waitForServer(t, "http://"+addr, logs)

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

// TestServeReloadsTLSOnSIGHUP runs the real binary with TLS, replaces the
// certificate, sends SIGHUP and expects the reload logged and the new
// certificate served.
func TestServeReloadsTLSOnSIGHUP(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	certFile, keyFile := writeCert(t, dir, "server", time.Now().Add(-time.Hour))
	addr := freeAddr(t)
	configPath := filepath.Join(dir, "acp.yaml")
	text := demoConfig(t, addr, filepath.Join(dir, "data"),
		"listen: "+addr, "listen: "+addr+"\n  tls:\n    cert_file: "+certFile+"\n    key_file: "+keyFile)
	if err := os.WriteFile(configPath, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	logs := &testkit.Buffer{}
	cmd := exec.Command(buildACP(t), "serve", "--config", configPath)
	cmd.Dir, cmd.Stderr = dir, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	served := func() string {
		c, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true}) //nolint:gosec // the test reads the presented certificate
		if err != nil {
			return ""
		}
		defer c.Close()
		return c.ConnectionState().PeerCertificates[0].SerialNumber.String()
	}
	var first string
	testkit.Eventually(t, 15*time.Second, "the server serves TLS", func() bool { first = served(); return first != "" })

	writeCert(t, dir, "server", time.Now().Add(-time.Hour))
	if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, 5*time.Second, "the SIGHUP reload is logged", func() bool {
		return strings.Contains(logs.String(), "SIGHUP: TLS certificate reloaded")
	})
	if now := served(); now == first || now == "" {
		t.Errorf("after SIGHUP: serving certificate %q, want a new one (was %q)\n%s", now, first, logs.String())
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("acp serve exited with %v\n%s", err, logs.String())
	}
}
