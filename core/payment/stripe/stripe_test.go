package stripe

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/core/payment"
	"github.com/acp-sidecar/acp/core/payment/stripe/stripefake"
	"github.com/acp-sidecar/acp/sdk/acp"
)

var authMetadata = json.RawMessage(`{"acquirer_details":{"acquirer_bin":"400000","acquirer_country":"US","acquirer_merchant_id":"acct_123","merchant_name":"Demo"},"directory_server":"visa"}`)

// authenticated is a complete ACP authentication_result.
var authenticated = &payment.AuthenticationResult{
	Outcome: "authenticated",
	Details: json.RawMessage(`{"three_ds_cryptogram":"AAABBBCCCDDDEEEFFFGGGHHHIII=","electronic_commerce_indicator":"05","transaction_id":"f38e6948-5388-41a6-bca4-b49723c19437","version":"2.2.0"}`),
}

// newTestHandler runs a handler against fake with the SDK's own retries
// off, so every outcome the test sees is the first response's.
func newTestHandler(t *testing.T, fake *stripefake.Server, mutate func(*Config)) *Handler {
	t.Helper()
	cfg := Config{
		ID: "stripe_card", DisplayName: "Card", MerchantID: "acct_123",
		AcceptedBrands: []string{"visa", "mastercard"}, SecretKey: stripefake.SecretKey,
		StripeVersion: "2026-04-22.preview", APIBaseURL: fake.URL,
		AuthenticationMetadata: authMetadata,
		HTTPClient:             &http.Client{Timeout: 5 * time.Second},
	}
	if mutate != nil {
		mutate(&cfg)
	}
	cfg.MaxNetworkRetries = new(int64)
	h, err := New(cfg)
	if err != nil {
		t.Fatalf("newHandler: %v", err)
	}
	return h
}

func chargeReq(session, token string, amount int64) *payment.ChargeRequest {
	return &payment.ChargeRequest{
		SessionID: session, OrderID: "ord_" + strings.TrimPrefix(session, "cs_"), IdempotencyKey: session + ":attempt:1",
		Amount:      payment.Money{Amount: amount, Currency: "usd"},
		Instrument:  payment.Instrument{Type: "card", CredentialType: "spt", Token: token},
		Supports3DS: true,
	}
}

