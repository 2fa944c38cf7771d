package ucpmcp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/acp-sidecar/acp/core/apierr"
	"github.com/acp-sidecar/acp/internal/testkit"
)

// request is one REST request the tools dispatched.
type request struct {
	method, path string
	header       http.Header
	body         string
}

// rest is a Dispatcher standing for UCP's REST binding: it records each
// request and answers with status, header and body.
type rest struct {
	mu       sync.Mutex
	requests []request
	status   int
	header   http.Header
	body     string
}

func (r *rest) Dispatch(method, path string, header http.Header, body []byte) (int, http.Header, []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.requests = append(r.requests, request{method: method, path: path, header: header, body: string(body)})
	h := r.header
	if h == nil {
		h = http.Header{}
	}
	return r.status, h, []byte(r.body)
}

func (r *rest) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.requests)
}

func (r *rest) last(t *testing.T) request {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.requests) == 0 {
		t.Fatal("nothing was dispatched")
	}
	return r.requests[len(r.requests)-1]
}

// serve serves the MCP endpoint over r on loopback.
func serve(t *testing.T, r *rest) *httptest.Server {
	t.Helper()
	handler, err := New(Options{Version: "test", MaxBodyBytes: 1 << 20}, r)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	return srv
}

// connect connects the official MCP client to the endpoint over r,
// sending a bearer token.
func connect(t *testing.T, r *rest) *mcp.ClientSession {
	t.Helper()
	srv := serve(t, r)
	cs, err := testkit.ConnectMCP(t, srv.URL, "agent-token", "test-platform")
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

const (
	profile  = "https://platform.example/profiles/agent.json"
	checkout = `{"ucp":{"version":"2026-04-08","status":"success"},"id":"cs_1","status":"incomplete"}`
	key      = "550e8400-e29b-41d4-a716-446655440000"
)

// meta is a meta argument naming the platform, with an idempotency key
// when key is not empty.
func meta(key string) map[string]any {
	m := map[string]any{"ucp-agent": map[string]any{"profile": profile}}
	if key != "" {
		m["idempotency-key"] = key
	}
	return m
}

// TestToolsDispatchREST checks that each tool becomes its REST request:
// method, path, body and headers.
func TestToolsDispatchREST(t *testing.T) {
	t.Parallel()
	r := &rest{status: http.StatusOK, body: checkout}
	cs := connect(t, r)
	minted := "(minted)"
	testCases := []struct {
		tool       string
		args       map[string]any
		wantMethod string
		wantPath   string
		wantBody   string
		wantKey    string
	}{
		{tool: "create_checkout", args: map[string]any{"meta": meta(key), "checkout": map[string]any{"currency": "USD"}},
			wantMethod: http.MethodPost, wantPath: "/checkout-sessions", wantBody: `{"currency":"USD"}`, wantKey: key},
		{tool: "create_checkout", args: map[string]any{"meta": meta(""), "checkout": map[string]any{"currency": "USD"}},
			wantMethod: http.MethodPost, wantPath: "/checkout-sessions", wantBody: `{"currency":"USD"}`, wantKey: minted},
		{tool: "get_checkout", args: map[string]any{"meta": meta(""), "id": "cs_1"},
			wantMethod: http.MethodGet, wantPath: "/checkout-sessions/cs_1"},
		{tool: "update_checkout", args: map[string]any{"meta": meta(""), "id": "cs_1", "checkout": map[string]any{"line_items": []any{}}},
			wantMethod: http.MethodPut, wantPath: "/checkout-sessions/cs_1", wantBody: `{"line_items":[]}`, wantKey: minted},
		{tool: "update_checkout", args: map[string]any{"meta": meta(key), "id": "cs_1", "checkout": map[string]any{}},
			wantMethod: http.MethodPut, wantPath: "/checkout-sessions/cs_1", wantBody: `{}`, wantKey: key},
		{tool: "complete_checkout", args: map[string]any{"meta": meta(key), "id": "cs_1", "checkout": map[string]any{"payment": map[string]any{}}},
			wantMethod: http.MethodPost, wantPath: "/checkout-sessions/cs_1/complete", wantBody: `{"payment":{}}`, wantKey: key},
		{tool: "cancel_checkout", args: map[string]any{"meta": meta(key), "id": "cs_1"},
			wantMethod: http.MethodPost, wantPath: "/checkout-sessions/cs_1/cancel", wantKey: key},
		{tool: "search_catalog", args: map[string]any{"meta": meta(""), "catalog": map[string]any{"query": "shoes"}},
			wantMethod: http.MethodPost, wantPath: "/catalog/search", wantBody: `{"query":"shoes"}`},
		{tool: "lookup_catalog", args: map[string]any{"meta": meta(""), "catalog": map[string]any{"ids": []any{"p1"}}},
			wantMethod: http.MethodPost, wantPath: "/catalog/lookup", wantBody: `{"ids":["p1"]}`},
		{tool: "get_product", args: map[string]any{"meta": meta(""), "catalog": map[string]any{"id": "p1"}},
			wantMethod: http.MethodPost, wantPath: "/catalog/product", wantBody: `{"id":"p1"}`},
		{tool: "get_order", args: map[string]any{"meta": meta(""), "id": "ord_1"},
			wantMethod: http.MethodGet, wantPath: "/orders/ord_1"},
	}
	seen := map[string]bool{}
	requestIDs := map[string]bool{}
	for _, tc := range testCases {
		seen[tc.tool] = true
		res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: tc.tool, Arguments: tc.args})
		if err != nil || res.IsError {
			t.Fatalf("%s: %+v, %v", tc.tool, res, err)
		}
		got := r.last(t)
		if got.method != tc.wantMethod || got.path != tc.wantPath || got.body != tc.wantBody {
			t.Errorf("%s dispatched %s %s %q, want %s %s %q", tc.tool, got.method, got.path, got.body, tc.wantMethod, tc.wantPath, tc.wantBody)
		}
		if a := got.header.Get("UCP-Agent"); a != `profile="`+profile+`"` {
			t.Errorf("%s: UCP-Agent = %q", tc.tool, a)
		}
		if a := got.header.Get("Authorization"); a != "Bearer agent-token" {
			t.Errorf("%s: Authorization = %q, want the MCP request's", tc.tool, a)
		}
		id := got.header.Get("Request-Id")
		if id == "" || requestIDs[id] {
			t.Errorf("%s: Request-Id %q, want a fresh one per call", tc.tool, id)
		}
		requestIDs[id] = true
		switch k := got.header.Get("Idempotency-Key"); {
		case tc.wantKey == minted && (k == "" || k == key):
			t.Errorf("%s without a key: Idempotency-Key %q, want a fresh one", tc.tool, k)
		case tc.wantKey != minted && k != tc.wantKey:
			t.Errorf("%s: Idempotency-Key %q, want %q", tc.tool, k, tc.wantKey)
		}
		if ct := got.header.Get("Content-Type"); (tc.wantBody != "") != (ct == "application/json") {
			t.Errorf("%s: Content-Type %q with body %q", tc.tool, ct, tc.wantBody)
		}
		body, _ := json.Marshal(res.StructuredContent)
		if !jsonEqual(body, []byte(checkout)) || res.Content[0].(*mcp.TextContent).Text != checkout {
			t.Errorf("%s: result %s, want the REST body as structured content and text", tc.tool, body)
		}
	}
	for _, tl := range tools {
		if !seen[tl.name] {
			t.Errorf("tool %s is not in the table", tl.name)
		}
	}
}

