package pluginmgr

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/acp-sidecar/acp/core/internal/clocktest"
	"github.com/acp-sidecar/acp/internal/testkit"
	"github.com/acp-sidecar/acp/sdk/acpplugin"
	"github.com/acp-sidecar/acp/sdk/catalog"
)

// testPlugin is the path of the test plugin binary, built once per
// source tree (testkit.Binary).
var testPlugin string

func TestMain(m *testing.M) {
	var err error
	if testPlugin, err = testkit.BinaryPath("testplugin"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}

// spec returns a spec for the test plugin with short timings.
func spec(mods ...func(*Spec)) Spec {
	s := Spec{
		Name: "t", Command: testPlugin, Config: []byte(`{"price": 250}`), Capabilities: []string{"catalog"},
		Timeout: 2 * time.Second, StartTimeout: 20 * time.Second, HealthInterval: time.Hour,
		InitialBackoff: 50 * time.Millisecond, MaxBackoff: time.Second, CircuitFailures: 100, CircuitCooldown: time.Minute,
	}
	for _, m := range mods {
		m(&s)
	}
	return s
}

func startManager(t *testing.T, opts Options) *Manager {
	t.Helper()
	m := New(opts)
	if err := m.Start(context.Background()); err != nil {
		t.Fatalf("Start() = %v", err)
	}
	t.Cleanup(m.Close)
	return m
}

func resolve(m *Manager, ids ...string) (*catalog.ResolveItemsResponse, error) {
	req := &catalog.ResolveItemsRequest{Currency: "usd"}
	for _, id := range ids {
		req.Items = append(req.Items, catalog.ItemRef{ID: id, Quantity: 1})
	}
	return m.Catalog("t").ResolveItems(context.Background(), req)
}

// pid asks the running plugin for its process id.
func pid(t *testing.T, m *Manager) int {
	t.Helper()
	resp, err := resolve(m, "pid")
	if err != nil {
		t.Fatalf("resolve pid: %v", err)
	}
	n, err := strconv.Atoi(resp.Items[0].Title)
	if err != nil {
		t.Fatalf("pid %q: %v", resp.Items[0].Title, err)
	}
	return n
}

func TestStartAndCall(t *testing.T) {
	t.Parallel()
	m := startManager(t, Options{Plugins: []Spec{spec()}})
	resp, err := resolve(m, "mug")
	if err != nil {
		t.Fatal(err)
	}
	if got := resp.Items[0]; !got.Found || got.UnitPrice != 250 {
		t.Errorf("item = %+v, want found at the configured price 250", got)
	}
	st := m.Status()[0]
	if st.State != StateRunning || st.PID == "" || st.Info.Name != "testplugin" || st.Info.Version != "1.0.0" || st.Restarts != 0 {
		t.Errorf("status = %+v", st)
	}
}

func TestStartRefusals(t *testing.T) {
	t.Parallel()
	testCases := map[string]struct {
		spec    Spec
		wantErr []string
	}{
		"sha256 mismatch": {
			spec:    spec(func(s *Spec) { s.SHA256 = strings.Repeat("0", 64) }),
			wantErr: []string{`plugin "t"`, "sha256"},
		},
		"handshake mismatch": {
			spec:    spec(func(s *Spec) { s.Args = []string{"wrong-protocol"} }),
			wantErr: []string{`plugin "t"`, "handshake", "incompatible API version"},
		},
		"a plugin that fails before the handshake says why": {
			spec:    spec(func(s *Spec) { s.Args = []string{"fail-start"} }),
			wantErr: []string{`plugin "t"`, "cannot open products.csv"},
		},
		"not a plugin": {
			spec:    spec(func(s *Spec) { s.Command, s.Args = "/bin/sh", []string{"-c", "exit 0"} }),
			wantErr: []string{`plugin "t"`, "handshake"},
		},
		"config does not match the schema": {
			spec:    spec(func(s *Spec) { s.Config = []byte(`{"price": -1}`) }),
			wantErr: []string{`plugin "t"`, "config does not match the plugin's schema", "price"},
		},
		"unknown config key": {
			spec:    spec(func(s *Spec) { s.Config = []byte(`{"prize": 1}`) }),
			wantErr: []string{`plugin "t"`, "prize"},
		},
		"capability not served": {
			spec:    spec(func(s *Spec) { s.Capabilities = []string{"catalog", "tax"} }),
			wantErr: []string{`plugin "t"`, "does not serve the tax capability"},
		},
		"missing binary": {
			spec:    spec(func(s *Spec) { s.Command = filepath.Join(t.TempDir(), "absent") }),
			wantErr: []string{`plugin "t"`},
		},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			m := New(Options{Plugins: []Spec{tc.spec}})
			defer m.Close()
			err := m.Start(context.Background())
			if err == nil {
				t.Fatal("Start() succeeded")
			}
			for _, want := range tc.wantErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("Start() = %q, want it to mention %q", err, want)
				}
			}
		})
	}
	t.Run("sha256 check passes with the right sum", func(t *testing.T) {
		t.Parallel()
		m := startManager(t, Options{Plugins: []Spec{spec(func(s *Spec) { s.SHA256 = fileSHA256(t, testPlugin) })}})
		if _, err := resolve(m, "mug"); err != nil {
			t.Fatal(err)
		}
	})
}

