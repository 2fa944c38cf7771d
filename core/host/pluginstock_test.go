package host_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/config"
	"github.com/acp-sidecar/acp/core/host"
	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/store"
	"github.com/acp-sidecar/acp/core/store/badgerstore"
	"github.com/acp-sidecar/acp/internal/testkit"
)

// pluginStockConfig is the test store with its catalog served by the
// acp-plugin-catalog-file process, from a file in dir holding one item,
// "limited" (a download, so a session for it is ready at once), with
// stock units in stock.
func pluginStockConfig(t *testing.T, dir string, stock int64) *config.Config {
	t.Helper()
	csv := filepath.Join(dir, "products.csv")
	data := "sku,title,unit_price,stock,fulfillment_types\nlimited,Limited print,2500," + strconv.FormatInt(stock, 10) + ",digital\n"
	if err := os.WriteFile(csv, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := loadTestConfig(t, filepath.Join(dir, "data"))
	cfg.Capabilities.Catalog = "catalog"
	cfg.Plugins = append(cfg.Plugins, config.Plugin{
		Name: "catalog", Command: testkit.Binary(t, "acp-plugin-catalog-file"),
		Config: map[string]any{"path": csv, "reload_interval": "0s"},
	})
	cfg.SetDefaults(host.ConfigOptions("127.0.0.1:0"))
	return cfg
}

// pluginState is the part of the catalog-file plugin's state file the
// tests check.
type pluginState struct {
	SKUs map[string]struct {
		OnHand int64 `json:"on_hand"`
		Sold   int64 `json:"sold"`
	} `json:"skus"`
	Holds map[string]struct {
		State string `json:"state"`
	} `json:"holds"`
}

// readPluginState reads the plugin's state file in dir.
func readPluginState(t *testing.T, dir string) pluginState {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "products.csv.stock.json"))
	if err != nil {
		t.Fatal(err)
	}
	var st pluginState
	if err := json.Unmarshal(data, &st); err != nil {
		t.Fatalf("state file: %v\n%s", err, data)
	}
	return st
}

// holdsIn counts the plugin's holds by state.
func (st pluginState) holdsIn(state string) int {
	n := 0
	for _, h := range st.Holds {
		if h.State == state {
			n++
		}
	}
	return n
}

