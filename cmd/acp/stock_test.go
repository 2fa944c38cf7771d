package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestStockCommands sets, adjusts and shows the demo store's stock on the
// store directly (no server running), and checks the refusals.
func TestStockCommands(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	storeDir := filepath.Join(dir, "data")
	if err := os.MkdirAll(storeDir, 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "acp.yaml")
	if err := os.WriteFile(path, []byte(demoConfig(t, freeAddr(t), storeDir)), 0o600); err != nil {
		t.Fatal(err)
	}
	acp := func(args ...string) cliResult {
		var stdout, stderr bytes.Buffer
		code := run(append(args, "--config", path), &stdout, &stderr, func(string) string { return "" })
		return cliResult{code, stdout.String(), stderr.String()}
	}
	if r := acp("stock", "show"); r.code != 0 || !strings.Contains(r.stdout, "tee-logo") || !strings.Contains(r.stdout, "mug-classic") ||
		strings.Contains(r.stdout, "guide-brewing-ebook") {
		t.Fatalf("stock show: %s", r)
	}
	if r := acp("stock", "set", "tee-logo", "7"); r.code != 0 || !strings.Contains(r.stdout, "tee-logo") {
		t.Fatalf("stock set: %s", r)
	}
	if r := acp("stock", "adjust", "tee-logo", "-2"); r.code != 0 {
		t.Fatalf("stock adjust: %s", r)
	}
	r := acp("stock", "show", "tee-logo", "--json")
	var level struct {
		OnHand     int64 `json:"on_hand"`
		Available  int64 `json:"available"`
		FileFigure int64 `json:"file_figure"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &level); err != nil || level.OnHand != 5 || level.Available != 5 || level.FileFigure != 5 {
		t.Fatalf("stock show --json: %+v, %v\n%s", level, err, r)
	}
	testCases := map[string]struct {
		args       []string
		code       int
		wantStderr string
	}{
		"not stock-controlled": {[]string{"stock", "set", "guide-brewing-ebook", "3"}, 1, "not stock-controlled"},
		"below zero":           {[]string{"stock", "adjust", "tee-logo", "-6"}, 1, "cannot go below 0"},
		"not a number":         {[]string{"stock", "set", "tee-logo", "many"}, 2, "not a whole number"},
		"missing argument":     {[]string{"stock", "adjust", "tee-logo"}, 2, "want SKU DELTA"},
		"unknown command":      {[]string{"stock", "count"}, 2, "unknown command"},
	}
	for name, tc := range testCases {
		if r := acp(tc.args...); r.code != tc.code || !strings.Contains(r.stderr, tc.wantStderr) {
			t.Errorf("%s: %s\nwant exit %d, stderr containing %q", name, r, tc.code, tc.wantStderr)
		}
	}
}
