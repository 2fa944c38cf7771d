package host_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
)

const (
	createBody   = `{"line_items":[{"id":"item_123","quantity":2},{"id":"ebook"}],"currency":"usd","capabilities":{"interventions":{"supported":["3ds"]}}}`
	addressBody  = `{"fulfillment_details":{"name":"Ada","email":"ada@example.com","address":{"name":"Ada","line_one":"1 Test St","city":"San Francisco","state":"CA","country":"US","postal_code":"94131"}},"selected_fulfillment_options":[{"type":"shipping","option_id":"fulfillment_option_456","item_ids":["li_item_123"]}]}`
	completeBody = `{"payment_data":{"handler_id":"card_tokenized","instrument":{"type":"card","credential":{"type":"spt","token":"%s"}}}}`
)

func status(t *testing.T, r response) string {
	t.Helper()
	s, _ := r.json(t)["status"].(string)
	return s
}

// totalOf is the amount of the session's total of type typ ("total",
// "fulfillment", ...); the test fails when the session has none.
func totalOf(t *testing.T, sess map[string]any, typ string) int64 {
	t.Helper()
	for _, tot := range sess["totals"].([]any) {
		if m := tot.(map[string]any); m["type"] == typ {
			return int64(m["amount"].(float64))
		}
	}
	t.Fatalf("no %s total in %v", typ, sess)
	return 0
}

// TestCheckoutFlow drives every endpoint and status transition under each
// served version; every response is validated against that version's
// schema by server.do.
func TestCheckoutFlow(t *testing.T) {
	t.Parallel()
	for _, version := range []string{v0417, v0130} {
		t.Run(version, func(t *testing.T) {
			t.Parallel()
			s := startServer(t, loadTestConfig(t, t.TempDir()))

			created := s.do(t, request{path: "/checkout_sessions", version: version, body: createBody})
			wantStatus(t, created, http.StatusCreated)
			sess := created.json(t)
			id := sess["id"].(string)
			if status(t, created) != "not_ready_for_payment" || sess["protocol"].(map[string]any)["version"] != version {
				t.Fatalf("created session: %s", created.body)
			}
			if !bytes.Contains(created.body, []byte(`"param":"$.fulfillment_details.address"`)) {
				t.Errorf("missing-address message absent: %s", created.body)
			}

			got := s.do(t, request{method: http.MethodGet, path: "/checkout_sessions/" + id, version: version})
			wantStatus(t, got, http.StatusOK)
			if !bytes.Equal(got.body, created.body) {
				t.Errorf("GET differs from create:\n%s\n%s", got.body, created.body)
			}

			updated := s.do(t, request{path: "/checkout_sessions/" + id, version: version, body: addressBody})
			wantStatus(t, updated, http.StatusOK)
			if status(t, updated) != "ready_for_payment" {
				t.Fatalf("updated session: %s", updated.body)
			}
			// 2 × 300 + 999 items, 500 express + 0 download, 10 % tax on
			// items (159.9 → 60 + 100) and shipping (50): 600+999+500+210.
			if got := totalOf(t, updated.json(t), "total"); got != 2309 {
				t.Errorf("total = %v, want 2309\n%s", got, updated.body)
			}

			completed := s.do(t, request{path: "/checkout_sessions/" + id + "/complete", version: version, body: fmt.Sprintf(completeBody, "spt_ok")})
			wantStatus(t, completed, http.StatusOK)
			order, _ := completed.json(t)["order"].(map[string]any)
			if status(t, completed) != "completed" || order == nil || order["checkout_session_id"] != id ||
				order["permalink_url"] != "https://shop.test/orders/"+order["id"].(string) {
				t.Fatalf("completed session: %s", completed.body)
			}
			again := s.do(t, request{method: http.MethodGet, path: "/checkout_sessions/" + id, version: version})
			if !bytes.Contains(again.body, []byte(order["id"].(string))) || status(t, again) != "completed" {
				t.Errorf("GET after complete: %s", again.body)
			}
			checkClosedAndUnknown(t, s, version, id, createBody, `{"intent_trace":{"reason_code":"shipping_cost","trace_summary":"too dear"}}`, completeBody)
		})
	}
}

