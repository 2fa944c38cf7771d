package mcpapi

import (
	"fmt"
	"net/http"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/acp-sidecar/acp/core/acpwire"
	"github.com/acp-sidecar/acp/core/idempotency"
)

// tool is one of the binding's five tools and the REST call it stands for.
type tool struct {
	name, title, description string
	// op names the request body schema (acpwire.Op*); "" for none.
	op     string
	method string
	// suffix follows /checkout_sessions/{id} in the REST path.
	suffix       string
	needsID      bool
	needsPayload bool
	// keyRequired makes meta.idempotency_key mandatory: completing is
	// where a replayed call must never charge twice.
	keyRequired bool
	readOnly    bool
}

// tools are the binding's five tools, in its order.
var tools = []tool{
	{name: "create_checkout_session", title: "Create checkout session", op: acpwire.OpCreate, method: http.MethodPost, needsPayload: true,
		description: "Create a checkout session from line items, currency and the agent's capabilities. Returns the authoritative session."},
	{name: "get_checkout_session", title: "Get checkout session", method: http.MethodGet, needsID: true, readOnly: true,
		description: "Return the current state of a checkout session."},
	{name: "update_checkout_session", title: "Update checkout session", op: acpwire.OpUpdate, method: http.MethodPost, needsID: true, needsPayload: true,
		description: "Update a checkout session: buyer, line items (replacing them), fulfillment details, selected fulfillment options. Absent members stay as they are; null clears."},
	{name: "complete_checkout_session", title: "Complete checkout session", op: acpwire.OpComplete, method: http.MethodPost, suffix: "/complete", needsID: true, needsPayload: true, keyRequired: true,
		description: "Pay for a checkout session with payment_data and create the order. meta.idempotency_key is required."},
	{name: "cancel_checkout_session", title: "Cancel checkout session", op: acpwire.OpCancel, method: http.MethodPost, suffix: "/cancel", needsID: true,
		description: "Cancel a checkout session, optionally with an intent_trace saying why."},
}

// path is the REST path of the call.
func (t tool) path(id string) string {
	if !t.needsID {
		return "/checkout_sessions"
	}
	return "/checkout_sessions/" + id + t.suffix
}

// annotations: every tool but create is idempotent on its arguments
// (create without an idempotency key makes a new session each time).
func (t tool) annotations() *mcp.ToolAnnotations {
	return &mcp.ToolAnnotations{ReadOnlyHint: t.readOnly, IdempotentHint: t.op != acpwire.OpCreate, OpenWorldHint: boolPtr(false)}
}

func boolPtr(b bool) *bool { return &b }

// inputSchema is the tool's arguments: meta, and id and payload where the
// tool takes them.
func (t tool) inputSchema(payload *jsonschema.Schema) *jsonschema.Schema {
	s := &jsonschema.Schema{
		Type:       "object",
		Properties: map[string]*jsonschema.Schema{"meta": metaSchema(t.keyRequired)},
		Required:   []string{"meta"},
	}
	if t.needsID {
		s.Properties["id"] = &jsonschema.Schema{Type: "string", Description: "The checkout session id."}
		s.Required = append(s.Required, "id")
	}
	if payload != nil {
		s.Properties["payload"] = payload
		if t.needsPayload {
			s.Required = append(s.Required, "payload")
		}
	}
	return s
}

// metaSchema describes the binding's meta argument.
func metaSchema(keyRequired bool) *jsonschema.Schema {
	str := func(desc string) *jsonschema.Schema { return &jsonschema.Schema{Type: "string", Description: desc} }
	one, max := 1, idempotency.MaxKeyLength
	s := &jsonschema.Schema{
		Type: "object",
		Properties: map[string]*jsonschema.Schema{
			"api_version":     {Type: "string", Pattern: `^\d{4}-\d{2}-\d{2}$`, Description: "The ACP API version, as the API-Version header."},
			"idempotency_key": {Type: "string", MinLength: &one, MaxLength: &max, Description: "As the Idempotency-Key header."},
			"request_id":      str("As the Request-Id header."),
			"user_agent":      str("As the User-Agent header."),
			"accept_language": str("As the Accept-Language header."),
			"signature":       str("As the Signature header: a signature of the equivalent REST request."),
			"timestamp":       str("As the Timestamp header."),
		},
		Required: []string{"api_version"},
	}
	if keyRequired {
		s.Required = append(s.Required, "idempotency_key")
	}
	return s
}

// payloadSchemas are the request body schemas, generated from the codec's
// own request types.
func payloadSchemas() (map[string]*jsonschema.Schema, error) {
	schemas, err := acpwire.RequestSchemas()
	if err != nil {
		return nil, fmt.Errorf("mcp tool schemas: %w", err)
	}
	return schemas, nil
}

// outputSchema describes every tool's structuredContent under every API
// version the server answers in: the REST answer itself, which is a
// checkout session (with its order once completed) or, in a result with
// isError, ACP's flat Error. It is the server's own schema, not a copy of
// a version's: it requires the members every version's CheckoutSession
// (and Error) requires and types them loosely, so that it holds for the
// session shapes of 2025-09-29 to 2026-04-17 alike. Because a client may
// check structuredContent against it whether or not isError is set, the
// error shape is part of it. Its top-level properties are those of both
// shapes (none required, as each shape's own requirements are in its
// branch), for clients that read only a schema's top-level properties.
func outputSchema() *jsonschema.Schema {
	str := func(desc string) *jsonschema.Schema { return &jsonschema.Schema{Type: "string", Description: desc} }
	list := func(desc string) *jsonschema.Schema {
		return &jsonschema.Schema{Type: "array", Items: &jsonschema.Schema{Type: "object"}, Description: desc}
	}
	session := &jsonschema.Schema{
		Title:       "CheckoutSession",
		Description: "The checkout session in the shape of the API version asked for; completed sessions carry their order.",
		Type:        "object",
		Properties: map[string]*jsonschema.Schema{
			"id":                  str("The checkout session id."),
			"status":              str("The session's status."),
			"currency":            str("ISO 4217 code, lowercase."),
			"line_items":          list("The line items."),
			"fulfillment_options": list("The fulfillment options."),
			"totals":              list("The session's totals, in minor units."),
			"messages":            list("Messages about the session: info, warnings and errors."),
			"links":               list("The seller's policy links."),
			"capabilities":        {Type: "object", Description: "The negotiated capabilities (since 2026-01-30)."},
			"order":               {Type: "object", Description: "The order, once the session is completed."},
		},
		Required: []string{"id", "status", "currency", "line_items", "fulfillment_options", "totals", "messages", "links"},
	}
	acpError := &jsonschema.Schema{
		Title:       "Error",
		Description: "ACP's flat error, the structuredContent of a result with isError.",
		Type:        "object",
		Properties: map[string]*jsonschema.Schema{
			"type":    str("The error type, such as invalid_request."),
			"code":    str("The error code, such as missing."),
			"message": str("What went wrong, for people."),
			"param":   str("The JSONPath of the offending request member, when there is one."),
		},
		Required: []string{"type", "code", "message"},
	}
	properties := map[string]*jsonschema.Schema{}
	for _, shape := range []*jsonschema.Schema{session, acpError} {
		for name, p := range shape.Properties {
			properties[name] = p.CloneSchemas() // a schema is a tree: no node twice
		}
	}
	return &jsonschema.Schema{
		Type:        "object",
		Description: "The REST answer of the call: a checkout session, or an ACP error when isError is set.",
		Properties:  properties,
		AnyOf:       []*jsonschema.Schema{session, acpError},
	}
}
