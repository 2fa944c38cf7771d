package checkout

import (
	"encoding/json"

	"github.com/acp-sidecar/acp/core/internal/optional"
	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/sdk/acp"
)

// ItemInput is one requested item.
type ItemInput struct {
	// ID is the ACP item id.
	ID string
	// Quantity is at least 1 (codecs default it to 1).
	Quantity int64
}

// SelectionInput is one requested fulfillment option selection.
type SelectionInput struct {
	// Type is the option's fulfillment type.
	Type acp.FulfillmentType
	// OptionID names a current fulfillment option.
	OptionID string
	// ItemIDs are line item ids (or item ids) the option should carry;
	// empty means every line the option can carry.
	ItemIDs []string
}

// GroupInput is one requested fulfillment group (ACP 2026-01-30 and
// later).
type GroupInput struct {
	// ID is the agent's id for the group, unique in the request and
	// without "/" (the group's options are named "<id>/<option id>").
	ID string
	// ItemIDs name the group's lines: line item ids or, leniently, item
	// ids. The engine resolves them against the cart.
	ItemIDs []string
	// Type is how the group is fulfilled (ACP's destination_type).
	Type acp.FulfillmentType
	// Details are the group's contact and address; the session's
	// fulfillment details stand in when absent.
	Details *model.FulfillmentDetails
	// LocationID is the agent's pick of a pickup or local delivery
	// location, passed to the shipping provider (which may offer only
	// that location's option) and to the order system.
	LocationID string
	// Instructions are the buyer's notes for the group's fulfillment,
	// passed to the shipping provider and to the order system.
	Instructions string
}

// CreateInput is a decoded create request.
type CreateInput struct {
	// UCP is what was negotiated with the UCP platform creating the
	// session; nil over ACP.
	UCP   *model.UCPContext
	Items []ItemInput
	// Currency is the requested ISO 4217 code; empty means the seller's
	// (API versions before 2026-01-30 carry none).
	Currency           string
	Buyer              *model.Buyer
	FulfillmentDetails *model.FulfillmentDetails
	// Groups split the checkout into fulfillment groups; lines in none
	// are fulfilled as an unsplit checkout.
	Groups []GroupInput
	// AgentInterventions are the interventions the agent declared.
	AgentInterventions []string
	// AgentCapabilities is the raw capabilities object, stored write-only.
	AgentCapabilities json.RawMessage
	Locale            string
	Timezone          string
	QuoteID           string
	Metadata          json.RawMessage
	OrderNotes        string
	// Attribution is the first-touch affiliate attribution, stored
	// write-only; nil when not given. Its token is a credential.
	Attribution *model.Attribution
	// Notices tell the agent about members the server does not act on.
	Notices []Notice
	// DiscountCodes are the agent's discount codes (discounts.codes, or
	// the deprecated coupons), in order.
	DiscountCodes []string
	// Extensions are the extensions the agent listed in
	// capabilities.extensions (2026-01-30 and later).
	Extensions []string
}

// UpdateInput is a decoded update request. An absent field leaves the
// session unchanged; an explicit null clears it.
type UpdateInput struct {
	Buyer              optional.Value[*model.Buyer]
	Items              optional.Value[[]ItemInput]
	FulfillmentDetails optional.Value[*model.FulfillmentDetails]
	Selections         optional.Value[[]SelectionInput]
	OrderNotes         optional.Value[string]
	// Groups, when set, replace the fulfillment groups (null or an empty
	// list: no groups).
	Groups optional.Value[[]GroupInput]
	// Notices tell the agent about members the server does not act on.
	Notices []Notice
	// DiscountCodes, when set, replace the session's discount codes (an
	// empty list or null clears them).
	DiscountCodes optional.Value[[]string]
}

// PaymentInput is a decoded payment_data.
type PaymentInput struct {
	HandlerID      string
	InstrumentType string
	CredentialType string
	// Token is the credential token. Never log it.
	Token               string
	BillingAddress      *acp.Address
	PurchaseOrderNumber string
}

// AuthenticationInput is a decoded authentication_result.
type AuthenticationInput struct {
	Outcome string
	Details json.RawMessage
}

// CompleteInput is a decoded complete request.
type CompleteInput struct {
	Buyer          *model.Buyer
	Payment        PaymentInput
	Authentication *AuthenticationInput
	// Attribution is the last-touch affiliate attribution, stored
	// write-only; nil when not given. Its token is a credential.
	Attribution *model.Attribution
	// MarketingConsents are the buyer's decisions, one per channel,
	// without contacts (the engine resolves them for offered channels).
	MarketingConsents []model.MarketingConsent
	// RiskSignals are the agent's signals about the buyer's session.
	RiskSignals *model.RiskSignals
	OrderNotes  string
	// Notices tell the agent about members the server does not act on.
	Notices []Notice
}

// CancelInput is a decoded cancel request.
type CancelInput struct {
	// IntentTrace is stored write-only.
	IntentTrace json.RawMessage
}
