package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/config"
	"github.com/acp-sidecar/acp/core/host"
	"github.com/acp-sidecar/acp/internal/loadgen"
	"github.com/acp-sidecar/acp/internal/logging"
)

// loadTestToken is the demo agent's local-only token.
const loadTestToken = "demo-agent-local-token"

// startLoadServer starts the real server in-process, as serve does, on a
// copy of the demo acp.yaml with its store in a temporary directory and
// its per-agent rate limit lifted (a load test is one agent sending as
// fast as it can). It returns the base URL; the server stops when the
// test ends.
func startLoadServer(t *testing.T) string {
	t.Helper()
	// Mugs are stock-controlled: enough of them for every run's orders.
	yaml := demoConfig(t, "127.0.0.1:0", t.TempDir(), "stock: 100\n", "stock: 100000000\n")
	if strings.Contains(yaml, "\nlimits:") {
		t.Fatal("the demo config changed: update startLoadServer")
	}
	yaml += "\nlimits:\n  rate_limit:\n    requests_per_second: 0\n"
	cfg, err := config.Load(writeFile(t, "acp.yaml", yaml), host.ConfigOptions("127.0.0.1:0"))
	if err != nil {
		t.Fatalf("load the config: %v", err)
	}
	h, err := host.New(cfg, logging.New(io.Discard, slog.LevelWarn), func(string) string { return "" })
	if err != nil {
		t.Fatalf("host.New() = %v", err)
	}
	ln, err := h.Listen()
	if err != nil {
		_ = h.Close()
		t.Fatalf("Listen() = %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve() = %v", err)
		}
	})
	return "http://" + ln.Addr().String()
}

// checkClean fails unless rep recorded want requests, none of them
// errors, on every endpoint of the mix.
func checkClean(t *testing.T, rep *loadgen.Report, want int64, endpoints ...loadgen.Endpoint) {
	t.Helper()
	if rep.Total.Count != want || rep.Total.Errors != 0 || rep.Total.TransportErrors != 0 || rep.Interrupted {
		t.Errorf("total = %+v (interrupted %v), want %d requests without errors", rep.Total, rep.Interrupted, want)
	}
	for _, ep := range endpoints {
		if s := rep.Endpoints[ep]; s == nil || s.OK == 0 || s.Latency.P50 > s.Latency.Max {
			t.Errorf("endpoint %s = %+v, want answered requests", ep, s)
		}
	}
}

