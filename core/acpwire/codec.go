package acpwire

import (
	"github.com/acp-sidecar/acp/core/checkout"
	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/payment"
)

// API versions served by this build.
const (
	V20260417 = "2026-04-17"
	V20260130 = "2026-01-30"
)

// Codec decodes requests into engine inputs and encodes sessions for one
// API version. Decode errors are *apierr.Error values with a JSONPath
// param.
type Codec interface {
	// Version is the API version, YYYY-MM-DD.
	Version() string
	// DecodeCreate decodes a create request body.
	DecodeCreate(body []byte) (checkout.CreateInput, error)
	// DecodeUpdate decodes an update request body.
	DecodeUpdate(body []byte) (checkout.UpdateInput, error)
	// DecodeComplete decodes a complete request body.
	DecodeComplete(body []byte) (checkout.CompleteInput, error)
	// DecodeCancel decodes a cancel request body, which may be empty.
	DecodeCancel(body []byte) (checkout.CancelInput, error)
	// EncodeSession encodes the authoritative session.
	EncodeSession(s *model.Session) ([]byte, error)
	// RequiresIdempotencyKey reports whether every POST must carry an
	// Idempotency-Key (REQUIRED since 2026-04-17, RECOMMENDED before).
	RequiresIdempotencyKey() bool
	// IdempotencyConflictStatus is the HTTP status for a key reused with
	// another body: 422 since 2026-04-17, 409 before.
	IdempotencyConflictStatus() int
	// ErrorParam rewrites the JSONPath of an engine error, written against
	// the 2026 request and session shapes, into this version's shapes; ""
	// when the version has no such field.
	ErrorParam(param string) string
}

// Seller is what every response shows of the seller.
type Seller struct {
	// Handlers are the payment handlers, in advertising order.
	Handlers []payment.Descriptor
	// Links are the seller's policy links.
	Links []Link
	// ConsentOptions are the marketing channels the seller offers
	// (marketing_consent_options, since 2026-04-17).
	ConsentOptions []ConsentOption
}

// ConsentOption is one marketing channel offered to the buyer.
type ConsentOption struct {
	// Channel is e.g. "email", "sms" or "whatsapp".
	Channel string
	// DisplayText says what the buyer consents to receive.
	DisplayText string
	// PrivacyPolicyURL is the seller's policy for the contact's use.
	PrivacyPolicyURL string
}

// Link is a seller policy link.
type Link struct {
	// Type is an ACP link type, e.g. "terms_of_use".
	Type string
	// URL is the absolute URL.
	URL string
}

// Limits bound what one request may ask for, so that a request cannot make
// the engine do unbounded work or overflow money arithmetic.
type Limits struct {
	// MaxLineItems caps the line items of one session.
	MaxLineItems int
	// MaxQuantity caps the quantity of one line item.
	MaxQuantity int64
	// MaxFulfillmentGroups caps the fulfillment groups of one session,
	// each quoted on its own.
	MaxFulfillmentGroups int
}

// DefaultLimits are the limits used when none are configured.
var DefaultLimits = Limits{MaxLineItems: 100, MaxQuantity: 100_000, MaxFulfillmentGroups: 16}

// Versions returns the versions this build serves, newest first.
func Versions() []string {
	return []string{V20260417, V20260130, V20260116, V20251212, V20250929}
}

// New returns the codec for version, or false when it is not served.
func New(version string, seller Seller, limits Limits) (Codec, bool) {
	switch version {
	case V20260417:
		return noticing{newV2026(version, seller, limits, false)}, true
	case V20260130:
		return noticing{newV2026(version, seller, limits, true)}, true
	case V20260116, V20251212, V20250929:
		return noticing{newLegacy(version, seller, limits)}, true
	}
	return nil, false
}
