package httpapi

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/acp-sidecar/acp/core/apierr"
	"github.com/acp-sidecar/acp/core/internal/ratelimit"
	"github.com/acp-sidecar/acp/core/internal/text"
	"github.com/acp-sidecar/acp/core/signature"
)

// authenticator checks bearer tokens in constant time. Tokens are compared
// as SHA-256 digests so that neither their content nor their length leaks
// through timing, and every agent is compared on every request.
type authenticator struct {
	agents []agentDigest
}

type agentDigest struct {
	name     string
	digest   [sha256.Size]byte
	verifier *signature.Verifier
}

func newAuthenticator(agents []Agent) *authenticator {
	a := &authenticator{}
	for _, ag := range agents {
		a.agents = append(a.agents, agentDigest{name: ag.Name, digest: sha256.Sum256([]byte(ag.Token)), verifier: ag.Verifier})
	}
	return a
}

// agentFor returns the agent owning token, or nil.
func (a *authenticator) agentFor(token string) *agentDigest {
	presented := sha256.Sum256([]byte(token))
	var match *agentDigest
	for i := range a.agents {
		if subtle.ConstantTimeCompare(presented[:], a.agents[i].digest[:]) == 1 {
			match = &a.agents[i]
		}
	}
	return match
}

func (h *handlers) authenticate(c *fiber.Ctx) error { return authenticateWith(c, h.auth) }

// authenticateWith admits requests bearing one of auth's tokens.
func authenticateWith(c *fiber.Ctx, auth *authenticator) error {
	return admit(c, auth, bearerToken(c))
}

