package acpwire

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/acp-sidecar/acp/core/internal/text"
	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/sdk/acp"
)

// v2026 is the codec of 2026-04-17 and 2026-01-30, which share request and
// session shapes (ACP-NOTES §10.1). before0417 drops what 2026-01-30's
// closed schemas do not know (message resolution, handler display_name,
// Address.company, the richer Order) and adds the channel block its
// AuthenticationMetadata requires.
type v2026 struct {
	version    string
	seller     Seller
	limits     Limits
	before0417 bool
	// handlers is the encoded capabilities.payment.handlers array, which
	// is the same in every response and so encoded once.
	handlers json.RawMessage
}

func newV2026(version string, seller Seller, limits Limits, before0417 bool) *v2026 {
	c := &v2026{version: version, seller: seller, limits: limits, before0417: before0417}
	handlers := make([]handlerJSON, len(seller.Handlers))
	for i, h := range seller.Handlers {
		handlers[i] = handlerJSON{
			ID: h.ID, Name: h.Name, DisplayName: h.DisplayName, Version: h.Version, Spec: h.Spec,
			RequiresDelegatePayment: h.RequiresDelegatePayment, RequiresPCICompliance: h.RequiresPCICompliance,
			PSP: h.PSP, ConfigSchema: h.ConfigSchema, InstrumentSchemas: h.InstrumentSchemas, Config: h.Config,
		}
		if before0417 {
			handlers[i].DisplayName = ""
		}
	}
	c.handlers = mustJSON(handlers)
	return c
}

// Version returns the API version.
func (c *v2026) Version() string { return c.version }

// RequiresIdempotencyKey is true from 2026-04-17 on.
func (c *v2026) RequiresIdempotencyKey() bool { return !c.before0417 }

// IdempotencyConflictStatus is 422 from 2026-04-17 on, 409 before.
func (c *v2026) IdempotencyConflictStatus() int {
	if c.before0417 {
		return http.StatusConflict
	}
	return http.StatusUnprocessableEntity
}

// ErrorParam returns param: the engine's paths are this shape's.
func (c *v2026) ErrorParam(param string) string { return param }

type sessionJSON struct {
	ID                         string                  `json:"id"`
	Protocol                   protocolJSON            `json:"protocol"`
	Capabilities               capabilitiesJSON        `json:"capabilities"`
	Buyer                      *buyerJSON              `json:"buyer,omitempty"`
	Status                     string                  `json:"status"`
	Currency                   string                  `json:"currency"`
	Locale                     string                  `json:"locale,omitempty"`
	Timezone                   string                  `json:"timezone,omitempty"`
	LineItems                  []lineItemJSON          `json:"line_items"`
	Discounts                  *discountsJSON          `json:"discounts,omitempty"`
	FulfillmentDetails         *wireFulfillmentDetails `json:"fulfillment_details,omitempty"`
	FulfillmentGroups          []wireGroup             `json:"fulfillment_groups,omitempty"`
	FulfillmentOptions         []fulfillmentOptionOut  `json:"fulfillment_options"`
	SelectedFulfillmentOptions []selectionJSON         `json:"selected_fulfillment_options,omitempty"`
	Totals                     []totalJSON             `json:"totals"`
	Messages                   []messageJSON           `json:"messages"`
	Links                      []linkJSON              `json:"links"`
	AuthenticationMetadata     json.RawMessage         `json:"authentication_metadata,omitempty"`
	CreatedAt                  string                  `json:"created_at"`
	UpdatedAt                  string                  `json:"updated_at"`
	ExpiresAt                  string                  `json:"expires_at"`
	QuoteID                    string                  `json:"quote_id,omitempty"`
	Metadata                   json.RawMessage         `json:"metadata,omitempty"`
	MarketingConsentOptions    []consentOptionJSON     `json:"marketing_consent_options,omitempty"`
	ContinueURL                string                  `json:"continue_url,omitempty"`
	Order                      *orderJSON              `json:"order,omitempty"`
}

type protocolJSON struct {
	Version string `json:"version"`
}

type capabilitiesJSON struct {
	Payment       paymentJSON       `json:"payment"`
	Interventions interventionsJSON `json:"interventions"`
	Extensions    []extensionJSON   `json:"extensions,omitempty"`
}

type paymentJSON struct {
	Handlers json.RawMessage `json:"handlers"`
}