// TestRefusedArguments checks the calls refused before anything is
// dispatched, and how.
func TestRefusedArguments(t *testing.T) {
	t.Parallel()
	r := &rest{status: http.StatusOK, body: checkout}
	cs := connect(t, r)
	testCases := map[string]struct {
		tool     string
		args     map[string]any
		wantCode int64
		wantData string
	}{
		"no meta":                  {tool: "get_checkout", args: map[string]any{"id": "cs_1"}, wantCode: -32001, wantData: "invalid_profile_url"},
		"no ucp-agent":             {tool: "get_order", args: map[string]any{"meta": map[string]any{}, "id": "o1"}, wantCode: -32001, wantData: "invalid_profile_url"},
		"profile not a string":     {tool: "get_order", args: map[string]any{"meta": map[string]any{"ucp-agent": map[string]any{"profile": 7}}, "id": "o1"}, wantCode: -32001, wantData: "invalid_profile_url"},
		"profile not ASCII":        {tool: "get_order", args: map[string]any{"meta": map[string]any{"ucp-agent": map[string]any{"profile": "https://é.example/p"}}, "id": "o1"}, wantCode: -32001, wantData: "invalid_profile_url"},
		"complete without a key":   {tool: "complete_checkout", args: map[string]any{"meta": meta(""), "id": "cs_1", "checkout": map[string]any{}}, wantCode: jsonrpc.CodeInvalidParams},
		"cancel without a key":     {tool: "cancel_checkout", args: map[string]any{"meta": meta(""), "id": "cs_1"}, wantCode: jsonrpc.CodeInvalidParams},
		"key not a string":         {tool: "create_checkout", args: map[string]any{"meta": map[string]any{"ucp-agent": map[string]any{"profile": profile}, "idempotency-key": 5}, "checkout": map[string]any{}}, wantCode: jsonrpc.CodeInvalidParams},
		"no id":                    {tool: "get_checkout", args: map[string]any{"meta": meta("")}, wantCode: jsonrpc.CodeInvalidParams},
		"an id reaching elsewhere": {tool: "get_order", args: map[string]any{"meta": meta(""), "id": "../checkout-sessions/cs_1"}, wantCode: jsonrpc.CodeInvalidParams},
		"no checkout":              {tool: "create_checkout", args: map[string]any{"meta": meta("")}, wantCode: jsonrpc.CodeInvalidParams},
		"checkout not an object":   {tool: "update_checkout", args: map[string]any{"meta": meta(""), "id": "cs_1", "checkout": []any{}}, wantCode: jsonrpc.CodeInvalidParams},
		"no catalog":               {tool: "search_catalog", args: map[string]any{"meta": meta("")}, wantCode: jsonrpc.CodeInvalidParams},
	}
	for name, tc := range testCases {
		_, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: tc.tool, Arguments: tc.args})
		var rpcErr *jsonrpc.Error
		if !errors.As(err, &rpcErr) || rpcErr.Code != tc.wantCode || !strings.Contains(string(rpcErr.Data), tc.wantData) {
			t.Errorf("%s: error %v, want JSON-RPC %d with data naming %q", name, err, tc.wantCode, tc.wantData)
		}
	}
	if n := r.count(); n != 0 {
		t.Errorf("refused calls were dispatched: %d", n)
	}
}

