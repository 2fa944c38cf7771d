package acpwire

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/sdk/acp"
)

// Session shapes of 2025-09-29, 2025-12-12 and 2026-01-16. Every schema
// is closed, so each member is emitted only by the versions that define
// it.

type legacySessionJSON struct {
	ID                         string                  `json:"id"`
	Buyer                      *legacyBuyer            `json:"buyer,omitempty"`
	PaymentProvider            json.RawMessage         `json:"payment_provider,omitempty"`
	AuthenticationProvider     json.RawMessage         `json:"authentication_provider,omitempty"`
	Status                     string                  `json:"status"`
	Currency                   string                  `json:"currency"`
	LineItems                  []legacyLineItemJSON    `json:"line_items"`
	FulfillmentAddress         *wireAddress            `json:"fulfillment_address,omitempty"`
	FulfillmentDetails         *wireFulfillmentDetails `json:"fulfillment_details,omitempty"`
	FulfillmentOptions         any                     `json:"fulfillment_options"`
	FulfillmentOptionID        string                  `json:"fulfillment_option_id,omitempty"`
	SelectedFulfillmentOptions []nestedSelection       `json:"selected_fulfillment_options,omitempty"`
	Totals                     []totalJSON             `json:"totals"`
	Messages                   []messageJSON           `json:"messages"`
	Links                      []linkJSON              `json:"links"`
	AuthenticationMetadata     json.RawMessage         `json:"authentication_metadata,omitempty"`
	Order                      *orderJSON              `json:"order,omitempty"`
}

type legacyLineItemJSON struct {
	ID          string         `json:"id"`
	Item        legacyItemJSON `json:"item"`
	BaseAmount  int64          `json:"base_amount"`
	Discount    int64          `json:"discount"`
	Subtotal    int64          `json:"subtotal"`
	Tax         int64          `json:"tax"`
	Total       int64          `json:"total"`
	Name        string         `json:"name,omitempty"`
	Description string         `json:"description,omitempty"`
	Images      []string       `json:"images,omitempty"`
	UnitAmount  *int64         `json:"unit_amount,omitempty"`
}

type legacyItemJSON struct {
	ID       string `json:"id"`
	Quantity int64  `json:"quantity"`
}

// legacyOptionJSON is a 2025-09-29 or 2025-12-12 shipping or digital
// option, with flat amounts.
type legacyOptionJSON struct {
	Type                 string `json:"type"`
	ID                   string `json:"id"`
	Title                string `json:"title"`
	Subtitle             string `json:"subtitle,omitempty"`
	Carrier              string `json:"carrier,omitempty"`
	EarliestDeliveryTime string `json:"earliest_delivery_time,omitempty"`
	LatestDeliveryTime   string `json:"latest_delivery_time,omitempty"`
	Subtotal             int64  `json:"subtotal"`
	Tax                  int64  `json:"tax"`
	Total                int64  `json:"total"`
}

type paymentProviderJSON struct {
	Provider                string  `json:"provider"`
	MerchantID              *string `json:"merchant_id,omitempty"`
	SupportedPaymentMethods any     `json:"supported_payment_methods"`
}

type paymentMethodJSON struct {
	Type                  string   `json:"type"`
	SupportedCardNetworks []string `json:"supported_card_networks"`
}

type authenticationProviderJSON struct {
	Provider                       string   `json:"provider"`
	MerchantID                     string   `json:"merchant_id"`
	SupportedAuthenticationMethods []string `json:"supported_authentication_methods"`
}

// legacyCardNetworks are the card networks these versions can name.
var legacyCardNetworks = []string{"amex", "discover", "mastercard", "visa"}

// providers encodes payment_provider and, for 2026-01-16,
// authentication_provider. Their provider is an enum of "stripe" (and
// "adyen" for authentication), so they are advertised for the handler
// that receives provider "stripe" (see route), naming that handler's PSP
// when the enum allows it and "stripe" otherwise: the handler accepts the
// Stripe-shaped token these versions send. Without such a handler neither
// is advertised.
func (c *legacy) providers() (paymentProvider, authenticationProvider json.RawMessage) {
	h := c.route("stripe")
	if h == nil {
		return nil, nil
	}
	out := paymentProviderJSON{Provider: "stripe", SupportedPaymentMethods: []string{"card"}}
	merchantID, _ := h.Config["merchant_id"].(string)
	if c.since(V20251212) {
		out.SupportedPaymentMethods = []paymentMethodJSON{{Type: "card", SupportedCardNetworks: cardNetworks(h.Config["accepted_brands"])}}
	}
	if c.since(V20260116) {
		out.MerchantID = &merchantID
		if supports, _ := h.Config["supports_3ds"].(bool); supports {
			provider := "stripe"
			if strings.EqualFold(h.PSP, "adyen") {
				provider = "adyen"
			}
			authenticationProvider = mustJSON(authenticationProviderJSON{Provider: provider, MerchantID: merchantID, SupportedAuthenticationMethods: []string{"3ds"}})
		}
	}
	return mustJSON(out), authenticationProvider
}

