// Package mcphttp holds what the MCP bindings (core/mcpapi for ACP,
// core/ucpmcp for UCP) share around the MCP SDK's Streamable HTTP
// handler: JSON-RPC error objects in place of the SDK's plain-text ones,
// and the id-null response that carries such an error.
//
// Layer: leaf helper of the core (core/internal). It may import only the
// standard library, outside modules and other core/internal packages.
package mcphttp

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"

	"github.com/acp-sidecar/acp/core/internal/text"
)

// ErrorResponse is the JSON-RPC 2.0 response with id null whose error is
// e: how the MCP bindings answer a request refused before its id was
// read. e must marshal; the bindings' error objects hold only strings,
// numbers and JSON already marshalled, which always do.
func ErrorResponse(e any) []byte {
	out, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": nil, "error": e})
	return out
}

// JSONRPCErrors makes every error the MCP SDK's transport answers in plain
// text (malformed JSON, a wrong Accept or Content-Type header, an
// unsupported method, a body over the limit) a JSON-RPC error object
// instead, with the same HTTP status: -32700 for a body that is not JSON,
// -32600 for anything else, and the status and the SDK's message in the
// error.
func JSONRPCErrors(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rw := &errorRewriter{ResponseWriter: w}
		next.ServeHTTP(rw, r)
		rw.finish()
	})
}

// errorRewriter passes responses through, except a plain-text error,
// whose body it holds back and replaces at finish.
type errorRewriter struct {
	http.ResponseWriter
	status  int
	holding bool
	held    bytes.Buffer
}

// WriteHeader passes the status on, unless it starts a plain-text error.
func (w *errorRewriter) WriteHeader(status int) {
	if w.status != 0 {
		return
	}
	w.status = status
	if status >= 400 && !strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") {
		w.holding = true
		return
	}
	w.ResponseWriter.WriteHeader(status)
}

// Write passes the body on, or holds a plain-text error's first bytes.
func (w *errorRewriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	if w.holding {
		if room := 1024 - w.held.Len(); room > 0 {
			w.held.Write(p[:min(len(p), room)])
		}
		return len(p), nil
	}
	return w.ResponseWriter.Write(p)
}

// Flush flushes a response that is passed through.
func (w *errorRewriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok && !w.holding {
		f.Flush()
	}
}

// Unwrap gives http.ResponseController the underlying writer.
func (w *errorRewriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// finish writes the JSON-RPC error for a held plain-text error.
func (w *errorRewriter) finish() {
	if !w.holding {
		return
	}
	message := text.Truncate(strings.TrimSpace(w.held.String()), 200)
	code := jsonrpc.CodeInvalidRequest
	if strings.HasPrefix(message, "malformed payload") {
		code = jsonrpc.CodeParseError
	}
	body := ErrorResponse(map[string]any{"code": code, "message": message, "data": map[string]int{"http_status": w.status}})
	h := w.Header()
	h.Del("X-Content-Type-Options")
	h.Set("Content-Type", "application/json")
	h.Del("Content-Length")
	w.ResponseWriter.WriteHeader(w.status)
	_, _ = w.ResponseWriter.Write(body)
}
