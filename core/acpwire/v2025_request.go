package acpwire

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strings"

	"github.com/acp-sidecar/acp/core/apierr"
	"github.com/acp-sidecar/acp/core/checkout"
	"github.com/acp-sidecar/acp/core/internal/jsonpath"
	"github.com/acp-sidecar/acp/core/internal/optional"
	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/payment"
	"github.com/acp-sidecar/acp/sdk/acp"
)

// API versions served by the legacy codec: the ACP releases before
// 2026-01-30, whose requests carry items[{id, quantity}] and
// payment_data{token, provider} and whose sessions carry flat line-item
// amounts and payment_provider (ACP-NOTES §10.3).
const (
	V20260116 = "2026-01-16"
	V20251212 = "2025-12-12"
	V20250929 = "2025-09-29"
)

// legacy is the codec of 2025-09-29, 2025-12-12 and 2026-01-16. The three
// share items[{id, quantity}], payment_data{token, provider}, flat
// line-item amounts, payment_provider and closed schemas without
// capabilities, protocol or timestamps. What differs is chosen by
// version:
//
//   - 2025-09-29: fulfillment_address and fulfillment_option_id; a
//     positive-number quantity; five statuses; options with
//     subtitle/subtotal/tax/total; link type seller_shop_policies.
//   - 2025-12-12: fulfillment_details and nested
//     selected_fulfillment_options; 3-D Secure (authentication_required,
//     authentication_result, authentication_metadata); affiliate
//     attribution; intent traces; line-item display fields; structured
//     payment methods.
//   - 2026-01-16: as 2025-12-12, plus payment_provider.merchant_id,
//     authentication_provider, option totals[] and its own
//     authentication outcomes and closed authentication metadata.
type legacy struct {
	version string
	seller  Seller
	limits  Limits
	// base is the 2026-01-30 codec, whose helpers already drop what the
	// older closed schemas lack (Address.company, message resolution) and
	// add the browser channel block that 2025-12-12 and 2026-01-16 require
	// in authentication_metadata.
	base *v2026
	// paymentProvider and authenticationProvider are the same in every
	// response, so they are encoded once; nil when not advertised.
	paymentProvider        json.RawMessage
	authenticationProvider json.RawMessage
}

func newLegacy(version string, seller Seller, limits Limits) *legacy {
	c := &legacy{version: version, seller: seller, limits: limits, base: newV2026(version, seller, limits, true)}
	c.paymentProvider, c.authenticationProvider = c.providers()
	return c
}

// since reports whether the codec's version is version or later; ACP
// versions are dates, so they order as strings.
func (c *legacy) since(version string) bool { return c.version >= version }

// Version returns the API version.
func (c *legacy) Version() string { return c.version }

// RequiresIdempotencyKey is false: these versions only recommended the key.
func (c *legacy) RequiresIdempotencyKey() bool { return false }

// IdempotencyConflictStatus is 409, as before 2026-04-17.
func (c *legacy) IdempotencyConflictStatus() int { return http.StatusConflict }

// tokenizedCardHandler is the handler name that receives payment_data
// tokens whose provider no advertised handler's PSP matches.
const tokenizedCardHandler = "dev.acp.tokenized.card"

// route returns the handler that receives a payment_data token of
// provider: the first advertised handler whose PSP is provider, else the
// first advertised dev.acp.tokenized.card handler; nil when neither
// exists.
func (c *legacy) route(provider string) *payment.Descriptor {
	for i, h := range c.seller.Handlers {
		if h.PSP != "" && strings.EqualFold(h.PSP, provider) {
			return &c.seller.Handlers[i]
		}
	}
	for i, h := range c.seller.Handlers {
		if h.Name == tokenizedCardHandler {
			return &c.seller.Handlers[i]
		}
	}
	return nil
}

// legacyBody holds every top-level member of the three versions' request
// bodies, raw: absent (nil), null ("null") and values stay apart, and
// each operation decodes only the members its version defines, so members
// a version does not know are ignored whatever their type.
type legacyBody struct {
	Buyer                      json.RawMessage `json:"buyer"`
	Items                      json.RawMessage `json:"items"`
	FulfillmentAddress         json.RawMessage `json:"fulfillment_address"`
	FulfillmentDetails         json.RawMessage `json:"fulfillment_details"`
	FulfillmentOptionID        json.RawMessage `json:"fulfillment_option_id"`
	SelectedFulfillmentOptions json.RawMessage `json:"selected_fulfillment_options"`
	PaymentData                json.RawMessage `json:"payment_data"`
	AuthenticationResult       json.RawMessage `json:"authentication_result"`
	AffiliateAttribution       json.RawMessage `json:"affiliate_attribution"`
}

