// Package webhook delivers the order webhooks kept in the store's durable
// outbox (model.WebhookEvent) to the agents' receivers: signed POSTs,
// per-order ordering, retries with backoff, dead-lettering, an SSRF-guarded
// HTTP client and Prometheus metrics.
//
// Two kinds of target share the outbox, the ordering, retries, leases,
// dead-lettering and metrics: an ACP target (one of an agent's webhooks
// in acp.yaml) gets its events at its configured URL, signed with the
// HMAC Merchant-Signature and identified by Request-Id; an agent's UCP
// target (model.TargetUCP) gets each UCP order event at the platform's
// webhook URL the event carries (https, or http with
// AllowPrivateNetworks; the client checks the addresses it dials), with
// Webhook-Id, Webhook-Timestamp, the business's UCP-Agent and an RFC 9421
// signature (Content-Digest, Signature-Input, Signature) made by a
// RequestSigner.
//
// The store is the only state: an event leaves the pending outbox only
// after a 2xx answer (it is then deleted) or when it is dead-lettered, so a
// restart resumes everything that was pending. Delivery is at least once;
// receivers deduplicate by the Request-Id (ACP) or Webhook-Id (UCP)
// header, which is the event ID.
//
// Several processes sharing one store (replicas on one database) each run
// a Deliverer on the same outbox. A worker takes the store's lease on a
// queue (agent, target, order) before sending, skips a queue another
// process holds, renews the lease while a receiver is slow and releases
// it after, so that each order's events go out one at a time and in order
// whichever replica sends them.
//
// Layer: the engine's delivery of order events. It may import the model, the
// store interface, signature, core/ucp and internal/netguard; never an API
// package, core/host, config or cmd.
package webhook
