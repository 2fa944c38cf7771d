package host_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/acp-sidecar/acp/internal/acpschema"
)

// FuzzRawRequest sends raw HTTP/1.1 requests (method, path, Content-Type
// and body chosen by the fuzzer) and checks that every answer is in the
// protocol's shape: never a 5xx; at /mcp, a refusal is a JSON-RPC error
// object; elsewhere, a refusal is a flat ACP error valid against the
// schema. The seeds cover unknown methods, malformed JSON-RPC and odd
// content types.
func FuzzRawRequest(f *testing.F) {
	const createJSON = `{"line_items":[{"id":"item_123","quantity":1}],"currency":"usd","capabilities":{}}`
	seeds := []struct{ method, path, contentType, body string }{
		{"FOO", "/checkout_sessions", "", ""},
		{"PROPFIND", "/checkout_sessions/cs_1", "", ""},
		{"get", "/healthz", "", ""},
		{"BREW", "/mcp", "application/json", `{}`},
		{"POST", "/mcp", "application/json", `{"jsonrpc":"2.0",`},
		{"POST", "/mcp", "application/json", `[{"jsonrpc":"2.0","id":1,"method":"tools/list"}`},
		{"POST", "/mcp", "application/json", `{"jsonrpc":"1.0","id":{},"method":7}`},
		{"POST", "/mcp", "application/json", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_checkout_session","arguments":[]}}`},
		{"POST", "/mcp", "text/plain", `hello`},
		{"GET", "/mcp", "", ""},
		{"DELETE", "/mcp", "", ""},
		{"POST", "/checkout_sessions", "application/json; charset=utf-16", createJSON},
		{"POST", "/checkout_sessions", "application/json; charset", createJSON},
		{"POST", "/checkout_sessions", "", strings.Replace(createJSON, `"quantity":1`, `"quantity":0.99999999999999999999`, 1)},
		{"POST", "/checkout_sessions", "application/json", `{"line_items":`},
		{"PUT", "/checkout_sessions", "application/json", createJSON},
		{"GET", "/checkout_sessions/../healthz", "", ""},
	}
	for _, s := range seeds {
		f.Add(s.method, s.path, s.contentType, s.body)
	}
	// One server for every input.
	addr := strings.TrimPrefix(startServer(f, loadTestConfig(f, f.TempDir())).base, "http://")
	f.Fuzz(func(t *testing.T, method, path, contentType, body string) {
		if method == "" || !printable(method+path+contentType) || strings.ContainsAny(method, " ") || strings.ContainsAny(path, " ") ||
			!strings.HasPrefix(path, "/") || len(body) > 4096 {
			t.Skip("not one request line and header")
		}
		raw := fmt.Sprintf("%s %s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nAPI-Version: %s\r\nAccept: application/json, text/event-stream\r\nConnection: close\r\n",
			method, path, testToken, v0417)
		if contentType != "" {
			raw += "Content-Type: " + contentType + "\r\n"
		}
		raw += fmt.Sprintf("Content-Length: %d\r\n\r\n%s", len(body), body)
		r := rawExchange(t, addr, raw)
		if r.status >= 500 {
			t.Fatalf("%q: %d %s", raw, r.status, r.body)
		}
		if r.status < 400 {
			return
		}
		reqPath, _, _ := strings.Cut(path, "?")
		if reqPath == "/mcp" {
			var msg struct {
				JSONRPC string `json:"jsonrpc"`
				Error   *struct {
					Code    *int   `json:"code"`
					Message string `json:"message"`
				} `json:"error"`
			}
			if json.Unmarshal(r.body, &msg) != nil || msg.JSONRPC != "2.0" || msg.Error == nil || msg.Error.Code == nil || msg.Error.Message == "" {
				t.Fatalf("%q: %d answer at /mcp is not a JSON-RPC error: %s", raw, r.status, r.body)
			}
			return
		}
		acpschema.For(t, v0417).Def(t, "Error", r.body)
	})
}

// printable reports whether s is printable ASCII: what fits in a request
// line and a header value.
func printable(s string) bool {
	for _, r := range s {
		if r < 0x21 && r != ' ' || r > 0x7e {
			return false
		}
	}
	return true
}
