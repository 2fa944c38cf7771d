package ucp

import (
	"context"
	"net/http"
)

// Call is one UCP request as an operation sees it, whatever the
// transport: the REST binding (core/ucpapi) and the MCP binding build it
// after authenticating the agent, negotiating with its platform and
// verifying its signature.
type Call struct {
	// Platform is the calling platform and what was negotiated with it.
	Platform *Platform
	// RequestID is the request's Request-Id.
	RequestID string
	// ID is the resource named in the path ({id}); empty when none.
	ID string
	// Body is the request body (JSON); empty for GET.
	Body []byte
}

// Operation serves one UCP operation that is not a checkout operation
// (catalog search, lookup and product, order retrieval): it returns the
// response's HTTP status and JSON body, or an error, a *Error for a
// protocol error, which the transport sends in its own shape. Anything
// else is a 500 whose cause is logged, never sent.
type Operation func(ctx context.Context, call *Call) (status int, body []byte, err error)

// The operations served, by their OpenAPI operation ids (which are also
// the MCP tool names).
const (
	OpCreateCheckout   = "create_checkout"
	OpGetCheckout      = "get_checkout"
	OpUpdateCheckout   = "update_checkout"
	OpCompleteCheckout = "complete_checkout"
	OpCancelCheckout   = "cancel_checkout"
	OpSearchCatalog    = "search_catalog"
	OpLookupCatalog    = "lookup_catalog"
	OpGetProduct       = "get_product"
	OpGetOrder         = "get_order"
)

// Negotiator resolves the platform profile a request names and
// negotiates with it (overview.md, "Negotiation Protocol"); package
// core/ucpprofile implements it.
type Negotiator interface {
	// Negotiate returns the platform for a request of agent whose
	// UCP-Agent header names profileURL: its profile read from acp.yaml
	// or fetched (only from the hosts acp.yaml allows the agent), and
	// the capabilities both sides support. Errors are *Error:
	// invalid_profile_url (400), profile_unreachable (424),
	// profile_malformed (422), version_unsupported (422), or a 403 when
	// the agent may not present that profile.
	Negotiate(ctx context.Context, agent, profileURL string) (*Platform, error)
}

// SignedRequest is what a request signature covers (RFC 9421): the
// request as received.
type SignedRequest struct {
	Method string
	// Authority is the Host header (or :authority), as sent.
	Authority string
	// Path is the request path, as sent; Query the query string
	// without its '?', empty when none.
	Path, Query string
	// Scheme is "https" or "http".
	Scheme string
	Header http.Header
	Body   []byte
}

// RequestVerifier checks a request's RFC 9421 signature with the keys of
// the platform's profile (signatures.md); package core/httpsig
// implements it.
type RequestVerifier interface {
	// Verify returns nil for a request signed by one of the platform's
	// signing keys, whose Content-Digest matches its body and whose
	// created and expires parameters are within bounds; else a *Error
	// (signature_missing, signature_invalid, key_not_found,
	// digest_mismatch, algorithm_unsupported).
	Verify(req *SignedRequest, platform *Platform) error
}
