package httpapi

import (
	"errors"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/valyala/fasthttp"

	"github.com/acp-sidecar/acp/core/acpwire"
	"github.com/acp-sidecar/acp/core/apierr"
	"github.com/acp-sidecar/acp/core/checkout"
	"github.com/acp-sidecar/acp/core/idempotency"
	"github.com/acp-sidecar/acp/core/internal/ratelimit"
	"github.com/acp-sidecar/acp/core/signature"
	"github.com/acp-sidecar/acp/core/store"
)

// Agent is an agent allowed to call the checkout API.
type Agent struct {
	// Name identifies the agent in logs and owns its sessions.
	Name string
	// Token is the agent's bearer token. It is never logged.
	Token string
	// Verifier, when set, requires every request of the agent to carry a
	// valid Signature and Timestamp.
	Verifier *signature.Verifier
}

// Options configure the checkout API. Other APIs served beside it are
// mounted with API.Mount, not configured here.
type Options struct {
	// Service is the checkout engine.
	Service *checkout.Service
	// Readiness reports whether every capability can serve, and a body
	// for /readyz that says which cannot. Nil means always ready.
	Readiness func() (ready bool, detail any)
	// Codecs maps each accepted API version to its codec.
	Codecs map[string]acpwire.Codec
	// Versions lists the accepted versions, newest first, as reported in
	// supported_versions.
	Versions []string
	// Agents are the agents allowed in.
	Agents []Agent
	// Logger receives one line per request.
	Logger *slog.Logger
	// MaxBodyBytes caps request bodies.
	MaxBodyBytes int
	// ReadTimeout and WriteTimeout bound each request; IdleTimeout bounds
	// a keep-alive connection waiting for its next request.
	ReadTimeout, WriteTimeout, IdleTimeout time.Duration
	// Store keeps idempotency records, in the same transactions as the
	// engine's changes.
	Store store.Store
	// Idempotency sets how long keys are kept and leased.
	Idempotency idempotency.Policy
	// RateLimit limits each agent's requests; nil means unlimited.
	RateLimit *ratelimit.Limiter
	// Discovery is the /.well-known/acp.json document; nil serves none.
	Discovery []byte
	// Registerer, when set, receives the HTTP request metrics.
	Registerer prometheus.Registerer
	// Now returns the current time; time.Now when nil.
	Now func() time.Time
}

// Locals keys set by the middleware for handlers and the request log.
const (
	localAgent     = "acp.agent"
	localCodec     = "acp.codec"
	localSessionID = "acp.session_id"
	localVerifier  = "acp.verifier"
)

// New returns the checkout API.
func New(opts Options) *API {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	opts.Versions = versionsNewestFirst(opts.Versions)
	h := &handlers{opts: opts, auth: newAuthenticator(opts.Agents), metrics: newRequestMetrics(opts.Registerer)}
	app := fiber.New(fiber.Config{
		AppName:               "acp",
		BodyLimit:             opts.MaxBodyBytes,
		ReadTimeout:           opts.ReadTimeout,
		WriteTimeout:          opts.WriteTimeout,
		IdleTimeout:           opts.IdleTimeout,
		DisableStartupMessage: true,
		ErrorHandler:          h.errorHandler,
		// Route parameters and headers are copied, not aliased to
		// fasthttp's reused buffers, so nothing a handler keeps can change
		// under it.
		Immutable: true,
		// Exact routes: a path has one spelling, so idempotency keys and
		// signatures, which cover the path, have one scope.
		CaseSensitive: true,
		StrictRouting: true,
	})
	app.Use(h.logRequests)
	app.Use(recover.New(recover.Config{EnableStackTrace: true, StackTraceHandler: func(c *fiber.Ctx, e any) {
		opts.Logger.Error("panic serving request", "method", c.Method(), "path", c.Path(), "panic", e, "stack", string(debug.Stack()))
	}}))
	probe := func(c *fiber.Ctx) error {
		status, body, _ := ProbeAnswer(c.Path(), opts.Readiness) // routed at the probe paths only
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
		return c.Status(status).Send(body)
	}
	app.Get(HealthzPath, probe)
	app.Get(ReadyzPath, probe)
	if opts.Discovery != nil {
		app.Get("/.well-known/acp.json", func(c *fiber.Ctx) error {
			c.Set(fiber.HeaderCacheControl, "public, max-age=3600")
			c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
			return c.Send(opts.Discovery)
		})
	}
	sessions := app.Group("/checkout_sessions", h.authenticate, h.limitRate, h.verifySignature, h.negotiateVersion, checkBody, h.refuseReplays)
	sessions.Post("", h.change(http.StatusCreated, h.create))
	sessions.Get("/:id", h.get)
	sessions.Post("/:id", h.change(http.StatusOK, h.update))
	sessions.Post("/:id/complete", h.change(http.StatusOK, h.complete))
	sessions.Post("/:id/cancel", h.change(http.StatusOK, h.cancel))
	app.Server().Handler = h.refuseUnknownMethods(app.Server().Handler)
	a := &API{app: app, h: h, sessions: sessions}
	a.handler = sync.OnceValue(func() fasthttp.RequestHandler { return a.App().Handler() })
	return a
}

type handlers struct {
	opts    Options
	auth    *authenticator
	metrics *requestMetrics
	// errorBodies are the error encoders of mounted APIs whose errors are
	// not flat ACP errors, by exact path (see API.EncodeErrorsAt).
	errorBodies map[string]ErrorEncoder
	// errorPrefixes are those of APIs mounted under a prefix, longest
	// first (see API.EncodeErrorsUnder).
	errorPrefixes []errorPrefix
}

// errorPrefix is an error encoder for the paths under prefix.
type errorPrefix struct {
	prefix string
	encode ErrorEncoder
}

// errorEncoder is the error shape of path: that of the API mounted at it
// or under it, or nil for a flat ACP error.
func (h *handlers) errorEncoder(path string) ErrorEncoder {
	if encode, ok := h.errorBodies[path]; ok {
		return encode
	}
	for _, p := range h.errorPrefixes {
		if path == p.prefix || strings.HasPrefix(path, p.prefix+"/") {
			return p.encode
		}
	}
	return nil
}

func (h *handlers) now() time.Time {
	if h.opts.Now != nil {
		return h.opts.Now()
	}
	return time.Now()
}

// errorHandler writes every error as a flat ACP error, or in the shape of
// the API mounted at or under the request's path (errorEncoder).
// Unexpected errors are logged with their cause and answered with a
// generic 500.
func (h *handlers) errorHandler(c *fiber.Ctx, err error) error {
	var ae *apierr.Error
	var fe *fiber.Error
	switch {
	case errors.As(err, &ae):
		if ae.Cause != nil {
			h.opts.Logger.Warn("request failed", "code", ae.Code, "error", ae.Cause.Error(), "path", c.Path())
		}
	case errors.As(err, &fe):
		ae = h.fiberError(c, fe)
	default:
		h.opts.Logger.Error("request failed", "error", err.Error(), "method", c.Method(), "path", c.Path())
		ae = apierr.Internal()
	}
	if codec, ok := c.Locals(localCodec).(acpwire.Codec); ok && ae.Param != "" {
		translated := *ae
		translated.Param = codec.ErrorParam(ae.Param)
		ae = &translated
	}
	return writeError(c, ae, h.errorEncoder(c.Path()))
}
