package acpwire

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/acp-sidecar/acp/core/model"
)

// orderEventJSON is a webhook body: the event type and the order.
type orderEventJSON struct {
	Type string `json:"type"`
	Data any    `json:"data"`
}

// legacyEventOrderJSON is the closed EventDataOrder of 2026-01-30 and
// earlier.
type legacyEventOrderJSON struct {
	Type              string             `json:"type"`
	CheckoutSessionID string             `json:"checkout_session_id"`
	PermalinkURL      string             `json:"permalink_url"`
	Status            string             `json:"status"`
	Refunds           []legacyRefundJSON `json:"refunds"`
}

type legacyRefundJSON struct {
	Type   string `json:"type"`
	Amount int64  `json:"amount"`
}

// EncodeOrderEvent encodes the body of an order webhook event (eventType
// is model.EventOrderCreate or model.EventOrderUpdate) carrying the full
// current snapshot of o, in the shape of the webhook schema
// (openapi.agentic_checkout_webhook.yaml, WebhookEvent) of version. It
// returns an error for an unknown version, a nil order, an empty event
// type, or an event type a version's closed enum does not define.
//
// 2026-04-17: {"type": eventType, "data": order} where order is the same
// Order the version's session responses carry, plus "type": "order", but
// without the members only the JSON Schema defines (confirmation.order_notes;
// EventDataOrder composes the OpenAPI Order, ACP-NOTES §12 #16). The event
// type is an open string there; any non-empty value is sent as given. An
// order without a status is sent as created.
//
// 2026-01-30, 2026-01-16, 2025-12-12 and 2025-09-29 share one closed shape,
// {"type": "order_create"|"order_update", "data": {"type": "order",
// "checkout_session_id", "permalink_url", "status", "refunds"}}, which has
// no order id, no order number and no line items. Their status enum is
// closed, so the order's status is mapped:
//
//	order status           webhook status
//	created (or none)      created
//	confirmed              confirmed
//	manual_review          manual_review
//	processing             confirmed
//	shipped                shipped
//	completed              fulfilled
//	canceled               canceled
//	any other              confirmed
//
// refunds (always present, possibly empty) lists the completed refunds and
// credits among the order's adjustments, in their order:
//
//	adjustment (status completed)   refund
//	type refund                     {"type": "original_payment", "amount": amount}
//	type credit                     {"type": "store_credit", "amount": amount}
//
// Pending and failed adjustments, and those of any other type
// (cancellation, dispute, …), are not refunds and are left out.
func EncodeOrderEvent(version, eventType string, o *model.Order) ([]byte, error) {
	if o == nil {
		return nil, errors.New("encode order event: no order")
	}
	var event orderEventJSON
	switch version {
	case V20260417:
		if eventType == "" {
			return nil, fmt.Errorf("encode order event for order %s: no event type", o.ID)
		}
		data := encodeOrder0417(o, false)
		data.Type = "order"
		event = orderEventJSON{Type: eventType, Data: data}
	case V20260130, V20260116, V20251212, V20250929:
		if eventType != model.EventOrderCreate && eventType != model.EventOrderUpdate {
			return nil, fmt.Errorf("encode order event for order %s: API version %s defines only the event types %s and %s, not %q",
				o.ID, version, model.EventOrderCreate, model.EventOrderUpdate, eventType)
		}
		event = orderEventJSON{Type: eventType, Data: legacyEventOrder(o)}
	default:
		return nil, fmt.Errorf("encode order event for order %s: unknown API version %q", o.ID, version)
	}
	data, err := json.Marshal(event)
	if err != nil {
		return nil, fmt.Errorf("encode order event for order %s: %w", o.ID, err)
	}
	return data, nil
}

func legacyEventOrder(o *model.Order) legacyEventOrderJSON {
	out := legacyEventOrderJSON{
		Type: "order", CheckoutSessionID: o.CheckoutSessionID, PermalinkURL: o.PermalinkURL,
		Status: legacyWebhookStatus(orderStatus(o)), Refunds: []legacyRefundJSON{},
	}
	for _, a := range o.Adjustments {
		if a.Status != model.AdjustmentCompleted {
			continue
		}
		switch a.Type {
		case model.AdjustmentRefund:
			out.Refunds = append(out.Refunds, legacyRefundJSON{Type: "original_payment", Amount: a.Amount})
		case model.AdjustmentCredit:
			out.Refunds = append(out.Refunds, legacyRefundJSON{Type: "store_credit", Amount: a.Amount})
		}
	}
	return out
}

// legacyWebhookStatus maps an order status to the closed enum of the
// legacy EventDataOrder (see EncodeOrderEvent).
func legacyWebhookStatus(status string) string {
	switch status {
	case model.OrderCreated, model.OrderConfirmed, model.OrderManualReview, model.OrderShipped, model.OrderCanceled:
		return status
	case model.OrderCompleted:
		return "fulfilled"
	}
	return "confirmed"
}
