package acpwire

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/acp-sidecar/acp/core/apierr"
	"github.com/acp-sidecar/acp/core/checkout"
	"github.com/acp-sidecar/acp/core/internal/optional"
	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/sdk/acp"
)

// Request shapes shared by 2026-01-30 and 2026-04-17. Unknown members are
// ignored: the spec's own RFCs and examples send members its closed
// schemas lack (ACP-NOTES §12 #1, #15), so strictness would hurt
// interoperability more than it protects.

type wireItem struct {
	ID         string `json:"id"`
	Name       string `json:"name,omitempty"`
	UnitAmount *int64 `json:"unit_amount,omitempty"`
	// Quantity is not in the 2026 Item schema, but every RFC and example
	// sends it (ACP-NOTES §12 #1); it defaults to 1. It is read raw so
	// that an integral 2.0 is accepted like 2, as JSON Schema's "integer"
	// does, while a string or a fraction is refused with its JSONPath.
	Quantity json.RawMessage `json:"quantity,omitempty"`
}

type wireBuyer struct {
	FirstName            string            `json:"first_name,omitempty"`
	LastName             string            `json:"last_name,omitempty"`
	FullName             string            `json:"full_name,omitempty"`
	Email                string            `json:"email"`
	PhoneNumber          string            `json:"phone_number,omitempty"`
	CustomerID           string            `json:"customer_id,omitempty"`
	AccountType          string            `json:"account_type,omitempty"`
	AuthenticationStatus string            `json:"authentication_status,omitempty"`
	Company              *wireCompany      `json:"company,omitempty"`
	Loyalty              *wireLoyalty      `json:"loyalty,omitempty"`
	TaxExemption         *wireTaxExemption `json:"tax_exemption,omitempty"`
}

// wireFulfillmentDetails and wireAddress are ACP's FulfillmentDetails and
// Address, in requests and responses.
type wireFulfillmentDetails struct {
	Name        string       `json:"name,omitempty"`
	PhoneNumber string       `json:"phone_number,omitempty"`
	Email       string       `json:"email,omitempty"`
	Address     *wireAddress `json:"address,omitempty"`
}

type wireAddress struct {
	Name       string `json:"name"`
	LineOne    string `json:"line_one"`
	LineTwo    string `json:"line_two,omitempty"`
	City       string `json:"city"`
	State      string `json:"state"`
	Country    string `json:"country"`
	PostalCode string `json:"postal_code"`
	Company    string `json:"company,omitempty"`
}

type wireCompany struct {
	Name       string `json:"name"`
	TaxID      string `json:"tax_id,omitempty"`
	Department string `json:"department,omitempty"`
	CostCenter string `json:"cost_center,omitempty"`
}

type wireLoyalty struct {
	Tier          string `json:"tier,omitempty"`
	PointsBalance *int64 `json:"points_balance,omitempty"`
	MemberSince   string `json:"member_since,omitempty"`
}

type wireTaxExemption struct {
	CertificateID   string   `json:"certificate_id"`
	CertificateType string   `json:"certificate_type"`
	ExemptRegions   []string `json:"exempt_regions,omitempty"`
	ExpiresAt       string   `json:"expires_at,omitempty"`
}

type wireCapabilities struct {
	Interventions *struct {
		Supported []string `json:"supported"`
	} `json:"interventions"`
}

type wireCreate struct {
	Buyer                *wireBuyer              `json:"buyer,omitempty"`
	LineItems            *[]wireItem             `json:"line_items"`
	Currency             string                  `json:"currency"`
	FulfillmentDetails   *wireFulfillmentDetails `json:"fulfillment_details,omitempty"`
	FulfillmentGroups    []wireGroup             `json:"fulfillment_groups,omitempty"`
	Capabilities         json.RawMessage         `json:"capabilities"`
	AffiliateAttribution json.RawMessage         `json:"affiliate_attribution,omitempty"`
	Locale               string                  `json:"locale,omitempty"`
	Timezone             string                  `json:"timezone,omitempty"`
	QuoteID              string                  `json:"quote_id,omitempty"`
	Metadata             json.RawMessage         `json:"metadata,omitempty"`
	OrderNotes           string                  `json:"order_notes,omitempty"`
	// Discounts and Coupons (deprecated, losing to discounts.codes) are
	// the discount extension's codes (discounts.go).
	Discounts *wireDiscountsCreate `json:"discounts,omitempty"`
	Coupons   *[]string            `json:"coupons,omitempty"`
}