// The host's environment never reaches a plugin: only the variables the
// spec lists, and the host's process id (acpplugin.EnvHostPID), by which
// the plugin tells its host is gone.
func TestEnvironment(t *testing.T) {
	t.Setenv("ACP_PLUGINMGR_TEST_HOST_ONLY", "secret")
	m := startManager(t, Options{Plugins: []Spec{spec(func(s *Spec) { s.Env = []string{"ACP_PLUGINMGR_TEST_ALLOWED=yes"} })}})
	resp, err := resolve(m, "env:ACP_PLUGINMGR_TEST_HOST_ONLY", "env:ACP_PLUGINMGR_TEST_ALLOWED", "env:PATH", "env:HOME", "env:"+acpplugin.EnvHostPID)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []struct {
		found bool
		value string
	}{{false, ""}, {true, "yes"}, {false, ""}, {false, ""}, {true, strconv.Itoa(os.Getpid())}} {
		if got := resp.Items[i]; got.Found != want.found || got.Title != want.value {
			t.Errorf("%s: found=%v value=%q, want found=%v value=%q", got.ID, got.Found, got.Title, want.found, want.value)
		}
	}
}

// A killed plugin is restarted by the next calls, which share one
// restart; OnStart hears of the first start and of the restart, before
// the calls waiting for it go on.
func TestKilledPluginRestarts(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var starts []string
	m := startManager(t, Options{Plugins: []Spec{spec()}, OnStart: func(plugin string) {
		mu.Lock()
		defer mu.Unlock()
		starts = append(starts, plugin)
	}})
	started := func() []string {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(starts)
	}
	if got := started(); !slices.Equal(got, []string{"t"}) {
		t.Fatalf("OnStart after Start heard %v, want [t]", got)
	}
	first := pid(t, m)
	if err := syscall.Kill(first, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	// Idempotent calls restart the plugin and retry once: concurrent
	// callers share one restart.
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 20 {
		wg.Go(func() {
			if _, err := resolve(m, "mug"); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("call after kill: %v", err)
	}
	if second := pid(t, m); second == first {
		t.Errorf("pid after restart = %d, the killed process", second)
	}
	if st := m.Status()[0]; st.Restarts != 1 || st.State != StateRunning {
		t.Errorf("status = %+v, want running after exactly one restart", st)
	}
	if got := started(); !slices.Equal(got, []string{"t", "t"}) {
		t.Errorf("OnStart heard %v, want [t t]: the start and the one restart", got)
	}
}

func TestCrashMidCall(t *testing.T) {
	t.Parallel()
	m := startManager(t, Options{Plugins: []Spec{spec()}})
	_, err := resolve(m, "crash")
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("call that crashes the plugin twice = %v, want ErrUnavailable", err)
	}
	if _, err := resolve(m, "mug"); err != nil {
		t.Fatalf("call after crash: %v", err)
	}
	if st := m.Status()[0]; st.Restarts != 2 {
		t.Errorf("restarts = %d, want 2 (the crash, then its retry's crash)", st.Restarts)
	}
}

func TestHangingCallTimesOut(t *testing.T) {
	t.Parallel()
	const timeout = 300 * time.Millisecond
	m := startManager(t, Options{Plugins: []Spec{spec(func(s *Spec) { s.Timeout = timeout })}})
	began := time.Now()
	_, err := resolve(m, "hang")
	elapsed := time.Since(began)
	if status.Code(err) != codes.DeadlineExceeded {
		t.Errorf("hanging call = %v, want a deadline error", err)
	}
	if elapsed < timeout || elapsed > 10*timeout {
		t.Errorf("hanging call returned after %s, want about its %s deadline", elapsed, timeout)
	}
	if _, err := resolve(m, "mug"); err != nil {
		t.Errorf("call after a hang: %v", err)
	}
}

func TestCircuitBreaker(t *testing.T) {
	t.Parallel()
	clock := clocktest.New(time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC))
	m := startManager(t, Options{Now: clock.Now, Plugins: []Spec{spec(func(s *Spec) {
		s.CircuitFailures, s.CircuitCooldown = 2, time.Minute
	})}})
	for i := range 2 {
		if _, err := resolve(m, "fail"); err == nil || errors.Is(err, ErrUnavailable) {
			t.Fatalf("failing call %d = %v, want the plugin's failure", i, err)
		}
	}
	_, err := resolve(m, "mug")
	if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "circuit open") {
		t.Fatalf("call with the circuit open = %v, want ErrUnavailable (circuit open)", err)
	}
	if st := m.Status()[0]; st.State != StateCircuitOpen {
		t.Errorf("state = %s, want circuit_open", st.State)
	}
	clock.Advance(time.Minute + time.Second)
	if _, err := resolve(m, "mug"); err != nil {
		t.Fatalf("trial call after the cool-down = %v", err)
	}
	if st := m.Status()[0]; st.State != StateRunning {
		t.Errorf("state = %s, want running once a call succeeds", st.State)
	}
}

