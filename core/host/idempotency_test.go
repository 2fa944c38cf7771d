package host_test

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/core/host"
)

func withKey(key string) map[string]string { return map[string]string{"Idempotency-Key": key} }

// conflictStatus is each version's status for a key reused with another
// body (ACP-NOTES §10.1).
var conflictStatus = map[string]int{v0417: http.StatusUnprocessableEntity, v0130: http.StatusConflict}

// TestIdempotencyTable walks every row of ACP-NOTES §2.4 through the real
// HTTP stack on Badger, for both versions.
func TestIdempotencyTable(t *testing.T) {
	t.Parallel()
	for _, version := range []string{v0417, v0130} {
		t.Run(version, func(t *testing.T) {
			t.Parallel()
			s := startServer(t, loadTestConfig(t, t.TempDir()))
			post := func(path, body, key string) response {
				return s.do(t, request{path: path, version: version, body: body, header: withKey(key)})
			}

			// Same key, same body (keys reordered, 1 spelled 1.0): the
			// stored response, byte for byte, marked as replayed.
			first := post("/checkout_sessions", createBody, "create-1")
			wantStatus(t, first, http.StatusCreated)
			if first.header.Get("Idempotent-Replayed") != "" || first.header.Get("Idempotency-Key") != "create-1" {
				t.Errorf("first response headers: %v", first.header)
			}
			reordered := `{"currency":"usd","capabilities":{"interventions":{"supported":["3ds"]}},"line_items":[{"quantity":2.0,"id":"item_123"},{"id":"ebook"}]}`
			replay := post("/checkout_sessions", reordered, "create-1")
			wantStatus(t, replay, http.StatusCreated)
			if !bytes.Equal(replay.body, first.body) || replay.header.Get("Idempotent-Replayed") != "true" {
				t.Fatalf("replay differs or is unmarked:\n%s\n%s\n%v", first.body, replay.body, replay.header)
			}

			// Same key, different body: a conflict, permanent.
			wantError(t, post("/checkout_sessions", strings.Replace(createBody, `"quantity":2`, `"quantity":3`, 1), "create-1"), conflictStatus[version], "idempotency_conflict", "")
			// null differs from absent.
			wantError(t, post("/checkout_sessions", strings.Replace(createBody, `"currency":"usd"`, `"currency":"usd","buyer":null`, 1), "create-1"), conflictStatus[version], "idempotency_conflict", "")

			// The same key on another path, or from another agent, is
			// another record.
			id := first.json(t)["id"].(string)
			wantStatus(t, post("/checkout_sessions/"+id, addressBody, "create-1"), http.StatusOK)
			other := s.do(t, request{path: "/checkout_sessions", version: version, body: createBody, token: otherToken, header: withKey("create-1")})
			wantStatus(t, other, http.StatusCreated)
			if other.json(t)["id"] == id {
				t.Error("another agent's request with the same key replayed this agent's response")
			}

			// 4xx responses are stored and replayed too.
			bad := strings.Replace(createBody, `"usd"`, `"eur"`, 1)
			wantError(t, post("/checkout_sessions", bad, "bad-1"), http.StatusBadRequest, "unsupported_currency", "$.currency")
			again := post("/checkout_sessions", bad, "bad-1")
			if again.status != http.StatusBadRequest || again.header.Get("Idempotent-Replayed") != "true" {
				t.Errorf("4xx replay: %d %v", again.status, again.header)
			}

			// A replayed complete charges nothing more.
			done := post("/checkout_sessions/"+id+"/complete", fmt.Sprintf(completeBody, "spt_ok"), "complete-1")
			wantStatus(t, done, http.StatusOK)
			redone := post("/checkout_sessions/"+id+"/complete", fmt.Sprintf(completeBody, "spt_ok"), "complete-1")
			if !bytes.Equal(redone.body, done.body) || s.charges(t) != 1 {
				t.Fatalf("complete replay: charges %d\n%s\n%s", s.charges(t), done.body, redone.body)
			}

			// GET needs no key.
			wantStatus(t, s.do(t, request{method: http.MethodGet, path: "/checkout_sessions/" + id, version: version}), http.StatusOK)
		})
	}
}

func TestIdempotencyKeyRequired(t *testing.T) {
	t.Parallel()
	s := startServer(t, loadTestConfig(t, t.TempDir()))
	noKey := func(version string, key string) response {
		header := map[string]string{}
		if key != "" {
			header["Idempotency-Key"] = key
		}
		return s.do(t, request{path: "/checkout_sessions", version: version, body: createBody, header: header, noKey: true})
	}
	wantError(t, noKey(v0417, ""), http.StatusBadRequest, "idempotency_key_required", "")
	wantError(t, noKey(v0417, strings.Repeat("k", 256)), http.StatusBadRequest, "idempotency_key_required", "")
	wantError(t, noKey(v0417, "cl\u00e9-non-ascii"), http.StatusBadRequest, "idempotency_key_required", "")
	wantStatus(t, noKey(v0417, strings.Repeat("k", 255)), http.StatusCreated)
	// 2026-01-30 only recommended the key: a keyless POST is processed.
	wantStatus(t, noKey(v0130, ""), http.StatusCreated)
}

