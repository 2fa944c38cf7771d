package ucp

import "context"

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
