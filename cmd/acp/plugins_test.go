package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/acp-sidecar/acp/internal/testkit"
	"github.com/acp-sidecar/acp/sdk/acpplugin"
)

func TestPluginsDescribe(t *testing.T) {
	t.Parallel()
	plugin := testkit.Binary(t, "testplugin")
	demo, err := os.ReadFile("../../acp.yaml")
	if err != nil {
		t.Fatal(err)
	}
	withPlugin := func(name, extra string) string {
		return writeFile(t, name, string(demo)+fmt.Sprintf(`
capabilities: {catalog: shop}
plugins:
  - name: shop
    command: %s
%s`, plugin, extra))
	}
	healthy := withPlugin("healthy.yaml", "    config: {price: 100}")
	csv := writeFile(t, "products.csv", "sku,title,unit_price,stock\ntee,Tee,2000,5\n")
	fileCatalog := writeFile(t, "file-catalog.yaml", string(demo)+fmt.Sprintf(`
capabilities: {catalog: shop}
plugins:
  - name: shop
    command: %s
    config: {path: %s, reload_interval: 0s}
`, testkit.Binary(t, "acp-plugin-catalog-file"), csv))
	testCases := map[string]struct {
		args       []string
		wantCode   int
		wantStdout []string
		notStdout  []string
	}{
		"table": {
			args: []string{"plugins", "describe", "--config", healthy}, wantCode: 0,
			wantStdout: []string{"NAME", "shop", "catalog", "running", "testplugin", "1.0.0",
				fmt.Sprintf("%d.%d", acpplugin.ProtocolMajor, acpplugin.ProtocolMinor), "STOCK", "no stock control"},
		},
		"a catalog holding stock": {
			args: []string{"plugins", "describe", "--config", fileCatalog}, wantCode: 0,
			wantStdout: []string{"shop", "running", "acp-plugin-catalog-file", "stock control"},
			notStdout:  []string{"no stock control"},
		},
		"unhealthy": {
			args:       []string{"plugins", "describe", "--config", withPlugin("unhealthy.yaml", "    config: {unhealthy: true}")},
			wantCode:   1,
			wantStdout: []string{"shop", "unhealthy", "backend unreachable"},
		},
		"sha256 mismatch": {
			args:       []string{"plugins", "describe", "--config", withPlugin("sha.yaml", "    sha256: "+strings.Repeat("ab", 32))},
			wantCode:   1,
			wantStdout: []string{"shop", "down", "does not match its sha256"},
		},
		"no plugins": {
			args: []string{"plugins", "describe", "--config", "../../acp.yaml"}, wantCode: 0,
			wantStdout: []string{"no plugins configured"},
		},
		"unexpected argument": {args: []string{"plugins", "describe", "extra"}, wantCode: 2},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := runCLI(tc.args...)
			if code != tc.wantCode {
				t.Errorf("acp %v = %d, want %d\nstdout: %s\nstderr: %s", tc.args, code, tc.wantCode, stdout, stderr)
			}
			for _, want := range tc.wantStdout {
				if !strings.Contains(stdout, want) {
					t.Errorf("stdout does not contain %q:\n%s", want, stdout)
				}
			}
			for _, unwanted := range tc.notStdout {
				if strings.Contains(stdout, unwanted) {
					t.Errorf("stdout contains %q:\n%s", unwanted, stdout)
				}
			}
		})
	}
	t.Run("json", func(t *testing.T) {
		t.Parallel()
		code, stdout, stderr := runCLI("plugins", "describe", "--config", healthy, "--json")
		var out struct {
			Data []struct {
				Name  string `json:"name"`
				State string `json:"state"`
				Info  struct {
					ConfigSchema string `json:"config_schema"`
				} `json:"info"`
			} `json:"data"`
		}
		if code != 0 || json.Unmarshal([]byte(stdout), &out) != nil || len(out.Data) != 1 || out.Data[0].State != "running" ||
			!strings.Contains(out.Data[0].Info.ConfigSchema, `"price"`) {
			t.Errorf("acp plugins describe --json = %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
		}
	})
}
