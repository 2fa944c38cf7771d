// Package ucpmcp serves UCP's MCP binding (checkout-mcp.md, order-mcp.md,
// catalog/mcp.md, release 2026-04-08) over Streamable HTTP: the tools of
// mcp.openrpc.json the business offers (create_checkout, get_checkout,
// update_checkout, complete_checkout, cancel_checkout, search_catalog,
// lookup_catalog, get_product, get_order; carts are not offered).
//
// Each tool call becomes the equivalent request of UCP's REST binding
// (core/ucpapi), dispatched in process through the whole stack, so the
// two transports cannot drift apart: meta["ucp-agent"].profile becomes
// the UCP-Agent header, meta["idempotency-key"] the Idempotency-Key (one
// is made up for a create or update without one), every call gets a
// fresh Request-Id, the MCP request's credentials are passed on, id
// names the resource in the path and the checkout or catalog argument is
// the body.
//
// The REST answer is the result: a UCP response (the resource, or an
// error_response, a business outcome) as structured content and as JSON
// text. A protocol error ({code, content} with a 4xx or 5xx status) is a
// JSON-RPC error whose code ucp.Error.MCPCode gives and whose data is
// {code, content, continue_url, retry_after}, answered with the REST
// status as the HTTP status. A call without meta["ucp-agent"] is refused
// with invalid_profile_url; other arguments that do not match the tool's
// input schema with JSON-RPC's invalid params.
//
// Layer: API, mounted by the host on the checkout API beside ucpapi. It
// reaches UCP only through an httpapi.Dispatcher over the REST binding,
// and imports core/httpapi (for that interface), apierr, core/ucp and
// core/internal; no API imports it.
package ucpmcp
