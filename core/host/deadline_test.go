package host_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/config"
	"github.com/acp-sidecar/acp/core/payment/stripe/stripefake"
)

// lateIntake is an order intake that stores every order it receives but
// answers only after the order-forward plugin gave up waiting (its
// attempt timeout), as a slow order system does. It answers a cancel of
// an order it never stored with 404, fails the first cancelFailures
// cancels with 503, and notes the PaymentIntent's status when it cancels.
type lateIntake struct {
	fake  *stripefake.Server
	delay time.Duration

	mu             sync.Mutex
	orders         map[string]string // order id → "placed" or "canceled"
	cancelFailures int
	cancelAsked    int
	piAtCancel     []string
}

func (in *lateIntake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	data, _ := io.ReadAll(r.Body)
	var body struct {
		OrderID string `json:"order_id"`
	}
	_ = json.Unmarshal(data, &body)
	in.mu.Lock()
	if strings.HasSuffix(r.URL.Path, "/cancel") {
		defer in.mu.Unlock()
		in.cancelAsked++
		switch {
		case in.cancelFailures > 0:
			in.cancelFailures--
			http.Error(w, "busy", http.StatusServiceUnavailable)
		case in.orders[body.OrderID] == "":
			http.Error(w, "no such order", http.StatusNotFound)
		default:
			in.orders[body.OrderID] = "canceled"
			for _, pi := range in.fake.PaymentIntents() {
				in.piAtCancel = append(in.piAtCancel, pi.Status)
			}
			w.WriteHeader(http.StatusOK)
		}
		return
	}
	if in.orders[body.OrderID] == "" {
		in.orders[body.OrderID] = "placed"
	}
	in.mu.Unlock()
	// Stored; the answer comes too late.
	select {
	case <-time.After(in.delay):
	case <-r.Context().Done():
	}
	w.WriteHeader(http.StatusOK)
}

func (in *lateIntake) state() (orders map[string]string, cancelAsked int, piAtCancel []string) {
	in.mu.Lock()
	defer in.mu.Unlock()
	orders = map[string]string{}
	for k, v := range in.orders {
		orders[k] = v
	}
	return orders, in.cancelAsked, append([]string(nil), in.piAtCancel...)
}

// TestStripeDeadlineCancelsLateOrder: an order system that stored the
// order but answered too late, past orders.placement_deadline, is asked to
// cancel that order (the one the placement named) before the
// PaymentIntent is canceled; while the cancel fails the money stays
// authorized and the session complete_in_progress, and the reconciler
// asks again. The outcome is listed as a failed order.
func TestStripeDeadlineCancelsLateOrder(t *testing.T) {
	t.Parallel()
	fake := newStripeFake(t)
	in := &lateIntake{fake: fake, delay: 800 * time.Millisecond, orders: map[string]string{}, cancelFailures: 2}
	s := startCaptureStoreWith(t, fake, in, func(cfg *config.Config) {
		cfg.Orders.PlacementDeadline = 500 * time.Millisecond
		cfg.Payments.ReconcileAfter = 200 * time.Millisecond
		for _, p := range cfg.Plugins {
			if p.Name == "orders" {
				p.Config["timeout"] = "300ms"
			}
		}
	})
	id := s.newSession(t)
	orderID := "ord_" + strings.TrimPrefix(id, "cs_")
	began := time.Now()
	wantError(t, s.complete(t, id, "spt_ok_late", ""), http.StatusServiceUnavailable, "upstream_unavailable", "")
	var final response
	for time.Since(began) < 20*time.Second {
		final = s.do(t, request{method: http.MethodGet, path: "/checkout_sessions/" + id})
		if status(t, final) != "complete_in_progress" {
			break
		}
		if pis := fake.PaymentIntents(); len(pis) != 1 || pis[0].Status != "requires_capture" {
			t.Fatalf("while the attempt is open: PaymentIntents = %+v, want one authorized", pis)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if status(t, final) != "ready_for_payment" || !strings.Contains(string(final.body), "new payment token") {
		t.Fatalf("after the deadline: %s", final.body)
	}
	orders, asked, piAtCancel := in.state()
	if orders[orderID] != "canceled" {
		t.Errorf("the intake's order %s is %q, want canceled", orderID, orders[orderID])
	}
	if asked < 3 {
		t.Errorf("the cancel was asked %d times; want the two failures retried", asked)
	}
	if len(piAtCancel) != 1 || piAtCancel[0] != "requires_capture" {
		t.Errorf("PaymentIntent status when the order was canceled: %v, want still authorized", piAtCancel)
	}
	if pis := fake.PaymentIntents(); len(pis) != 1 || pis[0].Status != "canceled" || pis[0].Captures != 0 {
		t.Fatalf("PaymentIntents = %+v, want one canceled", pis)
	}
	if !strings.Contains(s.logs.String(), "canceling the order failed") {
		t.Errorf("no log line for the failed cancels:\n%s", s.logs.String())
	}
	failed := s.do(t, request{method: http.MethodGet, path: "/merchant/orders/failed", token: captureMerchantToken, noVersion: true})
	wantStatus(t, failed, http.StatusOK)
	list, _ := failed.json(t)["data"].([]any)
	if len(list) != 1 {
		t.Fatalf("failed orders: %s", failed.body)
	}
	rec, _ := list[0].(map[string]any)
	if rec["session_id"] != id || rec["reason"] != "placement_deadline" || rec["money"] != "voided" {
		t.Errorf("failed order = %v", rec)
	}
}

// TestRetriedCompleteAfterReconciler: a complete answered 503 (the order
// intake was down) whose attempt the background reconciler completed
// afterwards is answered, when the agent retries it with the same
// Idempotency-Key, with the completed session (then replayed as such),
// not with 400 session_completed; a complete with a new key is refused.
func TestRetriedCompleteAfterReconciler(t *testing.T) {
	t.Parallel()
	s, in := startCaptureStore(t, http.StatusServiceUnavailable, func(cfg *config.Config) {
		cfg.Payments.ReconcileAfter = 200 * time.Millisecond
	})
	id := s.newSession(t)
	body := `{"payment_data":{"handler_id":"stripe_card","instrument":{"type":"card","credential":{"type":"spt","token":"spt_ok_retry"}}}}`
	complete := func(key string) response {
		return s.do(t, request{path: "/checkout_sessions/" + id + "/complete", body: body, header: map[string]string{"Idempotency-Key": key}})
	}
	wantError(t, complete("agent-key-1"), http.StatusServiceUnavailable, "upstream_unavailable", "")
	in.status.Store(http.StatusOK)
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if status(t, s.do(t, request{method: http.MethodGet, path: "/checkout_sessions/" + id})) == "completed" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the reconciler did not complete the session")
		}
	}
	retried := complete("agent-key-1")
	if wantStatus(t, retried, http.StatusOK); status(t, retried) != "completed" {
		t.Fatalf("the retried complete: %s", retried.body)
	}
	again := complete("agent-key-1")
	if wantStatus(t, again, http.StatusOK); again.header.Get("Idempotent-Replayed") != "true" || string(again.body) != string(retried.body) {
		t.Errorf("the second retry was not a replay of the first: %v\n%s", again.header, again.body)
	}
	wantError(t, complete("agent-key-2"), http.StatusBadRequest, "session_completed", "")
	if pis := s.fake.PaymentIntents(); len(pis) != 1 || pis[0].Captures != 1 {
		t.Errorf("PaymentIntents = %+v, want one captured once", pis)
	}
}
