package host_test

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/internal/acpschema"
)

// rawExchange writes raw bytes on a new connection to addr and reads the
// HTTP response.
func rawExchange(t *testing.T, addr, raw string) response {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, raw); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("read response to %q: %v", raw[:min(len(raw), 40)], err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, header: resp.Header, body: body}
}

// wantFlatError checks a flat ACP error against the 2026-04-17 schema.
func wantFlatError(t *testing.T, r response, status int, code string) {
	t.Helper()
	validate(t, v0417, "", r)
	wantError(t, r, status, code, "")
}

// wantJSONRPCError checks a JSON-RPC 2.0 error response: id null, an
// integer code and a message; for code -32000 the data is a flat ACP
// error valid against the schema.
func wantJSONRPCError(t *testing.T, r response, status, code int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status = %d, want %d\n%s", r.status, status, r.body)
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	var msg struct {
		JSONRPC string           `json:"jsonrpc"`
		ID      *json.RawMessage `json:"id"`
		Error   *struct {
			Code    int             `json:"code"`
			Message string          `json:"message"`
			Data    json.RawMessage `json:"data"`
		} `json:"error"`
	}
	if err := json.Unmarshal(r.body, &msg); err != nil || msg.JSONRPC != "2.0" || msg.Error == nil || msg.ID != nil {
		t.Fatalf("not a JSON-RPC error with id null: %s (%v)", r.body, err)
	}
	if msg.Error.Code != code || msg.Error.Message == "" {
		t.Fatalf("error = %s, want code %d and a message", r.body, code)
	}
	if code == -32000 {
		acpschema.For(t, v0417).Def(t, "Error", msg.Error.Data)
	}
}

// Refusals below the checkout API answer in the protocol's own shape:
// flat ACP errors, and JSON-RPC errors at /mcp.
func TestProtocolErrorShapes(t *testing.T) {
	t.Parallel()
	cfg := loadTestConfig(t, t.TempDir())
	cfg.Server.ReadTimeout, cfg.Server.HeaderTimeout = 2*time.Second, 2*time.Second
	s := startServer(t, cfg)
	addr := strings.TrimPrefix(s.base, "http://")
	const auth = "Authorization: Bearer " + testToken + "\r\n"

	t.Run("unknown method", func(t *testing.T) {
		for _, m := range []string{"FOO", "PROPFIND", "get"} {
			r := rawExchange(t, addr, m+" /checkout_sessions HTTP/1.1\r\nHost: x\r\n"+auth+"\r\n")
			wantFlatError(t, r, http.StatusMethodNotAllowed, "method_not_allowed")
		}
	})
	t.Run("unknown method at mcp", func(t *testing.T) {
		wantJSONRPCError(t, rawExchange(t, addr, "BREW /mcp HTTP/1.1\r\nHost: x\r\n"+auth+"\r\n"), http.StatusMethodNotAllowed, -32000)
	})
	t.Run("known method on no route", func(t *testing.T) {
		wantFlatError(t, rawExchange(t, addr, "DELETE /checkout_sessions/cs_1 HTTP/1.1\r\nHost: x\r\n"+auth+"API-Version: 2026-04-17\r\n\r\n"), http.StatusNotFound, "not_found")
	})
	t.Run("malformed request line", func(t *testing.T) {
		wantFlatError(t, rawExchange(t, addr, "GARBAGE\r\n\r\n"), http.StatusBadRequest, "invalid")
	})
	t.Run("headers too large", func(t *testing.T) {
		r := rawExchange(t, addr, "GET /checkout_sessions/cs_1 HTTP/1.1\r\nHost: x\r\nX-Big: "+strings.Repeat("a", 16<<10)+"\r\n\r\n")
		wantFlatError(t, r, http.StatusRequestHeaderFieldsTooLarge, "headers_too_large")
	})
	t.Run("body not sent in time", func(t *testing.T) {
		r := rawExchange(t, addr, "POST /checkout_sessions HTTP/1.1\r\nHost: x\r\n"+auth+"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{")
		wantFlatError(t, r, http.StatusRequestTimeout, "request_timeout")
	})
	t.Run("content types", func(t *testing.T) {
		for ct, want := range map[string]int{
			"application/json; charset=utf-16": http.StatusUnsupportedMediaType,
			"application/json; charset=latin1": http.StatusUnsupportedMediaType,
			"application/json; charset":        http.StatusUnsupportedMediaType,
			"text/plain":                       http.StatusUnsupportedMediaType,
			"application/json; charset=UTF-8":  http.StatusCreated,
			"application/json; charset=utf8":   http.StatusCreated,
			"application/merge-patch+json":     http.StatusCreated,
			"":                                 http.StatusCreated,
		} {
			r := s.do(t, request{path: "/checkout_sessions", body: createBody, header: map[string]string{"Content-Type": ct}})
			if want == http.StatusCreated {
				wantStatus(t, r, want)
			} else {
				wantFlatError(t, r, want, "unsupported_media_type")
			}
		}
	})

	mcp := func(t *testing.T, method, token, contentType, body string) response {
		t.Helper()
		req, _ := http.NewRequest(method, s.base+"/mcp", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Accept", "application/json, text/event-stream")
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		return response{status: resp.StatusCode, header: resp.Header, body: data}
	}
	t.Run("mcp", func(t *testing.T) {
		wantJSONRPCError(t, mcp(t, http.MethodPost, testToken, "application/json", `{"jsonrpc":"2.0",`), http.StatusBadRequest, -32700)
		wantJSONRPCError(t, mcp(t, http.MethodPost, testToken, "application/json", `[1,2`), http.StatusBadRequest, -32700)
		wantJSONRPCError(t, mcp(t, http.MethodPost, testToken, "text/plain", `{}`), http.StatusUnsupportedMediaType, -32600)
		wantJSONRPCError(t, mcp(t, http.MethodGet, testToken, "", ""), http.StatusMethodNotAllowed, -32600)
		wantJSONRPCError(t, mcp(t, http.MethodPost, "wrong-token-wrong-token", "application/json", `{}`), http.StatusUnauthorized, -32000)
		wantJSONRPCError(t, mcp(t, http.MethodPost, testToken, "application/json", `{"jsonrpc":"2.0","id":1,"method":"x","params":`+strings.Repeat(" ", 70000)+`{}}`), http.StatusRequestEntityTooLarge, -32000)
	})
}
