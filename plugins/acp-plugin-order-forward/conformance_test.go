package main

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/acp-sidecar/acp/sdk/acptest"
)

// orderIntake is an order intake as doc.go asks for one: it numbers each
// new Idempotency-Key's order, answers a repeated key with its first
// answer, and counts the orders it placed.
type orderIntake struct {
	*httptest.Server
	mu      sync.Mutex
	numbers map[string]int
}

func newOrderIntake(t *testing.T) *orderIntake {
	t.Helper()
	in := &orderIntake{numbers: map[string]int{}}
	in.Server = httptest.NewServer(http.HandlerFunc(in.serve))
	t.Cleanup(in.Close)
	return in
}

func (in *orderIntake) serve(w http.ResponseWriter, r *http.Request) {
	key := r.Header.Get("Idempotency-Key")
	if strings.HasPrefix(key, "cancel:") {
		w.WriteHeader(http.StatusOK) // a cancellation, repeated or not, succeeds
		return
	}
	in.mu.Lock()
	n, ok := in.numbers[key]
	if !ok {
		n = 1001 + len(in.numbers)
		in.numbers[key] = n
	}
	in.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	_ = json.NewEncoder(w).Encode(map[string]string{"order_number": fmt.Sprint(n), "permalink_url": fmt.Sprintf("https://shop.test/orders/%d", n)})
}

// placements is how many orders the intake placed.
func (in *orderIntake) placements() int {
	in.mu.Lock()
	defer in.mu.Unlock()
	return len(in.numbers)
}

// TestConformance checks every contract the host enforces on a
// fulfillment capability, against an intake that numbers each new key's
// order and counts them, so that the suite sees a retried PlaceOrder
// place nothing.
func TestConformance(t *testing.T) {
	t.Parallel()
	in := newOrderIntake(t)
	cfg, err := json.Marshal(map[string]any{"url": in.URL + "/acp/orders", "secret_env": "INTAKE_SECRET", "initial_backoff": "1ms"})
	if err != nil {
		t.Fatal(err)
	}
	acptest.RunFulfillmentConformance(t, newForwarder(slog.New(slog.DiscardHandler), getenv).serveOpts(),
		acptest.FulfillmentSuite{Placements: in.placements}, acptest.WithConfig(string(cfg)))
}
