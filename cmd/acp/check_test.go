package main

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/acp-sidecar/acp/config"
	"github.com/acp-sidecar/acp/internal/testkit"
)

var update = flag.Bool("update", false, "rewrite the testdata/check/*.golden files")

// writeCert writes a self-signed certificate for 127.0.0.1 and its key as
// PEM files, valid from notBefore for a day, and returns their paths.
func writeCert(t *testing.T, dir, name string, notBefore time.Time) (certFile, keyFile string) {
	t.Helper()
	certPEM, keyPEM, _ := testkit.SelfSignedCert(t, name, notBefore, notBefore.Add(24*time.Hour))
	certFile, keyFile = filepath.Join(dir, name+"-cert.pem"), filepath.Join(dir, name+"-key.pem")
	writeAtomically(t, certFile, certPEM)
	writeAtomically(t, keyFile, keyPEM)
	return certFile, keyFile
}

// writeAtomically replaces path with data, as a deployment tool does.
func writeAtomically(t *testing.T, path string, data []byte) {
	t.Helper()
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// checkCaseDir lays out what the configs of testdata/check refer to in a
// new directory: the config with {{DIR}} replaced by the directory, the
// test plugin and a file that is not executable under bin/, a key and
// certificate, an expired one, and a file where a directory is expected.
func checkCaseDir(t *testing.T, name string) (dir, configPath string) {
	t.Helper()
	dir = t.TempDir()
	data, err := os.ReadFile(filepath.Join("testdata", "check", name+".yaml"))
	if err != nil {
		t.Fatal(err)
	}
	configPath = filepath.Join(dir, "acp.yaml")
	if err := os.WriteFile(configPath, bytes.ReplaceAll(data, []byte("{{DIR}}"), []byte(dir)), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(testkit.Binary(t, "testplugin"), filepath.Join(dir, "bin", "testplugin")); err != nil {
		t.Fatal(err)
	}
	for file, mode := range map[string]os.FileMode{"bin/not-executable": 0o644, "not-a-directory": 0o644} {
		if err := os.WriteFile(filepath.Join(dir, file), []byte("#!/bin/sh\n"), mode); err != nil {
			t.Fatal(err)
		}
	}
	cert, key := writeCert(t, dir, "server", time.Now().Add(-time.Hour))
	expiredCert, expiredKey := writeCert(t, dir, "expired", time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC))
	for from, to := range map[string]string{cert: "cert.pem", key: "key.pem", expiredCert: "expired-cert.pem", expiredKey: "expired-key.pem"} {
		if err := os.Rename(from, filepath.Join(dir, to)); err != nil {
			t.Fatal(err)
		}
	}
	return dir, configPath
}

// checkCaseEnv is the environment of each case.
var checkCaseEnv = map[string]map[string]string{
	"variables": {
		"CHECK_SIGNED_TOKEN":          "shared-token-0123456789",
		"CHECK_MERCHANT_TOKEN":        "shared-token-0123456789",
		"CHECK_SHORT_SECRET":          "too-short",
		"CHECK_STORE_KEY":             "not-hex",
		"CHECK_STRIPE_KEY":            "pk_test_publishable",
		"CHECK_STRIPE_WEBHOOK_SECRET": "not-a-signing-secret",
	},
}

// TestCheckGolden runs `acp check`, `acp check --live` and `acp serve` on
// each broken config of testdata/check and compares the whole output
// (every problem, its order, line and column, and suggestions) with
// testdata/check/<case>.golden. serve must fail before it listens, with
// the very list check --live prints.
func TestCheckGolden(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("testdata/check/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".yaml")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir, configPath := checkCaseDir(t, name)
			env := checkCaseEnv[name]
			getenv := func(k string) string { return env[k] }
			var golden strings.Builder
			var liveOut string
			for _, args := range [][]string{{"check"}, {"check", "--live"}} {
				code, stdout, stderr := runWithEnv(getenv, append(args, "--config", configPath)...)
				out := strings.ReplaceAll(stdout, dir, "{{DIR}}")
				golden.WriteString("$ acp " + strings.Join(args, " ") + "\n" + out + "exit " + strconv.Itoa(code) + "\n\n")
				if code == 2 || stderr != "" {
					t.Errorf("acp %s: exit %d, stderr %q; want no misuse and no stderr", strings.Join(args, " "), code, stderr)
				}
				liveOut = out
			}
			code, stdout, stderr := runWithEnv(getenv, "serve", "--config", configPath, "--listen", "127.0.0.1:0")
			if code != 1 || stdout != "" {
				t.Errorf("acp serve: exit %d, stdout %q; want exit 1", code, stdout)
			}
			if diff := cmp.Diff(liveOut, strings.ReplaceAll(stderr, dir, "{{DIR}}")); diff != "" {
				t.Errorf("acp serve does not fail with the list of acp check --live (-check +serve):\n%s", diff)
			}
			testkit.CompareGolden(t, filepath.Join("testdata", "check", name+".golden"), golden.String(), *update, "go test ./cmd/acp -run TestCheckGolden -update")
		})
	}
}

