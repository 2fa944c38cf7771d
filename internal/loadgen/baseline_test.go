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
	testCases := map[string]struct {
		method, path, body string
		wantStatus         int
		wantBody           []string
	}{
		"create": {http.MethodPost, "/checkout_sessions", `{"line_items":[{"id":"mug-classic","quantity":2},{"id":"guide-brewing-ebook"}],"currency":"usd","capabilities":{}}`,
			http.StatusCreated, []string{`"id":"cs_baseline_`, `"status":"not_ready_for_payment"`, `"currency":"usd"`,
				`"id":"li_mug-classic","item":{"id":"mug-classic"}`, `"quantity":2`, `"id":"li_guide-brewing-ebook"`, `"type":"total"`}},
		"not JSON":     {http.MethodPost, "/checkout_sessions", `{`, http.StatusBadRequest, []string{`"code":"invalid_json"`}},
		"other routes": {http.MethodGet, "/checkout_sessions/cs_1", ``, http.StatusNotFound, nil},
	}
	app := BaselineApp()
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			req := httptest.NewRequest(tc.method, tc.path, strings.NewReader(tc.body))
			req.Header.Set("Content-Type", "application/json")
			resp, err := app.Test(req, -1)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.wantStatus {
				t.Fatalf("%s %s = %d %s, want %d", tc.method, tc.path, resp.StatusCode, body, tc.wantStatus)
			}
			for _, want := range tc.wantBody {
				if !strings.Contains(string(body), want) {
					t.Errorf("body lacks %s:\n%s", want, body)
				}
			}
			if tc.wantStatus == http.StatusCreated {
				var m map[string]any
				if err := json.Unmarshal(body, &m); err != nil {
					t.Fatal(err)
				}
				// About a real session's size for two lines (the demo
				// store's is about 4.5 kB, much of it the handler and
				// options), not a tiny echo.
				if len(body) < 2000 || len(body) > 8000 {
					t.Errorf("the answer is %d bytes, want a real session's size", len(body))
				}
			}
		})
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
