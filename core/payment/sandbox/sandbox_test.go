package sandbox

import (
	"context"
	"testing"

	"github.com/acp-sidecar/acp/core/payment"
)

func TestChargeOutcomes(t *testing.T) {
	t.Parallel()
	testCases := map[string]struct {
		token    string
		supports bool
		auth     *payment.AuthenticationResult
		first    payment.Outcome
		second   payment.Outcome // after authentication, for _3ds tokens
	}{
		"success":                {token: "spt_ok", first: payment.Succeeded},
		"decline":                {token: "spt_x_decline", first: payment.Declined},
		"empty token":            {token: "", first: payment.Declined},
		"3ds without capability": {token: "spt_x_3ds", first: payment.Declined},
		"3ds authenticated":      {token: "spt_x_3ds", supports: true, first: payment.RequiresAuthentication, auth: &payment.AuthenticationResult{Outcome: "authenticated"}, second: payment.Succeeded},
		"3ds attempt":            {token: "spt_x_3ds", supports: true, first: payment.RequiresAuthentication, auth: &payment.AuthenticationResult{Outcome: "attempt_acknowledged"}, second: payment.Succeeded},
		"3ds denied":             {token: "spt_x_3ds", supports: true, first: payment.RequiresAuthentication, auth: &payment.AuthenticationResult{Outcome: "denied"}, second: payment.Declined},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := New(Config{ID: "card", MerchantID: "acct_1", MerchantName: "Shop"})
			req := &payment.ChargeRequest{SessionID: "cs_1", IdempotencyKey: "cs_1:attempt:1", Amount: payment.Money{Amount: 100, Currency: "usd"},
				Instrument: payment.Instrument{Token: tc.token}, Supports3DS: tc.supports}
			res, err := h.Charge(context.Background(), req)
			if err != nil || res.Outcome != tc.first {
				t.Fatalf("first charge = %+v, %v; want outcome %d", res, err, tc.first)
			}
			if tc.first == payment.RequiresAuthentication {
				if len(res.AuthenticationMetadata) == 0 {
					t.Fatal("no authentication metadata")
				}
				req.Authentication = tc.auth
				if res, err = h.Charge(context.Background(), req); err != nil || res.Outcome != tc.second {
					t.Fatalf("second charge = %+v, %v; want outcome %d", res, err, tc.second)
				}
			}
			wantCharges := 0
			if res.Outcome == payment.Succeeded {
				wantCharges = 1
			}
			// A retry with the same key returns the same outcome and
			// charges nothing more.
			again, _ := h.Charge(context.Background(), req)
			if again.Outcome != res.Outcome || again.PaymentID != res.PaymentID || h.Charges() != wantCharges {
				t.Fatalf("retry = %+v, charges %d; want %+v and %d", again, h.Charges(), res, wantCharges)
			}
		})
	}
}
