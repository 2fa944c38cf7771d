package ucpwire

import (
	"encoding/json"
	"fmt"
	"net/url"
	"time"

	"github.com/acp-sidecar/acp/core/payment"
)

// Business is what every checkout response shows of the business.
type Business struct {
	// Handlers are the payment handlers offered over UCP, in advertising
	// order (ucp.payment_handlers).
	Handlers []payment.UCPHandler
	// Links are the business's policy links.
	Links []Link
	// ContinueURL returns the page where the buyer can finish checkout
	// session id on the business's own site, "" when there is none; nil
	// means none.
	ContinueURL func(sessionID string) string
	// Storefront is the business's home page: the continue_url of
	// answers that have no session (all items unavailable) and the last
	// resort of an escalation that names no page. Empty: none.
	Storefront string
}

// Link is one of the business's links (types/link.json).
type Link struct {
	// Type is a well-known type (privacy_policy, terms_of_service,
	// refund_policy, shipping_policy, faq) or the business's own.
	Type string
	// URL is the absolute URL.
	URL string
	// Title is the display text; required for types not well known.
	Title string
}

// Limits bound what one request may ask for, so that a request cannot
// make the engine do unbounded work or overflow money arithmetic.
type Limits struct {
	// MaxLineItems caps the line items of one session.
	MaxLineItems int
	// MaxQuantity caps the quantity of one line item.
	MaxQuantity int64
	// MaxFulfillmentMethods caps the fulfillment methods of one session,
	// each quoted on its own as a fulfillment group.
	MaxFulfillmentMethods int
}

// Codec decodes UCP checkout requests and encodes sessions for one
// business.
type Codec struct {
	business Business
	limits   Limits
	// handlers is the ucp.payment_handlers registry, encoded once.
	handlers json.RawMessage
}

// New returns the codec of business, with limits. It fails when a
// handler's configuration is not JSON.
func New(business Business, limits Limits) (*Codec, error) {
	handlers, err := json.Marshal(payment.UCPRegistry(business.Handlers))
	if err != nil {
		return nil, fmt.Errorf("ucp payment handlers: %w", err)
	}
	return &Codec{business: business, limits: limits, handlers: handlers}, nil
}

// rfc3339 is t as RFC 3339 in UTC, to the second.
func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// absoluteURI is s when it is an absolute URI, else "": the members the
// schemas type as URIs (images, permalinks, tracking URLs) are left out,
// or replaced, rather than making a response invalid.
func absoluteURI(s string) string {
	if u, err := url.Parse(s); err != nil || !u.IsAbs() {
		return ""
	}
	return s
}
