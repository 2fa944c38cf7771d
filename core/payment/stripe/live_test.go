package stripe

import (
	"context"
	"net/http"
	"os"
	"strconv"
	"testing"
	"time"

	stripego "github.com/stripe/stripe-go/v82"

	"github.com/acp-sidecar/acp/core/payment"
	"github.com/acp-sidecar/acp/internal/testkit"
	"github.com/acp-sidecar/acp/internal/ucpschema"
)

// liveVersion is the preview version Stripe's docs send on the granted
// token calls (STRIPE-NOTES §1.2, §2.4).
const liveVersion = "2026-04-22.preview"

// mintTestToken mints a granted token with Stripe's test helper
// (STRIPE-NOTES §2.4), test mode only.
func mintTestToken(t *testing.T, h *Handler, pm string, maxAmount int64) string {
	t.Helper()
	p := &stripego.Params{Context: context.Background(), Headers: http.Header{"Stripe-Version": {liveVersion}}}
	p.AddExtra("payment_method", pm)
	p.AddExtra("usage_limits[currency]", "usd")
	p.AddExtra("usage_limits[max_amount]", strconv.FormatInt(maxAmount, 10))
	p.AddExtra("usage_limits[expires_at]", strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10))
	var tok GrantedToken
	if err := h.backend.Call(http.MethodPost, "/v1/test_helpers/shared_payment/granted_tokens", h.cfg.SecretKey, p, &tok); err != nil {
		t.Fatalf("mint a test granted token from %s: %s", pm, h.redactor("").clean(err.Error()))
	}
	return tok.ID
}

// liveSkipped says why the live Stripe check did not run, in the one line
// TestMain prints where `go test ./...` shows it.
const liveSkipped = "STRIPE_TEST_SECRET_KEY is not set: skipping the live Stripe test-mode check (it needs a sk_test_ key with shared payment token access)"

// TestMain runs the package's tests and, when the live Stripe check could
// not run for want of a test key, says so in one visible line (as
// ucpschema.Main does for UCP schema checks not made).
func TestMain(m *testing.M) {
	code := ucpschema.Main(m)
	if os.Getenv("STRIPE_TEST_SECRET_KEY") == "" {
		testkit.Notice("stripe: " + testkit.TestedPackage() + ": " + liveSkipped)
	}
	os.Exit(code)
}

// TestLiveStripeTestMode charges minted test tokens against Stripe test
// mode. It needs STRIPE_TEST_SECRET_KEY (sk_test_… of an account with the
// shared payment token preview) and skips otherwise.
func TestLiveStripeTestMode(t *testing.T) {
	key := os.Getenv("STRIPE_TEST_SECRET_KEY")
	if key == "" {
		t.Skip(liveSkipped)
	}
	if environment(key) != "sandbox" {
		t.Fatal("STRIPE_TEST_SECRET_KEY must be a test-mode key (sk_test_ or rk_test_)")
	}
	h, err := New(Config{ID: "stripe_card", MerchantID: "acct_live_test", SecretKey: key, StripeVersion: liveVersion, CheckToken: true,
		HTTPClient: &http.Client{Timeout: 30 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	run := strconv.FormatInt(time.Now().UnixNano(), 36)
	testCases := map[string]struct {
		pm   string
		want payment.Outcome
	}{
		"visa":     {"pm_card_visa", payment.Succeeded},
		"declined": {"pm_card_visa_chargeDeclined", payment.Declined},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			token := mintTestToken(t, h, tc.pm, 1000)
			req := &payment.ChargeRequest{SessionID: "cs_live_" + run, IdempotencyKey: "acp-live-test:" + run + ":" + name,
				Amount: payment.Money{Amount: 500, Currency: "usd"}, Instrument: payment.Instrument{Type: "card", CredentialType: "spt", Token: token}}
			res, err := h.Charge(context.Background(), req)
			if err != nil {
				t.Fatalf("Charge: %v", err)
			}
			if res.Outcome != tc.want {
				t.Fatalf("outcome = %+v, want %v", res, tc.want)
			}
			// The same attempt again reaches the same PaymentIntent.
			again, err := h.Charge(context.Background(), req)
			if err != nil || again.Outcome != res.Outcome || again.PaymentID != res.PaymentID {
				t.Errorf("retry = %+v, %v; want %+v", again, err, res)
			}
		})
	}
}
