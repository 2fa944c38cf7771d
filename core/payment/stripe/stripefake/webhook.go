package stripefake

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	stripego "github.com/stripe/stripe-go/v82"

	"github.com/acp-sidecar/acp/core/signature"
)

// Webhook event types the helpers build.
const (
	EventPaymentIntentSucceeded     = "payment_intent.succeeded"
	EventPaymentIntentPaymentFailed = "payment_intent.payment_failed"
	// EventPaymentIntentAmountCapturableUpdated reports an authorization
	// (capture_method=manual, status requires_capture).
	EventPaymentIntentAmountCapturableUpdated = "payment_intent.amount_capturable_updated"
	EventChargeRefunded                       = "charge.refunded"
	EventChargeDisputeCreated                 = "charge.dispute.created"
)

// Event is a Stripe webhook event to sign and send.
type Event struct {
	// ID is the event id; "evt_fake…" when empty.
	ID string
	// Type is the event type, e.g. EventPaymentIntentSucceeded.
	Type string
	// Created defaults to now.
	Created time.Time
	// APIVersion defaults to stripe-go's pinned version, which
	// webhook.ConstructEvent requires.
	APIVersion string
	// Object is data.object.
	Object map[string]any
}

var eventSeq atomic.Int64

// NewEvent builds an event of the given type about a PaymentIntent:
// payment_intent.* carry the PaymentIntent, charge.refunded its charge
// (fully refunded) and charge.dispute.created a dispute on that charge.
// Metadata (e.g. acp_checkout_session_id) is carried on the PaymentIntent
// and the charge.
func NewEvent(eventType string, pi PaymentIntent) (Event, error) {
	charge := pi.LatestCharge
	if charge == "" {
		charge = "ch_fake_" + pi.ID
	}
	md := map[string]any{}
	for k, v := range pi.Metadata {
		md[k] = v
	}
	var obj map[string]any
	switch eventType {
	case EventPaymentIntentSucceeded:
		pi.Status = "succeeded"
		pi.LatestCharge = charge
		obj = PaymentIntentObject(pi)
	case EventPaymentIntentAmountCapturableUpdated:
		pi.Status = "requires_capture"
		obj = PaymentIntentObject(pi)
	case EventPaymentIntentPaymentFailed:
		pi.Status = "requires_payment_method"
		obj = PaymentIntentObject(pi)
		obj["last_payment_error"] = map[string]any{"type": "card_error", "code": "card_declined", "decline_code": "generic_decline", "message": "Your card was declined."}
	case EventChargeRefunded:
		obj = map[string]any{
			"id": charge, "object": "charge", "amount": pi.Amount, "amount_captured": pi.Amount,
			"amount_refunded": pi.Amount, "refunded": true, "captured": true, "paid": true,
			"currency": pi.Currency, "payment_intent": pi.ID, "metadata": md, "status": "succeeded",
			"livemode": false, "created": unix(pi.Created),
		}
	case EventChargeDisputeCreated:
		obj = map[string]any{
			"id": "dp_fake_" + pi.ID, "object": "dispute", "amount": pi.Amount, "currency": pi.Currency,
			"charge": charge, "payment_intent": pi.ID, "reason": "fraudulent", "status": "needs_response",
			"metadata": map[string]any{}, "livemode": false, "created": time.Now().Unix(),
		}
	default:
		return Event{}, fmt.Errorf("stripefake: no builder for event type %q", eventType)
	}
	return Event{Type: eventType, Object: obj}, nil
}

// Event builds an event about a PaymentIntent the fake holds.
func (s *Server) Event(eventType, paymentIntentID string) (Event, error) {
	pi, ok := s.PaymentIntent(paymentIntentID)
	if !ok {
		return Event{}, fmt.Errorf("stripefake: no payment intent %q", paymentIntentID)
	}
	return NewEvent(eventType, pi)
}

// Payload is the event's JSON, as Stripe posts it.
func (e Event) Payload() ([]byte, error) {
	id, created, ver := e.ID, e.Created, e.APIVersion
	if id == "" {
		id = "evt_fake" + strconv.FormatInt(eventSeq.Add(1), 10)
	}
	if created.IsZero() {
		created = time.Now()
	}
	if ver == "" {
		ver = stripego.APIVersion
	}
	return json.Marshal(map[string]any{
		"id": id, "object": "event", "type": e.Type, "api_version": ver, "created": created.Unix(),
		"livemode": false, "pending_webhooks": 1,
		"request": map[string]any{"id": nil, "idempotency_key": nil},
		"data":    map[string]any{"object": e.Object},
	})
}

// SignatureHeader is the Stripe-Signature header value for payload signed
// at t with a webhook secret (whsec_…): "t=<unix>,v1=<hex HMAC-SHA256 of
// "<unix>.<payload>">" (signature.TimestampedHMAC).
func SignatureHeader(payload []byte, secret string, t time.Time) string {
	return signature.TimestampedHMAC([]byte(secret), t, payload)
}

// NewWebhookRequest builds a signed POST of ev to url, as Stripe sends it,
// signed now with secret.
func NewWebhookRequest(ctx context.Context, url, secret string, ev Event) (*http.Request, error) {
	payload, err := ev.Payload()
	if err != nil {
		return nil, fmt.Errorf("stripefake: encode %s event: %w", ev.Type, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(payload))
	if err != nil {
		return nil, fmt.Errorf("stripefake: build webhook request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("User-Agent", "Stripe/1.0 (+https://stripe.com/docs/webhooks)")
	req.Header.Set("Stripe-Signature", SignatureHeader(payload, secret, time.Now()))
	return req, nil
}