// bearerToken is the request's bearer token, "" when it has none.
func bearerToken(c *fiber.Ctx) string {
	scheme, token, ok := strings.Cut(c.Get(fiber.HeaderAuthorization), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(token)
}

// admit admits the request when token is one of auth's.
func admit(c *fiber.Ctx, auth *authenticator, token string) error {
	var agent *agentDigest
	if token != "" {
		agent = auth.agentFor(token)
	}
	if agent == nil {
		c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="acp"`)
		return apierr.New(http.StatusUnauthorized, apierr.TypeInvalidRequest, apierr.CodeUnauthorized,
			"A valid bearer token is required in the Authorization header.")
	}
	c.Locals(localAgent, agent.name)
	c.Locals(localVerifier, agent.verifier)
	return c.Next()
}

// limitRate applies the per-agent token bucket: 429 rate_limited with
// Retry-After when the agent is over its rate.
func (h *handlers) limitRate(c *fiber.Ctx) error {
	if h.opts.RateLimit == nil {
		return c.Next()
	}
	if ok, wait := h.opts.RateLimit.Allow(agentOf(c), h.now()); !ok {
		e := apierr.New(http.StatusTooManyRequests, apierr.TypeInvalidRequest, apierr.CodeRateLimited,
			"Too many requests from this agent; retry after the Retry-After delay.")
		e.RetryAfterSeconds = ratelimit.RetryAfterSeconds(wait)
		return e
	}
	return c.Next()
}

// verifySignature checks the Signature and Timestamp headers of agents
// configured with a signing key. The reason for a refusal is logged; the
// expected value never is.
func (h *handlers) verifySignature(c *fiber.Ctx) error {
	v, _ := c.Locals(localVerifier).(*signature.Verifier)
	if v == nil {
		return c.Next()
	}
	signed := signature.Request{
		Method:         c.Method(),
		Path:           c.Path(),
		APIVersion:     c.Get("API-Version"),
		IdempotencyKey: signedIdempotencyKey(c),
		Timestamp:      c.Get(signature.HeaderTimestamp),
		Body:           body(c),
	}
	err := v.Verify(signed, c.Get(signature.HeaderSignature), h.now())
	if err != nil {
		return &apierr.Error{Status: http.StatusUnauthorized, Type: apierr.TypeInvalidRequest, Code: apierr.CodeInvalidSignature,
			Message: "The request signature is missing, malformed, outside the allowed clock skew, or does not match.", Cause: err}
	}
	h.noteSignature(c, v, signed)
	return c.Next()
}

func (h *handlers) negotiateVersion(c *fiber.Ctx) error {
	version := strings.TrimSpace(c.Get("API-Version"))
	if version == "" {
		e := apierr.Invalid(apierr.CodeMissingAPIVersion, "", "The API-Version header is required.")
		e.SupportedVersions = h.opts.Versions
		return e
	}
	codec, ok := h.opts.Codecs[version]
	if !ok {
		e := apierr.Invalid(apierr.CodeUnsupportedAPIVersion, "", "API version %q is not supported; use one of %s.", version, strings.Join(h.opts.Versions, ", "))
		e.SupportedVersions = h.opts.Versions
		return e
	}
	c.Locals(localCodec, codec)
	return c.Next()
}

// checkBody refuses POST and PUT bodies that are not JSON, and
// compressed bodies: Fiber would inflate them with no size limit, so a
// small request could expand to gigabytes. Only identity is taken.
func checkBody(c *fiber.Ctx) error {
	if m := c.Method(); m != fiber.MethodPost && m != fiber.MethodPut {
		return c.Next()
	}
	if len(body(c)) > 0 && !isJSON(c.Get(fiber.HeaderContentType)) {
		return apierr.New(http.StatusUnsupportedMediaType, apierr.TypeInvalidRequest, apierr.CodeUnsupportedMediaType,
			"Request bodies must be JSON in UTF-8 (Content-Type: application/json, with no charset or charset=utf-8).")
	}
	if enc := strings.TrimSpace(c.Get(fiber.HeaderContentEncoding)); enc != "" && !strings.EqualFold(enc, "identity") {
		return apierr.New(http.StatusUnsupportedMediaType, apierr.TypeInvalidRequest, apierr.CodeUnsupportedMediaType,
			"Compressed request bodies (Content-Encoding: %s) are not accepted; send plain JSON.", text.Truncate(enc, 32))
	}
	return c.Next()
}

// isJSON accepts a missing Content-Type (several agents omit it on update
// and cancel) and any JSON media type in UTF-8 (see jsonMediaType).
func isJSON(contentType string) bool {
	return contentType == "" || jsonMediaType(contentType)
}

// logRequests writes one JSON line per request. It logs no body, token,
// email, address or payment data.
func (h *handlers) logRequests(c *fiber.Ctx) error {
	start := time.Now()
	if id := c.Get("Request-Id"); id != "" {
		c.Set("Request-Id", id)
	}
	// Fiber's request context is never canceled; bound the work done for
	// a request (capability and payment calls honour it) by the write
	// timeout, after which the response could not be delivered anyway.
	if h.opts.WriteTimeout > 0 {
		ctx, cancel := context.WithTimeout(c.UserContext(), h.opts.WriteTimeout)
		defer cancel()
		c.SetUserContext(ctx)
	}
	// Every POST response echoes its Idempotency-Key, errors included.
	if key := c.Get("Idempotency-Key"); c.Method() == fiber.MethodPost && validIdempotencyKey(key) {
		c.Set("Idempotency-Key", key)
	}
	err := c.Next()
	if err != nil {
		if herr := h.errorHandler(c, err); herr != nil {
			h.opts.Logger.Error("write error response", "error", herr.Error())
		}
	}
	method, route, status, took := c.Method(), c.Route().Path, c.Response().StatusCode(), time.Since(start)
	if h.opts.Logger.Enabled(c.UserContext(), slog.LevelInfo) {
		h.logRequest(c, method, route, status, took)
	}
	h.metrics.observe(method, route, status, took)
	return nil
}

// logRequest writes the request's Info log line.
func (h *handlers) logRequest(c *fiber.Ctx, method, route string, status int, took time.Duration) {
	attrs := []any{
		"method", method,
		"route", route,
		"status", status,
		"duration_ms", float64(took.Microseconds()) / 1000,
	}
	if agent, ok := c.Locals(localAgent).(string); ok {
		attrs = append(attrs, "agent", agent)
	}
	if id := c.Get("Request-Id"); id != "" {
		attrs = append(attrs, "request_id", text.Truncate(id, 128))
	}
	if codec, ok := c.Locals(localCodec).(interface{ Version() string }); ok {
		attrs = append(attrs, "api_version", codec.Version())
	}
	if id, ok := c.Locals(localSessionID).(string); ok {
		attrs = append(attrs, "session_id", text.Truncate(id, 128))
	}
	h.opts.Logger.Info("request", attrs...)
}

// versionsNewestFirst sorts versions for supported_versions.
func versionsNewestFirst(versions []string) []string {
	out := slices.Clone(versions)
	slices.Sort(out)
	slices.Reverse(out)
	return out
}

// body returns the request body exactly as received. Fiber's c.Body()
// would decompress a Content-Encoding without bounds; such requests are
// refused before any handler reads the body.
func body(c *fiber.Ctx) []byte { return c.Request().Body() }