// TestConcurrentSameKeyCompletes: 50 identical completes with one key at
// once give exactly one charge and one order; every response is the
// completed session (first or replayed) or 409 idempotency_in_flight.
func TestConcurrentSameKeyCompletes(t *testing.T) {
	t.Parallel()
	s := startServer(t, loadTestConfig(t, t.TempDir()))
	id := s.do(t, request{path: "/checkout_sessions", body: `{"line_items":[{"id":"ebook"}],"currency":"usd","capabilities":{}}`}).json(t)["id"].(string)
	results := fire(t, 50, func(i int) response {
		return s.do(t, request{path: "/checkout_sessions/" + id + "/complete", body: fmt.Sprintf(completeBody, "spt_ok"), header: withKey("same-key")})
	})
	var completed []byte
	for _, r := range results {
		switch {
		case r.status == http.StatusOK && status(t, r) == "completed":
			if completed != nil && !bytes.Equal(completed, r.body) {
				t.Errorf("two different completed bodies:\n%s\n%s", completed, r.body)
			}
			completed = r.body
		case r.status == http.StatusConflict:
			wantError(t, r, http.StatusConflict, "idempotency_in_flight", "")
			if r.header.Get("Retry-After") == "" {
				t.Error("409 in flight without Retry-After")
			}
		default:
			t.Errorf("unexpected response %d %s", r.status, r.body)
		}
	}
	if completed == nil || s.charges(t) != 1 {
		t.Fatalf("completed=%v charges=%d, want one charge", completed != nil, s.charges(t))
	}
}

// TestConcurrentDifferentKeyCompletes: 50 completes of one session with
// different keys give exactly one charge and one order.
func TestConcurrentDifferentKeyCompletes(t *testing.T) {
	t.Parallel()
	s := startServer(t, loadTestConfig(t, t.TempDir()))
	id := s.do(t, request{path: "/checkout_sessions", body: `{"line_items":[{"id":"ebook"}],"currency":"usd","capabilities":{}}`}).json(t)["id"].(string)
	results := fire(t, 50, func(i int) response {
		return s.do(t, request{path: "/checkout_sessions/" + id + "/complete", body: fmt.Sprintf(completeBody, "spt_ok"), header: withKey(fmt.Sprintf("key-%d", i))})
	})
	orders := map[string]bool{}
	for _, r := range results {
		switch {
		case r.status == http.StatusOK:
			orders[r.json(t)["order"].(map[string]any)["id"].(string)] = true
		case r.status == http.StatusBadRequest:
			wantError(t, r, http.StatusBadRequest, "session_completed", "")
		default:
			t.Errorf("unexpected response %d %s", r.status, r.body)
		}
	}
	if len(orders) != 1 || s.charges(t) != 1 {
		t.Fatalf("orders=%d charges=%d, want 1 and 1", len(orders), s.charges(t))
	}
}

func fire(t *testing.T, n int, call func(i int) response) []response {
	t.Helper()
	results := make([]response, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			results[i] = call(i)
		}()
	}
	close(start)
	wg.Wait()
	return results
}

// TestExpiredKeyIsNew: after the retention period a key is a new request.
func TestExpiredKeyIsNew(t *testing.T) {
	t.Parallel()
	clock := newTestClock()
	cfg := loadTestConfig(t, t.TempDir())
	s := startServer(t, cfg, host.WithClock(clock.Now))
	wantStatus(t, s.do(t, request{path: "/checkout_sessions", body: createBody, header: withKey("old-1")}), http.StatusCreated)
	other := strings.Replace(createBody, `"quantity":2`, `"quantity":1`, 1)
	wantError(t, s.do(t, request{path: "/checkout_sessions", body: other, header: withKey("old-1")}), http.StatusUnprocessableEntity, "idempotency_conflict", "")
	clock.Advance(cfg.Idempotency.Retention + time.Second)
	fresh := s.do(t, request{path: "/checkout_sessions", body: other, header: withKey("old-1")})
	wantStatus(t, fresh, http.StatusCreated)
	if fresh.header.Get("Idempotent-Replayed") != "" {
		t.Error("an expired key was replayed")
	}
}

// TestIdempotencyScope: the API version is part of a key's meaning (the
// same key and body under another version is a conflict, since the stored
// answer has the other version's shape), and a path has one spelling.
func TestIdempotencyScope(t *testing.T) {
	t.Parallel()
	s := startServer(t, loadTestConfig(t, t.TempDir()))
	wantStatus(t, s.do(t, request{path: "/checkout_sessions", body: createBody, header: withKey("vk")}), http.StatusCreated)
	wantError(t, s.do(t, request{path: "/checkout_sessions", version: v0130, body: createBody, header: withKey("vk")}), http.StatusConflict, "idempotency_conflict", "")
	for _, path := range []string{"/Checkout_Sessions", "/checkout_sessions/"} {
		wantError(t, s.do(t, request{path: path, body: createBody, header: withKey("vk")}), http.StatusNotFound, "not_found", "")
	}
}
