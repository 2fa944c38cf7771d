// Package httpapi is the checkout API: the ACP REST endpoints on Fiber v2,
// with bearer authentication, signatures, rate limits, API-Version
// negotiation, per-version codecs, idempotency, flat ACP errors for every
// failure and one JSON log line per request.
//
// Other APIs served on the same listener (the MCP binding, the merchant
// API, Stripe's webhook, metrics) are mounted on it by the host with
// API.Mount; the MCP binding reaches the checkout endpoints through
// API.Dispatch (the Dispatcher interface). This package imports none of
// them.
//
// Layer: API. It may import the engine (core/checkout), the wire formats
// (core/acpwire), idempotency, signature, apierr, the store interface,
// httpapi/discovery and core/internal; never core/host, another API
// package (mcpapi, merchantapi, stripehook), config or cmd (enforced by
// internal/importrules).
package httpapi
