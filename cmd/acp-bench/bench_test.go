package main

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime/pprof"
	"runtime/trace"
	"strings"
	"testing"
	"time"
)

func TestParseWrk(t *testing.T) {
	t.Parallel()
	const report = `Running 5s test @ http://127.0.0.1:18081
  1 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   405.12us  120.00us   5.20ms   90.00%
    Req/Sec    39.50k     1.20k   41.00k    80.00%
  Latency Distribution
     50%  380.00us
     75%  420.00us
     90%  510.00us
     99%    1.23ms
  197500 requests in 5.00s, 850.00MB read
%s
Requests/sec:  39500.12
Transfer/sec:    170.00MB
`
	testCases := map[string]struct {
		extra   string
		want    wrkResult
		wantErr bool
	}{
		"clean":  {"", wrkResult{requests: 197500, seconds: 5, rps: 39500.12, p99: 1.23}, false},
		"errors": {"  Non-2xx or 3xx responses: 12\n  Socket errors: connect 1, read 2, write 0, timeout 3", wrkResult{requests: 197500, seconds: 5, rps: 39500.12, p99: 1.23, non2xx: 12, socketErrors: 6}, false},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got, err := parseWrk([]byte(strings.Replace(report, "%s", tc.extra, 1)))
			if err != nil || got != tc.want {
				t.Errorf("parseWrk = %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
	if _, err := parseWrk([]byte("unable to connect to 127.0.0.1:1 Connection refused\n")); err == nil {
		t.Error("parseWrk of a failed run did not fail")
	}
}

func TestParseWrkDuration(t *testing.T) {
	t.Parallel()
	testCases := map[string]float64{"812.00us": 0.812, "1.23ms": 1.23, "2.00s": 2000, "1.50m": 90000}
	for in, want := range testCases {
		if got, err := parseWrkDuration(in); err != nil || math.Abs(got-want) > 1e-9 {
			t.Errorf("parseWrkDuration(%q) = %g, %v; want %g", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "ms", "1.2h", "x1s"} {
		if _, err := parseWrkDuration(bad); err == nil {
			t.Errorf("parseWrkDuration(%q) did not fail", bad)
		}
	}
}

// TestWrkScript checks that the script sends acp load's create: its
// path, body and headers, and a key unique to the run and the request.
func TestWrkScript(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, tc := range []struct{ target, token, wantPath string }{
		{"http://127.0.0.1:8080", "tok_1", `wrk.path = [==[/checkout_sessions]==]`},
		{"http://127.0.0.1:8080/acp/", "", `wrk.path = [==[/acp/checkout_sessions]==]`},
	} {
		path, err := wrkScript(dir, "s", tc.target, tc.token)
		if err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		script := string(data)
		for _, want := range []string{tc.wantPath,
			`wrk.body = [==[{"capabilities":{},"currency":"usd","line_items":[{"id":"mug-classic","quantity":2},{"id":"guide-brewing-ebook"}]}]==]`,
			`wrk.headers["API-Version"] = [==[2026-04-17]==]`, `wrk.headers["Idempotency-Key"] = prefix .. n`, `prefix = "wrk-" .. (args[1] or "")`} {
			if !strings.Contains(script, want) {
				t.Errorf("the script for %s lacks %s:\n%s", tc.target, want, script)
			}
		}
		if hasAuth := strings.Contains(script, `wrk.headers["Authorization"] = [==[Bearer `+tc.token+`]==]`); hasAuth != (tc.token != "") {
			t.Errorf("the script for token %q: Authorization header %v:\n%s", tc.token, hasAuth, script)
		}
	}
	if _, err := wrkScript(dir, "s", "http://127.0.0.1:8080/]==]", ""); err == nil {
		t.Error("a path that ends Lua's long string was accepted")
	}
}

func TestSeries(t *testing.T) {
	t.Parallel()
	testCases := map[string]struct {
		s          series
		wantMedian float64
		wantFormat string
	}{
		"odd":  {series{3, 1, 2}, 2, "2.00 [1.00–3.00]"},
		"even": {series{4, 1, 2, 3}, 2.5, "2.50 [1.00–4.00]"},
		"one":  {series{0.5}, 0.5, "0.50"},
		"none": {nil, math.NaN(), "–"},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if got := tc.s.median(); got != tc.wantMedian && !(math.IsNaN(got) && math.IsNaN(tc.wantMedian)) {
				t.Errorf("median = %g, want %g", got, tc.wantMedian)
			}
			if got := tc.s.format(2); got != tc.wantFormat {
				t.Errorf("format = %q, want %q", got, tc.wantFormat)
			}
		})
	}
	// Ratios pair the rounds: round i of one with round i of the other.
	if got := (series{10, 30, 20}).ratios(series{20, 30, 40, 99}); len(got) != 3 || got[0] != 0.5 || got[1] != 1 || got[2] != 0.5 {
		t.Errorf("ratios = %v, want [0.5 1 0.5]", got)
	}
}

func TestCheckoutRequests(t *testing.T) {
	t.Parallel()
	const metrics = `# HELP acp_http_requests_total HTTP requests served, by method, route pattern and status code.
# TYPE acp_http_requests_total counter
acp_http_requests_total{method="GET",route="/readyz",status="200"} 7
acp_http_requests_total{method="POST",route="/checkout_sessions",status="201"} 1000
acp_http_requests_total{method="POST",route="/checkout_sessions/:id/complete",status="200"} 5
acp_http_requests_total{method="POST",route="/checkout_sessions",status="429"} 2
acp_http_request_duration_seconds_count{method="POST",route="/checkout_sessions"} 1002
`
	if got, err := checkoutRequests(strings.NewReader(metrics)); err != nil || got != 1007 {
		t.Errorf("checkoutRequests = %d, %v; want 1007", got, err)
	}
	if _, err := checkoutRequests(strings.NewReader(`acp_http_requests_total{route="/checkout_sessions"} x`)); err == nil {
		t.Error("an unreadable value was accepted")
	}
}

// TestDocumentTemplate checks that the template says how the document is
// written (it is parsed when the program starts).
func TestDocumentTemplate(t *testing.T) {
	t.Parallel()
	for _, want := range []string{"{{.Figures}}", "{{.Postgres}}", "{{.Targets}}", "go run ./cmd/acp-bench -o BENCHMARKS.md", "scripts/bench-compare.sh"} {
		if !strings.Contains(documentTemplate, want) {
			t.Errorf("the template lacks %s", want)
		}
	}
}

// TestStockConfig rewrites the demo config's stock figures both ways:
// raised so that nothing sells out during a run (a sold-out item stays
// sold out), or removed so that nothing is stock-controlled.
func TestStockConfig(t *testing.T) {
	t.Parallel()
	demo, err := os.ReadFile("../../acp.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if n := len(stockLine.FindAllString(string(demo), -1)); n < 2 {
		t.Fatalf("the demo config has %d stock figures; the test needs some", n)
	}
	for _, tc := range []struct {
		name         string
		withoutStock bool
		want         []string
		wantNot      []string
	}{
		{"raised", false, []string{"stock: 1000000000", "stock: 0"}, []string{"stock: 100\n", "stock: 5\n"}},
		{"removed", true, nil, []string{"stock:"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := stockConfig(string(demo), tc.withoutStock)
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("the rewritten config lacks %q", w)
				}
			}
			for _, w := range tc.wantNot {
				if strings.Contains(got, w) {
					t.Errorf("the rewritten config still has %q", w)
				}
			}
			if strings.Count(got, "\n  - id:")+strings.Count(got, "\n      - id:") != strings.Count(string(demo), "\n  - id:")+strings.Count(string(demo), "\n      - id:") {
				t.Error("the rewrite lost items")
			}
		})
	}
}

// TestRaiseCSVStock raises the plugins store's catalog file's stock
// figures above zero, keeping comments, an empty (unlimited) or zero
// figure and quoted fields; a file without a stock column is refused.
func TestRaiseCSVStock(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, in, want string
		wantErr        bool
	}{
		{"figures", "# note, kept\nsku,title,stock\nmug,\"Mug, large\",100\ntea,Tea,\nsold,Sold out,0\n",
			"# note, kept\nsku,title,stock\nmug,\"Mug, large\",1000000000\ntea,Tea,\nsold,Sold out,0\n", false},
		{"short row", "sku,title,stock\nmug\n", "sku,title,stock\nmug\n", false},
		{"no stock column", "sku,title\nmug,Mug\n", "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := raiseCSVStock([]byte(tc.in))
			if (err != nil) != tc.wantErr || (!tc.wantErr && string(got) != tc.want) {
				t.Errorf("raiseCSVStock = %q, %v; want %q (error %v)", got, err, tc.want, tc.wantErr)
			}
		})
	}
	products, err := os.ReadFile("../../examples/plugins-store/products.csv")
	if err != nil {
		t.Fatal(err)
	}
	raised, err := raiseCSVStock(products)
	if err != nil || !strings.Contains(string(raised), ",1000000000,") {
		t.Errorf("the plugins store's catalog: no figure raised (%v)", err)
	}
}