type wireSelection struct {
	Type     string   `json:"type"`
	OptionID string   `json:"option_id"`
	ItemIDs  []string `json:"item_ids"`
}

type wireUpdate struct {
	Buyer                      optional.Value[*wireBuyer]              `json:"buyer"`
	LineItems                  optional.Value[[]wireItem]              `json:"line_items"`
	FulfillmentDetails         optional.Value[*wireFulfillmentDetails] `json:"fulfillment_details"`
	SelectedFulfillmentOptions optional.Value[[]wireSelection]         `json:"selected_fulfillment_options"`
	OrderNotes                 optional.Value[string]                  `json:"order_notes"`
	FulfillmentGroups          optional.Value[[]wireGroup]             `json:"fulfillment_groups"`
	Discounts                  optional.Value[*wireDiscountsRequest]   `json:"discounts"`
	Coupons                    optional.Value[[]string]                `json:"coupons"`
}

// wireUpdateShape is wireUpdate with plain types: what an update body
// looks like, for type checking and for the MCP tool's input schema.
type wireUpdateShape struct {
	Buyer                      *wireBuyer              `json:"buyer,omitempty"`
	LineItems                  []wireItem              `json:"line_items,omitempty"`
	FulfillmentDetails         *wireFulfillmentDetails `json:"fulfillment_details,omitempty"`
	SelectedFulfillmentOptions []wireSelection         `json:"selected_fulfillment_options,omitempty"`
	OrderNotes                 *string                 `json:"order_notes,omitempty"`
	FulfillmentGroups          []wireGroup             `json:"fulfillment_groups,omitempty"`
	Discounts                  *wireDiscountsShape     `json:"discounts,omitempty"`
	Coupons                    []string                `json:"coupons,omitempty"`
}

type wirePaymentData struct {
	HandlerID  string `json:"handler_id,omitempty"`
	Instrument *struct {
		Type       string `json:"type"`
		Credential *struct {
			Type  string `json:"type"`
			Token string `json:"token"`
		} `json:"credential"`
	} `json:"instrument,omitempty"`
	BillingAddress      *wireAddress `json:"billing_address,omitempty"`
	PurchaseOrderNumber string       `json:"purchase_order_number,omitempty"`
}

type wireComplete struct {
	Buyer                *wireBuyer       `json:"buyer,omitempty"`
	PaymentData          *wirePaymentData `json:"payment_data"`
	AuthenticationResult *struct {
		Outcome        string          `json:"outcome"`
		OutcomeDetails json.RawMessage `json:"outcome_details,omitempty"`
	} `json:"authentication_result,omitempty"`
	AffiliateAttribution json.RawMessage `json:"affiliate_attribution,omitempty"`
	RiskSignals          json.RawMessage `json:"risk_signals,omitempty"`
	MarketingConsents    json.RawMessage `json:"marketing_consents,omitempty"`
	OrderNotes           string          `json:"order_notes,omitempty"`
}

type wireCancel struct {
	IntentTrace json.RawMessage `json:"intent_trace,omitempty"`
}

