package ucpmcp

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"strings"

	"github.com/dunglas/httpsfv"
	"github.com/google/jsonschema-go/jsonschema"
	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/acp-sidecar/acp/core/httpapi"
	"github.com/acp-sidecar/acp/core/internal/ids"
	"github.com/acp-sidecar/acp/core/internal/mcphttp"
	"github.com/acp-sidecar/acp/core/internal/text"
	"github.com/acp-sidecar/acp/core/ucp"
)

// idPattern is what a checkout session or order id may look like: it
// becomes a segment of a REST path, where anything else could reach
// another route.
var idPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)

// Options configure the MCP server.
type Options struct {
	// Version is this server's version, reported to MCP clients.
	Version string
	// MaxBodyBytes caps MCP request bodies.
	MaxBodyBytes int64
	// Logger receives the MCP transport's own logs.
	Logger *slog.Logger
}

// New returns the MCP endpoint's HTTP handler, which runs every tool call
// through dispatch, the UCP REST binding (paths relative to its base
// path). Like ACP's, the endpoint is stateless and answers in JSON.
func New(opts Options, dispatch httpapi.Dispatcher) (http.Handler, error) {
	server := mcp.NewServer(&mcp.Implementation{Name: "acp-sidecar", Title: "UCP shopping", Version: opts.Version}, nil)
	output := outputSchema()
	for _, t := range tools {
		in := t.inputSchema()
		resolved, err := in.Resolve(nil)
		if err != nil {
			return nil, fmt.Errorf("ucp mcp tool %s: input schema: %w", t.name, err)
		}
		server.AddTool(&mcp.Tool{
			Name:         t.name,
			Title:        t.title,
			Description:  t.description,
			InputSchema:  in,
			OutputSchema: output,
			Annotations:  t.annotations(),
		}, handler(t, resolved, dispatch))
	}
	return withHTTPStatus(mcphttp.JSONRPCErrors(mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return server }, &mcp.StreamableHTTPOptions{
		Stateless:           true,
		JSONResponse:        true,
		MaxRequestBodyBytes: opts.MaxBodyBytes,
		Logger:              opts.Logger,
		// As for ACP's MCP endpoint (see mcpapi.New): the agent's token is
		// required before the SDK sees the request, and an ingress proxy
		// connects over loopback with the public Host.
		DisableLocalhostProtection: true,
	}))), nil
}

// handler serves one tool: it runs the call and tells the HTTP layer the
// status to answer with.
func handler(t tool, schema *jsonschema.Resolved, dispatch httpapi.Dispatcher) mcp.ToolHandler {
	return func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		var header http.Header
		if req.Extra != nil {
			header = req.Extra.Header
		}
		res, perr := call(t, schema, dispatch, req.Params.Arguments, header)
		if perr != nil {
			setHTTPStatus(ctx, perr.status, perr.retryAfter)
			return nil, perr.err
		}
		return res, nil
	}
}

// failure is a call's JSON-RPC error and the HTTP status (and
// Retry-After seconds, when positive) the MCP response carries with it.
type failure struct {
	err        *jsonrpc.Error
	status     int
	retryAfter int
}

// refuse is the failure of arguments that do not make a request.
func refuse(err *jsonrpc.Error) *failure { return &failure{err: err, status: http.StatusBadRequest} }

// refusal is the failure of protocol error e.
func refusal(e *ucp.Error) *failure {
	return &failure{err: protocolError(e), status: e.Status, retryAfter: e.RetryAfterSeconds}
}