// A refusal is an answer: it does not count towards opening the circuit.
func TestRefusalsDoNotOpenTheCircuit(t *testing.T) {
	t.Parallel()
	m := startManager(t, Options{Plugins: []Spec{spec(func(s *Spec) { s.CircuitFailures = 2 })}})
	for range 5 {
		if _, err := resolve(m, "refuse"); err == nil || errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "backend refused") {
			t.Fatalf("refused call = %v, want the plugin's refusal", err)
		}
	}
	if _, err := resolve(m, "mug"); err != nil {
		t.Errorf("call after refusals = %v, want it through", err)
	}
}

// After the cool-down one trial call goes through; the others fail fast
// until it settles.
func TestCircuitLetsOneTrialCallThrough(t *testing.T) {
	t.Parallel()
	clock := clocktest.New(time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC))
	m := startManager(t, Options{Now: clock.Now, Plugins: []Spec{spec(func(s *Spec) {
		s.CircuitFailures, s.CircuitCooldown, s.Timeout = 1, time.Minute, 2*time.Second
	})}})
	if _, err := resolve(m, "fail"); err == nil {
		t.Fatal("failing call succeeded")
	}
	clock.Advance(2 * time.Minute)
	trial := make(chan error, 1)
	go func() {
		_, err := resolve(m, "hang")
		trial <- err
	}()
	sup := m.byName["t"]
	testkit.Eventually(t, 10*time.Second, "the plugin state", func() bool {
		sup.mu.Lock()
		defer sup.mu.Unlock()
		return sup.trial
	})
	began := time.Now()
	_, err := resolve(m, "mug")
	if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "trial call is in flight") {
		t.Errorf("call during the trial = %v, want a fast ErrUnavailable", err)
	}
	if elapsed := time.Since(began); elapsed > time.Second {
		t.Errorf("call during the trial took %s, want it to fail at once", elapsed)
	}
	if err := <-trial; err == nil {
		t.Error("the hanging trial call succeeded")
	}
}

