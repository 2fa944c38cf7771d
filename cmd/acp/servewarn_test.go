package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/acp-sidecar/acp/internal/pgtest"
)

// TestServeWarnsPerHostStock starts `acp serve` with the catalog-file
// plugin holding stock figures: on the postgres driver its log says at
// start, at WARN, what `acp check` warns of (host.StoreWarnings); on
// Badger, where one process owns the stock, it says nothing of it.
func TestServeWarnsPerHostStock(t *testing.T) {
	t.Parallel()
	const warning = "acp-plugin-catalog-file counts stock on the host it runs on, but store.driver is postgres"
	for _, tc := range []struct {
		name     string
		postgres bool
	}{
		{"postgres", true},
		{"badger", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			addr := freeAddr(t)
			text := demoConfig(t, addr, filepath.Join(dir, "data")) + limitedCatalogPlugin(t, dir)
			var env []string
			if tc.postgres {
				text = replaceSection(t, text, "store", postgresStoreConfig(replicaDSNEnv, 2))
				env = []string{replicaDSNEnv + "=" + pgtest.DSN(t)}
			}
			cfg := filepath.Join(dir, "acp.yaml")
			if err := os.WriteFile(cfg, []byte(text), 0o600); err != nil {
				t.Fatal(err)
			}
			srv := &crashServer{bin: buildACP(t), dir: dir, cfg: cfg, env: env, addr: addr}
			if tc.postgres {
				if r := runBinary(t, srv.bin, dir, env, "migrate", "--config", cfg); r.code != 0 {
					t.Fatalf("acp migrate: %s", r)
				}
			}
			t.Cleanup(srv.kill)
			if err := srv.start(t); err != nil {
				t.Fatalf("start: %v", err)
			}
			srv.stop(t)
			logs, err := os.ReadFile(srv.logs[0])
			if err != nil {
				t.Fatal(err)
			}
			var warned []map[string]any
			for sc := bufio.NewScanner(bytes.NewReader(logs)); sc.Scan(); {
				var line map[string]any
				if json.Unmarshal(sc.Bytes(), &line) == nil && strings.Contains(fmt.Sprint(line["problem"]), warning) {
					warned = append(warned, line)
				}
			}
			switch {
			case tc.postgres && (len(warned) != 1 || warned[0]["level"] != "WARN" || warned[0]["path"] != "plugins[0]"):
				t.Errorf("the log's warnings of per-host stock: %v; want one at WARN for plugins[0]\n%s", warned, logs)
			case !tc.postgres && len(warned) != 0:
				t.Errorf("on Badger the log warns of per-host stock: %v", warned)
			}
		})
	}
}
