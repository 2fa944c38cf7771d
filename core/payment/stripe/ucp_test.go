package stripe

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/acp-sidecar/acp/core/payment"
	"github.com/acp-sidecar/acp/core/payment/stripe/stripefake"
	"github.com/acp-sidecar/acp/internal/ucpschema"
)

const returnURL = "https://shop.example.com/checkout/3ds-done"

// ucpHandler is a handler offered over UCP, with or without challenges.
func ucpHandler(t *testing.T, fake *stripefake.Server, challenges bool) *Handler {
	t.Helper()
	return newTestHandler(t, fake, func(c *Config) {
		c.UCP = &UCPConfig{PublishableKey: "pk_test_51Fake"}
		if challenges {
			c.UCP.ChallengeReturnURL = returnURL
		}
	})
}

// ucpReq is a UCP complete's charge: a card instrument with a token
// credential, authorize now and capture later.
func ucpReq(session, pm string) *payment.ChargeRequest {
	req := chargeReq(session, pm, 2500)
	req.Instrument.CredentialType = payment.CredentialToken
	req.Supports3DS, req.ChallengeRedirect = false, true
	req.Capture = payment.CaptureManual
	req.RiskSignals = &payment.RiskSignals{IPAddress: "203.0.113.42"}
	return req
}

// createForm is the form of the one PaymentIntent create the fake saw.
func createForm(t *testing.T, fake *stripefake.Server) map[string][]string {
	t.Helper()
	for _, r := range fake.Requests() {
		if r.Method == http.MethodPost && r.Path == "/v1/payment_intents" && !r.Replayed {
			return r.Form
		}
	}
	t.Fatal("no PaymentIntent create was sent")
	return nil
}

func TestProcessorTokenAuthorizeThenCapture(t *testing.T) {
	t.Parallel()
	fake := stripefake.Start(t, stripefake.Options{})
	h := ucpHandler(t, fake, true)
	req := ucpReq("cs_ucp_ok", stripefake.PaymentMethodVisa)
	res, err := h.Charge(context.Background(), req)
	if err != nil || res.Outcome != payment.Authorized {
		t.Fatalf("Charge = %+v, %v; want Authorized", res, err)
	}
	form := createForm(t, fake)
	for key, want := range map[string]string{
		"payment_method": stripefake.PaymentMethodVisa, "payment_method_types[0]": "card", "capture_method": "manual",
		"confirm": "true", "amount": "2500", "currency": "usd", "return_url": returnURL,
		"metadata[" + MetadataSessionID + "]": "cs_ucp_ok", "metadata[" + MetadataIdempotencyKey + "]": req.IdempotencyKey,
		"metadata[" + MetadataRiskIPAddress + "]": "203.0.113.42",
	} {
		if got := strings.Join(form[key], ","); got != want {
			t.Errorf("create %s = %q, want %q", key, got, want)
		}
	}
	for _, absent := range []string{TokenParam, "automatic_payment_methods[enabled]"} {
		if _, ok := form[absent]; ok {
			t.Errorf("create carries %s, which is for shared payment tokens", absent)
		}
	}
	// A retry of the attempt (its outcome lost) reaches the same payment.
	again, err := h.Charge(context.Background(), req)
	if err != nil || again.PaymentID != res.PaymentID || again.Outcome != payment.Authorized {
		t.Fatalf("retried Charge = %+v, %v; want the same authorization %s", again, err, res.PaymentID)
	}
	settle := &payment.SettleRequest{SessionID: req.SessionID, IdempotencyKey: req.IdempotencyKey, PaymentID: res.PaymentID, Amount: req.Amount}
	for range 2 {
		if err := h.Capture(context.Background(), settle); err != nil {
			t.Fatalf("Capture: %v", err)
		}
	}
	pi, _ := fake.PaymentIntent(res.PaymentID)
	if pi.Status != "succeeded" || pi.Captures != 1 || fake.PaymentIntentsForKey(req.IdempotencyKey) != 1 {
		t.Errorf("payment intent = %s with %d captures, %d intents for the key; want succeeded, 1, 1", pi.Status, pi.Captures, fake.PaymentIntentsForKey(req.IdempotencyKey))
	}
}

