package ucpapi

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/acp-sidecar/acp/core/apierr"
	"github.com/acp-sidecar/acp/core/checkout"
	"github.com/acp-sidecar/acp/core/httpapi"
	"github.com/acp-sidecar/acp/core/internal/text"
	"github.com/acp-sidecar/acp/core/ucp"
	"github.com/acp-sidecar/acp/core/ucpprofile"
	"github.com/acp-sidecar/acp/core/ucpwire"
)

// Options configure the REST binding.
type Options struct {
	// Service is the checkout engine, the checkout API's.
	Service *checkout.Service
	// Codec translates the checkout's JSON.
	Codec *ucpwire.Codec
	// Negotiator resolves each request's platform profile and negotiates
	// with it. Required.
	Negotiator ucp.Negotiator
	// Verifier checks the RFC 9421 signatures of the agents in
	// SignedAgents; required when any is.
	Verifier ucp.RequestVerifier
	// SignedAgents are the agents whose every request must be signed
	// (acp.yaml's agents[].ucp.require_signatures).
	SignedAgents map[string]bool
	// Operations serve the non-checkout operations, by name
	// (ucp.OpSearchCatalog, ucp.OpLookupCatalog, ucp.OpGetProduct,
	// ucp.OpGetOrder); only those present are routed.
	Operations map[string]ucp.Operation
	// Logger receives the causes of refusals and failures.
	Logger *slog.Logger
}

// API is the REST binding, mounted on a checkout API.
type API struct {
	opts Options
	// base is the path it is mounted under; api the checkout API.
	base string
	api  *httpapi.API
}

// Interface guard: the MCP binding reaches the REST binding through
// the same Dispatcher interface as the checkout API's.
var _ httpapi.Dispatcher = (*API)(nil)

// routes are the non-checkout operations: their method, path and the
// capability a platform must have negotiated.
var routes = []struct {
	op, method, path, capability string
}{
	{ucp.OpSearchCatalog, fiber.MethodPost, "/catalog/search", ucp.CapCatalogSearch},
	{ucp.OpLookupCatalog, fiber.MethodPost, "/catalog/lookup", ucp.CapCatalogLookup},
	{ucp.OpGetProduct, fiber.MethodPost, "/catalog/product", ucp.CapCatalogLookup},
	{ucp.OpGetOrder, fiber.MethodGet, "/orders/:id", ucp.CapOrder},
}

// Mount mounts the REST binding on api under base (acp.yaml's
// ucp.base_path): its routes behind its guards, and UCP's error shape for
// every error answered under base.
func Mount(api *httpapi.API, base string, opts Options) (*API, error) {
	if opts.Service == nil || opts.Codec == nil || opts.Negotiator == nil {
		return nil, errors.New("ucpapi: Service, Codec and Negotiator are required")
	}
	for agent, signed := range opts.SignedAgents {
		if signed && opts.Verifier == nil {
			return nil, fmt.Errorf("ucpapi: agent %q requires signatures but no verifier is configured", agent)
		}
	}
	for op := range opts.Operations {
		if !known(op) {
			return nil, fmt.Errorf("ucpapi: no route serves operation %q", op)
		}
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	a := &API{opts: opts, base: strings.TrimSuffix(base, "/"), api: api}
	api.EncodeErrorsUnder(a.base, EncodeError)
	api.Mount(a.base, a.routes, api.AgentKeys(HeaderAPIKey), api.RateLimited(), requireRequestID, a.negotiate, a.verify, httpapi.JSONBodies)
	return a, nil
}

// HeaderAPIKey carries an agent's token when it sends no Authorization.
const HeaderAPIKey = "X-API-Key"

func known(op string) bool {
	for _, r := range routes {
		if r.op == op {
			return true
		}
	}
	return false
}

func (a *API) routes(r fiber.Router) {
	r.Post("/checkout-sessions", a.create)
	r.Get("/checkout-sessions/:id", a.get)
	r.Put("/checkout-sessions/:id", a.update)
	r.Post("/checkout-sessions/:id/complete", a.complete)
	r.Post("/checkout-sessions/:id/cancel", a.cancel)
	for _, route := range routes {
		if op, ok := a.opts.Operations[route.op]; ok {
			r.Add(route.method, route.path, a.operation(op, route.capability))
		}
	}
}

// Dispatch implements httpapi.Dispatcher for paths relative to the
// binding's base path: the request runs through the whole stack in
// process, as over the network.
func (a *API) Dispatch(method, path string, header http.Header, body []byte) (int, http.Header, []byte) {
	return a.api.Dispatch(method, a.base+path, header, body)
}

// EncodeError is UCP's protocol error body {code, content} for an error
// answered by the shared stack or the engine.
func EncodeError(ae *apierr.Error) []byte {
	return (&ucp.Error{Code: ae.Code, Content: ae.Message}).JSON()
}

// localPlatform holds the request's *ucp.Platform.
const localPlatform = "ucp.platform"

func platformOf(c *fiber.Ctx) *ucp.Platform {
	p, _ := c.Locals(localPlatform).(*ucp.Platform)
	return p
}

// refuse writes a protocol error, with its Retry-After; its cause is
// logged, never sent.
func (a *API) refuse(c *fiber.Ctx, e *ucp.Error) error {
	if e.Cause != nil {
		a.opts.Logger.Warn("ucp request refused", "code", e.Code, "error", e.Cause.Error(), "path", c.Path())
	}
	if e.Status == 0 {
		e = &ucp.Error{Status: http.StatusInternalServerError, Code: "internal_error", Content: "The request could not be processed."}
	}
	if e.RetryAfterSeconds > 0 {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(e.RetryAfterSeconds))
	}
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	return c.Status(e.Status).Send(e.JSON())
}

