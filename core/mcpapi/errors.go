package mcpapi

import (
	"encoding/json"

	"github.com/acp-sidecar/acp/core/apierr"
)

// EncodeError is the binding's form of an ACP error refused before a tool
// call was read (authentication, limits, malformed HTTP): a JSON-RPC 2.0
// response with id null, code -32000 and the flat ACP error as data. The
// host hands it to the checkout API for the MCP path.
func EncodeError(ae *apierr.Error) []byte {
	out, _ := json.Marshal(map[string]any{ // strings and a struct of strings always marshal
		"jsonrpc": "2.0",
		"id":      nil,
		"error":   map[string]any{"code": codeACPError, "message": ae.Message, "data": ae},
	})
	return out
}
