package host_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/config"
	"github.com/acp-sidecar/acp/core/host"
	"github.com/acp-sidecar/acp/core/payment/stripe/stripefake"
)

const (
	stripeKeyEnv     = "TEST_STRIPE_SECRET_KEY"
	stripeHookEnv    = "TEST_STRIPE_WEBHOOK_SECRET"
	stripeHookSecret = "whsec_test_0123456789abcdef"
)

// stripeStore is a gateway whose only payment handler is Stripe, talking
// to a fake Stripe API through the real stripe-go client.
type stripeStore struct {
	*server
	fake *stripefake.Server
}

func stripeConfig(t *testing.T, fake *stripefake.Server, dir string) *config.Config {
	t.Helper()
	cfg := loadTestConfig(t, dir)
	cfg.Payments.Handlers = []config.PaymentHandler{{
		ID: "stripe_card", Kind: "stripe", DisplayName: "Card", MerchantID: "acct_test_shop", AcceptedBrands: []string{"visa"},
		Stripe: &config.Stripe{
			SecretKeyEnv: stripeKeyEnv, WebhookSecretEnv: stripeHookEnv, APIBaseURL: fake.URL, CheckToken: true,
			// No SDK retries: each complete is one attempt, so a timeout
			// leaves the outcome unknown, as a longer outage would.
			MaxNetworkRetries: new(int64),
			ThreeDS:           &config.ThreeDS{AcquirerBIN: "400000", AcquirerCountry: "US", AcquirerMerchantID: "shop-1", DirectoryServer: "visa"},
		},
	}}
	return cfg
}

func startStripeStore(t *testing.T, fake *stripefake.Server, dir string) *stripeStore {
	t.Helper()
	env := map[string]string{stripeKeyEnv: stripefake.SecretKey, stripeHookEnv: stripeHookSecret}
	client := &http.Client{Timeout: 300 * time.Millisecond}
	return &stripeStore{server: startServerEnv(t, stripeConfig(t, fake, dir), env, host.WithStripeHTTPClient(client)), fake: fake}
}

func newStripeFake(t *testing.T) *stripefake.Server {
	t.Helper()
	return stripefake.Start(t, stripefake.Options{TimeoutDelay: time.Second})
}

func (s *stripeStore) newSession(t *testing.T) string {
	t.Helper()
	r := s.do(t, request{path: "/checkout_sessions", body: `{"line_items":[{"id":"ebook"}],"currency":"usd","capabilities":{"interventions":{"supported":["3ds"]}}}`})
	wantStatus(t, r, http.StatusCreated)
	return r.json(t)["id"].(string)
}

func (s *stripeStore) complete(t *testing.T, id, token, extra string) response {
	t.Helper()
	body := fmt.Sprintf(`{"payment_data":{"handler_id":"stripe_card","instrument":{"type":"card","credential":{"type":"spt","token":%q}}}%s}`, token, extra)
	return s.do(t, request{path: "/checkout_sessions/" + id + "/complete", body: body})
}

