package payment

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/acp-sidecar/acp/core/ucp"
	"github.com/acp-sidecar/acp/sdk/acp"
)

// Handler charges one kind of payment instrument.
type Handler interface {
	// Descriptor is the handler as advertised to agents.
	Descriptor() Descriptor
	// Charge authorizes req.Amount and, when req.Capture is
	// CaptureImmediate, captures it at once. It must be idempotent on
	// req.IdempotencyKey: every call with the same key reaches the same
	// payment and returns its current outcome, never a second charge.
	// An error means the outcome is unknown (the processor could not be
	// reached); the engine then keeps the attempt open and resumes it with
	// the same key.
	Charge(ctx context.Context, req *ChargeRequest) (*ChargeResult, error)
	// Capture takes the money of an authorization (Outcome Authorized)
	// once the order system accepted the order. It is idempotent: a
	// payment already captured is success, never a second capture. A
	// *Refusal means it can never be captured (the authorization expired,
	// was voided or refused); any other error leaves the outcome unknown.
	Capture(ctx context.Context, req *SettleRequest) error
	// Void releases an authorization that will not be captured. It is
	// idempotent: a payment already released is success. A *Refusal
	// means it cannot be voided (it was captured).
	Void(ctx context.Context, req *SettleRequest) error
	// Refund gives back a captured payment in full (a payment taken with
	// CaptureImmediate whose order was refused). It is idempotent on the
	// request's key.
	Refund(ctx context.Context, req *SettleRequest) error
}

// CaptureMethod says when the money of an authorized payment is taken.
type CaptureMethod string

// Capture methods.
const (
	// CaptureManual authorizes on complete and captures after the order
	// system accepted the order (Stripe's capture_method=manual).
	CaptureManual CaptureMethod = "manual"
	// CaptureImmediate captures on complete; a refused order is then
	// refunded.
	CaptureImmediate CaptureMethod = "immediate"
)

// SettleRequest asks a handler to capture, void or refund the payment of
// an attempt.
type SettleRequest struct {
	// SessionID is the checkout session paid for.
	SessionID string
	// IdempotencyKey is the attempt's key (ChargeRequest.IdempotencyKey);
	// the handler derives each call's own key from it.
	IdempotencyKey string
	// PaymentID is the processor's reference the charge returned.
	PaymentID string
	// Amount is the attempt's amount.
	Amount Money
	// Reason says why, for logs and the processor (e.g. "order_refused").
	Reason string
}

// Refusal is a processor's definitive "no" to a capture, void or refund:
// repeating the call cannot succeed.
type Refusal struct {
	// Op is capture, void or refund.
	Op string
	// Reason is the processor's explanation, safe to log.
	Reason string
}

// Error renders the refusal.
func (r *Refusal) Error() string { return r.Op + " refused: " + r.Reason }

// Descriptor is an ACP PaymentHandler object.
type Descriptor struct {
	ID                      string
	Name                    string
	DisplayName             string
	Version                 string
	Spec                    string
	RequiresDelegatePayment bool
	RequiresPCICompliance   bool
	PSP                     string
	ConfigSchema            string
	InstrumentSchemas       []string
	// Config is handler-specific; it must contain merchant_id and psp.
	Config map[string]any
}

// TokenizedCard is the descriptor of a dev.acp.tokenized.card handler
// (ACP-NOTES §7.2): delegated card tokens, no PCI scope. config must hold
// merchant_id and psp.
func TokenizedCard(id, displayName, psp string, config map[string]any) Descriptor {
	return Descriptor{
		ID:                      id,
		Name:                    "dev.acp.tokenized.card",
		DisplayName:             displayName,
		Version:                 "2026-01-22",
		Spec:                    "https://acp.dev/handlers/tokenized.card",
		RequiresDelegatePayment: true,
		RequiresPCICompliance:   false,
		PSP:                     psp,
		ConfigSchema:            "https://acp.dev/schemas/handlers/tokenized.card/config.json",
		InstrumentSchemas:       []string{"https://acp.dev/schemas/handlers/tokenized.card/instrument.json"},
		Config:                  config,
	}
}

