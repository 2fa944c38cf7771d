package httpapi

import (
	"github.com/gofiber/fiber/v2"

	"github.com/acp-sidecar/acp/core/acpwire"
	"github.com/acp-sidecar/acp/core/checkout"
	"github.com/acp-sidecar/acp/core/model"
)

// AddChange registers a state-changing route under /checkout_sessions
// exactly as the API registers its own: a path, the success status and
// the engine call, nothing else.
func (a *API) AddChange(path string, status int, call func(c *fiber.Ctx, codec acpwire.Codec, rec checkout.Recorder) (*model.Session, error)) {
	a.sessions.Post(path, a.h.change(status, call))
}

// StoredBody returns the response rec stored inside the engine's
// transaction; nil when it stored none.
func StoredBody(rec checkout.Recorder) []byte {
	r, ok := rec.(*recorder)
	if !ok {
		return nil
	}
	return r.body
}
