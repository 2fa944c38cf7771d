//go:build linux

// The flood test needs Linux: every 127/8 address is usable on its
// loopback interface, and sh sets the child's open-file limit.

package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/internal/acpschema"
)

// floodLimit is the child's open-file limit, soft and hard: the Go
// runtime raises the soft limit to the hard one, so both are set.
const floodLimit = 256

// TestConnectionFlood runs the real binary with an open-file limit of 256
// and floods it from other loopback addresses with more connections than
// that, held open without sending anything. The server must stay up,
// /healthz must answer on the probe listener throughout, and an agent on
// 127.0.0.1 must complete a checkout: while the flood stays within the
// per-client caps, and again once a flood that filled the server's cap
// (when new connections get a flat 503) is gone. The test is bounded:
// under 900 connections, all on loopback, in about ten seconds.
func TestConnectionFlood(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("sh"); err != nil {
		t.Fatalf("the flood test needs sh to set the child's open-file limit: %v", err)
	}
	bin := buildACP(t)
	began := time.Now()
	dir := t.TempDir()
	addr, probes := freeAddr(t), freeAddr(t)
	cfg := floodConfig(t, dir, addr, probes)

	logPath := filepath.Join(dir, "server.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	// ulimit -n without -S or -H sets both limits.
	cmd := exec.Command("sh", "-c", fmt.Sprintf(`ulimit -n %d && exec "$0" "$@"`, floodLimit), bin, "serve", "--config", cfg)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})
	logs := func() string { b, _ := os.ReadFile(logPath); return string(b) }
	alive := func(stage string) {
		t.Helper()
		select {
		case <-exited:
			t.Fatalf("the server exited %s (%v):\n%s", stage, cmd.ProcessState, logs())
		default:
		}
	}

	probe := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	healthy := func(base string) error {
		resp, err := probe.Get(base + "/healthz")
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		_, _ = io.Copy(io.Discard, resp.Body)
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("/healthz: %s", resp.Status)
		}
		return nil
	}
	deadline := time.Now().Add(15 * time.Second)
	for healthy("http://"+addr) != nil || healthy("http://"+probes) != nil {
		alive("while starting")
		if time.Now().After(deadline) {
			t.Fatalf("the server did not become healthy:\n%s", logs())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if want := fmt.Sprintf(`"open_file_limit":%d`, floodLimit); !strings.Contains(logs(), want) {
		t.Fatalf("the child does not run with an open-file limit of %d (log lacks %s):\n%s", floodLimit, want, logs())
	}

	// /healthz on the probe listener is polled throughout the floods.
	var probeFailures atomic.Int32
	var probeErr atomic.Value
	stopProbing := make(chan struct{})
	var probing sync.WaitGroup
	probing.Go(func() {
		for {
			select {
			case <-stopProbing:
				return
			case <-time.After(50 * time.Millisecond):
			}
			if err := healthy("http://" + probes); err != nil {
				probeFailures.Add(1)
				probeErr.Store(err.Error())
			}
		}
	})

	// Flood 1: four addresses, 100 connections each: more than the
	// open-file limit, each address over its client cap.
	flood1 := openFlood(t, addr, 2, 4, 100)
	alive("during the first flood")
	if err := agentCheckout(t, "http://"+addr, "mug-classic"); err != nil {
		t.Fatalf("agent checkout from 127.0.0.1 during a flood within the client caps: %v\n%s", err, logs())
	}
	if err := healthy("http://" + addr); err != nil {
		t.Errorf("/healthz on the API listener during the first flood: %v", err)
	}
	alive("after the first agent checkout")
	flood1.close()
	t.Logf("first flood done")

	// Flood 2: twenty addresses, 20 connections each (the client cap,
	// an eighth of the 160 left by the reserve of 64 and the probe
	// listener's 32): together over the server's cap. New connections
	// are refused with a flat 503 until the flood ends.
	flood2 := openFlood(t, addr, 10, 20, 20)
	alive("during the second flood")
	if status, body := refusedRequest(t, addr); status != http.StatusServiceUnavailable || !strings.Contains(body, `"code":"too_many_connections"`) {
		t.Errorf("a request while the server's cap is full: %d %s, want 503 too_many_connections", status, body)
	} else {
		acpschema.For(t, floodVersion).Response(t, acpschema.ErrorAnswer, []byte(body))
	}
	t.Logf("refused while full")
	flood2.close()
	alive("after the second flood")
	deadline = time.Now().Add(10 * time.Second)
	for {
		err := agentCheckout(t, "http://"+addr, "mug-classic")
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("agent checkout after the flood: %v\n%s", err, logs())
		}
		time.Sleep(100 * time.Millisecond)
	}

	close(stopProbing)
	probing.Wait()
	if n := probeFailures.Load(); n > 0 {
		t.Errorf("/healthz on the probe listener failed %d times during the floods; last: %v", n, probeErr.Load())
	}
	alive("at the end")
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-exited:
	case <-time.After(20 * time.Second):
		t.Fatalf("the server did not stop on SIGTERM:\n%s", logs())
	}
	t.Logf("flood test ran for %s after the build", time.Since(began).Round(time.Millisecond))
	if !cmd.ProcessState.Success() {
		t.Errorf("acp serve exited with %v:\n%s", cmd.ProcessState, logs())
	}
	if strings.Contains(logs(), "too many open files") && !strings.Contains(logs(), "accepting connections failed") {
		t.Errorf("descriptors ran out outside the listener's retry:\n%s", logs())
	}
}

