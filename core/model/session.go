package model

import (
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/acp-sidecar/acp/sdk/acp"
)

// Status is a checkout session's status.
type Status string

// Statuses this server uses. ACP 2026-04-17 defines eleven; the others
// (incomplete, pending_approval, in_progress) are not reached by the
// built-in flow.
const (
	StatusNotReadyForPayment Status = "not_ready_for_payment"
	// StatusRequiresEscalation: the buyer must finish on the seller's page
	// (ContinueURL). Versions before 2026-01-30 do not have it and show
	// not_ready_for_payment.
	StatusRequiresEscalation     Status = "requires_escalation"
	StatusReadyForPayment        Status = "ready_for_payment"
	StatusAuthenticationRequired Status = "authentication_required"
	StatusCompleteInProgress     Status = "complete_in_progress"
	StatusCompleted              Status = "completed"
	StatusCanceled               Status = "canceled"
	StatusExpired                Status = "expired"
)

// Terminal reports whether no further change is possible.
func (s Status) Terminal() bool {
	return s == StatusCompleted || s == StatusCanceled
}

// Session is a checkout session.
type Session struct {
	ID string `json:"id"`
	// Agent is the name of the agent that created the session; only it may
	// read or change the session.
	Agent string `json:"agent"`
	// APIVersion is the version the session was created under.
	APIVersion string    `json:"api_version"`
	Status     Status    `json:"status"`
	Currency   string    `json:"currency"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
	ExpiresAt  time.Time `json:"expires_at"`

	Buyer              *Buyer              `json:"buyer,omitempty"`
	Lines              []Line              `json:"lines"`
	FulfillmentDetails *FulfillmentDetails `json:"fulfillment_details,omitempty"`
	// Groups are the agent's fulfillment groups (ACP 2026-01-30 and
	// later): lines that go to one destination by one kind of
	// fulfillment. Lines in no group are fulfilled as a checkout that is
	// not split: to FulfillmentDetails, with options of any type.
	Groups []FulfillmentGroup `json:"groups,omitempty"`
	// Options are the fulfillment options currently offered.
	Options []FulfillmentOption `json:"options"`
	// Selected are the options currently selected, covering every line
	// that can be fulfilled.
	Selected []SelectedOption `json:"selected"`
	// Chosen are the agent's explicit selections, kept across updates while
	// they stay valid; Selected adds defaults for the remaining lines.
	Chosen []SelectedOption `json:"chosen,omitempty"`
	Totals Totals           `json:"totals"`
	// TaxBreakdown splits Totals.Tax by jurisdiction, when known.
	TaxBreakdown []TaxShare   `json:"tax_breakdown,omitempty"`
	Messages     acp.Messages `json:"messages"`
	// ContinueURL is the seller's page where the buyer finishes a
	// purchase the API cannot do; set while Status is
	// StatusRequiresEscalation.
	ContinueURL string `json:"continue_url,omitempty"`
	// Discounts are the session's discount codes and what came of them
	// (ACP's discount extension, and automatic promotions in every
	// version); nil when none applies and no code was sent.
	Discounts *Discounts `json:"discounts,omitempty"`
	// Notices are what the agent has been told about request members the
	// server does not act on: one per member (or group of members sharing
	// a message), kept for the session's life and shown as info messages
	// in every answer from the first request that carried the member.
	Notices []Notice `json:"notices,omitempty"`

	// Interventions is the negotiated intervention capability.
	Interventions Interventions `json:"interventions"`

	Locale     string          `json:"locale,omitempty"`
	Timezone   string          `json:"timezone,omitempty"`
	QuoteID    string          `json:"quote_id,omitempty"`
	Metadata   json.RawMessage `json:"metadata,omitempty"`
	OrderNotes string          `json:"order_notes,omitempty"`

	// WriteOnly holds inputs that are stored but never returned to agents.
	WriteOnly WriteOnly `json:"write_only"`

	// AuthenticationMetadata is set while status is authentication_required.
	AuthenticationMetadata json.RawMessage `json:"authentication_metadata,omitempty"`
	// Payment tracks the payment attempt in progress or made.
	Payment *Payment `json:"payment,omitempty"`
	// Order is set once the session is completed.
	Order *Order `json:"order,omitempty"`
	// UCP is what was negotiated with the UCP platform that created the
	// session; nil for sessions made over ACP.
	UCP *UCPContext `json:"ucp,omitempty"`
}

// UCPContext is what a session made over UCP, and its order, keep of the
// platform that made it: its profile, the capabilities negotiated and
// where its order events go.
type UCPContext struct {
	// Profile is the platform's profile URL (the UCP-Agent header).
	Profile string `json:"profile"`
	// Capabilities are the negotiated capabilities: name to version.
	Capabilities map[string]string `json:"capabilities,omitempty"`
	// OrderWebhookURL is where the order's events are sent (the
	// platform's order capability config.webhook_url, checked against the
	// webhook address rules); empty when the platform gave none.
	OrderWebhookURL string `json:"order_webhook_url,omitempty"`
}

// WriteOnly holds the write-only inputs of ACP requests, stored for the
// seller and never echoed. The attributions hold an Attribution, the
// consents the []MarketingConsent decided (contacts are resolved when the
// order is placed) and the risk signals a RiskSignals, each as JSON; the
// intent trace and the capabilities are the agent's JSON as sent.
// Sessions stored by releases before the typed decoding hold the agent's
// JSON in the first three; an attribution that does not read as an
// Attribution is then left out of the order.
type WriteOnly struct {
	FirstTouchAttribution json.RawMessage `json:"first_touch_attribution,omitempty"`
	LastTouchAttribution  json.RawMessage `json:"last_touch_attribution,omitempty"`
	MarketingConsents     json.RawMessage `json:"marketing_consents,omitempty"`
	RiskSignals           json.RawMessage `json:"risk_signals,omitempty"`
	IntentTrace           json.RawMessage `json:"intent_trace,omitempty"`
	// AgentCapabilities is the capabilities object the agent sent on create.
	AgentCapabilities json.RawMessage `json:"agent_capabilities,omitempty"`
}

// Line is one line item.
type Line struct {
	ID       string `json:"id"`
	ItemID   string `json:"item_id"`
	Quantity int64  `json:"quantity"`

	// Found is false when the catalog does not know ItemID.
	Found            bool                  `json:"found"`
	Name             string                `json:"name,omitempty"`
	Description      string                `json:"description,omitempty"`
	Images           []string              `json:"images,omitempty"`
	ProductID        string                `json:"product_id,omitempty"`
	TaxCategory      string                `json:"tax_category,omitempty"`
	Weight           *acp.Weight           `json:"weight,omitempty"`
	Available        *int64                `json:"available,omitempty"`
	MaxPerOrder      int64                 `json:"max_per_order,omitempty"`
	FulfillmentTypes []acp.FulfillmentType `json:"fulfillment_types,omitempty"`
	// Categories are the item's categories, for promotions.
	Categories []string `json:"categories,omitempty"`
	// Escalation, when set, says the line cannot be bought through the
	// API (from the catalog or the seller's rules).
	Escalation *Escalation `json:"escalation,omitempty"`

	UnitAmount int64 `json:"unit_amount"`
	BaseAmount int64 `json:"base_amount"`
	Discount   int64 `json:"discount"`
	Subtotal   int64 `json:"subtotal"`
	Tax        int64 `json:"tax"`
	Total      int64 `json:"total"`
}

// Totals are the session's totals in minor units. With discounts they
// follow ACP's discount examples (2026-04-17 examples/discount-extension):
// item-level discounts (allocated to lines by promotions on items) make
// ItemsDiscount and each line's Discount, and Subtotal is after them
// (ItemsBaseAmount - ItemsDiscount); order-level discounts (promotions on
// the order, and free shipping) make Discount, subtracted after Subtotal:
// Total = Subtotal - Discount + Fulfillment + Tax. An order-level
// discount is still allocated to lines (and fulfillment charges) before
// tax, so each line is taxed on its subtotal less its share;
// FulfillmentDiscount is the part of Discount allocated to fulfillment.
type Totals struct {
	ItemsBaseAmount int64 `json:"items_base_amount"`
	ItemsDiscount   int64 `json:"items_discount"`
	// Discount is the order-level discounts' total (ACP's discount
	// total), beside ItemsDiscount, the item-level ones'; it includes
	// FulfillmentDiscount.
	Discount int64 `json:"discount,omitempty"`
	// FulfillmentDiscount is what order-level discounts take off the
	// fulfillment charges (free shipping); Fulfillment is before it.
	FulfillmentDiscount int64 `json:"fulfillment_discount,omitempty"`
	Subtotal            int64 `json:"subtotal"`
	Fulfillment         int64 `json:"fulfillment"`
	Tax                 int64 `json:"tax"`
	Total               int64 `json:"total"`
}

// TaxShare is the tax collected for one jurisdiction.
type TaxShare struct {
	Jurisdiction string `json:"jurisdiction"`
	// Rate is for display only; amounts are integers.
	Rate   float64 `json:"rate"`
	Amount int64   `json:"amount"`
}

// Discounts are a session's discount codes and what came of them.
type Discounts struct {
	// Negotiated is true when the agent listed the discount extension and
	// the session activated it (2026-01-30 and later).
	Negotiated bool `json:"negotiated,omitempty"`
	// Codes are the agent's codes as sent, in order.
	Codes []string `json:"codes,omitempty"`
	// Applied are the discounts given, in the order they apply.
	Applied []AppliedDiscount `json:"applied,omitempty"`
	// Rejected are the codes not applied, with why.
	Rejected []RejectedDiscount `json:"rejected,omitempty"`
}

// AppliedDiscount is one discount given to a session or kept with an
// order.
type AppliedDiscount struct {
	ID         string     `json:"id"`
	Code       string     `json:"code,omitempty"`
	Automatic  bool       `json:"automatic,omitempty"`
	Name       string     `json:"name"`
	PercentOff float64    `json:"percent_off,omitempty"`
	AmountOff  int64      `json:"amount_off,omitempty"`
	Method     string     `json:"method,omitempty"`
	Priority   int        `json:"priority,omitempty"`
	Start      *time.Time `json:"start,omitempty"`
	End        *time.Time `json:"end,omitempty"`
	// Amount is the discount's total: the sum of Allocations.
	Amount      int64                `json:"amount"`
	Allocations []DiscountAllocation `json:"allocations,omitempty"`
	// UsageLimited says one use of Code is held with the payment attempt.
	UsageLimited bool `json:"usage_limited,omitempty"`
}

// DiscountAllocation is the part of a discount given to one line or one
// selected fulfillment option: exactly one of LineID and OptionID is set.
type DiscountAllocation struct {
	LineID   string `json:"line_id,omitempty"`
	OptionID string `json:"option_id,omitempty"`
	Amount   int64  `json:"amount"`
}

// RejectedDiscount is a code not applied: Reason is an ACP discount error
// code (discount_code_*).
type RejectedDiscount struct {
	Code    string `json:"code"`
	Reason  string `json:"reason"`
	Message string `json:"message,omitempty"`
}

// Notice tells the agent about a request member the server does not act
// on, so that nothing an agent sends is dropped without a word.
type Notice struct {
	// Param is the member's JSONPath in the request, such as
	// "$.buyer.tax_exemption".
	Param string `json:"param"`
	// Also are the JSONPaths of further members that this notice covers
	// (they share its message).
	Also []string `json:"also,omitempty"`
	// Message is what the agent reads.
	Message string `json:"message"`
}

// Covers reports whether the notice is about the member at param.
func (n Notice) Covers(param string) bool {
	return n.Param == param || slices.Contains(n.Also, param)
}

// Escalation hands a purchase over to the seller's own page.
type Escalation struct {
	// Code is the ACP message code that says why (requires_sign_in,
	// age_verification_required, unsupported, ...).
	Code string `json:"code"`
	// Reason is the text shown to the buyer.
	Reason string `json:"reason,omitempty"`
	// ContinueURL is the page where the buyer goes on.
	ContinueURL string `json:"continue_url,omitempty"`
}

// FulfillmentGroup is one fulfillment group of a split checkout.
type FulfillmentGroup struct {
	// ID is the agent's id for the group.
	ID string `json:"id"`
	// LineIDs are the session's line ids in the group.
	LineIDs []string `json:"line_ids"`
	// Type is how the group is fulfilled (ACP's destination_type).
	Type acp.FulfillmentType `json:"type"`
	// Details are the group's contact and address, when given.
	Details      *FulfillmentDetails `json:"details,omitempty"`
	LocationID   string              `json:"location_id,omitempty"`
	Instructions string              `json:"instructions,omitempty"`
}

// FulfillmentOption is an offered fulfillment option.
type FulfillmentOption struct {
	ID string `json:"id"`
	// GroupID is the fulfillment group the option was quoted for; empty
	// for the lines in no group.
	GroupID     string              `json:"group_id,omitempty"`
	Type        acp.FulfillmentType `json:"type"`
	Title       string              `json:"title"`
	Description string              `json:"description,omitempty"`
	Carrier     string              `json:"carrier,omitempty"`
	// LineIDs are the lines this option can carry.
	LineIDs []string `json:"line_ids"`
	// Amount is the option's price for all of LineIDs.
	Amount           int64           `json:"amount"`
	EarliestDelivery *time.Time      `json:"earliest_delivery,omitempty"`
	LatestDelivery   *time.Time      `json:"latest_delivery,omitempty"`
	Pickup           *PickupLocation `json:"pickup,omitempty"`
}

// PickupLocation is where a pickup option is collected.
type PickupLocation struct {
	Name         string      `json:"name"`
	Address      acp.Address `json:"address"`
	Phone        string      `json:"phone,omitempty"`
	Instructions string      `json:"instructions,omitempty"`
}

// SelectedOption is a selected fulfillment option and the lines it carries.
type SelectedOption struct {
	Type     acp.FulfillmentType `json:"type"`
	OptionID string              `json:"option_id"`
	LineIDs  []string            `json:"line_ids"`
	// Amount is the option's price for exactly LineIDs.
	Amount int64 `json:"amount"`
}

// Interventions is the negotiated intervention capability of a session.
type Interventions struct {
	// Supported is the intersection of the agent's and the seller's.
	Supported   []string `json:"supported"`
	Required    []string `json:"required"`
	Enforcement string   `json:"enforcement"`
}

// Supports reports whether the intervention was negotiated.
func (i Interventions) Supports(name string) bool {
	for _, s := range i.Supported {
		if s == name {
			return true
		}
	}
	return false
}

// FulfillmentDetails are the buyer's fulfillment contact and address.
type FulfillmentDetails struct {
	Name        string       `json:"name,omitempty"`
	PhoneNumber string       `json:"phone_number,omitempty"`
	Email       string       `json:"email,omitempty"`
	Address     *acp.Address `json:"address,omitempty"`
}

// Buyer is the buyer as ACP describes them. Nested objects the engine does
// not act on are kept as raw JSON and echoed as given.
type Buyer struct {
	FirstName            string          `json:"first_name,omitempty"`
	LastName             string          `json:"last_name,omitempty"`
	FullName             string          `json:"full_name,omitempty"`
	Email                string          `json:"email"`
	PhoneNumber          string          `json:"phone_number,omitempty"`
	CustomerID           string          `json:"customer_id,omitempty"`
	AccountType          string          `json:"account_type,omitempty"`
	AuthenticationStatus string          `json:"authentication_status,omitempty"`
	Company              json.RawMessage `json:"company,omitempty"`
	Loyalty              json.RawMessage `json:"loyalty,omitempty"`
	TaxExemption         json.RawMessage `json:"tax_exemption,omitempty"`
}

// Names returns the buyer's first and last names; a buyer given only a
// full name (allowed from 2026-01-30) has it split at its last space.
func (b *Buyer) Names() (first, last string) {
	first, last = b.FirstName, b.LastName
	if first == "" && last == "" && b.FullName != "" {
		first = strings.TrimSpace(b.FullName)
		if i := strings.LastIndexByte(first, ' '); i > 0 {
			first, last = strings.TrimSpace(first[:i]), first[i+1:]
		}
	}
	return first, last
}

// Payment tracks a session's payment. Attempt numbers each charge attempt;
// the handler's idempotency key is derived from the session id and Attempt,
// so a retried or resumed attempt can never charge twice.
type Payment struct {
	HandlerID string `json:"handler_id"`
	Attempt   int    `json:"attempt"`
	// Amount is what the current attempt charges.
	Amount int64 `json:"amount"`
	// Token is the instrument credential of the attempt in progress. It is
	// kept only while an attempt is unresolved and cleared afterwards.
	Token          string `json:"token,omitempty"`
	InstrumentType string `json:"instrument_type,omitempty"`
	CredentialType string `json:"credential_type,omitempty"`
	// BillingAddress is the instrument's billing address, when given.
	BillingAddress *acp.Address `json:"billing_address,omitempty"`
	// AuthenticationOutcome and AuthenticationDetails are the 3DS result
	// the attempt is being confirmed with, kept so that an interrupted
	// confirmation resumes with the same result.
	AuthenticationOutcome string          `json:"authentication_outcome,omitempty"`
	AuthenticationDetails json.RawMessage `json:"authentication_details,omitempty"`
	// PaymentID is the handler's reference for a successful charge or
	// authorization.
	PaymentID string `json:"payment_id,omitempty"`
	// CaptureMethod is how the attempt takes the money: "manual"
	// (authorize, then capture once the order is accepted) or
	// "immediate". Absent in sessions stored before authorize-then-capture
	// existed: those were captured at once, and are never captured or
	// voided again.
	CaptureMethod string `json:"capture_method,omitempty"`
	// State is where the attempt's money is: see the PaymentState
	// constants. Empty while the handler's answer is not known.
	State PaymentState `json:"state,omitempty"`
	// PlaceBy is when the order must be placed, set when the payment is
	// authorized (or charged): the earlier of the placement deadline
	// counted from then and the token's expiry. A placement still failing
	// then is given up and the money released.
	PlaceBy time.Time `json:"place_by,omitzero"`
	// OrderNumber and OrderPermalink are the order system's answer once
	// it accepted the order (OrderAccepted), kept for a capture that is
	// resumed after a crash.
	OrderAccepted  bool   `json:"order_accepted,omitempty"`
	OrderNumber    string `json:"order_number,omitempty"`
	OrderPermalink string `json:"order_permalink,omitempty"`
	// Release, when set, says why the attempt's money is being given back
	// (the order was refused, or not placed by PlaceBy); a resumed attempt
	// goes on releasing it.
	Release string `json:"release,omitempty"`
	// OrderCanceled is set once the order system confirmed the cancel of
	// the attempt's order (or that it never stored it): the cancel of an
	// order given up at its placement deadline, or of an accepted order
	// whose capture was refused. A resumed attempt does not cancel again,
	// and the attempt's units go back to stock rather than being sold.
	OrderCanceled bool `json:"order_canceled,omitempty"`
	// RequestKeys are the (scoped, hashed) idempotency keys of the
	// complete requests that began or resumed the attempt, with the
	// fingerprints of their bodies: the key that began the attempt first,
	// the latest last. A request may end without a stored answer (a 5xx, a
	// crash) while the reconciler or a webhook settles the attempt later:
	// its retry with the same key and body is answered with the state the
	// attempt left, as the request itself would have been; the same key
	// with another body is an idempotency conflict.
	RequestKeys []RequestKey `json:"request_keys,omitempty"`
}

// RequestKey is the idempotency key of a complete request kept with the
// payment attempt it began or resumed.
type RequestKey struct {
	// Key is the scoped, hashed idempotency key.
	Key string `json:"key"`
	// Fingerprint identifies the request's body; empty when unknown (a
	// record stored before fingerprints were kept), which matches any.
	Fingerprint string `json:"fingerprint,omitempty"`
}

// PaymentState is where an attempt's money is.
type PaymentState string

// Payment states.
const (
	// PaymentAuthorized: held, not taken.
	PaymentAuthorized PaymentState = "authorized"
	// PaymentCaptured: taken.
	PaymentCaptured PaymentState = "captured"
	// PaymentVoided: the authorization was released; nothing was taken.
	PaymentVoided PaymentState = "voided"
	// PaymentRefunded: taken at once, then given back in full.
	PaymentRefunded PaymentState = "refunded"
	// PaymentCaptureFailed: the order was accepted but the processor
	// refused the capture; the order was canceled.
	PaymentCaptureFailed PaymentState = "capture_failed"
)