// DecodeCreate decodes and validates a create request.
func (c *v2026) DecodeCreate(body []byte) (checkout.CreateInput, error) {
	var w wireCreate
	if err := decodeJSON(body, &w); err != nil {
		return checkout.CreateInput{}, err
	}
	w.AffiliateAttribution, w.Metadata = nonNull(w.AffiliateAttribution), nonNull(w.Metadata)
	v := validator{limits: c.limits}
	if w.LineItems == nil {
		v.fail(apierr.CodeMissing, "$.line_items", "$.line_items is required.")
	} else if len(*w.LineItems) == 0 {
		v.fail(apierr.CodeInvalid, "$.line_items", "$.line_items must hold at least one item.")
	}
	var items []itemRef
	if w.LineItems != nil {
		items = v.items(*w.LineItems, "$.line_items")
	}
	v.currency(w.Currency, "$.currency")
	in := checkout.CreateInput{
		Currency:           strings.ToLower(w.Currency),
		Buyer:              v.buyer(w.Buyer, "$.buyer"),
		FulfillmentDetails: v.fulfillmentDetails(w.FulfillmentDetails, "$.fulfillment_details"),
		Groups:             v.groups(w.FulfillmentGroups, "$.fulfillment_groups"),
		Locale:             w.Locale,
		Timezone:           w.Timezone,
		QuoteID:            w.QuoteID,
		Metadata:           w.Metadata,
		OrderNotes:         w.OrderNotes,
		AgentCapabilities:  w.Capabilities,
	}
	in.AgentInterventions = v.capabilities(w.Capabilities, "$.capabilities")
	in.Extensions = v.capabilityExtensions(w.Capabilities, "$.capabilities.extensions")
	in.DiscountCodes = v.createDiscountCodes(w.Discounts, w.Coupons)
	in.Attribution = v.attribution(w.AffiliateAttribution, "$.affiliate_attribution")
	v.object(w.Metadata, "$.metadata")
	v.bounded(w.OrderNotes, "$.order_notes", maxTextLength)
	v.bounded(w.Locale, "$.locale", 64)
	v.bounded(w.Timezone, "$.timezone", 64)
	v.bounded(w.QuoteID, "$.quote_id", maxIDLength)
	for _, it := range items {
		in.Items = append(in.Items, checkout.ItemInput{ID: it.id, Quantity: it.quantity})
	}
	return in, v.result()
}

// currency checks the request currency's form; whether the seller sells in
// it is the engine's decision.
func (v *validator) currency(code, param string) {
	if code == "" {
		v.fail(apierr.CodeMissing, param, "%s is required.", param)
		return
	}
	if len(code) != 3 || strings.Trim(strings.ToLower(code), "abcdefghijklmnopqrstuvwxyz") != "" {
		v.fail(apierr.CodeInvalid, param, "%s must be a three-letter ISO 4217 code such as \"usd\".", param)
	}
}

// capabilities requires the agent's capabilities object (write-only) and
// returns the interventions it declares. Unknown values are ignored, as
// the spec asks.
func (v *validator) capabilities(raw json.RawMessage, param string) []string {
	if raw == nil || string(raw) == "null" {
		v.fail(apierr.CodeMissing, param, "%s is required (it may be an empty object).", param)
		return nil
	}
	var caps wireCapabilities
	if err := json.Unmarshal(raw, &caps); err != nil {
		v.fail(apierr.CodeInvalidType, param, "%s must be an object with an optional interventions.supported array of strings.", param)
		return nil
	}
	if caps.Interventions == nil {
		return nil
	}
	return caps.Interventions.Supported
}

// DecodeUpdate decodes and validates an update request.
func (c *v2026) DecodeUpdate(body []byte) (checkout.UpdateInput, error) {
	// Type errors are found on the plain-typed twin first: inside
	// optional.Value, encoding/json reports offsets relative to the member,
	// which would lose the JSONPath of the error.
	var shape wireUpdateShape
	if err := decodeJSON(body, &shape); err != nil {
		return checkout.UpdateInput{}, err
	}
	var w wireUpdate
	if err := decodeJSON(body, &w); err != nil {
		return checkout.UpdateInput{}, err
	}
	v := validator{limits: c.limits}
	in := checkout.UpdateInput{OrderNotes: w.OrderNotes}
	if w.Buyer.Set {
		in.Buyer = optional.Value[*model.Buyer]{Set: true, Null: w.Buyer.V == nil, V: v.buyer(w.Buyer.V, "$.buyer")}
	}
	if w.LineItems.Set {
		items := v.items(w.LineItems.V, "$.line_items")
		in.Items = optional.Value[[]checkout.ItemInput]{Set: true, Null: w.LineItems.Null, V: []checkout.ItemInput{}}
		for _, it := range items {
			in.Items.V = append(in.Items.V, checkout.ItemInput{ID: it.id, Quantity: it.quantity})
		}
	}
	if w.FulfillmentDetails.Set {
		in.FulfillmentDetails = optional.Value[*model.FulfillmentDetails]{Set: true, Null: w.FulfillmentDetails.V == nil,
			V: v.fulfillmentDetails(w.FulfillmentDetails.V, "$.fulfillment_details")}
	}
	if w.SelectedFulfillmentOptions.Set {
		in.Selections = optional.Value[[]checkout.SelectionInput]{Set: true, Null: w.SelectedFulfillmentOptions.Null, V: []checkout.SelectionInput{}}
		for i, sel := range w.SelectedFulfillmentOptions.V {
			p := fmt.Sprintf("$.selected_fulfillment_options[%d]", i)
			v.required(sel.OptionID, p+".option_id", maxIDLength)
			v.oneOf(sel.Type, p+".type", "shipping", "digital", "pickup", "local_delivery")
			in.Selections.V = append(in.Selections.V, checkout.SelectionInput{Type: acp.FulfillmentType(sel.Type), OptionID: sel.OptionID, ItemIDs: sel.ItemIDs})
		}
	}
	if w.FulfillmentGroups.Set {
		in.Groups = optional.Value[[]checkout.GroupInput]{Set: true, Null: w.FulfillmentGroups.Null,
			V: v.groups(w.FulfillmentGroups.V, "$.fulfillment_groups")}
	}
	in.DiscountCodes = v.updateDiscountCodes(w.Discounts, w.Coupons)
	v.bounded(w.OrderNotes.V, "$.order_notes", maxTextLength)
	return in, v.result()
}

