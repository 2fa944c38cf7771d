package ucpmcp

import (
	"net/http"
	"strings"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/acp-sidecar/acp/core/ucp"
)

// Payload members: the argument carrying a tool's request body.
const (
	payloadCheckout = "checkout"
	payloadCatalog  = "catalog"
)

// tool is one of the binding's tools (mcp.openrpc.json's methods) and the
// REST request it stands for.
type tool struct {
	name, title, description string
	method                   string
	// path is the REST path below the binding's base; an "{id}" in it
	// is the id argument.
	path string
	// payload names the argument that becomes the request body; "" for
	// none.
	payload string
	// keyRequired makes meta["idempotency-key"] mandatory (complete and
	// cancel, checkout-mcp.md).
	keyRequired bool
	readOnly    bool
	// idempotent: calling again with the same arguments changes nothing
	// more (create makes a new checkout without an idempotency key).
	idempotent bool
}

// needsID reports whether the tool takes an id argument.
func (t tool) needsID() bool { return strings.Contains(t.path, idParam) }

// idParam stands for the id argument in a tool's path.
const idParam = "{id}"

// tools are the binding's tools, in mcp.openrpc.json's order (carts are
// not offered).
var tools = []tool{
	{name: ucp.OpCreateCheckout, title: "Create checkout", method: http.MethodPost, path: "/checkout-sessions", payload: payloadCheckout,
		description: "Create a checkout session from line items, currency and optional buyer, fulfillment and discount data. Returns the checkout."},
	{name: ucp.OpGetCheckout, title: "Get checkout", method: http.MethodGet, path: "/checkout-sessions/{id}", readOnly: true, idempotent: true,
		description: "Return the current state of a checkout session."},
	{name: ucp.OpUpdateCheckout, title: "Update checkout", method: http.MethodPut, path: "/checkout-sessions/{id}", payload: payloadCheckout, idempotent: true,
		description: "Replace a checkout session's buyer, line items, fulfillment and discounts with those given. Returns the checkout."},
	{name: ucp.OpCompleteCheckout, title: "Complete checkout", method: http.MethodPost, path: "/checkout-sessions/{id}/complete", payload: payloadCheckout,
		keyRequired: true, idempotent: true,
		description: "Pay for a checkout session with checkout.payment and place the order. meta[\"idempotency-key\"] is required."},
	{name: ucp.OpCancelCheckout, title: "Cancel checkout", method: http.MethodPost, path: "/checkout-sessions/{id}/cancel", keyRequired: true, idempotent: true,
		description: "Cancel a checkout session. meta[\"idempotency-key\"] is required."},
	{name: ucp.OpSearchCatalog, title: "Search catalog", method: http.MethodPost, path: "/catalog/search", payload: payloadCatalog, readOnly: true, idempotent: true,
		description: "Search the catalog's products by query, filters and context, a page at a time."},
	{name: ucp.OpLookupCatalog, title: "Look up catalog", method: http.MethodPost, path: "/catalog/lookup", payload: payloadCatalog, readOnly: true, idempotent: true,
		description: "Look up products or variants by their identifiers."},
	{name: ucp.OpGetOrder, title: "Get order", method: http.MethodGet, path: "/orders/{id}", readOnly: true, idempotent: true,
		description: "Return the current state of an order."},
	{name: ucp.OpGetProduct, title: "Get product", method: http.MethodPost, path: "/catalog/product", payload: payloadCatalog, readOnly: true, idempotent: true,
		description: "Return one product in full, with its options and the variants matching the options selected."},
}

// inputSchema is the tool's arguments as mcp.openrpc.json gives its
// params: meta, and id and the payload where the tool takes them, all
// required. The payload's own schema is the UCP schema it names: the REST
// binding validates it.
func (t tool) inputSchema() *jsonschema.Schema {
	s := &jsonschema.Schema{
		Type:       "object",
		Properties: map[string]*jsonschema.Schema{"meta": metaSchema(t.keyRequired)},
		Required:   []string{"meta"},
	}
	if t.needsID() {
		s.Properties["id"] = &jsonschema.Schema{Type: "string", Description: "The id of the " + t.resource() + "."}
		s.Required = append(s.Required, "id")
	}
	if t.payload != "" {
		s.Properties[t.payload] = &jsonschema.Schema{Type: "object", Description: payloadDescriptions[t.name]}
		s.Required = append(s.Required, t.payload)
	}
	return s
}

// resource names what the tool's id identifies.
func (t tool) resource() string {
	if strings.HasPrefix(t.path, "/orders/") {
		return "order"
	}
	return "checkout session"
}

// payloadDescriptions say which UCP schema each payload follows.
var payloadDescriptions = map[string]string{
	ucp.OpCreateCheckout:   "The checkout to create (UCP schema shopping/checkout.json, as for create requests), without an id.",
	ucp.OpUpdateCheckout:   "The checkout's new state (UCP schema shopping/checkout.json, as for update requests), without an id.",
	ucp.OpCompleteCheckout: "The payment and other data completing the checkout (UCP schema shopping/checkout.json, as for complete requests).",
	ucp.OpSearchCatalog:    "The search request (UCP schema shopping/catalog_search.json#/$defs/search_request).",
	ucp.OpLookupCatalog:    "The lookup request (UCP schema shopping/catalog_lookup.json#/$defs/lookup_request).",
	ucp.OpGetProduct:       "The product request (UCP schema shopping/catalog_lookup.json#/$defs/get_product_request).",
}

// metaSchema is mcp.openrpc.json's meta: the platform's profile, and the
// idempotency key where required.
func metaSchema(keyRequired bool) *jsonschema.Schema {
	s := &jsonschema.Schema{
		Type:        "object",
		Description: "Request metadata.",
		Properties: map[string]*jsonschema.Schema{
			metaAgent: {
				Type:        "object",
				Description: "The platform: stands for the UCP-Agent header.",
				Properties: map[string]*jsonschema.Schema{
					"profile": {Type: "string", Format: "uri", Description: "The URL of the platform's UCP profile."},
				},
				Required: []string{"profile"},
			},
			metaIdempotencyKey: {Type: "string", Format: "uuid", Description: "Makes the call safe to retry: stands for the Idempotency-Key header."},
		},
		Required: []string{metaAgent},
	}
	if keyRequired {
		s.Required = append(s.Required, metaIdempotencyKey)
	}
	return s
}

// The meta members the binding reads.
const (
	metaAgent          = "ucp-agent"
	metaIdempotencyKey = "idempotency-key"
)

// outputSchema is every tool's structuredContent: a UCP response, which
// always carries the ucp envelope (overview.md, "Business Requirements"):
// the resource, or an error_response with messages.
func outputSchema() *jsonschema.Schema {
	return &jsonschema.Schema{
		Type:        "object",
		Description: "The UCP response: the resource the tool returns, or an error_response (ucp.status \"error\" and messages).",
		Properties: map[string]*jsonschema.Schema{
			"ucp":      {Type: "object", Description: "The UCP envelope: version, status and the capabilities in effect."},
			"messages": {Type: "array", Items: &jsonschema.Schema{Type: "object"}, Description: "Messages about the outcome."},
		},
		Required: []string{"ucp"},
	}
}

// annotations are the tool's hints.
func (t tool) annotations() *mcp.ToolAnnotations {
	closed := false
	return &mcp.ToolAnnotations{ReadOnlyHint: t.readOnly, IdempotentHint: t.idempotent, OpenWorldHint: &closed}
}