func TestMappedKinds(t *testing.T) {
	t.Parallel()
	const smaps = `00400000-00452000 r-xp 00000000 08:02 173521 /tmp/bin/acp
Size:                328 kB
Rss:                 300 kB
7f0000000000-7f0002000000 rw-s 00000000 fd:01 1001 /tmp/data/000002.vlog
Rss:                2048 kB
Pss:                2048 kB
7f0002000000-7f0002800000 rw-s 00000000 fd:01 1002 /tmp/data/000003.vlog
Rss:                1024 kB
7f0003000000-7f0003100000 r--s 00000000 fd:01 1003 /tmp/data/000001.sst
Rss:                  64 kB
7f0004000000-7f0004100000 rw-s 00000000 fd:01 1004 /tmp/data/00001.mem
Rss:                 128 kB
c000000000-c004000000 rw-p 00000000 00:00 0
Rss:               40960 kB
7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0 [stack]
Rss:                  16 kB
`
	got := mappedKinds(smaps)
	want := map[string]int64{".vlog": 3072 << 10, ".sst": 64 << 10, ".mem": 128 << 10, "other": 300 << 10}
	if len(got) != len(want) {
		t.Errorf("mappedKinds = %v; want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("mappedKinds[%q] = %d; want %d", k, got[k], v)
		}
	}
}

