package host_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"

	"github.com/acp-sidecar/acp/config"
	"github.com/acp-sidecar/acp/core/host"
	"github.com/acp-sidecar/acp/core/payment/sandbox"
	"github.com/acp-sidecar/acp/docs"
	"github.com/acp-sidecar/acp/internal/acpschema"
	"github.com/acp-sidecar/acp/internal/feedtest"
)

// openAPI is the merchant API's OpenAPI document, parsed, and a compiler
// of its schemas.
type openAPI struct {
	doc      map[string]any
	compiler *jsonschema.Compiler
}

const openAPIURL = "https://acp-sidecar.invalid/merchant-api.openapi.json"

// loadOpenAPI parses the embedded document (YAML) as JSON values.
func loadOpenAPI(t *testing.T) *openAPI {
	t.Helper()
	var raw any
	if err := yaml.Unmarshal(docs.MerchantAPIOpenAPI, &raw); err != nil {
		t.Fatalf("the OpenAPI document is not YAML: %v", err)
	}
	asJSON, err := json.Marshal(raw)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(asJSON))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	if err := c.AddResource(openAPIURL, doc); err != nil {
		t.Fatal(err)
	}
	return &openAPI{doc: doc.(map[string]any), compiler: c}
}

// responseSchema compiles the schema of the response the document gives
// for path (as templated in the document), method and status: the
// status's own, else the default.
func (o *openAPI) responseSchema(t *testing.T, path, method string, status int) *jsonschema.Schema {
	t.Helper()
	op, ok := dig(o.doc, "paths", path, method).(map[string]any)
	if !ok {
		t.Fatalf("the document has no %s %s", method, path)
	}
	key := strconv.Itoa(status)
	if _, ok := dig(op, "responses", key).(map[string]any); !ok {
		key = "default"
	}
	ptr := "#/paths/" + escape(path) + "/" + method + "/responses/" + key
	resp := dig(op, "responses", key).(map[string]any)
	if ref, ok := resp["$ref"].(string); ok {
		ptr = ref
		resp = dig(o.doc, strings.Split(strings.TrimPrefix(ref, "#/"), "/")...).(map[string]any)
	}
	if dig(resp, "content", "application/json", "schema") == nil {
		t.Fatalf("%s %s %d: the document gives no JSON schema (%s)", method, path, status, ptr)
	}
	s, err := o.compiler.Compile(openAPIURL + ptr + "/content/application~1json/schema")
	if err != nil {
		t.Fatalf("compile %s: %v", ptr, err)
	}
	return s
}

// escape escapes a path for a JSON pointer.
func escape(s string) string { return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1") }

// dig follows keys through nested maps.
func dig(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// merchantClient calls the merchant API of a running server and checks
// every answer against the document.
type merchantClient struct {
	t       *testing.T
	base    string
	api     *openAPI
	checked map[string]bool
}

// idSegment matches the concrete ids in a request path, to find the
// document's templated path.
var idSegment = regexp.MustCompile(`/orders/[^/]+`)

// sessionSegment matches a concrete checkout session id in a path.
var sessionSegment = regexp.MustCompile(`/checkout_sessions/[^/]+`)

// feedSegment matches a concrete feed target name in a path.
var feedSegment = regexp.MustCompile(`/feeds/[^/]+/`)

// call sends a request and validates the answer; it returns the status
// and the decoded body.
func (m *merchantClient) call(method, path, body, token string) (int, any) {
	m.t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, m.base+"/merchant"+path, r)
	if err != nil {
		m.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		m.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		m.t.Fatal(err)
	}
	templ, _, _ := strings.Cut(path, "?")
	if templ != "/orders" && templ != "/orders/failed" {
		templ = idSegment.ReplaceAllString(templ, "/orders/{id}")
		templ = sessionSegment.ReplaceAllString(templ, "/checkout_sessions/{id}")
		templ = feedSegment.ReplaceAllString(templ, "/feeds/{name}/")
	}
	schema := m.api.responseSchema(m.t, templ, strings.ToLower(method), resp.StatusCode)
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		m.t.Fatalf("%s %s: %d, not JSON: %s", method, path, resp.StatusCode, data)
	}
	if err := schema.Validate(v); err != nil {
		m.t.Errorf("%s %s: %d: the answer does not match the OpenAPI document: %v\n%s", method, path, resp.StatusCode, err, data)
	}
	m.checked[fmt.Sprintf("%s %s %d", method, templ, resp.StatusCode)] = true
	return resp.StatusCode, v
}

