package host_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/core/host"
	"github.com/acp-sidecar/acp/internal/acpschema"
)

// The API versions before 2026-01-30, served by the legacy codec.
const (
	v0116 = "2026-01-16"
	v1212 = "2025-12-12"
	v0929 = "2025-09-29"
)

var legacyVersions = []string{v0116, v1212, v0929}

const (
	legacyCreateBody = `{"items":[{"id":"item_123","quantity":2},{"id":"ebook","quantity":1}]}`
	legacyAddr       = `{"name":"Ada","line_one":"1 Test St","city":"San Francisco","state":"CA","country":"US","postal_code":"94131"}`
	legacyComplete   = `{"buyer":{"first_name":"Ada","last_name":"Lovelace","email":"ada@example.com"},"payment_data":{"token":"%s","provider":"stripe"}}`
	authDetails      = `{"three_ds_cryptogram":"AAIBBYNoEwAAACcKhAJkdQAAAAA=","electronic_commerce_indicator":"05","transaction_id":"f38e6948-5388-41a6-bca4-b49723c19437","version":"2.2.0"}`
)

// legacyUpdateBody sets the address and express shipping for the jacket in
// the version's own shape.
func legacyUpdateBody(version string) string {
	if version == v0929 {
		return `{"fulfillment_address":` + legacyAddr + `,"fulfillment_option_id":"fulfillment_option_456"}`
	}
	return `{"fulfillment_details":{"name":"Ada","email":"ada@example.com","address":` + legacyAddr + `},` +
		`"selected_fulfillment_options":[{"type":"shipping","shipping":{"option_id":"fulfillment_option_456","item_ids":["item_123"]}}]}`
}

// addressParam is where a version's session carries the address.
func addressParam(version string) string {
	if version == v0929 {
		return "$.fulfillment_address"
	}
	return "$.fulfillment_details.address"
}

// selectedOption returns the shipping option a session selected, in
// either of the older shapes.
func selectedOption(t *testing.T, r response) string {
	t.Helper()
	m := r.json(t)
	if id, ok := m["fulfillment_option_id"].(string); ok {
		return id
	}
	for _, sel := range asSlice(m["selected_fulfillment_options"]) {
		if s, ok := sel.(map[string]any)["shipping"].(map[string]any); ok {
			return s["option_id"].(string)
		}
	}
	return ""
}

func asSlice(v any) []any {
	s, _ := v.([]any)
	return s
}