func TestParseOnly(t *testing.T) {
	t.Parallel()
	testCases := map[string]struct {
		in      string
		want    []string
		wantErr bool
	}{
		"every section": {"", nil, false},
		"one":           {"startup", []string{"startup"}, false},
		"two":           {"latency,warmup", []string{"latency", "warmup"}, false},
		"unknown":       {"latency,speed", nil, true},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got, err := parseOnly(tc.in)
			if (err != nil) != tc.wantErr {
				t.Fatalf("parseOnly(%q) error %v; want an error: %v", tc.in, err, tc.wantErr)
			}
			if len(got) != len(tc.want) {
				t.Errorf("parseOnly(%q) = %v; want %v", tc.in, got, tc.want)
			}
			for _, s := range tc.want {
				if !got[s] || !(options{only: got}).wants(s) {
					t.Errorf("parseOnly(%q) lacks %q", tc.in, s)
				}
			}
		})
	}
}

// TestProfileTop: a CPU profile of busy work is summarized by go tool
// pprof, by own time then cumulatively, naming the busy function.
func TestProfileTop(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cpu.pprof")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		t.Fatal(err)
	}
	spinForProfile(300 * time.Millisecond)
	pprof.StopCPUProfile()
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	top, err := profileTop(path, "-top", "-top -cum")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(top, "flat%") != 2 || !strings.Contains(top, "spinForProfile") {
		t.Fatalf("summary:\n%s", top)
	}
	if _, err := profileTop(filepath.Join(t.TempDir(), "absent.pprof"), "-top"); err == nil {
		t.Error("an absent profile was summarized")
	}
}

// TestSyncProfile: the blocking profile of an execution trace names
// where a goroutine waited on a channel.
func TestSyncProfile(t *testing.T) {
	dir := t.TempDir()
	tracePath := filepath.Join(dir, "trace.out")
	f, err := os.Create(tracePath)
	if err != nil {
		t.Fatal(err)
	}
	if err := trace.Start(f); err != nil {
		t.Fatal(err)
	}
	waitForProfile(50 * time.Millisecond)
	trace.Stop()
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	syncPath := filepath.Join(dir, "trace.out.sync.pprof")
	if err := syncProfile(tracePath, syncPath); err != nil {
		t.Fatal(err)
	}
	top, err := profileTop(syncPath, "-top -cum")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(top, "waitForProfile") {
		t.Fatalf("summary:\n%s", top)
	}
	if err := syncProfile(filepath.Join(dir, "absent.out"), syncPath); err == nil {
		t.Error("an absent trace was read")
	}
}

// TestAllocsPath: the allocation profile is named after the CPU one.
func TestAllocsPath(t *testing.T) {
	for in, want := range map[string]string{"/tmp/cpu.pprof": "/tmp/cpu-allocs.pprof", "cpu": "cpu-allocs", "a.b/cpu.out": "a.b/cpu-allocs.out"} {
		if got := allocsPath(in); got != want {
			t.Errorf("allocsPath(%q) = %q, want %q", in, got, want)
		}
	}
}

// waitForProfile blocks on a channel that a timer closes after d, for
// TestSyncProfile's trace.
//
//go:noinline
func waitForProfile(d time.Duration) {
	done := make(chan struct{})
	time.AfterFunc(d, func() { close(done) })
	<-done
}

// spinForProfile burns CPU for d, for TestProfileTop's profile.
//
//go:noinline
func spinForProfile(d time.Duration) {
	x := uint64(1)
	for end := time.Now().Add(d); time.Now().Before(end); {
		for i := 0; i < 1000; i++ {
			x = x*6364136223846793005 + 1442695040888963407
		}
	}
	if x == 42 {
		fmt.Println(x)
	}
}