// TestMerchantAPIMatchesOpenAPI runs the demo store, places an order and
// calls every route of the merchant API, successes and errors, checking
// each answer against docs/merchant-api.openapi.yaml, which the server
// serves itself.
func TestMerchantAPIMatchesOpenAPI(t *testing.T) {
	t.Parallel()
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
	}))
	defer receiver.Close()
	demo, err := os.ReadFile("../../acp.yaml")
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(demo), "    local_only_token: demo-agent-local-token\n",
		"    local_only_token: demo-agent-local-token\n    webhooks:\n      - name: orders\n        url: "+receiver.URL+
			"/acp\n        secret_env: WEBHOOK_SECRET\n        max_attempts: 1\n", 1)
	text = strings.Replace(text, "dir: ./data", "dir: "+filepath.Join(t.TempDir(), "data"), 1)
	// The demo config already allows private networks (webhook_delivery)
	// for its UCP walkthrough's loopback receiver, as this receiver needs.
	platform := feedtest.New(t, feedtest.Options{Token: "feed-token"})
	// A product the platform refuses shows in the target's state.
	platform.Refuse(422, "tumbler-travel")
	text += "\nfeeds:\n  - name: platform\n    url: " + platform.URL() + "\n    token_env: FEED_TOKEN\n    target_country: US\n" + feedtest.PublishingConfig()
	text = strings.Replace(text, "\nmerchant:\n", "\nmerchant:\n  marketing_consent_options:\n    - channel: email\n      display_text: News and offers\n      privacy_policy_url: https://shop.example/privacy\n", 1)
	cfg, err := config.LoadBytes([]byte(text), host.ConfigOptions("127.0.0.1:0"))
	if err != nil {
		t.Fatal(err)
	}
	getenv := func(k string) string {
		switch k {
		case "WEBHOOK_SECRET":
			return strings.Repeat("s", 32)
		case "FEED_TOKEN":
			return "feed-token"
		}
		return ""
	}
	h, err := host.New(cfg, slog.New(slog.DiscardHandler), getenv)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := h.Listen()
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- h.Serve(ctx, ln) }()
	defer func() {
		stop()
		if err := <-served; err != nil {
			t.Error(err)
		}
	}()
	base := "http://" + ln.Addr().String()

	order := placeOrder(t, base, "spt_test_ok")
	second := placeOrder(t, base, "spt_test_ok")
	// A capture refused after the order was accepted: a failed order.
	unpaid := placeOrder(t, base, "spt_test"+sandbox.CaptureFailSuffix)
	m := &merchantClient{t: t, base: base, api: loadOpenAPI(t), checked: map[string]bool{}}
	const token = "demo-merchant-local-token"

	m.call("GET", "/orders", "", token)
	m.call("GET", "/orders?limit=1", "", token)
	m.call("GET", "/orders?limit=0", "", token)
	m.call("GET", "/orders/"+order, "", token)
	m.call("GET", "/orders/ord_unknown", "", token)
	m.call("GET", "/orders", "", "")
	m.call("GET", "/orders", "", "wrong-token-0123456789")
	m.call("POST", "/orders/"+order+"/fulfillments", `{"type":"shipping","status":"shipped","carrier":"UPS","tracking_number":"1Z","line_items":[{"id":"li_mug-classic","quantity":2}],"event":{"location":"Oakland, CA"}}`, token)
	if _, o := m.call("GET", "/orders/"+order, "", token); dig(o, "fulfillments") == nil {
		t.Errorf("the fulfillment is not on the order: %v", o)
	}
	m.call("POST", "/orders/"+order+"/fulfillments", `{"type":"teleport"}`, token)
	m.call("POST", "/orders/"+order+"/fulfillments", `not json`, token)
	m.call("POST", "/orders/"+order+"/adjustments", `{"type":"refund","amount":100,"reason":"damaged"}`, token)
	m.call("POST", "/orders/"+order+"/adjustments", `{"type":"refund","amount":-1}`, token)
	m.call("POST", "/orders/"+second+"/cancel", `{"reason":"out of stock"}`, token)
	m.call("POST", "/orders/"+second+"/cancel", "", token)
	if _, failed := m.call("GET", "/orders/failed", "", token); dig(failed, "data") == nil {
		t.Errorf("no failed orders: %v", failed)
	} else if list := dig(failed, "data").([]any); len(list) != 1 || dig(list[0], "order_id") != unpaid || dig(list[0], "money") != "capture_failed" {
		t.Errorf("failed orders = %v, want the order %s whose capture was refused", list, unpaid)
	}
	m.call("GET", "/orders/failed?limit=1&starting_after=cs_unknown/1", "", token)
	m.call("GET", "/webhooks/events?state=pending", "", token)
	m.call("GET", "/webhooks/events?state=nonsense", "", token)
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, events := m.call("GET", "/webhooks/events", "", token)
		if list, _ := dig(events, "data").([]any); len(list) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no dead webhook event")
		}
		time.Sleep(50 * time.Millisecond)
	}
	// The order's insights (docs/buyer-data.md), the token masked.
	if _, o := m.call("GET", "/orders/"+order, "", token); dig(o, "insights", "first_touch", "provider") != "impact.com" ||
		dig(o, "insights", "last_touch", "campaign_id") != "camp_last" || dig(o, "insights", "first_touch", "token") != "****9ABC" ||
		dig(o, "insights", "risk_signals", "ip_address") != "203.0.113.45" {
		t.Errorf("the order's insights are not as reported: %v", dig(o, "insights"))
	} else if c, _ := dig(o, "insights", "marketing_consents").([]any); len(c) != 1 || dig(c[0], "contact") != "ada@example.com" {
		t.Errorf("marketing consents = %v, want the offered email channel only, with the buyer's email", c)
	}
	canceled := cancelSession(t, base)
	if _, s := m.call("GET", "/checkout_sessions/"+canceled, "", token); dig(s, "intent_trace", "reason_code") != "shipping_cost" || dig(s, "status") != "canceled" {
		t.Errorf("the canceled session = %v, want its intent trace", s)
	}
	m.call("GET", "/checkout_sessions/cs_unknown", "", token)
	m.call("POST", "/webhooks/retry", `{"ids":["evt_unknown"]}`, token)
	m.call("POST", "/webhooks/retry", "", token)
	// The product feed: published (but for a product refused), then
	// pushed again in full.
	deadline = time.Now().Add(10 * time.Second)
	for {
		_, feeds := m.call("GET", "/feeds", "", token)
		if list, _ := dig(feeds, "data").([]any); len(list) == 1 && dig(list[0], "last_publish_at") != nil && dig(list[0], "pending") == json.Number("0") {
			if dig(list[0], "name") != "platform" || dig(list[0], "url") != platform.URL() || dig(list[0], "publishing") != true || dig(list[0], "feed_id") == nil ||
				dig(list[0], "refused") != json.Number("1") || fmt.Sprint(dig(list[0], "refused_ids")) != "[tumbler-travel]" {
				t.Errorf("the feed target = %v", list[0])
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the feed target was not published: %v", feeds)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if _, pushed := m.call("POST", "/feeds/platform/push", "", token); dig(pushed, "push_requested_at") == nil {
		t.Errorf("a push = %v, want push_requested_at", pushed)
	}
	m.call("POST", "/feeds/platform/push", "{}", token)
	m.call("POST", "/feeds/unknown/push", "", token)
	m.call("POST", "/feeds/platform/push", `{"all":true}`, token)

	for _, want := range []string{
		"GET /orders 200", "GET /orders 400", "GET /orders/failed 200", "GET /orders/failed 400", "GET /orders 401", "GET /orders/{id} 200", "GET /orders/{id} 404",
		"POST /orders/{id}/fulfillments 200", "POST /orders/{id}/fulfillments 400", "POST /orders/{id}/adjustments 200",
		"POST /orders/{id}/adjustments 400", "POST /orders/{id}/cancel 200", "GET /webhooks/events 200",
		"GET /webhooks/events 400", "POST /webhooks/retry 200", "GET /checkout_sessions/{id} 200", "GET /checkout_sessions/{id} 404",
		"GET /feeds 200", "POST /feeds/{name}/push 200", "POST /feeds/{name}/push 404", "POST /feeds/{name}/push 400",
	} {
		if !m.checked[want] {
			t.Errorf("no answer %q was checked; checked: %v", want, m.checked)
		}
	}

	// The server serves the document itself, behind the merchant token.
	req, _ := http.NewRequest(http.MethodGet, base+"/merchant/openapi.yaml", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	served2, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !bytes.Equal(served2, docs.MerchantAPIOpenAPI) || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/yaml") {
		t.Errorf("GET /merchant/openapi.yaml: %d %s, %d bytes; want the document", resp.StatusCode, resp.Header.Get("Content-Type"), len(served2))
	}
}

// agentPost posts an ACP 2026-04-17 request as the demo agent and returns
// the 2xx answer; the request and the answer are checked against the
// version's schemas.
func agentPost(t *testing.T, base string) func(path, body string) map[string]any {
	schemas := acpschema.For(t, "2026-04-17")
	return func(path, body string) map[string]any {
		t.Helper()
		// Create and update bodies carry line item quantities, which every
		// RFC sends and the 2026 schemas lack (ACP-NOTES §12 #1): of them,
		// the attribution is checked.
		answer := acpschema.AnySession
		switch {
		case strings.HasSuffix(path, "/complete"):
			answer = acpschema.CompletedSession
			schemas.Def(t, "CheckoutSessionCompleteRequest", []byte(body))
		case strings.HasSuffix(path, "/cancel"):
			schemas.Def(t, "CancelSessionRequest", []byte(body))
		default:
			var members struct {
				Attribution json.RawMessage `json:"affiliate_attribution"`
			}
			if err := json.Unmarshal([]byte(body), &members); err != nil {
				t.Fatal(err)
			}
			if members.Attribution != nil {
				schemas.Def(t, "AffiliateAttribution", members.Attribution)
			}
		}
		req, _ := http.NewRequest(http.MethodPost, base+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer demo-agent-local-token")
		req.Header.Set("API-Version", "2026-04-17")
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", fmt.Sprintf("k-%d", time.Now().UnixNano()))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		data, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		var out map[string]any
		if err := json.Unmarshal(data, &out); err != nil || resp.StatusCode >= 300 {
			t.Fatalf("POST %s: %d %s %v", path, resp.StatusCode, data, err)
		}
		schemas.Response(t, answer, data)
		return out
	}
}

// cancelSession opens a session as the demo agent and cancels it with an
// intent trace; it returns the session id.
func cancelSession(t *testing.T, base string) string {
	t.Helper()
	post := agentPost(t, base)
	session := post("/checkout_sessions", `{"line_items":[{"id":"mug-classic"}],"currency":"usd","capabilities":{}}`)
	id, _ := session["id"].(string)
	post("/checkout_sessions/"+id+"/cancel", `{"intent_trace":{"reason_code":"shipping_cost","trace_summary":"Shipping was more than the mug.","metadata":{"compared_sites":3}}}`)
	return id
}

// placeOrder checks out two mugs and the ebook as the demo agent, with an
// affiliate attribution at create and at complete, marketing consents
// for an offered and an unoffered channel, and risk signals; it returns
// the order id.
func placeOrder(t *testing.T, base, token string) string {
	t.Helper()
	post := agentPost(t, base)
	session := post("/checkout_sessions", `{"line_items":[{"id":"mug-classic","quantity":2},{"id":"guide-brewing-ebook"}],"currency":"usd","capabilities":{},
		"affiliate_attribution":{"provider":"impact.com","token":"atp_01J8Z3WXYZ9ABC","publisher_id":"pub_123","campaign_id":"camp_first","source":{"type":"url","url":"https://blog.example/review"}}}`)
	id, _ := session["id"].(string)
	post("/checkout_sessions/"+id, `{"fulfillment_details":{"name":"Ada Lovelace","email":"ada@example.com",
		"address":{"name":"Ada Lovelace","line_one":"1 Market St","city":"San Francisco","state":"CA","country":"US","postal_code":"94105"}},
		"selected_fulfillment_options":[{"type":"shipping","option_id":"express","item_ids":["li_mug-classic"]}]}`)
	done := post("/checkout_sessions/"+id+"/complete",
		`{"payment_data":{"handler_id":"sandbox_card","instrument":{"type":"card","credential":{"type":"spt","token":"`+token+`"}}},
		"affiliate_attribution":{"provider":"impact.com","publisher_id":"pub_456","campaign_id":"camp_last"},
		"marketing_consents":[{"channel":"email","opted_in":true},{"channel":"sms","opted_in":true}],
		"risk_signals":{"ip_address":"203.0.113.45","user_agent":"Mozilla/5.0"}}`)
	orderID, _ := dig(done, "order", "id").(string)
	if orderID == "" {
		t.Fatalf("no order in %v", done)
	}
	return orderID
}
