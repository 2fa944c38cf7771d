package ucpwire

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/acp-sidecar/acp/core/apierr"
	"github.com/acp-sidecar/acp/core/checkout"
	"github.com/acp-sidecar/acp/core/internal/optional"
	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/ucp"
	"github.com/acp-sidecar/acp/sdk/acp"
)

// Bounds of request strings: ids and codes, and free text.
const (
	maxID   = 256
	maxText = 1024
	// maxCodes caps the discount codes of one request.
	maxCodes = 32
)

// discountExtension is the engine's name of the discount extension: a
// session whose CreateInput lists it keeps and applies discount codes.
const discountExtension = "discount"

// The request bodies. Every UCP object the checkout carries admits
// members beyond its schema's (additionalProperties is true or absent), so
// members not listed here are accepted and not used.
type checkoutIn struct {
	LineItems   []lineItemIn   `json:"line_items"`
	Buyer       *buyerIn       `json:"buyer"`
	Context     *contextIn     `json:"context"`
	Fulfillment *fulfillmentIn `json:"fulfillment"`
	Discounts   *discountsIn   `json:"discounts"`
	Payment     *paymentIn     `json:"payment"`
	Signals     *signalsIn     `json:"signals"`
}

type lineItemIn struct {
	ID       string  `json:"id"`
	Item     *itemIn `json:"item"`
	Quantity *int64  `json:"quantity"`
}

type itemIn struct {
	ID string `json:"id"`
}

type buyerIn struct {
	FirstName   string `json:"first_name"`
	LastName    string `json:"last_name"`
	Email       string `json:"email"`
	PhoneNumber string `json:"phone_number"`
}

type contextIn struct {
	Language string `json:"language"`
}

type discountsIn struct {
	Codes []string `json:"codes"`
}

type paymentIn struct {
	Instruments []instrumentIn `json:"instruments"`
}

type instrumentIn struct {
	ID             string        `json:"id"`
	HandlerID      string        `json:"handler_id"`
	Type           string        `json:"type"`
	Selected       *bool         `json:"selected"`
	BillingAddress *addressIn    `json:"billing_address"`
	Credential     *credentialIn `json:"credential"`
}

type credentialIn struct {
	Type  string `json:"type"`
	Token string `json:"token"`
}

type signalsIn struct {
	BuyerIP   string `json:"dev.ucp.buyer_ip"`
	UserAgent string `json:"dev.ucp.user_agent"`
}

// addressIn is types/postal_address.json.
type addressIn struct {
	ExtendedAddress string `json:"extended_address"`
	StreetAddress   string `json:"street_address"`
	AddressLocality string `json:"address_locality"`
	AddressRegion   string `json:"address_region"`
	AddressCountry  string `json:"address_country"`
	PostalCode      string `json:"postal_code"`
	FirstName       string `json:"first_name"`
	LastName        string `json:"last_name"`
	PhoneNumber     string `json:"phone_number"`
}

// DecodeCreate decodes a create_checkout body for platform p: the
// fulfillment and discounts members are read only when p negotiated their
// extensions. UCP carries no currency: the session is in the business's.
func (c *Codec) DecodeCreate(body []byte, p *ucp.Platform) (checkout.CreateInput, error) {
	var in checkoutIn
	if err := unmarshal(body, &in); err != nil {
		return checkout.CreateInput{}, err
	}
	v := &validator{}
	out := checkout.CreateInput{
		UCP:   context(p),
		Items: c.items(v, in.LineItems, true),
		Buyer: v.buyer(in.Buyer),
		// UCP hands 3-D Secure to the buyer through continue_url
		// (requires_escalation), which every platform can follow.
		AgentInterventions: []string{"3ds"},
	}
	if in.Context != nil {
		out.Locale = v.bounded(in.Context.Language, "$.context.language", maxID)
	}
	if p.Has(ucp.CapFulfillment) && in.Fulfillment != nil {
		groups, _ := c.methods(v, in.Fulfillment, in.LineItems, in.Buyer, true)
		out.Groups = groups
	}
	if p.Has(ucp.CapDiscount) {
		out.Extensions = []string{discountExtension}
		if in.Discounts != nil {
			out.DiscountCodes = v.codes(in.Discounts.Codes)
		}
	}
	return out, v.err()
}

