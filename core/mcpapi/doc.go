// Package mcpapi serves ACP's MCP binding (ACP-NOTES §8): the five checkout
// operations as MCP tools over Streamable HTTP. Each tool call is turned
// into the equivalent REST request and dispatched through the same stack
// (authentication, signatures, rate limits, API versions, idempotency,
// codecs, limits, logs), so the two transports cannot drift apart.
//
// Results are MCP CallToolResults whose structured content (and a JSON
// text block) is the ACP session. ACP errors are, by default, tool results
// with isError set and the flat ACP error as structured content, which is
// MCP's convention and what MCP SDKs expect; the binding's own form, a
// JSON-RPC error with code -32000 and the ACP error as data, is available
// with ErrorStyle "jsonrpc" (ACP-NOTES §12 #20).
//
// Layer: API, mounted by the host on the checkout API. It may import
// core/httpapi (for its Dispatcher, the only way it reaches the checkout
// endpoints), the wire formats' request schemas, idempotency and
// core/internal; the checkout API never imports it.
package mcpapi