// webhook posts a signed Stripe event about a PaymentIntent.
func (s *stripeStore) webhook(t *testing.T, eventType, piID, secret string) int {
	t.Helper()
	ev, err := s.fake.Event(eventType, piID)
	if err != nil {
		t.Fatal(err)
	}
	req, err := stripefake.NewWebhookRequest(context.Background(), s.base+"/stripe/webhooks", secret, ev)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

const authenticated = `,"authentication_result":{"outcome":"authenticated","outcome_details":{"three_ds_cryptogram":"AAIBBYNoEwAAACcKhAJkdQAAAAA=","electronic_commerce_indicator":"05","transaction_id":"f38e6948-5388-41a6-bca4-b49723c19437","version":"2.2.0"}}`

// TestStripePayments: success, decline then success with a new token, the
// 3DS path end to end, and a denied 3DS result, through the HTTP stack,
// the real stripe-go client and a fake Stripe API.
func TestStripePayments(t *testing.T) {
	t.Parallel()
	fake := newStripeFake(t)
	s := startStripeStore(t, fake, t.TempDir())

	id := s.newSession(t)
	done := s.complete(t, id, "spt_ok_success", "")
	wantStatus(t, done, http.StatusOK)
	if status(t, done) != "completed" || fake.PaymentIntentsCreated() != 1 {
		t.Fatalf("success: %s, %d PaymentIntents", done.body, fake.PaymentIntentsCreated())
	}
	pi := fake.PaymentIntents()[0]
	if pi.Amount != totalOf(t, done.json(t), "total") || pi.Currency != "usd" || pi.Metadata["acp_checkout_session_id"] != id {
		t.Errorf("PaymentIntent %+v does not match the session's total and id", pi)
	}

	id = s.newSession(t)
	declined := s.complete(t, id, "spt_decline_1", "")
	if status(t, declined) != "ready_for_payment" || !bytes.Contains(declined.body, []byte(`"payment_declined"`)) {
		t.Fatalf("decline: %s", declined.body)
	}
	if again := s.complete(t, id, "spt_ok_second", ""); status(t, again) != "completed" {
		t.Fatalf("second token after a decline: %s", again.body)
	}

	id = s.newSession(t)
	pending := s.complete(t, id, "spt_3ds_1", "")
	if status(t, pending) != "authentication_required" || pending.json(t)["authentication_metadata"] == nil {
		t.Fatalf("3DS: %s", pending.body)
	}
	before := fake.PaymentIntentsCreated()
	if done := s.complete(t, id, "spt_3ds_1", authenticated); status(t, done) != "completed" || fake.PaymentIntentsCreated() != before {
		t.Fatalf("3DS confirmation: %s, PaymentIntents %d -> %d", done.body, before, fake.PaymentIntentsCreated())
	}

	id = s.newSession(t)
	s.complete(t, id, "spt_3ds_2", "")
	denied := s.complete(t, id, "spt_3ds_2", `,"authentication_result":{"outcome":"denied"}`)
	if status(t, denied) != "ready_for_payment" || !bytes.Contains(denied.body, []byte(`"payment_declined"`)) {
		t.Fatalf("denied 3DS: %s", denied.body)
	}
}

// TestStripeUnknownOutcomes: a Stripe 5xx or a timeout on the first
// complete leaves the outcome unknown; the retry reaches the same
// PaymentIntent: one PaymentIntent, one order.
func TestStripeUnknownOutcomes(t *testing.T) {
	t.Parallel()
	for _, token := range []string{"spt_5xx_1", "spt_timeout_1"} {
		t.Run(token, func(t *testing.T) {
			t.Parallel()
			fake := newStripeFake(t)
			s := startStripeStore(t, fake, t.TempDir())
			id := s.newSession(t)
			first := s.complete(t, id, token, "")
			wantError(t, first, http.StatusServiceUnavailable, "payment_unavailable", "")
			retry := s.complete(t, id, token, "")
			wantStatus(t, retry, http.StatusOK)
			if status(t, retry) != "completed" || fake.PaymentIntentsCreated() != 1 {
				t.Fatalf("retry: %s, %d PaymentIntents", retry.body, fake.PaymentIntentsCreated())
			}
		})
	}
}

// TestStripeConcurrentCompletes: 50 concurrent completes of one session
// create one PaymentIntent and one order.
func TestStripeConcurrentCompletes(t *testing.T) {
	t.Parallel()
	fake := newStripeFake(t)
	s := startStripeStore(t, fake, t.TempDir())
	id := s.newSession(t)
	results := fire(t, 50, func(i int) response { return s.complete(t, id, "spt_ok_concurrent", "") })
	orders := map[string]bool{}
	for _, r := range results {
		if r.status == http.StatusOK {
			orders[r.json(t)["order"].(map[string]any)["id"].(string)] = true
		}
	}
	if len(orders) != 1 || fake.PaymentIntentsCreated() != 1 {
		t.Fatalf("orders %d, PaymentIntents %d; want 1 and 1", len(orders), fake.PaymentIntentsCreated())
	}
}

// TestStripeCrashBetweenChargeAndOrder: Stripe charges but the answer is
// lost (a timeout) and the gateway stops before writing the order; after a
// restart on the same store, the next complete finishes with the same
// PaymentIntent.
func TestStripeCrashBetweenChargeAndOrder(t *testing.T) {
	t.Parallel()
	fake := newStripeFake(t)
	dir := t.TempDir()
	first := startStripeStore(t, fake, dir)
	id := first.newSession(t)
	wantError(t, first.complete(t, id, "spt_timeout_crash", ""), http.StatusServiceUnavailable, "payment_unavailable", "")
	first.stop()

	second := startStripeStore(t, fake, dir)
	got := second.do(t, request{method: http.MethodGet, path: "/checkout_sessions/" + id})
	if status(t, got) != "complete_in_progress" {
		t.Fatalf("after the restart: %s", got.body)
	}
	done := second.complete(t, id, "spt_timeout_crash", "")
	if status(t, done) != "completed" || fake.PaymentIntentsCreated() != 1 {
		t.Fatalf("complete after the restart: %s, %d PaymentIntents", done.body, fake.PaymentIntentsCreated())
	}
	if done.json(t)["order"] == nil || !strings.Contains(string(done.body), id[3:]) {
		t.Fatalf("order: %s", done.body)
	}
}

// TestStripeWebhooks: a signed payment_intent.succeeded settles a session
// whose outcome was unknown; a bad signature is refused; charge.refunded
// and charge.dispute.created are recorded on the order.
func TestStripeWebhooks(t *testing.T) {
	t.Parallel()
	fake := newStripeFake(t)
	s := startStripeStore(t, fake, t.TempDir())
	id := s.newSession(t)
	wantError(t, s.complete(t, id, "spt_timeout_hook", ""), http.StatusServiceUnavailable, "payment_unavailable", "")
	piID := fake.PaymentIntents()[0].ID

	if code := s.webhook(t, stripefake.EventPaymentIntentSucceeded, piID, "whsec_wrong"); code != http.StatusBadRequest {
		t.Fatalf("bad signature: %d, want 400", code)
	}
	if got := s.do(t, request{method: http.MethodGet, path: "/checkout_sessions/" + id}); status(t, got) != "complete_in_progress" {
		t.Fatalf("an unverified event changed the session: %s", got.body)
	}
	if code := s.webhook(t, stripefake.EventPaymentIntentSucceeded, piID, stripeHookSecret); code != http.StatusOK {
		t.Fatalf("payment_intent.succeeded: %d", code)
	}
	settled := s.do(t, request{method: http.MethodGet, path: "/checkout_sessions/" + id})
	if status(t, settled) != "completed" || fake.PaymentIntentsCreated() != 1 {
		t.Fatalf("after payment_intent.succeeded: %s", settled.body)
	}

	if code := s.webhook(t, stripefake.EventChargeRefunded, piID, stripeHookSecret); code != http.StatusOK {
		t.Fatalf("charge.refunded: %d", code)
	}
	if code := s.webhook(t, stripefake.EventChargeDisputeCreated, piID, stripeHookSecret); code != http.StatusOK {
		t.Fatalf("charge.dispute.created: %d", code)
	}
	// Delivered twice (Stripe retries): recorded once.
	s.webhook(t, stripefake.EventChargeRefunded, piID, stripeHookSecret)
	after := s.do(t, request{method: http.MethodGet, path: "/checkout_sessions/" + id})
	var sess struct {
		Order struct {
			Adjustments []struct{ Type, Status string } `json:"adjustments"`
			Totals      []struct {
				Type   string `json:"type"`
				Amount int64  `json:"amount"`
			} `json:"totals"`
		} `json:"order"`
	}
	if err := json.Unmarshal(after.body, &sess); err != nil {
		t.Fatal(err)
	}
	adj := sess.Order.Adjustments
	if len(adj) != 2 || adj[0].Type != "refund" || adj[0].Status != "completed" || adj[1].Type != "dispute" {
		t.Fatalf("adjustments = %+v", adj)
	}
	refunded := int64(-1)
	for _, tot := range sess.Order.Totals {
		if tot.Type == "amount_refunded" {
			refunded = tot.Amount
		}
	}
	if refunded != fake.PaymentIntents()[0].Amount {
		t.Fatalf("amount_refunded = %d, want the charged %d", refunded, fake.PaymentIntents()[0].Amount)
	}
}

// TestStripeBackgroundSettlement: with neither a retry nor a webhook, the
// server settles a payment whose outcome stayed unknown by itself.
func TestStripeBackgroundSettlement(t *testing.T) {
	t.Parallel()
	fake := newStripeFake(t)
	cfg := stripeConfig(t, fake, t.TempDir())
	cfg.Payments.ReconcileAfter = 200 * time.Millisecond
	env := map[string]string{stripeKeyEnv: stripefake.SecretKey, stripeHookEnv: stripeHookSecret}
	s := &stripeStore{server: startServerEnv(t, cfg, env, host.WithStripeHTTPClient(&http.Client{Timeout: 300 * time.Millisecond})), fake: fake}
	id := s.newSession(t)
	wantError(t, s.complete(t, id, "spt_timeout_background", ""), http.StatusServiceUnavailable, "payment_unavailable", "")
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := s.do(t, request{method: http.MethodGet, path: "/checkout_sessions/" + id})
		if status(t, got) == "completed" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not settled after 10s: %s", got.body)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if fake.PaymentIntentsCreated() != 1 {
		t.Fatalf("PaymentIntents = %d, want 1", fake.PaymentIntentsCreated())
	}
}