// DecodeUpdate decodes an update_checkout body for platform p. An update
// replaces the whole checkout (checkout.md, "Update Checkout"): a member
// the body leaves out is cleared, line_items is required, and the
// fulfillment methods and discount codes (when their extensions were
// negotiated) replace the session's.
func (c *Codec) DecodeUpdate(body []byte, p *ucp.Platform) (checkout.UpdateInput, error) {
	var in checkoutIn
	if err := unmarshal(body, &in); err != nil {
		return checkout.UpdateInput{}, err
	}
	v := &validator{}
	var out checkout.UpdateInput
	if in.LineItems == nil {
		v.fail(apierr.CodeMissing, "$.line_items", "$.line_items is required: an update replaces the whole checkout.")
	}
	out.Items = optional.Of(c.items(v, in.LineItems, false))
	out.Buyer = optional.Of(v.buyer(in.Buyer))
	if p.Has(ucp.CapFulfillment) {
		var groups []checkout.GroupInput
		var selections []checkout.SelectionInput
		if in.Fulfillment != nil {
			groups, selections = c.methods(v, in.Fulfillment, in.LineItems, in.Buyer, false)
		}
		out.Groups = optional.Of(groups)
		if len(selections) > 0 {
			out.Selections = optional.Of(selections)
		}
	}
	if p.Has(ucp.CapDiscount) {
		var codes []string
		if in.Discounts != nil {
			codes = v.codes(in.Discounts.Codes)
		}
		out.DiscountCodes = optional.Of(codes)
	}
	return out, v.err()
}

// DecodeComplete decodes a complete_checkout body: the selected payment
// instrument (or the only one) becomes the engine's payment, per the
// payment.UCPDescriber seam: HandlerID is its handler_id, InstrumentType
// its type, CredentialType and Token its credential's; signals become the
// risk signals passed to the processor.
func (c *Codec) DecodeComplete(body []byte) (checkout.CompleteInput, error) {
	var in checkoutIn
	if err := unmarshal(body, &in); err != nil {
		return checkout.CompleteInput{}, err
	}
	v := &validator{}
	var out checkout.CompleteInput
	out.Payment = v.payment(in.Payment)
	if s := in.Signals; s != nil && (s.BuyerIP != "" || s.UserAgent != "") {
		out.RiskSignals = &model.RiskSignals{
			IPAddress: v.bounded(s.BuyerIP, "$.signals['dev.ucp.buyer_ip']", maxID),
			UserAgent: v.bounded(s.UserAgent, "$.signals['dev.ucp.user_agent']", maxText),
		}
	}
	return out, v.err()
}

// DecodeCancel decodes a cancel_checkout body: empty or a JSON object,
// whose members are not used.
func (c *Codec) DecodeCancel(body []byte) (checkout.CancelInput, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return checkout.CancelInput{}, nil
	}
	var in map[string]json.RawMessage
	return checkout.CancelInput{}, unmarshal(body, &in)
}

// context is the UCP context a session created for p keeps.
func context(p *ucp.Platform) *model.UCPContext {
	if p == nil {
		return nil
	}
	caps := make(map[string]string, len(p.Capabilities))
	for name, version := range p.Capabilities {
		caps[name] = version
	}
	return &model.UCPContext{Profile: p.Profile, Capabilities: caps, OrderWebhookURL: p.OrderWebhookURL}
}