// legacyItem is an Item of these versions; quantity is required. It is
// read raw so that an integral 2.0 is accepted like 2 and a string or a
// fraction is refused with its JSONPath.
type legacyItem struct {
	ID       string          `json:"id"`
	Quantity json.RawMessage `json:"quantity"`
}

// legacyBuyer is the closed Buyer of these versions.
type legacyBuyer struct {
	FirstName   string `json:"first_name"`
	LastName    string `json:"last_name"`
	Email       string `json:"email"`
	PhoneNumber string `json:"phone_number,omitempty"`
}

// nestedSelection is 2025-12-12's SelectedFulfillmentOption:
// {type, shipping|digital: {option_id, item_ids}}, in requests and
// responses.
type nestedSelection struct {
	Type     string             `json:"type"`
	Shipping *nestedSelectionOf `json:"shipping,omitempty"`
	Digital  *nestedSelectionOf `json:"digital,omitempty"`
}

type nestedSelectionOf struct {
	OptionID string   `json:"option_id"`
	ItemIDs  []string `json:"item_ids"`
}

type legacyPaymentData struct {
	Token          string       `json:"token"`
	Provider       string       `json:"provider"`
	BillingAddress *wireAddress `json:"billing_address"`
}

type legacyAuthenticationResult struct {
	Outcome        string          `json:"outcome"`
	OutcomeDetails json.RawMessage `json:"outcome_details"`
}

// decodeMember decodes the raw member at param into v; nil raw (absent)
// decodes nothing. Type errors carry the JSONPath of the offending value
// inside the member.
func decodeMember(raw json.RawMessage, param string, v any) error {
	if raw == nil {
		return nil
	}
	err := json.Unmarshal(raw, v)
	if err == nil {
		return nil
	}
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		path := param + strings.TrimPrefix(jsonpath.AtOffset(raw, typeErr.Offset), "$")
		return apierr.Invalid(apierr.CodeInvalidType, path, "%s must be %s, not %s.", path, jsonpath.Describe(typeErr.Type.Kind().String()), typeErr.Value)
	}
	return apierr.Invalid(apierr.CodeInvalidJSON, param, "%s could not be decoded: %s.", param, err.Error())
}

func isNull(raw json.RawMessage) bool { return string(raw) == "null" }

// DecodeCreate decodes and validates a create request. These versions
// carry no currency: the session is in the seller's currency.
func (c *legacy) DecodeCreate(body []byte) (checkout.CreateInput, error) {
	var w legacyBody
	if err := decodeJSON(body, &w); err != nil {
		return checkout.CreateInput{}, err
	}
	var (
		buyer   *legacyBuyer
		items   []legacyItem
		address *wireAddress
		details *wireFulfillmentDetails
	)
	w.Buyer, w.Items, w.AffiliateAttribution = nonNull(w.Buyer), nonNull(w.Items), nonNull(w.AffiliateAttribution)
	decodes := []error{decodeMember(w.Buyer, "$.buyer", &buyer), decodeMember(w.Items, "$.items", &items)}
	if c.since(V20251212) {
		decodes = append(decodes, decodeMember(nonNull(w.FulfillmentDetails), "$.fulfillment_details", &details))
	} else {
		decodes = append(decodes, decodeMember(nonNull(w.FulfillmentAddress), "$.fulfillment_address", &address))
	}
	if err := firstError(decodes); err != nil {
		return checkout.CreateInput{}, err
	}
	v := validator{limits: c.limits}
	switch {
	case w.Items == nil:
		v.fail(apierr.CodeMissing, "$.items", "$.items is required.")
	case len(items) == 0:
		v.fail(apierr.CodeInvalid, "$.items", "$.items must hold at least one item.")
	}
	in := checkout.CreateInput{Items: c.items(&v, items, "$.items")}
	in.Buyer = c.buyer(&v, buyer, "$.buyer")
	if c.since(V20251212) {
		in.FulfillmentDetails = c.fulfillmentDetails(&v, details, "$.fulfillment_details")
		// These versions define authentication_required and
		// authentication_result, so their agents take part in 3-D Secure
		// without declaring it.
		in.AgentInterventions = []string{"3ds"}
		in.Attribution = v.attribution(w.AffiliateAttribution, "$.affiliate_attribution")
	} else if address != nil {
		in.FulfillmentDetails = &model.FulfillmentDetails{Address: c.address(&v, address, "$.fulfillment_address")}
	}
	return in, v.result()
}

