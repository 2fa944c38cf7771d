package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/payment/sandbox"
)

// TestOrdersListFailed runs the server, pays two orders whose capture the
// sandbox refuses after the order was accepted, and lists them with
// "acp orders list --failed": through the merchant API while the server
// runs, and on the store directly once it has stopped.
func TestOrdersListFailed(t *testing.T) {
	t.Parallel()
	bin := buildACP(t)
	dir := t.TempDir()
	addr := freeAddr(t)
	cfg := filepath.Join(dir, "acp.yaml")
	if err := os.WriteFile(cfg, []byte(demoConfig(t, addr, filepath.Join(dir, "data"))), 0o600); err != nil {
		t.Fatal(err)
	}
	acp := func(args ...string) cliResult {
		t.Helper()
		return runBinary(t, bin, dir, nil, append(args, "--config", cfg)...)
	}
	want := func(r cliResult, code int, stdout ...string) {
		t.Helper()
		if r.code != code {
			t.Fatalf("got %s\nwant exit %d", r, code)
		}
		for _, s := range stdout {
			if !strings.Contains(r.stdout, s) {
				t.Fatalf("got %s\nwant stdout containing %q", r, s)
			}
		}
	}

	var logs bytes.Buffer
	server := exec.Command(bin, "serve", "--config", cfg)
	server.Dir = dir
	server.Stderr = &logs
	if err := server.Start(); err != nil {
		t.Fatal(err)
	}
	defer server.Process.Kill() //nolint:errcheck // best effort if the test fails early
	waitForServer(t, "http://"+addr, &logs)

	want(acp("orders", "list", "--failed"), 0, "no failed orders")
	shop := &checkoutClient{base: "http://" + addr}
	var orderIDs []string
	for range 2 {
		session := shop.post(t, "/checkout_sessions", `{"line_items":[{"id":"guide-brewing-ebook"}],"currency":"usd","capabilities":{}}`)
		id, _ := session["id"].(string)
		done := shop.post(t, "/checkout_sessions/"+id+"/complete",
			`{"payment_data":{"handler_id":"sandbox_card","instrument":{"type":"card","credential":{"type":"spt","token":"spt_test`+sandbox.CaptureFailSuffix+`"}}}}`)
		order, _ := done["order"].(map[string]any)
		oid, _ := order["id"].(string)
		if oid == "" {
			t.Fatalf("no order in %v", done)
		}
		orderIDs = append(orderIDs, oid)
	}

	// Through the merchant API: a table, newest first, paged.
	r := acp("orders", "list", "--failed")
	want(r, 0, "SESSION/ATTEMPT", "capture_refused", "capture_failed", orderIDs[0], orderIDs[1])
	if strings.Index(r.stdout, orderIDs[1]) > strings.Index(r.stdout, orderIDs[0]) {
		t.Errorf("not newest first:\n%s", r.stdout)
	}
	r = acp("orders", "list", "--failed", "--limit", "1")
	want(r, 0, orderIDs[1], "more failed orders follow: acp orders list --failed --after ")
	key := strings.TrimSpace(r.stdout[strings.LastIndex(r.stdout, "--after ")+len("--after "):])
	want(acp("orders", "list", "--failed", "--after", key), 0, orderIDs[0])
	if r := acp("orders", "list", "--failed", "--after", "cs_unknown/1"); r.code != 1 || !strings.Contains(r.stderr, "starting_after") {
		t.Errorf("an unknown --after: %s", r)
	}

	if err := server.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := server.Wait(); err != nil {
		t.Fatalf("acp serve exited with %v\n%s", err, logs.String())
	}

	// On the store directly, as the merchant API's JSON.
	r = acp("orders", "list", "--failed", "--json")
	want(r, 0)
	var page struct {
		Data    []model.FailedOrder `json:"data"`
		HasMore bool                `json:"has_more"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &page); err != nil {
		t.Fatalf("orders list --failed --json: %v\n%s", err, r.stdout)
	}
	if len(page.Data) != 2 || page.HasMore {
		t.Fatalf("orders list --failed --json = %+v", page)
	}
	for i, f := range page.Data {
		if f.OrderID != orderIDs[1-i] || f.Reason != model.FailureCaptureRefused || f.Money != model.PaymentCaptureFailed ||
			f.HandlerID != "sandbox_card" || f.Amount <= 0 || !strings.Contains(f.Detail, "was canceled") {
			t.Errorf("record %d = %+v", i, f)
		}
	}
}
