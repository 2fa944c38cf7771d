package ucpwire

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/ucp"
)

// orderEntityJSON is UCP's order entity (shopping/order.json): the
// current-state snapshot Get Order answers and every order event carries.
type orderEntityJSON struct {
	UCP          orderEnvelopeJSON     `json:"ucp"`
	ID           string                `json:"id"`
	Label        string                `json:"label,omitempty"`
	CheckoutID   string                `json:"checkout_id"`
	PermalinkURL string                `json:"permalink_url"`
	Currency     string                `json:"currency"`
	LineItems    []orderLineItemJSON   `json:"line_items"`
	Fulfillment  orderFulfillmentJSON  `json:"fulfillment"`
	Adjustments  []orderAdjustmentJSON `json:"adjustments"`
	Totals       []orderTotalJSON      `json:"totals"`
}

// orderEnvelopeJSON is the order's ucp member (ucp.json
// response_order_schema): the release and the active capabilities.
type orderEnvelopeJSON struct {
	Version      string                           `json:"version"`
	Status       string                           `json:"status,omitempty"`
	Capabilities map[string][]orderCapabilityJSON `json:"capabilities"`
}

type orderCapabilityJSON struct {
	Version string `json:"version"`
}

type orderLineItemJSON struct {
	ID       string            `json:"id"`
	Item     orderItemJSON     `json:"item"`
	Quantity orderQuantityJSON `json:"quantity"`
	Totals   []orderTotalJSON  `json:"totals"`
	Status   string            `json:"status"`
}

type orderItemJSON struct {
	ID       string `json:"id"`
	Title    string `json:"title"`
	Price    int64  `json:"price"`
	ImageURL string `json:"image_url,omitempty"`
}

type orderQuantityJSON struct {
	Original  int64 `json:"original"`
	Total     int64 `json:"total"`
	Fulfilled int64 `json:"fulfilled"`
}

type orderTotalJSON struct {
	Type   string `json:"type"`
	Amount int64  `json:"amount"`
}

type orderFulfillmentJSON struct {
	Expectations []orderExpectationJSON      `json:"expectations"`
	Events       []orderFulfillmentEventJSON `json:"events"`
}

// orderLineRefJSON is a line item reference with a quantity: at least 1
// in expectations and fulfillment events, signed in adjustments.
type orderLineRefJSON struct {
	ID       string `json:"id"`
	Quantity int64  `json:"quantity"`
}

type orderExpectationJSON struct {
	ID          string             `json:"id"`
	LineItems   []orderLineRefJSON `json:"line_items"`
	MethodType  string             `json:"method_type"`
	Destination orderAddressJSON   `json:"destination"`
	Description string             `json:"description,omitempty"`
}

// orderAddressJSON is UCP's postal address (postal_address.json).
type orderAddressJSON struct {
	ExtendedAddress string `json:"extended_address,omitempty"`
	StreetAddress   string `json:"street_address,omitempty"`
	AddressLocality string `json:"address_locality,omitempty"`
	AddressRegion   string `json:"address_region,omitempty"`
	AddressCountry  string `json:"address_country,omitempty"`
	PostalCode      string `json:"postal_code,omitempty"`
	FirstName       string `json:"first_name,omitempty"`
	LastName        string `json:"last_name,omitempty"`
}

type orderFulfillmentEventJSON struct {
	ID             string             `json:"id"`
	OccurredAt     string             `json:"occurred_at"`
	Type           string             `json:"type"`
	LineItems      []orderLineRefJSON `json:"line_items"`
	TrackingNumber string             `json:"tracking_number,omitempty"`
	TrackingURL    string             `json:"tracking_url,omitempty"`
	Carrier        string             `json:"carrier,omitempty"`
	Description    string             `json:"description,omitempty"`
}

type orderAdjustmentJSON struct {
	ID          string             `json:"id"`
	Type        string             `json:"type"`
	OccurredAt  string             `json:"occurred_at"`
	Status      string             `json:"status"`
	LineItems   []orderLineRefJSON `json:"line_items,omitempty"`
	Totals      []orderTotalJSON   `json:"totals,omitempty"`
	Description string             `json:"description,omitempty"`
}

// orderEventJSON is the body of an order event webhook: the order entity
// with the event's id and creation time (order.md, "Order Event
// Webhook").
type orderEventJSON struct {
	orderEntityJSON
	EventID     string `json:"event_id"`
	CreatedTime string `json:"created_time"`
}

// orderErrorJSON is UCP's error response (types/error_response.json): a
// business outcome answered in place of an order.
type orderErrorJSON struct {
	UCP      orderEnvelopeJSON  `json:"ucp"`
	Messages []orderMessageJSON `json:"messages"`
}

type orderMessageJSON struct {
	Type     string `json:"type"`
	Code     string `json:"code"`
	Content  string `json:"content"`
	Severity string `json:"severity"`
}