func TestChargeOutcomes(t *testing.T) {
	t.Parallel()
	testCases := map[string]struct {
		token      string
		register   *stripefake.Token
		amount     int64
		checkToken bool
		supports3D bool
		want       payment.Outcome
		wantMsg    string // substring of the decline message
		wantPIs    int
	}{
		"success":              {token: "spt_ok_1", want: payment.Succeeded, wantPIs: 1},
		"card declined":        {token: "spt_decline_1", want: payment.Declined, wantMsg: "Your card was declined", wantPIs: 1},
		"expired":              {token: "spt_expired_1", want: payment.Declined, wantMsg: "has expired"},
		"revoked":              {token: "spt_revoked_1", want: payment.Declined, wantMsg: "has been revoked"},
		"already used":         {token: "spt_used_1", want: payment.Declined, wantMsg: "already been used"},
		"unknown token":        {token: "spt_nosuch", want: payment.Declined, wantMsg: "cannot be used"},
		"over max amount":      {token: "spt_ok_max", register: &stripefake.Token{ID: "spt_ok_max", MaxAmount: 1000}, amount: 1001, want: payment.Declined, wantMsg: "exceeds"},
		"wrong currency":       {token: "spt_ok_eur", register: &stripefake.Token{ID: "spt_ok_eur", Currency: "eur"}, want: payment.Declined, wantMsg: "currency eur"},
		"3ds":                  {token: "spt_3ds_1", supports3D: true, want: payment.RequiresAuthentication, wantPIs: 1},
		"3ds unsupported":      {token: "spt_3ds_2", want: payment.Declined, wantMsg: "3D Secure", wantPIs: 1},
		"check: ok":            {token: "spt_ok_2", checkToken: true, want: payment.Succeeded, wantPIs: 1},
		"check: expired":       {token: "spt_expired_2", checkToken: true, want: payment.Declined, wantMsg: "it has expired"},
		"check: revoked":       {token: "spt_revoked_2", checkToken: true, want: payment.Declined, wantMsg: "it has been revoked"},
		"check: over max":      {token: "spt_ok_max2", register: &stripefake.Token{ID: "spt_ok_max2", MaxAmount: 1000}, amount: 1001, checkToken: true, want: payment.Declined, wantMsg: "exceeds its allowance of 1000"},
		"check: currency":      {token: "spt_ok_eur2", register: &stripefake.Token{ID: "spt_ok_eur2", Currency: "eur"}, checkToken: true, want: payment.Declined, wantMsg: "EUR, not USD"},
		"check: unknown token": {token: "spt_nosuch2", checkToken: true, want: payment.Declined, wantMsg: "does not recognise"},
		// A consumed token goes on to Stripe, which refuses it.
		"check: used": {token: "spt_used_2", checkToken: true, want: payment.Declined, wantMsg: "already been used"},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fake := stripefake.Start(t, stripefake.Options{})
			if tc.register != nil {
				fake.RegisterToken(*tc.register)
			}
			h := newTestHandler(t, fake, func(c *Config) { c.CheckToken = tc.checkToken })
			amount := tc.amount
			if amount == 0 {
				amount = 2500
			}
			req := chargeReq("cs_"+strings.ReplaceAll(name, " ", "_"), tc.token, amount)
			req.Supports3DS = tc.supports3D
			res, err := h.Charge(context.Background(), req)
			if err != nil {
				t.Fatalf("Charge: %v", err)
			}
			if res.Outcome != tc.want {
				t.Fatalf("outcome = %v (%q), want %v", res.Outcome, res.Message, tc.want)
			}
			if !strings.Contains(res.Message, tc.wantMsg) {
				t.Errorf("message = %q, want it to contain %q", res.Message, tc.wantMsg)
			}
			if strings.Contains(res.Message, tc.token) {
				t.Errorf("message %q names the token", res.Message)
			}
			if got := fake.PaymentIntentsCreated(); got != tc.wantPIs {
				t.Errorf("payment intents created = %d, want %d", got, tc.wantPIs)
			}
			switch tc.want {
			case payment.Succeeded:
				pi, ok := fake.PaymentIntent(res.PaymentID)
				if !ok || pi.Status != "succeeded" || pi.Amount != amount || pi.Currency != "usd" {
					t.Errorf("payment %q: %+v", res.PaymentID, pi)
				}
				if pi.Metadata[MetadataSessionID] != req.SessionID || pi.Metadata[MetadataIdempotencyKey] != req.IdempotencyKey || pi.IdempotencyKey != req.IdempotencyKey {
					t.Errorf("metadata/key = %v / %q", pi.Metadata, pi.IdempotencyKey)
				}
			case payment.RequiresAuthentication:
				if string(res.AuthenticationMetadata) != string(authMetadata) {
					t.Errorf("authentication metadata = %s", res.AuthenticationMetadata)
				}
			}
			for _, r := range fake.Requests() {
				if r.StripeVersion != "2026-04-22.preview" {
					t.Errorf("%s %s: Stripe-Version = %q", r.Method, r.Path, r.StripeVersion)
				}
			}
		})
	}
}

// TestCreateWireFormat pins the create call's form body.
func TestCreateWireFormat(t *testing.T) {
	t.Parallel()
	fake := stripefake.Start(t, stripefake.Options{})
	h := newTestHandler(t, fake, nil)
	if _, err := h.Charge(context.Background(), chargeReq("cs_wire", "spt_ok_wire", 1234)); err != nil {
		t.Fatal(err)
	}
	reqs := fake.Requests()
	if len(reqs) != 1 {
		t.Fatalf("requests = %d, want 1", len(reqs))
	}
	want := "amount=1234&automatic_payment_methods%5Ballow_redirects%5D=never&automatic_payment_methods%5Benabled%5D=true&confirm=true&currency=usd" +
		"&metadata%5Bacp_checkout_session_id%5D=cs_wire&metadata%5Bacp_idempotency_key%5D=cs_wire%3Aattempt%3A1&metadata%5Bacp_order_id%5D=ord_wire" +
		"&payment_method_data%5Bshared_payment_granted_token%5D=spt_ok_wire"
	if got := reqs[0].Form.Encode(); got != want {
		t.Errorf("form =\n%s\nwant\n%s", got, want)
	}
	if reqs[0].IdempotencyKey != "cs_wire:attempt:1" {
		t.Errorf("Idempotency-Key = %q", reqs[0].IdempotencyKey)
	}
}