// TestLoadAgainstServer plays the default mix against the real server,
// through the library and through "acp load run".
func TestLoadAgainstServer(t *testing.T) {
	t.Parallel()
	base := startLoadServer(t)
	getenv := func(name string) string {
		if name == "LOAD_TEST_TOKEN" {
			return loadTestToken
		}
		return ""
	}

	t.Run("library", func(t *testing.T) {
		t.Parallel()
		rep, err := loadgen.Run(context.Background(), loadgen.Config{Target: base, Token: loadTestToken, Requests: 300, Concurrency: 4})
		if err != nil {
			t.Fatal(err)
		}
		checkClean(t, rep, 300, loadgen.Endpoints...)
		if full := rep.Flows[loadgen.FlowFull]; full == nil || full.Completed == 0 || full.Failed != 0 {
			t.Errorf("full flows = %+v, want completed checkouts and no failure", full)
		}
	})

	t.Run("table and JSON file", func(t *testing.T) {
		t.Parallel()
		path := filepath.Join(t.TempDir(), "report.json")
		var stdout, stderr bytes.Buffer
		code := run([]string{"load", "run", "--target", base, "--token-env", "LOAD_TEST_TOKEN", "--requests", "200", "--concurrency", "4",
			"--option", "express", "--json", path}, &stdout, &stderr, getenv)
		if code != 0 {
			t.Fatalf("acp load run = %d\nstdout: %s\nstderr: %s", code, stdout.String(), stderr.String())
		}
		for _, want := range []string{"Target    " + base + " (API 2026-04-17)", "stopped at the request count", "ENDPOINT", "P99 ms",
			"\ncreate ", "\nupdate ", "\ncomplete ", "\ncancel ", "\ncreate_replay ", "\nget ", "\ntotal ", "FLOW", "\nfull ", "nearest rank"} {
			if !strings.Contains(stdout.String(), want) {
				t.Errorf("the table lacks %q:\n%s", want, stdout.String())
			}
		}
		if strings.Contains(stdout.String(), "\nERRORS") {
			t.Errorf("the table shows errors:\n%s", stdout.String())
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var rep loadgen.Report
		if err := json.Unmarshal(data, &rep); err != nil {
			t.Fatalf("the --json file does not parse: %v\n%s", err, data)
		}
		checkClean(t, &rep, 200, loadgen.EndpointCreate, loadgen.EndpointUpdate, loadgen.EndpointComplete)
		if rep.Target != base || rep.StopReason != loadgen.StopRequests || rep.Mix != loadgen.DefaultMix.String() {
			t.Errorf("report header = %q %q %q", rep.Target, rep.StopReason, rep.Mix)
		}
	})

	t.Run("JSON on stdout, 2026-01-30, fixed rate", func(t *testing.T) {
		t.Parallel()
		var stdout, stderr bytes.Buffer
		code := run([]string{"load", "run", "--target", base, "--token", loadTestToken, "--api-version", "2026-01-30", "--mix", "full=1,read=1",
			"--rate", "300", "--requests", "60", "--duration", "1m", "--json", "-"}, &stdout, &stderr, getenv)
		if code != 0 {
			t.Fatalf("acp load run = %d\nstdout: %s\nstderr: %s", code, stdout.String(), stderr.String())
		}
		var rep loadgen.Report
		if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
			t.Fatalf("stdout is not the JSON report: %v\n%s", err, stdout.String())
		}
		checkClean(t, &rep, 60, loadgen.EndpointCreate, loadgen.EndpointComplete, loadgen.EndpointGet)
		if rep.APIVersion != "2026-01-30" || rep.Schedule == nil || rep.Schedule.TargetRate != 300 || rep.Schedule.Sent != 60 {
			t.Errorf("version %q, schedule %+v", rep.APIVersion, rep.Schedule)
		}
	})
}

