package stripefake_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"testing"
	"time"

	stripego "github.com/stripe/stripe-go/v82"
	"github.com/stripe/stripe-go/v82/webhook"

	"github.com/acp-sidecar/acp/core/payment/stripe/stripefake"
)

func client(fake *stripefake.Server, key string) *stripego.Client {
	b := stripego.NewBackendsWithConfig(&stripego.BackendConfig{
		URL: stripego.String(fake.URL), MaxNetworkRetries: stripego.Int64(0),
		LeveledLogger: &stripego.LeveledLogger{Level: stripego.LevelNull},
	})
	return stripego.NewClient(key, stripego.WithBackends(b))
}

func createParams(token string, amount int64, key string) *stripego.PaymentIntentCreateParams {
	p := &stripego.PaymentIntentCreateParams{
		Amount: stripego.Int64(amount), Currency: stripego.String("usd"), Confirm: stripego.Bool(true),
		AutomaticPaymentMethods: &stripego.PaymentIntentCreateAutomaticPaymentMethodsParams{Enabled: stripego.Bool(true), AllowRedirects: stripego.String("never")},
	}
	p.AddExtra(stripefake.TokenParam, token)
	p.SetIdempotencyKey(key)
	return p
}

// pmParams creates and confirms a card PaymentIntent paid with a test
// PaymentMethod, authorizing only, with returnURL when set.
func pmParams(pm, key, returnURL string) *stripego.PaymentIntentCreateParams {
	p := &stripego.PaymentIntentCreateParams{
		Amount: stripego.Int64(1500), Currency: stripego.String("usd"), Confirm: stripego.Bool(true),
		PaymentMethod: stripego.String(pm), PaymentMethodTypes: stripego.StringSlice([]string{"card"}),
		CaptureMethod: stripego.String("manual"),
	}
	if returnURL != "" {
		p.ReturnURL = stripego.String(returnURL)
	}
	p.SetIdempotencyKey(key)
	return p
}

// TestFakePaymentMethods: test PaymentMethods authorize, decline and ask
// for 3-D Secure (a redirect to the challenge page with a return_url, the
// SDK's action without one); the challenge page authorizes once and
// answers 404 when nothing waits for it.
func TestFakePaymentMethods(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fake := stripefake.Start(t, stripefake.Options{})
	sc := client(fake, stripefake.SecretKey)
	pi, err := sc.V1PaymentIntents.Create(ctx, pmParams(stripefake.PaymentMethodVisa, "a", ""))
	if err != nil || pi.Status != stripego.PaymentIntentStatusRequiresCapture || pi.PaymentMethod == nil || pi.PaymentMethod.ID == stripefake.PaymentMethodVisa {
		t.Fatalf("visa: %+v, %v; want requires_capture with a cloned PaymentMethod", pi, err)
	}
	_, err = sc.V1PaymentIntents.Create(ctx, pmParams(stripefake.PaymentMethodInsufficientFunds, "b", ""))
	var se *stripego.Error
	if !errors.As(err, &se) || se.HTTPStatusCode != 402 || se.DeclineCode != "insufficient_funds" || se.PaymentIntent == nil {
		t.Fatalf("insufficient funds: %v", err)
	}
	sdk, err := sc.V1PaymentIntents.Create(ctx, pmParams(stripefake.PaymentMethod3DS, "c", ""))
	if err != nil || sdk.Status != stripego.PaymentIntentStatusRequiresAction || sdk.NextAction.Type != stripego.PaymentIntentNextActionTypeUseStripeSDK {
		t.Fatalf("3DS without return_url: %+v, %v", sdk, err)
	}
	pi, err = sc.V1PaymentIntents.Create(ctx, pmParams(stripefake.PaymentMethod3DS, "d", "https://shop.example.com/back"))
	if err != nil || pi.Status != stripego.PaymentIntentStatusRequiresAction || pi.NextAction.Type != stripego.PaymentIntentNextActionTypeRedirectToURL {
		t.Fatalf("3DS with return_url: %+v, %v", pi, err)
	}
	page := pi.NextAction.RedirectToURL.URL
	for i, want := range []int{http.StatusFound, http.StatusNotFound} {
		status, _, err := stripefake.OpenChallenge(page)
		if err != nil {
			t.Fatal(err)
		}
		if status != want {
			t.Fatalf("challenge visit %d: %d, want %d", i+1, status, want)
		}
	}
	after, err := sc.V1PaymentIntents.Retrieve(ctx, pi.ID, nil)
	if err != nil || after.Status != stripego.PaymentIntentStatusRequiresCapture || after.NextAction != nil {
		t.Fatalf("after the challenge: %+v, %v", after, err)
	}
}

