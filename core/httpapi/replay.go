package httpapi

import (
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/acp-sidecar/acp/core/apierr"
	"github.com/acp-sidecar/acp/core/signature"
)

// Locals of replay protection.
const (
	// localInProcess marks a request dispatched in process (see
	// dispatcher); a network request cannot set it.
	localInProcess = "acp.in_process"
	// localReplay holds the replayGuard of a verified keyless request.
	localReplay = "acp.replay"
)

// replayGuard is what refuseReplays remembers of a verified signature.
type replayGuard struct {
	key string
	ttl time.Duration
}

// signedIdempotencyKey is the Idempotency-Key the agent signed: the
// header's, or none when the MCP binding minted the header's value after
// the agent signed (signature.HeaderMintedKey, honoured in process only).
func signedIdempotencyKey(c *fiber.Ctx) string {
	if inProcess, _ := c.Locals(localInProcess).(bool); inProcess && c.Get(signature.HeaderMintedKey) != "" {
		return ""
	}
	return c.Get("Idempotency-Key")
}

// noteSignature keeps what refuseReplays needs of a verified signature
// that covers no idempotency key.
func (h *handlers) noteSignature(c *fiber.Ctx, v *signature.Verifier, signed signature.Request) {
	if signed.IdempotencyKey != "" || c.Method() != fiber.MethodPost {
		return
	}
	key, ok := signature.ReplayKey(agentOf(c), c.Get(signature.HeaderSignature))
	if !ok {
		return
	}
	c.Locals(localReplay, replayGuard{key: key, ttl: v.ReplayWindow(signed.Timestamp, h.now())})
}

// refuseReplays refuses a signed POST whose signature covers no
// idempotency key when that signature was seen before within its skew
// window: 409 request_replayed. Such a request is allowed only where the
// version makes the key optional (or the MCP binding minted one), and
// without a key nothing else stops a captured request from being sent
// again. The signature is remembered in the store, so the refusal holds
// across every server sharing it.
func (h *handlers) refuseReplays(c *fiber.Ctx) error {
	guard, ok := c.Locals(localReplay).(replayGuard)
	if !ok {
		return c.Next()
	}
	if c.Get("Idempotency-Key") == "" && codecOf(c).RequiresIdempotencyKey() {
		// Refused for its missing key anyway; nothing to remember.
		return c.Next()
	}
	first, err := h.opts.Store.FirstUse(c.UserContext(), "signature/"+guard.key, guard.ttl)
	if err != nil {
		return apierr.Unavailable(apierr.CodeUpstreamUnavailable, err, "The request could not be checked for replays; retry shortly.")
	}
	if !first {
		return apierr.New(http.StatusConflict, apierr.TypeInvalidRequest, apierr.CodeRequestReplayed,
			"This signed request was already received. Send an Idempotency-Key to make retries safe, or sign a new request with a new Timestamp.")
	}
	return c.Next()
}