// TestAgentHeader checks the UCP-Agent dictionary a profile becomes.
func TestAgentHeader(t *testing.T) {
	t.Parallel()
	testCases := map[string]struct {
		profile string
		want    string
	}{
		"plain":     {profile: "https://p.example/x.json", want: `profile="https://p.example/x.json"`},
		"quote":     {profile: `https://p.example/"x`, want: `profile="https://p.example/\"x"`},
		"backslash": {profile: `https://p.example/\x`, want: `profile="https://p.example/\\x"`},
		"control":   {profile: "https://p.example/\nx"},
		"non-ASCII": {profile: "https://p.example/ü"},
		"empty":     {profile: ""},
	}
	for name, tc := range testCases {
		meta, _ := json.Marshal(map[string]any{"ucp-agent": map[string]any{"profile": tc.profile}})
		got, e := agentHeader(meta)
		if tc.want == "" {
			if e == nil || e.Code != "invalid_profile_url" || e.Status != http.StatusBadRequest {
				t.Errorf("%s: %q, %v; want invalid_profile_url", name, got, e)
			}
			continue
		}
		if e != nil || got != tc.want {
			t.Errorf("%s: %q, %v; want %q", name, got, e, tc.want)
		}
	}
}

// rpcCall posts one tools/call to the endpoint at url and returns the
// HTTP response's status, Retry-After and body.
func rpcCall(t *testing.T, url, tool string, args map[string]any) (int, string, []byte) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 1, "method": "tools/call",
		"params": map[string]any{"name": tool, "arguments": args}})
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Retry-After"), out
}

