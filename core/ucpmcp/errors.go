package ucpmcp

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/acp-sidecar/acp/core/apierr"
	"github.com/acp-sidecar/acp/core/internal/mcphttp"
	"github.com/acp-sidecar/acp/core/ucp"
)

// result turns the REST answer into the tool's result: the UCP response
// (a resource, or an error_response carrying the ucp envelope, which is
// a business outcome whatever its status) as structured content and as
// JSON text. Any other answer is a protocol error, returned as such.
func result(status int, header http.Header, body []byte) (*mcp.CallToolResult, *ucp.Error) {
	var members map[string]json.RawMessage
	object := json.Unmarshal(body, &members) == nil && members != nil
	_, envelope := members["ucp"]
	if object && (status < 300 || envelope) {
		return &mcp.CallToolResult{
			Content:           []mcp.Content{&mcp.TextContent{Text: string(body)}},
			StructuredContent: json.RawMessage(body),
		}, nil
	}
	e := &ucp.Error{}
	if object {
		_ = json.Unmarshal(body, e) // members of other types leave the fields empty
	}
	e.Status = status
	if status < 300 {
		// A success the REST binding answered without a JSON object.
		e.Status = http.StatusInternalServerError
	}
	if e.Code == "" {
		e.Code = strings.ReplaceAll(strings.ToLower(http.StatusText(e.Status)), " ", "_")
		e.Content = http.StatusText(e.Status)
	}
	if after, err := strconv.Atoi(header.Get("Retry-After")); err == nil && after > 0 {
		e.RetryAfterSeconds = after
	}
	return nil, e
}

// errorData is the data of a protocol error's JSON-RPC error: UCP's
// {code, content, continue_url}, and retry_after (overview.md, "Error
// Codes").
type errorData struct {
	*ucp.Error
	RetryAfter int `json:"retry_after,omitempty"`
}

// protocolError is e as a JSON-RPC error: the code e.MCPCode() gives and
// e as data.
func protocolError(e *ucp.Error) *jsonrpc.Error {
	data, _ := json.Marshal(errorData{Error: e, RetryAfter: e.RetryAfterSeconds}) // strings and an int: cannot fail
	return &jsonrpc.Error{Code: int64(e.MCPCode()), Message: e.Content, Data: data}
}

// invalidParams is JSON-RPC's invalid params error, for arguments that
// do not match the tool's input schema.
func invalidParams(format string, args ...any) *jsonrpc.Error {
	return &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: fmt.Sprintf(format, args...)}
}

// EncodeError is the binding's form of an error the checkout API's
// shared stack refuses an MCP request with before any tool call is read
// (authentication, limits, malformed HTTP): a JSON-RPC 2.0 response with
// id null whose error is UCP's protocol error (MCP code by
// ucp.Error.MCPCode). The stack sends it with the error's HTTP status.
// The host hands it to the checkout API for the MCP path.
func EncodeError(ae *apierr.Error) []byte {
	e := &ucp.Error{Status: ae.Status, Code: ae.Code, Content: ae.Message, RetryAfterSeconds: ae.RetryAfterSeconds}
	return mcphttp.ErrorResponse(protocolError(e))
}
