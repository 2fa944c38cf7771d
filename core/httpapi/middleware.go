package httpapi

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/acp-sidecar/acp/core/apierr"
)

// authenticator checks bearer tokens in constant time. Tokens are compared
// as SHA-256 digests so that neither their content nor their length leaks
// through timing, and every agent is compared on every request.
type authenticator struct {
	agents []agentDigest
}

type agentDigest struct {
	name   string
	digest [sha256.Size]byte
}

func newAuthenticator(agents []Agent) *authenticator {
	a := &authenticator{}
	for _, ag := range agents {
		a.agents = append(a.agents, agentDigest{name: ag.Name, digest: sha256.Sum256([]byte(ag.Token))})
	}
	return a
}

// agentFor returns the name of the agent owning token, or "".
func (a *authenticator) agentFor(token string) string {
	presented := sha256.Sum256([]byte(token))
	match := ""
	for _, ag := range a.agents {
		if subtle.ConstantTimeCompare(presented[:], ag.digest[:]) == 1 {
			match = ag.name
		}
	}
	return match
}

func (h *handlers) authenticate(c *fiber.Ctx) error {
	header := c.Get(fiber.HeaderAuthorization)
	scheme, token, ok := strings.Cut(header, " ")
	agent := ""
	if ok && strings.EqualFold(scheme, "Bearer") && token != "" {
		agent = h.auth.agentFor(strings.TrimSpace(token))
	}
	if agent == "" {
		c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="acp"`)
		return apierr.New(http.StatusUnauthorized, apierr.TypeInvalidRequest, apierr.CodeUnauthorized,
			"A valid bearer token is required in the Authorization header.")
	}
	c.Locals(localAgent, agent)
	return c.Next()
}

func (h *handlers) negotiateVersion(c *fiber.Ctx) error {
	version := strings.TrimSpace(c.Get("API-Version"))
	if version == "" {
		e := apierr.Invalid(apierr.CodeMissingAPIVersion, "", "The API-Version header is required.")
		e.SupportedVersions = h.opts.Versions
		return e
	}
	codec, ok := h.opts.Codecs[version]
	if !ok {
		e := apierr.Invalid(apierr.CodeUnsupportedAPIVersion, "", "API version %q is not supported; use one of %s.", version, strings.Join(h.opts.Versions, ", "))
		e.SupportedVersions = h.opts.Versions
		return e
	}
	c.Locals(localCodec, codec)
	if c.Method() == fiber.MethodPost {
		if key := c.Get("Idempotency-Key"); key != "" {
			c.Set("Idempotency-Key", key)
		}
		if len(c.Body()) > 0 && !isJSON(c.Get(fiber.HeaderContentType)) {
			return apierr.New(http.StatusUnsupportedMediaType, apierr.TypeInvalidRequest, apierr.CodeUnsupportedMediaType,
				"Request bodies must be JSON (Content-Type: application/json).")
		}
	}
	return c.Next()
}

// isJSON accepts a missing Content-Type (several agents omit it on update
// and cancel) and any JSON media type.
func isJSON(contentType string) bool {
	if contentType == "" {
		return true
	}
	media, _, _ := strings.Cut(contentType, ";")
	media = strings.ToLower(strings.TrimSpace(media))
	return media == fiber.MIMEApplicationJSON || strings.HasSuffix(media, "+json")
}

// logRequests writes one JSON line per request. It logs no body, token,
// email, address or payment data.
func (h *handlers) logRequests(c *fiber.Ctx) error {
	start := time.Now()
	if id := c.Get("Request-Id"); id != "" {
		c.Set("Request-Id", id)
	}
	err := c.Next()
	if err != nil {
		if herr := h.errorHandler(c, err); herr != nil {
			h.opts.Logger.Error("write error response", "error", herr.Error())
		}
	}
	attrs := []any{
		"method", c.Method(),
		"route", c.Route().Path,
		"status", c.Response().StatusCode(),
		"duration_ms", float64(time.Since(start).Microseconds()) / 1000,
	}
	if agent, ok := c.Locals(localAgent).(string); ok {
		attrs = append(attrs, "agent", agent)
	}
	if id := c.Get("Request-Id"); id != "" {
		attrs = append(attrs, "request_id", truncate(id, 128))
	}
	if codec, ok := c.Locals(localCodec).(interface{ Version() string }); ok {
		attrs = append(attrs, "api_version", codec.Version())
	}
	if id, ok := c.Locals(localSessionID).(string); ok {
		attrs = append(attrs, "session_id", id)
	}
	h.opts.Logger.Info("request", attrs...)
	return nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

func itoa(n int) string { return strconv.Itoa(n) }

// versionsNewestFirst sorts versions for supported_versions.
func versionsNewestFirst(versions []string) []string {
	out := slices.Clone(versions)
	slices.Sort(out)
	slices.Reverse(out)
	return out
}