// TestRetryReachesOnePaymentIntent: an attempt whose first call failed
// with a 5xx or timed out is retried with the same key and ends with one
// PaymentIntent.
func TestRetryReachesOnePaymentIntent(t *testing.T) {
	t.Parallel()
	testCases := map[string]struct {
		token        string
		clientTimout time.Duration
		wantPIsAfter int // PaymentIntents after the failed first call
	}{
		"5xx":     {token: "spt_5xx_1", clientTimout: 5 * time.Second, wantPIsAfter: 0},
		"timeout": {token: "spt_timeout_1", clientTimout: 200 * time.Millisecond, wantPIsAfter: 1},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fake := stripefake.Start(t, stripefake.Options{TimeoutDelay: 2 * time.Second})
			h := newTestHandler(t, fake, func(c *Config) {
				c.CheckToken = true // the retry must not be declined as "consumed"
				c.HTTPClient = &http.Client{Timeout: tc.clientTimout}
			})
			req := chargeReq("cs_retry_"+name, tc.token, 2500)
			res, err := h.Charge(context.Background(), req)
			if err == nil {
				t.Fatalf("first Charge = %+v, want an error (outcome unknown)", res)
			}
			if got := fake.PaymentIntentsCreated(); got != tc.wantPIsAfter {
				t.Errorf("after the failure: %d payment intents, want %d", got, tc.wantPIsAfter)
			}
			res, err = h.Charge(context.Background(), req)
			if err != nil {
				t.Fatalf("retry: %v", err)
			}
			if res.Outcome != payment.Succeeded || res.PaymentID == "" {
				t.Fatalf("retry = %+v", res)
			}
			if got := fake.PaymentIntentsCreated(); got != 1 {
				t.Errorf("payment intents = %d, want 1", got)
			}
			if got := fake.PaymentIntentsForKey(req.IdempotencyKey); got != 1 {
				t.Errorf("payment intents for key = %d, want 1", got)
			}
		})
	}
}