// DecodeComplete decodes and validates a complete request.
func (c *v2026) DecodeComplete(body []byte) (checkout.CompleteInput, error) {
	var w wireComplete
	if err := decodeJSON(body, &w); err != nil {
		return checkout.CompleteInput{}, err
	}
	w.AffiliateAttribution, w.RiskSignals, w.MarketingConsents = nonNull(w.AffiliateAttribution), nonNull(w.RiskSignals), nonNull(w.MarketingConsents)
	v := validator{limits: c.limits}
	in := checkout.CompleteInput{
		Buyer:      v.buyer(w.Buyer, "$.buyer"),
		OrderNotes: w.OrderNotes,
	}
	pd := w.PaymentData
	switch {
	case pd == nil:
		v.fail(apierr.CodeMissing, "$.payment_data", "$.payment_data is required.")
	case pd.HandlerID == "" && pd.PurchaseOrderNumber == "":
		v.fail(apierr.CodeMissing, "$.payment_data.handler_id", "$.payment_data needs handler_id and instrument.")
	case pd.HandlerID != "" && pd.Instrument == nil:
		v.fail(apierr.CodeMissing, "$.payment_data.instrument", "$.payment_data.instrument is required with handler_id.")
	case pd.Instrument != nil && pd.Instrument.Credential == nil:
		v.fail(apierr.CodeMissing, "$.payment_data.instrument.credential", "$.payment_data.instrument.credential is required.")
	default:
		in.Payment = checkout.PaymentInput{HandlerID: pd.HandlerID, PurchaseOrderNumber: pd.PurchaseOrderNumber}
		if pd.Instrument != nil {
			v.required(pd.Instrument.Type, "$.payment_data.instrument.type", maxShortString)
			v.required(pd.Instrument.Credential.Type, "$.payment_data.instrument.credential.type", maxShortString)
			v.required(pd.Instrument.Credential.Token, "$.payment_data.instrument.credential.token", 4096)
			in.Payment.InstrumentType = pd.Instrument.Type
			in.Payment.CredentialType = pd.Instrument.Credential.Type
			in.Payment.Token = pd.Instrument.Credential.Token
		}
		in.Payment.BillingAddress = v.address(pd.BillingAddress, "$.payment_data.billing_address")
	}
	if ar := w.AuthenticationResult; ar != nil {
		details := nonNull(ar.OutcomeDetails)
		v.authenticationResult(ar.Outcome, details, "$.authentication_result")
		in.Authentication = &checkout.AuthenticationInput{Outcome: ar.Outcome, Details: details}
	}
	in.Attribution = v.attribution(w.AffiliateAttribution, "$.affiliate_attribution")
	in.RiskSignals = v.riskSignals(w.RiskSignals, "$.risk_signals")
	if !c.before0417 {
		// Consents answer marketing_consent_options, offered since 2026-04-17.
		in.MarketingConsents = v.consentDecisions(w.MarketingConsents, "$.marketing_consents")
	}
	v.bounded(w.OrderNotes, "$.order_notes", maxTextLength)
	return in, v.result()
}

