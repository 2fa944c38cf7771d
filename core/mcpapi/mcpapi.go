package mcpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"strconv"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/acp-sidecar/acp/core/httpapi"
	"github.com/acp-sidecar/acp/core/internal/ids"
	"github.com/acp-sidecar/acp/core/internal/mcphttp"
	"github.com/acp-sidecar/acp/core/signature"
)

// Error styles.
const (
	// ErrorStyleToolError returns ACP errors as tool results with isError.
	ErrorStyleToolError = "tool_error"
	// ErrorStyleJSONRPC returns ACP errors as JSON-RPC errors -32000.
	ErrorStyleJSONRPC = "jsonrpc"
)

// codeACPError is the binding's JSON-RPC error code for every ACP error.
const codeACPError = -32000

// sessionIDPattern is what a checkout session id may look like.
var sessionIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)

// Options configure the MCP server.
type Options struct {
	// ErrorStyle is ErrorStyleToolError or ErrorStyleJSONRPC.
	ErrorStyle string
	// Version is this server's version, reported to MCP clients.
	Version string
	// MaxBodyBytes caps MCP request bodies.
	MaxBodyBytes int64
	// Logger receives the MCP transport's own logs.
	Logger *slog.Logger
}

// New returns the MCP endpoint's HTTP handler, which runs every tool call
// through dispatch, the checkout API's REST stack. The endpoint is
// stateless and answers in JSON (no server-sent events), which is all a
// request/response checkout API needs and lets it sit behind any proxy.
func New(opts Options, dispatch httpapi.Dispatcher) (http.Handler, error) {
	payloads, err := payloadSchemas()
	if err != nil {
		return nil, err
	}
	server := mcp.NewServer(&mcp.Implementation{Name: "acp-sidecar", Title: "ACP checkout", Version: opts.Version}, nil)
	output := outputSchema()
	for _, t := range tools {
		server.AddTool(&mcp.Tool{
			Name:        t.name,
			Title:       t.title,
			Description: t.description,
			InputSchema: t.inputSchema(payloads[t.op]),
			// Every tool answers a session or an error.
			OutputSchema: output,
			Annotations:  t.annotations(),
		}, handler(t, dispatch, opts.ErrorStyle))
	}
	return mcphttp.JSONRPCErrors(mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return server }, &mcp.StreamableHTTPOptions{
		Stateless:           true,
		JSONResponse:        true,
		MaxRequestBodyBytes: opts.MaxBodyBytes,
		Logger:              opts.Logger,
		// The SDK refuses loopback connections whose Host is not
		// localhost, against DNS rebinding of unauthenticated local
		// servers. This endpoint requires the agent's bearer token
		// before the SDK sees the request, which a rebinding page
		// cannot supply, and a sidecar's ingress proxy connects over
		// loopback with the public Host, which the check would refuse.
		DisableLocalhostProtection: true,
	})), nil
}

// arguments are a tool call's arguments, per the binding.
type arguments struct {
	Meta    map[string]json.RawMessage `json:"meta"`
	ID      *string                    `json:"id"`
	Payload json.RawMessage            `json:"payload"`
}

// metaHeaders maps meta members to the REST headers they stand for.
var metaHeaders = map[string]string{
	"api_version":     "API-Version",
	"idempotency_key": "Idempotency-Key",
	"request_id":      "Request-Id",
	"user_agent":      "User-Agent",
	"accept_language": "Accept-Language",
	"signature":       "Signature",
	"timestamp":       "Timestamp",
}

func handler(t tool, dispatch httpapi.Dispatcher, errorStyle string) mcp.ToolHandler {
	return func(_ context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		var args arguments
		if err := json.Unmarshal(req.Params.Arguments, &args); err != nil {
			return nil, invalidParams("arguments must be an object with meta, id and payload: %v", err)
		}
		if args.Meta == nil {
			return nil, invalidParams("meta is required")
		}
		header := http.Header{}
		for member, name := range metaHeaders {
			raw, ok := args.Meta[member]
			if !ok {
				continue
			}
			var v string
			if err := json.Unmarshal(raw, &v); err != nil {
				return nil, invalidParams("meta.%s must be a string", member)
			}
			header.Set(name, v)
		}
		if t.needsID && (args.ID == nil || !sessionIDPattern.MatchString(*args.ID)) {
			// The id becomes part of a REST path: anything but an id's
			// characters could reach another route.
			return nil, invalidParams("id is required for %s and must be a checkout session id (letters, digits, _ and -)", t.name)
		}
		if t.needsPayload && (args.Payload == nil || string(args.Payload) == "null") {
			return nil, invalidParams("payload is required for %s", t.name)
		}
		if string(args.Payload) == "null" {
			args.Payload = nil
		}
		if t.method == http.MethodPost && header.Get("Idempotency-Key") == "" && !t.keyRequired {
			// The binding makes the key optional except where replaying
			// matters most; a call without one runs once, as a fresh key.
			header.Set("Idempotency-Key", ids.New("mcp-"))
			// The agent signed over no key: the REST stack verifies the
			// signature over what the agent sent (see signature.HeaderMintedKey).
			header.Set(signature.HeaderMintedKey, "true")
		}
		if auth := req.Extra.Header.Get("Authorization"); auth != "" {
			header.Set("Authorization", auth)
		}
		if len(args.Payload) > 0 {
			header.Set("Content-Type", "application/json")
		}
		id := ""
		if args.ID != nil {
			id = *args.ID
		}
		status, respHeader, body := dispatch.Dispatch(t.method, t.path(id), header, args.Payload)
		return result(status, respHeader, body, errorStyle)
	}
}

// result turns a REST response into the tool's result.
func result(status int, header http.Header, body []byte, style string) (*mcp.CallToolResult, error) {
	res := &mcp.CallToolResult{
		Content:           []mcp.Content{&mcp.TextContent{Text: string(body)}},
		StructuredContent: json.RawMessage(body),
	}
	if header.Get("Idempotent-Replayed") == "true" {
		res.Meta = mcp.Meta{"acp/idempotent_replayed": true}
	}
	if after, err := strconv.Atoi(header.Get("Retry-After")); err == nil {
		if res.Meta == nil {
			res.Meta = mcp.Meta{}
		}
		res.Meta["acp/retry_after_seconds"] = after
	}
	if status < 300 {
		return res, nil
	}
	if style == ErrorStyleJSONRPC {
		var acpErr struct {
			Message string `json:"message"`
		}
		_ = json.Unmarshal(body, &acpErr) // the REST stack always answers errors in JSON
		return nil, &jsonrpc.Error{Code: codeACPError, Message: acpErr.Message, Data: body}
	}
	res.IsError = true
	return res, nil
}

func invalidParams(format string, args ...any) error {
	return &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: fmt.Sprintf(format, args...)}
}