func TestConcurrentSameKeyOnePaymentIntent(t *testing.T) {
	t.Parallel()
	fake := stripefake.Start(t, stripefake.Options{})
	h := newTestHandler(t, fake, nil)
	req := chargeReq("cs_concurrent", "spt_ok_concurrent", 2500)
	const n = 50
	var wg sync.WaitGroup
	ids := make([]string, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			r := *req
			res, err := h.Charge(context.Background(), &r)
			if err == nil && res.Outcome == payment.Succeeded {
				ids[i] = res.PaymentID
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil || ids[i] == "" || ids[i] != ids[0] {
			t.Fatalf("call %d: id %q, err %v (first id %q)", i, ids[i], errs[i], ids[0])
		}
	}
	if got := fake.PaymentIntentsCreated(); got != 1 {
		t.Errorf("payment intents = %d, want 1", got)
	}
}

// TestThreeDS: requires_action, then the confirmation (same engine key,
// Authentication set) confirms the same PaymentIntent under key+":confirm".
func TestThreeDS(t *testing.T) {
	t.Parallel()
	testCases := map[string]struct {
		external3DS bool
		auth        *payment.AuthenticationResult
		want        payment.Outcome
		wantMsg     string
		// wantConfirm is the confirm call's form, "" for no confirm call.
		wantConfirm string
	}{
		// External3DS on: the ACP result goes to Stripe as
		// payment_method_options[card][three_d_secure].
		"external 3ds on": {external3DS: true, auth: authenticated, want: payment.Succeeded,
			wantConfirm: "payment_method_options%5Bcard%5D%5Bthree_d_secure%5D%5Bares_trans_status%5D=Y" +
				"&payment_method_options%5Bcard%5D%5Bthree_d_secure%5D%5Bcryptogram%5D=AAABBBCCCDDDEEEFFFGGGHHHIII%3D" +
				"&payment_method_options%5Bcard%5D%5Bthree_d_secure%5D%5Belectronic_commerce_indicator%5D=05" +
				"&payment_method_options%5Bcard%5D%5Bthree_d_secure%5D%5Btransaction_id%5D=f38e6948-5388-41a6-bca4-b49723c19437" +
				"&payment_method_options%5Bcard%5D%5Bthree_d_secure%5D%5Bversion%5D=2.2.0"},
		// External3DS off: a bare confirm with an empty body; Stripe gets
		// no authentication data and succeeds only if the PaymentIntent no
		// longer needs an action (the fake assumes so).
		"external 3ds off": {external3DS: false, auth: authenticated, want: payment.Succeeded, wantConfirm: "(empty)"},
		"attempt acknowledged": {external3DS: true, want: payment.Succeeded,
			auth: &payment.AuthenticationResult{Outcome: "attempt_acknowledged", Details: authenticated.Details},
			wantConfirm: "payment_method_options%5Bcard%5D%5Bthree_d_secure%5D%5Bares_trans_status%5D=A" +
				"&payment_method_options%5Bcard%5D%5Bthree_d_secure%5D%5Bcryptogram%5D=AAABBBCCCDDDEEEFFFGGGHHHIII%3D" +
				"&payment_method_options%5Bcard%5D%5Bthree_d_secure%5D%5Belectronic_commerce_indicator%5D=05" +
				"&payment_method_options%5Bcard%5D%5Bthree_d_secure%5D%5Btransaction_id%5D=f38e6948-5388-41a6-bca4-b49723c19437" +
				"&payment_method_options%5Bcard%5D%5Bthree_d_secure%5D%5Bversion%5D=2.2.0"},
		"denied": {external3DS: true, auth: &payment.AuthenticationResult{Outcome: "denied"}, want: payment.Declined, wantMsg: "(denied)"},
		"incomplete details": {external3DS: true, auth: &payment.AuthenticationResult{Outcome: "authenticated"},
			want: payment.Declined, wantMsg: "incomplete"},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fake := stripefake.Start(t, stripefake.Options{})
			h := newTestHandler(t, fake, func(c *Config) { c.External3DS = tc.external3DS; c.CheckToken = true })
			req := chargeReq("cs_3ds_"+strings.ReplaceAll(name, " ", "_"), "spt_3ds_x", 2500)
			res, err := h.Charge(context.Background(), req)
			if err != nil || res.Outcome != payment.RequiresAuthentication {
				t.Fatalf("first Charge = %+v, %v", res, err)
			}
			before := len(fake.Requests())
			req.Authentication = tc.auth
			// Twice: a retried confirmation reaches the same result.
			for i := range 2 {
				res, err = h.Charge(context.Background(), req)
				if err != nil {
					t.Fatalf("confirmation %d: %v", i, err)
				}
				if res.Outcome != tc.want || !strings.Contains(res.Message, tc.wantMsg) {
					t.Fatalf("confirmation %d = %+v, want %v %q", i, res, tc.want, tc.wantMsg)
				}
			}
			pis := fake.PaymentIntents()
			if len(pis) != 1 {
				t.Fatalf("payment intents = %d, want 1", len(pis))
			}
			if tc.wantConfirm == "" {
				if after := len(fake.Requests()); after != before {
					t.Errorf("declined confirmation made %d Stripe calls, want 0", after-before)
				}
				return
			}
			if res.PaymentID != pis[0].ID {
				t.Errorf("payment id %q, want the first call's %q", res.PaymentID, pis[0].ID)
			}
			if len(pis[0].Confirms) != 1 {
				t.Fatalf("confirms executed = %d, want 1", len(pis[0].Confirms))
			}
			got := pis[0].Confirms[0].Encode()
			if got == "" {
				got = "(empty)"
			}
			if got != tc.wantConfirm {
				t.Errorf("confirm form =\n%s\nwant\n%s", got, tc.wantConfirm)
			}
			for _, r := range fake.Requests()[before:] {
				if strings.HasSuffix(r.Path, "/confirm") && r.IdempotencyKey != req.IdempotencyKey+ConfirmKeySuffix {
					t.Errorf("confirm Idempotency-Key = %q", r.IdempotencyKey)
				}
				if r.Path == "/v1/shared_payment/granted_tokens/spt_3ds_x" {
					t.Errorf("the confirmation retrieved the token")
				}
			}
		})
	}
}

