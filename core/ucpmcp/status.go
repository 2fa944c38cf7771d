package ucpmcp

import (
	"context"
	"net/http"
	"strconv"
	"sync"
)

// httpStatus is the HTTP status (and Retry-After) a tool call asks its
// MCP response to carry instead of 200: with Streamable HTTP, the status
// of a protocol error is its primary signal (overview.md, "Error Codes").
type httpStatus struct {
	mu         sync.Mutex
	status     int
	retryAfter int
}

// statusKey is the context key of the request's *httpStatus.
type statusKey struct{}

// setHTTPStatus records, for the MCP request of ctx, the status and
// Retry-After seconds its response carries. The SDK runs tool handlers
// with a context derived from the HTTP request's (stateless sessions are
// connected with it), and in JSON mode writes the response only once the
// call has returned.
func setHTTPStatus(ctx context.Context, status, retryAfter int) {
	s, ok := ctx.Value(statusKey{}).(*httpStatus)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status, s.retryAfter = status, retryAfter
}

// withHTTPStatus answers each MCP request with the status its tool call
// recorded, where the SDK would answer 200.
func withHTTPStatus(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := &httpStatus{}
		next.ServeHTTP(&statusWriter{ResponseWriter: w, recorded: s}, r.WithContext(context.WithValue(r.Context(), statusKey{}, s)))
	})
}

// statusWriter replaces a 200 with the recorded status.
type statusWriter struct {
	http.ResponseWriter
	recorded *httpStatus
	wrote    bool
}

// WriteHeader writes status, or the recorded one in place of a 200.
func (w *statusWriter) WriteHeader(status int) {
	if w.wrote {
		return
	}
	w.wrote = true
	if status == http.StatusOK {
		w.recorded.mu.Lock()
		if w.recorded.status != 0 {
			status = w.recorded.status
			if w.recorded.retryAfter > 0 {
				w.Header().Set("Retry-After", strconv.Itoa(w.recorded.retryAfter))
			}
		}
		w.recorded.mu.Unlock()
	}
	w.ResponseWriter.WriteHeader(status)
}

// Write writes the header first when it was not.
func (w *statusWriter) Write(p []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(p)
}

// Flush flushes the response.
func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap gives http.ResponseController the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
