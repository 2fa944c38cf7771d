package host_test

import (
	"bytes"
	"fmt"
	"net/http"
	"testing"
)

// TestRestartLosesNothing creates and updates a session, stops the server
// gracefully, starts a new one on the same Badger directory, reads the
// same session back and completes it there.
func TestRestartLosesNothing(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	first := startServer(t, loadTestConfig(t, dir))
	created := first.do(t, request{path: "/checkout_sessions", body: createBody})
	id := created.json(t)["id"].(string)
	updated := first.do(t, request{path: "/checkout_sessions/" + id, body: addressBody})
	wantStatus(t, updated, http.StatusOK)
	first.stop()

	second := startServer(t, loadTestConfig(t, dir))
	got := second.do(t, request{method: http.MethodGet, path: "/checkout_sessions/" + id})
	wantStatus(t, got, http.StatusOK)
	if !bytes.Equal(got.body, updated.body) {
		t.Fatalf("session after restart differs:\n%s\n%s", updated.body, got.body)
	}
	done := second.do(t, request{path: "/checkout_sessions/" + id + "/complete", body: fmt.Sprintf(completeBody, "spt_ok")})
	wantStatus(t, done, http.StatusOK)
	if status(t, done) != "completed" {
		t.Fatalf("complete after restart: %s", done.body)
	}
	second.stop()

	third := startServer(t, loadTestConfig(t, dir))
	after := third.do(t, request{method: http.MethodGet, path: "/checkout_sessions/" + id})
	if !bytes.Equal(after.body, done.body) {
		t.Fatalf("completed session after a second restart differs:\n%s\n%s", done.body, after.body)
	}
}