// cardNetworks returns the handler's accepted brands that these versions
// can name, in their order; every network when the handler lists none.
func cardNetworks(brands any) []string {
	var list []string
	switch b := brands.(type) {
	case []string:
		list = b
	case []any:
		for _, x := range b {
			if s, ok := x.(string); ok {
				list = append(list, s)
			}
		}
	default:
		return slices.Clone(legacyCardNetworks)
	}
	out := []string{}
	for _, brand := range list {
		if slices.Contains(legacyCardNetworks, brand) && !slices.Contains(out, brand) {
			out = append(out, brand)
		}
	}
	return out
}

// EncodeSession encodes the authoritative session in this version's shape.
func (c *legacy) EncodeSession(s *model.Session) ([]byte, error) {
	status := c.status(s.Status)
	out := legacySessionJSON{
		ID:              s.ID,
		Buyer:           legacyBuyerOut(s.Buyer),
		PaymentProvider: c.paymentProvider,
		Status:          status,
		Currency:        s.Currency,
		LineItems:       make([]legacyLineItemJSON, len(s.Lines)),
		Totals:          sessionTotals(s),
		Messages:        []messageJSON{},
		Links:           c.links(),
	}
	for i := range out.Totals {
		out.Totals[i].Breakdown = nil
	}
	for i, l := range s.Lines {
		out.LineItems[i] = c.lineItem(l)
	}
	c.fulfillment(s, &out)
	for _, m := range s.Messages {
		out.Messages = append(out.Messages, c.message(m))
	}
	if c.since(V20251212) {
		out.AuthenticationProvider = c.authenticationProvider
		if status == string(model.StatusAuthenticationRequired) {
			out.AuthenticationMetadata = c.authenticationMetadata(s)
		}
	} else if s.Status == model.StatusAuthenticationRequired {
		out.Messages = append(out.Messages, messageJSON{Type: string(acp.MessageError), Code: acp.CodeRequires3DS, ContentType: "plain",
			Content: "The card issuer asks for 3-D Secure authentication, which API version 2025-09-29 cannot carry. " +
				"Update the session and complete it with another payment, or complete it under API version 2025-12-12 or later."})
	}
	if o := s.Order; o != nil {
		// Only the members the closed Order defines. 2025-09-29's closed
		// CheckoutSessionBase has no order member, so no body satisfies
		// its CheckoutSessionWithOrder (ACP-NOTES §12 #28); the order is
		// sent all the same, as its OpenAPI ("completed session with
		// order") and agents expect.
		out.Order = &orderJSON{ID: o.ID, CheckoutSessionID: o.CheckoutSessionID, PermalinkURL: o.PermalinkURL}
	}
	data, err := json.Marshal(out)
	if err != nil {
		return nil, fmt.Errorf("encode session %s: %w", s.ID, err)
	}
	return data, nil
}

// status maps a status to the nearest one this version defines.
// 2025-09-29 knows not_ready_for_payment, ready_for_payment, completed,
// canceled and in_progress; 2025-12-12 and 2026-01-16 add
// authentication_required.
func (c *legacy) status(s model.Status) string {
	switch s {
	case model.StatusNotReadyForPayment, model.StatusReadyForPayment, model.StatusCompleted, model.StatusCanceled:
		return string(s)
	case model.StatusAuthenticationRequired:
		if c.since(V20251212) {
			return string(s)
		}
		// An issuer challenge cannot be answered in 2025-09-29: the
		// session cannot be paid as it stands (a requires_3ds message
		// says why).
		return string(model.StatusNotReadyForPayment)
	case model.StatusCompleteInProgress, "pending_approval", "in_progress":
		return "in_progress"
	case model.StatusExpired:
		// No further change is possible, as for a canceled session.
		return string(model.StatusCanceled)
	}
	// incomplete, requires_escalation and anything unknown: the agent has
	// something to do before payment.
	return string(model.StatusNotReadyForPayment)
}

// legacyBuyerOut encodes the buyer in the closed Buyer of these versions,
// whose first_name and last_name are required: a buyer given only a
// full_name (under 2026) has it split at its last space.
func legacyBuyerOut(b *model.Buyer) *legacyBuyer {
	if b == nil {
		return nil
	}
	first, last := b.Names()
	return &legacyBuyer{FirstName: first, LastName: last, Email: b.Email, PhoneNumber: b.PhoneNumber}
}