// TestStripeChargedThen500: Stripe charges, then answers 500 and replays
// that 500 for the key for ever (as it does for a request that started
// executing). The next complete finds the attempt's PaymentIntent instead
// of trusting the replay; so does the webhook; and once Stripe has
// forgotten the key (24 hours), a resumed attempt still finds it rather
// than charging again: one PaymentIntent, one order, in every case.
func TestStripeChargedThen500(t *testing.T) {
	t.Parallel()
	testCases := map[string]func(t *testing.T, s *stripeStore, id string){
		"next complete": func(t *testing.T, s *stripeStore, id string) {
			if done := s.complete(t, id, "spt_charged500_a", ""); status(t, done) != "completed" {
				t.Fatalf("complete: %s", done.body)
			}
		},
		"webhook": func(t *testing.T, s *stripeStore, id string) {
			if code := s.webhook(t, stripefake.EventPaymentIntentSucceeded, s.fake.PaymentIntents()[0].ID, stripeHookSecret); code != http.StatusOK {
				t.Fatalf("webhook: %d", code)
			}
		},
		"after Stripe forgot the key": func(t *testing.T, s *stripeStore, id string) {
			s.fake.ForgetIdempotencyKeys()
			if done := s.complete(t, id, "spt_charged500_a", ""); status(t, done) != "completed" {
				t.Fatalf("complete: %s", done.body)
			}
		},
	}
	for name, settle := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fake := newStripeFake(t)
			s := startStripeStore(t, fake, t.TempDir())
			id := s.newSession(t)
			wantError(t, s.complete(t, id, "spt_charged500_a", ""), http.StatusServiceUnavailable, "payment_unavailable", "")
			settle(t, s, id)
			got := s.do(t, request{method: http.MethodGet, path: "/checkout_sessions/" + id})
			if status(t, got) != "completed" || fake.PaymentIntentsCreated() != 1 {
				t.Fatalf("%s: %s, %d PaymentIntents", name, got.body, fake.PaymentIntentsCreated())
			}
		})
	}
}