// TestLegacyCheckoutFlow drives every endpoint under each API version
// before 2026-01-30; server.do validates every response against the
// version's own schema.
func TestLegacyCheckoutFlow(t *testing.T) {
	t.Parallel()
	for _, version := range legacyVersions {
		t.Run(version, func(t *testing.T) {
			t.Parallel()
			s := startServer(t, loadTestConfig(t, t.TempDir()))

			created := s.do(t, request{path: "/checkout_sessions", version: version, body: legacyCreateBody})
			wantStatus(t, created, http.StatusCreated)
			sess := created.json(t)
			id := sess["id"].(string)
			if status(t, created) != "not_ready_for_payment" || sess["currency"] != "usd" {
				t.Fatalf("created session: %s", created.body)
			}
			if !bytes.Contains(created.body, []byte(`"param":"`+addressParam(version)+`"`)) {
				t.Errorf("missing-address message absent: %s", created.body)
			}
			for _, member := range []string{"protocol", "capabilities", "created_at", "expires_at"} {
				if _, ok := sess[member]; ok {
					t.Errorf("%s is not a %s member: %s", member, version, created.body)
				}
			}
			if provider, _ := sess["payment_provider"].(map[string]any); provider["provider"] != "stripe" {
				t.Errorf("payment_provider = %v", sess["payment_provider"])
			}

			got := s.do(t, request{method: http.MethodGet, path: "/checkout_sessions/" + id, version: version})
			wantStatus(t, got, http.StatusOK)
			if !bytes.Equal(got.body, created.body) {
				t.Errorf("GET differs from create:\n%s\n%s", got.body, created.body)
			}

			updated := s.do(t, request{path: "/checkout_sessions/" + id, version: version, body: legacyUpdateBody(version)})
			wantStatus(t, updated, http.StatusOK)
			if status(t, updated) != "ready_for_payment" || selectedOption(t, updated) != "fulfillment_option_456" {
				t.Fatalf("updated session: %s", updated.body)
			}
			if got := totalOf(t, updated.json(t), "total"); got != 2309 {
				t.Errorf("total = %v, want 2309 (as under 2026)\n%s", got, updated.body)
			}

			completed := s.do(t, request{path: "/checkout_sessions/" + id + "/complete", version: version, body: fmt.Sprintf(legacyComplete, "spt_ok")})
			wantStatus(t, completed, http.StatusOK)
			if status(t, completed) != "completed" || s.charges(t) != 1 {
				t.Fatalf("completed session: %s", completed.body)
			}
			order, _ := completed.json(t)["order"].(map[string]any)
			if order == nil || order["checkout_session_id"] != id || order["permalink_url"] != "https://shop.test/orders/"+order["id"].(string) {
				t.Fatalf("completed session: %s", completed.body)
			}
			again := s.do(t, request{method: http.MethodGet, path: "/checkout_sessions/" + id, version: version})
			if status(t, again) != "completed" || !bytes.Equal(again.body, completed.body) {
				t.Errorf("GET after complete:\n%s\n%s", again.body, completed.body)
			}
			cancelBody := `{"intent_trace":{"reason_code":"shipping_cost","trace_summary":"too dear"}}`
			if version == v0929 {
				cancelBody = "" // 2025-09-29 defines no cancel body
			}
			checkClosedAndUnknown(t, s, version, id, legacyCreateBody, cancelBody, legacyComplete)
		})
	}
}

// TestLegacyBadInput checks that each version's request errors are flat
// 400s with the version's own JSONPaths.
func TestLegacyBadInput(t *testing.T) {
	t.Parallel()
	s := startServer(t, loadTestConfig(t, t.TempDir()))
	for _, version := range legacyVersions {
		for name, tc := range map[string]struct{ body, code, param string }{
			"decimal quantity":   {`{"items":[{"id":"item_123","quantity":2.5}]}`, "invalid", "$.items[0].quantity"},
			"missing quantity":   {`{"items":[{"id":"item_123"}]}`, "missing", "$.items[0].quantity"},
			"2026 shape":         {createBody, "missing", "$.items"},
			"buyer without name": {`{"items":[{"id":"item_123","quantity":1}],"buyer":{"email":"a@b.co"}}`, "missing", "$.buyer.first_name"},
		} {
			if name == "decimal quantity" && version != v0929 {
				tc.code = "invalid_type" // quantity is an integer from 2025-12-12
			}
			t.Run(version+"/"+name, func(t *testing.T) {
				wantError(t, s.do(t, request{path: "/checkout_sessions", version: version, body: tc.body}), http.StatusBadRequest, tc.code, tc.param)
			})
		}
		t.Run(version+"/2026 payment_data", func(t *testing.T) {
			created := s.do(t, request{path: "/checkout_sessions", version: version, body: `{"items":[{"id":"ebook","quantity":1}]}`})
			id := created.json(t)["id"].(string)
			wantError(t, s.do(t, request{path: "/checkout_sessions/" + id + "/complete", version: version, body: fmt.Sprintf(completeBody, "spt_ok")}),
				http.StatusBadRequest, "missing", "$.payment_data.token")
		})
	}
}