// TestPaymentOutcomes covers decline and the 3DS flow through HTTP, under
// both versions (2026-01-30's authentication metadata has its own shape).
func TestPaymentOutcomes(t *testing.T) {
	t.Parallel()
	for _, version := range []string{v0417, v0130} {
		t.Run(version, func(t *testing.T) {
			t.Parallel()
			s := startServer(t, loadTestConfig(t, t.TempDir()))
			newReady := func() string {
				r := s.do(t, request{path: "/checkout_sessions", version: version, body: `{"line_items":[{"id":"ebook"}],"currency":"usd","capabilities":{"interventions":{"supported":["3ds"]}}}`})
				wantStatus(t, r, http.StatusCreated)
				if status(t, r) != "ready_for_payment" {
					t.Fatalf("digital cart not ready: %s", r.body)
				}
				return r.json(t)["id"].(string)
			}

			id := newReady()
			declined := s.do(t, request{path: "/checkout_sessions/" + id + "/complete", version: version, body: fmt.Sprintf(completeBody, "spt_card_decline")})
			wantStatus(t, declined, http.StatusOK)
			if status(t, declined) != "ready_for_payment" || !bytes.Contains(declined.body, []byte(`"code":"payment_declined"`)) || bytes.Contains(declined.body, []byte(`"order"`)) {
				t.Fatalf("declined: %s", declined.body)
			}

			id = newReady()
			path := "/checkout_sessions/" + id + "/complete"
			pending := s.do(t, request{path: path, version: version, body: fmt.Sprintf(completeBody, "spt_card_3ds")})
			wantStatus(t, pending, http.StatusOK)
			if status(t, pending) != "authentication_required" || pending.json(t)["authentication_metadata"] == nil {
				t.Fatalf("3ds pending: %s", pending.body)
			}
			wantError(t, s.do(t, request{path: path, version: version, body: fmt.Sprintf(completeBody, "spt_card_3ds")}), http.StatusBadRequest, "requires_3ds", "$.authentication_result")
			withAuth := strings.TrimSuffix(fmt.Sprintf(completeBody, "spt_card_3ds"), "}") +
				`,"authentication_result":{"outcome":"authenticated","outcome_details":{"three_ds_cryptogram":"AAIBBYNoEwAAACcKhAJkdQAAAAA=","electronic_commerce_indicator":"05","transaction_id":"f38e6948-5388-41a6-bca4-b49723c19437","version":"2.2.0"}}}`
			done := s.do(t, request{path: path, version: version, body: withAuth})
			wantStatus(t, done, http.StatusOK)
			if status(t, done) != "completed" {
				t.Fatalf("3ds complete: %s", done.body)
			}
		})
	}
}

func TestAuthenticationAndVersions(t *testing.T) {
	t.Parallel()
	s := startServer(t, loadTestConfig(t, t.TempDir()))
	testCases := map[string]struct {
		req      request
		status   int
		code     string
		versions bool
	}{
		"no token":            {request{path: "/checkout_sessions", body: createBody, noAuth: true}, http.StatusUnauthorized, "unauthorized", false},
		"wrong token":         {request{path: "/checkout_sessions", body: createBody, token: "test-agent-local-token-0002"}, http.StatusUnauthorized, "unauthorized", false},
		"basic scheme":        {request{path: "/checkout_sessions", body: createBody, noAuth: true, header: map[string]string{"Authorization": "Basic " + testToken}}, http.StatusUnauthorized, "unauthorized", false},
		"missing version":     {request{path: "/checkout_sessions", body: createBody, noVersion: true}, http.StatusBadRequest, "missing_api_version", true},
		"unsupported version": {request{path: "/checkout_sessions", body: createBody, version: "2024-01-01"}, http.StatusBadRequest, "unsupported_api_version", true},
		"get needs version":   {request{method: http.MethodGet, path: "/checkout_sessions/x", noVersion: true}, http.StatusBadRequest, "missing_api_version", true},
		"not json":            {request{path: "/checkout_sessions", body: createBody, header: map[string]string{"Content-Type": "text/plain"}}, http.StatusUnsupportedMediaType, "unsupported_media_type", false},
		"unknown route":       {request{method: http.MethodGet, path: "/checkout_sessions/a/b/c"}, http.StatusNotFound, "not_found", false},
		"compressed body":     {request{path: "/checkout_sessions", body: createBody, header: map[string]string{"Content-Encoding": "gzip"}}, http.StatusUnsupportedMediaType, "unsupported_media_type", false},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := s.do(t, tc.req)
			wantError(t, r, tc.status, tc.code, "")
			if tc.req.method == "" && r.header.Get("Idempotency-Key") == "" {
				t.Errorf("POST error response does not echo Idempotency-Key: %v", r.header)
			}
			versions, _ := r.json(t)["supported_versions"].([]any)
			if tc.versions && fmt.Sprint(versions) != fmt.Sprint([]any{v0417, v0130, v0116, v1212, v0929}) {
				t.Errorf("supported_versions = %v, want newest first", versions)
			}
			if !tc.versions && versions != nil {
				t.Errorf("supported_versions on a non-version error: %s", r.body)
			}
		})
	}
	health := s.do(t, request{method: http.MethodGet, path: "/healthz", noAuth: true, noVersion: true})
	wantStatus(t, health, http.StatusOK)
}

