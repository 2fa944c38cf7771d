package host_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
)

// Requests against the demo store in acp.yaml, as the README's walkthrough
// sends them.
const (
	demoToken    = "demo-agent-local-token"
	demoCreate   = `{"line_items":[{"id":"mug-classic","quantity":2},{"id":"guide-brewing-ebook"}],"currency":"usd","capabilities":{"interventions":{"supported":["3ds"]}}}`
	demoUpdate   = `{"fulfillment_details":{"name":"Ada","email":"ada@example.com","address":{"name":"Ada","line_one":"1 Test St","city":"San Francisco","state":"CA","country":"US","postal_code":"94131"}},"selected_fulfillment_options":[{"type":"shipping","option_id":"express","item_ids":["li_mug-classic"]}]}`
	demoComplete = `{"payment_data":{"handler_id":"sandbox_card","instrument":{"type":"card","credential":{"type":"spt","token":"spt_demo"}}}}`
)

// startBaseline serves the bare Fiber handler every figure is compared
// with: it parses a JSON body and writes a JSON object of similar size,
// with no auth, store or pricing.
func startBaseline(b *testing.B) string {
	b.Helper()
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Post("/echo", func(c *fiber.Ctx) error {
		var in map[string]any
		if err := json.Unmarshal(c.Body(), &in); err != nil {
			return c.SendStatus(http.StatusBadRequest)
		}
		return c.Status(http.StatusCreated).JSON(fiber.Map{"id": "cs_baseline", "status": "ready_for_payment", "currency": "usd", "input": in,
			"line_items": []fiber.Map{{"id": "li_1", "item": fiber.Map{"id": "item_123"}, "quantity": 1}}, "totals": []fiber.Map{{"type": "total", "display_text": "Total", "amount": 330}}})
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatalf("listen: %v", err)
	}
	go func() { _ = app.Listener(ln) }()
	b.Cleanup(func() { _ = app.ShutdownWithTimeout(5 * time.Second) })
	return "http://" + ln.Addr().String() + "/echo"
}

// post sends one request over the shared keep-alive client and drains it.
func post(b *testing.B, client *http.Client, url, body string, wantStatus int) []byte {
	b.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewBufferString(body))
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+demoToken)
	req.Header.Set("API-Version", v0417)
	req.Header.Set("Idempotency-Key", fmt.Sprint(time.Now().UnixNano()))
	resp, err := client.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != wantStatus {
		b.Fatalf("POST %s = %d, want %d: %s", url, resp.StatusCode, wantStatus, data)
	}
	return data
}

// BenchmarkEndpoints measures create, update and complete through the whole
// HTTP stack on Badger on disk, interleaving each request with one to the
// bare Fiber baseline so that both see the same machine load. It reports
// each side's time per request and "throughput-vs-baseline", the endpoint's
// throughput as a fraction of the baseline's (the goal for create
// with the demo config: at least 0.40).
func BenchmarkEndpoints(b *testing.B) {
	srv := startServer(b, loadConfig(b, "../../acp.yaml", b.TempDir())).base
	baseline := startBaseline(b)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	newSession := func() string {
		var m map[string]any
		_ = json.Unmarshal(post(b, client, srv+"/checkout_sessions", demoCreate, http.StatusCreated), &m)
		return m["id"].(string)
	}
	cases := map[string]func() (url, body string, status int){
		"create": func() (string, string, int) { return srv + "/checkout_sessions", demoCreate, http.StatusCreated },
		"update": func() (string, string, int) {
			return srv + "/checkout_sessions/" + newSession(), demoUpdate, http.StatusOK
		},
		"complete": func() (string, string, int) {
			id := newSession()
			post(b, client, srv+"/checkout_sessions/"+id, demoUpdate, http.StatusOK)
			return srv + "/checkout_sessions/" + id + "/complete", demoComplete, http.StatusOK
		},
	}
	for _, name := range []string{"create", "update", "complete"} {
		prepare := cases[name]
		b.Run(name, func(b *testing.B) {
			var endpoint, base time.Duration
			for i := 0; i < b.N; i++ {
				url, body, status := prepare()
				start := time.Now()
				post(b, client, baseline, demoCreate, http.StatusCreated)
				mid := time.Now()
				post(b, client, url, body, status)
				base += mid.Sub(start)
				endpoint += time.Since(mid)
			}
			b.ReportMetric(float64(endpoint.Nanoseconds())/float64(b.N), "endpoint-ns/req")
			b.ReportMetric(float64(base.Nanoseconds())/float64(b.N), "baseline-ns/req")
			b.ReportMetric(float64(base)/float64(endpoint), "throughput-vs-baseline")
		})
	}
}
