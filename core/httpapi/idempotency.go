package httpapi

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"math"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/acp-sidecar/acp/core/acpwire"
	"github.com/acp-sidecar/acp/core/apierr"
	"github.com/acp-sidecar/acp/core/idempotency"
	"github.com/acp-sidecar/acp/core/internal/canonicaljson"
	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/store"
)

// change returns the handler of a state-changing route whose engine call
// is call and whose success status is status. It applies ACP's
// idempotency rules (ACP-NOTES §2.4): it claims the key scoped by agent
// and path, replays a stored response for the same body, refuses a
// different body or a request still in flight, and stores the response:
// a success inside the engine's own transaction, through the recorder
// handed to call, so that the change and its record commit together; an
// error afterwards. 5xx responses, and answers that ask to retry later,
// are never stored.
func (h *handlers) change(status int, call engineCall) fiber.Handler {
	return func(c *fiber.Ctx) error {
		codec := codecOf(c)
		key := c.Get("Idempotency-Key")
		if key == "" && !codec.RequiresIdempotencyKey() {
			sess, err := call(c, codec, nil)
			if err != nil {
				return err
			}
			return writeSession(c, codec, status, sess, nil)
		}
		if !validIdempotencyKey(key) {
			return apierr.Invalid(apierr.CodeIdempotencyKeyMissing, "",
				"An idempotency key of 1 to %d printable characters is required on every POST: the Idempotency-Key header (over MCP, meta.idempotency_key).", idempotency.MaxKeyLength)
		}
		claim, err := idempotency.Begin(c.UserContext(), h.opts.Store, idempotency.ScopedKey(agentOf(c), c.Path(), key), fingerprint(codec.Version(), body(c)), h.now(), h.opts.Idempotency)
		if err != nil {
			return err
		}
		switch claim.Outcome {
		case idempotency.Replay:
			return replay(c, claim.Record)
		case idempotency.Conflict:
			return idempotencyConflict(codec, key)
		case idempotency.InFlight:
			return inFlight(key, claim.RetryAfter)
		}

		// The lease is released however the request ends, a panic
		// included, and only after its record is stored.
		defer idempotency.End(c.UserContext(), claim)
		rec := &recorder{h: h, claim: claim, codec: codec, status: status, key: key}
		sess, err := call(c, codec, rec)
		// The engine stored the response only if the session it returns
		// is the one recorded (one that lost its session lease returns the
		// session stored by the call that took over instead).
		committed := err == nil && rec.body != nil && rec.sess == sess
		if err == nil && !committed {
			rec.body = nil
		}
		if errors.Is(err, idempotency.ErrTakenOver) {
			// Another request took the key over and still runs.
			err = inFlight(key, time.Second)
		}
		if err == nil {
			err = writeSession(c, codec, status, sess, rec.body)
		}
		if err != nil {
			var answered *idempotency.AnsweredError
			if errors.As(err, &answered) {
				// Another request with this key won; its answer stands.
				return replay(c, answered.Record)
			}
			if herr := h.errorHandler(c, err); herr != nil {
				return herr
			}
			var e *apierr.Error
			if errors.As(err, &e) && e.Code == apierr.CodeIdempotencyConflict {
				// The key's first body may still be retried: its answer,
				// not this refusal, is the key's record.
				return nil
			}
		}
		return h.storeAnswer(c, claim, committed)
	}
}

// storeAnswer stores the response written, unless the engine stored it
// already (committed) or it is not final.
func (h *handlers) storeAnswer(c *fiber.Ctx, claim idempotency.Claim, committed bool) error {
	status := c.Response().StatusCode()
	switch {
	case committed:
		return nil
	case status >= http.StatusInternalServerError, len(c.Response().Header.Peek(fiber.HeaderRetryAfter)) > 0:
		// Not stored: a 5xx, or an answer that asks to retry later, is
		// not final, and a retry is processed afresh.
		return nil
	}
	body := append([]byte(nil), c.Response().Body()...)
	err := h.opts.Store.Update(c.UserContext(), func(tx store.Tx) error {
		return idempotency.Finish(tx, claim, status, body, h.now(), h.opts.Idempotency)
	})
	var answered *idempotency.AnsweredError
	switch {
	case errors.As(err, &answered):
		return replay(c, answered.Record)
	case errors.Is(err, idempotency.ErrTakenOver):
		// Another request took the key over: its answer will stand, and
		// this one is not stored.
		return nil
	case err != nil:
		h.opts.Logger.Error("store idempotent response", "error", err.Error())
	}
	return nil
}