func (c *legacy) lineItem(l model.Line) legacyLineItemJSON {
	out := legacyLineItemJSON{
		ID: l.ID, Item: legacyItemJSON{ID: l.ItemID, Quantity: l.Quantity},
		BaseAmount: l.BaseAmount, Discount: l.Discount, Subtotal: l.Subtotal, Tax: l.Tax, Total: l.Total,
	}
	if l.Found && c.since(V20251212) {
		unit := l.UnitAmount
		out.Name, out.Description, out.Images, out.UnitAmount = l.Name, l.Description, l.Images, &unit
	}
	return out
}

// fulfillment encodes the address, the options and the selection. These
// versions know shipping and digital options only: pickup and local
// delivery options, and their selections, are left out.
func (c *legacy) fulfillment(s *model.Session, out *legacySessionJSON) {
	legacyType := func(t acp.FulfillmentType) bool {
		return t == acp.FulfillmentShipping || t == acp.FulfillmentDigital
	}
	if c.since(V20260116) {
		options := []fulfillmentOptionOut{}
		for _, o := range s.Options {
			if legacyType(o.Type) {
				options = append(options, c.base.fulfillmentOption(o))
			}
		}
		out.FulfillmentOptions = options
	} else {
		options := []legacyOptionJSON{}
		for _, o := range s.Options {
			if legacyType(o.Type) {
				// Option amounts are before tax, as in the 2026 shapes; tax
				// on fulfillment is part of the session's tax total.
				options = append(options, legacyOptionJSON{
					Type: string(o.Type), ID: o.ID, Title: o.Title, Subtitle: o.Description, Carrier: o.Carrier,
					EarliestDeliveryTime: rfc3339Ptr(o.EarliestDelivery), LatestDeliveryTime: rfc3339Ptr(o.LatestDelivery),
					Subtotal: o.Amount, Total: o.Amount,
				})
			}
		}
		out.FulfillmentOptions = options
	}
	if !c.since(V20251212) {
		if fd := s.FulfillmentDetails; fd != nil && fd.Address != nil {
			a := c.base.address(*fd.Address)
			out.FulfillmentAddress = &a
		}
		out.FulfillmentOptionID = fulfillmentOptionID(s.Selected)
		return
	}
	out.FulfillmentDetails = c.base.fulfillmentDetails(s.FulfillmentDetails)
	for _, sel := range s.Selected {
		ref := &nestedSelectionOf{OptionID: sel.OptionID, ItemIDs: sel.LineIDs}
		if ref.ItemIDs == nil {
			ref.ItemIDs = []string{}
		}
		switch sel.Type {
		case acp.FulfillmentShipping:
			out.SelectedFulfillmentOptions = append(out.SelectedFulfillmentOptions, nestedSelection{Type: string(sel.Type), Shipping: ref})
		case acp.FulfillmentDigital:
			out.SelectedFulfillmentOptions = append(out.SelectedFulfillmentOptions, nestedSelection{Type: string(sel.Type), Digital: ref})
		}
	}
}

// fulfillmentOptionID is 2025-09-29's one selected option: the first
// selected shipping option, else the first selected digital one.
func fulfillmentOptionID(selected []model.SelectedOption) string {
	for _, want := range []acp.FulfillmentType{acp.FulfillmentShipping, acp.FulfillmentDigital} {
		for _, sel := range selected {
			if sel.Type == want {
				return sel.OptionID
			}
		}
	}
	return ""
}

// legacyErrorCodes are the message error codes these versions define.
var legacyErrorCodes = []string{acp.CodeMissing, acp.CodeInvalid, acp.CodeOutOfStock, acp.CodePaymentDeclined, "requires_sign_in", acp.CodeRequires3DS}

// legacyErrorCode maps an error message code to the nearest one these
// versions define: too little stock is out_of_stock; every other problem
// the agent must fix in the request is invalid.
func legacyErrorCode(code string) string {
	switch {
	case slices.Contains(legacyErrorCodes, code):
		return code
	case code == acp.CodeLowStock:
		return acp.CodeOutOfStock
	}
	return acp.CodeInvalid
}

// message encodes a message as these versions' info or error message.
// They have no warnings (a warning becomes an info message, without its
// code) and no resolution.
func (c *legacy) message(m acp.Message) messageJSON {
	out := messageJSON{Type: string(acp.MessageInfo), Param: c.sessionParam(m.Param), ContentType: "plain", Content: m.Content}
	if m.Type == acp.MessageError {
		out.Type, out.Code = string(acp.MessageError), legacyErrorCode(m.Code)
	}
	return out
}

var lineQuantityParam = regexp.MustCompile(`^\$\.line_items\[(\d+)\]\.quantity$`)

var groupDetailsParam = regexp.MustCompile(`^\$\.fulfillment_groups\[\d+\]\.fulfillment_details`)