// TestLegacyPaymentOutcomes covers decline and 3-D Secure in the older
// shapes: 2025-12-12 and 2026-01-16 take part in 3-D Secure, 2025-09-29
// cannot, so its 3-D Secure card is declined.
func TestLegacyPaymentOutcomes(t *testing.T) {
	t.Parallel()
	for _, version := range legacyVersions {
		t.Run(version, func(t *testing.T) {
			t.Parallel()
			s := startServer(t, loadTestConfig(t, t.TempDir()))
			newReady := func() string {
				r := s.do(t, request{path: "/checkout_sessions", version: version, body: `{"items":[{"id":"ebook","quantity":1}]}`})
				wantStatus(t, r, http.StatusCreated)
				if status(t, r) != "ready_for_payment" {
					t.Fatalf("digital cart not ready: %s", r.body)
				}
				return r.json(t)["id"].(string)
			}
			declinedOK := func(r response) {
				t.Helper()
				wantStatus(t, r, http.StatusOK)
				if status(t, r) != "ready_for_payment" || !bytes.Contains(r.body, []byte(`"code":"payment_declined"`)) || bytes.Contains(r.body, []byte(`"order"`)) {
					t.Fatalf("declined: %s", r.body)
				}
			}
			complete := func(id, token, auth string) response {
				body := fmt.Sprintf(legacyComplete, token)
				if auth != "" {
					body = strings.TrimSuffix(body, "}") + `,"authentication_result":` + auth + `}`
				}
				return s.do(t, request{path: "/checkout_sessions/" + id + "/complete", version: version, body: body})
			}

			declinedOK(complete(newReady(), "spt_card_decline", ""))
			if version == v0929 {
				declinedOK(complete(newReady(), "spt_card_3ds", ""))
				return
			}
			id := newReady()
			pending := complete(id, "spt_card_3ds", "")
			wantStatus(t, pending, http.StatusOK)
			if status(t, pending) != "authentication_required" || pending.json(t)["authentication_metadata"] == nil {
				t.Fatalf("3ds pending: %s", pending.body)
			}
			if _, ok := pending.json(t)["authentication_provider"]; ok != (version == v0116) {
				t.Errorf("authentication_provider under %s: %s", version, pending.body)
			}
			wantError(t, complete(id, "spt_card_3ds", ""), http.StatusBadRequest, "requires_3ds", "$.authentication_result")
			done := complete(id, "spt_card_3ds", `{"outcome":"authenticated","outcome_details":`+authDetails+`}`)
			wantStatus(t, done, http.StatusOK)
			if status(t, done) != "completed" {
				t.Fatalf("3ds complete: %s", done.body)
			}

			// A failed authentication declines (2026-01-16 says "failed",
			// 2025-12-12 "denied").
			id = newReady()
			wantStatus(t, complete(id, "spt_card_3ds", ""), http.StatusOK)
			failed := `{"outcome":"denied"}`
			if version == v0116 {
				failed = `{"outcome":"failed"}`
			}
			declinedOK(complete(id, "spt_card_3ds", failed))
		})
	}
}

// TestCrossVersionSession creates a session under 2025-09-29, updates it
// under 2026-04-17 and completes it under 2026-01-16; each response, and a
// final read under every version, is valid for its version.
func TestCrossVersionSession(t *testing.T) {
	t.Parallel()
	s := startServer(t, loadTestConfig(t, t.TempDir()))
	created := s.do(t, request{path: "/checkout_sessions", version: v0929, body: `{"items":[{"id":"item_123","quantity":2},{"id":"ebook","quantity":1}],"fulfillment_address":` + legacyAddr + `}`})
	wantStatus(t, created, http.StatusCreated)
	id := created.json(t)["id"].(string)
	if status(t, created) != "ready_for_payment" || selectedOption(t, created) != "fulfillment_option_123" {
		t.Fatalf("created under 2025-09-29: %s", created.body)
	}

	updated := s.do(t, request{path: "/checkout_sessions/" + id, version: v0417, body: addressBody})
	wantStatus(t, updated, http.StatusOK)
	if status(t, updated) != "ready_for_payment" || totalOf(t, updated.json(t), "total") != 2309 {
		t.Fatalf("updated under 2026-04-17: %s", updated.body)
	}

	completed := s.do(t, request{path: "/checkout_sessions/" + id + "/complete", version: v0116, body: fmt.Sprintf(legacyComplete, "spt_ok")})
	wantStatus(t, completed, http.StatusOK)
	m := completed.json(t)
	if status(t, completed) != "completed" || m["order"] == nil || selectedOption(t, completed) != "fulfillment_option_456" {
		t.Fatalf("completed under 2026-01-16: %s", completed.body)
	}
	details, _ := m["fulfillment_details"].(map[string]any)
	if details["email"] != "ada@example.com" {
		t.Errorf("fulfillment details set under 2026-04-17 lost: %s", completed.body)
	}
	for _, version := range []string{v0417, v0130, v0116, v1212, v0929} {
		r := s.do(t, request{method: http.MethodGet, path: "/checkout_sessions/" + id, version: version})
		if status(t, r) != "completed" || totalOf(t, r.json(t), "total") != 2309 {
			t.Errorf("read under %s: %s", version, r.body)
		}
	}
}

