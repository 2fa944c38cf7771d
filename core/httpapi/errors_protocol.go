package httpapi

import (
	"mime"
	"net/http"
	"slices"
	"strconv"
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
		ctx.SetStatusCode(ae.Status)
		ctx.SetContentType(fiber.MIMEApplicationJSON)
		ctx.SetBody(encodeError(ae, h.errorEncoder(string(ctx.Path()))))
		h.opts.Logger.Info("request", "method", text.Truncate(string(ctx.Method()), 32), "status", ae.Status)
		h.metrics.observe("UNKNOWN", "", ae.Status, 0)
	}
}

// fiberError maps Fiber's own errors (requests that were not valid HTTP,
// or not in time, bodies too large, unknown routes) to flat ACP errors.
// The cause of a malformed request (which may quote it) is logged, never
// sent.
func (h *handlers) fiberError(c *fiber.Ctx, fe *fiber.Error) *apierr.Error {
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
	case http.StatusRequestEntityTooLarge:
		return apierr.New(fe.Code, apierr.TypeInvalidRequest, apierr.CodeRequestTooLarge, "The request body is larger than this server accepts.")
	case http.StatusNotFound:
		return apierr.New(fe.Code, apierr.TypeInvalidRequest, apierr.CodeNotFound, "Not found.")
	case http.StatusMethodNotAllowed:
		return apierr.New(fe.Code, apierr.TypeInvalidRequest, apierr.CodeMethodNotAllowed, "Method not allowed.")
	}
	if fe.Code >= 400 && fe.Code < 500 {
		return apierr.New(fe.Code, apierr.TypeInvalidRequest, apierr.CodeInvalid, "%s", fe.Message)
	}
	return apierr.Internal()
}

// ErrorEncoder encodes an error refused before a mounted API saw the
// request (authentication, limits, malformed HTTP) in that API's own JSON
// error shape.
type ErrorEncoder func(*apierr.Error) []byte

// writeError writes ae with its HTTP status (500 when unset) and
// Retry-After, in encode's shape, or as a flat ACP error when encode is
// nil.
func writeError(c *fiber.Ctx, ae *apierr.Error, encode ErrorEncoder) error {
	status := ae.Status
	if status == 0 {
		status = http.StatusInternalServerError
	}
	if ae.RetryAfterSeconds > 0 {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(ae.RetryAfterSeconds))
	}
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	return c.Status(status).Send(encodeError(ae, encode))
}

// encodeError is ae's body: in encode's shape, or flat when encode is nil.
func encodeError(ae *apierr.Error, encode ErrorEncoder) []byte {
	if encode != nil {
		return encode(ae)
	}
	return ae.JSON()
}

// jsonMediaType reports whether a Content-Type names JSON in UTF-8:
// application/json or a +json type, with no charset parameter or with
// charset=utf-8 (or its alias utf8, in any case). Any other charset
// (utf-16 above all) is refused, and so are malformed parameters.
func jsonMediaType(contentType string) bool {
	media, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	if media != fiber.MIMEApplicationJSON && !strings.HasSuffix(media, "+json") {
		return false
	}
	charset, ok := params["charset"]
	return !ok || strings.EqualFold(charset, "utf-8") || strings.EqualFold(charset, "utf8")
}