// DecodeCancel decodes a cancel request; the body may be empty or {}.
func (c *v2026) DecodeCancel(body []byte) (checkout.CancelInput, error) {
	if len(strings.TrimSpace(string(body))) == 0 {
		return checkout.CancelInput{}, nil
	}
	var w wireCancel
	if err := decodeJSON(body, &w); err != nil {
		return checkout.CancelInput{}, err
	}
	w.IntentTrace = nonNull(w.IntentTrace)
	v := validator{limits: c.limits}
	if w.IntentTrace != nil {
		w.IntentTrace = v.intentTrace(w.IntentTrace, "$.intent_trace")
	}
	return checkout.CancelInput{IntentTrace: w.IntentTrace}, v.result()
}

// maxTraceSummary is ACP's bound on an intent trace's trace_summary.
const maxTraceSummary = 500

// intentTrace checks an intent trace's structure and returns it as it is
// to be stored. Unknown reason codes are accepted (the spec says to treat
// them as "other"). A cancel must not fail because of its trace, so only
// a structural error is refused: "metadata": null counts as absent (and
// is dropped), and a trace_summary over ACP's 500 characters is cut to
// them.
func (v *validator) intentTrace(raw json.RawMessage, param string) json.RawMessage {
	var trace struct {
		ReasonCode   *string         `json:"reason_code"`
		TraceSummary *string         `json:"trace_summary"`
		Metadata     json.RawMessage `json:"metadata"`
	}
	if err := json.Unmarshal(raw, &trace); err != nil {
		v.fail(apierr.CodeInvalidType, param, "%s must be an object with a string reason_code, an optional string trace_summary and an optional flat metadata object.", param)
		return raw
	}
	if trace.ReasonCode == nil {
		v.fail(apierr.CodeMissing, param+".reason_code", "%s.reason_code is required.", param)
	} else {
		v.required(*trace.ReasonCode, param+".reason_code", 128)
	}
	v.flatObject(nonNull(trace.Metadata), param+".metadata")
	long := trace.TraceSummary != nil && utf8.RuneCountInString(*trace.TraceSummary) > maxTraceSummary
	if v.err != nil || (!long && string(trace.Metadata) != "null") {
		return raw
	}
	var members map[string]json.RawMessage
	_ = json.Unmarshal(raw, &members) // an object, as read above
	if string(trace.Metadata) == "null" {
		delete(members, "metadata")
	}
	if long {
		members["trace_summary"], _ = json.Marshal(string([]rune(*trace.TraceSummary)[:maxTraceSummary]))
	}
	out, _ := json.Marshal(members) // raw JSON members marshal
	return out
}

// nonNull treats an explicit JSON null like an absent member for the
// write-only and free-form objects, which have nothing to clear.
func nonNull(raw json.RawMessage) json.RawMessage {
	if string(raw) == "null" {
		return nil
	}
	return raw
}

// authenticationOutcomes are ACP's 3DS outcomes; those that carry
// outcome_details.
var authenticationOutcomes = map[string]bool{
	"abandoned": false, "attempt_acknowledged": true, "authenticated": true, "canceled": false, "denied": false,
	"informational": true, "internal_error": false, "not_supported": false, "processing_error": false, "rejected": false,
}

// authenticationResult checks a 3DS result: a known outcome, and the
// outcome_details its outcome requires.
func (v *validator) authenticationResult(outcome string, details json.RawMessage, param string) {
	needsDetails, known := authenticationOutcomes[outcome]
	switch {
	case outcome == "":
		v.fail(apierr.CodeMissing, param+".outcome", "%s.outcome is required.", param)
		return
	case !known:
		v.fail(apierr.CodeInvalid, param+".outcome", "%s.outcome %q is not an ACP authentication outcome.", param, outcome)
		return
	}
	v.object(details, param+".outcome_details")
	if !needsDetails {
		return
	}
	var d map[string]json.RawMessage
	if details == nil || json.Unmarshal(details, &d) != nil {
		v.fail(apierr.CodeMissing, param+".outcome_details", "%s.outcome_details is required when the outcome is %q.", param, outcome)
		return
	}
	for _, field := range []string{"three_ds_cryptogram", "electronic_commerce_indicator", "transaction_id", "version"} {
		var value string
		if json.Unmarshal(d[field], &value) != nil || value == "" {
			v.fail(apierr.CodeMissing, param+".outcome_details."+field, "%s.outcome_details.%s is required when the outcome is %q.", param, field, outcome)
			return
		}
	}
}
