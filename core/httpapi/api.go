package httpapi

import (
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"github.com/acp-sidecar/acp/core/apierr"
)

// API is the checkout API, on the Fiber app that serves it. Build it with
// New, mount the other APIs served on the same listener with Mount, then
// take the app with App.
type API struct {
	app *fiber.App
	h   *handlers
	// sessions is the /checkout_sessions group, with its middleware; the
	// tests add a route to it exactly as New adds its own (export_test.go).
	sessions fiber.Router
	// handler is the app's handler for Dispatch, taken at its first call.
	handler func() fasthttp.RequestHandler
	// sealed is set once App has added the catch-all 404: a route mounted
	// after it would never be reached. Mounting happens before serving, on
	// one goroutine, so a plain bool set under sealOnce is enough.
	sealed   bool
	sealOnce sync.Once
}

// Mount registers routes under prefix. They share the checkout API's
// request log, metrics, panic recovery and flat ACP errors, and nothing
// else: guards run first, in order, and admit the request (use
// AgentsOnly, TokenOnly, JSONBodies) or answer it. Routes with no guard
// verify their requests themselves (Stripe's signature) or are public
// (metrics). Mount panics after App was called.
func (a *API) Mount(prefix string, routes func(fiber.Router), guards ...fiber.Handler) {
	if a.sealed {
		panic("httpapi: Mount(" + prefix + ") after App")
	}
	scoped := make([]fiber.Handler, len(guards))
	for i, guard := range guards {
		scoped[i] = within(prefix, guard)
	}
	routes(a.app.Group(prefix, scoped...))
}

// within runs guard only for prefix itself and the paths below it. Fiber
// runs a group's handlers for every path that merely starts with the
// group's prefix ("/m" would also cover "/metrics" and "/merchant"), so
// without this a guard would reach routes mounted beside it. Routing is
// case-sensitive and strict (see New), so the comparison is exact.
func within(prefix string, guard fiber.Handler) fiber.Handler {
	below := strings.TrimSuffix(prefix, "/") + "/"
	return func(c *fiber.Ctx) error {
		if p := c.Path(); p != prefix && !strings.HasPrefix(p, below) {
			return c.Next()
		}
		return guard(c)
	}
}

// EncodeErrorsAt makes the errors the checkout API's stack answers for
// path itself (authentication, rate limits, bodies, malformed HTTP,
// unknown methods) take encode's shape instead of a flat ACP error, for a
// mounted API whose protocol has its own (MCP's JSON-RPC errors). It
// panics after App was called.
func (a *API) EncodeErrorsAt(path string, encode ErrorEncoder) {
	if a.sealed {
		panic("httpapi: EncodeErrorsAt(" + path + ") after App")
	}
	if a.h.errorBodies == nil {
		a.h.errorBodies = map[string]ErrorEncoder{}
	}
	a.h.errorBodies[path] = encode
}

// EncodeErrorsUnder is EncodeErrorsAt for prefix and every path below it,
// for a mounted API with routes of its own (UCP's REST binding). An exact
// path given to EncodeErrorsAt takes precedence, then the longest prefix.
// It panics after App was called.
func (a *API) EncodeErrorsUnder(prefix string, encode ErrorEncoder) {
	if a.sealed {
		panic("httpapi: EncodeErrorsUnder(" + prefix + ") after App")
	}
	a.h.errorPrefixes = append(a.h.errorPrefixes, errorPrefix{prefix: strings.TrimSuffix(prefix, "/"), encode: encode})
	slices.SortStableFunc(a.h.errorPrefixes, func(x, y errorPrefix) int { return len(y.prefix) - len(x.prefix) })
}

// AgentsOnly is the guard that admits the agents' bearer tokens, as the
// checkout endpoints do; the agent's name is logged with the request.
func (a *API) AgentsOnly() fiber.Handler { return a.h.authenticate }

// AgentKeys is AgentsOnly that also admits an agent's token carried in
// header (UCP's X-API-Key) when the request has no Authorization header.
func (a *API) AgentKeys(header string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if c.Get(fiber.HeaderAuthorization) == "" {
			return admit(c, a.h.auth, strings.TrimSpace(c.Get(header)))
		}
		return a.h.authenticate(c)
	}
}

// RateLimited is the guard that applies the per-agent rate limit, as the
// checkout endpoints do: 429 with Retry-After when the agent is over its
// rate. It must follow AgentsOnly or AgentKeys.
func (a *API) RateLimited() fiber.Handler { return a.h.limitRate }

// AgentOf is the agent a guard (AgentsOnly, AgentKeys) authenticated the
// request as.
func AgentOf(c *fiber.Ctx) string { return agentOf(c) }

// TokenOnly returns a guard that admits only the bearer token (compared in
// constant time), for an API with a caller of its own, such as the merchant
// API; name is logged as the caller.
func TokenOnly(name, token string) fiber.Handler {
	auth := newAuthenticator([]Agent{{Name: name, Token: token}})
	return func(c *fiber.Ctx) error { return authenticateWith(c, auth) }
}

// JSONBodies is the guard that refuses POST and PUT bodies that are not
// JSON, and compressed bodies, as the checkout endpoints do.
func JSONBodies(c *fiber.Ctx) error { return checkBody(c) }

// App returns the Fiber app with every route, ending with the catch-all
// 404; nothing can be mounted afterwards.
func (a *API) App() *fiber.App {
	a.sealOnce.Do(func() {
		a.sealed = true
		a.app.Use(func(c *fiber.Ctx) error {
			return apierr.New(http.StatusNotFound, apierr.TypeInvalidRequest, apierr.CodeNotFound, "No endpoint %s %s.", c.Method(), c.Path())
		})
	})
	return a.app
}