// TestLegacyExpiredStatus reads an expired session under every version:
// the older ones, which have no expired status, say canceled.
func TestLegacyExpiredStatus(t *testing.T) {
	t.Parallel()
	clock := newTestClock()
	cfg := loadTestConfig(t, t.TempDir())
	s := startServer(t, cfg, host.WithClock(clock.Now))
	created := s.do(t, request{path: "/checkout_sessions", version: v1212, body: legacyCreateBody})
	id := created.json(t)["id"].(string)
	clock.Advance(cfg.Store.SessionLifetime + time.Minute)
	for version, want := range map[string]string{v0417: "expired", v0130: "expired", v0116: "canceled", v1212: "canceled", v0929: "canceled"} {
		if r := s.do(t, request{method: http.MethodGet, path: "/checkout_sessions/" + id, version: version}); status(t, r) != want {
			t.Errorf("expired session under %s: %s, want status %s", version, r.body, want)
		}
	}
	wantError(t, s.do(t, request{path: "/checkout_sessions/" + id, version: v0929, body: `{"fulfillment_option_id":"fulfillment_option_123"}`}),
		http.StatusBadRequest, "session_expired", "")
}

// TestLegacySpecExampleRequests replays each older version's example
// requests against the test store, whose SKU and option ids are theirs.
func TestLegacySpecExampleRequests(t *testing.T) {
	t.Parallel()
	s := startServer(t, loadTestConfig(t, t.TempDir()))
	for _, version := range legacyVersions {
		t.Run(version, func(t *testing.T) {
			t.Parallel()
			ex := acpschema.Examples(t, version, "examples.agentic_checkout.json")
			if ex == nil {
				return // no spec files: counted as a check not made
			}
			body := func(name string) string {
				t.Helper()
				raw, ok := ex[name]
				if !ok {
					t.Fatalf("example %s missing from the %s spec files", name, version)
				}
				return string(raw)
			}
			create := body("create_checkout_session_request")
			if version == v0929 {
				// Its quantity is 2.5: refused, since this seller sells
				// whole units; the same request for 2 units is served.
				wantError(t, s.do(t, request{path: "/checkout_sessions", version: version, body: create}), http.StatusBadRequest, "invalid", "$.items[0].quantity")
				create = strings.Replace(create, `"quantity": 2.5`, `"quantity": 2`, 1)
			}
			creates := map[string]string{create: "ready_for_payment"}
			if version != v0929 {
				creates[body("create_checkout_session_request_with_first_touch_attribution")] = "not_ready_for_payment"
			}
			for req, want := range creates {
				created := s.do(t, request{path: "/checkout_sessions", version: version, body: req})
				wantStatus(t, created, http.StatusCreated)
				if status(t, created) != want || bytes.Contains(created.body, []byte("affiliate_attribution")) {
					t.Fatalf("example create is not %s: %s", want, created.body)
				}
			}

			completes := []string{"complete_checkout_session_request"}
			switch version {
			case v0116:
				completes = append(completes, "complete_checkout_session_request_with_last_touch_attribution", "complete_session_with_authentication_result_request")
			case v1212:
				completes = append(completes, "complete_checkout_session_request_with_last_touch_attribution")
			}
			for _, complete := range completes {
				created := s.do(t, request{path: "/checkout_sessions", version: version, body: create})
				id := created.json(t)["id"].(string)
				updated := s.do(t, request{path: "/checkout_sessions/" + id, version: version, body: body("update_checkout_session_request")})
				wantStatus(t, updated, http.StatusOK)
				if selectedOption(t, updated) != "fulfillment_option_456" {
					t.Fatalf("example update did not select express: %s", updated.body)
				}
				done := s.do(t, request{path: "/checkout_sessions/" + id + "/complete", version: version, body: body(complete)})
				wantStatus(t, done, http.StatusOK)
				var buyer struct {
					Buyer struct {
						FirstName string `json:"first_name"`
					} `json:"buyer"`
				}
				_ = json.Unmarshal(done.body, &buyer)
				if status(t, done) != "completed" || buyer.Buyer.FirstName == "" {
					t.Fatalf("example %s: %s", complete, done.body)
				}
			}

			if version == v0929 {
				return
			}
			for _, cancel := range []string{"cancel_checkout_session_request", "cancel_checkout_session_request_timing_deferred"} {
				created := s.do(t, request{path: "/checkout_sessions", version: version, body: create})
				id := created.json(t)["id"].(string)
				r := s.do(t, request{path: "/checkout_sessions/" + id + "/cancel", version: version, body: body(cancel)})
				wantStatus(t, r, http.StatusOK)
				if status(t, r) != "canceled" {
					t.Fatalf("example %s: %s", cancel, r.body)
				}
			}
		})
	}
}

