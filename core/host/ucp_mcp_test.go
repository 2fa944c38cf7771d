package host_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/acp-sidecar/acp/core/host"
	"github.com/acp-sidecar/acp/core/ucp"
	"github.com/acp-sidecar/acp/internal/acpschema"
	"github.com/acp-sidecar/acp/internal/testkit"
	"github.com/acp-sidecar/acp/internal/ucpschema"
)

// demoProfile is the platform profile acp.yaml gives the demo agent.
const demoProfile = "https://demo-platform.invalid/.well-known/ucp"

// connectUCPMCP opens an MCP client session to the server's UCP MCP
// endpoint with the official Go SDK, authenticated with token.
func connectUCPMCP(t *testing.T, s *server, token string) *mcp.ClientSession {
	t.Helper()
	cs, err := testkit.ConnectMCP(t, s.base+"/ucp/mcp", token, "ucp-test-platform")
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// ucpMeta is the meta argument of the demo platform, with an
// idempotency key when key is not empty.
func ucpMeta(key string) map[string]any {
	m := map[string]any{"ucp-agent": map[string]any{"profile": demoProfile}}
	if key != "" {
		m["idempotency-key"] = key
	}
	return m
}

// ucpTool calls a UCP tool and returns its structured content as JSON,
// checked against the tool's result schema in mcp.openrpc.json and its
// declared output schema, and equal to its text content.
func ucpTool(t *testing.T, cs *mcp.ClientSession, name string, args map[string]any) []byte {
	t.Helper()
	res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if res.IsError || len(res.Content) != 1 {
		t.Fatalf("%s: result %+v", name, res)
	}
	body, err := json.Marshal(res.StructuredContent)
	if err != nil {
		t.Fatal(err)
	}
	if text := res.Content[0].(*mcp.TextContent).Text; !jsonEqual(t, body, []byte(text)) {
		t.Errorf("%s: text content differs from structured content:\n%s\n%s", name, text, body)
	}
	ucpschema.ToolResult(t, name, body)
	if err := acpschema.CheckToolOutput(t, cs, name, body); err != nil {
		t.Errorf("%s: structured content breaks the declared output schema: %v\n%s", name, err, body)
	}
	return body
}

// TestUCPMCPFlow drives the demo store over UCP's MCP binding with the
// official Go SDK client: create, update, complete with the sandbox
// handler (and the same call again, which replays), get, Get Order, an
// unknown order, and cancel another checkout.
func TestUCPMCPFlow(t *testing.T) {
	t.Parallel()
	s := startServer(t, loadConfig(t, "../../acp.yaml", t.TempDir()))
	cs := connectUCPMCP(t, s, demoToken)

	created := decodeCheckout(t, response{body: ucpTool(t, cs, "create_checkout", map[string]any{"meta": ucpMeta(""),
		"checkout": json.RawMessage(`{"line_items":[{"item":{"id":"guide-brewing-ebook"},"quantity":1}],"buyer":{"email":"jane@example.com"}}`)})})
	if created.ID == "" || created.Status != "ready_for_complete" || created.UCP.Status != "success" || len(created.LineItems) != 1 {
		t.Fatalf("created = %+v", created)
	}
	updated := decodeCheckout(t, response{body: ucpTool(t, cs, "update_checkout", map[string]any{"meta": ucpMeta(""), "id": created.ID,
		"checkout": json.RawMessage(`{"line_items":[{"id":"` + created.LineItems[0].ID + `","item":{"id":"guide-brewing-ebook"},"quantity":2}],"buyer":{"email":"jane@example.com"}}`)})})
	if updated.ID != created.ID || updated.LineItems[0].Quantity != 2 || updated.total("subtotal") != 2*created.total("subtotal") {
		t.Fatalf("updated = %+v, created %+v", updated, created)
	}

	before := s.charges(t)
	complete := map[string]any{"meta": ucpMeta("7c9e6679-7425-40de-944b-e07fc1f90ae7"), "id": created.ID,
		"checkout": json.RawMessage(`{"payment":{"instruments":[{"id":"i1","handler_id":"sandbox_card","type":"card","credential":{"type":"PAYMENT_GATEWAY","token":"tok_ok"}}]}}`)}
	done := decodeCheckout(t, response{body: ucpTool(t, cs, "complete_checkout", complete)})
	if done.Status != "completed" || done.Order == nil || done.Order.ID == "" {
		t.Fatalf("completed = %+v", done)
	}
	again := decodeCheckout(t, response{body: ucpTool(t, cs, "complete_checkout", complete)})
	if again.Status != "completed" || again.Order == nil || again.Order.ID != done.Order.ID {
		t.Fatalf("completed again = %+v", again)
	}
	if n := s.charges(t) - before; n != 1 {
		t.Errorf("%d charges, want 1: the second call replays the first", n)
	}

	got := decodeCheckout(t, response{body: ucpTool(t, cs, "get_checkout", map[string]any{"meta": ucpMeta(""), "id": created.ID})})
	if got.Status != "completed" || got.Order == nil || got.Order.ID != done.Order.ID {
		t.Fatalf("get = %+v", got)
	}
	order := ucpTool(t, cs, "get_order", map[string]any{"meta": ucpMeta(""), "id": done.Order.ID})
	var o struct {
		ID         string `json:"id"`
		CheckoutID string `json:"checkout_id"`
		LineItems  []struct {
			Quantity struct {
				Total int64 `json:"total"`
			} `json:"quantity"`
		} `json:"line_items"`
	}
	if err := json.Unmarshal(order, &o); err != nil || o.ID != done.Order.ID || o.CheckoutID != created.ID || len(o.LineItems) != 1 || o.LineItems[0].Quantity.Total != 2 {
		t.Fatalf("order = %s", order)
	}
	missing := ucpTool(t, cs, "get_order", map[string]any{"meta": ucpMeta(""), "id": "ord_missing"})
	if !strings.Contains(string(missing), `"status":"error"`) || !strings.Contains(string(missing), `"not_found"`) {
		t.Fatalf("unknown order = %s", missing)
	}

	other := decodeCheckout(t, response{body: ucpTool(t, cs, "create_checkout", map[string]any{"meta": ucpMeta(""),
		"checkout": json.RawMessage(`{"line_items":[{"item":{"id":"guide-brewing-ebook"},"quantity":1}]}`)})})
	canceled := decodeCheckout(t, response{body: ucpTool(t, cs, "cancel_checkout", map[string]any{"meta": ucpMeta("0d6f1c1e-2b8f-4b7e-9a53-0d0c3c0a9f11"), "id": other.ID})})
	if canceled.ID != other.ID || canceled.Status != "canceled" {
		t.Fatalf("canceled = %+v", canceled)
	}
}

// TestUCPMCPErrors checks the refusals of the UCP MCP endpoint: the
// HTTP status with a JSON-RPC error in UCP's shape, whether the shared
// stack refuses the request (no token) or the tool call is refused (no
// platform profile, a profile the agent may not present, a session that
// is not there).
func TestUCPMCPErrors(t *testing.T) {
	t.Parallel()
	s := startServer(t, loadConfig(t, "../../acp.yaml", t.TempDir()))
	testCases := map[string]struct {
		token      string
		args       map[string]any
		wantStatus int
		wantCode   int64
		wantData   string
	}{
		"no token": {args: map[string]any{"meta": ucpMeta(""), "id": "cs_1"},
			wantStatus: http.StatusUnauthorized, wantCode: -32000},
		"no platform profile": {token: demoToken, args: map[string]any{"meta": map[string]any{}, "id": "cs_1"},
			wantStatus: http.StatusBadRequest, wantCode: -32001, wantData: "invalid_profile_url"},
		"a session that is not there": {token: demoToken, args: map[string]any{"meta": ucpMeta(""), "id": "cs_missing"},
			wantStatus: http.StatusNotFound, wantCode: -32000, wantData: "not_found"},
		"a malformed id": {token: demoToken, args: map[string]any{"meta": ucpMeta(""), "id": "../orders/o"},
			wantStatus: http.StatusBadRequest, wantCode: jsonrpc.CodeInvalidParams},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			body, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 1, "method": "tools/call",
				"params": map[string]any{"name": "get_checkout", "arguments": tc.args}})
			req, _ := http.NewRequest(http.MethodPost, s.base+"/ucp/mcp", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept", "application/json, text/event-stream")
			if tc.token != "" {
				req.Header.Set("Authorization", "Bearer "+tc.token)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			data, _ := io.ReadAll(resp.Body)
			var answer struct {
				Error *struct {
					Code int64 `json:"code"`
					Data struct {
						Code    string `json:"code"`
						Content string `json:"content"`
					} `json:"data"`
				} `json:"error"`
			}
			if err := json.Unmarshal(data, &answer); err != nil || resp.StatusCode != tc.wantStatus || answer.Error == nil || answer.Error.Code != tc.wantCode {
				t.Fatalf("HTTP %d %s, want %d with JSON-RPC error %d", resp.StatusCode, data, tc.wantStatus, tc.wantCode)
			}
			if tc.wantCode != jsonrpc.CodeInvalidParams && (answer.Error.Data.Code == "" || answer.Error.Data.Content == "") {
				t.Errorf("error data %s, want UCP's {code, content}", data)
			}
			if tc.wantData != "" && answer.Error.Data.Code != tc.wantData {
				t.Errorf("error code %q, want %q", answer.Error.Data.Code, tc.wantData)
			}
		})
	}
	// The official client sees a refused call as the JSON-RPC error.
	_, err := connectUCPMCP(t, s, demoToken).CallTool(context.Background(), &mcp.CallToolParams{Name: "get_order",
		Arguments: map[string]any{"meta": map[string]any{"ucp-agent": map[string]any{"profile": "https://elsewhere.invalid/profile"}}, "id": "ord_1"}})
	var rpcErr *jsonrpc.Error
	if !errors.As(err, &rpcErr) || !strings.Contains(string(rpcErr.Data), `"code"`) {
		t.Fatalf("a profile the agent may not present: %v, want a JSON-RPC error with UCP's error as data", err)
	}
}