// DecodeUpdate decodes and validates an update request. An absent member
// leaves the field alone, null clears it, items replaces the list.
func (c *legacy) DecodeUpdate(body []byte) (checkout.UpdateInput, error) {
	var w legacyBody
	if err := decodeJSON(body, &w); err != nil {
		return checkout.UpdateInput{}, err
	}
	var (
		buyer      *legacyBuyer
		items      []legacyItem
		address    *wireAddress
		details    *wireFulfillmentDetails
		optionID   string
		selections []nestedSelection
	)
	decodes := []error{decodeMember(nonNull(w.Buyer), "$.buyer", &buyer), decodeMember(nonNull(w.Items), "$.items", &items)}
	if c.since(V20251212) {
		decodes = append(decodes,
			decodeMember(nonNull(w.FulfillmentDetails), "$.fulfillment_details", &details),
			decodeMember(nonNull(w.SelectedFulfillmentOptions), "$.selected_fulfillment_options", &selections))
	} else {
		decodes = append(decodes,
			decodeMember(nonNull(w.FulfillmentAddress), "$.fulfillment_address", &address),
			decodeMember(nonNull(w.FulfillmentOptionID), "$.fulfillment_option_id", &optionID))
	}
	if err := firstError(decodes); err != nil {
		return checkout.UpdateInput{}, err
	}
	v := validator{limits: c.limits}
	var in checkout.UpdateInput
	if w.Buyer != nil {
		in.Buyer = optional.Value[*model.Buyer]{Set: true, Null: isNull(w.Buyer), V: c.buyer(&v, buyer, "$.buyer")}
	}
	if w.Items != nil {
		in.Items = optional.Value[[]checkout.ItemInput]{Set: true, Null: isNull(w.Items), V: []checkout.ItemInput{}}
		in.Items.V = append(in.Items.V, c.items(&v, items, "$.items")...)
	}
	if c.since(V20251212) {
		if w.FulfillmentDetails != nil {
			in.FulfillmentDetails = optional.Value[*model.FulfillmentDetails]{Set: true, Null: isNull(w.FulfillmentDetails),
				V: c.fulfillmentDetails(&v, details, "$.fulfillment_details")}
		}
		if w.SelectedFulfillmentOptions != nil {
			in.Selections = optional.Value[[]checkout.SelectionInput]{Set: true, Null: isNull(w.SelectedFulfillmentOptions),
				V: c.selections(&v, selections, "$.selected_fulfillment_options")}
		}
		return in, v.result()
	}
	if w.FulfillmentAddress != nil {
		// 2025-09-29 knows only the address: it becomes the whole
		// fulfillment details.
		in.FulfillmentDetails = optional.Value[*model.FulfillmentDetails]{Set: true, Null: isNull(w.FulfillmentAddress)}
		if address != nil {
			in.FulfillmentDetails.V = &model.FulfillmentDetails{Address: c.address(&v, address, "$.fulfillment_address")}
		}
	}
	if w.FulfillmentOptionID != nil {
		// One option for the whole session: it carries every line it
		// can; the engine picks defaults for the others.
		in.Selections = optional.Value[[]checkout.SelectionInput]{Set: true, Null: isNull(w.FulfillmentOptionID)}
		if !in.Selections.Null {
			v.required(optionID, "$.fulfillment_option_id", maxIDLength)
			in.Selections.V = []checkout.SelectionInput{{OptionID: optionID}}
		}
	}
	return in, v.result()
}