// Close waits for a start in progress and leaves no process or socket
// directory behind, also when a call races Start.
func TestCloseLeavesNothingBehind(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	testCases := map[string]func(m *Manager){
		"close during a slow start": func(m *Manager) {
			go func() { _, _ = resolve(m, "mug") }()
			testkit.Eventually(t, 10*time.Second, "the plugin state", func() bool {
				sup := m.byName["t"]
				sup.mu.Lock()
				defer sup.mu.Unlock()
				return sup.starting != nil
			})
		},
		"a call racing Start": func(m *Manager) {
			go func() { _, _ = resolve(m, "mug") }()
			_ = m.Start(context.Background())
		},
	}
	for name, prepare := range testCases {
		t.Run(name, func(t *testing.T) {
			m := New(Options{Plugins: []Spec{spec(func(s *Spec) { s.Args = []string{"slow-start"} })}})
			prepare(m)
			m.Close()
			if dirs, _ := filepath.Glob(filepath.Join(tmp, "acp-plugin-*")); len(dirs) != 0 {
				t.Errorf("socket directories left after Close: %v", dirs)
			}
		})
	}
}

// waitFor polls cond for up to ten seconds.
func TestBackoffWhileStartFails(t *testing.T) {
	t.Parallel()
	clock := clocktest.New(time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC))
	binary := filepath.Join(t.TempDir(), "plugin")
	copyFile(t, testPlugin, binary)
	m := startManager(t, Options{Now: clock.Now, Plugins: []Spec{spec(func(s *Spec) {
		s.Command, s.InitialBackoff, s.MaxBackoff = binary, time.Second, time.Minute
	})}})
	first := pid(t, m)
	// The binary is replaced by one that cannot start, then the plugin dies.
	if err := os.WriteFile(binary+".new", []byte("#!/bin/sh\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(binary+".new", binary); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(first, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if _, err := resolve(m, "mug"); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("call while the plugin cannot start = %v, want ErrUnavailable", err)
	}
	_, err := resolve(m, "mug")
	if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "restarting in") {
		t.Fatalf("call during the back-off = %v, want an immediate ErrUnavailable naming the back-off", err)
	}
	if st := m.Status()[0]; st.State != StateDown || st.Message == "" {
		t.Errorf("status = %+v, want down with the start failure", st)
	}
	copyFile(t, testPlugin, binary)
	clock.Advance(2 * time.Second)
	if _, err := resolve(m, "mug"); err != nil {
		t.Fatalf("call after the binary is back and the back-off passed: %v", err)
	}
}

// A plugin's log lines reach the host's log at their own level, with
// their attributes and the plugin's name.
func TestPluginLogsReachTheHost(t *testing.T) {
	t.Parallel()
	var buf testkit.Buffer
	logger := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo}))
	startManager(t, Options{Logger: logger, Plugins: []Spec{spec()}})
	// stderr is relayed asynchronously.
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		for _, line := range strings.Split(buf.String(), "\n") {
			var entry map[string]any
			if json.Unmarshal([]byte(line), &entry) != nil || entry["msg"] != "configured" {
				continue
			}
			if entry["level"] != "WARN" || entry["plugin"] != "t" || entry["price"] != float64(250) {
				t.Errorf("relayed line = %v, want level WARN, plugin t, price 250", entry)
			}
			return
		}
	}
	t.Errorf("the plugin's warning is not in the host's log:\n%s", buf.String())
}

func TestHealth(t *testing.T) {
	t.Parallel()
	m := startManager(t, Options{Plugins: []Spec{
		spec(func(s *Spec) { s.Config = []byte(`{"unhealthy": true}`) }),
	}})
	st := m.Status()[0]
	if st.State != StateUnhealthy || st.Message != "backend unreachable" || st.Ready() {
		t.Errorf("status = %+v, want unhealthy with the plugin's message", st)
	}
}

func TestCloseStopsPlugins(t *testing.T) {
	t.Parallel()
	m := New(Options{Plugins: []Spec{spec()}})
	if err := m.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	p := pid(t, m)
	m.Close()
	if _, err := resolve(m, "mug"); !errors.Is(err, ErrClosed) {
		t.Errorf("call after Close = %v, want ErrClosed", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for syscall.Kill(p, 0) == nil {
		if time.Now().After(deadline) {
			t.Fatalf("plugin process %d still runs after Close", p)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func fileSHA256(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to+".tmp", data, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(to+".tmp", to); err != nil {
		t.Fatal(err)
	}
}