func TestFakeRequestChecks(t *testing.T) {
	t.Parallel()
	testCases := map[string]struct {
		key    string
		params func() *stripego.PaymentIntentCreateParams
		status int
		typ    stripego.ErrorType
		param  string
	}{
		"wrong key": {key: "sk_test_wrong_000000", params: func() *stripego.PaymentIntentCreateParams { return createParams("spt_ok_a", 100, "k1") },
			status: 401, typ: stripego.ErrorTypeInvalidRequest},
		"redirects allowed": {params: func() *stripego.PaymentIntentCreateParams {
			p := createParams("spt_ok_b", 100, "k2")
			p.AutomaticPaymentMethods.AllowRedirects = nil
			return p
		}, status: 400, typ: stripego.ErrorTypeInvalidRequest, param: "return_url"},
		"no confirm": {params: func() *stripego.PaymentIntentCreateParams {
			p := createParams("spt_ok_c", 100, "k3")
			p.Confirm = nil
			return p
		}, status: 400, typ: stripego.ErrorTypeInvalidRequest, param: "confirm"},
		"old top-level token": {params: func() *stripego.PaymentIntentCreateParams {
			p := createParams("spt_ok_d", 100, "k4")
			p.AddExtra("shared_payment_granted_token", "spt_ok_d")
			return p
		}, status: 400, typ: stripego.ErrorTypeInvalidRequest, param: "shared_payment_granted_token"},
		"payment_method_data[type]": {params: func() *stripego.PaymentIntentCreateParams {
			p := createParams("spt_ok_e", 100, "k5")
			p.PaymentMethodData = &stripego.PaymentIntentCreatePaymentMethodDataParams{Type: stripego.String("card")}
			return p
		}, status: 400, typ: stripego.ErrorTypeInvalidRequest, param: "payment_method_data[type]"},
		"no token": {params: func() *stripego.PaymentIntentCreateParams {
			p := createParams("", 100, "k6")
			return p
		}, status: 400, typ: stripego.ErrorTypeInvalidRequest, param: stripefake.TokenParam},
		"token and payment method": {params: func() *stripego.PaymentIntentCreateParams {
			p := createParams("spt_ok_f", 100, "k7")
			p.PaymentMethod = stripego.String(stripefake.PaymentMethodVisa)
			return p
		}, status: 400, typ: stripego.ErrorTypeInvalidRequest, param: "payment_method"},
		"return_url with a token": {params: func() *stripego.PaymentIntentCreateParams {
			p := createParams("spt_ok_g", 100, "k8")
			p.ReturnURL = stripego.String("https://shop.example.com/back")
			return p
		}, status: 400, typ: stripego.ErrorTypeInvalidRequest, param: "return_url"},
		"unknown payment method": {params: func() *stripego.PaymentIntentCreateParams {
			return pmParams("pm_nosuch", "k9", "")
		}, status: 400, typ: stripego.ErrorTypeInvalidRequest, param: "payment_method"},
		"relative return_url": {params: func() *stripego.PaymentIntentCreateParams {
			return pmParams(stripefake.PaymentMethod3DS, "k10", "/back")
		}, status: 400, typ: stripego.ErrorTypeInvalidRequest, param: "return_url"},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fake := stripefake.Start(t, stripefake.Options{})
			key := tc.key
			if key == "" {
				key = stripefake.SecretKey
			}
			_, err := client(fake, key).V1PaymentIntents.Create(context.Background(), tc.params())
			var se *stripego.Error
			if !errors.As(err, &se) || se.HTTPStatusCode != tc.status || se.Type != tc.typ || se.Param != tc.param {
				t.Fatalf("err = %v", err)
			}
			if fake.PaymentIntentsCreated() != 0 {
				t.Errorf("a payment intent was created")
			}
		})
	}
}