// DecodeComplete decodes and validates a complete request. The
// payment_data token reaches the handler route chooses for its provider.
func (c *legacy) DecodeComplete(body []byte) (checkout.CompleteInput, error) {
	var w legacyBody
	if err := decodeJSON(body, &w); err != nil {
		return checkout.CompleteInput{}, err
	}
	var (
		buyer *legacyBuyer
		pd    *legacyPaymentData
		auth  *legacyAuthenticationResult
	)
	w.PaymentData, w.AuthenticationResult, w.AffiliateAttribution = nonNull(w.PaymentData), nonNull(w.AuthenticationResult), nonNull(w.AffiliateAttribution)
	decodes := []error{decodeMember(nonNull(w.Buyer), "$.buyer", &buyer), decodeMember(w.PaymentData, "$.payment_data", &pd)}
	if c.since(V20251212) {
		decodes = append(decodes, decodeMember(w.AuthenticationResult, "$.authentication_result", &auth))
	}
	if err := firstError(decodes); err != nil {
		return checkout.CompleteInput{}, err
	}
	v := validator{limits: c.limits}
	in := checkout.CompleteInput{Buyer: c.buyer(&v, buyer, "$.buyer")}
	if pd == nil {
		v.fail(apierr.CodeMissing, "$.payment_data", "$.payment_data is required.")
	} else {
		v.required(pd.Token, "$.payment_data.token", 4096)
		v.required(pd.Provider, "$.payment_data.provider", maxShortString)
		billing := c.address(&v, pd.BillingAddress, "$.payment_data.billing_address")
		handler := c.route(pd.Provider)
		if handler == nil && strings.TrimSpace(pd.Provider) != "" {
			v.fail(apierr.CodeUnsupported, "$.payment_data.provider", "This seller accepts no payment_data of provider %q.", pd.Provider)
		}
		if handler != nil {
			in.Payment = checkout.PaymentInput{
				HandlerID:      handler.ID,
				InstrumentType: "card",
				CredentialType: "spt",
				Token:          pd.Token,
				BillingAddress: billing,
			}
		}
	}
	if c.since(V20251212) {
		if auth != nil {
			in.Authentication = c.authenticationResult(&v, auth, "$.authentication_result")
		}
		in.Attribution = v.attribution(w.AffiliateAttribution, "$.affiliate_attribution")
	}
	return in, v.result()
}

// DecodeCancel decodes a cancel request. 2025-12-12 and 2026-01-16 define
// the same optional {intent_trace} body as 2026; 2025-09-29 defines none,
// and accepts the same.
func (c *legacy) DecodeCancel(body []byte) (checkout.CancelInput, error) {
	return c.base.DecodeCancel(body)
}