func TestHeadersEchoed(t *testing.T) {
	t.Parallel()
	s := startServer(t, loadTestConfig(t, t.TempDir()))
	r := s.do(t, request{path: "/checkout_sessions", body: createBody, header: map[string]string{"Request-Id": "req-42", "Idempotency-Key": "idem-42"}})
	wantStatus(t, r, http.StatusCreated)
	if r.header.Get("Request-Id") != "req-42" || r.header.Get("Idempotency-Key") != "idem-42" {
		t.Errorf("headers = %v, want Request-Id and Idempotency-Key echoed", r.header)
	}
}

// TestBadInputChangesNothing sends malformed and invalid updates to a live
// session: each gets a flat 4xx error with a precise param, and the session
// reads back byte for byte the same.
func TestBadInputChangesNothing(t *testing.T) {
	t.Parallel()
	s := startServer(t, loadTestConfig(t, t.TempDir()))
	created := s.do(t, request{path: "/checkout_sessions", body: createBody})
	id := created.json(t)["id"].(string)
	path := "/checkout_sessions/" + id
	testCases := map[string]struct {
		body   string
		status int
		code   string
		param  string
	}{
		"malformed json":    {`{"line_items":[{"id":"item_123"}`, http.StatusBadRequest, "invalid_json", "$"},
		"wrong type":        {`{"line_items":[{"id":"item_123","quantity":"two"}]}`, http.StatusBadRequest, "invalid_type", "$.line_items[0].quantity"},
		"zero quantity":     {`{"line_items":[{"id":"item_123","quantity":0}]}`, http.StatusBadRequest, "invalid", "$.line_items[0].quantity"},
		"negative qty":      {`{"line_items":[{"id":"ebook"},{"id":"item_123","quantity":-1}]}`, http.StatusBadRequest, "invalid", "$.line_items[1].quantity"},
		"bad option":        {`{"selected_fulfillment_options":[{"type":"shipping","option_id":"nope","item_ids":[]}]}`, http.StatusBadRequest, "invalid", "$.selected_fulfillment_options[0].option_id"},
		"bad email":         {`{"buyer":{"email":"nope"}}`, http.StatusBadRequest, "invalid", "$.buyer.email"},
		"too large":         {`{"order_notes":"` + strings.Repeat("x", 70000) + `"}`, http.StatusRequestEntityTooLarge, "request_too_large", ""},
		"notes too long":    {`{"order_notes":"` + strings.Repeat("x", 5001) + `"}`, http.StatusBadRequest, "invalid", "$.order_notes"},
		"too deeply nested": {strings.Repeat(`{"a":`, 10001) + "1" + strings.Repeat("}", 10001), http.StatusBadRequest, "invalid_json", "$"},
		"array not object":  {`[]`, http.StatusBadRequest, "invalid_type", "$"},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			r := s.do(t, request{path: path, body: tc.body})
			if tc.code == "" {
				wantStatus(t, r, tc.status)
			} else {
				wantError(t, r, tc.status, tc.code, tc.param)
			}
		})
	}
	tooLarge(t, s, path)
	after := s.do(t, request{method: http.MethodGet, path: path})
	if !bytes.Equal(after.body, created.body) {
		t.Errorf("session changed after rejected requests:\n%s\n%s", created.body, after.body)
	}
	// Create with an unknown currency is refused and creates nothing.
	wantError(t, s.do(t, request{path: "/checkout_sessions", body: strings.Replace(createBody, `"usd"`, `"eur"`, 1)}), http.StatusBadRequest, "unsupported_currency", "$.currency")
	wantError(t, s.do(t, request{path: "/checkout_sessions", body: strings.Replace(createBody, `"usd"`, `"xx1"`, 1)}), http.StatusBadRequest, "invalid", "$.currency")
}

