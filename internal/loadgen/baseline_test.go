package loadgen

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestBaselineApp(t *testing.T) {
	t.Parallel()
	const create = `{"line_items":[{"id":"mug-classic","quantity":2},{"id":"guide-brewing-ebook"}],"currency":"usd","capabilities":{}}`
	testCases := map[string]struct {
		method, path, body string
		wantStatus         int
		wantBody           string
	}{
		"create":        {http.MethodPost, "/checkout_sessions", create, http.StatusCreated, string(BaselineSession)},
		"not JSON":      {http.MethodPost, "/checkout_sessions", `{`, http.StatusBadRequest, string(baselineInvalid)},
		"no line items": {http.MethodPost, "/checkout_sessions", `{"currency":"usd"}`, http.StatusBadRequest, string(baselineInvalid)},
		"other routes":  {http.MethodGet, "/checkout_sessions/cs_1", ``, http.StatusNotFound, "Cannot GET /checkout_sessions/cs_1"},
	}
	app := BaselineApp()
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			req := httptest.NewRequest(tc.method, tc.path, strings.NewReader(tc.body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Request-Id", "req-1")
			req.Header.Set("Idempotency-Key", "key-1")
			resp, err := app.Test(req, -1)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.wantStatus || string(body) != tc.wantBody {
				t.Fatalf("%s %s = %d %s, want %d %s", tc.method, tc.path, resp.StatusCode, body, tc.wantStatus, tc.wantBody)
			}
			if tc.wantStatus == http.StatusCreated {
				if got := resp.Header.Get("Content-Type"); got != "application/json" {
					t.Errorf("Content-Type = %q", got)
				}
				if resp.Header.Get("Request-Id") != "req-1" || resp.Header.Get("Idempotency-Key") != "key-1" {
					t.Errorf("headers not echoed: %v", resp.Header)
				}
			}
		})
	}
}

// TestBaselineSession checks that the baseline's answer is a session of a
// real create's size and shape.
func TestBaselineSession(t *testing.T) {
	t.Parallel()
	var s struct {
		ID        string            `json:"id"`
		Status    string            `json:"status"`
		LineItems []json.RawMessage `json:"line_items"`
		Totals    []json.RawMessage `json:"totals"`
	}
	if err := json.Unmarshal(BaselineSession, &s); err != nil {
		t.Fatal(err)
	}
	if s.ID == "" || s.Status != "not_ready_for_payment" || len(s.LineItems) != len(DefaultItems) || len(s.Totals) == 0 {
		t.Errorf("the baseline session = %+v, want a session with the default items", s)
	}
	if id, status, ok := sessionFields(BaselineSession); !ok || id != s.ID || status != s.Status {
		t.Errorf("sessionFields = %q %q %v, want %q %q", id, status, ok, s.ID, s.Status)
	}
	if n := len(BaselineSession); n < 3000 || n > 6000 {
		t.Errorf("the baseline session is %d bytes, want a real create's size", n)
	}
}

// TestServeBaseline serves the baseline on loopback, measures it with the
// create flow, and shuts it down.
func TestServeBaseline(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- ServeBaseline(ctx, ln) }()
	rep, err := Run(context.Background(), Config{Target: "http://" + ln.Addr().String(), Requests: 200, Mix: Mix{{FlowCreate, 1}}})
	if err != nil {
		t.Fatal(err)
	}
	checkReport(t, rep)
	if c := rep.Endpoints[EndpointCreate]; c == nil || c.OK != 200 || len(rep.Endpoints) != 1 || rep.Flows[FlowCreate].Completed != 200 {
		t.Errorf("report = %+v, want 200 good creates", rep.Total)
	}
	cancel()
	select {
	case err := <-served:
		if err != nil {
			t.Errorf("ServeBaseline() = %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("ServeBaseline did not return after its context ended")
	}
}
