// Package webhook delivers the order webhooks kept in the store's durable
// outbox (model.WebhookEvent) to the agents' receivers: signed POSTs,
// per-order ordering, retries with backoff, dead-lettering, an SSRF-guarded
// HTTP client and Prometheus metrics.
//
// The store is the only state: an event leaves the pending outbox only
// after a 2xx answer (it is then deleted) or when it is dead-lettered, so a
// restart resumes everything that was pending. Delivery is at least once;
// receivers deduplicate by the Request-Id header, which is the event ID.
package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"time"
)

// SignatureHeader is the request header that carries Sign's value.
const SignatureHeader = "Merchant-Signature"

// Sign returns the Merchant-Signature header value for body sent at t:
// "t=<unix seconds>,v1=<hex>", where hex is the lower-case HMAC-SHA256,
// keyed with secret, of the decimal timestamp, a ".", and the raw body
// bytes exactly as sent (ACP order webhooks; the Stripe construction).
func Sign(secret []byte, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(ts))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac.Sum(nil))
}
