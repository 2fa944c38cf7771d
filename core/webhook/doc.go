// Package webhook delivers the order webhooks kept in the store's durable
// outbox (model.WebhookEvent) to the agents' receivers: signed POSTs,
// per-order ordering, retries with backoff, dead-lettering, an SSRF-guarded
// HTTP client and Prometheus metrics.
//
// The store is the only state: an event leaves the pending outbox only
// after a 2xx answer (it is then deleted) or when it is dead-lettered, so a
// restart resumes everything that was pending. Delivery is at least once;
// receivers deduplicate by the Request-Id header, which is the event ID.
//
// Layer: the engine's delivery of order events. It may import the model, the
// store interface, signature and internal/netguard; never an API package,
// core/host, config or cmd.
package webhook
