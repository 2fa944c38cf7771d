package client_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/go-hclog"

	"github.com/acp-sidecar/acp/sdk/acpplugin"
	"github.com/acp-sidecar/acp/sdk/acpplugin/client"
	"github.com/acp-sidecar/acp/sdk/catalog"
)

// pluginEnv makes the test binary serve as a plugin instead of running the
// tests, so that the tests can start it as the host starts a plugin.
const pluginEnv = "ACP_SDK_CLIENT_TEST_PLUGIN=1"

func TestMain(m *testing.M) {
	if k, v, _ := strings.Cut(pluginEnv, "="); os.Getenv(k) == v {
		acpplugin.Serve(acpplugin.ServeOpts{Name: "logger", Version: "0.0.1", Catalog: loggingCatalog{}})
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// loggingCatalog logs one line per level with acpplugin.Logger for every
// item it is asked about.
type loggingCatalog struct{}

func (loggingCatalog) ResolveItems(_ context.Context, req *catalog.ResolveItemsRequest) (*catalog.ResolveItemsResponse, error) {
	l := acpplugin.Logger()
	for _, ref := range req.Items {
		l.Debug("line-debug", "item", ref.ID)
		l.Info("line-info", "item", ref.ID, "time", "3ms")
		l.Warn("line-warn", "item", ref.ID, "msg", 5)
		l.Error("line-error", "item", ref.ID, "level", "critical")
	}
	return &catalog.ResolveItemsResponse{}, nil
}

// syncBuffer is a bytes.Buffer safe for go-plugin's stderr goroutine.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func executable(t *testing.T) string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatalf("no path to the test binary: %v", err)
	}
	return exe
}

// TestPluginLogsReachTheHost runs a real plugin process and checks that
// go-plugin's host side parses each line acpplugin.Logger writes: the line
// reaches the host logger at its own level, with its message and pairs,
// rather than as a debug line of raw text.
func TestPluginLogsReachTheHost(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts a plugin process")
	}
	var hostLog syncBuffer
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	p, err := client.Start(ctx, client.Config{
		Name: "logger", Command: executable(t), Env: []string{pluginEnv},
		Logger: hclog.New(&hclog.LoggerOptions{Output: &hostLog, Level: hclog.Trace, JSONFormat: true}),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Kill()
	if _, err := p.Catalog().ResolveItems(ctx, &catalog.ResolveItemsRequest{Items: []catalog.ItemRef{{ID: "mug", Quantity: 1}}}); err != nil {
		t.Fatal(err)
	}
	want := map[string]map[string]any{
		"line-debug": {"@level": "debug", "item": "mug"},
		"line-info":  {"@level": "info", "item": "mug", "time": "3ms"},
		"line-warn":  {"@level": "warn", "item": "mug", "msg": 5.0},
		"line-error": {"@level": "error", "item": "mug", "level": "critical"},
	}
	got := map[string]map[string]any{}
	for deadline := time.Now().Add(10 * time.Second); len(got) < len(want) && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		got = pluginLines(t, hostLog.String())
	}
	for msg, line := range got {
		// go-plugin adds the plugin's parsed @timestamp as "timestamp";
		// it is there only when the timestamp parsed.
		if _, ok := line["timestamp"]; !ok {
			t.Errorf("%s: no timestamp from the plugin in %v", msg, line)
		}
		for _, k := range []string{"timestamp", "@timestamp", "@message", "@module"} {
			delete(line, k)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("plugin lines in the host log mismatch (-want +got):\n%s\nhost log:\n%s", diff, hostLog.String())
	}
}

// pluginLines picks the host log's lines whose message starts with
// "line-", by message.
func pluginLines(t *testing.T, log string) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for _, l := range strings.Split(strings.TrimSpace(log), "\n") {
		var line map[string]any
		if err := json.Unmarshal([]byte(l), &line); err != nil {
			t.Fatalf("host log line %q: %v", l, err)
		}
		if msg, _ := line["@message"].(string); strings.HasPrefix(msg, "line-") {
			out[msg] = line
		}
	}
	return out
}

func TestStartChecksSHA256(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts a plugin process")
	}
	exe := executable(t)
	f, err := os.Open(exe)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	_, err = io.Copy(h, f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	wrong := strings.Repeat("0", len(sum))
	testCases := map[string]struct {
		sha256  string
		wantErr string
		wantIs  error
	}{
		"matching sum":  {sha256: sum},
		"no sum":        {sha256: ""},
		"uppercase sum": {sha256: strings.ToUpper(sum)},
		"other sum":     {sha256: wrong, wantErr: `plugin "logger"`, wantIs: client.ErrChecksum},
		"not hex":       {sha256: "xyz", wantErr: `plugin "logger": sha256 "xyz" is not hex`},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			p, err := client.Start(ctx, client.Config{Name: "logger", Command: exe, Env: []string{pluginEnv}, SHA256: tc.sha256})
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("Start() = %v", err)
				}
				defer p.Kill()
				if p.Info.Name != "logger" || p.Info.Version != "0.0.1" || !p.Info.Serves(acpplugin.CapabilityCatalog) {
					t.Errorf("Info = %+v", p.Info)
				}
				return
			}
			if err == nil {
				p.Kill()
				t.Fatalf("Start() = nil, want an error containing %q", tc.wantErr)
			}
			if !strings.Contains(err.Error(), tc.wantErr) || tc.wantIs != nil && !errors.Is(err, tc.wantIs) {
				t.Errorf("Start() = %v, want an error containing %q (is %v)", err, tc.wantErr, tc.wantIs)
			}
		})
	}
}

// The plugin's socket is in a directory only this user can enter, removed
// when the plugin is killed.
func TestSocketDirectoryIsPrivate(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a plugin process")
	}
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	p, err := client.Start(ctx, client.Config{Name: "logger", Command: executable(t), Env: []string{pluginEnv}})
	if err != nil {
		t.Fatal(err)
	}
	dirs, err := filepath.Glob(filepath.Join(tmp, "acp-plugin-*"))
	if err != nil || len(dirs) != 1 {
		p.Kill()
		t.Fatalf("socket directories = %v, %v; want one", dirs, err)
	}
	info, err := os.Stat(dirs[0])
	if err != nil || info.Mode().Perm() != 0o700 {
		t.Errorf("socket directory mode = %v, %v; want 0700", info.Mode(), err)
	}
	sockets, _ := os.ReadDir(dirs[0])
	if len(sockets) != 1 || sockets[0].Type()&os.ModeSocket == 0 {
		t.Errorf("socket directory holds %v, want the plugin's socket", sockets)
	}
	p.Kill()
	if _, err := os.Stat(dirs[0]); !os.IsNotExist(err) {
		t.Errorf("socket directory still there after Kill: %v", err)
	}
}