// OrderJSON encodes o as UCP's order entity (shopping/order.json), the
// body Get Order answers, whose ucp member names release version and the
// order capability at capVersion (each ucp.Version when empty). An order
// placed over ACP is encoded the same way. See orderEntity for how the
// model maps onto the entity.
func OrderJSON(o *model.Order, version, capVersion string) ([]byte, error) {
	if o == nil {
		return nil, errors.New("encode UCP order: no order")
	}
	data, err := json.Marshal(orderEntity(o, version, capVersion))
	if err != nil {
		return nil, fmt.Errorf("encode UCP order %s: %w", o.ID, err)
	}
	return data, nil
}

// OrderEventJSON encodes the body of the order event webhook eventID
// created at createdAt: the full order entity as OrderJSON encodes it,
// with event_id and created_time beside its members, as order.md's
// example of an event request has them. The ucp member names the release
// and the order capability version negotiated when the order's checkout
// was made (its API version and UCP context), else ucp.Version.
func OrderEventJSON(o *model.Order, eventID string, createdAt time.Time) ([]byte, error) {
	if o == nil {
		return nil, errors.New("encode UCP order event: no order")
	}
	if eventID == "" {
		return nil, fmt.Errorf("encode UCP order event for order %s: no event id", o.ID)
	}
	version, _ := ucp.IsAPIVersion(o.APIVersion)
	capVersion := ""
	if o.UCP != nil {
		capVersion = o.UCP.Capabilities[ucp.CapOrder]
	}
	body := orderEventJSON{
		orderEntityJSON: orderEntity(o, version, capVersion),
		EventID:         eventID, CreatedTime: orderTime(createdAt),
	}
	data, err := json.Marshal(body)
	if err != nil {
		return nil, fmt.Errorf("encode UCP order event for order %s: %w", o.ID, err)
	}
	return data, nil
}

// OrderNotFoundJSON is Get Order's answer for an order the caller may not
// see, whether it does not exist or another platform's checkout made it
// (order.md, "Error Responses"): an error response whose message is
// not_found, unrecoverable, sent with HTTP 200 as a business outcome.
func OrderNotFoundJSON(version, capVersion string) []byte {
	env := orderEnvelope(version, capVersion)
	env.Status = "error"
	data, _ := json.Marshal(orderErrorJSON{UCP: env, Messages: []orderMessageJSON{{
		Type: "error", Code: "not_found", Content: "Order not found.", Severity: "unrecoverable",
	}}}) // strings only: cannot fail
	return data
}

func orderEnvelope(version, capVersion string) orderEnvelopeJSON {
	version = cmp.Or(version, ucp.Version)
	return orderEnvelopeJSON{Version: version, Capabilities: map[string][]orderCapabilityJSON{
		ucp.CapOrder: {{Version: cmp.Or(capVersion, version)}},
	}}
}

// orderEntity maps the model onto UCP's order entity:
//   - label is the order number, when the order system gave one;
//   - currency is the ISO 4217 code in upper case;
//   - a line's item id is the item the agent checked out (UCP orders),
//     else its product id, else the line's id; its price is the unit
//     price; its quantity is original (ordered), total (current after
//     cancellations) and fulfilled; its totals are its subtotal (the
//     order keeps no line's tax); its status is derived from them;
//   - each fulfillment still carrying items (neither failed nor
//     canceled) is an expectation: its lines, its type as method_type
//     (shipping when it is none of shipping, pickup, digital), its
//     destination (an empty address when the order does not know it:
//     fulfillments the store reported, digital ones) and its description;
//   - the fulfillment events are the logs of every fulfillment, in the
//     order they occurred, each with its fulfillment's lines and tracking;
//     a location is added to the description;
//   - adjustments (refunds, credits, disputes, cancellations) take money
//     and items away: their line quantities and amounts are negative; an
//     adjustment without an amount has no totals; its description is its
//     description, else its reason;
//   - the totals are subtotal (the items' prices), items_discount and
//     discount (when any, negative), fulfillment and tax from the
//     checkout's totals, and total, the amount charged; an order stored
//     without its checkout's totals has subtotal (the lines' subtotals)
//     and total only. Refunds show in the adjustments, not the totals;
//   - URLs the schema types as URIs (an image, a tracking URL) are left
//     out when they are not absolute, rather than making the order
//     invalid; line references with a quantity below 1 are left out.
func orderEntity(o *model.Order, version, capVersion string) orderEntityJSON {
	out := orderEntityJSON{
		UCP: orderEnvelope(version, capVersion), ID: o.ID, Label: o.OrderNumber, CheckoutID: o.CheckoutSessionID,
		PermalinkURL: o.PermalinkURL, Currency: strings.ToUpper(o.Currency),
		LineItems:   make([]orderLineItemJSON, 0, len(o.Lines)),
		Fulfillment: orderFulfillment(o.Fulfillments),
		Adjustments: make([]orderAdjustmentJSON, 0, len(o.Adjustments)),
		Totals:      orderTotals(o),
	}
	for _, l := range o.Lines {
		out.LineItems = append(out.LineItems, orderLineItemJSON{
			ID: l.ID,
			Item: orderItemJSON{
				ID: cmp.Or(l.ItemID, l.ProductID, l.ID), Title: l.Title, Price: l.UnitPrice, ImageURL: orderAbsoluteURI(l.ImageURL),
			},
			Quantity: orderQuantityJSON{Original: l.Ordered, Total: l.Current, Fulfilled: l.Fulfilled},
			Totals:   []orderTotalJSON{{Type: "subtotal", Amount: l.Subtotal}},
			Status:   l.Status(),
		})
	}
	for _, a := range o.Adjustments {
		adj := orderAdjustmentJSON{
			ID: a.ID, Type: a.Type, OccurredAt: orderTime(a.OccurredAt), Status: a.Status,
			Description: cmp.Or(a.Description, a.Reason),
		}
		for _, lq := range a.Lines {
			if lq.Quantity >= 1 {
				adj.LineItems = append(adj.LineItems, orderLineRefJSON{ID: lq.ID, Quantity: -lq.Quantity})
			}
		}
		if a.Amount != 0 {
			adj.Totals = []orderTotalJSON{{Type: "total", Amount: -a.Amount}}
		}
		out.Adjustments = append(out.Adjustments, adj)
	}
	return out
}