// call turns the tool call with arguments args, received with the HTTP
// header of the MCP request, into its REST request, and the REST answer
// into the call's result or failure.
func call(t tool, schema *jsonschema.Resolved, dispatch httpapi.Dispatcher, args json.RawMessage, mcpHeader http.Header) (*mcp.CallToolResult, *failure) {
	var members map[string]json.RawMessage
	if len(args) > 0 {
		if err := json.Unmarshal(args, &members); err != nil {
			return nil, refuse(invalidParams("arguments must be an object with meta%s: %v", t.argumentList(), err))
		}
	}
	agent, e := agentHeader(members["meta"])
	if e != nil {
		return nil, refusal(e)
	}
	var instance any
	if err := json.Unmarshal(args, &instance); err != nil {
		// members unmarshalled: args are JSON.
		return nil, refuse(invalidParams("arguments: %v", err))
	}
	if err := schema.Validate(instance); err != nil {
		return nil, refuse(invalidParams("arguments do not match %s's input schema: %s", t.name, text.Truncate(err.Error(), 300)))
	}
	header := http.Header{}
	header.Set(ucp.HeaderAgent, agent)
	header.Set(ucp.HeaderRequestID, ids.New("req_"))
	var meta struct {
		Key *string `json:"idempotency-key"`
	}
	_ = json.Unmarshal(members["meta"], &meta) // the schema checked it is an object with a string key
	switch {
	case meta.Key != nil:
		header.Set(ucp.HeaderIdempotencyKey, *meta.Key)
	case t.mintsKey():
		// The REST binding requires a key on every POST and PUT, the MCP
		// binding only where replaying matters most: a create or update
		// without one runs once, as with a fresh key.
		header.Set(ucp.HeaderIdempotencyKey, ids.New("mcp_"))
	}
	for _, name := range forwardedHeaders {
		if v := mcpHeader.Get(name); v != "" {
			header.Set(name, v)
		}
	}
	path := t.path
	if t.needsID() {
		var id string
		_ = json.Unmarshal(members["id"], &id) // the schema checked it is a string
		if !idPattern.MatchString(id) {
			return nil, refuse(invalidParams("id must be the id of a %s: 1 to 128 letters, digits, _ and -", t.resource()))
		}
		path = strings.Replace(path, idParam, id, 1)
	}
	var body []byte
	if t.payload != "" {
		body = members[t.payload]
		header.Set("Content-Type", "application/json")
	}
	status, respHeader, respBody := dispatch.Dispatch(t.method, path, header, body)
	res, e := result(status, respHeader, respBody)
	if e != nil {
		return nil, refusal(e)
	}
	return res, nil
}

// forwardedHeaders are the MCP request's headers every REST request
// carries: the agent's credentials, which the REST binding checks again.
var forwardedHeaders = []string{"Authorization", "X-API-Key"}

// mintsKey reports whether a call without an idempotency key gets a
// fresh one: the checkout changes the REST binding requires a key on
// and the MCP binding does not.
func (t tool) mintsKey() bool { return t.payload == payloadCheckout && !t.keyRequired }

// argumentList names the tool's arguments after meta, for messages.
func (t tool) argumentList() string {
	var out string
	if t.needsID() {
		out += ", id"
	}
	if t.payload != "" {
		out += ", " + t.payload
	}
	return out
}

// agentHeader is the UCP-Agent header standing for meta["ucp-agent"]:
// its profile URL as an RFC 8941 dictionary (profile="…", quotes and
// backslashes escaped). A missing or unusable
// profile is UCP's invalid_profile_url.
func agentHeader(meta json.RawMessage) (string, *ucp.Error) {
	var m struct {
		Agent *struct {
			Profile *string `json:"profile"`
		} `json:"ucp-agent"`
	}
	if json.Unmarshal(meta, &m) != nil || m.Agent == nil || m.Agent.Profile == nil {
		return "", ucp.NewError(http.StatusBadRequest, ucp.CodeInvalidProfileURL,
			`meta["ucp-agent"].profile is required: the URL of the platform's UCP profile.`)
	}
	d := httpsfv.NewDictionary()
	d.Add("profile", httpsfv.NewItem(*m.Agent.Profile))
	v, err := httpsfv.Marshal(d)
	if err != nil || *m.Agent.Profile == "" {
		// An RFC 8941 string holds printable ASCII only.
		return "", ucp.NewError(http.StatusBadRequest, ucp.CodeInvalidProfileURL,
			`meta["ucp-agent"].profile must be a URL of printable ASCII characters.`)
	}
	return v, nil
}