// TestUCPMCPSignedAgent documents a limit: an agent that must sign its
// UCP requests cannot use the MCP endpoint, whose tool calls become REST
// requests without a signature; each is refused with UCP's signature
// error, and the verifier sees the dispatched request.
func TestUCPMCPSignedAgent(t *testing.T) {
	t.Parallel()
	cfg := signingAgentConfig(t)
	cfg.UCP.MCPPath = "/ucp/mcp"
	verifier := recordingVerifier{seen: make(chan *ucp.SignedRequest, 8)}
	s := startServer(t, cfg, host.WithUCPNegotiator(fixedNegotiator{}), host.WithUCPVerifier(verifier))
	meta := map[string]any{"ucp-agent": map[string]any{"profile": ucpProfile}}
	_, err := connectUCPMCP(t, s, otherToken).CallTool(context.Background(), &mcp.CallToolParams{Name: "get_checkout",
		Arguments: map[string]any{"meta": meta, "id": "cs_1"}})
	var rpcErr *jsonrpc.Error
	if !errors.As(err, &rpcErr) || rpcErr.Code != -32000 || !strings.Contains(string(rpcErr.Data), ucp.CodeSignatureInvalid) {
		t.Fatalf("error = %v, want UCP's signature error", err)
	}
	if req := <-verifier.seen; req.Path != "/ucp/checkout-sessions/cs_1" || req.Header.Get("Signature") != "" {
		t.Errorf("verifier saw %s with Signature %q", req.Path, req.Header.Get("Signature"))
	}
	// The agent that need not sign is served.
	if _, err := connectUCPMCP(t, s, testToken).CallTool(context.Background(), &mcp.CallToolParams{Name: "get_checkout",
		Arguments: map[string]any{"meta": meta, "id": "cs_1"}}); !errors.As(err, &rpcErr) || !strings.Contains(string(rpcErr.Data), "not_found") {
		t.Fatalf("unsigned agent: %v, want the session's not_found", err)
	}
}