// TestLegacyIdempotency checks the older versions' conventions: the key is
// optional and a key reused with another body is a 409.
func TestLegacyIdempotency(t *testing.T) {
	t.Parallel()
	s := startServer(t, loadTestConfig(t, t.TempDir()))
	for _, version := range legacyVersions {
		wantStatus(t, s.do(t, request{path: "/checkout_sessions", version: version, body: legacyCreateBody, noKey: true}), http.StatusCreated)
		key := map[string]string{"Idempotency-Key": "legacy-" + version}
		first := s.do(t, request{path: "/checkout_sessions", version: version, body: legacyCreateBody, header: key})
		replay := s.do(t, request{path: "/checkout_sessions", version: version, body: legacyCreateBody, header: key})
		if !bytes.Equal(first.body, replay.body) || replay.header.Get("Idempotent-Replayed") != "true" {
			t.Errorf("%s replay: %s\n%s", version, first.body, replay.body)
		}
		wantError(t, s.do(t, request{path: "/checkout_sessions", version: version, body: `{"items":[{"id":"ebook","quantity":1}]}`, header: key}),
			http.StatusConflict, "idempotency_conflict", "")
	}
}

// TestLegacyErrorParams: an engine error under an older version names the
// field in that version's request shape.
func TestLegacyErrorParams(t *testing.T) {
	t.Parallel()
	s := startServer(t, loadTestConfig(t, t.TempDir()))
	cases := []struct{ version, body, param string }{
		{v0929, `{"fulfillment_option_id":"nope"}`, "$.fulfillment_option_id"},
		{v1212, `{"selected_fulfillment_options":[{"type":"shipping","shipping":{"option_id":"nope","item_ids":["item_123"]}}]}`, "$.selected_fulfillment_options[0]"},
		{v0116, `{"selected_fulfillment_options":[{"type":"digital","digital":{"option_id":"nope","item_ids":["ebook"]}}]}`, "$.selected_fulfillment_options[0]"},
	}
	for _, tc := range cases {
		created := s.do(t, request{path: "/checkout_sessions", version: tc.version, body: legacyCreateBody})
		id := created.json(t)["id"].(string)
		r := s.do(t, request{path: "/checkout_sessions/" + id, version: tc.version, body: tc.body})
		wantError(t, r, http.StatusBadRequest, "invalid", tc.param)
	}
}