// requireRequestID refuses a request without a Request-Id (the checkout
// API's request log echoes it on every response).
func requireRequestID(c *fiber.Ctx) error {
	if strings.TrimSpace(c.Get(ucp.HeaderRequestID)) == "" {
		return apierr.Invalid("request_id_missing", "", "The Request-Id header is required on every request.")
	}
	return c.Next()
}

// negotiate resolves the platform the UCP-Agent header names, through
// the Negotiator, which also checks that the authenticated agent may
// present that profile (overview.md, "Identity Binding").
func (a *API) negotiate(c *fiber.Ctx) error {
	var values []string
	c.Request().Header.VisitAll(func(k, v []byte) {
		if strings.EqualFold(string(k), ucp.HeaderAgent) {
			values = append(values, string(v))
		}
	})
	profile, err := ucpprofile.ParseAgentHeader(values)
	var invalid *ucp.Error
	if errors.As(err, &invalid) {
		return a.refuse(c, invalid)
	}
	p, err := a.opts.Negotiator.Negotiate(c.UserContext(), httpapi.AgentOf(c), profile)
	if err != nil {
		var e *ucp.Error
		if !errors.As(err, &e) {
			e = &ucp.Error{Status: http.StatusServiceUnavailable, Code: ucp.CodeProfileUnreachable, RetryAfterSeconds: 1,
				Content: "The platform profile could not be negotiated; retry shortly.", Cause: err}
		}
		return a.refuse(c, e)
	}
	c.Locals(localPlatform, p)
	return c.Next()
}

// verify checks the request's signature when its agent must sign.
func (a *API) verify(c *fiber.Ctx) error {
	if !a.opts.SignedAgents[httpapi.AgentOf(c)] {
		return c.Next()
	}
	header := http.Header{}
	c.Request().Header.VisitAll(func(k, v []byte) { header.Add(string(k), string(v)) })
	req := &ucp.SignedRequest{
		Method: c.Method(), Authority: string(c.Request().Host()), Path: string(c.Request().URI().PathOriginal()),
		Query: string(c.Request().URI().QueryString()), Scheme: c.Protocol(), Header: header, Body: c.Request().Body(),
	}
	if i := strings.IndexByte(req.Path, '?'); i >= 0 {
		req.Path = req.Path[:i]
	}
	if err := a.opts.Verifier.Verify(req, platformOf(c)); err != nil {
		var e *ucp.Error
		if !errors.As(err, &e) {
			e = &ucp.Error{Status: http.StatusUnauthorized, Code: ucp.CodeSignatureInvalid, Content: "The request signature could not be verified.", Cause: err}
		}
		return a.refuse(c, e)
	}
	return c.Next()
}

// operation serves a non-checkout operation that needs capability.
func (a *API) operation(op ucp.Operation, capability string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		p := platformOf(c)
		if !p.Has(capability) {
			return incompatible(c, a.opts.Codec, capability)
		}
		status, body, err := op(c.UserContext(), &ucp.Call{Platform: p, RequestID: c.Get(ucp.HeaderRequestID), ID: c.Params("id"), Body: c.Request().Body()})
		if err != nil {
			var e *ucp.Error
			if errors.As(err, &e) {
				return a.refuse(c, e)
			}
			return err
		}
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
		return c.Status(status).Send(body)
	}
}

// incompatible answers a request whose platform did not negotiate the
// capability it needs: 200 with an error_response
// (capabilities_incompatible is a business outcome, overview.md).
func incompatible(c *fiber.Ctx, codec *ucpwire.Codec, capability string) error {
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	return c.Status(http.StatusOK).Send(codec.EncodeIncompatible(
		fmt.Sprintf("This operation needs the %s capability, which the platform's profile and this business do not share.", text.Truncate(capability, 64))))
}
