// Package ucpapi serves UCP's REST binding (checkout-rest.md, release
// 2026-04-08) on the checkout API's app, under acp.yaml's ucp.base_path:
// the five checkout operations over the same engine, store, stock,
// promotions and payment handlers as ACP, and the non-checkout operations
// (catalog, orders) it is given as ucp.Operations.
//
// Every request is authenticated with the agents' tokens (Authorization:
// Bearer, or X-API-Key), rate limited as ACP's are, must carry a
// Request-Id (echoed) and a UCP-Agent naming a platform profile the
// Negotiator resolves and negotiates with, and, for the agents that
// require it, an RFC 9421 signature the RequestVerifier checks.
// State-changing requests follow the checkout API's idempotent flow
// (httpapi.Flow) under the UCP API version. Protocol errors are UCP's
// {code, content}; business outcomes are 200 responses with messages.
//
// Layer: API, mounted by the host on the checkout API like mcpapi. It
// may import core/httpapi (to mount and share its stack), the wire
// format core/ucpwire, the engine, core/ucp, idempotency, apierr, the
// store interface and core/internal; the checkout API never imports it.
package ucpapi
