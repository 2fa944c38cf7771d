package host_test

import (
	"net/http"
	"strings"
	"testing"
)

// Quantities must be exactly whole: a fraction gets a flat 400, however
// close to a whole number it is. The idempotency fingerprint is the
// RFC 8785 canonical body, in which 0.99999999999999999999 is 1: a retry
// with the same key and that spelling replays the answer to quantity 1.
func TestNonIntegerQuantities(t *testing.T) {
	t.Parallel()
	s := startServer(t, loadTestConfig(t, t.TempDir()))
	withQuantity := func(q string) string {
		return strings.Replace(createBody, `"quantity":2`, `"quantity":`+q, 1)
	}
	for _, q := range []string{"0.99999999999999999999", "1.5", "1.00000000000000000001", "1e-1", `"2"`} {
		r := s.do(t, request{path: "/checkout_sessions", body: withQuantity(q)})
		if r.status != http.StatusBadRequest {
			t.Fatalf("quantity %s: status %d, want 400\n%s", q, r.status, r.body)
		}
		if m := r.json(t); m["param"] != "$.line_items[0].quantity" {
			t.Errorf("quantity %s: error %s, want param $.line_items[0].quantity", q, r.body)
		}
	}
	for _, q := range []string{"2.0", "2e0", "20e-1"} {
		wantStatus(t, s.do(t, request{path: "/checkout_sessions", body: withQuantity(q)}), http.StatusCreated)
	}

	key := map[string]string{"Idempotency-Key": "quantity-fingerprint"}
	first := s.do(t, request{path: "/checkout_sessions", body: withQuantity("1"), header: key})
	wantStatus(t, first, http.StatusCreated)
	again := s.do(t, request{path: "/checkout_sessions", body: withQuantity("0.99999999999999999999"), header: key})
	wantStatus(t, again, http.StatusCreated)
	if again.header.Get("Idempotent-Replayed") != "true" || string(again.body) != string(first.body) {
		t.Errorf("retry with 0.99999999999999999999 under the key of quantity 1 was not the replay:\n%s", again.body)
	}
}