// inFlight is the answer to a request whose key another request holds:
// 409 idempotency_in_flight, to retry after wait.
func inFlight(key string, wait time.Duration) *apierr.Error {
	e := apierr.New(http.StatusConflict, apierr.TypeInvalidRequest, apierr.CodeIdempotencyInFlight,
		"A request with Idempotency-Key %q is still being processed; retry after it finishes.", key)
	e.RetryAfterSeconds = max(int(math.Ceil(wait.Seconds())), 1)
	return e
}

// replay sends a stored response, byte for byte, marked as replayed.
func replay(c *fiber.Ctx, rec *model.IdempotencyRecord) error {
	c.Set("Idempotent-Replayed", "true")
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	return c.Status(rec.Status).Send(rec.Body)
}

// recorder is the checkout.Recorder of one keyed request: it stores the
// response, with the route's success status and the request's codec, as
// the key's record inside the engine's final transaction, and keeps the
// encoded body so that the response sent is byte for byte the one stored.
type recorder struct {
	h      *handlers
	claim  idempotency.Claim
	codec  acpwire.Codec
	status int
	// key is the request's Idempotency-Key header, for its answers.
	key string
	// body is the response stored, once the transaction has called Record,
	// and sess the session it encodes.
	body []byte
	sess *model.Session
}

// Record implements checkout.Recorder.
func (r *recorder) Record(tx store.Tx, sess *model.Session) error {
	r.body, r.sess = nil, nil
	body, err := r.codec.EncodeSession(sess)
	if err != nil {
		return err
	}
	if err := idempotency.Finish(tx, r.claim, r.status, body, r.h.now(), r.h.opts.Idempotency); err != nil {
		return err
	}
	r.body, r.sess = body, sess
	return nil
}

// RequestKey implements checkout.KeyedRecorder: the scoped key, a hash.
func (r *recorder) RequestKey() string { return r.claim.Key }

// RequestFingerprint implements checkout.KeyedRecorder: the body's
// fingerprint, as the key's idempotency record keeps it.
func (r *recorder) RequestFingerprint() string { return r.claim.Fingerprint }

// Conflict implements checkout.KeyedRecorder: the answer to the key
// reused with another body, as when its idempotency record says so.
func (r *recorder) Conflict() error { return idempotencyConflict(r.codec, r.key) }

// idempotencyConflict is ACP's answer to key reused with another body.
func idempotencyConflict(codec acpwire.Codec, key string) error {
	return apierr.New(codec.IdempotencyConflictStatus(), apierr.TypeInvalidRequest, apierr.CodeIdempotencyConflict,
		"Idempotency-Key %q was already used with a different request body.", key)
}

// fingerprint identifies a request body under an API version: the hex
// SHA-256 of the body's RFC 8785 canonical form, prefixed by the version,
// so that the same key and body sent under another version (whose response
// has another shape) is a conflict, not a replay. A body that is not JSON
// is fingerprinted as raw bytes, so that replaying it replays its error.
func fingerprint(version string, body []byte) string {
	if sum, err := canonicaljson.Fingerprint(body); err == nil {
		return version + ":" + hex.EncodeToString(sum[:])
	}
	sum := sha256.Sum256(body)
	return version + ":raw:" + hex.EncodeToString(sum[:])
}

func validIdempotencyKey(key string) bool {
	if key == "" || len(key) > idempotency.MaxKeyLength {
		return false
	}
	for i := 0; i < len(key); i++ {
		if key[i] < 0x20 || key[i] > 0x7e {
			return false
		}
	}
	return true
}