// TestLogsCarryNoSecrets checks the one-line-per-request log: it names the
// route, status, agent and session, and never the token, email or address.
func TestLogsCarryNoSecrets(t *testing.T) {
	t.Parallel()
	s := startServer(t, loadTestConfig(t, t.TempDir()))
	created := s.do(t, request{path: "/checkout_sessions", body: createBody, header: map[string]string{"Request-Id": "req-log-1"}})
	id := created.json(t)["id"].(string)
	s.do(t, request{path: "/checkout_sessions/" + id, body: addressBody})
	s.do(t, request{path: "/checkout_sessions/" + id + "/complete", body: fmt.Sprintf(completeBody, "spt_secret_token_value")})
	s.stop()
	logs := s.logs.String()
	for _, secret := range []string{testToken, "ada@example.com", "1 Test St", "spt_secret_token_value", "94131"} {
		if strings.Contains(logs, secret) {
			t.Errorf("logs contain %q:\n%s", secret, logs)
		}
	}
	var found bool
	for _, line := range strings.Split(strings.TrimSpace(logs), "\n") {
		var entry map[string]any
		if err := json.Unmarshal([]byte(line), &entry); err != nil {
			t.Fatalf("log line is not JSON: %q", line)
		}
		if entry["msg"] == "request" && entry["request_id"] == "req-log-1" {
			found = entry["route"] == "/checkout_sessions" && entry["status"] == float64(201) && entry["agent"] == "test-agent" &&
				entry["session_id"] == id && entry["api_version"] == v0417 && entry["duration_ms"] != nil
		}
	}
	if !found {
		t.Errorf("no complete request line for req-log-1 in logs:\n%s", logs)
	}
}

// tooLarge announces a body over server.max_body_bytes and expects the
// flat 413 before any of it is sent. (Sending the body itself races the
// server's close against the client's read of the 413, as for any HTTP
// server that refuses a body early.)
func tooLarge(t *testing.T, s *server, path string) {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nAPI-Version: %s\r\nIdempotency-Key: big-1\r\nContent-Type: application/json\r\nContent-Length: 70000\r\n\r\n", path, testToken, v0417)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("read 413 response: %v", err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	r := response{status: resp.StatusCode, header: resp.Header, body: data}
	validate(t, v0417, path, r)
	wantError(t, r, http.StatusRequestEntityTooLarge, "request_too_large", "")
}

// checkClosedAndUnknown checks, under version, the rules around sessions
// that cannot change and ids that do not exist: the completed session
// refuses cancel (405) and update; a new session cancels once, without
// echoing its intent trace, and a second cancel is 405; unknown ids are
// 404 on every endpoint; another agent cannot see the completed session.
// create, cancel and complete (with a %s for the token) are the
// version's request bodies.
func checkClosedAndUnknown(t *testing.T, s *server, version, completedID, create, cancel, complete string) {
	t.Helper()
	wantError(t, s.do(t, request{path: "/checkout_sessions/" + completedID + "/cancel", version: version}), http.StatusMethodNotAllowed, "session_completed", "")
	wantError(t, s.do(t, request{path: "/checkout_sessions/" + completedID, version: version, body: `{}`}), http.StatusBadRequest, "session_completed", "")

	otherID := s.do(t, request{path: "/checkout_sessions", version: version, body: create}).json(t)["id"].(string)
	canceled := s.do(t, request{path: "/checkout_sessions/" + otherID + "/cancel", version: version, body: cancel})
	wantStatus(t, canceled, http.StatusOK)
	if status(t, canceled) != "canceled" || bytes.Contains(canceled.body, []byte("intent_trace")) {
		t.Fatalf("canceled session: %s", canceled.body)
	}
	wantError(t, s.do(t, request{path: "/checkout_sessions/" + otherID + "/cancel", version: version}), http.StatusMethodNotAllowed, "session_canceled", "")

	for _, r := range []request{
		{method: http.MethodGet, path: "/checkout_sessions/cs_missing"},
		{path: "/checkout_sessions/cs_missing", body: `{}`},
		{path: "/checkout_sessions/cs_missing/complete", body: fmt.Sprintf(complete, "spt_ok")},
		{path: "/checkout_sessions/cs_missing/cancel"},
	} {
		r.version = version
		wantError(t, s.do(t, r), http.StatusNotFound, "not_found", "")
	}
	wantError(t, s.do(t, request{method: http.MethodGet, path: "/checkout_sessions/" + completedID, version: version, token: otherToken}), http.StatusNotFound, "not_found", "")
}