// ChargeRequest asks a handler to charge an instrument.
type ChargeRequest struct {
	// SessionID is the checkout session paid for.
	SessionID string
	// OrderID is the id the order will have once paid.
	OrderID string
	// IdempotencyKey is stable for every retry of this attempt.
	IdempotencyKey string
	// Resume is true when this attempt was started before and its outcome
	// is unknown: the processor may have charged already, so a refusal to
	// charge again (a used token, say) is no decline.
	Resume bool
	// PaymentID is the processor's reference for this attempt, when the
	// processor reported it (a webhook); the handler reads that payment's
	// state instead of asking again.
	PaymentID string
	// Amount is the server-computed total.
	Amount Money
	// Instrument is the agent's payment instrument.
	Instrument Instrument
	// BillingAddress is the instrument's billing address, when given.
	BillingAddress *acp.Address
	// Authentication is the 3DS result the agent sent, when any.
	Authentication *AuthenticationResult
	// RiskSignals are the agent's signals about the buyer's session, for
	// the processor's fraud checks; nil when the agent sent none.
	RiskSignals *RiskSignals
	// Supports3DS reports whether the agent negotiated the 3ds
	// intervention, so the handler may ask for authentication with
	// AuthenticationMetadata (ACP's authentication_required).
	Supports3DS bool
	// ChallengeRedirect reports whether the buyer can be sent to the
	// issuer's challenge page (a UCP session: the platform opens
	// continue_url, then completes again), so the handler may ask for
	// authentication with ChallengeURL.
	ChallengeRedirect bool
	// Capture says whether to capture at once or only authorize;
	// CaptureImmediate when empty.
	Capture CaptureMethod
}

// RiskSignals are ACP's risk signals: what the agent saw of the buyer's
// client. They are personal data (an IP address): never log them.
type RiskSignals struct {
	IPAddress         string
	UserAgent         string
	AcceptLanguage    string
	SessionID         string
	DeviceFingerprint string
}

// Instrument is an ACP payment instrument.
type Instrument struct {
	// Type is the instrument type, e.g. "card".
	Type string
	// CredentialType is the credential type, e.g. "spt" (ACP) or
	// CredentialToken (UCP).
	CredentialType string
	// Token is the credential token. Never log it.
	Token string
}

// AuthenticationResult is the outcome of a 3DS authentication.
type AuthenticationResult struct {
	// Outcome is the ACP outcome, e.g. "authenticated" or "denied".
	Outcome string
	// Details is the raw outcome_details object.
	Details json.RawMessage
}

// Outcome is the result of a charge.
type Outcome int

// Charge outcomes.
const (
	// Succeeded means the amount was charged.
	Succeeded Outcome = iota + 1
	// Declined means nothing was charged; the buyer may try again.
	Declined
	// RequiresAuthentication means the issuer asks for 3DS first.
	RequiresAuthentication
	// Authorized means the amount is held, not yet taken (CaptureManual):
	// Capture takes it, Void releases it.
	Authorized
)

// ChargeResult is a charge's outcome.
type ChargeResult struct {
	Outcome Outcome
	// PaymentID is the processor's reference, for Succeeded and
	// Authorized, and for RequiresAuthentication with a ChallengeURL.
	PaymentID string
	// CaptureBefore, when known, is when an authorization stops being
	// capturable (the payment token's expiry); zero when unknown.
	CaptureBefore time.Time
	// Message explains a decline to the buyer.
	Message string
	// AuthenticationMetadata is the ACP authentication_metadata object, for
	// RequiresAuthentication asked of an ACP agent (Supports3DS).
	AuthenticationMetadata json.RawMessage
	// ChallengeURL is the issuer's challenge page, for
	// RequiresAuthentication asked by redirect (ChallengeRedirect): the
	// buyer completes the challenge there and the next charge of the
	// same attempt, without an Authentication, reads its outcome.
	// PaymentID then names the payment that waits for it.
	ChallengeURL string
}

