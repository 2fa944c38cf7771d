package host_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/config"
	"github.com/acp-sidecar/acp/core/host"
	"github.com/acp-sidecar/acp/core/payment/stripe/stripefake"
)

// answeringIntake is a store's order intake, reached through the real
// acp-plugin-order-forward process, that answers placements with the
// status the test sets. For each placement it notes how many captures
// the fake Stripe had received by then.
type answeringIntake struct {
	fake   *stripefake.Server
	status atomic.Int64

	mu            sync.Mutex
	placements    int
	capturesAtPut []int
	cancels       []string
}

func (in *answeringIntake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	in.mu.Lock()
	defer in.mu.Unlock()
	if strings.HasSuffix(r.URL.Path, "/cancel") {
		in.cancels = append(in.cancels, r.URL.Path)
		w.WriteHeader(http.StatusOK)
		return
	}
	in.placements++
	captures := 0
	for _, pi := range in.fake.PaymentIntents() {
		captures += pi.Captures
	}
	in.capturesAtPut = append(in.capturesAtPut, captures)
	status := int(in.status.Load())
	if status != http.StatusOK {
		http.Error(w, "refused", status)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprint(w, `{"order_number":"SHOP-1"}`)
}

func (in *answeringIntake) seen() (placements int, capturesAtPut []int, cancels []string) {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.placements, append([]int(nil), in.capturesAtPut...), append([]string(nil), in.cancels...)
}

const captureMerchantToken = "merchant-local-token-for-capture-tests"

// startCaptureStore is the Stripe store with orders forwarded by the real
// order-forward plugin to an intake answering status; configure may
// change the config first.
func startCaptureStore(t *testing.T, status int, configure func(*config.Config)) (*stripeStore, *answeringIntake) {
	t.Helper()
	fake := newStripeFake(t)
	in := &answeringIntake{fake: fake}
	in.status.Store(int64(status))
	return startCaptureStoreWith(t, fake, in, configure), in
}

// startCaptureStoreWith is the Stripe store over fake with orders
// forwarded by the real order-forward plugin (one attempt per request) to
// the intake served by intake.
func startCaptureStoreWith(t *testing.T, fake *stripefake.Server, intake http.Handler, configure func(*config.Config)) *stripeStore {
	t.Helper()
	srv := httptest.NewServer(intake)
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	cfg := stripeConfig(t, fake, dir)
	cfg.Payments.Handlers[0].Capture = "manual"
	for _, p := range pluginsStore(t, dir, srv.URL).Plugins {
		if p.Name == "orders" {
			p.Config["max_attempts"] = 1
			cfg.Plugins = append(cfg.Plugins, p)
		}
	}
	cfg.Capabilities.Fulfillment = "orders"
	cfg.MerchantAPI.LocalOnlyToken = captureMerchantToken
	if configure != nil {
		configure(cfg)
	}
	env := map[string]string{stripeKeyEnv: stripefake.SecretKey, stripeHookEnv: stripeHookSecret, "ACP_ORDER_INTAKE_SECRET": intakeSecret}
	client := &http.Client{Timeout: 300 * time.Millisecond}
	return &stripeStore{server: startServerEnv(t, cfg, env, host.WithStripeHTTPClient(client)), fake: fake}
}

// TestStripeCapturesAfterOrderAccepted: a complete creates one
// PaymentIntent with capture_method=manual, the order reaches the intake
// while the money is only authorized, and the PaymentIntent is captured
// once afterwards, under its own idempotency key.
func TestStripeCapturesAfterOrderAccepted(t *testing.T) {
	t.Parallel()
	s, in := startCaptureStore(t, http.StatusOK, nil)
	id := s.newSession(t)
	done := s.complete(t, id, "spt_ok_capture", "")
	wantStatus(t, done, http.StatusOK)
	if status(t, done) != "completed" {
		t.Fatalf("complete: %s", done.body)
	}
	pis := s.fake.PaymentIntents()
	if len(pis) != 1 || pis[0].CaptureMethod != "manual" || pis[0].Captures != 1 || pis[0].Status != "succeeded" {
		t.Fatalf("PaymentIntents = %+v, want one manual-capture intent captured once", pis)
	}
	placements, capturesAtPut, _ := in.seen()
	if placements != 1 || capturesAtPut[0] != 0 {
		t.Errorf("placements %d, captures when the order was placed %v; want one placement before any capture", placements, capturesAtPut)
	}
	var captureKeys []string
	for _, r := range s.fake.Requests() {
		if strings.HasSuffix(r.Path, "/capture") {
			captureKeys = append(captureKeys, r.IdempotencyKey)
		}
	}
	if len(captureKeys) != 1 || captureKeys[0] != pis[0].IdempotencyKey+":capture" {
		t.Errorf("capture requests under keys %v, want one under %s:capture", captureKeys, pis[0].IdempotencyKey)
	}
}

// TestStripeConcurrentCompletesCaptureOnce: 50 concurrent completes of one
// session make one PaymentIntent and one capture.
func TestStripeConcurrentCompletesCaptureOnce(t *testing.T) {
	t.Parallel()
	s, in := startCaptureStore(t, http.StatusOK, nil)
	id := s.newSession(t)
	results := fire(t, 50, func(int) response { return s.complete(t, id, "spt_ok_race", "") })
	completed := 0
	for _, r := range results {
		if r.status >= 500 {
			t.Errorf("a concurrent complete answered %d: %s", r.status, r.body)
		}
		if r.status == http.StatusOK && status(t, r) == "completed" {
			completed++
		}
	}
	pis := s.fake.PaymentIntents()
	if completed == 0 || len(pis) != 1 || pis[0].Captures != 1 {
		t.Fatalf("completed answers %d, PaymentIntents %+v; want one intent captured once", completed, pis)
	}
	if placements, _, _ := in.seen(); placements != 1 {
		t.Errorf("placements = %d, want 1", placements)
	}
}

// TestStripeOrderRefusedCancelsIntent: an intake answering 409 is a
// definitive refusal: the PaymentIntent is canceled, nothing is captured,
// and the session is payable again with a message asking for a new token.
func TestStripeOrderRefusedCancelsIntent(t *testing.T) {
	t.Parallel()
	s, in := startCaptureStore(t, http.StatusConflict, nil)
	id := s.newSession(t)
	refused := s.complete(t, id, "spt_ok_refused", "")
	wantStatus(t, refused, http.StatusOK)
	if status(t, refused) != "ready_for_payment" || !bytes.Contains(refused.body, []byte("new payment token")) || refused.json(t)["order"] != nil {
		t.Fatalf("refused order: %s", refused.body)
	}
	pis := s.fake.PaymentIntents()
	if len(pis) != 1 || pis[0].Status != "canceled" || pis[0].Captures != 0 || pis[0].CancellationReason != "abandoned" {
		t.Fatalf("PaymentIntents = %+v, want one canceled, never captured", pis)
	}
	got := s.do(t, request{method: http.MethodGet, path: "/checkout_sessions/" + id})
	if st := status(t, got); st == "complete_in_progress" || st == "completed" {
		t.Fatalf("after the refusal GET says %s", st)
	}
	metrics := s.do(t, request{method: http.MethodGet, path: "/metrics", noAuth: true, noVersion: true})
	if want := `acp_payment_releases_total{cause="order_refused",handler="stripe_card",money="voided"} 1`; !bytes.Contains(metrics.body, []byte(want)) {
		t.Errorf("/metrics lacks %s", want)
	}
	if !strings.Contains(s.logs.String(), "payment released") {
		t.Errorf("no log line for the released payment")
	}
	// A new token, once the intake accepts, completes with a new intent.
	in.status.Store(http.StatusOK)
	done := s.complete(t, id, "spt_ok_refused_2", "")
	if status(t, done) != "completed" || len(s.fake.PaymentIntents()) != 2 || s.fake.PaymentIntents()[1].Captures != 1 {
		t.Fatalf("second attempt: %s", done.body)
	}
}

// TestStripeIntakeDownPastDeadline: an intake that stays down keeps the
// session complete_in_progress while the reconciler posts the order
// again; at orders.placement_deadline the PaymentIntent is canceled and
// the session is payable again.
func TestStripeIntakeDownPastDeadline(t *testing.T) {
	t.Parallel()
	const deadline = 1500 * time.Millisecond
	s, in := startCaptureStore(t, http.StatusServiceUnavailable, func(cfg *config.Config) {
		cfg.Orders.PlacementDeadline = deadline
		cfg.Payments.ReconcileAfter = 200 * time.Millisecond
	})
	id := s.newSession(t)
	began := time.Now()
	wantError(t, s.complete(t, id, "spt_ok_down", ""), http.StatusServiceUnavailable, "upstream_unavailable", "")
	if got := s.do(t, request{method: http.MethodGet, path: "/checkout_sessions/" + id}); status(t, got) != "complete_in_progress" {
		t.Fatalf("while the intake is down: %s", got.body)
	}
	var final response
	for time.Since(began) < 20*time.Second {
		final = s.do(t, request{method: http.MethodGet, path: "/checkout_sessions/" + id})
		if status(t, final) != "complete_in_progress" {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	elapsed := time.Since(began)
	if status(t, final) != "ready_for_payment" || !bytes.Contains(final.body, []byte("new payment token")) {
		t.Fatalf("after the deadline: %s", final.body)
	}
	if elapsed < deadline {
		t.Errorf("released after %v, before the %v deadline", elapsed, deadline)
	}
	pis := s.fake.PaymentIntents()
	if len(pis) != 1 || pis[0].Status != "canceled" || pis[0].Captures != 0 {
		t.Fatalf("PaymentIntents = %+v, want one canceled", pis)
	}
	if placements, _, _ := in.seen(); placements < 2 {
		t.Errorf("the order was posted %d times; want retries before the deadline", placements)
	}
}

// TestStripeCaptureRefusedCancelsOrder: a capture refused after the intake
// accepted the order cancels the order in the store's system and here.
func TestStripeCaptureRefusedCancelsOrder(t *testing.T) {
	t.Parallel()
	s, in := startCaptureStore(t, http.StatusOK, nil)
	id := s.newSession(t)
	done := s.complete(t, id, stripefake.ScenarioCaptureFail+"_1", "")
	wantStatus(t, done, http.StatusOK)
	order, _ := done.json(t)["order"].(map[string]any)
	if order == nil || !bytes.Contains(done.body, []byte("order was canceled")) {
		t.Fatalf("complete: %s", done.body)
	}
	orderID := order["id"].(string)
	if _, _, cancels := in.seen(); len(cancels) != 1 || !strings.Contains(cancels[0], orderID) {
		t.Errorf("intake cancellations = %v, want %s", cancels, orderID)
	}
	shown := s.do(t, request{method: http.MethodGet, path: "/merchant/orders/" + orderID, token: captureMerchantToken, noVersion: true})
	if wantStatus(t, shown, http.StatusOK); shown.json(t)["status"] != "canceled" {
		t.Errorf("the order after the refused capture: %s", shown.body)
	}
	if pis := s.fake.PaymentIntents(); len(pis) != 1 || pis[0].Captures != 0 {
		t.Errorf("PaymentIntents = %+v", pis)
	}
	if !strings.Contains(s.logs.String(), "capture was refused") {
		t.Errorf("no log line for the refused capture:\n%s", s.logs.String())
	}
}

// TestStripeImmediateCaptureRefundsRefusedOrder: with capture: immediate
// the PaymentIntent is captured on complete, and an intake's refusal is
// answered with a full refund.
func TestStripeImmediateCaptureRefundsRefusedOrder(t *testing.T) {
	t.Parallel()
	s, _ := startCaptureStore(t, http.StatusUnprocessableEntity, func(cfg *config.Config) { cfg.Payments.Handlers[0].Capture = "immediate" })
	id := s.newSession(t)
	refused := s.complete(t, id, "spt_ok_immediate", "")
	if status(t, refused) != "ready_for_payment" || !bytes.Contains(refused.body, []byte("refunded in full")) {
		t.Fatalf("refused order: %s", refused.body)
	}
	pis := s.fake.PaymentIntents()
	if len(pis) != 1 || pis[0].CaptureMethod != "automatic" || pis[0].Status != "succeeded" || pis[0].Refunded != pis[0].Amount {
		t.Fatalf("PaymentIntents = %+v, want one captured at once and refunded in full", pis)
	}
}

// TestStripeAuthorizationWebhookResumes: an authorization whose answer
// was lost (a timeout) is finished by Stripe's
// payment_intent.amount_capturable_updated event: the order is placed and
// the PaymentIntent captured once.
func TestStripeAuthorizationWebhookResumes(t *testing.T) {
	t.Parallel()
	s, in := startCaptureStore(t, http.StatusOK, nil)
	id := s.newSession(t)
	wantError(t, s.complete(t, id, "spt_timeout_authorized", ""), http.StatusServiceUnavailable, "payment_unavailable", "")
	pis := s.fake.PaymentIntents()
	if len(pis) != 1 || pis[0].Status != "requires_capture" {
		t.Fatalf("PaymentIntents = %+v, want one authorized", pis)
	}
	if code := s.webhook(t, stripefake.EventPaymentIntentAmountCapturableUpdated, pis[0].ID, stripeHookSecret); code != http.StatusOK {
		t.Fatalf("payment_intent.amount_capturable_updated: %d", code)
	}
	got := s.do(t, request{method: http.MethodGet, path: "/checkout_sessions/" + id})
	if status(t, got) != "completed" {
		t.Fatalf("after the event: %s", got.body)
	}
	if pis := s.fake.PaymentIntents(); len(pis) != 1 || pis[0].Captures != 1 {
		t.Fatalf("PaymentIntents = %+v, want one captured once", pis)
	}
	if placements, _, _ := in.seen(); placements != 1 {
		t.Errorf("placements = %d, want 1", placements)
	}
}