func orderFulfillment(fulfillments []model.Fulfillment) orderFulfillmentJSON {
	out := orderFulfillmentJSON{Expectations: []orderExpectationJSON{}, Events: []orderFulfillmentEventJSON{}}
	type dated struct {
		at time.Time
		ev orderFulfillmentEventJSON
	}
	var events []dated
	for _, f := range fulfillments {
		lines := orderLineRefs(f.Lines)
		if !f.Void() && len(lines) > 0 {
			exp := orderExpectationJSON{ID: f.ID, LineItems: lines, MethodType: f.Type, Description: f.Description}
			switch f.Type {
			case "shipping", "pickup", "digital":
			default:
				exp.MethodType = "shipping"
			}
			if a := f.Destination; a != nil {
				first, last := (&model.Buyer{FullName: a.Name}).Names()
				exp.Destination = orderAddressJSON{
					ExtendedAddress: a.LineTwo, StreetAddress: a.LineOne, AddressLocality: a.City, AddressRegion: a.State,
					AddressCountry: a.Country, PostalCode: a.PostalCode, FirstName: first, LastName: last,
				}
			}
			out.Expectations = append(out.Expectations, exp)
		}
		for _, e := range f.Events {
			description := e.Description
			switch {
			case e.Location != "" && description != "":
				description += " (" + e.Location + ")"
			case e.Location != "":
				description = e.Location
			}
			events = append(events, dated{e.OccurredAt, orderFulfillmentEventJSON{
				ID: e.ID, OccurredAt: orderTime(e.OccurredAt), Type: e.Type, LineItems: lines,
				TrackingNumber: f.TrackingNumber, TrackingURL: orderAbsoluteURI(f.TrackingURL), Carrier: f.Carrier, Description: description,
			}})
		}
	}
	slices.SortStableFunc(events, func(a, b dated) int { return a.at.Compare(b.at) })
	for _, e := range events {
		out.Events = append(out.Events, e.ev)
	}
	return out
}

// orderLineRefs are the references of lines with a quantity of at least
// 1, never nil (the schemas require the array).
func orderLineRefs(lines []model.LineQuantity) []orderLineRefJSON {
	out := []orderLineRefJSON{}
	for _, lq := range lines {
		if lq.Quantity >= 1 {
			out = append(out, orderLineRefJSON(lq))
		}
	}
	return out
}

func orderTotals(o *model.Order) []orderTotalJSON {
	t := o.Totals
	if t == (model.Totals{}) {
		var subtotal int64
		for _, l := range o.Lines {
			subtotal += l.Subtotal
		}
		return []orderTotalJSON{{Type: "subtotal", Amount: subtotal}, {Type: "total", Amount: o.Total}}
	}
	out := []orderTotalJSON{{Type: "subtotal", Amount: t.ItemsBaseAmount}}
	if t.ItemsDiscount > 0 {
		out = append(out, orderTotalJSON{Type: "items_discount", Amount: -t.ItemsDiscount})
	}
	if t.Discount > 0 {
		out = append(out, orderTotalJSON{Type: "discount", Amount: -t.Discount})
	}
	return append(out,
		orderTotalJSON{Type: "fulfillment", Amount: t.Fulfillment},
		orderTotalJSON{Type: "tax", Amount: t.Tax},
		orderTotalJSON{Type: "total", Amount: o.Total},
	)
}

// orderTime is t as RFC 3339 in UTC, to the second.
func orderTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// orderAbsoluteURI is s when it is an absolute URI, else "".
func orderAbsoluteURI(s string) string {
	if u, err := url.Parse(s); err != nil || !u.IsAbs() {
		return ""
	}
	return s
}
