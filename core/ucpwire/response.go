package ucpwire

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/ucp"
)

// checkoutJSON is the checkout response (shopping/checkout.json, with the
// fulfillment and discount extensions' members).
type checkoutJSON struct {
	UCP         envelopeJSON     `json:"ucp"`
	ID          string           `json:"id"`
	Status      string           `json:"status"`
	Messages    []messageJSON    `json:"messages,omitempty"`
	Currency    string           `json:"currency"`
	LineItems   []lineItemJSON   `json:"line_items"`
	Buyer       *buyerJSON       `json:"buyer,omitempty"`
	Totals      []totalJSON      `json:"totals"`
	Links       []linkJSON       `json:"links"`
	Fulfillment *fulfillmentJSON `json:"fulfillment,omitempty"`
	Discounts   *discountsJSON   `json:"discounts,omitempty"`
	ExpiresAt   string           `json:"expires_at,omitempty"`
	ContinueURL string           `json:"continue_url,omitempty"`
	Order       *orderJSON       `json:"order,omitempty"`
}

// envelopeJSON is the ucp member of a response.
type envelopeJSON struct {
	Version         string                      `json:"version"`
	Status          string                      `json:"status"`
	Capabilities    map[string][]capabilityJSON `json:"capabilities,omitempty"`
	PaymentHandlers json.RawMessage             `json:"payment_handlers,omitempty"`
}

type capabilityJSON struct {
	Version string `json:"version"`
}

type lineItemJSON struct {
	ID       string      `json:"id"`
	Item     itemJSON    `json:"item"`
	Quantity int64       `json:"quantity"`
	Totals   []totalJSON `json:"totals"`
}

type itemJSON struct {
	ID       string `json:"id"`
	Title    string `json:"title"`
	Price    int64  `json:"price"`
	ImageURL string `json:"image_url,omitempty"`
}

type totalJSON struct {
	Type        string `json:"type"`
	DisplayText string `json:"display_text,omitempty"`
	Amount      int64  `json:"amount"`
}

type buyerJSON struct {
	FirstName   string `json:"first_name,omitempty"`
	LastName    string `json:"last_name,omitempty"`
	Email       string `json:"email,omitempty"`
	PhoneNumber string `json:"phone_number,omitempty"`
}

type linkJSON struct {
	Type  string `json:"type"`
	URL   string `json:"url"`
	Title string `json:"title,omitempty"`
}

type orderJSON struct {
	ID           string `json:"id"`
	Label        string `json:"label,omitempty"`
	PermalinkURL string `json:"permalink_url"`
}

// errorResponseJSON is types/error_response.json: the answer of an
// operation that has no checkout to return.
type errorResponseJSON struct {
	UCP         envelopeJSON  `json:"ucp"`
	Messages    []messageJSON `json:"messages"`
	ContinueURL string        `json:"continue_url,omitempty"`
}

// Status is the UCP status of a session (docs/ucp-checkout.md, "Status
// mapping").
func Status(s model.Status) string {
	switch s {
	case model.StatusReadyForPayment:
		return "ready_for_complete"
	case model.StatusRequiresEscalation, model.StatusAuthenticationRequired:
		return "requires_escalation"
	case model.StatusCompleteInProgress:
		return "complete_in_progress"
	case model.StatusCompleted:
		return "completed"
	case model.StatusCanceled, model.StatusExpired:
		return "canceled"
	}
	return "incomplete"
}

// EncodeSession encodes s as the checkout response to platform p: its
// ucp envelope lists the capabilities negotiated with p that a checkout
// response carries (checkout and its extensions), and the fulfillment
// and discounts members appear when their extensions were negotiated.
func (c *Codec) EncodeSession(s *model.Session, p *ucp.Platform) ([]byte, error) {
	status := Status(s.Status)
	out := checkoutJSON{
		UCP:       c.envelope(p, "success"),
		ID:        s.ID,
		Status:    status,
		Currency:  strings.ToUpper(s.Currency),
		LineItems: make([]lineItemJSON, len(s.Lines)),
		Buyer:     buyer(s.Buyer),
		Totals:    totals(s),
		Links:     make([]linkJSON, len(c.business.Links)),
		Messages:  messages(s, status),
		Order:     c.order(s),
	}
	if !s.ExpiresAt.IsZero() {
		out.ExpiresAt = rfc3339(s.ExpiresAt)
	}
	for i, l := range s.Lines {
		out.LineItems[i] = lineItem(l)
	}
	for i, l := range c.business.Links {
		out.Links[i] = linkJSON(l)
	}
	if p.Has(ucp.CapFulfillment) {
		out.Fulfillment = fulfillment(s)
	}
	if p.Has(ucp.CapDiscount) {
		out.Discounts = discounts(s)
	}
	out.ContinueURL = c.continueURL(s, status)
	if status == "requires_escalation" && !escalates(out.Messages) {
		out.Messages = append(out.Messages, messageJSON{Type: "error", Code: "requires_escalation", Severity: severityBuyerInput,
			Content: "This purchase must be finished on the business's page at continue_url."})
	}
	body, err := json.Marshal(out)
	if err != nil {
		return nil, fmt.Errorf("encode session %s: %w", s.ID, err)
	}
	return body, nil
}

