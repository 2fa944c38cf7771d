package host_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/config"
	"github.com/acp-sidecar/acp/core/acpwire"
	"github.com/acp-sidecar/acp/core/host"
	"github.com/acp-sidecar/acp/core/internal/clocktest"
	"github.com/acp-sidecar/acp/core/payment/sandbox"
	"github.com/acp-sidecar/acp/internal/acpschema"
	"github.com/acp-sidecar/acp/internal/logging"
	"github.com/acp-sidecar/acp/internal/testkit"
)

const (
	testToken  = "test-agent-local-token-0001"
	otherToken = "other-agent-local-token-002"
	v0417      = "2026-04-17"
	v0130      = "2026-01-30"
)

// server is a gateway running on a loopback port with a real Badger
// directory.
type server struct {
	t       testing.TB
	base    string
	cancel  context.CancelFunc
	done    chan error
	logs    *testkit.Buffer
	host    *host.Host
	stopped bool
}

// charges counts the successful charges of the sandbox handler.
func (s *server) charges(t testing.TB) int {
	t.Helper()
	for _, h := range s.host.Service.Handlers() {
		if sb, ok := h.(*sandbox.Handler); ok {
			return sb.Charges()
		}
	}
	t.Fatal("no sandbox handler configured")
	return 0
}

// newTestClock is a settable clock starting now (Badger's TTLs run on the
// real clock, so test clocks start from it).
func newTestClock() *clocktest.Clock { return clocktest.New(time.Now()) }

func loadTestConfig(t testing.TB, dir string) *config.Config {
	t.Helper()
	return loadConfig(t, "testdata/acp.test.yaml", dir)
}

// loadConfig loads a config file with its store in dir.
func loadConfig(t testing.TB, path, dir string) *config.Config {
	t.Helper()
	cfg, err := config.Load(path, host.ConfigOptions("127.0.0.1:0"))
	if err != nil {
		t.Fatalf("load test config: %v", err)
	}
	cfg.Store.Dir = dir
	return cfg
}

// startServer starts a gateway on cfg and stops it when the test ends.
func startServer(t testing.TB, cfg *config.Config, opts ...host.Option) *server {
	t.Helper()
	return startServerEnv(t, cfg, nil, opts...)
}

// startServerEnv starts a gateway whose environment is env.
func startServerEnv(t testing.TB, cfg *config.Config, env map[string]string, opts ...host.Option) *server {
	t.Helper()
	logs := &testkit.Buffer{}
	h, err := host.New(cfg, logging.New(logs, slog.LevelInfo), func(name string) string { return env[name] }, opts...)
	if err != nil {
		t.Fatalf("host.New() error = %v", err)
	}
	ln, err := h.Listen()
	if err != nil {
		t.Fatalf("Listen() error = %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &server{t: t, base: "http://" + ln.Addr().String(), cancel: cancel, done: make(chan error, 1), logs: logs, host: h}
	go func() { s.done <- h.Serve(ctx, ln) }()
	t.Cleanup(s.stop)
	return s
}

// stop shuts the server down gracefully and waits for the store to close.
func (s *server) stop() {
	if s.stopped {
		return
	}
	s.stopped = true
	// Idle keep-alive connections would hold the graceful shutdown until
	// the server's read timeout; a real client closes them too.
	http.DefaultClient.CloseIdleConnections()
	s.cancel()
	select {
	case err := <-s.done:
		if err != nil {
			s.t.Errorf("Serve() error = %v", err)
		}
	case <-time.After(20 * time.Second):
		s.t.Error("server did not stop within 20s")
	}
}

// response is one HTTP exchange's result.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("response is not a JSON object: %v\n%s", err, r.body)
	}
	return m
}

// keyCounter makes every request's default Idempotency-Key unique.
var keyCounter atomic.Int64

// request describes a call; zero fields take the defaults of an
// authenticated 2026-04-17 agent.
type request struct {
	method, path, version, token, body string
	header                             map[string]string
	noAuth, noVersion, noKey           bool
}

// do sends the request and validates any ACP body against the JSON Schema
// of the version it was served for.
func (s *server) do(t *testing.T, r request) response {
	t.Helper()
	if r.method == "" {
		r.method = http.MethodPost
	}
	if r.version == "" {
		r.version = v0417
	}
	if r.token == "" {
		r.token = testToken
	}
	var body io.Reader
	if r.body != "" {
		body = strings.NewReader(r.body)
	}
	req, err := http.NewRequest(r.method, s.base+r.path, body)
	if err != nil {
		t.Fatalf("new request: %v", err)
	}
	if !r.noAuth {
		req.Header.Set("Authorization", "Bearer "+r.token)
	}
	if !r.noVersion {
		req.Header.Set("API-Version", r.version)
	}
	if r.body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if r.method == http.MethodPost && !r.noKey {
		req.Header.Set("Idempotency-Key", fmt.Sprintf("test-key-%d", keyCounter.Add(1)))
	}
	for k, v := range r.header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", r.method, r.path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	out := response{status: resp.StatusCode, header: resp.Header, body: data}
	if strings.HasPrefix(r.path, "/checkout_sessions") {
		validate(t, r.version, r.path, out)
	}
	return out
}

// validate checks a checkout response against the schema of the version
// it was served for, by what it means: the session with its order when it
// answers a complete call that completed it, the session on any other
// 2xx, the flat Error otherwise. Error bodies for a version this build
// does not serve are checked against 2026-04-17.
func validate(t *testing.T, version, path string, r response) {
	t.Helper()
	if !slices.Contains(acpwire.Versions(), version) {
		version = v0417
	}
	v := acpschema.For(t, version)
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	answer := acpschema.ErrorAnswer
	if r.status >= 200 && r.status < 300 {
		answer = acpschema.AnySession
		if strings.HasSuffix(path, "/complete") && sessionStatus(r.body) == "completed" {
			answer = acpschema.CompletedSession
		}
	}
	v.Response(t, answer, r.body)
}

// sessionStatus returns the status member of a session body, or "".
func sessionStatus(body []byte) string {
	var s struct {
		Status string `json:"status"`
	}
	_ = json.Unmarshal(body, &s)
	return s.Status
}

func wantStatus(t *testing.T, r response, status int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status = %d, want %d\n%s", r.status, status, r.body)
	}
}

func wantError(t *testing.T, r response, status int, code, param string) {
	t.Helper()
	wantStatus(t, r, status)
	m := r.json(t)
	if m["code"] != code || (param != "" && m["param"] != param) || m["message"] == "" {
		t.Fatalf("error = %s, want code %s param %q", r.body, code, param)
	}
}

// Profiles are served only on profiling.listen, never on the API
// listener.
func TestProfiling(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	cfg := loadTestConfig(t, t.TempDir())
	cfg.Profiling.Listen = addr
	s := startServer(t, cfg)
	resp, err := http.Get("http://" + addr + "/debug/pprof/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "goroutine") {
		t.Errorf("GET /debug/pprof/ on %s = %d\n%s", addr, resp.StatusCode, body)
	}
	if r := s.do(t, request{method: http.MethodGet, path: "/debug/pprof/", noAuth: true, noVersion: true}); r.status != http.StatusNotFound {
		t.Errorf("GET /debug/pprof/ on the API listener = %d, want 404", r.status)
	}
}
