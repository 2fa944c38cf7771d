package host_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/config"
	"github.com/acp-sidecar/acp/core/ucp"
	"github.com/acp-sidecar/acp/internal/testkit"
	"github.com/acp-sidecar/acp/internal/ucpschema"
)

// The README's "A whole checkout over UCP with curl": the update body
// (buyer, and a shipping method with its destination), and it again
// selecting express in the method's group.
const (
	walkShip = `"line_items": [{"id": "li_mug-classic", "item": {"id": "mug-classic"}, "quantity": 2}],
  "buyer": {"email": "ada@example.com", "first_name": "Ada", "last_name": "Lovelace"},
  "fulfillment": {"methods": [{"id": "ship", "type": "shipping", "line_item_ids": ["li_mug-classic"],
    "destinations": [{"id": "home", "street_address": "1 Market St", "address_locality": "San Francisco",
      "address_region": "CA", "postal_code": "94105", "address_country": "US"}],
    "selected_destination_id": "home"`
	walkUpdate   = "{" + walkShip + "}]}}"
	walkSelect   = "{" + walkShip + `, "groups": [{"id": "ship", "selected_option_id": "express"}]}]}}`
	walkComplete = `{"payment": {"instruments": [{"id": "card_1", "handler_id": "sandbox_card", "type": "card",
    "credential": {"type": "token", "token": "tok_demo"}}]}}`
)

// delivered is an order event as the platform's receiver got it, and
// what the receiver answered.
type delivered struct {
	header http.Header
	body   []byte
	status int
}

// startOrderReceiver runs examples/ucp-order-receiver as a real process,
// verifying events with the keys of profileURL, behind a loopback proxy
// that records each event and the receiver's answer. It returns the
// proxy's URL (the platform's order webhook URL), the events and the
// lines the receiver prints.
func startOrderReceiver(t *testing.T) (url string, setProfile func(string), events <-chan delivered, lines <-chan string) {
	t.Helper()
	var target atomic.Pointer[string]
	got := make(chan delivered, 8)
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		status := http.StatusBadGateway
		if to := target.Load(); to != nil {
			req, _ := http.NewRequest(r.Method, *to+r.URL.RequestURI(), bytes.NewReader(body))
			req.Header = r.Header.Clone()
			req.Host = r.Host // the signature covers @authority
			if resp, err := http.DefaultClient.Do(req); err == nil {
				status = resp.StatusCode
				_ = resp.Body.Close()
			}
		}
		got <- delivered{header: r.Header.Clone(), body: body, status: status}
		w.WriteHeader(status)
	}))
	t.Cleanup(proxy.Close)

	out := make(chan string, 8)
	setProfile = func(profileURL string) {
		cmd := exec.Command(testkit.Binary(t, "ucp-order-receiver"), "--listen", "127.0.0.1:0", "--profile", profileURL)
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stderr = &testkit.Buffer{}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
		sc := bufio.NewScanner(stdout)
		if !sc.Scan() {
			t.Fatalf("the receiver printed nothing: %s", cmd.Stderr)
		}
		m := regexp.MustCompile(`^listening on (http://\S+);`).FindStringSubmatch(sc.Text())
		if m == nil {
			t.Fatalf("the receiver printed %q", sc.Text())
		}
		target.Store(&m[1])
		go func() {
			for sc.Scan() {
				out <- sc.Text()
			}
		}()
	}
	return proxy.URL + "/ucp/orders", setProfile, got, out
}

// setOrderWebhook points the order capability of the demo agent's inline
// platform profile at url.
func setOrderWebhook(t *testing.T, cfg *config.Config, url string) {
	t.Helper()
	for _, a := range cfg.Agents {
		if a.UCP == nil {
			continue
		}
		for _, p := range a.UCP.Profiles {
			caps := p.Document["ucp"].(map[string]any)["capabilities"].(map[string]any)
			for _, e := range caps[ucp.CapOrder].([]any) {
				e.(map[string]any)["config"] = map[string]any{"webhook_url": url}
				return
			}
		}
	}
	t.Fatal("the demo config has no order capability in an inline platform profile")
}

// nextEvent waits for the next event the receiver got and the line it
// printed, and checks both: verified, answered 200, the body a valid
// order whose event_id is the Webhook-Id.
func nextEvent(t *testing.T, events <-chan delivered, lines <-chan string) (delivered, string) {
	t.Helper()
	var ev delivered
	select {
	case ev = <-events:
	case <-time.After(10 * time.Second):
		t.Fatal("no order event arrived")
	}
	var line string
	select {
	case line = <-lines:
	case <-time.After(5 * time.Second):
		t.Fatal("the receiver printed nothing for the event")
	}
	ucpschema.Response(t, "shopping/order.json", ev.body)
	var body struct {
		EventID string `json:"event_id"`
	}
	if err := json.Unmarshal(ev.body, &body); err != nil || body.EventID == "" || body.EventID != ev.header.Get("Webhook-Id") {
		t.Errorf("event_id %q, Webhook-Id %q (%v)", body.EventID, ev.header.Get("Webhook-Id"), err)
	}
	if ev.status != http.StatusOK || !strings.HasPrefix(line, "verified: Webhook-Id "+body.EventID+",") {
		t.Fatalf("the receiver answered %d and printed %q", ev.status, line)
	}
	return ev, line
}

