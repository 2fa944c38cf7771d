package host_test

import (
	"bytes"
	"net/http"
	"testing"

	"github.com/acp-sidecar/acp/internal/acpschema"
)

// TestSpecExampleRequests replays the spec's own example requests against
// the test store, whose SKU, option and handler ids are the examples' own.
func TestSpecExampleRequests(t *testing.T) {
	t.Parallel()
	ex := acpschema.Examples(t, v0417, "examples.agentic_checkout.json")
	// run runs a subtest, which has nothing to replay without the spec
	// files (acpschema counts that as a check not made).
	run := func(name string, fn func(t *testing.T)) {
		t.Run(name, func(t *testing.T) {
			if ex != nil {
				fn(t)
			}
		})
	}
	var s *server
	if ex != nil {
		s = startServer(t, loadTestConfig(t, t.TempDir()))
	}
	body := func(name string) string {
		raw, ok := ex[name]
		if !ok {
			t.Fatalf("example %s missing from the spec files", name)
		}
		return string(raw)
	}

	// The first example carries an address and is ready for payment; the
	// attribution one has none, so it waits for the address.
	for create, want := range map[string]string{
		"create_checkout_session_request":                              "ready_for_payment",
		"create_checkout_session_request_with_first_touch_attribution": "not_ready_for_payment",
	} {
		run(create, func(t *testing.T) {
			created := s.do(t, request{path: "/checkout_sessions", body: body(create)})
			wantStatus(t, created, http.StatusCreated)
			if status(t, created) != want {
				t.Fatalf("example create is not %s: %s", want, created.body)
			}
			if bytes.Contains(created.body, []byte("affiliate_attribution")) || bytes.Contains(created.body, []byte("order_notes")) {
				t.Errorf("write-only inputs echoed: %s", created.body)
			}
		})
	}

	for _, complete := range []string{"complete_checkout_session_request", "complete_checkout_session_request_with_last_touch_attribution"} {
		run(complete, func(t *testing.T) {
			created := s.do(t, request{path: "/checkout_sessions", body: body("create_checkout_session_request")})
			id := created.json(t)["id"].(string)
			updated := s.do(t, request{path: "/checkout_sessions/" + id, body: body("update_checkout_session_request")})
			wantStatus(t, updated, http.StatusOK)
			sel := updated.json(t)["selected_fulfillment_options"].([]any)[0].(map[string]any)
			if sel["option_id"] != "fulfillment_option_456" {
				t.Fatalf("example update did not select express: %s", updated.body)
			}
			done := s.do(t, request{path: "/checkout_sessions/" + id + "/complete", body: body(complete)})
			wantStatus(t, done, http.StatusOK)
			if status(t, done) != "completed" {
				t.Fatalf("example complete: %s", done.body)
			}
		})
	}

	run("seller-backed handler is not advertised", func(t *testing.T) {
		created := s.do(t, request{path: "/checkout_sessions", body: body("create_checkout_session_request")})
		id := created.json(t)["id"].(string)
		r := s.do(t, request{path: "/checkout_sessions/" + id + "/complete", body: body("complete_checkout_session_request_seller_backed")})
		wantError(t, r, http.StatusBadRequest, "unknown_payment_handler", "$.payment_data.handler_id")
	})

	for _, cancel := range []string{"cancel_checkout_session_request", "cancel_checkout_session_request_timing_deferred"} {
		run(cancel, func(t *testing.T) {
			created := s.do(t, request{path: "/checkout_sessions", body: body("create_checkout_session_request")})
			id := created.json(t)["id"].(string)
			r := s.do(t, request{path: "/checkout_sessions/" + id + "/cancel", body: body(cancel)})
			wantStatus(t, r, http.StatusOK)
			if status(t, r) != "canceled" {
				t.Fatalf("example cancel: %s", r.body)
			}
		})
	}
}
