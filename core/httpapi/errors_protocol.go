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

// refuseUnknownMethods answers requests whose method Fiber does not know
// before Fiber does: Fiber would answer them in plain text ("Invalid http
// method") without calling any middleware or error handler. They get a
// 405 in the protocol's error shape instead: a flat ACP error, or the
// shape of the API mounted at the path (see API.EncodeErrorsAt).
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
		if encode := h.errorBodies[string(ctx.Path())]; encode != nil {
			body = encode(ae)
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

// ErrorEncoder encodes an error refused before a mounted API saw the
// request (authentication, limits, malformed HTTP) in that API's own JSON
// error shape.
type ErrorEncoder func(*apierr.Error) []byte

// writeEncodedError writes ae with encode, with ae's HTTP status.
func writeEncodedError(c *fiber.Ctx, ae *apierr.Error, encode ErrorEncoder) error {
	status := ae.Status
	if status == 0 {
		status = http.StatusInternalServerError
	}
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	return c.Status(status).Send(encode(ae))
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