// sessionParam rewrites a JSONPath into the internal (2026) session shape
// as a path into this version's session: quantity lives in item, 2025-09-29
// has fulfillment_address and fulfillment_option_id, and capabilities and
// fulfillment groups do not exist (the param is then left out, except
// for a group's details, which point at the session's own, the nearest
// thing this version has).
func (c *legacy) sessionParam(p string) string {
	if loc := groupDetailsParam.FindStringIndex(p); loc != nil {
		p = "$.fulfillment_details" + p[loc[1]:]
	}
	switch {
	case lineQuantityParam.MatchString(p):
		return lineQuantityParam.ReplaceAllString(p, `$$.line_items[$1].item.quantity`)
	case within(p, "$.capabilities"), within(p, "$.fulfillment_groups"):
		return ""
	case c.since(V20251212):
		return p
	case within(p, "$.fulfillment_details.address"):
		return "$.fulfillment_address" + strings.TrimPrefix(p, "$.fulfillment_details.address")
	case within(p, "$.fulfillment_details"):
		return "$.fulfillment_address"
	case within(p, "$.selected_fulfillment_options"):
		return "$.fulfillment_option_id"
	}
	return p
}

// within reports whether the JSONPath p is prefix or a path below it.
func within(p, prefix string) bool {
	rest, ok := strings.CutPrefix(p, prefix)
	return ok && (rest == "" || rest[0] == '.' || rest[0] == '[')
}

var optionParam = regexp.MustCompile(`^(\$\.selected_fulfillment_options\[\d+\])\.(option_id|item_ids)`)

// ErrorParam rewrites an engine error's JSONPath, which names a 2026
// request field or (for a session not ready for payment) a session field,
// into this version's request and session shapes. The nested option
// selection of 2025-12-12 and 2026-01-16 keeps option_id and item_ids
// under a member named by the type, which the param does not know, so
// such errors point at the selection itself.
func (c *legacy) ErrorParam(p string) string {
	switch {
	case p == "$.currency":
		return ""
	case within(p, "$.line_items"):
		return "$.items" + strings.TrimPrefix(p, "$.line_items")
	case p == "$.payment_data.handler_id":
		return "$.payment_data.provider"
	case c.since(V20251212) && optionParam.MatchString(p):
		return optionParam.FindStringSubmatch(p)[1]
	}
	return c.sessionParam(p)
}

// links encodes the seller's links with this version's link types:
// terms_of_use and privacy_policy everywhere; return_policy from
// 2025-12-12; in 2025-09-29, the first of return_policy and
// shipping_policy as seller_shop_policies. Other types are left out.
func (c *legacy) links() []linkJSON {
	out := []linkJSON{}
	shopPolicies := false
	for _, l := range c.seller.Links {
		switch {
		case l.Type == "terms_of_use" || l.Type == "privacy_policy":
			out = append(out, linkJSON(l))
		case l.Type == "return_policy" && c.since(V20251212):
			out = append(out, linkJSON(l))
		case (l.Type == "return_policy" || l.Type == "shipping_policy") && !c.since(V20251212) && !shopPolicies:
			shopPolicies = true
			out = append(out, linkJSON{Type: "seller_shop_policies", URL: l.URL})
		}
	}
	return out
}

// authenticationMetadata is the handler's metadata with the browser
// channel block that 2025-12-12 and 2026-01-16 require. Their nested
// objects are closed, and 2026-01-16's whole object is, so only the
// members they define are kept.
func (c *legacy) authenticationMetadata(s *model.Session) json.RawMessage {
	raw := c.base.authenticationMetadata(s.AuthenticationMetadata, s.WriteOnly.RiskSignals)
	var md map[string]any
	if raw == nil || json.Unmarshal(raw, &md) != nil {
		return raw
	}
	if c.since(V20260116) {
		keep(md, "channel", "acquirer_details", "directory_server", "flow_preference")
	}
	if ad, ok := md["acquirer_details"].(map[string]any); ok {
		keep(ad, "acquirer_bin", "acquirer_country", "acquirer_merchant_id", "merchant_name", "requestor_id")
	}
	if fp, ok := md["flow_preference"].(map[string]any); ok {
		keep(fp, "type", "challenge", "frictionless")
		for _, sub := range []string{"challenge", "frictionless"} {
			if m, ok := fp[sub].(map[string]any); ok && !c.since(V20260116) {
				keep(m, "type")
			}
		}
	}
	if ch, ok := md["channel"].(map[string]any); ok {
		keep(ch, "type", "browser")
		if br, ok := ch["browser"].(map[string]any); ok {
			keep(br, "accept_header", "ip_address", "javascript_enabled", "language", "user_agent",
				"color_depth", "java_enabled", "screen_height", "screen_width", "timezone_offset")
		}
	}
	return mustJSON(md)
}

// keep deletes every member of m but names.
func keep(m map[string]any, names ...string) {
	for k := range m {
		if !slices.Contains(names, k) {
			delete(m, k)
		}
	}
}
