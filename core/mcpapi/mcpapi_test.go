package mcpapi

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/acp-sidecar/acp/internal/testkit"
)

// call is one REST request the tools dispatched.
type call struct {
	method, path string
	header       http.Header
	body         string
}

// rest is a Dispatcher standing for the server's REST stack: it records
// each request and answers with status, header and body.
type rest struct {
	mu     sync.Mutex
	calls  []call
	status int
	header http.Header
	body   string
}

func (r *rest) Dispatch(method, path string, header http.Header, body []byte) (int, http.Header, []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, call{method: method, path: path, header: header, body: string(body)})
	h := r.header
	if h == nil {
		h = http.Header{}
	}
	return r.status, h, []byte(r.body)
}

func (r *rest) last(t *testing.T) call {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.calls) == 0 {
		t.Fatal("nothing was dispatched")
	}
	return r.calls[len(r.calls)-1]
}

// connect serves the MCP endpoint over rest with style and connects the
// official MCP client to it, sending a bearer token.
func connect(t *testing.T, r *rest, style string) *mcp.ClientSession {
	t.Helper()
	handler, err := New(Options{ErrorStyle: style, Version: "test", MaxBodyBytes: 1 << 20}, r)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	cs, err := testkit.ConnectMCP(t, srv.URL, "agent-token", "test-agent")
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

const session = `{"id":"cs_1","status":"ready_for_payment"}`

// TestToolsDispatchREST checks that each tool becomes its REST request:
// method, path, body, and meta as headers, with the agent's token.
func TestToolsDispatchREST(t *testing.T) {
	t.Parallel()
	r := &rest{status: http.StatusOK, body: session}
	cs := connect(t, r, ErrorStyleToolError)
	testCases := map[string]struct {
		args       map[string]any
		wantMethod string
		wantPath   string
		wantBody   string
		wantHeader map[string]string
	}{
		"create_checkout_session": {
			args:       map[string]any{"meta": map[string]any{"api_version": "2026-04-17", "request_id": "req-1"}, "payload": map[string]any{"currency": "usd"}},
			wantMethod: http.MethodPost, wantPath: "/checkout_sessions", wantBody: `{"currency":"usd"}`,
			wantHeader: map[string]string{"API-Version": "2026-04-17", "Request-Id": "req-1", "Content-Type": "application/json", "Authorization": "Bearer agent-token"},
		},
		"get_checkout_session": {
			args:       map[string]any{"meta": map[string]any{"api_version": "2026-04-17"}, "id": "cs_1"},
			wantMethod: http.MethodGet, wantPath: "/checkout_sessions/cs_1",
			wantHeader: map[string]string{"Idempotency-Key": ""},
		},
		"complete_checkout_session": {
			args:       map[string]any{"meta": map[string]any{"api_version": "2026-04-17", "idempotency_key": "k-1"}, "id": "cs_1", "payload": map[string]any{}},
			wantMethod: http.MethodPost, wantPath: "/checkout_sessions/cs_1/complete", wantBody: `{}`,
			wantHeader: map[string]string{"Idempotency-Key": "k-1"},
		},
		"cancel_checkout_session": {
			args:       map[string]any{"meta": map[string]any{"api_version": "2026-04-17"}, "id": "cs_1"},
			wantMethod: http.MethodPost, wantPath: "/checkout_sessions/cs_1/cancel",
		},
	}
	for name, tc := range testCases {
		res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: name, Arguments: tc.args})
		if err != nil || res.IsError {
			t.Fatalf("%s: %+v, %v", name, res, err)
		}
		got := r.last(t)
		if got.method != tc.wantMethod || got.path != tc.wantPath || got.body != tc.wantBody {
			t.Errorf("%s dispatched %s %s %q, want %s %s %q", name, got.method, got.path, got.body, tc.wantMethod, tc.wantPath, tc.wantBody)
		}
		for k, v := range tc.wantHeader {
			if got.header.Get(k) != v {
				t.Errorf("%s: header %s = %q, want %q", name, k, got.header.Get(k), v)
			}
		}
		if tc.wantMethod == http.MethodPost && got.header.Get("Idempotency-Key") == "" {
			t.Errorf("%s: a POST without a key gets a fresh one", name)
		}
		if name == "complete_checkout_session" {
			// Completing without a key goes to REST without one, which
			// refuses it: no key is made up where a replay could charge.
			args := map[string]any{"meta": map[string]any{"api_version": "2026-04-17"}, "id": "cs_1", "payload": map[string]any{}}
			if _, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: name, Arguments: args}); err != nil {
				t.Fatal(err)
			}
			if key := r.last(t).header.Get("Idempotency-Key"); key != "" {
				t.Errorf("complete without a key was given key %q", key)
			}
		}
		body, _ := json.Marshal(res.StructuredContent)
		if string(body) != session || res.Content[0].(*mcp.TextContent).Text != session {
			t.Errorf("%s: result %s, want the REST body", name, body)
		}
	}
}

