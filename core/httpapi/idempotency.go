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
	"github.com/acp-sidecar/acp/core/checkout"
	"github.com/acp-sidecar/acp/core/idempotency"
	"github.com/acp-sidecar/acp/core/internal/canonicaljson"
	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/store"
)

// change returns the handler of a state-changing ACP route whose engine
// call is call and whose success status is status: ACP's idempotency rules
// (ACP-NOTES §2.4) applied by idempotent with the request's codec.
func (h *handlers) change(status int, call engineCall) fiber.Handler {
	return func(c *fiber.Ctx) error {
		codec := codecOf(c)
		return h.idempotent(c, acpFlow(codec, status), func(rec checkout.Recorder) (*model.Session, error) {
			return call(c, codec, rec)
		})
	}
}

// acpFlow is the Flow of an ACP route under codec's version.
func acpFlow(codec acpwire.Codec, status int) *Flow {
	return &Flow{
		Version:     codec.Version(),
		Status:      status,
		KeyOptional: !codec.RequiresIdempotencyKey(),
		MissingKey: func() error {
			return apierr.Invalid(apierr.CodeIdempotencyKeyMissing, "",
				"An idempotency key of 1 to %d printable characters is required on every POST: the Idempotency-Key header (over MCP, meta.idempotency_key).", idempotency.MaxKeyLength)
		},
		Conflict: func(key string) error { return idempotencyConflict(codec, key) },
		Encode:   codec.EncodeSession,
	}
}

// Flow is how one protocol answers the state-changing requests of its
// routes: the checkout API's ACP routes and a mounted API's (UCP's REST
// binding) share the idempotent flow and differ only in these.
type Flow struct {
	// Version scopes the fingerprints of request bodies: the same key and
	// body sent under another version (whose answer has another shape)
	// is a conflict, not a replay.
	Version string
	// Status is the status of a successful answer.
	Status int
	// KeyOptional serves a request without an Idempotency-Key without
	// idempotency; otherwise the key is required.
	KeyOptional bool
	// MissingKey is the error answering a missing or malformed key.
	MissingKey func() error
	// Conflict is the error answering key reused with another body; its
	// apierr code must be apierr.CodeIdempotencyConflict.
	Conflict func(key string) error
	// Encode encodes the session answered.
	Encode func(*model.Session) ([]byte, error)
	// Rescue, when set, answers an error of the engine call with a body
	// of the protocol's own (a business outcome such as UCP's
	// error_response): ok false leaves it an error. A rescued answer is
	// stored as the key's record like any other final answer.
	Rescue func(err error) (status int, body []byte, ok bool)
}

// Call is the engine call of a state-changing request: it decodes the
// request and calls the engine, passing rec on. rec stores the response
// with the request's outcome, in the engine's own transaction; it is nil
// when the request carries no idempotency key.
type Call func(rec checkout.Recorder) (*model.Session, error)

// Idempotent serves a state-changing request of a mounted API (behind
// AgentsOnly or AgentKeys) exactly as the checkout API serves its own:
// call under flow's idempotency rules, keys scoped by agent and path.
func (a *API) Idempotent(c *fiber.Ctx, flow *Flow, call Call) error {
	return a.h.idempotent(c, flow, call)
}

// idempotent applies the idempotency rules (ACP-NOTES §2.4; UCP's
// Idempotency-Key is the same contract) to a state-changing request: it
// claims the key scoped by agent and path, replays a stored response for
// the same body, refuses a different body or a request still in flight,
// and stores the response: a success inside the engine's own transaction,
// through the recorder handed to call, so that the change and its record
// commit together; an error afterwards. 5xx responses, and answers that
// ask to retry later, are never stored.
func (h *handlers) idempotent(c *fiber.Ctx, flow *Flow, call Call) error {
	key := c.Get("Idempotency-Key")
	if key == "" && flow.KeyOptional {
		sess, err := call(nil)
		if err != nil {
			return h.rescue(c, flow, err)
		}
		return writeSession(c, flow.Encode, flow.Status, sess, nil)
	}
	if !validIdempotencyKey(key) {
		return flow.MissingKey()
	}
	claim, err := idempotency.Begin(c.UserContext(), h.opts.Store, idempotency.ScopedKey(agentOf(c), c.Path(), key), fingerprint(flow.Version, body(c)), h.now(), h.opts.Idempotency)
	if err != nil {
		return err
	}
	switch claim.Outcome {
	case idempotency.Replay:
		return replay(c, claim.Record)
	case idempotency.Conflict:
		return flow.Conflict(key)
	case idempotency.InFlight:
		return inFlight(key, claim.RetryAfter)
	}

	// The lease is released however the request ends, a panic
	// included, and only after its record is stored.
	defer idempotency.End(c.UserContext(), claim)
	rec := &recorder{h: h, claim: claim, flow: flow, key: key}
	sess, err := call(rec)
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
		err = writeSession(c, flow.Encode, flow.Status, sess, rec.body)
	}
	if err != nil {
		var answered *idempotency.AnsweredError
		if errors.As(err, &answered) {
			// Another request with this key won; its answer stands.
			return replay(c, answered.Record)
		}
		if herr := h.rescue(c, flow, err); herr != nil {
			if herr = h.errorHandler(c, herr); herr != nil {
				return herr
			}
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

// rescue writes flow's own answer to err when it has one, and returns
// err otherwise.
func (h *handlers) rescue(c *fiber.Ctx, flow *Flow, err error) error {
	if flow.Rescue == nil {
		return err
	}
	status, body, ok := flow.Rescue(err)
	if !ok {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	return c.Status(status).Send(body)
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
// response, with the flow's success status and encoding, as the key's
// record inside the engine's final transaction, and keeps the encoded
// body so that the response sent is byte for byte the one stored.
type recorder struct {
	h     *handlers
	claim idempotency.Claim
	flow  *Flow
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
	body, err := r.flow.Encode(sess)
	if err != nil {
		return err
	}
	if err := idempotency.Finish(tx, r.claim, r.flow.Status, body, r.h.now(), r.h.opts.Idempotency); err != nil {
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
func (r *recorder) Conflict() error { return r.flow.Conflict(r.key) }

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