type handlerJSON struct {
	ID                      string         `json:"id"`
	Name                    string         `json:"name"`
	DisplayName             string         `json:"display_name,omitempty"`
	Version                 string         `json:"version"`
	Spec                    string         `json:"spec"`
	RequiresDelegatePayment bool           `json:"requires_delegate_payment"`
	RequiresPCICompliance   bool           `json:"requires_pci_compliance"`
	PSP                     string         `json:"psp"`
	ConfigSchema            string         `json:"config_schema"`
	InstrumentSchemas       []string       `json:"instrument_schemas"`
	Config                  map[string]any `json:"config"`
}

type interventionsJSON struct {
	Supported   []string `json:"supported"`
	Required    []string `json:"required"`
	Enforcement string   `json:"enforcement,omitempty"`
}

type lineItemJSON struct {
	ID                  string      `json:"id"`
	Item                itemJSON    `json:"item"`
	Quantity            int64       `json:"quantity"`
	Name                string      `json:"name,omitempty"`
	Description         string      `json:"description,omitempty"`
	Images              []string    `json:"images,omitempty"`
	UnitAmount          *int64      `json:"unit_amount,omitempty"`
	ProductID           string      `json:"product_id,omitempty"`
	SKU                 string      `json:"sku,omitempty"`
	Weight              *weightJSON `json:"weight,omitempty"`
	AvailabilityStatus  string      `json:"availability_status,omitempty"`
	AvailableQuantity   *int64      `json:"available_quantity,omitempty"`
	MaxQuantityPerOrder int64       `json:"max_quantity_per_order,omitempty"`
	Totals              []totalJSON `json:"totals"`
	// DiscountDetails are the line's shares of the applied discounts.
	DiscountDetails []discountDetailJSON `json:"discount_details,omitempty"`
}

type itemJSON struct {
	ID string `json:"id"`
}

type weightJSON struct {
	Value float64 `json:"value"`
	Unit  string  `json:"unit"`
}