func TestFakeIdempotency(t *testing.T) {
	t.Parallel()
	fake := stripefake.Start(t, stripefake.Options{})
	sc := client(fake, stripefake.SecretKey)
	ctx := context.Background()
	first, err := sc.V1PaymentIntents.Create(ctx, createParams("spt_ok_i", 100, "key-1"))
	if err != nil {
		t.Fatal(err)
	}
	again, err := sc.V1PaymentIntents.Create(ctx, createParams("spt_ok_i", 100, "key-1"))
	if err != nil || again.ID != first.ID || again.LastResponse.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("replay = %v, %v", again, err)
	}
	_, err = sc.V1PaymentIntents.Create(ctx, createParams("spt_ok_i", 200, "key-1"))
	var ie *stripego.IdempotencyError
	if !errors.As(err, &ie) {
		t.Fatalf("different params under the same key: err = %v, want *stripe.IdempotencyError", err)
	}
	// Single use: a new key cannot spend the token again.
	_, err = sc.V1PaymentIntents.Create(ctx, createParams("spt_ok_i", 100, "key-2"))
	var se *stripego.Error
	if !errors.As(err, &se) || se.Type != stripego.ErrorTypeInvalidRequest || se.Param != stripefake.TokenParam {
		t.Fatalf("second use: err = %v", err)
	}
	if fake.PaymentIntentsCreated() != 1 || fake.PaymentIntentsForKey("key-1") != 1 || !fake.TokenConsumed("spt_ok_i") {
		t.Errorf("created %d, for key %d", fake.PaymentIntentsCreated(), fake.PaymentIntentsForKey("key-1"))
	}
}

func TestFakeDeclineShape(t *testing.T) {
	t.Parallel()
	fake := stripefake.Start(t, stripefake.Options{})
	_, err := client(fake, stripefake.SecretKey).V1PaymentIntents.Create(context.Background(), createParams("spt_decline_x", 100, "kd"))
	var se *stripego.Error
	var ce *stripego.CardError
	if !errors.As(err, &se) || !errors.As(err, &ce) || se.HTTPStatusCode != 402 || se.Code != stripego.ErrorCodeCardDeclined ||
		se.DeclineCode != "generic_decline" || se.PaymentIntent == nil || se.PaymentIntent.Status != stripego.PaymentIntentStatusRequiresPaymentMethod {
		t.Fatalf("err = %v", err)
	}
}

// TestWebhooksVerify checks the signed events against stripe-go's
// webhook.ConstructEvent, the function the /stripe/webhooks endpoint uses.
func TestWebhooksVerify(t *testing.T) {
	t.Parallel()
	const secret = "whsec_test_secret"
	fake := stripefake.Start(t, stripefake.Options{})
	pi, err := client(fake, stripefake.SecretKey).V1PaymentIntents.Create(context.Background(), func() *stripego.PaymentIntentCreateParams {
		p := createParams("spt_ok_w", 2500, "kw")
		p.AddMetadata("acp_checkout_session_id", "cs_w")
		return p
	}())
	if err != nil {
		t.Fatal(err)
	}
	for _, typ := range []string{stripefake.EventPaymentIntentSucceeded, stripefake.EventPaymentIntentPaymentFailed, stripefake.EventChargeRefunded, stripefake.EventChargeDisputeCreated} {
		t.Run(typ, func(t *testing.T) {
			t.Parallel()
			ev, err := fake.Event(typ, pi.ID)
			if err != nil {
				t.Fatal(err)
			}
			req, err := stripefake.NewWebhookRequest(context.Background(), "http://seller.example/stripe/webhooks", secret, ev)
			if err != nil {
				t.Fatal(err)
			}
			payload, _ := io.ReadAll(req.Body)
			got, err := webhook.ConstructEvent(payload, req.Header.Get("Stripe-Signature"), secret)
			if err != nil {
				t.Fatalf("ConstructEvent: %v", err)
			}
			if string(got.Type) != typ {
				t.Errorf("type = %q", got.Type)
			}
			switch typ {
			case stripefake.EventPaymentIntentSucceeded, stripefake.EventPaymentIntentPaymentFailed:
				if got.Data.Object["id"] != pi.ID || got.Data.Object["metadata"].(map[string]any)["acp_checkout_session_id"] != "cs_w" {
					t.Errorf("object = %v", got.Data.Object)
				}
			default:
				if got.Data.Object["payment_intent"] != pi.ID {
					t.Errorf("object = %v", got.Data.Object)
				}
			}
			if _, err := webhook.ConstructEvent(payload, req.Header.Get("Stripe-Signature"), "whsec_other"); err == nil {
				t.Errorf("verified with the wrong secret")
			}
			if _, err := webhook.ConstructEvent(append(payload, ' '), req.Header.Get("Stripe-Signature"), secret); err == nil {
				t.Errorf("verified a tampered payload")
			}
		})
	}
	// The header equals stripe-go's own test signature.
	now := time.Unix(1_700_000_000, 0)
	payload := []byte(`{"id":"evt_1"}`)
	want := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: secret, Timestamp: now}).Header
	if got := stripefake.SignatureHeader(payload, secret, now); got != want {
		t.Errorf("SignatureHeader = %q, want %q", got, want)
	}
	if _, err := stripefake.NewEvent("customer.created", stripefake.PaymentIntent{}); err == nil {
		t.Errorf("NewEvent accepted an unknown type")
	}
}