// unmarshal unmarshals a body that must be one JSON object.
func unmarshal(body []byte, v any) error {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return invalid("", "The request body must be a JSON object.")
	}
	if !utf8.Valid(body) {
		return invalid("", "The request body must be UTF-8.")
	}
	err := json.Unmarshal(body, v)
	var typeErr *json.UnmarshalTypeError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &typeErr) && typeErr.Field != "":
		path := "$." + typeErr.Field
		return invalid(path, "%s must be %s, not a JSON %s.", path, describe(typeErr.Type.Kind().String()), typeErr.Value)
	default:
		return invalid("", "The request body is not valid JSON.")
	}
}

// describe names a Go kind as the JSON value expected.
func describe(kind string) string {
	switch {
	case strings.HasPrefix(kind, "int"), strings.HasPrefix(kind, "uint"):
		return "an integer"
	case kind == "string":
		return "a string"
	case kind == "bool":
		return "a boolean"
	case kind == "slice":
		return "an array"
	}
	return "an object"
}

func invalid(param, format string, args ...any) *apierr.Error {
	return apierr.Invalid(apierr.CodeInvalid, param, format, args...)
}

// validator collects the first problem of a request.
type validator struct{ first *apierr.Error }

func (v *validator) fail(code, param, format string, args ...any) {
	if v.first == nil {
		v.first = apierr.Invalid(code, param, format, args...)
	}
}

func (v *validator) err() error {
	if v.first == nil {
		return nil
	}
	return v.first
}

// bounded returns value after checking its length.
func (v *validator) bounded(value, param string, max int) string {
	if len(value) > max {
		v.fail(apierr.CodeInvalid, param, "%s is longer than %d bytes.", param, max)
	}
	return value
}

// required returns value after checking it is present and bounded.
func (v *validator) required(value, param string, max int) string {
	if strings.TrimSpace(value) == "" {
		v.fail(apierr.CodeMissing, param, "%s is required.", param)
	}
	return v.bounded(value, param, max)
}

// items decodes line_items. On create a line item carries no id.
func (c *Codec) items(v *validator, in []lineItemIn, create bool) []checkout.ItemInput {
	if create && in == nil {
		v.fail(apierr.CodeMissing, "$.line_items", "$.line_items is required.")
	}
	if c.limits.MaxLineItems > 0 && len(in) > c.limits.MaxLineItems {
		v.fail(apierr.CodeInvalid, "$.line_items", "$.line_items may hold at most %d line items.", c.limits.MaxLineItems)
		return nil
	}
	out := make([]checkout.ItemInput, 0, len(in))
	for i, li := range in {
		p := fmt.Sprintf("$.line_items[%d]", i)
		v.bounded(li.ID, p+".id", maxID)
		if li.Item == nil {
			v.fail(apierr.CodeMissing, p+".item", "%s.item is required.", p)
			continue
		}
		id := v.required(li.Item.ID, p+".item.id", maxID)
		switch {
		case li.Quantity == nil:
			v.fail(apierr.CodeMissing, p+".quantity", "%s.quantity is required.", p)
		case *li.Quantity < 1:
			v.fail(apierr.CodeInvalid, p+".quantity", "%s.quantity must be at least 1.", p)
		case c.limits.MaxQuantity > 0 && *li.Quantity > c.limits.MaxQuantity:
			v.fail(apierr.CodeInvalid, p+".quantity", "%s.quantity may be at most %d.", p, c.limits.MaxQuantity)
		default:
			out = append(out, checkout.ItemInput{ID: id, Quantity: *li.Quantity})
		}
	}
	return out
}

// buyer decodes the buyer; every member is optional.
func (v *validator) buyer(b *buyerIn) *model.Buyer {
	if b == nil {
		return nil
	}
	return &model.Buyer{
		FirstName:   v.bounded(b.FirstName, "$.buyer.first_name", maxID),
		LastName:    v.bounded(b.LastName, "$.buyer.last_name", maxID),
		Email:       v.bounded(b.Email, "$.buyer.email", maxID),
		PhoneNumber: v.bounded(b.PhoneNumber, "$.buyer.phone_number", maxID),
	}
}