// buyerJSON is the buyer as sessions echo it; the nested objects were
// validated on the way in and are echoed as stored.
type buyerJSON struct {
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

func buyer(b *model.Buyer) *buyerJSON {
	if b == nil {
		return nil
	}
	return &buyerJSON{
		FirstName: b.FirstName, LastName: b.LastName, FullName: b.FullName, Email: b.Email, PhoneNumber: b.PhoneNumber,
		CustomerID: b.CustomerID, AccountType: b.AccountType, AuthenticationStatus: b.AuthenticationStatus,
		Company: b.Company, Loyalty: b.Loyalty, TaxExemption: b.TaxExemption,
	}
}

type totalJSON struct {
	Type        string          `json:"type"`
	DisplayText string          `json:"display_text"`
	Amount      int64           `json:"amount"`
	Breakdown   []breakdownJSON `json:"breakdown,omitempty"`
}

type breakdownJSON struct {
	Jurisdiction string  `json:"jurisdiction"`
	Rate         float64 `json:"rate"`
	Amount       int64   `json:"amount"`
}

type fulfillmentOptionOut struct {
	Type                 string          `json:"type"`
	ID                   string          `json:"id"`
	Title                string          `json:"title"`
	Description          string          `json:"description,omitempty"`
	Carrier              string          `json:"carrier,omitempty"`
	EarliestDeliveryTime string          `json:"earliest_delivery_time,omitempty"`
	LatestDeliveryTime   string          `json:"latest_delivery_time,omitempty"`
	Location             *locationJSON   `json:"location,omitempty"`
	DeliveryWindow       *deliveryWindow `json:"delivery_window,omitempty"`
	Totals               []totalJSON     `json:"totals"`
}

type locationJSON struct {
	Name         string      `json:"name"`
	Address      wireAddress `json:"address"`
	Phone        string      `json:"phone,omitempty"`
	Instructions string      `json:"instructions,omitempty"`
}

type deliveryWindow struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

type selectionJSON struct {
	Type     string   `json:"type"`
	OptionID string   `json:"option_id"`
	ItemIDs  []string `json:"item_ids"`
}

type messageJSON struct {
	Type        string `json:"type"`
	Code        string `json:"code,omitempty"`
	Param       string `json:"param,omitempty"`
	ContentType string `json:"content_type"`
	Content     string `json:"content"`
	Resolution  string `json:"resolution,omitempty"`
}

type linkJSON struct {
	Type string `json:"type"`
	URL  string `json:"url"`
}

// EncodeSession encodes the authoritative session.
func (c *v2026) EncodeSession(s *model.Session) ([]byte, error) {
	sc := sessionScratches.Get().(*sessionScratch)
	sc.writer = handlersWriter{handlers: c.handlers}
	if err := sc.encoder.Encode(c.buildSession(s, sc)); err != nil {
		// The encoder keeps its error: the scratch is not reused.
		return nil, fmt.Errorf("encode session %s: %w", s.ID, err)
	}
	body, err := sc.writer.body(s.ID)
	sc.release()
	return body, err
}

// sessionScratch is the memory EncodeSession builds a session's JSON in:
// the session's members, the lists they hold, the writer the encoding
// goes to and its encoder. It is pooled (sessionScratches). Nothing of it
// outlives the encoding: the answer is the copy handlersWriter makes,
// and release clears the scratch, so that it holds no session's data.
type sessionScratch struct {
	session  sessionJSON
	lines    []lineItemJSON
	options  []fulfillmentOptionOut
	messages []messageJSON
	links    []linkJSON
	// totals holds the totals of the lines, the options and the session.
	totals  []totalJSON
	writer  handlersWriter
	encoder *json.Encoder
}

var sessionScratches = sync.Pool{New: func() any {
	sc := new(sessionScratch)
	sc.encoder = json.NewEncoder(&sc.writer)
	return sc
}}

// maxPooledItems bounds the lists a pooled scratch keeps: the rare session
// with far more lines or options than most does not keep its memory held
// in the pool.
const maxPooledItems = 64

// release clears sc and returns it to the pool, unless it grew too large.
func (sc *sessionScratch) release() {
	sc.session = sessionJSON{}
	sc.writer = handlersWriter{}
	clear(sc.lines)
	clear(sc.options)
	clear(sc.messages)
	clear(sc.links)
	clear(sc.totals)
	if max(cap(sc.lines), cap(sc.options), cap(sc.messages), cap(sc.links), cap(sc.totals)/8) > maxPooledItems {
		return
	}
	sessionScratches.Put(sc)
}

// take returns n elements of *buf (never nil, so that an empty list
// encodes as [], as make's does), growing it when it is too short; the
// elements taken are those after the ones taken before since *buf was
// last emptied, and their capacity ends with them.
func take[T any](buf *[]T, n int) []T {
	if *buf == nil || len(*buf)+n > cap(*buf) {
		// The elements taken before keep the old array.
		*buf = make([]T, 0, max(2*cap(*buf), len(*buf)+n, 8))
	}
	start := len(*buf)
	*buf = (*buf)[:start+n]
	return (*buf)[start : start+n : start+n]
}

// handlersMark stands for the handlers array while a session is encoded:
// encoding/json checks and compacts every json.RawMessage it writes, which
// took a fifth of the time of encoding a session for bytes that never
// change. handlersWriter then puts the array in its place.
var handlersMark = json.RawMessage("0")

// handlersAt is what precedes the handlers array in an encoded session. It
// cannot occur inside an encoded string (whose quotes are escaped), and the
// members before capabilities (id, protocol) hold no object that could
// hold it, so its first occurrence is the array's place.
const handlersAt = `"capabilities":{"payment":{"handlers":`

// handlersPlace is handlersAt, the mark and the end of the payment object:
// what spliceHandlers looks for.
var handlersPlace = []byte(handlersAt + string(handlersMark) + "}")

// handlersWriter receives a session encoded with handlersMark, followed by
// the newline json.Encoder ends a value with, and keeps it with the
// handlers array in the mark's place: the bytes json.Marshal writes for
// the session with the array itself. json.Encoder writes a value in one
// Write, from its own buffer, which is copied once, straight into the
// body at its final length; a value written in pieces (which
// encoding/json does not do today) is gathered first and spliced at the
// end.
type handlersWriter struct {
	handlers []byte
	// out is the body, once spliced; pieces holds a value written in
	// pieces until then.
	out    []byte
	pieces []byte
	err    error
	done   bool
}

var newline = []byte("\n")

// Write implements io.Writer.
func (w *handlersWriter) Write(p []byte) (int, error) {
	// A compact JSON value holds no raw newline: a first Write ending in
	// one holds the whole value.
	if !w.done && w.pieces == nil && bytes.HasSuffix(p, newline) {
		w.out, w.err = spliceHandlers(bytes.TrimSuffix(p, newline), w.handlers)
		w.done = true
		return len(p), nil
	}
	w.pieces = append(w.pieces, p...)
	return len(p), nil
}

// body returns the session written, with the handlers array; id names the
// session in an error.
func (w *handlersWriter) body(id string) ([]byte, error) {
	if !w.done {
		w.out, w.err = spliceHandlers(bytes.TrimSuffix(w.pieces, newline), w.handlers)
	}
	if w.err != nil {
		return nil, fmt.Errorf("encode session %s: %w", id, w.err)
	}
	return w.out, nil
}

// spliceHandlers returns a copy of data, a session encoded with
// handlersMark, with handlers in the mark's place, in new memory of its
// length.
func spliceHandlers(data, handlers []byte) ([]byte, error) {
	i := bytes.Index(data, handlersPlace)
	if i < 0 {
		return nil, fmt.Errorf("no handlers mark in %.80q", data)
	}
	i += len(handlersAt)
	out := make([]byte, 0, len(data)-len(handlersMark)+len(handlers))
	out = append(out, data[:i]...)
	out = append(out, handlers...)
	return append(out, data[i+len(handlersMark):]...), nil
}

// session is the session's JSON, with handlersMark for the handlers.
func (c *v2026) session(s *model.Session) sessionJSON {
	return *c.buildSession(s, new(sessionScratch))
}

// buildSession is session, built in sc.
func (c *v2026) buildSession(s *model.Session, sc *sessionScratch) *sessionJSON {
	// The lists start where the scratch's start: what it held before
	// was cleared.
	sc.lines, sc.options, sc.messages, sc.links, sc.totals = sc.lines[:0], sc.options[:0], sc.messages[:0], sc.links[:0], sc.totals[:0]
	out := &sc.session
	*out = sessionJSON{
		ID:                     s.ID,
		Protocol:               protocolJSON{Version: c.version},
		Capabilities:           c.capabilities(s),
		Buyer:                  buyer(s.Buyer),
		Status:                 string(s.Status),
		Currency:               s.Currency,
		Locale:                 s.Locale,
		Timezone:               s.Timezone,
		LineItems:              take(&sc.lines, len(s.Lines)),
		Discounts:              encodeDiscounts(s),
		FulfillmentDetails:     c.fulfillmentDetails(s.FulfillmentDetails),
		FulfillmentGroups:      c.groups(s.Groups),
		FulfillmentOptions:     take(&sc.options, len(s.Options)),
		Totals:                 appendSessionTotals(take(&sc.totals, maxSessionTotals)[:0], s),
		Messages:               take(&sc.messages, len(s.Messages)),
		Links:                  take(&sc.links, len(c.seller.Links)),
		AuthenticationMetadata: c.authenticationMetadata(s.AuthenticationMetadata, s.WriteOnly.RiskSignals),
		CreatedAt:              rfc3339(s.CreatedAt),
		UpdatedAt:              rfc3339(s.UpdatedAt),
		ExpiresAt:              rfc3339(s.ExpiresAt),
		QuoteID:                s.QuoteID,
		Metadata:               s.Metadata,
		Order:                  c.order(s),
	}
	for i, l := range s.Lines {
		out.LineItems[i] = lineItem(take(&sc.totals, maxLineTotals)[:0], l, appliedOf(s))
	}
	for i, o := range s.Options {
		out.FulfillmentOptions[i] = c.fulfillmentOptionIn(take(&sc.totals, 1)[:0], o)
	}
	for _, sel := range s.Selected {
		out.SelectedFulfillmentOptions = append(out.SelectedFulfillmentOptions, selectionJSON{Type: string(sel.Type), OptionID: sel.OptionID, ItemIDs: sel.LineIDs})
	}
	for i, m := range s.Messages {
		out.Messages[i] = c.message(m)
	}
	for i, l := range c.seller.Links {
		out.Links[i] = linkJSON(l)
	}
	out.MarketingConsentOptions = c.consentOptions()
	out.ContinueURL = continueURL(s)
	return out
}

// maxLineTotals and maxSessionTotals are the most totals a line and a
// session have: lineItem's and sessionTotals'.
const (
	maxLineTotals    = 5
	maxSessionTotals = 7
)

func (c *v2026) capabilities(s *model.Session) capabilitiesJSON {
	out := capabilitiesJSON{
		Payment:       paymentJSON{Handlers: handlersMark},
		Interventions: interventionsJSON{Supported: s.Interventions.Supported, Required: s.Interventions.Required, Enforcement: s.Interventions.Enforcement},
		Extensions:    extensionDeclarations(s),
	}
	if out.Interventions.Supported == nil {
		out.Interventions.Supported = []string{}
	}
	if out.Interventions.Required == nil {
		out.Interventions.Required = []string{}
	}
	return out
}

// lineItem encodes a line. Its totals add up: items_base_amount, then
// items_discount (the line's item-level discount, Line.Discount, only
// above zero), subtotal (base less items_discount), tax and total
// (subtotal plus tax), as the engine computed them. A line's share of
// order-level discounts is not one of its totals: as in the spec's
// order-level example, the line total stays whole and the share comes off
// the session's discount total (the line's tax is quoted after it); the
// share shows in discount_details and the discount's allocations.
// Its totals are appended to totals.
func lineItem(totals []totalJSON, l model.Line, applied []model.AppliedDiscount) lineItemJSON {
	out := lineItemJSON{
		ID:       l.ID,
		Item:     itemJSON{ID: l.ItemID},
		Quantity: l.Quantity,
		Totals:   append(totals, totalJSON{Type: "items_base_amount", DisplayText: "Base amount", Amount: l.BaseAmount}),
	}
	if l.Discount > 0 {
		out.Totals = append(out.Totals, totalJSON{Type: "items_discount", DisplayText: "Item discount", Amount: l.Discount})
	}
	out.Totals = append(out.Totals,
		totalJSON{Type: "subtotal", DisplayText: "Subtotal", Amount: l.Subtotal},
		totalJSON{Type: "tax", DisplayText: "Tax", Amount: l.Tax},
		totalJSON{Type: "total", DisplayText: "Total", Amount: l.Total})
	out.DiscountDetails = discountDetails(applied, l.ID)
	if !l.Found {
		return out
	}
	unit := l.UnitAmount
	out.Name, out.Description, out.Images = l.Name, l.Description, l.Images
	out.UnitAmount = &unit
	out.ProductID, out.SKU = l.ProductID, l.ItemID
	if w := l.Weight; w != nil {
		out.Weight = &weightJSON{Value: w.Value, Unit: w.Unit}
	}
	out.MaxQuantityPerOrder = l.MaxPerOrder
	out.AvailabilityStatus = "in_stock"
	if l.Available != nil {
		available := *l.Available
		out.AvailableQuantity = &available
		switch {
		case available == 0:
			out.AvailabilityStatus = "out_of_stock"
		case available < l.Quantity:
			out.AvailabilityStatus = "low_stock"
		}
	}
	return out
}

func sessionTotals(s *model.Session) []totalJSON {
	// Room for every total a session may have, allocated once.
	return appendSessionTotals(make([]totalJSON, 0, maxSessionTotals), s)
}

// appendSessionTotals is sessionTotals, appended to out.
func appendSessionTotals(out []totalJSON, s *model.Session) []totalJSON {
	t := s.Totals
	out = append(out, totalJSON{Type: "items_base_amount", DisplayText: "Items", Amount: t.ItemsBaseAmount})
	items, order := discountTotals(t, appliedOf(s))
	if items != nil {
		out = append(out, *items)
	}
	out = append(out, totalJSON{Type: "subtotal", DisplayText: "Subtotal", Amount: t.Subtotal})
	if order != nil {
		out = append(out, *order)
	}
	if len(s.Selected) > 0 {
		out = append(out, totalJSON{Type: "fulfillment", DisplayText: "Fulfillment", Amount: t.Fulfillment})
	}
	taxTotal := totalJSON{Type: "tax", DisplayText: "Tax", Amount: t.Tax}
	for _, share := range s.TaxBreakdown {
		taxTotal.Breakdown = append(taxTotal.Breakdown, breakdownJSON{Jurisdiction: share.Jurisdiction, Rate: share.Rate, Amount: share.Amount})
	}
	return append(out, taxTotal, totalJSON{Type: "total", DisplayText: "Total", Amount: t.Total})
}

func (c *v2026) fulfillmentDetails(fd *model.FulfillmentDetails) *wireFulfillmentDetails {
	if fd == nil {
		return nil
	}
	out := &wireFulfillmentDetails{Name: fd.Name, PhoneNumber: fd.PhoneNumber, Email: fd.Email}
	if fd.Address != nil {
		a := c.address(*fd.Address)
		out.Address = &a
	}
	return out
}

func (c *v2026) address(a acp.Address) wireAddress {
	out := wireAddressOf(a)
	if c.before0417 {
		out.Company = ""
	}
	return out
}

// wireAddressOf is ACP's Address with every member of 2026-04-17's.
func wireAddressOf(a acp.Address) wireAddress {
	return wireAddress{Name: a.Name, LineOne: a.LineOne, LineTwo: a.LineTwo, City: a.City, State: a.State, Country: a.Country, PostalCode: a.PostalCode, Company: a.Company}
}

func (c *v2026) fulfillmentOption(o model.FulfillmentOption) fulfillmentOptionOut {
	return c.fulfillmentOptionIn(nil, o)
}

// fulfillmentOptionIn is fulfillmentOption, its total appended to totals.
func (c *v2026) fulfillmentOptionIn(totals []totalJSON, o model.FulfillmentOption) fulfillmentOptionOut {
	out := fulfillmentOptionOut{
		Type: string(o.Type), ID: o.ID, Title: o.Title, Description: o.Description,
		Totals: append(totals, totalJSON{Type: "total", DisplayText: o.Title, Amount: o.Amount}),
	}
	switch o.Type {
	case acp.FulfillmentShipping:
		out.Carrier = o.Carrier
		out.EarliestDeliveryTime = rfc3339Ptr(o.EarliestDelivery)
		out.LatestDeliveryTime = rfc3339Ptr(o.LatestDelivery)
	case acp.FulfillmentPickup:
		if p := o.Pickup; p != nil {
			out.Location = &locationJSON{Name: p.Name, Address: c.address(p.Address), Phone: p.Phone, Instructions: p.Instructions}
		}
	case acp.FulfillmentLocalDelivery:
		if o.EarliestDelivery != nil && o.LatestDelivery != nil {
			out.DeliveryWindow = &deliveryWindow{Start: rfc3339(*o.EarliestDelivery), End: rfc3339(*o.LatestDelivery)}
		}
	}
	return out
}

func (c *v2026) message(m acp.Message) messageJSON {
	out := messageJSON{Type: string(m.Type), Code: m.Code, Param: m.Param, ContentType: "plain", Content: m.Content, Resolution: string(m.Resolution)}
	if m.Type == acp.MessageInfo {
		out.Code = ""
	}
	if c.before0417 {
		out.Resolution = ""
	}
	return out
}

// authenticationMetadata adds the channel block that 2026-01-30 requires
// (and 2026-04-17 dropped) to the handler's metadata. In an agentic
// checkout the seller never sees the buyer's browser, so the block is
// filled from the agent's risk signals where it sent them.
func (c *v2026) authenticationMetadata(raw, riskSignals json.RawMessage) json.RawMessage {
	if raw == nil || !c.before0417 {
		return raw
	}
	var md map[string]any
	if err := json.Unmarshal(raw, &md); err != nil {
		return raw
	}
	if _, ok := md["channel"]; !ok {
		var risk struct {
			IPAddress      string `json:"ip_address"`
			UserAgent      string `json:"user_agent"`
			AcceptLanguage string `json:"accept_language"`
		}
		_ = json.Unmarshal(riskSignals, &risk) // absent or malformed signals leave the fields empty
		language := risk.AcceptLanguage
		if language == "" {
			language = "en"
		}
		md["channel"] = map[string]any{"type": "browser", "browser": map[string]any{
			"accept_header":      "*/*",
			"ip_address":         text.Truncate(risk.IPAddress, 45),
			"javascript_enabled": false,
			"language":           text.Truncate(language, 35),
			"user_agent":         risk.UserAgent,
		}}
	}
	return mustJSON(md)
}

// order is the session's order: the full Order under 2026-04-17, with
// the JSON-Schema-only members; 2026-01-30's smaller closed one before.
func (c *v2026) order(s *model.Session) *orderJSON {
	if s.Order == nil {
		return nil
	}
	if c.before0417 {
		return encodeOrder0130(s.Order)
	}
	return encodeOrder0417(s.Order, true)
}

func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func rfc3339Ptr(t *time.Time) string {
	if t == nil {
		return ""
	}
	return rfc3339(*t)
}