// TestInvalidArguments checks the calls refused before anything is
// dispatched.
func TestInvalidArguments(t *testing.T) {
	t.Parallel()
	r := &rest{status: http.StatusOK, body: session}
	cs := connect(t, r, ErrorStyleToolError)
	testCases := map[string]struct {
		tool string
		args map[string]any
	}{
		"no meta":                   {tool: "get_checkout_session", args: map[string]any{"id": "cs_1"}},
		"an id reaching elsewhere":  {tool: "get_checkout_session", args: map[string]any{"meta": map[string]any{"api_version": "2026-04-17"}, "id": "../admin"}},
		"create without a payload":  {tool: "create_checkout_session", args: map[string]any{"meta": map[string]any{"api_version": "2026-04-17"}}},
		"meta that is not a string": {tool: "get_checkout_session", args: map[string]any{"meta": map[string]any{"api_version": 2026}, "id": "cs_1"}},
	}
	for name, tc := range testCases {
		res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: tc.tool, Arguments: tc.args})
		if err == nil && (res == nil || !res.IsError) {
			t.Errorf("%s: accepted: %+v", name, res)
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.calls) != 0 {
		t.Errorf("refused calls were dispatched: %+v", r.calls)
	}
}

// TestErrorStyles checks how an ACP error reaches the agent in each
// style, and the replay and retry hints in the result's meta.
func TestErrorStyles(t *testing.T) {
	t.Parallel()
	const acpErr = `{"type":"service_unavailable","code":"upstream_unavailable","message":"The catalog is down."}`
	args := map[string]any{"meta": map[string]any{"api_version": "2026-04-17"}, "id": "cs_1"}
	t.Run("tool error", func(t *testing.T) {
		t.Parallel()
		r := &rest{status: http.StatusServiceUnavailable, body: acpErr, header: http.Header{"Retry-After": {"3"}, "Idempotent-Replayed": {"true"}}}
		res, err := connect(t, r, ErrorStyleToolError).CallTool(context.Background(), &mcp.CallToolParams{Name: "get_checkout_session", Arguments: args})
		if err != nil || !res.IsError || !strings.Contains(res.Content[0].(*mcp.TextContent).Text, "upstream_unavailable") {
			t.Fatalf("result %+v, %v; want the ACP error as a tool error", res, err)
		}
		if res.Meta["acp/retry_after_seconds"] != float64(3) || res.Meta["acp/idempotent_replayed"] != true {
			t.Errorf("meta = %v, want the retry and replay hints", res.Meta)
		}
	})
	t.Run("JSON-RPC error", func(t *testing.T) {
		t.Parallel()
		r := &rest{status: http.StatusServiceUnavailable, body: acpErr}
		_, err := connect(t, r, ErrorStyleJSONRPC).CallTool(context.Background(), &mcp.CallToolParams{Name: "get_checkout_session", Arguments: args})
		var rpcErr *jsonrpc.Error
		if !errors.As(err, &rpcErr) || rpcErr.Code != codeACPError || rpcErr.Message != "The catalog is down." {
			t.Fatalf("error = %#v, want JSON-RPC %d with the ACP message", err, codeACPError)
		}
	})
}

// TestToolList checks the five tools, their required arguments and hints.
func TestToolList(t *testing.T) {
	t.Parallel()
	cs := connect(t, &rest{status: http.StatusOK, body: session}, ErrorStyleToolError)
	list, err := cs.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Tools) != len(tools) {
		t.Fatalf("%d tools, want %d", len(list.Tools), len(tools))
	}
	for _, tl := range list.Tools {
		schema, _ := json.Marshal(tl.InputSchema)
		if !strings.Contains(string(schema), `"meta"`) {
			t.Errorf("%s: input schema lacks meta: %s", tl.Name, schema)
		}
		if tl.Name == "get_checkout_session" && !tl.Annotations.ReadOnlyHint || tl.Name == "create_checkout_session" && tl.Annotations.IdempotentHint {
			t.Errorf("%s: annotations %+v", tl.Name, tl.Annotations)
		}
	}
}
