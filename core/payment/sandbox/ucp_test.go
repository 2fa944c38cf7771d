package sandbox

import (
	"context"
	"encoding/json"
	"os"
	"testing"

	"github.com/acp-sidecar/acp/core/payment"
	"github.com/acp-sidecar/acp/internal/ucpschema"
)

func TestMain(m *testing.M) { os.Exit(ucpschema.Main(m)) }

const returnPage = "http://127.0.0.1:8080/3ds-done"

// TestUCPChallenge: over UCP a 3DS token sends the buyer to the return
// page, the next charge of the attempt authorizes once, and without a
// return page the token is declined.
func TestUCPChallenge(t *testing.T) {
	t.Parallel()
	testCases := map[string]struct {
		ucp  *UCPConfig
		want []payment.Outcome // of successive charges of one attempt
	}{
		"challenge then authorized": {ucp: &UCPConfig{ChallengeReturnURL: returnPage}, want: []payment.Outcome{payment.RequiresAuthentication, payment.Authorized, payment.Authorized}},
		"no return page":            {ucp: &UCPConfig{}, want: []payment.Outcome{payment.Declined, payment.Declined}},
		"not offered over UCP":      {want: []payment.Outcome{payment.Declined}},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := New(Config{ID: "card", MerchantID: "acct_1", UCP: tc.ucp})
			req := &payment.ChargeRequest{SessionID: "cs_1", IdempotencyKey: "cs_1:attempt:1", Amount: payment.Money{Amount: 100, Currency: "usd"},
				Instrument:        payment.Instrument{Type: "card", CredentialType: payment.CredentialToken, Token: "tok_x" + ThreeDSSuffix},
				ChallengeRedirect: true, Capture: payment.CaptureManual}
			var first *payment.ChargeResult
			for i, want := range tc.want {
				res, err := h.Charge(context.Background(), req)
				if err != nil || res.Outcome != want {
					t.Fatalf("charge %d = %+v, %v; want outcome %d", i+1, res, err, want)
				}
				if i == 0 {
					first = res
				}
			}
			if first.Outcome == payment.RequiresAuthentication && (first.ChallengeURL != returnPage || first.PaymentID == "" || len(first.AuthenticationMetadata) != 0) {
				t.Errorf("challenge = %+v, want the return page and a payment id", first)
			}
			wantSteps := 0
			if tc.want[len(tc.want)-1] == payment.Authorized {
				wantSteps = 1
			}
			if got := h.Steps(req.IdempotencyKey); len(got) != wantSteps {
				t.Errorf("steps = %v, want %d authorization", got, wantSteps)
			}
		})
	}
}

func TestUCPHandler(t *testing.T) {
	t.Parallel()
	if _, ok := New(Config{ID: "card"}).UCPHandler(); ok {
		t.Error("a sandbox without UCP config is offered over UCP")
	}
	d, ok := New(Config{ID: "card", MerchantID: "acct_1", AcceptedBrands: []string{"visa", "mastercard"},
		UCP: &UCPConfig{Name: "com.example.sandbox", ChallengeReturnURL: returnPage}}).UCPHandler()
	if !ok || d.Name != "com.example.sandbox" || d.ID != "card" || d.Config["supports_3ds"] != true || d.Config["environment"] != "sandbox" {
		t.Fatalf("descriptor = %+v, %v", d, ok)
	}
	body, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	var back map[string]any
	if err := json.Unmarshal(body, &back); err != nil || back["available_instruments"] == nil || back["name"] != nil {
		t.Errorf("registry entry = %s", body)
	}
	for _, variant := range []string{"business_schema", "response_schema"} {
		ucpschema.Response(t, "payment_handler.json#/$defs/"+variant, body)
	}
}
