package stripe

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/core/payment"
	"github.com/acp-sidecar/acp/core/payment/stripe/stripefake"
)

// TestSettle drives capture, void and refund through stripe-go against the
// fake: each is safe to repeat, and a step the PaymentIntent's state
// forbids is a Refusal.
func TestSettle(t *testing.T) {
	t.Parallel()
	type step struct {
		op      string
		refused bool
	}
	for name, tc := range map[string]struct {
		token    string
		capture  payment.CaptureMethod
		steps    []step
		status   string
		captures int
		refunded bool
	}{
		"capture, again, then no void":    {"spt_ok_a", payment.CaptureManual, []step{{"capture", false}, {"capture", false}, {"void", true}}, "succeeded", 1, false},
		"void, again, then no capture":    {"spt_ok_b", payment.CaptureManual, []step{{"void", false}, {"void", false}, {"capture", true}}, "canceled", 0, false},
		"expired authorization":           {stripefake.ScenarioCaptureFail + "_c", payment.CaptureManual, []step{{"capture", true}, {"void", false}}, "canceled", 0, false},
		"immediate: refund, again":        {"spt_ok_d", payment.CaptureImmediate, []step{{"void", true}, {"refund", false}, {"refund", false}}, "succeeded", 0, true},
		"no refund of an authorization":   {"spt_ok_e", payment.CaptureManual, []step{{"refund", true}}, "requires_capture", 0, false},
		"capture after a captured charge": {"spt_ok_f", payment.CaptureImmediate, []step{{"capture", false}}, "succeeded", 0, false},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			fake := stripefake.Start(t, stripefake.Options{})
			h := newTestHandler(t, fake, nil)
			req := chargeReq("cs_settle", tc.token, 1500)
			req.Capture = tc.capture
			res, err := h.Charge(ctx, req)
			want := payment.Authorized
			if tc.capture == payment.CaptureImmediate {
				want = payment.Succeeded
			}
			if err != nil || res.Outcome != want {
				t.Fatalf("Charge() = %+v, %v; want outcome %d", res, err, want)
			}
			settle := &payment.SettleRequest{SessionID: req.SessionID, IdempotencyKey: req.IdempotencyKey, PaymentID: res.PaymentID, Amount: req.Amount}
			for i, s := range tc.steps {
				var err error
				switch s.op {
				case "capture":
					err = h.Capture(ctx, settle)
				case "void":
					err = h.Void(ctx, settle)
				case "refund":
					err = h.Refund(ctx, settle)
				}
				var refusal *payment.Refusal
				if got := errors.As(err, &refusal); got != s.refused || (err != nil && !got) {
					t.Fatalf("step %d %s: error %v, want refused %v", i, s.op, err, s.refused)
				}
			}
			pi, _ := fake.PaymentIntent(res.PaymentID)
			if pi.Status != tc.status || pi.Captures != tc.captures || (pi.Refunded == pi.Amount) != tc.refunded {
				t.Errorf("PaymentIntent %+v; want %s, %d captures, refunded %v", pi, tc.status, tc.captures, tc.refunded)
			}
		})
	}
}

// TestAuthorizationCaptureBefore: with check_token, an authorization
// carries the token's expiry as the moment to capture by.
func TestAuthorizationCaptureBefore(t *testing.T) {
	t.Parallel()
	fake := stripefake.Start(t, stripefake.Options{})
	expires := time.Now().Add(10 * time.Minute).Truncate(time.Second)
	fake.RegisterToken(stripefake.Token{ID: "spt_ok_expiring", ExpiresAt: expires})
	h := newTestHandler(t, fake, func(c *Config) { c.CheckToken = true })
	req := chargeReq("cs_expiring", "spt_ok_expiring", 1500)
	req.Capture = payment.CaptureManual
	res, err := h.Charge(context.Background(), req)
	if err != nil || res.Outcome != payment.Authorized || !res.CaptureBefore.Equal(expires) {
		t.Fatalf("Charge() = %+v, %v; want an authorization to capture before %v", res, err, expires)
	}
	if pi, _ := fake.PaymentIntent(res.PaymentID); pi.CaptureMethod != "manual" || pi.Status != "requires_capture" {
		t.Errorf("PaymentIntent %+v, want manual capture, requires_capture", pi)
	}
}