func TestProcessorTokenOutcomes(t *testing.T) {
	t.Parallel()
	testCases := map[string]struct {
		pm         string
		ucp        bool
		challenges bool
		want       payment.Outcome
		wantMsg    string
		wantStatus string // of the PaymentIntent, when one is created
	}{
		"declined":           {pm: stripefake.PaymentMethodDeclined, ucp: true, want: payment.Declined, wantMsg: "Your card was declined", wantStatus: "requires_payment_method"},
		"insufficient funds": {pm: stripefake.PaymentMethodInsufficientFunds, ucp: true, want: payment.Declined, wantMsg: "declined", wantStatus: "requires_payment_method"},
		"unknown method":     {pm: "pm_nosuch", ucp: true, want: payment.Declined, wantMsg: "cannot be used"},
		"3ds challenge":      {pm: stripefake.PaymentMethod3DS, ucp: true, challenges: true, want: payment.RequiresAuthentication, wantStatus: "requires_action"},
		// Without a return URL the challenge cannot be offered: declined,
		// and the PaymentIntent released.
		"3ds without challenges": {pm: stripefake.PaymentMethodAuthenticationRequired, ucp: true, want: payment.Declined, wantMsg: "does not offer", wantStatus: "canceled"},
		// A handler not offered over UCP does not take processor tokens.
		"not offered over ucp": {pm: stripefake.PaymentMethodVisa, want: payment.Declined, wantMsg: "does not take processor tokens"},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fake := stripefake.Start(t, stripefake.Options{})
			h := newTestHandler(t, fake, nil)
			if tc.ucp {
				h = ucpHandler(t, fake, tc.challenges)
			}
			res, err := h.Charge(context.Background(), ucpReq("cs_"+strings.ReplaceAll(name, " ", "_"), tc.pm))
			if err != nil {
				t.Fatalf("Charge: %v", err)
			}
			if res.Outcome != tc.want || !strings.Contains(res.Message, tc.wantMsg) {
				t.Fatalf("outcome = %v %q, want %v with %q", res.Outcome, res.Message, tc.want, tc.wantMsg)
			}
			if strings.Contains(res.Message, tc.pm) {
				t.Errorf("message %q names the payment method", res.Message)
			}
			pis := fake.PaymentIntents()
			if tc.wantStatus == "" {
				if len(pis) != 0 {
					t.Errorf("%d payment intents created, want none", len(pis))
				}
				return
			}
			if len(pis) != 1 || pis[0].Status != tc.wantStatus {
				t.Fatalf("payment intents = %+v, want one %s", pis, tc.wantStatus)
			}
			if tc.want == payment.RequiresAuthentication {
				if res.PaymentID != pis[0].ID || !strings.HasPrefix(res.ChallengeURL, fake.URL+stripefake.ChallengePath) {
					t.Errorf("result = %+v, want payment %s with the fake's challenge page", res, pis[0].ID)
				}
			} else if res.ChallengeURL != "" {
				t.Errorf("challenge URL %q on outcome %v", res.ChallengeURL, res.Outcome)
			}
		})
	}
}

// passChallenge is the buyer's browser on the challenge page (which the
// fake fails when told so in the query): it answers with a redirect to
// the return URL.
func passChallenge(t *testing.T, page string) {
	t.Helper()
	status, location, err := stripefake.OpenChallenge(page)
	if err != nil {
		t.Fatal(err)
	}
	if status != http.StatusFound || location != returnURL {
		t.Fatalf("challenge page answered %d to %q, want 302 to %s", status, location, returnURL)
	}
}

func TestProcessorTokenChallengeResumes(t *testing.T) {
	t.Parallel()
	fake := stripefake.Start(t, stripefake.Options{})
	h := ucpHandler(t, fake, true)
	req := ucpReq("cs_ucp_3ds", stripefake.PaymentMethod3DS)
	first, err := h.Charge(context.Background(), req)
	if err != nil || first.Outcome != payment.RequiresAuthentication || first.ChallengeURL == "" {
		t.Fatalf("Charge = %+v, %v; want a challenge", first, err)
	}
	// The platform completes again before the buyer finished: the same
	// page is asked for, nothing new is created or canceled.
	resume := *req
	resume.PaymentID = first.PaymentID
	waiting, err := h.Charge(context.Background(), &resume)
	if err != nil || waiting.Outcome != payment.RequiresAuthentication || waiting.ChallengeURL != first.ChallengeURL {
		t.Fatalf("early resume = %+v, %v; want the same challenge", waiting, err)
	}
	passChallenge(t, first.ChallengeURL)
	for range 2 { // the resumed complete, then its retry
		done, err := h.Charge(context.Background(), &resume)
		if err != nil || done.Outcome != payment.Authorized || done.PaymentID != first.PaymentID {
			t.Fatalf("resume after the challenge = %+v, %v; want Authorized %s", done, err, first.PaymentID)
		}
	}
	settle := &payment.SettleRequest{SessionID: req.SessionID, IdempotencyKey: req.IdempotencyKey, PaymentID: first.PaymentID, Amount: req.Amount}
	if err := h.Capture(context.Background(), settle); err != nil {
		t.Fatalf("Capture: %v", err)
	}
	pi, _ := fake.PaymentIntent(first.PaymentID)
	if fake.PaymentIntentsCreated() != 1 || pi.Status != "succeeded" || pi.Captures != 1 {
		t.Errorf("%d intents, status %s, %d captures; want 1 succeeded intent captured once", fake.PaymentIntentsCreated(), pi.Status, pi.Captures)
	}
}

