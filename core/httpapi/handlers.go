package httpapi

import (
	"net/http"

	"github.com/gofiber/fiber/v2"

	"github.com/acp-sidecar/acp/core/acpwire"
	"github.com/acp-sidecar/acp/core/checkout"
	"github.com/acp-sidecar/acp/core/model"
)

// engineCall is the body of a state-changing route: it decodes the
// request with codec and calls the engine, passing rec on. rec stores the
// response with the request's outcome, in the engine's own transaction;
// it is nil when the request carries no idempotency key.
type engineCall func(c *fiber.Ctx, codec acpwire.Codec, rec checkout.Recorder) (*model.Session, error)

func (h *handlers) create(c *fiber.Ctx, codec acpwire.Codec, rec checkout.Recorder) (*model.Session, error) {
	in, err := codec.DecodeCreate(body(c))
	if err != nil {
		return nil, err
	}
	return h.opts.Service.Create(c.UserContext(), agentOf(c), codec.Version(), in, rec)
}

func (h *handlers) get(c *fiber.Ctx) error {
	sess, err := h.opts.Service.Get(c.UserContext(), agentOf(c), sessionID(c))
	if err != nil {
		return err
	}
	return writeSession(c, codecOf(c).EncodeSession, http.StatusOK, sess, nil)
}

func (h *handlers) update(c *fiber.Ctx, codec acpwire.Codec, rec checkout.Recorder) (*model.Session, error) {
	in, err := codec.DecodeUpdate(body(c))
	if err != nil {
		return nil, err
	}
	return h.opts.Service.Update(c.UserContext(), agentOf(c), sessionID(c), in, rec)
}

func (h *handlers) complete(c *fiber.Ctx, codec acpwire.Codec, rec checkout.Recorder) (*model.Session, error) {
	in, err := codec.DecodeComplete(body(c))
	if err != nil {
		return nil, err
	}
	return h.opts.Service.Complete(c.UserContext(), agentOf(c), sessionID(c), in, rec)
}

func (h *handlers) cancel(c *fiber.Ctx, codec acpwire.Codec, rec checkout.Recorder) (*model.Session, error) {
	in, err := codec.DecodeCancel(body(c))
	if err != nil {
		return nil, err
	}
	return h.opts.Service.Cancel(c.UserContext(), agentOf(c), sessionID(c), in, rec)
}

// writeSession sends the session: encoded when stored is nil, else
// exactly the bytes stored with its idempotency record.
func writeSession(c *fiber.Ctx, encode func(*model.Session) ([]byte, error), status int, sess *model.Session, stored []byte) error {
	c.Locals(localSessionID, sess.ID)
	body := stored
	if body == nil {
		var err error
		if body, err = encode(sess); err != nil {
			return err
		}
	}
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	return c.Status(status).Send(body)
}

func codecOf(c *fiber.Ctx) acpwire.Codec {
	codec, _ := c.Locals(localCodec).(acpwire.Codec)
	return codec
}

func agentOf(c *fiber.Ctx) string {
	agent, _ := c.Locals(localAgent).(string)
	return agent
}

func sessionID(c *fiber.Ctx) string {
	id := c.Params("id")
	c.Locals(localSessionID, id)
	return id
}