// TestAnswers checks how each kind of REST answer reaches the platform:
// the JSON-RPC result or error, and the HTTP status carrying it.
func TestAnswers(t *testing.T) {
	t.Parallel()
	const errorResponse = `{"ucp":{"version":"2026-04-08","status":"error"},"messages":[{"type":"error","code":"not_found","content":"Order not found.","severity":"unrecoverable"}]}`
	testCases := map[string]struct {
		status     int
		header     http.Header
		body       string
		wantStatus int
		wantRetry  string
		// wantResult is the structured content, or "" for an error.
		wantResult string
		wantCode   int64
		wantData   map[string]any
	}{
		"a resource":                        {status: 201, body: checkout, wantStatus: 200, wantResult: checkout},
		"an error_response with 200":        {status: 200, body: errorResponse, wantStatus: 200, wantResult: errorResponse},
		"an error_response with a 4xx":      {status: 404, body: errorResponse, wantStatus: 200, wantResult: errorResponse},
		"not found":                         {status: 404, body: `{"code":"not_found","content":"No checkout session."}`, wantStatus: 404, wantCode: -32000, wantData: map[string]any{"code": "not_found", "content": "No checkout session."}},
		"discovery failure":                 {status: 424, body: `{"code":"profile_unreachable","content":"Timeout.","continue_url":"https://shop.example/"}`, wantStatus: 424, wantCode: -32001, wantData: map[string]any{"code": "profile_unreachable", "content": "Timeout.", "continue_url": "https://shop.example/"}},
		"version":                           {status: 422, body: `{"code":"version_unsupported","content":"No."}`, wantStatus: 422, wantCode: -32001, wantData: map[string]any{"code": "version_unsupported", "content": "No."}},
		"digest":                            {status: 400, body: `{"code":"digest_mismatch","content":"Digest."}`, wantStatus: 400, wantCode: -32600, wantData: map[string]any{"code": "digest_mismatch", "content": "Digest."}},
		"signature":                         {status: 401, body: `{"code":"signature_invalid","content":"Bad."}`, wantStatus: 401, wantCode: -32000, wantData: map[string]any{"code": "signature_invalid", "content": "Bad."}},
		"idempotency conflict":              {status: 409, body: `{"code":"idempotency_conflict","content":"Reused."}`, wantStatus: 409, wantCode: -32000, wantData: map[string]any{"code": "idempotency_conflict", "content": "Reused."}},
		"rate limit":                        {status: 429, header: http.Header{"Retry-After": {"7"}}, body: `{"code":"rate_limited","content":"Slow down."}`, wantStatus: 429, wantRetry: "7", wantCode: -32000, wantData: map[string]any{"code": "rate_limited", "content": "Slow down.", "retry_after": float64(7)}},
		"unavailable":                       {status: 503, header: http.Header{"Retry-After": {"2"}}, body: `{"code":"upstream_unavailable","content":"Down."}`, wantStatus: 503, wantRetry: "2", wantCode: -32000, wantData: map[string]any{"code": "upstream_unavailable", "content": "Down.", "retry_after": float64(2)}},
		"server error":                      {status: 500, body: `{"code":"internal_error","content":"Oops."}`, wantStatus: 500, wantCode: -32603, wantData: map[string]any{"code": "internal_error", "content": "Oops."}},
		"an error without a body":           {status: 502, wantStatus: 502, wantCode: -32603, wantData: map[string]any{"code": "bad_gateway", "content": "Bad Gateway"}},
		"a success that is not JSON object": {status: 200, body: `[1]`, wantStatus: 500, wantCode: -32603, wantData: map[string]any{"code": "internal_server_error", "content": "Internal Server Error"}},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := serve(t, &rest{status: tc.status, header: tc.header, body: tc.body})
			status, retry, body := rpcCall(t, srv.URL, "get_checkout", map[string]any{"meta": meta(""), "id": "cs_1"})
			if status != tc.wantStatus || retry != tc.wantRetry {
				t.Errorf("HTTP %d, Retry-After %q; want %d, %q", status, retry, tc.wantStatus, tc.wantRetry)
			}
			var resp struct {
				Result *struct {
					StructuredContent json.RawMessage `json:"structuredContent"`
					Content           []struct {
						Type, Text string
					} `json:"content"`
					IsError bool `json:"isError"`
				} `json:"result"`
				Error *struct {
					Code    int64          `json:"code"`
					Message string         `json:"message"`
					Data    map[string]any `json:"data"`
				} `json:"error"`
			}
			if err := json.Unmarshal(body, &resp); err != nil {
				t.Fatalf("answer %s: %v", body, err)
			}
			if tc.wantResult != "" {
				if resp.Result == nil || string(resp.Result.StructuredContent) != tc.wantResult || resp.Result.IsError ||
					len(resp.Result.Content) != 1 || resp.Result.Content[0].Text != tc.wantResult {
					t.Errorf("answer %s, want the result %s", body, tc.wantResult)
				}
				return
			}
			if resp.Error == nil || resp.Error.Code != tc.wantCode || resp.Error.Message == "" {
				t.Fatalf("answer %s, want JSON-RPC error %d", body, tc.wantCode)
			}
			got, _ := json.Marshal(resp.Error.Data)
			want, _ := json.Marshal(tc.wantData)
			if string(got) != string(want) {
				t.Errorf("error data %s, want %s", got, want)
			}
		})
	}
}

// TestClientSeesProtocolErrors checks that the official MCP client gets
// a protocol error sent with a 4xx status as the JSON-RPC error itself,
// data included.
func TestClientSeesProtocolErrors(t *testing.T) {
	t.Parallel()
	cs := connect(t, &rest{status: 424, body: `{"code":"profile_unreachable","content":"Timeout."}`})
	_, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "get_order", Arguments: map[string]any{"meta": meta(""), "id": "o1"}})
	var rpcErr *jsonrpc.Error
	if !errors.As(err, &rpcErr) || rpcErr.Code != -32001 || !strings.Contains(string(rpcErr.Data), `"code":"profile_unreachable"`) {
		t.Fatalf("error = %v, want JSON-RPC -32001 with the UCP error as data", err)
	}
	// The session survives a refused call.
	cs2 := connect(t, &rest{status: 200, body: checkout})
	if _, err := cs2.CallTool(context.Background(), &mcp.CallToolParams{Name: "get_checkout", Arguments: map[string]any{"meta": meta(""), "id": "cs_1"}}); err != nil {
		t.Fatal(err)
	}
}

// jsonEqual reports whether a and b are the same JSON value.
func jsonEqual(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

// TestEncodeError checks the JSON-RPC form of errors the shared stack
// refuses an MCP request with.
func TestEncodeError(t *testing.T) {
	t.Parallel()
	testCases := map[string]struct {
		err  *apierr.Error
		want string
	}{
		"unauthorized": {err: apierr.New(http.StatusUnauthorized, apierr.TypeInvalidRequest, "unauthorized", "No token."),
			want: `{"error":{"code":-32000,"data":{"code":"unauthorized","content":"No token."},"message":"No token."},"id":null,"jsonrpc":"2.0"}`},
		"rate limited": {err: &apierr.Error{Status: http.StatusTooManyRequests, Code: "rate_limited", Message: "Slow.", RetryAfterSeconds: 3},
			want: `{"error":{"code":-32000,"data":{"code":"rate_limited","content":"Slow.","retry_after":3},"message":"Slow."},"id":null,"jsonrpc":"2.0"}`},
		"server error": {err: &apierr.Error{Status: http.StatusInternalServerError, Code: "internal_error", Message: "Oops."},
			want: `{"error":{"code":-32603,"data":{"code":"internal_error","content":"Oops."},"message":"Oops."},"id":null,"jsonrpc":"2.0"}`},
	}
	for name, tc := range testCases {
		if got := EncodeError(tc.err); !jsonEqual(got, []byte(tc.want)) {
			t.Errorf("%s: %s, want %s", name, got, tc.want)
		}
	}
}
