package stripehook

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/stripe/stripe-go/v82/webhook"

	"github.com/acp-sidecar/acp/core/apierr"
)

const secret = "whsec_test_stripehook"

// serve posts payload to a handler with no checkout or order service:
// every case here must be answered without one.
func serve(t *testing.T, payload, header string) (int, string) {
	t.Helper()
	h := New([]string{"whsec_other", secret}, nil, nil, slog.New(slog.DiscardHandler))
	app := fiber.New(fiber.Config{ErrorHandler: func(c *fiber.Ctx, err error) error {
		var ae *apierr.Error
		if errors.As(err, &ae) {
			return c.Status(ae.Status).JSON(ae)
		}
		return c.SendStatus(http.StatusInternalServerError)
	}})
	app.Post("/stripe/webhooks", h.Serve)
	req := httptest.NewRequest(http.MethodPost, "/stripe/webhooks", strings.NewReader(payload))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Stripe-Signature", header)
	resp, err := app.Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// event returns a Stripe event of typ around object, and its signature
// header made with key at now.
func event(t *testing.T, key, typ, object string) (string, string) {
	t.Helper()
	payload := `{"id":"evt_1","object":"event","api_version":"2025-01-27.acacia","created":1700000000,"type":"` + typ + `","data":{"object":` + object + `}}`
	signed := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: []byte(payload), Secret: key, Timestamp: time.Now()})
	return payload, signed.Header
}

func TestServe(t *testing.T) {
	t.Parallel()
	testCases := map[string]struct {
		key, typ, object string
		tamper           func(payload string) string
		wantStatus       int
		wantBody         string
	}{
		"a bad signature": {key: "whsec_wrong", typ: "payment_intent.succeeded", object: `{"id":"pi_1"}`,
			wantStatus: http.StatusBadRequest, wantBody: "invalid_signature"},
		"a changed body": {key: secret, typ: "payment_intent.succeeded", object: `{"id":"pi_1"}`,
			tamper: func(p string) string { return strings.Replace(p, "pi_1", "pi_2", 1) }, wantStatus: http.StatusBadRequest, wantBody: "invalid_signature"},
		"an event type not handled is acknowledged": {key: secret, typ: "customer.created", object: `{"id":"cus_1"}`,
			wantStatus: http.StatusOK, wantBody: `"received":true`},
		"a payment that is not ours is acknowledged": {key: secret, typ: "payment_intent.succeeded", object: `{"id":"pi_1","metadata":{}}`,
			wantStatus: http.StatusOK, wantBody: `"received":true`},
		"a refund without a payment is acknowledged": {key: secret, typ: "charge.refunded", object: `{"id":"ch_1","amount_refunded":100,"currency":"usd"}`,
			wantStatus: http.StatusOK, wantBody: `"received":true`},
		"a malformed object is an error, for Stripe to retry": {key: secret, typ: "charge.dispute.created", object: `{"id":5}`,
			wantStatus: http.StatusInternalServerError},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			payload, header := event(t, tc.key, tc.typ, tc.object)
			if tc.tamper != nil {
				payload = tc.tamper(payload)
			}
			status, body := serve(t, payload, header)
			if status != tc.wantStatus || !strings.Contains(body, tc.wantBody) {
				t.Errorf("status %d %s, want %d with %q", status, body, tc.wantStatus, tc.wantBody)
			}
		})
	}
}

func TestIDOf(t *testing.T) {
	t.Parallel()
	testCases := map[string]struct {
		raw  string
		want string
	}{
		"an id":           {raw: `"pi_1"`, want: "pi_1"},
		"an expanded one": {raw: `{"id":"pi_2","object":"payment_intent"}`, want: "pi_2"},
		"null":            {raw: `null`, want: ""},
		"absent":          {raw: ``, want: ""},
		"something else":  {raw: `[1]`, want: ""},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if got := idOf(json.RawMessage(tc.raw)); got != tc.want {
				t.Errorf("idOf(%s) = %q, want %q", tc.raw, got, tc.want)
			}
		})
	}
}
