package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/core/merchantapi"
	"github.com/acp-sidecar/acp/internal/acpschema"
	"github.com/acp-sidecar/acp/internal/feedtest"
	"github.com/acp-sidecar/acp/internal/pgtest"
	"github.com/acp-sidecar/acp/internal/testkit"
)

// The feed commands' tests publish to a test Feed API (internal/feedtest),
// which validates every body it receives against the 2026-04-17 feed
// schema.
const (
	feedTokenEnv = "ACP_FEED_TEST_TOKEN"
	feedToken    = "feed-test-token-do-not-log"
	feedWait     = 20 * time.Second
)

// feedSection is a feeds section with one target, "platform", at url,
// published as feedtest.PublishingConfig says.
func feedSection(url string) string {
	return fmt.Sprintf("\nfeeds:\n  - name: platform\n    url: %s\n    token_env: %s\n    target_country: US\n", url, feedTokenEnv) + feedtest.PublishingConfig()
}

// demoIDs are the demo catalog's products, by id.
var demoIDs = []string{"beans-house-1kg", "grinder-pro", "guide-brewing-ebook", "mug-classic", "tee-logo", "tumbler-travel"}

// feedStatusJSON runs `acp feed status --json` and returns its targets.
func feedStatusJSON(t *testing.T, bin, dir, cfg string, env []string) []merchantapi.FeedTarget {
	t.Helper()
	r := runBinary(t, bin, dir, env, "feed", "status", "--json", "--config", cfg)
	if r.code != 0 {
		t.Fatalf("acp feed status --json: %s", r)
	}
	var out struct {
		Data []merchantapi.FeedTarget `json:"data"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("acp feed status --json: %v\n%s", err, r.stdout)
	}
	return out.Data
}

// acceptedTimes counts how many times the platform accepted each
// product.
func acceptedTimes(platform *feedtest.Server) map[string]int {
	out := map[string]int{}
	for _, s := range platform.Accepted() {
		out[s.ID]++
	}
	return out
}

// everyProductAccepted reports whether each of ids was accepted n times.
func everyProductAccepted(platform *feedtest.Server, ids []string, n int) bool {
	got := acceptedTimes(platform)
	return len(got) == len(ids) && !slices.ContainsFunc(ids, func(id string) bool { return got[id] != n })
}

// exported reads an export's files: metadata.json, checked as a
// FeedMetadata, and each line of the products file, checked as a
// Product.
func exported(t *testing.T, dir string, gzipped bool) (meta map[string]any, lines [][]byte) {
	t.Helper()
	v := acpschema.Feed(t, feedtest.Version)
	data, err := os.ReadFile(filepath.Join(dir, "metadata.json"))
	if err != nil {
		t.Fatal(err)
	}
	v.Def(t, "FeedMetadata", data)
	if err := json.Unmarshal(data, &meta); err != nil {
		t.Fatal(err)
	}
	name := "products.jsonl"
	if gzipped {
		name += ".gz"
	}
	f, err := os.Open(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var r io.Reader = f
	if gzipped {
		if r, err = gzip.NewReader(f); err != nil {
			t.Fatal(err)
		}
	}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := bytes.Clone(sc.Bytes())
		v.Def(t, "Product", line)
		lines = append(lines, line)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return meta, lines
}

// lineIDs returns the product ids of an export's lines, and the
// availability status of each product's first variant.
func lineIDs(t *testing.T, lines [][]byte) ([]string, map[string]string) {
	t.Helper()
	var ids []string
	status := map[string]string{}
	for _, line := range lines {
		var p struct {
			ID       string `json:"id"`
			Variants []struct {
				Availability struct {
					Status string `json:"status"`
				} `json:"availability"`
			} `json:"variants"`
		}
		if err := json.Unmarshal(line, &p); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, p.ID)
		status[p.ID] = p.Variants[0].Availability.Status
	}
	return ids, status
}

func TestRefusedCell(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		target merchantapi.FeedTarget
		want   string
	}{
		{merchantapi.FeedTarget{}, "-"},
		{merchantapi.FeedTarget{Publishing: true}, "0"},
		{merchantapi.FeedTarget{Publishing: true, Refused: 1, RefusedIDs: []string{"mug"}}, "1 (mug)"},
		{merchantapi.FeedTarget{Publishing: true, Refused: 25, RefusedIDs: []string{"a", "b", "c", "d"}}, "25 (a, b, c, …)"},
	} {
		if got := refusedCell(tc.target); got != tc.want {
			t.Errorf("refusedCell(%+v) = %q, want %q", tc.target, got, tc.want)
		}
	}
}

// TestFeedCommands runs the demo store with a feed target and works on
// the feed with the CLI: acp feed status and push through the running
// server's merchant API, acp feed export while it runs (the stock read
// through the merchant API) and once it stopped (from the store), and a
// push asked for while it is stopped, done when it runs again.
func TestFeedCommands(t *testing.T) {
	t.Parallel()
	bin := buildACP(t)
	dir := t.TempDir()
	platform := feedtest.New(t, feedtest.Options{Token: feedToken})
	addr := freeAddr(t)
	cfg := filepath.Join(dir, "acp.yaml")
	if err := os.WriteFile(cfg, []byte(demoConfig(t, addr, filepath.Join(dir, "data"))+feedSection(platform.URL())), 0o600); err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(), feedTokenEnv+"="+feedToken)
	srv := &crashServer{bin: bin, dir: dir, cfg: cfg, env: env, addr: addr}
	t.Cleanup(srv.kill)
	if err := srv.start(t); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("server logs:\n%s", srv.logTail())
		}
	})
	testkit.Eventually(t, feedWait, "the demo catalog published", func() bool { return everyProductAccepted(platform, demoIDs, 1) })
	feedID := platform.Feeds()[0]

	var status []merchantapi.FeedTarget
	testkit.Eventually(t, feedWait, "the status of a published target", func() bool {
		status = feedStatusJSON(t, bin, dir, cfg, nil)
		return len(status) == 1 && status[0].LastPublishAt != nil && status[0].Pending == 0
	})
	if s := status[0]; s.Name != "platform" || s.URL != platform.URL() || s.FeedID != feedID || !s.Publishing || s.Failures != 0 || s.LastError != "" {
		t.Errorf("acp feed status --json = %+v", s)
	}
	if r := runBinary(t, bin, dir, nil, "feed", "status", "--config", cfg); r.code != 0 ||
		!strings.Contains(r.stdout, "TARGET") || !strings.Contains(r.stdout, "platform  "+feedID) || !strings.Contains(r.stdout, "yes") {
		t.Errorf("acp feed status: %s", r)
	}

	if r := runBinary(t, bin, dir, nil, "feed", "push", "platform", "--config", cfg); r.code != 0 || r.stdout != "asked for a full publish of platform\n" {
		t.Fatalf("acp feed push platform: %s", r)
	}
	testkit.Eventually(t, feedWait, "every product sent again", func() bool { return everyProductAccepted(platform, demoIDs, 2) })
	testkit.Eventually(t, feedWait, "the full publish recorded", func() bool {
		s := feedStatusJSON(t, bin, dir, cfg, nil)
		return s[0].LastFullPublishAt != nil && s[0].PushRequestedAt == nil
	})
	if r := runBinary(t, bin, dir, nil, "feed", "push", "nope", "--config", cfg); r.code != 1 || !strings.Contains(r.stderr, "There is no feed target nope") {
		t.Errorf("acp feed push nope: %s", r)
	}

	// While the server holds the store: the stock through its merchant API.
	running := filepath.Join(dir, "export-running")
	if r := runBinary(t, bin, dir, nil, "feed", "export", "--out", running, "--config", cfg); r.code != 0 || !strings.Contains(r.stdout, "wrote 6 products") {
		t.Fatalf("acp feed export while the server runs: %s", r)
	}
	meta, lines := exported(t, running, false)
	ids, availability := lineIDs(t, lines)
	if meta["id"] != feedID || meta["target_country"] != "US" || !slices.Equal(ids, demoIDs) || availability["grinder-pro"] != "out_of_stock" || availability["mug-classic"] != "in_stock" {
		t.Errorf("the export: metadata %v, products %v (availability %v)", meta, ids, availability)
	}
	onPlatform := platform.Products(feedID)
	for i, id := range ids {
		if !bytes.Equal(lines[i], onPlatform[id]) {
			t.Errorf("%s exported as\n%s\nthe platform holds\n%s", id, lines[i], onPlatform[id])
		}
	}
	if r := runBinary(t, bin, dir, nil, "feed", "export", "--out", filepath.Join(dir, "never"), "--target", "nope", "--config", cfg); r.code != 1 || !strings.Contains(r.stderr, "no such feed target") {
		t.Errorf("acp feed export --target nope: %s", r)
	}

	srv.stop(t)
	// The store opened directly.
	stopped := filepath.Join(dir, "export-stopped")
	if r := runBinary(t, bin, dir, nil, "feed", "export", "--out", stopped, "--gzip", "--feed-id", "feed_files", "--config", cfg); r.code != 0 {
		t.Fatalf("acp feed export with the server stopped: %s", r)
	}
	meta, gzLines := exported(t, stopped, true)
	if meta["id"] != "feed_files" || !slices.EqualFunc(gzLines, lines, bytes.Equal) {
		t.Errorf("the export from the store: metadata %v, products differ from the server's export: %v", meta, !slices.EqualFunc(gzLines, lines, bytes.Equal))
	}
	if r := runBinary(t, bin, dir, nil, "feed", "status", "--config", cfg); r.code != 0 || !strings.Contains(r.stdout, feedID) || !strings.Contains(r.stderr, "the server is not running") {
		t.Errorf("acp feed status with the server stopped: %s", r)
	}
	if r := runBinary(t, bin, dir, nil, "feed", "push", "--all", "--config", cfg); r.code != 0 || r.stdout != "asked for a full publish of platform\n" || !strings.Contains(r.stderr, "when it next runs") {
		t.Fatalf("acp feed push --all with the server stopped: %s", r)
	}
	if err := srv.start(t); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, feedWait, "every product sent again by the restarted server", func() bool { return everyProductAccepted(platform, demoIDs, 3) })
	if got := platform.Feeds(); len(got) != 1 {
		t.Errorf("the platform holds the feeds %v, want the one", got)
	}
	for _, name := range []string{"server-1.log", "server-2.log"} {
		if logs, _ := os.ReadFile(filepath.Join(dir, name)); bytes.Contains(logs, []byte(feedToken)) {
			t.Errorf("%s holds the platform's credential", name)
		}
	}
}

// TestFeedExportPluginCatalog: `acp feed export` of a catalog served by
// acp-plugin-catalog-file starts the plugin as acp plugins describe
// does, beside the running server's, and shows the stock the plugin
// counts: a tee sold out through a checkout is out of stock in the file.
func TestFeedExportPluginCatalog(t *testing.T) {
	t.Parallel()
	bin := buildACP(t)
	dir := t.TempDir()
	csv := filepath.Join(dir, "products.csv")
	if err := os.WriteFile(csv, []byte("sku,title,unit_price,stock\ntee-logo,Logo T-shirt,2000,1\nmug-classic,Classic mug,1500,\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	cfg := filepath.Join(dir, "acp.yaml")
	text := demoConfig(t, addr, filepath.Join(dir, "data")) + fmt.Sprintf("\ncapabilities:\n  catalog: products\nplugins:\n  - name: products\n    command: %s\n    config:\n      path: %s\n",
		testkit.Binary(t, "acp-plugin-catalog-file"), csv)
	if err := os.WriteFile(cfg, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	srv := &crashServer{bin: bin, dir: dir, cfg: cfg, addr: addr}
	t.Cleanup(srv.kill)
	if err := srv.start(t); err != nil {
		t.Fatal(err)
	}
	if err := agentCheckout(t, srv.base(), "tee-logo"); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "export")
	if r := runBinary(t, bin, dir, nil, "feed", "export", "--out", out, "--config", cfg); r.code != 1 || !strings.Contains(r.stderr, "--feed-id") {
		t.Errorf("acp feed export without a target or a feed id: %s", r)
	}
	if r := runBinary(t, bin, dir, nil, "feed", "export", "--out", out, "--feed-id", "feed_offline", "--config", cfg); r.code != 0 || !strings.Contains(r.stdout, "wrote 2 products") {
		t.Fatalf("acp feed export: %s\nserver:\n%s", r, srv.logTail())
	}
	meta, lines := exported(t, out, false)
	ids, availability := lineIDs(t, lines)
	if meta["id"] != "feed_offline" || meta["target_country"] != nil || !slices.Equal(ids, []string{"mug-classic", "tee-logo"}) ||
		availability["tee-logo"] != "out_of_stock" || availability["mug-classic"] != "in_stock" {
		t.Errorf("the export: metadata %v, products %v, availability %v; want the tee out of stock", meta, ids, availability)
	}
	if err := agentCheckout(t, srv.base(), "mug-classic"); err != nil {
		t.Errorf("the server after the export: %v", err)
	}

	// With --feed-id, the export needs no store session: not even a store
	// the server ever ran with.
	noStore := filepath.Join(dir, "never-opened")
	alone := filepath.Join(dir, "alone.yaml")
	if err := os.WriteFile(alone, []byte(strings.Replace(text, "dir: "+filepath.Join(dir, "data"), "dir: "+noStore, 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	if r := runBinary(t, bin, dir, nil, "feed", "export", "--out", filepath.Join(dir, "export-alone"), "--feed-id", "feed_offline", "--config", alone); r.code != 0 || !strings.Contains(r.stdout, "wrote 2 products") {
		t.Errorf("acp feed export of a plugin's catalog with --feed-id and no store: %s", r)
	}
	if _, err := os.Stat(noStore); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the export opened the store: %v", err)
	}
}

// TestFeedCommandsOnPostgres: on PostgreSQL acp feed status and push open
// the shared store beside any replicas, so they never say that the
// server is not running; push tries every name once, reports each
// failure and fails when any did.
func TestFeedCommandsOnPostgres(t *testing.T) {
	t.Parallel()
	dsn := pgtest.DSN(t)
	env := envOf(map[string]string{"ACP_TEST_DSN": dsn})
	demo := strings.Replace(demoConfig(t, "127.0.0.1:0", filepath.Join(t.TempDir(), "data")), "store:\n", "store:\n  driver: postgres\n  postgres:\n    dsn_env: ACP_TEST_DSN\n", 1)
	cfg := writeFile(t, "acp.yaml", demo+feedSection("https://feeds.example.com/acp"))
	if code, stdout, stderr := runWithEnv(envOf(map[string]string{"ACP_TEST_DSN": dsn, feedTokenEnv: feedToken}), "migrate", "--config", cfg); code != 0 {
		t.Fatalf("acp migrate: exit %d\n%s%s", code, stdout, stderr)
	}
	const note = "note: a running replica publishes in full at its next round; if none runs, at the next start\n"
	for _, tc := range []struct {
		args           []string
		code           int
		stdout, stderr []string
	}{
		{[]string{"status"}, 0, []string{"platform  -"}, nil},
		{[]string{"push", "platform"}, 0, []string{"asked for a full publish of platform\n"}, []string{note}},
		{[]string{"push", "platform", "nope", "platform", "other"}, 1, []string{"asked for a full publish of platform\n"},
			[]string{"error: There is no feed target nope.", "error: There is no feed target other.", "error: 2 of the 3 feed targets named could not be pushed", note}},
		{[]string{"push", "nope"}, 1, nil, []string{"error: There is no feed target nope."}},
	} {
		code, stdout, stderr := runWithEnv(env, append(append([]string{"feed"}, tc.args...), "--config", cfg)...)
		ok := code == tc.code && !strings.Contains(stderr, "not running")
		for _, s := range tc.stdout {
			ok = ok && strings.Count(stdout, s) == 1
		}
		for _, s := range tc.stderr {
			ok = ok && strings.Count(stderr, s) == 1
		}
		if tc.code != 0 && len(tc.stderr) == 1 {
			ok = ok && !strings.Contains(stderr, "note:")
		}
		if !ok {
			t.Errorf("acp feed %v: exit %d, want %d\nstdout: %s\nstderr: %s", tc.args, code, tc.code, stdout, stderr)
		}
	}
}

// TestCheckNotesFeedsWithoutListing: with feeds and a catalog plugin that
// does not list its products, acp check --live passes with a note that no
// feed will be published.
func TestCheckNotesFeedsWithoutListing(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	text := demoConfig(t, "127.0.0.1:0", filepath.Join(dir, "data")) + fmt.Sprintf("\ncapabilities:\n  catalog: shop\nplugins:\n  - name: shop\n    command: %s\n    config: {price: 100}\n"+
		"feeds:\n  - name: platform\n    url: https://feeds.example.com/acp\n    token_env: %s\n    target_country: US\n", testkit.Binary(t, "testplugin"), feedTokenEnv)
	cfg := filepath.Join(dir, "acp.yaml")
	if err := os.WriteFile(cfg, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runWithEnv(envOf(map[string]string{feedTokenEnv: feedToken}), "check", "--live", "--config", cfg)
	if code != 0 || !strings.Contains(stdout, `note: feeds: the catalog plugin "shop" does not announce catalog.listing, so no product feed will be published`) {
		t.Errorf("acp check --live: exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
}