func TestDescriptor(t *testing.T) {
	t.Parallel()
	testCases := map[string]struct {
		key, env string
		threeDS  bool // acquirer data configured, so 3DS is supported
	}{
		"test key":            {"sk_test_abc", "sandbox", true},
		"live key":            {"sk_live_abc", "production", true},
		"restricted test key": {"rk_test_abc", "sandbox", true},
		"without 3DS data":    {"sk_test_abc", "sandbox", false},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cfg := Config{ID: "stripe_card", DisplayName: "Card", MerchantID: "acct_123", AcceptedBrands: []string{"visa"}, SecretKey: tc.key}
			if tc.threeDS {
				cfg.AuthenticationMetadata = json.RawMessage(`{"directory_server":"visa"}`)
			}
			h, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			d := h.Descriptor()
			if d.ID != "stripe_card" || d.Name != "dev.acp.tokenized.card" || d.PSP != "stripe" || d.Version != "2026-01-22" ||
				!d.RequiresDelegatePayment || d.RequiresPCICompliance || d.DisplayName != "Card" || len(d.InstrumentSchemas) != 1 {
				t.Errorf("descriptor = %+v", d)
			}
			want := map[string]any{"merchant_id": "acct_123", "psp": "stripe", "accepted_brands": []string{"visa"}, "supports_3ds": tc.threeDS, "environment": tc.env}
			got, _ := json.Marshal(d.Config)
			wantJSON, _ := json.Marshal(want)
			if string(got) != string(wantJSON) {
				t.Errorf("config = %s, want %s", got, wantJSON)
			}
		})
	}
}

func TestNewRejects(t *testing.T) {
	t.Parallel()
	const key = "pk_live_secretish"
	testCases := map[string]Config{
		"no id":          {MerchantID: "acct_1", SecretKey: "sk_test_x"},
		"no merchant":    {ID: "s", SecretKey: "sk_test_x"},
		"no key":         {ID: "s", MerchantID: "acct_1"},
		"publishable":    {ID: "s", MerchantID: "acct_1", SecretKey: key},
		"bad 3ds object": {ID: "s", MerchantID: "acct_1", SecretKey: "sk_test_x", AuthenticationMetadata: json.RawMessage(`[1]`)},
	}
	for name, cfg := range testCases {
		_, err := New(cfg)
		if err == nil {
			t.Errorf("%s: New succeeded", name)
		} else if strings.Contains(err.Error(), key) {
			t.Errorf("%s: error names the key: %v", name, err)
		}
	}
}

// TestNoSecretsInErrors runs every failure path and checks that neither the
// secret key nor the token appears in an error or a message.
func TestNoSecretsInErrors(t *testing.T) {
	t.Parallel()
	const wrongKey = "sk_test_wrongkey_0123456789SECRET"
	testCases := map[string]struct {
		token   string
		mutate  func(*Config)
		wantErr bool
	}{
		"wrong key":                {token: "spt_ok_s1", mutate: func(c *Config) { c.SecretKey = wrongKey }, wantErr: true},
		"wrong key, check token":   {token: "spt_ok_s2", mutate: func(c *Config) { c.SecretKey = wrongKey; c.CheckToken = true }, wantErr: true},
		"unreachable":              {token: "spt_ok_s3", mutate: func(c *Config) { c.APIBaseURL = "http://127.0.0.1:1" }, wantErr: true},
		"unreachable, check token": {token: "spt_ok_s4", mutate: func(c *Config) { c.APIBaseURL = "http://127.0.0.1:1"; c.CheckToken = true }, wantErr: true},
		"5xx":                      {token: "spt_5xx_s5", wantErr: true},
		"timeout":                  {token: "spt_timeout_s6", mutate: func(c *Config) { c.HTTPClient = &http.Client{Timeout: 200 * time.Millisecond} }, wantErr: true},
		"unknown token":            {token: "spt_unknown_s7"},
		"decline":                  {token: "spt_decline_s8"},
		"expired":                  {token: "spt_expired_s9"},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fake := stripefake.Start(t, stripefake.Options{TimeoutDelay: 2 * time.Second})
			h := newTestHandler(t, fake, tc.mutate)
			res, err := h.Charge(context.Background(), chargeReq("cs_secret", tc.token, 2500))
			if (err != nil) != tc.wantErr {
				t.Fatalf("Charge = %+v, %v; want error %v", res, err, tc.wantErr)
			}
			text := ""
			if err != nil {
				text = err.Error()
			} else {
				text = res.Message
			}
			for _, secret := range []string{stripefake.SecretKey, wrongKey, wrongKey[len(wrongKey)-4:], tc.token} {
				if strings.Contains(text, secret) {
					t.Errorf("%q contains a secret (%q)", text, secret)
				}
			}
		})
	}
}