// codes decodes discount codes, which replace the session's.
func (v *validator) codes(codes []string) []string {
	if len(codes) > maxCodes {
		v.fail(apierr.CodeInvalid, "$.discounts.codes", "$.discounts.codes may hold at most %d codes.", maxCodes)
		return nil
	}
	out := make([]string, 0, len(codes))
	for i, code := range codes {
		out = append(out, v.required(code, fmt.Sprintf("$.discounts.codes[%d]", i), maxID))
	}
	return out
}

// payment decodes the instrument to charge: the one selected, or the
// only one.
func (v *validator) payment(p *paymentIn) checkout.PaymentInput {
	if p == nil || len(p.Instruments) == 0 {
		v.fail(apierr.CodeMissing, "$.payment.instruments", "$.payment.instruments is required and must hold the instrument to charge.")
		return checkout.PaymentInput{}
	}
	index := -1
	for i, in := range p.Instruments {
		if in.Selected != nil && *in.Selected {
			if index >= 0 {
				v.fail(apierr.CodeInvalid, fmt.Sprintf("$.payment.instruments[%d].selected", i), "Only one payment instrument may be selected.")
				return checkout.PaymentInput{}
			}
			index = i
		}
	}
	if index < 0 {
		if len(p.Instruments) > 1 {
			v.fail(apierr.CodeInvalid, "$.payment.instruments", "Several payment instruments were sent and none is selected; mark the one to charge with selected: true.")
			return checkout.PaymentInput{}
		}
		index = 0
	}
	in := p.Instruments[index]
	param := fmt.Sprintf("$.payment.instruments[%d]", index)
	v.bounded(in.ID, param+".id", maxID)
	out := checkout.PaymentInput{
		HandlerID:      v.required(in.HandlerID, param+".handler_id", maxID),
		InstrumentType: v.required(in.Type, param+".type", maxID),
	}
	if in.Credential == nil {
		v.fail(apierr.CodeMissing, param+".credential", "%s.credential is required to charge the instrument.", param)
	} else {
		out.CredentialType = v.required(in.Credential.Type, param+".credential.type", maxID)
		out.Token = v.required(in.Credential.Token, param+".credential.token", 8*maxText)
	}
	if in.BillingAddress != nil {
		out.BillingAddress = v.address(in.BillingAddress, param+".billing_address", "")
	}
	return out
}

// address decodes a postal address; name stands in for the contact's
// name when the address has none. The country must be an ISO 3166-1
// alpha-2 code: the address schema also admits alpha-3 codes and country
// names, which the engine's shipping and tax providers do not take.
func (v *validator) address(a *addressIn, param, name string) *acp.Address {
	if n := strings.TrimSpace(a.FirstName + " " + a.LastName); n != "" {
		name = n
	}
	country := strings.ToUpper(strings.TrimSpace(a.AddressCountry))
	if country != "" && (len(country) != 2 || strings.Trim(country, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "") {
		v.fail(apierr.CodeInvalid, param+".address_country", "%s.address_country must be an ISO 3166-1 alpha-2 code such as \"US\".", param)
	}
	for _, f := range []struct{ value, member string }{
		{a.StreetAddress, "street_address"}, {a.ExtendedAddress, "extended_address"}, {a.AddressLocality, "address_locality"},
		{a.AddressRegion, "address_region"}, {a.PostalCode, "postal_code"}, {a.PhoneNumber, "phone_number"},
		{a.FirstName, "first_name"}, {a.LastName, "last_name"},
	} {
		v.bounded(f.value, param+"."+f.member, maxID)
	}
	return &acp.Address{
		Name: name, LineOne: a.StreetAddress, LineTwo: a.ExtendedAddress, City: a.AddressLocality,
		State: a.AddressRegion, Country: country, PostalCode: a.PostalCode,
	}
}