// Money is an amount in integer minor units (cents for USD, yen for JPY)
// with its lower-case ISO 4217 currency code: what a handler charges.
type Money struct {
	// Amount is the value in minor units.
	Amount int64 `json:"amount"`
	// Currency is the lower-case ISO 4217 code, e.g. "usd".
	Currency string `json:"currency"`
}

// String renders the money for logs, e.g. "1500 usd".
func (m Money) String() string { return fmt.Sprintf("%d %s", m.Amount, m.Currency) }

// CredentialToken is the credential type of a UCP token credential
// (token_credential.json) as the processor tokenizer handler
// (examples/processor-tokenizer-payment-handler.md) defines it: a token
// the processor issued and resolves itself, e.g. a Stripe PaymentMethod
// "pm_…".
const CredentialToken = "token"

// UCPProcessorTokenizer is the default name under which a handler is
// offered over UCP: the processor tokenizer of the UCP specification's
// examples (overview.md's platform profile).
const UCPProcessorTokenizer = "dev.ucp.processor_tokenizer"

// ProcessorTokenizer describes a card handler offered over UCP as a
// processor tokenizer: the platform has the buyer's card tokenized by the
// processor (with what config names) and completes with a card instrument
// whose credential is {type: CredentialToken, token}. name is the
// registry key (UCPProcessorTokenizer when empty); the instruments are
// cards of the given brands (any brand when none). Its version is the UCP
// release whose examples it follows.
func ProcessorTokenizer(name, id string, brands []string, config map[string]any) UCPHandler {
	if name == "" {
		name = UCPProcessorTokenizer
	}
	card := map[string]any{"type": "card"}
	if len(brands) > 0 {
		card["constraints"] = map[string]any{"brands": slices.Clone(brands)}
	}
	return UCPHandler{Name: name, ID: id, Version: ucp.Version, AvailableInstruments: []map[string]any{card}, Config: config}
}

// UCPHandler is a payment handler as UCP's payment_handlers registry
// lists it (payment-handler-guide.md): in the business profile and in
// every checkout response. Its JSON is the registry entry listed under
// Name (payment_handler.json).
type UCPHandler struct {
	// Name is the handler's reverse-domain name, the registry's key
	// (e.g. "dev.ucp.processor_tokenizer").
	Name string `json:"-"`
	// ID identifies this configuration of the handler; instruments name
	// it as handler_id.
	ID string `json:"id"`
	// Version, Spec and Schema are the handler specification's version
	// and URLs.
	Version string `json:"version"`
	Spec    string `json:"spec,omitempty"`
	Schema  string `json:"schema,omitempty"`
	// AvailableInstruments are the instruments it takes, as JSON objects
	// ({"type":"card","constraints":{…}}).
	AvailableInstruments []map[string]any `json:"available_instruments,omitempty"`
	// Config is the handler's configuration for platforms.
	Config map[string]any `json:"config,omitempty"`
}

// UCPRegistry is handlers as UCP's payment_handlers registry: keyed by
// Name, each name's handlers in the order given.
func UCPRegistry(handlers []UCPHandler) map[string][]UCPHandler {
	out := map[string][]UCPHandler{}
	for _, h := range handlers {
		out[h.Name] = append(out[h.Name], h)
	}
	return out
}

// UCPDescriber is a Handler that can be offered over UCP. A complete
// request's instrument reaches Charge as Instrument{Type: the
// instrument's type, CredentialType: its credential's type, Token: its
// credential's token}, with the handler chosen by the instrument's
// handler_id.
type UCPDescriber interface {
	// UCPHandler describes the handler for UCP; false when this
	// handler's configuration is not offered over UCP.
	UCPHandler() (UCPHandler, bool)
}
