package httpapi

import (
	"encoding/json"
	"mime"
	"net/http"
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"github.com/acp-sidecar/acp/core/apierr"
	"github.com/acp-sidecar/acp/core/internal/text"
)

// codeACPError is the MCP binding's JSON-RPC error code for an ACP error,
// whose flat body is the error's data (as in package mcpapi).
const codeACPError = -32000

// refuseUnknownMethods answers requests whose method Fiber does not know
// before Fiber does: Fiber would answer them in plain text ("Invalid http
// method") without calling any middleware or error handler. They get a
// 405 in the protocol's error shape instead: a flat ACP error, or a
// JSON-RPC error at the MCP endpoint.
func (h *handlers) refuseUnknownMethods(next fasthttp.RequestHandler) fasthttp.RequestHandler {
	return func(ctx *fasthttp.RequestCtx) {
		if slices.Contains(fiber.DefaultMethods, string(ctx.Method())) {
			next(ctx)
			return
		}
		ae := apierr.New(http.StatusMethodNotAllowed, apierr.TypeInvalidRequest, apierr.CodeMethodNotAllowed,
			"This server does not serve the HTTP method given; use GET or POST.")
		ctx.Response.Header.Set(fiber.HeaderAllow, "GET, POST")
		var body []byte
		if h.atMCP(string(ctx.Path())) {
			body = jsonRPCError(ae)
		} else {
			body, _ = json.Marshal(ae) // a struct of strings always marshals
		}
		ctx.SetStatusCode(ae.Status)
		ctx.SetContentType(fiber.MIMEApplicationJSON)
		ctx.SetBody(body)
		h.opts.Logger.Info("request", "method", text.Truncate(string(ctx.Method()), 32), "status", ae.Status)
		h.metrics.observe("UNKNOWN", "", ae.Status, 0)
	}
}

// protocolError maps Fiber's errors for requests that were not valid
// HTTP, or not in time, to flat ACP errors; nil for the others. The cause
// (which may quote the request) is logged, never sent.
func (h *handlers) protocolError(c *fiber.Ctx, fe *fiber.Error) *apierr.Error {
	switch fe.Code {
	case http.StatusRequestTimeout:
		return apierr.New(fe.Code, apierr.TypeInvalidRequest, apierr.CodeRequestTimeout,
			"The request was not received within the time this server allows.")
	case http.StatusRequestHeaderFieldsTooLarge:
		return apierr.New(fe.Code, apierr.TypeInvalidRequest, apierr.CodeHeadersTooLarge,
			"The request headers are larger than this server accepts.")
	case http.StatusBadRequest:
		h.opts.Logger.Warn("malformed HTTP request", "error", text.Truncate(fe.Message, 200), "remote", c.IP())
		return apierr.New(fe.Code, apierr.TypeInvalidRequest, apierr.CodeInvalid,
			"The request is not valid HTTP/1.1.")
	}
	return nil
}

// atMCP reports whether path is the MCP endpoint, whose errors are
// JSON-RPC error objects.
func (h *handlers) atMCP(path string) bool {
	return h.opts.MCP != nil && path == h.opts.MCPPath
}

// jsonRPCError is a JSON-RPC 2.0 response (id null: the request was not
// read as JSON-RPC) carrying ae as the binding's ACP error.
func jsonRPCError(ae *apierr.Error) []byte {
	out, _ := json.Marshal(map[string]any{ // strings and a struct of strings always marshal
		"jsonrpc": "2.0",
		"id":      nil,
		"error":   map[string]any{"code": codeACPError, "message": ae.Message, "data": ae},
	})
	return out
}

// writeJSONRPCError writes ae as a JSON-RPC error, with ae's HTTP status.
func writeJSONRPCError(c *fiber.Ctx, ae *apierr.Error) error {
	status := ae.Status
	if status == 0 {
		status = http.StatusInternalServerError
	}
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	return c.Status(status).Send(jsonRPCError(ae))
}

// jsonMediaType reports whether a Content-Type names JSON in UTF-8:
// application/json or a +json type, with no charset parameter or with
// charset=utf-8. Any other charset (utf-16 above all) is refused, and so
// are malformed parameters.
func jsonMediaType(contentType string) bool {
	media, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	if media != fiber.MIMEApplicationJSON && !strings.HasSuffix(media, "+json") {
		return false
	}
	charset, ok := params["charset"]
	return !ok || strings.EqualFold(charset, "utf-8")
}