// TestStripeRefundBeforeOrder: a refund reported while the payment's
// outcome is still unresolved (no order yet) is refused so that Stripe
// delivers it again; once the order exists it is recorded; out-of-order
// reports never lower the refunded amount.
func TestStripeRefundBeforeOrder(t *testing.T) {
	t.Parallel()
	fake := newStripeFake(t)
	s := startStripeStore(t, fake, t.TempDir())
	id := s.newSession(t)
	wantError(t, s.complete(t, id, "spt_charged500_refund", ""), http.StatusServiceUnavailable, "payment_unavailable", "")
	piID := fake.PaymentIntents()[0].ID
	if code := s.webhook(t, stripefake.EventChargeRefunded, piID, stripeHookSecret); code != http.StatusInternalServerError {
		t.Fatalf("refund before the order: %d, want 500 so that Stripe retries", code)
	}
	if done := s.complete(t, id, "spt_charged500_refund", ""); status(t, done) != "completed" {
		t.Fatalf("complete: %s", done.body)
	}
	if code := s.webhook(t, stripefake.EventChargeRefunded, piID, stripeHookSecret); code != http.StatusOK {
		t.Fatalf("refund after the order: %d", code)
	}
	got := s.do(t, request{method: http.MethodGet, path: "/checkout_sessions/" + id})
	if !bytes.Contains(got.body, []byte(`"type":"amount_refunded"`)) {
		t.Fatalf("refund not recorded: %s", got.body)
	}
}

func TestStripeWebhookSecretChecked(t *testing.T) {
	t.Parallel()
	fake := newStripeFake(t)
	cfg := stripeConfig(t, fake, t.TempDir())
	_, err := host.New(cfg, slog.New(slog.NewJSONHandler(io.Discard, nil)), func(name string) string {
		return map[string]string{stripeKeyEnv: stripefake.SecretKey, stripeHookEnv: "not-a-signing-secret"}[name]
	})
	if err == nil || !strings.Contains(err.Error(), "whsec_") || strings.Contains(err.Error(), "not-a-signing-secret") {
		t.Fatalf("host.New() error = %v, want a refusal naming the variable, not its value", err)
	}
}