// runWithEnv runs the acp command in this process with the environment getenv.
func runWithEnv(getenv func(string) string, args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = run(args, &out, &errOut, getenv)
	return code, out.String(), errOut.String()
}

// TestCheckHeldStore checks that a store a running server holds is a note
// for check --live and a problem for serve, and is never opened.
func TestCheckHeldStore(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	f, err := os.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		t.Fatal(err)
	}
	cfg := &config.Config{Store: config.Store{Dir: dir}}
	for _, serving := range []bool{false, true} {
		pf := &preflight{cfg: cfg, getenv: func(string) string { return "" }, serving: serving, minFreeBytes: 1, now: time.Now}
		pf.run(context.Background())
		want := config.Problem{Path: "store.dir", Message: "another process holds the store in " + dir + ": is a server already running with this config?"}
		switch {
		case serving && (len(pf.problems) != 1 || pf.problems[0] != want):
			t.Errorf("serve: problems %v, want [%v]", pf.problems, want)
		case !serving && (len(pf.problems) != 0 || len(pf.notes) != 1 || !strings.Contains(pf.notes[0], "a running server holds the store")):
			t.Errorf("check --live: problems %v, notes %v; want one note", pf.problems, pf.notes)
		}
	}
}

// TestCheckFreeSpace checks that a store file system with too little room
// is a problem.
func TestCheckFreeSpace(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg := &config.Config{Store: config.Store{Dir: filepath.Join(dir, "data")}}
	pf := &preflight{cfg: cfg, getenv: func(string) string { return "" }, minFreeBytes: 1 << 62, now: time.Now}
	pf.run(context.Background())
	if len(pf.problems) != 1 || pf.problems[0].Path != "store.dir" || !strings.Contains(pf.problems[0].Message, "MiB free on the file system") {
		t.Errorf("problems %v, want one about free space", pf.problems)
	}
}

// TestCheckExample checks that the annotated example config passes the
// live checks once its variables are set and its plugin is built, and
// that without the variables check --live lists every one of them.
func TestCheckExample(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(testkit.Binary(t, "acp-plugin-tax-table"), filepath.Join(dir, "bin", "acp-plugin-tax-table")); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile("../../examples/acp.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// The example's store is in /var/lib/acp; this test's is its own.
	data = bytes.Replace(data, []byte("dir: /var/lib/acp"), []byte("dir: "+filepath.Join(dir, "data")), 1)
	if err := os.Mkdir(filepath.Join(dir, "examples"), 0o755); err != nil {
		t.Fatal(err)
	}
	configPath := filepath.Join(dir, "examples", "acp.yaml")
	if err := os.WriteFile(configPath, data, 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		"ACP_AGENT_SHOPPING_ASSISTANT_TOKEN":          "assistant-token-0123456789",
		"ACP_AGENT_SHOPPING_ASSISTANT_SIGNING_SECRET": "assistant-signing-secret-0123456789abcdef",
		"ACP_AGENT_SHOPPING_ASSISTANT_WEBHOOK_SECRET": "assistant-webhook-secret-0123456789",
		"ACP_AGENT_PARTNER_TOKEN":                     "partner-token-0123456789",
		"ACP_STORE_KEY":                               strings.Repeat("ab", 32),
		"STRIPE_SECRET_KEY":                           "sk_test_example",
		"STRIPE_WEBHOOK_SECRET":                       "whsec_example",
		"ACP_MERCHANT_TOKEN":                          "merchant-token-0123456789",
		"ACP_FEED_TOKEN":                              "feed-token-0123456789",
		// RFC 9421's test-key-ecc-p256 (B.1.3), as the example's key.
		"ACP_UCP_SIGNING_KEY": `{"kty":"EC","crv":"P-256","kid":"shop-2026","x":"qIVYZVLCrPZHGHjP17CTW0_-D9Lfw0EkjqF7xB4FivA",` +
			`"y":"Mc4nN9LTDOBhfoUeg8Ye9WedFRhnZXZJA12Qp0zZ6F0","d":"UpuF81l-kOxbjf7T4mNSv0r5tN67Gim7rnf6EFpcYDs"}`,
	}
	code, stdout, stderr := runWithEnv(func(k string) string { return env[k] }, "check", "--live", "--config", configPath)
	if code != 0 || !strings.Contains(stdout, "live checks passed") {
		t.Errorf("with its variables set: exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	code, stdout, _ = runWithEnv(func(string) string { return "" }, "check", "--live", "--config", configPath)
	if code != 1 {
		t.Errorf("without its variables: exit %d, want 1", code)
	}
	for name := range env {
		if !strings.Contains(stdout, "environment variable "+name+" is not set or empty") {
			t.Errorf("without its variables: %s is not reported:\n%s", name, stdout)
		}
	}
	if !strings.HasSuffix(stdout, configPath+": 10 problems\n") {
		t.Errorf("without its variables: want 10 problems, got:\n%s", stdout)
	}
}
