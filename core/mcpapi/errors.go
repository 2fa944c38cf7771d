package mcpapi

import (
	"github.com/acp-sidecar/acp/core/apierr"
	"github.com/acp-sidecar/acp/core/internal/mcphttp"
)

// EncodeError is the binding's form of an ACP error refused before a tool
// call was read (authentication, limits, malformed HTTP): a JSON-RPC 2.0
// response with id null, code -32000 and the flat ACP error as data. The
// host hands it to the checkout API for the MCP path.
func EncodeError(ae *apierr.Error) []byte {
	return mcphttp.ErrorResponse(map[string]any{"code": codeACPError, "message": ae.Message, "data": ae})
}
