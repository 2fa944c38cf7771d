package acpwire

import (
	"net/url"
	"regexp"
	"strings"

	"github.com/acp-sidecar/acp/core/model"
)

// orderJSON is an Order as the 2026 versions send it. Every member beyond
// id, checkout_session_id and permalink_url is optional, so that the
// smaller shapes (2026-01-30, and the three older versions' session
// orders) use the same type and leave the rest out.
type orderJSON struct {
	// Type is "order" in webhook payloads and absent in sessions.
	Type              string            `json:"type,omitempty"`
	ID                string            `json:"id"`
	CheckoutSessionID string            `json:"checkout_session_id"`
	OrderNumber       string            `json:"order_number,omitempty"`
	PermalinkURL      string            `json:"permalink_url"`
	Status            string            `json:"status,omitempty"`
	Confirmation      *confirmationJSON `json:"confirmation,omitempty"`
	LineItems         []orderLineJSON   `json:"line_items,omitempty"`
	Fulfillments      []fulfillmentJSON `json:"fulfillments,omitempty"`
	Adjustments       []adjustmentJSON  `json:"adjustments,omitempty"`
	Totals            []totalJSON       `json:"totals,omitempty"`
}

type confirmationJSON struct {
	ConfirmationNumber string `json:"confirmation_number,omitempty"`
	// OrderNotes is in the JSON Schema's OrderConfirmation only, not in
	// the OpenAPI one (ACP-NOTES §12 #16).
	OrderNotes string `json:"order_notes,omitempty"`
}

type orderLineJSON struct {
	ID        string            `json:"id"`
	Title     string            `json:"title"`
	ProductID string            `json:"product_id,omitempty"`
	ImageURL  string            `json:"image_url,omitempty"`
	Quantity  orderQuantityJSON `json:"quantity"`
	UnitPrice int64             `json:"unit_price"`
	Subtotal  int64             `json:"subtotal"`
	Status    string            `json:"status"`
}

type orderQuantityJSON struct {
	Ordered   int64 `json:"ordered"`
	Current   int64 `json:"current"`
	Fulfilled int64 `json:"fulfilled"`
}

type lineReferenceJSON struct {
	ID       string `json:"id"`
	Quantity int64  `json:"quantity"`
}

type fulfillmentJSON struct {
	ID              string               `json:"id"`
	Type            string               `json:"type"`
	Status          string               `json:"status,omitempty"`
	LineItems       []lineReferenceJSON  `json:"line_items,omitempty"`
	Carrier         string               `json:"carrier,omitempty"`
	TrackingNumber  string               `json:"tracking_number,omitempty"`
	TrackingURL     string               `json:"tracking_url,omitempty"`
	Destination     *wireAddress         `json:"destination,omitempty"`
	Description     string               `json:"description,omitempty"`
	DigitalDelivery *digitalDeliveryJSON `json:"digital_delivery,omitempty"`
	Events          []fulfillmentEvent   `json:"events,omitempty"`
}

type digitalDeliveryJSON struct {
	AccessURL  string `json:"access_url,omitempty"`
	LicenseKey string `json:"license_key,omitempty"`
	ExpiresAt  string `json:"expires_at,omitempty"`
}

type fulfillmentEvent struct {
	ID          string `json:"id"`
	Type        string `json:"type"`
	OccurredAt  string `json:"occurred_at"`
	Description string `json:"description,omitempty"`
	Location    string `json:"location,omitempty"`
}

type adjustmentJSON struct {
	ID          string              `json:"id"`
	Type        string              `json:"type"`
	OccurredAt  string              `json:"occurred_at"`
	Status      string              `json:"status"`
	LineItems   []lineReferenceJSON `json:"line_items,omitempty"`
	Amount      int64               `json:"amount"`
	Currency    string              `json:"currency,omitempty"`
	Description string              `json:"description,omitempty"`
	Reason      string              `json:"reason,omitempty"`
}

// orderStatus is the order's status, created when none was recorded (an
// order starts as created).
func orderStatus(o *model.Order) string {
	if o.Status == "" {
		return model.OrderCreated
	}
	return o.Status
}

// encodeOrder0417 encodes the full 2026-04-17 Order. jsonSchemaMembers
// includes the members only the JSON Schema defines (ACP-NOTES §12 #16):
// true in session responses, which follow the JSON Schema, and false in
// webhook payloads, whose EventDataOrder composes the OpenAPI Order.
// Today the only such member this server has is confirmation.order_notes;
// client_reference_id is never recorded.
//
// Beyond what the model holds as is:
//   - a line's status is derived from its quantities (OrderLine.Status);
//   - a fulfillment's destination (a planned fulfillment of a split
//     checkout's group) is its Address;
//   - a fulfillment of a type Order.fulfillments cannot name (its enum is
//     shipping, pickup, digital) is sent as shipping, the nearest one for
//     local delivery;
//   - an image, tracking or access URL that is not an absolute URI (the
//     schema's uri format) is left out rather than making the whole order
//     invalid;
//   - line references with a quantity below 1 (the schema's minimum) are
//     left out;
//   - an adjustment's currency is the order's when it has none, in lower
//     case, and is left out when it is no ISO 4217 code;
//   - totals are items_discount (when above zero), subtotal, discount
//     (when above zero), fulfillment, tax and total from the session's
//     totals at placement, the discounts' display text naming the
//     order's discounts (Order.Discounts) as the session's totals do, where "total" is always Order.Total, the amount
//     originally charged, then amount_refunded when anything was refunded.
//     An order stored without its placement totals has only total (and
//     amount_refunded).
func encodeOrder0417(o *model.Order, jsonSchemaMembers bool) *orderJSON {
	out := &orderJSON{
		ID: o.ID, CheckoutSessionID: o.CheckoutSessionID, OrderNumber: o.OrderNumber,
		PermalinkURL: o.PermalinkURL, Status: orderStatus(o),
	}
	notes := ""
	if jsonSchemaMembers {
		notes = o.OrderNotes
	}
	if o.OrderNumber != "" || notes != "" {
		out.Confirmation = &confirmationJSON{ConfirmationNumber: o.OrderNumber, OrderNotes: notes}
	}
	for _, l := range o.Lines {
		out.LineItems = append(out.LineItems, orderLineJSON{
			ID: l.ID, Title: l.Title, ProductID: l.ProductID, ImageURL: absoluteURI(l.ImageURL),
			Quantity:  orderQuantityJSON{Ordered: l.Ordered, Current: l.Current, Fulfilled: l.Fulfilled},
			UnitPrice: l.UnitPrice, Subtotal: l.Subtotal, Status: l.Status(),
		})
	}
	for _, f := range o.Fulfillments {
		out.Fulfillments = append(out.Fulfillments, fulfillment(f))
	}
	for _, a := range o.Adjustments {
		out.Adjustments = append(out.Adjustments, adjustmentJSON{
			ID: a.ID, Type: a.Type, OccurredAt: rfc3339(a.OccurredAt), Status: a.Status, LineItems: lineReferences(a.Lines),
			Amount: a.Amount, Currency: currencyCode(a.Currency, o.Currency), Description: a.Description, Reason: a.Reason,
		})
	}
	out.Totals = orderTotals(o)
	return out
}

