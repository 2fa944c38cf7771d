package httpapi

import (
	"net/http"

	"github.com/gofiber/fiber/v2"

	"github.com/acp-sidecar/acp/core/acpwire"
	"github.com/acp-sidecar/acp/core/model"
)

func (h *handlers) create(c *fiber.Ctx) error {
	codec := codecOf(c)
	in, err := codec.DecodeCreate(body(c))
	if err != nil {
		return err
	}
	expectStatus(c, http.StatusCreated)
	sess, err := h.opts.Service.Create(c.UserContext(), agentOf(c), codec.Version(), in)
	if err != nil {
		return err
	}
	return writeSession(c, codec, http.StatusCreated, sess)
}

func (h *handlers) get(c *fiber.Ctx) error {
	sess, err := h.opts.Service.Get(c.UserContext(), agentOf(c), sessionID(c))
	if err != nil {
		return err
	}
	return writeSession(c, codecOf(c), http.StatusOK, sess)
}

func (h *handlers) update(c *fiber.Ctx) error {
	codec := codecOf(c)
	in, err := codec.DecodeUpdate(body(c))
	if err != nil {
		return err
	}
	expectStatus(c, http.StatusOK)
	sess, err := h.opts.Service.Update(c.UserContext(), agentOf(c), sessionID(c), in)
	if err != nil {
		return err
	}
	return writeSession(c, codec, http.StatusOK, sess)
}

func (h *handlers) complete(c *fiber.Ctx) error {
	codec := codecOf(c)
	in, err := codec.DecodeComplete(body(c))
	if err != nil {
		return err
	}
	expectStatus(c, http.StatusOK)
	sess, err := h.opts.Service.Complete(c.UserContext(), agentOf(c), sessionID(c), in)
	if err != nil {
		return err
	}
	return writeSession(c, codec, http.StatusOK, sess)
}

func (h *handlers) cancel(c *fiber.Ctx) error {
	codec := codecOf(c)
	in, err := codec.DecodeCancel(body(c))
	if err != nil {
		return err
	}
	expectStatus(c, http.StatusOK)
	sess, err := h.opts.Service.Cancel(c.UserContext(), agentOf(c), sessionID(c), in)
	if err != nil {
		return err
	}
	return writeSession(c, codec, http.StatusOK, sess)
}

// expectStatus tells the idempotency recorder, if any, the status the
// response will have when the engine succeeds.
func expectStatus(c *fiber.Ctx, status int) {
	if rec, ok := c.Locals(localRecorder).(*recorder); ok {
		rec.status = status
	}
}

// writeSession sends the session. When the engine stored the response with
// its idempotency record, exactly those bytes are sent.
func writeSession(c *fiber.Ctx, codec acpwire.Codec, status int, sess *model.Session) error {
	c.Locals(localSessionID, sess.ID)
	var body []byte
	if rec, ok := c.Locals(localRecorder).(*recorder); ok && rec.committed {
		body = rec.body
	} else {
		var err error
		if body, err = codec.EncodeSession(sess); err != nil {
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
