package main

import (
	"bytes"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/acp-sidecar/acp/internal/testkit"
)

func runCLI(args ...string) (int, string, string) {
	var stdout, stderr bytes.Buffer
	code := run(args, &stdout, &stderr, func(string) string { return "" })
	return code, stdout.String(), stderr.String()
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestCommands(t *testing.T) {
	t.Parallel()
	demo, err := os.ReadFile("../../acp.yaml")
	if err != nil {
		t.Fatalf("read demo config: %v", err)
	}
	broken := writeFile(t, "broken.yaml", strings.Replace(string(demo), "merchant:", "merchant:\n  colour: blue", 1))
	public := writeFile(t, "public.yaml", strings.Replace(string(demo), "listen: 127.0.0.1:8080", "listen: 0.0.0.0:8080", 1))
	withEnvToken := writeFile(t, "env-token.yaml", strings.Replace(string(demo), "local_only_token: demo-agent-local-token", "token_env: DEMO_AGENT_TOKEN", 1))
	testCases := map[string]struct {
		args       []string
		wantCode   int
		wantStdout string
		wantStderr string
	}{
		"version":                               {[]string{"version"}, 0, "2026-04-17, 2026-01-30", ""},
		"no command":                            {nil, 2, "", "Usage:"},
		"unknown command":                       {[]string{"frobnicate"}, 2, "", `unknown command "frobnicate"`},
		"check demo":                            {[]string{"check", "--config", "../../acp.yaml"}, 0, "../../acp.yaml: ok:", ""},
		"check example":                         {[]string{"check", "--config", "../../examples/acp.example.yaml"}, 0, "ok:", ""},
		"check unknown key":                     {[]string{"check", "--config", broken}, 1, "merchant.colour", ""},
		"check missing file":                    {[]string{"check", "--config", "/nonexistent/acp.yaml"}, 1, "/nonexistent/acp.yaml", ""},
		"serve refuses":                         {[]string{"serve", "--config", broken}, 1, "", "merchant.colour"},
		"serve local token on a public address": {[]string{"serve", "--config", public}, 1, "", "local_only_token"},
		"listen flag overrides the file":        {[]string{"serve", "--config", "../../acp.yaml", "--listen", "0.0.0.0:0"}, 1, "", "local_only_token"},
		"plain HTTP on a public address":        {[]string{"serve", "--config", withEnvToken, "--listen", "0.0.0.0:0"}, 1, "", "server.tls: TLS is not configured"},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := runCLI(tc.args...)
			if code != tc.wantCode || !strings.Contains(stdout, tc.wantStdout) || !strings.Contains(stderr, tc.wantStderr) {
				t.Errorf("acp %v = %d\nstdout: %s\nstderr: %s\nwant %d, stdout containing %q, stderr containing %q",
					tc.args, code, stdout, stderr, tc.wantCode, tc.wantStdout, tc.wantStderr)
			}
		})
	}
}

// TestServeShutsDownGracefully runs the real binary on the demo config,
// serves a request, sends SIGTERM and expects a clean exit with the store
// closed.
func TestServeShutsDownGracefully(t *testing.T) {
	t.Parallel()
	cmd, addr, logs := startDemo(t)
	waitForServer(t, "http://"+addr, logs)
	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/checkout_sessions",
		strings.NewReader(`{"line_items":[{"id":"mug-classic"}],"currency":"usd","capabilities":{}}`))
	req.Header.Set("Authorization", "Bearer demo-agent-local-token")
	req.Header.Set("API-Version", "2026-04-17")
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", "k1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("create on the demo store: %v %v", resp, err)
	}
	resp.Body.Close()

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("acp serve exited with %v\n%s", err, logs.String())
	}
	for _, want := range []string{"local-only demo token", "shutting down", "store closed", `"msg":"stopped"`} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("logs lack %q:\n%s", want, logs.String())
		}
	}
	if _, err := os.Stat(filepath.Join(cmd.Dir, "data")); err != nil {
		t.Errorf("demo store directory not created: %v", err)
	}
}

// startDemo starts the real binary on the demo config, listening on a free
// loopback address, with its store in a temporary directory. It returns the
// process (killed when the test ends), the address and the log buffer.
func startDemo(t *testing.T) (*exec.Cmd, string, *testkit.Buffer) {
	t.Helper()
	bin := buildACP(t)
	config, err := filepath.Abs("../../acp.yaml")
	if err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	logs := &testkit.Buffer{}
	cmd := exec.Command(bin, "serve", "--config", config, "--listen", addr)
	cmd.Dir = t.TempDir() // the demo's store.dir (./data) lands in the temp dir
	cmd.Stderr = logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	return cmd, addr, logs
}
