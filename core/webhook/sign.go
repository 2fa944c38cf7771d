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

// SignatureHeader is the request header that carries a delivery's
// signature: signature.TimestampedHMAC of the body, keyed with the
// target's secret, at the time of the attempt ("t=<unix seconds>,v1=<hex
// HMAC-SHA256 of "<unix seconds>.<body>">", the Stripe construction).
const SignatureHeader = "Merchant-Signature"
