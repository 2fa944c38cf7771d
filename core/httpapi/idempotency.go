package httpapi

import (
	"crypto/sha256"
	"encoding/hex"
	"math"
	"net/http"

	"github.com/gofiber/fiber/v2"

	"github.com/acp-sidecar/acp/core/acpwire"
	"github.com/acp-sidecar/acp/core/apierr"
	"github.com/acp-sidecar/acp/core/canonicaljson"
	"github.com/acp-sidecar/acp/core/checkout"
	"github.com/acp-sidecar/acp/core/idempotency"
	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/store"
)

// maxIdempotencyKeyLength is ACP's limit on Idempotency-Key.
const maxIdempotencyKeyLength = 255

// idempotent applies ACP's idempotency rules (ACP-NOTES §2.4) to a POST:
// it claims the key scoped by agent and path, replays a stored response for
// the same body, refuses a different body or a request still in flight,
// and stores the response, in the transaction of the business change when
// there is one. 5xx responses are never stored.
func (h *handlers) idempotent(c *fiber.Ctx) error {
	codec := codecOf(c)
	key := c.Get("Idempotency-Key")
	if key == "" && !codec.RequiresIdempotencyKey() {
		return c.Next()
	}
	if !validIdempotencyKey(key) {
		return apierr.Invalid(apierr.CodeIdempotencyKeyMissing, "",
			"An Idempotency-Key header of 1 to %d printable characters is required on every POST.", maxIdempotencyKeyLength)
	}
	now := h.now()
	claim, err := idempotency.Begin(c.UserContext(), h.opts.Store, h.leases, idempotency.ScopedKey(agentOf(c), c.Path(), key), fingerprint(body(c)), now, h.opts.Idempotency)
	if err != nil {
		return err
	}
	switch claim.Outcome {
	case idempotency.Replay:
		c.Set("Idempotent-Replayed", "true")
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
		return c.Status(claim.Record.Status).Send(claim.Record.Body)
	case idempotency.Conflict:
		return apierr.New(codec.IdempotencyConflictStatus(), apierr.TypeInvalidRequest, apierr.CodeIdempotencyConflict,
			"Idempotency-Key %q was already used with a different request body.", key)
	case idempotency.InFlight:
		e := apierr.New(http.StatusConflict, apierr.TypeInvalidRequest, apierr.CodeIdempotencyInFlight,
			"A request with Idempotency-Key %q is still being processed; retry after it finishes.", key)
		e.RetryAfterSeconds = int(math.Ceil(claim.RetryAfter.Seconds()))
		return e
	}

	// The lease is released however the request ends, a panic included,
	// and only after its record is stored.
	defer idempotency.End(h.leases, claim)
	rec := &recorder{h: h, claim: claim, codec: codec}
	c.Locals(localRecorder, rec)
	c.SetUserContext(checkout.WithCommitter(c.UserContext(), rec))
	if err := c.Next(); err != nil {
		if herr := h.errorHandler(c, err); herr != nil {
			return herr
		}
	}
	status := c.Response().StatusCode()
	switch {
	case rec.committed:
		// Stored with the business change.
	case status >= http.StatusInternalServerError:
		// Not stored: a retry is processed afresh.
	default:
		body := append([]byte(nil), c.Response().Body()...)
		err := h.opts.Store.Update(c.UserContext(), func(tx store.Tx) error {
			return idempotency.Finish(tx, claim, status, body, h.now(), h.opts.Idempotency)
		})
		if err != nil {
			h.opts.Logger.Error("store idempotent response", "error", err.Error())
		}
	}
	return nil
}

// recorder stores a request's response as its idempotency record inside
// the engine's final transaction, and keeps the encoded body so that the
// response sent is byte for byte the one stored.
type recorder struct {
	h     *handlers
	claim idempotency.Claim
	codec acpwire.Codec
	// status is the success status of the route, set by the handler.
	status    int
	body      []byte
	committed bool
}

// Commit implements checkout.Committer.
func (r *recorder) Commit(tx store.Tx, sess *model.Session) error {
	body, err := r.codec.EncodeSession(sess)
	if err != nil {
		return err
	}
	if err := idempotency.Finish(tx, r.claim, r.status, body, r.h.now(), r.h.opts.Idempotency); err != nil {
		return err
	}
	r.body, r.committed = body, true
	return nil
}

// fingerprint is the hex SHA-256 of the body's RFC 8785 canonical form; a
// body that is not JSON is fingerprinted as raw bytes, so that replaying
// it replays its error.
func fingerprint(body []byte) string {
	if sum, err := canonicaljson.Fingerprint(body); err == nil {
		return hex.EncodeToString(sum[:])
	}
	sum := sha256.Sum256(body)
	return "raw:" + hex.EncodeToString(sum[:])
}

func validIdempotencyKey(key string) bool {
	if key == "" || len(key) > maxIdempotencyKeyLength {
		return false
	}
	for i := 0; i < len(key); i++ {
		if key[i] < 0x20 || key[i] > 0x7e {
			return false
		}
	}
	return true
}
