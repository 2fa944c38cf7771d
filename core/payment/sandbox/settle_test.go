package sandbox

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/acp-sidecar/acp/core/payment"
)

// TestSettleSteps: capture, void and refund follow the money's state,
// each is safe to repeat, and a step the state forbids is a Refusal.
func TestSettleSteps(t *testing.T) {
	t.Parallel()
	type step struct {
		op      string // capture, void or refund
		refused bool
	}
	for name, tc := range map[string]struct {
		token   string
		capture payment.CaptureMethod
		steps   []step
		want    []string
		charges int
	}{
		"capture twice":          {"spt_ok", payment.CaptureManual, []step{{"capture", false}, {"capture", false}, {"void", true}}, []string{StepAuthorize, StepCapture}, 1},
		"void twice":             {"spt_ok", payment.CaptureManual, []step{{"void", false}, {"void", false}, {"capture", true}}, []string{StepAuthorize, StepVoid}, 0},
		"capture refused":        {"spt" + CaptureFailSuffix, payment.CaptureManual, []step{{"capture", true}, {"void", false}}, []string{StepAuthorize, StepVoid}, 0},
		"immediate then refund":  {"spt_ok", payment.CaptureImmediate, []step{{"void", true}, {"refund", false}, {"refund", false}}, []string{StepCharge, StepRefund}, 0},
		"no refund of an auth":   {"spt_ok", payment.CaptureManual, []step{{"refund", true}}, []string{StepAuthorize}, 0},
		"capture after a charge": {"spt_ok", payment.CaptureImmediate, []step{{"capture", false}}, []string{StepCharge}, 1},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			h := New(Config{ID: "card"})
			req := &payment.ChargeRequest{SessionID: "cs_1", IdempotencyKey: "cs_1:attempt:1", Amount: payment.Money{Amount: 100, Currency: "usd"},
				Instrument: payment.Instrument{Token: tc.token}, Capture: tc.capture}
			res, err := h.Charge(ctx, req)
			if err != nil || res.PaymentID == "" {
				t.Fatalf("Charge() = %+v, %v", res, err)
			}
			settle := &payment.SettleRequest{SessionID: "cs_1", IdempotencyKey: req.IdempotencyKey, PaymentID: res.PaymentID}
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
			if got := h.Steps(req.IdempotencyKey); !slices.Equal(got, tc.want) || h.Charges() != tc.charges {
				t.Errorf("steps %v, charges %d; want %v and %d", got, h.Charges(), tc.want, tc.charges)
			}
			other := &payment.SettleRequest{IdempotencyKey: req.IdempotencyKey, PaymentID: "sbx_pay_other"}
			if err := h.Capture(ctx, other); err == nil {
				t.Error("a capture of another payment id was accepted")
			}
		})
	}
}