func fulfillment(f model.Fulfillment) fulfillmentJSON {
	out := fulfillmentJSON{
		ID: f.ID, Type: f.Type, Status: f.Status, LineItems: lineReferences(f.Lines),
		Carrier: f.Carrier, TrackingNumber: f.TrackingNumber, TrackingURL: absoluteURI(f.TrackingURL), Description: f.Description,
	}
	switch f.Type {
	case "shipping", "pickup", "digital":
	default:
		out.Type = "shipping"
	}
	if a := f.Destination; a != nil {
		dest := wireAddressOf(*a)
		out.Destination = &dest
	}
	if d := f.Digital; d != nil {
		dd := digitalDeliveryJSON{AccessURL: absoluteURI(d.AccessURL), LicenseKey: d.LicenseKey, ExpiresAt: rfc3339Ptr(d.ExpiresAt)}
		if dd != (digitalDeliveryJSON{}) {
			out.DigitalDelivery = &dd
		}
	}
	for _, e := range f.Events {
		out.Events = append(out.Events, fulfillmentEvent{
			ID: e.ID, Type: e.Type, OccurredAt: rfc3339(e.OccurredAt), Description: e.Description, Location: e.Location,
		})
	}
	return out
}

func lineReferences(lines []model.LineQuantity) []lineReferenceJSON {
	var out []lineReferenceJSON
	for _, lq := range lines {
		if lq.Quantity >= 1 {
			out = append(out, lineReferenceJSON(lq))
		}
	}
	return out
}

// absoluteURI is s when it is an absolute URI, else "".
func absoluteURI(s string) string {
	if u, err := url.Parse(s); err != nil || !u.IsAbs() {
		return ""
	}
	return s
}

var currencyPattern = regexp.MustCompile(`^[a-z]{3}$`)

// currencyCode is the adjustment's currency, else the order's, in the
// lower case ACP wants; "" when neither is a three-letter code.
func currencyCode(adjustment, order string) string {
	c := adjustment
	if c == "" {
		c = order
	}
	c = strings.ToLower(c)
	if !currencyPattern.MatchString(c) {
		return ""
	}
	return c
}

func orderTotals(o *model.Order) []totalJSON {
	var out []totalJSON
	if t := o.Totals; t != (model.Totals{}) {
		items, order := discountTotals(t, o.Discounts)
		if items != nil {
			out = append(out, *items)
		}
		out = append(out, totalJSON{Type: "subtotal", DisplayText: "Subtotal", Amount: t.Subtotal})
		if order != nil {
			out = append(out, *order)
		}
		out = append(out,
			totalJSON{Type: "fulfillment", DisplayText: "Fulfillment", Amount: t.Fulfillment},
			totalJSON{Type: "tax", DisplayText: "Tax", Amount: t.Tax},
		)
	}
	out = append(out, totalJSON{Type: "total", DisplayText: "Total", Amount: o.Total})
	if o.AmountRefunded > 0 {
		out = append(out, totalJSON{Type: "amount_refunded", DisplayText: "Refunded", Amount: o.AmountRefunded})
	}
	return out
}

// encodeOrder0130 encodes 2026-01-30's Order, whose closed schema has no
// line items, fulfillments, adjustments, totals or order notes, and whose
// closed status enum is confirmed, processing, shipped, delivered:
//
//	model status                      2026-01-30 status
//	created, confirmed, manual_review confirmed
//	processing                        processing
//	shipped                           shipped
//	completed                         delivered
//	canceled                          (left out: no value fits)
//	any other                         confirmed
func encodeOrder0130(o *model.Order) *orderJSON {
	out := &orderJSON{
		ID: o.ID, CheckoutSessionID: o.CheckoutSessionID, OrderNumber: o.OrderNumber,
		PermalinkURL: o.PermalinkURL, Status: orderStatus0130(orderStatus(o)),
	}
	if o.OrderNumber != "" {
		out.Confirmation = &confirmationJSON{ConfirmationNumber: o.OrderNumber}
	}
	return out
}

func orderStatus0130(status string) string {
	switch status {
	case model.OrderProcessing:
		return "processing"
	case model.OrderShipped:
		return "shipped"
	case model.OrderCompleted:
		return "delivered"
	case model.OrderCanceled:
		return ""
	}
	return "confirmed"
}