// firstError returns the first non-nil error of errs.
func firstError(errs []error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// items validates requested items with the shared validator, after the
// checks these versions add: quantity is required, and 2025-09-29's
// number quantity must be a whole number, since the engine sells whole
// units.
func (c *legacy) items(v *validator, in []legacyItem, param string) []checkout.ItemInput {
	if len(in) <= v.limits.MaxLineItems {
		for i, it := range in {
			p := fmt.Sprintf("%s[%d]", param, i)
			v.required(it.ID, p+".id", maxIDLength)
			switch {
			case it.Quantity == nil || isNull(it.Quantity):
				v.fail(apierr.CodeMissing, p+".quantity", "%s.quantity is required.", p)
			case !c.since(V20251212) && fractional(it.Quantity):
				v.fail(apierr.CodeInvalid, p+".quantity",
					"%s.quantity is %s, but this seller sells whole units only: quantity must be a whole number from 1 to %d.", p, it.Quantity, v.limits.MaxQuantity)
			}
		}
	}
	wire := make([]wireItem, len(in))
	for i, it := range in {
		wire[i] = wireItem{ID: it.ID, Quantity: it.Quantity}
	}
	var out []checkout.ItemInput
	for _, ref := range v.items(wire, param) {
		out = append(out, checkout.ItemInput{ID: ref.id, Quantity: ref.quantity})
	}
	return out
}

// fractional reports whether raw is a JSON number with a fractional part.
func fractional(raw json.RawMessage) bool {
	if len(raw) == 0 || raw[0] == '"' {
		return false
	}
	var n json.Number
	if json.Unmarshal(raw, &n) != nil {
		return false
	}
	f, err := n.Float64()
	return err == nil && f != math.Trunc(f)
}

// buyer validates the closed Buyer of these versions, whose first_name,
// last_name and email are required, with the shared buyer checks.
func (c *legacy) buyer(v *validator, b *legacyBuyer, param string) *model.Buyer {
	if b == nil {
		return nil
	}
	v.required(b.FirstName, param+".first_name", maxShortString)
	v.required(b.LastName, param+".last_name", maxShortString)
	return v.buyer(&wireBuyer{FirstName: b.FirstName, LastName: b.LastName, Email: b.Email, PhoneNumber: b.PhoneNumber}, param)
}

// address validates an address of these versions, which have no company.
func (c *legacy) address(v *validator, a *wireAddress, param string) *acp.Address {
	if a == nil {
		return nil
	}
	a.Company = ""
	return v.address(a, param)
}

// fulfillmentDetails validates fulfillment details of these versions,
// whose address has no company.
func (c *legacy) fulfillmentDetails(v *validator, fd *wireFulfillmentDetails, param string) *model.FulfillmentDetails {
	if fd == nil {
		return nil
	}
	if fd.Address != nil {
		fd.Address.Company = ""
	}
	return v.fulfillmentDetails(fd, param)
}

// selections validates nested selections: type shipping or digital, and
// the member of that name with an option_id. Missing item_ids means every
// line the option can carry, as in the 2026 codec.
func (c *legacy) selections(v *validator, in []nestedSelection, param string) []checkout.SelectionInput {
	out := []checkout.SelectionInput{}
	for i, sel := range in {
		p := fmt.Sprintf("%s[%d]", param, i)
		var ref *nestedSelectionOf
		switch sel.Type {
		case "":
			v.fail(apierr.CodeMissing, p+".type", "%s.type is required.", p)
			continue
		case "shipping":
			ref = sel.Shipping
		case "digital":
			ref = sel.Digital
		default:
			v.oneOf(sel.Type, p+".type", "shipping", "digital")
			continue
		}
		if ref == nil {
			v.fail(apierr.CodeMissing, p+"."+sel.Type, "%s.%s is required when type is %q.", p, sel.Type, sel.Type)
			continue
		}
		v.required(ref.OptionID, p+"."+sel.Type+".option_id", maxIDLength)
		out = append(out, checkout.SelectionInput{Type: acp.FulfillmentType(sel.Type), OptionID: ref.OptionID, ItemIDs: ref.ItemIDs})
	}
	return out
}

// outcomes20260116 maps 2026-01-16's authentication outcomes to the
// internal (2025-12-12 and 2026-04-17) vocabulary.
var outcomes20260116 = map[string]string{
	"authenticated": "authenticated",
	"attempt":       "attempt_acknowledged",
	"failed":        "denied",
	"rejected":      "rejected",
	"unavailable":   "not_supported",
}

// authenticationResult validates a 3-D Secure result. 2025-12-12's is the
// 2026 one; 2026-01-16 has its own outcomes, and its outcome_details,
// never required, must hold all four fields when sent.
func (c *legacy) authenticationResult(v *validator, ar *legacyAuthenticationResult, param string) *checkout.AuthenticationInput {
	details := nonNull(ar.OutcomeDetails)
	if !c.since(V20260116) {
		v.authenticationResult(ar.Outcome, details, param)
		return &checkout.AuthenticationInput{Outcome: ar.Outcome, Details: details}
	}
	outcome, known := outcomes20260116[ar.Outcome]
	switch {
	case ar.Outcome == "":
		v.fail(apierr.CodeMissing, param+".outcome", "%s.outcome is required.", param)
	case !known:
		v.oneOf(ar.Outcome, param+".outcome", "authenticated", "failed", "unavailable", "rejected", "attempt")
	}
	v.object(details, param+".outcome_details")
	var d map[string]json.RawMessage
	if details != nil && json.Unmarshal(details, &d) == nil {
		for _, field := range []string{"three_ds_cryptogram", "electronic_commerce_indicator", "transaction_id", "version"} {
			var value string
			if json.Unmarshal(d[field], &value) != nil || value == "" {
				v.fail(apierr.CodeMissing, param+".outcome_details."+field, "%s.outcome_details.%s is required in outcome_details.", param, field)
				break
			}
		}
	}
	return &checkout.AuthenticationInput{Outcome: outcome, Details: details}
}
