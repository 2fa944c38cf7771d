package ucpapi

import (
	"errors"
	"net/http"

	"github.com/gofiber/fiber/v2"

	"github.com/acp-sidecar/acp/core/apierr"
	"github.com/acp-sidecar/acp/core/checkout"
	"github.com/acp-sidecar/acp/core/httpapi"
	"github.com/acp-sidecar/acp/core/idempotency"
	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/ucp"
	"github.com/acp-sidecar/acp/core/ucpwire"
)

// apiVersion is the API version of the sessions made over UCP, which also
// scopes the fingerprints of their idempotency records.
var apiVersion = ucp.APIVersion(ucp.Version)

// flow is the idempotent flow of a checkout operation answering status
// to platform p.
func (a *API) flow(p *ucp.Platform, status int) *httpapi.Flow {
	return &httpapi.Flow{
		Version: apiVersion,
		Status:  status,
		MissingKey: func() error {
			return apierr.Invalid(apierr.CodeIdempotencyKeyMissing, "",
				"An Idempotency-Key header of 1 to %d printable characters is required on every POST and PUT.", idempotency.MaxKeyLength)
		},
		Conflict: func(key string) error {
			return apierr.New(http.StatusConflict, apierr.TypeInvalidRequest, apierr.CodeIdempotencyConflict,
				"Idempotency-Key %q was already used with a different request body.", key)
		},
		Encode: func(s *model.Session) ([]byte, error) { return a.opts.Codec.EncodeSession(s, p) },
	}
}

// checkoutPlatform is the request's platform, or false after answering
// that it negotiated no checkout capability.
func (a *API) checkoutPlatform(c *fiber.Ctx) (*ucp.Platform, bool, error) {
	p := platformOf(c)
	if !p.Has(ucp.CapCheckout) {
		return nil, false, incompatible(c, a.opts.Codec, ucp.CapCheckout)
	}
	return p, true, nil
}

func (a *API) create(c *fiber.Ctx) error {
	p, ok, err := a.checkoutPlatform(c)
	if !ok {
		return err
	}
	flow := a.flow(p, http.StatusCreated)
	// A checkout none of whose items can be bought is not created: the
	// refusal aborts the engine's transaction from inside it, and is
	// answered with an error_response.
	encode := flow.Encode
	flow.Encode = func(s *model.Session) ([]byte, error) {
		if u := ucpwire.Unavailability(s); u != nil {
			return nil, u
		}
		return encode(s)
	}
	flow.Rescue = func(err error) (int, []byte, bool) {
		var u *ucpwire.Unavailable
		if !errors.As(err, &u) {
			return 0, nil, false
		}
		return http.StatusOK, a.opts.Codec.EncodeUnavailable(u), true
	}
	return a.api.Idempotent(c, flow, func(rec checkout.Recorder) (*model.Session, error) {
		in, err := a.opts.Codec.DecodeCreate(c.Request().Body(), p)
		if err != nil {
			return nil, err
		}
		return a.opts.Service.Create(c.UserContext(), httpapi.AgentOf(c), apiVersion, in, rec)
	})
}

func (a *API) get(c *fiber.Ctx) error {
	p, ok, err := a.checkoutPlatform(c)
	if !ok {
		return err
	}
	sess, err := a.session(c)
	if err != nil {
		return err
	}
	body, err := a.opts.Codec.EncodeSession(sess, p)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	return c.Status(http.StatusOK).Send(body)
}

func (a *API) update(c *fiber.Ctx) error {
	return a.change(c, func(p *ucp.Platform, rec checkout.Recorder) (*model.Session, error) {
		in, err := a.opts.Codec.DecodeUpdate(c.Request().Body(), p)
		if err != nil {
			return nil, err
		}
		return a.opts.Service.Update(c.UserContext(), httpapi.AgentOf(c), c.Params("id"), in, rec)
	})
}

func (a *API) complete(c *fiber.Ctx) error {
	return a.change(c, func(_ *ucp.Platform, rec checkout.Recorder) (*model.Session, error) {
		in, err := a.opts.Codec.DecodeComplete(c.Request().Body())
		if err != nil {
			return nil, err
		}
		return a.opts.Service.Complete(c.UserContext(), httpapi.AgentOf(c), c.Params("id"), in, rec)
	})
}

func (a *API) cancel(c *fiber.Ctx) error {
	return a.change(c, func(_ *ucp.Platform, rec checkout.Recorder) (*model.Session, error) {
		in, err := a.opts.Codec.DecodeCancel(c.Request().Body())
		if err != nil {
			return nil, err
		}
		return a.opts.Service.Cancel(c.UserContext(), httpapi.AgentOf(c), c.Params("id"), in, rec)
	})
}

// change serves a state-changing operation on an existing session.
func (a *API) change(c *fiber.Ctx, call func(*ucp.Platform, checkout.Recorder) (*model.Session, error)) error {
	p, ok, err := a.checkoutPlatform(c)
	if !ok {
		return err
	}
	return a.api.Idempotent(c, a.flow(p, http.StatusOK), func(rec checkout.Recorder) (*model.Session, error) {
		if _, err := a.session(c); err != nil {
			return nil, err
		}
		return call(p, rec)
	})
}

// session is the session the path names, when the agent made it over
// UCP: another agent's, and one made over ACP, are not found.
func (a *API) session(c *fiber.Ctx) (*model.Session, error) {
	sess, err := a.opts.Service.Get(c.UserContext(), httpapi.AgentOf(c), c.Params("id"))
	if err != nil {
		return nil, err
	}
	if _, ok := ucp.IsAPIVersion(sess.APIVersion); !ok {
		return nil, apierr.New(http.StatusNotFound, apierr.TypeInvalidRequest, apierr.CodeNotFound,
			"No checkout session %q was made by this platform over UCP.", c.Params("id"))
	}
	return sess, nil
}