func TestProcessorTokenChallengeFailed(t *testing.T) {
	t.Parallel()
	fake := stripefake.Start(t, stripefake.Options{})
	h := ucpHandler(t, fake, true)
	req := ucpReq("cs_ucp_3ds_fail", stripefake.PaymentMethod3DS)
	first, err := h.Charge(context.Background(), req)
	if err != nil || first.Outcome != payment.RequiresAuthentication {
		t.Fatalf("Charge = %+v, %v; want a challenge", first, err)
	}
	passChallenge(t, first.ChallengeURL+"?outcome=fail")
	resume := *req
	resume.PaymentID = first.PaymentID
	res, err := h.Charge(context.Background(), &resume)
	if err != nil || res.Outcome != payment.Declined || !strings.Contains(res.Message, "failed authentication") {
		t.Fatalf("resume after a failed challenge = %+v, %v; want declined for authentication", res, err)
	}
}

func TestUCPHandlerDescriptor(t *testing.T) {
	t.Parallel()
	fake := stripefake.Start(t, stripefake.Options{})
	if _, ok := newTestHandler(t, fake, nil).UCPHandler(); ok {
		t.Error("a handler without UCP config is offered over UCP")
	}
	d, ok := ucpHandler(t, fake, true).UCPHandler()
	if !ok {
		t.Fatal("not offered over UCP")
	}
	body, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	for _, variant := range []string{"business_schema", "response_schema"} {
		ucpschema.Response(t, "payment_handler.json#/$defs/"+variant, body)
	}
	name, _ := json.Marshal(d.Name) // the registry's key
	ucpschema.Response(t, "shopping/types/reverse_domain_name.json", name)
	if d.Name != payment.UCPProcessorTokenizer || d.ID != "stripe_card" || d.Version == "" {
		t.Errorf("descriptor = %+v", d)
	}
	want := map[string]any{"environment": "sandbox", "business_id": "acct_123", "psp": "stripe", "supports_3ds": true, "publishable_key": "pk_test_51Fake"}
	if len(d.Config) != len(want) {
		t.Errorf("config = %v, want %v", d.Config, want)
	}
	for k, v := range want {
		if d.Config[k] != v {
			t.Errorf("config[%s] = %v, want %v", k, d.Config[k], v)
		}
	}
	for _, v := range d.Config {
		if s, _ := v.(string); strings.HasPrefix(s, "sk_") || strings.HasPrefix(s, "rk_") {
			t.Errorf("config carries a secret key")
		}
	}
}

func TestUCPConfigChecked(t *testing.T) {
	t.Parallel()
	fake := stripefake.Start(t, stripefake.Options{})
	for name, u := range map[string]*UCPConfig{
		"live publishable key with a test secret": {PublishableKey: "pk_live_51Fake"},
		"not a publishable key":                   {PublishableKey: "sk_test_51Fake"},
		"relative return URL":                     {ChallengeReturnURL: "/3ds-done"},
	} {
		cfg := Config{ID: "stripe_card", MerchantID: "acct_123", SecretKey: stripefake.SecretKey, APIBaseURL: fake.URL, UCP: u}
		if _, err := New(cfg); err == nil {
			t.Errorf("%s: New accepted it", name)
		} else if u.PublishableKey != "" && strings.Contains(err.Error(), u.PublishableKey) || strings.Contains(err.Error(), stripefake.SecretKey) {
			t.Errorf("%s: the error quotes a key: %v", name, err)
		}
	}
}