func TestTimeoutErrorIsDeadline(t *testing.T) {
	t.Parallel()
	fake := stripefake.Start(t, stripefake.Options{TimeoutDelay: 2 * time.Second})
	h := newTestHandler(t, fake, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err := h.Charge(ctx, chargeReq("cs_deadline", "spt_timeout_d", 2500))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want context.DeadlineExceeded", err)
	}
}

func TestIdempotencyErrorIsAnError(t *testing.T) {
	t.Parallel()
	fake := stripefake.Start(t, stripefake.Options{})
	h := newTestHandler(t, fake, nil)
	req := chargeReq("cs_idem", "spt_ok_idem", 2500)
	if _, err := h.Charge(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	req.Amount.Amount = 2600 // same key, different parameters
	res, err := h.Charge(context.Background(), req)
	if err == nil || !strings.Contains(err.Error(), "idempotency_error") {
		t.Fatalf("Charge = %+v, %v; want an idempotency error", res, err)
	}
}

// TestResumedRefusalIsNoDecline: an attempt was charged but its answer
// lost; by the time it is resumed Stripe has forgotten the key and its
// search does not show the PaymentIntent yet. The new create is refused
// (the token is used) and that must not read as a decline, which would
// let the buyer pay again: the outcome stays unknown, and is found once
// search catches up.
func TestResumedRefusalIsNoDecline(t *testing.T) {
	t.Parallel()
	fake := stripefake.Start(t, stripefake.Options{})
	h := newTestHandler(t, fake, nil)
	req := chargeReq("cs_lost", "spt_charged500_lost", 1500)
	if _, err := h.Charge(context.Background(), req); err == nil {
		t.Fatal("the first charge reported an outcome, want an unknown one")
	}
	fake.ForgetIdempotencyKeys()
	fake.SetSearchLag(true)
	req.Resume = true
	res, err := h.Charge(context.Background(), req)
	if err == nil {
		t.Fatalf("resumed charge = %+v, want an unknown outcome, not a decline", res)
	}
	fake.SetSearchLag(false)
	res, err = h.Charge(context.Background(), req)
	if err != nil || res.Outcome != payment.Succeeded || fake.PaymentIntentsCreated() != 1 {
		t.Fatalf("resumed charge after search caught up = %+v, %v; %d PaymentIntents", res, err, fake.PaymentIntentsCreated())
	}
}

// TestRiskSignalsReachRadarMetadata: the agent's risk signals arrive,
// through the real stripe-go client, as PaymentIntent metadata Radar
// rules can read, each value cut to Stripe's 500-character limit (the
// fake refuses longer values, as Stripe does); no billing details are
// sent beside the granted token.
func TestRiskSignalsReachRadarMetadata(t *testing.T) {
	t.Parallel()
	fake := stripefake.Start(t, stripefake.Options{})
	h := newTestHandler(t, fake, nil)
	req := chargeReq("cs_risk", "spt_ok_risk", 1234)
	longAgent := strings.Repeat("Mozilla/5.0 ", 60)
	req.RiskSignals = &payment.RiskSignals{IPAddress: "203.0.113.45", UserAgent: longAgent, AcceptLanguage: "en-US,en;q=0.9", DeviceFingerprint: "fp_xyz"}
	req.BillingAddress = &acp.Address{Name: "Ada", LineOne: "1 Main St", City: "Springfield", State: "IL", Country: "US", PostalCode: "62701"}
	res, err := h.Charge(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	pi, ok := fake.PaymentIntent(res.PaymentID)
	if !ok {
		t.Fatalf("no PaymentIntent %s", res.PaymentID)
	}
	want := map[string]string{
		MetadataRiskIPAddress:         "203.0.113.45",
		MetadataRiskUserAgent:         longAgent[:500],
		MetadataRiskAcceptLanguage:    "en-US,en;q=0.9",
		MetadataRiskDeviceFingerprint: "fp_xyz",
	}
	for k, v := range want {
		if pi.Metadata[k] != v {
			t.Errorf("metadata[%s] = %q, want %q", k, pi.Metadata[k], v)
		}
	}
	if _, ok := pi.Metadata[MetadataRiskSessionID]; ok {
		t.Errorf("metadata has %s though the agent sent no session id", MetadataRiskSessionID)
	}
	for k := range fake.Requests()[0].Form {
		if strings.Contains(k, "billing_details") {
			t.Errorf("the create call sent %s beside the granted token", k)
		}
	}
}