// envelope is the ucp member of a response to p with status.
func (c *Codec) envelope(p *ucp.Platform, status string) envelopeJSON {
	out := envelopeJSON{Version: ucp.Version, Status: status, Capabilities: capabilities(p), PaymentHandlers: c.handlers}
	if p != nil && p.Version != "" {
		out.Version = p.Version
	}
	return out
}

// checkoutCapabilities are the capabilities a checkout response lists
// when negotiated (overview.md, "Response Capability Selection"): the
// checkout capability and the extensions of it this server serves.
var checkoutCapabilities = []string{ucp.CapCheckout, ucp.CapFulfillment, ucp.CapDiscount}

func capabilities(p *ucp.Platform) map[string][]capabilityJSON {
	out := map[string][]capabilityJSON{}
	if p == nil || !p.Has(ucp.CapCheckout) {
		return out
	}
	for _, name := range checkoutCapabilities {
		if version, ok := p.Capabilities[name]; ok {
			out[name] = []capabilityJSON{{Version: version}}
		}
	}
	return out
}

// continueURL is the session's continue_url: the escalation's page (for
// 3-D Secure, the issuer's challenge page), the business's checkout page
// in the other states that are not final, none in completed and
// canceled.
func (c *Codec) continueURL(s *model.Session, status string) string {
	page := ""
	if c.business.ContinueURL != nil {
		page = c.business.ContinueURL(s.ID)
	}
	switch {
	case (s.Status == model.StatusAuthenticationRequired || s.Status == model.StatusRequiresEscalation) && s.ContinueURL != "":
		// The escalation's page, or the issuer's challenge page the
		// engine keeps as the session's continue_url.
		return s.ContinueURL
	case status == "completed" || status == "canceled":
		return ""
	}
	if page == "" && status == "requires_escalation" {
		return c.business.Storefront
	}
	return page
}

func buyer(b *model.Buyer) *buyerJSON {
	if b == nil {
		return nil
	}
	first, last := b.Names()
	return &buyerJSON{FirstName: first, LastName: last, Email: b.Email, PhoneNumber: b.PhoneNumber}
}

// lineItem encodes a line: its item (the catalog's title, unit price and
// first image; the item id as title when the catalog does not know it)
// and its totals, which add up: subtotal (base amount), items_discount
// (its item-level discount, negative), tax, total.
func lineItem(l model.Line) lineItemJSON {
	out := lineItemJSON{ID: l.ID, Item: itemJSON{ID: l.ItemID, Title: l.Name, Price: l.UnitAmount}, Quantity: l.Quantity}
	if out.Item.Title == "" {
		out.Item.Title = l.ItemID
	}
	if len(l.Images) > 0 {
		out.Item.ImageURL = l.Images[0]
	}
	out.Totals = []totalJSON{{Type: "subtotal", Amount: l.BaseAmount}}
	if l.Discount > 0 {
		out.Totals = append(out.Totals, totalJSON{Type: "items_discount", Amount: -l.Discount})
	}
	out.Totals = append(out.Totals, totalJSON{Type: "tax", Amount: l.Tax}, totalJSON{Type: "total", Amount: l.Total})
	return out
}

// totals are the session's totals, in the order they add up to the
// total: subtotal (the items before discounts), items_discount and
// discount (negative, when any), fulfillment (when an option is
// selected), tax, total.
func totals(s *model.Session) []totalJSON {
	t := s.Totals
	out := []totalJSON{{Type: "subtotal", DisplayText: "Subtotal", Amount: t.ItemsBaseAmount}}
	if t.ItemsDiscount > 0 {
		out = append(out, totalJSON{Type: "items_discount", DisplayText: "Item discounts", Amount: -t.ItemsDiscount})
	}
	if t.Discount > 0 {
		out = append(out, totalJSON{Type: "discount", DisplayText: "Order discount", Amount: -t.Discount})
	}
	if len(s.Selected) > 0 {
		out = append(out, totalJSON{Type: "fulfillment", DisplayText: "Fulfillment", Amount: t.Fulfillment})
	}
	return append(out, totalJSON{Type: "tax", DisplayText: "Tax", Amount: t.Tax}, totalJSON{Type: "total", DisplayText: "Total", Amount: t.Total})
}

// order is the order confirmation of a completed session; its permalink
// is the order's, or the storefront when the order has none.
func (c *Codec) order(s *model.Session) *orderJSON {
	if s.Order == nil {
		return nil
	}
	out := &orderJSON{ID: s.Order.ID, Label: s.Order.OrderNumber, PermalinkURL: s.Order.PermalinkURL}
	if out.PermalinkURL == "" {
		out.PermalinkURL = c.business.Storefront
	}
	return out
}

func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }
