package host_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/acp-sidecar/acp/internal/acpschema"
	"github.com/acp-sidecar/acp/internal/testkit"
)

// connectMCP opens an MCP client session to the server's /mcp endpoint
// with the official Go SDK, authenticated with token.
func connectMCP(t *testing.T, s *server, token string) (*mcp.ClientSession, error) {
	t.Helper()
	return testkit.ConnectMCP(t, s.base+"/mcp", token, "acp-test-agent")
}

// callTool calls a tool and returns its result's structured content as
// JSON, validated against the tool's declared output schema and against
// the schema of version: a session on success, the flat Error otherwise.
func callTool(t *testing.T, cs *mcp.ClientSession, version, name string, args map[string]any) (*mcp.CallToolResult, []byte) {
	t.Helper()
	res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	body, err := json.Marshal(res.StructuredContent)
	if err != nil {
		t.Fatal(err)
	}
	text := res.Content[0].(*mcp.TextContent).Text
	if !jsonEqual(t, body, []byte(text)) {
		t.Errorf("%s: text content differs from structured content:\n%s\n%s", name, text, body)
	}
	answer := acpschema.AnySession
	switch {
	case res.IsError:
		answer = acpschema.ErrorAnswer
	case name == "complete_checkout_session" && sessionStatus(body) == "completed":
		answer = acpschema.CompletedSession
	}
	acpschema.For(t, version).Response(t, answer, body)
	if err := acpschema.CheckToolOutput(t, cs, name, body); err != nil {
		t.Errorf("%s under %s: structured content breaks the declared output schema: %v\n%s", name, version, err, body)
	}
	return res, body
}

func jsonEqual(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return string(xa) == string(ya)
}

func field(t *testing.T, body []byte, name string) any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("not an object: %s", body)
	}
	return m[name]
}

func decodeJSON(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestMCPCheckoutFlows drives create → update → complete and create →
// cancel over MCP with the official Go SDK client, under both versions.
func TestMCPCheckoutFlows(t *testing.T) {
	t.Parallel()
	for _, version := range []string{v0417, v0130} {
		t.Run(version, func(t *testing.T) {
			t.Parallel()
			s := startServer(t, loadTestConfig(t, t.TempDir()))
			cs, err := connectMCP(t, s, testToken)
			if err != nil {
				t.Fatalf("connect: %v", err)
			}
			meta := func(key string) map[string]any {
				m := map[string]any{"api_version": version}
				if key != "" {
					m["idempotency_key"] = key
				}
				return m
			}
			res, body := callTool(t, cs, version, "create_checkout_session", map[string]any{"meta": meta("c-1"), "payload": decodeJSON(t, createBody)})
			if res.IsError || field(t, body, "status") != "not_ready_for_payment" {
				t.Fatalf("create: %s", body)
			}
			id := field(t, body, "id").(string)
			_, body = callTool(t, cs, version, "update_checkout_session", map[string]any{"meta": meta(""), "id": id, "payload": decodeJSON(t, addressBody)})
			if field(t, body, "status") != "ready_for_payment" {
				t.Fatalf("update: %s", body)
			}
			_, body = callTool(t, cs, version, "get_checkout_session", map[string]any{"meta": meta(""), "id": id})
			if field(t, body, "status") != "ready_for_payment" {
				t.Fatalf("get: %s", body)
			}
			complete := decodeJSON(t, strings.Replace(completeBody, "%s", "spt_ok", 1))
			_, done := callTool(t, cs, version, "complete_checkout_session", map[string]any{"meta": meta("k-1"), "id": id, "payload": complete})
			if field(t, done, "status") != "completed" || field(t, done, "order") == nil {
				t.Fatalf("complete: %s", done)
			}
			// A replay answers the stored result and charges nothing more.
			replay, again := callTool(t, cs, version, "complete_checkout_session", map[string]any{"meta": meta("k-1"), "id": id, "payload": complete})
			if !jsonEqual(t, again, done) || replay.Meta["acp/idempotent_replayed"] != true || s.charges(t) != 1 {
				t.Fatalf("replayed complete: %v %s, charges %d", replay.Meta, again, s.charges(t))
			}

			_, body = callTool(t, cs, version, "create_checkout_session", map[string]any{"meta": meta(""), "payload": decodeJSON(t, createBody)})
			other := field(t, body, "id").(string)
			_, body = callTool(t, cs, version, "cancel_checkout_session", map[string]any{"meta": meta(""), "id": other})
			if field(t, body, "status") != "canceled" {
				t.Fatalf("cancel: %s", body)
			}
			res, body = callTool(t, cs, version, "cancel_checkout_session", map[string]any{"meta": meta(""), "id": other})
			if !res.IsError || field(t, body, "code") != "session_canceled" {
				t.Fatalf("second cancel: %s", body)
			}
		})
	}
}

// TestMCPErrors covers the documented error forms: HTTP 401 for a bad
// token, ACP errors as tool errors (or JSON-RPC -32000 when configured),
// and -32602 for envelope problems.
func TestMCPErrors(t *testing.T) {
	t.Parallel()
	s := startServer(t, loadTestConfig(t, t.TempDir()))
	if _, err := connectMCP(t, s, "not-a-valid-token-at-all"); err == nil || !strings.Contains(err.Error(), "Unauthorized") {
		t.Fatalf("connect with a wrong token: %v, want a 401", err)
	}
	cs, err := connectMCP(t, s, testToken)
	if err != nil {
		t.Fatal(err)
	}
	testCases := map[string]struct {
		tool string
		args map[string]any
		code string
	}{
		"missing api version": {"get_checkout_session", map[string]any{"meta": map[string]any{}, "id": "cs_x"}, "missing_api_version"},
		"unsupported version": {"get_checkout_session", map[string]any{"meta": map[string]any{"api_version": "2020-01-01"}, "id": "cs_x"}, "unsupported_api_version"},
		"unknown session":     {"get_checkout_session", map[string]any{"meta": map[string]any{"api_version": v0417}, "id": "cs_missing"}, "not_found"},
		"complete needs key": {"complete_checkout_session", map[string]any{"meta": map[string]any{"api_version": v0417}, "id": "cs_x",
			"payload": decodeJSON(t, strings.Replace(completeBody, "%s", "spt_ok", 1))}, "idempotency_key_required"},
		"invalid payload": {"create_checkout_session", map[string]any{"meta": map[string]any{"api_version": v0417}, "payload": map[string]any{"currency": "usd"}}, "missing"},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			res, body := callTool(t, cs, v0417, tc.tool, tc.args)
			if !res.IsError || field(t, body, "code") != tc.code {
				t.Fatalf("result = %s (isError %v), want code %s", body, res.IsError, tc.code)
			}
		})
	}

	// Same key, another body: the conflict of the version.
	meta := map[string]any{"api_version": v0417, "idempotency_key": "mcp-conflict"}
	callTool(t, cs, v0417, "create_checkout_session", map[string]any{"meta": meta, "payload": decodeJSON(t, createBody)})
	res, body := callTool(t, cs, v0417, "create_checkout_session", map[string]any{"meta": meta, "payload": decodeJSON(t, strings.Replace(createBody, `"quantity":2`, `"quantity":1`, 1))})
	if !res.IsError || field(t, body, "code") != "idempotency_conflict" {
		t.Fatalf("conflicting key: %s", body)
	}

	// Envelope problems are invalid params, not ACP errors; an id that is
	// not a session id could reach another route, so it is refused.
	for name, args := range map[string]map[string]any{
		"get without id":       {"meta": map[string]any{"api_version": v0417}},
		"id with a path":       {"meta": map[string]any{"api_version": v0417}, "id": "cs_1/complete"},
		"id with a query":      {"meta": map[string]any{"api_version": v0417}, "id": "cs_1?x"},
		"meta not an object":   {"meta": "2026-04-17", "id": "cs_1"},
		"meta member a number": {"meta": map[string]any{"api_version": 20260417}, "id": "cs_1"},
	} {
		_, err = cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "get_checkout_session", Arguments: args})
		var rpcErr *jsonrpc.Error
		if !errors.As(err, &rpcErr) || rpcErr.Code != jsonrpc.CodeInvalidParams {
			t.Errorf("%s: %v, want -32602", name, err)
		}
	}
}

// TestMCPJSONRPCErrorStyle: with mcp.error_style jsonrpc an ACP error is
// the binding's JSON-RPC error -32000 carrying the ACP error as data.
func TestMCPJSONRPCErrorStyle(t *testing.T) {
	t.Parallel()
	cfg := loadTestConfig(t, t.TempDir())
	cfg.MCP.ErrorStyle = "jsonrpc"
	s := startServer(t, cfg)
	cs, err := connectMCP(t, s, testToken)
	if err != nil {
		t.Fatal(err)
	}
	_, err = cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "get_checkout_session", Arguments: map[string]any{"meta": map[string]any{"api_version": v0417}, "id": "cs_missing"}})
	var rpcErr *jsonrpc.Error
	if !errors.As(err, &rpcErr) || rpcErr.Code != -32000 {
		t.Fatalf("error = %v, want JSON-RPC -32000", err)
	}
	acpschema.For(t, v0417).Def(t, "Error", rpcErr.Data)
	if field(t, rpcErr.Data, "code") != "not_found" {
		t.Fatalf("data = %s", rpcErr.Data)
	}
}

// TestMCPToolSchemas: tools/list has the five tools, their input schemas
// compile, and they accept the spec's valid MCP example payloads.
func TestMCPToolSchemas(t *testing.T) {
	t.Parallel()
	s := startServer(t, loadTestConfig(t, t.TempDir()))
	cs, err := connectMCP(t, s, testToken)
	if err != nil {
		t.Fatal(err)
	}
	list, err := cs.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	schemas := map[string]*jsonschema.Schema{}
	for _, tool := range list.Tools {
		raw, _ := json.Marshal(tool.InputSchema)
		doc, err := jsonschema.UnmarshalJSON(strings.NewReader(string(raw)))
		if err != nil {
			t.Fatal(err)
		}
		c := jsonschema.NewCompiler()
		if err := c.AddResource("tool.json", doc); err != nil {
			t.Fatal(err)
		}
		sch, err := c.Compile("tool.json")
		if err != nil {
			t.Fatalf("%s input schema does not compile: %v\n%s", tool.Name, err, raw)
		}
		if strings.Contains(string(raw), "$ref") {
			t.Errorf("%s input schema has a $ref", tool.Name)
		}
		schemas[tool.Name] = sch
	}
	want := []string{"create_checkout_session", "get_checkout_session", "update_checkout_session", "complete_checkout_session", "cancel_checkout_session"}
	if len(schemas) != len(want) {
		t.Fatalf("tools = %d, want 5", len(list.Tools))
	}
	for _, name := range want {
		if schemas[name] == nil {
			t.Fatalf("tool %s missing", name)
		}
	}

	// The spec's MCP examples whose requests are valid (ACP-NOTES §11:
	// create and cancel) must pass our input schemas.
	examples := acpschema.Examples(t, v0417, "examples.mcp.agentic_checkout.json")
	if examples == nil {
		return // no spec files: counted as a check not made
	}
	checked := 0
	for name, raw := range examples {
		var call struct {
			Method string `json:"method"`
			Params struct {
				Name      string          `json:"name"`
				Arguments json.RawMessage `json:"arguments"`
			} `json:"params"`
		}
		if json.Unmarshal(raw, &call) != nil || call.Method != "tools/call" {
			continue
		}
		if call.Params.Name != "create_checkout_session" && call.Params.Name != "cancel_checkout_session" {
			continue
		}
		args, err := jsonschema.UnmarshalJSON(strings.NewReader(string(call.Params.Arguments)))
		if err != nil {
			t.Fatal(err)
		}
		if err := schemas[call.Params.Name].Validate(args); err != nil {
			t.Errorf("example %s is refused by the %s input schema: %v", name, call.Params.Name, err)
		}
		checked++
	}
	if checked < 2 {
		t.Fatalf("checked %d example calls, want the create and cancel examples", checked)
	}
}

// TestDiscovery: the document is public, cacheable, valid against the
// 2026-04-17 DiscoveryResponse schema, and says what the config says.
func TestDiscovery(t *testing.T) {
	t.Parallel()
	cfg := loadTestConfig(t, t.TempDir())
	cfg.Merchant.Locales = []string{"en-US"}
	s := startServer(t, cfg)
	r := s.do(t, request{method: http.MethodGet, path: "/.well-known/acp.json", noAuth: true, noVersion: true})
	wantStatus(t, r, http.StatusOK)
	if r.header.Get("Cache-Control") != "public, max-age=3600" {
		t.Errorf("Cache-Control = %q", r.header.Get("Cache-Control"))
	}
	acpschema.For(t, v0417).Def(t, "DiscoveryResponse", r.body)
	var doc struct {
		Protocol struct {
			Version           string   `json:"version"`
			SupportedVersions []string `json:"supported_versions"`
		} `json:"protocol"`
		APIBaseURL   string   `json:"api_base_url"`
		Transports   []string `json:"transports"`
		Capabilities struct {
			InterventionTypes   []string `json:"intervention_types"`
			SupportedCurrencies []string `json:"supported_currencies"`
			SupportedLocales    []string `json:"supported_locales"`
		} `json:"capabilities"`
	}
	if err := json.Unmarshal(r.body, &doc); err != nil {
		t.Fatal(err)
	}
	versions := slices.Sorted(slices.Values(cfg.APIVersions))
	if got := strings.Join(doc.Protocol.SupportedVersions, ","); got != strings.Join(versions, ",") || doc.Protocol.Version != versions[len(versions)-1] {
		t.Errorf("versions = %v / %s, want %v oldest first", doc.Protocol.SupportedVersions, doc.Protocol.Version, cfg.APIVersions)
	}
	if doc.APIBaseURL != cfg.Server.PublicURL || strings.Join(doc.Transports, ",") != "rest,mcp" ||
		strings.Join(doc.Capabilities.SupportedCurrencies, ",") != "usd" || strings.Join(doc.Capabilities.InterventionTypes, ",") != "3ds" ||
		strings.Join(doc.Capabilities.SupportedLocales, ",") != "en-US" {
		t.Errorf("document does not match the config: %s", r.body)
	}
	for _, secret := range []string{"handler", "sandbox", testToken, "acct_"} {
		if strings.Contains(string(r.body), secret) {
			t.Errorf("document mentions %q: %s", secret, r.body)
		}
	}

	off := loadTestConfig(t, t.TempDir())
	disabled := false
	off.MCP.Enabled = &disabled
	s2 := startServer(t, off)
	r2 := s2.do(t, request{method: http.MethodGet, path: "/.well-known/acp.json", noAuth: true, noVersion: true})
	if !strings.Contains(string(r2.body), `"transports":["rest"]`) || !strings.Contains(string(r2.body), `"services":["checkout"]`) {
		t.Errorf("with MCP off and no webhooks: %s", r2.body)
	}
	wantStatus(t, s2.do(t, request{method: http.MethodPost, path: "/mcp", body: `{}`}), http.StatusNotFound)
}

// TestMCPBehindProxy: an ingress proxy reaches the sidecar over loopback
// with the public Host header; the MCP endpoint serves it (the bearer
// token, not the Host, is what protects it).
func TestMCPBehindProxy(t *testing.T) {
	t.Parallel()
	s := startServer(t, loadTestConfig(t, t.TempDir()))
	req, err := http.NewRequest(http.MethodPost, s.base+"/mcp", strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Host = "shop.example.com"
	req.Header.Set("Authorization", "Bearer "+testToken)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Result struct {
			Tools []struct{ Name string } `json:"tools"`
		} `json:"result"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusOK || len(out.Result.Tools) != 5 {
		t.Fatalf("tools/list through a proxy Host: %d %v %+v", resp.StatusCode, err, out)
	}
}

// TestMCPLegacyFlows drives create → update → get → complete and
// create → cancel → cancel again over MCP under each version before
// 2026-01-30, so that every structured result of every served version
// meets the declared output schema and its version's schema.
func TestMCPLegacyFlows(t *testing.T) {
	t.Parallel()
	for _, version := range legacyVersions {
		t.Run(version, func(t *testing.T) {
			t.Parallel()
			s := startServer(t, loadTestConfig(t, t.TempDir()))
			cs, err := connectMCP(t, s, testToken)
			if err != nil {
				t.Fatalf("connect: %v", err)
			}
			meta := map[string]any{"api_version": version}
			_, body := callTool(t, cs, version, "create_checkout_session", map[string]any{"meta": meta, "payload": decodeJSON(t, legacyCreateBody)})
			id, _ := field(t, body, "id").(string)
			_, body = callTool(t, cs, version, "update_checkout_session", map[string]any{"meta": meta, "id": id, "payload": decodeJSON(t, legacyUpdateBody(version))})
			if field(t, body, "status") != "ready_for_payment" {
				t.Fatalf("update: %s", body)
			}
			callTool(t, cs, version, "get_checkout_session", map[string]any{"meta": meta, "id": id})
			keyed := map[string]any{"api_version": version, "idempotency_key": "k-" + version}
			_, done := callTool(t, cs, version, "complete_checkout_session", map[string]any{"meta": keyed, "id": id, "payload": decodeJSON(t, fmt.Sprintf(legacyComplete, "spt_ok"))})
			if field(t, done, "status") != "completed" || field(t, done, "order") == nil {
				t.Fatalf("complete: %s", done)
			}
			_, body = callTool(t, cs, version, "create_checkout_session", map[string]any{"meta": meta, "payload": decodeJSON(t, legacyCreateBody)})
			other, _ := field(t, body, "id").(string)
			if _, body = callTool(t, cs, version, "cancel_checkout_session", map[string]any{"meta": meta, "id": other}); field(t, body, "status") != "canceled" {
				t.Fatalf("cancel: %s", body)
			}
			if res, body := callTool(t, cs, version, "cancel_checkout_session", map[string]any{"meta": meta, "id": other}); !res.IsError {
				t.Fatalf("second cancel: %s", body)
			}
		})
	}
}
