package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/store"
	"github.com/acp-sidecar/acp/core/store/badgerstore"
	"github.com/acp-sidecar/acp/internal/testkit"
)

// limitedCatalogPlugin writes a catalog file with 5 units of one item,
// "limited", into dir and returns the config sections that serve it with
// acp-plugin-catalog-file.
func limitedCatalogPlugin(t *testing.T, dir string) string {
	t.Helper()
	csv := filepath.Join(dir, "products.csv")
	if err := os.WriteFile(csv, []byte("sku,title,unit_price,stock,fulfillment_types\nlimited,Limited print,2500,5,digital\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf(`
capabilities:
  catalog: catalog
plugins:
  - name: catalog
    command: %s
    config:
      path: %s
      reload_interval: 0s
`, testkit.Binary(t, "acp-plugin-catalog-file"), csv)
}

// TestPluginStockHostKilled races completes for 5 units held by the
// catalog-file plugin, kills the server (SIGKILL) in the middle of the
// race, restarts it on the same store and plugin state, and has every
// agent ask again until each session is completed or refused for stock.
// The kill lands once a session is seen in complete_in_progress (its hold
// recorded in the store, the plugin not done with it), with the plugin
// stopped (SIGSTOP) first so that it settles nothing more; the store is
// checked to keep such records before the restart, so that the test
// proves recovery. No unit may be sold twice: exactly 5 sessions
// complete, the plugin sold 5 and holds nothing, and the store keeps no
// hold (none left in doubt).
func TestPluginStockHostKilled(t *testing.T) {
	t.Parallel()
	const sessions, inStock = 60, 5
	dir := t.TempDir()
	addr := freeAddr(t)
	storeDir := filepath.Join(dir, "data")
	// No rate limit: the race and the watchers below send many requests.
	text := demoConfig(t, addr, storeDir) + `
limits:
  rate_limit:
    requests_per_second: 0
` + limitedCatalogPlugin(t, dir)
	cfg := filepath.Join(dir, "acp.yaml")
	if err := os.WriteFile(cfg, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	srv := &crashServer{bin: buildACP(t), dir: dir, cfg: cfg, addr: addr}
	t.Cleanup(srv.kill)
	if err := srv.start(t); err != nil {
		t.Fatalf("start: %v\n%s", err, srv.logTail())
	}
	client := &http.Client{Timeout: 20 * time.Second}
	post := func(path, key, body string) (int, []byte, error) {
		req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, srv.base()+path, strings.NewReader(body))
		if err != nil {
			return 0, nil, err
		}
		req.Header.Set("Authorization", "Bearer "+crashAgentToken)
		req.Header.Set("API-Version", crashAPIVersion)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", key)
		resp, err := client.Do(req)
		if err != nil {
			return 0, nil, err
		}
		defer resp.Body.Close()
		data, err := io.ReadAll(resp.Body)
		return resp.StatusCode, data, err
	}
	ids := make([]string, sessions)
	for i := range ids {
		status, body, err := post("/checkout_sessions", fmt.Sprintf("create-%d", i), `{"line_items":[{"id":"limited"}],"currency":"usd","capabilities":{}}`)
		if err != nil || status != http.StatusCreated || crashJSONField(body, "status") != "ready_for_payment" {
			t.Fatalf("create %d: %d %v %s\n%s", i, status, err, body, srv.logTail())
		}
		ids[i] = crashJSONField(body, "id")
	}
	const completeDemo = `{"payment_data":{"handler_id":"sandbox_card","instrument":{"type":"card","credential":{"type":"spt","token":"spt_demo"}}}}`
	get := func(id string) string {
		req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, srv.base()+"/checkout_sessions/"+id, nil)
		if err != nil {
			return ""
		}
		req.Header.Set("Authorization", "Bearer "+crashAgentToken)
		req.Header.Set("API-Version", crashAPIVersion)
		resp, err := client.Do(req)
		if err != nil {
			return ""
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		return crashJSONField(data, "status")
	}
	// final records each session's final answer: "completed" or
	// "refused"; a session without one is asked again.
	final := make([]string, sessions)
	var mu sync.Mutex
	complete := func(i, round int) {
		status, body, err := post("/checkout_sessions/"+ids[i]+"/complete", fmt.Sprintf("complete-%d-%d", i, round), completeDemo)
		if err != nil || status == http.StatusServiceUnavailable {
			return // cut off by the kill, or the plugin not back yet
		}
		mu.Lock()
		defer mu.Unlock()
		switch st := crashJSONField(body, "status"); {
		case status == http.StatusOK && st == "completed":
			final[i] = "completed"
		case status == http.StatusOK && st == "not_ready_for_payment" &&
			(strings.Contains(string(body), `"code":"out_of_stock"`) || strings.Contains(string(body), `"code":"low_stock"`)):
			final[i] = "refused"
		case status == http.StatusBadRequest && strings.Contains(string(body), "not ready for payment"):
			// Refused for stock by an earlier answer that was cut off.
			final[i] = "refused"
		case status >= 500:
			t.Errorf("complete %d: %d\n%s", i, status, body)
		default:
			// Completed by an earlier answer that was cut off: a new
			// complete is refused, and the session says so.
			if get(ids[i]) == "completed" {
				final[i] = "completed"
			}
		}
	}
	children := childPIDs(srv.pid())
	if len(children) != 1 {
		t.Fatalf("the server runs %d plugin processes, want 1", len(children))
	}
	// A session in complete_in_progress has its hold recorded (in the
	// same transaction) and not yet settled: the plugin, which
	// serializes its durable writes, keeps most of the racing sessions
	// there for a while. Every session is watched from before the race
	// starts; the first seen there stops the plugin (it settles nothing
	// more) and kills the server.
	seen := make(chan struct{})
	var seenOnce sync.Once
	watching, stopWatching := context.WithCancel(context.Background())
	var watchers sync.WaitGroup
	for _, id := range ids {
		watchers.Go(func() {
			for watching.Err() == nil {
				if get(id) == "complete_in_progress" {
					seenOnce.Do(func() { close(seen) })
					return
				}
			}
		})
	}
	var wg sync.WaitGroup
	for i := range ids {
		wg.Go(func() { complete(i, 0) })
	}
	raced := make(chan struct{})
	go func() { wg.Wait(); close(raced) }()
	select {
	case <-seen:
	case <-raced:
		// Every complete was answered before one was seen in progress.
		stopWatching()
		watchers.Wait()
		t.Fatal("no session was seen in complete_in_progress during the race: the kill would not prove recovery")
	}
	stopWatching()
	if err := syscall.Kill(children[0], syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	srv.kill()
	// The plugin runs again, with its host gone: it must exit.
	_ = syscall.Kill(children[0], syscall.SIGCONT)
	waitGone(t, children)
	wg.Wait()
	watchers.Wait()
	// What the killed server left: holds in doubt, for the restarted one
	// to resolve.
	func() {
		st, err := badgerstore.Open(badgerstore.Options{Dir: storeDir})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		var left []*model.Reservation
		if err := st.View(context.Background(), func(r store.Reader) error {
			left, err = r.Reservations("", 1000)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		states := map[model.HoldState]int{}
		for _, h := range left {
			states[h.State]++
		}
		if len(left) == 0 {
			t.Fatal("the killed server left no hold to resolve: the test would not prove recovery")
		}
		t.Logf("the killed server left holds to resolve: %v", states)
	}()
	answered := 0
	for _, f := range final {
		if f != "" {
			answered++
		}
	}
	if err := srv.start(t); err != nil {
		t.Fatalf("restart: %v\n%s", err, srv.logTail())
	}
	t.Logf("%d of %d completes answered before the kill and the restart", answered, sessions)
	for round := 1; ; round++ {
		var open []int
		for i, f := range final {
			if f == "" {
				open = append(open, i)
			}
		}
		if len(open) == 0 {
			break
		}
		if round == 100 {
			t.Fatalf("%d sessions without a final answer after %d rounds\n%s", len(open), round, srv.logTail())
		}
		for _, i := range open {
			wg.Go(func() { complete(i, round) })
		}
		wg.Wait()
		time.Sleep(50 * time.Millisecond)
	}
	if logs := srv.logTail(); strings.Contains(logs, "resolved the catalog plugin's stock holds") {
		t.Logf("the restarted server resolved holds left by the killed one")
	}
	completed := 0
	for _, f := range final {
		if f == "completed" {
			completed++
		}
	}
	// A graceful stop, so that the store can be opened here.
	srv.stop(t)
	if completed != inStock {
		t.Errorf("completed %d sessions, want %d", completed, inStock)
	}
	data, err := os.ReadFile(filepath.Join(dir, "products.csv.stock.json"))
	if err != nil {
		t.Fatal(err)
	}
	var state struct {
		SKUs map[string]struct {
			OnHand int64 `json:"on_hand"`
			Sold   int64 `json:"sold"`
		} `json:"skus"`
		Holds map[string]struct {
			State string `json:"state"`
		} `json:"holds"`
	}
	if err := json.Unmarshal(data, &state); err != nil {
		t.Fatal(err)
	}
	if got := state.SKUs["limited"]; got.Sold != inStock || got.OnHand != 0 {
		t.Errorf("the plugin's count of limited: %+v, want %d sold and 0 on hand", got, inStock)
	}
	for key, h := range state.Holds {
		if h.State == "held" {
			t.Errorf("the plugin still holds %s", key)
		}
	}
	st, err := badgerstore.Open(badgerstore.Options{Dir: storeDir})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var holds []*model.Reservation
	if err := st.View(context.Background(), func(r store.Reader) error {
		holds, err = r.Reservations("", 1000)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	for _, h := range holds {
		t.Errorf("hold left in the store: %+v", h)
	}
}

// pid is the running server's process id.
func (s *crashServer) pid() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cmd.Process.Pid
}

// childPIDs lists the processes whose parent is pid.
func childPIDs(pid int) []int {
	var out []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		child, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...
		fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
		if len(fields) > 1 && fields[1] == strconv.Itoa(pid) {
			out = append(out, child)
		}
	}
	return out
}

// waitGone waits for the processes to exit after their parent was
// killed: a plugin must not outlive its host. One still running after
// 5 seconds fails the test and is killed.
func waitGone(t *testing.T, pids []int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for _, pid := range pids {
		for syscall.Kill(pid, 0) == nil && !zombie(pid) {
			if time.Now().After(deadline) {
				t.Errorf("process %d outlived the killed server", pid)
				_ = syscall.Kill(pid, syscall.SIGKILL)
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

// zombie reports whether pid has exited and waits to be reaped.
func zombie(pid int) bool {
	stat, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return true
	}
	fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
	return len(fields) > 0 && fields[0] == "Z"
}
