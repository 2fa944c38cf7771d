package ucp

import (
	"encoding/json"
	"net/http"
	"strings"
)

// Version is the UCP release this build serves.
const Version = "2026-04-08"

// APIVersionPrefix marks the API version recorded on sessions and orders
// made over UCP ("ucp/2026-04-08"), so that they, their idempotency
// records and their order events are told apart from ACP's, whose
// versions are bare dates.
const APIVersionPrefix = "ucp/"

// APIVersion is the API version recorded on sessions and orders made
// over UCP release v.
func APIVersion(v string) string { return APIVersionPrefix + v }

// IsAPIVersion reports whether an API version recorded on a session or
// an order is UCP's, and returns the UCP release it names.
func IsAPIVersion(apiVersion string) (release string, ok bool) {
	return strings.CutPrefix(apiVersion, APIVersionPrefix)
}

// The service and capability names of the UCP release served.
const (
	// ServiceShopping is the shopping service.
	ServiceShopping = "dev.ucp.shopping"
	// CapCheckout is the checkout capability.
	CapCheckout = "dev.ucp.shopping.checkout"
	// CapFulfillment extends checkout with fulfillment methods,
	// destinations and groups.
	CapFulfillment = "dev.ucp.shopping.fulfillment"
	// CapDiscount extends checkout with discount codes.
	CapDiscount = "dev.ucp.shopping.discount"
	// CapOrder is the order capability: GET /orders/{id} and order
	// webhooks.
	CapOrder = "dev.ucp.shopping.order"
	// CapCatalogSearch is catalog search.
	CapCatalogSearch = "dev.ucp.shopping.catalog.search"
	// CapCatalogLookup is catalog lookup and product details.
	CapCatalogLookup = "dev.ucp.shopping.catalog.lookup"
)

// The request headers UCP defines.
const (
	// HeaderAgent carries the platform's profile URL as an RFC 8941
	// dictionary: profile="https://…".
	HeaderAgent = "UCP-Agent"
	// HeaderRequestID traces a request; required on every request.
	HeaderRequestID = "Request-Id"
	// HeaderIdempotencyKey makes a state-changing request safe to retry.
	HeaderIdempotencyKey = "Idempotency-Key"
)

// Platform is what a request established about the platform calling:
// the profile it named and what was negotiated with it. It is the same
// for every request of one platform while its profile is cached.
type Platform struct {
	// Agent is the agent in acp.yaml the request authenticated as.
	Agent string
	// Profile is the platform's profile URL, from UCP-Agent.
	Profile string
	// Version is the UCP release negotiated.
	Version string
	// Capabilities are the negotiated capabilities: name to version.
	Capabilities map[string]string
	// OrderWebhookURL is where the platform wants order events: its
	// order capability's config.webhook_url, checked against the same
	// address rules as configured webhook URLs; empty when it gave none
	// or the order capability was not negotiated.
	OrderWebhookURL string
	// SigningKeys are the platform's public keys (its profile's
	// signing_keys, JWK JSON), for verifying its request signatures.
	SigningKeys []json.RawMessage
}

// Has reports whether capability name was negotiated.
func (p *Platform) Has(name string) bool {
	if p == nil {
		return false
	}
	_, ok := p.Capabilities[name]
	return ok
}

// Error is a UCP protocol error: a request refused before any business
// outcome (authentication, discovery, negotiation, signatures, limits,
// idempotency, malformed input). REST sends it as its Status with the
// JSON body {"code","content","continue_url"}; MCP as a JSON-RPC error
// with MCPCode and the same object as data.
type Error struct {
	// Status is the HTTP status.
	Status int `json:"-"`
	// Code is the machine-readable code (e.g. "profile_unreachable").
	Code string `json:"code"`
	// Content is the human-readable explanation.
	Content string `json:"content"`
	// ContinueURL is a page where the buyer can go on without the agent.
	ContinueURL string `json:"continue_url,omitempty"`
	// RetryAfterSeconds, when positive, is sent as Retry-After.
	RetryAfterSeconds int `json:"-"`
	// Cause is the underlying failure, for logs only; never sent.
	Cause error `json:"-"`
}

// Error implements error.
func (e *Error) Error() string { return e.Code + ": " + e.Content }

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Cause }

// JSON returns the error's body.
func (e *Error) JSON() []byte {
	b, _ := json.Marshal(e) // strings only: cannot fail
	return b
}

// MCPCode is the JSON-RPC error code of the error over MCP (overview.md,
// "Error Codes"): -32001 for discovery and version failures, -32600 for
// malformed signatures and digests, -32603 for server errors, -32000 for
// the other protocol errors.
func (e *Error) MCPCode() int {
	switch e.Code {
	case CodeInvalidProfileURL, CodeProfileUnreachable, CodeProfileMalformed, CodeVersionUnsupported:
		return -32001
	case CodeDigestMismatch, CodeAlgorithmUnsupported:
		return -32600
	}
	if e.Status >= http.StatusInternalServerError && e.Status != http.StatusServiceUnavailable {
		return -32603
	}
	return -32000
}

// The protocol error codes of overview.md ("Negotiation Errors",
// "Signature Errors").
const (
	CodeInvalidProfileURL        = "invalid_profile_url"
	CodeProfileUnreachable       = "profile_unreachable"
	CodeProfileMalformed         = "profile_malformed"
	CodeVersionUnsupported       = "version_unsupported"
	CodeCapabilitiesIncompatible = "capabilities_incompatible"
	CodeSignatureMissing         = "signature_missing"
	CodeSignatureInvalid         = "signature_invalid"
	CodeKeyNotFound              = "key_not_found"
	CodeDigestMismatch           = "digest_mismatch"
	CodeAlgorithmUnsupported     = "algorithm_unsupported"
)

// NewError returns a protocol error.
func NewError(status int, code, content string) *Error {
	return &Error{Status: status, Code: code, Content: content}
}