// TestUCPDemoWalkthrough runs the README's UCP walkthrough on the demo
// store's acp.yaml, with the real profile resolver (the demo agent's
// inline platform profile): discover, search, create, update, select an
// option, complete with the sandbox, read the order, ship it through the
// merchant API. Every body is checked against the schema of its operation,
// and both order events reach examples/ucp-order-receiver, which verifies
// their signatures with the keys of the business profile.
func TestUCPDemoWalkthrough(t *testing.T) {
	t.Parallel()
	cfg := loadConfig(t, "../../acp.yaml", t.TempDir())
	hook, startReceiver, events, lines := startOrderReceiver(t)
	setOrderWebhook(t, cfg, hook)
	s := startServer(t, cfg)
	startReceiver(s.base + "/.well-known/ucp")
	demo := func(r ucpRequest) ucpRequest { r.token, r.profile = "demo-agent-local-token", demoProfile; return r }
	call := func(r ucpRequest, op string, status int) response {
		t.Helper()
		out := s.ucp(t, demo(r))
		wantStatus(t, out, status)
		ucpschema.Operation(t, op, status, out.body)
		return out
	}

	profile := getProfile(t, s)
	wantStatus(t, profile, http.StatusOK)
	ucpschema.Profile(t, profile.body)
	for _, c := range []string{ucp.CapCheckout, ucp.CapOrder, ucp.CapCatalogSearch, ucp.CapCatalogLookup} {
		if !strings.Contains(string(profile.body), `"`+c+`"`) {
			t.Errorf("the business profile lacks %s", c)
		}
	}

	found := call(ucpRequest{path: "/catalog/search", body: `{"query": "mug"}`}, "search_catalog", http.StatusOK)
	var search struct {
		Products []struct {
			ID       string
			Variants []struct {
				ID    string
				Price struct{ Amount int64 }
			}
		}
	}
	if err := json.Unmarshal(found.body, &search); err != nil || len(search.Products) != 1 || search.Products[0].Variants[0].ID != "mug-classic" ||
		search.Products[0].Variants[0].Price.Amount != 1500 {
		t.Fatalf("search = %s", found.body)
	}

	c := decodeCheckout(t, call(ucpRequest{path: "/checkout-sessions",
		body: `{"line_items": [{"item": {"id": "mug-classic"}, "quantity": 2}]}`}, "create_checkout", http.StatusCreated))
	if c.Status != "incomplete" || len(c.UCP.Capabilities) != 3 || len(c.Messages) != 1 || c.Messages[0].Code != "missing" || c.Messages[0].Path != "$.fulfillment.methods" {
		t.Fatalf("created = %+v", c)
	}
	path := "/checkout-sessions/" + c.ID
	updated := decodeCheckout(t, call(ucpRequest{method: http.MethodPut, path: path, body: walkUpdate}, "update_checkout", http.StatusOK))
	if want := [4]int64{3000, 500, 218, 3718}; updated.Status != "ready_for_complete" ||
		[4]int64{updated.total("subtotal"), updated.total("fulfillment"), updated.total("tax"), updated.total("total")} != want {
		t.Fatalf("updated = %s %+v, want totals %v", updated.Status, updated.Totals, want)
	}
	selected := decodeCheckout(t, call(ucpRequest{method: http.MethodPut, path: path, body: walkSelect}, "update_checkout", http.StatusOK))
	if selected.Status != "ready_for_complete" || selected.total("fulfillment") != 1700 || selected.total("total") != 4918 {
		t.Fatalf("selected = %s %+v", selected.Status, selected.Totals)
	}
	done := decodeCheckout(t, call(ucpRequest{path: path + "/complete", body: walkComplete}, "complete_checkout", http.StatusOK))
	if done.Status != "completed" || done.Order == nil || done.Order.ID != "ord_"+strings.TrimPrefix(c.ID, "cs_") {
		t.Fatalf("completed = %+v", done)
	}
	if _, line := nextEvent(t, events, lines); !strings.HasSuffix(line, ", order "+done.Order.ID+", lines processing") {
		t.Errorf("order_create printed %q", line)
	}

	order := call(ucpRequest{method: http.MethodGet, path: "/orders/" + done.Order.ID}, "get_order", http.StatusOK)
	if !strings.Contains(string(order.body), `"checkout_id":"`+c.ID+`"`) || !strings.Contains(string(order.body), `"status":"processing"`) ||
		!strings.Contains(string(order.body), `{"type":"total","amount":4918}`) || !strings.Contains(string(order.body), `"street_address":"1 Market St"`) {
		t.Fatalf("order = %s", order.body)
	}

	shipped := s.do(t, request{path: "/merchant/orders/" + done.Order.ID + "/fulfillments", token: "demo-merchant-local-token", noKey: true, noVersion: true,
		body: `{"id": "ful_ship", "status": "shipped", "carrier": "UPS", "tracking_number": "1Z999AA10123456784"}`})
	wantStatus(t, shipped, http.StatusOK)
	if _, line := nextEvent(t, events, lines); !strings.HasSuffix(line, ", order "+done.Order.ID+", lines fulfilled, fulfillment event shipped") {
		t.Errorf("order_update printed %q", line)
	}
}