// storedHolds opens the stopped server's store and returns its plugin
// holds.
func storedHolds(t *testing.T, cfg *config.Config) []*model.Reservation {
	t.Helper()
	st, err := badgerstore.Open(badgerstore.Options{Dir: cfg.Store.Dir})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var out []*model.Reservation
	if err := st.View(context.Background(), func(r store.Reader) error {
		out, err = r.Reservations("", 1000)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// raceOutcome sorts the answers to a race of completes.
type raceOutcome struct {
	completed, refused, unavailable int
	unavailableIDs                  []string
}

// judgeRace checks every answer: 200 completed, or 200 not ready for
// payment with one out_of_stock/low_stock message and no order; with
// allowUnavailable, 503 upstream_unavailable too (the plugin was down).
func judgeRace(t *testing.T, ids []string, results []response, allowUnavailable bool) raceOutcome {
	t.Helper()
	var out raceOutcome
	for i, r := range results {
		switch {
		case r.status == http.StatusServiceUnavailable && allowUnavailable:
			out.unavailable++
			out.unavailableIDs = append(out.unavailableIDs, ids[i])
			continue
		case r.status != http.StatusOK:
			t.Errorf("complete %d: status %d\n%s", i, r.status, r.body)
			continue
		}
		switch st := status(t, r); st {
		case "completed":
			out.completed++
		case "not_ready_for_payment":
			codes := messageCodes(t, r)
			if len(codes) != 1 || (codes[0] != "out_of_stock" && codes[0] != "low_stock") {
				t.Errorf("refused complete %d has error messages %v, want one out_of_stock or low_stock\n%s", i, codes, r.body)
			}
			if bytes.Contains(r.body, []byte(`"order"`)) {
				t.Errorf("refused complete %d has an order: %s", i, r.body)
			}
			out.refused++
		default:
			t.Errorf("complete %d: status %q\n%s", i, st, r.body)
		}
	}
	return out
}

// TestPluginStockRace: 200 completes racing for an item with 5 in stock
// held by the catalog-file plugin process. Exactly 5 complete; the other
// 195 are answered not ready for payment with an out_of_stock or
// low_stock message, never a 5xx; the sandbox charged 5 times; the plugin
// sold 5 and holds nothing; the store keeps no hold.
func TestPluginStockRace(t *testing.T) {
	t.Parallel()
	const sessions, inStock = 200, 5
	dir := t.TempDir()
	cfg := pluginStockConfig(t, dir, inStock)
	s := startServer(t, cfg)
	ids := make([]string, sessions)
	for i := range ids {
		ids[i] = readyLimited(t, s)
	}
	results := fire(t, sessions, func(i int) response {
		return s.do(t, request{path: "/checkout_sessions/" + ids[i] + "/complete", body: fmt.Sprintf(completeBody, "spt_ok")})
	})
	out := judgeRace(t, ids, results, false)
	if out.completed != inStock || out.refused != sessions-inStock {
		t.Fatalf("completed %d, refused %d; want %d and %d", out.completed, out.refused, inStock, sessions-inStock)
	}
	if got := s.charges(t); got != inStock {
		t.Fatalf("sandbox charges = %d, want %d", got, inStock)
	}
	// A new session sees the item sold out: available_quantity comes from
	// the plugin's answer. Right after the race, on a loaded machine, the
	// catalog's circuit may still be open: a 503 asks to retry, and the
	// create is retried until the plugin answers.
	r := s.do(t, request{path: "/checkout_sessions", body: limitedBody})
	for deadline := time.Now().Add(15 * time.Second); r.status == http.StatusServiceUnavailable && time.Now().Before(deadline); {
		time.Sleep(250 * time.Millisecond)
		r = s.do(t, request{path: "/checkout_sessions", body: limitedBody})
	}
	wantStatus(t, r, http.StatusCreated)
	if status(t, r) != "not_ready_for_payment" || !bytes.Contains(r.body, []byte(`"available_quantity":0`)) {
		t.Fatalf("session after the sell-out: %s", r.body)
	}
	s.stop()
	st := readPluginState(t, dir)
	if got := st.SKUs["limited"]; got.Sold != inStock || got.OnHand != 0 || st.holdsIn("held") != 0 || st.holdsIn("committed") != inStock {
		t.Fatalf("plugin state: %+v, %d held, %d committed; want %d sold, 0 on hand, none held, %d committed",
			got, st.holdsIn("held"), st.holdsIn("committed"), inStock, inStock)
	}
	if holds := storedHolds(t, cfg); len(holds) != 0 {
		t.Fatalf("the store keeps %d holds after the race, first %+v", len(holds), holds[0])
	}
}

// TestPluginStockPluginKilled: the catalog plugin process is killed
// (SIGKILL) in the middle of a race of 200 completes for 5 units. The
// host restarts it; a complete it could not answer is 503 (nothing
// charged) and completes (or is refused) when retried. In the end
// exactly 5 completed, each charged once, the plugin sold each unit
// once, and no hold is left in doubt in the store.
func TestPluginStockPluginKilled(t *testing.T) {
	t.Parallel()
	const sessions, inStock = 200, 5
	dir := t.TempDir()
	cfg := pluginStockConfig(t, dir, inStock)
	s := startServer(t, cfg)
	ids := make([]string, sessions)
	for i := range ids {
		ids[i] = readyLimited(t, s)
	}
	pid, err := strconv.Atoi(s.host.Plugins()[0].PID)
	if err != nil {
		t.Fatalf("plugin pid %q: %v", s.host.Plugins()[0].PID, err)
	}
	var sent atomic.Int64
	results := fire(t, sessions, func(i int) response {
		if sent.Add(1) == 3 {
			if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
				t.Errorf("kill the plugin: %v", err)
			}
		}
		return s.do(t, request{path: "/checkout_sessions/" + ids[i] + "/complete", body: fmt.Sprintf(completeBody, "spt_ok")})
	})
	out := judgeRace(t, ids, results, true)
	t.Logf("during the race: %d completed, %d refused, %d unavailable", out.completed, out.refused, out.unavailable)
	// The unanswered ones are asked again, as an agent would, until the
	// plugin answers them all.
	retry := out.unavailableIDs
	for round := 0; len(retry) > 0; round++ {
		if round == 50 {
			t.Fatalf("%d completes still unavailable after %d rounds", len(retry), round)
		}
		again := make([]response, len(retry))
		for i, id := range retry {
			again[i] = s.do(t, request{path: "/checkout_sessions/" + id + "/complete", body: fmt.Sprintf(completeBody, "spt_ok")})
		}
		more := judgeRace(t, retry, again, true)
		out.completed += more.completed
		out.refused += more.refused
		retry = more.unavailableIDs
		if len(retry) > 0 {
			time.Sleep(100 * time.Millisecond)
		}
	}
	if out.completed != inStock || out.refused != sessions-inStock {
		t.Fatalf("completed %d, refused %d; want %d and %d", out.completed, out.refused, inStock, sessions-inStock)
	}
	if got := s.charges(t); got != inStock {
		t.Fatalf("sandbox charges = %d, want %d", got, inStock)
	}
	if restarts := s.host.Plugins()[0].Restarts; restarts < 1 {
		t.Errorf("plugin restarts = %d, want at least 1", restarts)
	}
	// Releases the dead plugin never answered are finished by the host's
	// periodic pass (ResolvePluginHolds); run it now, as that pass would,
	// rather than wait for its interval, until it finds nothing left.
	for deadline := time.Now().Add(15 * time.Second); ; {
		n, err := s.host.Service.ResolvePluginHolds(context.Background(), 0, func(context.Context, string) (bool, error) { return true, nil })
		if err == nil && n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("plugin holds still unresolved: %d resolved in the last pass, error %v", n, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.stop()
	st := readPluginState(t, dir)
	if got := st.SKUs["limited"]; got.Sold != inStock || got.OnHand != 0 || st.holdsIn("held") != 0 {
		t.Fatalf("plugin state: %+v, %d held; want %d sold, 0 on hand, none held", got, st.holdsIn("held"), inStock)
	}
	for _, h := range storedHolds(t, cfg) {
		t.Errorf("hold left in the store: %+v", h)
	}
}