// floodConfig writes the demo store's config with the API on addr, the
// probes on probes, and read and header timeouts long enough that the
// flood is held by the caps, not shed by the timeouts, for the test.
func floodConfig(t *testing.T, dir, addr, probes string) string {
	t.Helper()
	demo, err := os.ReadFile("../../acp.yaml")
	if err != nil {
		t.Fatal(err)
	}
	server := fmt.Sprintf("server:\n  listen: %s\n  probes_listen: %s\n  read_timeout: 30s\n  header_timeout: 30s\n", addr, probes)
	cfg := strings.Replace(string(demo), "server:\n  listen: 127.0.0.1:8080\n", server, 1)
	if cfg == string(demo) {
		t.Fatal("the demo config's server section changed; update floodConfig")
	}
	path := filepath.Join(dir, "acp.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// flood is a set of held connections.
type flood struct{ conns []net.Conn }

// openFlood opens perAddr connections to addr from each of count loopback
// addresses starting at 127.0.0.first, and holds them without sending.
func openFlood(t *testing.T, addr string, first, count, perAddr int) *flood {
	t.Helper()
	f := &flood{}
	start := time.Now()
	for i := range count {
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(first+i))}, Timeout: 2 * time.Second}
		for range perAddr {
			c, err := d.Dial("tcp", addr)
			if err != nil {
				continue // a full backlog may drop a dial; the flood goes on
			}
			f.conns = append(f.conns, c)
		}
	}
	t.Cleanup(f.close)
	t.Logf("flood from 127.0.0.%d-%d: %d of %d connections opened in %s", first, first+count-1, len(f.conns), count*perAddr, time.Since(start).Round(time.Millisecond))
	if len(f.conns) < count*perAddr/2 {
		t.Fatalf("opened only %d of %d flood connections", len(f.conns), count*perAddr)
	}
	// Let the server accept (or refuse) everything queued.
	time.Sleep(300 * time.Millisecond)
	return f
}

func (f *flood) close() {
	for _, c := range f.conns {
		_ = c.Close()
	}
	f.conns = nil
}

// refusedRequest sends GET /healthz from 127.0.0.1 on a new connection
// and returns the status and body. While the flood's own refusals are
// being answered, a refused connection may be closed without an answer;
// it retries those for a few seconds.
func refusedRequest(t *testing.T, addr string) (int, string) {
	t.Helper()
	client := &http.Client{Timeout: 3 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	deadline := time.Now().Add(5 * time.Second)
	for {
		resp, err := client.Get("http://" + addr + "/healthz")
		if err == nil {
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, string(body)
		}
		if time.Now().After(deadline) {
			t.Fatalf("request while the server's cap is full: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// floodVersion is the API version the flood test's agent speaks.
const floodVersion = "2026-04-17"

// agentCheckout buys one unit of item (create, update, complete) on the
// demo store as its agent, on fresh connections from 127.0.0.1. Every request body and
// every answer is validated against the version's schema (a failure is a
// test error, not retried); a failed request is returned.
func agentCheckout(t *testing.T, base, item string) error {
	t.Helper()
	schema := acpschema.For(t, floodVersion)
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	n := time.Now().UnixNano()
	post := func(path, key, request, body string, answer acpschema.Answer) (map[string]any, error) {
		schema.Def(t, request, []byte(body))
		req, _ := http.NewRequest(http.MethodPost, base+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer demo-agent-local-token")
		req.Header.Set("API-Version", floodVersion)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", fmt.Sprintf("flood-%d-%s", n, key))
		resp, err := client.Do(req)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		if resp.StatusCode >= 300 {
			if resp.StatusCode != http.StatusServiceUnavailable || !bytes.Contains(data, []byte("too_many_connections")) {
				schema.Response(t, acpschema.ErrorAnswer, data) // the connection refusal is checked where it is expected
			}
			return nil, fmt.Errorf("POST %s: %s %s", path, resp.Status, bytes.TrimSpace(data))
		}
		schema.Response(t, answer, data)
		var m map[string]any
		return m, json.Unmarshal(data, &m)
	}
	session, err := post("/checkout_sessions", "create", "CheckoutSessionCreateRequest", `{"line_items":[{"id":"`+item+`"}],"currency":"usd","capabilities":{}}`, acpschema.AnySession)
	if err != nil {
		return err
	}
	id, _ := session["id"].(string)
	lines, _ := session["line_items"].([]any)
	if id == "" || len(lines) != 1 {
		return fmt.Errorf("create answered %v", session)
	}
	lineID, _ := lines[0].(map[string]any)["id"].(string)
	update := fmt.Sprintf(`{"fulfillment_details":{"name":"Ada","email":"ada@example.com","address":{"name":"Ada","line_one":"1 Test St","city":"San Francisco","state":"CA","country":"US","postal_code":"94131"}},"selected_fulfillment_options":[{"type":"shipping","option_id":"standard","item_ids":[%q]}]}`, lineID)
	if session, err = post("/checkout_sessions/"+id, "update", "CheckoutSessionUpdateRequest", update, acpschema.AnySession); err != nil {
		return err
	}
	if session["status"] != "ready_for_payment" {
		return fmt.Errorf("update answered status %v", session["status"])
	}
	complete := `{"payment_data":{"handler_id":"sandbox_card","instrument":{"type":"card","credential":{"type":"spt","token":"spt_flood"}}}}`
	if session, err = post("/checkout_sessions/"+id+"/complete", "complete", "CheckoutSessionCompleteRequest", complete, acpschema.CompletedSession); err != nil {
		return err
	}
	if session["status"] != "completed" {
		return fmt.Errorf("complete answered status %v", session["status"])
	}
	return nil
}