func TestLoadUsageErrors(t *testing.T) {
	t.Parallel()
	testCases := map[string]struct {
		args       []string
		wantCode   int
		wantStdout string
		wantStderr string
	}{
		"no subcommand":     {[]string{"load"}, 2, "", "acp load run --target URL"},
		"help":              {[]string{"load", "help"}, 0, "acp load baseline [--listen ADDR]", ""},
		"unknown":           {[]string{"load", "storm"}, 2, "", `unknown command "storm"`},
		"run help":          {[]string{"load", "run", "-h"}, 0, "open loop", ""},
		"no target":         {[]string{"load", "run", "--requests", "5"}, 2, "", "target: a base URL such as http://127.0.0.1:8080 is required"},
		"no bound":          {[]string{"load", "run", "--target", "http://127.0.0.1:1"}, 2, "", "set a duration, a number of requests or both"},
		"older version":     {[]string{"load", "run", "--target", "http://127.0.0.1:1", "--requests", "5", "--api-version", "2025-12-12"}, 2, "", "speaks 2026-04-17 and 2026-01-30 only"},
		"bad mix":           {[]string{"load", "run", "--target", "http://127.0.0.1:1", "--requests", "5", "--mix", "browse=1"}, 2, "", `unknown flow "browse"`},
		"bad items":         {[]string{"load", "run", "--target", "http://127.0.0.1:1", "--requests", "5", "--items", "mug:0"}, 2, "", "quantity"},
		"too long":          {[]string{"load", "run", "--target", "http://127.0.0.1:1", "--duration", "2h"}, 2, "", "at most 1h0m0s"},
		"too many":          {[]string{"load", "run", "--target", "http://127.0.0.1:1", "--requests", "20000000"}, 2, "", "at most 10000000"},
		"bad address":       {[]string{"load", "run", "--target", "http://127.0.0.1:1", "--requests", "5", "--address", "Main St"}, 2, "", "address"},
		"bad target":        {[]string{"load", "run", "--target", "127.0.0.1:8080", "--requests", "5"}, 2, "", "want an http or https base URL"},
		"extra argument":    {[]string{"load", "run", "--target", "http://127.0.0.1:1", "--requests", "5", "now"}, 2, "", `unexpected argument "now"`},
		"baseline argument": {[]string{"load", "baseline", "now"}, 2, "", `unexpected argument "now"`},
		"baseline help":     {[]string{"load", "baseline", "-h"}, 0, "ceiling", ""},
		"baseline listen":   {[]string{"load", "baseline", "--listen", "256.0.0.1:0"}, 1, "", "listen on 256.0.0.1:0"},
		"listed in usage":   {[]string{"help"}, 0, "acp load run|baseline", ""},
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

// TestLoadBaseline starts "acp load baseline", reads the address from its
// first line, measures it with "acp load run --mix create=1" and stops it.
func TestLoadBaseline(t *testing.T) {
	t.Parallel()
	pr, pw := io.Pipe()
	defer pr.Close()
	var stderr bytes.Buffer
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	exit := make(chan int, 1)
	go func() {
		code := serveBaseline(ctx, []string{"--listen", "127.0.0.1:0"}, cli{stdout: pw, stderr: &stderr, getenv: func(string) string { return "" }})
		pw.Close()
		exit <- code
	}()
	lines := bufio.NewReader(pr)
	first, err := lines.ReadString('\n')
	if err != nil {
		cancel()
		t.Fatalf("no first line: %v (exit %d, stderr %s)", err, <-exit, stderr.String())
	}
	go func() { _, _ = io.Copy(io.Discard, lines) }()
	m := regexp.MustCompile(`^listening on (http://127\.0\.0\.1:[0-9]+)\n$`).FindStringSubmatch(first)
	if m == nil {
		t.Fatalf("first line = %q, want listening on http://127.0.0.1:PORT", first)
	}

	code, stdout, errOut := runCLI("load", "run", "--target", m[1], "--mix", "create=1", "--requests", "100", "--concurrency", "2", "--json", "-")
	var rep loadgen.Report
	if err := json.Unmarshal([]byte(stdout), &rep); code != 0 || err != nil || !strings.Contains(errOut, "no Authorization header") {
		t.Errorf("acp load run against the baseline = %d (%v)\nstdout: %s\nstderr: %s", code, err, stdout, errOut)
	}
	checkClean(t, &rep, 100, loadgen.EndpointCreate)
	if len(rep.Endpoints) != 1 {
		t.Errorf("endpoints = %v, want create only", rep.Endpoints)
	}

	cancel()
	select {
	case code := <-exit:
		if code != 0 {
			t.Errorf("acp load baseline exited %d: %s", code, stderr.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("acp load baseline did not stop when its context ended")
	}
}

// TestBaselineIsARealCreate checks that the baseline answers what the
// demo store answers to the same create, within a quarter of its size:
// the baseline is the floor of serving that answer, not of a smaller one.
func TestBaselineIsARealCreate(t *testing.T) {
	t.Parallel()
	base := startLoadServer(t)
	cfg, err := loadgen.Config{Target: base, Requests: 1}.WithDefaults()
	if err != nil {
		t.Fatal(err)
	}
	body, err := cfg.CreateBody()
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, base+"/checkout_sessions", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for name, value := range map[string]string{"Authorization": "Bearer " + loadTestToken, "API-Version": cfg.APIVersion,
		"Content-Type": "application/json", "Idempotency-Key": "baseline-size-1", "Request-Id": "req-1"} {
		req.Header.Set(name, value)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("create = %d %s, %v", resp.StatusCode, answer, err)
	}
	var got, want struct{ Status string }
	if err := json.Unmarshal(loadgen.BaselineSession, &got); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(answer, &want); err != nil {
		t.Fatal(err)
	}
	if n, m := len(loadgen.BaselineSession), len(answer); 4*n < 3*m || 4*n > 5*m || got.Status != want.Status {
		t.Errorf("the baseline answers %d bytes in status %q, the demo store %d bytes in status %q: regenerate internal/loadgen/baseline_session.json from the demo store's answer",
			n, got.Status, m, want.Status)
	}
}
