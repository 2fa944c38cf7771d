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
// Several processes sharing one store (replicas on one database) each run
// a Deliverer on the same outbox. A worker takes the store's lease on a
// queue (agent, target, order) before sending, skips a queue another
// process holds, renews the lease while a receiver is slow and releases
// it after, so that each order's events go out one at a time and in order
// whichever replica sends them.
//
// Layer: the engine's delivery of order events. It may import the model, the
// store interface, signature and internal/netguard; never an API package,
// core/host, config or cmd.
package webhook
